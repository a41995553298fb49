/* Scratch indexes for the unit tests of the store (helpers.h): apart from
 * helpers.c so that the other tests do not link Xapian. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>

#include "tests/unit/helpers.h"

wm_store_t *scratch_index(const char *name)
{
    const char *path = scratch_path(name);
    wm_store_t *w = NULL;
    char *message = NULL;
    if (wm_store_open_writable(path, &w, &message) != WM_STORE_OK)
        fail_msg("cannot make the index %s: %s", path, message);
    assert_null(message);
    return w;
}

void put_and_free(wm_store_t *store, wm_session_t *s)
{
    assert_int_equal(wm_store_put_session(store, s), WM_STORE_OK);
    wm_session_free(s);
}

wm_store_t *reopen_readonly(wm_store_t *writable, const char *name)
{
    assert_int_equal(wm_store_commit(writable), WM_STORE_OK);
    wm_store_close(writable);
    const char *path = scratch_path(name);
    wm_store_t *reader = NULL;
    char *message = NULL;
    if (wm_store_open_readonly(path, &reader, &message) != WM_STORE_OK)
        fail_msg("cannot open the index %s: %s", path, message);
    return reader;
}

int close_index(void **state)
{
    wm_store_close(*state);
    *state = NULL;
    return 0;
}
