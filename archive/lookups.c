/* archive/lookups.h: what the pages a session page refers to say.
 *
 * Speaker pages are kept as code -> name and biography (the biographies in
 * a temporary file: a 2023 dump has a page per speaker); switch templates
 * as their {{#switch:}} cases.  Both are looked up by name as MediaWiki
 * compares titles. */
#include "archive/lookups.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "archive/spill.h"
#include "common/util.h"
#include "archive/wikitext.h"

/* How deep to look into nested template calls for speaker pages and switch
 * tables: real pages nest two or three levels; a constant keeps the stack
 * bounded whatever the page holds. */
#define MAX_TEMPLATE_DEPTH 6

typedef struct speaker_info {
    const char *page;   /* the rule's speaker page name (owned by the rules) */
    char *code;
    char *name;         /* plain text, NULL when the page gave none */
    /* The biography (plain text): bio_len bytes at bio_at in biographies;
     * bio_len 0 when the page gave none. */
    uint64_t bio_at;
    size_t bio_len;
} speaker_info_t;

typedef struct switch_case {
    char *key;
    char *value;        /* wikitext */
} switch_case_t;

typedef struct switch_table {
    char *name;
    switch_case_t *cases;
    size_t n_cases;
} switch_table_t;

struct wm_lookups {
    speaker_info_t *speakers;
    size_t n_speakers, speakers_cap;
    size_t *speaker_slots;    /* hash of speakers by code: index + 1, 0 = empty */
    size_t n_slots;           /* a power of two, at least twice n_speakers */
    /* Speakers' biographies, the bulk of the speaker table (27,000 speaker
     * pages in the 100,000-session benchmark), wait in a temporary file so
     * memory stays flat. */
    wm_spill_texts_t *biographies;
    switch_table_t *switches;
    size_t n_switches;
    wm_result_t status;   /* of the current call: its worst failure */
};

wm_lookups_t *wm_lookups_new(void)
{
    wm_lookups_t *lk = calloc(1, sizeof *lk);
    if (lk && !(lk->biographies = wm_spill_texts_new())) {
        free(lk);
        return NULL;
    }
    return lk;
}

void wm_lookups_free(wm_lookups_t *lk)
{
    if (!lk)
        return;
    wm_lookups_clear(lk);
    wm_spill_texts_free(lk->biographies);
    free(lk);
}

/* Out of memory wins over a read failure: it stops the extractor. */
static void fail(wm_lookups_t *lk, wm_result_t status)
{
    if (lk->status != WM_ERR_NO_MEMORY)
        lk->status = status;
}

/* --- names ---------------------------------------------------------------------- */

/* Names of pages and templates compare like MediaWiki titles: first letter
 * case-insensitive, '_' the same as ' '. */
static bool name_char_eq(char a, char b, bool first)
{
    if (a == '_')
        a = ' ';
    if (b == '_')
        b = ' ';
    return first ? tolower((unsigned char)a) == tolower((unsigned char)b) : a == b;
}

bool wm_lookups_same_name(const char *a, const char *b)
{
    return wm_wiki_same_name(a, b);
}

bool wm_lookups_names_have(const wm_names_t *names, const char *name)
{
    for (size_t i = 0; i < names->n; i++)
        if (wm_lookups_same_name(names->items[i], name))
            return true;
    return false;
}

/* If name is "<prefix>/<rest>", return rest; else NULL. */
static const char *subpage_of(const char *name, const char *prefix)
{
    size_t i = 0;
    for (; prefix[i]; i++)
        if (!name_char_eq(name[i], prefix[i], i == 0))
            return NULL;
    return name[i] == '/' && name[i + 1] ? name + i + 1 : NULL;
}

static char *plain_of(wm_lookups_t *lk, const char *text, size_t len)
{
    char *plain = wm_wikitext_to_plain(text, len);
    if (!plain)
        fail(lk, WM_ERR_NO_MEMORY);
    return plain;
}

/* --- speaker pages and switch tables ---------------------------------------------- */

static const switch_table_t *find_switch(const wm_lookups_t *lk, const char *name)
{
    for (size_t i = 0; i < lk->n_switches; i++)
        if (wm_lookups_same_name(lk->switches[i].name, name))
            return &lk->switches[i];
    return NULL;
}

/* FNV-1a: speaker codes are short and many (one page per speaker). */
static size_t hash_code(const char *code)
{
    uint64_t h = 14695981039346656037u;
    for (const unsigned char *p = (const unsigned char *)code; *p; p++)
        h = (h ^ *p) * 1099511628211u;
    return (size_t)h;
}

static const speaker_info_t *find_speaker(const wm_lookups_t *lk, const char *page,
                                          const char *code)
{
    size_t mask = lk->n_slots - 1;
    for (size_t i = hash_code(code) & mask; lk->n_slots && lk->speaker_slots[i]; i = (i + 1) & mask) {
        const speaker_info_t *info = &lk->speakers[lk->speaker_slots[i] - 1];
        if (strcmp(info->code, code) == 0 && wm_lookups_same_name(info->page, page))
            return info;
    }
    return NULL;
}

static void place_speaker(wm_lookups_t *lk, size_t index)
{
    size_t mask = lk->n_slots - 1, i = hash_code(lk->speakers[index].code) & mask;
    while (lk->speaker_slots[i])
        i = (i + 1) & mask;
    lk->speaker_slots[i] = index + 1;
}

/* Hash the newest speaker, growing the table to stay at most half full. */
static int index_last_speaker(wm_lookups_t *lk)
{
    if (2 * lk->n_speakers <= lk->n_slots) {
        place_speaker(lk, lk->n_speakers - 1);
        return 0;
    }
    size_t n_slots = lk->n_slots ? 2 * lk->n_slots : 64;
    size_t *slots = calloc(n_slots, sizeof *slots);
    if (!slots)
        return -1;
    free(lk->speaker_slots);
    lk->speaker_slots = slots;
    lk->n_slots = n_slots;
    for (size_t i = 0; i < lk->n_speakers; i++)
        place_speaker(lk, i);
    return 0;
}

/* A new, indexed entry for a speaker code; NULL when out of memory. */
static speaker_info_t *add_speaker_info(wm_lookups_t *lk, const char *page, const char *code)
{
    if (lk->n_speakers == lk->speakers_cap) {
        size_t cap = lk->speakers_cap ? 2 * lk->speakers_cap : 64;
        speaker_info_t *speakers = realloc(lk->speakers, cap * sizeof *speakers);
        if (!speakers)
            return NULL;
        lk->speakers = speakers;
        lk->speakers_cap = cap;
    }
    speaker_info_t *info = &lk->speakers[lk->n_speakers];
    *info = (speaker_info_t){.page = page, .code = strdup(code)};
    if (!info->code)
        return NULL;
    lk->n_speakers++;
    if (index_last_speaker(lk) < 0) {
        free(info->code);
        lk->n_speakers--;
        return NULL;
    }
    return info;
}

/* The value of {{name|key}} from the switch table, or "" (the table's
 * "#default" when the key is unknown). */
static const char *switch_value(const switch_table_t *table, const char *key)
{
    const char *fallback = "";
    for (size_t i = 0; i < table->n_cases; i++) {
        if (strcmp(table->cases[i].key, key) == 0)
            return table->cases[i].value;
        if (strcmp(table->cases[i].key, "#default") == 0)
            fallback = table->cases[i].value;
    }
    return fallback;
}

/* Append the value a switch-template call stands for; count it missing
 * when its template page has not been seen. */
static int append_switch_value(wm_lookups_t *lk, wm_buf_t *out, const wm_template_t *call,
                               int *missing)
{
    const switch_table_t *table = find_switch(lk, call->name);
    if (!table) {
        (*missing)++;
        return 0;
    }
    const char *raw_key = wm_template_param(call, "1");
    char *key = plain_of(lk, raw_key ? raw_key : "", raw_key ? strlen(raw_key) : 0);
    if (!key)
        return -1;
    int rc = wm_buf_append_str(out, switch_value(table, key));
    free(key);
    return rc;
}

static char *resolve_switches(wm_lookups_t *lk, const wm_era_rule_t *era, const char *raw,
                              int *missing)
{
    wm_template_t *calls;
    size_t n, done = 0;
    if (!era->switches.n)
        return strdup(raw);
    if (wm_wikitext_templates(raw, strlen(raw), &calls, &n) < 0)
        return NULL;
    wm_buf_t out = {0};
    int rc = wm_buf_append(&out, "", 0);
    for (size_t i = 0; i < n && rc == 0; i++) {
        if (!wm_lookups_names_have(&era->switches, calls[i].name))
            continue;
        rc = wm_buf_append(&out, raw + done, calls[i].offset - done);
        if (rc == 0)
            rc = append_switch_value(lk, &out, &calls[i], missing);
        done = calls[i].offset + calls[i].length;
    }
    if (rc == 0)
        rc = wm_buf_append_str(&out, raw + done);
    wm_templates_free(calls, n);
    if (rc < 0) {
        wm_buf_free(&out);
        return NULL;
    }
    return wm_buf_take(&out);
}

wm_result_t wm_lookups_resolve_switches(wm_lookups_t *lk, const wm_era_rule_t *era,
                                        const char *raw, int *missing, char **resolved)
{
    lk->status = WM_OK;
    *resolved = resolve_switches(lk, era, raw, missing);
    return *resolved ? WM_OK : WM_ERR_NO_MEMORY;
}

/* Record the cases of the first {{#switch:}} found in text (nested calls
 * included): "k=v" is a case; bare "a|b=v" fall through to the next value. */
static int add_switch_cases(switch_table_t *table, const wm_template_t *call)
{
    size_t fall_from = 0;
    table->cases = calloc(call->n_params ? call->n_params : 1, sizeof *table->cases);
    if (!table->cases)
        return -1;
    for (size_t i = 1; i < call->n_params; i++) {
        const wm_template_param_t *param = &call->params[i];
        if (param->positional) {
            if (!(table->cases[table->n_cases++].key = strdup(param->value)))
                return -1;
            continue;
        }
        if (!(table->cases[table->n_cases].key = strdup(param->name)))
            return -1;
        table->n_cases++;
        for (size_t j = fall_from; j < table->n_cases; j++)
            if (!(table->cases[j].value = strdup(param->value)))
                return -1;
        fall_from = table->n_cases;
    }
    /* A bare last value is the default. */
    for (size_t j = fall_from; j < table->n_cases; j++) {
        table->cases[j].value = table->cases[j].key;
        table->cases[j].key = strdup("#default");
        if (!table->cases[j].key)
            return -1;
    }
    return 0;
}

static const wm_template_t *find_call(const wm_template_t *calls, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (wm_lookups_same_name(calls[i].name, name))
            return &calls[i];
    return NULL;
}

/* The first {{#switch:}} in text, searched into parameters; load it into table. */
static int load_switch(switch_table_t *table, const char *text, size_t len, int depth)
{
    wm_template_t *calls;
    size_t n;
    if (depth > MAX_TEMPLATE_DEPTH || table->cases)
        return 0;
    if (wm_wikitext_templates(text, len, &calls, &n) < 0)
        return -1;
    int rc = 0;
    const wm_template_t *sw = find_call(calls, n, "#switch");
    if (sw)
        rc = add_switch_cases(table, sw);
    for (size_t i = 0; i < n && !sw && rc == 0; i++)
        for (size_t j = 0; j < calls[i].n_params && rc == 0; j++)
            rc = load_switch(table, calls[i].params[j].value, strlen(calls[i].params[j].value),
                             depth + 1);
    wm_templates_free(calls, n);
    return rc;
}

static void remember_switch(wm_lookups_t *lk, const char *name, const wm_page_t *page)
{
    if (find_switch(lk, name))
        return;
    switch_table_t *tables = realloc(lk->switches, (lk->n_switches + 1) * sizeof *tables);
    if (!tables) {
        fail(lk, WM_ERR_NO_MEMORY);
        return;
    }
    lk->switches = tables;
    switch_table_t *table = &tables[lk->n_switches++];
    memset(table, 0, sizeof *table);
    table->name = strdup(name);
    if (!table->name || load_switch(table, page->text, page->text_len, 0) < 0)
        fail(lk, WM_ERR_NO_MEMORY);
}

/* Keep text (malloc'd, taken; NULL or "" for none) as info's biography. */
static void keep_biography(wm_lookups_t *lk, speaker_info_t *info, char *text)
{
    size_t len = text ? strlen(text) : 0;
    if (len && wm_spill_texts_put(lk->biographies, text, len, &info->bio_at) == WM_OK)
        info->bio_len = len;
    else if (len)
        fail(lk, WM_ERR_NO_MEMORY);
    free(text);
}

/* info's biography (valid until the next call), NULL when it has none or it
 * could not be read back (oom or spill_failed then says why). */
static const char *biography_of(wm_lookups_t *lk, const speaker_info_t *info)
{
    if (!info->bio_len)
        return NULL;
    const char *text;
    wm_result_t rc = wm_spill_texts_get(lk->biographies, info->bio_at, info->bio_len, &text);
    if (rc != WM_OK)
        fail(lk, rc == WM_ERR_NO_MEMORY ? WM_ERR_NO_MEMORY : WM_ERR_READ);
    return text;
}

/* Keep what a speaker page says: name and biography, as plain text. */
static void remember_speaker(wm_lookups_t *lk, const wm_era_rule_t *era, const char *code,
                             const wm_page_t *page)
{
    wm_template_t *calls;
    size_t n;
    if (find_speaker(lk, era->speaker_page, code))
        return;
    if (wm_wikitext_templates(page->text, page->text_len, &calls, &n) < 0) {
        fail(lk, WM_ERR_NO_MEMORY);
        return;
    }
    speaker_info_t *info = add_speaker_info(lk, era->speaker_page, code);
    if (!info) {
        fail(lk, WM_ERR_NO_MEMORY);
        wm_templates_free(calls, n);
        return;
    }
    const wm_template_t *call = find_call(calls, n, era->speaker_page);
    const char *name = call ? wm_template_param(call, era->speaker_name ? era->speaker_name : "name") : NULL;
    const char *bio = call ? wm_template_param(call, era->speaker_bio ? era->speaker_bio : "biography") : NULL;
    if (name)
        info->name = plain_of(lk, name, strlen(name));
    if (bio && *bio)
        keep_biography(lk, info, plain_of(lk, bio, strlen(bio)));
    wm_templates_free(calls, n);
}

wm_result_t wm_lookups_add_page(wm_lookups_t *lk, const wm_rules_t *rules,
                                const char *dbname, const wm_page_t *page)
{
    const char *colon = strchr(page->title, ':');
    const char *name = colon ? colon + 1 : page->title;
    lk->status = WM_OK;
    for (size_t e = 0; e < rules->n_eras; e++) {
        const wm_era_rule_t *era = &rules->eras[e];
        const char *code = era->speaker_page ? subpage_of(name, era->speaker_page) : NULL;
        bool is_switch = wm_lookups_names_have(&era->switches, name);
        if (!code && !is_switch)
            continue;
        if (!wm_rules_era_covers_wiki(era, dbname))
            continue;
        if (code)
            remember_speaker(lk, era, code, page);
        else
            remember_switch(lk, name, page);
        break;
    }
    return lk->status;
}

void wm_lookups_clear(wm_lookups_t *lk)
{
    if (!lk)
        return;
    for (size_t i = 0; i < lk->n_speakers; i++) {
        free(lk->speakers[i].code);
        free(lk->speakers[i].name);
    }
    free(lk->speakers);
    lk->speakers = NULL;
    lk->n_speakers = lk->speakers_cap = 0;
    free(lk->speaker_slots);
    lk->speaker_slots = NULL;
    lk->n_slots = 0;
    wm_spill_texts_clear(lk->biographies);   /* the file is written over by the next dump */
    for (size_t i = 0; i < lk->n_switches; i++) {
        for (size_t j = 0; j < lk->switches[i].n_cases; j++) {
            free(lk->switches[i].cases[j].key);
            free(lk->switches[i].cases[j].value);
        }
        free(lk->switches[i].cases);
        free(lk->switches[i].name);
    }
    free(lk->switches);
    lk->switches = NULL;
    lk->n_switches = 0;
}

/* Codes of speaker-page calls ({{<page>/<CODE>}}) in text, nested calls included. */
static void collect_speaker_codes(wm_lookups_t *lk, const char *page, const char *text,
                                  int depth, wm_names_t *codes)
{
    wm_template_t *calls;
    size_t n;
    if (depth > MAX_TEMPLATE_DEPTH)
        return;
    if (wm_wikitext_templates(text, strlen(text), &calls, &n) < 0) {
        fail(lk, WM_ERR_NO_MEMORY);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        const char *code = subpage_of(calls[i].name, page);
        if (!code) {
            for (size_t j = 0; j < calls[i].n_params; j++)
                collect_speaker_codes(lk, page, calls[i].params[j].value, depth + 1, codes);
            continue;
        }
        char **items = realloc(codes->items, (codes->n + 1) * sizeof *items);
        if (!items || !(items[codes->n] = strdup(code))) {
            fail(lk, WM_ERR_NO_MEMORY);
            if (items)
                codes->items = items;
            break;
        }
        codes->items = items;
        codes->n++;
    }
    wm_templates_free(calls, n);
}

wm_result_t wm_lookups_add_speakers(wm_lookups_t *lk, wm_session_t *session,
                                    const wm_era_rule_t *era, const char *raw,
                                    size_t *found, int *missing)
{
    wm_names_t codes = {0};
    lk->status = WM_OK;
    collect_speaker_codes(lk, era->speaker_page, raw, 0, &codes);
    for (size_t i = 0; i < codes.n; i++) {
        const char *code = codes.items[i];
        const speaker_info_t *info = find_speaker(lk, era->speaker_page, code);
        if (!info)
            (*missing)++;
        const char *name = info && info->name && *info->name ? info->name : code;
        if (wm_session_add_speaker(session, name, NULL, code, info ? biography_of(lk, info) : NULL) < 0)
            fail(lk, WM_ERR_NO_MEMORY);
        free(codes.items[i]);
    }
    free(codes.items);
    *found = codes.n;
    return lk->status;
}
