/* Unit tests for the era rules (archive/rules.c) and the session extractor
 * (archive/extract.c): pages in each era's shape (doc/era-shapes.md) with
 * every field checked, 2023 lookups in both page orders, pages that must
 * not become sessions, and rules-text errors that name their line. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "archive/extract.h"
#include "archive/spill.h"
#include "archive/rules.h"

/* --- helpers ------------------------------------------------------------- */

static wm_siteinfo_t unified_site = {
    .sitename = "Wikimania", .dbname = "wikimaniawiki",
    .base = "https://wikimania.wikimedia.org/wiki/Main_Page",
    .generator = "MediaWiki 1.42", .language = "en", .schema_version = "0.11",
};

static wm_siteinfo_t site_2014 = {
    .sitename = "Wikimania 2014", .dbname = "wikimania2014wiki",
    .base = "https://wikimania2014.wikimedia.org/wiki/Main_Page",
    .generator = "MediaWiki 1.42", .language = "en", .schema_version = "0.10",
};

typedef struct test_page {
    const char *title;
    int ns;
    uint64_t id;
    const char *text;     /* NULL: deleted text */
} test_page_t;

/* A dump marks a redirect with <redirect title=...>; so do these pages. */
static const char *redirect_target(const char *text)
{
    return text && strncmp(text, "#REDIRECT", 9) == 0 ? "Somewhere" : NULL;
}

static wm_page_t make_page(const test_page_t *p)
{
    return (wm_page_t){
        .title = p->title, .ns = p->ns, .id = p->id, .redirect = redirect_target(p->text),
        .text = p->text ? p->text : "", .text_len = p->text ? strlen(p->text) : 0,
        .text_deleted = p->text == NULL, .revision_id = p->id * 10,
        .timestamp = "2019-05-01T12:00:00Z", .n_revisions = 1,
    };
}

typedef struct results {
    wm_session_t *sessions[32];
    size_t n;
} results_t;

static void add_pages(wm_extractor_t *ex, const wm_siteinfo_t *site, const test_page_t *pages,
                      size_t n)
{
    for (size_t i = 0; i < n; i++) {
        wm_page_t page = make_page(&pages[i]);
        assert_int_equal(wm_extractor_add_page(ex, site, &page, "/tmp/dump.xml"), WM_OK);
    }
}

static void take_ready(wm_extractor_t *ex, results_t *r)
{
    wm_session_t *s;
    while ((s = wm_extractor_next_session(ex))) {
        assert_true(r->n < 32);
        r->sessions[r->n++] = s;
    }
}

/* Feed one dump and collect every session. */
static void run_dump(wm_extractor_t *ex, const wm_siteinfo_t *site, const test_page_t *pages,
                     size_t n, results_t *r)
{
    add_pages(ex, site, pages, n);
    assert_int_equal(wm_extractor_finish_dump(ex), WM_OK);
    take_ready(ex, r);
}

static wm_extractor_t *new_extractor(void)
{
    char *error = NULL;
    wm_extractor_t *ex = wm_extractor_new(&error);
    assert_null(error);
    assert_non_null(ex);
    return ex;
}

static const wm_session_t *find_session(const results_t *r, const char *page_title)
{
    for (size_t i = 0; i < r->n; i++)
        if (strcmp(r->sessions[i]->page_title, page_title) == 0)
            return r->sessions[i];
    fail_msg("no session for page \"%s\"", page_title);
    return NULL;
}

static void free_results(results_t *r)
{
    for (size_t i = 0; i < r->n; i++)
        wm_session_free(r->sessions[i]);
    r->n = 0;
}

static void assert_prefix(const char *s, const char *prefix)
{
    assert_non_null(s);
    if (strncmp(s, prefix, strlen(prefix)) != 0)
        fail_msg("\"%s\" does not start with \"%s\"", s, prefix);
}

/* A speaker known by a program system's code (pretalx), not a username. */
static void assert_coded_speaker(const wm_session_t *s, size_t i, const char *name,
                                 const char *code, const char *bio_start)
{
    assert_true(i < s->n_speakers);
    assert_string_equal(s->speakers[i].name, name);
    assert_null(s->speakers[i].username);
    assert_string_equal(s->speakers[i].code, code);
    if (bio_start)
        assert_prefix(s->speakers[i].biography, bio_start);
    else
        assert_null(s->speakers[i].biography);
}

static void assert_speaker(const wm_session_t *s, size_t i, const char *name, const char *username,
                           const char *bio_start)
{
    assert_true(i < s->n_speakers);
    assert_string_equal(s->speakers[i].name, name);
    if (username)
        assert_string_equal(s->speakers[i].username, username);
    else
        assert_null(s->speakers[i].username);
    if (bio_start)
        assert_prefix(s->speakers[i].biography, bio_start);
    else
        assert_null(s->speakers[i].biography);
}

static void assert_track(const wm_session_t *s, const char *track)
{
    if (!track) {
        assert_int_equal(s->n_tracks, 0);
        return;
    }
    assert_int_equal(s->n_tracks, 1);
    assert_string_equal(s->tracks[0], track);
}

static void assert_type(const wm_session_t *s, const char *type, const char *label, int minutes)
{
    if (type)
        assert_string_equal(s->type, type);
    else
        assert_null(s->type);
    if (label)
        assert_string_equal(s->type_label, label);
    else
        assert_null(s->type_label);
    assert_int_equal(s->duration_minutes, minutes);
}

/* --- rules ----------------------------------------------------------------- */

static void test_builtin_rules_find_eras(void **state)
{
    (void)state;
    wm_rules_t *rules;
    char *error = NULL;
    assert_int_equal(wm_rules_builtin(&rules, &error), WM_OK);
    assert_null(error);
    wm_title_match_t m;
    const wm_era_rule_t *era = wm_rules_find_era(rules, "wikimaniawiki", "2019:Libraries/Foo/Bar", &m);
    assert_non_null(era);
    assert_string_equal(era->name, "2019 spaces");
    assert_int_equal(m.year, 2019);
    assert_int_equal(m.capture_len[WM_FIELD_TRACK], 9);
    assert_memory_equal(m.capture[WM_FIELD_TRACK], "Libraries", 9);
    assert_string_equal(m.capture[WM_FIELD_TITLE], "Foo/Bar");
    era = wm_rules_find_era(rules, "wikimaniawiki", "2019:Program/Keynote", &m);
    assert_non_null(era);
    assert_null(m.capture[WM_FIELD_TRACK]);
    assert_null(wm_rules_find_era(rules, "wikimaniawiki", "2019:Program/Schedule", &m));
    assert_null(wm_rules_find_era(rules, "wikimaniawiki", "2019:Libraries", &m));
    assert_null(wm_rules_find_era(rules, "wikimaniawiki", "2024:Program", &m));
    assert_null(wm_rules_find_era(rules, "wikimaniawiki", "2024:Libraries/Foo", &m));
    /* No era of the unified wiki writes Submissions/...: the generic era takes it. */
    assert_string_equal(wm_rules_find_era(rules, "wikimaniawiki", "Submissions/Foo", &m)->name, "generic");
    era = wm_rules_find_era(rules, "wikimaniawiki", "2023:Program/Technology/ABC123-Foo-bar", &m);
    assert_string_equal(era->name, "2023 program");
    assert_memory_equal(m.capture[WM_FIELD_TRACK], "Technology", 10);
    assert_string_equal(m.capture[WM_FIELD_TITLE], "Foo-bar");
    era = wm_rules_find_era(rules, "wikimaniawiki", "2023:Program/Submissions/A - B - XY12", &m);
    assert_string_equal(era->name, "2023 program");
    assert_null(m.capture[WM_FIELD_TRACK]);
    assert_int_equal(m.capture_len[WM_FIELD_TITLE], 5);
    era = wm_rules_find_era(rules, "wikimania2014wiki", "Submissions/Foo", &m);
    assert_string_equal(era->name, "2010-2017 submissions");
    assert_int_equal(m.year, 0);
    assert_null(wm_rules_find_era(rules, "wikimania2014wiki", "Submissions", &m));
    assert_null(wm_rules_find_era(rules, "wikimania2016wiki", "Programme/Sunday", &m));
    assert_null(wm_rules_find_era(rules, "enwiki", "Submissions/Foo", &m));
    assert_true(wm_rules_wiki_known(rules, "wikimania2012wiki"));
    assert_false(wm_rules_wiki_known(rules, "tmp-wp"));
    wm_rules_free(rules);
}

static void test_types_languages_and_labels(void **state)
{
    (void)state;
    wm_rules_t *rules;
    char *error = NULL;
    assert_int_equal(wm_rules_builtin(&rules, &error), WM_OK);
    assert_string_equal(wm_rules_type(rules, "Lecture (25 minutes)"), "talk");
    assert_string_equal(wm_rules_type(rules, "Hot seat"), "talk");
    assert_string_equal(wm_rules_type(rules, "PANEL DISCUSSION"), "panel");
    assert_string_equal(wm_rules_type(rules, "Hands-on workshop"), "workshop");
    assert_string_equal(wm_rules_type(rules, "Lightning talk (5 minutes, in person only)"),
                        "lightning talk");
    assert_string_equal(wm_rules_type(rules, "Round table"), "roundtable");
    assert_string_equal(wm_rules_type(rules, "Invited speaker"), "keynote");
    assert_string_equal(wm_rules_type(rules, "BarCamp"), "meetup");
    assert_string_equal(wm_rules_type(rules, "Workshop for beginners"), "workshop");
    assert_string_equal(wm_rules_type(rules, "Celebration"), "other");
    assert_null(wm_rules_type(rules, "  "));
    assert_string_equal(wm_rules_language(rules, "English"), "en");
    assert_string_equal(wm_rules_language(rules, "Français"), "fr");
    assert_string_equal(wm_rules_language(rules, " español "), "es");
    assert_string_equal(wm_rules_language(rules, "EN"), "en");
    assert_string_equal(wm_rules_language(rules, "pt-br"), "pt-br");
    assert_null(wm_rules_language(rules, "Klingon"));
    assert_true(wm_rules_is_translation_code(rules, "zh-hans", 7));
    assert_true(wm_rules_is_translation_code(rules, "FR", 2));
    assert_false(wm_rules_is_translation_code(rules, "GLAM", 4));
    char *label = wm_rules_normalise_label("Affiliation, if any (organisation, company etc.):");
    assert_string_equal(label, "affiliation");
    free(label);
    label = wm_rules_normalise_label("  Session   leader(s) ");
    assert_string_equal(label, "session leader");
    free(label);
    wm_rules_free(rules);
}

static void assert_parse_error(const char *text, const char *expected)
{
    wm_rules_t *rules = (wm_rules_t *)1;
    char *error = NULL;
    assert_int_equal(wm_rules_parse(text, strlen(text), &rules, &error), WM_ERR_MALFORMED);
    assert_null(rules);
    assert_non_null(error);
    if (!strstr(error, expected))
        fail_msg("error \"%s\" lacks \"%s\"", error, expected);
    free(error);
}

static void test_rules_parse_errors_name_the_line(void **state)
{
    (void)state;
    assert_parse_error("wiki = x\n", "rules line 1: entry outside any block");
    assert_parse_error("# c\n[era a]\nwiki = x\ntitle = A/{title}\ncolour = red\n",
                       "rules line 5: unknown key \"colour\"");
    assert_parse_error("[era a]\nwiki = x\ntitle = A/{title}\nheading speaker = Who\n",
                       "rules line 4: unknown field \"speaker\"");
    assert_parse_error("[era a]\nwiki = x\ntitle = A/{titel}\n",
                       "rules line 3: unknown capture in title pattern \"A/{titel}\"");
    assert_parse_error("[era a]\nwiki = x\ntitle = A/{title}\nyear = 19\n",
                       "rules line 4: year must be four digits");
    assert_parse_error("\n\n[era a]\nwiki = x\n\n[types]\n", "rules line 3: era has no \"title =\" line");
    assert_parse_error("[era a]\ntitle = A/{title}\n", "rules line 1: era has no \"wiki =\" line");
    assert_parse_error("[eras]\n", "rules line 1: unknown block \"eras\"");
    assert_parse_error("[types]\ntalk = talk || lecture\n", "rules line 2: empty item");
    assert_parse_error("[types]\ntalk\n", "rules line 2: expected \"key = value\"");
    assert_parse_error("[era a]\nwiki = x\ntitle = A/{title}\nspeaker mode = table\n",
                       "rules line 4: speaker mode must be list, bios or lookup");
    assert_parse_error("[era a]\nwiki = x\ntitle = A/{title}\nspeaker mode = lookup\n",
                       "rules line 1: speaker mode lookup needs");
    assert_parse_error("[era a\n", "rules line 1: a block header must end with ']'");
    assert_parse_error("[translations]\nlangs = fr\n", "rules line 2: unknown key in [translations]");
}

static void test_rules_parse_custom_text(void **state)
{
    (void)state;
    const char *text =
        "# a rules file\r\n"
        "[types]\n"
        "talk = talk\n"
        "[era 2030 test]\n"
        "wiki = wikimania20??wiki | testwiki\n"
        "year = 2030\n"
        "title = Talks/{track}/{title}\n"
        "heading abstract = Summary (short) | Abstract:\n"
        "label speakers = Speaker(s)\n"
        "param title = title | name\n"
        "set language = en\n"
        "speaker mode = bios\n";
    wm_rules_t *rules;
    char *error = NULL;
    assert_int_equal(wm_rules_parse(text, strlen(text), &rules, &error), WM_OK);
    assert_null(error);
    assert_int_equal(rules->n_eras, 1);
    const wm_era_rule_t *era = &rules->eras[0];
    assert_int_equal(era->line, 4);
    assert_int_equal(era->year, 2030);
    assert_int_equal(era->headings[WM_FIELD_ABSTRACT].n, 2);
    assert_string_equal(era->headings[WM_FIELD_ABSTRACT].items[0], "summary");
    assert_string_equal(era->headings[WM_FIELD_ABSTRACT].items[1], "abstract");
    assert_string_equal(era->labels[WM_FIELD_SPEAKERS].items[0], "speaker");
    assert_string_equal(era->params[WM_FIELD_TITLE].items[1], "name");
    assert_string_equal(era->fixed[WM_FIELD_LANGUAGE], "en");
    assert_int_equal(era->speaker_mode, WM_SPEAKERS_BIOS);
    assert_null(rules->other_type);
    assert_null(wm_rules_type(rules, "Panel"));
    wm_title_match_t m;
    assert_ptr_equal(wm_rules_find_era(rules, "wikimania2030wiki", "Talks/AI/Robots", &m), era);
    assert_ptr_equal(wm_rules_find_era(rules, "testwiki", "Talks/AI/Robots", &m), era);
    assert_null(wm_rules_find_era(rules, "wikimaniawiki", "Talks/AI/Robots", &m));
    wm_rules_free(rules);
}

/* --- 2014: Submissions/<title> on the per-year wiki --------------------------------- */

static const test_page_t pages_2014[] = {
    {"Submissions", 0, 10, "Submissions are open!\n* [[Submissions/Authors we love]]\n"},
    {"Submissions/Authors we love – an ode to an endangered species", 0, 11,
     "{{Submission-accepted}}\n"
     "Submission no. 1012\n"
     "==== Title of the submission ====\n"
     "Authors we love – an ode to an endangered species\n"
     "==== Type of submission (discussion, hot seat, panel, presentation, tutorial, workshop) ====\n"
     "presentation\n"
     "==== Author of the submission ====\n"
     "* Dirk Example\n"
     "* [[User:Fschulen|Frank Sample]]\n"
     "==== E-mail address ====\n"
     "dirk@example.org\n"
     "==== Country of origin ====\n"
     "* Germany\n"
     "==== Affiliation, if any (organisation, company etc.) ====\n"
     "* Wikimedia Deutschland\n"
     "==== Personal homepage or blog ====\n"
     "==== Abstract (at least 300 words to describe your proposal) ====\n"
     "In the early days of [[Wikipedia]], authors were ''everywhere''.\n\nSecond paragraph.\n"},
    {"Submissions/Mapping the commons", 0, 12,
     "{{Submission-declined}}\n"
     "Submission no. 2001\n"
     "==== Title of the submission ====\n"
     "Mapping the commons\n"
     "==== Type of submission (discussion, hot seat, panel, presentation, tutorial, workshop) ====\n"
     "Workshop\n"
     "==== Author of the submission ====\n"
     "* [[User:Ann_Other]]\n"
     "==== Abstract (at least 300 words to describe your proposal) ====\n"
     "A hands-on session on OpenStreetMap.\n"},
    {"Submissions/Hot seat: the board", 0, 13,
     "==== Title of the submission ====\n"
     "Hot seat: the board\n"
     "==== Type of submission (discussion, hot seat, panel, presentation, tutorial, workshop) ====\n"
     "hot seat\n"
     "==== Author of the submission ====\n"
     "Jane Roe, Ravi Kumar and John Doe\n"
     "==== Abstract ====\n"
     "Ask the board anything.\n"},
    {"Template:Submission-accepted", 10, 14, "<div>Accepted</div>"},
    {"Talk:Submissions/Mapping the commons", 1, 15,
     "==== Title of the submission ====\nX\n==== Abstract ====\nY\n"},
    {"User:Fschulen", 2, 16, "==== Title of the submission ====\nX\n==== Abstract ====\nY\n"},
    {"Submissions/Old name", 0, 17, "#REDIRECT [[Submissions/Mapping the commons]]"},
    {"Submissions/Deleted", 0, 18, NULL},
    {"Submissions/Empty", 0, 19, ""},
    {"Submissions/Mapping the commons/de", 0, 20,
     "==== Title of the submission ====\nDie Allmende kartieren\n==== Abstract ====\nY\n"},
    {"Submissions/No abstract", 0, 21, "==== Title of the submission ====\nNo abstract\n"},
};

static void test_2014_submissions(void **state)
{
    (void)state;
    wm_extractor_t *ex = new_extractor();
    results_t r = {0};
    run_dump(ex, &site_2014, pages_2014, sizeof pages_2014 / sizeof *pages_2014, &r);
    assert_int_equal(r.n, 3);

    const wm_session_t *s = find_session(&r, "Submissions/Authors we love – an ode to an endangered species");
    assert_string_equal(s->id, "wikimania2014wiki:11");
    assert_int_equal(s->year, 2014);
    assert_string_equal(s->title, "Authors we love – an ode to an endangered species");
    assert_type(s, "talk", "presentation", 0);
    assert_track(s, NULL);
    assert_null(s->language);
    assert_int_equal(s->n_speakers, 2);
    assert_speaker(s, 0, "Dirk Example", NULL, NULL);
    assert_speaker(s, 1, "Frank Sample", "Fschulen", NULL);
    assert_string_equal(s->abstract, "In the early days of Wikipedia, authors were everywhere.\n\nSecond paragraph.");
    assert_string_equal(s->url, "https://wikimania2014.wikimedia.org/wiki/"
                                "Submissions/Authors_we_love_%E2%80%93_an_ode_to_an_endangered_species");
    assert_string_equal(s->source, "/tmp/dump.xml");
    assert_string_equal(s->timestamp, "2019-05-01T12:00:00Z");

    s = find_session(&r, "Submissions/Mapping the commons");   /* declined: still a session */
    assert_string_equal(s->id, "wikimania2014wiki:12");
    assert_int_equal(s->year, 2014);
    assert_string_equal(s->title, "Mapping the commons");
    assert_type(s, "workshop", "Workshop", 0);
    assert_track(s, NULL);
    assert_null(s->language);
    assert_int_equal(s->n_speakers, 1);
    assert_speaker(s, 0, "Ann Other", "Ann Other", NULL);
    assert_string_equal(s->abstract, "A hands-on session on OpenStreetMap.");
    assert_string_equal(s->url, "https://wikimania2014.wikimedia.org/wiki/Submissions/Mapping_the_commons");

    s = find_session(&r, "Submissions/Hot seat: the board");
    assert_string_equal(s->id, "wikimania2014wiki:13");
    assert_string_equal(s->title, "Hot seat: the board");
    assert_type(s, "talk", "hot seat", 0);
    assert_int_equal(s->n_speakers, 3);
    assert_speaker(s, 0, "Jane Roe", NULL, NULL);
    assert_speaker(s, 1, "Ravi Kumar", NULL, NULL);
    assert_speaker(s, 2, "John Doe", NULL, NULL);
    assert_string_equal(s->abstract, "Ask the board anything.");
    assert_string_equal(s->url, "https://wikimania2014.wikimedia.org/wiki/Submissions/Hot_seat:_the_board");
    free_results(&r);
    wm_extractor_free(ex);
}

/* --- 2019: <Space>/<title> on the unified wiki --------------------------------------- */

static const test_page_t pages_2019[] = {
    {"2019:Libraries", 3000, 30, "Welcome to the Libraries space.\n=== Description ===\nAbout us.\n"},
    {"2019:Libraries/Wikidata for small libraries", 3000, 31,
     "=== Title ===\n"
     "Wikidata for small libraries\n"
     "=== Description ===\n"
     "Small libraries can use [[d:|Wikidata]] to describe their collections.\n"
     "=== Relationship to the theme ===\n"
     "Knowledge equity.\n"
     "=== Session outcomes ===\n"
     "Better catalogues.\n"
     "=== Session leader(s) ===\n"
     "* [[User:Sadads|Alex Stinson]] ([[User talk:Sadads|talk]]) 12:00, 1 May 2019 (UTC)\n"
     "* Jane Example\n"
     "=== Session type ===\n"
     "* Workshop\n"
     "=== Requirements ===\n"
     "A projector.\n"
     "[[Category:2019:Submissions]]\n"
     "[[Category:2019:Libraries submissions]]\n"},
    {"2019:Diversity/Posters on gender gaps", 3000, 32,
     "=== Title ===\n"
     "Gender gaps, in posters\n"
     "=== Description ===\n"
     "A poster about the gender gap.\n"
     "=== Author(s) ===\n"
     "Ana Lima, [[User:Bob_K|Bob K.]] and [[User:Chen]] 09:15, 2 May 2019 (UTC)\n"
     "=== Session type ===\n"
     "* Poster\n"},
    {"2019:Program/Opening plenary", 3000, 33,
     "=== Title ===\n"
     "Opening plenary\n"
     "=== Description ===\n"
     "Welcome to Stockholm.\n"
     "=== Session leader(s) ===\n"
     "* [[User:Katherine (WMF)|Katherine Maher]] — [[User talk:Katherine (WMF)|talk]]\n"
     "=== Session type ===\n"
     "* Plenary\n"
     "* Workshop\n"},
    {"2019:Program/Schedule", 3000, 34,
     "{{Program item|title=Wikidata for small libraries|displayname=Wikidata|"
     "presenters=Alex Stinson and Jane Example|track=Libraries}}\n"},
    {"Category:2019:Submissions", 14, 35, "=== Title ===\nX\n=== Description ===\nY\n"},
    {"2019:Libraries/Wikidata for small libraries/fr", 3000, 36,
     "=== Title ===\nWikidata pour les petites bibliothèques\n=== Description ===\nY\n"},
    {"2019:Libraries/Wikidata for small libraries/zh-hans", 3000, 37,
     "=== Title ===\nX\n=== Description ===\nY\n"},
    {"2019 talk:Libraries/Wikidata for small libraries", 3001, 38,
     "=== Title ===\nX\n=== Description ===\nY\n"},
    {"User:Sadads", 2, 39, "=== Title ===\nX\n=== Description ===\nY\n"},
};

static void test_2019_spaces(void **state)
{
    (void)state;
    wm_extractor_t *ex = new_extractor();
    results_t r = {0};
    run_dump(ex, &unified_site, pages_2019, sizeof pages_2019 / sizeof *pages_2019, &r);
    assert_int_equal(r.n, 3);

    const wm_session_t *s = find_session(&r, "2019:Libraries/Wikidata for small libraries");
    assert_string_equal(s->id, "wikimaniawiki:31");
    assert_int_equal(s->year, 2019);
    assert_string_equal(s->title, "Wikidata for small libraries");
    assert_type(s, "workshop", "Workshop", 0);
    assert_track(s, "Libraries");
    assert_null(s->language);
    assert_int_equal(s->n_speakers, 2);
    assert_speaker(s, 0, "Alex Stinson", "Sadads", NULL);
    assert_speaker(s, 1, "Jane Example", NULL, NULL);
    assert_string_equal(s->abstract, "Small libraries can use Wikidata to describe their collections.");
    assert_string_equal(s->url, "https://wikimania.wikimedia.org/wiki/2019:Libraries/Wikidata_for_small_libraries");

    s = find_session(&r, "2019:Diversity/Posters on gender gaps");
    assert_string_equal(s->id, "wikimaniawiki:32");
    assert_int_equal(s->year, 2019);
    assert_string_equal(s->title, "Gender gaps, in posters");
    assert_type(s, "poster", "Poster", 0);
    assert_track(s, "Diversity");
    assert_int_equal(s->n_speakers, 3);
    assert_speaker(s, 0, "Ana Lima", NULL, NULL);
    assert_speaker(s, 1, "Bob K.", "Bob K", NULL);
    assert_speaker(s, 2, "Chen", "Chen", NULL);
    assert_string_equal(s->abstract, "A poster about the gender gap.");

    s = find_session(&r, "2019:Program/Opening plenary");
    assert_string_equal(s->id, "wikimaniawiki:33");
    assert_int_equal(s->year, 2019);
    assert_string_equal(s->title, "Opening plenary");
    assert_type(s, "keynote", "Plenary", 0);
    assert_track(s, NULL);
    assert_int_equal(s->n_speakers, 1);
    assert_speaker(s, 0, "Katherine Maher", "Katherine (WMF)", NULL);
    assert_string_equal(s->abstract, "Welcome to Stockholm.");
    assert_string_equal(s->url, "https://wikimania.wikimedia.org/wiki/2019:Program/Opening_plenary");
    free_results(&r);
    wm_extractor_free(ex);
}

/* --- 2023: bot-written pages with lookups ---------------------------------------------- */

static const test_page_t lookups_2023[] = {
    {"Template:2023 speaker details/SPKR01", 10, 50,
     "{{2023 speaker details|name=Jane Example|biography=Jane writes '''bots''' for Wikidata.}}"},
    {"Template:2023 speaker details/SPKR02", 10, 51,
     "<noinclude>Speaker page.</noinclude>{{2023 speaker details\n|name=Raju Kumar\n|biography=\n}}"},
    {"Template:2023 speaker details", 10, 52, "<includeonly>{{{name}}}: {{{biography}}}</includeonly>"},
    {"Template:2023 track name", 10, 53,
     "<includeonly>{{#switch:{{{1}}}|12=Technology|7|8=Community|#default=}}</includeonly>"},
    {"Template:2023 session type", 10, 54,
     "{{#switch:{{{1}}}\n|3=Lightning talk\n|5=Panel discussion\n|#default=\n}}"},
};

static const test_page_t sessions_2023[] = {
    {"2023:Program", 3000, 40, "The program. {{2023 session details|title=Not a session}}"},
    {"2023:Program/Technology/ABC123-Building bots", 3000, 41,
     "{{2023 session details\n"
     "|title=Building bots that help\n"
     "|speakers={{2023 speaker wrapper|{{2023 speaker details/SPKR01}}{{2023 speaker details/SPKR02}}}}\n"
     "|track={{2023 track name|12}}\n"
     "|type={{2023 session type|3}}\n"
     "|state=confirmed\n"
     "|duration=10\n"
     "|do_not_record=\n"
     "|locale=en\n"
     "|abstract=Bots do the **boring** work.\n"
     "|description=We show [https://example.org three bots].\n"
     "|created=2023-05-01\n"
     "}}<languages/>"},
    {"2023:Program/GLAM/DEF456-Very long title cut at two hundred fifty five", 3000, 42,
     "{{DISPLAYTITLE:Very long title cut at two hundred fifty five bytes, in full}}\n"
     "{{2023 session details\n"
     "|speakers={{2023 speaker wrapper|{{2023 speaker details/SPKR03}}}}\n"
     "|type={{2023 session type|5}}\n"
     "|duration=55\n"
     "|locale=fr\n"
     "|abstract=Des musées et des données.\n"
     "|description=\n"
     "}}<languages/>"},
    {"2023:Program/Submissions/Wikidata and you - GHI789", 3000, 43,
     "{{2023 session details\n"
     "|speakers={{2023 speaker wrapper|{{2023 speaker details/SPKR01}}}}\n"
     "|track={{2023 track name|7}}\n"
     "|type={{2023 session type|99}}\n"
     "|locale=\n"
     "|abstract=\n"
     "}}"},
    {"2023:Program/Technology/ABC123-Building bots/fr", 3000, 44,
     "{{2023 session details|title=Des robots|abstract=X}}"},
};

/* The three 2023 sessions, whatever order their lookups came in. */
static void check_2023(const results_t *r)
{
    assert_int_equal(r->n, 3);
    const wm_session_t *s = find_session(r, "2023:Program/Technology/ABC123-Building bots");
    assert_string_equal(s->id, "wikimaniawiki:41");
    assert_int_equal(s->year, 2023);
    assert_string_equal(s->title, "Building bots that help");
    /* Its /fr subpage is not a session but a translation of it; the code
     * from the title links it to the pretalx export. */
    assert_int_equal(s->n_translations, 1);
    assert_string_equal(s->translations[0], "fr");
    assert_string_equal(s->code, "ABC123");
    assert_type(s, "lightning talk", "Lightning talk", 10);
    assert_track(s, "Technology");
    assert_string_equal(s->language, "en");
    assert_int_equal(s->n_speakers, 2);
    assert_coded_speaker(s, 0, "Jane Example", "SPKR01", "Jane writes bots for Wikidata.");
    assert_coded_speaker(s, 1, "Raju Kumar", "SPKR02", NULL);
    assert_string_equal(s->abstract, "Bots do the **boring** work.\n\nWe show three bots.");
    assert_string_equal(s->url, "https://wikimania.wikimedia.org/wiki/2023:Program/Technology/ABC123-Building_bots");

    s = find_session(r, "2023:Program/GLAM/DEF456-Very long title cut at two hundred fifty five");
    assert_string_equal(s->id, "wikimaniawiki:42");
    assert_int_equal(s->year, 2023);
    assert_string_equal(s->title, "Very long title cut at two hundred fifty five bytes, in full");
    assert_type(s, "panel", "Panel discussion", 55);
    assert_track(s, "GLAM");
    assert_string_equal(s->language, "fr");
    assert_int_equal(s->n_speakers, 1);
    assert_coded_speaker(s, 0, "SPKR03", "SPKR03", NULL);   /* no speaker page in the dump */
    assert_string_equal(s->abstract, "Des musées et des données.");

    s = find_session(r, "2023:Program/Submissions/Wikidata and you - GHI789");
    assert_string_equal(s->id, "wikimaniawiki:43");
    assert_string_equal(s->title, "Wikidata and you");
    assert_type(s, NULL, NULL, 0);
    assert_track(s, "Community");
    assert_null(s->language);
    assert_int_equal(s->n_speakers, 1);
    assert_coded_speaker(s, 0, "Jane Example", "SPKR01", "Jane writes");
    assert_null(s->abstract);
    assert_string_equal(s->url, "https://wikimania.wikimedia.org/wiki/"
                                "2023:Program/Submissions/Wikidata_and_you_-_GHI789");
}

static void test_2023_lookups_before_sessions(void **state)
{
    (void)state;
    wm_extractor_t *ex = new_extractor();
    results_t r = {0};
    add_pages(ex, &unified_site, lookups_2023, sizeof lookups_2023 / sizeof *lookups_2023);
    add_pages(ex, &unified_site, sessions_2023, sizeof sessions_2023 / sizeof *sessions_2023);
    take_ready(ex, &r);
    /* Unless streaming, every session waits for the end of the dump: a translation subpage
     * may come later, whether or not the page has Translate markup. */
    assert_int_equal(r.n, 0);
    assert_int_equal(wm_extractor_finish_dump(ex), WM_OK);
    take_ready(ex, &r);
    check_2023(&r);
    free_results(&r);
    wm_extractor_free(ex);
}

static void test_2023_lookups_after_sessions(void **state)
{
    (void)state;
    wm_extractor_t *ex = new_extractor();
    results_t r = {0};
    add_pages(ex, &unified_site, sessions_2023, sizeof sessions_2023 / sizeof *sessions_2023);
    assert_null(wm_extractor_next_session(ex));   /* all wait for their lookups */
    add_pages(ex, &unified_site, lookups_2023, sizeof lookups_2023 / sizeof *lookups_2023);
    assert_null(wm_extractor_next_session(ex));
    assert_int_equal(wm_extractor_finish_dump(ex), WM_OK);
    take_ready(ex, &r);
    check_2023(&r);
    free_results(&r);

    /* The lookups belonged to that dump: a second dump without them falls
     * back to the speaker codes and the track in the title. */
    run_dump(ex, &unified_site, &sessions_2023[1], 1, &r);
    assert_int_equal(r.n, 1);
    const wm_session_t *s = r.sessions[0];
    assert_track(s, "Technology");
    assert_type(s, NULL, NULL, 10);
    assert_coded_speaker(s, 0, "SPKR01", "SPKR01", NULL);
    assert_coded_speaker(s, 1, "SPKR02", "SPKR02", NULL);
    free_results(&r);
    wm_extractor_free(ex);
}

/* --- 2024: copied from eventyay ----------------------------------------------------------- */

static const test_page_t pages_2024[] = {
    {"2024:Program", 3000, 60, "'''Session title:''' not a session\n== Description ==\nThe program.\n"},
    {"2024:Program/Building bridges with Wikidata", 3000, 61,
     "'''Session title:''' Building bridges with Wikidata\n"
     "'''Session type:''' Lecture (25 minutes)\n"
     "'''Track:''' GLAM\n"
     "'''Language:''' English\n"
     "\n"
     "== Description ==\n"
     "Museums and [[d:Q1|Wikidata]] can work together.\n"
     "== How does your session relate to the event theme, Collaboration of the Open? ==\n"
     "It is all about collaboration.\n"
     "== What is the experience level needed for the audience for your session? ==\n"
     "Everyone can participate in this session\n"
     "== Resources ==\n"
     "* Slides\n"
     "== Speakers ==\n"
     "'''Jane Example'''\n"
     "\n"
     "Jane is a librarian from Lagos.\n"
     "\n"
     "She likes maps.\n"
     "\n"
     "'''[[User:Ahmed.A|Ahmed Ali]]'''\n"
     "\n"
     "Ahmed works on Wikidata tools.\n"},
    {"2024:Program/Salud comunitaria", 3000, 62,
     "* '''Session title:''' Salud comunitaria en los proyectos\n"
     "* '''Session type:''' Panel (55 minutes)\n"
     "* '''Track:''' Community Health\n"
     "* '''Language:''' Español\n"
     "== Description ==\n"
     "Un panel sobre la salud de las comunidades.\n"
     "== Speakers ==\n"
     "* María López\n"
     "María coordina un grupo de usuarios.\n"
     "* [[User:Pedro_P|Pedro Pérez]]\n"},
    {"2024:Program/Lightning round", 3000, 63,
     "'''Session title:''' Lightning round\n"
     "'''Session type:''' Lightning talk (5 minutes, in person only)\n"
     "'''Track:''' Technology\n"
     "'''Language:''' Ukrainian\n"
     "== Description ==\n"
     "Five minutes each.\n"
     "== Speakers ==\n"
     "'''Olena Example'''\n"},
    {"2024:Program/Building bridges with Wikidata/fr", 3000, 64,
     "'''Session title:''' Construire des ponts\n== Description ==\nDes musées.\n"},
    {"2024:Program/Schedule", 3000, 65,
     "{| class=\"wikitable\"\n|-\n| 10:00 || [[2024:Program/Lightning round|Lightning round]]\n|}\n"},
    {"Template:Session", 10, 66, "'''Session title:''' {{{title}}}\n== Description ==\n{{{description}}}\n"},
};

static void test_2024_program(void **state)
{
    (void)state;
    wm_extractor_t *ex = new_extractor();
    results_t r = {0};
    run_dump(ex, &unified_site, pages_2024, sizeof pages_2024 / sizeof *pages_2024, &r);
    assert_int_equal(r.n, 3);

    const wm_session_t *s = find_session(&r, "2024:Program/Building bridges with Wikidata");
    assert_string_equal(s->id, "wikimaniawiki:61");
    assert_int_equal(s->year, 2024);
    assert_string_equal(s->title, "Building bridges with Wikidata");
    assert_type(s, "talk", "Lecture (25 minutes)", 25);
    assert_track(s, "GLAM");
    assert_string_equal(s->language, "en");
    assert_int_equal(s->n_speakers, 2);
    assert_speaker(s, 0, "Jane Example", NULL, "Jane is a librarian from Lagos.\n\nShe likes maps.");
    assert_speaker(s, 1, "Ahmed Ali", "Ahmed.A", "Ahmed works on Wikidata tools.");
    assert_string_equal(s->abstract, "Museums and Wikidata can work together.");
    assert_string_equal(s->url, "https://wikimania.wikimedia.org/wiki/2024:Program/Building_bridges_with_Wikidata");

    s = find_session(&r, "2024:Program/Salud comunitaria");
    assert_string_equal(s->id, "wikimaniawiki:62");
    assert_int_equal(s->year, 2024);
    assert_string_equal(s->title, "Salud comunitaria en los proyectos");
    assert_type(s, "panel", "Panel (55 minutes)", 55);
    assert_track(s, "Community Health");
    assert_string_equal(s->language, "es");
    assert_int_equal(s->n_speakers, 2);
    assert_speaker(s, 0, "María López", NULL, "María coordina un grupo de usuarios.");
    assert_speaker(s, 1, "Pedro Pérez", "Pedro P", NULL);
    assert_prefix(s->abstract, "Un panel sobre");

    s = find_session(&r, "2024:Program/Lightning round");
    assert_string_equal(s->id, "wikimaniawiki:63");
    assert_string_equal(s->title, "Lightning round");
    assert_type(s, "lightning talk", "Lightning talk (5 minutes, in person only)", 5);
    assert_track(s, "Technology");
    assert_string_equal(s->language, "uk");
    assert_int_equal(s->n_speakers, 1);
    assert_speaker(s, 0, "Olena Example", NULL, NULL);
    assert_string_equal(s->abstract, "Five minutes each.");
    free_results(&r);
    wm_extractor_free(ex);
}

/* Streaming (wmindex): each session is ready as soon as its page is read;
 * the one whose /fr subpage came after it is ready again at the end of the
 * dump, whole, with "fr" and amends set; one whose subpage came before it
 * has "fr" at once and is not given again.  What the sessions end up as
 * is what holding them gives. */
static void test_streaming_gives_late_translations_again(void **state)
{
    (void)state;
    static const test_page_t early_fr = {"2024:Program/Salud comunitaria/fr", 3000, 59, "Santé.\n"};
    wm_extractor_t *held = new_extractor(), *ex = new_extractor();
    wm_extractor_stream(ex);
    results_t want = {0}, r = {0};
    add_pages(held, &unified_site, &early_fr, 1);
    run_dump(held, &unified_site, pages_2024, sizeof pages_2024 / sizeof *pages_2024, &want);

    add_pages(ex, &unified_site, &early_fr, 1);
    add_pages(ex, &unified_site, pages_2024, 2);   /* the program page and Building bridges */
    take_ready(ex, &r);
    assert_int_equal(r.n, 1);
    assert_string_equal(r.sessions[0]->id, "wikimaniawiki:61");
    assert_int_equal(r.sessions[0]->n_translations, 0);
    assert_false(r.sessions[0]->amends);
    add_pages(ex, &unified_site, pages_2024 + 2, sizeof pages_2024 / sizeof *pages_2024 - 2);
    take_ready(ex, &r);
    assert_int_equal(r.n, 3);
    const wm_session_t *salud = find_session(&r, "2024:Program/Salud comunitaria");
    assert_int_equal(salud->n_translations, 1);
    assert_string_equal(salud->translations[0], "fr");
    assert_int_equal(wm_extractor_finish_dump(ex), WM_OK);
    take_ready(ex, &r);
    assert_int_equal(r.n, 4);   /* Building bridges again, and only it */
    const wm_session_t *again = r.sessions[3];
    assert_string_equal(again->id, "wikimaniawiki:61");
    assert_true(again->amends);
    assert_int_equal(again->n_translations, 1);
    assert_string_equal(again->translations[0], "fr");

    /* Each session's last version is the held one, field for field. */
    wm_buf_t got = {0}, expected = {0};
    for (size_t i = 0; i < want.n; i++) {
        const wm_session_t *last = NULL;
        for (size_t j = 0; j < r.n; j++)
            if (strcmp(r.sessions[j]->id, want.sessions[i]->id) == 0)
                last = r.sessions[j];
        assert_non_null(last);
        wm_session_t copy = *last;
        copy.amends = false;
        wm_buf_clear(&got);
        wm_buf_clear(&expected);
        assert_true(wm_record_put_session(&got, &copy));
        assert_true(wm_record_put_session(&expected, want.sessions[i]));
        assert_int_equal(got.len, expected.len);
        assert_memory_equal(got.data, expected.data, got.len);
    }
    wm_buf_free(&got);
    wm_buf_free(&expected);
    free_results(&want);
    free_results(&r);

    /* The next dump starts afresh: nothing given, nothing late. */
    run_dump(ex, &unified_site, pages_2024 + 1, 1, &r);
    assert_int_equal(r.n, 1);
    assert_false(r.sessions[0]->amends);
    free_results(&r);
    wm_extractor_free(held);
    wm_extractor_free(ex);
}

/* --- best-effort eras: 2012 Submissions, 2016 Programme, 2018 Program ------------------- */

static void test_other_per_year_wikis(void **state)
{
    (void)state;
    wm_extractor_t *ex = new_extractor();
    results_t r = {0};
    wm_siteinfo_t site = site_2014;
    site.dbname = "wikimania2012wiki";
    site.base = "https://wikimania2012.wikimedia.org/wiki/Main_Page";
    const test_page_t p2012[] = {
        {"Submissions/Open data in Kenya", 0, 70,
         "== Title ==\nOpen data in Kenya\n== Type ==\nPanel\n== Author(s) ==\n* Wanjiru Example\n"
         "== Abstract ==\nKenyan open data.\n"},
    };
    run_dump(ex, &site, p2012, 1, &r);
    assert_int_equal(r.n, 1);
    assert_string_equal(r.sessions[0]->title, "Open data in Kenya");
    assert_int_equal(r.sessions[0]->year, 2012);
    assert_type(r.sessions[0], "panel", "Panel", 0);
    assert_speaker(r.sessions[0], 0, "Wanjiru Example", NULL, NULL);
    free_results(&r);

    site.dbname = "wikimania2016wiki";
    const test_page_t p2016[] = {
        {"Programme/Training new editors", 0, 71,
         "Type: Training\nSpeaker(s): [[User:Lu|Lu Example]], Kim Example\n== Abstract ==\nHow to train.\n"},
        {"Programme/Sunday", 0, 72, "Type: Training\n== Abstract ==\nThe Sunday grid.\n"},
    };
    run_dump(ex, &site, p2016, 2, &r);
    assert_int_equal(r.n, 1);
    assert_string_equal(r.sessions[0]->title, "Training new editors");
    assert_int_equal(r.sessions[0]->year, 2016);
    assert_type(r.sessions[0], "workshop", "Training", 0);
    assert_int_equal(r.sessions[0]->n_speakers, 2);
    assert_speaker(r.sessions[0], 0, "Lu Example", "Lu", NULL);
    assert_speaker(r.sessions[0], 1, "Kim Example", NULL, NULL);
    free_results(&r);

    site.dbname = "wikimania2018wiki";
    const test_page_t p2018[] = {
        {"Program/Wikidata and GLAM", 0, 73,
         "'''Format:''' Workshop\n'''Topic area:''' GLAM\n'''Presenter(s):''' [[User:Xy|Xavier Y]]\n"
         "== Abstract ==\nGLAM data.\n== Outcomes ==\nMore data.\n"},
    };
    run_dump(ex, &site, p2018, 1, &r);
    assert_int_equal(r.n, 1);
    assert_string_equal(r.sessions[0]->title, "Wikidata and GLAM");
    assert_int_equal(r.sessions[0]->year, 2018);
    assert_type(r.sessions[0], "workshop", "Workshop", 0);
    assert_track(r.sessions[0], "GLAM");
    assert_speaker(r.sessions[0], 0, "Xavier Y", "Xy", NULL);
    assert_string_equal(r.sessions[0]->abstract, "GLAM data.");
    free_results(&r);
    wm_extractor_free(ex);
}

static void test_url_encoding_and_unknown_wikis(void **state)
{
    (void)state;
    wm_extractor_t *ex = new_extractor();
    results_t r = {0};
    const test_page_t pages[] = {
        {"2024:Program/Ümlaut & co? 100%", 3000, 80,
         "'''Session title:''' Ümlaut\n== Description ==\nText.\n"},
    };
    run_dump(ex, &unified_site, pages, 1, &r);
    assert_int_equal(r.n, 1);
    assert_string_equal(r.sessions[0]->url, "https://wikimania.wikimedia.org/wiki/"
                                            "2024:Program/%C3%9Cmlaut_%26_co%3F_100%25");
    free_results(&r);

    /* The dump's <redirect> decides, whatever the text says. */
    wm_page_t redirect = make_page(&pages[0]);
    redirect.redirect = "2024:Program/Elsewhere";
    assert_int_equal(wm_extractor_add_page(ex, &unified_site, &redirect, "x.xml"), WM_OK);
    assert_int_equal(wm_extractor_finish_dump(ex), WM_OK);
    assert_null(wm_extractor_next_session(ex));

    wm_siteinfo_t other = unified_site;
    other.dbname = "enwiki";
    run_dump(ex, &other, pages, 1, &r);
    assert_int_equal(r.n, 0);
    wm_extractor_free(ex);
}

/* Pages that deviate from their era's shape: labels instead of headings,
 * headings instead of labels, names and bios on one line, fields reordered. */
static void test_deviating_pages(void **state)
{
    (void)state;
    const test_page_t unified[] = {
        {"2019:GLAM/Labelled", 3000, 100,
         "'''Title:''' Labelled proposal\n"
         "'''Session type:''' Panel\n"
         "'''Session leader(s):''' [[User:Ab|A B]], C D\n"
         "'''Description:''' A one-line description.\n"},
        {"2024:Program/Headed", 3000, 101,
         "== Session title ==\nHeaded session\n"
         "== Session type ==\nWorkshop (90 minutes)\n"
         "== Track ==\nResearch\n"
         "== Language ==\nEnglish, Spanish\n"
         "== Description ==\nD.\n"
         "== Speakers ==\n"
         "* '''Ana''' \xe2\x80\x93 Ana studies wikis.\n"
         "* '''[[User:Bo|Bo]]''': Bo codes.\n"
         "More about Bo.\n"},
    };
    const test_page_t per_year[] = {
        {"Submissions/Reordered", 0, 102,
         "==== Abstract ====\nFirst the abstract.\n"
         "==== Author of the submission ====\n* Zed Example\n"
         "==== Type of submission ====\n* tutorial\n"
         "==== Title of the submission ====\nReordered fields\n"},
    };
    wm_extractor_t *ex = new_extractor();
    results_t r = {0};
    run_dump(ex, &unified_site, unified, 2, &r);
    assert_int_equal(r.n, 2);
    const wm_session_t *s = find_session(&r, "2019:GLAM/Labelled");
    assert_string_equal(s->title, "Labelled proposal");
    assert_type(s, "panel", "Panel", 0);
    assert_track(s, "GLAM");
    assert_int_equal(s->n_speakers, 2);
    assert_speaker(s, 0, "A B", "Ab", NULL);
    assert_speaker(s, 1, "C D", NULL, NULL);
    assert_string_equal(s->abstract, "A one-line description.");
    s = find_session(&r, "2024:Program/Headed");
    assert_string_equal(s->title, "Headed session");
    assert_type(s, "workshop", "Workshop (90 minutes)", 90);
    assert_track(s, "Research");
    assert_string_equal(s->language, "en");
    assert_int_equal(s->n_speakers, 2);
    assert_speaker(s, 0, "Ana", NULL, "Ana studies wikis.");
    assert_speaker(s, 1, "Bo", "Bo", "Bo codes. More about Bo.");
    assert_string_equal(s->abstract, "D.");
    free_results(&r);

    run_dump(ex, &site_2014, per_year, 1, &r);
    assert_int_equal(r.n, 1);
    s = r.sessions[0];
    assert_string_equal(s->title, "Reordered fields");
    assert_type(s, "tutorial", "tutorial", 0);
    assert_speaker(s, 0, "Zed Example", NULL, NULL);
    assert_string_equal(s->abstract, "First the abstract.");
    free_results(&r);
    wm_extractor_free(ex);
}

/* Garbage rules text never crashes: it parses or names a line. */
static void test_rules_parse_survives_garbage(void **state)
{
    (void)state;
    static const char alphabet[] = "[]{}|=#: \n\rera wiki title year set param heading label 2019";
    uint32_t seed = 12345;
    char text[400];
    for (int round = 0; round < 2000; round++) {
        size_t len = (size_t)(round % 397);
        for (size_t i = 0; i < len; i++) {
            seed = seed * 1103515245u + 12345u;
            text[i] = alphabet[(seed >> 16) % (sizeof alphabet - 1)];
        }
        wm_rules_t *rules;
        char *error = NULL;
        if (wm_rules_parse(text, len, &rules, &error) == WM_OK) {
            assert_null(error);
            wm_rules_free(rules);
        } else {
            assert_non_null(error);
            assert_prefix(error, "rules line ");
            free(error);
        }
    }
}

/* Pathological session pages: unbalanced markup, deep nesting, huge lists. */
static void test_hostile_pages(void **state)
{
    (void)state;
    size_t n = 200000;
    char *deep = malloc(n + 200);
    assert_non_null(deep);
    strcpy(deep, "=== Title ===\nDeep\n=== Session leader(s) ===\n");
    size_t at = strlen(deep);
    for (size_t i = 0; i < n / 2; i++, at += 2)
        memcpy(deep + at, i % 3 ? "{{" : "[[", 2);
    strcpy(deep + at, "\n=== Description ===\nStill here.\n");
    char *speakers = malloc(n + 200);
    assert_non_null(speakers);
    strcpy(speakers, "=== Title ===\nMany\n=== Session leader(s) ===\n");
    at = strlen(speakers);
    while (at < n) {
        memcpy(speakers + at, "[[User:A|B]] and ", 17);
        at += 17;
    }
    strcpy(speakers + at, "C (UTC)\n");
    const test_page_t pages[] = {
        {"2019:Libraries/Deep", 3000, 90, deep},
        {"2019:Libraries/Many", 3000, 91, speakers},
        {"2019:Libraries/Unclosed", 3000, 92, "=== Title ===\n[[User:X|\n=== Description ===\n{{{{{x}}}}} [[\n"},
        {"2023:Program/Technology/AB1-Odd", 3000, 93,
         "{{2023 session details|title={{2023 track name}}|speakers={{2023 speaker details/}}|abstract=A}}"},
        {"Template:2023 track name", 10, 94, "{{#switch:|a|b|c}}"},
        {"Template:2023 speaker details/", 10, 95, "{{2023 speaker details}}"},
    };
    wm_extractor_t *ex = new_extractor();
    results_t r = {0};
    run_dump(ex, &unified_site, pages, sizeof pages / sizeof *pages, &r);
    const wm_session_t *s = find_session(&r, "2019:Libraries/Many");
    /* Thousands of links to the same user are one person (and "C"). */
    assert_int_equal(s->n_speakers, 2);
    assert_string_equal(s->speakers[0].name, "B");
    assert_string_equal(s->speakers[0].username, "A");
    s = find_session(&r, "2019:Libraries/Deep");
    assert_string_equal(s->title, "Deep");
    free_results(&r);
    wm_extractor_free(ex);
    free(deep);
    free(speakers);
}

/* Each table row of the 2021 page is a candidate of its own: its outcome
 * (a session, or a row without a title rejected) is counted against it
 * (found by fuzz_extract: rows counted outcomes but no candidates). */
static void test_table_rows_are_candidates(void **state)
{
    (void)state;
    wm_extractor_t *ex = new_extractor();
    results_t r = {0};
    const test_page_t page[] = {
        {"2021:Submissions", 3006, 1,
         "{| class=\"wikitable\"\n! Title !! Speakers !! Abstract\n|-\n| Fuzzing A || Ann || About A\n"
         "|-\n| Fuzzing B || Bob || About B\n|-\n| || Carl ||\n|}\n"},
    };
    add_pages(ex, &unified_site, page, 1);
    assert_int_equal(wm_extractor_finish_dump(ex), WM_OK);
    take_ready(ex, &r);
    assert_int_equal(r.n, 2);
    size_t n;
    const wm_tally_t *t = wm_extractor_tallies(ex, &n);
    assert_int_equal(n, 1);
    assert_int_equal(t[0].year, 2021);
    assert_int_equal(t[0].pages, 1);
    assert_int_equal(t[0].candidates, 3);
    assert_int_equal(t[0].sessions, 2);
    assert_int_equal(t[0].rejected[WM_REJECT_NO_TITLE], 1);
    assert_int_equal(wm_tally_rejected(&t[0]), 1);
    free_results(&r);
    wm_extractor_free(ex);
}

/* Durations as pages write them: minutes, hours:minutes, hours with units. */
static void test_duration_forms(void **state)
{
    (void)state;
    static const struct { const char *written; int minutes; } forms[] = {
        {"30", 30}, {"30 minutes", 30}, {"00:45", 45}, {"1:30", 90}, {"2 hours", 120},
        {"1.5 h", 90}, {"1 hour 30 minutes", 90}, {"1h30", 90}, {"2 hrs", 120}, {"half an hour", 0},
    };
    for (size_t i = 0; i < sizeof forms / sizeof *forms; i++) {
        wm_extractor_t *ex = new_extractor();
        results_t r = {0};
        char text[200];
        snprintf(text, sizeof text, "Title: Maps\nDuration: %s\nAbstract: We map.\n", forms[i].written);
        const test_page_t page[] = {{"Submissions/Maps", 0, 7, text}};
        add_pages(ex, &site_2014, page, 1);
        assert_int_equal(wm_extractor_finish_dump(ex), WM_OK);
        take_ready(ex, &r);
        assert_int_equal(r.n, 1);
        assert_int_equal(r.sessions[0]->duration_minutes, forms[i].minutes);
        free_results(&r);
        wm_extractor_free(ex);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_builtin_rules_find_eras),
        cmocka_unit_test(test_types_languages_and_labels),
        cmocka_unit_test(test_rules_parse_errors_name_the_line),
        cmocka_unit_test(test_rules_parse_custom_text),
        cmocka_unit_test(test_2014_submissions),
        cmocka_unit_test(test_2019_spaces),
        cmocka_unit_test(test_2023_lookups_before_sessions),
        cmocka_unit_test(test_2023_lookups_after_sessions),
        cmocka_unit_test(test_2024_program),
        cmocka_unit_test(test_streaming_gives_late_translations_again),
        cmocka_unit_test(test_other_per_year_wikis),
        cmocka_unit_test(test_url_encoding_and_unknown_wikis),
        cmocka_unit_test(test_deviating_pages),
        cmocka_unit_test(test_rules_parse_survives_garbage),
        cmocka_unit_test(test_hostile_pages),
        cmocka_unit_test(test_table_rows_are_candidates),
        cmocka_unit_test(test_duration_forms),
    };
    return cmocka_run_group_tests_name("extract", tests, NULL, NULL);
}
