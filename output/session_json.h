/* The JSON form of a session, shared by `wmindex --list-sessions` and
 * `wmquery --format json`, so both print the same fields the same way
 * (output/: what both programs print alike; built into each program). */
#ifndef WM_SESSION_JSON_H
#define WM_SESSION_JSON_H

#include <stdbool.h>
#include <jansson.h>

#include "archive/session.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A new JSON object (caller owns the reference; NULL when out of memory):
 * {"id","year","title","type","duration" (minutes),"tracks":[...],"language",
 *  "speakers":[{"name","username"}...],"translations":[language codes],
 *  "url","source"} and, when with_abstract (the full listing of
 * `wmindex --list-sessions`), "type_label", "abstract" and a "biography" in
 * each speaker.  Unknown values are null, lists are [] when empty. */
json_t *wm_session_to_json(const wm_session_t *session, bool with_abstract);

#ifdef __cplusplus
}
#endif

#endif
