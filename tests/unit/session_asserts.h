/* Assertions on sessions shared by the unit tests (cmocka): include after
 * cmocka.h and archive/session.h. */
#ifndef WM_TEST_SESSION_ASSERTS_H
#define WM_TEST_SESSION_ASSERTS_H

/* Equal strings, or both NULL. */
static void assert_same_string(const char *a, const char *b)
{
    if (!a || !b)
        assert_ptr_equal(a, b);
    else
        assert_string_equal(a, b);
}

/* Every field of a equal to b's. */
static void assert_same_session(const wm_session_t *a, const wm_session_t *b)
{
    assert_same_string(a->id, b->id);
    assert_int_equal(a->year, b->year);
    assert_int_equal(a->duration_minutes, b->duration_minutes);
    assert_int_equal(a->origin, b->origin);
    assert_int_equal(a->amends, b->amends);
    assert_same_string(a->title, b->title);
    assert_same_string(a->type, b->type);
    assert_same_string(a->type_label, b->type_label);
    assert_same_string(a->language, b->language);
    assert_int_equal(a->n_tracks, b->n_tracks);
    for (size_t i = 0; i < a->n_tracks; i++)
        assert_same_string(a->tracks[i], b->tracks[i]);
    assert_int_equal(a->n_speakers, b->n_speakers);
    for (size_t i = 0; i < a->n_speakers; i++) {
        assert_same_string(a->speakers[i].name, b->speakers[i].name);
        assert_same_string(a->speakers[i].username, b->speakers[i].username);
        assert_same_string(a->speakers[i].biography, b->speakers[i].biography);
    }
    assert_int_equal(a->n_translations, b->n_translations);
    for (size_t i = 0; i < a->n_translations; i++)
        assert_same_string(a->translations[i], b->translations[i]);
    assert_same_string(a->abstract, b->abstract);
    assert_same_string(a->url, b->url);
    assert_same_string(a->source, b->source);
    assert_same_string(a->page_title, b->page_title);
    assert_same_string(a->timestamp, b->timestamp);
    assert_same_string(a->code, b->code);
}

#endif
