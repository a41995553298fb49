/* A first-in first-out queue of sessions kept in an anonymous temporary
 * file (tmpfile()) instead of memory.  The extractor keeps the sessions of
 * translatable pages until the end of a dump (their translation subpages
 * may come later); a 100,000-session dump holds tens of thousands of them,
 * and in memory they made wmindex's footprint grow with the dump.  Here
 * they cost a few KB of stdio buffers whatever their number.
 *
 * Sessions are written and read back whole (every field); appending and
 * taking may alternate.  Other records (the extractor's pending drafts) go
 * through the raw functions as bytes.  The file is made on the first append and removed
 * by the system when the queue is freed or the process ends. */
#ifndef WM_SPILL_H
#define WM_SPILL_H

#include <stddef.h>
#include <stdint.h>

#include "archive/session.h"
#include "archive/util.h"

typedef struct wm_spill wm_spill_t;

/* An empty queue (no file yet); NULL when out of memory.  Free with wm_spill_free(). */
wm_spill_t *wm_spill_new(void);
void wm_spill_free(wm_spill_t *spill);

/* Append a copy of session (the caller keeps it).  Return 0, or -1 when the
 * temporary file cannot be made or written (the queue is unchanged). */
int wm_spill_push(wm_spill_t *spill, const wm_session_t *session);

/* Take the oldest session: 1 with *session set (caller frees with
 * wm_session_free), 0 when the queue is empty, -1 on a read error or when
 * out of memory (that session is lost; the queue is left empty). */
int wm_spill_take(wm_spill_t *spill, wm_session_t **session);

/* Records appended and not taken yet. */
size_t wm_spill_count(const wm_spill_t *spill);

/* The same queue for records of the caller's own format (the extractor's
 * drafts): len bytes in, the same bytes out.  A queue holds one kind of
 * record: sessions or raw ones.  Returns as for push and take; take_raw
 * replaces out's contents. */
int wm_spill_push_raw(wm_spill_t *spill, const void *bytes, size_t len);
int wm_spill_take_raw(wm_spill_t *spill, wm_buf_t *out);

/* Texts kept in the same kind of file, read back by where they were put,
 * in any order (the extractor's speaker biographies: a 2023 dump has a
 * page per speaker, and sessions name them from anywhere in the dump). */
typedef struct wm_spill_texts wm_spill_texts_t;

/* An empty store (no file yet); NULL when out of memory.  Free with wm_spill_texts_free(). */
wm_spill_texts_t *wm_spill_texts_new(void);
void wm_spill_texts_free(wm_spill_texts_t *texts);

/* Append len bytes of text and set *at to where they are.  Return 0, or -1
 * when the temporary file cannot be made or written (after the file could
 * not be made once, at once: the caller keeps its texts in memory). */
int wm_spill_texts_put(wm_spill_texts_t *texts, const char *text, size_t len, uint64_t *at);

/* The len bytes put at at, NUL-terminated, valid until the next call;
 * NULL with errno ENOMEM when out of memory, else on a read error. */
const char *wm_spill_texts_get(wm_spill_texts_t *texts, uint64_t at, size_t len);

/* Forget every text put: the file is written over from its start. */
void wm_spill_texts_clear(wm_spill_texts_t *texts);

#endif
