/* wmquery: search the wmsearch index and print what it finds: results of a
 * query, one session in full (show), the values of a field with counts
 * (list) or sessions like a given one (similar); as text for people (colour
 * and a pager on a terminal, plain in a pipe) or json, jsonl, csv or ids for
 * scripts (doc/json-format.md).
 *
 * Wiring only, in notmuch's way: a declarative option table, a table of
 * commands, and one printer interface (printer.h) with an implementation per
 * --format; terminal.h decides colour, width and the pager.  Exit status: 0
 * something matched, 1 nothing matched (or no such session), 2 usage or
 * query syntax error, 3 the index is missing or unreadable, 4 several
 * people fit the name given to person. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "archive/util.h"
#include "query/printer.h"
#include "query/terminal.h"
#include "store/paths.h"
#include "store/store.h"
#include "wm_version.h"

enum { EXIT_NO_MATCH = 1, EXIT_USAGE = 2, EXIT_INDEX = 3, EXIT_SEVERAL_PEOPLE = 4 };
enum { SNIPPET_BYTES = 200, SUGGEST_BELOW = 3 };

#define MATCH "\033[1;31m"
#define RESET "\033[0m"

typedef struct command command_t;

/* A repeatable option's values, NULL-terminated (the array is owned, the strings are argv's). */
typedef struct string_list {
    const char **items;
    size_t n;
} string_list_t;

typedef struct options {
    /* from the command line */
    const char *index;
    const command_t *command;
    wm_search_request_t request;
    string_list_t tracks;       /* --track: request.tracks (one rule for every filter: */
    string_list_t speakers;     /* --speaker: request.speakers   the values of one option */
    string_list_t years;        /* --year: request.years         are ORed, different */
    string_list_t types;        /* --type: request.types         options ANDed) */
    string_list_t languages;    /* --lang: request.languages */
    string_list_t events;       /* --event: request.events */
    string_list_t statuses;     /* --status: request.statuses */
    int sort;                   /* into sort_names; -1 until --sort is given */
    int format;                 /* into format_names and printers */
    int color_mode;             /* into color_names: a wm_color_mode_t */
    bool no_pager;
    bool explain;
    bool exact;                 /* --exact: never show a corrected query's results */
    char **argument_words;      /* every word that is not an option (owned array, borrowed strings) */
    char **words;               /* the command's words: into argument_words */
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

/* The search orders (as wm_sort_t), then list's. */
static const char *const sort_names[] = {"relevance", "newest", "oldest", "title", "count", "name", NULL};
enum { SORT_LIST_COUNT = 4, SORT_LIST_NAME = 5, SORT_UNSET = -1, LIMIT_UNSET = UINT_MAX };
static const char *const color_names[] = {"auto", "always", "never", NULL};
static const char *const format_names[] = {"text", "json", "jsonl", "csv", "ids", NULL};
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
    "  -d, --index DIR       index directory (default: $WMSEARCH_INDEX, else\n"
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
    "                        set), always or never\n"
    "      --no-pager        do not page text output on a terminal ($PAGER)\n"
    "      --exact           when the query finds nothing, do not show the results\n"
    "                        of its spelling correction (only offer it)\n"
    "      --explain         print the parsed Xapian query on stderr\n"
    "  -h, --help            show this help\n"
    "  -V, --version         show the version\n"
    "\n"
    "Exit status: 0 something matched, 1 nothing matched, 2 usage or query error,\n"
    "3 index missing or unreadable, 4 (person) several people fit NAME.\n"
    "See wmquery(1).\n"
    "Bash completion: " WM_BASHCOMPLETIONDIR "/wmquery\n";

/* ---- small helpers ----------------------------------------------------- */

static int usage_error(const char *fmt, const char *arg)
{
    fputs("wmquery: ", stderr);
    fprintf(stderr, fmt, arg);
    fputs("\nTry 'wmquery --help' for more information.\n", stderr);
    return EXIT_USAGE;
}

/* The edit distance between a and b (insertions, deletions, substitutions and
 * swaps of two neighbours: "lmit" is one from "limit"), up to 3 (more is 3). */
static int edit_distance(const char *a, const char *b)
{
    enum { FAR = 3, MAX = 32 };
    size_t la = strlen(a), lb = strlen(b);
    if (la >= MAX || lb >= MAX)
        return FAR;
    int d[MAX + 1][MAX + 1];
    for (size_t i = 0; i <= la; i++)
        d[i][0] = (int)i;
    for (size_t j = 0; j <= lb; j++)
        d[0][j] = (int)j;
    for (size_t i = 1; i <= la; i++)
        for (size_t j = 1; j <= lb; j++) {
            int best = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
            if (d[i - 1][j] + 1 < best)
                best = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < best)
                best = d[i][j - 1] + 1;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < best)
                best = d[i - 2][j - 2] + 1;
            d[i][j] = best;
        }
    return d[la][lb] < FAR ? d[la][lb] : FAR;
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

/* ---- the option table -------------------------------------------------- */

enum option_kind {
    OPTION_STRING,    /* const char *: the argument */
    OPTION_COUNT,     /* unsigned: a number from 0 */
    OPTION_FLAG,      /* bool: set */
    OPTION_KEYWORD,   /* int: the argument's index in keywords */
    OPTION_FACETS,    /* unsigned: a bit for each facet named */
    OPTION_LIST,      /* string_list_t: the argument appended (keywords, if any: the values allowed) */
    OPTION_HELP,
    OPTION_VERSION,
};

typedef struct option_spec {
    const char *name;             /* --name */
    char letter;                  /* -l, or 0 for none */
    enum option_kind kind;
    size_t field;                 /* where the value goes: offsetof(options_t, ...) */
    const char *const *keywords;  /* OPTION_KEYWORD: the values allowed */
    const char *implied;          /* OPTION_KEYWORD: the value of a bare --name; NULL: one is needed */
    const char *bad_value;        /* the message for a bad value; %s is the value */
} option_spec_t;

/* Designated initializers: what is not said is zero. */
#define FIELD(member) offsetof(options_t, member)
#define STRING(n, l, member) {.name = n, .letter = l, .kind = OPTION_STRING, .field = FIELD(member)}
#define FLAG(n, member) {.name = n, .kind = OPTION_FLAG, .field = FIELD(member)}
#define COUNT(n, l, member, message) \
    {.name = n, .letter = l, .kind = OPTION_COUNT, .field = FIELD(member), .bad_value = message}
#define KEYWORD(n, l, member, names, bare, message) {.name = n, .letter = l, .kind = OPTION_KEYWORD, \
    .field = FIELD(member), .keywords = names, .implied = bare, .bad_value = message}
#define LIST(n, member, names, message) \
    {.name = n, .kind = OPTION_LIST, .field = FIELD(member), .keywords = names, .bad_value = message}
#define BAD_COLOR "unknown --color '%s' (use auto, always or never)"

/* The words sessions store (archive/session.h), "any", and the British spelling. */
static const char *const status_names[] = {
    WM_STATUS_ACCEPTED, WM_STATUS_CONFIRMED, WM_STATUS_SUBMITTED, WM_STATUS_REJECTED,
    WM_STATUS_WITHDRAWN, WM_STATUS_CANCELED, "cancelled", "any", NULL};

static const option_spec_t option_table[] = {
    STRING("index", 'd', index),
    LIST("track", tracks, NULL, NULL),
    LIST("speaker", speakers, NULL, NULL),
    LIST("year", years, NULL, NULL),
    LIST("type", types, NULL, NULL),
    LIST("lang", languages, NULL, NULL),
    LIST("event", events, NULL, NULL),
    LIST("status", statuses, status_names, "unknown --status '%s' (use accepted, confirmed, submitted, "
                                           "rejected, withdrawn, canceled or any)"),
    COUNT("limit", 'n', request.limit, "--limit needs a number, not '%s'"),
    COUNT("offset", 0, request.offset, "--offset needs a number, not '%s'"),
    KEYWORD("sort", 0, sort, sort_names, NULL,
            "unknown --sort '%s' (use relevance, newest, oldest or title; for list, count or name)"),
    FLAG("count", request.count_only),
    {.name = "facets", .kind = OPTION_FACETS, .field = FIELD(request.facets),
     .bad_value = "bad --facets '%s' (use track,year,type,language,speaker,event,status)"},
    KEYWORD("format", 'f', format, format_names, NULL, "unknown --format '%s' (use text, json, jsonl, csv or ids)"),
    KEYWORD("color", 0, color_mode, color_names, "always", BAD_COLOR),
    KEYWORD("colour", 0, color_mode, color_names, "always", BAD_COLOR),
    FLAG("no-pager", no_pager),
    FLAG("explain", explain),
    FLAG("exact", exact),
    {.name = "help", .letter = 'h', .kind = OPTION_HELP},
    {.name = "version", .letter = 'V', .kind = OPTION_VERSION},
};

enum { N_OPTIONS = sizeof option_table / sizeof *option_table, LONG_ONLY = 256 };

static int argument_needed(const option_spec_t *spec)
{
    if (spec->kind == OPTION_FLAG || spec->kind == OPTION_HELP || spec->kind == OPTION_VERSION)
        return no_argument;
    return spec->implied ? optional_argument : required_argument;
}

/* getopt_long's tables from ours; "-" first: words are handed over in place;
 * ":" then: a missing value is told apart (':') from an unknown option ('?'). */
static void make_getopt_tables(struct option *longs, char *shorts)
{
    *shorts++ = '-';
    *shorts++ = ':';
    for (size_t i = 0; i < N_OPTIONS; i++) {
        const option_spec_t *spec = &option_table[i];
        int has_arg = argument_needed(spec);
        longs[i] = (struct option){spec->name, has_arg, NULL, spec->letter ? spec->letter : LONG_ONLY + (int)i};
        if (spec->letter) {
            *shorts++ = spec->letter;
            if (has_arg == required_argument)
                *shorts++ = ':';
        }
    }
    longs[N_OPTIONS] = (struct option){0};
    *shorts = '\0';
}

/* The spec getopt_long's answer c stands for; NULL for '?' (already reported). */
static const option_spec_t *find_spec(int c)
{
    if (c >= LONG_ONLY)
        return &option_table[c - LONG_ONLY];
    for (size_t i = 0; i < N_OPTIONS; i++)
        if (option_table[i].letter && option_table[i].letter == c)
            return &option_table[i];
    return NULL;
}

/* The option closest to the mistyped long option name (without "--" and
 * "=value"), when one is close enough to be what was meant; else NULL. */
static const char *closest_option(const char *typed, size_t length)
{
    char name[64];
    if (length == 0 || length >= sizeof name)
        return NULL;
    memcpy(name, typed, length);
    name[length] = '\0';
    const char *best = NULL;
    int best_distance = 3;
    for (size_t i = 0; i < N_OPTIONS; i++) {
        int distance = edit_distance(name, option_table[i].name);
        if (distance < best_distance) {
            best_distance = distance;
            best = option_table[i].name;
        }
    }
    /* two edits in a four-letter word is another word */
    return best && (size_t)best_distance * 3 <= length ? best : NULL;
}

/* Say what getopt_long refused ('?' or ':'), in our words and with our
 * prefix; word is the argument it was looking at. */
static int option_error(int c, const char *word)
{
    const option_spec_t *spec = optopt ? find_spec(optopt) : NULL;
    bool is_long = word && strncmp(word, "--", 2) == 0;
    if (c == ':' && spec)
        return is_long ? usage_error("option '--%s' needs a value", spec->name)
                       : usage_error("option '-%s' needs a value", (char[]){spec->letter, '\0'});
    if (spec && is_long)   /* "--count=yes" */
        return usage_error("option '--%s' takes no value", spec->name);
    if (!is_long)
        return usage_error("unknown option '-%s'", (char[]){optopt ? (char)optopt : '?', '\0'});
    const char *name = word + 2;
    size_t length = strcspn(name, "=");
    char candidates[256] = "";
    int n_candidates = 0;
    for (size_t i = 0; i < N_OPTIONS; i++)
        if (strncmp(option_table[i].name, name, length) == 0 && n_candidates++ < 8) {
            strcat(candidates, n_candidates > 1 ? ", --" : "--");
            strcat(candidates, option_table[i].name);
        }
    fprintf(stderr, "wmquery: ");
    if (n_candidates > 1)
        fprintf(stderr, "option '--%.*s' is ambiguous (%s)", (int)length, name, candidates);
    else {
        fprintf(stderr, "unknown option '--%.*s'", (int)length, name);
        const char *meant = closest_option(name, length);
        if (meant)
            fprintf(stderr, "; did you mean '--%s'?", meant);
    }
    fputs("\nTry 'wmquery --help' for more information.\n", stderr);
    return EXIT_USAGE;
}

/* Append value to list (kept NULL-terminated); false when out of memory. */
static bool list_append(string_list_t *list, const char *value)
{
    const char **grown = realloc(list->items, (list->n + 2) * sizeof *grown);
    if (!grown)
        return false;
    grown[list->n++] = value;
    grown[list->n] = NULL;
    list->items = grown;
    return true;
}

/* A repeatable option's value, checked against its keywords when it has some (any case). */
static int apply_list_option(const option_spec_t *spec, const char *arg, string_list_t *list)
{
    bool known = !spec->keywords;
    for (int i = 0; !known && spec->keywords[i]; i++)
        known = wm_str_ieq(arg, spec->keywords[i]);
    if (!known)
        return usage_error(spec->bad_value, arg);
    return list_append(list, arg) ? 0 : usage_error("%s", "out of memory");
}

/* One option; return 0, or EXIT_USAGE, or -1 to exit 0 (help, version). */
static int apply_option(const option_spec_t *spec, const char *arg, options_t *opt)
{
    void *field = (char *)opt + spec->field;
    int i;
    switch (spec->kind) {
    case OPTION_STRING: *(const char **)field = arg; return 0;
    case OPTION_FLAG: *(bool *)field = true; return 0;
    case OPTION_COUNT: return parse_count(arg, field) ? 0 : usage_error(spec->bad_value, arg);
    case OPTION_FACETS: return parse_facets(arg, field) ? 0 : usage_error(spec->bad_value, arg);
    case OPTION_LIST: return apply_list_option(spec, arg, field);
    case OPTION_KEYWORD:
        if ((i = lookup(arg ? arg : spec->implied, spec->keywords)) < 0)
            return usage_error(spec->bad_value, arg);
        *(int *)field = i;
        return 0;
    case OPTION_HELP: fputs(usage_text, stdout); return -1;
    case OPTION_VERSION: printf("wmquery (%s) %s\n", PACKAGE_NAME, WM_VERSION); return -1;
    }
    return EXIT_USAGE;
}

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

/* A word that is not an option: the command's name when it is the first word. */
static void take_word(char *word, bool *command_possible, options_t *opt)
{
    const command_t *command = *command_possible ? find_command(word) : NULL;
    *command_possible = false;
    if (command)
        opt->command = command;
    else
        opt->words[opt->n_words++] = word;
}

/* Options anywhere; words in order.  The first word names a command only
 * when it is exactly one and comes before "--" (getopt's "-" mode hands us
 * the words in place and stops at "--"). */
static int scan_arguments(int argc, char **argv, options_t *opt)
{
    struct option longs[N_OPTIONS + 1];
    char shorts[2 * N_OPTIONS + 3];
    make_getopt_tables(longs, shorts);
    opt->words = opt->argument_words = calloc((size_t)argc + 1, sizeof *opt->words);
    if (!opt->words)
        return usage_error("%s", "out of memory");
    bool command_possible = true;
    int c, rc;
    opterr = 0;   /* getopt's own messages name argv[0]: ours say "wmquery:" */
    for (;;) {
        int before = optind;
        if ((c = getopt_long(argc, argv, shorts, longs, NULL)) == -1)
            break;
        if (c == 1) {
            take_word(optarg, &command_possible, opt);
            continue;
        }
        if (c == '?' || c == ':')
            return option_error(c, before < argc ? argv[before] : NULL);
        const option_spec_t *spec = find_spec(c);
        if (spec->implied && !optarg && optind < argc && lookup(argv[optind], spec->keywords) >= 0)
            optarg = argv[optind++];   /* "--color never" as well as "--color=never" */
        if ((rc = apply_option(spec, optarg, opt)) != 0)
            return rc;
    }
    while (optind < argc)
        opt->words[opt->n_words++] = argv[optind++];
    return 0;
}

/* The words left are the query, joined by spaces. */
static int take_rest_as_query(options_t *opt)
{
    wm_buf_t buf = {0};
    for (int i = 0; i < opt->n_words; i++)
        if ((i && wm_buf_append_char(&buf, ' ') < 0) || wm_buf_append_str(&buf, opt->words[i]) < 0) {
            wm_buf_free(&buf);
            return usage_error("%s", "out of memory");
        }
    opt->query = wm_buf_take(&buf);
    if (!opt->query)
        return usage_error("%s", "out of memory");
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
    return opt->n_words ? 0 : usage_error("%s", "show needs a session id (see --format ids)");
}

static int take_field(options_t *opt)
{
    if (!opt->n_words)
        return usage_error("%s", "list needs one of tracks, speakers, years, types, languages, events, statuses");
    if (!wm_facet_from_name(opt->words[0], &opt->list_facet))
        return usage_error("cannot list '%s' (use tracks, speakers, years, types, languages, events or statuses)",
                           opt->words[0]);
    opt->words++, opt->n_words--;
    return take_rest_as_query(opt);
}

static int take_seed(options_t *opt)
{
    if (!opt->n_words)
        return usage_error("%s", "similar needs a session id (see --format ids)");
    opt->id = opt->words[0];
    opt->words++, opt->n_words--;
    return take_rest_as_query(opt);
}

/* person NAME...: the words are one name or username. */
static int take_person(options_t *opt)
{
    if (!opt->n_words)
        return usage_error("%s", "person needs a name or username (see 'wmquery list speakers')");
    return take_rest_as_query(opt);
}

/* list sorts by name or count; the other commands by relevance, year or title. */
static int check_sort(options_t *opt)
{
    bool list = opt->command->run == run_list;
    if (opt->sort == SORT_UNSET)
        opt->sort = list ? SORT_LIST_NAME : WM_SORT_RELEVANCE;
    else if (list && opt->sort < SORT_LIST_COUNT)
        return usage_error("list sorts by name or count, not '%s'", sort_names[opt->sort]);
    else if (!list && opt->sort >= SORT_LIST_COUNT)
        return usage_error("--sort %s is for list (use relevance, newest, oldest or title)", sort_names[opt->sort]);
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
        fprintf(stderr, "wmquery: did you mean: %s  (%lu session%s)\n", result->suggestion,
                result->suggestion_total, result->suggestion_total == 1 ? "" : "s");
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
        .offset = opt->request.offset, .limit = opt->request.limit, .sort = sort_names[opt->sort],
        .color = opt->printer->for_people && wm_terminal_color((wm_color_mode_t)opt->color_mode),
        .width = wm_terminal_width(),
    };
    opt->page = opt->printer->for_people && !opt->no_pager && !opt->request.count_only && wm_terminal_is_tty();
    int rc = opt->command->run(opt, store);
    wm_pager_finish(&opt->pager);
    return rc;
}

static int open_and_run(options_t *opt)
{
    char *message = NULL;
    char *index_path = wm_index_path(opt->index, &message);
    wm_store_t *store = NULL;
    int rc;
    if (!index_path) {
        fprintf(stderr, "wmquery: %s\n", message ? message : "out of memory");
        rc = EXIT_INDEX;
    } else {
        wm_store_status_t status = wm_store_open_readonly(index_path, &store, &message);
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
    free(opt.argument_words);
    free(opt.query);
    free(opt.tracks.items);
    free(opt.speakers.items);
    free(opt.years.items);
    free(opt.types.items);
    free(opt.languages.items);
    free(opt.events.items);
    free(opt.statuses.items);
    return rc < 0 ? EXIT_SUCCESS : rc;
}
