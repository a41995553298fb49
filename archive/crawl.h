/* Walking the paths a user gives: files, and directories searched
 * recursively (symbolic links followed, loops and repeated directories
 * visited once), in a stable (sorted) order.
 *
 * Each regular file is classified: an input (named like a dump or schedule
 * export: *.xml, *.xml.gz, *.xml.bz2, *.json, *.json.gz, ... or, whatever its
 * name, content that is XML or JSON after decompression) or not (checksums,
 * READMEs, index files of multistream dumps: skipped).  A path given
 * explicitly on the command line is always an input. */
#ifndef WM_CRAWL_H
#define WM_CRAWL_H

#include <stdbool.h>

#include "common/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum wm_crawl_event {
    WM_CRAWL_INPUT,      /* a file to read */
    WM_CRAWL_SKIPPED,    /* a file in a crawled directory that is not an input */
    WM_CRAWL_ERROR       /* a path that cannot be read (missing, unreadable, loop...) */
} wm_crawl_event_t;

/* Called once per file (and per error).  path is the file's path as reached
 * from the root given; message is NULL for WM_CRAWL_INPUT, a reason for
 * SKIPPED ("not a dump: README.txt") and ERROR ("No such file or directory",
 * "Permission denied", "symbolic link loop").  Return WM_OK to go on;
 * anything else stops the crawl. */
typedef wm_result_t (*wm_crawl_fn)(void *ctx, wm_crawl_event_t event, const char *path,
                                   const char *message);

/* Crawl the n_roots paths in the order given.  Return WM_OK when the
 * crawl ran to its end (errors on single paths are reported through the
 * callback, not here), WM_STOPPED when the callback stopped it,
 * WM_ERR_NO_MEMORY. */
wm_result_t wm_crawl(const char *const *roots, int n_roots, wm_crawl_fn callback, void *ctx);

/* Whether a file name looks like an input by its name alone. */
bool wm_crawl_name_is_input(const char *name);

#ifdef __cplusplus
}
#endif

#endif
