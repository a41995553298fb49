/* wmquery: search the wmsearch index and print the sessions found, as text
 * for people or JSON for scripts.
 *
 * Wiring only: options -> wm_search_request_t -> store -> printer.  Exit
 * status: 0 something matched, 1 nothing matched, 2 usage or query syntax
 * error, 3 the index is missing or unreadable. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "archive/session_json.h"
#include "archive/util.h"
#include "store/paths.h"
#include "store/store.h"

enum { EXIT_NO_MATCH = 1, EXIT_USAGE = 2, EXIT_INDEX = 3 };
enum format { FORMAT_TEXT, FORMAT_JSON };

typedef struct options {
    const char *index;
    wm_search_request_t request;
    enum format format;
    bool explain;
    char *query;                /* the query words joined by spaces (owned) */
} options_t;

static const char usage_text[] =
    "Usage: wmquery [-d DIR] [options] QUERY...\n"
    "Search Wikimania sessions.  QUERY is free text (stemmed), \"phrases\",\n"
    "AND/OR/NOT, -word, word*, and fields track: speaker: year: type: lang: title:\n"
    "(year:2019 or year:2019..2023).\n"
    "\n"
    "  -d, --index DIR       index directory (default: $WMSEARCH_INDEX, else\n"
    "                        $XDG_DATA_HOME/wmsearch/index)\n"
    "      --track T         only sessions in track T\n"
    "      --speaker S       only sessions with speaker S\n"
    "      --year Y          only sessions of year Y or range Y1..Y2\n"
    "      --type T          only sessions of type T (talk, panel, workshop, ...)\n"
    "      --lang L          only sessions in language L (en, fr, ...)\n"
    "  -n, --limit N         show at most N results (default 10)\n"
    "      --offset N        skip the first N results\n"
    "      --sort ORDER      relevance (default), newest, oldest or title\n"
    "      --count           print only the number of matching sessions\n"
    "      --format FORMAT   text (default) or json\n"
    "      --explain         print the parsed Xapian query on stderr\n"
    "  -h, --help            show this help\n"
    "  -V, --version         show the version\n"
    "\n"
    "Exit status: 0 something matched, 1 nothing matched, 2 usage or query error,\n"
    "3 index missing or unreadable.  See wmquery(1).\n";

static int usage_error(const char *fmt, const char *arg)
{
    fputs("wmquery: ", stderr);
    fprintf(stderr, fmt, arg);
    fputs("\nTry 'wmquery --help' for more information.\n", stderr);
    return EXIT_USAGE;
}

static bool parse_count(const char *text, unsigned *out)
{
    char *end;
    errno = 0;
    long value = strtol(text, &end, 10);
    if (*text == '\0' || *end != '\0' || value < 0 || value > INT_MAX)
        return false;
    *out = (unsigned)value;
    return true;
}

static bool parse_sort(const char *text, wm_sort_t *sort)
{
    static const struct { const char *name; wm_sort_t sort; } sorts[] = {
        {"relevance", WM_SORT_RELEVANCE}, {"newest", WM_SORT_NEWEST},
        {"oldest", WM_SORT_OLDEST}, {"title", WM_SORT_TITLE},
    };
    for (size_t i = 0; i < sizeof sorts / sizeof sorts[0]; i++)
        if (strcmp(text, sorts[i].name) == 0) {
            *sort = sorts[i].sort;
            return true;
        }
    return false;
}

static char *join_words(char **words, int n)
{
    wm_buf_t buf = {0};
    for (int i = 0; i < n; i++)
        if ((i && wm_buf_append_char(&buf, ' ') < 0) || wm_buf_append_str(&buf, words[i]) < 0) {
            wm_buf_free(&buf);
            return NULL;
        }
    return wm_buf_take(&buf);
}

/* Parse argv; return -1 to exit 0 (help, version), EXIT_USAGE on error, 0 to run. */
static int parse_options(int argc, char **argv, options_t *opt)
{
    enum { OPT_TRACK = 256, OPT_SPEAKER, OPT_YEAR, OPT_TYPE, OPT_LANG, OPT_OFFSET, OPT_SORT,
           OPT_COUNT, OPT_FORMAT, OPT_EXPLAIN };
    static const struct option long_options[] = {
        {"index", required_argument, NULL, 'd'},
        {"track", required_argument, NULL, OPT_TRACK},
        {"speaker", required_argument, NULL, OPT_SPEAKER},
        {"year", required_argument, NULL, OPT_YEAR},
        {"type", required_argument, NULL, OPT_TYPE},
        {"lang", required_argument, NULL, OPT_LANG},
        {"limit", required_argument, NULL, 'n'},
        {"offset", required_argument, NULL, OPT_OFFSET},
        {"sort", required_argument, NULL, OPT_SORT},
        {"count", no_argument, NULL, OPT_COUNT},
        {"format", required_argument, NULL, OPT_FORMAT},
        {"explain", no_argument, NULL, OPT_EXPLAIN},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    wm_search_request_t *req = &opt->request;
    req->limit = 10;
    int c;
    while ((c = getopt_long(argc, argv, "d:n:hV", long_options, NULL)) != -1) {
        switch (c) {
        case 'd': opt->index = optarg; break;
        case OPT_TRACK: req->track = optarg; break;
        case OPT_SPEAKER: req->speaker = optarg; break;
        case OPT_YEAR: req->year = optarg; break;
        case OPT_TYPE: req->type = optarg; break;
        case OPT_LANG: req->language = optarg; break;
        case 'n':
            if (!parse_count(optarg, &req->limit))
                return usage_error("--limit needs a number, not '%s'", optarg);
            break;
        case OPT_OFFSET:
            if (!parse_count(optarg, &req->offset))
                return usage_error("--offset needs a number, not '%s'", optarg);
            break;
        case OPT_SORT:
            if (!parse_sort(optarg, &req->sort))
                return usage_error("unknown --sort '%s' (use relevance, newest, oldest or title)", optarg);
            break;
        case OPT_COUNT: req->count_only = true; break;
        case OPT_FORMAT:
            if (strcmp(optarg, "text") == 0)
                opt->format = FORMAT_TEXT;
            else if (strcmp(optarg, "json") == 0)
                opt->format = FORMAT_JSON;
            else
                return usage_error("unknown --format '%s' (use text or json)", optarg);
            break;
        case OPT_EXPLAIN: opt->explain = true; break;
        case 'h': fputs(usage_text, stdout); return -1;
        case 'V': printf("wmquery (%s) %s\n", PACKAGE_NAME, PACKAGE_VERSION); return -1;
        default: fputs("Try 'wmquery --help' for more information.\n", stderr); return EXIT_USAGE;
        }
    }
    bool has_filter = req->track || req->speaker || req->year || req->type || req->language;
    if (optind == argc && !has_filter)
        return usage_error("%s", "no query given (try 'wmquery libraries' or 'wmquery --help')");
    opt->query = join_words(argv + optind, argc - optind);
    if (!opt->query)
        return usage_error("%s", "out of memory");
    req->query = opt->query;
    return 0;
}

static void print_list(const char *label, char *const *items, size_t n)
{
    if (!n)
        return;
    printf("  %s: ", label);
    for (size_t i = 0; i < n; i++)
        printf("%s%s", i ? ", " : "", items[i]);
    putchar('\n');
}

static void print_text_hit(const wm_search_hit_t *hit)
{
    const wm_session_t *s = hit->session;
    printf("%u. %s\n", hit->rank + 1, s->title ? s->title : "(untitled)");
    printf("  year: %d", s->year);
    if (s->type)
        printf(", type: %s", s->type);
    if (s->language)
        printf(", language: %s", s->language);
    putchar('\n');
    print_list("tracks", s->tracks, s->n_tracks);
    if (s->n_speakers) {
        printf("  speakers: ");
        for (size_t i = 0; i < s->n_speakers; i++)
            printf("%s%s", i ? ", " : "", s->speakers[i].name);
        putchar('\n');
    }
    if (s->url)
        printf("  %s\n", s->url);
    printf("  id: %s\n\n", s->id);
}

static void print_text(const options_t *opt, const wm_search_result_t *result)
{
    for (size_t i = 0; i < result->n_hits; i++)
        print_text_hit(&result->hits[i]);
    if (result->n_hits)
        printf("%u-%u of %lu sessions\n", opt->request.offset + 1,
               opt->request.offset + (unsigned)result->n_hits, result->total);
    else
        printf("no sessions shown of %lu\n", result->total);
}

static int print_json(const options_t *opt, const wm_search_result_t *result)
{
    json_t *root = json_object();
    json_t *results = json_array();
    int rc = root && results ? 0 : -1;
    if (rc == 0) {
        rc |= json_object_set_new(root, "query", json_string(opt->query));
        rc |= json_object_set_new(root, "total", json_integer((json_int_t)result->total));
    }
    for (size_t i = 0; rc == 0 && i < result->n_hits; i++) {
        json_t *hit = wm_session_to_json(result->hits[i].session, false);
        rc |= hit ? json_object_set_new(hit, "score", json_real(result->hits[i].score)) : -1;
        rc |= json_array_append_new(results, hit);
    }
    if (rc == 0)
        rc = json_object_set(root, "results", results);
    char *text = rc == 0 ? json_dumps(root, JSON_INDENT(2)) : NULL;
    if (text)
        puts(text);
    free(text);
    json_decref(results);
    json_decref(root);
    return text ? 0 : -1;
}

/* Map a store failure to the exit status and message the user sees. */
static int report_store_error(wm_store_status_t status, const char *message)
{
    fprintf(stderr, "wmquery: %s\n", message ? message : wm_store_status_to_string(status));
    return status == WM_STORE_QUERY_SYNTAX ? EXIT_USAGE : EXIT_INDEX;
}

static int run_search(const options_t *opt, wm_store_t *store)
{
    wm_search_result_t *result = NULL;
    wm_store_status_t status = wm_store_search(store, &opt->request, &result);
    if (status != WM_STORE_OK)
        return report_store_error(status, wm_store_last_error(store));
    if (opt->explain && result->parsed_query)
        fprintf(stderr, "wmquery: query: %s\n", result->parsed_query);
    int rc = 0;
    if (opt->request.count_only)
        printf("%lu\n", result->total);
    else if (opt->format == FORMAT_JSON)
        rc = print_json(opt, result);
    else
        print_text(opt, result);
    unsigned long total = result->total;
    wm_search_result_free(result);
    if (rc < 0) {
        fputs("wmquery: out of memory while formatting results\n", stderr);
        return EXIT_INDEX;
    }
    return total ? EXIT_SUCCESS : EXIT_NO_MATCH;
}

int main(int argc, char **argv)
{
    options_t opt = {0};
    int rc = parse_options(argc, argv, &opt);
    if (rc) {
        free(opt.query);
        return rc < 0 ? EXIT_SUCCESS : rc;
    }
    char *message = NULL;
    char *index_path = wm_index_path(opt.index, &message);
    wm_store_t *store = NULL;
    if (!index_path) {
        fprintf(stderr, "wmquery: %s\n", message ? message : "out of memory");
        rc = EXIT_INDEX;
    } else {
        wm_store_status_t status = wm_store_open_readonly(index_path, &store, &message);
        rc = status == WM_STORE_OK ? run_search(&opt, store) : report_store_error(status, message);
    }
    free(message);
    wm_store_close(store);
    free(index_path);
    free(opt.query);
    return rc;
}
