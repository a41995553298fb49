/* Unit tests for the decompressing stream, on files made by the real
 * gzip/bzip2/xz tools in a scratch directory. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "archive/stream.h"
#include "common/util.h"
#include "tests/unit/helpers.h"

/* Text that compresses only moderately, so compressed files span several
 * 64 KiB input windows. */
static char *make_text(size_t len, unsigned seed)
{
    char *text = malloc(len);
    assert_non_null(text);
    for (size_t i = 0; i < len; i++) {
        seed = seed * 1103515245u + 12345u;
        unsigned r = (seed >> 16) % 40;
        text[i] = r < 26 ? (char)('a' + r) : r < 36 ? ' ' : '\n';
    }
    return text;
}

/* Read the whole stream in odd-sized pieces; return -1 on error (the data
 * read so far stays in out). */
static int read_all(wm_stream_t *stream, wm_buf_t *out)
{
    char piece[7777];
    ssize_t n;
    while ((n = wm_stream_read(stream, piece, sizeof piece)) > 0)
        assert_int_equal(wm_buf_append(out, piece, (size_t)n), 0);
    return n < 0 ? -1 : 0;
}

static wm_stream_t *open_ok(const char *path)
{
    char *error = NULL;
    wm_stream_t *stream = wm_stream_open(path, &error);
    if (!stream)
        fail_msg("open %s: %s", path, error);
    assert_null(error);
    return stream;
}

/* Open path, expecting a clean read of exactly want/want_len. */
static void assert_reads(const char *path, wm_compression_t compression,
                         const char *want, size_t want_len)
{
    wm_stream_t *stream = open_ok(path);
    assert_int_equal(wm_stream_compression(stream), compression);
    wm_buf_t got = {0};
    if (read_all(stream, &got) < 0)
        fail_msg("%s", wm_stream_error(stream));
    assert_int_equal(got.len, want_len);
    assert_memory_equal(got.data, want, want_len);
    assert_int_equal(wm_stream_output_offset(stream), want_len);
    assert_int_equal(wm_stream_input_offset(stream), wm_stream_input_size(stream));
    assert_null(wm_stream_error(stream));
    assert_int_equal(wm_stream_read(stream, (char[8]){0}, 8), 0);
    wm_buf_free(&got);
    wm_stream_close(stream);
}

/* Open path, expecting the data to start with prefix and then an error
 * containing each of the given fragments. */
static void assert_fails(const char *path, const char *prefix, size_t prefix_len,
                         const char *fragment, const char *fragment2)
{
    wm_stream_t *stream = open_ok(path);
    wm_buf_t got = {0};
    assert_int_equal(read_all(stream, &got), -1);
    assert_true(got.len >= prefix_len);
    assert_memory_equal(got.data, prefix, prefix_len);
    const char *error = wm_stream_error(stream);
    assert_non_null(error);
    assert_non_null(strstr(error, path));
    if (!strstr(error, fragment) || (fragment2 && !strstr(error, fragment2)))
        fail_msg("unexpected error: %s", error);
    /* The error is sticky. */
    assert_int_equal(wm_stream_read(stream, (char[8]){0}, 8), -1);
    wm_buf_free(&got);
    wm_stream_close(stream);
}

static long file_size(const char *name)
{
    FILE *f = fopen(scratch_path(name), "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fclose(f);
    return size;
}

/* --- tests ---------------------------------------------------------------- */

static void test_sniff_magic(void **state)
{
    (void)state;
    const struct { const char *head; size_t len; wm_compression_t want; } cases[] = {
        {"\x1f\x8b\x08\0\0\0", 6, WM_COMPRESSION_GZIP},
        {"BZh91AY", 6, WM_COMPRESSION_BZIP2},
        {"BZhx", 4, WM_COMPRESSION_NONE},
        {"\xfd" "7zXZ\0", 6, WM_COMPRESSION_XZ},
        {"\x28\xb5\x2f\xfd\0\0", 6, WM_COMPRESSION_ZSTD},
        {"7z\xbc\xaf\x27\x1c", 6, WM_COMPRESSION_7Z},
        {"<mediawiki", 10, WM_COMPRESSION_NONE},
        {"\x1f", 1, WM_COMPRESSION_NONE},
        {"", 0, WM_COMPRESSION_NONE},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        assert_int_equal(wm_compression_sniff((const unsigned char *)cases[i].head, cases[i].len),
                         cases[i].want);
    assert_string_equal(wm_compression_name(WM_COMPRESSION_NONE), "plain");
    assert_string_equal(wm_compression_name(WM_COMPRESSION_BZIP2), "bzip2");
    assert_string_equal(wm_compression_name(WM_COMPRESSION_7Z), "7z");
}

static void test_plain_file(void **state)
{
    (void)state;
    size_t len = 200000;
    char *text = make_text(len, 1);
    scratch_write("plain.xml", text, len);
    assert_reads(scratch_path("plain.xml"), WM_COMPRESSION_NONE, text, len);
    assert_int_equal(file_size("plain.xml"), (long)len);
    free(text);
}

static void test_gzip_multi_member(void **state)
{
    (void)state;
    size_t len = 300000;
    char *text = make_text(2 * len, 2);
    scratch_write("a.txt", text, len);
    scratch_write("b.txt", text + len, len);
    /* A name without .gz: the magic bytes decide. */
    scratch_shell("gzip -c a.txt > multi.dat && gzip -c b.txt >> multi.dat");
    assert_reads(scratch_path("multi.dat"), WM_COMPRESSION_GZIP, text, 2 * len);
    /* Zero padding after the last member is tolerated, as gzip does. */
    scratch_shell("cp multi.dat padded.gz && head -c 1000 /dev/zero >> padded.gz && gzip -t padded.gz");
    assert_reads(scratch_path("padded.gz"), WM_COMPRESSION_GZIP, text, 2 * len);
    free(text);
}

static void test_gzip_empty_member(void **state)
{
    (void)state;
    scratch_write("nothing.txt", "", 0);
    scratch_write("word.txt", "word", 4);
    scratch_shell("gzip -c nothing.txt > e.gz && gzip -c word.txt >> e.gz && gzip -c nothing.txt >> e.gz");
    assert_reads(scratch_path("e.gz"), WM_COMPRESSION_GZIP, "word", 4);
}

static void test_bzip2_multistream(void **state)
{
    (void)state;
    size_t len = 150000;
    char *text = make_text(3 * len, 3);
    scratch_write("p1.txt", text, len);
    scratch_write("p2.txt", text + len, len);
    scratch_write("p3.txt", text + 2 * len, len);
    scratch_shell("bzip2 -c p1.txt > multi.bz2 && bzip2 -c p2.txt >> multi.bz2 && bzip2 -c p3.txt >> multi.bz2");
    assert_reads(scratch_path("multi.bz2"), WM_COMPRESSION_BZIP2, text, 3 * len);
    free(text);
}

static void test_truncated_gzip(void **state)
{
    (void)state;
    size_t len = 200000;
    char *text = make_text(len, 4);
    scratch_write("t.txt", text, len);
    scratch_shell("gzip -c t.txt > full.gz && head -c 50000 full.gz > cut.gz");
    char want[64];
    snprintf(want, sizeof want, "truncated gzip data at byte %ld", file_size("cut.gz"));
    assert_fails(scratch_path("cut.gz"), text, 1000, want, NULL);
    free(text);
}

static void test_truncated_bzip2(void **state)
{
    (void)state;
    size_t len = 200000;
    char *text = make_text(len, 5);
    scratch_write("t.txt", text, len);
    /* Two streams, cut inside the second: the first one's data is delivered. */
    scratch_shell("bzip2 -c t.txt > cut.bz2 && bzip2 -c t.txt > full.bz2 && head -c 500 full.bz2 >> cut.bz2");
    char want[64];
    snprintf(want, sizeof want, "truncated bzip2 data at byte %ld", file_size("cut.bz2"));
    assert_fails(scratch_path("cut.bz2"), text, len, want, NULL);
    free(text);
}

static void test_corrupt_bzip2(void **state)
{
    (void)state;
    size_t len = 100000;
    char *text = make_text(len, 6);
    scratch_write("c.txt", text, len);
    scratch_shell("bzip2 -c c.txt > flip.bz2");
    /* Flip one bit in the middle of the compressed block. */
    FILE *f = fopen(scratch_path("flip.bz2"), "r+b");
    assert_non_null(f);
    long middle = file_size("flip.bz2") / 2;
    fseek(f, middle, SEEK_SET);
    int c = fgetc(f);
    fseek(f, middle, SEEK_SET);
    fputc(c ^ 0x10, f);
    fclose(f);
    assert_fails(scratch_path("flip.bz2"), "", 0, "corrupt bzip2 data (data error) at byte ", NULL);
    free(text);
}

static void test_gzip_trailing_garbage(void **state)
{
    (void)state;
    scratch_write("g.txt", "<mediawiki/>\n", 13);
    scratch_shell("gzip -c g.txt > garbage.gz");
    long valid = file_size("garbage.gz");
    scratch_shell("printf 'this is not gzip' >> garbage.gz");
    char want[64];
    snprintf(want, sizeof want, "trailing garbage after gzip data at byte %ld", valid);
    assert_fails(scratch_path("garbage.gz"), "<mediawiki/>\n", 13, want, NULL);
}

static void test_corrupt_gzip_header(void **state)
{
    (void)state;
    scratch_write("bad.gz", "\x1f\x8b\x63\0\0\0\0\0\0\0", 10);
    assert_fails(scratch_path("bad.gz"), "", 0, "corrupt gzip data (", " at byte ");
}

static void assert_refused(const char *path, const char *name)
{
    char *error = NULL;
    assert_null(wm_stream_open(path, &error));
    assert_non_null(error);
    char want[PATH_MAX + 64];
    snprintf(want, sizeof want, "%s: unsupported compression (%s)", path, name);
    assert_string_equal(error, want);
    free(error);
}

static void test_unsupported_compression_refused(void **state)
{
    (void)state;
    scratch_write("x.txt", "<mediawiki/>", 12);
    if (system("command -v xz >/dev/null 2>&1") == 0)
        scratch_shell("xz -c x.txt > dump.xml.xz");
    else
        scratch_write("dump.xml.xz", "\xfd" "7zXZ\0\0\0", 8);
    assert_refused(scratch_path("dump.xml.xz"), "xz");
    if (system("command -v zstd >/dev/null 2>&1") == 0)
        scratch_shell("zstd -q -c x.txt > dump.zst");
    else
        scratch_write("dump.zst", "\x28\xb5\x2f\xfd\0\0\0", 7);
    assert_refused(scratch_path("dump.zst"), "zstd");
    scratch_write("dump.7z", "7z\xbc\xaf\x27\x1c\0\x04", 8);
    assert_refused(scratch_path("dump.7z"), "7z");
}

static void test_empty_and_missing_files(void **state)
{
    (void)state;
    scratch_write("empty.xml", "", 0);
    wm_stream_t *stream = open_ok(scratch_path("empty.xml"));
    assert_int_equal(wm_stream_compression(stream), WM_COMPRESSION_NONE);
    const unsigned char *data = NULL;
    assert_int_equal(wm_stream_peek(stream, 16, &data), 0);
    char buf[16];
    assert_int_equal(wm_stream_read(stream, buf, sizeof buf), 0);
    assert_null(wm_stream_error(stream));
    wm_stream_close(stream);

    char *error = NULL;
    const char *missing = scratch_path("missing.xml.gz");
    assert_null(wm_stream_open(missing, &error));
    char want[PATH_MAX + 64];
    snprintf(want, sizeof want, "%s: No such file or directory", missing);
    assert_string_equal(error, want);
    free(error);
    wm_stream_close(NULL);
}

static void test_peek_before_read(void **state)
{
    (void)state;
    size_t len = 100000;
    char *text = make_text(len, 7);
    scratch_write("peek.txt", text, len);
    scratch_shell("gzip -c peek.txt > peek.gz");
    wm_stream_t *stream = open_ok(scratch_path("peek.gz"));
    const unsigned char *data = NULL;
    assert_true(wm_stream_peek(stream, 100, &data) >= 100);
    assert_memory_equal(data, text, 100);
    /* A smaller peek sees the same bytes; a larger one extends them. */
    assert_true(wm_stream_peek(stream, 10, &data) >= 10);
    assert_memory_equal(data, text, 10);
    assert_true(wm_stream_peek(stream, 5000, &data) >= 5000);
    assert_memory_equal(data, text, 5000);
    assert_int_equal(wm_stream_output_offset(stream), 0);
    /* Reading after a peek loses nothing. */
    char head[30];
    assert_int_equal(wm_stream_read(stream, head, sizeof head), sizeof head);
    assert_memory_equal(head, text, sizeof head);
    assert_true(wm_stream_peek(stream, 40, &data) >= 40);
    assert_memory_equal(data, text + 30, 40);
    wm_buf_t rest = {0};
    assert_int_equal(read_all(stream, &rest), 0);
    assert_int_equal(rest.len, len - 30);
    assert_memory_equal(rest.data, text + 30, len - 30);
    assert_int_equal(wm_stream_output_offset(stream), len);
    /* Peeking past the end returns what remains: nothing. */
    assert_int_equal(wm_stream_peek(stream, 10, &data), 0);
    wm_buf_free(&rest);
    wm_stream_close(stream);

    /* A peek larger than the whole file returns the whole file. */
    scratch_write("small.txt", "tiny", 4);
    stream = open_ok(scratch_path("small.txt"));
    assert_int_equal(wm_stream_peek(stream, 1 << 20, &data), 4);
    assert_memory_equal(data, "tiny", 4);
    assert_int_equal(wm_stream_input_size(stream), 4);
    wm_stream_close(stream);
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sniff_magic),
        cmocka_unit_test(test_plain_file),
        cmocka_unit_test(test_gzip_multi_member),
        cmocka_unit_test(test_gzip_empty_member),
        cmocka_unit_test(test_bzip2_multistream),
        cmocka_unit_test(test_truncated_gzip),
        cmocka_unit_test(test_truncated_bzip2),
        cmocka_unit_test(test_corrupt_bzip2),
        cmocka_unit_test(test_gzip_trailing_garbage),
        cmocka_unit_test(test_corrupt_gzip_header),
        cmocka_unit_test(test_unsupported_compression_refused),
        cmocka_unit_test(test_empty_and_missing_files),
        cmocka_unit_test(test_peek_before_read),
    };
    return cmocka_run_group_tests_name("stream", tests, NULL, NULL);
}
