/* Unit tests for archive/html_text.c: HTML as plain text (paragraphs, list
 * items, breaks), entities escaped once and twice, escaped markup, broken
 * and hostile markup (unclosed tags, <script>, a megabyte of nesting). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "archive/html_text.h"

/* Assert that the plain text of html is expected. */
static void assert_plain(const char *html, const char *expected)
{
    char *plain = wm_html_to_plain(html, strlen(html));
    assert_non_null(plain);
    assert_string_equal(plain, expected);
    free(plain);
}

static void test_paragraphs_and_lists(void **state)
{
    (void)state;
    assert_plain("<p>One\n two</p><p>Three</p>", "One two\n\nThree");
    assert_plain("Intro<ul><li>a</li><li> b <b>bold</b></li></ul>After",
                 "Intro\n\n- a\n- b bold\n\nAfter");
    assert_plain("<ol start=\"3\"><li>x<li>y</ol>", "3. x\n4. y");
    assert_plain("<ol><li><p>loose</p></li><li><p>items</p></li></ol>", "1. loose\n\n2. items");
    assert_plain("<ul><li>a<ul><li>inner</li></ul></li><li>b</li></ul>", "- a\n- inner\n- b");
    assert_plain("line<br>next<br/>last", "line\nnext\nlast");
    assert_plain("<h2>Title</h2>\r\n<p>Text with <a href=\"https://x.org/\">a link</a>.</p>",
                 "Title\n\nText with a link.");
    assert_plain("<table><tr><td>a</td><td>b</td></tr><tr><td>c</td></tr></table>", "a b\nc");
    assert_plain("<pre>code\n  indented</pre>", "code\nindented");
    assert_plain("<p>An <img alt=\"owl\" src=\"o.png\"> here</p>", "An owl here");
}

static void test_entities_once_and_twice(void **state)
{
    (void)state;
    /* Pentabarf: HTML entity-escaped, and &#39; escaped twice. */
    assert_plain("&lt;p&gt;users&amp;#39; freedom &amp;amp; more&lt;/p&gt;&lt;p&gt;Next&lt;/p&gt;",
                 "users' freedom & more\n\nNext");
    assert_plain("<p>It&#39;s &quot;quoted&quot; &amp; caf&eacute; &#x263A; &apos;x&apos;</p>",
                 "It's \"quoted\" & caf\xc3\xa9 \xe2\x98\xba 'x'");
    assert_plain("<p>escaped twice: &amp;#39; and &amp;amp;</p>", "escaped twice: ' and &");
    assert_plain("&amp;lt;p&amp;gt;Deep&amp;lt;/p&amp;gt;", "Deep");
    assert_plain("no&nbsp;&nbsp;break", "no break");
    assert_plain("&#0; &#xD800; &#99999999; &bogus; & alone",
                 "\xef\xbf\xbd \xef\xbf\xbd \xef\xbf\xbd &bogus; & alone");

    char *decoded = wm_html_decode_entities("Q&amp;amp;A &lt;3", 18);
    assert_string_equal(decoded, "Q&A <3");
    free(decoded);
    char *unescaped = wm_html_unescape_markup("&lt;p&gt;x&lt;/p&gt;", 20);
    assert_string_equal(unescaped, "<p>x</p>");
    free(unescaped);
    unescaped = wm_html_unescape_markup("<p>&amp;lt;</p>", 15);   /* markup already: unchanged */
    assert_string_equal(unescaped, "<p>&amp;lt;</p>");
    free(unescaped);
}

static void test_text_that_is_not_markup(void **state)
{
    (void)state;
    assert_plain("What <ML> means, a < b, x<y> and <3", "What <ML> means, a < b, x<y> and <3");
    assert_plain("  plain   text \n ", "plain text");
    assert_true(wm_html_is_document(" <p>x</p>", 9));
    assert_true(wm_html_is_document("<small>x</small> y", 18));
    assert_false(wm_html_is_document("Intro <ul><li>a</li></ul>", 25));
    assert_true(wm_html_is_document("<!-- c -->x", 11));
    assert_false(wm_html_is_document("A <b>bold</b> word", 18));
    assert_false(wm_html_is_document("What <ML> means", 15));
    assert_false(wm_html_is_document("<ML> is", 7));
    assert_false(wm_html_is_document("**Markdown**", 12));
}

static void test_broken_and_hostile_markup(void **state)
{
    (void)state;
    assert_plain("<p>unclosed <b>bold <i>both", "unclosed bold both");
    assert_plain("<div><p>one<div>two</div></span></td><p>three", "one\n\ntwo\n\nthree");
    assert_plain("<script>alert('x')</script>Shown<style>p { color: red }</style> text",
                 "Shown text");
    assert_plain("<html><head><title>T</title></head><body><p>Body</p></body></html>", "Body");
    assert_plain("<p>attr <a href=\"x\" title=\"<b>\">link</a>", "attr link");
    assert_plain("<!-- a comment --><p>after</p>", "after");
    char *plain = wm_html_to_plain("<p>\xff\xfe bad utf-8</p>", 20);   /* libxml2 guesses Latin-1 */
    assert_non_null(plain);
    assert_non_null(strstr(plain, "bad utf-8"));
    free(plain);
}

static void test_empty_input(void **state)
{
    (void)state;
    assert_plain("", "");
    assert_plain(" \n\t", "");
    assert_plain("<p></p><ul><li></li></ul><br>", "");
    char *plain = wm_html_to_plain(NULL, 0);
    assert_string_equal(plain, "");
    free(plain);
}

/* A megabyte of one unit after a paragraph, then "x". */
static char *megabyte_of(const char *unit, size_t *len)
{
    static const char before[] = "<p>before</p>";
    size_t n = (1 << 20) / strlen(unit);
    *len = strlen(before) + n * strlen(unit) + 1;
    char *html = malloc(*len + 1);
    assert_non_null(html);
    strcpy(html, before);
    for (size_t i = 0; i < n; i++)
        memcpy(html + strlen(before) + i * strlen(unit), unit, strlen(unit));
    strcpy(html + *len - 1, "x");
    return html;
}

/* A megabyte of nesting, of unmatched closing tags, of escapes and of
 * stray '<': no crash, no quadratic time.  (libxml2 stops at 256 nested
 * elements: what lies deeper is lost, what came before is kept.) */
static void test_megabyte_of_nesting(void **state)
{
    (void)state;
    static const char *const units[] = {
        "<div>", "<b>", "<li>", "<ul>", "<span><p>", "<ul><li>", "<table><tr><td>", "</b>",
        "<b></i>", "<a href='", "<!--", "&amp;lt;p&amp;gt;", "<", "&", "<p>a</p>\n",
    };
    for (size_t u = 0; u < sizeof units / sizeof *units; u++) {
        size_t len;
        char *html = megabyte_of(units[u], &len);
        clock_t start = clock();
        char *plain = wm_html_to_plain(html, len);
        double seconds = (double)(clock() - start) / CLOCKS_PER_SEC;
        assert_non_null(plain);
        if (strcmp(units[u], "<!--") != 0)
            assert_non_null(strstr(plain, "before"));
        assert_true(seconds < 5.0);
        free(plain);
        free(html);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_paragraphs_and_lists),
        cmocka_unit_test(test_entities_once_and_twice),
        cmocka_unit_test(test_text_that_is_not_markup),
        cmocka_unit_test(test_broken_and_hostile_markup),
        cmocka_unit_test(test_empty_input),
        cmocka_unit_test(test_megabyte_of_nesting),
    };
    return cmocka_run_group_tests_name("html_text", tests, NULL, NULL);
}
