/* printer.h: how wmquery prints what the store returns.  One interface with
 * five implementations, as in notmuch's sprinter: text for people
 * (printer_text.c) and json, jsonl, csv and ids for scripts (printer_json.c,
 * printer_csv.c; the contract is doc/json-format.md).
 *
 * A printer writes to stdout and returns 0, or -1 when it ran out of memory
 * (what was printed before stays printed).  It never exits and never writes
 * to stderr: the program decides what the user is told. */
#ifndef WM_QUERY_PRINTER_H
#define WM_QUERY_PRINTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "archive/session.h"
#include "store/store.h"

/* What a printer needs besides the data: the request as the user made it,
 * and how text should look.  All strings are borrowed. */
typedef struct wm_print_context {
    const char *query;       /* the query words joined by spaces; "" for none */
    const char *similar_to;  /* similar: the seed session's id; NULL otherwise */
    const char *corrected_query;  /* search: the query found nothing, and the results are
                                   * those of this correction of it; NULL otherwise */
    unsigned offset;
    unsigned limit;
    const char *sort;        /* the sort order's name, as in --sort */
    bool color;              /* text: bold titles (snippets arrive highlighted) */
    int width;               /* text: wrap at this many columns */
    size_t values_total;     /* list: the values there are (those printed may be fewer: -n, --offset) */
    const char *const *missing;   /* show: the ids no session has, in the order asked */
    size_t n_missing;
} wm_print_context_t;

/* A printer; wmquery's --format table names them. */
typedef struct wm_printer {
    bool for_people;         /* colour and the pager apply to it */
    bool snippets;           /* its results show a snippet of each abstract */
    bool suggestion;         /* its results show the "did you mean" suggestion (else wmquery
                              * puts it on stderr) */
    /* One page of search (or similar) results, facets and suggestion included. */
    int (*results)(const wm_print_context_t *context, const wm_search_result_t *result);
    /* Whole sessions (show), in the order asked; context->missing: the ids not found
     * (json says so in the document; the others print only what was found). */
    int (*sessions)(const wm_print_context_t *context, wm_session_t *const *sessions, size_t n);
    /* The values of one field with counts (list); total: the sessions matched. */
    int (*values)(const wm_print_context_t *context, wm_facet_t field, const wm_facet_counts_t *values,
                  unsigned long total);
    /* person: the person asked for (n_people 1) or the candidates (several);
     * context->query is what was asked. */
    int (*person)(const wm_print_context_t *context, const wm_person_result_t *result);
} wm_printer_t;

/* The "did you mean" line, when result has a suggestion: lead, the
 * corrected query and its count ("(at least N sessions)" when the count is
 * a lower bound).  Text results print it on stdout; wmquery puts it on
 * stderr for the outputs that have no place for it. */
void wm_print_suggestion(FILE *out, const char *lead, const wm_search_result_t *result);

extern const wm_printer_t wm_printer_text;
extern const wm_printer_t wm_printer_json;
extern const wm_printer_t wm_printer_jsonl;
extern const wm_printer_t wm_printer_csv;
extern const wm_printer_t wm_printer_ids;

#endif
