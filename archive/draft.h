/* Drafts: what a candidate page gave (its evidence, in order of
 * precedence, and its identity), kept by the extractor until the session
 * can be built (a speaker page or switch template may come later in the
 * dump), and the building of the session: each field from the first piece
 * of its evidence that gives a value (doc/rules.md, "Where a field comes
 * from"), and the rule that makes a candidate a session or a rejected one.
 * Internal to archive/. */
#ifndef WM_DRAFT_H
#define WM_DRAFT_H

#include <stdbool.h>

#include "archive/evidence.h"
#include "archive/lookups.h"
#include "archive/rules.h"
#include "archive/session.h"
#include "common/util.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct wm_draft {
    const wm_era_rule_t *era;      /* owned by the rules */
    wm_evidence_list_t evidence;   /* in order of precedence */
    char *id, *url, *source, *page_title, *timestamp;
    int year;
    bool explain;                  /* its explanation is asked for */
} wm_draft_t;

/* What building needs, and the failures it met (sticky; the caller clears
 * them when it has taken note). */
typedef struct wm_draft_builder {
    const wm_rules_t *rules;
    wm_lookups_t *lookups;         /* speaker pages and switch tables seen so far */
    bool oom;                      /* an allocation failed */
    bool spill_failed;             /* a kept biography could not be read back */
} wm_draft_builder_t;

/* Free a draft and all it owns; NULL is allowed. */
void wm_draft_free(wm_draft_t *draft);

/* The draft as a record (archive/spill.h) in b (replaced): the era as its
 * index in rules.  false when out of memory or too large. */
bool wm_draft_encode(const wm_rules_t *rules, wm_buf_t *b, const wm_draft_t *draft);

/* The draft of a record (caller frees with wm_draft_free); NULL when the
 * bytes are no draft of these rules or memory ran out. */
wm_draft_t *wm_draft_decode(const wm_rules_t *rules, const wm_buf_t *b);

/* The session the draft describes (caller frees), or NULL with *reason a
 * wm_reject_reason_t (-1 when a failure, in the builder, stopped it).
 * *missing counts the lookups whose pages were not seen yet.  Marks the
 * evidence each field took (`chosen`). */
wm_session_t *wm_draft_build(wm_draft_builder_t *builder, wm_draft_t *draft, int *missing,
                             int *reason);

/* Take note of a lookup's status in the builder's failures. */
void wm_draft_note_lookups(wm_draft_builder_t *builder, wm_result_t status);

#ifdef __cplusplus
}
#endif

#endif
