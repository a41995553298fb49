/* Pages that list one session per table row (2021:Submissions): when an
 * era's rules name table columns, each table of its pages is read under
 * its header row, whose cells name the columns, and every data row under
 * it is handed on with the field each of its cells holds.  The extractor
 * makes each such row a session of its own.
 *
 * Internal to archive/: the extractor's, on top of archive/tables.h. */
#ifndef WM_TABLE_ROWS_H
#define WM_TABLE_ROWS_H

#include <stdbool.h>
#include <stddef.h>

#include "archive/rules.h"
#include "common/util.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A data row with at least one cell under a named column. */
typedef struct wm_column_row {
    unsigned number;          /* 1 for the first such row of the page, ... */
    size_t n_cells;           /* the cells that have a column in the header */
    const wm_buf_t *cells;    /* raw wikitext of each (data is NULL for an empty cell) */
    const int *fields;        /* the field (a wm_field_t) of each cell's column, -1: none */
    size_t offset;            /* byte offset of the row on the page */
} wm_column_row_t;

/* Called for each such row; return 0 to go on, non-zero to stop. */
typedef int (*wm_column_row_fn)(void *context, const wm_column_row_t *row);

/* Does era name table columns (so its pages give a session per row)? */
bool wm_table_rows_wanted(const wm_era_rule_t *era);

/* Read the tables of text[0..len) through era's columns and call on_row
 * for each data row with a named column.  Return 0, on_row's non-zero
 * value when it stopped, or -1 when out of memory. */
int wm_table_rows_read(const wm_era_rule_t *era, const char *text, size_t len,
                       wm_column_row_fn on_row, void *context);

#ifdef __cplusplus
}
#endif

#endif
