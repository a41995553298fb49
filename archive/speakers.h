/* Turning a speakers value into people: the wikitext (or plain text) a
 * page gives for its speakers becomes the session's speakers, each with a
 * name, the username of a [[User:...]] link, and a biography when the
 * value has one.
 *
 * Pages write speakers in many ways: "A, B and C" (names split at ",",
 * ";", "&" and " and ", outside links and templates), a list with a person
 * per item, lines separated by <br>, a signature's "[[User talk:...]] 12:00,
 * 1 May 2019 (UTC)" tail (dropped), or bold names each followed by its
 * biography (2024).  Speaker pages looked up elsewhere in the dump (2023)
 * are archive/lookups.h's; the extractor asks there first.
 *
 * Internal to archive/: the extractor calls it for each piece of speakers
 * evidence. */
#ifndef WM_SPEAKERS_H
#define WM_SPEAKERS_H

#include "archive/session.h"

#ifdef __cplusplus
extern "C" {
#endif

/* How a speakers value is read. */
typedef enum wm_speakers_form {
    WM_SPEAKERS_AS_TEXT,     /* plain text: names apart by ",", ";", "&" or " and " */
    WM_SPEAKERS_AS_LIST,     /* wikitext: a person per list item; without a list,
                              * every line is read as text */
    WM_SPEAKERS_AS_BIOS,     /* wikitext: a bold line or list item starts a person, the
                              * lines after it are the biography; AS_LIST when no line does */
    WM_SPEAKERS_AS_WRITTEN   /* wikitext: AS_BIOS when a bold line alone is followed by
                              * text, else AS_LIST */
} wm_speakers_form_t;

/* Add to session the people raw names, read as form says (<br> counts as
 * a line break).  Return 0, or -1 when out of memory (the people added
 * before stay). */
int wm_speakers_add(wm_session_t *session, const char *raw, wm_speakers_form_t form);

/* raw with every <br>, <br/> and <br /> as a line break, as
 * wm_speakers_add reads it (for a lookup of speaker pages first).  The
 * caller frees it; NULL when out of memory. */
char *wm_speakers_break_lines(const char *raw);

#ifdef __cplusplus
}
#endif

#endif
