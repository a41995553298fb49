/* The structure scanner of wikitext (archive/wikitext_scan.h): the lexer
 * of comments and extension tags, the brace matcher, headings. */
#include "archive/wikitext_scan.h"

#include <ctype.h>
#include <strings.h>

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
_Static_assert(N_OPAQUE_TAGS == WM_SCAN_OPAQUE_TAGS, "the lexer caches one search per tag");

bool wm_scan_opaque_tag_keeps(int tag)
{
    return opaque_tags[tag].keep;
}

static void lexer_init(lexer_t *lx, const char *text, size_t len)
{
    memset(lx, 0, sizeof *lx);
    lx->text = text;
    lx->len = len;
}

size_t wm_scan_cached_find(lexer_t *lx, find_cache_t *cache, size_t from, finder_fn find,
                           size_t arg)
{
    if (cache->valid && cache->from <= from && (cache->at == NO_POS || cache->at >= from))
        return cache->at;
    cache->valid = true;
    cache->from = from;
    cache->at = find(lx, from, arg);
    return cache->at;
}

size_t wm_scan_find_char(const lexer_t *lx, size_t from, size_t c)
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
        size_t lt = wm_scan_find_char(lx, from, '<');
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
bool wm_scan_tag_name_at(const char *t, size_t len, size_t i, char name[32], size_t *after)
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

static bool comment_at(lexer_t *lx, size_t i, region_t *r)
{
    if (i + 4 > lx->len || memcmp(lx->text + i, "<!--", 4) != 0)
        return false;
    size_t close = wm_scan_cached_find(lx, &lx->comment_close, i + 4, find_comment_close, 0);
    r->kind = REGION_COMMENT;
    r->content_start = i + 4;
    /* Like MediaWiki, an unclosed comment runs to the end of the text. */
    r->content_end = close == NO_POS ? lx->len : close;
    r->end = close == NO_POS ? lx->len : close + 3;
    return true;
}

/* Is there a comment or a complete extension tag at i?  An extension tag
 * without its closing tag is plain text, as in MediaWiki. */
bool wm_scan_opaque_at(lexer_t *lx, size_t i, region_t *r)
{
    char name[32];
    size_t after;
    if (lx->text[i] != '<')
        return false;
    if (comment_at(lx, i, r))
        return true;
    if (i + 1 >= lx->len || lx->text[i + 1] == '/' ||
        !wm_scan_tag_name_at(lx->text, lx->len, i, name, &after))
        return false;
    int tag = opaque_tag_index(name);
    if (tag < 0)
        return false;
    size_t gt = wm_scan_cached_find(lx, &lx->tag_close, after, wm_scan_find_char, '>');
    if (gt == NO_POS)
        return false;
    r->kind = REGION_TAG;
    r->tag = tag;
    r->content_start = r->content_end = r->end = gt + 1;
    if (lx->text[gt - 1] == '/')
        return true;
    size_t close =
        wm_scan_cached_find(lx, &lx->closing[tag], gt + 1, find_closing_tag, (size_t)tag);
    if (close == NO_POS)
        return false;
    r->content_end = close;
    r->end = closing_tag_end(lx->text, lx->len, close, opaque_tags[tag].name);
    return true;
}

/* ------------------------------------------------------------------------ */
/* The brace matcher. */

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
        if (wm_scan_opaque_at(&st->lx, i, &r))
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

void wm_scan_free(structure_t *st)
{
    vec_free(&st->pieces);
    vec_free(&st->open_parts);
    vec_free(&st->calls);
    vec_free(&st->call_parts);
    vec_free(&st->links);
}

/* Match the braces of text; 0, or -1 when out of memory (st freed). */
int wm_scan_structure(structure_t *st, const char *text, size_t len, bool want_links)
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
            wm_scan_free(st);
            return -1;
        }
    }
    /* Unclosed pieces are plain text; what completed inside them stays. */
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Headings. */

/* Walk the line at p to its end (a comment or a call may span lines) and
 * find where its visible content stops: comments are not content. */
size_t wm_scan_line_end(lexer_t *lx, call_cursor_t cur, size_t p, size_t *content_end)
{
    const char *t = lx->text;
    size_t q = p, last = p;
    region_t r;
    while (q < lx->len && t[q] != '\n') {
        const call_t *c = call_at(&cur, q);
        if (c) {
            q = last = c->end;
        } else if (t[q] == '<' && wm_scan_opaque_at(lx, q, &r)) {
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
bool wm_scan_heading(lexer_t *lx, call_cursor_t cur, size_t p, heading_t *h)
{
    const char *t = lx->text;
    size_t end, lead = 0, trail = 0, level;
    h->line_end = wm_scan_line_end(lx, cur, p, &end);
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
