/* Keeping records out of memory: a first-in first-out queue of records in
 * an anonymous temporary file (in $TMPDIR, else /tmp), texts read back by where they
 * were put, and the one record format both use.
 *
 * The extractor keeps the sessions of translatable pages until the end of a
 * dump (their translation subpages may come later); a 100,000-session dump
 * holds tens of thousands of them, and in memory they made wmindex's
 * footprint grow with the dump.  Here they cost a few KB of stdio buffers
 * whatever their number.
 *
 * Memory is the fallback, not the caller's business: when the temporary
 * file cannot be made or written (no file descriptor, a full disk), records
 * and texts are kept in memory instead, in the same order, and read back
 * the same way.  Only running out of memory as well is an error.  A file
 * is made on the first record that goes to one and removed by the system
 * when its owner is freed or the process ends. */
#ifndef WM_SPILL_H
#define WM_SPILL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "archive/session.h"
#include "common/status.h"
#include "common/util.h"

#ifdef __cplusplus
extern "C" {
#endif

/* --- the record format --------------------------------------------------------
 * A record is a sequence of fields written and read in the same order: a
 * number is 32 bits, a string its length + 1 in 32 bits (0 for NULL) and
 * its bytes, a list its count then its strings.  Records never leave the
 * process, so the byte order is the machine's.  A string or list longer
 * than WM_RECORD_MAX_BYTES is refused (a longer length read back means
 * the record is damaged). */
#define WM_RECORD_MAX_BYTES (256u * 1024 * 1024)

/* Append a field to record; false (record part-written) when out of memory
 * or the string or list is too long. */
bool wm_record_put_u32(wm_buf_t *record, uint32_t n);
bool wm_record_put_string(wm_buf_t *record, const char *s);
bool wm_record_put_list(wm_buf_t *record, char *const *items, size_t n);

/* The bytes of a record not read yet. */
typedef struct wm_record_reader {
    const char *at;
    size_t left;
} wm_record_reader_t;

wm_record_reader_t wm_record_reader(const void *bytes, size_t len);

/* Read the next field: true, or false when the record ends too soon, a
 * length is out of bounds or memory ran out.  Strings and lists are
 * malloc'd (caller frees); *s is NULL for a NULL string and on failure; a
 * list's *count is set as soon as *items is, so that a part-read list can be
 * freed like a whole one (n = 0: *items stays NULL). */
bool wm_record_get_u32(wm_record_reader_t *reader, uint32_t *n);
bool wm_record_get_string(wm_record_reader_t *reader, char **s);
bool wm_record_get_list(wm_record_reader_t *reader, char ***items, size_t *count);

/* Was the whole record read?  (Bytes left over mean it was not the record expected.) */
bool wm_record_at_end(const wm_record_reader_t *reader);

/* A session as one record, every field; and back: false when the bytes are
 * not a whole session or memory ran out (*session, partly filled, is the
 * caller's to free). */
bool wm_record_put_session(wm_buf_t *record, const wm_session_t *session);
bool wm_record_get_session(wm_record_reader_t *reader, wm_session_t *session);

/* --- the queue ------------------------------------------------------------------- */

typedef struct wm_spill wm_spill_t;

/* An empty queue (no file yet); NULL when out of memory.  Free with
 * wm_spill_free(), which also frees the records still in it. */
wm_spill_t *wm_spill_new(void);
void wm_spill_free(wm_spill_t *spill);

/* Keep up to n records in memory before the file is used: for a queue that
 * is usually taken from at once (no file traffic then) but may grow long.
 * The default, 0, sends every record to the file. */
void wm_spill_keep_in_memory(wm_spill_t *spill, size_t n);

/* Append session, taking it (also on failure: it is freed then).  Return
 * WM_OK, or WM_ERR_NO_MEMORY (the queue is unchanged). */
wm_result_t wm_spill_push(wm_spill_t *spill, wm_session_t *session);

/* Append a copy of session (the caller keeps it).  Return WM_OK, or
 * WM_ERR_NO_MEMORY (the queue is unchanged). */
wm_result_t wm_spill_push_copy(wm_spill_t *spill, const wm_session_t *session);

/* Take the oldest session: WM_OK with *session set (caller frees with
 * wm_session_free), WM_END when the queue is empty, or an error when it
 * could not be read back: WM_ERR_MALFORMED (a damaged record) or
 * WM_ERR_NO_MEMORY lose that session, WM_ERR_READ (the file could not be
 * read) the ones in the file (those kept in memory follow). */
wm_result_t wm_spill_take(wm_spill_t *spill, wm_session_t **session);

/* The same, but the oldest session is decoded only when keep(arg, its page
 * title) says so ("" for none); else it is dropped unread and WM_OK comes
 * with *session NULL.  keep NULL: every session, as wm_spill_take.  The extractor's copies: only the few whose page got
 * a translation late are wanted back. */
wm_result_t wm_spill_take_if(wm_spill_t *spill, bool (*keep)(void *arg, const char *page_title), void *arg,
                             wm_session_t **session);

/* Records appended and not taken yet. */
size_t wm_spill_count(const wm_spill_t *spill);

/* The same queue for records of the caller's own format (the extractor's
 * drafts, written with wm_record_put_*): len bytes in (copied), the same
 * bytes out.  A queue holds one kind of record: sessions or raw ones.
 * Returns as for push and take (push_raw: WM_ERR_MALFORMED for a record
 * longer than WM_RECORD_MAX_BYTES); take_raw replaces out's contents. */
wm_result_t wm_spill_push_raw(wm_spill_t *spill, const void *bytes, size_t len);
wm_result_t wm_spill_take_raw(wm_spill_t *spill, wm_buf_t *out);

/* --- texts by position --------------------------------------------------------------
 * Texts kept in the same kind of file, read back by where they were put, in
 * any order (the extractor's speaker biographies: a 2023 dump has a page
 * per speaker, and sessions name them from anywhere in the dump).  Once a
 * text could not be written, it and the texts after it are kept in memory
 * until the next clear. */
typedef struct wm_spill_texts wm_spill_texts_t;

/* An empty store (no file yet); NULL when out of memory.  Free with wm_spill_texts_free(). */
wm_spill_texts_t *wm_spill_texts_new(void);
void wm_spill_texts_free(wm_spill_texts_t *texts);

/* Append len bytes of text and set *at to where they are.  Return WM_OK,
 * or WM_ERR_NO_MEMORY. */
wm_result_t wm_spill_texts_put(wm_spill_texts_t *texts, const char *text, size_t len, uint64_t *at);

/* Set *text to the len bytes put at at, NUL-terminated, valid until the
 * next call, and return WM_OK; else *text is NULL and the result is WM_END
 * (nothing was put there), WM_ERR_NO_MEMORY or WM_ERR_READ (the file could
 * not be read). */
wm_result_t wm_spill_texts_get(wm_spill_texts_t *texts, uint64_t at, size_t len, const char **text);

/* Forget every text put: the file is written over from its start. */
void wm_spill_texts_clear(wm_spill_texts_t *texts);

#ifdef __cplusplus
}
#endif

#endif
