/* Conference schedule exports as sessions: the pretalx/eventyay schedule
 * JSON (`schedule.json`, and frab's JSON 0.8), and the frab/Pentabarf XML
 * (`schedule.xml`, also written by pretalx and wafer) that the off-wiki
 * years (2021, 2024 on) and other conferences publish.  Which reader
 * applies is decided by content (wm_input_detect), never by file name.
 *
 * Each talk becomes a session: id "<conference acronym, else its title as a
 * slug>:<talk code, guid or id>", event (the conference's title, else its acronym), year from the
 * conference dates (else the talk's date), title, type normalised through
 * the rules with the label kept and the length ("00:30", "Panel (55
 * minutes)") as a duration, track and type given as strings or as i18n
 * objects ({"en": "..."}), language code, status (pretalx `state`, any
 * `status`, normalised through the rules' [statuses]; NULL when the export
 * gives none), speakers with their biography and, as `code` (never as a
 * username), their pretalx speaker code or frab/Pentabarf person id,
 * abstract and description joined, the talk's url.  The talk code is also
 * kept in session->code so the index can link an on-wiki copy of the same
 * talk.  A talk scheduled in several slots (the same code, guid or id
 * again) is one session.
 *
 * Text is plain: abstracts, descriptions and biographies in HTML (escaped
 * once or twice, as Pentabarf and old frab write them) go through libxml2's
 * HTML parser (archive/html_text.h), the rest through cmark as Markdown;
 * titles, names and the event have their entities decoded; the literal
 * "&quot;...&quot;" around frab JSON 0.8's values is removed. */
#ifndef WM_SCHEDULE_H
#define WM_SCHEDULE_H

#include <stddef.h>

#include "archive/rules.h"
#include "archive/session.h"
#include "archive/stream.h"
#include "archive/tally.h"
#include "common/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum wm_input_kind {
    WM_INPUT_UNKNOWN,
    WM_INPUT_DUMP,            /* a MediaWiki XML export (<mediawiki>) */
    WM_INPUT_SCHEDULE_JSON,   /* a JSON document (a pretalx schedule export, hopefully) */
    WM_INPUT_FRAB_XML         /* a frab/Pentabarf <schedule> */
} wm_input_kind_t;

/* What the first bytes of a (decompressed) input are.  An XML document is
 * classified by its first element (a prolog, comments and a doctype may come
 * first); anything starting with '{' is JSON. */
wm_input_kind_t wm_input_detect(const unsigned char *head, size_t len);

/* Called with each session read; the callee owns it (wm_session_free).
 * Return WM_OK to go on; anything else stops the reading. */
typedef wm_result_t (*wm_schedule_session_fn)(void *ctx, wm_session_t *session);

/* Read a schedule export of the given kind from stream.  source names the
 * file in each session.  Return WM_OK when read whole, WM_STOPPED when
 * on_session asked to stop, or an error with *error a malloc'd message
 * naming the file (caller frees): WM_ERR_READ (the stream failed),
 * WM_ERR_MALFORMED (not well-formed JSON or XML), WM_ERR_NOT_INPUT
 * (well-formed JSON but not a schedule export, or a kind that is not a
 * schedule's: a directory walk may skip such a file); WM_ERR_NO_MEMORY
 * (*error NULL).
 *
 * When tally is not NULL it receives what the file gave, as far as it was
 * read: year (the conference's), pages and candidates (talks read, every
 * slot of a talk counted), sessions (handed to on_session) and the talks
 * rejected: WM_REJECT_DUPLICATE (a talk already read, scheduled again),
 * WM_REJECT_NO_TITLE (no title, or no code, guid or id to name it by).
 * When event is not NULL, *event receives the conference's name as each
 * session has it (a malloc'd string the caller frees), NULL when the file
 * gives none or was not read. */
wm_result_t wm_schedule_read(wm_stream_t *stream, wm_input_kind_t kind, const wm_rules_t *rules,
                             const char *source, wm_schedule_session_fn on_session, void *ctx,
                             wm_tally_t *tally, char **event, char **error);

#ifdef __cplusplus
}
#endif

#endif
