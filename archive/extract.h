/* Deciding which wiki pages are sessions, and extracting their fields.
 *
 * The extractor is driven by rules (archive/rules.h): per wiki, an era's
 * title patterns say which pages are candidates, session pages of that era
 * (or of a generic program-page era of a Wikimania wiki).  Era knowledge
 * lives in the rules, not in this code.
 *
 * Of a candidate it takes the evidence (archive/evidence.h): what the page
 * says about each field, in whatever shape it is written, in order of
 * precedence: where the era's rule says, then any template parameter,
 * wikitable, definition list, label, heading, "by" line, status banner or
 * category, DISPLAYTITLE, what the title pattern captured, the era's fixed
 * values.  Each field takes the first piece that gives a usable value;
 * wm_extractor_explain() shows every piece and the ones taken.
 *
 * A candidate gives a session when its evidence holds a title and at least
 * one more field other than code and status, and it does not describe
 * several sessions (a hub, grid or index); otherwise it is rejected, with
 * the reason (wm_reject_reason_t).  The dump's tallies count, per year,
 * pages read, candidates, sessions and rejections by reason.  When an
 * era's rules name table columns, every row of the page's tables is a
 * session of its own (2021:Submissions), id "<dbname>:<page id>#<row>".
 *
 * Usage, per dump: feed every page with wm_extractor_add_page(), call
 * wm_extractor_finish_dump() at the end of the dump, then take the sessions
 * with wm_extractor_next_session() (streaming, after every page too).
 * Unless streaming, every session is held to the end of
 * the dump: its translation subpages ("Title/fr", not sessions but
 * languages in its `translations`) may come after it, in any era.  A
 * session that needs another page of the same dump (a speaker page or a
 * switch template, 2023) waits as its evidence until then too.  What waits
 * is kept in temporary files, so memory stays flat however big the dump.
 *
 * An indexer that can update what it was given streams instead
 * (wm_extractor_stream): each session is ready as soon as its page is read,
 * with the translations seen so far, and at the end of the dump the
 * sessions whose pages got translations after them are ready once more,
 * whole, with every translation and `amends` set.  The index then fills up
 * while the dump is read, instead of after it. */
#ifndef WM_EXTRACT_H
#define WM_EXTRACT_H

#include "archive/dump.h"
#include "archive/evidence.h"
#include "archive/rules.h"
#include "archive/session.h"
#include "archive/tally.h"
#include "common/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct wm_extractor wm_extractor_t;

/* An extractor with the built-in rules.  NULL on failure with *error set to
 * a malloc'd message (caller frees). */
wm_extractor_t *wm_extractor_new(char **error);
/* An extractor with these rules (built-in plus --rules files, say); it
 * takes ownership of rules, also on failure. */
wm_extractor_t *wm_extractor_new_with_rules(wm_rules_t *rules, char **error);
void wm_extractor_free(wm_extractor_t *extractor);

/* Hand sessions on as their pages are read (see above), from the next
 * dump on; call before the first page. */
void wm_extractor_stream(wm_extractor_t *extractor);

/* The rules it uses (owned by the extractor), for the schedule readers. */
const wm_rules_t *wm_extractor_rules(const wm_extractor_t *extractor);

/* Look at one page of a dump read from the file source.  Return WM_OK,
 * or WM_ERR_NO_MEMORY (the extractor cannot go on; wm_extractor_error()
 * says so too). */
wm_result_t wm_extractor_add_page(wm_extractor_t *extractor, const wm_siteinfo_t *site,
                                  const wm_page_t *page, const char *source);

/* The dump ended: resolve what was pending.  Return WM_OK, WM_ERR_READ
 * (sessions kept in a temporary file could not be read back: those are
 * lost, the others were given; also when that happened earlier in the
 * dump, to wm_extractor_next_session; streaming, a session whose copy was
 * lost keeps the translations it was given with) or WM_ERR_NO_MEMORY; the message is
 * wm_extractor_error(). */
wm_result_t wm_extractor_finish_dump(wm_extractor_t *extractor);

/* The next ready session (caller frees with wm_session_free), or NULL when
 * none is ready (or it could not be read back: wm_extractor_finish_dump()
 * reports that). */
wm_session_t *wm_extractor_next_session(wm_extractor_t *extractor);

const char *wm_extractor_error(const wm_extractor_t *extractor);

/* What the last dump gave, one tally per year (pages read, candidates,
 * sessions, rejected candidates by reason), in increasing year order (0,
 * unknown, first); valid from wm_extractor_finish_dump() until the next
 * page is added.  *n is set. */
const wm_tally_t *wm_extractor_tallies(const wm_extractor_t *extractor, size_t *n);

/* --- explaining pages (wmindex --explain) --------------------------------------- */

typedef enum wm_explain_result {
    WM_EXPLAIN_NOT_CANDIDATE,   /* no era or generic pattern makes it a session page */
    WM_EXPLAIN_SESSION,         /* it gave a session (or, a table page, sessions) */
    WM_EXPLAIN_REJECTED,        /* a candidate that gave no session: see reason */
    WM_EXPLAIN_TRANSLATION      /* a translation subpage of a session page */
} wm_explain_result_t;

/* "not a candidate", "session", "rejected", "translation". */
const char *wm_explain_result_name(wm_explain_result_t result);

/* Why a named page is or is not a session, with every piece of evidence. */
typedef struct wm_explanation {
    char *wiki;                    /* dbname */
    char *page_title;
    char *source;                  /* the input file */
    bool candidate;
    char *why;                     /* why it is or is not a candidate: the era and title
                                    * pattern, the namespace, the excluding pattern ... */
    wm_evidence_list_t evidence;   /* in order of precedence; `chosen` marks the winners */
    wm_explain_result_t result;
    const char *reason;            /* WM_EXPLAIN_REJECTED: wm_reject_reason_name(); else NULL */
    char *session_id;              /* WM_EXPLAIN_SESSION: the (first) session's id */
} wm_explanation_t;

/* Explain the pages titled title ('_' as ' ', first letter any case) from
 * now on.  Return WM_OK, or WM_ERR_NO_MEMORY. */
wm_result_t wm_extractor_explain(wm_extractor_t *extractor, const char *title);

/* The next explanation ready (caller frees with wm_explanation_free), or NULL. */
wm_explanation_t *wm_extractor_next_explanation(wm_extractor_t *extractor);
void wm_explanation_free(wm_explanation_t *explanation);
#ifdef __cplusplus
}
#endif

#endif
