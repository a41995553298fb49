/* Wikitables row by row (see tables.h). */
#include "archive/tables.h"

#include <string.h>

typedef struct table_reader {
    wm_table_row_t row;
    int depth;               /* nesting of {| ... |} */
    unsigned tables;
    wm_table_row_fn on_row;
    void *ctx;
    int stopped;             /* the callback's value, or -1 when out of memory */
} table_reader_t;

/* Where a cell's content starts: after "attributes |" when the cell has
 * them (a '|' with no link, template or tag before it). */
static size_t cell_content_start(const char *cell, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (cell[i] == '[' || cell[i] == '{' || cell[i] == '<')
            return 0;
        if (cell[i] == '|')
            return i + 1;
    }
    return 0;
}

static void end_row(table_reader_t *t)
{
    wm_table_row_t *row = &t->row;
    if (row->n_cells && !t->stopped) {
        for (size_t c = 0; c < row->n_cells; c++) {
            wm_buf_t *b = &row->cells[c];
            size_t start = b->data ? cell_content_start(b->data, b->len) : 0;
            if (start) {
                memmove(b->data, b->data + start, b->len - start + 1);
                b->len -= start;
            }
        }
        row->row++;
        t->stopped = t->on_row(t->ctx, row);
    }
    for (size_t c = 0; c < row->n_cells; c++)
        wm_buf_clear(&row->cells[c]);
    row->n_cells = 0;
}

static void add_cell(table_reader_t *t, const char *text, size_t len, bool header)
{
    wm_table_row_t *row = &t->row;
    if (row->n_cells >= WM_TABLE_MAX_CELLS)
        return;
    row->header[row->n_cells] = header;
    if (wm_buf_append(&row->cells[row->n_cells++], text, len) < 0)
        t->stopped = -1;
}

/* Cells of a "|" or "!" line: "a || b", "a !! b" (and "a || b" in a "!" line). */
static void start_cells(table_reader_t *t, const char *line, size_t len, size_t offset)
{
    bool header = line[0] == '!';
    if (!t->row.n_cells)
        t->row.offset = offset;
    line++;
    len--;
    size_t start = 0;
    for (size_t i = 0; i <= len; i++) {
        bool split = i + 1 < len && (line[i] == '|' || (header && line[i] == '!')) && line[i + 1] == line[i];
        if (i < len && !split)
            continue;
        add_cell(t, line + start, i - start, header);
        start = i + 2;
        i++;
    }
}

static void table_line(table_reader_t *t, const char *line, size_t len, size_t offset)
{
    size_t indent = 0;
    while (indent < len && (line[indent] == ' ' || line[indent] == '\t' || line[indent] == ':'))
        indent++;
    const char *p = line + indent;
    size_t n = len - indent;
    if (n >= 2 && p[0] == '{' && p[1] == '|') {
        if (t->depth++ == 0) {
            t->tables++;
            t->row.table = t->tables;
            t->row.row = 0;
            return;
        }
    } else if (t->depth > 0 && n >= 2 && p[0] == '|' && p[1] == '}') {
        if (--t->depth == 0) {
            end_row(t);
            return;
        }
    } else if (t->depth == 1 && n >= 2 && p[0] == '|' && p[1] == '-') {
        end_row(t);
        return;
    } else if (t->depth == 1 && n >= 2 && p[0] == '|' && p[1] == '+') {
        return;   /* a caption */
    } else if (t->depth == 1 && n >= 1 && (p[0] == '|' || p[0] == '!')) {
        start_cells(t, p, n, offset);
        return;
    }
    /* Text of the current cell (also a nested table's lines). */
    wm_table_row_t *row = &t->row;
    if (t->depth >= 1 && row->n_cells &&
        (wm_buf_append_char(&row->cells[row->n_cells - 1], '\n') < 0 ||
         wm_buf_append(&row->cells[row->n_cells - 1], line, len) < 0))
        t->stopped = -1;
}

int wm_tables_read(const char *text, size_t len, wm_table_row_fn on_row, void *ctx)
{
    table_reader_t t = {.on_row = on_row, .ctx = ctx};
    size_t pos = 0;
    while (pos < len && !t.stopped) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t end = nl ? (size_t)(nl - text) : len;
        table_line(&t, text + pos, end - pos, pos);
        pos = end + 1;
    }
    if (t.depth > 0)
        end_row(&t);   /* a table the page never closed */
    for (size_t c = 0; c < WM_TABLE_MAX_CELLS; c++)
        wm_buf_free(&t.row.cells[c]);
    return t.stopped;
}
