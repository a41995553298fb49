/* What wmindex tells the user about its inputs, beyond errors: one line
 * per wiki (dbname) and per export in the end-of-run summary, and the
 * warnings that keep a run from being silently empty.  wmindex's helper,
 * not a library: it prints. */
#ifndef WM_REPORT_H
#define WM_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "archive/rules.h"
#include "archive/tally.h"

/* A wiki's (or an export's) counts over every input of the run. */
typedef struct report_entry {
    char *name;            /* the dbname, or the export's event */
    char *path;            /* an export: its file; a wiki: NULL */
    bool is_export;
    wm_tally_t total;      /* year unused */
} report_entry_t;

typedef struct report {
    report_entry_t *entries;
    size_t n;
} report_t;

/* A dump of wiki dbname was read from path: add its tallies to the wiki's
 * entry and, when warn is set, print to err the warnings it deserves (a
 * wiki no era covers, no session at all, more than 10% of the candidates
 * rejected).  Return 0, or -1 when out of memory. */
int report_dump(report_t *report, FILE *err, bool warn, const wm_rules_t *rules, const char *path,
                const char *dbname, const wm_tally_t *tallies, size_t n_tallies);

/* An export of event was read from path (tally: its talks and sessions). */
int report_export(report_t *report, FILE *err, bool warn, const char *path, const char *event,
                  const wm_tally_t *tally);

/* One line per entry, "wmindex:   NAME: N pages, ..." */
void report_print(const report_t *report, FILE *err);

void report_free(report_t *report);

#endif
