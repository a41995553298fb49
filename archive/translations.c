/* archive/translations.h: the language codes of translation subpages, in
 * an open-addressing hash of their source titles (a dump of the unified
 * wiki has tens of thousands of pages, and every session asks). */
#include "archive/translations.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"

/* The translation subpages ("X/fr") seen of a source page X. */
typedef struct translated {
    char *title;          /* X; NULL = empty slot */
    wm_names_t codes;
    bool late;            /* a code came after a session of X was given */
} translated_t;

/* The titles of the pages whose sessions were given, as 64-bit hashes (0:
 * an empty slot; a title hashing to 0 is stored as 1): 8 bytes a page.  A
 * collision only makes a page late that was not given, which gives its
 * sessions once more, unchanged. */
typedef struct given {
    uint64_t *slots;
    size_t n, cap;        /* cap: a power of two, at least twice n (0: no slots yet) */
} given_t;

struct wm_translations {
    translated_t *slots;
    size_t n, cap;        /* cap: a power of two, at least twice n (0: no slots yet) */
    given_t given;
    size_t late;          /* pages late */
};

wm_translations_t *wm_translations_new(void)
{
    return calloc(1, sizeof(wm_translations_t));
}

void wm_translations_free(wm_translations_t *translations)
{
    wm_translations_clear(translations);
    free(translations);
}

void wm_translations_clear(wm_translations_t *tr)
{
    if (!tr)
        return;
    for (size_t i = 0; i < tr->cap; i++) {
        free(tr->slots[i].title);
        for (size_t j = 0; j < tr->slots[i].codes.n; j++)
            free(tr->slots[i].codes.items[j]);
        free(tr->slots[i].codes.items);
    }
    free(tr->slots);
    tr->slots = NULL;
    tr->n = tr->cap = 0;
    free(tr->given.slots);
    tr->given = (given_t){0};
    tr->late = 0;
}

/* A title's hash for both tables (FNV-1a), never 0: the given set keeps
 * it instead of the title. */
static uint64_t title_key(const char *title)
{
    uint64_t h = 14695981039346656037u;
    for (const unsigned char *p = (const unsigned char *)title; *p; p++)
        h = (h ^ *p) * 1099511628211u;
    return h ? h : 1;
}

/* Where a key's probe starts in a table of mask + 1 slots. */
static size_t first_slot(uint64_t key, size_t mask)
{
    return (size_t)(key ^ (key >> 32)) & mask;
}

/* The slot of key in given, or the empty slot where it would go (cap > 0). */
static uint64_t *given_slot(const given_t *g, uint64_t key)
{
    size_t mask = g->cap - 1;
    for (size_t i = first_slot(key, mask);; i = (i + 1) & mask)
        if (!g->slots[i] || g->slots[i] == key)
            return &g->slots[i];
}

static bool was_given(const wm_translations_t *tr, const char *title)
{
    return tr->given.cap && *given_slot(&tr->given, title_key(title)) != 0;
}

static int grow_given(given_t *g)
{
    size_t cap = g->cap ? g->cap * 2 : 1024;
    given_t bigger = {calloc(cap, sizeof *bigger.slots), g->n, cap};
    if (!bigger.slots)
        return -1;
    for (size_t i = 0; i < g->cap; i++)
        if (g->slots[i])
            *given_slot(&bigger, g->slots[i]) = g->slots[i];
    free(g->slots);
    *g = bigger;
    return 0;
}

int wm_translations_note_given(wm_translations_t *tr, const char *page_title)
{
    if (!page_title)
        return 0;
    if ((tr->given.n + 1) * 2 > tr->given.cap && grow_given(&tr->given) < 0)
        return -1;
    uint64_t key = title_key(page_title);
    uint64_t *slot = given_slot(&tr->given, key);
    if (!*slot) {
        *slot = key;
        tr->given.n++;
    }
    return 0;
}

/* The slot of title, or the empty slot where it would go. */
static translated_t *slot_of(const wm_translations_t *tr, const char *title)
{
    size_t mask = tr->cap - 1;
    for (size_t i = first_slot(title_key(title), mask);; i = (i + 1) & mask)
        if (!tr->slots[i].title || strcmp(tr->slots[i].title, title) == 0)
            return &tr->slots[i];
}

static int grow(wm_translations_t *tr)
{
    size_t old_cap = tr->cap;
    translated_t *old = tr->slots;
    size_t cap = old_cap ? old_cap * 2 : 64;
    tr->slots = calloc(cap, sizeof *tr->slots);
    if (!tr->slots) {
        tr->slots = old;
        return -1;
    }
    tr->cap = cap;
    for (size_t i = 0; i < old_cap; i++)
        if (old[i].title)
            *slot_of(tr, old[i].title) = old[i];
    free(old);
    return 0;
}

static bool has_code(const wm_names_t *codes, const char *code)
{
    for (size_t i = 0; i < codes->n; i++)
        if (strcmp(codes->items[i], code) == 0)
            return true;
    return false;
}

/* Remember that base has a translation subpage in language code: 0 or -1. */
static int remember(wm_translations_t *tr, const char *base, size_t base_len, const char *code)
{
    char *title = wm_strndup(base, base_len);
    char *lower = strdup(code);
    if (!title || !lower || ((tr->n + 1) * 2 > tr->cap && grow(tr) < 0)) {
        free(title);
        free(lower);
        return -1;
    }
    for (char *p = lower; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    translated_t *slot = slot_of(tr, title);
    if (!slot->title) {
        slot->title = title;
        tr->n++;
    } else {
        free(title);
    }
    if (has_code(&slot->codes, lower)) {
        free(lower);
        return 0;
    }
    char **items = realloc(slot->codes.items, (slot->codes.n + 1) * sizeof *items);
    if (!items) {
        free(lower);
        return -1;
    }
    items[slot->codes.n++] = lower;
    slot->codes.items = items;
    if (!slot->late && was_given(tr, slot->title)) {
        slot->late = true;
        tr->late++;
    }
    return 0;
}

bool wm_translations_late(const wm_translations_t *tr, const char *page_title)
{
    return tr->late && page_title && slot_of(tr, page_title)->late;
}

bool wm_translations_any_late(const wm_translations_t *tr)
{
    return tr->late > 0;
}

int wm_translations_take_subpage(wm_translations_t *tr, const wm_rules_t *rules,
                                 const char *dbname, const char *title, bool *taken)
{
    *taken = false;
    const char *slash = strrchr(title, '/');
    if (!slash || !wm_rules_is_translation_code(rules, slash + 1, strlen(slash + 1)))
        return 0;
    char *base = wm_strndup(title, (size_t)(slash - title));
    wm_title_match_t match;
    if (!base)
        return -1;
    *taken = wm_rules_find_era(rules, dbname, base, &match) != NULL;
    free(base);
    return *taken ? remember(tr, title, (size_t)(slash - title), slash + 1) : 0;
}

int wm_translations_attach(const wm_translations_t *tr, wm_session_t *session)
{
    if (!tr->cap || !session->page_title)
        return 0;
    const translated_t *slot = slot_of(tr, session->page_title);
    for (size_t i = 0; slot->title && i < slot->codes.n; i++)
        if (wm_session_add_translation(session, slot->codes.items[i]) < 0)
            return -1;
    return 0;
}
