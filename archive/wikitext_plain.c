/* Plain text of wikitext (wm_wikitext_to_plain in archive/wikitext.h):
 * markup dropped, link labels, list items and table cells kept as text,
 * paragraphs as blank lines, entities decoded.  One forward walk over the
 * text on top of the structure scanner (archive/wikitext_scan.h), so it is
 * linear and its stack bounded like the scanner. */
#include "archive/wikitext_plain.h"

#include "common/util.h"
#include "archive/wikitext.h"
#include "archive/wikitext_scan.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

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

/* The first c at or after from, or NO_POS, through cache (linear time). */
static size_t find_from(plain_t *pl, find_cache_t *cache, size_t from, char c)
{
    return wm_scan_cached_find(pl->lx, cache, from, wm_scan_find_char, (size_t)c);
}

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
    if (!wm_scan_tag_name_at(t, pl->len, i, name, &after))
        return 0;
    int k = html_tag_index(name);
    size_t gt = k < 0 ? NO_POS : find_from(pl, &pl->lx->tag_close, after, '>');
    if (gt == NO_POS)
        return 0;
    if (html_tags[k].effect != TAG_INLINE)
        plain_break(pl, html_tags[k].effect == TAG_BLOCK ? WS_PARA : WS_SPACE);
    return gt + 1;
}

static size_t plain_angle(plain_t *pl, size_t i)
{
    region_t r;
    if (wm_scan_opaque_at(pl->lx, i, &r)) {
        if (r.kind == REGION_COMMENT)
            return plain_comment(pl, r.end);
        if (wm_scan_opaque_tag_keeps(r.tag))
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
    size_t close = find_from(pl, &pl->lx->bracket, url_end, ']');
    size_t newline = find_from(pl, &pl->lx->newline, url_end, '\n');
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
    size_t nl = find_from(pl, &pl->lx->newline, p, '\n');
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
    if (t[i] == '=' && wm_scan_heading(pl->lx, pl->calls, i, &h)) {
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
    if (wm_scan_structure(&st, text, len, true) < 0)
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
    wm_scan_free(&st);
    return result;
}

char *wm_wikitext_to_plain(const char *text, size_t len)
{
    return plain_convert(text, len, true);
}

char *wm_wikitext_fragment_to_plain(const char *text, size_t len)
{
    return plain_convert(text, len, false);
}
