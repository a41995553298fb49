/* What the plain-text renderer (archive/wikitext_plain.c) offers the other
 * wikitext modules besides wm_wikitext_to_plain (archive/wikitext.h).
 * Internal to the wikitext modules. */
#ifndef WM_WIKITEXT_PLAIN_H
#define WM_WIKITEXT_PLAIN_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Plain text of a fragment taken from inside a line (a heading's or a
 * label's text), where "=", "*" or "{|" at its start are not markup.  The
 * caller frees it; NULL when out of memory. */
char *wm_wikitext_fragment_to_plain(const char *text, size_t len);

#ifdef __cplusplus
}
#endif

#endif
