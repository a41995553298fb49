/* Unit tests for the option-table parser (cli/options.h): one table with an
 * option of every kind, read the way wmquery and wmindex use it, and the
 * messages of every usage error. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "cli/options.h"
#include "tests/unit/helpers.h"

enum { AUTO, ALWAYS, NEVER };
enum { QUIET = 1, VERBOSE = 2 };

/* What a program's options go into. */
typedef struct targets {
    bool count_only, help;
    int verbosity, color, format;
    const char *index;
    unsigned limit, every, jobs;
    wm_option_list_t tracks, statuses;
    unsigned facets;
} targets_t;

static const wm_option_keyword_t colors[] = {{"auto", AUTO}, {"always", ALWAYS}, {"never", NEVER}, {NULL, 0}};
static const wm_option_keyword_t formats[] = {{"text", 0}, {"json", 1}, {"csv", 2}, {NULL, 0}};
static const wm_option_keyword_t statuses[] = {{"accepted", 0}, {"rejected", 0}, {NULL, 0}};

/* "a,b": a bit per letter from a to h. */
static bool parse_letters(const char *value, void *target)
{
    unsigned bits = 0;
    for (const char *c = value; *c; c++)
        if (*c >= 'a' && *c <= 'h')
            bits |= 1u << (*c - 'a');
        else if (*c != ',')
            return false;
    *(unsigned *)target = bits;
    return bits != 0;
}

typedef struct run {
    targets_t t;
    wm_arguments_t args;
    wm_result_t rc;
} run_t;

/* Parse the NULL-terminated words after the program name with the test table. */
static run_t *parse(const char *first, ...)
{
    run_t *r = calloc(1, sizeof *r);
    assert_non_null(r);
    r->t.color = AUTO;
    targets_t *t = &r->t;
    const wm_option_t table[] = {
        {.name = "index", .letter = 'd', .string = &t->index},
        {.name = "track", .list = &t->tracks},
        {.name = "status", .list = &t->statuses, .keywords = statuses,
         .bad_value = "unknown --status '%s' (use accepted or rejected)"},
        {.name = "limit", .letter = 'n', .count = &t->limit},
        {.name = "every", .count = &t->every, .min_count = 1},
        {.name = "jobs", .letter = 'j', .count = &t->jobs, .min_count = 1, .max_count = 256},
        {.name = "count", .flag = &t->count_only},
        {.name = "color", .keyword = &t->color, .keywords = colors, .implied = "always"},
        {.name = "colour", .keyword = &t->color, .keywords = colors, .implied = "always"},
        {.name = "format", .letter = 'f', .keyword = &t->format, .keywords = formats},
        {.name = "facets", .parse = parse_letters, .target = &t->facets},
        {.name = "verbose", .letter = 'v', .choice = &t->verbosity, .value = VERBOSE},
        {.name = "quiet", .letter = 'q', .choice = &t->verbosity, .value = QUIET},
        {.name = "help", .letter = 'h', .flag = &t->help, .stop = true},
        {.name = NULL},
    };
    char *argv[32] = {"prog"};
    int argc = 1;
    va_list ap;
    va_start(ap, first);
    for (const char *word = first; word; word = va_arg(ap, const char *)) {
        assert_true(argc < 31);
        argv[argc++] = (char *)word;
    }
    va_end(ap);
    r->rc = wm_options_parse(table, argc, argv, &r->args);
    return r;
}

static void done(run_t *r)
{
    wm_arguments_free(&r->args);
    wm_option_list_free(&r->t.tracks);
    wm_option_list_free(&r->t.statuses);
    free(r);
}

/* The parse fails as a usage error with exactly this message. */
static void assert_refused(run_t *r, const char *message)
{
    assert_int_equal(r->rc, WM_ERR_MALFORMED);
    assert_non_null(r->args.error);
    assert_string_equal(r->args.error, message);
    done(r);
}

static void test_options_and_words_in_any_order(void **state)
{
    (void)state;
    run_t *r = parse("alpha", "-d", "/x", "--limit", "3", "beta", "--count", "--format=json", "--", "--limit",
                     "-n", NULL);
    assert_int_equal(r->rc, WM_OK);
    assert_string_equal(r->t.index, "/x");
    assert_int_equal(r->t.limit, 3);
    assert_true(r->t.count_only);
    assert_int_equal(r->t.format, 1);
    assert_int_equal(r->args.n_words, 4);
    assert_int_equal(r->args.n_before_dashes, 2);
    assert_string_equal(r->args.words[0], "alpha");
    assert_string_equal(r->args.words[1], "beta");
    assert_string_equal(r->args.words[2], "--limit");   /* after "--": words */
    assert_string_equal(r->args.words[3], "-n");
    assert_null(r->args.words[4]);
    assert_null(r->args.error);
    done(r);
}

static void test_words_without_dashes(void **state)
{
    (void)state;
    run_t *r = parse("-", "x", NULL);   /* "-" alone is a word */
    assert_int_equal(r->rc, WM_OK);
    assert_int_equal(r->args.n_words, 2);
    assert_int_equal(r->args.n_before_dashes, 2);
    assert_string_equal(r->args.words[0], "-");
    done(r);
    r = parse(NULL);
    assert_int_equal(r->rc, WM_OK);
    assert_int_equal(r->args.n_words, 0);
    assert_non_null(r->args.words);
    assert_null(r->args.words[0]);
    done(r);
}

static void test_short_options_group_and_join(void **state)
{
    (void)state;
    run_t *r = parse("-vq", "-n3", "-fcsv", "-d", "-x", NULL);
    assert_int_equal(r->rc, WM_OK);
    assert_int_equal(r->t.verbosity, QUIET);   /* the later one wins */
    assert_int_equal(r->t.limit, 3);
    assert_int_equal(r->t.format, 2);
    assert_string_equal(r->t.index, "-x");     /* a value may start with '-' */
    done(r);
    r = parse("-qv", "-n", "7", NULL);
    assert_int_equal(r->rc, WM_OK);
    assert_int_equal(r->t.verbosity, VERBOSE);
    assert_int_equal(r->t.limit, 7);
    done(r);
}

static void test_prefixes(void **state)
{
    (void)state;
    /* --col: --color and --colour are one option under two names */
    run_t *r = parse("--lim", "4", "--forma", "csv", "--col", "never", NULL);
    assert_int_equal(r->rc, WM_OK);
    assert_int_equal(r->t.limit, 4);
    assert_int_equal(r->t.format, 2);
    assert_int_equal(r->t.color, NEVER);
    done(r);
    assert_refused(parse("--co", "x", NULL), "option '--co' is ambiguous (--count, --color, --colour)");
    assert_refused(parse("--verb=1", NULL), "option '--verbose' takes no value");
}

static void test_unknown_options_and_the_nearest(void **state)
{
    (void)state;
    assert_refused(parse("--lmit", "3", NULL), "unknown option '--lmit'; did you mean '--limit'?");
    assert_refused(parse("--formt=json", NULL), "unknown option '--formt'; did you mean '--format'?");
    assert_refused(parse("--statsu", NULL), "unknown option '--statsu'; did you mean '--status'?");
    assert_refused(parse("--no-such-option", NULL), "unknown option '--no-such-option'");
    assert_refused(parse("--cuont", NULL), "unknown option '--cuont'; did you mean '--count'?");
    assert_refused(parse("--ab", NULL), "unknown option '--ab'");   /* too short to guess */
    assert_refused(parse("-y", NULL), "unknown option '-y'");
    assert_refused(parse("-vy", NULL), "unknown option '-y'");
    assert_refused(parse("--=3", NULL), "unknown option '--'");
}

static void test_missing_and_unwanted_values(void **state)
{
    (void)state;
    assert_refused(parse("x", "--limit", NULL), "option '--limit' needs a value");
    assert_refused(parse("x", "-n", NULL), "option '-n' needs a value");
    assert_refused(parse("--count=yes", NULL), "option '--count' takes no value");
}

static void test_counts(void **state)
{
    (void)state;
    assert_refused(parse("--limit", "many", NULL), "--limit needs a number, not 'many'");
    assert_refused(parse("--limit=-3", NULL), "--limit needs a number, not '-3'");
    assert_refused(parse("--limit", "", NULL), "--limit needs a number, not ''");
    assert_refused(parse("--every", "0", NULL), "--every needs a positive number, not '0'");
    assert_refused(parse("-j", "257", NULL), "--jobs needs a number from 1 to 256, not '257'");
    assert_refused(parse("-j0", NULL), "--jobs needs a number from 1 to 256, not '0'");
    run_t *r = parse("--limit", "0", "--every", "2147483647", "-j256", NULL);
    assert_int_equal(r->rc, WM_OK);
    assert_int_equal(r->t.jobs, 256);
    assert_int_equal(r->t.limit, 0);
    assert_int_equal(r->t.every, 2147483647u);
    done(r);

    unsigned n = 5;
    assert_false(wm_options_parse_count("2147483648", 0, &n));
    assert_false(wm_options_parse_count("99999999999999999999999", 0, &n));
    assert_false(wm_options_parse_count("+3", 0, &n));
    assert_false(wm_options_parse_count(" 3", 0, &n));
    assert_false(wm_options_parse_count("3x", 0, &n));
    assert_false(wm_options_parse_count(NULL, 0, &n));
    assert_int_equal(n, 5);   /* left alone */
    assert_true(wm_options_parse_count("012", 1, &n));
    assert_int_equal(n, 12);
}

static void test_keywords_and_implied_values(void **state)
{
    (void)state;
    run_t *r = parse("--color", NULL);
    assert_int_equal(r->rc, WM_OK);
    assert_int_equal(r->t.color, ALWAYS);
    done(r);
    r = parse("--color", "never", "wikidata", NULL);   /* a keyword after it is its value */
    assert_int_equal(r->t.color, NEVER);
    assert_int_equal(r->args.n_words, 1);
    assert_string_equal(r->args.words[0], "wikidata");
    done(r);
    r = parse("--colour", "wikidata", NULL);   /* another word is not */
    assert_int_equal(r->t.color, ALWAYS);
    assert_int_equal(r->args.n_words, 1);
    done(r);
    assert_refused(parse("--color=bogus", NULL), "unknown --color 'bogus' (use auto, always or never)");
    assert_refused(parse("--format", "xml", NULL), "unknown --format 'xml' (use text, json or csv)");
    assert_refused(parse("--format", "JSON", NULL), "unknown --format 'JSON' (use text, json or csv)");
    assert_string_equal(wm_options_keyword_name(colors, NEVER), "never");
    assert_null(wm_options_keyword_name(colors, 42));
}

static void test_lists_collect_every_value(void **state)
{
    (void)state;
    run_t *r = parse("--track", "GLAM", "--status", "Rejected", "--track=Education", "--status=accepted", NULL);
    assert_int_equal(r->rc, WM_OK);
    assert_int_equal(r->t.tracks.n, 2);
    assert_string_equal(r->t.tracks.items[0], "GLAM");
    assert_string_equal(r->t.tracks.items[1], "Education");
    assert_null(r->t.tracks.items[2]);
    assert_int_equal(r->t.statuses.n, 2);
    assert_string_equal(r->t.statuses.items[0], "Rejected");   /* any case, kept as typed */
    done(r);
    assert_refused(parse("--status", "maybe", NULL), "unknown --status 'maybe' (use accepted or rejected)");
}

static void test_the_programs_own_parser(void **state)
{
    (void)state;
    run_t *r = parse("--facets", "a,c", NULL);
    assert_int_equal(r->rc, WM_OK);
    assert_int_equal(r->t.facets, 5);
    done(r);
    assert_refused(parse("--facets", "a,z", NULL), "bad --facets 'a,z'");
}

static void test_stop_ends_the_reading(void **state)
{
    (void)state;
    run_t *r = parse("x", "--help", "--limit", "many", "y", NULL);
    assert_int_equal(r->rc, WM_STOPPED);
    assert_true(r->t.help);
    assert_int_equal(r->t.limit, 0);
    assert_null(r->args.error);
    done(r);
    r = parse("-vh", NULL);
    assert_int_equal(r->rc, WM_STOPPED);
    assert_int_equal(r->t.verbosity, VERBOSE);
    done(r);
    assert_refused(parse("--limit", "many", "--help", NULL), "--limit needs a number, not 'many'");
}

static void test_usage_error_lines(void **state)
{
    (void)state;
    char *lines = wm_options_usage_error("wmquery", "cannot list '%s'", "colours");
    assert_non_null(lines);
    assert_string_equal(lines, "wmquery: cannot list 'colours'\nTry 'wmquery --help' for more information.\n");
    free(lines);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_options_and_words_in_any_order),
        cmocka_unit_test(test_words_without_dashes),
        cmocka_unit_test(test_short_options_group_and_join),
        cmocka_unit_test(test_prefixes),
        cmocka_unit_test(test_unknown_options_and_the_nearest),
        cmocka_unit_test(test_missing_and_unwanted_values),
        cmocka_unit_test(test_counts),
        cmocka_unit_test(test_keywords_and_implied_values),
        cmocka_unit_test(test_lists_collect_every_value),
        cmocka_unit_test(test_the_programs_own_parser),
        cmocka_unit_test(test_stop_ends_the_reading),
        cmocka_unit_test(test_usage_error_lines),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
