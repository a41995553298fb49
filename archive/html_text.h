/* HTML as plain text, through libxml2's HTML parser: what schedule exports
 * put in abstracts, descriptions and biographies (Pentabarf and old frab
 * write HTML, often entity-escaped once or twice; pretalx renders Markdown
 * that may carry HTML) becomes the text a reader sees, with paragraphs
 * apart and list items on lines of their own.
 *
 * Everything returned is malloc'd and the caller's to free; NULL means
 * out of memory.  Nothing here prints: libxml2's error reports are turned
 * off for each parse. */
#ifndef WM_HTML_TEXT_H
#define WM_HTML_TEXT_H

#include <stdbool.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* How many times escaped text is decoded at most ("&amp;amp;#39;" needs
 * three): enough for every producer seen, and a bound on the work. */
#define WM_HTML_MAX_ROUNDS 3

/* The plain text of an HTML fragment or document: tags dropped (the text of
 * <script>, <style> and <head> too), entity references decoded, whitespace
 * collapsed as a browser would, trimmed.  Blocks (<p>, <div>, headings,
 * <blockquote>, <pre>, tables) are separated by a blank line ("\n\n"), a
 * <br> and each row or list item starts a new line, list items with "- "
 * (or "N. " in an <ol>).  Markup that was escaped ("&lt;p&gt;", up to
 * WM_HTML_MAX_ROUNDS deep) is markup, and an entity left escaped in the
 * text ("&amp;#39;") is decoded too.  A '<' that starts no known HTML tag
 * ("<ML>", "a < b") is text.  Linear in len.  libxml2 stops at 256 nested
 * elements: text nested deeper than that is lost, text before it kept. */
char *wm_html_to_plain(const char *text, size_t len);

/* text with its entity references (HTML 4's names, &apos;, numeric)
 * decoded, again while some remain, at most WM_HTML_MAX_ROUNDS times;
 * nothing else changed.  For titles and names, where a "<" is text. */
char *wm_html_decode_entities(const char *text, size_t len);

/* text with escaped markup decoded: while it holds no HTML tag, its entity
 * references are decoded (at most WM_HTML_MAX_ROUNDS times), so
 * "&amp;lt;p&amp;gt;Hi" becomes "<p>Hi".  Text with a tag is returned as
 * it is. */
char *wm_html_unescape_markup(const char *text, size_t len);

/* Is text written in HTML rather than in Markdown or plain text with a tag
 * here and there: does it begin with a known HTML tag or a comment?
 * (Markdown may hold HTML, even whole lists, but does not start with it.) */
bool wm_html_is_document(const char *text, size_t len);

#ifdef __cplusplus
}
#endif

#endif
