/* libFuzzer target for the session extractor (archive/extract.h).
 *
 * The input is a small dump without the XML: pages separated by NUL bytes
 * (a page text never holds one).  The first byte of each page, minus one,
 * chooses its wiki and title among the shapes the era rules know (session pages of
 * each era, 2023 speaker and switch templates, translation subpages,
 * excluded grids, talk pages, ...); the rest is the page's wikitext, made
 * valid UTF-8 as the XML reader's output always is.  Sessions are taken
 * after each page and after wm_extractor_finish_dump(), as wmindex does,
 * and checked against the promises of extract.h and session.h: a title and
 * a field beyond title, code and status (type label, track, language,
 * speakers, abstract or duration), an id and URL for the page's wiki, the
 * event "Wikimania" or "Wikimania YYYY" of its year, a status that is one
 * of the six words or none, UTF-8 strings (the JSON form must build).
 *
 * The title of the first page is explained (wm_extractor_explain): every
 * page of that title gives exactly one explanation, whose result, reason,
 * candidate flag and evidence agree (fields and kinds in range, in order
 * of precedence, at most one chosen piece per field, a session's title
 * chosen).  After the dump, the tallies (wm_extractor_tallies) are in
 * increasing year order, count every page, and count the sessions taken,
 * year by year; each candidate has one outcome (a session or a rejection),
 * except the pages of an era whose table rows are sessions: see
 * check_tallies. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "archive/dump.h"
#include "archive/extract.h"
#include "archive/session.h"
#include "common/util.h"
#include "tests/fuzz/fuzz_helpers.h"

#define MAX_PAGES 8

typedef struct page_shape {
    int site;            /* index into SITES */
    int ns;
    const char *title;
} page_shape_t;

static const struct {
    const char *dbname;
    const char *base;
} SITES[] = {
    {"wikimaniawiki", "https://wikimania.wikimedia.org/wiki/Main_Page"},
    {"wikimania2014wiki", "https://wikimania2014.wikimedia.org/wiki/Main_Page"},
    {"wikimania2006wiki", "https://wikimania2006.wikimedia.org/wiki/Main_Page"},
    {"wikimania2016wiki", "https://wikimania2016.wikimedia.org/wiki/Main_Page"},
    {"wikimania2018wiki", "https://wikimania2018.wikimedia.org/wiki/Main_Page"},
    {"wikimania2017wiki", "https://wikimania2017.wikimedia.org/wiki/Main_Page"},
    {"wikimania2009wiki", "https://wikimania2009.wikimedia.org/wiki/Main_Page"},
    {"wikimania2008wiki", "https://wikimania2008.wikimedia.org/wiki/Main_Page"},
};

/* The era shapes of doc/era-shapes.md, and the pages around them. */
static const page_shape_t SHAPES[] = {
    {0, 3002, "2019:Libraries/Wikidata for small libraries"},
    {0, 3002, "2019:Program/Opening plenary"},
    {0, 3002, "2019:Program/Schedule"},
    {0, 3003, "2019 talk:Libraries/Wikidata for small libraries"},
    {0, 3002, "2019:Libraries/Wikidata for small libraries/fr"},
    {0, 3008, "2023:Program/Submissions/Fuzzing for fun - ABC123"},
    {0, 3008, "2023:Program/Technology/XYZ789-Fuzzing for fun"},
    {0, 10, "Template:2023 speaker details/SPK1"},
    {0, 10, "Template:2023 speaker details/SPK2"},
    {0, 10, "Template:2023 track name"},
    {0, 10, "Template:2023 session type"},
    {0, 3010, "2024:Program/Building bridges with Wikidata"},
    {0, 3010, "2024:Program/Building bridges with Wikidata/zh-hans"},
    {0, 3010, "2024:Program/Schedule"},
    {0, 3010, "2024:Program"},
    {0, 0, "Main Page"},
    {1, 0, "Submissions/Authors we love"},
    {1, 0, "Submissions/Authors we love/de"},
    {1, 2, "User:Fschulen"},
    {2, 100, "Proceedings:YB1"},
    {2, 100, "Proceedings:Index"},
    {3, 0, "Programme/Wikipedia in the classroom"},
    {3, 0, "Programme/Sunday"},
    {4, 0, "Program/Decolonising the internet"},
    {0, 3006, "2021:Submissions"},
    {0, 3008, "2023:Program"},
    {5, 0, "Submissions/Fuzzing in Montreal"},
    {6, 100, "Proceedings:12"},
    /* Only the generic era covers these: a year without a rule. */
    {7, 0, "Program/Mapping the fuzz"},
    {7, 0, "Program/Mapping the fuzz/fr"},
    {7, 0, "Program/Sunday"},
    {0, 3012, "2022:Program/Fuzzing small wikis"},
    {0, 3012, "2022:Program/Fuzzing small wikis/fr"},
    {0, 3012, "2022:Program"},
    {0, 3012, "2022:Program/Schedule"},
};

#define N_SHAPES (sizeof SHAPES / sizeof SHAPES[0])

static wm_namespace_t NAMESPACES[] = {
    {0, ""}, {1, "Talk"}, {2, "User"}, {3, "User talk"}, {10, "Template"}, {11, "Template talk"},
    {14, "Category"}, {100, "Proceedings"}, {3002, "2019"}, {3003, "2019 talk"},
    {3006, "2021"}, {3008, "2023"}, {3010, "2024"}, {3012, "2022"},
};

static wm_siteinfo_t site_info(int site)
{
    return (wm_siteinfo_t){
        .sitename = "Wikimania",
        .dbname = (char *)SITES[site].dbname,
        .base = (char *)SITES[site].base,
        .generator = "MediaWiki 1.43.0-wmf.8",
        .language = "en",
        .schema_version = "0.11",
        .namespaces = NAMESPACES,
        .n_namespaces = sizeof NAMESPACES / sizeof NAMESPACES[0],
    };
}

/* What one input did: the pages given, the sessions taken, the explained
 * title and its explanations. */
typedef struct run {
    wm_extractor_t *ex;
    unsigned long pages;
    bool table_pages;             /* a page of an era whose table rows are sessions */
    const char *explained;        /* the title explained, NULL when none */
    size_t explained_pages;       /* pages of that title given */
    size_t explanations;
    struct {
        int year;
        unsigned long sessions;
    } years[32];                  /* sessions taken per year */
    size_t n_years;
} run_t;

static void count_session_year(run_t *r, int year)
{
    size_t i = 0;
    while (i < r->n_years && r->years[i].year != year)
        i++;
    if (i == r->n_years) {
        CHECK(r->n_years < sizeof r->years / sizeof r->years[0]);
        r->years[r->n_years].year = year;
        r->years[r->n_years++].sessions = 0;
    }
    r->years[i].sessions++;
}

static void check_session(run_t *r, wm_session_t *s)
{
    static const char *const types[] = {"talk", "panel", "workshop", "lightning talk", "poster",
                                        "roundtable", "tutorial", "keynote", "meetup", "other"};
    CHECK(s->id && s->url && s->page_title && s->title && *s->title);
    /* A title and a field beyond title, code and status (extract.h). */
    CHECK(s->type_label || s->n_tracks > 0 || s->language || s->n_speakers > 0 || s->abstract ||
          s->duration_minutes > 0);
    CHECK(strstr(s->id, "wiki:") != NULL && strncmp(s->url, "https://", 8) == 0);
    CHECK(s->origin == WM_ORIGIN_WIKI);
    /* A wiki page's event: the Wikimania of its year. */
    CHECK(s->event != NULL && strncmp(s->event, "Wikimania", 9) == 0);
    if (s->year) {
        char event[32];
        snprintf(event, sizeof event, "Wikimania %d", s->year);
        CHECK(strcmp(s->event, event) == 0);
    } else {
        CHECK(strcmp(s->event, "Wikimania") == 0);
    }
    CHECK(s->status == NULL || wm_status_known(s->status));
    bool known_type = s->type == NULL;
    for (size_t i = 0; i < sizeof types / sizeof *types; i++)
        known_type = known_type || strcmp(s->type, types[i]) == 0;
    CHECK(known_type);
    CHECK(s->duration_minutes >= 0);
    fuzz_check_session(s);
    count_session_year(r, s->year);
}

static bool is_reason_name(const char *reason)
{
    for (int i = 0; i < WM_REJECT_REASON_COUNT; i++)
        if (strcmp(reason, wm_reject_reason_name((wm_reject_reason_t)i)) == 0)
            return true;
    return false;
}

static void check_explanation(run_t *r, const wm_explanation_t *e)
{
    CHECK(e->wiki && e->page_title && e->source && e->why && *e->why);
    CHECK(r->explained && strcmp(e->page_title, r->explained) == 0);
    CHECK(e->result >= WM_EXPLAIN_NOT_CANDIDATE && e->result <= WM_EXPLAIN_TRANSLATION);
    CHECK(strcmp(wm_explain_result_name(e->result), "?") != 0);
    /* "not a candidate" and "translation" are no candidates; the others are. */
    CHECK(e->candidate == (e->result == WM_EXPLAIN_SESSION || e->result == WM_EXPLAIN_REJECTED));
    CHECK((e->reason != NULL) == (e->result == WM_EXPLAIN_REJECTED));
    CHECK(!e->reason || is_reason_name(e->reason));
    CHECK(!e->session_id || (e->result == WM_EXPLAIN_SESSION && strstr(e->session_id, "wiki:")));
    if (!e->candidate)
        CHECK(e->evidence.n == 0);
    /* In order of precedence; at most one piece gave each field (speakers
     * may be read from more than one). */
    unsigned chosen[WM_FIELD_COUNT] = {0};
    for (size_t i = 0; i < e->evidence.n; i++) {
        const wm_evidence_t *piece = &e->evidence.items[i];
        CHECK(piece->field >= 0 && piece->field < WM_FIELD_COUNT);
        CHECK((unsigned)piece->kind < WM_EVIDENCE_KIND_COUNT);
        CHECK(i == 0 || piece->kind >= e->evidence.items[i - 1].kind);
        CHECK(piece->text && *piece->text);
        fuzz_check_utf8(piece->text);
        if (piece->plain)
            CHECK(piece->kind >= WM_EVIDENCE_BANNER);
        chosen[piece->field] += piece->chosen;
    }
    for (int f = 0; f < WM_FIELD_COUNT; f++)
        CHECK(f == WM_FIELD_SPEAKERS || chosen[f] <= 1);
    /* A page's session got its title from one piece; a rejection for want
     * of a title had none.  (A table page's rows are not its evidence.) */
    if (e->result == WM_EXPLAIN_SESSION && e->evidence.n)
        CHECK(chosen[WM_FIELD_TITLE] == 1);
    if (e->reason && strcmp(e->reason, wm_reject_reason_name(WM_REJECT_NO_TITLE)) == 0)
        CHECK(chosen[WM_FIELD_TITLE] == 0);
    r->explanations++;
}

static void drain(run_t *r)
{
    wm_session_t *s;
    while ((s = wm_extractor_next_session(r->ex))) {
        check_session(r, s);
        wm_session_free(s);
    }
    wm_explanation_t *e;
    while ((e = wm_extractor_next_explanation(r->ex))) {
        check_explanation(r, e);
        wm_explanation_free(e);
    }
}

/* Does an era whose table rows are sessions read this page? */
static bool table_era_page(const wm_rules_t *rules, const wm_siteinfo_t *site, const char *title)
{
    wm_title_match_t match;
    const wm_era_rule_t *era = wm_rules_find_era(rules, site->dbname, title, &match);
    for (int f = 0; era && f < WM_FIELD_COUNT; f++)
        if (era->columns[f].n)
            return true;
    return false;
}

static void add_page(run_t *r, const uint8_t *bytes, size_t len, uint64_t id)
{
    /* Byte 0 separates pages, so byte 1 picks the first shape. */
    const page_shape_t *shape = &SHAPES[(bytes[0] - 1u) % N_SHAPES];
    char *text = wm_utf8_sanitize((const char *)bytes + 1, len - 1);
    CHECK(text != NULL);
    wm_siteinfo_t site = site_info(shape->site);
    wm_page_t page = {
        .title = shape->title,
        .ns = shape->ns,
        .id = id,
        .text = text,
        .text_len = strlen(text),
        .revision_id = 1000 + id,
        .timestamp = "2024-08-01T12:00:00Z",
        .n_revisions = 1,
        .offset = 100 * id,
    };
    if (!r->explained) {
        r->explained = shape->title;
        CHECK(wm_extractor_explain(r->ex, shape->title) == WM_OK);
    }
    r->explained_pages += strcmp(shape->title, r->explained) == 0;
    r->table_pages = r->table_pages || table_era_page(wm_extractor_rules(r->ex), &site, shape->title);
    r->pages++;
    CHECK(wm_extractor_add_page(r->ex, &site, &page, "fuzz.xml") == WM_OK);
    free(text);
    drain(r);
}

/* The tallies of the dump (extract.c count_candidate, count_outcome): in
 * increasing year order; every page counted under its year; the sessions
 * counted are the sessions taken, year by year; no export's duplicate
 * here.  Each candidate has one outcome (a session or a rejection, counted
 * under the candidate's year), so candidates equal sessions plus
 * rejections.  A candidate is a page, except on a page of an era whose
 * table rows are sessions (2021:Submissions): there each row is one, so
 * only there may candidates outnumber pages. */
static void check_tallies(run_t *r)
{
    size_t n;
    const wm_tally_t *t = wm_extractor_tallies(r->ex, &n);
    CHECK(n == 0 || t != NULL);
    unsigned long pages = 0;
    for (size_t i = 0; i < n; i++) {
        CHECK(i == 0 || t[i].year > t[i - 1].year);
        CHECK(t[i].rejected[WM_REJECT_DUPLICATE] == 0);
        unsigned long sessions = 0;
        for (size_t y = 0; y < r->n_years; y++)
            if (r->years[y].year == t[i].year)
                sessions = r->years[y].sessions;
        CHECK(t[i].sessions == sessions);
        CHECK(t[i].candidates == t[i].sessions + wm_tally_rejected(&t[i]));
        CHECK(r->table_pages || t[i].candidates <= t[i].pages);
        pages += t[i].pages;
    }
    for (size_t y = 0; y < r->n_years; y++) {   /* no session outside the tallies */
        bool counted = false;
        for (size_t i = 0; i < n; i++)
            counted = counted || t[i].year == r->years[y].year;
        CHECK(counted);
    }
    CHECK(pages == r->pages);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *error = NULL;
    run_t r = {.ex = wm_extractor_new(&error)};
    CHECK(r.ex != NULL);
    const uint8_t *end = data + size;
    uint64_t id = 1;
    for (const uint8_t *page = data; page < end && id <= MAX_PAGES; id++) {
        const uint8_t *nul = memchr(page, 0, (size_t)(end - page));
        size_t len = (size_t)((nul ? nul : end) - page);
        if (len > 0)
            add_page(&r, page, len, id);
        page += len + 1;
    }
    CHECK(wm_extractor_finish_dump(r.ex) == WM_OK);
    drain(&r);
    check_tallies(&r);
    /* Every page of the explained title was explained, once. */
    CHECK(r.explanations == r.explained_pages);
    wm_extractor_free(r.ex);
    return 0;
}
