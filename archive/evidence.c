/* Field evidence from every shape a page may use (see evidence.h). */
#include "archive/evidence.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "archive/tables.h"
#include "common/util.h"
#include "archive/wikitext.h"

/* A banner template's name is short: "{{Accepted}}", "{{Submission
 * declined}}"; a longer name that holds a status word is something else. */
#define BANNER_MAX_WORDS 4

/* A "by" line longer than this is prose, not a list of names. */
#define BYLINE_MAX 300

/* Distinct titles counted per kind of evidence: two already make a listing
 * page; a bound keeps a page of 100,000 titles linear. */
#define MAX_RECORDS_COUNTED 64

const char *wm_evidence_kind_name(wm_evidence_kind_t kind)
{
    static const char *const names[WM_EVIDENCE_KIND_COUNT] = {
        "era", "param", "table", "definition", "label", "heading", "byline",
        "banner", "category", "displaytitle", "page title", "fixed",
    };
    return (unsigned)kind < WM_EVIDENCE_KIND_COUNT ? names[kind] : "?";
}

/* --- the list ----------------------------------------------------------------- */

int wm_evidence_add(wm_evidence_list_t *list, int field, wm_evidence_kind_t kind,
                    const char *label, const char *text, size_t len, bool plain, size_t offset)
{
    char *copy = wm_strdup_trimmed(text, len);
    char *label_copy = label ? strdup(label) : NULL;
    if (!copy || (label && !label_copy)) {
        free(copy);
        free(label_copy);
        return -1;
    }
    if (!*copy) {
        free(copy);
        free(label_copy);
        return 0;
    }
    if (list->n == list->cap) {
        size_t cap = list->cap ? list->cap * 2 : 16;
        wm_evidence_t *items = realloc(list->items, cap * sizeof *items);
        if (!items) {
            free(copy);
            free(label_copy);
            return -1;
        }
        list->items = items;
        list->cap = cap;
    }
    list->items[list->n++] = (wm_evidence_t){field, kind, label_copy, copy, plain, false, offset};
    return 0;
}

void wm_evidence_list_free(wm_evidence_list_t *list)
{
    for (size_t i = 0; i < list->n; i++) {
        free(list->items[i].label);
        free(list->items[i].text);
    }
    free(list->items);
    memset(list, 0, sizeof *list);
}

/* A stable sort by kind: a counting sort (linear, whatever the page holds). */
void wm_evidence_sort(wm_evidence_list_t *list)
{
    size_t start[WM_EVIDENCE_KIND_COUNT + 1] = {0};
    wm_evidence_t *sorted = list->n > 1 ? malloc(list->n * sizeof *sorted) : NULL;
    if (!sorted)
        return;   /* page order then: still a usable order */
    for (size_t i = 0; i < list->n; i++)
        start[list->items[i].kind + 1]++;
    for (int k = 0; k < WM_EVIDENCE_KIND_COUNT; k++)
        start[k + 1] += start[k];
    for (size_t i = 0; i < list->n; i++)
        sorted[start[list->items[i].kind]++] = list->items[i];
    free(list->items);
    list->items = sorted;
    list->cap = list->n;
}

/* --- aliases ------------------------------------------------------------------ */

static int field_in(const wm_names_t lists[WM_FIELD_COUNT], const char *normal)
{
    for (int f = 0; f < WM_FIELD_COUNT; f++)
        for (size_t i = 0; i < lists[f].n; i++)   /* the first byte rules most out at once */
            if (lists[f].items[i][0] == normal[0] && strcmp(lists[f].items[i], normal) == 0)
                return f;
    return -1;
}

/* The label normalised, '_' read as ' ' and a trailing number removed. */
static char *normal_name(const char *label)
{
    char *normal = wm_rules_normalise_label(label);
    if (!normal)
        return NULL;
    for (char *p = normal; *p; p++)
        if (*p == '_')
            *p = ' ';
    size_t n = strlen(normal);
    while (n > 1 && isdigit((unsigned char)normal[n - 1]))
        n--;
    while (n > 1 && normal[n - 1] == ' ')
        n--;
    normal[n] = '\0';
    return normal;
}

int wm_evidence_field_of(const wm_rules_t *rules, const char *label)
{
    char *normal = normal_name(label);
    int field = normal ? field_in(rules->aliases, normal) : -1;
    free(normal);
    return field;
}

/* --- a gathering pass ------------------------------------------------------------ */

typedef struct gatherer {
    wm_evidence_list_t *list;
    const wm_rules_t *rules;
    const wm_era_rule_t *era;
    const char *text;
    size_t len;
    bool oom;
} gatherer_t;

static void add(gatherer_t *g, int field, wm_evidence_kind_t kind, const char *label,
                const char *text, size_t len, size_t offset)
{
    if (wm_evidence_add(g->list, field, kind, label, text, len, false, offset) < 0)
        g->oom = true;
}

/* Distinct title values of one kind, counted towards list->records. */
typedef struct titles_seen {
    wm_names_t values;
} titles_seen_t;

static void see_title(gatherer_t *g, titles_seen_t *seen, const char *text, size_t len)
{
    if (seen->values.n >= MAX_RECORDS_COUNTED)
        return;   /* a listing for sure: counting on would make a huge page quadratic */
    char *value = wm_strdup_trimmed(text, len);
    if (!value) {
        g->oom = true;
        return;
    }
    for (size_t i = 0; i < seen->values.n; i++)
        if (strcmp(seen->values.items[i], value) == 0) {
            free(value);
            return;
        }
    char **items = *value ? realloc(seen->values.items, (seen->values.n + 1) * sizeof *items) : NULL;
    if (!items) {
        g->oom = g->oom || *value;
        free(value);
        return;
    }
    items[seen->values.n++] = value;
    seen->values.items = items;
}

static void count_titles(gatherer_t *g, titles_seen_t *seen)
{
    if (seen->values.n > g->list->records)
        g->list->records = (unsigned)seen->values.n;
    for (size_t i = 0; i < seen->values.n; i++)
        free(seen->values.items[i]);
    free(seen->values.items);
    seen->values.items = NULL;
    seen->values.n = 0;
}

/* --- template calls: the era's template, any template's parameters, banners ---- */

static bool is_era_template(const wm_era_rule_t *era, const char *name)
{
    for (size_t i = 0; era && i < era->templates.n; i++)
        if (wm_str_ieq(era->templates.items[i], name))
            return true;
    return false;
}

static void era_params(gatherer_t *g, const wm_template_t *call)
{
    for (int f = 0; f < WM_FIELD_COUNT; f++)
        for (size_t j = 0; j < g->era->params[f].n; j++) {
            const char *value = wm_template_param(call, g->era->params[f].items[j]);
            if (value)
                add(g, f, WM_EVIDENCE_ERA, g->era->params[f].items[j], value, strlen(value), call->offset);
        }
}

static size_t word_count(const char *s)
{
    size_t words = 0;
    for (bool in_word = false; *s; s++) {
        bool letter = !isspace((unsigned char)*s);
        words += letter && !in_word;
        in_word = letter;
    }
    return words;
}

/* {{Accepted}}, {{Submission declined}}: a short name that means a status. */
static void banner(gatherer_t *g, const wm_template_t *call)
{
    if (call->name[0] == '#' || word_count(call->name) > BANNER_MAX_WORDS)
        return;
    const char *status = wm_rules_status(g->rules, call->name);
    if (!status)
        return;
    char *label = wm_strdup_printf("{{%s}}", call->name);
    if (!label || wm_evidence_add(g->list, WM_FIELD_STATUS, WM_EVIDENCE_BANNER, label, status,
                                  strlen(status), true, call->offset) < 0)
        g->oom = true;
    free(label);
}

/* The field of a named parameter, or -1. */
static int param_field(gatherer_t *g, const wm_template_param_t *param)
{
    return param->positional || !*param->value ? -1 : wm_evidence_field_of(g->rules, param->name);
}

/* Named parameters through the aliases; several of one field in a call
 * (speaker1=, speaker2=) become one list.  {{Status|accepted}}: a template
 * named like a field, with one positional value. */
static void call_params(gatherer_t *g, const wm_template_t *call, titles_seen_t *titles)
{
    if (call->n_params == 1 && call->params[0].positional) {
        int field = wm_evidence_field_of(g->rules, call->name);
        if (field >= 0)
            add(g, field, WM_EVIDENCE_PARAM, call->name, call->params[0].value,
                strlen(call->params[0].value), call->offset);
        return;
    }
    size_t count[WM_FIELD_COUNT] = {0};
    const char *first[WM_FIELD_COUNT] = {0};
    wm_buf_t list[WM_FIELD_COUNT] = {{0}};
    for (size_t i = 0; i < call->n_params; i++) {
        int field = param_field(g, &call->params[i]);
        if (field >= 0 && !count[field]++)
            first[field] = call->params[i].name;
    }
    for (size_t i = 0; i < call->n_params && !g->oom; i++) {
        int field = param_field(g, &call->params[i]);
        const char *value = call->params[i].value;
        if (field < 0)
            continue;
        if (count[field] == 1)
            add(g, field, WM_EVIDENCE_PARAM, first[field], value, strlen(value), call->offset);
        else if (wm_buf_append(&list[field], "* ", 2) < 0 || wm_buf_append_str(&list[field], value) < 0 ||
                 wm_buf_append_char(&list[field], '\n') < 0)
            g->oom = true;
        if (field == WM_FIELD_TITLE)
            see_title(g, titles, value, strlen(value));
    }
    for (int f = 0; f < WM_FIELD_COUNT; f++) {
        if (list[f].len)
            add(g, f, WM_EVIDENCE_PARAM, first[f], list[f].data, list[f].len, call->offset);
        wm_buf_free(&list[f]);
    }
}

static void gather_templates(gatherer_t *g)
{
    wm_template_t *calls;
    size_t n;
    titles_seen_t titles = {{0}};
    if (wm_wikitext_templates(g->text, g->len, &calls, &n) < 0) {
        g->oom = true;
        return;
    }
    bool era_done = false;
    for (size_t i = 0; i < n && !g->oom; i++) {
        const wm_template_t *call = &calls[i];
        if (!era_done && is_era_template(g->era, call->name)) {
            era_params(g, call);
            era_done = true;   /* the first call of the era's template is the session's */
        }
        if (strcasecmp(call->name, "DISPLAYTITLE") == 0) {
            const char *value = wm_template_param(call, "1");
            if (value)
                add(g, WM_FIELD_TITLE, WM_EVIDENCE_DISPLAYTITLE, "DISPLAYTITLE", value,
                    strlen(value), call->offset);
            continue;
        }
        banner(g, call);
        call_params(g, call, &titles);
    }
    count_titles(g, &titles);
    wm_templates_free(calls, n);
}

/* --- tables ------------------------------------------------------------------------ */

typedef struct table_state {
    gatherer_t *g;
    unsigned table;                       /* the table the columns belong to */
    int columns[WM_TABLE_MAX_CELLS];      /* field of each column of a header row, -1 = none */
    size_t n_columns;
    unsigned data_rows;                   /* rows under that header row */
    titles_seen_t titles;
} table_state_t;

static const char *cell_text(const wm_table_row_t *row, size_t c)
{
    return row->cells[c].data ? row->cells[c].data : "";
}

/* The field a cell's text names (a label cell: "Title", "'''Title:'''"), or -1. */
static int cell_field(table_state_t *t, const wm_table_row_t *row, size_t c, char **label)
{
    *label = wm_wikitext_to_plain(cell_text(row, c), row->cells[c].len);
    if (!*label) {
        t->g->oom = true;
        return -1;
    }
    return wm_evidence_field_of(t->g->rules, *label);
}

/* A header row: two or more "!" cells naming fields.  Its columns apply to
 * the rows under it. */
static bool take_header_row(table_state_t *t, const wm_table_row_t *row)
{
    int fields[WM_TABLE_MAX_CELLS];
    size_t named = 0;
    for (size_t c = 0; c < row->n_cells; c++) {
        char *label;
        fields[c] = row->header[c] ? cell_field(t, row, c, &label) : -1;
        if (row->header[c])
            free(label);
        named += fields[c] >= 0;
    }
    if (named < 2)
        return false;
    memcpy(t->columns, fields, row->n_cells * sizeof *fields);
    t->n_columns = row->n_cells;
    t->table = row->table;
    t->data_rows = 0;
    return true;
}

/* A row under a header row: the first one is evidence; more than one makes
 * the page a listing (counted through the titles). */
static void take_data_row(table_state_t *t, const wm_table_row_t *row)
{
    if (++t->data_rows > 1) {
        for (size_t c = 0; c < row->n_cells && c < t->n_columns; c++)
            if (t->columns[c] == WM_FIELD_TITLE)
                see_title(t->g, &t->titles, cell_text(row, c), row->cells[c].len);
        return;
    }
    for (size_t c = 0; c < row->n_cells && c < t->n_columns; c++)
        if (t->columns[c] >= 0) {
            add(t->g, t->columns[c], WM_EVIDENCE_TABLE, NULL, cell_text(row, c), row->cells[c].len,
                row->offset);
            if (t->columns[c] == WM_FIELD_TITLE)
                see_title(t->g, &t->titles, cell_text(row, c), row->cells[c].len);
        }
}

/* "! Label" then "| value" (or "! Label || value"): a labelled value. */
static bool take_label_row(table_state_t *t, const wm_table_row_t *row)
{
    if (row->n_cells < 2)
        return false;
    const char *first = cell_text(row, 0);
    bool bold = strncmp(first, "'''", 3) == 0;
    if (!row->header[0] && !bold)
        return false;
    char *label;
    int field = cell_field(t, row, 0, &label);
    if (field >= 0)
        add(t->g, field, WM_EVIDENCE_TABLE, label, cell_text(row, 1), row->cells[1].len, row->offset);
    free(label);
    return field >= 0;
}

static int table_row(void *ctx, const wm_table_row_t *row)
{
    table_state_t *t = ctx;
    if (t->table != row->table)
        t->n_columns = 0;   /* a new table: no header row yet */
    bool all_header = true;
    for (size_t c = 0; c < row->n_cells; c++)
        all_header = all_header && row->header[c];
    if (all_header && take_header_row(t, row))
        return t->g->oom ? 1 : 0;
    if (!take_label_row(t, row) && t->n_columns && !row->header[0])
        take_data_row(t, row);
    return t->g->oom ? 1 : 0;
}

static void gather_tables(gatherer_t *g)
{
    table_state_t t = {.g = g};
    if (wm_tables_read(g->text, g->len, table_row, &t) < 0)
        g->oom = true;
    count_titles(g, &t.titles);
}

/* --- labels, definition lists, headings ------------------------------------------- */

/* The era's own labels (or headings) for this label: evidence of kind era. */
static void era_labelled(gatherer_t *g, const wm_names_t lists[WM_FIELD_COUNT], const char *normal,
                         const char *label, const char *value, size_t len, size_t offset)
{
    for (int f = 0; g->era && f < WM_FIELD_COUNT; f++)
        if (wm_names_contain(&lists[f], normal))
            add(g, f, WM_EVIDENCE_ERA, label, value, len, offset);
}

/* A definition list line starts with ';' (after list markers). */
static bool is_definition(const char *text, size_t offset, size_t len)
{
    size_t p = offset;
    while (p < len && (text[p] == '*' || text[p] == '#' || text[p] == ':' || text[p] == ' ' || text[p] == '\t'))
        p++;
    return p < len && text[p] == ';';
}

static void gather_labels(gatherer_t *g)
{
    wm_label_t *labels;
    size_t n;
    titles_seen_t titles[2] = {{{0}}, {{0}}};
    if (wm_wikitext_labels(g->text, g->len, &labels, &n) < 0) {
        g->oom = true;
        return;
    }
    for (size_t i = 0; i < n && !g->oom; i++) {
        char *normal = normal_name(labels[i].label);
        if (!normal) {
            g->oom = true;
            break;
        }
        const char *value = labels[i].value;
        size_t len = strlen(value);
        if (g->era)
            era_labelled(g, g->era->labels, normal, labels[i].label, value, len, labels[i].offset);
        int field = field_in(g->rules->aliases, normal);
        bool definition = is_definition(g->text, labels[i].offset, g->len);
        if (field >= 0)
            add(g, field, definition ? WM_EVIDENCE_DEFINITION : WM_EVIDENCE_LABEL, labels[i].label,
                value, len, labels[i].offset);
        if (field == WM_FIELD_TITLE)
            see_title(g, &titles[definition], value, len);
        free(normal);
    }
    count_titles(g, &titles[0]);
    count_titles(g, &titles[1]);
    wm_labels_free(labels, n);
}

static void gather_headings(gatherer_t *g)
{
    wm_section_t *sections;
    size_t n;
    titles_seen_t titles = {{0}};
    if (wm_wikitext_sections(g->text, g->len, &sections, &n) < 0) {
        g->oom = true;
        return;
    }
    for (size_t i = 0; i < n && !g->oom; i++) {
        if (sections[i].level == 0)
            continue;
        char *normal = normal_name(sections[i].heading);
        if (!normal) {
            g->oom = true;
            break;
        }
        const char *body = g->text + sections[i].body_offset;
        size_t len = sections[i].body_length;
        if (g->era)
            era_labelled(g, g->era->headings, normal, sections[i].heading, body, len,
                         sections[i].body_offset);
        int field = field_in(g->rules->aliases, normal);
        if (field >= 0)
            add(g, field, WM_EVIDENCE_HEADING, sections[i].heading, body, len, sections[i].body_offset);
        if (field == WM_FIELD_TITLE)
            see_title(g, &titles, body, len);
        free(normal);
    }
    count_titles(g, &titles);
    wm_sections_free(sections, n);
}

/* --- "by" lines and categories ----------------------------------------------------- */

/* Does a name start here: a capital (or any non-ASCII letter), a link or a template? */
static bool name_starts(const char *p, const char *end)
{
    while (p < end && *p == ' ')
        p++;
    return p < end && (isupper((unsigned char)*p) || (unsigned char)*p >= 0x80 || *p == '[' || *p == '{');
}

/* "by Name, Name and Name" (maybe in italics or bold, maybe a list item):
 * the names, else NULL.  Prose ("by the end of the day") is not a by-line:
 * every name must start with a capital letter or a link. */
static const char *byline_names(const char *line, size_t len, size_t *names_len)
{
    const char *p = line, *end = line + len;
    while (p < end && (strchr("*#:", *p) || *p == ' ' || *p == '\t' || *p == '\''))
        p++;
    while (end > p && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\'' || end[-1] == '\r'))
        end--;
    if (end - p < 4 || strncasecmp(p, "by ", 3) != 0 || (size_t)(end - p) > BYLINE_MAX)
        return NULL;
    p += 3;
    for (const char *q = p; q < end; q++) {
        bool separator = *q == ',' || *q == ';' || *q == '&';
        size_t skip = separator ? 1 : (end - q >= 5 && strncmp(q, " and ", 5) == 0) ? 5 : 0;
        if (q == p && !name_starts(q, end))
            return NULL;
        if (skip && !name_starts(q + skip, end))
            return NULL;
        q += skip ? skip - 1 : 0;
    }
    *names_len = (size_t)(end - p);
    return p;
}

static void gather_bylines(gatherer_t *g)
{
    unsigned bylines = 0;
    int depth = 0;   /* inside a table: a grid's cells are not this page's by-line */
    for (size_t pos = 0; pos < g->len && !g->oom;) {
        const char *nl = memchr(g->text + pos, '\n', g->len - pos);
        size_t end = nl ? (size_t)(nl - g->text) : g->len, names_len;
        const char *line = g->text + pos;
        if (end - pos >= 2 && line[0] == '{' && line[1] == '|')
            depth++;
        else if (end - pos >= 2 && line[0] == '|' && line[1] == '}' && depth > 0)
            depth--;
        const char *names = depth ? NULL : byline_names(line, end - pos, &names_len);
        if (names) {
            add(g, WM_FIELD_SPEAKERS, WM_EVIDENCE_BYLINE, "by", names, names_len, pos);
            bylines++;
        }
        pos = end + 1;
    }
    if (bylines > g->list->records)
        g->list->records = bylines;
}

/* [[Category:Accepted submissions]]: a category that means a status. */
static void gather_categories(gatherer_t *g)
{
    static const char mark[] = "[[Category:";
    const size_t n = sizeof mark - 1;
    for (size_t i = 0; i + n <= g->len && !g->oom; i++) {
        if (g->text[i] != '[' || strncasecmp(g->text + i, mark, n) != 0)
            continue;
        size_t start = i + n, end = start;
        while (end < g->len && end - start < 200 && !strchr("|]\n", g->text[end]))
            end++;
        char *name = wm_strndup(g->text + start, end - start);
        const char *status = name ? wm_rules_status(g->rules, name) : NULL;
        if (!name)
            g->oom = true;
        else if (status && wm_evidence_add(g->list, WM_FIELD_STATUS, WM_EVIDENCE_CATEGORY, name,
                                           status, strlen(status), true, i) < 0)
            g->oom = true;
        free(name);
        i = end - 1;
    }
}

int wm_evidence_gather(wm_evidence_list_t *list, const wm_rules_t *rules,
                       const wm_era_rule_t *era, const char *text, size_t len)
{
    gatherer_t g = {list, rules, era, text ? text : "", text ? len : 0, false};
    gather_templates(&g);
    if (!g.oom)
        gather_tables(&g);
    if (!g.oom)
        gather_headings(&g);   /* before labels: an era's headings come before its labels */
    if (!g.oom)
        gather_labels(&g);
    if (!g.oom)
        gather_bylines(&g);
    if (!g.oom)
        gather_categories(&g);
    return g.oom ? -1 : 0;
}
