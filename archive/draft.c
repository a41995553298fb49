/* Drafts (see draft.h): what a candidate page gave, kept as records while
 * lookups wait, and the session built from it, each field from the first
 * piece of its evidence, in order of precedence, that gives a value. */
#include "archive/draft.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "archive/speakers.h"
#include "archive/spill.h"
#include "archive/tally.h"
#include "common/util.h"
#include "archive/wikitext.h"
#include "archive/wikitext_lines.h"

/* --- plain text of values ----------------------------------------------------------- */

static char *plain_of(wm_draft_builder_t *ex, const char *text, size_t len)
{
    char *plain = wm_wikitext_to_plain(text, len);
    if (!plain)
        ex->oom = true;
    return plain;
}

/* The plain text of the first list item of raw, or of its first line with
 * text when it has no list: the shape of a one-value field ("Session type"
 * lists the choices and the proposer deletes all but one). */
static char *first_item_plain(wm_draft_builder_t *ex, const char *raw)
{
    bool has_items = has_list_items(raw);
    const char *cursor = raw, *line;
    size_t len;
    while (next_value_line(&cursor, has_items, &line, &len)) {
        char *plain = plain_of(ex, line, len);
        if (!plain || *plain)
            return plain;
        free(plain);
    }
    return NULL;
}

void wm_draft_free(wm_draft_t *d)
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

bool wm_draft_encode(const wm_rules_t *rules, wm_buf_t *b, const wm_draft_t *d)
{
    wm_buf_clear(b);
    return wm_record_put_u32(b, (uint32_t)(d->era - rules->eras)) &&
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
wm_draft_t *wm_draft_decode(const wm_rules_t *rules, const wm_buf_t *b)
{
    wm_record_reader_t r = wm_record_reader(b->data, b->len);
    uint32_t era, year, explain;
    wm_draft_t *d = calloc(1, sizeof *d);
    if (!d)
        return NULL;
    bool ok = wm_record_get_u32(&r, &era) && era < rules->n_eras && wm_record_get_u32(&r, &year) &&
              wm_record_get_u32(&r, &explain) && wm_record_get_string(&r, &d->id) &&
              wm_record_get_string(&r, &d->url) && wm_record_get_string(&r, &d->source) &&
              wm_record_get_string(&r, &d->page_title) && wm_record_get_string(&r, &d->timestamp) &&
              decode_evidence(&r, &d->evidence) && wm_record_at_end(&r);
    if (!ok) {
        wm_draft_free(d);
        return NULL;
    }
    d->era = &rules->eras[era];
    d->year = (int)year;
    d->explain = explain != 0;
    return d;
}

/* --- lookups (archive/lookups.h) --------------------------------------------------- */

/* A failed lookup stops the extractor (out of memory) or fails the dump
 * (a kept page could not be read back). */
void wm_draft_note_lookups(wm_draft_builder_t *ex, wm_result_t status)
{
    if (status == WM_ERR_NO_MEMORY)
        ex->oom = true;
    else if (status != WM_OK)
        ex->spill_failed = true;
}

/* raw with the era's switch templates resolved; NULL when out of memory. */
static char *resolve_switches(wm_draft_builder_t *ex, const wm_era_rule_t *era, const char *raw,
                              int *missing)
{
    char *resolved;
    wm_draft_note_lookups(ex, wm_lookups_resolve_switches(ex->lookups, era, raw, missing, &resolved));
    return resolved;
}
/* --- speakers (archive/speakers.h, speaker pages through archive/lookups.h) -------- */

/* Speakers from their pages; a page not in the dump still gives the code.
 * A value that calls no speaker page names its speakers itself. */
static void add_people_by_lookup(wm_draft_builder_t *ex, wm_session_t *s, const wm_era_rule_t *era,
                                 const char *text, int *missing)
{
    char *raw = wm_speakers_break_lines(text);
    size_t found = 0;
    if (!raw) {
        ex->oom = true;
        return;
    }
    wm_draft_note_lookups(ex, wm_lookups_add_speakers(ex->lookups, s, era, raw, &found, missing));
    if (!found && wm_speakers_add(s, raw, WM_SPEAKERS_AS_LIST) < 0)
        ex->oom = true;
    free(raw);
}

/* People from one piece of speakers evidence, in the era's speaker mode. */
static void add_people(wm_draft_builder_t *ex, wm_session_t *s, const wm_draft_t *d,
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

static void fill_speakers(wm_draft_builder_t *ex, wm_session_t *s, wm_draft_t *d, int *missing)
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
static char *unwrap_text_templates(wm_draft_builder_t *ex, char *text)
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
static char *evidence_text(wm_draft_builder_t *ex, const wm_draft_t *d, const wm_evidence_t *e,
                           int *missing)
{
    char *text = e->plain ? strdup(e->text) : resolve_switches(ex, d->era, e->text, missing);
    if (!text)
        ex->oom = true;
    return e->plain ? text : unwrap_text_templates(ex, text);
}

/* One piece of evidence as a one-line plain value (a list's first item); NULL when empty. */
static char *evidence_value(wm_draft_builder_t *ex, const wm_draft_t *d, const wm_evidence_t *e,
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
static char *first_value(wm_draft_builder_t *ex, wm_draft_t *d, int field, int *missing)
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
static char *first_text(wm_draft_builder_t *ex, wm_draft_t *d, int field, int *missing,
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

/* The unit after a number: 60 for hours ("h", "hr", "hrs", "hour",
 * "hours"), else 1 (minutes, or no unit); *text moves past the unit. */
static long unit_minutes(const char **text)
{
    const char *p = *text;
    while (*p == ' ')
        p++;
    size_t n = 0;
    while (isalpha((unsigned char)p[n]))
        n++;
    bool hours = (n == 1 && (*p == 'h' || *p == 'H')) ||
                 ((n == 2 || n == 3) && strncasecmp(p, "hr", 2) == 0) ||
                 ((n == 4 || n == 5) && strncasecmp(p, "hour", 4) == 0);
    *text = p + n;
    return hours ? 60 : 1;
}

/* A number with an optional one-digit fraction ("1.5", "1,5"), in tenths;
 * *text moves past it.  Locale-free on purpose. */
static long tenths(const char **text)
{
    char *end;
    long whole = strtol(*text, &end, 10);
    long value = whole < 100000 ? whole * 10 : 1000000;
    if ((*end == '.' || *end == ',') && isdigit((unsigned char)end[1])) {
        value += end[1] - '0';
        end += 2;
        while (isdigit((unsigned char)*end))
            end++;
    }
    *text = end;
    return value;
}

/* Minutes from a duration value: "30", "30 minutes", "00:30" or "1:30"
 * (hours:minutes), "2 hours", "1.5 h", "1 hour 30 minutes"; 0 when none. */
static int parse_minutes(const char *text)
{
    const char *p = text;
    long minutes_tenths = 0;
    for (int part = 0; part < 2; part++) {
        while (isspace((unsigned char)*p) || (part && *p == ','))
            p++;
        if (!isdigit((unsigned char)*p))
            break;
        const char *start = p;
        long value = tenths(&p);
        if (*p == ':' && isdigit((unsigned char)p[1]) && p - start <= 3)   /* hours:minutes */
            return (int)(strtol(start, NULL, 10) * 60 + strtol(p + 1, NULL, 10)) % 100000;
        minutes_tenths += value * unit_minutes(&p);
    }
    long minutes = (minutes_tenths + 5) / 10;
    return minutes > 0 && minutes < 100000 ? (int)minutes : 0;
}

static void fill_type_and_duration(wm_draft_builder_t *ex, wm_session_t *s, wm_draft_t *d, int *missing)
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
static void fill_abstract(wm_draft_builder_t *ex, wm_session_t *s, wm_draft_t *d, int *missing)
{
    char *abstract = first_text(ex, d, WM_FIELD_ABSTRACT, missing, NULL);
    const char *abstract_raw = NULL;
    for (size_t i = 0; abstract && i < d->evidence.n && !abstract_raw; i++)
        if (d->evidence.items[i].field == WM_FIELD_ABSTRACT && d->evidence.items[i].chosen)
            abstract_raw = d->evidence.items[i].text;
    char *description = first_text(ex, d, WM_FIELD_DESCRIPTION, missing, abstract_raw);
    if (wm_session_take_abstract(s, abstract, description) < 0)
        ex->oom = true;
}

/* The code of a language name; of several ("English, Spanish"), the first. */
static const char *language_code(const wm_draft_builder_t *ex, char *name)
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

static const char *status_word(const wm_draft_builder_t *ex, char *value)
{
    return wm_rules_status(ex->rules, value);
}

/* The first piece of field's evidence whose value convert() maps to a
 * known word, marked chosen; NULL when none does. */
static const char *first_known(wm_draft_builder_t *ex, wm_draft_t *d, int field, int *missing,
                               const char *(*convert)(const wm_draft_builder_t *, char *))
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

static void fill_track_language_status(wm_draft_builder_t *ex, wm_session_t *s, wm_draft_t *d,
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
static void fill_code(wm_draft_builder_t *ex, wm_session_t *s, wm_draft_t *d)
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
static int rejection(const wm_draft_t *d, const wm_session_t *s)
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
wm_session_t *wm_draft_build(wm_draft_builder_t *ex, wm_draft_t *d, int *missing, int *reason)
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

