/* The option-table parser of both programs (cli/options.h): getopt_long's
 * reading of a command line, driven by a wm_option_t table, with the
 * messages the programs give for a usage error.  Prints nothing. */
#include "cli/options.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"

enum value_need { NO_VALUE, NEEDS_VALUE, MAY_TAKE_VALUE };
enum { FAR = 3, MAX_NAME = 32, MAX_CANDIDATES = 8 };

/* Where the reading is. */
typedef struct parser {
    const wm_option_t *table;
    int argc;
    char **argv;
    int next;               /* the argument to read next */
    wm_arguments_t *args;
} parser_t;

/* ---- messages ----------------------------------------------------------- */

static char *format_text(const char *format, va_list ap)
{
    va_list copy;
    va_copy(copy, ap);
    int n = vsnprintf(NULL, 0, format, copy);
    va_end(copy);
    char *text = n >= 0 ? malloc((size_t)n + 1) : NULL;
    if (text)
        vsnprintf(text, (size_t)n + 1, format, ap);
    return text;
}

/* Record a usage error; WM_ERR_MALFORMED, or WM_ERR_NO_MEMORY when even the
 * message could not be made. */
static wm_result_t refuse(parser_t *p, const char *format, ...) __attribute__((format(printf, 2, 3)));
static wm_result_t refuse(parser_t *p, const char *format, ...)
{
    va_list ap;
    va_start(ap, format);
    free(p->args->error);
    p->args->error = format_text(format, ap);
    va_end(ap);
    return p->args->error ? WM_ERR_MALFORMED : WM_ERR_NO_MEMORY;
}

char *wm_options_usage_error(const char *program, const char *format, ...)
{
    va_list ap;
    va_start(ap, format);
    char *message = format_text(format, ap);
    va_end(ap);
    char *lines = message ? wm_strdup_printf("%s: %s\nTry '%s --help' for more information.\n", program,
                                             message, program)
                          : NULL;
    free(message);
    return lines;
}

/* "a, b or c" from the keywords' names (caller frees; NULL when out of memory). */
static char *keyword_choices(const wm_option_keyword_t *keywords)
{
    wm_buf_t buf = {0};
    int failed = 0;
    for (size_t i = 0; keywords[i].name; i++) {
        const char *glue = i == 0 ? "" : keywords[i + 1].name ? ", " : " or ";
        failed |= wm_buf_append_str(&buf, glue) | wm_buf_append_str(&buf, keywords[i].name);
    }
    if (failed) {
        wm_buf_free(&buf);
        return NULL;
    }
    return wm_buf_take(&buf);
}

/* The message for a value the option refuses: the table's own, else one
 * made from its name and keywords. */
static wm_result_t refuse_value(parser_t *p, const wm_option_t *o, const char *value)
{
    if (o->bad_value)
        return refuse(p, o->bad_value, value);
    if (o->count && o->max_count)
        return refuse(p, "--%s needs a number from %u to %u, not '%s'", o->name, o->min_count, o->max_count,
                      value);
    if (o->count)
        return refuse(p, "--%s needs a %snumber, not '%s'", o->name, o->min_count ? "positive " : "", value);
    if (!o->keywords)
        return refuse(p, "bad --%s '%s'", o->name, value);
    char *choices = keyword_choices(o->keywords);
    if (!choices)
        return WM_ERR_NO_MEMORY;
    wm_result_t rc = refuse(p, "unknown --%s '%s' (use %s)", o->name, value, choices);
    free(choices);
    return rc;
}

/* ---- the nearest option ------------------------------------------------- */

/* How many edits (insertions, deletions, substitutions, and swaps of two
 * neighbours: "lmit" is one from "limit") make a into b; FAR or more is FAR. */
static int edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la >= MAX_NAME || lb >= MAX_NAME)
        return FAR;
    int d[MAX_NAME + 1][MAX_NAME + 1];
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

/* The long option nearest to the mistyped name, when it is near enough to
 * be what was meant (two edits in a four-letter word make another word);
 * else NULL. */
static const char *nearest_option(const wm_option_t *table, const char *typed, size_t length)
{
    char name[MAX_NAME];
    if (length == 0 || length >= sizeof name)
        return NULL;
    memcpy(name, typed, length);
    name[length] = '\0';
    const char *best = NULL;
    int best_distance = FAR;
    for (const wm_option_t *o = table; o->name; o++) {
        int distance = edit_distance(name, o->name);
        if (distance < best_distance) {
            best_distance = distance;
            best = o->name;
        }
    }
    return best && (size_t)best_distance * 3 <= length ? best : NULL;
}

/* ---- finding an option -------------------------------------------------- */

static enum value_need value_need(const wm_option_t *o)
{
    if (o->flag || o->choice)
        return NO_VALUE;
    return o->keyword && o->implied ? MAY_TAKE_VALUE : NEEDS_VALUE;
}

/* Two names of one option (--color, --colour): the same target, the same effect. */
static bool same_option(const wm_option_t *a, const wm_option_t *b)
{
    return a->flag == b->flag && a->choice == b->choice && a->string == b->string && a->list == b->list &&
           a->count == b->count && a->keyword == b->keyword && a->parse == b->parse && a->target == b->target &&
           a->value == b->value;
}

/* "option '--co' is ambiguous (--count, --color, --colour)" */
static wm_result_t refuse_ambiguous(parser_t *p, const char *name, size_t length)
{
    wm_buf_t names = {0};
    int failed = 0, n = 0;
    for (const wm_option_t *o = p->table; o->name; o++)
        if (strncmp(o->name, name, length) == 0 && n++ < MAX_CANDIDATES)
            failed |= wm_buf_append_str(&names, n > 1 ? ", --" : "--") | wm_buf_append_str(&names, o->name);
    wm_result_t rc = failed ? WM_ERR_NO_MEMORY
                            : refuse(p, "option '--%.*s' is ambiguous (%s)", (int)length, name, names.data);
    wm_buf_free(&names);
    return rc;
}

static wm_result_t refuse_unknown(parser_t *p, const char *name, size_t length)
{
    const char *meant = nearest_option(p->table, name, length);
    if (meant)
        return refuse(p, "unknown option '--%.*s'; did you mean '--%s'?", (int)length, name, meant);
    return refuse(p, "unknown option '--%.*s'", (int)length, name);
}

/* The option a long name (name[0..length), perhaps shortened) stands for:
 * an exact name first, else the one option the prefix fits.  NULL, after
 * recording why, when none or several do. */
static const wm_option_t *find_long(parser_t *p, const char *name, size_t length, wm_result_t *rc)
{
    const wm_option_t *found = NULL;
    bool ambiguous = false;
    for (const wm_option_t *o = p->table; o->name && length; o++) {
        if (strncmp(o->name, name, length) != 0)
            continue;
        if (o->name[length] == '\0')
            return o;
        if (found && !same_option(found, o))
            ambiguous = true;
        else if (!found)
            found = o;
    }
    if (!found || ambiguous) {
        *rc = found ? refuse_ambiguous(p, name, length) : refuse_unknown(p, name, length);
        return NULL;
    }
    return found;
}

static const wm_option_t *find_short(const wm_option_t *table, char letter)
{
    for (const wm_option_t *o = table; o->name; o++)
        if (o->letter && o->letter == letter)
            return o;
    return NULL;
}

/* ---- values ------------------------------------------------------------- */

static const wm_option_keyword_t *find_keyword(const wm_option_keyword_t *keywords, const char *name,
                                               bool any_case)
{
    for (size_t i = 0; keywords && keywords[i].name; i++)
        if (any_case ? wm_str_ieq(name, keywords[i].name) : strcmp(name, keywords[i].name) == 0)
            return &keywords[i];
    return NULL;
}

static bool list_append(wm_option_list_t *list, const char *value)
{
    const char **grown = realloc(list->items, (list->n + 2) * sizeof *grown);
    if (!grown)
        return false;
    grown[list->n++] = value;
    grown[list->n] = NULL;
    list->items = grown;
    return true;
}

/* Put the option's value (NULL: given without one) where it goes. */
static wm_result_t apply(parser_t *p, const wm_option_t *o, const char *value)
{
    const wm_option_keyword_t *keyword;
    if (o->flag)
        *o->flag = true;
    else if (o->choice)
        *o->choice = o->value;
    else if (o->string)
        *o->string = value;
    else if (o->list) {
        if (o->keywords && !find_keyword(o->keywords, value, true))
            return refuse_value(p, o, value);
        if (!list_append(o->list, value))
            return WM_ERR_NO_MEMORY;
    } else if (o->count) {
        unsigned n;
        if (!wm_options_parse_count(value, o->min_count, &n) || (o->max_count && n > o->max_count))
            return refuse_value(p, o, value);
        *o->count = n;
    } else if (o->keyword) {
        if (!(keyword = find_keyword(o->keywords, value ? value : o->implied, false)))
            return refuse_value(p, o, value);
        *o->keyword = keyword->value;
    } else if (o->parse && !o->parse(value, o->target))
        return refuse_value(p, o, value);
    return o->stop ? WM_STOPPED : WM_OK;
}

/* The value of an option written without one in its own argument: the next
 * argument (which may be missing: NULL), or, when the value is optional,
 * the next argument only if it is one of the option's keywords. */
static const char *following_value(parser_t *p, const wm_option_t *o)
{
    if (p->next >= p->argc)
        return NULL;
    const char *next = p->argv[p->next];
    if (value_need(o) == MAY_TAKE_VALUE && !find_keyword(o->keywords, next, false))
        return NULL;
    p->next++;
    return next;
}

/* ---- arguments ---------------------------------------------------------- */

/* "--name", "--name=value", "--name value" */
static wm_result_t read_long(parser_t *p, const char *arg)
{
    const char *name = arg + 2;
    size_t length = strcspn(name, "=");
    const char *value = name[length] == '=' ? name + length + 1 : NULL;
    wm_result_t rc = WM_OK;
    const wm_option_t *o = find_long(p, name, length, &rc);
    if (!o)
        return rc;
    enum value_need need = value_need(o);
    if (need == NO_VALUE && value)
        return refuse(p, "option '--%s' takes no value", o->name);
    if (need != NO_VALUE && !value)
        value = following_value(p, o);
    if (need == NEEDS_VALUE && !value)
        return refuse(p, "option '--%s' needs a value", o->name);
    return apply(p, o, value);
}

/* "-v", "-vq", "-n3", "-n 3" */
static wm_result_t read_short(parser_t *p, const char *arg)
{
    for (const char *c = arg + 1; *c; c++) {
        const wm_option_t *o = find_short(p->table, *c);
        if (!o)
            return refuse(p, "unknown option '-%c'", *c);
        enum value_need need = value_need(o);
        if (need == NO_VALUE) {
            wm_result_t rc = apply(p, o, NULL);
            if (rc != WM_OK)
                return rc;
            continue;
        }
        const char *value = c[1] ? c + 1 : following_value(p, o);
        if (need == NEEDS_VALUE && !value)
            return refuse(p, "option '-%c' needs a value", *c);
        return apply(p, o, value);
    }
    return WM_OK;
}

wm_result_t wm_options_parse(const wm_option_t *table, int argc, char **argv, wm_arguments_t *args)
{
    parser_t p = {.table = table, .argc = argc, .argv = argv, .next = 1, .args = args};
    args->words = calloc((size_t)(argc > 0 ? argc : 0) + 1, sizeof *args->words);
    if (!args->words)
        return WM_ERR_NO_MEMORY;
    args->n_words = 0;
    args->n_before_dashes = -1;
    wm_result_t rc = WM_OK;
    while (rc == WM_OK && p.next < argc) {
        char *arg = argv[p.next++];
        if (args->n_before_dashes >= 0 || arg[0] != '-' || arg[1] == '\0')
            args->words[args->n_words++] = arg;
        else if (strcmp(arg, "--") == 0)
            args->n_before_dashes = args->n_words;
        else if (arg[1] == '-')
            rc = read_long(&p, arg);
        else
            rc = read_short(&p, arg);
    }
    if (args->n_before_dashes < 0)
        args->n_before_dashes = args->n_words;
    return rc;
}

void wm_arguments_free(wm_arguments_t *args)
{
    free(args->words);
    free(args->error);
    *args = (wm_arguments_t){0};
}

void wm_option_list_free(wm_option_list_t *list)
{
    free(list->items);
    *list = (wm_option_list_t){0};
}

bool wm_options_parse_count(const char *text, unsigned min, unsigned *count)
{
    unsigned long n = 0;
    if (!text || !*text)
        return false;
    for (const char *c = text; *c; c++) {
        if (*c < '0' || *c > '9')
            return false;
        n = n * 10 + (unsigned long)(*c - '0');
        if (n > INT_MAX)
            return false;
    }
    if (n < min)
        return false;
    *count = (unsigned)n;
    return true;
}

const char *wm_options_keyword_name(const wm_option_keyword_t *keywords, int value)
{
    for (size_t i = 0; keywords && keywords[i].name; i++)
        if (keywords[i].value == value)
            return keywords[i].name;
    return NULL;
}
