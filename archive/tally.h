/* What one input gave, per year: the counts behind wmindex's summary, its
 * warnings and `wmindex --stats`.  A wiki dump counts pages read, the
 * candidates among them (pages whose title says "session page"), the
 * sessions made and the candidates rejected, by reason; a schedule export
 * counts its talks as pages and as candidates. */
#ifndef WM_TALLY_H
#define WM_TALLY_H

#ifdef __cplusplus
extern "C" {
#endif

/* Why a candidate gave no session. */
typedef enum wm_reject_reason {
    WM_REJECT_NO_FIELDS,    /* a title but no other field: "candidate without fields" */
    WM_REJECT_NO_TITLE,     /* fields but no title */
    WM_REJECT_LISTING,      /* lists several sessions: a hub, day grid or index page */
    WM_REJECT_DUPLICATE,    /* an export's talk scheduled again (same code or guid) */
    WM_REJECT_REASON_COUNT
} wm_reject_reason_t;

/* "candidate without fields", "candidate without title", "listing page",
 * "repeated talk"; "?" for an unknown reason. */
const char *wm_reject_reason_name(wm_reject_reason_t reason);

typedef struct wm_tally {
    int year;                        /* 0 when unknown */
    unsigned long pages;             /* pages read (an export: talks read) */
    unsigned long candidates;        /* pages that looked like session pages (an export: talks) */
    unsigned long sessions;          /* sessions made */
    unsigned long rejected[WM_REJECT_REASON_COUNT];
} wm_tally_t;

/* The sum of the rejected counts. */
unsigned long wm_tally_rejected(const wm_tally_t *tally);

#ifdef __cplusplus
}
#endif

#endif
