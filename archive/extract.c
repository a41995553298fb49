/* The session extractor: a generic engine driven by era rules
 * (archive/rules.h).  For each page it finds the era rule whose wiki and
 * title pattern match, gathers candidate values for every field from the
 * sources the rule names (template parameters, section headings, "Label:
 * value" lines, DISPLAYTITLE, title captures, fixed values, in that order of
 * preference), and turns the first usable candidate of each field into the
 * session's value.  Nothing here knows a year: what differs between eras is
 * in the rules.
 *
 * Some values live on other pages of the same dump (2023: speaker pages and
 * #switch templates).  The extractor keeps only what those pages say
 * (speaker name and bio, switch tables); a session that refers to a page
 * not seen yet stays a draft (its candidate values, not the page) until
 * wm_extractor_finish_dump(). */
#include "archive/extract.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "archive/rules.h"
#include "archive/spill.h"
#include "archive/tables.h"
#include "archive/util.h"
#include "archive/wikitext.h"

/* How deep to look into nested template calls for speaker pages and switch
 * tables: real pages nest two or three levels; a constant keeps the stack
 * bounded whatever the page holds. */
#define MAX_TEMPLATE_DEPTH 6

/* What a candidate page gave, before lookups: enough to build the session
 * later (or to explain it). */
typedef struct draft {
    const wm_era_rule_t *era;
    wm_evidence_list_t evidence;   /* in order of precedence */
    char *id, *url, *source, *page_title, *timestamp;
    int year;
    bool explain;                  /* its explanation is asked for */
    struct draft *next;
} draft_t;

typedef struct speaker_info {
    const char *page;   /* the rule's speaker page name (owned by the rules) */
    char *code;
    char *name;         /* plain text, NULL when the page gave none */
    /* The biography (plain text): bio_len bytes at bio_at in the extractor's
     * biographies, or in biography when they could not be written;
     * neither (NULL, 0) when the page gave none. */
    char *biography;
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

/* The translation subpages ("X/fr") seen of a source page X. */
typedef struct translated {
    char *title;          /* X; NULL = empty slot */
    wm_names_t codes;
} translated_t;

struct wm_extractor {
    wm_rules_t *rules;
    char *dbname;             /* the wiki wiki_known was computed for */
    bool wiki_known;
    speaker_info_t *speakers;
    size_t n_speakers, speakers_cap;
    size_t *speaker_slots;    /* hash of speakers by code: index + 1, 0 = empty */
    size_t n_slots;           /* a power of two, at least twice n_speakers */
    /* Speakers' biographies, the bulk of the speaker table (a 2023 dump has a
     * page per speaker: 27,000 in the 100,000-session benchmark), wait in a
     * temporary file so memory stays flat (NULL until the first). */
    wm_spill_texts_t *biographies;
    switch_table_t *switches;
    size_t n_switches;
    /* Drafts waiting for a page later in the dump, in order: those in the
     * temporary file first, then the list (used when the file cannot be). */
    wm_spill_t *pending_spill;
    draft_t *pending, *pending_tail;
    wm_buf_t draft_bytes;     /* scratch for a draft on its way to or from the file */
    translated_t *translated;      /* hash of source titles to their translation codes */
    size_t n_translated, translated_cap;   /* cap: a power of two, at least twice n */
    /* Sessions of translatable pages, kept until finish_dump: in a temporary
     * file (held_spill) so memory stays flat however many a dump has; in
     * held[] only when the file cannot be written. */
    wm_spill_t *held_spill;
    wm_session_t **held;
    size_t n_held, held_cap;
    wm_session_t **ready;     /* FIFO: ready[ready_head .. n_ready), then ready_spill */
    size_t n_ready, ready_head, ready_cap;
    wm_spill_t *ready_spill;  /* the held sessions after finish_dump, and what follows them */
    /* What the current dump gave, per year, in year order; tallies_final:
     * the dump ended (the next page starts new tallies). */
    wm_tally_t *tallies;
    size_t n_tallies;
    bool tallies_final;
    wm_names_t explain_titles;        /* wm_extractor_explain */
    wm_explanation_t **explained;     /* FIFO: explained[explained_head .. n_explained) */
    size_t n_explained, explained_head;
    bool oom;                 /* sticky: an allocation failed */
    bool spill_failed;        /* sticky: a kept session could not be read back */
};

/* --- small string helpers ------------------------------------------------- */

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

static bool same_name(const char *a, const char *b)
{
    for (size_t i = 0;; i++) {
        if (!name_char_eq(a[i], b[i], i == 0))
            return false;
        if (!a[i])
            return true;
    }
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

static bool names_have(const wm_names_t *names, const char *item, bool as_page_name)
{
    for (size_t i = 0; i < names->n; i++)
        if (as_page_name ? same_name(names->items[i], item) : strcmp(names->items[i], item) == 0)
            return true;
    return false;
}

/* Case-insensitive search for needle in hay[0..len). */
static const char *find_ci(const char *hay, size_t len, const char *needle)
{
    size_t n = strlen(needle);
    for (size_t i = 0; i + n <= len; i++)
        if (strncasecmp(hay + i, needle, n) == 0)
            return hay + i;
    return NULL;
}

static char *plain_of(wm_extractor_t *ex, const char *text, size_t len)
{
    char *plain = wm_wikitext_to_plain(text, len);
    if (!plain)
        ex->oom = true;
    return plain;
}

/* Trim spaces and the punctuation that separates names ("(", ",", "-"). */
static void trim_name(char *s)
{
    size_t n = strlen(s);
    while (n && (isspace((unsigned char)s[n - 1]) || strchr(",;:(-", s[n - 1])))
        n--;
    s[n] = '\0';
    size_t start = 0;
    while (s[start] && (isspace((unsigned char)s[start]) || strchr(",;:)-", s[start])))
        start++;
    memmove(s, s + start, n - start + 1);
}

/* Iterate over lines: *line and *len are set; return false at the end. */
static bool next_line(const char **cursor, const char **line, size_t *len)
{
    const char *p = *cursor;
    if (!p || !*p)
        return false;
    const char *nl = strchr(p, '\n');
    *line = p;
    *len = nl ? (size_t)(nl - p) : strlen(p);
    *cursor = nl ? nl + 1 : p + *len;
    return true;
}

static bool is_list_item(const char *line, size_t len)
{
    return len && (line[0] == '*' || line[0] == '#');
}

/* Skip list and definition markers ("* ", "#", ": ", "; ") at the start. */
static const char *skip_markers(const char *line, size_t *len)
{
    while (*len && (strchr("*#:;", *line) || isspace((unsigned char)*line))) {
        line++;
        (*len)--;
    }
    return line;
}

/* The plain text of the first list item of raw, or of its first line with
 * text when it has no list: the shape of a one-value field ("Session type"
 * lists the choices and the proposer deletes all but one). */
static char *first_item_plain(wm_extractor_t *ex, const char *raw)
{
    bool has_items = false;
    const char *cursor = raw, *line;
    size_t len;
    while (next_line(&cursor, &line, &len))
        has_items = has_items || is_list_item(line, len);
    cursor = raw;
    while (next_line(&cursor, &line, &len)) {
        if (has_items && !is_list_item(line, len))
            continue;
        line = skip_markers(line, &len);
        char *plain = plain_of(ex, line, len);
        if (!plain || *plain)
            return plain;
        free(plain);
    }
    return NULL;
}

/* --- candidates and drafts -------------------------------------------------- */

static void add_evidence(wm_extractor_t *ex, draft_t *d, int field, wm_evidence_kind_t kind,
                         const char *text, size_t len)
{
    if (wm_evidence_add(&d->evidence, field, kind, NULL, text, len, true, 0) < 0)
        ex->oom = true;
}

static void draft_free(draft_t *d)
{
    if (!d)
        return;
    wm_evidence_list_free(&d->evidence);
    free(d->id);
    free(d->url);
    free(d->source);
    free(d->page_title);
    free(d->timestamp);
    free(d);
}

/* --- drafts as bytes, for the temporary file of pending drafts ---------------------
 * The rule is kept as its address: the file lives and dies with this
 * process and the rules with the extractor. */

static bool put_bytes(wm_buf_t *b, const void *bytes, size_t len)
{
    return wm_buf_append(b, bytes, len) == 0;
}

static bool put_size(wm_buf_t *b, size_t n)
{
    return put_bytes(b, &n, sizeof n);
}

/* NULL as 0, else length + 1 and the bytes. */
static bool put_text(wm_buf_t *b, const char *text)
{
    return text ? put_size(b, strlen(text) + 1) && put_bytes(b, text, strlen(text)) : put_size(b, 0);
}

static bool encode_draft(wm_buf_t *b, const draft_t *d)
{
    wm_buf_clear(b);
    const wm_evidence_list_t *list = &d->evidence;
    bool ok = put_bytes(b, &d->era, sizeof d->era) && put_bytes(b, &d->year, sizeof d->year) &&
              put_bytes(b, &d->explain, sizeof d->explain) && put_text(b, d->id) &&
              put_text(b, d->url) && put_text(b, d->source) && put_text(b, d->page_title) &&
              put_text(b, d->timestamp) && put_bytes(b, &list->records, sizeof list->records) &&
              put_size(b, list->n);
    for (size_t i = 0; ok && i < list->n; i++) {
        const wm_evidence_t *e = &list->items[i];
        ok = put_bytes(b, &e->field, sizeof e->field) && put_bytes(b, &e->kind, sizeof e->kind) &&
             put_bytes(b, &e->plain, sizeof e->plain) && put_size(b, e->offset) &&
             put_text(b, e->label) && put_text(b, e->text);
    }
    return ok;
}

typedef struct byte_reader {
    const char *at;
    size_t left;
} byte_reader_t;

static bool get_bytes(byte_reader_t *r, void *out, size_t len)
{
    if (r->left < len)
        return false;
    memcpy(out, r->at, len);
    r->at += len;
    r->left -= len;
    return true;
}

static bool get_text(byte_reader_t *r, char **text)
{
    size_t n;
    *text = NULL;
    if (!get_bytes(r, &n, sizeof n))
        return false;
    if (n == 0)
        return true;
    if (n - 1 > r->left)
        return false;
    *text = wm_strndup(r->at, n - 1);
    r->at += n - 1;
    r->left -= n - 1;
    return *text != NULL;
}

static bool decode_evidence(byte_reader_t *r, wm_evidence_list_t *list)
{
    size_t n;
    if (!get_bytes(r, &list->records, sizeof list->records) || !get_bytes(r, &n, sizeof n) ||
        n > r->left)
        return false;
    list->items = n ? calloc(n, sizeof *list->items) : NULL;
    if (n && !list->items)
        return false;
    list->cap = n;
    for (size_t i = 0; i < n; i++) {
        wm_evidence_t *e = &list->items[i];
        list->n = i + 1;   /* now, so that freeing releases a part-read list */
        if (!get_bytes(r, &e->field, sizeof e->field) || !get_bytes(r, &e->kind, sizeof e->kind) ||
            !get_bytes(r, &e->plain, sizeof e->plain) || !get_bytes(r, &e->offset, sizeof e->offset) ||
            !get_text(r, &e->label) || !get_text(r, &e->text) || !e->text ||
            (unsigned)e->field >= WM_FIELD_COUNT || (unsigned)e->kind >= WM_EVIDENCE_KIND_COUNT)
            return false;
    }
    return true;
}

/* NULL when the bytes are not a draft or memory ran out. */
static draft_t *decode_draft(const wm_buf_t *b)
{
    byte_reader_t r = {b->data, b->len};
    draft_t *d = calloc(1, sizeof *d);
    if (!d)
        return NULL;
    bool ok = get_bytes(&r, &d->era, sizeof d->era) && get_bytes(&r, &d->year, sizeof d->year) &&
              get_bytes(&r, &d->explain, sizeof d->explain) && get_text(&r, &d->id) &&
              get_text(&r, &d->url) && get_text(&r, &d->source) && get_text(&r, &d->page_title) &&
              get_text(&r, &d->timestamp) && decode_evidence(&r, &d->evidence);
    if (!ok) {
        draft_free(d);
        return NULL;
    }
    return d;
}

/* What the title pattern captured, and the era's fixed values. */
static void gather_title_parts(wm_extractor_t *ex, draft_t *d, const wm_title_match_t *match)
{
    for (int f = 0; f < WM_FIELD_COUNT; f++)
        if (match->capture[f])
            add_evidence(ex, d, f, WM_EVIDENCE_PAGE_TITLE, match->capture[f], match->capture_len[f]);
    for (int f = 0; f < WM_FIELD_COUNT; f++)
        if (d->era->fixed[f])
            add_evidence(ex, d, f, WM_EVIDENCE_FIXED, d->era->fixed[f], strlen(d->era->fixed[f]));
}

/* --- page identity: id, url, year ---------------------------------------------- */

/* MediaWiki's wfUrlencode of a title (spaces already '_'). */
static int append_urlencoded(wm_buf_t *out, const char *title)
{
    static const char keep[] = "-_.~;:@$!*(),/";
    for (const unsigned char *p = (const unsigned char *)title; *p; p++) {
        unsigned char c = *p == ' ' ? '_' : *p;
        int rc;
        if (isalnum(c) || (c && strchr(keep, c)))
            rc = wm_buf_append_char(out, (char)c);
        else {
            char hex[4];
            hex[0] = '%';
            hex[1] = "0123456789ABCDEF"[c >> 4];
            hex[2] = "0123456789ABCDEF"[c & 15];
            rc = wm_buf_append(out, hex, 3);
        }
        if (rc < 0)
            return -1;
    }
    return 0;
}

static char *page_url(const char *base, const char *title)
{
    wm_buf_t out = {0};
    const char *wiki = strstr(base, "/wiki/");
    const char *slash = strrchr(base, '/');
    size_t prefix = wiki ? (size_t)(wiki - base) + 6 : slash ? (size_t)(slash - base) + 1 : 0;
    if (wm_buf_append(&out, base, prefix) < 0 || append_urlencoded(&out, title) < 0) {
        wm_buf_free(&out);
        return NULL;
    }
    return wm_buf_take(&out);
}

/* The first run of exactly four digits in dbname ("wikimania2014wiki"), or 0. */
static int year_of_dbname(const char *dbname)
{
    for (const char *p = dbname; *p; p++) {
        size_t n = 0;
        while (isdigit((unsigned char)p[n]))
            n++;
        if (n == 4)
            return atoi(p);
        p += n ? n - 1 : 0;
    }
    return 0;
}

static draft_t *draft_new(wm_extractor_t *ex, const wm_era_rule_t *era, const wm_siteinfo_t *site,
                          const wm_page_t *page, const char *source, const wm_title_match_t *match)
{
    draft_t *d = calloc(1, sizeof *d);
    if (!d) {
        ex->oom = true;
        return NULL;
    }
    d->era = era;
    d->id = wm_strdup_printf("%s:%" PRIu64, site->dbname, page->id);
    d->url = page_url(site->base, page->title);
    d->source = strdup(source ? source : "");
    d->page_title = strdup(page->title);
    d->timestamp = page->timestamp && *page->timestamp ? strdup(page->timestamp) : NULL;
    d->year = match->year ? match->year : era->year ? era->year : year_of_dbname(site->dbname);
    if (!d->id || !d->url || !d->source || !d->page_title ||
        (page->timestamp && *page->timestamp && !d->timestamp)) {
        ex->oom = true;
        draft_free(d);
        return NULL;
    }
    return d;
}

/* All the evidence of a page, in order of precedence. */
static draft_t *gather(wm_extractor_t *ex, const wm_era_rule_t *era, const wm_siteinfo_t *site,
                       const wm_page_t *page, const char *source, const wm_title_match_t *match)
{
    draft_t *d = draft_new(ex, era, site, page, source, match);
    if (!d)
        return NULL;
    if (wm_evidence_gather(&d->evidence, ex->rules, era, page->text, page->text_len) < 0)
        ex->oom = true;
    gather_title_parts(ex, d, match);
    wm_evidence_sort(&d->evidence);
    return d;
}

/* --- lookups: switch tables and speaker pages ---------------------------------- */

static const switch_table_t *find_switch(const wm_extractor_t *ex, const char *name)
{
    for (size_t i = 0; i < ex->n_switches; i++)
        if (same_name(ex->switches[i].name, name))
            return &ex->switches[i];
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

static const speaker_info_t *find_speaker(const wm_extractor_t *ex, const char *page,
                                          const char *code)
{
    size_t mask = ex->n_slots - 1;
    for (size_t i = hash_code(code) & mask; ex->n_slots && ex->speaker_slots[i]; i = (i + 1) & mask) {
        const speaker_info_t *info = &ex->speakers[ex->speaker_slots[i] - 1];
        if (strcmp(info->code, code) == 0 && same_name(info->page, page))
            return info;
    }
    return NULL;
}

static void place_speaker(wm_extractor_t *ex, size_t index)
{
    size_t mask = ex->n_slots - 1, i = hash_code(ex->speakers[index].code) & mask;
    while (ex->speaker_slots[i])
        i = (i + 1) & mask;
    ex->speaker_slots[i] = index + 1;
}

/* Hash the newest speaker, growing the table to stay at most half full. */
static int index_last_speaker(wm_extractor_t *ex)
{
    if (2 * ex->n_speakers <= ex->n_slots) {
        place_speaker(ex, ex->n_speakers - 1);
        return 0;
    }
    size_t n_slots = ex->n_slots ? 2 * ex->n_slots : 64;
    size_t *slots = calloc(n_slots, sizeof *slots);
    if (!slots)
        return -1;
    free(ex->speaker_slots);
    ex->speaker_slots = slots;
    ex->n_slots = n_slots;
    for (size_t i = 0; i < ex->n_speakers; i++)
        place_speaker(ex, i);
    return 0;
}

/* A new, indexed entry for a speaker code; NULL when out of memory. */
static speaker_info_t *add_speaker_info(wm_extractor_t *ex, const char *page, const char *code)
{
    if (ex->n_speakers == ex->speakers_cap) {
        size_t cap = ex->speakers_cap ? 2 * ex->speakers_cap : 64;
        speaker_info_t *speakers = realloc(ex->speakers, cap * sizeof *speakers);
        if (!speakers)
            return NULL;
        ex->speakers = speakers;
        ex->speakers_cap = cap;
    }
    speaker_info_t *info = &ex->speakers[ex->n_speakers];
    *info = (speaker_info_t){.page = page, .code = strdup(code)};
    if (!info->code)
        return NULL;
    ex->n_speakers++;
    if (index_last_speaker(ex) < 0) {
        free(info->code);
        ex->n_speakers--;
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
static int append_switch_value(wm_extractor_t *ex, wm_buf_t *out, const wm_template_t *call,
                               int *missing)
{
    const switch_table_t *table = find_switch(ex, call->name);
    if (!table) {
        (*missing)++;
        return 0;
    }
    const char *raw_key = wm_template_param(call, "1");
    char *key = plain_of(ex, raw_key ? raw_key : "", raw_key ? strlen(raw_key) : 0);
    if (!key)
        return -1;
    int rc = wm_buf_append_str(out, switch_value(table, key));
    free(key);
    return rc;
}

/* raw with every call of one of the era's switch templates replaced by its value. */
static char *resolve_switches(wm_extractor_t *ex, const wm_era_rule_t *era, const char *raw,
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
        if (!names_have(&era->switches, calls[i].name, true))
            continue;
        rc = wm_buf_append(&out, raw + done, calls[i].offset - done);
        if (rc == 0)
            rc = append_switch_value(ex, &out, &calls[i], missing);
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
        if (same_name(calls[i].name, name))
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

static void remember_switch(wm_extractor_t *ex, const char *name, const wm_page_t *page)
{
    if (find_switch(ex, name))
        return;
    switch_table_t *tables = realloc(ex->switches, (ex->n_switches + 1) * sizeof *tables);
    if (!tables) {
        ex->oom = true;
        return;
    }
    ex->switches = tables;
    switch_table_t *table = &tables[ex->n_switches++];
    memset(table, 0, sizeof *table);
    table->name = strdup(name);
    if (!table->name || load_switch(table, page->text, page->text_len, 0) < 0)
        ex->oom = true;
}

/* Keep text (malloc'd, taken; NULL or "" for none) as info's biography: in
 * the biographies' file when it can be written, else in memory. */
static void keep_biography(wm_extractor_t *ex, speaker_info_t *info, char *text)
{
    size_t len = text ? strlen(text) : 0;
    if (!len) {
        free(text);
        return;
    }
    if (!ex->biographies)
        ex->biographies = wm_spill_texts_new();
    info->bio_len = len;
    if (ex->biographies && wm_spill_texts_put(ex->biographies, text, len, &info->bio_at) == 0)
        free(text);
    else
        info->biography = text;
}

/* info's biography (valid until the next call), NULL when it has none or it
 * could not be read back (oom or spill_failed then says why). */
static const char *biography_of(wm_extractor_t *ex, const speaker_info_t *info)
{
    if (!info->bio_len)
        return NULL;
    if (info->biography)
        return info->biography;
    const char *text = wm_spill_texts_get(ex->biographies, info->bio_at, info->bio_len);
    if (!text) {
        if (errno == ENOMEM)
            ex->oom = true;
        else
            ex->spill_failed = true;
    }
    return text;
}

/* Keep what a speaker page says: name and biography, as plain text. */
static void remember_speaker(wm_extractor_t *ex, const wm_era_rule_t *era, const char *code,
                             const wm_page_t *page)
{
    wm_template_t *calls;
    size_t n;
    if (find_speaker(ex, era->speaker_page, code))
        return;
    if (wm_wikitext_templates(page->text, page->text_len, &calls, &n) < 0) {
        ex->oom = true;
        return;
    }
    speaker_info_t *info = add_speaker_info(ex, era->speaker_page, code);
    if (!info) {
        ex->oom = true;
        wm_templates_free(calls, n);
        return;
    }
    const wm_template_t *call = find_call(calls, n, era->speaker_page);
    const char *name = call ? wm_template_param(call, era->speaker_name ? era->speaker_name : "name") : NULL;
    const char *bio = call ? wm_template_param(call, era->speaker_bio ? era->speaker_bio : "biography") : NULL;
    if (name)
        info->name = plain_of(ex, name, strlen(name));
    if (bio && *bio)
        keep_biography(ex, info, plain_of(ex, bio, strlen(bio)));
    wm_templates_free(calls, n);
}

/* A Template: page some era of this wiki looks values up in. */
static void remember_lookup_page(wm_extractor_t *ex, const wm_siteinfo_t *site,
                                 const wm_page_t *page)
{
    const char *colon = strchr(page->title, ':');
    const char *name = colon ? colon + 1 : page->title;
    for (size_t e = 0; e < ex->rules->n_eras; e++) {
        const wm_era_rule_t *era = &ex->rules->eras[e];
        const char *code = era->speaker_page ? subpage_of(name, era->speaker_page) : NULL;
        bool is_switch = names_have(&era->switches, name, true);
        if (!code && !is_switch)
            continue;
        if (!wm_rules_era_covers_wiki(era, site->dbname))
            continue;
        if (code)
            remember_speaker(ex, era, code, page);
        else
            remember_switch(ex, name, page);
        return;
    }
}

static void clear_lookups(wm_extractor_t *ex)
{
    for (size_t i = 0; i < ex->n_speakers; i++) {
        free(ex->speakers[i].code);
        free(ex->speakers[i].name);
        free(ex->speakers[i].biography);
    }
    free(ex->speakers);
    ex->speakers = NULL;
    ex->n_speakers = ex->speakers_cap = 0;
    free(ex->speaker_slots);
    ex->speaker_slots = NULL;
    ex->n_slots = 0;
    if (ex->biographies)
        wm_spill_texts_clear(ex->biographies);   /* the file is written over by the next dump */
    for (size_t i = 0; i < ex->n_switches; i++) {
        for (size_t j = 0; j < ex->switches[i].n_cases; j++) {
            free(ex->switches[i].cases[j].key);
            free(ex->switches[i].cases[j].value);
        }
        free(ex->switches[i].cases);
        free(ex->switches[i].name);
    }
    free(ex->switches);
    ex->switches = NULL;
    ex->n_switches = 0;
}

/* --- speakers ------------------------------------------------------------------- */

/* Where a signature tail starts in line: a talk-page or contributions link
 * or a "12:00, 1 May 2019 (UTC)" timestamp; len when there is none.  The
 * cut also drops the "(", "--" or dash before it. */
static size_t signature_start(const char *line, size_t len)
{
    static const char *const marks[] = {"[[User talk:", "[[User_talk:", "[[Special:Contributions"};
    size_t cut = len;
    for (size_t i = 0; i < sizeof marks / sizeof *marks; i++) {
        const char *hit = find_ci(line, len, marks[i]);
        if (hit && (size_t)(hit - line) < cut)
            cut = (size_t)(hit - line);
    }
    const char *utc = find_ci(line, len, "(UTC)");
    for (size_t i = utc ? (size_t)(utc - line) : 0; i >= 5 && utc; i--) {
        const char *p = line + i - 5;
        if (isdigit((unsigned char)p[0]) && isdigit((unsigned char)p[1]) && p[2] == ':' &&
            isdigit((unsigned char)p[3]) && isdigit((unsigned char)p[4])) {
            if ((size_t)(p - line) < cut)
                cut = (size_t)(p - line);
            break;
        }
    }
    for (bool trimmed = cut < len; trimmed;) {
        trimmed = false;
        if (cut && (isspace((unsigned char)line[cut - 1]) || strchr("(-", line[cut - 1])))
            cut--, trimmed = true;
        else if (cut >= 3 && (strncmp(line + cut - 3, "\xe2\x80\x94", 3) == 0 ||
                              strncmp(line + cut - 3, "\xe2\x80\x93", 3) == 0))
            cut -= 3, trimmed = true;   /* em and en dashes before a signature */
    }
    return cut;
}

/* A [[User:Name|Display]] link in raw: the username and the display text. */
typedef struct user_link {
    const char *user, *display;
    size_t user_len, display_len;
} user_link_t;

static bool parse_user_target(const char *target, size_t len, user_link_t *link)
{
    while (len && (*target == ':' || isspace((unsigned char)*target))) {
        target++;
        len--;
    }
    for (int hops = 0; hops < 3; hops++) {
        if (len > 5 && strncasecmp(target, "User:", 5) == 0) {
            link->user = target + 5;
            link->user_len = 0;
            while (link->user_len < len - 5 && !strchr("/#", link->user[link->user_len]))
                link->user_len++;
            return link->user_len > 0;
        }
        const char *colon = memchr(target, ':', len);   /* an interwiki prefix: m:User:X */
        if (!colon || colon - target > 10)
            return false;
        len -= (size_t)(colon - target) + 1;
        target = colon + 1;
    }
    return false;
}

static bool find_user_link(const char *raw, size_t len, user_link_t *link)
{
    for (const char *p = raw; (p = find_ci(p, len - (size_t)(p - raw), "[[")); p += 2) {
        const char *end = find_ci(p, len - (size_t)(p - raw), "]]");
        if (!end)
            return false;
        const char *bar = memchr(p + 2, '|', (size_t)(end - p - 2));
        const char *target_end = bar ? bar : end;
        if (!parse_user_target(p + 2, (size_t)(target_end - p - 2), link))
            continue;
        link->display = bar ? bar + 1 : link->user;
        link->display_len = bar ? (size_t)(end - bar - 1) : link->user_len;
        return true;
    }
    return false;
}

/* One person from a piece of wikitext: a user link gives the username and
 * the display name; otherwise the plain text is the name. */
static void add_person(wm_extractor_t *ex, wm_session_t *s, const char *raw, size_t len,
                       const char *biography)
{
    user_link_t link;
    char *name, *username = NULL;
    if (find_user_link(raw, len, &link)) {
        username = wm_strdup_trimmed(link.user, link.user_len);
        for (char *p = username; p && *p; p++)
            if (*p == '_')
                *p = ' ';
        /* [[User:Name]] alone: the display name is the username. */
        name = link.display == link.user ? (username ? strdup(username) : NULL)
                                         : plain_of(ex, link.display, link.display_len);
        if (!username || !name)
            ex->oom = true;
    } else {
        name = plain_of(ex, raw, len);
    }
    if (name)
        trim_name(name);
    if (name && *name && wm_session_add_speaker(s, name, username, NULL, biography) < 0)
        ex->oom = true;
    free(name);
    free(username);
}

/* Length of a separator between names at text[i] in free text
 * ("A, B and C", "A; B", "A & B"), or 0. */
static size_t separator_at(const char *text, size_t i, size_t len)
{
    if (text[i] == ',' || text[i] == ';')
        return 1;
    if (text[i] == '&') {
        size_t j = i + 1;
        while (j < len && isalnum((unsigned char)text[j]))
            j++;
        return j < len && text[j] == ';' && j > i + 1 ? 0 : 1;   /* "&amp;" is an entity */
    }
    if (i + 5 <= len && strncmp(text + i, " and ", 5) == 0)
        return 5;
    return 0;
}

/* Split free text into names at separators outside [[...]] and {{...}}. */
static void add_people_from_text(wm_extractor_t *ex, wm_session_t *s, const char *text, size_t len)
{
    int depth = 0;
    size_t start = 0;
    for (size_t i = 0; i < len; i++) {
        if (i + 1 < len && (text[i] == '[' || text[i] == '{') && text[i + 1] == text[i]) {
            depth++;
            i++;
        } else if (i + 1 < len && (text[i] == ']' || text[i] == '}') && text[i + 1] == text[i]) {
            depth -= depth > 0;
            i++;
        } else if (depth == 0) {
            size_t sep = separator_at(text, i, len);
            if (!sep)
                continue;
            add_person(ex, s, text + start, i - start, NULL);
            start = i + sep;
            i += sep - 1;
        }
    }
    add_person(ex, s, text + start, len - start, NULL);
}

/* One person per list item; without a list, every line is free text. */
static void add_people_from_list(wm_extractor_t *ex, wm_session_t *s, const char *raw)
{
    bool has_items = false;
    const char *cursor = raw, *line;
    size_t len;
    while (next_line(&cursor, &line, &len))
        has_items = has_items || is_list_item(line, len);
    cursor = raw;
    while (next_line(&cursor, &line, &len)) {
        if (has_items && !is_list_item(line, len))
            continue;
        line = skip_markers(line, &len);
        len = signature_start(line, len);
        if (has_items)
            add_person(ex, s, line, len, NULL);
        else
            add_people_from_text(ex, s, line, len);
    }
}

/* A line that starts a person in a "name, then bio paragraphs" list: a bold
 * line or a list item. */
static bool starts_person(const char *line, size_t len)
{
    while (len && isspace((unsigned char)line[len - 1]))
        len--;
    if (is_list_item(line, len) || (len && line[0] == ';'))
        return true;
    return len > 6 && strncmp(line, "'''", 3) == 0 && strncmp(line + len - 3, "'''", 3) == 0;
}

static void flush_person(wm_extractor_t *ex, wm_session_t *s, const char *name, size_t len,
                         wm_buf_t *bio)
{
    char *plain = bio->len ? plain_of(ex, bio->data, bio->len) : NULL;
    add_person(ex, s, name, len, plain && *plain ? plain : NULL);
    free(plain);
    wm_buf_clear(bio);
}

/* "'''Name''' - bio text" on one line: return the length of the bold name
 * and put the rest into bio; the whole length when there is no such split. */
static size_t split_bold_name(wm_extractor_t *ex, const char *line, size_t len, wm_buf_t *bio)
{
    if (len < 7 || strncmp(line, "'''", 3) != 0)
        return len;
    const char *close = find_ci(line + 3, len - 3, "'''");
    if (!close)
        return len;
    size_t name_len = (size_t)(close - line) + 3;
    size_t rest = name_len;
    while (rest < len && (isspace((unsigned char)line[rest]) || strchr(":,-", line[rest])))
        rest++;
    if (rest + 3 <= len && (strncmp(line + rest, "\xe2\x80\x93", 3) == 0 ||
                            strncmp(line + rest, "\xe2\x80\x94", 3) == 0))
        rest += 3;   /* an en or em dash */
    if (rest >= len)
        return len;
    if (wm_buf_append(bio, line + rest, len - rest) < 0 || wm_buf_append_char(bio, '\n') < 0)
        ex->oom = true;
    return name_len;
}

/* 2024 style: each bold line starts a person, the paragraphs after it are
 * the biography.  Return the number of people found. */
static size_t add_people_with_bios(wm_extractor_t *ex, wm_session_t *s, const char *raw)
{
    const char *cursor = raw, *line, *name = NULL;
    size_t len, name_len = 0, found = 0;
    wm_buf_t bio = {0};
    while (next_line(&cursor, &line, &len)) {
        if (starts_person(line, len)) {
            if (name)
                flush_person(ex, s, name, name_len, &bio);
            name_len = len;
            name = skip_markers(line, &name_len);
            name_len = split_bold_name(ex, name, name_len, &bio);
            found++;
        } else if (name && (wm_buf_append(&bio, line, len) < 0 || wm_buf_append_char(&bio, '\n') < 0)) {
            ex->oom = true;
        }
    }
    if (name)
        flush_person(ex, s, name, name_len, &bio);
    wm_buf_free(&bio);
    return found;
}

/* Codes of speaker-page calls ({{<page>/<CODE>}}) in text, nested calls included. */
static void collect_speaker_codes(wm_extractor_t *ex, const char *page, const char *text,
                                  int depth, wm_names_t *codes)
{
    wm_template_t *calls;
    size_t n;
    if (depth > MAX_TEMPLATE_DEPTH)
        return;
    if (wm_wikitext_templates(text, strlen(text), &calls, &n) < 0) {
        ex->oom = true;
        return;
    }
    for (size_t i = 0; i < n; i++) {
        const char *code = subpage_of(calls[i].name, page);
        if (!code) {
            for (size_t j = 0; j < calls[i].n_params; j++)
                collect_speaker_codes(ex, page, calls[i].params[j].value, depth + 1, codes);
            continue;
        }
        char **items = realloc(codes->items, (codes->n + 1) * sizeof *items);
        if (!items || !(items[codes->n] = strdup(code))) {
            ex->oom = true;
            if (items)
                codes->items = items;
            break;
        }
        codes->items = items;
        codes->n++;
    }
    wm_templates_free(calls, n);
}

/* Speakers from their pages; a page not in the dump still gives the code. */
static size_t add_people_by_lookup(wm_extractor_t *ex, wm_session_t *s, const wm_era_rule_t *era,
                                   const char *raw, int *missing)
{
    wm_names_t codes = {0};
    collect_speaker_codes(ex, era->speaker_page, raw, 0, &codes);
    for (size_t i = 0; i < codes.n; i++) {
        const char *code = codes.items[i];
        const speaker_info_t *info = find_speaker(ex, era->speaker_page, code);
        if (!info)
            (*missing)++;
        const char *name = info && info->name && *info->name ? info->name : code;
        if (wm_session_add_speaker(s, name, NULL, code, info ? biography_of(ex, info) : NULL) < 0)
            ex->oom = true;
        free(codes.items[i]);
    }
    free(codes.items);
    return codes.n;
}

/* A bold line alone ('''Name''') followed by text: names with biographies. */
static bool looks_like_bios(const char *raw)
{
    const char *cursor = raw, *line;
    size_t len;
    bool after_name = false;
    while (next_line(&cursor, &line, &len)) {
        while (len && isspace((unsigned char)line[len - 1]))
            len--;
        bool bold = len > 6 && strncmp(line, "'''", 3) == 0 && strncmp(line + len - 3, "'''", 3) == 0;
        if (bold)
            after_name = true;
        else if (after_name && len)
            return true;
    }
    return false;
}

/* raw with every <br>, <br/> and <br /> as a line break: names are listed so. */
static char *breaks_as_lines(wm_extractor_t *ex, const char *raw)
{
    if (!find_ci(raw, strlen(raw), "<br")) {
        char *copy = strdup(raw);
        if (!copy)
            ex->oom = true;
        return copy;
    }
    wm_buf_t out = {0};
    int rc = wm_buf_append(&out, "", 0);
    for (const char *p = raw; *p && rc == 0;) {
        size_t n = 0;
        if (strncasecmp(p, "<br", 3) == 0 && p[3] && strchr(" />", p[3])) {
            n = 3;
            while (p[n] == ' ' || p[n] == '/')
                n++;
            n = p[n] == '>' ? n + 1 : 0;
        }
        rc = n ? wm_buf_append_char(&out, '\n') : wm_buf_append_char(&out, *p);
        p += n ? n : 1;
    }
    if (rc < 0) {
        ex->oom = true;
        wm_buf_free(&out);
        return NULL;
    }
    return wm_buf_take(&out);
}

/* People from one piece of speakers evidence, in the era's speaker mode. */
static void add_people(wm_extractor_t *ex, wm_session_t *s, const draft_t *d,
                       const wm_evidence_t *e, int *missing)
{
    char *raw = breaks_as_lines(ex, e->text);
    if (!raw)
        return;
    size_t found = 0;
    if (e->plain)
        add_people_from_text(ex, s, raw, strlen(raw));
    else if (d->era->speaker_mode == WM_SPEAKERS_LOOKUP)
        found = add_people_by_lookup(ex, s, d->era, raw, missing);
    else if (d->era->speaker_mode == WM_SPEAKERS_BIOS || looks_like_bios(raw))
        found = add_people_with_bios(ex, s, raw);
    if (!found && !e->plain)
        add_people_from_list(ex, s, raw);
    free(raw);
}

static void fill_speakers(wm_extractor_t *ex, wm_session_t *s, draft_t *d, int *missing)
{
    wm_evidence_list_t *list = &d->evidence;
    for (size_t i = 0; i < list->n && !s->n_speakers; i++)
        if (list->items[i].field == WM_FIELD_SPEAKERS) {
            add_people(ex, s, d, &list->items[i], missing);
            list->items[i].chosen = s->n_speakers > 0;
        }
}

/* --- the other fields ------------------------------------------------------------ */

/* text with every call of a formatting template ({{nowrap|X}}, [templates]
 * text) replaced by its last positional parameter (taken: text is freed). */
static char *unwrap_text_templates(wm_extractor_t *ex, char *text)
{
    wm_template_t *calls;
    size_t n, done = 0;
    if (!text || !ex->rules->text_templates.n || !strstr(text, "{{"))
        return text;
    if (wm_wikitext_templates(text, strlen(text), &calls, &n) < 0) {
        ex->oom = true;
        return text;
    }
    wm_buf_t out = {0};
    int rc = wm_buf_append(&out, "", 0);
    for (size_t i = 0; i < n && rc == 0; i++) {
        const wm_template_param_t *last = NULL;
        for (size_t j = 0; j < calls[i].n_params; j++)
            if (calls[i].params[j].positional)
                last = &calls[i].params[j];
        if (!names_have(&ex->rules->text_templates, calls[i].name, true))
            continue;
        rc = wm_buf_append(&out, text + done, calls[i].offset - done);
        if (rc == 0 && last)
            rc = wm_buf_append_str(&out, last->value);
        done = calls[i].offset + calls[i].length;
    }
    if (rc == 0)
        rc = wm_buf_append_str(&out, text + done);
    wm_templates_free(calls, n);
    if (rc < 0) {
        ex->oom = true;
        wm_buf_free(&out);
        return text;
    }
    free(text);
    return wm_buf_take(&out);
}

/* The evidence's text with lookups resolved and formatting templates
 * unwrapped, as wikitext (plain evidence as it is). */
static char *evidence_text(wm_extractor_t *ex, const draft_t *d, const wm_evidence_t *e,
                           int *missing)
{
    char *text = e->plain ? strdup(e->text) : resolve_switches(ex, d->era, e->text, missing);
    if (!text)
        ex->oom = true;
    return e->plain ? text : unwrap_text_templates(ex, text);
}

/* One piece of evidence as a one-line plain value (a list's first item); NULL when empty. */
static char *evidence_value(wm_extractor_t *ex, const draft_t *d, const wm_evidence_t *e,
                            int *missing)
{
    char *text = evidence_text(ex, d, e, missing);
    char *value = text && !e->plain ? first_item_plain(ex, text) : text;
    if (value != text)
        free(text);
    if (value && *value) {
        wm_squeeze_spaces(value);
        return value;
    }
    free(value);
    return NULL;
}

/* The value of the first piece of field's evidence that gives one (see
 * evidence_value), marked chosen. */
static char *first_value(wm_extractor_t *ex, draft_t *d, int field, int *missing)
{
    wm_evidence_list_t *list = &d->evidence;
    for (size_t i = 0; i < list->n; i++) {
        if (list->items[i].field != field)
            continue;
        char *value = evidence_value(ex, d, &list->items[i], missing);
        if (value) {
            list->items[i].chosen = true;
            return value;
        }
    }
    return NULL;
}

/* The first piece of field's evidence that gives non-empty plain text
 * (paragraphs kept), marked chosen; not one whose text is besides (the
 * abstract's: a page may name one text both ways). */
static char *first_text(wm_extractor_t *ex, draft_t *d, int field, int *missing,
                        const char *besides)
{
    wm_evidence_list_t *list = &d->evidence;
    for (size_t i = 0; i < list->n; i++) {
        wm_evidence_t *e = &list->items[i];
        if (e->field != field || (besides && strcmp(e->text, besides) == 0))
            continue;
        char *text = evidence_text(ex, d, e, missing);
        char *value = text && !e->plain ? plain_of(ex, text, strlen(text)) : text;
        if (value != text)
            free(text);
        if (value && *value) {
            e->chosen = true;
            return value;
        }
        free(value);
    }
    return NULL;
}

/* Minutes from a duration value: "30", "30 minutes", "00:30" or "1:30" (hours:minutes). */
static int parse_minutes(const char *text)
{
    const char *p = text;
    while (isspace((unsigned char)*p))
        p++;
    if (!isdigit((unsigned char)*p))
        return 0;
    char *end;
    long minutes = strtol(p, &end, 10);
    if (*end == ':' && isdigit((unsigned char)end[1]) && minutes < 1000)
        minutes = minutes * 60 + strtol(end + 1, &end, 10);
    return minutes > 0 && minutes < 100000 ? (int)minutes : 0;
}

static void fill_type_and_duration(wm_extractor_t *ex, wm_session_t *s, draft_t *d, int *missing)
{
    char *label = first_value(ex, d, WM_FIELD_TYPE, missing);
    char *duration = first_value(ex, d, WM_FIELD_DURATION, missing);
    s->duration_minutes = duration ? parse_minutes(duration) : 0;
    if (label) {
        const char *type = wm_rules_type(ex->rules, label);
        if (!s->duration_minutes)
            s->duration_minutes = wm_rules_label_minutes(label);
        s->type_label = label;
        label = NULL;
        if (type && wm_session_set(&s->type, type) < 0)
            ex->oom = true;
    }
    free(label);
    free(duration);
}

/* The abstract, then the description after a blank line (not twice when a
 * page gives the same text under both names). */
static void fill_abstract(wm_extractor_t *ex, wm_session_t *s, draft_t *d, int *missing)
{
    char *abstract = first_text(ex, d, WM_FIELD_ABSTRACT, missing, NULL);
    const char *abstract_raw = NULL;
    for (size_t i = 0; abstract && i < d->evidence.n && !abstract_raw; i++)
        if (d->evidence.items[i].field == WM_FIELD_ABSTRACT && d->evidence.items[i].chosen)
            abstract_raw = d->evidence.items[i].text;
    char *description = first_text(ex, d, WM_FIELD_DESCRIPTION, missing, abstract_raw);
    if (abstract && description && strcmp(abstract, description) != 0) {
        s->abstract = wm_strdup_printf("%s\n\n%s", abstract, description);
        if (!s->abstract)
            ex->oom = true;
    } else {
        s->abstract = abstract ? abstract : description;
        if (abstract)
            abstract = NULL;
        else
            description = NULL;
    }
    free(abstract);
    free(description);
}

/* The code of a language name; of several ("English, Spanish"), the first. */
static const char *language_code(const wm_extractor_t *ex, char *name)
{
    const char *code = wm_rules_language(ex->rules, name);
    size_t first = strcspn(name, ",/;(");
    const char *and = strstr(name, " and ");
    if (and && (size_t)(and - name) < first)
        first = (size_t)(and - name);
    if (code || !name[first])
        return code;
    name[first] = '\0';
    return wm_rules_language(ex->rules, name);
}

static const char *status_word(const wm_extractor_t *ex, char *value)
{
    return wm_rules_status(ex->rules, value);
}

/* The first piece of field's evidence whose value convert() maps to a
 * known word, marked chosen; NULL when none does. */
static const char *first_known(wm_extractor_t *ex, draft_t *d, int field, int *missing,
                               const char *(*convert)(const wm_extractor_t *, char *))
{
    wm_evidence_list_t *list = &d->evidence;
    for (size_t i = 0; i < list->n; i++) {
        if (list->items[i].field != field)
            continue;
        char *value = evidence_value(ex, d, &list->items[i], missing);
        const char *known = value ? convert(ex, value) : NULL;
        free(value);
        if (known) {
            list->items[i].chosen = true;
            return known;
        }
    }
    return NULL;
}

static void fill_track_language_status(wm_extractor_t *ex, wm_session_t *s, draft_t *d,
                                       int *missing)
{
    char *track = first_value(ex, d, WM_FIELD_TRACK, missing);
    if (track && wm_session_add_track(s, track) < 0)
        ex->oom = true;
    free(track);
    const char *language = first_known(ex, d, WM_FIELD_LANGUAGE, missing, language_code);
    const char *status = first_known(ex, d, WM_FIELD_STATUS, missing, status_word);
    if ((language && wm_session_set(&s->language, language) < 0) ||
        (status && wm_session_set(&s->status, status) < 0))
        ex->oom = true;
}

/* A talk code from a value: the "<CODE>" of a ".../talk/<CODE>/" link (the
 * pretalx or eventyay page of the talk), else the value when it is one word
 * of letters and digits. */
static void fill_code(wm_extractor_t *ex, wm_session_t *s, draft_t *d)
{
    wm_evidence_list_t *list = &d->evidence;
    for (size_t i = 0; i < list->n && !s->code; i++) {
        if (list->items[i].field != WM_FIELD_CODE)
            continue;
        const char *raw = list->items[i].text;
        const char *talk = strstr(raw, "/talk/");
        const char *start = talk ? talk + 6 : raw;
        size_t n = 0;
        while (isalnum((unsigned char)start[n]))
            n++;
        bool whole = talk ? n > 0 : n > 0 && !start[n];
        if (whole && !(s->code = wm_strndup(start, n)))
            ex->oom = true;
        list->items[i].chosen = s->code != NULL;
    }
}

static int take_string(char **field, const char *value)
{
    return value ? wm_session_set(field, value) : 0;
}

/* Why a built session is not one, or -1 when it is.  A session needs a
 * title and a field beyond title, code and status; a page whose evidence
 * describes several sessions is a listing (hub, grid, index). */
static int rejection(const draft_t *d, const wm_session_t *s)
{
    if (d->evidence.records > 1)
        return WM_REJECT_LISTING;
    if (!s->title)
        return WM_REJECT_NO_TITLE;
    if (!s->type_label && !s->n_tracks && !s->language && !s->n_speakers && !s->abstract &&
        !s->duration_minutes)
        return WM_REJECT_NO_FIELDS;
    return -1;
}

/* The session a draft describes, or NULL with *reason set (a
 * wm_reject_reason_t; -1 when memory ran out) when it is not one.
 * *missing counts lookups not available yet.  Marks the chosen evidence. */
static wm_session_t *build_session(wm_extractor_t *ex, draft_t *d, int *missing, int *reason)
{
    wm_session_t *s = wm_session_new();
    *reason = -1;
    for (size_t i = 0; i < d->evidence.n; i++)
        d->evidence.items[i].chosen = false;
    if (!s || take_string(&s->id, d->id) < 0 || take_string(&s->url, d->url) < 0 ||
        take_string(&s->source, d->source) < 0 || take_string(&s->page_title, d->page_title) < 0 ||
        take_string(&s->timestamp, d->timestamp) < 0) {
        ex->oom = true;
        wm_session_free(s);
        return NULL;
    }
    s->year = d->year;
    /* A wiki page's event: the Wikimania of its year. */
    s->event = s->year ? wm_strdup_printf("Wikimania %d", s->year) : strdup("Wikimania");
    if (!s->event)
        ex->oom = true;
    s->title = first_value(ex, d, WM_FIELD_TITLE, missing);
    fill_type_and_duration(ex, s, d, missing);
    fill_track_language_status(ex, s, d, missing);
    fill_speakers(ex, s, d, missing);
    fill_abstract(ex, s, d, missing);
    fill_code(ex, s, d);
    *reason = ex->oom ? -1 : rejection(d, s);
    if (ex->oom || *reason >= 0) {
        wm_session_free(s);
        return NULL;
    }
    return s;
}

/* --- the queue of ready sessions --------------------------------------------------- */

/* Into the temporary file; false (s untouched) when that cannot be done. */
static bool spill_session(wm_spill_t **spill, wm_session_t *s)
{
    if (!*spill)
        *spill = wm_spill_new();
    if (!*spill || wm_spill_push(*spill, s) != 0)
        return false;
    wm_session_free(s);
    return true;
}

/* Append s to a growing array of sessions; out of memory frees s and marks the extractor. */
static void append_session(wm_extractor_t *ex, wm_session_t ***items, size_t *n, size_t *cap,
                           wm_session_t *s)
{
    if (*n == *cap) {
        size_t grown_cap = *cap ? *cap * 2 : 16;
        wm_session_t **grown = realloc(*items, grown_cap * sizeof *grown);
        if (!grown) {
            ex->oom = true;
            wm_session_free(s);
            return;
        }
        *items = grown;
        *cap = grown_cap;
    }
    (*items)[(*n)++] = s;
}

static void push_ready(wm_extractor_t *ex, wm_session_t *s)
{
    /* Behind sessions already in the file: the file's turn comes after memory's. */
    if (ex->ready_spill && wm_spill_count(ex->ready_spill) > 0 && spill_session(&ex->ready_spill, s))
        return;
    if (ex->ready_head == ex->n_ready)
        ex->ready_head = ex->n_ready = 0;
    append_session(ex, &ex->ready, &ex->n_ready, &ex->ready_cap, s);
}

wm_session_t *wm_extractor_next_session(wm_extractor_t *extractor)
{
    if (extractor->ready_head < extractor->n_ready)
        return extractor->ready[extractor->ready_head++];
    wm_session_t *s = NULL;
    if (extractor->ready_spill && wm_spill_take(extractor->ready_spill, &s) < 0)
        extractor->spill_failed = true;
    return s;
}

/* --- tables: one session per row (2021:Submissions) ------------------------------- */

static bool has_columns(const wm_era_rule_t *era)
{
    for (int f = 0; f < WM_FIELD_COUNT; f++)
        if (era->columns[f].n)
            return true;
    return false;
}

/* Reading the rows of a page whose era names table columns. */
typedef struct row_maker {
    wm_extractor_t *ex;
    const wm_era_rule_t *era;
    const wm_siteinfo_t *site;
    const wm_page_t *page;
    const char *source;
    const wm_title_match_t *match;
    unsigned table;                        /* the table the columns belong to */
    int columns[WM_TABLE_MAX_CELLS];       /* field of each column, -1 = none */
    size_t n_columns;
    unsigned rows;                         /* data rows seen (the row number in ids) */
    unsigned sessions;
} row_maker_t;

static void take_header(row_maker_t *m, const wm_table_row_t *row)
{
    m->n_columns = row->n_cells;
    m->table = row->table;
    for (size_t c = 0; c < row->n_cells; c++) {
        const char *raw = row->cells[c].data ? row->cells[c].data : "";
        char *plain = plain_of(m->ex, raw, row->cells[c].len);
        char *label = plain ? wm_rules_normalise_label(plain) : NULL;
        m->columns[c] = -1;
        for (int f = 0; label && f < WM_FIELD_COUNT; f++)
            if (names_have(&m->era->columns[f], label, false))
                m->columns[c] = f;
        if (plain && !label)
            m->ex->oom = true;
        free(plain);
        free(label);
    }
}

static draft_t *row_draft(row_maker_t *m, unsigned row)
{
    wm_title_match_t no_title = *m->match;
    no_title.capture[WM_FIELD_TITLE] = NULL;   /* the page's title is not the row's */
    draft_t *d = draft_new(m->ex, m->era, m->site, m->page, m->source, &no_title);
    char *id = d ? wm_strdup_printf("%s#%u", d->id, row) : NULL;
    if (d && !id) {
        m->ex->oom = true;
        draft_free(d);
        return NULL;
    }
    if (d) {
        free(d->id);
        d->id = id;
        gather_title_parts(m->ex, d, &no_title);
    }
    return d;
}

static void emit_session(wm_extractor_t *ex, wm_session_t *s);
static void count_outcome(wm_extractor_t *ex, int year, int reason);

/* A data row becomes a session whose evidence is its cells. */
static void take_row(row_maker_t *m, const wm_table_row_t *row)
{
    bool any = false;
    for (size_t c = 0; c < row->n_cells && c < m->n_columns; c++)
        any = any || m->columns[c] >= 0;
    if (!any)
        return;
    draft_t *d = row_draft(m, ++m->rows);
    if (!d)
        return;
    for (size_t c = 0; c < row->n_cells && c < m->n_columns; c++)
        if (m->columns[c] >= 0 &&
            wm_evidence_add(&d->evidence, m->columns[c], WM_EVIDENCE_ERA, NULL,
                            row->cells[c].data ? row->cells[c].data : "", row->cells[c].len,
                            false, row->offset) < 0)
            m->ex->oom = true;
    wm_evidence_sort(&d->evidence);
    int missing = 0, reason;
    wm_session_t *s = build_session(m->ex, d, &missing, &reason);
    count_outcome(m->ex, d->year, reason);
    draft_free(d);
    if (s) {
        m->sessions++;
        emit_session(m->ex, s);
    }
}

static int table_row(void *ctx, const wm_table_row_t *row)
{
    row_maker_t *m = ctx;
    if (row->table != m->table)
        m->n_columns = 0;
    if (row->header[0])
        take_header(m, row);
    else if (m->n_columns)
        take_row(m, row);
    return m->ex->oom ? 1 : 0;
}

/* Sessions from the rows; return how many. */
static unsigned extract_table_rows(wm_extractor_t *ex, const wm_era_rule_t *era,
                                   const wm_siteinfo_t *site, const wm_page_t *page,
                                   const char *source, const wm_title_match_t *match)
{
    row_maker_t maker = {ex, era, site, page, source, match, 0, {0}, 0, 0, 0};
    if (wm_tables_read(page->text, page->text_len, table_row, &maker) < 0)
        ex->oom = true;
    return maker.sessions;
}

/* --- translations ------------------------------------------------------------------ */

static size_t hash_title(const char *title)
{
    size_t h = 5381;
    for (const unsigned char *p = (const unsigned char *)title; *p; p++)
        h = h * 33 + *p;
    return h;
}

/* The slot of title, or the empty slot where it would go. */
static translated_t *translated_slot(const wm_extractor_t *ex, const char *title)
{
    size_t mask = ex->translated_cap - 1;
    for (size_t i = hash_title(title) & mask;; i = (i + 1) & mask)
        if (!ex->translated[i].title || strcmp(ex->translated[i].title, title) == 0)
            return &ex->translated[i];
}

static int grow_translated(wm_extractor_t *ex)
{
    size_t old_cap = ex->translated_cap;
    translated_t *old = ex->translated;
    size_t cap = old_cap ? old_cap * 2 : 64;
    ex->translated = calloc(cap, sizeof *ex->translated);
    if (!ex->translated) {
        ex->translated = old;
        return -1;
    }
    ex->translated_cap = cap;
    for (size_t i = 0; i < old_cap; i++)
        if (old[i].title)
            *translated_slot(ex, old[i].title) = old[i];
    free(old);
    return 0;
}

/* Remember that base has a translation subpage in language code. */
static void remember_translation(wm_extractor_t *ex, const char *base, size_t base_len,
                                 const char *code)
{
    char *title = wm_strndup(base, base_len);
    char *lower = strdup(code);
    if (!title || !lower || ((ex->n_translated + 1) * 2 > ex->translated_cap && grow_translated(ex) < 0)) {
        ex->oom = true;
        free(title);
        free(lower);
        return;
    }
    for (char *p = lower; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    translated_t *slot = translated_slot(ex, title);
    if (!slot->title) {
        slot->title = title;
        ex->n_translated++;
    } else {
        free(title);
    }
    if (names_have(&slot->codes, lower, false)) {
        free(lower);
        return;
    }
    char **items = realloc(slot->codes.items, (slot->codes.n + 1) * sizeof *items);
    if (!items) {
        ex->oom = true;
        free(lower);
        return;
    }
    items[slot->codes.n++] = lower;
    slot->codes.items = items;
}

/* Give a session the translation codes seen so far for its page. */
static void attach_translations(wm_extractor_t *ex, wm_session_t *s)
{
    if (!ex->translated_cap || !s->page_title)
        return;
    const translated_t *slot = translated_slot(ex, s->page_title);
    for (size_t i = 0; slot->title && i < slot->codes.n; i++)
        if (wm_session_add_translation(s, slot->codes.items[i]) < 0)
            ex->oom = true;
}

static void clear_translations(wm_extractor_t *ex)
{
    for (size_t i = 0; i < ex->translated_cap; i++) {
        free(ex->translated[i].title);
        for (size_t j = 0; j < ex->translated[i].codes.n; j++)
            free(ex->translated[i].codes.items[j]);
        free(ex->translated[i].codes.items);
    }
    free(ex->translated);
    ex->translated = NULL;
    ex->n_translated = ex->translated_cap = 0;
}

static void hold(wm_extractor_t *ex, wm_session_t *s)
{
    if (spill_session(&ex->held_spill, s))
        return;
    append_session(ex, &ex->held, &ex->n_held, &ex->held_cap, s);
}

/* --- pages ---------------------------------------------------------------------------- */

/* Namespaces that never hold sessions: MediaWiki's User, File, MediaWiki,
 * Template, Help, Category and Module, plus every talk namespace (odd keys)
 * and the virtual ones (negative keys). */
static bool namespace_may_hold_sessions(int ns)
{
    static const int never[] = {2, 6, 8, 10, 12, 14, 828};
    if (ns < 0 || ns % 2 != 0)
        return false;
    for (size_t i = 0; i < sizeof never / sizeof *never; i++)
        if (ns == never[i])
            return false;
    return true;
}

static bool has_no_content(const wm_page_t *page)
{
    if (page->redirect || page->text_deleted || page->text_missing || !page->text)
        return true;
    size_t i = 0;
    while (i < page->text_len && isspace((unsigned char)page->text[i]))
        i++;
    return i == page->text_len || strncasecmp(page->text + i, "#REDIRECT", 9) == 0;
}

/* "X/fr" when X itself would be a session page of the wiki: not a session,
 * but X gets "fr" in its translations.  Return whether title is one. */
static bool take_translation_subpage(wm_extractor_t *ex, const char *dbname, const char *title)
{
    const char *slash = strrchr(title, '/');
    if (!slash || !wm_rules_is_translation_code(ex->rules, slash + 1, strlen(slash + 1)))
        return false;
    char *base = wm_strndup(title, (size_t)(slash - title));
    wm_title_match_t match;
    bool found = base && wm_rules_find_era(ex->rules, dbname, base, &match);
    if (!base)
        ex->oom = true;
    if (found)
        remember_translation(ex, title, (size_t)(slash - title), slash + 1);
    free(base);
    return found;
}

static bool wiki_known(wm_extractor_t *ex, const char *dbname)
{
    if (ex->dbname && strcmp(ex->dbname, dbname) == 0)
        return ex->wiki_known;
    free(ex->dbname);
    ex->dbname = strdup(dbname);
    if (!ex->dbname)
        ex->oom = true;
    ex->wiki_known = wm_rules_wiki_known(ex->rules, dbname);
    return ex->wiki_known;
}

static void queue_pending(wm_extractor_t *ex, draft_t *d)
{
    /* Into the file unless the list has begun (keeps the order). */
    if (!ex->pending) {
        if (!ex->pending_spill)
            ex->pending_spill = wm_spill_new();
        if (ex->pending_spill && encode_draft(&ex->draft_bytes, d) &&
            wm_spill_push_raw(ex->pending_spill, ex->draft_bytes.data, ex->draft_bytes.len) == 0) {
            draft_free(d);
            return;
        }
    }
    if (ex->pending_tail)
        ex->pending_tail->next = d;
    else
        ex->pending = d;
    ex->pending_tail = d;
}

/* --- tallies ------------------------------------------------------------------------ */

/* The tally of year (made, in year order, when new); NULL when out of memory. */
static wm_tally_t *tally_of(wm_extractor_t *ex, int year)
{
    if (ex->tallies_final) {   /* a new dump */
        ex->n_tallies = 0;
        ex->tallies_final = false;
    }
    size_t i = 0;
    while (i < ex->n_tallies && ex->tallies[i].year < year)
        i++;
    if (i < ex->n_tallies && ex->tallies[i].year == year)
        return &ex->tallies[i];
    wm_tally_t *grown = realloc(ex->tallies, (ex->n_tallies + 1) * sizeof *grown);
    if (!grown) {
        ex->oom = true;
        return NULL;
    }
    ex->tallies = grown;
    memmove(&grown[i + 1], &grown[i], (ex->n_tallies - i) * sizeof *grown);
    ex->n_tallies++;
    grown[i] = (wm_tally_t){.year = year};
    return &grown[i];
}

/* The year a page belongs to: a "YYYY:" title prefix, else the wiki's year. */
static int page_year(const char *dbname, const char *title)
{
    bool prefix = strlen(title) > 5 && title[4] == ':';
    for (int i = 0; prefix && i < 4; i++)
        prefix = isdigit((unsigned char)title[i]);
    return prefix ? atoi(title) : year_of_dbname(dbname);
}

static void count_candidate(wm_extractor_t *ex, int year)
{
    wm_tally_t *t = tally_of(ex, year);
    if (t)
        t->candidates++;
}

/* A candidate's outcome: a session (reason -1) or a rejection. */
static void count_outcome(wm_extractor_t *ex, int year, int reason)
{
    wm_tally_t *t = ex->oom ? NULL : tally_of(ex, year);
    if (t && reason < 0)
        t->sessions++;
    else if (t)
        t->rejected[reason]++;
}

const wm_tally_t *wm_extractor_tallies(const wm_extractor_t *extractor, size_t *n)
{
    *n = extractor->n_tallies;
    return extractor->tallies;
}

/* --- explanations ------------------------------------------------------------------ */

const char *wm_explain_result_name(wm_explain_result_t result)
{
    static const char *const names[] = {"not a candidate", "session", "rejected", "translation"};
    return (unsigned)result < sizeof names / sizeof *names ? names[result] : "?";
}

int wm_extractor_explain(wm_extractor_t *extractor, const char *title)
{
    char **items = realloc(extractor->explain_titles.items,
                           (extractor->explain_titles.n + 1) * sizeof *items);
    if (!items)
        return -1;
    extractor->explain_titles.items = items;
    if (!(items[extractor->explain_titles.n] = strdup(title)))
        return -1;
    extractor->explain_titles.n++;
    return 0;
}

static bool wants_explanation(const wm_extractor_t *ex, const char *title)
{
    return ex->explain_titles.n && names_have(&ex->explain_titles, title, true);
}

void wm_explanation_free(wm_explanation_t *explanation)
{
    if (!explanation)
        return;
    free(explanation->wiki);
    free(explanation->page_title);
    free(explanation->source);
    free(explanation->why);
    wm_evidence_list_free(&explanation->evidence);
    free(explanation->session_id);
    free(explanation);
}

wm_explanation_t *wm_extractor_next_explanation(wm_extractor_t *extractor)
{
    if (extractor->explained_head == extractor->n_explained) {
        extractor->explained_head = extractor->n_explained = 0;
        return NULL;
    }
    return extractor->explained[extractor->explained_head++];
}

/* Queue an explanation: why is taken (malloc'd), the evidence moved out of
 * d (when d is not NULL). */
static void explain(wm_extractor_t *ex, const char *wiki, const char *title, const char *source,
                    char *why, draft_t *d, wm_explain_result_t result, int reason,
                    const char *session_id)
{
    wm_explanation_t *e = calloc(1, sizeof *e);
    wm_explanation_t **queue = e ? realloc(ex->explained, (ex->n_explained + 1) * sizeof *queue) : NULL;
    if (queue)
        ex->explained = queue;
    if (!queue || !why || !(e->wiki = strdup(wiki)) || !(e->page_title = strdup(title)) ||
        !(e->source = strdup(source ? source : "")) ||
        (session_id && !(e->session_id = strdup(session_id)))) {
        ex->oom = true;
        free(why);
        wm_explanation_free(e);
        return;
    }
    e->why = why;
    e->candidate = result != WM_EXPLAIN_NOT_CANDIDATE && result != WM_EXPLAIN_TRANSLATION;
    e->result = result;
    e->reason = reason >= 0 ? wm_reject_reason_name((wm_reject_reason_t)reason) : NULL;
    if (d) {
        e->evidence = d->evidence;
        memset(&d->evidence, 0, sizeof d->evidence);
    }
    ex->explained[ex->n_explained++] = e;
}

/* Why a page that is no candidate is not one. */
static char *why_not_candidate(const wm_page_t *page, const wm_title_match_t *match)
{
    if (match && match->excluded_by)
        return wm_strdup_printf("excluded by era \"%s\" (a schedule, hub or other page that is "
                                "no session)", match->excluded_by->name);
    if (match)
        return strdup("no era's title pattern matches the title");
    return wm_strdup_printf("namespace %d never holds session pages", page->ns);
}

/* --- pages ------------------------------------------------------------------------- */

/* Hand on a finished session: every session of a dump waits for its
 * end, since a translation subpage ("X/fr") may come after X in any era. */
static void emit_session(wm_extractor_t *ex, wm_session_t *s)
{
    attach_translations(ex, s);
    hold(ex, s);
}

/* Count a draft's outcome (s: its session, or NULL and the reason), explain
 * it when asked, and hand on the session. */
static void complete_draft(wm_extractor_t *ex, draft_t *d, wm_session_t *s, int reason,
                           const char *wiki, char *why)
{
    count_outcome(ex, d->year, reason);
    if (d->explain)
        explain(ex, wiki, d->page_title, d->source, why, d,
                s ? WM_EXPLAIN_SESSION : WM_EXPLAIN_REJECTED, reason, s ? s->id : NULL);
    else
        free(why);
    if (s)
        emit_session(ex, s);
}

static char *why_candidate(const wm_era_rule_t *era, const wm_title_match_t *match)
{
    return wm_strdup_printf("era \"%s\", title pattern \"%s\"", era->name,
                            match->pattern ? match->pattern : "?");
}

static void extract_session(wm_extractor_t *ex, const wm_siteinfo_t *site, const wm_page_t *page,
                            const char *source)
{
    bool explained = wants_explanation(ex, page->title);
    if (take_translation_subpage(ex, site->dbname, page->title)) {
        if (explained)
            explain(ex, site->dbname, page->title, source,
                    strdup("a translation subpage of a session page: its language is added to "
                           "that session's translations"), NULL, WM_EXPLAIN_TRANSLATION, -1, NULL);
        return;
    }
    wm_title_match_t match;
    const wm_era_rule_t *era = wm_rules_find_era(ex->rules, site->dbname, page->title, &match);
    if (!era) {
        if (explained)
            explain(ex, site->dbname, page->title, source, why_not_candidate(page, &match), NULL,
                    WM_EXPLAIN_NOT_CANDIDATE, -1, NULL);
        return;
    }
    if (has_columns(era)) {
        unsigned rows = extract_table_rows(ex, era, site, page, source, &match);
        if (!rows) {
            count_candidate(ex, page_year(site->dbname, page->title));
            count_outcome(ex, page_year(site->dbname, page->title), WM_REJECT_NO_FIELDS);
        }
        if (explained)
            explain(ex, site->dbname, page->title, source,
                    wm_strdup_printf("era \"%s\": each row of its tables is a session (%u)",
                                     era->name, rows),
                    NULL, rows ? WM_EXPLAIN_SESSION : WM_EXPLAIN_REJECTED,
                    rows ? -1 : WM_REJECT_NO_FIELDS, NULL);
        return;
    }
    draft_t *d = gather(ex, era, site, page, source, &match);
    if (!d)
        return;
    d->explain = explained;
    count_candidate(ex, d->year);
    int missing = 0, reason;
    wm_session_t *s = build_session(ex, d, &missing, &reason);
    if (missing) {   /* a lookup page may come later in the dump */
        wm_session_free(s);
        queue_pending(ex, d);
        return;
    }
    complete_draft(ex, d, s, reason, site->dbname, explained ? why_candidate(era, &match) : NULL);
    draft_free(d);
}

int wm_extractor_add_page(wm_extractor_t *extractor, const wm_siteinfo_t *site,
                          const wm_page_t *page, const char *source)
{
    wm_extractor_t *ex = extractor;
    if (ex->oom)
        return -1;
    wm_tally_t *tally = tally_of(ex, page_year(site->dbname, page->title));
    if (tally)
        tally->pages++;
    bool explained = wants_explanation(ex, page->title);
    const char *why = !wiki_known(ex, site->dbname) ? "the wiki is no Wikimania wiki: no era covers it"
                      : has_no_content(page)        ? "a redirect or a page without text"
                                                    : NULL;
    if (why) {
        if (explained)
            explain(ex, site->dbname, page->title, source, strdup(why), NULL,
                    WM_EXPLAIN_NOT_CANDIDATE, -1, NULL);
        return ex->oom ? -1 : 0;
    }
    if (page->ns == 10)
        remember_lookup_page(ex, site, page);
    if (namespace_may_hold_sessions(page->ns))
        extract_session(ex, site, page, source);
    else if (explained)
        explain(ex, site->dbname, page->title, source, why_not_candidate(page, NULL), NULL,
                WM_EXPLAIN_NOT_CANDIDATE, -1, NULL);
    return ex->oom ? -1 : 0;
}

/* The oldest pending draft (caller frees), NULL when none is left. */
static draft_t *next_pending(wm_extractor_t *ex)
{
    int got = ex->pending_spill ? wm_spill_take_raw(ex->pending_spill, &ex->draft_bytes) : 0;
    if (got > 0) {
        draft_t *d = decode_draft(&ex->draft_bytes);
        if (!d)
            ex->spill_failed = true;   /* that one is lost; the others follow */
        return d ? d : next_pending(ex);
    }
    if (got < 0)
        ex->spill_failed = true;
    draft_t *d = ex->pending;
    if (d) {
        ex->pending = d->next;
        if (!ex->pending)
            ex->pending_tail = NULL;
    }
    return d;
}

/* The held sessions in the file, one at a time, with their translations,
 * on to the ready queue (its file part: memory stays flat here too). */
static void release_spilled(wm_extractor_t *ex)
{
    wm_session_t *s;
    int got;
    while (ex->held_spill && (got = wm_spill_take(ex->held_spill, &s)) != 0) {
        if (got < 0) {
            ex->spill_failed = true;
            return;
        }
        attach_translations(ex, s);
        if (!spill_session(&ex->ready_spill, s))
            push_ready(ex, s);
    }
}

int wm_extractor_finish_dump(wm_extractor_t *extractor)
{
    wm_extractor_t *ex = extractor;
    const char *wiki = ex->dbname ? ex->dbname : "";
    for (draft_t *d; (d = next_pending(ex));) {
        char *why = d->explain ? wm_strdup_printf("era \"%s\" (its lookups resolved at the end "
                                                  "of the dump)", d->era->name)
                               : NULL;
        int missing = 0, reason;
        wm_session_t *s = build_session(ex, d, &missing, &reason);
        complete_draft(ex, d, s, reason, wiki, why);
        draft_free(d);
    }
    for (size_t i = 0; i < ex->n_held; i++) {
        attach_translations(ex, ex->held[i]);
        push_ready(ex, ex->held[i]);
    }
    ex->n_held = 0;
    release_spilled(ex);
    clear_lookups(ex);
    clear_translations(ex);
    free(ex->dbname);
    ex->dbname = NULL;
    ex->tallies_final = true;
    return ex->oom || ex->spill_failed ? -1 : 0;
}

/* --- lifetime ------------------------------------------------------------------------ */

wm_extractor_t *wm_extractor_new(char **error)
{
    wm_rules_t *rules;
    *error = NULL;
    if (wm_rules_builtin(&rules, error) < 0) {
        if (!*error)
            *error = strdup("out of memory");
        return NULL;
    }
    return wm_extractor_new_with_rules(rules, error);
}

wm_extractor_t *wm_extractor_new_with_rules(wm_rules_t *rules, char **error)
{
    *error = NULL;
    wm_extractor_t *ex = calloc(1, sizeof *ex);
    if (!ex) {
        wm_rules_free(rules);
        *error = strdup("out of memory");
        return NULL;
    }
    ex->rules = rules;
    return ex;
}

const wm_rules_t *wm_extractor_rules(const wm_extractor_t *extractor)
{
    return extractor->rules;
}

void wm_extractor_free(wm_extractor_t *extractor)
{
    if (!extractor)
        return;
    while (extractor->pending) {
        draft_t *d = extractor->pending;
        extractor->pending = d->next;
        draft_free(d);
    }
    clear_lookups(extractor);
    clear_translations(extractor);
    for (size_t i = 0; i < extractor->n_held; i++)
        wm_session_free(extractor->held[i]);
    free(extractor->held);
    wm_spill_free(extractor->held_spill);
    wm_spill_free(extractor->ready_spill);
    wm_spill_free(extractor->pending_spill);
    wm_buf_free(&extractor->draft_bytes);
    wm_spill_texts_free(extractor->biographies);
    for (size_t i = extractor->ready_head; i < extractor->n_ready; i++)
        wm_session_free(extractor->ready[i]);
    free(extractor->ready);
    free(extractor->dbname);
    free(extractor->tallies);
    for (size_t i = 0; i < extractor->explain_titles.n; i++)
        free(extractor->explain_titles.items[i]);
    free(extractor->explain_titles.items);
    for (size_t i = extractor->explained_head; i < extractor->n_explained; i++)
        wm_explanation_free(extractor->explained[i]);
    free(extractor->explained);
    wm_rules_free(extractor->rules);
    free(extractor);
}

const char *wm_extractor_error(const wm_extractor_t *extractor)
{
    if (extractor->oom)
        return "out of memory";
    return extractor->spill_failed ? "cannot read back the pages kept in a temporary file" : "";
}
