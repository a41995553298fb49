/* Unit tests for the crawl: a real directory tree in a temporary
 * directory (nested directories, symbolic links, loops, compressed files
 * made with the real gzip/bzip2/xz tools) and the exact sequence of events
 * the crawl reports for it. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "archive/crawl.h"
#include "common/util.h"
#include "tests/unit/helpers.h"

/* The events seen, one line each: "I path", "S path: reason", "E path: message",
 * with the temporary directory's prefix removed from paths. */
typedef struct recorder {
    const char *prefix;
    wm_buf_t log;
    int events;
    int stop_after;     /* stop the crawl after this many events (0: never) */
} recorder_t;

static wm_result_t record(void *ctx, wm_crawl_event_t event, const char *path, const char *message)
{
    recorder_t *rec = ctx;
    size_t plen = strlen(rec->prefix);
    if (strncmp(path, rec->prefix, plen) == 0 && path[plen] == '/')
        path += plen + 1;
    static const char letters[] = { [WM_CRAWL_INPUT] = 'I', [WM_CRAWL_SKIPPED] = 'S',
                                    [WM_CRAWL_ERROR] = 'E' };
    char *line = message ? wm_strdup_printf("%c %s: %s\n", letters[event], path, message)
                         : wm_strdup_printf("%c %s\n", letters[event], path);
    assert_non_null(line);
    /* INPUT carries no message; SKIPPED and ERROR always say why. */
    assert_true((event == WM_CRAWL_INPUT) == (message == NULL));
    assert_int_equal(wm_buf_append_str(&rec->log, line), 0);
    free(line);
    rec->events++;
    return rec->stop_after && rec->events >= rec->stop_after ? WM_STOPPED : WM_OK;
}

/* A fresh directory for each test (some take permissions away). */
static int make_tree(void **state)
{
    *state = scratch_new_dir("crawl");
    return 0;
}

static int remove_tree(void **state)
{
    scratch_remove(*state);
    free(*state);
    return 0;
}

/* Crawl one root below the temporary directory; the caller frees the log. */
static char *crawl_one(const char *dir, const char *root, int stop_after, wm_result_t *rc)
{
    char *path = wm_strdup_printf("%s/%s", dir, root);
    assert_non_null(path);
    recorder_t rec = { .prefix = dir, .stop_after = stop_after };
    const char *roots[] = { path };
    *rc = wm_crawl(roots, 1, record, &rec);
    free(path);
    return rec.log.data ? wm_buf_take(&rec.log) : strdup("");
}

static void test_names(void **state)
{
    (void)state;
    const char *inputs[] = { "a.xml", "dump.XML.GZ", "x-pages-articles.xml.bz2", "h.xml.xz",
                             "h.xml.zst", "h.xml.7z", "schedule.json", "s.Json.Gz",
                             "s.json.bz2" };
    const char *others[] = { "README", "sha1sums.txt", "x.xml.gz.part", "xml", ".xml",
                             "a.xmlx", "a.bz2", "a.json.xz", "a.txt.gz", "" };
    for (size_t i = 0; i < sizeof inputs / sizeof *inputs; i++)
        assert_true(wm_crawl_name_is_input(inputs[i]));
    for (size_t i = 0; i < sizeof others / sizeof *others; i++)
        assert_false(wm_crawl_name_is_input(others[i]));
}

/* The whole tree: order, recursion, links, hidden files and content sniffing. */
static void test_tree(void **state)
{
    const char *dir = *state;
    shell_in(dir,
          "mkdir -p t/a t/c/d/e t/c/sub t/.hiddendir && cd t"
          " && echo '<mediawiki/>' > b.xml && echo '<x/>' > A.XML && echo '{}' > a/z.json"
          " && echo '<m/>' > a/m.xml && gzip a/m.xml"
          " && echo '<deep/>' > c/d/e/deep.xml && bzip2 c/d/e/deep.xml"
          " && echo '<h/>' > .hidden.xml && echo '<h/>' > .hiddendir/x.xml"
          " && echo 'Read me' > README && echo '0123 x.xml.bz2' > sha1sums.txt"
          " && printf '<?xml version=\"1.0\"?><mediawiki/>' | gzip > nodext"
          " && printf '\\357\\273\\277\\n  [{\"a\": 1}]' | bzip2 > schedule"
          " && printf '1:2:Title\\n' | bzip2 > x-multistream-index.txt.bz2"
          " && printf '<x/>' | xz > packed"
          " && printf '' > empty"
          " && ln -s a/z.json link.json && ln -s a/m.xml.gz linked-data"
          " && ln -s nowhere.xml broken.xml && ln -s a alias && ln -s .. c/sub/loop"
          " && ln -s ../../c c/d/up && mkfifo pipe");
    wm_result_t rc;
    char *log = crawl_one(dir, "t", 0, &rc);
    assert_int_equal(rc, WM_OK);
    assert_string_equal(log,
        "I t/A.XML\n"                       /* strcmp order: capitals first */
        "S t/README: not a dump or schedule export\n"
        "I t/a/m.xml.gz\n"                  /* t/alias -> a is not walked again */
        "I t/a/z.json\n"
        "I t/b.xml\n"
        "E t/broken.xml: No such file or directory\n"
        "I t/c/d/e/deep.xml.bz2\n"
        "E t/c/d/up: symbolic link loop\n"
        "E t/c/sub/loop: symbolic link loop\n"
        "S t/empty: not a dump or schedule export\n"
        "I t/link.json\n"
        "I t/linked-data\n"                 /* a link to gzip'd XML, no extension */
        "I t/nodext\n"
        "S t/packed: not a dump or schedule export (unsupported compression (xz))\n"
        "S t/pipe: not a dump or schedule export (not a regular file)\n"
        "I t/schedule\n"                    /* bzip2'd JSON after a BOM and blanks */
        "S t/sha1sums.txt: not a dump or schedule export\n"
        "S t/x-multistream-index.txt.bz2: not a dump or schedule export\n");
    free(log);

    /* A trailing slash on the root does not double the separator. */
    log = crawl_one(dir, "t/a/", 0, &rc);
    assert_int_equal(rc, WM_OK);
    assert_string_equal(log, "I t/a/m.xml.gz\nI t/a/z.json\n");
    free(log);
}

/* UTF-16 XML (with and without a byte order mark) is XML too; text is not. */
static void test_sniff_encodings(void **state)
{
    const char *dir = *state;
    shell_in(dir,
          "mkdir u && cd u"
          " && printf '\\376\\377\\000<\\000m' > be-bom"
          " && printf '\\377\\376\\n\\000<\\000' > le-bom"
          " && printf '<\\000?\\000x\\000' > le-plain"
          " && printf '\\000<\\000?' > be-plain"
          " && printf '\\377\\376h\\000i\\000' > le-text"
          " && printf '\\377\\376<\\001' > le-wide"  /* U+013C, not '<' */
          " && printf '   \\n\\t hello <b>' > text"
          " && printf '\\000\\000\\000<' > nuls");
    wm_result_t rc;
    char *log = crawl_one(dir, "u", 0, &rc);
    assert_int_equal(rc, WM_OK);
    assert_string_equal(log,
        "I u/be-bom\n"
        "I u/be-plain\n"
        "I u/le-bom\n"
        "I u/le-plain\n"
        "S u/le-text: not a dump or schedule export\n"
        "S u/le-wide: not a dump or schedule export\n"
        "S u/nuls: not a dump or schedule export\n"
        "S u/text: not a dump or schedule export\n");
    free(log);
}

/* Roots: in the order given, any file is an input, a directory given twice
 * (or reached again through a link) is walked once, errors are per root. */
static void test_roots(void **state)
{
    const char *dir = *state;
    shell_in(dir, "mkdir d && echo '<x/>' > d/one.xml && ln -s d again && echo hi > README"
                  " && ln -s self self");
    const char *names[] = { "README", "missing.xml", "d", "again", "d/", "self", "README" };
    char *roots[7];
    for (int i = 0; i < 7; i++)
        assert_non_null(roots[i] = wm_strdup_printf("%s/%s", dir, names[i]));
    recorder_t rec = { .prefix = dir };
    assert_int_equal(wm_crawl((const char *const *)roots, 7, record, &rec), WM_OK);
    assert_string_equal(rec.log.data,
        "I README\n"
        "E missing.xml: No such file or directory\n"
        "I d/one.xml\n"
        "E self: symbolic link loop\n"
        "I README\n");
    wm_buf_free(&rec.log);
    for (int i = 0; i < 7; i++)
        free(roots[i]);

    rec = (recorder_t){ .prefix = dir };
    assert_int_equal(wm_crawl(NULL, 0, record, &rec), WM_OK);
    assert_int_equal(rec.events, 0);
}

/* The callback stops the crawl, also from deep inside the tree (nothing
 * leaks: checked under AddressSanitizer). */
static void test_stop(void **state)
{
    const char *dir = *state;
    shell_in(dir, "mkdir -p s/a/b/c && touch s/0.xml s/a/1.xml s/a/b/c/2.xml s/a/b/c/3.xml s/z.xml");
    for (int stop = 1; stop <= 4; stop++) {
        wm_result_t rc;
        char *log = crawl_one(dir, "s", stop, &rc);
        assert_int_equal(rc, WM_STOPPED);
        int lines = 0;
        for (const char *p = log; *p; p++)
            lines += *p == '\n';
        assert_int_equal(lines, stop);
        free(log);
    }
    wm_result_t rc;
    char *log = crawl_one(dir, "s", 6, &rc);
    assert_int_equal(rc, WM_OK);
    assert_string_equal(log, "I s/0.xml\nI s/a/1.xml\nI s/a/b/c/2.xml\nI s/a/b/c/3.xml\nI s/z.xml\n");
    free(log);
}

/* Unreadable files and directories are errors.  root reads everything
 * whatever the mode, so the assertions only hold for other users. */
static void test_unreadable(void **state)
{
    const char *dir = *state;
    shell_in(dir, "mkdir -p p/locked && echo '<x/>' > p/locked/in.xml && echo '<x/>' > p/secret.xml"
                  " && echo '<x/>' > p/secret && chmod 000 p/locked p/secret.xml p/secret");
    wm_result_t rc;
    char *log = crawl_one(dir, "p", 0, &rc);
    assert_int_equal(rc, WM_OK);
    if (geteuid() != 0) {
        assert_string_equal(log,
            "E p/locked: Permission denied\n"
            "E p/secret: Permission denied\n"
            "E p/secret.xml: Permission denied\n");
    } else {
        assert_string_equal(log, "I p/locked/in.xml\nI p/secret\nI p/secret.xml\n");
    }
    free(log);
}

/* A chain of directories deeper than any sane recursion. */
static void test_deep_chain(void **state)
{
    const char *dir = *state;
    enum { DEPTH = 1500 };   /* "/d" * 1500 stays below PATH_MAX */
    int fd = open(dir, O_RDONLY | O_DIRECTORY);
    assert_true(fd >= 0);
    for (int i = 0; i < DEPTH; i++) {
        assert_int_equal(mkdirat(fd, "d", 0755), 0);
        int next = openat(fd, "d", O_RDONLY | O_DIRECTORY);
        assert_true(next >= 0);
        close(fd);
        fd = next;
    }
    int file = openat(fd, "bottom.xml", O_WRONLY | O_CREAT, 0644);
    assert_true(file >= 0);
    close(file);
    close(fd);
    wm_result_t rc;
    char *log = crawl_one(dir, "d", 0, &rc);
    assert_int_equal(rc, WM_OK);
    assert_int_equal(strlen(log), 2 + DEPTH * 2 - 1 + strlen("/bottom.xml\n"));
    assert_memory_equal(log, "I d/d/d/", 8);
    assert_string_equal(log + strlen(log) - 14, "/d/bottom.xml\n");
    free(log);
}

/* A flat directory of 100,000 files, reported in sorted order. */
static void test_big_directory(void **state)
{
    const char *dir = *state;
    enum { FILES = 100000 };
    shell_in(dir, "mkdir big");
    char *big = wm_strdup_printf("%s/big", dir);
    int fd = open(big, O_RDONLY | O_DIRECTORY);
    free(big);
    assert_true(fd >= 0);
    /* Created in reverse so directory order is unlikely to be sorted already. */
    for (int i = FILES - 1; i >= 0; i--) {
        char name[32];
        snprintf(name, sizeof name, "%06d.xml", i);
        int file = openat(fd, name, O_WRONLY | O_CREAT, 0644);
        assert_true(file >= 0);
        close(file);
    }
    close(fd);
    wm_result_t rc;
    char *log = crawl_one(dir, "big", 0, &rc);
    assert_int_equal(rc, WM_OK);
    const char *line = log;
    for (int i = 0; i < FILES; i++) {
        char expected[32];
        int n = snprintf(expected, sizeof expected, "I big/%06d.xml\n", i);
        assert_memory_equal(line, expected, (size_t)n);
        line += n;
    }
    assert_string_equal(line, "");
    free(log);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names),
        cmocka_unit_test_setup_teardown(test_tree, make_tree, remove_tree),
        cmocka_unit_test_setup_teardown(test_sniff_encodings, make_tree, remove_tree),
        cmocka_unit_test_setup_teardown(test_roots, make_tree, remove_tree),
        cmocka_unit_test_setup_teardown(test_stop, make_tree, remove_tree),
        cmocka_unit_test_setup_teardown(test_unreadable, make_tree, remove_tree),
        cmocka_unit_test_setup_teardown(test_deep_chain, make_tree, remove_tree),
        cmocka_unit_test_setup_teardown(test_big_directory, make_tree, remove_tree),
    };
    return cmocka_run_group_tests_name("crawl", tests, NULL, NULL);
}
