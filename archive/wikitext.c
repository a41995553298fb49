/* Wikitext tools for the extractor (archive/wikitext.h): template calls
 * and their parameters, sections, "Label: value" lines.  Each walks the text
 * forward on top of what the structure scanner found (archive/wikitext_scan.h:
 * linear, bounded stack); headings and labels become plain text through
 * archive/wikitext_plain.c, which also holds wm_wikitext_to_plain. */
#include "archive/wikitext.h"

#include "common/util.h"
#include "archive/wikitext_plain.h"
#include "archive/wikitext_scan.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define LABEL_MAX 80

/* ------------------------------------------------------------------------ */
/* Template names and parameters. */

/* A malloc'd copy of s[0..len) without its comments. */
static char *strip_comments(const char *s, size_t len)
{
    wm_buf_t out = {0};
    size_t i = 0;
    if (wm_buf_append(&out, "", 0) < 0)
        return NULL;
    while (i < len) {
        const char *open = find_bytes(s + i, len - i, "<!--", 4);
        size_t stop = open ? (size_t)(open - s) : len;
        if (wm_buf_append(&out, s + i, stop - i) < 0) {
            wm_buf_free(&out);
            return NULL;
        }
        if (!open)
            break;
        const char *close = find_bytes(s + stop + 4, len - stop - 4, "-->", 3);
        i = close ? (size_t)(close - s) + 3 : len;
    }
    return wm_buf_take(&out);
}

static void trim_in_place(char *s)
{
    size_t len = strlen(s), start = 0;
    while (len && is_space(s[len - 1]))
        len--;
    while (start < len && is_space(s[start]))
        start++;
    memmove(s, s + start, len - start);
    s[len - start] = '\0';
}

/* Remove a case-insensitive "prefix:" (spaces allowed before the ':'). */
static bool strip_prefix(char *s, const char *prefix)
{
    size_t n = strlen(prefix), q = n;
    if (strncasecmp(s, prefix, n) != 0)
        return false;
    while (s[q] == ' ')
        q++;
    if (s[q] != ':')
        return false;
    memmove(s, s + q + 1, strlen(s + q + 1) + 1);
    trim_in_place(s);
    return true;
}

/* Magic words that take an argument after a colon ({{DISPLAYTITLE:x}}). */
static bool is_magic_word(const char *s, size_t n)
{
    static const char *const words[] = {
        "displaytitle", "defaultsort", "defaultsortkey", "defaultcategorysort", "lc",
        "lcfirst", "uc", "ucfirst", "urlencode", "anchorencode", "fullurl", "fullurle",
        "localurl", "localurle", "canonicalurl", "canonicalurle", "filepath", "int", "ns",
        "nse", "formatnum", "padleft", "padright", "plural", "grammar", "gender", "bidi",
        "tag", "special", "speciale", "pagesincategory", "pagesize", "protectionlevel",
        "numberingroup", "msg", "raw",
    };
    bool upper = n >= 2;
    for (size_t k = 0; k < n; k++)
        upper = upper && isupper((unsigned char)s[k]);
    if (upper)
        return true;
    for (size_t k = 0; k < sizeof words / sizeof words[0]; k++)
        if (strlen(words[k]) == n && strncasecmp(words[k], s, n) == 0)
            return true;
    return false;
}

/* Title normalisation: "_" is " ", whitespace runs collapse, first letter upper. */
static void normalise_title(char *s)
{
    for (char *p = s; *p; p++)
        if (*p == '_' || is_space(*p))
            *p = ' ';
    wm_squeeze_spaces(s);
    if (strip_prefix(s, "template"))
        wm_squeeze_spaces(s);
    if (*s >= 'a' && *s <= 'z')
        *s = (char)toupper((unsigned char)*s);
}

typedef struct name_split {
    char *name;
    char *argument;     /* text after the ':' of a parser function, or NULL */
} name_split_t;

/* Normalise a template's raw name (see wikitext.h); -1 when out of memory. */
static int split_name(const char *raw, size_t len, name_split_t *out)
{
    char *s = strip_comments(raw, len);
    out->name = s;
    out->argument = NULL;
    if (!s)
        return -1;
    trim_in_place(s);
    while (strip_prefix(s, "subst") || strip_prefix(s, "safesubst") || strip_prefix(s, "msgnw"))
        ;
    char *colon = strchr(s, ':');
    size_t before = colon ? (size_t)(colon - s) : 0;
    if (colon && before && (s[0] == '#' || is_magic_word(s, before))) {
        out->argument = wm_strdup_trimmed(colon + 1, strlen(colon + 1));
        if (!out->argument)
            return -1;
        *colon = '\0';
        trim_in_place(s);
        return 0;
    }
    normalise_title(s);
    return 0;
}

static int add_param(vec_t *params, char *name, char *value, bool positional)
{
    wm_template_param_t *p = name && value ? vec_push(params) : NULL;
    if (!p) {
        free(name);
        free(value);
        return -1;
    }
    p->name = name;
    p->value = value;
    p->positional = positional;
    return 0;
}

/* One '|'-separated part: named when it has a top-level '='. */
static int add_part(vec_t *params, const char *t, const part_t *part, size_t end,
                    size_t *position)
{
    if (part->equals != NO_POS) {
        char *name = strip_comments(t + part->start, part->equals - part->start);
        if (name)
            trim_in_place(name);
        return add_param(params, name,
                         wm_strdup_trimmed(t + part->equals + 1, end - part->equals - 1), false);
    }
    return add_param(params, wm_strdup_printf("%zu", (*position)++),
                     wm_strdup_trimmed(t + part->start, end - part->start), true);
}

static void free_params(wm_template_param_t *params, size_t n)
{
    for (size_t k = 0; k < n; k++) {
        free(params[k].name);
        free(params[k].value);
    }
    free(params);
}

static int build_params(const char *t, const call_t *c, const part_t *parts, char *first,
                        wm_template_t *out)
{
    vec_t params;
    size_t position = 1;
    vec_init(&params, sizeof(wm_template_param_t));
    int rc = first ? add_param(&params, wm_strdup_printf("%zu", position++), first, true) : 0;
    for (size_t k = 0; rc == 0 && k < c->n_parts; k++) {
        size_t end = k + 1 < c->n_parts ? parts[k + 1].start - 1 : c->end - 2;
        rc = add_part(&params, t, &parts[k], end, &position);
    }
    out->params = VEC(params, wm_template_param_t);
    out->n_params = params.n;
    return rc;
}

static int build_template(const char *t, const call_t *c, const part_t *parts,
                          wm_template_t *out)
{
    size_t name_start = c->offset + 2;
    size_t name_end = c->n_parts ? parts[0].start - 1 : c->end - 2;
    name_split_t split;
    out->offset = c->offset;
    out->length = c->end - c->offset;
    int rc = split_name(t + name_start, name_end - name_start, &split);
    out->name = split.name;
    if (rc < 0) {
        free(split.argument);
        return -1;
    }
    return build_params(t, c, parts, split.argument, out);
}

void wm_templates_free(wm_template_t *templates, size_t n)
{
    if (!templates)
        return;
    for (size_t k = 0; k < n; k++) {
        free(templates[k].name);
        free_params(templates[k].params, templates[k].n_params);
    }
    free(templates);
}

int wm_wikitext_templates(const char *text, size_t len, wm_template_t **templates, size_t *n)
{
    structure_t st;
    vec_t out;
    *templates = NULL;
    *n = 0;
    if (!text)
        text = "", len = 0;
    if (wm_scan_structure(&st, text, len, false) < 0)
        return -1;
    vec_init(&out, sizeof(wm_template_t));
    const call_t *calls = VEC(st.calls, call_t);
    /* NULL when no call has a parameter: NULL + 0 is undefined in C. */
    const part_t *parts = VEC(st.call_parts, part_t);
    int rc = 0;
    for (size_t k = 0; rc == 0 && k < st.calls.n; k++) {
        if (calls[k].argument)
            continue;
        wm_template_t *tmpl = vec_push(&out);
        rc = tmpl ? build_template(text, &calls[k], parts ? parts + calls[k].parts_base : NULL,
                                   tmpl)
                  : -1;
    }
    wm_scan_free(&st);
    if (rc < 0) {
        wm_templates_free(VEC(out, wm_template_t), out.n);
        return -1;
    }
    *templates = VEC(out, wm_template_t);
    *n = out.n;
    return 0;
}

/* "_" and " " are the same; ASCII case does not matter. */
static bool param_name_equal(const char *a, const char *b)
{
    for (; *a && *b; a++, b++) {
        char x = *a == '_' ? ' ' : (char)tolower((unsigned char)*a);
        char y = *b == '_' ? ' ' : (char)tolower((unsigned char)*b);
        if (x != y)
            return false;
    }
    return *a == *b;
}

const char *wm_template_param(const wm_template_t *tmpl, const char *name)
{
    /* The last one wins when a name repeats, as in MediaWiki. */
    for (size_t k = tmpl->n_params; k-- > 0;)
        if (param_name_equal(tmpl->params[k].name, name))
            return tmpl->params[k].value;
    return NULL;
}


static bool at_line_start(const char *t, size_t i)
{
    return i == 0 || t[i - 1] == '\n';
}

void wm_sections_free(wm_section_t *sections, size_t n)
{
    if (!sections)
        return;
    for (size_t k = 0; k < n; k++)
        free(sections[k].heading);
    free(sections);
}

static int add_section(vec_t *sections, int level, char *heading, size_t body_offset)
{
    wm_section_t *s = heading ? vec_push(sections) : NULL;
    if (!s) {
        free(heading);
        return -1;
    }
    s->level = level;
    s->heading = heading;
    s->body_offset = body_offset;
    return 0;
}

/* Walk the text, skipping calls and opaque regions, and cut at headings. */
static int find_sections(structure_t *st, vec_t *sections)
{
    const char *t = st->lx.text;
    size_t len = st->lx.len, i = 0;
    call_cursor_t cur = call_cursor(st);
    region_t r;
    heading_t h;
    while (i < len) {
        const call_t *c = call_at(&cur, i);
        if (c) {
            i = c->end;
        } else if (t[i] == '=' && at_line_start(t, i) && wm_scan_heading(&st->lx, cur, i, &h)) {
            wm_section_t *prev = &VEC(*sections, wm_section_t)[sections->n - 1];
            prev->body_length = i - prev->body_offset;
            i = h.line_end < len ? h.line_end + 1 : len;
            char *heading =
                wm_wikitext_fragment_to_plain(t + h.inner_start, h.inner_end - h.inner_start);
            if (add_section(sections, h.level, heading, i) < 0)
                return -1;
        } else if (t[i] == '<' && wm_scan_opaque_at(&st->lx, i, &r)) {
            i = r.end;
        } else {
            i++;
        }
    }
    wm_section_t *last = &VEC(*sections, wm_section_t)[sections->n - 1];
    last->body_length = len - last->body_offset;
    return 0;
}

int wm_wikitext_sections(const char *text, size_t len, wm_section_t **sections, size_t *n)
{
    structure_t st;
    vec_t out;
    *sections = NULL;
    *n = 0;
    if (!text)
        text = "", len = 0;
    if (wm_scan_structure(&st, text, len, false) < 0)
        return -1;
    vec_init(&out, sizeof(wm_section_t));
    int rc = add_section(&out, 0, wm_strndup("", 0), 0);
    if (rc == 0)
        rc = find_sections(&st, &out);
    wm_scan_free(&st);
    if (rc < 0) {
        wm_sections_free(VEC(out, wm_section_t), out.n);
        return -1;
    }
    *sections = VEC(out, wm_section_t);
    *n = out.n;
    return 0;
}

/* ------------------------------------------------------------------------ */
/* "Label: value" lines. */

typedef struct label_walk {
    structure_t *st;
    call_cursor_t cur;
    vec_t *labels;
} label_walk_t;

/* The '\n' ending the logical line at p (calls and comments may span
 * lines), or len. */
static size_t logical_line_end(label_walk_t *w, size_t p)
{
    size_t content_end;
    return wm_scan_line_end(&w->st->lx, w->cur, p, &content_end);
}

/* A label: short, no links, templates, pipes or URLs, and some text. */
static bool label_text_ok(const char *s, size_t n)
{
    if (n == 0 || n >= LABEL_MAX)
        return false;
    for (size_t k = 0; k < n; k++) {
        if (strchr("[]{}|\n", s[k]) || (s[k] == ':' && k + 2 < n && s[k + 1] == '/' && s[k + 2] == '/'))
            return false;
    }
    return true;
}

static int add_label(label_walk_t *w, size_t line, size_t label_start, size_t label_end,
                     size_t value_start, size_t value_end)
{
    const char *t = w->st->lx.text;
    if (!label_text_ok(t + label_start, label_end - label_start))
        return 0;
    char *label = wm_wikitext_fragment_to_plain(t + label_start, label_end - label_start);
    if (!label)
        return -1;
    size_t n = strlen(label);
    while (n && (label[n - 1] == ':' || is_space(label[n - 1])))
        label[--n] = '\0';
    if (n == 0) {
        free(label);
        return 0;
    }
    char *value = wm_strdup_trimmed(t + value_start, value_end - value_start);
    wm_label_t *l = value ? vec_push(w->labels) : NULL;
    if (!l) {
        free(label);
        free(value);
        return -1;
    }
    l->label = label;
    l->value = value;
    l->offset = line;
    return 0;
}

/* The first ':' separating a label in [p, end), or NO_POS.  Not the colon
 * of a URL ("http://") nor of a time ("12:00"). */
static size_t label_colon(const char *t, size_t p, size_t end)
{
    for (size_t q = p; q < end && q - p < LABEL_MAX; q++) {
        if (strchr("[]{}|<", t[q]))
            return NO_POS;
        if (t[q] != ':')
            continue;
        if (q + 2 < end && t[q + 1] == '/' && t[q + 2] == '/')
            return NO_POS;
        if (q > p && q + 1 < end && isdigit((unsigned char)t[q - 1]) && isdigit((unsigned char)t[q + 1]))
            return NO_POS;
        return q;
    }
    return NO_POS;
}

/* ";Label : value" or ";Label" followed by a ":value" line. */
static int definition_label(label_walk_t *w, size_t line, size_t p, size_t le, size_t *next)
{
    const char *t = w->st->lx.text;
    size_t len = w->st->lx.len;
    while (p < le && (t[p] == ';' || is_blank(t[p])))
        p++;
    size_t colon = label_colon(t, p, le);
    if (colon != NO_POS)
        return add_label(w, line, p, colon, colon + 1, le);
    if (le + 1 >= len || t[le + 1] != ':')
        return 0;
    size_t value_end = logical_line_end(w, le + 1);
    *next = value_end + 1;
    return add_label(w, line, p, le, le + 2, value_end);
}

/* "'''Label:''' value" or "'''Label''': value" (any quote run of 2 or more). */
static int bold_label(label_walk_t *w, size_t line, size_t p, size_t le)
{
    const char *t = w->st->lx.text;
    size_t quotes = run_length(t, le, p, '\'');
    size_t q = p + quotes;
    while (q < le && q - p < LABEL_MAX + quotes && !strchr("[{\n", t[q]) &&
           !(t[q] == '\'' && q + 1 < le && t[q + 1] == '\''))
        q++;
    if (q + 1 >= le || t[q] != '\'')
        return 0;
    size_t content_end = q, after = q + run_length(t, le, q, '\'');
    while (content_end > p + quotes && is_blank(t[content_end - 1]))
        content_end--;
    if (content_end > p + quotes && t[content_end - 1] == ':')
        return add_label(w, line, p + quotes, content_end - 1, after, le);
    while (after < le && is_blank(t[after]))
        after++;
    if (after < le && t[after] == ':')
        return add_label(w, line, p + quotes, q, after + 1, le);
    return 0;
}

static int label_line(label_walk_t *w, size_t line, size_t le, size_t *next)
{
    const char *t = w->st->lx.text;
    size_t p = line;
    if (p < le && is_blank(t[p]))
        return 0; /* a preformatted line */
    while (p < le && (t[p] == '*' || t[p] == '#' || t[p] == ':'))
        p++;
    while (p < le && is_blank(t[p]))
        p++;
    if (p >= le || t[p] == '=')
        return 0;
    if (t[p] == ';')
        return definition_label(w, line, p, le, next);
    if (t[p] == '\'' && p + 1 < le && t[p + 1] == '\'')
        return bold_label(w, line, p, le);
    size_t colon = label_colon(t, p, le);
    return colon == NO_POS ? 0 : add_label(w, line, p, colon, colon + 1, le);
}

/* +1 for a line opening a table ("{|"), -1 for one closing it ("|}"). */
static int table_marker(const char *t, size_t p, size_t le)
{
    while (p < le && (is_blank(t[p]) || t[p] == ':'))
        p++;
    if (p + 1 < le && t[p] == '{' && t[p + 1] == '|')
        return 1;
    if (p + 1 < le && t[p] == '|' && t[p + 1] == '}')
        return -1;
    return 0;
}

void wm_labels_free(wm_label_t *labels, size_t n)
{
    if (!labels)
        return;
    for (size_t k = 0; k < n; k++) {
        free(labels[k].label);
        free(labels[k].value);
    }
    free(labels);
}

static int find_labels(label_walk_t *w)
{
    const char *t = w->st->lx.text;
    size_t len = w->st->lx.len, i = 0;
    int depth = 0;
    while (i < len) {
        size_t le = logical_line_end(w, i), next = le + 1;
        int table = table_marker(t, i, le);
        int rc = 0;
        if (table > 0)
            depth++;
        else if (table < 0 && depth > 0)
            depth--;
        else if (depth == 0 && !call_at(&w->cur, i))
            rc = label_line(w, i, le, &next);
        if (rc < 0)
            return -1;
        i = next;
        call_at(&w->cur, i);
    }
    return 0;
}

int wm_wikitext_labels(const char *text, size_t len, wm_label_t **labels, size_t *n)
{
    structure_t st;
    vec_t out;
    *labels = NULL;
    *n = 0;
    if (!text)
        text = "", len = 0;
    if (wm_scan_structure(&st, text, len, false) < 0)
        return -1;
    vec_init(&out, sizeof(wm_label_t));
    label_walk_t w = {&st, call_cursor(&st), &out};
    int rc = find_labels(&w);
    wm_scan_free(&st);
    if (rc < 0) {
        wm_labels_free(VEC(out, wm_label_t), out.n);
        return -1;
    }
    *labels = VEC(out, wm_label_t);
    *n = out.n;
    return 0;
}

