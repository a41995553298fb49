/* Streaming decompression of one dump file: sniff the compression from the
 * magic bytes, then hand out decompressed bytes in constant memory.
 *
 * All codecs share one 64 KiB input window (in[in_pos..in_len)).  gzip and
 * bzip2 files may be concatenations of several members/streams; both codecs
 * stop at the end of each one, so the decoder restarts them whenever more
 * compressed data follows.  Errors name the file and the compressed offset. */
#include "archive/stream.h"

#include <bzlib.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "common/util.h"

#define INPUT_SIZE (64 * 1024)
#define SNIFF_SIZE 6

typedef enum stream_state {
    STATE_OK,
    STATE_END,
    STATE_ERROR
} stream_state_t;

struct wm_stream {
    char *path;
    int fd;
    wm_compression_t compression;
    stream_state_t state;
    char *error;

    unsigned char in[INPUT_SIZE];
    size_t in_pos, in_len;
    bool input_eof;
    uint64_t file_read;        /* bytes read from fd so far */
    uint64_t file_size;
    uint64_t output_offset;

    /* Codec state.  member_done: the current gzip member or bzip2 stream
     * ended; what follows decides between another member, padding, garbage. */
    z_stream zlib;
    bz_stream bzip;
    bool codec_ready;
    bool member_done;
    bool in_padding;

    /* Decompressed bytes peeked but not yet read. */
    unsigned char *peeked;
    size_t peek_pos, peek_len, peek_cap;
};

const char *wm_compression_name(wm_compression_t compression)
{
    switch (compression) {
    case WM_COMPRESSION_NONE: return "plain";
    case WM_COMPRESSION_GZIP: return "gzip";
    case WM_COMPRESSION_BZIP2: return "bzip2";
    case WM_COMPRESSION_XZ: return "xz";
    case WM_COMPRESSION_ZSTD: return "zstd";
    case WM_COMPRESSION_7Z: return "7z";
    }
    return "unknown";
}

static bool has_magic(const unsigned char *head, size_t len, const char *magic, size_t magic_len)
{
    return len >= magic_len && memcmp(head, magic, magic_len) == 0;
}

wm_compression_t wm_compression_sniff(const unsigned char *head, size_t len)
{
    if (has_magic(head, len, "\x1f\x8b", 2))
        return WM_COMPRESSION_GZIP;
    if (has_magic(head, len, "BZh", 3) && len >= 4 && head[3] >= '1' && head[3] <= '9')
        return WM_COMPRESSION_BZIP2;
    if (has_magic(head, len, "\xfd" "7zXZ\0", 6))
        return WM_COMPRESSION_XZ;
    if (has_magic(head, len, "\x28\xb5\x2f\xfd", 4))
        return WM_COMPRESSION_ZSTD;
    if (has_magic(head, len, "7z\xbc\xaf\x27\x1c", 6))
        return WM_COMPRESSION_7Z;
    return WM_COMPRESSION_NONE;
}

/* --- errors -------------------------------------------------------------- */

static size_t input_available(const wm_stream_t *s)
{
    return s->in_len - s->in_pos;
}

uint64_t wm_stream_input_offset(const wm_stream_t *s)
{
    return s->file_read - input_available(s);
}

/* Record "<path>: <what> at byte N" and put the stream in the error state.
 * Always returns -1 so decoders can `return stream_fail(...)`. */
static int stream_fail(wm_stream_t *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int stream_fail(wm_stream_t *s, const char *fmt, ...)
{
    char what[256];
    va_list args;
    va_start(args, fmt);
    vsnprintf(what, sizeof what, fmt, args);
    va_end(args);
    free(s->error);
    s->error = wm_strdup_printf("%s: %s at byte %" PRIu64, s->path, what,
                                wm_stream_input_offset(s));
    s->state = STATE_ERROR;
    return -1;
}

/* --- the input window ---------------------------------------------------- */

/* Read more of the file into the window, after moving the unconsumed bytes
 * to its start.  Returns 0 (possibly having hit EOF) or -1 on a read error. */
static int input_fill(wm_stream_t *s)
{
    if (s->input_eof)
        return 0;
    if (s->in_pos > 0) {
        memmove(s->in, s->in + s->in_pos, input_available(s));
        s->in_len -= s->in_pos;
        s->in_pos = 0;
    }
    if (s->in_len == INPUT_SIZE)
        return 0;
    ssize_t n;
    do
        n = read(s->fd, s->in + s->in_len, INPUT_SIZE - s->in_len);
    while (n < 0 && errno == EINTR);
    if (n < 0)
        return stream_fail(s, "read error (%s)", strerror(errno));
    if (n == 0)
        s->input_eof = true;
    s->in_len += (size_t)n;
    s->file_read += (uint64_t)n;
    return 0;
}

/* Make at least `want` input bytes available unless the file ends first. */
static int input_ensure(wm_stream_t *s, size_t want)
{
    while (input_available(s) < want && !s->input_eof)
        if (input_fill(s) < 0)
            return -1;
    return 0;
}

/* --- plain --------------------------------------------------------------- */

static ssize_t plain_decode(wm_stream_t *s, unsigned char *out, size_t len)
{
    if (input_available(s) == 0 && input_fill(s) < 0)
        return -1;
    size_t n = input_available(s);
    if (n == 0)
        return 0;
    if (n > len)
        n = len;
    memcpy(out, s->in + s->in_pos, n);
    s->in_pos += n;
    return (ssize_t)n;
}

/* --- what follows a finished gzip member or bzip2 stream ----------------- */

/* Decide what the bytes after a finished member are.  Returns 1 when
 * another member starts (the caller restarts its codec), 0 at the clean
 * end of the file, -1 on error.  All-zero padding is skipped as gzip does;
 * anything else is garbage. */
static int next_member(wm_stream_t *s, const char *magic, size_t magic_len)
{
    for (;;) {
        if (input_ensure(s, magic_len) < 0)
            return -1;
        size_t avail = input_available(s);
        if (avail == 0)
            return 0;
        const unsigned char *p = s->in + s->in_pos;
        if (!s->in_padding && avail >= magic_len && memcmp(p, magic, magic_len) == 0)
            return 1;
        if (p[0] != 0)
            return stream_fail(s, "trailing garbage after %s data",
                               wm_compression_name(s->compression));
        s->in_padding = true;
        s->in_pos++;
    }
}

/* --- gzip ---------------------------------------------------------------- */

static int gzip_start(wm_stream_t *s)
{
    memset(&s->zlib, 0, sizeof s->zlib);
    /* 15+16: gzip wrapper only, since the magic already said gzip. */
    if (inflateInit2(&s->zlib, 15 + 16) != Z_OK)
        return stream_fail(s, "cannot start gzip decoder");
    s->codec_ready = true;
    return 0;
}

/* Run inflate once on the window; returns bytes produced or -1. */
static ssize_t gzip_step(wm_stream_t *s, unsigned char *out, size_t len)
{
    s->zlib.next_in = s->in + s->in_pos;
    s->zlib.avail_in = (uInt)input_available(s);
    s->zlib.next_out = out;
    s->zlib.avail_out = len > UINT32_MAX ? UINT32_MAX : (uInt)len;
    uInt out_before = s->zlib.avail_out;
    int ret = inflate(&s->zlib, Z_NO_FLUSH);
    s->in_pos = (size_t)(s->zlib.next_in - s->in);
    size_t produced = out_before - s->zlib.avail_out;
    if (ret == Z_STREAM_END)
        s->member_done = true;
    else if (ret != Z_OK && ret != Z_BUF_ERROR)
        return stream_fail(s, "corrupt gzip data (%s)",
                           s->zlib.msg ? s->zlib.msg : zError(ret));
    return (ssize_t)produced;
}

static ssize_t gzip_decode(wm_stream_t *s, unsigned char *out, size_t len)
{
    for (;;) {
        if (s->member_done) {
            int next = next_member(s, "\x1f\x8b", 2);
            if (next <= 0)
                return next;
            inflateReset(&s->zlib);
            s->member_done = false;
        }
        if (input_available(s) == 0 && input_fill(s) < 0)
            return -1;
        /* The codec may still hold output with no input left, so the
         * file is truncated only when a step at EOF produced nothing. */
        bool at_eof = input_available(s) == 0 && s->input_eof;
        ssize_t n = gzip_step(s, out, len);
        if (n != 0)
            return n;
        if (at_eof && !s->member_done)
            return stream_fail(s, "truncated gzip data");
    }
}

/* --- bzip2 --------------------------------------------------------------- */

static const char *bzip2_error_name(int ret)
{
    switch (ret) {
    case BZ_DATA_ERROR: return "data error";
    case BZ_DATA_ERROR_MAGIC: return "bad magic";
    case BZ_MEM_ERROR: return "out of memory";
    case BZ_PARAM_ERROR: return "parameter error";
    default: return "decoder error";
    }
}

static int bzip2_start(wm_stream_t *s)
{
    memset(&s->bzip, 0, sizeof s->bzip);
    if (BZ2_bzDecompressInit(&s->bzip, 0, 0) != BZ_OK)
        return stream_fail(s, "cannot start bzip2 decoder");
    s->codec_ready = true;
    return 0;
}

static ssize_t bzip2_step(wm_stream_t *s, unsigned char *out, size_t len)
{
    s->bzip.next_in = (char *)(s->in + s->in_pos);
    s->bzip.avail_in = (unsigned)input_available(s);
    s->bzip.next_out = (char *)out;
    s->bzip.avail_out = len > UINT32_MAX ? UINT32_MAX : (unsigned)len;
    unsigned out_before = s->bzip.avail_out;
    int ret = BZ2_bzDecompress(&s->bzip);
    s->in_pos = (size_t)((unsigned char *)s->bzip.next_in - s->in);
    size_t produced = out_before - s->bzip.avail_out;
    if (ret == BZ_STREAM_END)
        s->member_done = true;
    else if (ret != BZ_OK)
        return stream_fail(s, "corrupt bzip2 data (%s)", bzip2_error_name(ret));
    return (ssize_t)produced;
}

static ssize_t bzip2_decode(wm_stream_t *s, unsigned char *out, size_t len)
{
    for (;;) {
        if (s->member_done) {
            int next = next_member(s, "BZh", 3);
            if (next <= 0)
                return next;
            /* libbz2 has no reset: a new stream needs a new decoder. */
            BZ2_bzDecompressEnd(&s->bzip);
            s->codec_ready = false;
            s->member_done = false;
            if (bzip2_start(s) < 0)
                return -1;
        }
        if (input_available(s) == 0 && input_fill(s) < 0)
            return -1;
        /* The codec may still hold output with no input left, so the
         * file is truncated only when a step at EOF produced nothing. */
        bool at_eof = input_available(s) == 0 && s->input_eof;
        ssize_t n = bzip2_step(s, out, len);
        if (n != 0)
            return n;
        if (at_eof && !s->member_done)
            return stream_fail(s, "truncated bzip2 data");
    }
}

/* --- decoding, reading, peeking ------------------------------------------ */

/* Decode up to len bytes into out: > 0 bytes, 0 at the end, -1 on error. */
static ssize_t stream_decode(wm_stream_t *s, unsigned char *out, size_t len)
{
    if (s->state == STATE_ERROR)
        return -1;
    if (s->state == STATE_END || len == 0)
        return 0;
    ssize_t n;
    switch (s->compression) {
    case WM_COMPRESSION_GZIP: n = gzip_decode(s, out, len); break;
    case WM_COMPRESSION_BZIP2: n = bzip2_decode(s, out, len); break;
    default: n = plain_decode(s, out, len); break;
    }
    if (n == 0)
        s->state = STATE_END;
    return n;
}

ssize_t wm_stream_read(wm_stream_t *s, void *buf, size_t len)
{
    size_t peeked = s->peek_len - s->peek_pos;
    if (peeked > 0) {
        size_t n = peeked < len ? peeked : len;
        memcpy(buf, s->peeked + s->peek_pos, n);
        s->peek_pos += n;
        s->output_offset += n;
        return (ssize_t)n;
    }
    ssize_t n = stream_decode(s, buf, len);
    if (n > 0)
        s->output_offset += (uint64_t)n;
    return n;
}

/* Grow the peek buffer to hold `want` bytes, keeping the unread ones at its start. */
static int peek_reserve(wm_stream_t *s, size_t want)
{
    if (s->peek_pos > 0) {
        memmove(s->peeked, s->peeked + s->peek_pos, s->peek_len - s->peek_pos);
        s->peek_len -= s->peek_pos;
        s->peek_pos = 0;
    }
    if (want <= s->peek_cap)
        return 0;
    unsigned char *grown = realloc(s->peeked, want);
    if (!grown)
        return stream_fail(s, "out of memory");
    s->peeked = grown;
    s->peek_cap = want;
    return 0;
}

ssize_t wm_stream_peek(wm_stream_t *s, size_t want, const unsigned char **data)
{
    if (s->peek_len - s->peek_pos < want) {
        if (peek_reserve(s, want) < 0)
            return -1;
        while (s->peek_len < want) {
            ssize_t n = stream_decode(s, s->peeked + s->peek_len, want - s->peek_len);
            if (n < 0)
                return -1;
            if (n == 0)
                break;
            s->peek_len += (size_t)n;
        }
    }
    *data = s->peeked ? s->peeked + s->peek_pos : (const unsigned char *)"";
    return (ssize_t)(s->peek_len - s->peek_pos);
}

/* --- opening and closing ------------------------------------------------- */

static char *open_error(const char *path, const char *what)
{
    return wm_strdup_printf("%s: %s", path, what);
}

/* Sniff the compression from the first bytes and start its decoder;
 * refuses the formats we recognise but cannot decode. */
static int stream_start(wm_stream_t *s, char **error)
{
    if (input_ensure(s, SNIFF_SIZE) < 0) {
        *error = s->error;
        s->error = NULL;
        return -1;
    }
    s->compression = wm_compression_sniff(s->in, input_available(s));
    switch (s->compression) {
    case WM_COMPRESSION_GZIP:
        if (gzip_start(s) < 0)
            break;
        return 0;
    case WM_COMPRESSION_BZIP2:
        if (bzip2_start(s) < 0)
            break;
        return 0;
    case WM_COMPRESSION_NONE:
        return 0;
    default: {
        char what[64];
        snprintf(what, sizeof what, "unsupported compression (%s)",
                 wm_compression_name(s->compression));
        *error = open_error(s->path, what);
        return -1;
    }
    }
    *error = s->error;
    s->error = NULL;
    return -1;
}

wm_stream_t *wm_stream_open(const char *path, char **error)
{
    *error = NULL;
    wm_stream_t *s = calloc(1, sizeof *s);
    if (!s || !(s->path = wm_strndup(path, strlen(path)))) {
        free(s);
        *error = open_error(path, "out of memory");
        return NULL;
    }
    s->fd = open(path, O_RDONLY | O_CLOEXEC);
    if (s->fd < 0) {
        *error = open_error(path, strerror(errno));
        wm_stream_close(s);
        return NULL;
    }
    struct stat st;
    bool have_stat = fstat(s->fd, &st) == 0;
    if (have_stat && S_ISDIR(st.st_mode)) {
        *error = open_error(path, strerror(EISDIR));
        wm_stream_close(s);
        return NULL;
    }
    s->file_size = have_stat && S_ISREG(st.st_mode) ? (uint64_t)st.st_size : 0;
    if (stream_start(s, error) < 0) {
        wm_stream_close(s);
        return NULL;
    }
    return s;
}

void wm_stream_close(wm_stream_t *s)
{
    if (!s)
        return;
    if (s->codec_ready && s->compression == WM_COMPRESSION_GZIP)
        inflateEnd(&s->zlib);
    if (s->codec_ready && s->compression == WM_COMPRESSION_BZIP2)
        BZ2_bzDecompressEnd(&s->bzip);
    if (s->fd >= 0)
        close(s->fd);
    free(s->peeked);
    free(s->error);
    free(s->path);
    free(s);
}

const char *wm_stream_error(const wm_stream_t *s) { return s->error; }
const char *wm_stream_path(const wm_stream_t *s) { return s->path; }
wm_compression_t wm_stream_compression(const wm_stream_t *s) { return s->compression; }
uint64_t wm_stream_output_offset(const wm_stream_t *s) { return s->output_offset; }
uint64_t wm_stream_input_size(const wm_stream_t *s) { return s->file_size; }
