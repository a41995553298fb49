/* Wikitext tools for the extractor.
 *
 * At the core is a brace matcher modelled on MediaWiki's preprocessor
 * (Preprocessor_Hash): runs of "{" and "[" are pushed on a heap stack, runs
 * of "}" and "]" close the innermost one, "|" and "=" split the innermost
 * template.  Comments and extension tags (<nowiki>, <pre>, <ref>...) are
 * skipped whole.  Sections, label lines and the plain-text renderer all walk
 * the text forward on top of what the matcher found.
 *
 * Linear time: every look-ahead for a closing token ("-->", "</nowiki>",
 * ">") goes through a cache remembering the last answer, so a text full of
 * unclosed openers is not searched again and again.  Bounded stack: no
 * function recurses on the input's structure. */
#include "archive/wikitext.h"

#include "archive/util.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define NO_POS SIZE_MAX
#define LABEL_MAX 80

/* ------------------------------------------------------------------------ */
/* A small growable array of fixed-size items (one per stack or list). */

typedef struct vec {
    char *items;
    size_t n, cap, size;
} vec_t;

static void vec_init(vec_t *v, size_t size)
{
    v->items = NULL;
    v->n = v->cap = 0;
    v->size = size;
}

/* A pointer to a new zeroed slot at the end, or NULL when out of memory. */
static void *vec_push(vec_t *v)
{
    if (v->n == v->cap) {
        size_t cap = v->cap ? v->cap * 2 : 16;
        if (cap > SIZE_MAX / v->size)
            return NULL;
        char *items = realloc(v->items, cap * v->size);
        if (!items)
            return NULL;
        v->items = items;
        v->cap = cap;
    }
    void *slot = v->items + v->n * v->size;
    memset(slot, 0, v->size);
    v->n++;
    return slot;
}

static void vec_free(vec_t *v)
{
    free(v->items);
    vec_init(v, v->size);
}

#define VEC(v, type) ((type *)(v).items)

static bool is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r';
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}

/* Where needle[0..n) first occurs in hay[0..len), or NULL (memmem is a GNU extension). */
static const char *find_bytes(const char *hay, size_t len, const char *needle, size_t n)
{
    const char *end = hay + len;
    while ((size_t)(end - hay) >= n) {
        const char *p = memchr(hay, needle[0], (size_t)(end - hay) - n + 1);
        if (!p)
            return NULL;
        if (memcmp(p, needle, n) == 0)
            return p;
        hay = p + 1;
    }
    return NULL;
}

static size_t run_length(const char *t, size_t len, size_t i, char c)
{
    size_t n = 0;
    while (i + n < len && t[i + n] == c)
        n++;
    return n;
}

/* ------------------------------------------------------------------------ */
/* The lexer: comments and extension tags, whose contents are opaque. */

/* Extension tags the preprocessor does not look into.  keep: their content
 * is literal text worth keeping in plain text (otherwise it is dropped). */
static const struct {
    const char *name;
    bool keep;
} opaque_tags[] = {
    {"nowiki", true},        {"pre", true},           {"syntaxhighlight", true},
    {"source", true},        {"ref", false},          {"references", false},
    {"math", false},         {"chem", false},         {"gallery", false},
    {"score", false},        {"graph", false},        {"timeline", false},
    {"templatedata", false}, {"templatestyles", false}, {"mapframe", false},
    {"maplink", false},      {"imagemap", false},     {"inputbox", false},
    {"categorytree", false}, {"hiero", false},        {"indicator", false},
    {"charinsert", false},   {"section", false},
};
#define N_OPAQUE_TAGS (sizeof opaque_tags / sizeof opaque_tags[0])

/* The last answer of a forward search: from position `from`, the first match
 * is at `at` (NO_POS: none).  Still right for any later start up to `at`. */
typedef struct find_cache {
    bool valid;
    size_t from, at;
} find_cache_t;

typedef struct lexer {
    const char *text;
    size_t len;
    find_cache_t comment_close;            /* "-->" */
    find_cache_t tag_close;                /* ">" */
    find_cache_t newline, bracket;         /* "\n", "]" (external links) */
    find_cache_t closing[N_OPAQUE_TAGS];   /* "</name>" */
} lexer_t;

typedef size_t (*finder_fn)(const lexer_t *lx, size_t from, size_t arg);

static void lexer_init(lexer_t *lx, const char *text, size_t len)
{
    memset(lx, 0, sizeof *lx);
    lx->text = text;
    lx->len = len;
}

static size_t cached_find(lexer_t *lx, find_cache_t *cache, size_t from, finder_fn find,
                          size_t arg)
{
    if (cache->valid && cache->from <= from && (cache->at == NO_POS || cache->at >= from))
        return cache->at;
    cache->valid = true;
    cache->from = from;
    cache->at = find(lx, from, arg);
    return cache->at;
}

static size_t find_char(const lexer_t *lx, size_t from, size_t c)
{
    if (from >= lx->len)
        return NO_POS;
    const char *p = memchr(lx->text + from, (int)c, lx->len - from);
    return p ? (size_t)(p - lx->text) : NO_POS;
}

static size_t find_comment_close(const lexer_t *lx, size_t from, size_t unused)
{
    (void)unused;
    if (from >= lx->len)
        return NO_POS;
    const char *p = find_bytes(lx->text + from, lx->len - from, "-->", 3);
    return p ? (size_t)(p - lx->text) : NO_POS;
}

/* End of a closing tag "</name" at p: after optional spaces and '>', or NO_POS. */
static size_t closing_tag_end(const char *t, size_t len, size_t p, const char *name)
{
    size_t n = strlen(name);
    if (p + 2 + n > len || t[p + 1] != '/' || strncasecmp(t + p + 2, name, n) != 0)
        return NO_POS;
    size_t q = p + 2 + n;
    while (q < len && is_space(t[q]))
        q++;
    return q < len && t[q] == '>' ? q + 1 : NO_POS;
}

static size_t find_closing_tag(const lexer_t *lx, size_t from, size_t tag)
{
    while (from < lx->len) {
        size_t lt = find_char(lx, from, '<');
        if (lt == NO_POS)
            break;
        if (closing_tag_end(lx->text, lx->len, lt, opaque_tags[tag].name) != NO_POS)
            return lt;
        from = lt + 1;
    }
    return NO_POS;
}

/* The lower-cased tag name after "<" or "</" at i, and where it ends; the
 * name must be followed by a space, '/' or '>'. */
static bool tag_name_at(const char *t, size_t len, size_t i, char name[32], size_t *after)
{
    size_t q = i + 1, n = 0;
    if (q < len && t[q] == '/')
        q++;
    if (q >= len || !isalpha((unsigned char)t[q]))
        return false;
    while (q < len && isalnum((unsigned char)t[q]) && n < 31)
        name[n++] = (char)tolower((unsigned char)t[q++]);
    name[n] = '\0';
    if (q >= len || !(is_space(t[q]) || t[q] == '/' || t[q] == '>'))
        return false;
    *after = q;
    return true;
}

static int opaque_tag_index(const char *name)
{
    for (size_t k = 0; k < N_OPAQUE_TAGS; k++)
        if (opaque_tags[k].name[0] == name[0] && strcmp(opaque_tags[k].name, name) == 0)
            return (int)k;
    return -1;
}

enum region_kind { REGION_COMMENT, REGION_TAG };

/* An opaque stretch of text: a comment or an extension tag with its content. */
typedef struct region {
    enum region_kind kind;
    int tag;                    /* index in opaque_tags */
    size_t content_start, content_end, end;
} region_t;

static bool comment_at(lexer_t *lx, size_t i, region_t *r)
{
    if (i + 4 > lx->len || memcmp(lx->text + i, "<!--", 4) != 0)
        return false;
    size_t close = cached_find(lx, &lx->comment_close, i + 4, find_comment_close, 0);
    r->kind = REGION_COMMENT;
    r->content_start = i + 4;
    /* Like MediaWiki, an unclosed comment runs to the end of the text. */
    r->content_end = close == NO_POS ? lx->len : close;
    r->end = close == NO_POS ? lx->len : close + 3;
    return true;
}

/* Is there a comment or a complete extension tag at i?  An extension tag
 * without its closing tag is plain text, as in MediaWiki. */
static bool opaque_at(lexer_t *lx, size_t i, region_t *r)
{
    char name[32];
    size_t after;
    if (lx->text[i] != '<')
        return false;
    if (comment_at(lx, i, r))
        return true;
    if (i + 1 >= lx->len || lx->text[i + 1] == '/' || !tag_name_at(lx->text, lx->len, i, name, &after))
        return false;
    int tag = opaque_tag_index(name);
    if (tag < 0)
        return false;
    size_t gt = cached_find(lx, &lx->tag_close, after, find_char, '>');
    if (gt == NO_POS)
        return false;
    r->kind = REGION_TAG;
    r->tag = tag;
    r->content_start = r->content_end = r->end = gt + 1;
    if (lx->text[gt - 1] == '/')
        return true;
    size_t close = cached_find(lx, &lx->closing[tag], gt + 1, find_closing_tag, (size_t)tag);
    if (close == NO_POS)
        return false;
    r->content_end = close;
    r->end = closing_tag_end(lx->text, lx->len, close, opaque_tags[tag].name);
    return true;
}

/* ------------------------------------------------------------------------ */
/* The brace matcher. */

typedef struct piece {
    size_t start;       /* position of the first opening character */
    size_t count;       /* opening characters not matched yet */
    char open;          /* '{' or '[' */
    size_t parts_base;  /* its parts in structure_t.open_parts start here */
} piece_t;

typedef struct part {
    size_t start;       /* first byte after the '|' */
    size_t equals;      /* the first top-level '=', or NO_POS */
} part_t;

/* A completed {{...}} or {{{...}}} not nested in another completed one. */
typedef struct call {
    size_t offset, end;
    size_t parts_base, n_parts;   /* in structure_t.call_parts */
    bool argument;                /* {{{...}}} */
} call_t;

typedef struct span {
    size_t offset, end;
} span_t;

typedef struct structure {
    lexer_t lx;
    vec_t pieces;       /* piece_t, innermost last */
    vec_t open_parts;   /* part_t of the '{' pieces, stack-ordered */
    vec_t calls;        /* call_t, in text order */
    vec_t call_parts;   /* part_t */
    vec_t links;        /* span_t of every completed [[...]], when wanted */
    bool want_links;
} structure_t;

static piece_t *top_piece(structure_t *st)
{
    return st->pieces.n ? &VEC(st->pieces, piece_t)[st->pieces.n - 1] : NULL;
}

static int open_run(structure_t *st, size_t i, size_t *next)
{
    const char *t = st->lx.text;
    size_t n = run_length(t, st->lx.len, i, t[i]);
    *next = i + n;
    if (n < 2)
        return 0;
    piece_t *p = vec_push(&st->pieces);
    if (!p)
        return -1;
    p->start = i;
    p->count = n;
    p->open = t[i];
    p->parts_base = st->open_parts.n;
    return 0;
}

/* Record a completed call, forgetting the calls nested in it. */
static int record_call(structure_t *st, const piece_t *p, size_t offset, size_t end,
                       bool argument)
{
    call_t *calls = VEC(st->calls, call_t);
    size_t keep = st->calls.n;
    while (keep && calls[keep - 1].offset >= offset)
        keep--;
    if (keep < st->calls.n)
        st->call_parts.n = calls[keep].parts_base;
    st->calls.n = keep;
    call_t *c = vec_push(&st->calls);
    if (!c)
        return -1;
    c->offset = offset;
    c->end = end;
    c->argument = argument;
    c->parts_base = st->call_parts.n;
    c->n_parts = st->open_parts.n - p->parts_base;
    for (size_t k = p->parts_base; k < st->open_parts.n; k++) {
        part_t *part = vec_push(&st->call_parts);
        if (!part)
            return -1;
        *part = VEC(st->open_parts, part_t)[k];
    }
    return 0;
}

static int record_link(structure_t *st, size_t offset, size_t end)
{
    if (!st->want_links)
        return 0;
    span_t *s = vec_push(&st->links);
    if (!s)
        return -1;
    s->offset = offset;
    s->end = end;
    return 0;
}

/* A run of '}' or ']' at i closes (part of) the innermost piece when it
 * matches, taking 3 braces for an argument, 2 for a template or link. */
static int close_run(structure_t *st, size_t i, size_t *next)
{
    const char *t = st->lx.text;
    piece_t *p = top_piece(st);
    char open = t[i] == '}' ? '{' : '[';
    *next = i + 1;
    if (!p || p->open != open)
        return 0;
    /* Count no further than a match can use: a long run is consumed a few
     * characters at a time, and recounting it all would be quadratic. */
    size_t most = open == '{' ? 3 : 2, n = 0;
    if (most > p->count)
        most = p->count;
    while (n < most && i + n < st->lx.len && t[i + n] == t[i])
        n++;
    size_t match = n >= 2 ? n : 0;
    if (match < 2) {
        *next = i + n;
        return 0;
    }
    size_t offset = p->start + p->count - match;
    int rc = open == '{' ? record_call(st, p, offset, i + match, match == 3)
                         : record_link(st, offset, i + match);
    p->count -= match;
    st->open_parts.n = p->parts_base;
    if (p->count < 2)
        st->pieces.n--;
    *next = i + match;
    return rc;
}

static int note_pipe(structure_t *st, size_t i)
{
    piece_t *p = top_piece(st);
    if (!p || p->open != '{')
        return 0;
    part_t *part = vec_push(&st->open_parts);
    if (!part)
        return -1;
    part->start = i + 1;
    part->equals = NO_POS;
    return 0;
}

static void note_equals(structure_t *st, size_t i)
{
    piece_t *p = top_piece(st);
    if (!p || p->open != '{' || st->open_parts.n == p->parts_base)
        return;
    part_t *part = &VEC(st->open_parts, part_t)[st->open_parts.n - 1];
    if (part->equals == NO_POS)
        part->equals = i;
}

static int structure_step(structure_t *st, size_t i, size_t *next)
{
    region_t r;
    *next = i + 1;
    switch (st->lx.text[i]) {
    case '<':
        if (opaque_at(&st->lx, i, &r))
            *next = r.end;
        return 0;
    case '{':
    case '[':
        return open_run(st, i, next);
    case '}':
    case ']':
        return close_run(st, i, next);
    case '|':
        return note_pipe(st, i);
    case '=':
        note_equals(st, i);
        return 0;
    default:
        return 0;
    }
}

static bool structure_char(char c)
{
    switch (c) {
    case '<': case '{': case '[': case '}': case ']': case '|': case '=':
        return true;
    default:
        return false;
    }
}

static void structure_free(structure_t *st)
{
    vec_free(&st->pieces);
    vec_free(&st->open_parts);
    vec_free(&st->calls);
    vec_free(&st->call_parts);
    vec_free(&st->links);
}

/* Match the braces of text; 0, or -1 when out of memory (st freed). */
static int structure_scan(structure_t *st, const char *text, size_t len, bool want_links)
{
    memset(st, 0, sizeof *st);
    lexer_init(&st->lx, text, len);
    vec_init(&st->pieces, sizeof(piece_t));
    vec_init(&st->open_parts, sizeof(part_t));
    vec_init(&st->calls, sizeof(call_t));
    vec_init(&st->call_parts, sizeof(part_t));
    vec_init(&st->links, sizeof(span_t));
    st->want_links = want_links;
    size_t i = 0;
    while (i < len) {
        while (i < len && !structure_char(text[i]))
            i++;
        if (i >= len)
            break;
        if (structure_step(st, i, &i) < 0) {
            structure_free(st);
            return -1;
        }
    }
    /* Unclosed pieces are plain text; what completed inside them stays. */
    return 0;
}

/* Walks the top-level calls in text order. */
typedef struct call_cursor {
    const call_t *calls;
    size_t n, next;
} call_cursor_t;

static call_cursor_t call_cursor(const structure_t *st)
{
    call_cursor_t cur = {VEC(st->calls, call_t), st->calls.n, 0};
    return cur;
}

/* The call covering position i, if any; moves the cursor forward. */
static const call_t *call_at(call_cursor_t *cur, size_t i)
{
    while (cur->next < cur->n && cur->calls[cur->next].end <= i)
        cur->next++;
    if (cur->next < cur->n && cur->calls[cur->next].offset <= i)
        return &cur->calls[cur->next];
    return NULL;
}

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
    if (structure_scan(&st, text, len, false) < 0)
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
    structure_free(&st);
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

static char *plain_convert(const char *text, size_t len, bool at_line_start);

/* ------------------------------------------------------------------------ */
/* Headings. */

typedef struct heading {
    int level;
    size_t inner_start, inner_end;  /* the text between the '='s */
    size_t line_end;                /* the '\n' ending the line, or len */
} heading_t;

/* Walk the line at p to its end (a comment or a call may span lines) and
 * find where its visible content stops: comments are not content. */
static size_t line_content_end(lexer_t *lx, call_cursor_t cur, size_t p, size_t *content_end)
{
    const char *t = lx->text;
    size_t q = p, last = p;
    region_t r;
    while (q < lx->len && t[q] != '\n') {
        const call_t *c = call_at(&cur, q);
        if (c) {
            q = last = c->end;
        } else if (t[q] == '<' && opaque_at(lx, q, &r)) {
            q = r.end;
            if (r.kind != REGION_COMMENT)
                last = q;
        } else {
            if (!is_blank(t[q]))
                last = q + 1;
            q++;
        }
    }
    *content_end = last;
    return q;
}

/* Is the line at p (a line start holding '=') a heading?  The rules are
 * MediaWiki's: the level is the shorter '=' run, capped at 6. */
static bool heading_parse(lexer_t *lx, call_cursor_t cur, size_t p, heading_t *h)
{
    const char *t = lx->text;
    size_t end, lead = 0, trail = 0, level;
    h->line_end = line_content_end(lx, cur, p, &end);
    while (p + lead < end && t[p + lead] == '=')
        lead++;
    if (lead == 0)
        return false;
    if (p + lead == end) {
        /* A line of '='s only: "===" is a level-1 heading of "=". */
        if (lead < 3)
            return false;
        level = (lead - 1) / 2;
    } else {
        while (t[end - 1 - trail] == '=')
            trail++;
        level = lead < trail ? lead : trail;
    }
    if (level == 0)
        return false;
    if (level > 6)
        level = 6;
    h->level = (int)level;
    h->inner_start = p + level;
    h->inner_end = end - level;
    return true;
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
        } else if (t[i] == '=' && at_line_start(t, i) && heading_parse(&st->lx, cur, i, &h)) {
            wm_section_t *prev = &VEC(*sections, wm_section_t)[sections->n - 1];
            prev->body_length = i - prev->body_offset;
            i = h.line_end < len ? h.line_end + 1 : len;
            char *heading = plain_convert(t + h.inner_start, h.inner_end - h.inner_start, false);
            if (add_section(sections, h.level, heading, i) < 0)
                return -1;
        } else if (t[i] == '<' && opaque_at(&st->lx, i, &r)) {
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
    if (structure_scan(&st, text, len, false) < 0)
        return -1;
    vec_init(&out, sizeof(wm_section_t));
    int rc = add_section(&out, 0, wm_strndup("", 0), 0);
    if (rc == 0)
        rc = find_sections(&st, &out);
    structure_free(&st);
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
    return line_content_end(&w->st->lx, w->cur, p, &content_end);
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
    char *label = plain_convert(t + label_start, label_end - label_start, false);
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
    if (structure_scan(&st, text, len, false) < 0)
        return -1;
    vec_init(&out, sizeof(wm_label_t));
    label_walk_t w = {&st, call_cursor(&st), &out};
    int rc = find_labels(&w);
    structure_free(&st);
    if (rc < 0) {
        wm_labels_free(VEC(out, wm_label_t), out.n);
        return -1;
    }
    *labels = VEC(out, wm_label_t);
    *n = out.n;
    return 0;
}

/* ------------------------------------------------------------------------ */
/* HTML entities. */

static const struct {
    const char *name;
    uint32_t code;
} entities[] = {
    {"amp", '&'}, {"lt", '<'}, {"gt", '>'}, {"quot", '"'}, {"apos", '\''},
    {"nbsp", 0xa0}, {"ensp", 0x2002}, {"emsp", 0x2003}, {"thinsp", 0x2009},
    {"ndash", 0x2013}, {"mdash", 0x2014}, {"minus", 0x2212}, {"hellip", 0x2026},
    {"laquo", 0xab}, {"raquo", 0xbb}, {"lsaquo", 0x2039}, {"rsaquo", 0x203a},
    {"lsquo", 0x2018}, {"rsquo", 0x2019}, {"sbquo", 0x201a}, {"ldquo", 0x201c},
    {"rdquo", 0x201d}, {"bdquo", 0x201e}, {"bull", 0x2022}, {"middot", 0xb7},
    {"copy", 0xa9}, {"reg", 0xae}, {"trade", 0x2122}, {"deg", 0xb0}, {"plusmn", 0xb1},
    {"times", 0xd7}, {"divide", 0xf7}, {"para", 0xb6}, {"sect", 0xa7}, {"shy", 0xad},
    {"zwj", 0x200d}, {"zwnj", 0x200c}, {"lrm", 0x200e}, {"rlm", 0x200f},
    {"euro", 0x20ac}, {"pound", 0xa3}, {"yen", 0xa5}, {"cent", 0xa2}, {"curren", 0xa4},
    {"iexcl", 0xa1}, {"iquest", 0xbf}, {"acute", 0xb4}, {"cedil", 0xb8}, {"uml", 0xa8},
    {"macr", 0xaf}, {"ordf", 0xaa}, {"ordm", 0xba}, {"sup1", 0xb9}, {"sup2", 0xb2},
    {"sup3", 0xb3}, {"frac14", 0xbc}, {"frac12", 0xbd}, {"frac34", 0xbe}, {"micro", 0xb5},
    {"not", 0xac}, {"brvbar", 0xa6}, {"larr", 0x2190}, {"uarr", 0x2191}, {"rarr", 0x2192},
    {"darr", 0x2193}, {"harr", 0x2194}, {"rArr", 0x21d2}, {"le", 0x2264}, {"ge", 0x2265},
    {"ne", 0x2260}, {"asymp", 0x2248}, {"infin", 0x221e}, {"hearts", 0x2665},
    {"dagger", 0x2020}, {"Dagger", 0x2021}, {"permil", 0x2030}, {"prime", 0x2032},
    {"Agrave", 0xc0}, {"Aacute", 0xc1}, {"Acirc", 0xc2}, {"Atilde", 0xc3}, {"Auml", 0xc4},
    {"Aring", 0xc5}, {"AElig", 0xc6}, {"Ccedil", 0xc7}, {"Egrave", 0xc8}, {"Eacute", 0xc9},
    {"Ecirc", 0xca}, {"Euml", 0xcb}, {"Igrave", 0xcc}, {"Iacute", 0xcd}, {"Icirc", 0xce},
    {"Iuml", 0xcf}, {"ETH", 0xd0}, {"Ntilde", 0xd1}, {"Ograve", 0xd2}, {"Oacute", 0xd3},
    {"Ocirc", 0xd4}, {"Otilde", 0xd5}, {"Ouml", 0xd6}, {"Oslash", 0xd8}, {"Ugrave", 0xd9},
    {"Uacute", 0xda}, {"Ucirc", 0xdb}, {"Uuml", 0xdc}, {"Yacute", 0xdd}, {"THORN", 0xde},
    {"szlig", 0xdf}, {"agrave", 0xe0}, {"aacute", 0xe1}, {"acirc", 0xe2}, {"atilde", 0xe3},
    {"auml", 0xe4}, {"aring", 0xe5}, {"aelig", 0xe6}, {"ccedil", 0xe7}, {"egrave", 0xe8},
    {"eacute", 0xe9}, {"ecirc", 0xea}, {"euml", 0xeb}, {"igrave", 0xec}, {"iacute", 0xed},
    {"icirc", 0xee}, {"iuml", 0xef}, {"eth", 0xf0}, {"ntilde", 0xf1}, {"ograve", 0xf2},
    {"oacute", 0xf3}, {"ocirc", 0xf4}, {"otilde", 0xf5}, {"ouml", 0xf6}, {"oslash", 0xf8},
    {"ugrave", 0xf9}, {"uacute", 0xfa}, {"ucirc", 0xfb}, {"uuml", 0xfc}, {"yacute", 0xfd},
    {"thorn", 0xfe}, {"yuml", 0xff}, {"OElig", 0x152}, {"oelig", 0x153}, {"Scaron", 0x160},
    {"scaron", 0x161}, {"Yuml", 0x178}, {"fnof", 0x192}, {"circ", 0x2c6}, {"tilde", 0x2dc},
    {"Alpha", 0x391}, {"Beta", 0x392}, {"Gamma", 0x393}, {"Delta", 0x394}, {"Omega", 0x3a9},
    {"alpha", 0x3b1}, {"beta", 0x3b2}, {"gamma", 0x3b3}, {"delta", 0x3b4}, {"epsilon", 0x3b5},
    {"lambda", 0x3bb}, {"mu", 0x3bc}, {"pi", 0x3c0}, {"sigma", 0x3c3}, {"omega", 0x3c9},
};

static uint32_t entity_code(const char *name, size_t n)
{
    for (size_t k = 0; k < sizeof entities / sizeof entities[0]; k++)
        if (strlen(entities[k].name) == n && memcmp(entities[k].name, name, n) == 0)
            return entities[k].code;
    return 0;
}

/* Decode the entity at t[i] ('&'); its length, or 0 when there is none. */
static size_t entity_at(const char *t, size_t len, size_t i, uint32_t *code)
{
    size_t q = i + 1, start;
    bool hex = false, numeric = q < len && t[q] == '#';
    if (numeric) {
        q++;
        hex = q < len && (t[q] == 'x' || t[q] == 'X');
        q += hex;
    }
    start = q;
    uint64_t value = 0;
    while (q < len && q - start < 32 && (hex ? isxdigit((unsigned char)t[q])
                                             : numeric ? isdigit((unsigned char)t[q])
                                                       : isalnum((unsigned char)t[q]))) {
        if (numeric && value < 0x110000)
            value = value * (hex ? 16 : 10) +
                    (uint64_t)(isdigit((unsigned char)t[q]) ? t[q] - '0' : (tolower((unsigned char)t[q]) - 'a' + 10));
        q++;
    }
    if (q == start || q >= len || t[q] != ';')
        return 0;
    *code = numeric ? (uint32_t)(value < 0x110000 ? value : 0x110000) : entity_code(t + start, q - start);
    if (!numeric && *code == 0)
        return 0;
    if (*code == 0 || *code >= 0x110000 || (*code >= 0xd800 && *code <= 0xdfff))
        *code = 0xfffd;
    return q + 1 - i;
}

static size_t utf8_encode(uint32_t cp, char out[4])
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xc0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3f));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xe0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        out[2] = (char)(0x80 | (cp & 0x3f));
        return 3;
    }
    out[0] = (char)(0xf0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
    out[3] = (char)(0x80 | (cp & 0x3f));
    return 4;
}

/* ------------------------------------------------------------------------ */
/* Plain text. */

enum { WS_NONE, WS_SPACE, WS_PARA };
enum tag_effect { TAG_INLINE, TAG_SPACE, TAG_BLOCK };

/* Tags whose markup is dropped and whose text is kept. */
static const struct {
    const char *name;
    enum tag_effect effect;
} html_tags[] = {
    {"a", TAG_INLINE}, {"abbr", TAG_INLINE}, {"b", TAG_INLINE}, {"bdi", TAG_INLINE},
    {"bdo", TAG_INLINE}, {"big", TAG_INLINE}, {"cite", TAG_INLINE}, {"code", TAG_INLINE},
    {"data", TAG_INLINE}, {"del", TAG_INLINE}, {"dfn", TAG_INLINE}, {"em", TAG_INLINE},
    {"font", TAG_INLINE}, {"i", TAG_INLINE}, {"ins", TAG_INLINE}, {"kbd", TAG_INLINE},
    {"mark", TAG_INLINE}, {"q", TAG_INLINE}, {"rb", TAG_INLINE}, {"rp", TAG_INLINE},
    {"rt", TAG_INLINE}, {"rtc", TAG_INLINE}, {"ruby", TAG_INLINE}, {"s", TAG_INLINE},
    {"samp", TAG_INLINE}, {"small", TAG_INLINE}, {"span", TAG_INLINE}, {"strike", TAG_INLINE},
    {"strong", TAG_INLINE}, {"sub", TAG_INLINE}, {"sup", TAG_INLINE}, {"time", TAG_INLINE},
    {"tt", TAG_INLINE}, {"u", TAG_INLINE}, {"var", TAG_INLINE}, {"wbr", TAG_INLINE},
    {"translate", TAG_INLINE}, {"tvar", TAG_INLINE}, {"languages", TAG_INLINE},
    {"noinclude", TAG_INLINE}, {"includeonly", TAG_INLINE}, {"onlyinclude", TAG_INLINE},
    {"poem", TAG_INLINE}, {"br", TAG_SPACE}, {"td", TAG_SPACE}, {"th", TAG_SPACE},
    {"tr", TAG_SPACE}, {"blockquote", TAG_BLOCK}, {"caption", TAG_BLOCK},
    {"center", TAG_BLOCK}, {"dd", TAG_BLOCK}, {"div", TAG_BLOCK}, {"dl", TAG_BLOCK},
    {"dt", TAG_BLOCK}, {"h1", TAG_BLOCK}, {"h2", TAG_BLOCK}, {"h3", TAG_BLOCK},
    {"h4", TAG_BLOCK}, {"h5", TAG_BLOCK}, {"h6", TAG_BLOCK}, {"hr", TAG_BLOCK},
    {"li", TAG_BLOCK}, {"ol", TAG_BLOCK}, {"p", TAG_BLOCK}, {"table", TAG_BLOCK},
    {"tbody", TAG_BLOCK}, {"thead", TAG_BLOCK}, {"tfoot", TAG_BLOCK}, {"ul", TAG_BLOCK},
};

static int html_tag_index(const char *name)
{
    for (size_t k = 0; k < sizeof html_tags / sizeof html_tags[0]; k++)
        if (html_tags[k].name[0] == name[0] && strcmp(html_tags[k].name, name) == 0)
            return (int)k;
    return -1;
}

/* Where "]]" (or "|]]" for [[a|]]) is skipped when the walk reaches it. */
typedef struct marker {
    size_t pos, skip;
} marker_t;

typedef struct plain {
    structure_t *st;
    lexer_t *lx;
    const char *t;
    size_t len;
    call_cursor_t calls;
    size_t next_link;
    vec_t markers;      /* marker_t, innermost last */
    wm_buf_t out;
    int pending;        /* WS_*: whitespace owed before the next text */
    int newlines;       /* newlines in the current whitespace run */
    bool line_start;    /* only blanks and comments since the last newline */
    bool in_cell, header_cell;
    int table_depth;
    bool in_heading;
    size_t heading_end, heading_line_end;
    bool failed;
} plain_t;

static void plain_break(plain_t *pl, int kind)
{
    if (kind > pl->pending)
        pl->pending = kind;
}

static void plain_emit(plain_t *pl, const char *s, size_t n)
{
    if (pl->pending && pl->out.len && !pl->failed &&
        wm_buf_append_str(&pl->out, pl->pending == WS_PARA ? "\n\n" : " ") < 0)
        pl->failed = true;
    pl->pending = WS_NONE;
    pl->newlines = 0;
    pl->line_start = false;
    if (!pl->failed && wm_buf_append(&pl->out, s, n) < 0)
        pl->failed = true;
}

static void plain_space(plain_t *pl, char c)
{
    if (c != '\n') {
        plain_break(pl, WS_SPACE);
        return;
    }
    pl->newlines++;
    plain_break(pl, pl->newlines >= 2 ? WS_PARA : WS_SPACE);
    pl->line_start = true;
    pl->in_cell = false;
}

static void push_marker(plain_t *pl, size_t pos, size_t skip)
{
    marker_t *m = vec_push(&pl->markers);
    if (!m) {
        pl->failed = true;
        return;
    }
    m->pos = pos;
    m->skip = skip;
}

static size_t plain_entity(plain_t *pl, size_t i)
{
    uint32_t code;
    char bytes[4];
    size_t n = entity_at(pl->t, pl->len, i, &code);
    if (n == 0) {
        plain_emit(pl, "&", 1);
        return i + 1;
    }
    if (code == 0xa0 || code < 0x20 || code == 0x7f)
        plain_space(pl, code == '\n' ? '\n' : ' ');
    else
        plain_emit(pl, bytes, utf8_encode(code, bytes));
    return i + n;
}

/* <nowiki> and <pre> content: literal, except for entities. */
static void plain_literal(plain_t *pl, size_t start, size_t end)
{
    size_t i = start;
    while (i < end) {
        size_t q = i;
        if (is_space(pl->t[i])) {
            plain_space(pl, pl->t[i]);
            i++;
        } else if (pl->t[i] == '&') {
            i = plain_entity(pl, i);
        } else {
            while (q < end && !is_space(pl->t[q]) && pl->t[q] != '&')
                q++;
            plain_emit(pl, pl->t + i, q - i);
            i = q;
        }
    }
    pl->line_start = false;
}

/* A comment alone on its line vanishes with its newline, as in MediaWiki. */
static size_t plain_comment(plain_t *pl, size_t end)
{
    if (!pl->line_start)
        return end;
    size_t q = end;
    while (q < pl->len && is_blank(pl->t[q]))
        q++;
    return q < pl->len && pl->t[q] == '\n' ? q + 1 : end;
}

/* An HTML or Translate tag at i: dropped, its text kept.  0 when none. */
static size_t plain_tag(plain_t *pl, size_t i)
{
    const char *t = pl->t;
    char name[32];
    size_t after;
    if (i + 2 < pl->len && t[i + 1] == '/' && t[i + 2] == '>')
        return i + 3; /* old Translate "</>" closing <tvar|x> */
    if (i + 5 < pl->len && strncmp(t + i, "<tvar|", 6) == 0) {
        size_t q = i + 6;
        while (q < pl->len && q - i < 64 && t[q] != '>' && t[q] != '\n')
            q++;
        return q < pl->len && t[q] == '>' ? q + 1 : 0;
    }
    if (!tag_name_at(t, pl->len, i, name, &after))
        return 0;
    int k = html_tag_index(name);
    size_t gt = k < 0 ? NO_POS : cached_find(pl->lx, &pl->lx->tag_close, after, find_char, '>');
    if (gt == NO_POS)
        return 0;
    if (html_tags[k].effect != TAG_INLINE)
        plain_break(pl, html_tags[k].effect == TAG_BLOCK ? WS_PARA : WS_SPACE);
    return gt + 1;
}

static size_t plain_angle(plain_t *pl, size_t i)
{
    region_t r;
    if (opaque_at(pl->lx, i, &r)) {
        if (r.kind == REGION_COMMENT)
            return plain_comment(pl, r.end);
        if (opaque_tags[r.tag].keep)
            plain_literal(pl, r.content_start, r.content_end);
        return r.end;
    }
    size_t next = plain_tag(pl, i);
    if (next)
        return next;
    plain_emit(pl, "<", 1);
    return i + 1;
}

/* File and category links show nothing in the text. */
static bool hidden_link(const char *s, size_t n)
{
    static const char *const namespaces[] = {"file", "image", "category"};
    for (size_t k = 0; k < sizeof namespaces / sizeof namespaces[0]; k++) {
        size_t m = strlen(namespaces[k]), q = m;
        if (n <= m || strncasecmp(s, namespaces[k], m) != 0)
            continue;
        while (q < n && s[q] == ' ')
            q++;
        if (q < n && s[q] == ':')
            return true;
    }
    return false;
}

static const span_t *link_at(plain_t *pl, size_t i)
{
    const span_t *links = VEC(pl->st->links, span_t);
    while (pl->next_link < pl->st->links.n && links[pl->next_link].offset < i)
        pl->next_link++;
    if (pl->next_link < pl->st->links.n && links[pl->next_link].offset == i)
        return &links[pl->next_link];
    return NULL;
}

/* [[target|label]] shows label; [[target]] and [[target|]] show target. */
static size_t plain_link(plain_t *pl, const span_t *link)
{
    const char *t = pl->t;
    size_t s = link->offset + 2, close = link->end - 2, q = s;
    while (q < close && t[q] != '|' && t[q] != '\n' &&
           !((t[q] == '[' || t[q] == '{') && t[q + 1] == t[q]))
        q++;
    bool piped = q < close && t[q] == '|';
    size_t target = s;
    while (target < q && is_blank(t[target]))
        target++;
    if (target < q && t[target] == ':')
        target++;
    else if (hidden_link(t + target, q - target))
        return link->end;
    if (piped && q + 1 < close) {
        push_marker(pl, close, 2);
        return q + 1;
    }
    push_marker(pl, piped ? q : close, piped ? 3 : 2);
    return target;
}

static size_t url_scheme_length(const char *t, size_t len, size_t p)
{
    static const char *const schemes[] = {"http://", "https://", "ftp://", "ftps://",
                                          "sftp://", "irc://", "ircs://", "news:",
                                          "mailto:", "gopher://", "git://", "//"};
    if (p >= len)
        return 0;
    for (size_t k = 0; k < sizeof schemes / sizeof schemes[0]; k++) {
        if (tolower((unsigned char)t[p]) != schemes[k][0])
            continue;
        size_t n = strlen(schemes[k]);
        if (p + n <= len && strncasecmp(t + p, schemes[k], n) == 0)
            return n;
    }
    return 0;
}

/* [http://x label] shows label; [http://x] shows nothing.  0 when none. */
static size_t plain_external_link(plain_t *pl, size_t i)
{
    const char *t = pl->t;
    size_t scheme = url_scheme_length(t, pl->len, i + 1);
    if (!scheme)
        return 0;
    size_t url_end = i + 1 + scheme;
    while (url_end < pl->len && !is_space(t[url_end]) && !strchr("[]<>\"", t[url_end]))
        url_end++;
    size_t close = cached_find(pl->lx, &pl->lx->bracket, url_end, find_char, ']');
    size_t newline = cached_find(pl->lx, &pl->lx->newline, url_end, find_char, '\n');
    if (close == NO_POS || (newline != NO_POS && newline < close))
        return 0;
    if (close == url_end)
        return close + 1;
    push_marker(pl, close, 1);
    return url_end;
}

static size_t plain_bracket(plain_t *pl, size_t i)
{
    const span_t *link = i + 1 < pl->len && pl->t[i + 1] == '[' ? link_at(pl, i) : NULL;
    if (link)
        return plain_link(pl, link);
    size_t next = plain_external_link(pl, i);
    if (next)
        return next;
    plain_emit(pl, "[", 1);
    return i + 1;
}

/* '' and ''' (italic, bold) vanish; '''' keeps one apostrophe. */
static size_t plain_quotes(plain_t *pl, size_t i)
{
    size_t n = run_length(pl->t, pl->len, i, '\'');
    if (n == 1 || n == 4)
        plain_emit(pl, "'", 1);
    for (size_t k = 5; k < n; k++)
        plain_emit(pl, "'", 1);
    return i + n;
}

/* __NOTOC__ and other behaviour switches vanish. */
static size_t plain_underscore(plain_t *pl, size_t i)
{
    const char *t = pl->t;
    size_t q = i + 2;
    if (i + 1 < pl->len && t[i + 1] == '_') {
        while (q < pl->len && q - i < 40 && isupper((unsigned char)t[q]))
            q++;
        if (q > i + 2 && q + 1 < pl->len && t[q] == '_' && t[q + 1] == '_')
            return q + 2;
    }
    plain_emit(pl, "_", 1);
    return i + 1;
}

/* Skip a table cell's "attributes |" prefix if it has one. */
static size_t cell_content(plain_t *pl, size_t p)
{
    const char *t = pl->t;
    for (size_t q = p; q < pl->len && t[q] != '\n'; q++) {
        bool doubled = q + 1 < pl->len && t[q + 1] == t[q];
        if ((t[q] == '|' || t[q] == '[' || t[q] == '{') && doubled)
            return p;
        if (t[q] == '!' && doubled && pl->header_cell)
            return p;
        if (t[q] == '|')
            return q + 1;
    }
    return p;
}

static size_t start_cell(plain_t *pl, size_t p, bool header)
{
    pl->in_cell = true;
    pl->header_cell = header;
    pl->line_start = false;
    plain_break(pl, WS_SPACE);
    return cell_content(pl, p);
}

static size_t line_end(plain_t *pl, size_t p)
{
    size_t nl = cached_find(pl->lx, &pl->lx->newline, p, find_char, '\n');
    return nl == NO_POS ? pl->len : nl;
}

/* Table markup at a line start: 0 when there is none. */
static size_t plain_table_line(plain_t *pl, size_t i)
{
    const char *t = pl->t;
    char next = i + 1 < pl->len ? t[i + 1] : '\0';
    if ((t[i] == '{' && next == '|') || (pl->table_depth && (t[i] == '|' || t[i] == '!')))
        pl->newlines = 0; /* a markup line is not a blank line */
    if (t[i] == '{' && next == '|') {
        pl->table_depth++;
        plain_break(pl, WS_PARA);
        return line_end(pl, i);
    }
    if (pl->table_depth == 0 || (t[i] != '|' && t[i] != '!'))
        return 0;
    if (t[i] == '|' && next == '}') {
        pl->table_depth--;
        plain_break(pl, WS_PARA);
        return i + 2;
    }
    if (t[i] == '|' && next == '-') {
        plain_break(pl, WS_SPACE);
        return line_end(pl, i);
    }
    if (t[i] == '|' && next == '+')
        return start_cell(pl, i + 2, false);
    return start_cell(pl, i + 1, t[i] == '!');
}

/* Headings, list markers, rules and tables at a line start: 0 when none. */
static size_t plain_line_start(plain_t *pl, size_t i)
{
    const char *t = pl->t;
    heading_t h;
    size_t next = plain_table_line(pl, i);
    if (next)
        return next;
    if (t[i] == '=' && heading_parse(pl->lx, pl->calls, i, &h)) {
        pl->in_heading = true;
        pl->heading_end = h.inner_end;
        pl->heading_line_end = h.line_end;
        pl->line_start = false;
        plain_break(pl, WS_PARA);
        return h.inner_start;
    }
    size_t n = 0;
    if (strchr("*#:;", t[i]))
        while (i + n < pl->len && t[i + n] && strchr("*#:;", t[i + n]))
            n++;
    else if (t[i] == '-' && run_length(t, pl->len, i, '-') >= 4)
        n = run_length(t, pl->len, i, '-');
    if (n == 0)
        return 0;
    pl->line_start = false;
    plain_break(pl, WS_PARA);
    return i + n;
}

static size_t plain_cell_separator(plain_t *pl, size_t i)
{
    char c = pl->t[i];
    if (i + 1 < pl->len && pl->t[i + 1] == c && (c == '|' || pl->header_cell)) {
        plain_break(pl, WS_SPACE);
        return cell_content(pl, i + 2);
    }
    plain_emit(pl, pl->t + i, 1);
    return i + 1;
}

/* Bytes with a meaning somewhere; everything else is copied in runs. */
static bool plain_special(char c)
{
    switch (c) {
    case '\0': case '<': case '&': case '[': case '\'': case '_': case '|': case '!':
    case '=': case '{': case ']':
        return true;
    default:
        return is_space(c);
    }
}

static size_t plain_text(plain_t *pl, size_t i)
{
    size_t q = i + 1;
    while (q < pl->len && !plain_special(pl->t[q]))
        q++;
    plain_emit(pl, pl->t + i, q - i);
    return q;
}

static size_t plain_char(plain_t *pl, size_t i)
{
    char c = pl->t[i];
    if (is_space(c)) {
        plain_space(pl, c);
        return i + 1;
    }
    switch (c) {
    case '<':
        return plain_angle(pl, i);
    case '&':
        return plain_entity(pl, i);
    case '[':
        return plain_bracket(pl, i);
    case '\'':
        return plain_quotes(pl, i);
    case '_':
        return plain_underscore(pl, i);
    case '|':
    case '!':
        if (pl->in_cell)
            return plain_cell_separator(pl, i);
        break;
    default:
        break;
    }
    return plain_text(pl, i);
}

/* Things that happen at a position whatever its byte: a pending "]]", the
 * end of a heading, a template call.  NO_POS when nothing happened. */
static size_t plain_position(plain_t *pl, size_t i)
{
    while (pl->markers.n) {
        marker_t m = VEC(pl->markers, marker_t)[pl->markers.n - 1];
        if (m.pos > i)
            break;
        pl->markers.n--;
        if (m.pos == i)
            return i + m.skip;
    }
    if (pl->in_heading && i >= pl->heading_end) {
        pl->in_heading = false;
        plain_break(pl, WS_PARA);
        return i > pl->heading_line_end ? i : pl->heading_line_end;
    }
    const call_t *c = call_at(&pl->calls, i);
    if (!c)
        return NO_POS;
    size_t n = c->end - c->offset;
    /* {{!}} and {{=}} stand for the characters they name. */
    if (n == 5 && (memcmp(pl->t + i, "{{!}}", 5) == 0 || memcmp(pl->t + i, "{{=}}", 5) == 0))
        plain_emit(pl, pl->t[i + 2] == '!' ? "|" : "=", 1);
    return c->end;
}

static int link_order(const void *a, const void *b)
{
    const span_t *x = a, *y = b;
    return x->offset < y->offset ? -1 : x->offset > y->offset;
}

static void plain_walk(plain_t *pl)
{
    size_t i = 0;
    while (i < pl->len && !pl->failed) {
        size_t next = plain_position(pl, i);
        if (next == NO_POS && pl->line_start)
            next = plain_line_start(pl, i);
        if (next == NO_POS || next == 0)
            next = plain_char(pl, i);
        i = next;
    }
}

/* Plain text of text; at_line_start false for a fragment taken from inside a
 * line (a heading's or label's text), where "=" or "*" are not markup. */
static char *plain_convert(const char *text, size_t len, bool at_line_start)
{
    structure_t st;
    if (!text)
        text = "", len = 0;
    if (structure_scan(&st, text, len, true) < 0)
        return NULL;
    if (st.links.n > 1)
        qsort(st.links.items, st.links.n, sizeof(span_t), link_order);
    plain_t pl;
    memset(&pl, 0, sizeof pl);
    pl.st = &st;
    pl.lx = &st.lx;
    pl.t = text;
    pl.len = len;
    pl.calls = call_cursor(&st);
    pl.line_start = at_line_start;
    vec_init(&pl.markers, sizeof(marker_t));
    plain_walk(&pl);
    char *result = pl.failed ? NULL : wm_utf8_sanitize(pl.out.data ? pl.out.data : "", pl.out.len);
    wm_buf_free(&pl.out);
    vec_free(&pl.markers);
    structure_free(&st);
    return result;
}

char *wm_wikitext_to_plain(const char *text, size_t len)
{
    return plain_convert(text, len, true);
}
