/* wmquery: search the wmsearch index and print what it finds: results of a
 * query, one session in full (show), the values of a field with counts
 * (list) or sessions like a given one (similar); as text for people (colour
 * and a pager on a terminal, plain in a pipe) or json, jsonl, csv or ids for
 * scripts (doc/json-format.md).
 *
 * Wiring only: options -> wm_search_request_t -> store -> printer.  Exit
 * status: 0 something matched, 1 nothing matched (or no such session), 2
 * usage or query syntax error, 3 the index is missing or unreadable. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "archive/session_json.h"
#include "archive/util.h"
#include "store/paths.h"
#include "store/store.h"

enum { EXIT_NO_MATCH = 1, EXIT_USAGE = 2, EXIT_INDEX = 3 };
enum { FORMAT_VERSION = 1, SNIPPET_BYTES = 200, SUGGEST_BELOW = 3, DEFAULT_WIDTH = 80 };
enum format { FORMAT_TEXT, FORMAT_JSON, FORMAT_JSONL, FORMAT_CSV, FORMAT_IDS };
enum command { CMD_SEARCH, CMD_SHOW, CMD_LIST, CMD_SIMILAR };
enum color_mode { COLOR_AUTO, COLOR_ALWAYS, COLOR_NEVER };

typedef struct options {
    const char *index;
    enum command command;
    wm_search_request_t request;
    enum format format;
    enum color_mode color_mode;
    bool no_pager;
    bool page;                  /* text for a terminal: start the pager before printing */
    bool explain;
    char **argument_words;      /* every word that is not an option (owned array, borrowed strings) */
    char **words;               /* the command's words: into argument_words */
    int n_words;
    char *query;                /* the query words joined by spaces (owned) */
    const char *id;             /* similar: the seed session */
    wm_facet_t list_facet;      /* list: what to list */
} options_t;

/* How text output looks, decided once from the terminal before any pager runs. */
typedef struct style {
    bool color;
    int width;
} style_t;

#define BOLD "\033[1m"
#define MATCH "\033[1;31m"
#define DIM "\033[2m"
#define RESET "\033[0m"

static const char usage_text[] =
    "Usage: wmquery [options] QUERY...           search\n"
    "       wmquery [options] show ID...         print sessions in full\n"
    "       wmquery [options] list FIELD [QUERY] tracks, speakers, years, types or\n"
    "                                            languages, with counts\n"
    "       wmquery [options] similar ID [QUERY] sessions like session ID\n"
    "QUERY: words (stemmed), \"phrases\", AND OR NOT, -word, word*, and fields\n"
    "track: speaker: year: type: lang: title: id: (year:2019..2023).  To search\n"
    "for the word show, list or similar: wmquery -- show, or wmquery search show.\n"
    "\n"
    "  -d, --index DIR       index directory (default: $WMSEARCH_INDEX, else\n"
    "                        $XDG_DATA_HOME/wmsearch/index)\n"
    "      --track T, --speaker S, --year Y|Y1..Y2, --type T, --lang L\n"
    "                        only sessions with that value\n"
    "  -n, --limit N         show at most N results (default 10)\n"
    "      --offset N        skip the first N results\n"
    "      --sort ORDER      relevance (default), newest, oldest or title\n"
    "      --count           print only the number of matching sessions\n"
    "      --facets LIST     count values of track,year,type,language,speaker\n"
    "                        among all matches\n"
    "  -f, --format FORMAT   text (default), json, jsonl, csv or ids\n"
    "      --color[=WHEN]    auto (default: on a terminal, unless NO_COLOR is\n"
    "                        set), always or never\n"
    "      --no-pager        do not page text output on a terminal ($PAGER)\n"
    "      --explain         print the parsed Xapian query on stderr\n"
    "  -h, --help            show this help\n"
    "  -V, --version         show the version\n"
    "\n"
    "Exit status: 0 something matched, 1 nothing matched, 2 usage or query error,\n"
    "3 index missing or unreadable.  See wmquery(1).\n";

/* ---- options --------------------------------------------------------- */

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

/* The index of text in names (NULL-terminated), or -1. */
static int lookup(const char *text, const char *const *names)
{
    for (int i = 0; names[i]; i++)
        if (strcmp(text, names[i]) == 0)
            return i;
    return -1;
}

static const char *const sort_names[] = {"relevance", "newest", "oldest", "title", NULL};
static const char *const format_names[] = {"text", "json", "jsonl", "csv", "ids", NULL};
static const char *const color_names[] = {"auto", "always", "never", NULL};
static const char *const command_names[] = {"search", "show", "list", "similar", NULL};

/* "track,year" -> the request's facet bits. */
static bool parse_facets(const char *text, unsigned *facets)
{
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

/* One option; return 0, or EXIT_USAGE, or -1 to exit 0 (help, version). */
static int apply_option(int c, const char *arg, options_t *opt)
{
    wm_search_request_t *req = &opt->request;
    int i;
    switch (c) {
    case 'd': opt->index = arg; return 0;
    case 't': req->track = arg; return 0;
    case 's': req->speaker = arg; return 0;
    case 'y': req->year = arg; return 0;
    case 'T': req->type = arg; return 0;
    case 'l': req->language = arg; return 0;
    case 'n':
        return parse_count(arg, &req->limit) ? 0 : usage_error("--limit needs a number, not '%s'", arg);
    case 'o':
        return parse_count(arg, &req->offset) ? 0 : usage_error("--offset needs a number, not '%s'", arg);
    case 'S':
        if ((i = lookup(arg, sort_names)) < 0)
            return usage_error("unknown --sort '%s' (use relevance, newest, oldest or title)", arg);
        req->sort = (wm_sort_t)i;
        return 0;
    case 'c': req->count_only = true; return 0;
    case 'F':
        return parse_facets(arg, &req->facets)
                   ? 0 : usage_error("bad --facets '%s' (use track,year,type,language,speaker)", arg);
    case 'f':
        if ((i = lookup(arg, format_names)) < 0)
            return usage_error("unknown --format '%s' (use text, json, jsonl, csv or ids)", arg);
        opt->format = (enum format)i;
        return 0;
    case 'C':
        if ((i = lookup(arg ? arg : "always", color_names)) < 0)
            return usage_error("unknown --color '%s' (use auto, always or never)", arg);
        opt->color_mode = (enum color_mode)i;
        return 0;
    case 'P': opt->no_pager = true; return 0;
    case 'e': opt->explain = true; return 0;
    case 'h': fputs(usage_text, stdout); return -1;
    case 'V': printf("wmquery (%s) %s\n", PACKAGE_NAME, PACKAGE_VERSION); return -1;
    default: fputs("Try 'wmquery --help' for more information.\n", stderr); return EXIT_USAGE;
    }
}

/* Options anywhere; words in order.  The first word names a command only
 * when it is exactly one and comes before "--" (getopt's "-" mode hands us
 * the words in place and stops at "--"). */
static int scan_arguments(int argc, char **argv, options_t *opt)
{
    static const struct option long_options[] = {
        {"index", required_argument, NULL, 'd'}, {"track", required_argument, NULL, 't'},
        {"speaker", required_argument, NULL, 's'}, {"year", required_argument, NULL, 'y'},
        {"type", required_argument, NULL, 'T'}, {"lang", required_argument, NULL, 'l'},
        {"limit", required_argument, NULL, 'n'}, {"offset", required_argument, NULL, 'o'},
        {"sort", required_argument, NULL, 'S'}, {"count", no_argument, NULL, 'c'},
        {"facets", required_argument, NULL, 'F'}, {"format", required_argument, NULL, 'f'},
        {"color", optional_argument, NULL, 'C'}, {"colour", optional_argument, NULL, 'C'},
        {"no-pager", no_argument, NULL, 'P'}, {"explain", no_argument, NULL, 'e'},
        {"help", no_argument, NULL, 'h'}, {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    opt->words = opt->argument_words = calloc((size_t)argc + 1, sizeof *opt->words);
    if (!opt->words)
        return usage_error("%s", "out of memory");
    bool command_possible = true;
    int c, rc;
    while ((c = getopt_long(argc, argv, "-d:n:f:hV", long_options, NULL)) != -1) {
        if (c == 'C' && !optarg && optind < argc && lookup(argv[optind], color_names) >= 0)
            optarg = argv[optind++];   /* "--color never" as well as "--color=never" */
        if (c != 1) {
            if ((rc = apply_option(c, optarg, opt)) != 0)
                return rc;
            continue;
        }
        int command = command_possible ? lookup(optarg, command_names) : -1;
        command_possible = false;
        if (command >= 0)
            opt->command = (enum command)command;
        else
            opt->words[opt->n_words++] = optarg;
    }
    while (optind < argc)
        opt->words[opt->n_words++] = argv[optind++];
    return 0;
}

/* The command's own arguments: show IDs, list FIELD, similar ID. */
static int check_command_words(options_t *opt)
{
    const wm_search_request_t *req = &opt->request;
    switch (opt->command) {
    case CMD_SHOW:
        return opt->n_words ? 0 : usage_error("%s", "show needs a session id (see --format ids)");
    case CMD_LIST:
        if (!opt->n_words)
            return usage_error("%s", "list needs one of tracks, speakers, years, types, languages");
        if (!wm_facet_from_name(opt->words[0], &opt->list_facet))
            return usage_error("cannot list '%s' (use tracks, speakers, years, types or languages)",
                               opt->words[0]);
        opt->words++, opt->n_words--;
        return 0;
    case CMD_SIMILAR:
        if (!opt->n_words)
            return usage_error("%s", "similar needs a session id (see --format ids)");
        opt->id = opt->words[0];
        opt->words++, opt->n_words--;
        return 0;
    default:
        if (opt->n_words || req->track || req->speaker || req->year || req->type || req->language)
            return 0;
        return usage_error("%s", "no query given (try 'wmquery libraries' or 'wmquery --help')");
    }
}

/* Parse argv; return -1 to exit 0 (help, version), EXIT_USAGE on error, 0 to run. */
static int parse_options(int argc, char **argv, options_t *opt)
{
    opt->request.limit = 10;
    int rc = scan_arguments(argc, argv, opt);
    if (rc == 0)
        rc = check_command_words(opt);
    if (rc)
        return rc;
    if (opt->command == CMD_SHOW)
        return 0;   /* the words are ids */
    opt->query = join_words(opt->words, opt->n_words);
    if (!opt->query)
        return usage_error("%s", "out of memory");
    opt->request.query = opt->query;
    return 0;
}

/* ---- terminal: colour, width, pager --------------------------------- */

static bool use_color(enum color_mode mode)
{
    if (mode != COLOR_AUTO)
        return mode == COLOR_ALWAYS;
    const char *no_color = getenv("NO_COLOR"), *term = getenv("TERM");
    if (no_color && *no_color)
        return false;
    return isatty(STDOUT_FILENO) && !(term && strcmp(term, "dumb") == 0);
}

/* $COLUMNS, else the terminal's width, else 80: stable in a pipe. */
static int output_width(void)
{
    const char *columns = getenv("COLUMNS");
    unsigned width;
    if (columns && parse_count(columns, &width) && width >= 20)
        return (int)width;
    struct winsize ws;
    if (isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 20)
        return ws.ws_col;
    return DEFAULT_WIDTH;
}

static pid_t pager_pid = -1;

/* Like git: text on a terminal goes through $PAGER (default less, with
 * LESS=FRX unless set: quit when it fits, keep colours, no screen clearing). */
static void start_pager(void)
{
    const char *pager = getenv("PAGER");
    if (!pager)
        pager = "less";
    if (!*pager || strcmp(pager, "cat") == 0)
        return;
    setenv("LESS", "FRX", 0);
    int fds[2];
    if (pipe(fds) != 0)
        return;
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        return;
    }
    if (pid == 0) {
        dup2(fds[0], STDIN_FILENO);
        close(fds[0]);
        close(fds[1]);
        execl("/bin/sh", "sh", "-c", pager, (char *)NULL);
        _exit(127);
    }
    dup2(fds[1], STDOUT_FILENO);
    close(fds[0]);
    close(fds[1]);
    signal(SIGPIPE, SIG_IGN);   /* the reader quit early: stop quietly on EPIPE */
    pager_pid = pid;
}

/* Called once there is something to print, so that an error never opens the pager. */
static void begin_output(const options_t *opt)
{
    if (opt->page && pager_pid < 0)
        start_pager();
}

static void finish_pager(void)
{
    if (pager_pid < 0)
        return;
    fflush(stdout);
    close(STDOUT_FILENO);
    while (waitpid(pager_pid, NULL, 0) < 0 && errno == EINTR)
        continue;
    pager_pid = -1;
}

/* ---- text output ----------------------------------------------------- */

/* Columns a UTF-8 string takes, escape sequences not counted. */
static int visible_width(const char *s, size_t len)
{
    int width = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '\033') {
            while (i < len && s[i] != 'm')
                i++;
            continue;
        }
        if (((unsigned char)s[i] & 0xC0) != 0x80)
            width++;
    }
    return width;
}

/* text word-wrapped to width, each line indented. */
static void print_wrapped(const char *text, int indent, int width)
{
    int column = 0;
    const char *p = text;
    while (*p) {
        while (*p == ' ')
            p++;
        size_t len = strcspn(p, " ");
        if (!len)
            break;
        int w = visible_width(p, len);
        if (column && column + 1 + w > width) {
            putchar('\n');
            column = 0;
        }
        if (!column)
            column = printf("%*s", indent, "");
        else
            column += printf(" ");
        fwrite(p, 1, len, stdout);
        column += w;
        p += len;
    }
    if (column)
        putchar('\n');
}

static void print_joined(const char *label, char *const *items, size_t n)
{
    if (!n)
        return;
    printf("  %s: ", label);
    for (size_t i = 0; i < n; i++)
        printf("%s%s", i ? ", " : "", items[i]);
    putchar('\n');
}

static void print_speaker_names(const wm_session_t *s)
{
    if (!s->n_speakers)
        return;
    printf("  speakers: ");
    for (size_t i = 0; i < s->n_speakers; i++)
        printf("%s%s", i ? ", " : "", s->speakers[i].name);
    putchar('\n');
}

static void print_title(const style_t *style, const char *prefix, const wm_session_t *s)
{
    printf("%s%s%s%s\n", prefix, style->color ? BOLD : "", s->title ? s->title : "(untitled)",
           style->color ? RESET : "");
}

/* year, type, language on one line; unknown ones left out. */
static void print_facts(const wm_session_t *s)
{
    const char *sep = "  ";
    if (s->year) {
        printf("%syear: %d", sep, s->year);
        sep = ", ";
    }
    if (s->type) {
        printf("%stype: %s", sep, s->type);
        sep = ", ";
    }
    if (s->language) {
        printf("%slanguage: %s", sep, s->language);
        sep = ", ";
    }
    if (strcmp(sep, ", ") == 0)
        putchar('\n');
}

static void print_text_hit(const style_t *style, const wm_search_hit_t *hit)
{
    const wm_session_t *s = hit->session;
    char rank[32];
    snprintf(rank, sizeof rank, "%u. ", hit->rank + 1);
    print_title(style, rank, s);
    print_facts(s);
    print_joined("tracks", s->tracks, s->n_tracks);
    print_speaker_names(s);
    if (s->url)
        printf("  %s\n", s->url);
    printf("  id: %s\n", s->id);
    if (hit->snippet)
        print_wrapped(hit->snippet, 2, style->width);
    putchar('\n');
}

static void print_text_facets(const wm_search_result_t *result)
{
    for (int f = 0; f < WM_FACET_COUNT; f++) {
        const wm_facet_counts_t *facet = &result->facets[f];
        if (!facet->counted)
            continue;
        printf("%s:\n", wm_facet_name((wm_facet_t)f));
        for (size_t i = 0; i < facet->n_values; i++)
            printf("%7lu  %s\n", facet->values[i].count, facet->values[i].value);
        putchar('\n');
    }
}

static void print_suggestion_text(const wm_search_result_t *result)
{
    if (result->suggestion)
        printf("Did you mean: %s  (%lu session%s)\n", result->suggestion, result->suggestion_total,
               result->suggestion_total == 1 ? "" : "s");
}

static void print_results_text(const options_t *opt, const style_t *style, const wm_search_result_t *result)
{
    for (size_t i = 0; i < result->n_hits; i++)
        print_text_hit(style, &result->hits[i]);
    print_text_facets(result);
    if (result->n_hits)
        printf("%u-%u of %lu sessions\n", opt->request.offset + 1,
               opt->request.offset + (unsigned)result->n_hits, result->total);
    else
        printf("no sessions shown of %lu\n", result->total);
    print_suggestion_text(result);
}

/* ---- csv (RFC 4180) ---------------------------------------------------- */

static void csv_field(const char *text, bool last)
{
    text = text ? text : "";
    if (strpbrk(text, ",\"\r\n")) {
        putchar('"');
        for (const char *p = text; *p; p++) {
            if (*p == '"')
                putchar('"');
            putchar(*p);
        }
        putchar('"');
    } else {
        fputs(text, stdout);
    }
    fputs(last ? "\r\n" : ",", stdout);
}

static void csv_list(char *const *items, size_t n)
{
    wm_buf_t buf = {0};
    for (size_t i = 0; i < n; i++)
        if ((i && wm_buf_append_str(&buf, "; ") < 0) || wm_buf_append_str(&buf, items[i]) < 0)
            break;
    csv_field(buf.data, false);
    wm_buf_free(&buf);
}

static void csv_speakers(const wm_session_t *s)
{
    wm_buf_t buf = {0};
    for (size_t i = 0; i < s->n_speakers; i++)
        if ((i && wm_buf_append_str(&buf, "; ") < 0) || wm_buf_append_str(&buf, s->speakers[i].name) < 0)
            break;
    csv_field(buf.data, false);
    wm_buf_free(&buf);
}

static const char csv_header[] = "rank,id,year,title,type,language,tracks,speakers,url,score,snippet\r\n";

static void csv_session(unsigned rank, const wm_session_t *s, double score, const char *snippet)
{
    char number[64];
    snprintf(number, sizeof number, "%u", rank);
    csv_field(number, false);
    csv_field(s->id, false);
    snprintf(number, sizeof number, "%d", s->year);
    csv_field(s->year ? number : "", false);
    csv_field(s->title, false);
    csv_field(s->type, false);
    csv_field(s->language, false);
    csv_list(s->tracks, s->n_tracks);
    csv_speakers(s);
    csv_field(s->url, false);
    snprintf(number, sizeof number, "%.6g", score);
    csv_field(number, false);
    csv_field(snippet, true);
}

/* ---- json ------------------------------------------------------------- */

/* A result row: the session's JSON plus rank (1-based), score and snippet. */
static json_t *hit_json(const wm_search_hit_t *hit)
{
    json_t *object = wm_session_to_json(hit->session, false);
    if (!object)
        return NULL;
    int rc = json_object_set_new(object, "rank", json_integer(hit->rank + 1));
    rc |= json_object_set_new(object, "score", json_real(hit->score));
    rc |= json_object_set_new(object, "snippet", hit->snippet ? json_string(hit->snippet) : json_null());
    if (rc) {
        json_decref(object);
        return NULL;
    }
    return object;
}

static json_t *facet_values_json(const wm_facet_counts_t *facet)
{
    json_t *array = json_array();
    for (size_t i = 0; array && i < facet->n_values; i++) {
        json_t *pair = json_pack("{s:s,s:I}", "value", facet->values[i].value, "count",
                                 (json_int_t)facet->values[i].count);
        if (json_array_append_new(array, pair) != 0) {
            json_decref(array);
            return NULL;
        }
    }
    return array;
}

static int add_facets_json(json_t *root, const wm_search_result_t *result)
{
    json_t *facets = NULL;
    for (int f = 0; f < WM_FACET_COUNT; f++) {
        if (!result->facets[f].counted)
            continue;
        if (!facets && (!(facets = json_object()) || json_object_set_new(root, "facets", facets)))
            return -1;
        if (json_object_set_new(facets, wm_facet_name((wm_facet_t)f), facet_values_json(&result->facets[f])))
            return -1;
    }
    return 0;
}

static int add_suggestion_json(json_t *root, const wm_search_result_t *result)
{
    if (!result->suggestion)
        return 0;
    return json_object_set_new(root, "suggestion", json_pack("{s:s,s:I}", "query", result->suggestion,
                                                             "total", (json_int_t)result->suggestion_total));
}

/* Print and release a JSON value; -1 when it is NULL (out of memory). */
static int emit_json(json_t *value, size_t flags)
{
    char *text = value ? json_dumps(value, flags | JSON_ENCODE_ANY) : NULL;
    if (text)
        puts(text);
    free(text);
    json_decref(value);
    return text ? 0 : -1;
}

static json_t *results_json(const options_t *opt, const wm_search_result_t *result)
{
    json_t *root = json_pack("{s:i,s:s,s:I,s:i,s:i,s:s}", "format_version", FORMAT_VERSION,
                             "query", opt->query, "total", (json_int_t)result->total,
                             "offset", (int)opt->request.offset, "limit", (int)opt->request.limit,
                             "sort", sort_names[opt->request.sort]);
    json_t *results = json_array();
    int rc = root && results ? 0 : -1;
    if (rc == 0 && opt->id)
        rc = json_object_set_new(root, "similar_to", json_string(opt->id));
    for (size_t i = 0; rc == 0 && i < result->n_hits; i++)
        rc = json_array_append_new(results, hit_json(&result->hits[i]));
    if (rc == 0)
        rc = json_object_set(root, "results", results);
    if (rc == 0)
        rc = add_facets_json(root, result);
    if (rc == 0)
        rc = add_suggestion_json(root, result);
    json_decref(results);
    if (rc) {
        json_decref(root);
        return NULL;
    }
    return root;
}

/* ---- printing results ---------------------------------------------------- */

static int print_results(const options_t *opt, const style_t *style, const wm_search_result_t *result)
{
    int rc = 0;
    switch (opt->format) {
    case FORMAT_JSON:
        return emit_json(results_json(opt, result), JSON_INDENT(2));
    case FORMAT_JSONL:
        for (size_t i = 0; rc == 0 && i < result->n_hits; i++)
            rc = emit_json(hit_json(&result->hits[i]), JSON_COMPACT);
        return rc;
    case FORMAT_CSV:
        fputs(csv_header, stdout);
        for (size_t i = 0; i < result->n_hits; i++) {
            const wm_search_hit_t *hit = &result->hits[i];
            csv_session(hit->rank + 1, hit->session, hit->score, hit->snippet);
        }
        return 0;
    case FORMAT_IDS:
        for (size_t i = 0; i < result->n_hits; i++)
            puts(result->hits[i].session->id);
        return 0;
    default:
        print_results_text(opt, style, result);
        return 0;
    }
}

/* ---- show: one session in full ------------------------------------------- */

static void print_field(const char *label, const char *value)
{
    if (value && *value)
        printf("  %-13s%s\n", label, value);
}

static void print_session_facts(const wm_session_t *s)
{
    char number[64];
    print_field("id:", s->id);
    snprintf(number, sizeof number, "%d", s->year);
    print_field("year:", s->year ? number : NULL);
    if (s->type_label && s->type && !wm_str_ieq(s->type, s->type_label))
        printf("  %-13s%s (%s)\n", "type:", s->type, s->type_label);
    else
        print_field("type:", s->type ? s->type : s->type_label);
    snprintf(number, sizeof number, "%d minutes", s->duration_minutes);
    print_field("duration:", s->duration_minutes ? number : NULL);
    char *tracks = join_words(s->tracks, (int)s->n_tracks);
    print_field("tracks:", tracks);
    free(tracks);
    print_field("language:", s->language);
    print_field("url:", s->url);
    print_field("page:", s->page_title);
    print_field("revised:", s->timestamp);
    print_field("source:", s->source);
}

static void print_session_speakers(const style_t *style, const wm_session_t *s)
{
    if (!s->n_speakers)
        return;
    printf("\n  Speakers:\n");
    for (size_t i = 0; i < s->n_speakers; i++) {
        const wm_speaker_t *sp = &s->speakers[i];
        printf("  - %s", sp->name);
        if (sp->username)
            printf(" (%s)", sp->username);
        putchar('\n');
        if (sp->biography)
            print_wrapped(sp->biography, 4, style->width);
    }
}

/* The abstract wrapped, paragraph by paragraph. */
static void print_abstract(const style_t *style, const char *abstract)
{
    char *copy = abstract ? strdup(abstract) : NULL;
    char *p = copy;
    while (p && *p) {
        char *end = strstr(p, "\n\n");
        if (end)
            *end = '\0';
        for (char *q = p; *q; q++)
            if (*q == '\n' || *q == '\t' || *q == '\r')
                *q = ' ';
        putchar('\n');
        print_wrapped(p, 2, style->width);
        p = end ? end + 2 : NULL;
    }
    free(copy);
}

static void print_session_text(const style_t *style, const wm_session_t *s)
{
    print_title(style, "", s);
    print_session_facts(s);
    if (s->n_translations) {
        char *languages = join_words(s->translations, (int)s->n_translations);
        print_field("translations:", languages);
        free(languages);
    }
    print_abstract(style, s->abstract);
    print_session_speakers(style, s);
}

static int print_sessions(const options_t *opt, const style_t *style, wm_session_t **sessions, size_t n)
{
    if (opt->format == FORMAT_JSON) {
        json_t *array = json_array();
        for (size_t i = 0; array && i < n; i++)
            if (json_array_append_new(array, wm_session_to_json(sessions[i], true))) {
                json_decref(array);
                array = NULL;
            }
        json_t *root = array ? json_pack("{s:i,s:o}", "format_version", FORMAT_VERSION, "sessions", array) : NULL;
        return emit_json(root, JSON_INDENT(2));
    }
    if (opt->format == FORMAT_CSV)
        fputs(csv_header, stdout);
    for (size_t i = 0; i < n; i++) {
        const wm_session_t *s = sessions[i];
        if (opt->format == FORMAT_JSONL && emit_json(wm_session_to_json(s, true), JSON_COMPACT))
            return -1;
        if (opt->format == FORMAT_CSV)
            csv_session((unsigned)i + 1, s, 0, s->abstract);
        if (opt->format == FORMAT_IDS)
            puts(s->id);
        if (opt->format == FORMAT_TEXT) {
            if (i)
                putchar('\n');
            print_session_text(style, s);
        }
    }
    return 0;
}

/* ---- list: the values of a field ------------------------------------------ */

static int compare_values(const void *a, const void *b)
{
    return strcmp(((const wm_facet_value_t *)a)->value, ((const wm_facet_value_t *)b)->value);
}

static int print_list(const options_t *opt, const wm_search_result_t *result)
{
    const char *name = wm_facet_name(opt->list_facet);
    wm_facet_counts_t *facet = (wm_facet_counts_t *)&result->facets[opt->list_facet];
    qsort(facet->values, facet->n_values, sizeof *facet->values, compare_values);   /* browsing order */
    int rc = 0;
    if (opt->format == FORMAT_JSON) {
        json_t *root = json_pack("{s:i,s:s,s:s,s:I,s:o*}", "format_version", FORMAT_VERSION, "list", name,
                                 "query", opt->query, "total", (json_int_t)result->total,
                                 "values", facet_values_json(facet));
        return emit_json(root, JSON_INDENT(2));
    }
    if (opt->format == FORMAT_CSV)
        printf("%s,count\r\n", name);
    for (size_t i = 0; rc == 0 && i < facet->n_values; i++) {
        const wm_facet_value_t *v = &facet->values[i];
        if (opt->format == FORMAT_JSONL)
            rc = emit_json(json_pack("{s:s,s:I}", "value", v->value, "count", (json_int_t)v->count), JSON_COMPACT);
        else if (opt->format == FORMAT_CSV) {
            char number[32];
            snprintf(number, sizeof number, "%lu", v->count);
            csv_field(v->value, false);
            csv_field(number, true);
        } else if (opt->format == FORMAT_IDS)
            puts(v->value);
        else
            printf("%7lu  %s\n", v->count, v->value);
    }
    return rc;
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

static void prepare_request(options_t *opt, const style_t *style)
{
    wm_search_request_t *req = &opt->request;
    req->suggest_below = SUGGEST_BELOW;
    if (opt->command == CMD_LIST) {
        req->count_only = true;
        req->facets = 1u << opt->list_facet;
        return;
    }
    if (opt->format == FORMAT_TEXT || opt->format == FORMAT_JSON || opt->format == FORMAT_JSONL ||
        opt->format == FORMAT_CSV)
        req->snippet_bytes = SNIPPET_BYTES;
    if (style->color) {
        req->highlight_start = MATCH;
        req->highlight_end = RESET;
    }
}

static int run_search(options_t *opt, const style_t *style, wm_store_t *store)
{
    prepare_request(opt, style);
    wm_search_result_t *result = NULL;
    wm_store_status_t status = opt->command == CMD_SIMILAR
                                   ? wm_store_similar(store, opt->id, &opt->request, &result)
                                   : wm_store_search(store, &opt->request, &result);
    if (status != WM_STORE_OK)
        return lookup_failed(status, store);
    if (opt->explain && result->parsed_query)
        fprintf(stderr, "wmquery: query: %s\n", result->parsed_query);
    begin_output(opt);
    int rc;
    if (opt->command == CMD_LIST)
        rc = print_list(opt, result);
    else if (opt->request.count_only) {
        printf("%lu\n", result->total);
        rc = 0;
    } else
        rc = print_results(opt, style, result);
    unsigned long total = result->total;
    wm_search_result_free(result);
    if (rc < 0)
        return output_failed();
    return total ? EXIT_SUCCESS : EXIT_NO_MATCH;
}

static int run_show(const options_t *opt, const style_t *style, wm_store_t *store)
{
    wm_session_t **sessions = calloc((size_t)opt->n_words, sizeof *sessions);
    size_t n = 0;
    int rc = sessions ? 0 : EXIT_INDEX;
    for (int i = 0; sessions && i < opt->n_words; i++) {
        wm_store_status_t status = wm_store_get_session(store, opt->words[i], &sessions[n]);
        if (status == WM_STORE_OK)
            n++;
        else {
            int failure = lookup_failed(status, store);
            rc = failure > rc ? failure : rc;   /* keep the worst */
        }
    }
    if (n)
        begin_output(opt);
    if (n && print_sessions(opt, style, sessions, n) < 0)
        rc = output_failed();
    for (size_t i = 0; i < n; i++)
        wm_session_free(sessions[i]);
    free(sessions);
    return rc;
}

static int run_command(options_t *opt, wm_store_t *store)
{
    style_t style = {use_color(opt->color_mode), output_width()};
    opt->page = opt->format == FORMAT_TEXT && !opt->no_pager && !opt->request.count_only &&
                isatty(STDOUT_FILENO);
    int rc = opt->command == CMD_SHOW ? run_show(opt, &style, store) : run_search(opt, &style, store);
    finish_pager();
    return rc;
}

int main(int argc, char **argv)
{
    options_t opt = {0};
    int rc = parse_options(argc, argv, &opt);
    if (rc) {
        free(opt.argument_words);
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
        rc = status == WM_STORE_OK ? run_command(&opt, store) : report_store_error(status, message);
    }
    free(message);
    wm_store_close(store);
    free(index_path);
    free(opt.argument_words);
    free(opt.query);
    return rc;
}
