/* Unit tests for archive/spill.h: every field of a session comes back as it
 * went in, in order, pushes and takes may alternate, raw records and texts
 * keep their bytes; when the temporary file cannot be made (no file
 * descriptor left: RLIMIT_NOFILE) or written (a full disk: RLIMIT_FSIZE),
 * records and texts are kept in memory, in the same order; the record
 * format rejects a truncated or damaged record. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "archive/session.h"
#include "archive/spill.h"
#include "tests/unit/helpers.h"
#include "tests/unit/session_asserts.h"

/* A session with every field set (the shared full session, with an origin,
 * a code, an empty track and a title of quotes, non-ASCII letters and a
 * newline), numbered so that order can be checked. */
static wm_session_t *numbered_session(int n)
{
    char id[64];
    wm_session_t *s = full_session();
    snprintf(id, sizeof id, "wiki:%d", n);
    assert_int_equal(wm_session_set(&s->id, id), 0);
    s->year = 2000 + n;
    s->duration_minutes = 30 + n;
    s->origin = n % 2 ? WM_ORIGIN_SCHEDULE : WM_ORIGIN_WIKI;
    s->amends = n % 3 == 1;
    assert_int_equal(wm_session_set(&s->title, "Caf\xc3\xa9 & \"wiki\"\n"), 0);
    assert_int_equal(wm_session_add_track(s, ""), 0);
    assert_int_equal(wm_session_set(&s->code, "ABC123"), 0);
    return s;
}

static void test_every_field_comes_back(void **state)
{
    (void)state;
    wm_spill_t *spill = wm_spill_new();
    wm_session_t *full = numbered_session(1);
    wm_session_t *empty = wm_session_new();
    assert_int_equal(wm_session_set(&empty->id, "wiki:empty"), 0);   /* NULLs and empty lists */
    assert_int_equal(wm_spill_push(spill, numbered_session(1)), WM_OK);   /* the queue takes them */
    wm_session_t *pushed = wm_session_new();
    assert_int_equal(wm_session_set(&pushed->id, "wiki:empty"), 0);
    assert_int_equal(wm_spill_push(spill, pushed), WM_OK);
    assert_int_equal(wm_spill_count(spill), 2);

    wm_session_t *back;
    assert_int_equal(wm_spill_take(spill, &back), WM_OK);
    assert_same_session(full, back);
    wm_session_free(back);
    assert_int_equal(wm_spill_take(spill, &back), WM_OK);
    assert_same_session(empty, back);
    assert_null(back->title);
    assert_null(back->tracks);
    wm_session_free(back);
    assert_int_equal(wm_spill_take(spill, &back), WM_END);
    assert_null(back);

    wm_session_free(full);
    wm_session_free(empty);
    wm_spill_free(spill);
}

static void test_first_in_first_out_with_alternation(void **state)
{
    (void)state;
    wm_spill_t *spill = wm_spill_new();
    int next_in = 0, next_out = 0;
    /* push 3, take 1, push 3, take 1, ... then drain: order is kept */
    for (int round = 0; round < 50; round++) {
        for (int i = 0; i < 3; i++) {
            assert_int_equal(wm_spill_push(spill, numbered_session(next_in++)), WM_OK);
        }
        wm_session_t *back, *want = numbered_session(next_out++);
        assert_int_equal(wm_spill_take(spill, &back), WM_OK);
        assert_same_session(want, back);
        wm_session_free(back);
        wm_session_free(want);
    }
    assert_int_equal(wm_spill_count(spill), 100);
    wm_session_t *back;
    while (wm_spill_take(spill, &back) == WM_OK) {
        wm_session_t *want = numbered_session(next_out++);
        assert_same_session(want, back);
        wm_session_free(want);
        wm_session_free(back);
    }
    assert_int_equal(next_out, next_in);
    assert_int_equal(wm_spill_count(spill), 0);
    wm_spill_free(spill);
}

static void test_reused_after_emptying(void **state)
{
    (void)state;
    wm_spill_t *spill = wm_spill_new();
    for (int n = 0; n < 3; n++) {   /* the file restarts when empty */
        wm_session_t *s = numbered_session(n), *back;
        assert_int_equal(wm_spill_push(spill, numbered_session(n)), WM_OK);
        assert_int_equal(wm_spill_take(spill, &back), WM_OK);
        assert_same_session(s, back);
        wm_session_free(back);
        assert_int_equal(wm_spill_take(spill, &back), WM_END);
        wm_session_free(s);
    }
    wm_spill_free(spill);
    wm_spill_free(NULL);
}

static void test_raw_records_keep_their_bytes(void **state)
{
    (void)state;
    wm_spill_t *spill = wm_spill_new();
    char big[10000];
    for (size_t i = 0; i < sizeof big; i++)
        big[i] = (char)(i * 7);   /* NUL bytes included, longer than one read chunk */
    assert_int_equal(wm_spill_push_raw(spill, "abc", 3), WM_OK);
    assert_int_equal(wm_spill_push_raw(spill, big, sizeof big), WM_OK);
    wm_buf_t out = {0};
    assert_int_equal(wm_spill_take_raw(spill, &out), WM_OK);
    assert_int_equal(out.len, 3);
    assert_memory_equal(out.data, "abc", 3);
    assert_int_equal(wm_spill_push_raw(spill, "z", 1), WM_OK);   /* after a take */
    assert_int_equal(wm_spill_take_raw(spill, &out), WM_OK);
    assert_int_equal(out.len, sizeof big);
    assert_memory_equal(out.data, big, sizeof big);
    assert_int_equal(wm_spill_take_raw(spill, &out), WM_OK);
    assert_int_equal(out.len, 1);
    assert_int_equal(out.data[0], 'z');
    assert_int_equal(wm_spill_take_raw(spill, &out), WM_END);
    assert_int_equal(out.len, 0);
    wm_buf_free(&out);
    wm_spill_free(spill);
}

/* The text put at at (NULL when wm_spill_texts_get does not give WM_OK). */
static const char *text_at(wm_spill_texts_t *texts, uint64_t at, size_t len)
{
    const char *text;
    return wm_spill_texts_get(texts, at, len, &text) == WM_OK ? text : NULL;
}

static void test_texts_come_back_in_any_order(void **state)
{
    (void)state;
    wm_spill_texts_t *texts = wm_spill_texts_new();
    assert_non_null(texts);
    char big[10000];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    const char *put[] = {"Amina edits Hausa Wikipedia.", big, "a", "Zeynep \xc3\xa9" "crit.\nTwo lines."};
    uint64_t at[4];
    for (int i = 0; i < 4; i++)
        assert_int_equal(wm_spill_texts_put(texts, put[i], strlen(put[i]), &at[i]), WM_OK);
    for (int i = 3; i >= 0; i--)   /* backwards, and each twice */
        for (int twice = 0; twice < 2; twice++) {
            const char *text = text_at(texts, at[i], strlen(put[i]));
            assert_non_null(text);
            assert_string_equal(text, put[i]);
        }
    /* Part of a text is a text too; past the end there is none. */
    assert_string_equal(text_at(texts, at[0] + 6, 5), "edits");
    assert_null(text_at(texts, at[3], strlen(put[3]) + 1));
    const char *none = "";
    assert_int_equal(wm_spill_texts_get(texts, at[3], strlen(put[3]) + 1, &none), WM_END);
    assert_null(none);
    /* Cleared: offsets start again, the old texts are gone. */
    wm_spill_texts_clear(texts);
    assert_null(text_at(texts, at[0], 1));
    uint64_t again;
    assert_int_equal(wm_spill_texts_put(texts, "new", 3, &again), WM_OK);
    assert_int_equal(again, 0);
    assert_string_equal(text_at(texts, again, 3), "new");
    wm_spill_texts_free(texts);
    wm_spill_texts_free(NULL);
}

/* --- the memory fallback ------------------------------------------------------
 * Real failures, no hooks: the limits are set around the calls that must
 * meet them and restored before anything is asserted. */

/* Take every session left and check they are numbered from *next_out on. */
/* A copy goes in, the caller keeps the session; the copy comes back the
 * same from the file and, when the file cannot take it, from memory. */
static void test_copies_come_back_the_same(void **state)
{
    (void)state;
    wm_spill_t *spill = wm_spill_new();
    wm_session_t *one = numbered_session(1), *two = numbered_session(2), *back;
    assert_int_equal(wm_spill_push_copy(spill, one), WM_OK);
    test_limit_t limit = limit_file_size(1);
    wm_result_t rc = wm_spill_push_copy(spill, two);
    lift_limit(&limit);
    assert_int_equal(rc, WM_OK);
    assert_int_equal(wm_spill_count(spill), 2);
    assert_int_equal(wm_spill_take(spill, &back), WM_OK);
    assert_same_session(one, back);
    assert_true(back->amends);
    wm_session_free(back);
    assert_int_equal(wm_spill_take(spill, &back), WM_OK);
    assert_same_session(two, back);
    wm_session_free(back);
    assert_int_equal(wm_spill_take(spill, &back), WM_END);
    wm_session_free(one);
    wm_session_free(two);
    wm_spill_free(spill);
}

/* keep() of wm_spill_take_if: the titles asked about, and yes to those in
 * its list. */
typedef struct {
    const char *wanted[4];
    char asked[8][64];
    int n_asked;
} title_filter_t;

static bool wanted_title(void *arg, const char *page_title)
{
    title_filter_t *f = arg;
    snprintf(f->asked[f->n_asked++ % 8], sizeof f->asked[0], "%s", page_title);
    for (int i = 0; f->wanted[i]; i++)
        if (!strcmp(f->wanted[i], page_title))
            return true;
    return false;
}

/* Only the sessions whose page title keep() wants come back, whole and in
 * order; the others are dropped, from the file and from memory alike (the
 * second copy cannot go to the file), and a session with no page title
 * is asked about as "". */
static void test_take_if_decodes_only_the_wanted(void **state)
{
    (void)state;
    wm_spill_t *spill = wm_spill_new();
    wm_session_t *s[4];
    const char *titles[4] = {"2019:One", "2019:Two", NULL, "2019:Four"};
    for (int i = 0; i < 4; i++) {
        s[i] = numbered_session(i + 1);
        assert_int_equal(wm_session_set(&s[i]->page_title, titles[i]), 0);
    }
    assert_int_equal(wm_spill_push_copy(spill, s[0]), WM_OK);
    test_limit_t limit = limit_file_size(1);
    wm_result_t rc = wm_spill_push_copy(spill, s[1]);
    lift_limit(&limit);
    assert_int_equal(rc, WM_OK);
    assert_int_equal(wm_spill_push_copy(spill, s[2]), WM_OK);
    assert_int_equal(wm_spill_push(spill, s[3]), WM_OK);   /* as a session, in memory or the file */

    title_filter_t f = {.wanted = {"2019:Two", "2019:Four", NULL}};
    wm_session_t *back;
    assert_int_equal(wm_spill_take_if(spill, wanted_title, &f, &back), WM_OK);
    assert_null(back);
    assert_int_equal(wm_spill_take_if(spill, wanted_title, &f, &back), WM_OK);
    assert_non_null(back);
    assert_same_session(s[1], back);
    wm_session_free(back);
    assert_int_equal(wm_spill_take_if(spill, wanted_title, &f, &back), WM_OK);
    assert_null(back);
    assert_int_equal(wm_spill_take_if(spill, wanted_title, &f, &back), WM_OK);
    assert_non_null(back);
    assert_string_equal(back->page_title, "2019:Four");
    assert_string_equal(back->id, "wiki:4");
    wm_session_free(back);
    assert_int_equal(wm_spill_take_if(spill, wanted_title, &f, &back), WM_END);
    assert_int_equal(f.n_asked, 4);
    assert_string_equal(f.asked[0], "2019:One");
    assert_string_equal(f.asked[1], "2019:Two");
    assert_string_equal(f.asked[2], "");
    assert_string_equal(f.asked[3], "2019:Four");
    for (int i = 0; i < 3; i++)
        wm_session_free(s[i]);
    wm_spill_free(spill);
}

static void drain_in_order(wm_spill_t *spill, int *next_out)
{
    wm_session_t *back;
    while (wm_spill_take(spill, &back) == WM_OK) {
        wm_session_t *want = numbered_session((*next_out)++);
        assert_same_session(want, back);
        wm_session_free(want);
        wm_session_free(back);
    }
    assert_int_equal(wm_spill_count(spill), 0);
}

/* The file is made in $TMPDIR (tmpfile() would use /tmp), already
 * removed from the directory: /proc says where it is, "(deleted)". */
static void test_the_file_is_in_tmpdir(void **state)
{
    (void)state;
    char *dir = scratch_new_dir("tmpdir");
    const char *old = getenv("TMPDIR");
    char *saved = old ? strdup(old) : NULL;
    setenv("TMPDIR", dir, 1);
    wm_spill_t *spill = wm_spill_new();
    assert_int_equal(wm_spill_push(spill, numbered_session(0)), WM_OK);
    if (saved)
        setenv("TMPDIR", saved, 1);
    else
        unsetenv("TMPDIR");
    free(saved);
    bool found = false;
    char link[64], target[4096];
    for (int fd = 0; fd < 1024 && !found; fd++) {
        snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
        ssize_t n = readlink(link, target, sizeof target - 1);
        if (n <= 0)
            continue;
        target[n] = '\0';
        found = strncmp(target, dir, strlen(dir)) == 0 && strstr(target, "/wmsearch-") &&
                strstr(target, "(deleted)");
    }
    assert_true(found);
    int next_out = 0;
    drain_in_order(spill, &next_out);
    assert_int_equal(next_out, 1);
    wm_spill_free(spill);
    scratch_remove(dir);
    free(dir);
}

static void test_sessions_in_memory_without_a_file(void **state)
{
    (void)state;
    wm_spill_t *spill = wm_spill_new();
    int fd_before = lowest_free_fd(), next_out = 0;
    wm_result_t rc[5];
    test_limit_t limit = limit_open_files();
    for (int n = 0; n < 5; n++)
        rc[n] = wm_spill_push(spill, numbered_session(n));
    lift_limit(&limit);
    for (int n = 0; n < 5; n++)
        assert_int_equal(rc[n], WM_OK);
    assert_int_equal(wm_spill_push(spill, numbered_session(5)), WM_OK);   /* no file tried again */
    assert_int_equal(lowest_free_fd(), fd_before);
    assert_int_equal(wm_spill_count(spill), 6);
    drain_in_order(spill, &next_out);
    assert_int_equal(next_out, 6);
    wm_spill_free(spill);
}

static void test_order_kept_across_a_full_disk(void **state)
{
    (void)state;
    wm_spill_t *spill = wm_spill_new();
    int next_in = 0, next_out = 0;
    wm_result_t rc[3];
    wm_session_t *back;
    for (int i = 0; i < 3; i++)   /* in the file */
        assert_int_equal(wm_spill_push(spill, numbered_session(next_in++)), WM_OK);
    test_limit_t limit = limit_file_size(1);
    for (int i = 0; i < 3; i++)   /* the file cannot take them: memory */
        rc[i] = wm_spill_push(spill, numbered_session(next_in++));
    lift_limit(&limit);
    for (int i = 0; i < 3; i++)
        assert_int_equal(rc[i], WM_OK);
    for (int i = 0; i < 2; i++)   /* behind those in memory, although the file works again */
        assert_int_equal(wm_spill_push(spill, numbered_session(next_in++)), WM_OK);
    for (int i = 0; i < 4; i++) {   /* the file's, then memory's */
        wm_session_t *want = numbered_session(next_out++);
        assert_int_equal(wm_spill_take(spill, &back), WM_OK);
        assert_same_session(want, back);
        wm_session_free(want);
        wm_session_free(back);
    }
    assert_int_equal(wm_spill_push(spill, numbered_session(next_in++)), WM_OK);
    assert_int_equal(wm_spill_count(spill), 5);
    drain_in_order(spill, &next_out);
    assert_int_equal(wm_spill_push(spill, numbered_session(next_in++)), WM_OK);   /* the file again */
    drain_in_order(spill, &next_out);
    assert_int_equal(next_out, next_in);
    wm_spill_free(spill);
}

static void test_kept_in_memory_up_to_a_number(void **state)
{
    (void)state;
    wm_spill_t *spill = wm_spill_new();
    wm_spill_keep_in_memory(spill, 2);
    int next_in = 0, next_out = 0;
    wm_session_t *back;
    for (int round = 0; round < 20; round++) {   /* memory, file, memory again when both empty */
        for (int i = 0; i < round % 5; i++)
            assert_int_equal(wm_spill_push(spill, numbered_session(next_in++)), WM_OK);
        for (int i = 0; i < round % 3; i++)
            if (wm_spill_take(spill, &back) == WM_OK) {
                wm_session_t *want = numbered_session(next_out++);
                assert_same_session(want, back);
                wm_session_free(want);
                wm_session_free(back);
            }
    }
    for (int i = 0; i < 3; i++)   /* freed with the queue */
        assert_int_equal(wm_spill_push(spill, numbered_session(next_in++)), WM_OK);
    wm_spill_free(spill);
    assert_true(next_out > 10);
}

static void test_raw_records_in_memory(void **state)
{
    (void)state;
    wm_spill_t *spill = wm_spill_new();
    wm_spill_keep_in_memory(spill, 2);
    const char *records[] = {"head 0", "head 1", "file 2", "file 3", "memory 4", "memory 5", "", "x"};
    wm_result_t rc[2];
    wm_buf_t out = {0};
    for (int i = 0; i < 4; i++)
        assert_int_equal(wm_spill_push_raw(spill, records[i], strlen(records[i])), WM_OK);
    test_limit_t limit = limit_file_size(1);
    for (int i = 4; i < 6; i++)
        rc[i - 4] = wm_spill_push_raw(spill, records[i], strlen(records[i]));
    lift_limit(&limit);
    assert_int_equal(rc[0], WM_OK);
    assert_int_equal(rc[1], WM_OK);
    limit = limit_open_files();   /* the file is made already: no change */
    for (int i = 6; i < 8; i++)
        rc[i - 6] = wm_spill_push_raw(spill, records[i], strlen(records[i]));
    lift_limit(&limit);
    assert_int_equal(rc[0], WM_OK);
    assert_int_equal(rc[1], WM_OK);
    for (int i = 0; i < 8; i++) {
        assert_int_equal(wm_spill_take_raw(spill, &out), WM_OK);
        assert_int_equal(out.len, strlen(records[i]));
        assert_memory_equal(out.len ? out.data : "", records[i], out.len);
    }
    assert_int_equal(wm_spill_take_raw(spill, &out), WM_END);
    wm_buf_free(&out);

    wm_spill_t *no_file = wm_spill_new();   /* never a file */
    limit = limit_open_files();
    rc[0] = wm_spill_push_raw(no_file, "abc", 3);
    lift_limit(&limit);
    assert_int_equal(rc[0], WM_OK);
    assert_int_equal(wm_spill_push_raw(no_file, "de", 2), WM_OK);
    assert_int_equal(wm_spill_take_raw(no_file, &out), WM_OK);
    assert_string_equal(out.data, "abc");
    assert_int_equal(wm_spill_take_raw(no_file, &out), WM_OK);
    assert_string_equal(out.data, "de");
    assert_int_equal(wm_spill_push_raw(no_file, "left", 4), WM_OK);   /* freed with the queue */
    wm_buf_free(&out);
    wm_spill_free(no_file);
    wm_spill_free(spill);
}

static void test_texts_in_memory(void **state)
{
    (void)state;
    const char *put[] = {"in the file", "file too", "memory", "memory again", "still memory"};
    uint64_t at[5];
    wm_result_t rc[2];
    wm_spill_texts_t *texts = wm_spill_texts_new();
    for (int i = 0; i < 2; i++)
        assert_int_equal(wm_spill_texts_put(texts, put[i], strlen(put[i]), &at[i]), WM_OK);
    test_limit_t limit = limit_file_size(1);
    for (int i = 2; i < 4; i++)
        rc[i - 2] = wm_spill_texts_put(texts, put[i], strlen(put[i]), &at[i]);
    lift_limit(&limit);
    assert_int_equal(rc[0], WM_OK);
    assert_int_equal(rc[1], WM_OK);
    assert_int_equal(wm_spill_texts_put(texts, put[4], strlen(put[4]), &at[4]), WM_OK);
    for (int i = 4; i >= 0; i--)
        assert_string_equal(text_at(texts, at[i], strlen(put[i])), put[i]);
    /* A range across the file's end and memory's start reads from both. */
    assert_string_equal(text_at(texts, at[1] + 5, 3 + 3), "toomem");
    assert_null(text_at(texts, at[4], strlen(put[4]) + 1));
    wm_spill_texts_clear(texts);   /* the file again */
    uint64_t again;
    assert_int_equal(wm_spill_texts_put(texts, "new", 3, &again), WM_OK);
    assert_int_equal(again, 0);
    assert_string_equal(text_at(texts, again, 3), "new");
    wm_spill_texts_free(texts);

    texts = wm_spill_texts_new();   /* never a file */
    limit = limit_open_files();
    for (int i = 0; i < 2; i++)
        rc[i] = wm_spill_texts_put(texts, put[i], strlen(put[i]), &at[i]);
    lift_limit(&limit);
    assert_int_equal(rc[0], WM_OK);
    assert_int_equal(rc[1], WM_OK);
    assert_string_equal(text_at(texts, at[1], strlen(put[1])), put[1]);
    assert_string_equal(text_at(texts, at[0], strlen(put[0])), put[0]);
    wm_spill_texts_free(texts);
}

/* --- the record format ---------------------------------------------------------- */

static void test_records_round_trip(void **state)
{
    (void)state;
    char *list[] = {"one", "", "th\xc3\xa9"};
    wm_buf_t record = {0};
    assert_true(wm_record_put_u32(&record, 0xdeadbeef));
    assert_true(wm_record_put_string(&record, NULL));
    assert_true(wm_record_put_string(&record, ""));
    assert_true(wm_record_put_string(&record, "caf\xc3\xa9"));
    assert_true(wm_record_put_list(&record, list, 3));
    assert_true(wm_record_put_list(&record, NULL, 0));

    wm_record_reader_t r = wm_record_reader(record.data, record.len);
    uint32_t n;
    char *s, **items = NULL;
    size_t count = 0;
    assert_true(wm_record_get_u32(&r, &n));
    assert_int_equal(n, 0xdeadbeef);
    assert_true(wm_record_get_string(&r, &s));
    assert_null(s);
    assert_true(wm_record_get_string(&r, &s));
    assert_string_equal(s, "");
    free(s);
    assert_true(wm_record_get_string(&r, &s));
    assert_string_equal(s, "caf\xc3\xa9");
    free(s);
    assert_true(wm_record_get_list(&r, &items, &count));
    assert_int_equal(count, 3);
    for (size_t i = 0; i < count; i++) {
        assert_string_equal(items[i], list[i]);
        free(items[i]);
    }
    free(items);
    items = NULL;
    count = 0;
    assert_true(wm_record_get_list(&r, &items, &count));
    assert_int_equal(count, 0);
    assert_null(items);
    assert_true(wm_record_at_end(&r));
    assert_false(wm_record_get_u32(&r, &n));   /* nothing left */
    wm_buf_free(&record);
}

/* Decode a session from the first len bytes of a record: true when whole. */
static bool session_decodes(const char *bytes, size_t len)
{
    wm_record_reader_t r = wm_record_reader(bytes, len);
    wm_session_t *s = wm_session_new();
    assert_non_null(s);
    bool ok = wm_record_get_session(&r, s) && wm_record_at_end(&r);
    wm_session_free(s);   /* part-read ones too: no leak under ASan */
    return ok;
}

static void test_damaged_records_are_rejected(void **state)
{
    (void)state;
    wm_buf_t record = {0};
    wm_session_t *full = numbered_session(3);
    assert_true(wm_record_put_session(&record, full));
    assert_true(session_decodes(record.data, record.len));
    for (size_t len = 0; len < record.len; len++)   /* every truncation */
        assert_false(session_decodes(record.data, len));
    assert_int_equal(wm_buf_append(&record, "", 1), 0);   /* a byte too many */
    assert_false(session_decodes(record.data, record.len));
    wm_session_free(full);

    /* Lengths past the limit or past the record's end. */
    char *s, **items = NULL;
    size_t count = 0;
    wm_buf_clear(&record);
    assert_true(wm_record_put_u32(&record, WM_RECORD_MAX_BYTES + 1));
    wm_record_reader_t r = wm_record_reader(record.data, record.len);
    assert_false(wm_record_get_string(&r, &s));
    assert_null(s);
    wm_buf_clear(&record);
    assert_true(wm_record_put_u32(&record, 10));
    assert_int_equal(wm_buf_append(&record, "short", 5), 0);
    r = wm_record_reader(record.data, record.len);
    assert_false(wm_record_get_string(&r, &s));
    r = wm_record_reader(record.data, record.len);
    assert_false(wm_record_get_list(&r, &items, &count));   /* 10 items cannot fit in 5 bytes */
    assert_null(items);
    wm_buf_free(&record);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_field_comes_back),
        cmocka_unit_test(test_copies_come_back_the_same),
        cmocka_unit_test(test_take_if_decodes_only_the_wanted),
        cmocka_unit_test(test_the_file_is_in_tmpdir),
        cmocka_unit_test(test_first_in_first_out_with_alternation),
        cmocka_unit_test(test_reused_after_emptying),
        cmocka_unit_test(test_raw_records_keep_their_bytes),
        cmocka_unit_test(test_texts_come_back_in_any_order),
        cmocka_unit_test(test_sessions_in_memory_without_a_file),
        cmocka_unit_test(test_order_kept_across_a_full_disk),
        cmocka_unit_test(test_kept_in_memory_up_to_a_number),
        cmocka_unit_test(test_raw_records_in_memory),
        cmocka_unit_test(test_texts_in_memory),
        cmocka_unit_test(test_records_round_trip),
        cmocka_unit_test(test_damaged_records_are_rejected),
    };
    return cmocka_run_group_tests_name("spill", tests, NULL, NULL);
}
