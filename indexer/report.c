/* wmindex's per-input counts and warnings (see report.h). */
#include "indexer/report.h"

#include <stdlib.h>
#include <string.h>

/* A candidate share above this, rejected, is worth a warning: a wrong
 * guess about the pages' shape, most likely. */
#define REJECTED_WARNING_PERCENT 10

static report_entry_t *entry_for(report_t *report, const char *name, const char *path,
                                 bool is_export)
{
    for (size_t i = 0; i < report->n; i++) {
        report_entry_t *e = &report->entries[i];
        if (e->is_export == is_export && strcmp(e->name, name) == 0 &&
            (!is_export || strcmp(e->path, path) == 0))
            return e;
    }
    report_entry_t *grown = realloc(report->entries, (report->n + 1) * sizeof *grown);
    if (!grown)
        return NULL;
    report->entries = grown;
    report_entry_t *e = &grown[report->n];
    *e = (report_entry_t){.name = strdup(name), .path = is_export ? strdup(path) : NULL,
                          .is_export = is_export};
    if (!e->name || (is_export && !e->path)) {
        free(e->name);
        free(e->path);
        return NULL;
    }
    report->n++;
    return e;
}

static void add_tally(wm_tally_t *sum, const wm_tally_t *t)
{
    sum->pages += t->pages;
    sum->candidates += t->candidates;
    sum->sessions += t->sessions;
    for (int r = 0; r < WM_REJECT_REASON_COUNT; r++)
        sum->rejected[r] += t->rejected[r];
}

/* "(candidate without fields: 3, listing page: 1)" */
static void print_reasons(FILE *out, const wm_tally_t *t)
{
    const char *sep = " (";
    for (int r = 0; r < WM_REJECT_REASON_COUNT; r++)
        if (t->rejected[r]) {
            fprintf(out, "%s%s: %lu", sep, wm_reject_reason_name((wm_reject_reason_t)r), t->rejected[r]);
            sep = ", ";
        }
    if (*sep == ',')
        fputc(')', out);
}

int report_dump(report_t *report, FILE *err, bool warn, const wm_rules_t *rules, const char *path,
                const char *dbname, const wm_tally_t *tallies, size_t n_tallies)
{
    wm_tally_t sum = {0};
    for (size_t i = 0; i < n_tallies; i++)
        add_tally(&sum, &tallies[i]);
    report_entry_t *e = entry_for(report, dbname, path, false);
    if (!e)
        return -1;
    add_tally(&e->total, &sum);
    if (!warn)
        return 0;
    unsigned long rejected = wm_tally_rejected(&sum);
    if (!wm_rules_wiki_known(rules, dbname)) {
        fprintf(err, "wmindex: warning: %s: %s: not a Wikimania wiki, no session pages expected "
                "(%lu pages read)\n", path, dbname, sum.pages);
    } else if (sum.sessions == 0) {
        fprintf(err, "wmindex: warning: %s: %s: no session found in %lu pages (%lu candidates",
                path, dbname, sum.pages, sum.candidates);
        if (rejected) {
            fprintf(err, ", %lu rejected", rejected);
            print_reasons(err, &sum);
        }
        fputs(")\n", err);
    } else if (rejected * 100 > sum.candidates * REJECTED_WARNING_PERCENT) {
        fprintf(err, "wmindex: warning: %s: %s: %lu of %lu candidates rejected (%.0f%%)", path,
                dbname, rejected, sum.candidates, 100.0 * rejected / sum.candidates);
        print_reasons(err, &sum);
        fputs("; see wmindex --explain\n", err);
    }
    return 0;
}

int report_export(report_t *report, FILE *err, bool warn, const char *path, const char *event,
                  const wm_tally_t *tally)
{
    report_entry_t *e = entry_for(report, event && *event ? event : "schedule export", path, true);
    if (!e)
        return -1;
    add_tally(&e->total, tally);
    if (warn && tally->sessions == 0)
        fprintf(err, "wmindex: warning: %s: %s: no session found in %lu talks\n", path, e->name,
                tally->pages);
    return 0;
}

void report_print(const report_t *report, FILE *err)
{
    for (size_t i = 0; i < report->n; i++) {
        const report_entry_t *e = &report->entries[i];
        const wm_tally_t *t = &e->total;
        if (e->is_export)
            fprintf(err, "wmindex:   %s (%s): %lu talks, %lu sessions", e->name, e->path, t->pages,
                    t->sessions);
        else
            fprintf(err, "wmindex:   %s: %lu pages, %lu candidates, %lu sessions", e->name, t->pages,
                    t->candidates, t->sessions);
        fprintf(err, ", %lu rejected", wm_tally_rejected(t));
        print_reasons(err, t);
        fputc('\n', err);
    }
}

void report_free(report_t *report)
{
    for (size_t i = 0; i < report->n; i++) {
        free(report->entries[i].name);
        free(report->entries[i].path);
    }
    free(report->entries);
    report->entries = NULL;
    report->n = 0;
}
