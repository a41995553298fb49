/* The command-line option parser of both programs (wmindex, wmquery), in
 * notmuch's way (notmuch_opt_desc_t): a program describes its options as a
 * table of wm_option_t, each entry naming where its value goes, and
 * wm_options_parse fills those in and hands back the arguments that are not
 * options.  It never prints and never exits: a usage error comes back as one
 * line of text, and wm_options_usage_error makes the two lines every
 * program prints for one ("PROGRAM: MESSAGE", "Try 'PROGRAM --help' ...").
 *
 * The command line is read as GNU getopt_long reads it, without its global
 * state:
 *  - options and other arguments ("words") may come in any order; "--" ends
 *    the options; "-" alone is a word;
 *  - a long option may be shortened to a prefix that only it has (options
 *    with the same target, such as --color and --colour, count as one);
 *    its value is written --name=value or as the next argument;
 *  - short options may be grouped (-vq); a value follows joined (-n3) or
 *    as the next argument (-n 3);
 *  - an option with an implied value (--color alone means --color=always)
 *    takes a value written --color=never, or the next argument when that is
 *    one of its keywords (--color never);
 *  - given twice, the later value wins, but a list collects every value.
 * A mistyped long option is answered with the nearest one ("did you mean
 * '--limit'?"). */
#ifndef WM_CLI_OPTIONS_H
#define WM_CLI_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>

#include "common/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A word an option takes, and the number it stands for.  Tables of them end
 * with an entry whose name is NULL. */
typedef struct wm_option_keyword {
    const char *name;
    int value;
} wm_option_keyword_t;

/* The values of a repeatable option, in order; items is NULL-terminated
 * (NULL while empty).  The array is the caller's to free
 * (wm_option_list_free); the strings are argv's. */
typedef struct wm_option_list {
    const char **items;
    size_t n;
} wm_option_list_t;

/* One option.  Exactly one of the targets (flag ... parse) is set; that
 * says what the option takes.  Designated initializers leave the rest 0. */
typedef struct wm_option {
    const char *name;       /* the long name, without "--"; NULL ends the table */
    char letter;            /* the short name, or 0 for none */

    /* where the value goes */
    bool *flag;             /* set to true; takes no value */
    int *choice;            /* set to .value; takes no value (-v and -q setting one verbosity) */
    const char **string;    /* the value (argv's string) */
    wm_option_list_t *list; /* the value appended: the option may be repeated */
    unsigned *count;        /* a decimal number from .min_count to .max_count */
    int *keyword;           /* the .value of the keyword named (exactly, case and all) */
    bool (*parse)(const char *value, void *target);   /* the program's own reading of the */
    void *target;                                     /* value into target; false: refused */

    /* what the targets need */
    int value;              /* choice: what it sets */
    unsigned min_count;     /* count: the smallest number allowed (1: a positive number) */
    unsigned max_count;     /* count: the largest number allowed; 0: INT_MAX */
    const wm_option_keyword_t *keywords;   /* keyword: the words allowed; list: when set,
                                            * the only values allowed (in any case; the value
                                            * is kept as typed) */
    const char *implied;    /* keyword: what the option alone stands for; the value is then optional */
    const char *bad_value;  /* the message for a refused value, with one %s for the value; NULL:
                             * one made from the name (and the keywords: "unknown --format 'xml'
                             * (use text or json)") */
    bool stop;              /* reading ends after this option (--help, --version) */
} wm_option_t;

/* What wm_options_parse gives besides the targets. */
typedef struct wm_arguments {
    char **words;           /* the arguments that are not options, in order, NULL-terminated
                             * (the array is owned, the strings are argv's) */
    int n_words;
    int n_before_dashes;    /* how many of words came before "--" (n_words when none did) */
    char *error;            /* after an error: what was wrong, one line without the program's
                             * name (owned) */
} wm_arguments_t;

/* Read argv[1..argc) by table into the targets and *args (which the caller
 * zeroes first and frees with wm_arguments_free whatever this returns).
 * WM_OK: all read.  WM_STOPPED: an option with .stop was given (its target
 * set; words and later options were not read).  WM_ERR_MALFORMED: a usage
 * error (args->error says what; targets may be partly set).
 * WM_ERR_NO_MEMORY: out of memory (args->error may be NULL). */
wm_result_t wm_options_parse(const wm_option_t *table, int argc, char **argv, wm_arguments_t *args);

void wm_arguments_free(wm_arguments_t *args);

/* Free list's array and empty it. */
void wm_option_list_free(wm_option_list_t *list);

/* A decimal number from min to INT_MAX (no sign, no blanks) into *count;
 * false, leaving *count alone, when text is not one. */
bool wm_options_parse_count(const char *text, unsigned min, unsigned *count);

/* The name of the keyword whose value is value; NULL when none has it. */
const char *wm_options_keyword_name(const wm_option_keyword_t *keywords, int value);

/* The two lines of a usage error, "PROGRAM: MESSAGE\n" and "Try 'PROGRAM
 * --help' for more information.\n", as one text; format and what follows
 * are printf's, making MESSAGE (caller frees; NULL when out of memory). */
char *wm_options_usage_error(const char *program, const char *format, ...)
    __attribute__((format(printf, 2, 3)));

#ifdef __cplusplus
}
#endif

#endif
