/* The structure scanner under every wikitext tool (internal to the
 * wikitext modules: archive/wikitext.c finds templates, sections and
 * labels with it, archive/wikitext_plain.c renders plain text on it).
 *
 * A brace matcher modelled on MediaWiki's preprocessor (Preprocessor_Hash):
 * runs of "{" and "[" are pushed on a heap stack, runs of "}" and "]" close
 * the innermost one, "|" and "=" split the innermost template.  Comments
 * and extension tags (<nowiki>, <pre>, <ref>...) are skipped whole by the
 * lexer.  The callers walk the text forward on top of what it found.
 *
 * Linear time: every look-ahead for a closing token ("-->", "</nowiki>",
 * ">") goes through a cache remembering the last answer, so a text full of
 * unclosed openers is not searched again and again.  Bounded stack: no
 * function recurses on the input's structure.
 *
 * The small helpers are static inline so that the modules share them
 * without exporting short names from the library. */
#ifndef WM_WIKITEXT_SCAN_H
#define WM_WIKITEXT_SCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

#define NO_POS SIZE_MAX

/* ------------------------------------------------------------------------ */
/* A small growable array of fixed-size items (one per stack or list). */

typedef struct vec {
    char *items;
    size_t n, cap, size;
} vec_t;

#define VEC(v, type) ((type *)(v).items)

static inline void vec_init(vec_t *v, size_t size)
{
    v->items = NULL;
    v->n = v->cap = 0;
    v->size = size;
}

/* A pointer to a new zeroed slot at the end, or NULL when out of memory. */
static inline void *vec_push(vec_t *v)
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

static inline void vec_free(vec_t *v)
{
    free(v->items);
    vec_init(v, v->size);
}

static inline bool is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r';
}

static inline bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}

/* Where needle[0..n) first occurs in hay[0..len), or NULL (memmem is a GNU extension). */
static inline const char *find_bytes(const char *hay, size_t len, const char *needle, size_t n)
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

static inline size_t run_length(const char *t, size_t len, size_t i, char c)
{
    size_t n = 0;
    while (i + n < len && t[i + n] == c)
        n++;
    return n;
}

/* ------------------------------------------------------------------------ */
/* The lexer: comments and extension tags, whose contents are opaque. */

/* The number of extension tags the lexer knows (its table's size). */
#define WM_SCAN_OPAQUE_TAGS 23

/* The last answer of a forward search: from position `from`, the first match
 * is at `at` (NO_POS: none).  Still right for any later start up to `at`. */
typedef struct find_cache {
    bool valid;
    size_t from, at;
} find_cache_t;

typedef struct lexer {
    const char *text;
    size_t len;
    find_cache_t comment_close;                  /* "-->" */
    find_cache_t tag_close;                      /* ">" */
    find_cache_t newline, bracket;               /* "\n", "]" (external links) */
    find_cache_t closing[WM_SCAN_OPAQUE_TAGS];   /* "</name>" */
} lexer_t;

typedef size_t (*finder_fn)(const lexer_t *lx, size_t from, size_t arg);

/* find(lx, from, arg), or the cache's answer when it still holds. */
size_t wm_scan_cached_find(lexer_t *lx, find_cache_t *cache, size_t from, finder_fn find,
                           size_t arg);
/* A finder: the first byte c at or after from, or NO_POS. */
size_t wm_scan_find_char(const lexer_t *lx, size_t from, size_t c);

/* The lower-cased tag name after "<" or "</" at i, and where it ends; the
 * name must be followed by a space, '/' or '>'. */
bool wm_scan_tag_name_at(const char *t, size_t len, size_t i, char name[32], size_t *after);

enum region_kind { REGION_COMMENT, REGION_TAG };

/* An opaque stretch of text: a comment or an extension tag with its content. */
typedef struct region {
    enum region_kind kind;
    int tag;                    /* the extension tag's index in the lexer's table */
    size_t content_start, content_end, end;
} region_t;

/* Is there a comment or a complete extension tag at i?  An extension tag
 * without its closing tag is plain text, as in MediaWiki. */
bool wm_scan_opaque_at(lexer_t *lx, size_t i, region_t *r);

/* Is the content of extension tag `tag` literal text worth keeping in
 * plain text (<nowiki>, <pre>), rather than dropped (<ref>, <math>)? */
bool wm_scan_opaque_tag_keeps(int tag);

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

/* Match the braces of text; 0, or -1 when out of memory (st freed).
 * Free with wm_scan_free(). */
int wm_scan_structure(structure_t *st, const char *text, size_t len, bool want_links);
void wm_scan_free(structure_t *st);

/* Walks the top-level calls in text order. */
typedef struct call_cursor {
    const call_t *calls;
    size_t n, next;
} call_cursor_t;

static inline call_cursor_t call_cursor(const structure_t *st)
{
    call_cursor_t cur = {VEC(st->calls, call_t), st->calls.n, 0};
    return cur;
}

/* The call covering position i, if any; moves the cursor forward. */
static inline const call_t *call_at(call_cursor_t *cur, size_t i)
{
    while (cur->next < cur->n && cur->calls[cur->next].end <= i)
        cur->next++;
    if (cur->next < cur->n && cur->calls[cur->next].offset <= i)
        return &cur->calls[cur->next];
    return NULL;
}

/* ------------------------------------------------------------------------ */
/* Headings: sections cut at them, plain text renders them as paragraphs. */

typedef struct heading {
    int level;
    size_t inner_start, inner_end;  /* the text between the '='s */
    size_t line_end;                /* the '\n' ending the line, or len */
} heading_t;

/* Walk the line at p to its end (a comment or a call may span lines): the
 * '\n' ending it, or len; *content_end is where its visible content stops
 * (comments are not content). */
size_t wm_scan_line_end(lexer_t *lx, call_cursor_t cur, size_t p, size_t *content_end);

/* Is the line at p (a line start holding '=') a heading?  The rules are
 * MediaWiki's: the level is the shorter '=' run, capped at 6. */
bool wm_scan_heading(lexer_t *lx, call_cursor_t cur, size_t p, heading_t *h);

#ifdef __cplusplus
}
#endif

#endif
