/* Unit tests for the session record and its JSON form. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "archive/session.h"

static void test_lists_grow_and_copy(void **state)
{
    (void)state;
    wm_session_t *s = wm_session_new();
    assert_non_null(s);
    char track[] = "GLAM";
    assert_int_equal(wm_session_add_track(s, track), 0);
    track[0] = 'X';
    assert_int_equal(wm_session_add_track(s, "Education"), 0);
    assert_int_equal(s->n_tracks, 2);
    assert_string_equal(s->tracks[0], "GLAM");
    assert_string_equal(s->tracks[1], "Education");
    assert_int_equal(wm_session_add_speaker(s, "Alex Stinson", "Sadads", NULL, NULL), 0);
    assert_int_equal(wm_session_add_speaker(s, "Ann Other", NULL, NULL, "A bio."), 0);
    assert_int_equal(s->n_speakers, 2);
    assert_string_equal(s->speakers[0].username, "Sadads");
    assert_null(s->speakers[0].biography);
    assert_null(s->speakers[1].username);
    assert_string_equal(s->speakers[1].biography, "A bio.");
    wm_session_free(s);
}

static void test_set_replaces_and_clears(void **state)
{
    (void)state;
    wm_session_t *s = wm_session_new();
    assert_int_equal(wm_session_set(&s->title, "First"), 0);
    assert_int_equal(wm_session_set(&s->title, "Second"), 0);
    assert_string_equal(s->title, "Second");
    assert_int_equal(wm_session_set(&s->title, NULL), 0);
    assert_null(s->title);
    wm_session_free(s);
    wm_session_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lists_grow_and_copy),
        cmocka_unit_test(test_set_replaces_and_clears),
    };
    return cmocka_run_group_tests_name("session", tests, NULL, NULL);
}
