/* archive/spill.h: a queue of sessions in a temporary file.
 *
 * A record is the session's fields in a fixed order: a string is a 32-bit
 * length + 1 (0 for NULL) and its bytes, a number 32 bits, a list its
 * count then its items.  A raw record is its 32-bit length and its bytes.  The file is private to the process (tmpfile()),
 * so the byte order is the machine's. */
#define _FILE_OFFSET_BITS 64
#define _POSIX_C_SOURCE 200809L
#include "archive/spill.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

/* Larger than any real field; a bigger length means the file is damaged. */
#define MAX_FIELD_BYTES (256u * 1024 * 1024)

enum spill_mode { IDLE, WRITING, READING };

struct wm_spill {
    FILE *file;            /* NULL until the first push */
    off_t read_at, write_at;
    enum spill_mode mode;  /* the last stdio operation, to seek only when it changes */
    size_t count;
};

wm_spill_t *wm_spill_new(void)
{
    return calloc(1, sizeof(wm_spill_t));
}

void wm_spill_free(wm_spill_t *spill)
{
    if (!spill)
        return;
    if (spill->file)
        fclose(spill->file);
    free(spill);
}

size_t wm_spill_count(const wm_spill_t *spill)
{
    return spill->count;
}

/* Position the stream for a read or a write (stdio needs a seek between them). */
static int switch_to(wm_spill_t *spill, enum spill_mode mode)
{
    if (spill->mode == mode)
        return 0;
    spill->mode = mode;
    return fseeko(spill->file, mode == READING ? spill->read_at : spill->write_at, SEEK_SET);
}

/* --- writing --------------------------------------------------------------- */

static bool put_u32(FILE *f, uint32_t n)
{
    return fwrite(&n, sizeof n, 1, f) == 1;
}

static bool put_string(FILE *f, const char *s)
{
    if (!s)
        return put_u32(f, 0);
    size_t len = strlen(s);
    return len < MAX_FIELD_BYTES && put_u32(f, (uint32_t)len + 1) && fwrite(s, 1, len, f) == len;
}

static bool put_list(FILE *f, char *const *items, size_t n)
{
    bool ok = put_u32(f, (uint32_t)n);
    for (size_t i = 0; ok && i < n; i++)
        ok = put_string(f, items[i]);
    return ok;
}

static bool put_session(FILE *f, const wm_session_t *s)
{
    bool ok = put_string(f, s->id) && put_u32(f, (uint32_t)s->year) && put_string(f, s->title) &&
              put_string(f, s->type) && put_string(f, s->type_label) &&
              put_u32(f, (uint32_t)s->duration_minutes) && put_list(f, s->tracks, s->n_tracks) &&
              put_string(f, s->language) && put_u32(f, (uint32_t)s->n_speakers);
    for (size_t i = 0; ok && i < s->n_speakers; i++)
        ok = put_string(f, s->speakers[i].name) && put_string(f, s->speakers[i].username) &&
             put_string(f, s->speakers[i].code) && put_string(f, s->speakers[i].biography);
    return ok && put_list(f, s->translations, s->n_translations) && put_string(f, s->abstract) &&
           put_string(f, s->url) && put_string(f, s->source) && put_string(f, s->page_title) &&
           put_string(f, s->timestamp) && put_string(f, s->code) && put_u32(f, (uint32_t)s->origin) &&
           put_string(f, s->event) && put_string(f, s->status);
}

/* Ready to write a record at the end of the queue (the file made on the first). */
static bool start_push(wm_spill_t *spill)
{
    if (!spill->file && !(spill->file = tmpfile()))
        return false;
    if (switch_to(spill, WRITING) == 0)
        return true;
    clearerr(spill->file);
    spill->mode = IDLE;   /* not positioned: seek again next time */
    return false;
}

/* After writing a record (ok: all of it went out): count it, or leave the
 * queue as it was, so that the next push writes over the part record. */
static int end_push(wm_spill_t *spill, bool ok)
{
    if (!ok || fflush(spill->file) != 0) {
        clearerr(spill->file);
        spill->mode = IDLE;
        return -1;
    }
    spill->write_at = ftello(spill->file);
    spill->count++;
    return 0;
}

int wm_spill_push(wm_spill_t *spill, const wm_session_t *session)
{
    if (!start_push(spill))
        return -1;
    return end_push(spill, put_session(spill->file, session));
}

/* --- reading --------------------------------------------------------------- */

static bool get_u32(FILE *f, uint32_t *n)
{
    return fread(n, sizeof *n, 1, f) == 1;
}

static bool get_string(FILE *f, char **s)
{
    uint32_t n;
    *s = NULL;
    if (!get_u32(f, &n) || n > MAX_FIELD_BYTES)
        return false;
    if (n == 0)
        return true;
    *s = malloc(n);
    if (!*s || fread(*s, 1, n - 1, f) != n - 1)
        return false;
    (*s)[n - 1] = '\0';
    return true;
}

static bool get_int(FILE *f, int *value)
{
    uint32_t n;
    if (!get_u32(f, &n))
        return false;
    *value = (int)n;
    return true;
}

/* A list of n items into *items (n = 0: NULL). */
static bool get_list(FILE *f, char ***items, size_t *count)
{
    uint32_t n;
    if (!get_u32(f, &n) || n > MAX_FIELD_BYTES / sizeof(char *))
        return false;
    if (n == 0)
        return true;
    *items = calloc(n, sizeof(char *));
    if (!*items)
        return false;
    *count = n;   /* set at once so wm_session_free releases a part-read list */
    for (uint32_t i = 0; i < n; i++)
        if (!get_string(f, &(*items)[i]))
            return false;
    return true;
}

static bool get_speakers(FILE *f, wm_session_t *s)
{
    uint32_t n;
    if (!get_u32(f, &n) || n > MAX_FIELD_BYTES / sizeof(wm_speaker_t))
        return false;
    if (n == 0)
        return true;
    s->speakers = calloc(n, sizeof(wm_speaker_t));
    if (!s->speakers)
        return false;
    s->n_speakers = n;
    for (uint32_t i = 0; i < n; i++) {
        wm_speaker_t *sp = &s->speakers[i];
        if (!get_string(f, &sp->name) || !get_string(f, &sp->username) || !get_string(f, &sp->code) ||
            !get_string(f, &sp->biography))
            return false;
    }
    return true;
}

static bool get_session(FILE *f, wm_session_t *s)
{
    int origin = 0;
    bool ok = get_string(f, &s->id) && get_int(f, &s->year) && get_string(f, &s->title) &&
              get_string(f, &s->type) && get_string(f, &s->type_label) &&
              get_int(f, &s->duration_minutes) && get_list(f, &s->tracks, &s->n_tracks) &&
              get_string(f, &s->language) && get_speakers(f, s) &&
              get_list(f, &s->translations, &s->n_translations) && get_string(f, &s->abstract) &&
              get_string(f, &s->url) && get_string(f, &s->source) && get_string(f, &s->page_title) &&
              get_string(f, &s->timestamp) && get_string(f, &s->code) && get_int(f, &origin) &&
              get_string(f, &s->event) && get_string(f, &s->status);
    s->origin = origin == WM_ORIGIN_SCHEDULE ? WM_ORIGIN_SCHEDULE : WM_ORIGIN_WIKI;
    return ok;
}

/* Nothing left: start the file again from its beginning, so a long run
 * over many dumps does not grow it. */
static void reset(wm_spill_t *spill)
{
    spill->count = 0;
    spill->read_at = spill->write_at = 0;
    spill->mode = IDLE;
    if (spill->file && ftruncate(fileno(spill->file), 0) != 0)
        clearerr(spill->file);   /* only disk space is at stake: the offsets restart anyway */
}

/* After reading the oldest record (ok: all of it came back): 1, the record
 * taken; else -1, and the queue is emptied (what follows cannot be found). */
static int end_take(wm_spill_t *spill, bool ok)
{
    if (!ok) {
        reset(spill);
        return -1;
    }
    spill->read_at = ftello(spill->file);
    if (--spill->count == 0)
        reset(spill);
    return 1;
}

int wm_spill_take(wm_spill_t *spill, wm_session_t **session)
{
    *session = NULL;
    if (spill->count == 0)
        return 0;
    wm_session_t *s = wm_session_new();
    int rc = end_take(spill, s && switch_to(spill, READING) == 0 && get_session(spill->file, s));
    if (rc < 0)
        wm_session_free(s);
    else
        *session = s;
    return rc;
}

/* --- raw records ------------------------------------------------------------- */

int wm_spill_push_raw(wm_spill_t *spill, const void *bytes, size_t len)
{
    if (len > MAX_FIELD_BYTES || !start_push(spill))
        return -1;
    FILE *f = spill->file;
    return end_push(spill, put_u32(f, (uint32_t)len) && fwrite(bytes, 1, len, f) == len);
}

int wm_spill_take_raw(wm_spill_t *spill, wm_buf_t *out)
{
    wm_buf_clear(out);
    if (spill->count == 0)
        return 0;
    uint32_t len;
    bool ok = switch_to(spill, READING) == 0 && get_u32(spill->file, &len) && len <= MAX_FIELD_BYTES;
    for (char chunk[4096]; ok && len > 0;) {
        size_t n = len < sizeof chunk ? len : sizeof chunk;
        ok = fread(chunk, 1, n, spill->file) == n && wm_buf_append(out, chunk, n) == 0;
        len -= (uint32_t)n;
    }
    return end_take(spill, ok);
}

/* --- texts by offset ----------------------------------------------------------- */

struct wm_spill_texts {
    FILE *file;            /* NULL until the first put; read and written by offset only */
    uint64_t size;         /* bytes put since the last clear */
    bool cannot_make;      /* tmpfile() failed: do not try for every text */
    char *text;            /* the last text read back */
    size_t text_cap;
};

wm_spill_texts_t *wm_spill_texts_new(void)
{
    return calloc(1, sizeof(wm_spill_texts_t));
}

void wm_spill_texts_free(wm_spill_texts_t *texts)
{
    if (!texts)
        return;
    if (texts->file)
        fclose(texts->file);
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

int wm_spill_texts_put(wm_spill_texts_t *texts, const char *text, size_t len, uint64_t *at)
{
    if (!texts->file && !texts->cannot_make)
        texts->cannot_make = !(texts->file = tmpfile());
    if (!texts->file || pwrite_all(fileno(texts->file), text, len, texts->size) != 0)
        return -1;
    *at = texts->size;
    texts->size += len;
    return 0;
}

const char *wm_spill_texts_get(wm_spill_texts_t *texts, uint64_t at, size_t len)
{
    if (!texts->file || at + len > texts->size) {
        errno = EINVAL;
        return NULL;
    }
    if (texts->text_cap < len + 1) {
        char *text = realloc(texts->text, len + 1);
        if (!text) {
            errno = ENOMEM;
            return NULL;
        }
        texts->text = text;
        texts->text_cap = len + 1;
    }
    if (pread_all(fileno(texts->file), texts->text, len, at) != 0) {
        errno = EIO;   /* (not ENOMEM: the caller tells the two apart) */
        return NULL;
    }
    texts->text[len] = '\0';
    return texts->text;
}

void wm_spill_texts_clear(wm_spill_texts_t *texts)
{
    texts->size = 0;
    if (texts->file && ftruncate(fileno(texts->file), 0) != 0)
        clearerr(texts->file);   /* only disk space is at stake: offsets restart anyway */
}
