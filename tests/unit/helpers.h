/* Set-up shared by the unit tests (cmocka): scratch files, shell commands,
 * source-tree files, sessions and scratch indexes.  Include after cmocka.h.
 *
 * Failures are cmocka failures (the helpers assert), so a helper may be
 * called from a test or from a cmocka setup/teardown.  Paths returned as
 * `const char *` live in a ring of SCRATCH_PATH_SLOTS static buffers: copy
 * one that must outlive that many later calls.  A returned `char *` is the
 * caller's to free.
 *
 * Scratch files live in one directory per test program, made on first use
 * under $TMPDIR (else /tmp), never in the source tree (which is read-only
 * under `make distcheck`), and removed when the program exits. */
#ifndef WM_TEST_HELPERS_H
#define WM_TEST_HELPERS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/resource.h>

#include "archive/session.h"
#include "store/store.h"

#define SCRATCH_PATH_SLOTS 8

/* ---- scratch files ------------------------------------------------------ */

/* This program's scratch directory, made on first call ($TMPDIR/wmtest-
 * PROGRAM-XXXXXX) and removed, whatever it holds, at exit. */
const char *scratch_dir(void);

/* scratch_dir()/name (nothing is made). */
const char *scratch_path(const char *name);

/* Write data[0..len) to scratch_path(name), replacing it; return that path. */
const char *scratch_write(const char *name, const void *data, size_t len);

/* scratch_write of a NUL-terminated text. */
const char *scratch_write_text(const char *name, const char *text);

/* A new empty directory inside the scratch directory, named PREFIX-XXXXXX
 * (caller frees the path; scratch_remove removes the directory). */
char *scratch_new_dir(const char *prefix);

/* rm -rf path, after making everything below it writable and searchable
 * (tests take permissions away). */
void scratch_remove(const char *path);

/* ---- shell commands ----------------------------------------------------- */

/* Run a printf-formatted command with sh inside dir; fail unless it exits 0. */
void shell_in(const char *dir, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* shell_in(scratch_dir(), ...). */
void scratch_shell(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ---- files -------------------------------------------------------------- */

/* The whole file at path, NUL-terminated; its length goes to *len when len
 * is not NULL (caller frees). */
char *read_file(const char *path, size_t *len);

/* SRCDIR/relative, where SRCDIR is $WM_SRCDIR (set by make check), else the
 * source tree this file was compiled from.  Read only: nothing is written
 * there. */
const char *source_path(const char *relative);

/* ---- resource limits ---------------------------------------------------- */

/* A resource limit lowered for a test, and what lift_limit puts back. */
typedef struct test_limit {
    int resource;
    struct rlimit saved;
    void (*saved_handler)(int);
} test_limit_t;

/* No file can grow past bytes (EFBIG, as on a full disk); SIGXFSZ ignored. */
test_limit_t limit_file_size(rlim_t bytes);

/* No file descriptor at or above the lowest free one can be opened (EMFILE). */
test_limit_t limit_open_files(void);

/* The lowest file descriptor free: the one the next open would get. */
int lowest_free_fd(void);

/* Put the limit (and the SIGXFSZ handler) back as they were. */
void lift_limit(test_limit_t *limit);

/* ---- sessions ----------------------------------------------------------- */

/* A session with these fields; track may be NULL (caller frees). */
wm_session_t *make_session(const char *id, int year, const char *title, const char *type,
                           const char *track, const char *language, const char *abstract);

/* "wm:1", with every field of a wiki session set, and newlines, backslashes,
 * tabs and non-ASCII letters in values (caller frees). */
wm_session_t *full_session(void);

/* ---- scratch indexes (link libwmstore.a) -------------------------------- */

/* A new writable index at scratch_path(name), its parents made (caller
 * closes). */
wm_store_t *scratch_index(const char *name);

/* Put s into the index and free it. */
void put_and_free(wm_store_t *store, wm_session_t *s);

/* Commit and close the writable index at scratch_path(name), then open it
 * read-only (caller closes). */
wm_store_t *reopen_readonly(wm_store_t *writable, const char *name);

/* A cmocka group teardown: close the index the group setup left in *state. */
int close_index(void **state);

#endif
