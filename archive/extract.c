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
 * Streaming (wm_extractor_stream), a session is ready at once, and a copy
 * waits in that file: at the end of the dump, the sessions whose pages got
 * translations after them are ready again (amends set).
 * Tallies and explanations (archive/explain.h) are kept as pages go. */
#include "archive/extract.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "archive/draft.h"
#include "archive/explain.h"
#include "archive/lookups.h"
#include "archive/rules.h"
#include "archive/speakers.h"
#include "archive/spill.h"
#include "archive/table_rows.h"
#include "archive/translations.h"
#include "common/util.h"
#include "archive/wikitext.h"
#include "archive/wikitext_lines.h"

/* Ready sessions kept in memory before the queue's file is used. */
#define READY_IN_MEMORY 256

struct wm_extractor {
    wm_rules_t *rules;
    char *dbname;             /* the wiki wiki_known was computed for */
    bool wiki_known;
    wm_lookups_t *lookups;    /* what speaker pages and switch templates say */
    wm_draft_builder_t builder;   /* builds sessions from drafts, with rules and lookups */
    wm_translations_t *translations;   /* codes of the translation subpages seen */
    /* The three queues keep what waits in a temporary file (archive/spill.h),
     * so that memory stays flat however many a dump has. */
    wm_spill_t *pending;      /* drafts waiting for a page later in the dump, as records */
    wm_buf_t draft_bytes;     /* scratch for a draft on its way to or from pending */
    wm_spill_t *held;         /* every session (streaming: a copy), until finish_dump */
    wm_spill_t *ready;        /* sessions for wm_extractor_next_session */
    wm_tallies_t tallies;     /* what the current dump gave, per year */
    wm_explainer_t explainer; /* the pages asked about, their explanations */
    bool streaming;           /* sessions ready at once, given again when late */
    bool oom;                 /* sticky: an allocation failed */
    bool spill_failed;        /* sticky: a kept session could not be read back */
};

/* --- candidates and drafts -------------------------------------------------- */

static void add_evidence(wm_extractor_t *ex, wm_draft_t *d, int field, wm_evidence_kind_t kind,
                         const char *text, size_t len)
{
    if (wm_evidence_add(&d->evidence, field, kind, NULL, text, len, true, 0) < 0)
        ex->oom = true;
}

/* What the title pattern captured, and the era's fixed values. */
static void gather_title_parts(wm_extractor_t *ex, wm_draft_t *d, const wm_title_match_t *match)
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

static wm_draft_t *draft_new(wm_extractor_t *ex, const wm_era_rule_t *era, const wm_siteinfo_t *site,
                          const wm_page_t *page, const char *source, const wm_title_match_t *match)
{
    wm_draft_t *d = calloc(1, sizeof *d);
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
        wm_draft_free(d);
        return NULL;
    }
    return d;
}

/* All the evidence of a page, in order of precedence. */
static wm_draft_t *gather(wm_extractor_t *ex, const wm_era_rule_t *era, const wm_siteinfo_t *site,
                       const wm_page_t *page, const char *source, const wm_title_match_t *match)
{
    wm_draft_t *d = draft_new(ex, era, site, page, source, match);
    if (!d)
        return NULL;
    if (wm_evidence_gather(&d->evidence, ex->rules, era, page->text, page->text_len) < 0)
        ex->oom = true;
    gather_title_parts(ex, d, match);
    wm_evidence_sort(&d->evidence);
    return d;
}

/* --- building sessions (archive/draft.h) ------------------------------------------ */

/* The builder's failures become the extractor's (sticky). */
static void take_builder_failures(wm_extractor_t *ex)
{
    ex->oom = ex->oom || ex->builder.oom;
    ex->spill_failed = ex->spill_failed || ex->builder.spill_failed;
}

static wm_session_t *build_session(wm_extractor_t *ex, wm_draft_t *d, int *missing, int *reason)
{
    wm_session_t *s = wm_draft_build(&ex->builder, d, missing, reason);
    take_builder_failures(ex);
    return s;
}

/* --- the queue of ready sessions --------------------------------------------------- */

static void push_ready(wm_extractor_t *ex, wm_session_t *s)
{
    if (wm_spill_push(ex->ready, s) != WM_OK)
        ex->oom = true;
}

wm_session_t *wm_extractor_next_session(wm_extractor_t *extractor)
{
    wm_session_t *s = NULL;
    if (wm_spill_take(extractor->ready, &s) < WM_OK)
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
    unsigned candidates;   /* rows with a cell under a field's column */
    unsigned sessions;
} row_maker_t;

static wm_draft_t *row_draft(row_maker_t *m, unsigned row)
{
    wm_title_match_t no_title = *m->match;
    no_title.capture[WM_FIELD_TITLE] = NULL;   /* the page's title is not the row's */
    wm_draft_t *d = draft_new(m->ex, m->era, m->site, m->page, m->source, &no_title);
    char *id = d ? wm_strdup_printf("%s#%u", d->id, row) : NULL;
    if (d && !id) {
        m->ex->oom = true;
        wm_draft_free(d);
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
static void count_candidate(wm_extractor_t *ex, int year);
static void count_outcome(wm_extractor_t *ex, int year, int reason);

/* A data row becomes a session whose evidence is its cells. */
static int take_row(void *context, const wm_column_row_t *row)
{
    row_maker_t *m = context;
    wm_draft_t *d = row_draft(m, row->number);
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
    m->candidates++;   /* each such row is a candidate of its own */
    count_candidate(m->ex, d->year);
    count_outcome(m->ex, d->year, reason);
    wm_draft_free(d);
    if (s) {
        m->sessions++;
        emit_session(m->ex, s);
    }
    return m->ex->oom ? 1 : 0;
}

/* Sessions from the rows, each row counted as a candidate; return how
 * many sessions, and set *candidates. */
static unsigned extract_table_rows(wm_extractor_t *ex, const wm_era_rule_t *era,
                                   const wm_siteinfo_t *site, const wm_page_t *page,
                                   const char *source, const wm_title_match_t *match,
                                   unsigned *candidates)
{
    row_maker_t maker = {ex, era, site, page, source, match, 0, 0};
    if (wm_table_rows_read(era, page->text, page->text_len, take_row, &maker) < 0)
        ex->oom = true;
    *candidates = maker.candidates;
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
    if (wm_spill_push(ex->held, s) != WM_OK)
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

static void queue_pending(wm_extractor_t *ex, wm_draft_t *d)
{
    if (!wm_draft_encode(ex->rules, &ex->draft_bytes, d) ||
        wm_spill_push_raw(ex->pending, ex->draft_bytes.data, ex->draft_bytes.len) != WM_OK)
        ex->oom = true;
    wm_draft_free(d);
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

wm_result_t wm_extractor_explain(wm_extractor_t *extractor, const char *title)
{
    return wm_explainer_ask(&extractor->explainer, title) == 0 ? WM_OK : WM_ERR_NO_MEMORY;
}

wm_explanation_t *wm_extractor_next_explanation(wm_extractor_t *extractor)
{
    return wm_explainer_next(&extractor->explainer);
}

/* Queue an explanation (see wm_explainer_add); its evidence, d's. */
static void explain(wm_extractor_t *ex, const char *wiki, const char *title, const char *source,
                    char *why, wm_draft_t *d, wm_explain_result_t result, int reason,
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
 * end, since a translation subpage ("X/fr") may come after X in any era;
 * streaming, it is ready now and a copy waits. */
static void emit_session(wm_extractor_t *ex, wm_session_t *s)
{
    attach_translations(ex, s);
    if (!ex->streaming) {
        hold(ex, s);
        return;
    }
    if (wm_translations_note_given(ex->translations, s->page_title) < 0 ||
        wm_spill_push_copy(ex->held, s) != WM_OK)
        ex->oom = true;
    push_ready(ex, s);
}

/* Count a draft's outcome (s: its session, or NULL and the reason), explain
 * it when asked, and hand on the session. */
static void complete_draft(wm_extractor_t *ex, wm_draft_t *d, wm_session_t *s, int reason,
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
        unsigned candidates, rows = extract_table_rows(ex, era, site, page, source, &match,
                                                       &candidates);
        if (!candidates) {   /* no row at all: the page is the candidate, without fields */
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
    wm_draft_t *d = gather(ex, era, site, page, source, &match);
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
    wm_draft_free(d);
}

/* What the sticky failures amount to: out of memory first (the extractor
 * cannot go on), then sessions lost when read back. */
static wm_result_t failure_of(const wm_extractor_t *ex)
{
    return ex->oom ? WM_ERR_NO_MEMORY : ex->spill_failed ? WM_ERR_READ : WM_OK;
}

wm_result_t wm_extractor_add_page(wm_extractor_t *extractor, const wm_siteinfo_t *site,
                                  const wm_page_t *page, const char *source)
{
    wm_extractor_t *ex = extractor;
    if (ex->oom)
        return WM_ERR_NO_MEMORY;
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
        return ex->oom ? WM_ERR_NO_MEMORY : WM_OK;
    }
    if (page->ns == 10) {
        wm_draft_note_lookups(&ex->builder,
                              wm_lookups_add_page(ex->lookups, ex->rules, site->dbname, page));
        take_builder_failures(ex);
    }
    if (namespace_may_hold_sessions(page->ns))
        extract_session(ex, site, page, source);
    else if (explained)
        explain(ex, site->dbname, page->title, source, why_not_candidate(page, NULL), NULL,
                WM_EXPLAIN_NOT_CANDIDATE, -1, NULL);
    return ex->oom ? WM_ERR_NO_MEMORY : WM_OK;
}

/* The oldest pending draft (caller frees), NULL when none is left. */
static wm_draft_t *next_pending(wm_extractor_t *ex)
{
    for (wm_result_t got; (got = wm_spill_take_raw(ex->pending, &ex->draft_bytes)) != WM_END;) {
        wm_draft_t *d = got == WM_OK ? wm_draft_decode(ex->rules, &ex->draft_bytes) : NULL;
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
    for (wm_result_t got; (got = wm_spill_take(ex->held, &s)) != WM_END;) {
        if (got != WM_OK) {
            ex->spill_failed = true;   /* lost; the others follow */
            continue;
        }
        attach_translations(ex, s);
        push_ready(ex, s);
    }
}

static bool page_is_late(void *arg, const char *page_title)
{
    const wm_extractor_t *ex = arg;
    return *page_title && wm_translations_late(ex->translations, page_title);
}

/* Streaming: the copies of the sessions whose pages got translations after
 * them, with every translation, ready again; the other copies dropped
 * unread (undecoded, or the whole file at once when no page is late). */
static void release_late(wm_extractor_t *ex)
{
    if (!wm_translations_any_late(ex->translations)) {
        wm_spill_free(ex->held);
        if (!(ex->held = wm_spill_new()))
            ex->oom = true;
        return;
    }
    wm_session_t *s;
    for (wm_result_t got; (got = wm_spill_take_if(ex->held, page_is_late, ex, &s)) != WM_END;) {
        if (got != WM_OK) {
            ex->spill_failed = true;   /* that session keeps what it was given with */
            continue;
        }
        if (!s)
            continue;   /* not late: dropped unread */
        attach_translations(ex, s);
        s->amends = true;
        push_ready(ex, s);
    }
}

wm_result_t wm_extractor_finish_dump(wm_extractor_t *extractor)
{
    wm_extractor_t *ex = extractor;
    const char *wiki = ex->dbname ? ex->dbname : "";
    for (wm_draft_t *d; (d = next_pending(ex));) {
        char *why = d->explain ? wm_strdup_printf("era \"%s\" (its lookups resolved at the end "
                                                  "of the dump)", d->era->name)
                               : NULL;
        int missing = 0, reason;
        wm_session_t *s = build_session(ex, d, &missing, &reason);
        complete_draft(ex, d, s, reason, wiki, why);
        wm_draft_free(d);
    }
    if (ex->streaming)
        release_late(ex);
    else
        release_held(ex);
    wm_lookups_clear(ex->lookups);
    wm_translations_clear(ex->translations);
    free(ex->dbname);
    ex->dbname = NULL;
    wm_tallies_finish(&ex->tallies);
    return failure_of(ex);
}

/* --- lifetime ------------------------------------------------------------------------ */

wm_extractor_t *wm_extractor_new(char **error)
{
    wm_rules_t *rules;
    *error = NULL;
    if (wm_rules_builtin(&rules, error) != WM_OK) {
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
    ex->builder = (wm_draft_builder_t){.rules = ex->rules, .lookups = ex->lookups};
    return ex;
}

void wm_extractor_stream(wm_extractor_t *extractor)
{
    extractor->streaming = true;
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
