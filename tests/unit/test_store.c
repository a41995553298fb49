/* Unit tests for the index (store/store.h), through its C API only: a few
 * sessions are indexed into a temporary directory, then searched read-only. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include "config.h"
#include "archive/session.h"
#include "common/util.h"
#include "store/store.h"
#include "store/store_testing.h"
#include "tests/unit/helpers.h"
#include "tests/unit/session_asserts.h"

/* Under AddressSanitizer: full stacks for allocations (libxapian has no
 * frame pointers), so that tests/lsan.supp can name the Xapian leak that
 * test_queued_failure_is_reported meets.  Unused in other builds. */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
    return "fast_unwind_on_malloc=0";
}

static wm_store_t *reader;   /* read-only handle on the fixtures' index, opened by the group setup */

/* ---- fixtures --------------------------------------------------------- */

static void put_fixtures(wm_store_t *w)
{
    put_and_free(w, full_session());
    wm_session_t *s = make_session("wm:2", 2021, "Community health in small wikis", "lightning talk",
                                   "Community Health", "fr", "Harassment, and museums that help.");
    assert_int_equal(wm_session_add_speaker(s, "Ann Other", NULL, NULL, NULL), 0);
    put_and_free(w, s);
    s = make_session("wm:3", 2014, "Open access museums", "talk", "GLAM", "en",
                     "Museums open their collections.");
    assert_int_equal(wm_session_add_speaker(s, "Bob Smith", "Bob_Smith_WMF", NULL, NULL), 0);
    put_and_free(w, s);
    s = make_session("wm:4", 0, "\"Zebra\" crossing", "panel", NULL, NULL,
                     "Ann Other is not a speaker here.");
    assert_int_equal(wm_session_add_speaker(s, "Alex Jones", NULL, NULL, NULL), 0);
    assert_int_equal(wm_session_add_speaker(s, "Stinson Beach", NULL, NULL, NULL), 0);
    put_and_free(w, s);
    put_and_free(w, make_session("wm:5", 2023, "Archives meet Wikidata", "talk", "Technology", "en",
                                "Access to archives for everyone."));
}

static int group_setup(void **state)
{
    wm_store_t *w = scratch_index("sub/dir/index");   /* parents made too */
    put_fixtures(w);
    *state = reader = reopen_readonly(w, "sub/dir/index");   /* closed by close_index */
    return 0;
}

/* ---- helpers ---------------------------------------------------------- */

static int compare_strings(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The ids of the hits, space-separated, in rank order or sorted (caller frees). */
static char *ids_of(const wm_search_result_t *result, int sorted)
{
    char **ids = calloc(result->n_hits + 1, sizeof *ids);
    for (size_t i = 0; i < result->n_hits; i++)
        ids[i] = result->hits[i].session->id;
    if (sorted)
        qsort(ids, result->n_hits, sizeof *ids, compare_strings);
    wm_buf_t buf = {0};
    for (size_t i = 0; i < result->n_hits; i++) {
        if (i)
            wm_buf_append_char(&buf, ' ');
        wm_buf_append_str(&buf, ids[i]);
    }
    free(ids);
    return wm_buf_take(&buf);
}

static char *search_request(wm_store_t *store, const wm_search_request_t *request, int sorted)
{
    wm_search_result_t *result = NULL;
    wm_store_status_t status = wm_store_search(store, request, &result);
    if (status != WM_STORE_OK)
        fail_msg("search for '%s' failed: %s", request->query ? request->query : "",
                 wm_store_last_error(store));
    assert_int_equal(result->total, result->n_hits);   /* the fixtures fit in one page */
    assert_non_null(result->parsed_query);
    char *ids = ids_of(result, sorted);
    wm_search_result_free(result);
    return ids;
}

/* The sorted ids matching a query string. */
static void assert_query(const char *query, const char *expected)
{
    wm_search_request_t request = {.query = query, .limit = 100};
    char *ids = search_request(reader, &request, 1);
    if (strcmp(ids, expected) != 0)
        fail_msg("query '%s': got [%s], expected [%s]", query, ids, expected);
    free(ids);
}

static void assert_request(const wm_search_request_t *request, const char *expected)
{
    char *ids = search_request(reader, request, 1);
    assert_string_equal(ids, expected);
    free(ids);
}

static void assert_syntax_error(const char *query, const char *message)
{
    wm_search_request_t request = {.query = query, .limit = 10};
    wm_search_result_t *result = NULL;
    assert_int_equal(wm_store_search(reader, &request, &result), WM_STORE_QUERY_SYNTAX);
    assert_null(result);
    assert_string_equal(wm_store_last_error(reader), message);
}

/* ---- tests -------------------------------------------------------------- */

static void test_free_text_stems_and_phrases(void **state)
{
    (void)state;
    assert_query("libraries", "wm:1");   /* the title says "Libraries", the abstract "library" */
    assert_query("library", "wm:1");
    assert_query("museum", "wm:2 wm:3");
    assert_query("\"open access\"", "wm:3");
    assert_query("\"access open\"", "");
    assert_query("Stinson", "wm:1 wm:4");   /* plain words reach speakers and the abstract */
    assert_query("wikidata OR harassment", "wm:1 wm:2 wm:5");
    assert_query("title:wikidata", "wm:1 wm:5");
    assert_query("title:museums", "wm:3");
    assert_query("wikid*", "wm:1 wm:5");
    assert_query("foo:bar", "");             /* an unknown prefix is just text */
}

static void test_boolean_operators(void **state)
{
    (void)state;
    assert_query("museums NOT open", "wm:2");
    assert_query("museums -open", "wm:2");
    assert_query("museums AND NOT open", "wm:2");
    assert_query("museums and not open", "wm:2");   /* BOOLEAN_ANY_CASE */
    assert_query("NOT museums", "wm:1 wm:4 wm:5");  /* PURE_NOT */
    /* Excluded words alone: everything but them (Xapian alone reads "-x" as "x"). */
    assert_query("-museums", "wm:1 wm:4 wm:5");
    assert_query("  -museums  -archives ", "wm:1 wm:4");
    assert_query("-\"open access\"", "wm:1 wm:2 wm:4 wm:5");
    assert_query("-(museums OR archives)", "wm:1 wm:4");
    assert_query("-track:glam", "wm:2 wm:4 wm:5");
    assert_query("museums -open", "wm:2");          /* with a wanted word: as before */
    assert_query("-museums archives", "wm:5");
    assert_query("(archives OR museums) access", "wm:3 wm:5");
}

static void test_track_type_lang_fields(void **state)
{
    (void)state;
    assert_query("track:glam", "wm:1 wm:3");
    assert_query("track:GLAM", "wm:1 wm:3");
    assert_query("track:\"community health\"", "wm:1 wm:2");
    assert_query("track:glam track:\"Community Health\"", "wm:1 wm:2 wm:3");   /* one field: OR */
    assert_query("track:community", "wm:1 wm:2");                      /* a word of the track */
    assert_query("track:\"health community\"", "");                  /* several words: the whole track */
    assert_query("type:workshop", "wm:1");
    assert_query("type:\"lightning talk\"", "wm:2");
    assert_query("type:talk", "wm:3 wm:5");
    assert_query("type:talk type:panel", "wm:3 wm:4 wm:5");            /* single-valued: OR */
    assert_query("lang:fr", "wm:2");
    assert_query("lang:EN museums", "wm:3");
}

static void test_speaker_field(void **state)
{
    (void)state;
    assert_query("speaker:stinson", "wm:1 wm:4");   /* any part of a name: Stinson Beach too */
    assert_query("speaker:STINSON", "wm:1 wm:4");
    assert_query("other", "wm:2 wm:4");
    assert_query("speaker:other", "wm:2");          /* wm:4 names Ann Other only in its text */
    assert_query("speaker:\"alex stinson\"", "wm:1");
    assert_query("speaker:alex", "wm:1 wm:4");
    assert_query("speaker:\"jones stinson\"", "");  /* a phrase stays within one speaker */
    assert_query("speaker:sadads", "wm:1");         /* usernames */
    assert_query("speaker:Bob_Smith_WMF", "wm:3");
    assert_query("speaker:wmf", "wm:3");
    assert_query("speaker:éclair", "wm:1");
    assert_query("speaker:alex speaker:jones", "wm:1 wm:4");         /* one field: OR */
    assert_query("speaker:alex speaker:jones year:2019", "wm:1");    /* fields: AND */
}

static void test_year_field_and_ranges(void **state)
{
    (void)state;
    assert_query("year:2019", "wm:1");
    assert_query("year:2019 year:2014", "wm:1 wm:3");
    assert_query("year:2019..2021", "wm:1 wm:2");
    assert_query("year:..2019", "wm:1 wm:3");
    assert_query("year:2021..", "wm:2 wm:5");
    assert_query("year:2019..2019", "wm:1");
    assert_query("year:02019", "wm:1");
    assert_syntax_error("year:2030..2019", "year range 2030..2019 is empty");
    assert_syntax_error("museums year:nineteen",
                        "year must be a year or a range like 2019..2023, not \"nineteen\"");
}

static void test_request_filters(void **state)
{
    (void)state;
    wm_search_request_t request = {.limit = 100, .track = "glam"};
    assert_request(&request, "wm:1 wm:3");
    request = (wm_search_request_t){.limit = 100, .speaker = "Alex Stinson"};
    assert_request(&request, "wm:1");
    request = (wm_search_request_t){.limit = 100, .year = "2014..2019", .query = "museums"};
    assert_request(&request, "wm:3");
    request = (wm_search_request_t){.limit = 100, .type = "Lightning  Talk"};
    assert_request(&request, "wm:2");
    request = (wm_search_request_t){.limit = 100, .language = "EN", .track = "GLAM", .type = ""};
    assert_request(&request, "wm:1 wm:3");
    request = (wm_search_request_t){.limit = 100, .year = "2030..2019"};
    wm_search_result_t *result = NULL;
    assert_int_equal(wm_store_search(reader, &request, &result), WM_STORE_QUERY_SYNTAX);
    assert_string_equal(wm_store_last_error(reader), "year range 2030..2019 is empty");
}

static void test_empty_query_matches_all(void **state)
{
    (void)state;
    assert_query("", "wm:1 wm:2 wm:3 wm:4 wm:5");
    assert_query("  ", "wm:1 wm:2 wm:3 wm:4 wm:5");
    wm_search_request_t request = {.limit = 100};
    assert_request(&request, "wm:1 wm:2 wm:3 wm:4 wm:5");
}

static void test_unbalanced_queries(void **state)
{
    (void)state;
    assert_syntax_error("\"open access", "unbalanced quotes");
    assert_syntax_error("speaker:\"alex", "unbalanced quotes");
    assert_syntax_error("(archives OR museums", "unbalanced parentheses");
    assert_syntax_error("archives)", "unbalanced parentheses");
    assert_query("\"(open access\"", "wm:3");   /* parentheses inside quotes are just text */
}

static void test_scores(void **state)
{
    (void)state;
    wm_search_request_t request = {.query = "museums", .limit = 10};
    wm_search_result_t *result = NULL;
    assert_int_equal(wm_store_search(reader, &request, &result), WM_STORE_OK);
    assert_int_equal(result->n_hits, 2);
    assert_true(result->hits[0].score > 0);
    assert_true(result->hits[0].score >= result->hits[1].score);
    assert_int_equal(result->hits[1].rank, 1);
    assert_non_null(strstr(result->parsed_query, "Zmuseum"));
    wm_search_result_free(result);
    request = (wm_search_request_t){.query = "track:glam", .limit = 10};
    assert_int_equal(wm_store_search(reader, &request, &result), WM_STORE_OK);
    assert_true(result->hits[0].score == 0);
    assert_non_null(strstr(result->parsed_query, "XTRACKglam"));
    wm_search_result_free(result);
}

static void assert_order(wm_sort_t sort, const char *query, const char *expected)
{
    wm_search_request_t request = {.query = query, .sort = sort, .limit = 100};
    char *ids = search_request(reader, &request, 0);
    assert_string_equal(ids, expected);
    free(ids);
}

static void test_sort_orders(void **state)
{
    (void)state;
    assert_order(WM_SORT_NEWEST, NULL, "wm:5 wm:2 wm:1 wm:3 wm:4");   /* unknown year last */
    assert_order(WM_SORT_OLDEST, NULL, "wm:3 wm:1 wm:2 wm:5 wm:4");
    /* Titles: Archives, Community, Libraries, Open, "Zebra" (quotes ignored). */
    assert_order(WM_SORT_TITLE, NULL, "wm:5 wm:2 wm:1 wm:3 wm:4");
    assert_order(WM_SORT_NEWEST, "museums", "wm:2 wm:3");
    assert_order(WM_SORT_OLDEST, "museums", "wm:3 wm:2");
}

static void test_round_trip_of_every_field(void **state)
{
    (void)state;
    wm_search_request_t request = {.query = "id:wm:1", .limit = 10};
    wm_search_result_t *result = NULL;
    assert_int_equal(wm_store_search(reader, &request, &result), WM_STORE_OK);
    assert_int_equal(result->n_hits, 1);
    wm_session_t *expected = full_session();
    assert_same_session(result->hits[0].session, expected);
    wm_session_free(expected);
    wm_search_result_free(result);
    /* A sparse session comes back sparse (NULLs stay NULL, zeros stay zero). */
    request.query = "id:wm:4";
    assert_int_equal(wm_store_search(reader, &request, &result), WM_STORE_OK);
    assert_int_equal(result->n_hits, 1);
    assert_null(result->hits[0].session->language);
    assert_null(result->hits[0].session->url);
    assert_int_equal(result->hits[0].session->year, 0);
    assert_int_equal(result->hits[0].session->n_tracks, 0);
    wm_search_result_free(result);
}

/* A fresh writable index in its own directory, its path in path (caller closes). */
static wm_store_t *open_fresh(const char *name, char *path, size_t size)
{
    snprintf(path, size, "%s", scratch_path(name));
    return scratch_index(name);
}

static void test_replace_by_id(void **state)
{
    (void)state;
    char path[300];
    wm_store_t *w = open_fresh("replace", path, sizeof path);
    put_and_free(w, make_session("wm:9", 2019, "Old title", "talk", NULL, "en", "First text."));
    put_and_free(w, make_session("wm:9", 2020, "New title", "talk", NULL, "en", "Second text."));
    assert_int_equal(wm_store_commit(w), WM_STORE_OK);
    unsigned long count = 0;
    assert_int_equal(wm_store_count(w, &count), WM_STORE_OK);
    assert_int_equal(count, 1);
    wm_search_request_t request = {.query = "old", .limit = 10};
    char *ids = search_request(w, &request, 1);
    assert_string_equal(ids, "");
    free(ids);
    request.query = "new year:2020";
    ids = search_request(w, &request, 1);
    assert_string_equal(ids, "wm:9");
    free(ids);
    wm_store_close(w);
}

static void test_exact_totals_with_paging(void **state)
{
    (void)state;
    char path[300];
    wm_store_t *w = open_fresh("paging", path, sizeof path);
    for (int i = 0; i < 25; i++) {
        char id[32];
        snprintf(id, sizeof id, "page:%02d", i);
        put_and_free(w, make_session(id, 2000 + i, "Common words", "talk", NULL, "en", i % 5 ? "plain" : "special"));
    }
    assert_int_equal(wm_store_commit(w), WM_STORE_OK);
    wm_search_request_t request = {.query = "common", .sort = WM_SORT_OLDEST, .offset = 20, .limit = 10};
    wm_search_result_t *result = NULL;
    assert_int_equal(wm_store_search(w, &request, &result), WM_STORE_OK);
    assert_int_equal(result->total, 25);
    assert_int_equal(result->n_hits, 5);
    assert_int_equal(result->hits[0].rank, 20);
    assert_string_equal(result->hits[0].session->id, "page:20");
    assert_string_equal(result->hits[4].session->id, "page:24");
    wm_search_result_free(result);
    request = (wm_search_request_t){.query = "special", .limit = 2, .count_only = true};
    assert_int_equal(wm_store_search(w, &request, &result), WM_STORE_OK);
    assert_int_equal(result->total, 5);
    assert_int_equal(result->n_hits, 0);
    wm_search_result_free(result);
    request = (wm_search_request_t){.query = "special", .limit = 2};
    assert_int_equal(wm_store_search(w, &request, &result), WM_STORE_OK);
    assert_int_equal(result->total, 5);
    assert_int_equal(result->n_hits, 2);
    wm_search_result_free(result);
    wm_store_close(w);
}

/* ---- search side: facets, snippets, show, similar, suggestions ---------- */

/* "value=count value=count" of one facet, in the result's order (caller frees). */
static char *facet_string(const wm_facet_counts_t *facet)
{
    wm_buf_t buf = {0};
    for (size_t i = 0; i < facet->n_values; i++) {
        char *pair = wm_strdup_printf("%s%s=%lu", i ? " " : "", facet->values[i].value, facet->values[i].count);
        wm_buf_append_str(&buf, pair);
        free(pair);
    }
    return wm_buf_take(&buf);
}

static void assert_facet(const wm_search_result_t *result, wm_facet_t facet, const char *expected)
{
    assert_true(result->facets[facet].counted);
    char *got = facet_string(&result->facets[facet]);
    if (strcmp(got, expected) != 0)
        fail_msg("facet %s: got [%s], expected [%s]", wm_facet_name(facet), got, expected);
    free(got);
}

static void test_facets_count_all_matches(void **state)
{
    (void)state;
    wm_search_request_t request = {.limit = 1, .facets = (1u << WM_FACET_COUNT) - 1};
    wm_search_result_t *result = NULL;
    assert_int_equal(wm_store_search(reader, &request, &result), WM_STORE_OK);
    assert_int_equal(result->n_hits, 1);   /* the page is one hit, the counts cover all five */
    assert_facet(result, WM_FACET_TRACK, "Community Health=2 GLAM=2 Technology=1");
    assert_facet(result, WM_FACET_YEAR, "2014=1 2019=1 2021=1 2023=1");
    assert_facet(result, WM_FACET_TYPE, "talk=2 lightning talk=1 panel=1 workshop=1");
    assert_facet(result, WM_FACET_LANGUAGE, "en=3 fr=1");
    assert_facet(result, WM_FACET_SPEAKER,
                 "Alex Jones=1 Alex Stinson=1 Ann Other=1 Bob Smith=1 Jean-Luc Éclair=1 Nobody Special=1 "
                 "Stinson Beach=1");
    wm_search_result_free(result);

    wm_search_request_t glam = {.query = "track:glam", .count_only = true, .facets = 1u << WM_FACET_TRACK};
    assert_int_equal(wm_store_search(reader, &glam, &result), WM_STORE_OK);
    assert_int_equal(result->n_hits, 0);
    assert_facet(result, WM_FACET_TRACK, "GLAM=2 Community Health=1");
    assert_false(result->facets[WM_FACET_YEAR].counted);
    wm_search_result_free(result);
}

static void test_facet_names(void **state)
{
    (void)state;
    wm_facet_t facet;
    assert_true(wm_facet_from_name("tracks", &facet));
    assert_int_equal(facet, WM_FACET_TRACK);
    assert_true(wm_facet_from_name("lang", &facet));
    assert_int_equal(facet, WM_FACET_LANGUAGE);
    assert_true(wm_facet_from_name("speaker", &facet));
    assert_int_equal(facet, WM_FACET_SPEAKER);
    assert_false(wm_facet_from_name("colour", &facet));
    assert_false(wm_facet_from_name(NULL, &facet));
    assert_string_equal(wm_facet_name(WM_FACET_YEAR), "year");
}

static const char *snippet_of(const wm_search_result_t *result, const char *id)
{
    for (size_t i = 0; i < result->n_hits; i++)
        if (strcmp(result->hits[i].session->id, id) == 0)
            return result->hits[i].snippet;
    fail_msg("%s not among the hits", id);
    return NULL;
}

static void test_snippets_highlight_matches(void **state)
{
    (void)state;
    wm_search_request_t request = {.query = "museums", .limit = 10, .snippet_bytes = 200,
                                   .highlight_start = "[", .highlight_end = "]"};
    wm_search_result_t *result = NULL;
    assert_int_equal(wm_store_search(reader, &request, &result), WM_STORE_OK);
    assert_string_equal(snippet_of(result, "wm:3"), "[Museums] open their collections.");
    assert_string_equal(snippet_of(result, "wm:2"), "Harassment, and [museums] that help.");
    wm_search_result_free(result);

    request.highlight_start = request.highlight_end = NULL;   /* plain, one line */
    request.query = "laptop";
    assert_int_equal(wm_store_search(reader, &request, &result), WM_STORE_OK);
    assert_string_equal(snippet_of(result, "wm:1"),
                        "A workshop for every library. Bring a laptop \\ and C:\\path.");
    wm_search_result_free(result);

    request.query = "track:glam";   /* no word to show: the abstract's opening */
    request.snippet_bytes = 20;
    assert_int_equal(wm_store_search(reader, &request, &result), WM_STORE_OK);
    assert_string_equal(snippet_of(result, "wm:3"), "Museums open their...");
    wm_search_result_free(result);

    request.snippet_bytes = 0;
    assert_int_equal(wm_store_search(reader, &request, &result), WM_STORE_OK);
    assert_null(snippet_of(result, "wm:1"));
    wm_search_result_free(result);
}

static void test_get_session(void **state)
{
    (void)state;
    wm_session_t *s = NULL;
    assert_int_equal(wm_store_get_session(reader, "wm:4", &s), WM_STORE_OK);
    assert_string_equal(s->title, "\"Zebra\" crossing");
    assert_int_equal(s->n_speakers, 2);
    assert_string_equal(s->speakers[1].name, "Stinson Beach");
    wm_session_free(s);
    assert_int_equal(wm_store_get_session(reader, "wm:999", &s), WM_STORE_NOT_FOUND);
    assert_null(s);
    assert_non_null(strstr(wm_store_last_error(reader), "wm:999"));
}

static void test_similar_leaves_out_the_seed(void **state)
{
    (void)state;
    wm_search_request_t request = {.limit = 10};
    wm_search_result_t *result = NULL;
    assert_int_equal(wm_store_similar(reader, "wm:3", &request, &result), WM_STORE_OK);
    char *ids = ids_of(result, 1);
    assert_null(strstr(ids, "wm:3"));
    assert_non_null(strstr(ids, "wm:2"));   /* museums */
    assert_non_null(strstr(ids, "wm:5"));   /* access */
    free(ids);
    wm_search_result_free(result);

    request.year = "2021";   /* filters restrict the candidates */
    assert_int_equal(wm_store_similar(reader, "wm:3", &request, &result), WM_STORE_OK);
    ids = ids_of(result, 0);
    assert_string_equal(ids, "wm:2");
    free(ids);
    wm_search_result_free(result);

    assert_int_equal(wm_store_similar(reader, "wm:999", &request, &result), WM_STORE_NOT_FOUND);
    assert_null(result);
}

static void test_spelling_suggestion(void **state)
{
    (void)state;
    wm_search_request_t request = {.query = "musuems", .limit = 10, .suggest_below = 3};
    wm_search_result_t *result = NULL;
    assert_int_equal(wm_store_search(reader, &request, &result), WM_STORE_OK);
    assert_int_equal(result->total, 0);
    assert_non_null(result->suggestion);
    assert_string_equal(result->suggestion, "museums");
    assert_int_equal(result->suggestion_total, 2);
    wm_search_result_free(result);

    request.suggest_below = 0;   /* not asked */
    assert_int_equal(wm_store_search(reader, &request, &result), WM_STORE_OK);
    assert_null(result->suggestion);
    wm_search_result_free(result);

    request.query = "museums";   /* nothing to correct */
    request.suggest_below = 3;
    assert_int_equal(wm_store_search(reader, &request, &result), WM_STORE_OK);
    assert_null(result->suggestion);
    wm_search_result_free(result);
}

static void test_schema_mismatch(void **state)
{
    (void)state;
    char path[300];
    wm_store_t *w = open_fresh("schema", path, sizeof path);
    put_and_free(w, make_session("wm:1", 2019, "Title", "talk", NULL, "en", "Text."));
    assert_int_equal(wm_store_set_metadata_for_testing(w, "wmsearch.schema", "999"), WM_STORE_OK);
    wm_store_close(w);
    char *message = NULL;
    w = NULL;
    assert_int_equal(wm_store_open_writable(path, &w, &message), WM_STORE_SCHEMA_MISMATCH);
    assert_null(w);
    assert_non_null(strstr(message, "schema version 999"));
    assert_non_null(strstr(message, "wmindex --rebuild"));
    assert_non_null(strstr(message, path));
    free(message);
    assert_int_equal(wm_store_open_readonly(path, &w, &message), WM_STORE_SCHEMA_MISMATCH);
    assert_null(w);
    free(message);
}

static void test_second_writer_is_locked(void **state)
{
    (void)state;
    char path[300];
    wm_store_t *first = open_fresh("locked", path, sizeof path);
    wm_store_t *second = NULL;
    char *message = NULL;
    assert_int_equal(wm_store_open_writable(path, &second, &message), WM_STORE_LOCKED);
    assert_null(second);
    char *expected = wm_strdup_printf("index %s is being updated by another wmindex", path);
    assert_string_equal(message, expected);
    free(expected);
    free(message);
    /* Readers are not blocked by the writer. */
    assert_int_equal(wm_store_open_readonly(path, &second, &message), WM_STORE_OK);
    wm_store_close(second);
    wm_store_close(first);
    assert_int_equal(wm_store_open_writable(path, &second, &message), WM_STORE_OK);
    wm_store_close(second);
}

static void test_missing_index(void **state)
{
    (void)state;
    char path[300];
    snprintf(path, sizeof path, "%s", scratch_path("nothing-here"));
    wm_store_t *store = NULL;
    char *message = NULL;
    assert_int_equal(wm_store_open_readonly(path, &store, &message), WM_STORE_NOT_FOUND);
    assert_null(store);
    char *expected = wm_strdup_printf("no index at %s: run wmindex first", path);
    assert_string_equal(message, expected);
    free(message);
    assert_int_equal(mkdir(path, 0700), 0);   /* an empty directory is no index either */
    assert_int_equal(wm_store_open_readonly(path, &store, &message), WM_STORE_NOT_FOUND);
    assert_string_equal(message, expected);
    free(message);
    free(expected);
    assert_string_equal(wm_store_status_to_string(WM_STORE_LOCKED), "index is locked");
}

static void test_reader_cannot_write(void **state)
{
    (void)state;
    wm_session_t *s = make_session("wm:8", 2019, "T", "talk", NULL, "en", "x");
    assert_int_equal(wm_store_put_session(reader, s), WM_STORE_ERROR);
    assert_non_null(strstr(wm_store_last_error(reader), "read-only"));
    wm_session_free(s);
    unsigned long count = 0;
    assert_int_equal(wm_store_count(reader, &count), WM_STORE_OK);
    assert_int_equal(count, 5);
    assert_string_equal(wm_store_last_error(reader), "");
}


/* ---- event, status and speaker codes (issue 9) --------------------------- */

static wm_session_t *event_session(const char *id, const char *event, const char *status, const char *title)
{
    wm_session_t *s = make_session(id, 2019, title, "talk", NULL, "en", "Proposals about archives.");
    assert_int_equal(wm_session_set(&s->event, event), 0);
    assert_int_equal(wm_session_set(&s->status, status), 0);
    return s;
}

/* An index of one event's sessions in every status, and another event's. */
static wm_store_t *open_status_index(const char *name)
{
    char path[300];
    wm_store_t *w = open_fresh(name, path, sizeof path);
    put_and_free(w, event_session("st:none", "Wikimania 2019", NULL, "Archives without status"));
    put_and_free(w, event_session("st:accepted", "Wikimania 2019", "accepted", "Archives accepted"));
    put_and_free(w, event_session("st:confirmed", "Wikimania 2019", "confirmed", "Archives confirmed"));
    put_and_free(w, event_session("st:submitted", "Wikimania 2019", "submitted", "Archives submitted"));
    put_and_free(w, event_session("st:rejected", "Wikimania 2019", "rejected", "Archives rejected"));
    put_and_free(w, event_session("st:withdrawn", "Wikimania 2019", "withdrawn", "Archives withdrawn"));
    put_and_free(w, event_session("st:canceled", "Wikimania 2019", "canceled", "Archives canceled"));
    wm_session_t *s = event_session("fo:1", "FOSDEM 2012", "accepted", "Archives at FOSDEM");
    s->year = 2012;
    assert_int_equal(wm_session_add_speaker(s, "Pat Person", NULL, "3DLN9E", "Bio."), 0);
    put_and_free(w, s);
    s = event_session("fo:2", "FOSDEM 2012", "rejected", "Rejected at FOSDEM");
    s->year = 2012;
    put_and_free(w, s);
    assert_int_equal(wm_store_commit(w), WM_STORE_OK);
    return w;
}

static void assert_found(wm_store_t *store, const wm_search_request_t *request, const char *expected)
{
    char *ids = search_request(store, request, 1);
    if (strcmp(ids, expected) != 0)
        fail_msg("query '%s': got [%s], expected [%s]", request->query ? request->query : "", ids, expected);
    free(ids);
}

static void assert_found_by_query(wm_store_t *store, const char *query, const char *expected)
{
    wm_search_request_t request = {.query = query, .limit = 100};
    assert_found(store, &request, expected);
}

static void test_event_status_code_round_trip(void **state)
{
    (void)state;
    char path[300];
    wm_store_t *w = open_fresh("round-trip-9", path, sizeof path);
    wm_session_t *expected = full_session();
    assert_int_equal(wm_session_set(&expected->event, "Wikimania 2019"), 0);
    assert_int_equal(wm_session_set(&expected->status, "rejected"), 0);
    assert_int_equal(wm_session_add_speaker(expected, "Code Only", NULL, "6002", NULL), 0);
    assert_int_equal(wm_session_add_speaker(expected, "Code\tAnd\\Bio", "User_X", "A\tB", "Line\none"), 0);
    assert_int_equal(wm_store_put_session(w, expected), WM_STORE_OK);
    wm_session_t *got = NULL;
    assert_int_equal(wm_store_get_session(w, "wm:1", &got), WM_STORE_OK);   /* show: whatever the status */
    assert_same_session(got, expected);
    assert_string_equal(got->event, "Wikimania 2019");
    assert_string_equal(got->status, "rejected");
    for (size_t i = 0; i < expected->n_speakers; i++)
        assert_same_string(got->speakers[i].code, expected->speakers[i].code);
    assert_string_equal(got->speakers[3].code, "6002");
    assert_null(got->speakers[3].username);
    assert_null(got->speakers[3].biography);
    wm_session_free(got);
    wm_session_free(expected);
    wm_store_close(w);
}

static void test_event_field(void **state)
{
    (void)state;
    wm_store_t *w = open_status_index("event-field");
    const char *wikimania = "st:accepted st:confirmed st:none";
    assert_found_by_query(w, "event:fosdem", "fo:1");
    assert_found_by_query(w, "event:FOSDEM", "fo:1");
    assert_found_by_query(w, "event:\"fosdem 2012\"", "fo:1");
    assert_found_by_query(w, "event:\"wikimania 2019\"", wikimania);
    assert_found_by_query(w, "event:\"2019 wikimania\"", "");   /* a phrase, in order */
    assert_found_by_query(w, "event:2012", "fo:1");
    assert_found_by_query(w, "event:wikimania event:fosdem", "fo:1 st:accepted st:confirmed st:none");
    assert_found_by_query(w, "fosdem", "fo:1");                   /* the title's word, not the event's */
    assert_found_by_query(w, "wikimania", "");                    /* the event is not free text */
    const char *both[] = {"FOSDEM 2012", "wikimania 2019", NULL};
    wm_search_request_t request = {.limit = 100, .events = both};
    assert_found(w, &request, "fo:1 st:accepted st:confirmed st:none");
    const char *one[] = {"Wikimania_2019", NULL};   /* '_' as a space, as for usernames */
    request.events = one;
    assert_found(w, &request, wikimania);
    wm_store_close(w);
}

static void test_speaker_code_is_searchable(void **state)
{
    (void)state;
    wm_store_t *w = open_status_index("speaker-code");
    assert_found_by_query(w, "speaker:3DLN9E", "fo:1");
    assert_found_by_query(w, "speaker:3dln9e", "fo:1");
    assert_found_by_query(w, "3dln9e", "");   /* an id, not words of the text */
    wm_store_close(w);
}

static void test_default_status_policy(void **state)
{
    (void)state;
    wm_store_t *w = open_status_index("status-policy");
    const char *took_place = "fo:1 st:accepted st:confirmed st:none";
    const char *every = "fo:1 fo:2 st:accepted st:canceled st:confirmed st:none st:rejected st:submitted st:withdrawn";
    assert_found_by_query(w, "", took_place);
    assert_found_by_query(w, "archives", took_place);
    assert_found_by_query(w, "status:rejected", "fo:2 st:rejected");
    assert_found_by_query(w, "status:REJECTED fosdem", "fo:2");
    assert_found_by_query(w, "status:cancelled", "st:canceled");
    assert_found_by_query(w, "status:rejected OR status:withdrawn", "fo:2 st:rejected st:withdrawn");
    assert_found_by_query(w, "status:any", every);
    assert_found_by_query(w, "NOT status:rejected", "fo:1 st:accepted st:canceled st:confirmed st:none "
                                                   "st:submitted st:withdrawn");
    assert_found_by_query(w, "status:accepted", "fo:1 st:accepted");   /* not the ones without status */

    const char *rejected[] = {"rejected", "withdrawn", NULL}, *any[] = {"any", NULL};
    wm_search_request_t request = {.limit = 100, .statuses = rejected};
    assert_found(w, &request, "fo:2 st:rejected st:withdrawn");
    request.statuses = any;
    assert_found(w, &request, every);
    const char *fosdem[] = {"fosdem 2012", NULL};
    request.events = fosdem;
    assert_found(w, &request, "fo:1 fo:2");
    request = (wm_search_request_t){.limit = 100, .statuses = (const char *[]){NULL}};   /* empty: default */
    assert_found(w, &request, took_place);

    /* --count, facets and list count what a search shows. */
    wm_search_result_t *result = NULL;
    request = (wm_search_request_t){.count_only = true, .facets = 1u << WM_FACET_STATUS | 1u << WM_FACET_EVENT};
    assert_int_equal(wm_store_search(w, &request, &result), WM_STORE_OK);
    assert_int_equal(result->total, 4);
    assert_facet(result, WM_FACET_STATUS, "accepted=2 confirmed=1");
    assert_facet(result, WM_FACET_EVENT, "Wikimania 2019=3 FOSDEM 2012=1");
    wm_search_result_free(result);
    request.statuses = any;
    assert_int_equal(wm_store_search(w, &request, &result), WM_STORE_OK);
    assert_int_equal(result->total, 9);
    assert_facet(result, WM_FACET_STATUS, "accepted=2 rejected=2 canceled=1 confirmed=1 submitted=1 withdrawn=1");
    assert_facet(result, WM_FACET_EVENT, "Wikimania 2019=7 FOSDEM 2012=2");
    wm_search_result_free(result);

    /* similar: the candidates follow the policy, the seed may be anything. */
    request = (wm_search_request_t){.limit = 100};   /* "rejected", "fosdem": st:rejected is hidden */
    assert_int_equal(wm_store_similar(w, "fo:2", &request, &result), WM_STORE_OK);
    char *ids = ids_of(result, 1);
    assert_string_equal(ids, "fo:1");
    free(ids);
    wm_search_result_free(result);
    request.query = "status:rejected";
    assert_int_equal(wm_store_similar(w, "fo:2", &request, &result), WM_STORE_OK);
    ids = ids_of(result, 1);
    assert_string_equal(ids, "st:rejected");
    free(ids);
    wm_search_result_free(result);

    /* "Did you mean" counts what the corrected query would show. */
    request = (wm_search_request_t){.query = "rejectd", .limit = 10, .suggest_below = 3};
    assert_int_equal(wm_store_search(w, &request, &result), WM_STORE_OK);
    assert_null(result->suggestion);   /* "rejected" is only in hidden sessions */
    wm_search_result_free(result);
    request.statuses = any;
    assert_int_equal(wm_store_search(w, &request, &result), WM_STORE_OK);
    assert_non_null(result->suggestion);
    assert_int_equal(result->suggestion_total, 2);
    wm_search_result_free(result);

    wm_session_t *s = NULL;   /* show: always */
    assert_int_equal(wm_store_get_session(w, "st:rejected", &s), WM_STORE_OK);
    assert_string_equal(s->status, "rejected");
    wm_session_free(s);
    wm_store_close(w);
}

static void test_facet_names_for_event_and_status(void **state)
{
    (void)state;
    wm_facet_t facet;
    assert_true(wm_facet_from_name("events", &facet));
    assert_int_equal(facet, WM_FACET_EVENT);
    assert_true(wm_facet_from_name("statuses", &facet));
    assert_int_equal(facet, WM_FACET_STATUS);
    assert_true(wm_facet_from_name("status", &facet));
    assert_string_equal(wm_facet_name(WM_FACET_EVENT), "event");
}

/* ---- sources and incremental indexing (issue 5) -------------------------- */

/* Read the source at path and put the sessions ids[] (NULL-terminated) from
 * it, timestamp ts; record it with the tallies given. */
static void index_source_tallied(wm_store_t *w, const char *path, const char *dbname, const char *ts,
                                 const char *const *ids, bool complete, const wm_tally_t *tallies,
                                 size_t n_tallies)
{
    wm_store_source_t *identity = NULL;
    assert_int_equal(wm_store_source_identify(path, &identity, NULL), WM_STORE_OK);
    assert_int_equal(wm_store_source_begin(w), WM_STORE_OK);
    for (; *ids; ids++) {
        wm_session_t *s = make_session(*ids, 2019, *ids, "talk", NULL, "en", "Text.");
        assert_int_equal(wm_session_set(&s->timestamp, ts), 0);
        assert_int_equal(wm_session_set(&s->source, path), 0);
        put_and_free(w, s);
    }
    assert_int_equal(wm_store_source_finish(w, identity, complete, dbname, tallies, n_tallies), WM_STORE_OK);
    wm_store_source_free(identity);
}

static void index_source(wm_store_t *w, const char *path, const char *dbname, const char *ts,
                         const char *const *ids, bool complete)
{
    index_source_tallied(w, path, dbname, ts, ids, complete, NULL, 0);
}

static bool is_unchanged(wm_store_t *w, const char *path)
{
    wm_store_source_t *identity = NULL;
    bool unchanged = true;
    assert_int_equal(wm_store_source_identify(path, &identity, NULL), WM_STORE_OK);
    assert_int_equal(wm_store_source_unchanged(w, identity, &unchanged), WM_STORE_OK);
    wm_store_source_free(identity);
    return unchanged;
}

static void test_source_identity(void **state)
{
    (void)state;
    char index[300], path[300];
    wm_store_t *w = open_fresh("identity", index, sizeof index);
    snprintf(path, sizeof path, "%s", scratch_write_text("identity.xml", "<mediawiki>one</mediawiki>\n"));
    wm_store_source_t *identity = NULL;
    assert_int_equal(wm_store_source_identify(path, &identity, NULL), WM_STORE_OK);
    assert_int_equal(identity->size, 27);
    assert_int_equal(strlen(identity->fingerprint), 16);
    assert_int_equal(identity->path[0], '/');
    wm_store_source_free(identity);
    assert_false(is_unchanged(w, path));
    const char *ids[] = {"wm:1", NULL};
    index_source(w, path, "wm", "2019-01-01T00:00:00Z", ids, true);
    assert_true(is_unchanged(w, path));
    /* Same size, same mtime, other bytes: the fingerprint tells. */
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    snprintf(path, sizeof path, "%s", scratch_write_text("identity.xml", "<mediawiki>two</mediawiki>\n"));
    struct timespec times[2] = {st.st_atim, st.st_mtim};
    assert_int_equal(utimensat(AT_FDCWD, path, times, 0), 0);
    assert_false(is_unchanged(w, path));
    /* A source that failed part-way is never unchanged. */
    index_source(w, path, "wm", "2019-01-01T00:00:00Z", ids, false);
    assert_false(is_unchanged(w, path));
    char *message = NULL;
    snprintf(path, sizeof path, "%s", scratch_path("no-such-file"));
    assert_int_equal(wm_store_source_identify(path, &identity, &message), WM_STORE_NOT_FOUND);
    assert_null(identity);
    assert_non_null(strstr(message, "no-such-file"));
    free(message);
    wm_store_close(w);
}

static char *source_of(wm_store_t *w, const char *id)
{
    wm_session_t *s = NULL;
    assert_int_equal(wm_store_get_session(w, id, &s), WM_STORE_OK);
    char *source = strdup(s->source);
    wm_session_free(s);
    return source;
}

static void test_prune_keeps_the_newest_dated_dump(void **state)
{
    (void)state;
    char index[300], old[300], new[300], other[300];
    wm_store_t *w = open_fresh("prune", index, sizeof index);
    snprintf(old, sizeof old, "%s", scratch_write_text("wm-20190101-pages.xml", "old"));
    snprintf(new, sizeof new, "%s", scratch_write_text("wm-20200101-pages.xml", "new"));
    snprintf(other, sizeof other, "%s", scratch_write_text("export.xml", "partial"));
    const char *old_ids[] = {"wm:1", "wm:2", "wm:3", NULL}, *new_ids[] = {"wm:1", "wm:3", NULL};
    const char *other_ids[] = {"wm:9", NULL};
    /* The newer dump first: the older one's sessions lose, whatever the order. */
    index_source(w, new, "wm", "2019-12-01T00:00:00Z", new_ids, true);
    index_source(w, old, "wm", "2019-12-01T00:00:00Z", old_ids, true);
    index_source(w, other, "wm", "2018-01-01T00:00:00Z", other_ids, true);
    wm_store_stats_t *stats = NULL;
    assert_int_equal(wm_store_get_stats(w, &stats), WM_STORE_OK);
    assert_int_equal(stats->n_sources, 3);
    assert_int_equal(stats->n_pending_prunes, 1);
    assert_string_equal(stats->pending_prunes[0], "wm");
    wm_store_stats_free(stats);
    unsigned long removed = 0, count = 0;
    assert_int_equal(wm_store_prune(w, &removed), WM_STORE_OK);
    assert_int_equal(removed, 1);   /* wm:2, only in the older dump; the undated export stays */
    assert_int_equal(wm_store_count(w, &count), WM_STORE_OK);
    assert_int_equal(count, 3);
    wm_session_t *gone = NULL;
    assert_int_equal(wm_store_get_session(w, "wm:2", &gone), WM_STORE_NOT_FOUND);
    /* The same revision in both dumps: the path that sorts last (the newer dump) wins. */
    char *source = source_of(w, "wm:1");
    assert_string_equal(source, new);
    free(source);
    assert_int_equal(wm_store_get_stats(w, &stats), WM_STORE_OK);
    assert_int_equal(stats->n_pending_prunes, 0);
    assert_int_equal(stats->sessions, 3);
    assert_int_equal(stats->n_years, 1);
    assert_int_equal(stats->years[0].year, 2019);
    assert_int_equal(stats->years[0].sessions, 3);
    assert_string_equal(stats->schema_version, "10");
    assert_int_equal(strlen(stats->last_update), 20);
    const char *dates[] = {"", "2019-01-01", "2020-01-01"};   /* sorted by path */
    for (size_t i = 0; i < 3; i++)
        assert_string_equal(stats->sources[i].dump_date, dates[i]);
    wm_store_stats_free(stats);
    assert_int_equal(wm_store_prune(w, &removed), WM_STORE_OK);   /* nothing marked: nothing done */
    assert_int_equal(removed, 0);
    wm_store_close(w);
}

static void assert_tally(const wm_tally_t *t, int year, unsigned long pages, unsigned long candidates,
                         unsigned long sessions, unsigned long no_fields, unsigned long listing,
                         unsigned long duplicate)
{
    assert_int_equal(t->year, year);
    assert_int_equal(t->pages, pages);
    assert_int_equal(t->candidates, candidates);
    assert_int_equal(t->sessions, sessions);
    assert_int_equal(t->rejected[WM_REJECT_NO_FIELDS], no_fields);
    assert_int_equal(t->rejected[WM_REJECT_NO_TITLE], 0);
    assert_int_equal(t->rejected[WM_REJECT_LISTING], listing);
    assert_int_equal(t->rejected[WM_REJECT_DUPLICATE], duplicate);
}

static void test_source_tallies_and_stats_per_year(void **state)
{
    (void)state;
    char index[300], old[300], new[300], export[300];
    wm_store_t *w = open_fresh("tallies", index, sizeof index);
    snprintf(old, sizeof old, "%s", scratch_write_text("wm-20190101-pages.xml", "old"));
    snprintf(new, sizeof new, "%s", scratch_write_text("wm-20200101-pages.xml", "new"));
    snprintf(export, sizeof export, "%s", scratch_write_text("ev-schedule.json", "{}"));
    const char *old_ids[] = {"wm:1", NULL}, *new_ids[] = {"wm:1", "wm:2", NULL}, *export_ids[] = {"ev:1", NULL};
    wm_tally_t old_tally = {.year = 2019, .pages = 10, .candidates = 5, .sessions = 3,
                            .rejected = {[WM_REJECT_NO_FIELDS] = 2}};
    wm_tally_t new_tallies[] = {
        {.year = 2020, .pages = 3, .candidates = 3, .sessions = 3},
        {.year = 2019, .pages = 12, .candidates = 6, .sessions = 4,
         .rejected = {[WM_REJECT_NO_FIELDS] = 1, [WM_REJECT_LISTING] = 1}},
        {.year = 2019, .pages = 1, .candidates = 1, .sessions = 1},   /* a year twice: added up */
    };
    wm_tally_t export_tally = {.year = 0, .pages = 2, .candidates = 2, .sessions = 1,
                               .rejected = {[WM_REJECT_DUPLICATE] = 1}};
    index_source_tallied(w, old, "wm", "2019-01-01T00:00:00Z", old_ids, true, &old_tally, 1);
    index_source_tallied(w, new, "wm", "2019-01-01T00:00:00Z", new_ids, true, new_tallies, 3);
    index_source_tallied(w, export, NULL, "2019-01-01T00:00:00Z", export_ids, true, &export_tally, 1);
    wm_store_close(w);   /* read back by another handle: the records hold them */
    char *message = NULL;
    assert_int_equal(wm_store_open_readonly(index, &w, &message), WM_STORE_OK);
    wm_store_stats_t *stats = NULL;
    assert_int_equal(wm_store_get_stats(w, &stats), WM_STORE_OK);
    assert_int_equal(stats->n_sources, 3);   /* by path: ev-, wm-2019, wm-2020 */
    assert_int_equal(stats->sources[0].n_tallies, 1);
    assert_tally(&stats->sources[0].tallies[0], 0, 2, 2, 1, 0, 0, 1);
    assert_int_equal(stats->sources[1].n_tallies, 1);
    assert_tally(&stats->sources[1].tallies[0], 2019, 10, 5, 3, 2, 0, 0);
    assert_int_equal(stats->sources[2].n_tallies, 2);   /* ascending, 2019 added up */
    assert_tally(&stats->sources[2].tallies[0], 2019, 13, 7, 5, 1, 1, 0);
    assert_tally(&stats->sources[2].tallies[1], 2020, 3, 3, 3, 0, 0, 0);
    /* Per year over the sources; the older dump of wm is superseded by the newer. */
    assert_int_equal(stats->n_tallies, 3);
    assert_tally(&stats->tallies[0], 0, 2, 2, 1, 0, 0, 1);
    assert_tally(&stats->tallies[1], 2019, 13, 7, 5, 1, 1, 0);
    assert_tally(&stats->tallies[2], 2020, 3, 3, 3, 0, 0, 0);
    wm_store_stats_free(stats);
    wm_store_close(w);
}

static void test_rebuild_starts_empty(void **state)
{
    (void)state;
    char index[300], path[300];
    wm_store_t *w = open_fresh("rebuild", index, sizeof index);
    snprintf(path, sizeof path, "%s", scratch_write_text("rebuild.xml", "x"));
    const char *ids[] = {"wm:1", "wm:2", NULL};
    index_source(w, path, "wm", "2019-01-01T00:00:00Z", ids, true);
    assert_int_equal(wm_store_set_metadata_for_testing(w, "wmsearch.schema", "999"), WM_STORE_OK);
    wm_store_close(w);
    char *message = NULL;
    assert_int_equal(wm_store_open_writable(index, &w, &message), WM_STORE_SCHEMA_MISMATCH);
    assert_non_null(strstr(message, "wmindex --rebuild"));
    free(message);
    assert_int_equal(wm_store_open_rebuild(index, &w, &message), WM_STORE_OK);
    unsigned long count = 1;
    assert_int_equal(wm_store_count(w, &count), WM_STORE_OK);
    assert_int_equal(count, 0);
    assert_false(is_unchanged(w, path));
    wm_store_stats_t *stats = NULL;
    assert_int_equal(wm_store_get_stats(w, &stats), WM_STORE_OK);
    assert_int_equal(stats->n_sources, 0);
    assert_string_equal(stats->schema_version, "10");
    wm_store_stats_free(stats);
    wm_store_close(w);
}

/* ---- queued writing ----------------------------------------------------- */

static void append_printf(wm_buf_t *buf, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void append_printf(wm_buf_t *buf, const char *fmt, ...)
{
    char text[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    assert_true(n >= 0 && (size_t)n < sizeof text);
    assert_int_equal(wm_buf_append_str(buf, text), 0);
}

/* Everything a reader can see of an index, as text: the ids and titles
 * matching a few queries, the count, a spelling suggestion. */
static char *what_readers_see(wm_store_t *store)
{
    static const char *queries[] = {"museums", "track:glam", "speaker:stinson", "year:2019..2023",
                                    "\"open access\"", "", NULL};
    wm_buf_t buf = {0};
    for (int i = 0; queries[i]; i++) {
        wm_search_request_t request = {.query = queries[i], .limit = 10};
        char *ids = search_request(store, &request, 0);
        append_printf(&buf, "%s: %s\n", queries[i], ids);
        free(ids);
    }
    unsigned long count = 0;
    assert_int_equal(wm_store_count(store, &count), WM_STORE_OK);
    wm_search_request_t request = {.query = "musuems", .limit = 10, .suggest_below = 3};
    wm_search_result_t *result = NULL;
    assert_int_equal(wm_store_search(store, &request, &result), WM_STORE_OK);
    append_printf(&buf, "count %lu, suggestion %s\n", count,
                         result->suggestion ? result->suggestion : "(none)");
    wm_search_result_free(result);
    return wm_buf_take(&buf);
}

static wm_session_t *revision(const char *title, const char *timestamp)
{
    wm_session_t *s = make_session("wm:77", 2022, title, "talk", NULL, "en", "Revisions of a page.");
    assert_int_equal(wm_session_set(&s->timestamp, timestamp), 0);
    return s;
}

static void test_queued_puts_read_as_direct_puts(void **state)
{
    (void)state;
    char path[300];
    wm_store_t *w = open_fresh("queued", path, sizeof path);
    assert_int_equal(wm_store_queue_session(w, full_session()), WM_STORE_OK);
    assert_int_equal(wm_store_queue_commit(w), WM_STORE_OK);
    wm_session_t *s = make_session("wm:2", 2021, "Community health in small wikis", "lightning talk",
                                   "Community Health", "fr", "Harassment, and museums that help.");
    assert_int_equal(wm_session_add_speaker(s, "Ann Other", NULL, NULL, NULL), 0);
    assert_int_equal(wm_store_queue_session(w, s), WM_STORE_OK);
    s = make_session("wm:3", 2014, "Open access museums", "talk", "GLAM", "en",
                     "Museums open their collections.");
    assert_int_equal(wm_session_add_speaker(s, "Bob Smith", "Bob_Smith_WMF", NULL, NULL), 0);
    assert_int_equal(wm_store_queue_session(w, s), WM_STORE_OK);
    s = make_session("wm:4", 0, "\"Zebra\" crossing", "panel", NULL, NULL,
                     "Ann Other is not a speaker here.");
    assert_int_equal(wm_session_add_speaker(s, "Alex Jones", NULL, NULL, NULL), 0);
    assert_int_equal(wm_session_add_speaker(s, "Stinson Beach", NULL, NULL, NULL), 0);
    assert_int_equal(wm_store_queue_session(w, s), WM_STORE_OK);
    assert_int_equal(wm_store_queue_session(w, make_session("wm:5", 2023, "Archives meet Wikidata", "talk",
                                                            "Technology", "en",
                                                            "Access to archives for everyone.")),
                     WM_STORE_OK);
    /* No wait, no commit: a search on the handle sees all that was queued,
     * the words of the spelling data included. */
    char *queued = what_readers_see(w);
    char *direct = what_readers_see(reader);   /* the same sessions, put one by one */
    assert_string_equal(queued, direct);
    assert_non_null(strstr(queued, "count 5, suggestion museums"));
    free(queued);
    free(direct);
    wm_store_tally_t tally;
    assert_int_equal(wm_store_queue_tally(w, &tally), WM_STORE_OK);
    assert_int_equal(tally.added, 5);
    assert_int_equal(tally.replaced + tally.kept_newer + tally.linked, 0);

    /* Outcomes are counted: an older revision after a newer one is kept out. */
    assert_int_equal(wm_store_queue_session(w, revision("Second revision", "2022-02-01T00:00:00Z")), WM_STORE_OK);
    assert_int_equal(wm_store_queue_session(w, revision("First revision", "2022-01-01T00:00:00Z")), WM_STORE_OK);
    assert_int_equal(wm_store_queue_session(w, revision("Third revision", "2022-03-01T00:00:00Z")), WM_STORE_OK);
    assert_int_equal(wm_store_queue_tally(w, &tally), WM_STORE_OK);
    assert_int_equal(tally.added, 6);
    assert_int_equal(tally.kept_newer, 1);
    assert_int_equal(tally.replaced, 1);
    wm_search_request_t request = {.query = "title:revision", .limit = 10};
    wm_search_result_t *result = NULL;
    assert_int_equal(wm_store_search(w, &request, &result), WM_STORE_OK);
    assert_int_equal(result->n_hits, 1);
    assert_string_equal(result->hits[0].session->title, "Third revision");
    wm_search_result_free(result);

    /* A session the index cannot take is refused at once, and freed. */
    assert_int_equal(wm_store_queue_session(w, wm_session_new()), WM_STORE_ERROR);
    assert_non_null(strstr(wm_store_last_error(w), "without an id"));
    wm_store_close(w);   /* commits what was queued */
    wm_store_t *r = NULL;
    char *message = NULL;
    assert_int_equal(wm_store_open_readonly(path, &r, &message), WM_STORE_OK);
    unsigned long count = 0;
    assert_int_equal(wm_store_count(r, &count), WM_STORE_OK);
    assert_int_equal(count, 6);
    wm_store_close(r);
}

/* A session given again at the end of its dump with translations that
 * came later (amends, archive/extract.h): in shards and in place, its
 * document gets the translations and keeps its terms; the tally does not
 * count it again, and the source's record lists its id once. */
static void build_with_an_amendment(const char *name, unsigned jobs, unsigned expect_shards)
{
    const char *path = scratch_path(name);
    wm_store_t *w = NULL;
    char *message = NULL;
    assert_int_equal(wm_store_open_build(path, jobs, false, &w, &message), WM_STORE_OK);
    assert_int_equal(wm_store_build_jobs(w), expect_shards);
    assert_int_equal(wm_store_source_begin(w), WM_STORE_OK);
    const char *titles[] = {"Museums and maps", "Wikidata for libraries", "Bots at scale", "Small wikis"};
    char id[16];
    for (int i = 0; i < 4; i++) {
        snprintf(id, sizeof id, "wm:%d", 10 + i);
        wm_session_t *s = make_session(id, 2019, titles[i], "talk", NULL, "en", "Museums open their maps.");
        assert_int_equal(wm_session_set(&s->page_title, titles[i]), 0);
        assert_int_equal(wm_store_queue_session(w, s), WM_STORE_OK);
    }
    wm_session_t *again = make_session("wm:11", 2019, titles[1], "talk", NULL, "en", "Museums open their maps.");
    assert_int_equal(wm_session_set(&again->page_title, titles[1]), 0);
    assert_int_equal(wm_session_add_translation(again, "fr"), 0);
    assert_int_equal(wm_session_add_translation(again, "de"), 0);
    again->amends = true;
    assert_int_equal(wm_store_queue_session(w, again), WM_STORE_OK);
    wm_store_tally_t tally;
    assert_int_equal(wm_store_queue_tally(w, &tally), WM_STORE_OK);
    assert_int_equal(tally.added, 4);
    assert_int_equal(tally.replaced + tally.kept_newer + tally.linked, 0);
    char dump[300];
    snprintf(dump, sizeof dump, "%s", scratch_write_text("amended-dump.xml", "a dump"));
    wm_store_source_t *identity = NULL;
    assert_int_equal(wm_store_source_identify(dump, &identity, NULL), WM_STORE_OK);
    assert_int_equal(wm_store_source_finish(w, identity, true, "wikimaniawiki", NULL, 0), WM_STORE_OK);
    wm_store_source_free(identity);
    assert_int_equal(wm_store_finish_build(w, NULL, NULL, NULL), WM_STORE_OK);
    wm_store_stats_t *stats = NULL;
    assert_int_equal(wm_store_get_stats(w, &stats), WM_STORE_OK);
    assert_int_equal(stats->n_sources, 1);
    assert_int_equal(stats->sources[0].sessions, 4);   /* its ids, each once */
    wm_store_stats_free(stats);

    unsigned long count = 0;
    assert_int_equal(wm_store_count(w, &count), WM_STORE_OK);
    assert_int_equal(count, 4);
    wm_session_t *got = NULL;
    assert_int_equal(wm_store_get_session(w, "wm:11", &got), WM_STORE_OK);
    assert_non_null(got);
    assert_int_equal(got->n_translations, 2);
    assert_string_equal(got->translations[0], "fr");
    assert_string_equal(got->translations[1], "de");
    assert_false(got->amends);
    wm_session_free(got);
    wm_search_request_t request = {.query = "title:libraries", .limit = 10};
    wm_search_result_t *result = NULL;
    assert_int_equal(wm_store_search(w, &request, &result), WM_STORE_OK);   /* its terms stay */
    assert_int_equal(result->n_hits, 1);
    assert_string_equal(result->hits[0].session->id, "wm:11");
    wm_search_result_free(result);
    wm_store_close(w);
}

static void test_amendments_in_shards_and_in_place(void **state)
{
    (void)state;
    build_with_an_amendment("amend-shards", 2, 2);
    build_with_an_amendment("amend-in-place", 1, 0);
}

/* The writer thread fails (the file size limit makes Xapian's writes fail
 * with EFBIG): a later call says so, and the handle still closes. */
static void test_queued_failure_is_reported(void **state)
{
    (void)state;
    char path[300];
    wm_store_t *w = open_fresh("queued-failure", path, sizeof path);
    wm_buf_t text = {0};
    for (int i = 0; i < 200; i++)
        append_printf(&text, "word%d and more text %d, ", i, i * 7);
    char *abstract = wm_buf_take(&text);
    test_limit_t limit = limit_file_size(256 * 1024);
    wm_store_status_t status = WM_STORE_OK;
    int failed_at = -1;
    for (int i = 0; i < 5000 && status == WM_STORE_OK; i++) {
        char id[32], title[64];
        snprintf(id, sizeof id, "wm:%d", i);
        snprintf(title, sizeof title, "Session number %d", i);
        status = wm_store_queue_session(w, make_session(id, 2020, title, "talk", NULL, "en", abstract));
        if (status == WM_STORE_OK && i % 100 == 99)
            status = wm_store_queue_commit(w);
        failed_at = i;
    }
    if (status == WM_STORE_OK)
        status = wm_store_commit(w);
    char *error = strdup(wm_store_last_error(w));
    lift_limit(&limit);
    free(abstract);
    assert_int_not_equal(status, WM_STORE_OK);
    assert_true(failed_at < 4999);   /* reported by a queue call, not only at the end */
    assert_non_null(strstr(error, path));
    assert_non_null(strstr(error, "File too large"));   /* the system's reason, not "damaged" */
    assert_null(strstr(error, "damaged"));
    free(error);
    /* Reported once: the handle goes on (and closes without crashing). */
    unsigned long count = 0;
    assert_int_equal(wm_store_count(w, &count), WM_STORE_OK);
    wm_store_close(w);
}


/* ---- text analysis (store/analysis.h) and the filter rule ---------------- */

static wm_session_t *analysis_session(const char *id, const char *language, const char *title,
                                      const char *abstract)
{
    wm_session_t *s = make_session(id, 2023, title, "talk", NULL, language, abstract);
    return s;
}

/* An index of sessions written the ways real programs write them. */
static wm_store_t *open_analysis_index(const char *name)
{
    char path[300];
    wm_store_t *w = open_fresh(name, path, sizeof path);
    wm_session_t *s = analysis_session("an:1", "en", "Mapping with friends", "Maps of the city.");
    assert_int_equal(wm_session_add_speaker(s, "Léa Martin", NULL, NULL, NULL), 0);
    put_and_free(w, s);
    s = analysis_session("an:2", "en", "Wikipedia in Vietnam", "Editing in Vietnamese.");
    assert_int_equal(wm_session_add_speaker(s, "Nguyễn Văn An", NULL, NULL, NULL), 0);
    put_and_free(w, s);
    s = analysis_session("an:3", "da", "Søren's Straße and Æsir", "From Đà Nẵng to Łódź.");
    assert_int_equal(wm_session_add_track(s, "Éducation"), 0);
    put_and_free(w, s);
    put_and_free(w, analysis_session("an:4", "fr", "L’information et l'intégrité", "Une bibliothèque nationale."));
    put_and_free(w, analysis_session("an:5", "en", "WikiWomen+ and C# meetup", "Meet the group."));
    put_and_free(w, analysis_session("an:6", "en", "Libraries in Africa", "Public libraries across the continent."));
    put_and_free(w, analysis_session("an:7", "en", "Africa's libraries", "Libraries of a continent."));
    put_and_free(w, analysis_session("an:8", "de", "Bibliotheken der Zukunft", "Öffentliche Bibliotheken."));
    put_and_free(w, analysis_session("an:9", "en", "National archives", "The archive of a nation."));
    put_and_free(w, analysis_session("an:10", "en", "dma_buf buffer sharing", "Zero copy between drivers."));
    s = analysis_session("an:12", "en", "Names written apart", "Decomposed text.");
    assert_int_equal(wm_session_add_speaker(s, "Zoe\xcc\x88 Lee", NULL, NULL, NULL), 0);   /* e + U+0308 */
    assert_int_equal(wm_session_add_speaker(s, "Йосип Коваль", NULL, NULL, NULL), 0);
    put_and_free(w, s);
    put_and_free(w, make_session("an:11", 2023, "Die Presse", "talk", "Zeitungen", "de", "Alte Ausgaben."));
    const char *tracks[][2] = {{"tr:1", "GLAM"}, {"tr:2", "GLAM, Heritage, and Culture"},
                               {"tr:3", "GLAM and Partnerships"}, {"tr:4", "Libraries"}};
    for (size_t i = 0; i < 4; i++)
        put_and_free(w, make_session(tracks[i][0], 2019 + (int)i, "Track session", "talk", tracks[i][1], "en", "Text."));
    assert_int_equal(wm_store_commit(w), WM_STORE_OK);
    return w;
}

static void test_folding_of_accents_and_letters(void **state)
{
    (void)state;
    wm_store_t *w = open_analysis_index("folding");
    assert_found_by_query(w, "speaker:lea", "an:1");
    assert_found_by_query(w, "speaker:LÉA", "an:1");
    assert_found_by_query(w, "speaker:\"lea martin\"", "an:1");
    assert_found_by_query(w, "speaker:nguyen", "an:2");
    assert_found_by_query(w, "speaker:\"nguyen van an\"", "an:2");
    assert_found_by_query(w, "nguyen", "an:2");
    assert_found_by_query(w, "strasse", "an:3");      /* ß */
    assert_found_by_query(w, "straße", "an:3");
    assert_found_by_query(w, "aesir", "an:3");        /* æ */
    assert_found_by_query(w, "soren", "an:3");        /* ø */
    assert_found_by_query(w, "\"da nang\"", "an:3");  /* đ, ẵ */
    assert_found_by_query(w, "lodz", "an:3");         /* ł, ó, ź */
    assert_found_by_query(w, "track:education", "an:3");
    assert_found_by_query(w, "track:ÉDUCATION", "an:3");
    assert_found_by_query(w, "speaker:zoe", "an:12");    /* a mark written apart (NFD) after a Latin letter */
    assert_found_by_query(w, "speaker:zoë", "an:12");
    assert_found_by_query(w, "speaker:йосип", "an:12");  /* other scripts keep their marks: й is no и */
    assert_found_by_query(w, "speaker:иосип", "");
    wm_session_t *shown = NULL;   /* the text is stored as written */
    assert_int_equal(wm_store_get_session(w, "an:3", &shown), WM_STORE_OK);
    assert_string_equal(shown->title, "Søren's Straße and Æsir");
    assert_string_equal(shown->tracks[0], "Éducation");
    wm_session_free(shown);
    assert_int_equal(wm_store_get_session(w, "an:2", &shown), WM_STORE_OK);
    assert_string_equal(shown->speakers[0].name, "Nguyễn Văn An");
    wm_session_free(shown);
    wm_store_close(w);
}

/* The one snippet of a query that finds one session (caller frees the result). */
static const char *only_snippet(wm_store_t *w, const char *query, size_t bytes, wm_search_result_t **result)
{
    wm_search_request_t request = {.query = query, .limit = 10, .snippet_bytes = bytes,
                                   .highlight_start = "[", .highlight_end = "]"};
    assert_int_equal(wm_store_search(w, &request, result), WM_STORE_OK);
    assert_int_equal((*result)->n_hits, 1);
    return (*result)->hits[0].snippet;
}

/* Snippets find the words as the index does: folded, elided, stemmed. */
static void test_snippets_highlight_folded_words(void **state)
{
    (void)state;
    wm_store_t *w = open_analysis_index("snippets");
    wm_search_result_t *result = NULL;
    assert_string_equal(only_snippet(w, "lodz", 200, &result), "From Đà Nẵng to [Łódź].");
    wm_search_result_free(result);
    assert_string_equal(only_snippet(w, "bibliotheque", 200, &result), "Une [bibliothèque] nationale.");
    wm_search_result_free(result);
    assert_string_equal(only_snippet(w, "nation", 200, &result), "The archive of a [nation].");
    wm_search_result_free(result);
    /* too long for the bytes: the passage with the match, cut with "..." */
    assert_string_equal(only_snippet(w, "nation", 12, &result), "...[nation].");
    wm_search_result_free(result);
    assert_string_equal(only_snippet(w, "archive", 12, &result), "The [archive]...");
    wm_search_result_free(result);
    wm_store_close(w);
}

static void test_elisions_and_suffixes(void **state)
{
    (void)state;
    wm_store_t *w = open_analysis_index("elisions");
    assert_found_by_query(w, "information", "an:4");
    assert_found_by_query(w, "integrite", "an:4");
    assert_found_by_query(w, "intégrité", "an:4");
    assert_found_by_query(w, "l'information", "an:4");
    assert_found_by_query(w, "l’information", "an:4");
    assert_found_by_query(w, "\"l'information et l’intégrité\"", "an:4");   /* phrases keep every word */
    assert_found_by_query(w, "wikiwomen", "an:5");
    assert_found_by_query(w, "WikiWomen+", "an:5");
    assert_found_by_query(w, "title:wikiwomen", "an:5");
    assert_found_by_query(w, "c#", "an:5");
    assert_found_by_query(w, "\"wikiwomen+ and c#\"", "an:5");
    assert_found_by_query(w, "\"africa's libraries\"", "an:7");   /* a possessive is no elision */
    assert_found_by_query(w, "\"africa s\"", "");
    wm_store_close(w);
}

/* Xapian reads dma_buf as one word; people type its parts. */
static void test_words_joined_by_underscores(void **state)
{
    (void)state;
    wm_store_t *w = open_analysis_index("underscores");
    assert_found_by_query(w, "dma buf", "an:10");
    assert_found_by_query(w, "dma_buf", "an:10");
    assert_found_by_query(w, "DMA_BUF sharing", "an:10");
    assert_found_by_query(w, "title:buf", "an:10");
    assert_found_by_query(w, "\"dma buf\"", "an:10");             /* the parts in order */
    assert_found_by_query(w, "\"dma_buf buffer\"", "an:10");      /* the word keeps its place */
    assert_found_by_query(w, "\"buf dma\"", "");
    wm_store_close(w);
}

/* Ranked ids of a query (the first 10). */
static void assert_ranked(wm_store_t *store, const char *query, const char *expected)
{
    wm_search_request_t request = {.query = query, .limit = 10};
    char *ids = search_request(store, &request, 0);
    if (strcmp(ids, expected) != 0)
        fail_msg("query '%s': ranked [%s], expected [%s]", query, ids, expected);
    free(ids);
}

/* Stopwords are not required, but a title having them comes first. */
static void test_stopwords_of_the_title_rank(void **state)
{
    (void)state;
#ifndef HAVE_STOPWORDS
    skip();
#endif
    char path[300];
    wm_store_t *w = open_fresh("stopword-rank", path, sizeof path);
    put_and_free(w, make_session("sr:1", 2020, "Get started", "talk", NULL, "en", "Get going."));
    put_and_free(w, make_session("sr:2", 2020, "What they were, how to get them", "talk", NULL, "en", "Replication."));
    put_and_free(w, make_session("sr:3", 2020, "Other things", "talk", NULL, "en", "They were here."));
    assert_int_equal(wm_store_commit(w), WM_STORE_OK);
    assert_ranked(w, "they were get", "sr:2 sr:1");
    assert_ranked(w, "get", "sr:1 sr:2");
    wm_store_close(w);
}

/* Length normalisation strong enough that a short session named by the
 * word comes before a long one that repeats it. */
static void test_short_sessions_named_by_the_word_rank_first(void **state)
{
    (void)state;
    char path[300];
    wm_store_t *w = open_fresh("length-rank", path, sizeof path);
    /* As DebConf23's program has them. */
    put_and_free(w, make_session("ln:1", 2023, "Debian Med BoF", "talk", "Debian Blends and Debian derived distributions", "en",
                        "This will be a BoF session for the members of Debian Med team to meet and discuss about "
                        "ongoing tasks and also future development work. The discussion will be preceded by a short "
                        "introduction to Debian Med and what the team does, for newcomers who want to join us."));
    put_and_free(w, make_session("ln:2", 2023, "Why Debian", "talk", "Introduction to Free Software & Debian", "en",
                        "A personal life history using Linux and Debian. Uma historia de vida usando Linux e Debian."));
    wm_buf_t text = {0};   /* the rest of a program: longer texts, as most are */
    for (int i = 0; i < 10; i++)
        append_printf(&text, "A paragraph about packages, policies, teams and tools number %d. ", i);
    char *abstract = wm_buf_take(&text);
    for (int i = 0; i < 8; i++) {
        char id[16];
        snprintf(id, sizeof id, "ln:f%d", i);
        put_and_free(w, make_session(id, 2023, "Packaging in practice", "talk", "Packaging", "en", abstract));
    }
    free(abstract);
    assert_int_equal(wm_store_commit(w), WM_STORE_OK);
    assert_ranked(w, "debian", "ln:2 ln:1");
    wm_store_close(w);
}

/* A word of the title weighs more than the same word in an abstract:
 * known-item searches type a few words of the title. */
static void test_title_words_rank_first(void **state)
{
    (void)state;
    char path[300];
    wm_store_t *w = open_fresh("title-weight", path, sizeof path);
    /* tw:1 is the shorter document: with the title's word counted once, it would come first. */
    put_and_free(w, make_session("tw:1", 2020, "Notes", "talk", NULL, "en", "Lighthouses and keepers."));
    put_and_free(w, make_session("tw:2", 2020, "Lighthouses", "talk", NULL, "en", "Keepers and their old towers."));
    assert_int_equal(wm_store_commit(w), WM_STORE_OK);
    wm_search_request_t request = {.query = "lighthouses", .limit = 10};
    char *ids = search_request(w, &request, 0);
    assert_string_equal(ids, "tw:2 tw:1");
    free(ids);
    wm_store_close(w);
}

static void test_stopwords_need_not_occur(void **state)
{
    (void)state;
#ifndef HAVE_STOPWORDS
    skip();
#endif
    wm_store_t *w = open_analysis_index("stopwords");
    assert_found_by_query(w, "libraries africa", "an:6 an:7");
    assert_found_by_query(w, "libraries in africa", "an:6 an:7");
    assert_found_by_query(w, "the libraries of africa", "an:6 an:7");
    assert_found_by_query(w, "\"libraries in africa\"", "an:6");   /* phrases keep every word */
    assert_found_by_query(w, "of", "an:1 an:7 an:9");                    /* a query of stopwords only */
    assert_found_by_query(w, "title:in", "an:2 an:6");
    assert_found_by_query(w, "la bibliothèque", "an:4");          /* French stopwords, a French query */
    assert_found_by_query(w, "\"et l'integrite\"", "an:4");
    wm_store_close(w);
}

static void test_stems_of_the_session_language(void **state)
{
    (void)state;
    wm_store_t *w = open_analysis_index("stemming");
    assert_found_by_query(w, "nationaux", "an:4");                /* French: nationale, nationaux */
    assert_found_by_query(w, "bibliothek", "an:8");               /* German: Bibliotheken */
    assert_found_by_query(w, "title:bibliothek", "an:8");
    assert_found_by_query(w, "bibliotheque", "an:4");
    assert_found_by_query(w, "nations", "an:9");                  /* English as before */
    assert_found_by_query(w, "archives", "an:9");
    assert_found_by_query(w, "\"bibliothek\"", "");               /* a phrase: the word as written */
    assert_found_by_query(w, "bibliotheken", "an:8");
    wm_store_close(w);
}

/* The parsed query of a search (Xapian's description); the caller frees it. */
static char *parsed_query(wm_store_t *store, const char *query)
{
    wm_search_request_t request = {.query = query, .limit = 10};
    wm_search_result_t *result = NULL;
    assert_int_equal(wm_store_search(store, &request, &result), WM_STORE_OK);
    char *parsed = strdup(result->parsed_query);
    wm_search_result_free(result);
    return parsed;
}

/* A session's own-language stem is written with its word's English stem
 * (schema 10), so a query leaves out the sessions its English stem finds
 * anyway: "bibliotheken" is one term (before: ORed with the German stem,
 * which Xapian stepped through for every match); "bibliothek" still adds
 * the German session's inflection. */
static void test_own_stems_only_where_english_misses(void **state)
{
    (void)state;
    wm_store_t *w = open_analysis_index("own-stems");
    char *parsed = parsed_query(w, "bibliotheken");
    assert_null(strstr(parsed, "0 *"));
    free(parsed);
    parsed = parsed_query(w, "bibliothek");
    assert_non_null(strstr(parsed, "Zbibliothek bibliotheken"));
    free(parsed);
    wm_store_close(w);
}

static void test_track_words_and_whole_tracks(void **state)
{
    (void)state;
    wm_store_t *w = open_analysis_index("tracks");
    assert_found_by_query(w, "track:glam", "tr:1 tr:2 tr:3");
    assert_found_by_query(w, "track:GLAM year:2019..2021", "tr:1 tr:2 tr:3");
    assert_found_by_query(w, "track:glam year:2020..2021", "tr:2 tr:3");
    assert_found_by_query(w, "track:\"GLAM, Heritage, and Culture\"", "tr:2");
    assert_found_by_query(w, "track:\"glam heritage and culture\"", "");   /* not the track's name */
    assert_found_by_query(w, "track:heritage", "tr:2");
    assert_found_by_query(w, "track:library", "tr:4");                    /* stemmed */
    assert_found_by_query(w, "track:\"glam\"", "tr:1");               /* quoted: the whole track */
    assert_found_by_query(w, "track:\"glam\" OR track:heritage", "tr:1 tr:2");
    assert_found_by_query(w, "track:zeitung", "an:11");   /* the session's language (de) stems it */
    assert_found_by_query(w, "track:zeitungen", "an:11");
    wm_search_request_t request = {.limit = 100, .track = "glam"};   /* an option: the whole track */
    assert_found(w, &request, "tr:1");
    request.track = "GLAM and Partnerships";
    assert_found(w, &request, "tr:3");
    wm_store_close(w);
}

static void test_one_rule_for_filters(void **state)
{
    (void)state;
    /* Query syntax: one field ORs, fields AND. */
    assert_query("year:2019 year:2014", "wm:1 wm:3");
    assert_query("track:\"community health\" track:glam", "wm:1 wm:2 wm:3");
    assert_query("track:\"community health\" track:glam year:2021", "wm:2");
    assert_query("type:talk type:panel lang:en", "wm:3 wm:5");
    /* Options: the same. */
    const char *years[] = {"2019", "2014", NULL}, *tracks[] = {"Community Health", "glam", NULL};
    wm_search_request_t request = {.limit = 100, .years = years};
    assert_request(&request, "wm:1 wm:3");
    request = (wm_search_request_t){.limit = 100, .year = "2019", .years = (const char *[]){"2014", NULL}};
    assert_request(&request, "wm:1 wm:3");
    request = (wm_search_request_t){.limit = 100, .tracks = tracks};
    assert_request(&request, "wm:1 wm:2 wm:3");
    request.years = (const char *[]){"2021", "2023", NULL};
    assert_request(&request, "wm:2");
    request = (wm_search_request_t){.limit = 100, .types = (const char *[]){"talk", "panel", NULL},
                                    .languages = (const char *[]){"en", NULL}};
    assert_request(&request, "wm:3 wm:5");
    request = (wm_search_request_t){.limit = 100, .speakers = (const char *[]){"alex", "jones", NULL}};
    assert_request(&request, "wm:1 wm:4");
}

/* ---- people (issue 10): one person across years -------------------------- */

static wm_session_t *people_session(const char *id, int year, const char *status, const char *track)
{
    wm_session_t *s = make_session(id, year, "Catalogues and people", "talk", track, "en", "Text.");
    assert_int_equal(wm_session_set(&s->status, status), 0);
    return s;
}

static void add_person(wm_session_t *s, const char *name, const char *username, const char *affiliation)
{
    wm_speaker_t sp = {.name = (char *)name, .username = (char *)username, .affiliation = (char *)affiliation};
    assert_int_equal(wm_session_add_person(s, &sp), 0);
}

/* Mara under three names, linked by a username and by a folded full name;
 * a lookalike name that no link joins; two other Maras. */
static wm_store_t *open_people_index(const char *name)
{
    char path[300];
    wm_store_t *w = open_fresh(name, path, sizeof path);
    wm_session_t *s = people_session("pp:1", 2014, NULL, "GLAM");
    add_person(s, "M. Lindqvist", "Quillfeather", NULL);
    put_and_free(w, s);
    s = people_session("pp:2", 2019, "accepted", "Libraries");
    add_person(s, "Mara Lindqvist", "Quillfeather", "WMSE");
    add_person(s, "Tunde Adeyemi", NULL, NULL);
    put_and_free(w, s);
    s = people_session("pp:3", 2023, NULL, "GLAM");
    add_person(s, "MARA LINDQVÎST", NULL, NULL);   /* the same name, folded: linked */
    put_and_free(w, s);
    s = people_session("pp:4", 2024, NULL, "Education");
    add_person(s, "Mara Lindqvist-Ortiz", "Quillfeather", NULL);
    put_and_free(w, s);
    s = people_session("pp:5", 2024, NULL, "GLAM");
    add_person(s, "M. Lindqvist-Berg", NULL, NULL);   /* no link: another person */
    put_and_free(w, s);
    s = people_session("pp:6", 2019, NULL, NULL);
    add_person(s, "Mara Okafor", "MaraO", NULL);
    put_and_free(w, s);
    s = people_session("pp:7", 2021, "rejected", NULL);
    add_person(s, "Mara Okafor", NULL, NULL);
    put_and_free(w, s);
    s = people_session("pp:8", 2023, NULL, NULL);
    add_person(s, "Léa Dubois", NULL, NULL);
    put_and_free(w, s);
    assert_int_equal(wm_store_commit(w), WM_STORE_OK);
    return w;
}

static void test_speaker_matches_every_form_of_a_person(void **state)
{
    (void)state;
    wm_store_t *w = open_people_index("people1");
    wm_search_request_t request = {.limit = 20};
    request.query = "speaker:quillfeather";
    assert_found(w, &request, "pp:1 pp:2 pp:3 pp:4");
    request.query = "speaker:\"m. lindqvist\"";   /* the short form reaches the long ones */
    assert_found(w, &request, "pp:1 pp:2 pp:3 pp:4 pp:5");   /* pp:5: its own phrase match */
    request.query = "speaker:lindqvist-ortiz";
    assert_found(w, &request, "pp:1 pp:2 pp:3 pp:4");
    request.query = "speaker:\"Mara Lindqvist\"";
    assert_found(w, &request, "pp:1 pp:2 pp:3 pp:4");
    request.query = "speaker:lindqvist-berg";   /* never joined by guesswork */
    assert_found(w, &request, "pp:5");
    request.query = "speaker:lea";                /* diacritics folded */
    assert_found(w, &request, "pp:8");
    request.query = NULL;
    request.speaker = "Quillfeather";             /* the option, the same */
    assert_found(w, &request, "pp:1 pp:2 pp:3 pp:4");
    wm_store_close(w);
}

static void test_speaker_facet_counts_people(void **state)
{
    (void)state;
    wm_store_t *w = open_people_index("people2");
    wm_search_request_t request = {.count_only = true, .facets = 1u << WM_FACET_SPEAKER};
    wm_search_result_t *result = NULL;
    assert_int_equal(wm_store_search(w, &request, &result), WM_STORE_OK);
    const wm_facet_counts_t *f = &result->facets[WM_FACET_SPEAKER];
    assert_int_equal(f->n_values, 5);   /* Mara L., M. Lindqvist-Berg, Mara Okafor, Léa, Tunde */
    assert_string_equal(f->values[0].value, "M. Lindqvist");   /* four sessions; ties by name */
    assert_int_equal(f->values[0].count, 4);
    assert_int_equal(f->values[0].n_names, 4);
    bool has_long = false;
    for (size_t i = 0; i < f->values[0].n_names; i++)
        has_long |= strcmp(f->values[0].names[i], "Mara Lindqvist-Ortiz") == 0;
    assert_true(has_long);
    for (size_t i = 1; i < f->n_values; i++) {
        assert_int_equal(f->values[i].count, 1);   /* Okafor's rejected session is hidden */
        assert_int_equal(f->values[i].n_names, 1);
    }
    wm_search_result_free(result);
    wm_store_close(w);
}

static void test_find_person(void **state)
{
    (void)state;
    wm_store_t *w = open_people_index("people3");
    wm_person_result_t *result = NULL;
    assert_int_equal(wm_store_find_person(w, "Lindqvist-Ortiz", NULL, &result), WM_STORE_OK);
    assert_int_equal(result->n_people, 1);
    const wm_person_t *p = &result->people[0];
    assert_int_equal(p->n_sessions, 4);
    const char *years[] = {"pp:1", "pp:2", "pp:3", "pp:4"};   /* oldest first */
    for (size_t i = 0; i < 4; i++)
        assert_string_equal(p->sessions[i]->id, years[i]);
    assert_int_equal(p->n_names, 4);
    assert_int_equal(p->n_usernames, 1);
    assert_string_equal(p->usernames[0], "Quillfeather");
    assert_int_equal(p->n_affiliations, 1);
    assert_string_equal(p->affiliations[0], "WMSE");
    assert_int_equal(p->n_co_speakers, 1);
    assert_string_equal(p->co_speakers[0], "Tunde Adeyemi");
    assert_string_equal(p->tracks[0], "GLAM");   /* two sessions */
    wm_person_result_free(result);

    /* "mara" fits two people; the candidates come back */
    assert_int_equal(wm_store_find_person(w, "mara", NULL, &result), WM_STORE_OK);
    assert_int_equal(result->n_people, 2);
    wm_person_result_free(result);
    /* a whole name picks one of them */
    assert_int_equal(wm_store_find_person(w, "mara okafor", NULL, &result), WM_STORE_OK);
    assert_int_equal(result->n_people, 1);
    assert_int_equal(result->people[0].n_sessions, 1);   /* the default status policy */
    wm_person_result_free(result);
    const char *any[] = {"any", NULL};
    wm_search_request_t request = {.statuses = any};
    assert_int_equal(wm_store_find_person(w, "MaraO", &request, &result), WM_STORE_OK);
    assert_int_equal(result->n_people, 1);
    assert_int_equal(result->people[0].n_sessions, 2);
    wm_person_result_free(result);
    assert_int_equal(wm_store_find_person(w, "nobody", NULL, &result), WM_STORE_OK);
    assert_int_equal(result->n_people, 0);
    wm_person_result_free(result);
    wm_store_close(w);
}

static void test_speaker_affiliation_and_raw_round_trip(void **state)
{
    (void)state;
    wm_store_t *w = open_people_index("people4");
    wm_session_t *s = make_session("pp:9", 2026, "Raw", "talk", NULL, "en", "Text.");
    wm_speaker_t sp = {.name = "Van Anh Dam", .username = "Van Anh Dam", .affiliation = "WMEU",
                       .raw = "User:Van Anh Dam (WMEU)", .code = "C1"};
    assert_int_equal(wm_session_add_person(s, &sp), 0);
    put_and_free(w, s);
    wm_session_t *got = NULL;
    assert_int_equal(wm_store_get_session(w, "pp:9", &got), WM_STORE_OK);
    assert_int_equal(got->n_speakers, 1);
    assert_string_equal(got->speakers[0].affiliation, "WMEU");
    assert_string_equal(got->speakers[0].raw, "User:Van Anh Dam (WMEU)");
    assert_string_equal(got->speakers[0].code, "C1");
    assert_null(got->speakers[0].biography);
    wm_session_free(got);
    wm_store_close(w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_free_text_stems_and_phrases),
        cmocka_unit_test(test_boolean_operators),
        cmocka_unit_test(test_track_type_lang_fields),
        cmocka_unit_test(test_speaker_field),
        cmocka_unit_test(test_year_field_and_ranges),
        cmocka_unit_test(test_request_filters),
        cmocka_unit_test(test_empty_query_matches_all),
        cmocka_unit_test(test_unbalanced_queries),
        cmocka_unit_test(test_scores),
        cmocka_unit_test(test_sort_orders),
        cmocka_unit_test(test_round_trip_of_every_field),
        cmocka_unit_test(test_replace_by_id),
        cmocka_unit_test(test_exact_totals_with_paging),
        cmocka_unit_test(test_facets_count_all_matches),
        cmocka_unit_test(test_facet_names),
        cmocka_unit_test(test_snippets_highlight_matches),
        cmocka_unit_test(test_get_session),
        cmocka_unit_test(test_similar_leaves_out_the_seed),
        cmocka_unit_test(test_spelling_suggestion),
        cmocka_unit_test(test_schema_mismatch),
        cmocka_unit_test(test_second_writer_is_locked),
        cmocka_unit_test(test_missing_index),
        cmocka_unit_test(test_reader_cannot_write),
        cmocka_unit_test(test_event_status_code_round_trip),
        cmocka_unit_test(test_event_field),
        cmocka_unit_test(test_speaker_code_is_searchable),
        cmocka_unit_test(test_default_status_policy),
        cmocka_unit_test(test_facet_names_for_event_and_status),
        cmocka_unit_test(test_source_identity),
        cmocka_unit_test(test_prune_keeps_the_newest_dated_dump),
        cmocka_unit_test(test_source_tallies_and_stats_per_year),
        cmocka_unit_test(test_rebuild_starts_empty),
        cmocka_unit_test(test_queued_puts_read_as_direct_puts),
        cmocka_unit_test(test_amendments_in_shards_and_in_place),
        cmocka_unit_test(test_queued_failure_is_reported),
        cmocka_unit_test(test_folding_of_accents_and_letters),
        cmocka_unit_test(test_snippets_highlight_folded_words),
        cmocka_unit_test(test_elisions_and_suffixes),
        cmocka_unit_test(test_words_joined_by_underscores),
        cmocka_unit_test(test_title_words_rank_first),
        cmocka_unit_test(test_stopwords_of_the_title_rank),
        cmocka_unit_test(test_short_sessions_named_by_the_word_rank_first),
        cmocka_unit_test(test_stopwords_need_not_occur),
        cmocka_unit_test(test_stems_of_the_session_language),
        cmocka_unit_test(test_own_stems_only_where_english_misses),
        cmocka_unit_test(test_track_words_and_whole_tracks),
        cmocka_unit_test(test_one_rule_for_filters),
        cmocka_unit_test(test_speaker_matches_every_form_of_a_person),
        cmocka_unit_test(test_speaker_facet_counts_people),
        cmocka_unit_test(test_find_person),
        cmocka_unit_test(test_speaker_affiliation_and_raw_round_trip),
    };
    return cmocka_run_group_tests_name("store", tests, group_setup, close_index);
}
