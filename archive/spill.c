/* archive/spill.h: records and texts kept in a temporary file, or in
 * memory when the file fails.
 *
 * The file of a queue is a sequence of records, each its 32-bit length and
 * its bytes (a session is written with the record format below).  A queue
 * is three parts read in this order: the oldest records in memory (head: at
 * most keep_in_memory of them, filled only while the file part is empty),
 * the file, and the newest in memory (tail: records the file could not
 * take; once it has one, the records after it go there too, so the order
 * holds).  In memory a session stays a wm_session_t: no copy. */
#define _FILE_OFFSET_BITS 64
#define _POSIX_C_SOURCE 200809L
#include "archive/spill.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

/* --- the record format ----------------------------------------------------------- */

bool wm_record_put_u32(wm_buf_t *record, uint32_t n)
{
    return wm_buf_append(record, (const char *)&n, sizeof n) == 0;
}

bool wm_record_put_string(wm_buf_t *record, const char *s)
{
    if (!s)
        return wm_record_put_u32(record, 0);
    size_t len = strlen(s);
    return len < WM_RECORD_MAX_BYTES && wm_record_put_u32(record, (uint32_t)len + 1) &&
           wm_buf_append(record, s, len) == 0;
}

bool wm_record_put_list(wm_buf_t *record, char *const *items, size_t n)
{
    bool ok = n <= WM_RECORD_MAX_BYTES / sizeof(char *) && wm_record_put_u32(record, (uint32_t)n);
    for (size_t i = 0; ok && i < n; i++)
        ok = wm_record_put_string(record, items[i]);
    return ok;
}

wm_record_reader_t wm_record_reader(const void *bytes, size_t len)
{
    return (wm_record_reader_t){bytes, len};
}

bool wm_record_get_u32(wm_record_reader_t *reader, uint32_t *n)
{
    if (reader->left < sizeof *n)
        return false;
    memcpy(n, reader->at, sizeof *n);
    reader->at += sizeof *n;
    reader->left -= sizeof *n;
    return true;
}

/* A string's bytes where they lie in the record: *n is 0 for NULL, else its
 * length + 1 (the encoding); *bytes points at them.  The reader moves past. */
static bool get_string_bytes(wm_record_reader_t *reader, const char **bytes, uint32_t *n)
{
    if (!wm_record_get_u32(reader, n) || *n > WM_RECORD_MAX_BYTES || (*n && *n - 1 > reader->left))
        return false;
    *bytes = reader->at;
    if (*n) {
        reader->at += *n - 1;
        reader->left -= *n - 1;
    }
    return true;
}

bool wm_record_get_string(wm_record_reader_t *reader, char **s)
{
    const char *bytes;
    uint32_t n;
    *s = NULL;
    if (!get_string_bytes(reader, &bytes, &n))
        return false;
    return n == 0 || (*s = wm_strndup(bytes, n - 1)) != NULL;
}

/* A count of items of at least min_bytes each: within the limit and the bytes left. */
static bool get_count(wm_record_reader_t *reader, size_t item_size, size_t min_bytes, uint32_t *n)
{
    return wm_record_get_u32(reader, n) && *n <= WM_RECORD_MAX_BYTES / item_size &&
           *n <= reader->left / min_bytes;
}

bool wm_record_get_list(wm_record_reader_t *reader, char ***items, size_t *count)
{
    uint32_t n;
    if (!get_count(reader, sizeof(char *), sizeof(uint32_t), &n))
        return false;
    if (n == 0)
        return true;
    *items = calloc(n, sizeof(char *));
    if (!*items)
        return false;
    *count = n;
    for (uint32_t i = 0; i < n; i++)
        if (!wm_record_get_string(reader, &(*items)[i]))
            return false;
    return true;
}

bool wm_record_at_end(const wm_record_reader_t *reader)
{
    return reader->left == 0;
}

/* --- sessions as records ------------------------------------------------------------ */

/* The page title first: wm_spill_take_if reads it without decoding the rest. */
bool wm_record_put_session(wm_buf_t *b, const wm_session_t *s)
{
    bool ok = wm_record_put_string(b, s->page_title) && wm_record_put_string(b, s->id) &&
              wm_record_put_u32(b, (uint32_t)s->year) &&
              wm_record_put_string(b, s->title) && wm_record_put_string(b, s->type) &&
              wm_record_put_string(b, s->type_label) &&
              wm_record_put_u32(b, (uint32_t)s->duration_minutes) &&
              wm_record_put_list(b, s->tracks, s->n_tracks) && wm_record_put_string(b, s->language) &&
              s->n_speakers <= WM_RECORD_MAX_BYTES / sizeof(wm_speaker_t) &&
              wm_record_put_u32(b, (uint32_t)s->n_speakers);
    for (size_t i = 0; ok && i < s->n_speakers; i++)
        ok = wm_record_put_string(b, s->speakers[i].name) &&
             wm_record_put_string(b, s->speakers[i].username) &&
             wm_record_put_string(b, s->speakers[i].code) &&
             wm_record_put_string(b, s->speakers[i].biography) &&
             wm_record_put_string(b, s->speakers[i].affiliation) &&
             wm_record_put_string(b, s->speakers[i].raw);
    return ok && wm_record_put_list(b, s->translations, s->n_translations) &&
           wm_record_put_string(b, s->abstract) && wm_record_put_string(b, s->url) &&
           wm_record_put_string(b, s->source) && wm_record_put_string(b, s->timestamp) &&
           wm_record_put_string(b, s->code) &&
           wm_record_put_u32(b, (uint32_t)s->origin) && wm_record_put_string(b, s->event) &&
           wm_record_put_string(b, s->status) && wm_record_put_u32(b, s->amends ? 1 : 0);
}

static bool get_int(wm_record_reader_t *r, int *value)
{
    uint32_t n;
    if (!wm_record_get_u32(r, &n))
        return false;
    *value = (int)n;
    return true;
}

static bool get_speakers(wm_record_reader_t *r, wm_session_t *s)
{
    uint32_t n;
    if (!get_count(r, sizeof(wm_speaker_t), 6 * sizeof(uint32_t), &n))
        return false;
    if (n == 0)
        return true;
    s->speakers = calloc(n, sizeof(wm_speaker_t));
    if (!s->speakers)
        return false;
    s->n_speakers = n;   /* now, so that wm_session_free releases a part-read list */
    for (uint32_t i = 0; i < n; i++) {
        wm_speaker_t *sp = &s->speakers[i];
        if (!wm_record_get_string(r, &sp->name) || !wm_record_get_string(r, &sp->username) ||
            !wm_record_get_string(r, &sp->code) || !wm_record_get_string(r, &sp->biography) ||
            !wm_record_get_string(r, &sp->affiliation) || !wm_record_get_string(r, &sp->raw))
            return false;
    }
    return true;
}

bool wm_record_get_session(wm_record_reader_t *r, wm_session_t *s)
{
    int origin = 0, amends = 0;
    bool ok = wm_record_get_string(r, &s->page_title) && wm_record_get_string(r, &s->id) &&
              get_int(r, &s->year) &&
              wm_record_get_string(r, &s->title) && wm_record_get_string(r, &s->type) &&
              wm_record_get_string(r, &s->type_label) && get_int(r, &s->duration_minutes) &&
              wm_record_get_list(r, &s->tracks, &s->n_tracks) &&
              wm_record_get_string(r, &s->language) && get_speakers(r, s) &&
              wm_record_get_list(r, &s->translations, &s->n_translations) &&
              wm_record_get_string(r, &s->abstract) && wm_record_get_string(r, &s->url) &&
              wm_record_get_string(r, &s->source) && wm_record_get_string(r, &s->timestamp) &&
              wm_record_get_string(r, &s->code) &&
              get_int(r, &origin) && wm_record_get_string(r, &s->event) &&
              wm_record_get_string(r, &s->status) && get_int(r, &amends);
    s->amends = amends != 0;
    s->origin = origin == WM_ORIGIN_SCHEDULE ? WM_ORIGIN_SCHEDULE : WM_ORIGIN_WIKI;
    return ok;
}

/* A new session from a whole record: WM_OK, or WM_ERR_MALFORMED (damaged,
 * or memory ran out while reading it) or WM_ERR_NO_MEMORY. */
static wm_result_t session_of(const char *bytes, size_t len, wm_session_t **session)
{
    wm_record_reader_t reader = wm_record_reader(bytes, len);
    wm_session_t *s = wm_session_new();
    if (!s)
        return WM_ERR_NO_MEMORY;
    if (!wm_record_get_session(&reader, s) || !wm_record_at_end(&reader)) {
        wm_session_free(s);
        return WM_ERR_MALFORMED;
    }
    *session = s;
    return WM_OK;
}

/* --- records in memory: a first-in first-out array ------------------------------ */

/* A record kept in memory: a session (session queues) or bytes (raw ones). */
typedef struct entry {
    wm_session_t *session;
    char *bytes;
    size_t len;
} entry_t;

typedef struct memory_fifo {
    entry_t *items;   /* items[first .. end) */
    size_t first, end, cap;
} memory_fifo_t;

static size_t fifo_count(const memory_fifo_t *q)
{
    return q->end - q->first;
}

static bool fifo_push(memory_fifo_t *q, entry_t e)
{
    if (q->end == q->cap && q->first >= q->cap / 2 && q->first > 0) {
        /* At least half the array is taken entries: moving is cheaper than growing. */
        memmove(q->items, q->items + q->first, fifo_count(q) * sizeof *q->items);
        q->end -= q->first;
        q->first = 0;
    } else if (q->end == q->cap) {
        size_t cap = q->cap ? 2 * q->cap : 16;
        entry_t *items = realloc(q->items, cap * sizeof *items);
        if (!items)
            return false;
        q->items = items;
        q->cap = cap;
    }
    q->items[q->end++] = e;
    return true;
}

static bool fifo_pop(memory_fifo_t *q, entry_t *e)
{
    if (q->first == q->end)
        return false;
    *e = q->items[q->first++];
    if (q->first == q->end)
        q->first = q->end = 0;
    return true;
}

static void fifo_free(memory_fifo_t *q)
{
    for (size_t i = q->first; i < q->end; i++) {
        wm_session_free(q->items[i].session);
        free(q->items[i].bytes);
    }
    free(q->items);
    *q = (memory_fifo_t){0};
}

/* --- the temporary file ------------------------------------------------------------- */

/* A new anonymous file in $TMPDIR (else /tmp), removed from its directory
 * at once: the system frees it when it is closed or the process ends.
 * (tmpfile() always uses /tmp, often a RAM disk, where a big dump's
 * sessions do not belong.)  NULL when it cannot be made there nor by
 * tmpfile(). */
static FILE *temporary_file(void)
{
    const char *dir = getenv("TMPDIR");
    char *path = wm_strdup_printf("%s/wmsearch-XXXXXX", dir && *dir ? dir : P_tmpdir);
    int fd = path ? mkstemp(path) : -1;
    FILE *file = NULL;
    if (fd >= 0) {
        unlink(path);
        if (fcntl(fd, F_SETFD, FD_CLOEXEC) != 0 || !(file = fdopen(fd, "w+b")))
            close(fd);
    }
    free(path);
    return file ? file : tmpfile();
}

/* --- records in the file ------------------------------------------------------------ */

enum file_mode { IDLE, WRITING, READING };

typedef struct record_file {
    FILE *file;            /* NULL until the first record */
    bool cannot_make;      /* no temporary file: do not try for every record */
    off_t read_at, write_at;
    enum file_mode mode;   /* the last stdio operation, to seek only when it changes */
    size_t count;
} record_file_t;

/* Position the stream for a read or a write (stdio needs a seek between them). */
static int switch_to(record_file_t *f, enum file_mode mode)
{
    if (f->mode == mode)
        return 0;
    f->mode = mode;
    return fseeko(f->file, mode == READING ? f->read_at : f->write_at, SEEK_SET);
}

/* Append a record: true, or false with the file as it was (the next append
 * writes over the part record). */
static bool file_append(record_file_t *f, const char *bytes, size_t len)
{
    uint32_t n = (uint32_t)len;
    if (!f->file && !f->cannot_make)
        f->cannot_make = !(f->file = temporary_file());
    if (!f->file || len > WM_RECORD_MAX_BYTES)
        return false;
    if (switch_to(f, WRITING) != 0 || fwrite(&n, sizeof n, 1, f->file) != 1 ||
        fwrite(bytes, 1, len, f->file) != len || fflush(f->file) != 0) {
        clearerr(f->file);
        f->mode = IDLE;   /* not positioned: seek again next time */
        return false;
    }
    f->write_at += (off_t)(sizeof n + len);   /* no ftello: an lseek per record */
    f->count++;
    return true;
}

/* Nothing left: start the file again from its beginning, so a long run
 * over many dumps does not grow it. */
static void file_reset(record_file_t *f)
{
    f->count = 0;
    f->read_at = f->write_at = 0;
    f->mode = IDLE;
    if (f->file && ftruncate(fileno(f->file), 0) != 0)
        clearerr(f->file);   /* only disk space is at stake: the offsets restart anyway */
}

/* Read the oldest record into out: true, or false on a read error or when
 * out of memory (the file part is emptied: what follows cannot be found). */
static bool file_take(record_file_t *f, wm_buf_t *out)
{
    uint32_t len = 0;
    wm_buf_clear(out);
    bool ok = switch_to(f, READING) == 0 && fread(&len, sizeof len, 1, f->file) == 1 &&
              len <= WM_RECORD_MAX_BYTES;
    const off_t next = f->read_at + (off_t)(sizeof len + len);   /* no ftello: an lseek per record */
    for (char chunk[4096]; ok && len > 0;) {
        size_t n = len < sizeof chunk ? len : sizeof chunk;
        ok = fread(chunk, 1, n, f->file) == n && wm_buf_append(out, chunk, n) == 0;
        len -= (uint32_t)n;
    }
    if (!ok) {
        file_reset(f);
        return false;
    }
    f->read_at = next;
    if (--f->count == 0)
        file_reset(f);
    return true;
}

/* --- the queue ------------------------------------------------------------------------- */

struct wm_spill {
    memory_fifo_t head;     /* the oldest records */
    record_file_t file;     /* then these */
    memory_fifo_t tail;     /* then the newest, when the file failed */
    size_t keep_in_memory;  /* most records in head */
    wm_buf_t record;        /* a session on its way to or from the file */
    wm_buf_t title;         /* a record's page title, for wm_spill_take_if */
};

wm_spill_t *wm_spill_new(void)
{
    return calloc(1, sizeof(wm_spill_t));
}

void wm_spill_free(wm_spill_t *spill)
{
    if (!spill)
        return;
    fifo_free(&spill->head);
    fifo_free(&spill->tail);
    if (spill->file.file)
        fclose(spill->file.file);
    wm_buf_free(&spill->record);
    wm_buf_free(&spill->title);
    free(spill);
}

void wm_spill_keep_in_memory(wm_spill_t *spill, size_t n)
{
    spill->keep_in_memory = n;
}

size_t wm_spill_count(const wm_spill_t *spill)
{
    return fifo_count(&spill->head) + spill->file.count + fifo_count(&spill->tail);
}

/* Where the next record goes, so that the order holds. */
static memory_fifo_t *memory_for_next(wm_spill_t *spill, bool *to_file)
{
    *to_file = false;
    if (fifo_count(&spill->tail) > 0)
        return &spill->tail;
    if (spill->file.count == 0 && fifo_count(&spill->head) < spill->keep_in_memory)
        return &spill->head;
    *to_file = true;   /* and if the file fails, the tail */
    return &spill->tail;
}

wm_result_t wm_spill_push(wm_spill_t *spill, wm_session_t *session)
{
    bool to_file;
    memory_fifo_t *memory = memory_for_next(spill, &to_file);
    if (to_file) {
        wm_buf_clear(&spill->record);
        if (wm_record_put_session(&spill->record, session) &&
            file_append(&spill->file, spill->record.data, spill->record.len)) {
            wm_session_free(session);
            return WM_OK;
        }
    }
    if (fifo_push(memory, (entry_t){.session = session}))
        return WM_OK;
    wm_session_free(session);
    return WM_ERR_NO_MEMORY;
}

wm_result_t wm_spill_push_copy(wm_spill_t *spill, const wm_session_t *session)
{
    wm_buf_clear(&spill->record);
    if (!wm_record_put_session(&spill->record, session))
        return WM_ERR_NO_MEMORY;
    /* Taken back as a session: wm_spill_take reads records kept as bytes too. */
    return wm_spill_push_raw(spill, spill->record.data, spill->record.len);
}

wm_result_t wm_spill_push_raw(wm_spill_t *spill, const void *bytes, size_t len)
{
    bool to_file;
    memory_fifo_t *memory = memory_for_next(spill, &to_file);
    if (len > WM_RECORD_MAX_BYTES)
        return WM_ERR_MALFORMED;
    if (to_file && file_append(&spill->file, bytes, len))
        return WM_OK;
    char *copy = malloc(len ? len : 1);
    if (copy && len)
        memcpy(copy, bytes, len);
    if (copy && fifo_push(memory, (entry_t){.bytes = copy, .len = len}))
        return WM_OK;
    free(copy);
    return WM_ERR_NO_MEMORY;
}

enum taken { EMPTY, FROM_MEMORY, FROM_FILE, READ_ERROR };

/* The oldest record: an entry from memory, or the bytes of one from the file in from_file. */
static enum taken take_record(wm_spill_t *spill, entry_t *e, wm_buf_t *from_file)
{
    enum taken taken = EMPTY;
    if (fifo_pop(&spill->head, e))
        taken = FROM_MEMORY;
    else if (spill->file.count)
        taken = file_take(&spill->file, from_file) ? FROM_FILE : READ_ERROR;
    else if (fifo_pop(&spill->tail, e))
        taken = FROM_MEMORY;
    if (fifo_count(&spill->head) == 0 && spill->file.count == 0) {
        /* The tail is now the oldest: as the head, it lets the file be tried again. */
        memory_fifo_t tail = spill->tail;
        spill->tail = spill->head;
        spill->head = tail;
    }
    return taken;
}

/* A session record's page title (its first field) into title, NUL-terminated;
 * false when the record is too short for one. */
static bool page_title_of(const char *bytes, size_t len, wm_buf_t *title)
{
    wm_record_reader_t reader = wm_record_reader(bytes, len);
    const char *at;
    uint32_t n;
    wm_buf_clear(title);
    return get_string_bytes(&reader, &at, &n) && wm_buf_append(title, at, n ? n - 1 : 0) == 0 &&
           wm_buf_append(title, "", 1) == 0;
}

wm_result_t wm_spill_take_if(wm_spill_t *spill, bool (*keep)(void *arg, const char *page_title), void *arg,
                             wm_session_t **session)
{
    entry_t e = {0};
    wm_result_t rc = WM_OK;
    const char *bytes;
    size_t len;
    *session = NULL;
    switch (take_record(spill, &e, &spill->record)) {
    case EMPTY:
        return WM_END;
    case READ_ERROR:
        return WM_ERR_READ;
    case FROM_MEMORY:
        if (e.session) {
            if (!keep || keep(arg, e.session->page_title ? e.session->page_title : ""))
                *session = e.session;
            else
                wm_session_free(e.session);
            return WM_OK;
        }
        bytes = e.bytes;
        len = e.len;
        break;
    default:
        bytes = spill->record.data;
        len = spill->record.len;
    }
    if (keep && !page_title_of(bytes, len, &spill->title))
        rc = WM_ERR_MALFORMED;
    else if (!keep || keep(arg, spill->title.data))
        rc = session_of(bytes, len, session);
    free(e.bytes);
    return rc;
}

wm_result_t wm_spill_take(wm_spill_t *spill, wm_session_t **session)
{
    return wm_spill_take_if(spill, NULL, NULL, session);
}

wm_result_t wm_spill_take_raw(wm_spill_t *spill, wm_buf_t *out)
{
    entry_t e = {0};
    bool ok;
    wm_buf_clear(out);
    switch (take_record(spill, &e, out)) {
    case EMPTY:
        return WM_END;
    case FROM_FILE:
        return WM_OK;
    case FROM_MEMORY:
        ok = e.session ? wm_record_put_session(out, e.session) : wm_buf_append(out, e.bytes, e.len) == 0;
        wm_session_free(e.session);
        free(e.bytes);
        return ok ? WM_OK : WM_ERR_NO_MEMORY;
    default:
        return WM_ERR_READ;
    }
}

/* --- texts by position ------------------------------------------------------------------ */

#define NOT_IN_MEMORY UINT64_MAX

struct wm_spill_texts {
    FILE *file;            /* NULL until the first put; read and written by offset only */
    bool cannot_make;      /* no temporary file: do not try for every text */
    uint64_t size;         /* bytes put since the last clear */
    uint64_t memory_from;  /* the texts from here on are in memory (NOT_IN_MEMORY: none) */
    wm_buf_t memory;       /* those texts, one after the other */
    char *text;            /* the last text read back */
    size_t text_cap;
};

wm_spill_texts_t *wm_spill_texts_new(void)
{
    wm_spill_texts_t *texts = calloc(1, sizeof(wm_spill_texts_t));
    if (texts)
        texts->memory_from = NOT_IN_MEMORY;
    return texts;
}

void wm_spill_texts_free(wm_spill_texts_t *texts)
{
    if (!texts)
        return;
    if (texts->file)
        fclose(texts->file);
    wm_buf_free(&texts->memory);
    free(texts->text);
    free(texts);
}

/* Write or read len bytes at offset of fd whole (short counts and EINTR
 * retried): 0, or -1 (end of file reads as an error). */
static int pwrite_all(int fd, const char *bytes, size_t len, uint64_t offset)
{
    while (len) {
        ssize_t n = pwrite(fd, bytes, len, (off_t)offset);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        bytes += n, len -= (size_t)n, offset += (uint64_t)n;
    }
    return 0;
}

static int pread_all(int fd, char *bytes, size_t len, uint64_t offset)
{
    while (len) {
        ssize_t n = pread(fd, bytes, len, (off_t)offset);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        bytes += n, len -= (size_t)n, offset += (uint64_t)n;
    }
    return 0;
}

/* Into the file: false when it cannot be made or written. */
static bool put_in_file(wm_spill_texts_t *texts, const char *text, size_t len)
{
    if (!texts->file && !texts->cannot_make)
        texts->cannot_make = !(texts->file = temporary_file());
    return texts->file && pwrite_all(fileno(texts->file), text, len, texts->size) == 0;
}

wm_result_t wm_spill_texts_put(wm_spill_texts_t *texts, const char *text, size_t len, uint64_t *at)
{
    if (texts->memory_from == NOT_IN_MEMORY && !put_in_file(texts, text, len))
        texts->memory_from = texts->size;
    if (texts->memory_from != NOT_IN_MEMORY && wm_buf_append(&texts->memory, text, len) < 0)
        return WM_ERR_NO_MEMORY;
    *at = texts->size;
    texts->size += len;
    return WM_OK;
}

wm_result_t wm_spill_texts_get(wm_spill_texts_t *texts, uint64_t at, size_t len, const char **text)
{
    *text = NULL;
    if (at > texts->size || len > texts->size - at)
        return WM_END;
    if (texts->text_cap < len + 1) {
        char *grown = realloc(texts->text, len + 1);
        if (!grown)
            return WM_ERR_NO_MEMORY;
        texts->text = grown;
        texts->text_cap = len + 1;
    }
    /* The part in the file, then the part in memory. */
    size_t in_file = at >= texts->memory_from ? 0
                     : texts->memory_from - at < len ? (size_t)(texts->memory_from - at) : len;
    if (in_file && (!texts->file || pread_all(fileno(texts->file), texts->text, in_file, at) != 0))
        return WM_ERR_READ;
    if (len > in_file)
        memcpy(texts->text + in_file, texts->memory.data + (at + in_file - texts->memory_from),
               len - in_file);
    texts->text[len] = '\0';
    *text = texts->text;
    return WM_OK;
}

void wm_spill_texts_clear(wm_spill_texts_t *texts)
{
    texts->size = 0;
    texts->memory_from = NOT_IN_MEMORY;   /* the file may work again */
    wm_buf_free(&texts->memory);
    if (texts->file && ftruncate(fileno(texts->file), 0) != 0)
        clearerr(texts->file);   /* only disk space is at stake: offsets restart anyway */
}
