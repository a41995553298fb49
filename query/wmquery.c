/* wmquery: search the wmsearch index and print what it finds: results of a
 * query, one session in full (show), the values of a field with counts
 * (list) or sessions like a given one (similar); as text for people (colour
 * and a pager on a terminal, plain in a pipe) or json, jsonl, csv or ids for
 * scripts (doc/json-format.md).
 *
 * Wiring only, in notmuch's way: a declarative option table, a table of
 * commands, and one printer interface (printer.h) with an implementation per
 * --format; terminal.h decides colour, width and the pager.  Exit status: 0
 * something matched, 1 nothing matched (or no such session, or the output
 * could not be written), 2 usage or
 * query syntax error, 3 the index is missing or unreadable, 4 several
 * people fit the name given to person. */
#include "config.h"

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <errno.h>
#include <string.h>

#include "cli/options.h"
#include "common/util.h"
#include "query/printer.h"
#include "query/terminal.h"
#include "common/paths.h"
#include "store/store.h"
#include "wm_version.h"

enum { EXIT_NO_MATCH = 1, EXIT_USAGE = 2, EXIT_INDEX = 3, EXIT_SEVERAL_PEOPLE = 4 };
enum { SNIPPET_BYTES = 200, SUGGEST_BELOW = 3 };

#define MATCH "\033[1;31m"
#define RESET "\033[0m"

typedef struct command command_t;

typedef struct options {
    /* from the command line */
    wm_option_list_t indexes;      /* -d: the indexes (directories or stub files) searched as one */
    const command_t *command;
    wm_search_request_t request;
    wm_option_list_t tracks;       /* --track: request.tracks (one rule for every filter: */
    wm_option_list_t speakers;     /* --speaker: request.speakers   the values of one option */
    wm_option_list_t years;        /* --year: request.years         are ORed, different */
    wm_option_list_t types;        /* --type: request.types         options ANDed) */
    wm_option_list_t languages;    /* --lang: request.languages */
    wm_option_list_t events;       /* --event: request.events */
    wm_option_list_t statuses;     /* --status: request.statuses */
    int sort;                   /* a wm_sort_t or SORT_LIST_*; SORT_UNSET until --sort is given */
    int format;                 /* into printers */
    int color_mode;             /* a wm_color_mode_t */
    bool no_pager;
    bool explain;
    bool exact;                 /* --exact: never show a corrected query's results */
    bool help, version;
    wm_arguments_t arguments;   /* the words that are not options */
    char **words;               /* the command's words: into arguments.words */
    int n_words;
    char *query;                /* the query words joined by spaces (owned) */
    const char *id;             /* similar: the seed session */
    wm_facet_t list_facet;      /* list: what to list */
    size_t list_offset;         /* list: the values to skip (--offset) */
    size_t list_limit;          /* list: at most this many values (--limit; LIMIT_UNSET: all) */
    /* decided before running, from the options and the terminal */
    const wm_printer_t *printer;
    wm_print_context_t context;
    bool page;                  /* start the pager before printing */
    wm_pager_t pager;
} options_t;

/* A command: the words it takes after its name, and what it does. */
struct command {
    const char *name;
    int (*take_words)(options_t *opt);   /* 0, or EXIT_USAGE (after saying why) */
    int (*run)(options_t *opt, wm_store_t *store);   /* the exit status */
};

/* The search orders (wm_sort_t), then list's. */
enum { SORT_LIST_COUNT = WM_SORT_TITLE + 1, SORT_LIST_NAME, SORT_UNSET = -1, LIMIT_UNSET = UINT_MAX };
static const wm_option_keyword_t sort_keywords[] = {
    {"relevance", WM_SORT_RELEVANCE}, {"newest", WM_SORT_NEWEST}, {"oldest", WM_SORT_OLDEST},
    {"title", WM_SORT_TITLE}, {"count", SORT_LIST_COUNT}, {"name", SORT_LIST_NAME}, {NULL, 0}};
static const wm_option_keyword_t color_keywords[] = {
    {"auto", WM_COLOR_AUTO}, {"always", WM_COLOR_ALWAYS}, {"never", WM_COLOR_NEVER}, {NULL, 0}};
/* --format: the index into printers */
static const wm_option_keyword_t format_keywords[] = {
    {"text", 0}, {"json", 1}, {"jsonl", 2}, {"csv", 3}, {"ids", 4}, {NULL, 0}};
static const wm_printer_t *const printers[] = {&wm_printer_text, &wm_printer_json, &wm_printer_jsonl,
                                               &wm_printer_csv, &wm_printer_ids};

static const char usage_text[] =
    "Usage: wmquery [options] QUERY...           search\n"
    "       wmquery [options] show ID...         print sessions in full\n"
    "       wmquery [options] list FIELD [QUERY] tracks, speakers, years, types,\n"
    "                                            languages, events or statuses,\n"
    "                                            with counts (-n, --sort count|name)\n"
    "       wmquery [options] similar ID [QUERY] sessions like session ID\n"
    "       wmquery [options] person NAME        every session of one person, the\n"
    "                                            names, usernames and co-speakers\n"
    "QUERY: words (stemmed), \"phrases\", AND OR NOT, -word, word*, and fields\n"
    "track: speaker: year: type: lang: title: event: status: id:\n"
    "(year:2019..2023, event:\"wikimania 2019\", status:rejected).  To search\n"
    "for the word show, list or similar: wmquery -- show, or wmquery search show.\n"
    "Proposals that did not take place (submitted, rejected, withdrawn, canceled)\n"
    "are left out unless the query names a status or --status is given.\n"
    "\n"
    "  -d, --index DIR|STUB  index directory or stub file (repeat: one search over\n"
    "                        all; default: $WMSEARCH_INDEX, else\n"
    "                        $XDG_DATA_HOME/wmsearch/index)\n"
    "      --track T, --speaker S, --year Y|Y1..Y2, --type T, --lang L\n"
    "                        only sessions with that value (repeat: any of them;\n"
    "                        different fields: all of them)\n"
    "      --event E         only sessions of that event (repeat: any of them)\n"
    "      --status S        only sessions of that status (repeat: any of them);\n"
    "                        --status any: every session, whatever its status\n"
    "  -n, --limit N         show at most N results (default 10; list: all)\n"
    "      --offset N        skip the first N results\n"
    "      --sort ORDER      relevance (default), newest, oldest or title;\n"
    "                        list: name (default) or count\n"
    "      --count           print only the number of matching sessions\n"
    "      --facets LIST     count values of track,year,type,language,speaker,\n"
    "                        event,status among all matches\n"
    "  -f, --format FORMAT   text (default), json, jsonl, csv or ids\n"
    "      --color[=WHEN]    auto (default: on a terminal, unless NO_COLOR is\n"
    "                        set), always or never (also spelt --colour)\n"
    "      --no-pager        do not page text output on a terminal ($PAGER)\n"
    "      --exact           when the query finds nothing, do not show the results\n"
    "                        of its spelling correction (only offer it)\n"
    "      --explain         print the parsed Xapian query on stderr\n"
    "  -h, --help            show this help\n"
    "  -V, --version         show the version\n"
    "\n"
    "Exit status: 0 something matched, 1 nothing matched, 2 usage or query error,\n"
    "3 index missing or unreadable, 4 (person) several people fit NAME.\n"
    "See wmquery(1).  Bash completion: " WM_BASHCOMPLETIONDIR "/wmquery\n";

/* ---- small helpers ----------------------------------------------------- */

/* Print the lines of a usage error (wm_options_usage_error's; NULL when
 * out of memory, which is then said instead); EXIT_USAGE. */
static int print_usage_error(char *lines)
{
    fputs(lines ? lines : "wmquery: out of memory\n", stderr);
    free(lines);
    return EXIT_USAGE;
}

/* usage_error(format, ...): say a usage error as every wmsearch program
 * does ("wmquery: MESSAGE" and the --help hint); EXIT_USAGE. */
#define usage_error(...) print_usage_error(wm_options_usage_error("wmquery", __VA_ARGS__))

/* --facets "track,year": the request's facet bits (added to *target). */
static bool parse_facets(const char *text, void *target)
{
    unsigned *facets = target;
    char *copy = strdup(text), *save = NULL;
    bool ok = copy != NULL;
    for (char *name = copy ? strtok_r(copy, ", ", &save) : NULL; ok && name; name = strtok_r(NULL, ", ", &save)) {
        wm_facet_t facet;
        ok = wm_facet_from_name(name, &facet);
        if (ok)
            *facets |= 1u << facet;
    }
    free(copy);
    return ok && *facets;
}

/* The words sessions store (archive/session.h), "any", and the British spelling. */
static const wm_option_keyword_t status_keywords[] = {
    {WM_STATUS_ACCEPTED, 0}, {WM_STATUS_CONFIRMED, 0}, {WM_STATUS_SUBMITTED, 0}, {WM_STATUS_REJECTED, 0},
    {WM_STATUS_WITHDRAWN, 0}, {WM_STATUS_CANCELED, 0}, {"cancelled", 0}, {"any", 0}, {NULL, 0}};

/* ---- the command line ----------------------------------------------------- */

static int run_search(options_t *opt, wm_store_t *store);
static int run_show(options_t *opt, wm_store_t *store);
static int run_list(options_t *opt, wm_store_t *store);
static int take_query(options_t *opt);
static int take_ids(options_t *opt);
static int take_field(options_t *opt);
static int take_seed(options_t *opt);
static int take_person(options_t *opt);
static int run_person(options_t *opt, wm_store_t *store);

static const command_t commands[] = {
    {"search", take_query, run_search},
    {"show", take_ids, run_show},
    {"list", take_field, run_list},
    {"similar", take_seed, run_search},
    {"person", take_person, run_person},
};

static const command_t *find_command(const char *name)
{
    for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
        if (strcmp(name, commands[i].name) == 0)
            return &commands[i];
    return NULL;
}

/* A word that is not an option: the command's name when it is the first
 * word and comes before "--". */
static void take_command(options_t *opt)
{
    const command_t *command = opt->arguments.n_before_dashes ? find_command(opt->words[0]) : NULL;
    if (command) {
        opt->command = command;
        opt->words++, opt->n_words--;
    }
}

/* Options anywhere (the table, in notmuch's way); the other words in order.
 * Return -1 to exit 0 (help, version), EXIT_USAGE on error, 0 to go on. */
static int scan_arguments(int argc, char **argv, options_t *opt)
{
    const wm_option_t options[] = {
        {.name = "index", .letter = 'd', .list = &opt->indexes},
        {.name = "track", .list = &opt->tracks},
        {.name = "speaker", .list = &opt->speakers},
        {.name = "year", .list = &opt->years},
        {.name = "type", .list = &opt->types},
        {.name = "lang", .list = &opt->languages},
        {.name = "event", .list = &opt->events},
        {.name = "status", .list = &opt->statuses, .keywords = status_keywords,
         .bad_value = "unknown --status '%s' (use accepted, confirmed, submitted, rejected, withdrawn, "
                      "canceled or any)"},
        {.name = "limit", .letter = 'n', .count = &opt->request.limit},
        {.name = "offset", .count = &opt->request.offset},
        {.name = "sort", .keyword = &opt->sort, .keywords = sort_keywords,
         .bad_value = "unknown --sort '%s' (use relevance, newest, oldest or title; for list, count or name)"},
        {.name = "count", .flag = &opt->request.count_only},
        {.name = "facets", .parse = parse_facets, .target = &opt->request.facets,
         .bad_value = "bad --facets '%s' (use track,year,type,language,speaker,event,status)"},
        {.name = "format", .letter = 'f', .keyword = &opt->format, .keywords = format_keywords},
        {.name = "color", .keyword = &opt->color_mode, .keywords = color_keywords, .implied = "always"},
        {.name = "colour", .keyword = &opt->color_mode, .keywords = color_keywords, .implied = "always"},
        {.name = "no-pager", .flag = &opt->no_pager},
        {.name = "explain", .flag = &opt->explain},
        {.name = "exact", .flag = &opt->exact},
        {.name = "help", .letter = 'h', .flag = &opt->help, .stop = true},
        {.name = "version", .letter = 'V', .flag = &opt->version, .stop = true},
        {.name = NULL},
    };
    wm_result_t rc = wm_options_parse(options, argc, argv, &opt->arguments);
    if (rc < WM_OK)
        return usage_error("%s", opt->arguments.error ? opt->arguments.error : "out of memory");
    if (opt->help)
        fputs(usage_text, stdout);
    else if (opt->version)
        printf("wmquery (%s) %s\n", PACKAGE_NAME, WM_VERSION);
    if (rc == WM_STOPPED)
        return -1;
    opt->words = opt->arguments.words;
    opt->n_words = opt->arguments.n_words;
    take_command(opt);
    return 0;
}

/* The words left are the query, joined by spaces. */
static int take_rest_as_query(options_t *opt)
{
    wm_buf_t buf = {0};
    for (int i = 0; i < opt->n_words; i++)
        if ((i && wm_buf_append_char(&buf, ' ') < 0) || wm_buf_append_str(&buf, opt->words[i]) < 0) {
            wm_buf_free(&buf);
            return usage_error("out of memory");
        }
    opt->query = wm_buf_take(&buf);
    if (!opt->query)
        return usage_error("out of memory");
    opt->request.query = opt->query;
    return 0;
}

static int take_query(options_t *opt)
{
    const wm_search_request_t *req = &opt->request;
    if (opt->n_words || req->tracks || req->speakers || req->years || req->types || req->languages ||
        opt->events.n || opt->statuses.n)
        return take_rest_as_query(opt);
    fputs("wmquery: no query given (try 'wmquery libraries', or 'wmquery --help' for more)\n", stderr);
    return EXIT_USAGE;
}

static int take_ids(options_t *opt)
{
    return opt->n_words ? 0 : usage_error("show needs a session id (see --format ids)");
}

static int take_field(options_t *opt)
{
    if (!opt->n_words)
        return usage_error("list needs one of tracks, speakers, years, types, languages, events, statuses");
    if (!wm_facet_from_name(opt->words[0], &opt->list_facet))
        return usage_error("cannot list '%s' (use tracks, speakers, years, types, languages, events or statuses)",
                           opt->words[0]);
    opt->words++, opt->n_words--;
    return take_rest_as_query(opt);
}

static int take_seed(options_t *opt)
{
    if (!opt->n_words)
        return usage_error("similar needs a session id (see --format ids)");
    opt->id = opt->words[0];
    opt->words++, opt->n_words--;
    return take_rest_as_query(opt);
}

/* person NAME...: the words are one name or username. */
static int take_person(options_t *opt)
{
    if (!opt->n_words)
        return usage_error("person needs a name or username (see 'wmquery list speakers')");
    return take_rest_as_query(opt);
}

static const char *sort_name(int sort)
{
    return wm_options_keyword_name(sort_keywords, sort);
}

/* list sorts by name or count; the other commands by relevance, year or title. */
static int check_sort(options_t *opt)
{
    bool list = opt->command->run == run_list;
    if (opt->sort == SORT_UNSET)
        opt->sort = list ? SORT_LIST_NAME : WM_SORT_RELEVANCE;
    else if (list && opt->sort < SORT_LIST_COUNT)
        return usage_error("list sorts by name or count, not '%s'", sort_name(opt->sort));
    else if (!list && opt->sort >= SORT_LIST_COUNT)
        return usage_error("--sort %s is for list (use relevance, newest, oldest or title)",
                           sort_name(opt->sort));
    return 0;
}

/* Parse argv; return -1 to exit 0 (help, version), EXIT_USAGE on error, 0 to run. */
static int parse_options(int argc, char **argv, options_t *opt)
{
    opt->command = &commands[0];
    opt->request.limit = LIMIT_UNSET;
    opt->sort = SORT_UNSET;
    int rc = scan_arguments(argc, argv, opt);
    if (rc)
        return rc;
    if ((rc = check_sort(opt)) != 0)
        return rc;
    if (opt->request.limit == LIMIT_UNSET && opt->command->run != run_list)
        opt->request.limit = 10;
    /* list's orders (count, name) are wmquery's own: the store ranks its search as usual */
    opt->request.sort = opt->sort < SORT_LIST_COUNT ? (wm_sort_t)opt->sort : WM_SORT_RELEVANCE;
    opt->request.tracks = opt->tracks.items;
    opt->request.speakers = opt->speakers.items;
    opt->request.years = opt->years.items;
    opt->request.types = opt->types.items;
    opt->request.languages = opt->languages.items;
    opt->request.events = opt->events.items;
    opt->request.statuses = opt->statuses.items;
    return opt->command->take_words(opt);
}

/* ---- running the commands ------------------------------------------------- */

/* Map a store failure to the exit status and message the user sees. */
static int report_store_error(wm_store_status_t status, const char *message)
{
    fprintf(stderr, "wmquery: %s\n", message && *message ? message : wm_store_status_to_string(status));
    return status == WM_STORE_QUERY_SYNTAX ? EXIT_USAGE : EXIT_INDEX;
}

/* After the index is open, a missing session (show, similar) means "nothing matched". */
static int lookup_failed(wm_store_status_t status, wm_store_t *store)
{
    int rc = report_store_error(status, wm_store_last_error(store));
    return status == WM_STORE_NOT_FOUND ? EXIT_NO_MATCH : rc;
}

static int output_failed(void)
{
    fputs("wmquery: out of memory while formatting results\n", stderr);
    return EXIT_INDEX;
}

/* What went to stdout must have got there: false, after saying so, when it
 * could not be written (a full disk, /dev/full).  Exit status 1 then, as
 * wmindex's: before, wmquery > /dev/full exited 0. */
static bool output_written(void)
{
    if (fflush(stdout) == 0 && !ferror(stdout))
        return true;
    fprintf(stderr, "wmquery: cannot write the output: %s\n", strerror(errno));
    return false;
}

/* Called once there is something to print, so that an error never opens the pager. */
static void begin_output(options_t *opt)
{
    if (opt->page && opt->pager.pid < 0)
        wm_pager_start(&opt->pager);
}

typedef int (*print_result_fn)(options_t *opt, wm_search_result_t *result);
static int print_results(options_t *opt, wm_search_result_t *result);

/* "Did you mean" where the output has no place for it (jsonl, csv, ids,
 * --count, list): one line on stderr, so that stdout stays data. */
static void suggestion_to_stderr(const options_t *opt, print_result_fn print, const wm_search_result_t *result)
{
    if (result->suggestion && (print != print_results || opt->request.count_only || !opt->printer->suggestion))
        wm_print_suggestion(stderr, "wmquery: did you mean: ", result);
}

/* A search that found nothing while its spelling correction finds sessions
 * shows the correction's results instead (unless --exact), and says so:
 * the printers through context.corrected_query, else a line on stderr.
 * *result is replaced when it does; a failed second search keeps it. */
static void show_correction(options_t *opt, wm_store_t *store, print_result_fn print,
                            wm_search_result_t **result, char **corrected)
{
    wm_search_result_t *first = *result, *second = NULL;
    if (opt->exact || opt->id || print != print_results || first->total || !first->suggestion)
        return;
    wm_search_request_t request = opt->request;
    request.query = first->suggestion;
    request.suggest_below = 0;
    if (wm_store_search(store, &request, &second) != WM_STORE_OK || !second->total ||
        !(*corrected = strdup(first->suggestion))) {
        wm_search_result_free(second);
        return;
    }
    wm_search_result_free(first);
    *result = second;
    opt->context.corrected_query = *corrected;
    if (opt->request.count_only || !opt->printer->suggestion)
        fprintf(stderr, "wmquery: no session matches %s; showing results for: %s\n",
                opt->context.query, *corrected);
}

/* Run the request (sessions like opt->id, when set) and print its result. */
static int search_and_print(options_t *opt, wm_store_t *store, print_result_fn print)
{
    wm_search_result_t *result = NULL;
    char *corrected = NULL;
    wm_store_status_t status = opt->id ? wm_store_similar(store, opt->id, &opt->request, &result)
                                       : wm_store_search(store, &opt->request, &result);
    if (status != WM_STORE_OK)
        return lookup_failed(status, store);
    show_correction(opt, store, print, &result, &corrected);
    if (opt->explain && result->parsed_query)
        fprintf(stderr, "wmquery: query: %s\n", result->parsed_query);
    suggestion_to_stderr(opt, print, result);
    begin_output(opt);
    int rc = print(opt, result);
    unsigned long total = result->total;
    wm_search_result_free(result);
    opt->context.corrected_query = NULL;
    free(corrected);
    if (rc < 0)
        return output_failed();
    return total ? EXIT_SUCCESS : EXIT_NO_MATCH;
}

static int print_results(options_t *opt, wm_search_result_t *result)
{
    if (!opt->request.count_only)
        return opt->printer->results(&opt->context, result);
    printf("%lu\n", result->total);
    return 0;
}

/* search and similar */
static int run_search(options_t *opt, wm_store_t *store)
{
    wm_search_request_t *req = &opt->request;
    req->suggest_below = SUGGEST_BELOW;
    req->estimate_total = opt->printer->for_people;   /* "of at least N": exact for json, csv, --count */
    if (opt->printer->snippets)
        req->snippet_bytes = SNIPPET_BYTES;
    if (opt->context.color) {
        req->highlight_start = MATCH;
        req->highlight_end = RESET;
    }
    return search_and_print(opt, store, print_results);
}

static int compare_values(const void *a, const void *b)
{
    return strcmp(((const wm_facet_value_t *)a)->value, ((const wm_facet_value_t *)b)->value);
}

/* The values in the order asked (the store gives them most frequent first),
 * then the page --offset and --limit cut out of them. */
static int print_values(options_t *opt, wm_search_result_t *result)
{
    wm_facet_counts_t facet = result->facets[opt->list_facet];
    if (facet.n_values && opt->sort == SORT_LIST_NAME)   /* no values: NULL, which qsort may not be given */
        qsort(facet.values, facet.n_values, sizeof *facet.values, compare_values);   /* browsing order */
    opt->context.values_total = facet.n_values;
    size_t skip = opt->list_offset < facet.n_values ? opt->list_offset : facet.n_values;
    if (skip)   /* values may be NULL: no arithmetic on it */
        facet.values += skip;   /* a view: the result still owns (and frees) every value */
    facet.n_values -= skip;
    if (opt->list_limit < facet.n_values)
        facet.n_values = opt->list_limit;
    return opt->printer->values(&opt->context, opt->list_facet, &facet, result->total);
}

static int run_list(options_t *opt, wm_store_t *store)
{
    opt->list_offset = opt->request.offset;
    opt->list_limit = opt->request.limit;   /* LIMIT_UNSET: all */
    opt->request.offset = 0;
    opt->request.suggest_below = SUGGEST_BELOW;
    opt->request.count_only = true;
    opt->request.facets = 1u << opt->list_facet;
    return search_and_print(opt, store, print_values);
}

/* Each id's session; an id that no session has is said on stderr (and by the
 * json printer in its document, so that jq always gets one), exit status 1. */
static int run_show(options_t *opt, wm_store_t *store)
{
    wm_session_t **sessions = calloc((size_t)opt->n_words, sizeof *sessions);
    const char **missing = calloc((size_t)opt->n_words, sizeof *missing);
    size_t n = 0, n_missing = 0;
    int rc = sessions && missing ? 0 : EXIT_INDEX;
    for (int i = 0; rc != EXIT_INDEX && i < opt->n_words; i++) {
        wm_store_status_t status = wm_store_get_session(store, opt->words[i], &sessions[n]);
        if (status == WM_STORE_OK)
            n++;
        else {
            if (status == WM_STORE_NOT_FOUND)
                missing[n_missing++] = opt->words[i];
            int failure = lookup_failed(status, store);
            rc = failure > rc ? failure : rc;   /* keep the worst */
        }
    }
    opt->context.missing = missing;
    opt->context.n_missing = n_missing;
    bool print = n || (n_missing && rc == EXIT_NO_MATCH && printers[opt->format] == &wm_printer_json);
    if (print)
        begin_output(opt);
    if (print && opt->printer->sessions(&opt->context, sessions, n) < 0)
        rc = output_failed();
    for (size_t i = 0; i < n; i++)
        wm_session_free(sessions[i]);
    free(sessions);
    free(missing);
    return rc;
}

/* One person's sessions, names and co-speakers; the candidates when
 * several people fit (EXIT_SEVERAL_PEOPLE). */
static int run_person(options_t *opt, wm_store_t *store)
{
    wm_person_result_t *result = NULL;
    wm_store_status_t status = wm_store_find_person(store, opt->query, &opt->request, &result);
    if (status != WM_STORE_OK)
        return lookup_failed(status, store);
    int rc = result->n_people == 1 ? EXIT_SUCCESS : result->n_people ? EXIT_SEVERAL_PEOPLE : EXIT_NO_MATCH;
    if (!result->n_people)
        fprintf(stderr, "wmquery: no speaker matches '%s' (see 'wmquery list speakers')\n", opt->query);
    else if (rc == EXIT_SEVERAL_PEOPLE && !opt->printer->for_people)
        fprintf(stderr, "wmquery: %zu people fit '%s': ask for one by full name or username\n",
                result->n_people, opt->query);
    if (result->n_people) {
        begin_output(opt);
        if (opt->printer->person(&opt->context, result) < 0)
            rc = output_failed();
    }
    wm_person_result_free(result);
    return rc;
}

/* Colour and width are decided before the pager replaces stdout.  Colour is
 * for people only: a script's json or csv never holds escape sequences. */
static int run_command(options_t *opt, wm_store_t *store)
{
    opt->printer = printers[opt->format];
    opt->context = (wm_print_context_t){
        .query = opt->query, .similar_to = opt->id,
        .offset = opt->request.offset, .limit = opt->request.limit, .sort = sort_name(opt->sort),
        .color = opt->printer->for_people && wm_terminal_color((wm_color_mode_t)opt->color_mode),
        .width = wm_terminal_width(),
    };
    opt->page = opt->printer->for_people && !opt->no_pager && !opt->request.count_only && wm_terminal_is_tty();
    int rc = opt->command->run(opt, store);
    if (opt->pager.pid < 0 && !output_written())   /* a pager the reader quit early is no failure */
        rc = EXIT_NO_MATCH;
    wm_pager_finish(&opt->pager);
    return rc;
}

/* The indexes given with -d (several: searched as one), else the default
 * index; each may be a directory or a stub file naming shards. */
static int open_and_run(options_t *opt)
{
    char *message = NULL;
    char *index_path = opt->indexes.n ? NULL : wm_index_path(NULL, &message);
    wm_store_t *store = NULL;
    int rc;
    if (!opt->indexes.n && !index_path) {
        fprintf(stderr, "wmquery: %s\n", message ? message : "out of memory");
        rc = EXIT_INDEX;
    } else {
        const char *const *paths = opt->indexes.n ? opt->indexes.items : (const char *const *)&index_path;
        size_t n = opt->indexes.n ? opt->indexes.n : 1;
        wm_store_status_t status = wm_store_open_shards(paths, n, &store, &message);
        rc = status == WM_STORE_OK ? run_command(opt, store) : report_store_error(status, message);
    }
    free(message);
    wm_store_close(store);
    free(index_path);
    return rc;
}

int main(int argc, char **argv)
{
    options_t opt = {.pager = WM_PAGER_NONE};
    int rc = parse_options(argc, argv, &opt);
    if (rc == 0)
        rc = open_and_run(&opt);
    wm_arguments_free(&opt.arguments);
    free(opt.query);
    wm_option_list_t *lists[] = {&opt.indexes, &opt.tracks, &opt.speakers, &opt.years, &opt.types,
                                 &opt.languages, &opt.events, &opt.statuses};
    for (size_t i = 0; i < sizeof lists / sizeof *lists; i++)
        wm_option_list_free(lists[i]);
    return rc < 0 ? EXIT_SUCCESS : rc;
}
