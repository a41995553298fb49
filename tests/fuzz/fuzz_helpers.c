/* Shared by the fuzz targets (fuzz_helpers.h). */
#include "tests/fuzz/fuzz_helpers.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/util.h"
#include "output/session_json.h"

void fuzz_check_failed(const char *cond, const char *file, int line)
{
    const char *slash = strrchr(file, '/');
    fprintf(stderr, "%s: check failed: %s (line %d)\n", slash ? slash + 1 : file, cond, line);
    abort();
}

const wm_rules_t *fuzz_builtin_rules(void)
{
    static wm_rules_t *rules;
    if (!rules) {
        char *error = NULL;
        CHECK(wm_rules_builtin(&rules, &error) == WM_OK);
        free(error);
    }
    return rules;
}

void fuzz_check_utf8(const char *s)
{
    if (!s)
        return;
    char *clean = wm_utf8_sanitize(s, strlen(s));
    CHECK(clean != NULL && strcmp(clean, s) == 0);
    free(clean);
}

void fuzz_check_error(int status, const char *error, const char *path)
{
    if (status < WM_OK) {
        CHECK(error != NULL && strncmp(error, path, strlen(path)) == 0);
        CHECK(strchr(error, '\n') == NULL);
    } else {
        CHECK(error == NULL);
    }
}

void fuzz_check_session(const wm_session_t *s)
{
    const char *const strings[] = {s->id, s->title, s->type, s->type_label, s->language, s->abstract,
                                   s->url, s->source, s->page_title, s->timestamp, s->code,
                                   s->event, s->status};
    for (size_t i = 0; i < sizeof strings / sizeof *strings; i++)
        fuzz_check_utf8(strings[i]);
    for (size_t i = 0; i < s->n_tracks; i++)
        fuzz_check_utf8(s->tracks[i]);
    for (size_t i = 0; i < s->n_speakers; i++) {
        CHECK(s->speakers[i].name != NULL);
        fuzz_check_utf8(s->speakers[i].name);
        fuzz_check_utf8(s->speakers[i].username);
        fuzz_check_utf8(s->speakers[i].code);
        fuzz_check_utf8(s->speakers[i].biography);
    }
    json_t *json = wm_session_to_json(s, true);
    CHECK(json != NULL);
    char *text = json_dumps(json, 0);
    CHECK(text != NULL);
    free(text);
    json_decref(json);
}

/* The fuzz input as a file: one scratch file per process, rewritten for
 * every input: cheaper than creating a file per run, and safe under
 * libFuzzer's -jobs/-fork, where each worker is a process. */

static int scratch_fd = -1;
static char scratch_path[64];

static void scratch_open(void)
{
    const char *dir = getenv("TMPDIR");
    char name[4096];
    snprintf(name, sizeof name, "%s/wmsearch-fuzz-XXXXXX", dir && *dir ? dir : "/tmp");
    scratch_fd = mkstemp(name);
    if (scratch_fd < 0) {
        perror("fuzz: mkstemp");
        abort();
    }
    unlink(name);
    snprintf(scratch_path, sizeof scratch_path, "/proc/self/fd/%d", scratch_fd);
}

const char *fuzz_input_file(const uint8_t *data, size_t size)
{
    if (scratch_fd < 0)
        scratch_open();
    size_t done = 0;
    if (ftruncate(scratch_fd, 0) < 0)
        goto fail;
    while (done < size) {
        ssize_t n = pwrite(scratch_fd, data + done, size - done, (off_t)done);
        if (n <= 0)
            goto fail;
        done += (size_t)n;
    }
    return scratch_path;
fail:
    perror("fuzz: writing the scratch file");
    abort();
}
