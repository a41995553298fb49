/* Unit tests for "did you mean" (store/suggest.cc), through the store's C
 * API: plain words, title: words and the values of field filters (track:,
 * speaker:, event:, type:, lang:, status:) corrected from the index's own
 * data; only when a query finds fewer than suggest_below sessions, and only
 * to a query that finds more under the same filters and status policy. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "archive/session.h"
#include "common/util.h"
#include "store/store.h"
#include "tests/unit/helpers.h"

static wm_store_t *reader;

/* ---- fixtures --------------------------------------------------------- */

static wm_session_t *session(const char *id, const char *event, int year, const char *title, const char *type,
                             const char *track, const char *language, const char *speaker)
{
    wm_session_t *s = make_session(id, year, title, type, track, language,
                                   "Museums, archives and libraries share their collections.");
    assert_int_equal(wm_session_set(&s->event, event), 0);
    if (speaker)
        assert_int_equal(wm_session_add_speaker(s, speaker, NULL, NULL, NULL), 0);
    return s;
}

/* Three GLAM sessions and one in the rarer "Gloom" track (as close to
 * "glom" as GLAM is); FOSDEM's sessions were all rejected (hidden by the
 * default status policy) but one. */
static int group_setup(void **state)
{
    wm_store_t *w = scratch_index("index");
    put_and_free(w, session("wm:1", "Wikimania 2019", 2019, "Museums in the open", "workshop", "GLAM", "en",
                           "Mara Lindqvist"));
    put_and_free(w, session("wm:2", "Wikimania 2019", 2019, "Archives of the world", "workshop", "GLAM", "en",
                           "Mara Lindqvist"));
    put_and_free(w, session("wm:3", "Wikimania 2019", 2019, "Libraries together", "talk", "GLAM", "fr", "Alex Becker"));
    put_and_free(w, session("wm:4", "Wikimania 2019", 2019, "Gloomy weather data", "talk", "Gloom", "en",
                           "Mara Lindqvist-Ortiz"));
    put_and_free(w, session("wm:5", "Wikimania 2023", 2023, "Education for all", "panel", "Education", "es",
                           "Alex Becker"));
    /* "event" is a word of one title, "even" of three: a correct word must stay */
    put_and_free(w, session("cc:1", "31C3", 2014, "31C3 Closing Event", "talk", NULL, "en", "Herald Angel"));
    put_and_free(w, session("cc:2", "31C3", 2014, "Even faster crypto", "talk", NULL, "en", "Ann Crypto"));
    put_and_free(w, session("cc:3", "31C3", 2014, "Even more bots", "talk", NULL, "en", "Bo Bot"));
    put_and_free(w, session("cc:4", "31C3", 2014, "Even smaller wikis", "talk", NULL, "en", "Sam Small"));
    /* The spelling data holds folded words: "cafe", "societe" */
    put_and_free(w, session("fr:1", "Wikimania 2019", 2019, "Le Café des sociétés savantes", "talk", NULL, "fr", "Léa Martin"));
    wm_session_t *s = session("fo:1", "FOSDEM 2012", 2012, "Rejected museums talk", "talk", "Education", "en",
                              "Pat Person");
    assert_int_equal(wm_session_set(&s->status, "rejected"), 0);
    put_and_free(w, s);
    s = session("fo:2", "FOSDEM 2012", 2012, "Another rejected talk", "talk", NULL, "en", "Pat Person");
    assert_int_equal(wm_session_set(&s->status, "rejected"), 0);
    put_and_free(w, s);
    *state = reader = reopen_readonly(w, "index");   /* closed by close_index */
    return 0;
}

/* ---- helpers ---------------------------------------------------------- */

static unsigned long count_of(const wm_search_request_t *base, const char *query)
{
    wm_search_request_t request = *base;
    request.query = query;
    request.suggest_below = 0;
    request.count_only = true;
    wm_search_result_t *result = NULL;
    assert_int_equal(wm_store_search(reader, &request, &result), WM_STORE_OK);
    unsigned long total = result->total;
    wm_search_result_free(result);
    return total;
}

/* request (with query) suggests expected (NULL: nothing), which finds as
 * many sessions as searching for it does, and more than query did. */
static void assert_suggests_with(const wm_search_request_t *base, const char *query, const char *expected)
{
    wm_search_request_t request = *base;
    request.query = query;
    request.limit = 10;
    request.suggest_below = 3;
    wm_search_result_t *result = NULL;
    assert_int_equal(wm_store_search(reader, &request, &result), WM_STORE_OK);
    if (!expected) {
        if (result->suggestion)
            fail_msg("'%s': suggested '%s', expected nothing", query, result->suggestion);
    } else {
        if (!result->suggestion)
            fail_msg("'%s': no suggestion, expected '%s' (found %lu)", query, expected, result->total);
        if (strcmp(result->suggestion, expected) != 0)
            fail_msg("'%s': suggested '%s', expected '%s'", query, result->suggestion, expected);
        assert_int_equal(result->suggestion_total, count_of(base, expected));
        assert_true(result->suggestion_total > result->total);
    }
    wm_search_result_free(result);
}

static void assert_suggests(const char *query, const char *expected)
{
    wm_search_request_t request = {0};
    assert_suggests_with(&request, query, expected);
}

/* ---- tests -------------------------------------------------------------- */

static void test_plain_and_title_words(void **state)
{
    (void)state;
    assert_suggests("musuems", "museums");
    /* Only the misspelt word changes: "event" has postings of its own. */
    assert_suggests("cloing event", "closing event");
    assert_suggests("31C3 cloing event", "31C3 closing event");
    assert_suggests("title:libraires", "title:libraries");   /* Xapian 1.4 leaves prefixed words alone */
}

/* A correction is written as the sessions write the word, not folded. */
static void test_corrections_as_written(void **state)
{
    (void)state;
    assert_suggests("cafr", "café");
    assert_suggests("Café socites", "Café sociétés");
    assert_suggests("title:socites", "title:sociétés");
    assert_suggests("\"le cafr\"", "\"le café\"");
    assert_suggests("musuems", "museums");   /* a word written without accents stays so */
}

static void test_track(void **state)
{
    (void)state;
    assert_suggests("track:glma", "track:glam");
    assert_suggests("track:GLMA", "track:glam");      /* any case, as track: itself */
    assert_suggests("track:educaton", "track:education");
    assert_suggests("track:glom", "track:glam");      /* as close as "gloom": the more frequent */
}

static void test_speaker(void **state)
{
    (void)state;
    assert_suggests("speaker:lindqvsit", "speaker:lindqvist");          /* a word of a name */
    assert_suggests("speaker:\"mara lindqvsit\"", "speaker:\"mara lindqvist\"");   /* the whole name */
    assert_suggests("speaker:\"alex beker\"", "speaker:\"alex becker\"");
}

static void test_event(void **state)
{
    (void)state;
    assert_suggests("event:wikimana", "event:wikimania");              /* a word: XE, not XEVENT */
    assert_suggests("event:\"wikimania 2091\"", "event:\"wikimania 2019\"");
    /* FOSDEM's sessions are hidden by the default status policy, so its
     * name finds nothing more; unless the request asks for any status. */
    assert_suggests("event:fosdme", NULL);
    const char *any[] = {"any", NULL};
    wm_search_request_t request = {.statuses = any};
    assert_suggests_with(&request, "event:fosdme", "event:fosdem");
}

static void test_type_lang_status(void **state)
{
    (void)state;
    assert_suggests("type:wrokshop", "type:workshop");
    assert_suggests("type:tlak", "type:talk");
    assert_suggests("lang:ne", "lang:en");
    assert_suggests("status:rejectd", "status:rejected");   /* naming a status turns the policy off */
    assert_suggests("year:2091", NULL);                     /* numbers are not corrected */
}

static void test_several_words_and_fields(void **state)
{
    (void)state;
    assert_suggests("musuems track:glma speaker:lindqvsit", "museums track:glam speaker:lindqvist");
    assert_suggests("track:glam speaker:lindqvsit", "track:glam speaker:lindqvist");   /* only the wrong one */
    assert_suggests("(track:glma OR track:educaton) archives", "(track:glam OR track:education) archives");
    assert_suggests("type:wrokshop lang:en \"museums in\"", "type:workshop lang:en \"museums in\"");
    /* A word inside a phrase is no field. */
    assert_suggests("\"track:glma\" wikimedia", NULL);
}

static void test_filters_and_what_finds_enough(void **state)
{
    (void)state;
    /* The request's filters apply to the correction: no GLAM session in 2023. */
    wm_search_request_t request = {.year = "2023"};
    assert_suggests_with(&request, "track:glma", NULL);
    request.year = "2019";
    assert_suggests_with(&request, "track:glma", "track:glam");
    /* A correction that finds no more is none. */
    assert_suggests("track:glma speaker:nobody", NULL);
    /* Enough found: nothing is looked for, even with a word that could be corrected. */
    wm_search_request_t enough = {.query = "museums OR track:glma", .limit = 10, .suggest_below = 3};
    wm_search_result_t *result = NULL;
    assert_int_equal(wm_store_search(reader, &enough, &result), WM_STORE_OK);
    assert_true(result->total >= 3);
    assert_null(result->suggestion);
    wm_search_result_free(result);
    /* Fewer than asked for, but every word is right: nothing to suggest. */
    assert_suggests("track:gloom", NULL);
    assert_suggests("speaker:lindqvist track:glam", NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain_and_title_words),
        cmocka_unit_test(test_corrections_as_written),
        cmocka_unit_test(test_track),
        cmocka_unit_test(test_speaker),
        cmocka_unit_test(test_event),
        cmocka_unit_test(test_type_lang_status),
        cmocka_unit_test(test_several_words_and_fields),
        cmocka_unit_test(test_filters_and_what_finds_enough),
    };
    return cmocka_run_group_tests(tests, group_setup, close_index);
}
