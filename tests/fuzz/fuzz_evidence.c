/* libFuzzer target for the evidence gatherers (archive/evidence.h) and the
 * wikitable reader (archive/tables.h).
 *
 * The input's first byte chooses the era rule the page is read with: era
 * number byte of the built-in rules when there is one, else none (0xff is
 * always none).  The rest is the page's wikitext, made valid UTF-8 and cut
 * at a NUL as the XML reader's page texts are.  Besides not crashing:
 *   - every piece has a field < WM_FIELD_COUNT, a kind the gatherer makes
 *     (not page title, not fixed: the extractor adds those), a non-empty
 *     trimmed text and an offset inside the page;
 *   - a plain piece is a banner or category giving the status field one of
 *     the six status words, the one its label means; every other piece's
 *     text is the page's own wikitext from its offset on (whole, or line by
 *     line for the kinds that join or skip lines: a parameter list
 *     speaker1=, speaker2= joined as "* " items, a table cell continued
 *     over lines; template kinds may have had comments removed);
 *   - a named piece's label names its field through the aliases;
 *   - wm_evidence_sort orders by kind and keeps the gatherer's order
 *     within a kind, which is page order (offsets never decrease) for
 *     every kind but era (its template, headings and labels in turn);
 *   - the table reader numbers tables from 1 in page order and rows from 1
 *     within a table, gives 1..WM_TABLE_MAX_CELLS cells, each the page's
 *     text line by line from the row's offset on. */
#define _GNU_SOURCE   /* memmem */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "archive/evidence.h"
#include "archive/rules.h"
#include "archive/session.h"
#include "archive/tables.h"
#include "common/util.h"
#include "tests/fuzz/fuzz_helpers.h"

/* The built-in rules (fuzz_builtin_rules), set by each run. */
static const wm_rules_t *rules;

/* The page, and the page with every comment removed (as template names and
 * magic-word arguments are read). */
typedef struct page {
    const char *text;
    size_t len;
    char *uncommented;
    size_t uncommented_len;
} page_t;

static char *strip_comments(const char *s, size_t len)
{
    wm_buf_t out = {0};
    CHECK(wm_buf_append(&out, "", 0) == 0);
    for (size_t i = 0; i < len;) {
        const char *open = memmem(s + i, len - i, "<!--", 4);
        size_t stop = open ? (size_t)(open - s) : len;
        CHECK(wm_buf_append(&out, s + i, stop - i) == 0);
        if (!open)
            break;
        const char *close = memmem(s + stop + 4, len - stop - 4, "-->", 3);
        i = close ? (size_t)(close - s) + 3 : len;
    }
    return wm_buf_take(&out);
}

static bool holds(const char *hay, size_t hay_len, const char *needle, size_t n)
{
    return n == 0 || memmem(hay, hay_len, needle, n) != NULL;
}

/* Is text[0..n) in the page from offset on? */
static bool in_page(const page_t *p, size_t offset, const char *text, size_t n)
{
    return offset <= p->len && holds(p->text + offset, p->len - offset, text, n);
}

/* Is every line of text in the page from offset on ("* " list markers of a
 * joined list removed when list)?  In the comment-free page too when
 * uncommented. */
static bool lines_in_page(const page_t *p, size_t offset, const char *text, bool list,
                          bool uncommented)
{
    for (const char *line = text; *line;) {
        const char *nl = strchr(line, '\n');
        size_t n = nl ? (size_t)(nl - line) : strlen(line);
        const char *s = line;
        if (list && n >= 2 && s[0] == '*' && s[1] == ' ') {
            s += 2;
            n -= 2;
        }
        if (!in_page(p, offset, s, n) &&
            !(uncommented && holds(p->uncommented, p->uncommented_len, s, n)))
            return false;
        line = nl ? nl + 1 : line + strlen(line);
    }
    return true;
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static void check_piece(const page_t *p, const wm_evidence_t *e)
{
    CHECK(e->field >= 0 && e->field < WM_FIELD_COUNT);
    CHECK((unsigned)e->kind < WM_EVIDENCE_KIND_COUNT);
    CHECK(e->kind != WM_EVIDENCE_PAGE_TITLE && e->kind != WM_EVIDENCE_FIXED);
    CHECK(e->text != NULL && *e->text != '\0');
    size_t n = strlen(e->text);
    CHECK(!is_space(e->text[0]) && !is_space(e->text[n - 1]));
    CHECK(e->offset < p->len);
    CHECK(!e->chosen);
    if (e->plain || e->kind == WM_EVIDENCE_BANNER || e->kind == WM_EVIDENCE_CATEGORY) {
        CHECK(e->plain);
        CHECK(e->kind == WM_EVIDENCE_BANNER || e->kind == WM_EVIDENCE_CATEGORY);
        CHECK(e->field == WM_FIELD_STATUS);
        CHECK(wm_status_known(e->text));
        CHECK(e->label != NULL);
        if (e->kind == WM_EVIDENCE_CATEGORY) {
            CHECK(strcmp(wm_rules_status(rules, e->label), e->text) == 0);
            CHECK(strncasecmp(p->text + e->offset, "[[Category:", 11) == 0);
        } else {
            CHECK(memcmp(p->text + e->offset, "{{", 2) == 0);
        }
        return;
    }
    bool from_template = e->kind == WM_EVIDENCE_ERA || e->kind == WM_EVIDENCE_PARAM ||
                         e->kind == WM_EVIDENCE_DISPLAYTITLE;
    switch (e->kind) {
    case WM_EVIDENCE_DEFINITION:
    case WM_EVIDENCE_LABEL:
    case WM_EVIDENCE_HEADING:
    case WM_EVIDENCE_BYLINE:
        CHECK(in_page(p, e->offset, e->text, n));
        break;
    case WM_EVIDENCE_DISPLAYTITLE:
        CHECK(memcmp(p->text + e->offset, "{{", 2) == 0);
        /* fall through */
    default:
        CHECK(lines_in_page(p, e->offset, e->text, e->kind != WM_EVIDENCE_TABLE, from_template));
        break;
    }
    /* What a label names through the aliases is the piece's field (the era's
     * own names and the table's data cells are not aliases). */
    if (e->label && e->kind != WM_EVIDENCE_ERA && e->kind != WM_EVIDENCE_DISPLAYTITLE &&
        e->kind != WM_EVIDENCE_BYLINE)
        CHECK(wm_evidence_field_of(rules, e->label) == e->field);
    if (e->kind == WM_EVIDENCE_DISPLAYTITLE)
        CHECK(e->field == WM_FIELD_TITLE);
    if (e->kind == WM_EVIDENCE_BYLINE)
        CHECK(e->field == WM_FIELD_SPEAKERS);
}

static void check_evidence(const page_t *p, const wm_era_rule_t *era)
{
    wm_evidence_list_t list = {0};
    if (wm_evidence_gather(&list, rules, era, p->text, p->len) < 0) {
        wm_evidence_list_free(&list);
        return;
    }
    /* Gathered: page order within each kind but era. */
    size_t last[WM_EVIDENCE_KIND_COUNT] = {0};
    for (size_t i = 0; i < list.n; i++) {
        const wm_evidence_t *e = &list.items[i];
        check_piece(p, e);
        if (!era)
            CHECK(e->kind != WM_EVIDENCE_ERA);
        if (e->kind != WM_EVIDENCE_ERA) {
            CHECK(e->offset >= last[e->kind]);
            last[e->kind] = e->offset;
        }
    }
    /* Sorted: by kind, and within a kind the same pieces in the same order
     * (the texts are owned by the pieces: their pointers identify them). */
    const char **before = malloc((list.n + 1) * sizeof *before);
    wm_evidence_kind_t *kinds = malloc((list.n + 1) * sizeof *kinds);
    CHECK(before && kinds);
    for (size_t i = 0; i < list.n; i++) {
        before[i] = list.items[i].text;
        kinds[i] = list.items[i].kind;
    }
    size_t n = list.n;
    wm_evidence_sort(&list);
    CHECK(list.n == n);
    size_t next = 0;
    for (int k = 0; k < WM_EVIDENCE_KIND_COUNT; k++)
        for (size_t i = 0; i < n; i++)
            if (kinds[i] == (wm_evidence_kind_t)k) {
                CHECK(list.items[next].kind == (wm_evidence_kind_t)k);
                CHECK(list.items[next].text == before[i]);
                next++;
            }
    CHECK(next == n);
    if (getenv("FUZZ_EVIDENCE_PRINT"))   /* to read what a reproducer gives */
        for (size_t i = 0; i < list.n; i++)
            fprintf(stderr, "%-12s %-11s @%-5zu %s: %s\n", wm_evidence_kind_name(list.items[i].kind),
                    wm_field_name((wm_field_t)list.items[i].field), list.items[i].offset,
                    list.items[i].label ? list.items[i].label : "-", list.items[i].text);
    free(before);
    free(kinds);
    wm_evidence_list_free(&list);
}

typedef struct table_check {
    const page_t *page;
    unsigned table, row;
    size_t offset;
} table_check_t;

static int on_row(void *ctx, const wm_table_row_t *row)
{
    table_check_t *t = ctx;
    CHECK(row->table >= 1 && row->table >= t->table);
    CHECK(row->row == (row->table == t->table ? t->row + 1 : 1));
    CHECK(row->n_cells >= 1 && row->n_cells <= WM_TABLE_MAX_CELLS);
    CHECK(row->offset < t->page->len && row->offset >= t->offset);
    for (size_t c = 0; c < row->n_cells; c++) {
        const wm_buf_t *cell = &row->cells[c];
        if (!cell->data) {
            CHECK(cell->len == 0);
            continue;
        }
        CHECK(strlen(cell->data) == cell->len);
        CHECK(lines_in_page(t->page, row->offset, cell->data, false, false));
    }
    t->table = row->table;
    t->row = row->row;
    t->offset = row->offset;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const wm_rules_t *r = rules = fuzz_builtin_rules();
    const wm_era_rule_t *era = data[0] < r->n_eras ? &r->eras[data[0]] : NULL;
    char *text = wm_utf8_sanitize((const char *)data + 1, size - 1);
    CHECK(text != NULL);
    page_t page = {text, strlen(text), NULL, 0};
    page.uncommented = strip_comments(page.text, page.len);
    page.uncommented_len = strlen(page.uncommented);
    check_evidence(&page, era);
    table_check_t tables = {&page, 0, 0, 0};
    CHECK(wm_tables_read(page.text, page.len, on_row, &tables) == 0);
    free(page.uncommented);
    free(text);
    return 0;
}
