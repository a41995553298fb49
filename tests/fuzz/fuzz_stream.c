/* libFuzzer target for the decompressing stream (archive/stream.h).
 *
 * The input is a whole file: its magic bytes choose plain, gzip or bzip2
 * (or a refused format), exactly as for a user's dump.  The target checks
 * the stream's promises, not just the absence of crashes:
 *   - open fails only for the recognised-but-unsupported formats, and the
 *     compression reported is the one the magic bytes announce;
 *   - a plain file reads back byte for byte;
 *   - peeked bytes are the bytes the next read returns;
 *   - the offsets add up, the end stays the end, an error is never followed
 *     by a clean end, and its message names the file and a byte offset. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "archive/stream.h"
#include "common/util.h"
#include "tests/fuzz/fuzz_helpers.h"

/* Decompression bombs are legal input; stop reading after this much so one
 * input cannot take seconds. */
#define OUTPUT_LIMIT (1024u * 1024)

/* Read sizes vary with the input so buffer boundaries land everywhere. */
static size_t read_size(size_t round, size_t seed)
{
    static const size_t sizes[] = {1, 7, 512, 4095, 65536, 100000, 3};
    return sizes[(round + seed) % (sizeof sizes / sizeof sizes[0])];
}

/* After an error the stream never reports a clean end: reads hand out what
 * a failed peek had already decoded (at most one peek's worth), then -1. */
static void check_error(wm_stream_t *stream, const char *path)
{
    static unsigned char rest[100000];
    const char *error = wm_stream_error(stream);
    CHECK(error != NULL);
    CHECK(strncmp(error, path, strlen(path)) == 0);
    CHECK(strstr(error, " at byte ") != NULL);
    size_t drained = 0;
    ssize_t n;
    while ((n = wm_stream_read(stream, rest, sizeof rest)) > 0)
        drained += (size_t)n;
    CHECK(n == -1 && drained <= sizeof rest);
    CHECK(wm_stream_read(stream, rest, 1) == -1);
}

/* Peek, then read the same bytes and compare; returns what read returned. */
static ssize_t peek_then_read(wm_stream_t *stream, size_t want, unsigned char *buf)
{
    const unsigned char *peeked;
    ssize_t available = wm_stream_peek(stream, want, &peeked);
    if (available <= 0)
        return available;
    size_t n = (size_t)available < want ? (size_t)available : want;
    unsigned char *copy = malloc(n);
    CHECK(copy != NULL);
    memcpy(copy, peeked, n);
    ssize_t got = wm_stream_read(stream, buf, n);
    CHECK(got > 0 && (size_t)got <= n);
    CHECK(memcmp(copy, buf, (size_t)got) == 0);
    free(copy);
    return got;
}

static void read_all(wm_stream_t *stream, const char *path, const uint8_t *data, size_t size)
{
    static unsigned char buf[100000];
    wm_buf_t plain = {0};
    bool is_plain = wm_stream_compression(stream) == WM_COMPRESSION_NONE;
    uint64_t total = 0;
    ssize_t n = 1;
    for (size_t round = 0; n > 0 && total < OUTPUT_LIMIT; round++) {
        size_t want = read_size(round, size);
        n = round % 5 == 2 ? peek_then_read(stream, want, buf) : wm_stream_read(stream, buf, want);
        CHECK(n <= (ssize_t)want);
        if (n > 0) {
            total += (uint64_t)n;
            if (is_plain)
                CHECK(wm_buf_append(&plain, (const char *)buf, (size_t)n) == 0);
        }
        CHECK(wm_stream_output_offset(stream) == total);
        CHECK(wm_stream_input_offset(stream) <= size);
    }
    if (n < 0)
        check_error(stream, path);
    if (n == 0) {
        CHECK(wm_stream_read(stream, buf, sizeof buf) == 0);
        if (is_plain)
            CHECK(plain.len == size && (size == 0 || memcmp(plain.data, data, size) == 0));
    }
    if (is_plain)
        CHECK(n >= 0);
    wm_buf_free(&plain);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_input_file(data, size);
    wm_compression_t sniffed = wm_compression_sniff(data, size);
    char *error = NULL;
    wm_stream_t *stream = wm_stream_open(path, &error);
    if (!stream) {
        CHECK(error != NULL && strncmp(error, path, strlen(path)) == 0);
        CHECK(sniffed == WM_COMPRESSION_XZ || sniffed == WM_COMPRESSION_ZSTD ||
              sniffed == WM_COMPRESSION_7Z);
        free(error);
        return 0;
    }
    CHECK(error == NULL);
    CHECK(wm_stream_compression(stream) == sniffed);
    CHECK(wm_stream_input_size(stream) == size);
    read_all(stream, path, data, size);
    wm_stream_close(stream);
    return 0;
}
