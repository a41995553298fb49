/* Deciding which wiki pages are sessions, and extracting their fields.
 *
 * The extractor is driven by rules (archive/rules.h): per wiki and title
 * pattern, which templates, template parameters, section headings and
 * "Label: value" lines hold which field, with alias lists.  Era knowledge
 * lives in the rules, not in this code.
 *
 * Usage, per dump: feed every page with wm_extractor_add_page(), call
 * wm_extractor_finish_dump() at the end of the dump, and take the ready
 * sessions with wm_extractor_next_session() whenever convenient (after each
 * page keeps memory small).  A session that needs another page of the same
 * dump (a transcluded speaker page, say) may stay pending until
 * finish_dump, and so does a page marked for translation (<languages/>,
 * <translate>): its translation subpages "Title/fr" are not sessions but
 * become the session's `translations`, and they may come later in the dump.
 * Everything else is ready at once.
 *
 * When an era's rules name table columns, every row of the page's tables
 * is a session of its own (2021:Submissions), id "<dbname>:<page id>#<row>". */
#ifndef WM_EXTRACT_H
#define WM_EXTRACT_H

#include "archive/dump.h"
#include "archive/rules.h"
#include "archive/session.h"

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

/* The rules it uses (owned by the extractor), for the schedule readers. */
const wm_rules_t *wm_extractor_rules(const wm_extractor_t *extractor);

/* Look at one page of a dump read from the file source.  Return 0, or -1 on
 * an internal error (out of memory) with wm_extractor_error() set. */
int wm_extractor_add_page(wm_extractor_t *extractor, const wm_siteinfo_t *site,
                          const wm_page_t *page, const char *source);

/* The dump ended: resolve what was pending.  Return 0 or -1. */
int wm_extractor_finish_dump(wm_extractor_t *extractor);

/* The next ready session (caller frees with wm_session_free), or NULL when none is ready. */
wm_session_t *wm_extractor_next_session(wm_extractor_t *extractor);

const char *wm_extractor_error(const wm_extractor_t *extractor);

#ifdef __cplusplus
}
#endif

#endif
