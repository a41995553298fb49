/* The fuzz input as a file (see fuzz_input.h).  One scratch file per
 * process, rewritten for every input: cheaper than creating a file per run,
 * and safe under libFuzzer's -jobs/-fork, where each worker is a process. */
#include "tests/fuzz/fuzz_input.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

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
