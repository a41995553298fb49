/* The extractor's tallies and explanations (archive/explain.h), and the
 * functions of the public explanation type (archive/extract.h). */
#include "archive/explain.h"

#include <stdlib.h>
#include <string.h>

#include "archive/lookups.h"

/* --- tallies ------------------------------------------------------------------ */

wm_tally_t *wm_tallies_of(wm_tallies_t *tallies, int year)
{
    if (tallies->final) {   /* a new dump */
        tallies->n = 0;
        tallies->final = false;
    }
    size_t i = 0;
    while (i < tallies->n && tallies->items[i].year < year)
        i++;
    if (i < tallies->n && tallies->items[i].year == year)
        return &tallies->items[i];
    wm_tally_t *grown = realloc(tallies->items, (tallies->n + 1) * sizeof *grown);
    if (!grown)
        return NULL;
    tallies->items = grown;
    memmove(&grown[i + 1], &grown[i], (tallies->n - i) * sizeof *grown);
    tallies->n++;
    grown[i] = (wm_tally_t){.year = year};
    return &grown[i];
}

void wm_tallies_finish(wm_tallies_t *tallies)
{
    if (tallies->final)   /* no page since the last dump: this one gave nothing */
        tallies->n = 0;
    tallies->final = true;
}

void wm_tallies_free(wm_tallies_t *tallies)
{
    free(tallies->items);
    *tallies = (wm_tallies_t){0};
}

/* --- explanations ------------------------------------------------------------- */

const char *wm_explain_result_name(wm_explain_result_t result)
{
    static const char *const names[] = {"not a candidate", "session", "rejected", "translation"};
    return (unsigned)result < sizeof names / sizeof *names ? names[result] : "?";
}

void wm_explanation_free(wm_explanation_t *explanation)
{
    if (!explanation)
        return;
    free(explanation->wiki);
    free(explanation->page_title);
    free(explanation->source);
    free(explanation->why);
    wm_evidence_list_free(&explanation->evidence);
    free(explanation->session_id);
    free(explanation);
}

int wm_explainer_ask(wm_explainer_t *explainer, const char *title)
{
    char **items = realloc(explainer->titles.items, (explainer->titles.n + 1) * sizeof *items);
    if (!items)
        return -1;
    explainer->titles.items = items;
    if (!(items[explainer->titles.n] = strdup(title)))
        return -1;
    explainer->titles.n++;
    return 0;
}

bool wm_explainer_wants(const wm_explainer_t *explainer, const char *title)
{
    return explainer->titles.n && wm_lookups_names_have(&explainer->titles, title);
}

int wm_explainer_add(wm_explainer_t *explainer, const char *wiki, const char *title,
                     const char *source, char *why, wm_evidence_list_t *evidence,
                     wm_explain_result_t result, int reason, const char *session_id)
{
    wm_explanation_t *e = calloc(1, sizeof *e);
    wm_explanation_t **queue =
        e ? realloc(explainer->queue, (explainer->n + 1) * sizeof *queue) : NULL;
    if (queue)
        explainer->queue = queue;
    if (!queue || !why || !(e->wiki = strdup(wiki)) || !(e->page_title = strdup(title)) ||
        !(e->source = strdup(source ? source : "")) ||
        (session_id && !(e->session_id = strdup(session_id)))) {
        free(why);
        wm_explanation_free(e);
        return -1;
    }
    e->why = why;
    e->candidate = result != WM_EXPLAIN_NOT_CANDIDATE && result != WM_EXPLAIN_TRANSLATION;
    e->result = result;
    e->reason = reason >= 0 ? wm_reject_reason_name((wm_reject_reason_t)reason) : NULL;
    if (evidence) {
        e->evidence = *evidence;
        memset(evidence, 0, sizeof *evidence);
    }
    explainer->queue[explainer->n++] = e;
    return 0;
}

/* A drained queue starts over, so that its array holds only the
 * explanations waiting, not every one ever made. */
wm_explanation_t *wm_explainer_next(wm_explainer_t *explainer)
{
    if (explainer->head == explainer->n) {
        explainer->head = explainer->n = 0;
        return NULL;
    }
    return explainer->queue[explainer->head++];
}

void wm_explainer_free(wm_explainer_t *explainer)
{
    for (size_t i = 0; i < explainer->titles.n; i++)
        free(explainer->titles.items[i]);
    free(explainer->titles.items);
    for (size_t i = explainer->head; i < explainer->n; i++)
        wm_explanation_free(explainer->queue[i]);
    free(explainer->queue);
    *explainer = (wm_explainer_t){0};
}
