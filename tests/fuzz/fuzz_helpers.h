/* Shared by the fuzz targets (the counterpart of tests/unit/helpers.h, built
 * with clang into libwmarchive-fuzz.a): the checks' abort, the built-in
 * rules, UTF-8 and session checks, and the fuzz input as a file. */
#ifndef WM_FUZZ_HELPERS_H
#define WM_FUZZ_HELPERS_H

#include <stddef.h>
#include <stdint.h>

#include "archive/rules.h"
#include "archive/session.h"

/* A promise of the code under test: when it does not hold, abort (libFuzzer
 * keeps the input) after a line naming the target's file, line and cond. */
#define CHECK(cond)                                              \
    do {                                                         \
        if (!(cond))                                             \
            fuzz_check_failed(#cond, __FILE__, __LINE__);        \
    } while (0)

_Noreturn void fuzz_check_failed(const char *cond, const char *file, int line);

/* The built-in rules, parsed on first call and kept for the process (the
 * readers only read them). */
const wm_rules_t *fuzz_builtin_rules(void);

/* CHECK that s is NULL or valid UTF-8. */
void fuzz_check_utf8(const char *s);

/* CHECK a reader's promise about its message: after an error (status < 0)
 * one line that begins with the file's path, else none. */
void fuzz_check_error(int status, const char *error, const char *path);

/* CHECK what every reader promises of a session it gives: each string NULL
 * or valid UTF-8, each speaker named, and a JSON form. */
void fuzz_check_session(const wm_session_t *s);

/* Write data[0..size) to this process's scratch file and return a path that
 * opens it ("/proc/self/fd/N": the file itself is already unlinked, so a
 * crashing run leaves nothing behind).  Aborts when the file cannot be
 * written: a fuzz run without its input is meaningless. */
const char *fuzz_input_file(const uint8_t *data, size_t size);

#endif
