/* A streaming reader for MediaWiki XML dumps (export schema 0.3 to 0.11,
 * parsed by element names, tolerant of missing, unknown or reordered
 * elements), built on expat.
 *
 * The reader pulls bytes from a wm_stream_t and calls back once per page
 * with the page's latest revision (the revision with the newest timestamp;
 * on equal timestamps the later one in the file).  Memory stays bounded by
 * the largest single revision: a full-history page is never held whole. */
#ifndef WM_DUMP_H
#define WM_DUMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "archive/stream.h"
#include "common/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct wm_namespace {
    int key;            /* may be negative */
    char *name;         /* "" for the main namespace */
} wm_namespace_t;

/* What <siteinfo> says about the wiki; every string is "" when absent, never NULL. */
typedef struct wm_siteinfo {
    char *sitename;
    char *dbname;          /* e.g. "wikimaniawiki", "wikimania2014wiki" */
    char *base;            /* URL of the main page, e.g. "https://wikimania.wikimedia.org/wiki/Main_Page" */
    char *generator;
    char *language;        /* xml:lang of the <mediawiki> root */
    char *schema_version;  /* version attribute of the root, e.g. "0.11" */
    wm_namespace_t *namespaces;
    size_t n_namespaces;
} wm_siteinfo_t;

/* One page, as delivered to the callback; all pointers are owned by the
 * reader and valid only during the callback. */
typedef struct wm_page {
    const char *title;       /* full title with namespace prefix, "" if absent */
    int ns;                  /* <ns>, or 0 when absent */
    uint64_t id;             /* <id> of the page, 0 when absent */
    const char *redirect;    /* target title of <redirect title=...>, or NULL */
    const char *text;        /* wikitext of the latest revision, NUL-terminated; "" when empty */
    size_t text_len;
    bool text_deleted;       /* <text deleted="deleted"/> */
    bool text_missing;       /* no text in the dump at all (stub dump, no revision) */
    uint64_t revision_id;
    const char *timestamp;   /* of the latest revision, ISO 8601, "" if absent */
    size_t n_revisions;      /* revisions seen for this page */
    uint64_t offset;         /* decompressed byte offset of the <page> element */
} wm_page_t;

/* Return WM_OK to go on; anything else stops the reading (wm_dump_read()
 * then returns WM_STOPPED). */
typedef wm_result_t (*wm_dump_page_fn)(void *ctx, const wm_siteinfo_t *site, const wm_page_t *page);

/* Read the whole dump from stream, calling on_page for each page.
 * Return WM_OK at the end of a well-formed dump, WM_STOPPED when the
 * callback asked to stop, or an error: WM_ERR_READ (the stream failed:
 * I/O, corrupt or truncated compressed data), WM_ERR_MALFORMED (malformed
 * XML, an empty file), WM_ERR_NOT_INPUT (XML, but not a MediaWiki dump),
 * WM_ERR_NO_MEMORY.  After an error *error is a malloc'd one-line message naming the
 * file (wm_stream_path) and where the problem is: the decompressed byte
 * offset and line, and the title of the page being read if any, e.g.
 * "dump.xml: malformed XML (mismatched tag) at line 120, byte 4711, in page \"2019:Libraries/Foo\"",
 * "x.xml: not a MediaWiki XML dump (root element <html>)".
 * Pages delivered before an error stay delivered. */
wm_result_t wm_dump_read(wm_stream_t *stream, wm_dump_page_fn on_page, void *ctx, char **error);

#ifdef __cplusplus
}
#endif

#endif
