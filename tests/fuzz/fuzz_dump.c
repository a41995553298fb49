/* libFuzzer target for the XML dump reader (archive/dump.h).
 *
 * The input is a whole dump file (plain, or gzip/bzip2 since it goes
 * through the stream).  Besides not crashing, the reader must keep its
 * promises: every string of the siteinfo and the page is non-NULL, the text
 * is NUL-terminated at text_len, pages come in file order, a stop request is
 * honoured at once (return 1), and an error is a one-line message naming
 * the file. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "archive/dump.h"
#include "archive/stream.h"
#include "tests/fuzz/fuzz_helpers.h"

typedef struct run {
    size_t pages;
    size_t stop_after;      /* stop when this many pages were seen; 0 = never */
    uint64_t last_offset;
    volatile size_t touched; /* keeps the reads of each string from being optimised away */
} run_t;

static void touch(run_t *run, const char *s)
{
    CHECK(s != NULL);
    run->touched += strlen(s);
}

static void check_site(run_t *run, const wm_siteinfo_t *site)
{
    touch(run, site->sitename);
    touch(run, site->dbname);
    touch(run, site->base);
    touch(run, site->generator);
    touch(run, site->language);
    touch(run, site->schema_version);
    for (size_t i = 0; i < site->n_namespaces; i++)
        touch(run, site->namespaces[i].name);
}

static wm_result_t on_page(void *ctx, const wm_siteinfo_t *site, const wm_page_t *page)
{
    run_t *run = ctx;
    check_site(run, site);
    touch(run, page->title);
    touch(run, page->timestamp);
    if (page->redirect)
        touch(run, page->redirect);
    CHECK(page->text != NULL && page->text[page->text_len] == '\0');
    /* XML cannot carry a NUL character, so the text has no NUL inside. */
    CHECK(strlen(page->text) == page->text_len);
    CHECK(page->n_revisions > 0 || page->text_missing);
    CHECK(run->pages == 0 || page->offset > run->last_offset);
    run->last_offset = page->offset;
    run->pages++;
    CHECK(run->stop_after == 0 || run->pages <= run->stop_after);
    return run->stop_after != 0 && run->pages == run->stop_after ? WM_STOPPED : WM_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_input_file(data, size);
    char *error = NULL;
    wm_stream_t *stream = wm_stream_open(path, &error);
    if (!stream) {
        free(error);
        return 0;
    }
    /* Sometimes stop early, to exercise the callback's stop request. */
    run_t run = {.stop_after = size % 7 == 3 ? 1 + size % 3 : 0};
    wm_result_t status = wm_dump_read(stream, on_page, &run, &error);
    CHECK(status == WM_OK || status == WM_STOPPED || status == WM_ERR_READ ||
          status == WM_ERR_MALFORMED || status == WM_ERR_NOT_INPUT || status == WM_ERR_NO_MEMORY);
    fuzz_check_error(status, error, path);
    CHECK(status != WM_STOPPED || run.pages == run.stop_after);
    free(error);
    wm_stream_close(stream);
    return 0;
}
