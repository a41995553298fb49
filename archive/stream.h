/* Streaming decompression of one input file.
 *
 * The compression is chosen by the file's magic bytes, never by its name:
 * gzip (zlib; every concatenated member is decoded), bzip2 (libbz2; every
 * stream of a multistream file is decoded) or plain bytes.  xz, zstd and 7z
 * are recognised and refused with an "unsupported compression" error.
 *
 * The caller pulls decompressed bytes with wm_stream_read().  Memory is
 * constant: one input buffer and the codec's state. */
#ifndef WM_STREAM_H
#define WM_STREAM_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum wm_compression {
    WM_COMPRESSION_NONE,
    WM_COMPRESSION_GZIP,
    WM_COMPRESSION_BZIP2,
    WM_COMPRESSION_XZ,    /* recognised, not supported */
    WM_COMPRESSION_ZSTD,  /* recognised, not supported */
    WM_COMPRESSION_7Z     /* recognised, not supported */
} wm_compression_t;

/* "plain", "gzip", "bzip2", "xz", "zstd", "7z". */
const char *wm_compression_name(wm_compression_t compression);

/* The compression announced by the first len bytes of a file (len >= 6 for
 * a certain answer); WM_COMPRESSION_NONE when no magic matches. */
wm_compression_t wm_compression_sniff(const unsigned char *head, size_t len);

typedef struct wm_stream wm_stream_t;

/* Open path for reading.  On failure return NULL and set *error to a
 * malloc'd message that names the file (caller frees), e.g.
 * "data/x.xml.xz: unsupported compression (xz)" or "x.gz: No such file or directory". */
wm_stream_t *wm_stream_open(const char *path, char **error);

/* Read up to len decompressed bytes into buf.  Return the number of bytes
 * read (> 0), 0 at the clean end of the input, or -1 on error; after -1,
 * wm_stream_error() says what went wrong, naming the file and the byte
 * offset in the (compressed) file, e.g.
 * "dump.xml.gz: truncated gzip data at byte 4096" or
 * "dump.xml.bz2: corrupt bzip2 data (data error) at byte 1234". */
ssize_t wm_stream_read(wm_stream_t *stream, void *buf, size_t len);

/* Make at least min(want, what remains) decompressed bytes available without
 * consuming them: *data points into the stream's own buffer (valid until the
 * next read or peek).  Return the number of bytes available, or -1 on error.
 * Used to sniff content (is it XML? JSON?) before choosing a reader. */
ssize_t wm_stream_peek(wm_stream_t *stream, size_t want, const unsigned char **data);

/* The last error message (owned by the stream), or NULL when there was none. */
const char *wm_stream_error(const wm_stream_t *stream);
const char *wm_stream_path(const wm_stream_t *stream);
wm_compression_t wm_stream_compression(const wm_stream_t *stream);
/* Bytes consumed so far from the file itself (compressed offset): for progress and messages. */
uint64_t wm_stream_input_offset(const wm_stream_t *stream);
/* Decompressed bytes delivered so far by wm_stream_read(). */
uint64_t wm_stream_output_offset(const wm_stream_t *stream);
/* Size of the file in bytes (from fstat), for progress. */
uint64_t wm_stream_input_size(const wm_stream_t *stream);

/* Close the file and free everything.  NULL is allowed. */
void wm_stream_close(wm_stream_t *stream);

#ifdef __cplusplus
}
#endif

#endif
