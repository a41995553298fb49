/* Wikitables ({| ... |}) row by row, for the extractor: a vertical table
 * ("! Label" then "| value", or "! Label || value") gives labelled values
 * of one session; a table with a header row ("! Title !! Speakers") gives
 * one record per data row (2021:Submissions, or a listing page).
 *
 * Linear in the input: one pass over the lines, cells accumulated in
 * buffers; nested tables are text of the enclosing cell. */
#ifndef WM_TABLES_H
#define WM_TABLES_H

#include <stdbool.h>
#include <stddef.h>

#include "common/util.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The most cells a row keeps; further cells of the row are ignored. */
#define WM_TABLE_MAX_CELLS 64

typedef struct wm_table_row {
    unsigned table;                        /* 1 for the page's first top-level table, ... */
    unsigned row;                          /* 1 for the table's first row */
    size_t n_cells;
    wm_buf_t cells[WM_TABLE_MAX_CELLS];    /* raw wikitext of each cell, attributes removed
                                            * (data is NULL for an empty cell) */
    bool header[WM_TABLE_MAX_CELLS];       /* a "!" cell */
    size_t offset;                         /* byte offset of the row's first line */
} wm_table_row_t;

/* Called for each row that has cells; return 0 to go on, non-zero to stop. */
typedef int (*wm_table_row_fn)(void *ctx, const wm_table_row_t *row);

/* Read the tables of text[0..len) and call on_row for each row (a table
 * the page never closes ends with the text).  Return 0, the callback's
 * non-zero value when it stopped, or -1 when out of memory. */
int wm_tables_read(const char *text, size_t len, wm_table_row_fn on_row, void *ctx);

#ifdef __cplusplus
}
#endif

#endif
