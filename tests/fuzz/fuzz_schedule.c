/* libFuzzer target for the schedule-export readers (archive/schedule.h):
 * pretalx/eventyay JSON and frab/Pentabarf XML.
 *
 * The input is a whole file, read as wmindex reads one: through the stream
 * (so gzip/bzip2 too), classified by wm_input_detect() on the first 4 KiB,
 * and handed to wm_schedule_read() when it is a schedule (dumps are
 * fuzz_dump's).  Besides not crashing, the reader must keep its promises: a
 * known status, an error that is one line naming the file, and sessions
 * with an id and a title, UTF-8 strings and a JSON form. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "archive/rules.h"
#include "archive/schedule.h"
#include "archive/session.h"
#include "archive/stream.h"
#include "common/util.h"
#include "tests/fuzz/fuzz_helpers.h"

typedef struct run {
    size_t sessions;
    size_t stop_after;      /* stop when this many sessions were seen; 0 = never */
} run_t;

static wm_result_t on_session(void *ctx, wm_session_t *s)
{
    run_t *run = ctx;
    CHECK(s->id != NULL && s->title != NULL);
    fuzz_check_session(s);
    wm_session_free(s);
    run->sessions++;
    CHECK(run->stop_after == 0 || run->sessions <= run->stop_after);
    return run->stop_after != 0 && run->sessions == run->stop_after ? WM_STOPPED : WM_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const wm_rules_t *rules = fuzz_builtin_rules();
    const char *path = fuzz_input_file(data, size);
    char *error = NULL;
    wm_stream_t *stream = wm_stream_open(path, &error);
    if (!stream) {
        free(error);
        return 0;
    }
    const unsigned char *head;
    ssize_t n = wm_stream_peek(stream, 4096, &head);
    wm_input_kind_t kind = n > 0 ? wm_input_detect(head, (size_t)n) : WM_INPUT_UNKNOWN;
    if (kind == WM_INPUT_SCHEDULE_JSON || kind == WM_INPUT_FRAB_XML) {
        /* Sometimes stop early, to exercise the callback's stop request. */
        run_t run = {.stop_after = size % 7 == 3 ? 1 + size % 3 : 0};
        wm_tally_t tally;
        char *event = NULL;
        wm_result_t status = wm_schedule_read(stream, kind, rules, path, on_session, &run, &tally,
                                              &event, &error);
        CHECK(status == WM_OK || status == WM_STOPPED || status == WM_ERR_READ ||
              status == WM_ERR_MALFORMED || status == WM_ERR_NOT_INPUT || status == WM_ERR_NO_MEMORY);
        /* Every talk read is a session or a rejection, and each session was handed over. */
        CHECK(tally.sessions == run.sessions && tally.pages == tally.candidates);
        CHECK(tally.candidates == tally.sessions + wm_tally_rejected(&tally));
        fuzz_check_utf8(event);
        free(event);
        fuzz_check_error(status, error, path);
        CHECK(status != WM_STOPPED || run.sessions == run.stop_after);
        free(error);
    }
    wm_stream_close(stream);
    return 0;
}
