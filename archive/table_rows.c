/* One session per table row (archive/table_rows.h). */
#include "archive/table_rows.h"

#include <stdlib.h>
#include <string.h>

#include "archive/tables.h"
#include "archive/wikitext.h"

/* Reading the rows of one page: which field each column of the current
 * table holds, learnt from its last header row. */
typedef struct row_reader {
    const wm_era_rule_t *era;
    wm_column_row_fn on_row;
    void *context;
    unsigned table;                        /* the table the columns belong to */
    int columns[WM_TABLE_MAX_CELLS];       /* field of each column, -1 = none */
    size_t n_columns;
    unsigned rows;                         /* data rows handed on (the row number) */
    bool oom;
} row_reader_t;

bool wm_table_rows_wanted(const wm_era_rule_t *era)
{
    for (int f = 0; f < WM_FIELD_COUNT; f++)
        if (era->columns[f].n)
            return true;
    return false;
}

/* The field whose column names hold label (stored normalised, so compared
 * exactly), or -1; of several, the last. */
static int column_field(const wm_era_rule_t *era, const char *label)
{
    int field = -1;
    for (int f = 0; f < WM_FIELD_COUNT; f++)
        for (size_t i = 0; i < era->columns[f].n; i++)
            if (strcmp(era->columns[f].items[i], label) == 0)
                field = f;
    return field;
}

static void take_header(row_reader_t *r, const wm_table_row_t *row)
{
    r->n_columns = row->n_cells;
    r->table = row->table;
    for (size_t c = 0; c < row->n_cells; c++) {
        const char *raw = row->cells[c].data ? row->cells[c].data : "";
        char *plain = wm_wikitext_to_plain(raw, row->cells[c].len);
        char *label = plain ? wm_rules_normalise_label(plain) : NULL;
        r->columns[c] = label ? column_field(r->era, label) : -1;
        if (!label)
            r->oom = true;
        free(plain);
        free(label);
    }
}

/* Hand on a data row that has a cell under a named column. */
static int take_row(row_reader_t *r, const wm_table_row_t *row)
{
    size_t n = row->n_cells < r->n_columns ? row->n_cells : r->n_columns;
    bool any = false;
    for (size_t c = 0; c < n; c++)
        any = any || r->columns[c] >= 0;
    if (!any)
        return 0;
    wm_column_row_t out = {++r->rows, n, row->cells, r->columns, row->offset};
    return r->on_row(r->context, &out);
}

static int table_row(void *context, const wm_table_row_t *row)
{
    row_reader_t *r = context;
    if (row->table != r->table)
        r->n_columns = 0;   /* a new table: its own header names its columns */
    if (row->header[0])
        take_header(r, row);
    else if (r->n_columns)
        return take_row(r, row);
    return r->oom ? -1 : 0;
}

int wm_table_rows_read(const wm_era_rule_t *era, const char *text, size_t len,
                       wm_column_row_fn on_row, void *context)
{
    row_reader_t reader = {era, on_row, context, 0, {0}, 0, 0, false};
    int rc = wm_tables_read(text, len, table_row, &reader);
    return reader.oom ? -1 : rc;
}
