/* Wikitext tools for a source-level extractor: find template calls and
 * their parameters, split a page into sections, find "Label: value" lines,
 * and turn wikitext into plain text.
 *
 * Every function here is linear in the input size and uses bounded stack
 * depth whatever the input (unbalanced braces, runaway nesting, 100,000
 * nested "{{"): nesting is tracked with counters or heap stacks, never with
 * recursion on the input's structure. */
#ifndef WM_WIKITEXT_H
#define WM_WIKITEXT_H

#include <stdbool.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct wm_template_param {
    char *name;      /* named parameter: trimmed name; positional: "1", "2", ... */
    char *value;     /* raw wikitext of the value, trimmed of surrounding whitespace */
    bool positional;
} wm_template_param_t;

/* One template call {{name|p1|k=v}} or parser function {{#switch:x|...}}. */
typedef struct wm_template {
    /* Normalised name: trimmed, "_" -> " ", runs of spaces collapsed, a
     * leading "Template:", "subst:", "safesubst:" or "msgnw:" removed, first
     * letter upper-cased (MediaWiki's first-letter case).  For a parser
     * function or magic word ("#switch:x", "DISPLAYTITLE:x") the name is the
     * part before the first ':' (kept as written, e.g. "#switch",
     * "DISPLAYTITLE") and the text after the ':' becomes the first
     * positional parameter. */
    char *name;
    wm_template_param_t *params;
    size_t n_params;
    size_t offset;   /* byte offset of "{{" in the text */
    size_t length;   /* bytes up to and including the closing "}}" */
} wm_template_t;

/* Find the template calls at the top level of text[0..len) (calls nested in a
 * parameter stay inside that parameter's raw value: call again on it).
 * Parameters split only on top-level '|' (not inside [[...]], nested {{...}},
 * {{{...}}}, <!-- -->, <nowiki>, <pre>, <ref>, <math>, <gallery>,
 * <syntaxhighlight>); the first top-level '=' names a parameter.  "{{!}}"
 * and "&#124;" are literal pipes.  Unclosed calls are ignored.
 * On success return 0 and set *templates (caller frees with
 * wm_templates_free) and *n; return -1 when out of memory. */
int wm_wikitext_templates(const char *text, size_t len, wm_template_t **templates, size_t *n);
void wm_templates_free(wm_template_t *templates, size_t n);

/* The value of parameter name (ASCII case-insensitive, "_" == " "), or NULL. */
const char *wm_template_param(const wm_template_t *tmpl, const char *name);

/* One section of a page.  Section 0 is the lead before the first heading
 * (level 0, heading ""). */
typedef struct wm_section {
    int level;          /* number of '=' (1-6); 0 for the lead */
    char *heading;      /* plain text of the heading: markup, comments and Translate markers removed */
    size_t body_offset; /* the body: the bytes after the heading line ... */
    size_t body_length; /* ... up to the next heading of any level */
} wm_section_t;

/* Split text into sections by "== heading ==" lines (trailing comments and
 * <!--T:n--> markers allowed after the closing '='s).  Headings inside
 * <nowiki>, <pre> or comments are not headings, nor are headings inside a
 * template call's parameters ({{box|\n== x ==\n}}): the call is one unit.
 * Return 0 or -1 (out of memory); free with wm_sections_free. */
int wm_wikitext_sections(const char *text, size_t len, wm_section_t **sections, size_t *n);
void wm_sections_free(wm_section_t *sections, size_t n);

/* A "Label: value" pair found on one line, in any of the shapes pages use:
 *   Label: value            '''Label:''' value         '''Label''': value
 *   * '''Label:''' value    ; Label : value            ;Label\n:value
 * The label is plain text (markup removed, no trailing ':'); the value is
 * the raw wikitext after it, trimmed. */
typedef struct wm_label {
    char *label;
    char *value;
    size_t offset;      /* byte offset of the line */
} wm_label_t;

/* Find label lines in text[0..len).  Lines inside templates, tables, <pre>,
 * <nowiki> and comments are skipped; a label must be short (under 80 bytes)
 * and may not contain a link or URL.  Return 0 or -1 (out of memory); free with
 * wm_labels_free. */
int wm_wikitext_labels(const char *text, size_t len, wm_label_t **labels, size_t *n);
void wm_labels_free(wm_label_t *labels, size_t n);

/* Plain text for a title or abstract: [[a|b]] -> b, [[a]] -> a, [[File:..]]
 * and [[Category:..]] dropped, [http://x label] -> label, bold/italic
 * quotes, heading '='s, list markers and table markup removed, <ref>...</ref>,
 * comments, templates and parser functions dropped, <nowiki> contents kept
 * literally, other HTML tags removed (their text kept), HTML entities
 * decoded (&amp; &nbsp; &#124; &#x2014; ...), Translate markup (<translate>,
 * <!--T:n-->, <tvar name=x>...</tvar> keeps its content, <languages/>)
 * removed, __MAGIC__ words removed.  Paragraph breaks become "\n\n";
 * other whitespace runs collapse to one space; the result is trimmed and
 * valid UTF-8.  Return a malloc'd string (caller frees) or NULL when out of
 * memory. */
char *wm_wikitext_to_plain(const char *text, size_t len);

#ifdef __cplusplus
}
#endif

#endif
