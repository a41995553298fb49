/* Unit tests for the queue of sessions in a temporary file (archive/spill.h):
 * every field comes back as it went in, in order, pushes and takes may
 * alternate, and raw records keep their bytes. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "archive/session.h"
#include "archive/spill.h"
#include "tests/unit/session_asserts.h"

/* A session with every field set, numbered so that order can be checked. */
static wm_session_t *full_session(int n)
{
    char text[64];
    wm_session_t *s = wm_session_new();
    assert_non_null(s);
    snprintf(text, sizeof text, "wiki:%d", n);
    assert_int_equal(wm_session_set(&s->id, text), 0);
    s->year = 2000 + n;
    s->duration_minutes = 30 + n;
    s->origin = n % 2 ? WM_ORIGIN_SCHEDULE : WM_ORIGIN_WIKI;
    assert_int_equal(wm_session_set(&s->title, "Caf\xc3\xa9 & \"wiki\"\n"), 0);
    assert_int_equal(wm_session_set(&s->type, "talk"), 0);
    assert_int_equal(wm_session_set(&s->type_label, "Presentation"), 0);
    assert_int_equal(wm_session_set(&s->language, "fr"), 0);
    assert_int_equal(wm_session_add_track(s, "GLAM"), 0);
    assert_int_equal(wm_session_add_track(s, ""), 0);
    assert_int_equal(wm_session_add_speaker(s, "Alex Stinson", "Sadads", NULL, "Bio\twith tab."), 0);
    assert_int_equal(wm_session_add_speaker(s, "Ann Other", NULL, NULL, NULL), 0);
    assert_int_equal(wm_session_add_translation(s, "de"), 0);
    assert_int_equal(wm_session_set(&s->abstract, "First paragraph.\n\nSecond."), 0);
    assert_int_equal(wm_session_set(&s->url, "https://example.org/wiki/X"), 0);
    assert_int_equal(wm_session_set(&s->source, "/tmp/dump.xml.gz"), 0);
    assert_int_equal(wm_session_set(&s->page_title, "2019:X"), 0);
    assert_int_equal(wm_session_set(&s->timestamp, "2019-06-05T12:46:15Z"), 0);
    assert_int_equal(wm_session_set(&s->code, "ABC123"), 0);
    return s;
}

static void test_every_field_comes_back(void **state)
{
    (void)state;
    wm_spill_t *spill = wm_spill_new();
    wm_session_t *full = full_session(1);
    wm_session_t *empty = wm_session_new();
    assert_int_equal(wm_session_set(&empty->id, "wiki:empty"), 0);   /* NULLs and empty lists */
    assert_int_equal(wm_spill_push(spill, full), 0);
    assert_int_equal(wm_spill_push(spill, empty), 0);
    assert_int_equal(wm_spill_count(spill), 2);

    wm_session_t *back;
    assert_int_equal(wm_spill_take(spill, &back), 1);
    assert_same_session(full, back);
    wm_session_free(back);
    assert_int_equal(wm_spill_take(spill, &back), 1);
    assert_same_session(empty, back);
    assert_null(back->title);
    assert_null(back->tracks);
    wm_session_free(back);
    assert_int_equal(wm_spill_take(spill, &back), 0);
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
            wm_session_t *s = full_session(next_in++);
            assert_int_equal(wm_spill_push(spill, s), 0);
            wm_session_free(s);
        }
        wm_session_t *back, *want = full_session(next_out++);
        assert_int_equal(wm_spill_take(spill, &back), 1);
        assert_same_session(want, back);
        wm_session_free(back);
        wm_session_free(want);
    }
    assert_int_equal(wm_spill_count(spill), 100);
    wm_session_t *back;
    while (wm_spill_take(spill, &back) == 1) {
        wm_session_t *want = full_session(next_out++);
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
        wm_session_t *s = full_session(n), *back;
        assert_int_equal(wm_spill_push(spill, s), 0);
        assert_int_equal(wm_spill_take(spill, &back), 1);
        assert_same_session(s, back);
        wm_session_free(back);
        assert_int_equal(wm_spill_take(spill, &back), 0);
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
    assert_int_equal(wm_spill_push_raw(spill, "abc", 3), 0);
    assert_int_equal(wm_spill_push_raw(spill, big, sizeof big), 0);
    wm_buf_t out = {0};
    assert_int_equal(wm_spill_take_raw(spill, &out), 1);
    assert_int_equal(out.len, 3);
    assert_memory_equal(out.data, "abc", 3);
    assert_int_equal(wm_spill_push_raw(spill, "z", 1), 0);   /* after a take */
    assert_int_equal(wm_spill_take_raw(spill, &out), 1);
    assert_int_equal(out.len, sizeof big);
    assert_memory_equal(out.data, big, sizeof big);
    assert_int_equal(wm_spill_take_raw(spill, &out), 1);
    assert_int_equal(out.len, 1);
    assert_int_equal(out.data[0], 'z');
    assert_int_equal(wm_spill_take_raw(spill, &out), 0);
    assert_int_equal(out.len, 0);
    wm_buf_free(&out);
    wm_spill_free(spill);
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
        assert_int_equal(wm_spill_texts_put(texts, put[i], strlen(put[i]), &at[i]), 0);
    for (int i = 3; i >= 0; i--)   /* backwards, and each twice */
        for (int twice = 0; twice < 2; twice++) {
            const char *text = wm_spill_texts_get(texts, at[i], strlen(put[i]));
            assert_non_null(text);
            assert_string_equal(text, put[i]);
        }
    /* Part of a text is a text too; past the end is an error. */
    assert_string_equal(wm_spill_texts_get(texts, at[0] + 6, 5), "edits");
    assert_null(wm_spill_texts_get(texts, at[3], strlen(put[3]) + 1));
    /* Cleared: offsets start again, the old texts are gone. */
    wm_spill_texts_clear(texts);
    assert_null(wm_spill_texts_get(texts, at[0], 1));
    uint64_t again;
    assert_int_equal(wm_spill_texts_put(texts, "new", 3, &again), 0);
    assert_int_equal(again, 0);
    assert_string_equal(wm_spill_texts_get(texts, again, 3), "new");
    wm_spill_texts_free(texts);
    wm_spill_texts_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_field_comes_back),
        cmocka_unit_test(test_first_in_first_out_with_alternation),
        cmocka_unit_test(test_reused_after_emptying),
        cmocka_unit_test(test_raw_records_keep_their_bytes),
        cmocka_unit_test(test_texts_come_back_in_any_order),
    };
    return cmocka_run_group_tests_name("spill", tests, NULL, NULL);
}
