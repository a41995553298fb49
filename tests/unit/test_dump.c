/* Unit tests for the dump reader: hand-written fixtures in
 * tests/fixtures/dumps (compressed at test time with the real tools) and
 * the real dumps in ../shared/real-dumps when that folder is present. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "archive/dump.h"
#include "common/util.h"
#include "tests/unit/helpers.h"

#define KEPT_PAGES 16
#define KEPT_NAMESPACES 32

/* --- what the callback saw ------------------------------------------------ */

typedef struct kept_page {
    char *title, *redirect, *text, *timestamp;
    int ns;
    uint64_t id, revision_id, offset;
    size_t text_len, n_revisions;
    bool deleted, missing;
} kept_page_t;

typedef struct collector {
    size_t stop_after;          /* ask to stop after this many pages; 0: never */
    size_t n_pages, n_redirects;
    kept_page_t pages[KEPT_PAGES];
    char *dbname, *sitename, *base, *generator, *language, *schema_version;
    size_t n_namespaces;
    wm_namespace_t namespaces[KEPT_NAMESPACES];
} collector_t;

static char *copy(const char *s)
{
    return s ? wm_strndup(s, strlen(s)) : NULL;
}

static void keep_site(collector_t *c, const wm_siteinfo_t *site)
{
    if (c->dbname)
        return;
    c->dbname = copy(site->dbname);
    c->sitename = copy(site->sitename);
    c->base = copy(site->base);
    c->generator = copy(site->generator);
    c->language = copy(site->language);
    c->schema_version = copy(site->schema_version);
    c->n_namespaces = site->n_namespaces;
    for (size_t i = 0; i < site->n_namespaces && i < KEPT_NAMESPACES; i++) {
        c->namespaces[i].key = site->namespaces[i].key;
        c->namespaces[i].name = copy(site->namespaces[i].name);
    }
}

static wm_result_t collect(void *ctx, const wm_siteinfo_t *site, const wm_page_t *page)
{
    collector_t *c = ctx;
    keep_site(c, site);
    assert_non_null(page->title);
    assert_non_null(page->text);
    assert_non_null(page->timestamp);
    assert_int_equal(strlen(page->text), page->text_len);
    if (c->n_pages < KEPT_PAGES) {
        kept_page_t *k = &c->pages[c->n_pages];
        k->title = copy(page->title);
        k->redirect = copy(page->redirect);
        k->text = copy(page->text);
        k->timestamp = copy(page->timestamp);
        k->ns = page->ns;
        k->id = page->id;
        k->revision_id = page->revision_id;
        k->offset = page->offset;
        k->text_len = page->text_len;
        k->n_revisions = page->n_revisions;
        k->deleted = page->text_deleted;
        k->missing = page->text_missing;
    }
    c->n_pages++;
    c->n_redirects += page->redirect != NULL;
    return c->stop_after && c->n_pages >= c->stop_after ? WM_STOPPED : WM_OK;
}

static void collector_free(collector_t *c)
{
    for (size_t i = 0; i < c->n_pages && i < KEPT_PAGES; i++) {
        free(c->pages[i].title);
        free(c->pages[i].redirect);
        free(c->pages[i].text);
        free(c->pages[i].timestamp);
    }
    for (size_t i = 0; i < c->n_namespaces && i < KEPT_NAMESPACES; i++)
        free(c->namespaces[i].name);
    free(c->dbname);
    free(c->sitename);
    free(c->base);
    free(c->generator);
    free(c->language);
    free(c->schema_version);
    memset(c, 0, sizeof *c);
}

/* Read the dump at path into c; return wm_dump_read's status, with the
 * error (caller frees) in *error. */
static wm_result_t read_dump(const char *path, collector_t *c, char **error)
{
    char *open_error = NULL;
    wm_stream_t *stream = wm_stream_open(path, &open_error);
    if (!stream)
        fail_msg("open %s: %s", path, open_error);
    wm_result_t status = wm_dump_read(stream, collect, c, error);
    wm_stream_close(stream);
    return status;
}

static void read_dump_ok(const char *path, collector_t *c)
{
    char *error = NULL;
    wm_result_t status = read_dump(path, c, &error);
    if (status != WM_OK)
        fail_msg("%s: status %d: %s", path, status, error ? error : "(no message)");
    assert_null(error);
}

/* --- files ---------------------------------------------------------------- */

static const char *fixture(const char *name)
{
    char relative[PATH_MAX];
    snprintf(relative, sizeof relative, "tests/fixtures/dumps/%s", name);
    return source_path(relative);
}

/* The real dumps, or NULL when the folder is absent (as on a user's machine). */
static const char *real_dump(const char *name)
{
    char relative[PATH_MAX];
    snprintf(relative, sizeof relative, "../shared/real-dumps/%s", name);
    const char *path = source_path(relative);
    struct stat st;
    return stat(path, &st) == 0 ? path : NULL;
}

/* Split a fixture into parts at the given offsets, compress each part
 * alone with `tool -c`, and concatenate them into `name`. */
static void write_concatenated(const char *name, const char *tool, const char *text,
                               size_t len, const size_t *cuts, size_t n_cuts)
{
    size_t start = 0;
    scratch_shell("rm -f '%s'", name);
    for (size_t i = 0; i <= n_cuts; i++) {
        size_t end = i < n_cuts ? cuts[i] : len;
        scratch_write("part.xml", text + start, end - start);
        scratch_shell("%s -c part.xml >> '%s'", tool, name);
        start = end;
    }
}

/* --- schema 0.10: siteinfo and the page shapes ---------------------------- */

static void test_schema_010_siteinfo(void **state)
{
    (void)state;
    collector_t c = {0};
    read_dump_ok(fixture("schema-0.10.xml"), &c);
    assert_string_equal(c.sitename, "Wikimania");
    assert_string_equal(c.dbname, "wikimaniawiki");
    assert_string_equal(c.base, "https://wikimania.wikimedia.org/wiki/Main_Page");
    assert_string_equal(c.generator, "MediaWiki 1.41.0-wmf.1");
    assert_string_equal(c.language, "en");
    assert_string_equal(c.schema_version, "0.10");
    assert_int_equal(c.n_namespaces, 4);
    assert_int_equal(c.namespaces[0].key, -2);
    assert_string_equal(c.namespaces[0].name, "Media");
    assert_int_equal(c.namespaces[2].key, 0);
    assert_string_equal(c.namespaces[2].name, "");
    assert_int_equal(c.namespaces[3].key, 1);
    assert_string_equal(c.namespaces[3].name, "Talk");
    collector_free(&c);
}

static void test_schema_010_pages(void **state)
{
    (void)state;
    collector_t c = {0};
    const char *path = fixture("schema-0.10.xml");
    read_dump_ok(path, &c);
    assert_int_equal(c.n_pages, 6);
    const kept_page_t *p = &c.pages[0];
    assert_string_equal(p->title, "2019:Libraries/Open access");
    assert_int_equal(p->ns, 0);
    assert_int_equal(p->id, 4711);
    /* The contributor's <id>42</id> is not the revision id. */
    assert_int_equal(p->revision_id, 90001);
    assert_string_equal(p->timestamp, "2019-06-01T10:00:00Z");
    assert_string_equal(p->text, "{{Session|title=Open access & libraries|speakers=Ann <A>}}");
    assert_null(p->redirect);
    assert_false(p->deleted);
    assert_false(p->missing);
    assert_int_equal(p->n_revisions, 1);
    /* Offsets point at each <page> start tag. */
    size_t len;
    char *text = read_file(path, &len);
    const char *first = strstr(text, "<page>");
    assert_int_equal(p->offset, first - text);
    assert_int_equal(c.pages[1].offset, strstr(first + 1, "<page>") - text);
    free(text);
    /* Empty <text bytes="0"/>: present and empty; <upload> is not a revision. */
    p = &c.pages[3];
    assert_string_equal(p->title, "Blank");
    assert_string_equal(p->text, "");
    assert_false(p->missing);
    assert_false(p->deleted);
    assert_string_equal(p->timestamp, "2019-06-04T10:00:00Z");
    assert_int_equal(p->n_revisions, 1);
    /* A stub dump's <text id=.../> and a page without revisions have no text. */
    assert_string_equal(c.pages[4].title, "Stub");
    assert_true(c.pages[4].missing);
    assert_string_equal(c.pages[5].title, "No revision");
    assert_true(c.pages[5].missing);
    assert_int_equal(c.pages[5].n_revisions, 0);
    assert_int_equal(c.pages[5].revision_id, 0);
    assert_string_equal(c.pages[5].timestamp, "");
    collector_free(&c);
}

static void test_redirect_page(void **state)
{
    (void)state;
    collector_t c = {0};
    read_dump_ok(fixture("schema-0.10.xml"), &c);
    assert_int_equal(c.n_redirects, 1);
    assert_string_equal(c.pages[1].title, "Old name");
    assert_string_equal(c.pages[1].redirect, "2019:Libraries/Open access");
    assert_string_equal(c.pages[1].text, "#REDIRECT [[2019:Libraries/Open access]]");
    collector_free(&c);
}

static void test_deleted_text(void **state)
{
    (void)state;
    collector_t c = {0};
    read_dump_ok(fixture("schema-0.10.xml"), &c);
    const kept_page_t *p = &c.pages[2];
    assert_string_equal(p->title, "Talk:Removed");
    assert_int_equal(p->ns, 1);
    assert_true(p->deleted);
    assert_false(p->missing);
    assert_string_equal(p->text, "");
    assert_int_equal(p->text_len, 0);
    assert_int_equal(p->revision_id, 90003);
    collector_free(&c);
}

static void test_schema_011_content_slots(void **state)
{
    (void)state;
    collector_t c = {0};
    read_dump_ok(fixture("schema-0.11.xml"), &c);
    assert_string_equal(c.schema_version, "0.11");
    assert_string_equal(c.language, "de");
    assert_string_equal(c.dbname, "wikimania2014wiki");
    assert_int_equal(c.n_namespaces, 3);
    assert_int_equal(c.namespaces[0].key, -1);
    assert_int_equal(c.namespaces[2].key, 2300);
    assert_int_equal(c.n_pages, 1);
    assert_string_equal(c.pages[0].title, "Submissions/Über Wikis");
    /* The main slot only: neither the <content> slot nor unknown elements. */
    assert_string_equal(c.pages[0].text, "Main slot: ünïcödé text");
    assert_int_equal(c.pages[0].revision_id, 501);
    collector_free(&c);
}

/* --- full history ---------------------------------------------------------- */

static void test_full_history_latest_wins(void **state)
{
    (void)state;
    collector_t c = {0};
    read_dump_ok(fixture("history.xml"), &c);
    assert_int_equal(c.n_pages, 2);
    assert_int_equal(c.pages[0].n_revisions, 3);
    assert_int_equal(c.pages[0].revision_id, 11);
    assert_string_equal(c.pages[0].text, "newest");
    assert_string_equal(c.pages[0].timestamp, "2017-01-01T00:00:00Z");
    /* Equal timestamps: the later one in the file. */
    assert_int_equal(c.pages[1].revision_id, 21);
    assert_string_equal(c.pages[1].text, "later in file");
    collector_free(&c);
}

static void test_real_nons_dump_newest_first(void **state)
{
    (void)state;
    const char *path = real_dump("nons-dump.xml");
    if (!path)
        skip();
    collector_t c = {0};
    read_dump_ok(path, &c);
    assert_string_equal(c.dbname, "plwiki");
    assert_string_equal(c.schema_version, "");
    assert_string_equal(c.language, "en");
    assert_int_equal(c.n_pages, 2);
    assert_string_equal(c.pages[0].title, "Page title");
    assert_int_equal(c.pages[0].n_revisions, 2);
    assert_string_equal(c.pages[0].timestamp, "2001-01-15T13:15:00Z");
    assert_string_equal(c.pages[0].text, "A bunch of [[Special:MyLanguage/text|text]] here.");
    /* Two revisions with one timestamp: the later, empty <text />, wins. */
    assert_string_equal(c.pages[1].title, "Talk:Page title");
    assert_string_equal(c.pages[1].text, "");
    assert_false(c.pages[1].missing);
    collector_free(&c);
}

/* --- compressed dumps ------------------------------------------------------ */

static void test_gzip_multi_member_dump(void **state)
{
    (void)state;
    size_t len;
    char *text = read_file(fixture("schema-0.10.xml"), &len);
    size_t cut = (size_t)(strstr(strstr(text, "Old name"), "<page>") - text);
    write_concatenated("members.xml.gz", "gzip", text, len, &cut, 1);
    collector_t c = {0};
    read_dump_ok(scratch_path("members.xml.gz"), &c);
    assert_int_equal(c.n_pages, 6);
    assert_string_equal(c.pages[5].title, "No revision");
    collector_free(&c);
    free(text);
}

static void test_bzip2_multistream_dump(void **state)
{
    (void)state;
    size_t len;
    char *text = read_file(fixture("schema-0.10.xml"), &len);
    /* Like a -multistream dump: header, then pages, the last page alone. */
    size_t cuts[2] = {
        (size_t)(strstr(text, "<page>") - text),
        (size_t)(strstr(text, "<title>No revision") - text),
    };
    write_concatenated("multi.xml.bz2", "bzip2", text, len, cuts, 2);
    collector_t c = {0};
    read_dump_ok(scratch_path("multi.xml.bz2"), &c);
    assert_int_equal(c.n_pages, 6);
    assert_string_equal(c.pages[5].title, "No revision");
    assert_string_equal(c.dbname, "wikimaniawiki");
    collector_free(&c);
    free(text);
}

static void test_truncated_gzip_dump(void **state)
{
    (void)state;
    scratch_shell("gzip -c '%s' > whole.gz && head -c 300 whole.gz > cut.xml.gz", fixture("schema-0.10.xml"));
    collector_t c = {0};
    char *error = NULL;
    const char *path = scratch_path("cut.xml.gz");
    assert_int_equal(read_dump(path, &c, &error), WM_ERR_READ);
    assert_non_null(error);
    char want[PATH_MAX + 64];
    snprintf(want, sizeof want, "%s: truncated gzip data at byte 300", path);
    assert_true(strncmp(error, want, strlen(want)) == 0);
    assert_true(c.n_pages < 6);
    free(error);
    collector_free(&c);
}

static void test_utf16_with_bom(void **state)
{
    (void)state;
    scratch_shell("iconv -f UTF-8 -t UTF-16 '%s' > utf16.xml", fixture("schema-0.11.xml"));
    size_t len;
    char *head = read_file(scratch_path("utf16.xml"), &len);
    assert_true(len > 2 && ((unsigned char)head[0] == 0xff || (unsigned char)head[0] == 0xfe));
    free(head);
    collector_t c = {0};
    read_dump_ok(scratch_path("utf16.xml"), &c);
    assert_int_equal(c.n_pages, 1);
    assert_string_equal(c.pages[0].title, "Submissions/Über Wikis");
    assert_string_equal(c.pages[0].text, "Main slot: ünïcödé text");
    collector_free(&c);
}

/* --- errors ---------------------------------------------------------------- */

/* Read a dump that must fail with the error code expected; its message. */
static char *read_dump_error(const char *path, collector_t *c, wm_result_t expected)
{
    char *error = NULL;
    assert_int_equal(read_dump(path, c, &error), expected);
    assert_non_null(error);
    return error;
}

static void test_not_a_dump(void **state)
{
    (void)state;
    collector_t c = {0};
    const char *path = fixture("not-a-dump.xml");
    char *error = read_dump_error(path, &c, WM_ERR_NOT_INPUT);
    char want[PATH_MAX + 64];
    snprintf(want, sizeof want, "%s: not a MediaWiki XML dump (root element <html>)", path);
    assert_string_equal(error, want);
    assert_int_equal(c.n_pages, 0);
    free(error);
}

static void test_malformed_after_two_pages(void **state)
{
    (void)state;
    collector_t c = {0};
    const char *path = fixture("malformed.xml");
    char *error = read_dump_error(path, &c, WM_ERR_MALFORMED);
    assert_int_equal(c.n_pages, 2);
    assert_string_equal(c.pages[0].title, "Good one");
    assert_string_equal(c.pages[1].title, "Good two");
    assert_string_equal(c.pages[1].text, "two");
    /* expat points at the name in the mismatched end tag on line 15. */
    size_t len;
    char *text = read_file(path, &len);
    long byte = strstr(text, "three</revision>") + strlen("three</") - text;
    char want[PATH_MAX + 128];
    snprintf(want, sizeof want,
             "%s: malformed XML (mismatched tag) at line 15, byte %ld, in page \"Broken page\"", path, byte);
    assert_string_equal(error, want);
    free(text);
    free(error);
    collector_free(&c);
}

static void test_unexpected_end_of_file(void **state)
{
    (void)state;
    collector_t c = {0};
    const char *path = fixture("truncated.xml");
    char *error = read_dump_error(path, &c, WM_ERR_MALFORMED);
    assert_int_equal(c.n_pages, 1);
    assert_string_equal(c.pages[0].title, "Complete");
    if (!strstr(error, "unexpected end of file") || !strstr(error, "in page \"Cut short\"") ||
        strncmp(error, path, strlen(path)) != 0)
        fail_msg("unexpected error: %s", error);
    free(error);
    collector_free(&c);
}

/* Found by fuzz_dump: a title holding line breaks (raw CRs, which expat
 * turns into LFs, or "&#10;") made a two-line error message. */
static void test_error_message_is_one_line(void **state)
{
    (void)state;
    const char *xml = "<mediawiki><page><title>2019:Libraries\r\r/A&#10;B</title>"
                      "<revision><text>x</text></oops></page></mediawiki>\n";
    scratch_write("title-newlines.xml", xml, strlen(xml));
    collector_t c = {0};
    char *error = read_dump_error(scratch_path("title-newlines.xml"), &c, WM_ERR_MALFORMED);
    if (strchr(error, '\n') || strchr(error, '\r') ||
        !strstr(error, ", in page \"2019:Libraries  /A B\""))
        fail_msg("unexpected error: %s", error);
    free(error);
    collector_free(&c);
}

static void test_empty_file(void **state)
{
    (void)state;
    scratch_write("empty.xml", "", 0);
    collector_t c = {0};
    const char *path = scratch_path("empty.xml");
    char *error = read_dump_error(path, &c, WM_ERR_MALFORMED);
    char want[PATH_MAX + 32];
    snprintf(want, sizeof want, "%s: empty file", path);
    assert_string_equal(error, want);
    free(error);
}

static void test_entity_bomb_is_an_error(void **state)
{
    (void)state;
    collector_t c = {0};
    const char *path = fixture("entity-bomb.xml");
    char *error = read_dump_error(path, &c, WM_ERR_MALFORMED);
    assert_int_equal(c.n_pages, 0);
    if (strncmp(error, path, strlen(path)) != 0 || !strstr(error, ": malformed XML (") ||
        !strstr(error, "amplification"))
        fail_msg("unexpected error: %s", error);
    free(error);
}

static void test_callback_stops_reading(void **state)
{
    (void)state;
    collector_t c = {.stop_after = 2};
    char *error = NULL;
    assert_int_equal(read_dump(fixture("schema-0.10.xml"), &c, &error), WM_STOPPED);
    assert_null(error);
    assert_int_equal(c.n_pages, 2);
    collector_free(&c);
}

/* Every status code has a name of its own (common/status.h). */
static void test_status_names(void **state)
{
    (void)state;
    const wm_result_t codes[] = {WM_OK, WM_STOPPED, WM_END, WM_ERR_NO_MEMORY, WM_ERR_READ,
                                 WM_ERR_MALFORMED, WM_ERR_NOT_INPUT};
    size_t n = sizeof codes / sizeof codes[0];
    for (size_t i = 0; i < n; i++) {
        assert_true(codes[i] < WM_OK ? i >= 3 : i < 3);   /* errors negative, events positive */
        for (size_t j = 0; j < i; j++)
            assert_string_not_equal(wm_result_to_string(codes[i]), wm_result_to_string(codes[j]));
    }
    assert_string_equal(wm_result_to_string(WM_ERR_NO_MEMORY), "out of memory");
    assert_string_equal(wm_result_to_string((wm_result_t)42), "unknown status");
}

/* --- the real dumps -------------------------------------------------------- */

static const wm_namespace_t *find_namespace(const collector_t *c, int key)
{
    for (size_t i = 0; i < c->n_namespaces && i < KEPT_NAMESPACES; i++)
        if (c->namespaces[i].key == key)
            return &c->namespaces[i];
    return NULL;
}

static void test_real_smallwiki(void **state)
{
    (void)state;
    const char *path = real_dump("smallwiki-latest-pages-articles.xml");
    if (!path)
        skip();
    collector_t c = {0};
    read_dump_ok(path, &c);
    assert_int_equal(c.n_pages, 2004);
    assert_int_equal(c.n_redirects, 195);
    assert_string_equal(c.dbname, "ltgwiki");
    assert_string_equal(c.language, "ltg");
    assert_string_equal(c.schema_version, "0.10");
    const wm_namespace_t *media = find_namespace(&c, -2);
    assert_non_null(media);
    assert_string_equal(media->name, "Medeja");
    collector_free(&c);
}

static void test_real_tinywiki(void **state)
{
    (void)state;
    const char *path = real_dump("tinywiki-latest-pages-articles.xml");
    if (!path)
        skip();
    collector_t c = {0};
    read_dump_ok(path, &c);
    assert_int_equal(c.n_pages, 8);
    assert_string_equal(c.pages[0].title, "Hello");
    assert_int_equal(c.pages[0].revision_id, 29433);
    assert_non_null(strstr(c.pages[0].text, "== The header =="));
    assert_string_equal(c.pages[7].title, "Bodmin");
    collector_free(&c);
}

static void test_real_fowiki_bzip2(void **state)
{
    (void)state;
    const char *path = real_dump("fowiki-dump.xml.bz2");
    if (!path)
        skip();
    collector_t c = {0};
    read_dump_ok(path, &c);
    assert_int_equal(c.n_pages, 2);
    assert_string_equal(c.dbname, "fowiki");
    assert_string_equal(c.language, "fo");
    assert_string_equal(c.generator, "MediaWiki 1.32.0-wmf.23");
    assert_string_equal(c.pages[0].title, "MediaWiki:Logouttext");
    assert_int_equal(c.pages[0].ns, 8);
    assert_int_equal(c.pages[0].id, 121);
    assert_int_equal(c.pages[0].revision_id, 18683);
    assert_string_equal(c.pages[1].title, "Klaksvíkar kommuna");
    const wm_namespace_t *special = find_namespace(&c, -1);
    assert_non_null(special);
    assert_string_equal(special->name, "Serstakt");
    collector_free(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_schema_010_siteinfo),
        cmocka_unit_test(test_schema_010_pages),
        cmocka_unit_test(test_redirect_page),
        cmocka_unit_test(test_deleted_text),
        cmocka_unit_test(test_schema_011_content_slots),
        cmocka_unit_test(test_full_history_latest_wins),
        cmocka_unit_test(test_real_nons_dump_newest_first),
        cmocka_unit_test(test_gzip_multi_member_dump),
        cmocka_unit_test(test_bzip2_multistream_dump),
        cmocka_unit_test(test_truncated_gzip_dump),
        cmocka_unit_test(test_utf16_with_bom),
        cmocka_unit_test(test_not_a_dump),
        cmocka_unit_test(test_malformed_after_two_pages),
        cmocka_unit_test(test_unexpected_end_of_file),
        cmocka_unit_test(test_error_message_is_one_line),
        cmocka_unit_test(test_empty_file),
        cmocka_unit_test(test_entity_bomb_is_an_error),
        cmocka_unit_test(test_callback_stops_reading),
        cmocka_unit_test(test_status_names),
        cmocka_unit_test(test_real_smallwiki),
        cmocka_unit_test(test_real_tinywiki),
        cmocka_unit_test(test_real_fowiki_bzip2),
    };
    return cmocka_run_group_tests_name("dump", tests, NULL, NULL);
}
