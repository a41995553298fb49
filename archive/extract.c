/* The session extractor (archive/extract.h): a generic engine driven by
 * era rules, which knows no year.  A page is a translation subpage
 * (archive/translations.h), a Template: page whose values other pages look
 * up (archive/lookups.h), or a candidate of an era (wm_rules_find_era).
 * A candidate's evidence (archive/evidence.h) makes a draft; the draft
 * becomes a session field by field, each from the first piece of the
 * field's evidence, in order of precedence, that gives a usable value
 * (speakers through archive/speakers.h), or a rejection with its reason.
 * A table page's rows (archive/table_rows.h) make a draft each.
 *
 * A draft that refers to a lookup page not seen yet waits, as a record in
 * a temporary file (its evidence, not the page), and is built at
 * wm_extractor_finish_dump().  Every session waits there too, in another
 * temporary file, for the translation subpages that may follow its page;
 * at the end of the dump each gets its translations and becomes ready.
 * Tallies and explanations (archive/explain.h) are kept as pages go. */
#include "archive/extract.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "archive/explain.h"
#include "archive/lookups.h"
#include "archive/rules.h"
#include "archive/speakers.h"
#include "archive/spill.h"
#include "archive/table_rows.h"
#include "archive/translations.h"
#include "archive/util.h"
#include "archive/wikitext.h"
#include "archive/wikitext_lines.h"

/* Ready sessions kept in memory before the queue's file is used. */
#define READY_IN_MEMORY 256

/* What a candidate page gave, before lookups: its evidence and identity,
 * enough to build the session later (or to explain it). */
typedef struct draft {
    const wm_era_rule_t *era;
    wm_evidence_list_t evidence;   /* in order of precedence */
    char *id, *url, *source, *page_title, *timestamp;
    int year;
    bool explain;                  /* its explanation is asked for */
} draft_t;

struct wm_extractor {
    wm_rules_t *rules;
    char *dbname;             /* the wiki wiki_known was computed for */
    bool wiki_known;
    wm_lookups_t *lookups;    /* what speaker pages and switch templates say */
    wm_translations_t *translations;   /* codes of the translation subpages seen */
    /* The three queues keep what waits in a temporary file (archive/spill.h),
     * so that memory stays flat however many a dump has. */
    wm_spill_t *pending;      /* drafts waiting for a page later in the dump, as records */
    wm_buf_t draft_bytes;     /* scratch for a draft on its way to or from pending */
    wm_spill_t *held;         /* every session, until finish_dump (its translations) */
    wm_spill_t *ready;        /* sessions for wm_extractor_next_session */
    wm_tallies_t tallies;     /* what the current dump gave, per year */
    wm_explainer_t explainer; /* the pages asked about, their explanations */
    bool oom;                 /* sticky: an allocation failed */
    bool spill_failed;        /* sticky: a kept session could not be read back */
};

/* --- plain text of values ----------------------------------------------------- */

static char *plain_of(wm_extractor_t *ex, const char *text, size_t len)
{
    char *plain = wm_wikitext_to_plain(text, len);
    if (!plain)
        ex->oom = true;
    return plain;
}

/* The plain text of the first list item of raw, or of its first line with
 * text when it has no list: the shape of a one-value field ("Session type"
 * lists the choices and the proposer deletes all but one). */
static char *first_item_plain(wm_extractor_t *ex, const char *raw)
{
    bool has_items = has_list_items(raw);
    const char *cursor = raw, *line;
    size_t len;
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

/* --- drafts as records (archive/spill.h), for the queue of pending drafts ------------
 * The rule is kept as its index in the extractor's rules. */

static bool encode_evidence(wm_buf_t *b, const wm_evidence_list_t *list)
{
    bool ok = list->n <= WM_RECORD_MAX_BYTES / sizeof(wm_evidence_t) &&
              wm_record_put_u32(b, list->records) && wm_record_put_u32(b, (uint32_t)list->n);
    for (size_t i = 0; ok && i < list->n; i++) {
        const wm_evidence_t *e = &list->items[i];
        ok = wm_record_put_u32(b, (uint32_t)e->field) && wm_record_put_u32(b, (uint32_t)e->kind) &&
             wm_record_put_u32(b, e->plain) && wm_record_put_u32(b, (uint32_t)e->offset) &&
             wm_record_put_string(b, e->label) && wm_record_put_string(b, e->text);
    }
    return ok;
}

static bool encode_draft(const wm_extractor_t *ex, wm_buf_t *b, const draft_t *d)
{
    wm_buf_clear(b);
    return wm_record_put_u32(b, (uint32_t)(d->era - ex->rules->eras)) &&
           wm_record_put_u32(b, (uint32_t)d->year) && wm_record_put_u32(b, d->explain) &&
           wm_record_put_string(b, d->id) && wm_record_put_string(b, d->url) &&
           wm_record_put_string(b, d->source) && wm_record_put_string(b, d->page_title) &&
           wm_record_put_string(b, d->timestamp) && encode_evidence(b, &d->evidence);
}

static bool decode_evidence(wm_record_reader_t *r, wm_evidence_list_t *list)
{
    uint32_t n;
    if (!wm_record_get_u32(r, &list->records) || !wm_record_get_u32(r, &n) ||
        n > r->left / (6 * sizeof(uint32_t)))
        return false;
    list->items = n ? calloc(n, sizeof *list->items) : NULL;
    if (n && !list->items)
        return false;
    list->cap = n;
    for (size_t i = 0; i < n; i++) {
        wm_evidence_t *e = &list->items[i];
        uint32_t field, kind, plain, offset;
        list->n = i + 1;   /* now, so that freeing releases a part-read list */
        if (!wm_record_get_u32(r, &field) || !wm_record_get_u32(r, &kind) ||
            !wm_record_get_u32(r, &plain) || !wm_record_get_u32(r, &offset) ||
            !wm_record_get_string(r, &e->label) || !wm_record_get_string(r, &e->text) || !e->text ||
            field >= WM_FIELD_COUNT || kind >= WM_EVIDENCE_KIND_COUNT)
            return false;
        e->field = (int)field;
        e->kind = (wm_evidence_kind_t)kind;
        e->plain = plain != 0;
        e->offset = offset;
    }
    return true;
}

/* NULL when the bytes are not a draft or memory ran out. */
static draft_t *decode_draft(const wm_extractor_t *ex, const wm_buf_t *b)
{
    wm_record_reader_t r = wm_record_reader(b->data, b->len);
    uint32_t era, year, explain;
    draft_t *d = calloc(1, sizeof *d);
    if (!d)
        return NULL;
    bool ok = wm_record_get_u32(&r, &era) && era < ex->rules->n_eras && wm_record_get_u32(&r, &year) &&
              wm_record_get_u32(&r, &explain) && wm_record_get_string(&r, &d->id) &&
              wm_record_get_string(&r, &d->url) && wm_record_get_string(&r, &d->source) &&
              wm_record_get_string(&r, &d->page_title) && wm_record_get_string(&r, &d->timestamp) &&
              decode_evidence(&r, &d->evidence) && wm_record_at_end(&r);
    if (!ok) {
        draft_free(d);
        return NULL;
    }
    d->era = &ex->rules->eras[era];
    d->year = (int)year;
    d->explain = explain != 0;
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

/* --- lookups (archive/lookups.h) --------------------------------------------------- */

/* A failed lookup stops the extractor (out of memory) or fails the dump
 * (a kept page could not be read back). */
static void note_lookups(wm_extractor_t *ex, wm_lookups_status_t status)
{
    if (status == WM_LOOKUPS_NO_MEMORY)
        ex->oom = true;
    else if (status != WM_LOOKUPS_OK)
        ex->spill_failed = true;
}

/* raw with the era's switch templates resolved; NULL when out of memory. */
static char *resolve_switches(wm_extractor_t *ex, const wm_era_rule_t *era, const char *raw,
                              int *missing)
{
    char *resolved;
    note_lookups(ex, wm_lookups_resolve_switches(ex->lookups, era, raw, missing, &resolved));
    return resolved;
}
/* --- speakers (archive/speakers.h, speaker pages through archive/lookups.h) -------- */

/* Speakers from their pages; a page not in the dump still gives the code.
 * A value that calls no speaker page names its speakers itself. */
static void add_people_by_lookup(wm_extractor_t *ex, wm_session_t *s, const wm_era_rule_t *era,
                                 const char *text, int *missing)
{
    char *raw = wm_speakers_break_lines(text);
    size_t found = 0;
    if (!raw) {
        ex->oom = true;
        return;
    }
    note_lookups(ex, wm_lookups_add_speakers(ex->lookups, s, era, raw, &found, missing));
    if (!found && wm_speakers_add(s, raw, WM_SPEAKERS_AS_LIST) < 0)
        ex->oom = true;
    free(raw);
}

/* People from one piece of speakers evidence, in the era's speaker mode. */
static void add_people(wm_extractor_t *ex, wm_session_t *s, const draft_t *d,
                       const wm_evidence_t *e, int *missing)
{
    wm_speaker_mode_t mode = d->era->speaker_mode;
    if (!e->plain && mode == WM_SPEAKERS_LOOKUP) {
        add_people_by_lookup(ex, s, d->era, e->text, missing);
        return;
    }
    wm_speakers_form_t form = e->plain                  ? WM_SPEAKERS_AS_TEXT
                              : mode == WM_SPEAKERS_BIOS ? WM_SPEAKERS_AS_BIOS
                                                         : WM_SPEAKERS_AS_WRITTEN;
    if (wm_speakers_add(s, e->text, form) < 0)
        ex->oom = true;
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
        if (!wm_lookups_names_have(&ex->rules->text_templates, calls[i].name))
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

static void push_ready(wm_extractor_t *ex, wm_session_t *s)
{
    if (wm_spill_push(ex->ready, s) < 0)
        ex->oom = true;
}

wm_session_t *wm_extractor_next_session(wm_extractor_t *extractor)
{
    wm_session_t *s = NULL;
    if (wm_spill_take(extractor->ready, &s) < 0)
        extractor->spill_failed = true;
    return s;
}

/* --- tables: one session per row (2021:Submissions, archive/table_rows.h) -------- */

/* Making sessions of the rows of a page whose era names table columns. */
typedef struct row_maker {
    wm_extractor_t *ex;
    const wm_era_rule_t *era;
    const wm_siteinfo_t *site;
    const wm_page_t *page;
    const char *source;
    const wm_title_match_t *match;
    unsigned sessions;
} row_maker_t;

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
static int take_row(void *context, const wm_column_row_t *row)
{
    row_maker_t *m = context;
    draft_t *d = row_draft(m, row->number);
    if (!d)
        return 1;   /* out of memory */
    for (size_t c = 0; c < row->n_cells; c++)
        if (row->fields[c] >= 0 &&
            wm_evidence_add(&d->evidence, row->fields[c], WM_EVIDENCE_ERA, NULL,
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
    return m->ex->oom ? 1 : 0;
}

/* Sessions from the rows; return how many. */
static unsigned extract_table_rows(wm_extractor_t *ex, const wm_era_rule_t *era,
                                   const wm_siteinfo_t *site, const wm_page_t *page,
                                   const char *source, const wm_title_match_t *match)
{
    row_maker_t maker = {ex, era, site, page, source, match, 0};
    if (wm_table_rows_read(era, page->text, page->text_len, take_row, &maker) < 0)
        ex->oom = true;
    return maker.sessions;
}

/* --- translations (archive/translations.h) ------------------------------------------ */

/* Give a session the translation codes seen so far for its page. */
static void attach_translations(wm_extractor_t *ex, wm_session_t *s)
{
    if (wm_translations_attach(ex->translations, s) < 0)
        ex->oom = true;
}

static void hold(wm_extractor_t *ex, wm_session_t *s)
{
    if (wm_spill_push(ex->held, s) < 0)
        ex->oom = true;
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
    bool taken;
    if (wm_translations_take_subpage(ex->translations, ex->rules, dbname, title, &taken) < 0)
        ex->oom = true;
    return taken;
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
    if (!encode_draft(ex, &ex->draft_bytes, d) ||
        wm_spill_push_raw(ex->pending, ex->draft_bytes.data, ex->draft_bytes.len) < 0)
        ex->oom = true;
    draft_free(d);
}

/* --- tallies and explanations (archive/explain.h) ------------------------------ */

static wm_tally_t *tally_of(wm_extractor_t *ex, int year)
{
    wm_tally_t *t = wm_tallies_of(&ex->tallies, year);
    if (!t)
        ex->oom = true;
    return t;
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
    *n = extractor->tallies.n;
    return extractor->tallies.items;
}

int wm_extractor_explain(wm_extractor_t *extractor, const char *title)
{
    return wm_explainer_ask(&extractor->explainer, title);
}

wm_explanation_t *wm_extractor_next_explanation(wm_extractor_t *extractor)
{
    return wm_explainer_next(&extractor->explainer);
}

/* Queue an explanation (see wm_explainer_add); its evidence, d's. */
static void explain(wm_extractor_t *ex, const char *wiki, const char *title, const char *source,
                    char *why, draft_t *d, wm_explain_result_t result, int reason,
                    const char *session_id)
{
    if (wm_explainer_add(&ex->explainer, wiki, title, source, why, d ? &d->evidence : NULL,
                         result, reason, session_id) < 0)
        ex->oom = true;
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
    bool explained = wm_explainer_wants(&ex->explainer, page->title);
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
    if (wm_table_rows_wanted(era)) {
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
    bool explained = wm_explainer_wants(&ex->explainer, page->title);
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
        note_lookups(ex, wm_lookups_add_page(ex->lookups, ex->rules, site->dbname, page));
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
    for (int got; (got = wm_spill_take_raw(ex->pending, &ex->draft_bytes)) != 0;) {
        draft_t *d = got > 0 ? decode_draft(ex, &ex->draft_bytes) : NULL;
        if (d)
            return d;
        ex->spill_failed = true;   /* that one is lost; the others follow */
    }
    return NULL;
}

/* The held sessions, one at a time, with their translations, on to the
 * ready queue (its file part: memory stays flat here too). */
static void release_held(wm_extractor_t *ex)
{
    wm_session_t *s;
    for (int got; (got = wm_spill_take(ex->held, &s)) != 0;) {
        if (got < 0) {
            ex->spill_failed = true;   /* lost; the others follow */
            continue;
        }
        attach_translations(ex, s);
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
    release_held(ex);
    wm_lookups_clear(ex->lookups);
    wm_translations_clear(ex->translations);
    free(ex->dbname);
    ex->dbname = NULL;
    wm_tallies_finish(&ex->tallies);
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
    ex->pending = wm_spill_new();
    ex->held = wm_spill_new();
    ex->ready = wm_spill_new();
    ex->lookups = wm_lookups_new();
    ex->translations = wm_translations_new();
    if (!ex->pending || !ex->held || !ex->ready || !ex->lookups || !ex->translations) {
        wm_extractor_free(ex);
        *error = strdup("out of memory");
        return NULL;
    }
    /* Ready sessions are usually taken at once (wmindex takes them after
     * every page): they touch the file only when many wait, as after
     * finish_dump or a table of many rows. */
    wm_spill_keep_in_memory(ex->ready, READY_IN_MEMORY);
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
    wm_lookups_free(extractor->lookups);
    wm_translations_free(extractor->translations);
    wm_spill_free(extractor->pending);
    wm_spill_free(extractor->held);
    wm_spill_free(extractor->ready);
    wm_tallies_free(&extractor->tallies);
    wm_explainer_free(&extractor->explainer);
    wm_buf_free(&extractor->draft_bytes);
    free(extractor->dbname);
    wm_rules_free(extractor->rules);
    free(extractor);
}

const char *wm_extractor_error(const wm_extractor_t *extractor)
{
    if (extractor->oom)
        return "out of memory";
    return extractor->spill_failed ? "cannot read back the pages kept in a temporary file" : "";
}
