/* Translation subpages: "X/fr" is not a session but says that session
 * page X has a French translation.  The subpage may come before or after X
 * in a dump, so the codes seen are kept per source title until the end of
 * the dump, and a session takes those of its page when it is ready.  A
 * session may also be handed on at once (wm_extractor_stream): the pages
 * whose sessions were given are remembered, and a code that comes for one
 * of them afterwards makes its page "late" (its sessions are given again
 * at the end of the dump, with every code).
 *
 * Internal to archive/: the extractor owns one. */
#ifndef WM_TRANSLATIONS_H
#define WM_TRANSLATIONS_H

#include <stdbool.h>

#include "archive/rules.h"
#include "archive/session.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct wm_translations wm_translations_t;

/* None seen yet; NULL when out of memory.  Free with wm_translations_free(). */
wm_translations_t *wm_translations_new(void);
void wm_translations_free(wm_translations_t *translations);

/* Forget every code seen (the end of a dump). */
void wm_translations_clear(wm_translations_t *translations);

/* Is title "X/<code>", with code one of rules' translation codes and X a
 * session page of the wiki dbname by rules?  Then *taken is true and X
 * gets code (lower case) among its translations.  Return 0, or -1 when out
 * of memory. */
int wm_translations_take_subpage(wm_translations_t *translations, const wm_rules_t *rules,
                                 const char *dbname, const char *title, bool *taken);

/* A session of page_title was handed on with the codes seen so far: a
 * code that comes for that page from now on makes it late.  Return 0, or
 * -1 when out of memory. */
int wm_translations_note_given(wm_translations_t *translations, const char *page_title);

/* Did page_title get a code after a session of it was given?  (Rarely
 * true of a page never given: the pages given are remembered by a 64-bit
 * hash of their titles.) */
bool wm_translations_late(const wm_translations_t *translations, const char *page_title);

/* Is any page late? */
bool wm_translations_any_late(const wm_translations_t *translations);

/* Give session the codes seen so far for its page_title.  Return 0, or -1
 * when out of memory. */
int wm_translations_attach(const wm_translations_t *translations, wm_session_t *session);

#ifdef __cplusplus
}
#endif

#endif
