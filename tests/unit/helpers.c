/* Set-up shared by the unit tests: scratch files, shell commands, source
 * files, resource limits and sessions (helpers.h).  The scratch indexes are
 * in helpers_index.c, so that only the tests of the store link Xapian. */
#define _GNU_SOURCE   /* program_invocation_short_name */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/util.h"
#include "tests/unit/helpers.h"

/* ---- scratch files ------------------------------------------------------ */

static char scratch[PATH_MAX];
static pid_t scratch_owner;   /* a child that exits must not remove its parent's files */

static void remove_scratch_at_exit(void)
{
    if (scratch[0] && getpid() == scratch_owner)
        scratch_remove(scratch);
}

const char *scratch_dir(void)
{
    if (scratch[0])
        return scratch;
    const char *tmp = getenv("TMPDIR");
    snprintf(scratch, sizeof scratch, "%s/wmtest-%s-XXXXXX", tmp && *tmp ? tmp : "/tmp",
             program_invocation_short_name);
    if (!mkdtemp(scratch)) {
        int saved = errno;
        char attempted[PATH_MAX];
        snprintf(attempted, sizeof attempted, "%s", scratch);
        scratch[0] = '\0';
        fail_msg("cannot make the scratch directory %s: %s", attempted, strerror(saved));
    }
    scratch_owner = getpid();
    atexit(remove_scratch_at_exit);
    return scratch;
}

/* dir/name in the next of the ring of path buffers. */
static const char *slot_path(const char *dir, const char *name)
{
    static char slots[SCRATCH_PATH_SLOTS][PATH_MAX];
    static unsigned next;
    char *path = slots[next++ % SCRATCH_PATH_SLOTS];
    if (snprintf(path, PATH_MAX, "%s/%s", dir, name) >= PATH_MAX)
        fail_msg("path too long: %s/%s", dir, name);
    return path;
}

const char *scratch_path(const char *name)
{
    return slot_path(scratch_dir(), name);
}

const char *scratch_write(const char *name, const void *data, size_t len)
{
    const char *path = scratch_path(name);
    FILE *f = fopen(path, "wb");
    if (!f)
        fail_msg("cannot write %s: %s", path, strerror(errno));
    assert_int_equal(fwrite(data, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
    return path;
}

const char *scratch_write_text(const char *name, const char *text)
{
    return scratch_write(name, text, strlen(text));
}

char *scratch_new_dir(const char *prefix)
{
    char *dir = wm_strdup_printf("%s/%s-XXXXXX", scratch_dir(), prefix);
    assert_non_null(dir);
    if (!mkdtemp(dir))
        fail_msg("cannot make %s: %s", dir, strerror(errno));
    return dir;
}

void scratch_remove(const char *path)
{
    char *command = wm_strdup_printf("chmod -R u+rwx '%s' 2>/dev/null; rm -rf '%s'", path, path);
    assert_non_null(command);
    int status = system(command);
    free(command);
    assert_int_equal(status, 0);
}

/* ---- shell commands ----------------------------------------------------- */

static void shell_in_va(const char *dir, const char *fmt, va_list args)
{
    va_list again;
    va_copy(again, args);
    int len = vsnprintf(NULL, 0, fmt, args);
    assert_true(len >= 0);
    char *command = malloc((size_t)len + 1);
    assert_non_null(command);
    vsnprintf(command, (size_t)len + 1, fmt, again);
    va_end(again);
    char *full = wm_strdup_printf("cd '%s' && { %s\n}", dir, command);
    assert_non_null(full);
    int status = system(full);
    if (status != 0)
        fail_msg("in %s, `%s` failed (status %d)", dir, command, status);
    free(full);
    free(command);
}

void shell_in(const char *dir, const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    shell_in_va(dir, fmt, args);
    va_end(args);
}

void scratch_shell(const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    shell_in_va(scratch_dir(), fmt, args);
    va_end(args);
}

/* ---- files -------------------------------------------------------------- */

char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        fail_msg("cannot read %s: %s", path, strerror(errno));
    wm_buf_t buf = {0};
    char piece[4096];
    size_t n;
    while ((n = fread(piece, 1, sizeof piece, f)) > 0)
        assert_int_equal(wm_buf_append(&buf, piece, n), 0);
    assert_int_equal(ferror(f), 0);
    fclose(f);
    if (len)
        *len = buf.len;
    char *text = wm_buf_take(&buf);
    return text ? text : wm_strndup("", 0);
}

const char *source_path(const char *relative)
{
    const char *dir = getenv("WM_SRCDIR");
#ifdef WM_SRCDIR
    if (!dir || !*dir)
        dir = WM_SRCDIR;   /* -D by Makefile.am: the source tree of this build */
#endif
    if (!dir || !*dir)
        dir = ".";
    return slot_path(dir, relative);
}

/* ---- resource limits ---------------------------------------------------- */

int lowest_free_fd(void)
{
    int fd = dup(0);
    assert_true(fd >= 0);
    close(fd);
    return fd;
}

test_limit_t limit_file_size(rlim_t bytes)
{
    test_limit_t limit = {RLIMIT_FSIZE, {0, 0}, signal(SIGXFSZ, SIG_IGN)};
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &limit.saved), 0);
    struct rlimit tight = {bytes, limit.saved.rlim_max};
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &tight), 0);
    return limit;
}

test_limit_t limit_open_files(void)
{
    test_limit_t limit = {RLIMIT_NOFILE, {0, 0}, NULL};
    assert_int_equal(getrlimit(RLIMIT_NOFILE, &limit.saved), 0);
    struct rlimit tight = {(rlim_t)lowest_free_fd(), limit.saved.rlim_max};
    assert_int_equal(setrlimit(RLIMIT_NOFILE, &tight), 0);
    return limit;
}

void lift_limit(test_limit_t *limit)
{
    assert_int_equal(setrlimit(limit->resource, &limit->saved), 0);
    if (limit->resource == RLIMIT_FSIZE)
        signal(SIGXFSZ, limit->saved_handler);
}

/* ---- sessions ----------------------------------------------------------- */

wm_session_t *make_session(const char *id, int year, const char *title, const char *type,
                           const char *track, const char *language, const char *abstract)
{
    wm_session_t *s = wm_session_new();
    assert_non_null(s);
    assert_int_equal(wm_session_set(&s->id, id), 0);
    s->year = year;
    assert_int_equal(wm_session_set(&s->title, title), 0);
    assert_int_equal(wm_session_set(&s->type, type), 0);
    if (track)
        assert_int_equal(wm_session_add_track(s, track), 0);
    assert_int_equal(wm_session_set(&s->language, language), 0);
    assert_int_equal(wm_session_set(&s->abstract, abstract), 0);
    return s;
}

wm_session_t *full_session(void)
{
    wm_session_t *s = make_session("wm:1", 2019, "Libraries and Wikidata", "workshop", "GLAM", "en",
                                   "A workshop for every library.\n\nBring a laptop \\ and C:\\path.");
    assert_int_equal(wm_session_add_track(s, "Community Health"), 0);
    assert_int_equal(wm_session_add_speaker(s, "Alex Stinson", "Sadads", NULL, "Works on GLAM.\nLine\ttwo \\n"), 0);
    assert_int_equal(wm_session_add_speaker(s, "Jean-Luc Éclair", NULL, NULL, "Bio only"), 0);
    assert_int_equal(wm_session_add_speaker(s, "Nobody Special", NULL, NULL, NULL), 0);
    assert_int_equal(wm_session_add_translation(s, "fr"), 0);
    assert_int_equal(wm_session_add_translation(s, "de"), 0);
    assert_int_equal(wm_session_set(&s->type_label, "Workshop (90 min)"), 0);
    s->duration_minutes = 90;
    assert_int_equal(wm_session_set(&s->url, "https://wikimania.wikimedia.org/wiki/2019:Libraries"), 0);
    assert_int_equal(wm_session_set(&s->source, "/data/wikimaniawiki.xml.bz2"), 0);
    assert_int_equal(wm_session_set(&s->page_title, "2019:Libraries"), 0);
    assert_int_equal(wm_session_set(&s->timestamp, "2019-05-01T10:00:00Z"), 0);
    return s;
}
