/* What the extractor says about a dump besides its sessions: the tallies
 * per year (pages read, candidates, sessions, rejections by reason) and
 * the explanations of the pages wmindex --explain names.  The public types
 * (wm_tally_t in archive/tally.h, wm_explanation_t in archive/extract.h)
 * are what callers see; these are the extractor's containers of them.
 *
 * Internal to archive/: the extractor owns one of each. */
#ifndef WM_EXPLAIN_H
#define WM_EXPLAIN_H

#include <stdbool.h>
#include <stddef.h>

#include "archive/evidence.h"
#include "archive/extract.h"
#include "archive/rules.h"
#include "archive/tally.h"

#ifdef __cplusplus
extern "C" {
#endif

/* --- tallies ------------------------------------------------------------------ */

/* The tallies of one dump, one per year, in increasing year order.
 * Zero-initialise; release with wm_tallies_free(). */
typedef struct wm_tallies {
    wm_tally_t *items;
    size_t n;
    bool final;   /* the dump ended: the next count starts a new dump's tallies */
} wm_tallies_t;

/* The tally of year, made in year order when new (after a finished dump,
 * in an empty set); NULL when out of memory. */
wm_tally_t *wm_tallies_of(wm_tallies_t *tallies, int year);

/* The dump ended; a dump with no page at all has no tallies. */
void wm_tallies_finish(wm_tallies_t *tallies);

void wm_tallies_free(wm_tallies_t *tallies);

/* --- explanations ------------------------------------------------------------- */

/* The titles asked about, and the explanations not taken yet.
 * Zero-initialise; release with wm_explainer_free(). */
typedef struct wm_explainer {
    wm_names_t titles;
    wm_explanation_t **queue;   /* FIFO: queue[head .. n) */
    size_t n, head;
} wm_explainer_t;

/* Explain the pages titled title from now on.  Return 0, or -1 when out of memory. */
int wm_explainer_ask(wm_explainer_t *explainer, const char *title);

/* Is an explanation of title asked for (compared as page names)? */
bool wm_explainer_wants(const wm_explainer_t *explainer, const char *title);

/* Queue an explanation of the page title of wiki, read from source.  why
 * is taken (malloc'd; NULL counts as out of memory); the evidence is moved
 * out of *evidence when it is not NULL (and left there on failure);
 * reason is a wm_reject_reason_t or -1; session_id is copied when not NULL.
 * Return 0, or -1 when out of memory. */
int wm_explainer_add(wm_explainer_t *explainer, const char *wiki, const char *title,
                     const char *source, char *why, wm_evidence_list_t *evidence,
                     wm_explain_result_t result, int reason, const char *session_id);

/* The oldest explanation not taken (caller frees with
 * wm_explanation_free), or NULL when none is left. */
wm_explanation_t *wm_explainer_next(wm_explainer_t *explainer);

void wm_explainer_free(wm_explainer_t *explainer);

#ifdef __cplusplus
}
#endif

#endif
