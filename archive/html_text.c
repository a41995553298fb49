/* HTML as plain text (see html_text.h).  libxml2's HTML parser builds the
 * tree (it knows HTML's implied and misnested tags, entities and broken
 * markup far better than any pattern could); a walk without recursion
 * writes the text, so that deep nesting costs no stack.  Before the parse,
 * escaped markup is decoded and every '<' that starts no known tag is
 * escaped, so that "<ML>" in prose stays text instead of vanishing as an
 * unknown element. */
#include "archive/html_text.h"

#include <ctype.h>
#include <libxml/HTMLparser.h>
#include <libxml/tree.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"

/* --- tags and entities in raw text --------------------------------------- */

/* Elements of HTML5 that libxml2's HTML 4 table does not know. */
static const char *const html5_blocks[] = {
    "article", "aside", "details", "figcaption", "figure", "footer", "header", "main",
    "nav", "section", "summary",
};
static const char *const html5_inlines[] = {"mark", "time", "wbr", "picture", "source", "video",
                                            "audio"};

static bool in_list(const char *name, const char *const *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(list[i], name) == 0)
            return true;
    return false;
}

#define COUNT(a) (sizeof(a) / sizeof *(a))

static bool is_html5_block(const char *name)
{
    return in_list(name, html5_blocks, COUNT(html5_blocks));
}

/* Is name (lower case) an HTML element?  *block: one that starts a block. */
static bool known_element(const char *name, bool *block)
{
    const htmlElemDesc *desc = htmlTagLookup((const xmlChar *)name);
    *block = desc ? !desc->isinline : is_html5_block(name);
    return desc || *block || in_list(name, html5_inlines, COUNT(html5_inlines));
}

/* Does a known tag ("<name" or "</name" followed by a space, '>' or '/')
 * start at p[i]?  *closing and *block say what kind. */
static bool tag_at(const char *p, size_t i, size_t len, bool *closing, bool *block)
{
    size_t j = i + 1;
    *closing = j < len && p[j] == '/';
    j += *closing;
    char name[16];
    size_t n = 0;
    while (j < len && isalnum((unsigned char)p[j]) && n < sizeof name - 1)
        name[n++] = (char)tolower((unsigned char)p[j++]);
    name[n] = '\0';
    if (!n || !isalpha((unsigned char)name[0]) || j >= len)
        return false;
    if (!isspace((unsigned char)p[j]) && p[j] != '>' && p[j] != '/')
        return false;
    return known_element(name, block);
}

/* The offset of the next c in p[from..len), len when there is none. */
static size_t next_of(const char *p, size_t len, size_t from, char c)
{
    const char *hit = from < len ? memchr(p + from, c, len - from) : NULL;
    return hit ? (size_t)(hit - p) : len;
}

static bool comment_at(const char *p, size_t i, size_t len)
{
    return i + 4 <= len && memcmp(p + i, "<!--", 4) == 0;
}

static bool has_tag(const char *p, size_t len)
{
    bool closing, block;
    for (size_t i = next_of(p, len, 0, '<'); i < len; i = next_of(p, len, i + 1, '<'))
        if (tag_at(p, i, len, &closing, &block) || comment_at(p, i, len))
            return true;
    return false;
}

bool wm_html_is_document(const char *text, size_t len)
{
    size_t i = 0;
    while (i < len && isspace((unsigned char)text[i]))
        i++;
    bool closing, block;
    return comment_at(text, i, len) || (i < len && text[i] == '<' && tag_at(text, i, len, &closing, &block));
}

/* A code point as UTF-8 into out (at least 4 bytes); the length.  What no
 * character may be (NUL, a surrogate, past U+10FFFF) becomes U+FFFD. */
static size_t utf8_encode(unsigned long cp, char *out)
{
    if (cp == 0 || (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
        cp = 0xFFFD;
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* "&#39;" or "&#x27;" at p[i]: its length (0 when it is none) and *cp. */
static size_t numeric_entity_at(const char *p, size_t i, size_t len, unsigned long *cp)
{
    size_t j = i + 2;
    bool hex = j < len && (p[j] == 'x' || p[j] == 'X');
    j += hex;
    size_t start = j;
    *cp = 0;
    while (j < len && j - start < 8 && (hex ? isxdigit((unsigned char)p[j]) : isdigit((unsigned char)p[j]))) {
        int digit = isdigit((unsigned char)p[j]) ? p[j] - '0' : tolower((unsigned char)p[j]) - 'a' + 10;
        *cp = *cp * (hex ? 16 : 10) + (unsigned long)digit;
        j++;
    }
    return j > start && j < len && p[j] == ';' ? j + 1 - i : 0;
}

/* The entity reference at p[i] (a '&'): its length, 0 when it is none, and
 * its code point in *cp. */
static size_t entity_at(const char *p, size_t i, size_t len, unsigned long *cp)
{
    if (i + 1 < len && p[i + 1] == '#')
        return numeric_entity_at(p, i, len, cp);
    char name[33];
    size_t n = 0;
    for (size_t j = i + 1; j < len && isalnum((unsigned char)p[j]) && n < sizeof name - 1; j++)
        name[n++] = p[j];
    name[n] = '\0';
    if (!n || i + 1 + n >= len || p[i + 1 + n] != ';')
        return 0;
    const htmlEntityDesc *desc = htmlEntityLookup((const xmlChar *)name);
    if (!desc && strcmp(name, "apos") != 0)   /* XML's, not HTML 4's, but written all the same */
        return 0;
    *cp = desc ? desc->value : '\'';
    return n + 2;
}

/* One round of entity decoding of p into out; *changed when one was. */
static int decode_once(const char *p, size_t len, wm_buf_t *out, bool *changed)
{
    *changed = false;
    size_t done = 0;
    for (size_t i = next_of(p, len, 0, '&'); i < len; i = next_of(p, len, i + 1, '&')) {
        unsigned long cp;
        size_t n = entity_at(p, i, len, &cp);
        if (!n)
            continue;
        char utf8[4];
        if (wm_buf_append(out, p + done, i - done) < 0 || wm_buf_append(out, utf8, utf8_encode(cp, utf8)) < 0)
            return -1;
        done = i + n;
        i = done - 1;
        *changed = true;
    }
    return wm_buf_append(out, p + done, len - done);
}

/* Decode rounds while entities remain (and, with until_tag, no tag shows). */
static char *decode_rounds(const char *text, size_t len, bool until_tag)
{
    if (!text)
        return strdup("");
    char *current = wm_strndup(text, len);
    for (int round = 0; current && round < WM_HTML_MAX_ROUNDS; round++) {
        if (until_tag && has_tag(current, len))
            break;
        wm_buf_t out = {0};
        bool changed;
        if (decode_once(current, len, &out, &changed) < 0) {
            wm_buf_free(&out);
            free(current);
            return NULL;
        }
        free(current);
        len = out.len;
        current = wm_buf_take(&out);
        wm_buf_free(&out);
        if (!changed)
            break;
    }
    return current;
}

char *wm_html_decode_entities(const char *text, size_t len)
{
    return decode_rounds(text, len, false);
}

char *wm_html_unescape_markup(const char *text, size_t len)
{
    return decode_rounds(text, len, true);
}

/* text with every '<' that starts no known tag or comment written "&lt;". */
static char *escape_stray_angles(const char *text, size_t len)
{
    wm_buf_t out = {0};
    size_t done = 0;
    bool closing, block, ok = true;
    for (size_t i = next_of(text, len, 0, '<'); i < len && ok; i = next_of(text, len, i + 1, '<')) {
        if (tag_at(text, i, len, &closing, &block) || comment_at(text, i, len) ||
            (i + 1 < len && text[i + 1] == '!'))
            continue;
        ok = wm_buf_append(&out, text + done, i - done) == 0 && wm_buf_append_str(&out, "&lt;") == 0;
        done = i + 1;
    }
    char *escaped = ok && wm_buf_append(&out, text + done, len - done) == 0 ? wm_buf_take(&out) : NULL;
    wm_buf_free(&out);
    return escaped;
}

/* --- the text of a tree -------------------------------------------------- */

typedef struct writer {
    wm_buf_t buf;
    int pending;         /* before the next text: 0 nothing, 1 a newline, 2 a blank line */
    bool space;          /* whitespace since the last text */
    char marker[24];     /* a list item's "- " or "N. ", written with its first text */
    int pre;             /* how many <pre> the walk is inside */
    bool oom;
} writer_t;

static void want_break(writer_t *w, int kind)
{
    if (!w->marker[0] && kind > w->pending)   /* an item's first block follows its marker */
        w->pending = kind;
}

/* What separates the text to come from the text written: a line break, a
 * blank line or a space, then the marker of an item that has no text yet.
 * Nothing before the first text: the result is trimmed as it is written. */
static void separate(writer_t *w)
{
    const char *separator = "";
    if (w->buf.len && w->pending)
        separator = w->pending == 2 ? "\n\n" : "\n";
    else if (w->buf.len && w->space && !w->marker[0])
        separator = " ";
    if (wm_buf_append_str(&w->buf, separator) < 0 || wm_buf_append_str(&w->buf, w->marker) < 0)
        w->oom = true;
    w->pending = 0;
    w->space = false;
    w->marker[0] = '\0';
}

/* The length of the whitespace at p (ASCII, or a no-break space), 0 when none. */
static size_t space_at(const unsigned char *p)
{
    if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == '\f' || *p == '\v')
        return 1;
    return p[0] == 0xC2 && p[1] == 0xA0 ? 2 : 0;
}

/* Text as a browser shows it: runs of whitespace one space, except that a
 * newline inside <pre> starts a line. */
static void put_text(writer_t *w, const char *text)
{
    const unsigned char *p = (const unsigned char *)text;
    while (*p && !w->oom) {
        size_t n = space_at(p);
        if (n) {
            if (w->pre && *p == '\n')
                want_break(w, 1);
            else
                w->space = true;
            p += n;
            continue;
        }
        const unsigned char *start = p;
        while (*p && !space_at(p))
            p++;
        separate(w);
        if (wm_buf_append(&w->buf, (const char *)start, (size_t)(p - start)) < 0)
            w->oom = true;
    }
}

/* A text node's content, with what is still escaped in it decoded ("&#39;"
 * of text that was escaped twice). */
static void put_text_node(writer_t *w, const xmlNode *node)
{
    const char *content = (const char *)node->content;
    if (!content)
        return;
    if (!strchr(content, '&')) {
        put_text(w, content);
        return;
    }
    char *decoded = wm_html_decode_entities(content, strlen(content));
    if (!decoded)
        w->oom = true;
    else
        put_text(w, decoded);
    free(decoded);
}

typedef enum element_kind {
    K_INLINE, K_SKIP, K_BREAK, K_BLOCK, K_PRE, K_LIST, K_ITEM, K_ROW, K_CELL, K_IMAGE
} element_kind_t;

static element_kind_t kind_of(const char *name)
{
    static const struct { const char *name; element_kind_t kind; } kinds[] = {
        {"script", K_SKIP}, {"style", K_SKIP}, {"head", K_SKIP}, {"template", K_SKIP},
        {"br", K_BREAK}, {"pre", K_PRE}, {"ul", K_LIST}, {"ol", K_LIST}, {"dir", K_LIST},
        {"menu", K_LIST}, {"li", K_ITEM}, {"tr", K_ROW}, {"dt", K_ROW}, {"dd", K_ROW},
        {"td", K_CELL}, {"th", K_CELL}, {"img", K_IMAGE},
    };
    for (size_t i = 0; i < COUNT(kinds); i++)
        if (strcmp(kinds[i].name, name) == 0)
            return kinds[i].kind;
    bool block;
    return known_element(name, &block) && block ? K_BLOCK : K_INLINE;
}

static bool named(const xmlNode *node, const char *name)
{
    return node && node->type == XML_ELEMENT_NODE && strcmp((const char *)node->name, name) == 0;
}

/* An <ol> counts its items in the node's _private (libxml2 leaves that
 * field to applications): numbering stays linear however long the list. */
static void start_list(xmlNode *list)
{
    long start = 1;
    xmlChar *value = named(list, "ol") ? xmlGetProp(list, (const xmlChar *)"start") : NULL;
    if (value) {
        start = strtol((const char *)value, NULL, 10);
        if (start < 0 || start > 1000000)
            start = 1;
        xmlFree(value);
    }
    list->_private = (void *)(intptr_t)(start - 1);
}

/* An item's marker waits for its text: an empty item writes nothing. */
static void start_item(writer_t *w, xmlNode *item)
{
    w->marker[0] = '\0';
    want_break(w, 1);
    snprintf(w->marker, sizeof w->marker, "- ");
    if (named(item->parent, "ol")) {
        intptr_t number = (intptr_t)item->parent->_private + 1;
        item->parent->_private = (void *)number;
        snprintf(w->marker, sizeof w->marker, "%ld. ", (long)number);
    }
}

static void put_image(writer_t *w, xmlNode *image)
{
    xmlChar *alt = xmlGetProp(image, (const xmlChar *)"alt");
    if (alt) {
        w->space = true;
        put_text(w, (const char *)alt);
        w->space = true;
        xmlFree(alt);
    }
}

/* Entering node: write what comes before its content.  Return whether its
 * content is wanted. */
static bool enter(writer_t *w, xmlNode *node)
{
    if (node->type == XML_TEXT_NODE || node->type == XML_CDATA_SECTION_NODE) {
        put_text_node(w, node);
        return false;
    }
    if (node->type != XML_ELEMENT_NODE)
        return false;
    switch (kind_of((const char *)node->name)) {
    case K_SKIP:
        return false;
    case K_BREAK:
        want_break(w, 1);
        break;
    case K_PRE:
        w->pre++;
        /* fall through */
    case K_BLOCK:
        want_break(w, 2);
        break;
    case K_LIST:
        start_list(node);
        want_break(w, named(node->parent, "li") ? 1 : 2);
        break;
    case K_ITEM:
        start_item(w, node);
        break;
    case K_ROW:
        want_break(w, 1);
        break;
    case K_CELL:
        w->space = true;
        break;
    case K_IMAGE:
        put_image(w, node);
        break;
    case K_INLINE:
        break;
    }
    return true;
}

/* Leaving node, whose content (if wanted) is written. */
static void leave(writer_t *w, xmlNode *node)
{
    if (node->type != XML_ELEMENT_NODE)
        return;
    switch (kind_of((const char *)node->name)) {
    case K_PRE:
        w->pre--;
        /* fall through */
    case K_BLOCK:
        want_break(w, 2);
        break;
    case K_LIST:
        want_break(w, named(node->parent, "li") ? 1 : 2);
        break;
    case K_ROW:
    case K_ITEM:
        want_break(w, 1);
        break;
    case K_CELL:
        w->space = true;
        break;
    default:
        break;
    }
}

/* Depth first, without recursion: a million nested tags need no stack. */
static void walk(writer_t *w, xmlNode *node)
{
    while (node && !w->oom) {
        if (enter(w, node) && node->children) {
            node = node->children;
            continue;
        }
        for (;;) {
            leave(w, node);
            if (node->next) {
                node = node->next;
                break;
            }
            node = node->parent;
            if (!node || node->type != XML_ELEMENT_NODE) {
                node = NULL;
                break;
            }
        }
    }
}

static bool blank(const char *text, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (!isspace((unsigned char)text[i]))
            return false;
    return true;
}

/* The text of html (markup decoded and stray '<' escaped already). */
static char *plain_of(const char *html)
{
    size_t len = strlen(html);
    if (blank(html, len))
        return strdup("");
    /* IGNORE_ENC: the text is UTF-8 whatever a <meta charset> in it says. */
    int options = HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING | HTML_PARSE_NONET | HTML_PARSE_RECOVER |
                  HTML_PARSE_IGNORE_ENC;
    htmlDocPtr doc = len <= INT32_MAX ? htmlReadMemory(html, (int)len, NULL, "UTF-8", options) : NULL;
    if (!doc)
        return NULL;
    writer_t w = {0};
    walk(&w, doc->children);
    xmlFreeDoc(doc);
    char *plain = w.oom ? NULL : wm_buf_take(&w.buf);
    wm_buf_free(&w.buf);
    return plain;
}

char *wm_html_to_plain(const char *text, size_t len)
{
    if (!text)
        return strdup("");
    char *unescaped = wm_html_unescape_markup(text, len);
    char *html = unescaped ? escape_stray_angles(unescaped, strlen(unescaped)) : NULL;
    char *plain = html ? plain_of(html) : NULL;
    free(unescaped);
    free(html);
    return plain;
}
