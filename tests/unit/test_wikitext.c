/* Unit tests for the wikitext tools: template calls and parameters,
 * sections, label lines and plain text, including the hard cases known from
 * mwparserfromhell's and MediaWiki's preprocessor tests, and pathological
 * inputs (deep nesting, unclosed openers, large texts) that must stay fast. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "archive/wikitext.h"

/* ---- helpers ---------------------------------------------------------- */

typedef struct found {
    wm_template_t *t;
    size_t n;
} found_t;

static found_t templates_of(const char *text)
{
    found_t f = {NULL, 0};
    assert_int_equal(wm_wikitext_templates(text, strlen(text), &f.t, &f.n), 0);
    return f;
}

static void found_free(found_t *f)
{
    wm_templates_free(f->t, f->n);
}

static void assert_param(const wm_template_t *t, const char *name, const char *value)
{
    const char *got = wm_template_param(t, name);
    if (!value) {
        assert_null(got);
        return;
    }
    assert_non_null(got);
    assert_string_equal(got, value);
}

/* The plain text of a literal, compared with the expected string. */
static void assert_plain(const char *wikitext, const char *expected)
{
    char *got = wm_wikitext_to_plain(wikitext, strlen(wikitext));
    assert_non_null(got);
    assert_string_equal(got, expected);
    free(got);
}

/* The name of the only template in text. */
static void assert_single_name(const char *text, const char *name)
{
    found_t f = templates_of(text);
    assert_int_equal(f.n, 1);
    assert_string_equal(f.t[0].name, name);
    found_free(&f);
}

/* ---- templates -------------------------------------------------------- */

static void test_template_simple(void **state)
{
    (void)state;
    const char *text = "intro {{Foo|bar|k = v |baz}} outro";
    found_t f = templates_of(text);
    assert_int_equal(f.n, 1);
    assert_string_equal(f.t[0].name, "Foo");
    assert_int_equal(f.t[0].offset, 6);
    assert_int_equal(f.t[0].length, strlen("{{Foo|bar|k = v |baz}}"));
    assert_int_equal(f.t[0].n_params, 3);
    assert_string_equal(f.t[0].params[0].name, "1");
    assert_true(f.t[0].params[0].positional);
    assert_string_equal(f.t[0].params[0].value, "bar");
    assert_string_equal(f.t[0].params[1].name, "k");
    assert_false(f.t[0].params[1].positional);
    assert_string_equal(f.t[0].params[1].value, "v");
    /* Positional numbering skips named parameters, like MediaWiki. */
    assert_string_equal(f.t[0].params[2].name, "2");
    assert_string_equal(f.t[0].params[2].value, "baz");
    found_free(&f);
}

static void test_template_several_and_none(void **state)
{
    (void)state;
    found_t f = templates_of("{{a}} text {{b|1}}\n{{c}}");
    assert_int_equal(f.n, 3);
    assert_string_equal(f.t[0].name, "A");
    assert_string_equal(f.t[1].name, "B");
    assert_string_equal(f.t[2].name, "C");
    assert_int_equal(f.t[2].offset, 19);
    found_free(&f);
    f = templates_of("no templates { here } [[x]] {x} }} {{");
    assert_int_equal(f.n, 0);
    found_free(&f);
    f = templates_of("");
    assert_int_equal(f.n, 0);
    found_free(&f);
}

/* Found by fuzz_wikitext: when no call in the text has a parameter, the
 * matcher's parameter list is empty (NULL) and was offset anyway, undefined
 * behaviour that clang's UBSan reports. */
static void test_template_none_with_parameters(void **state)
{
    (void)state;
    found_t f = templates_of("{{a}}");
    assert_int_equal(f.n, 1);
    assert_string_equal(f.t[0].name, "A");
    assert_int_equal(f.t[0].n_params, 0);
    assert_null(wm_template_param(&f.t[0], "1"));
    found_free(&f);
}

static void test_template_equals_in_value(void **state)
{
    (void)state;
    found_t f = templates_of("{{a|b=c=d|e==}}");
    assert_int_equal(f.n, 1);
    assert_string_equal(f.t[0].params[0].name, "b");
    assert_string_equal(f.t[0].params[0].value, "c=d");
    assert_param(&f.t[0], "e", "=");
    found_free(&f);
}

static void test_template_nested(void **state)
{
    (void)state;
    const char *text = "{{outer|x={{inner|1|y=2}}|{{second}}}} {{after}}";
    found_t f = templates_of(text);
    assert_int_equal(f.n, 2);
    assert_string_equal(f.t[0].name, "Outer");
    assert_int_equal(f.t[0].n_params, 2);
    assert_param(&f.t[0], "x", "{{inner|1|y=2}}");
    assert_param(&f.t[0], "1", "{{second}}");
    assert_string_equal(f.t[1].name, "After");
    /* Calls nested in a value are found by calling again on it. */
    const char *value = wm_template_param(&f.t[0], "x");
    found_t inner = templates_of(value);
    assert_int_equal(inner.n, 1);
    assert_string_equal(inner.t[0].name, "Inner");
    assert_param(&inner.t[0], "y", "2");
    found_free(&inner);
    found_free(&f);
}

static void test_template_link_pipes_do_not_split(void **state)
{
    (void)state;
    found_t f = templates_of("{{a|[[User:X|Y]]|b=[[c|d]] and [[e]]}}");
    assert_int_equal(f.n, 1);
    assert_int_equal(f.t[0].n_params, 2);
    assert_param(&f.t[0], "1", "[[User:X|Y]]");
    assert_param(&f.t[0], "b", "[[c|d]] and [[e]]");
    found_free(&f);
}

static void test_template_link_template(void **state)
{
    (void)state;
    found_t f = templates_of("{{foo|[[bar|{{baz|x}}]]|{{q}}=named}}");
    assert_int_equal(f.n, 1);
    assert_int_equal(f.t[0].n_params, 2);
    assert_param(&f.t[0], "1", "[[bar|{{baz|x}}]]");
    /* A name may itself hold a call: the first top-level '=' still names it. */
    assert_param(&f.t[0], "{{q}}", "named");
    found_free(&f);
}

static void test_template_crlf(void **state)
{
    (void)state;
    found_t f = templates_of("{{a\r\n|b = c\r\n|d\r\n}}");
    assert_int_equal(f.n, 1);
    assert_string_equal(f.t[0].name, "A");
    assert_param(&f.t[0], "b", "c");
    assert_param(&f.t[0], "1", "d");
    found_free(&f);
}

static void test_template_in_link(void **state)
{
    (void)state;
    found_t f = templates_of("[[User:X|{{smiley|big}}]] and [[{{tl|x}}]]");
    assert_int_equal(f.n, 2);
    assert_string_equal(f.t[0].name, "Smiley");
    assert_param(&f.t[0], "1", "big");
    assert_string_equal(f.t[1].name, "Tl");
    found_free(&f);
}

static void test_template_equals_in_nested_is_not_a_name(void **state)
{
    (void)state;
    found_t f = templates_of("{{a|{{b|c=d}}|[[e=f]]|<nowiki>g=h</nowiki>}}");
    assert_int_equal(f.n, 1);
    assert_int_equal(f.t[0].n_params, 3);
    for (size_t k = 0; k < 3; k++)
        assert_true(f.t[0].params[k].positional);
    assert_param(&f.t[0], "3", "<nowiki>g=h</nowiki>");
    found_free(&f);
}

static void test_template_opaque_contents(void **state)
{
    (void)state;
    const char *text = "{{a|x<!-- | y=z -->|r=<ref>p|q}}</ref>|m=<math>a|b</math>"
                       "|g=<gallery>\nF.jpg|c\n</gallery>|s=<syntaxhighlight>{{|}}</syntaxhighlight>"
                       "|p=<pre>|</pre>}}";
    found_t f = templates_of(text);
    assert_int_equal(f.n, 1);
    assert_int_equal(f.t[0].n_params, 6);
    assert_param(&f.t[0], "1", "x<!-- | y=z -->");
    assert_param(&f.t[0], "r", "<ref>p|q}}</ref>");
    assert_param(&f.t[0], "m", "<math>a|b</math>");
    assert_param(&f.t[0], "g", "<gallery>\nF.jpg|c\n</gallery>");
    assert_param(&f.t[0], "s", "<syntaxhighlight>{{|}}</syntaxhighlight>");
    assert_param(&f.t[0], "p", "<pre>|</pre>");
    found_free(&f);
}

static void test_template_literal_pipes(void **state)
{
    (void)state;
    found_t f = templates_of("{{a|b{{!}}c|d&#124;e}}");
    assert_int_equal(f.n, 1);
    assert_int_equal(f.t[0].n_params, 2);
    assert_param(&f.t[0], "1", "b{{!}}c");
    assert_param(&f.t[0], "2", "d&#124;e");
    found_free(&f);
}

static void test_template_arguments_are_not_templates(void **state)
{
    (void)state;
    found_t f = templates_of("{{{x}}} {{{y|default}}} {{a|{{{1|}}}|b}}");
    assert_int_equal(f.n, 1);
    assert_string_equal(f.t[0].name, "A");
    assert_param(&f.t[0], "1", "{{{1|}}}");
    assert_param(&f.t[0], "2", "b");
    found_free(&f);
    /* Five braces: a template whose name is an argument. */
    f = templates_of("{{{{{x}}}|y}}");
    assert_int_equal(f.n, 1);
    assert_string_equal(f.t[0].name, "{{{x}}}");
    assert_param(&f.t[0], "1", "y");
    found_free(&f);
    f = templates_of("{{{{{x}}}}}");
    assert_int_equal(f.n, 1);
    assert_string_equal(f.t[0].name, "{{{x}}}");
    assert_int_equal(f.t[0].length, 11);
    found_free(&f);
    /* Four braces: "{" + argument + "}", no template. */
    f = templates_of("{{{{x}}}}");
    assert_int_equal(f.n, 0);
    found_free(&f);
    /* A template whose name is a template. */
    f = templates_of("{{{{a|b}}|c}}");
    assert_int_equal(f.n, 1);
    assert_string_equal(f.t[0].name, "{{a|b}}");
    assert_param(&f.t[0], "1", "c");
    found_free(&f);
}

static void test_template_whitespace_trimming(void **state)
{
    (void)state;
    found_t f = templates_of("{{ 2023 session details\n|title=  A title \n| speakers = \n"
                             "| positional  \n}}");
    assert_int_equal(f.n, 1);
    assert_string_equal(f.t[0].name, "2023 session details");
    assert_param(&f.t[0], "title", "A title");
    assert_param(&f.t[0], "speakers", "");
    assert_param(&f.t[0], "1", "positional");
    found_free(&f);
}

static void test_template_name_normalisation(void **state)
{
    (void)state;
    assert_single_name("{{template:foo_bar}}", "Foo bar");
    assert_single_name("{{Template : Foo}}", "Foo");
    assert_single_name("{{subst:foo}}", "Foo");
    assert_single_name("{{safesubst:Template:foo}}", "Foo");
    assert_single_name("{{msgnw:foo}}", "Foo");
    assert_single_name("{{  foo   _  bar\n}}", "Foo bar");
    assert_single_name("{{foo<!-- a comment: with | pipe -->|x}}", "Foo");
    assert_single_name("{{<!-- c -->foo<!-- d -->}}", "Foo");
    assert_single_name("{{User:Sadads/sig}}", "User:Sadads/sig");
    assert_single_name("{{2023 speaker details/SPKR01}}", "2023 speaker details/SPKR01");
}

static void test_template_name_comment_then_param(void **state)
{
    (void)state;
    found_t f = templates_of("{{a|b<!-- x -->=c|<!-- y -->d = e}}");
    assert_int_equal(f.n, 1);
    assert_param(&f.t[0], "b", "c");
    assert_param(&f.t[0], "d", "e");
    found_free(&f);
}

static void test_parser_functions(void **state)
{
    (void)state;
    found_t f = templates_of("{{#switch:{{{1}}}|12=Technology|3=Lightning talk|#default=}}");
    assert_int_equal(f.n, 1);
    assert_string_equal(f.t[0].name, "#switch");
    assert_param(&f.t[0], "1", "{{{1}}}");
    assert_param(&f.t[0], "12", "Technology");
    assert_param(&f.t[0], "3", "Lightning talk");
    assert_param(&f.t[0], "#default", "");
    found_free(&f);
    f = templates_of("{{DISPLAYTITLE:A very_long title}} {{#if: x | yes | no }}");
    assert_int_equal(f.n, 2);
    assert_string_equal(f.t[0].name, "DISPLAYTITLE");
    assert_param(&f.t[0], "1", "A very_long title");
    assert_string_equal(f.t[1].name, "#if");
    assert_param(&f.t[1], "1", "x");
    assert_param(&f.t[1], "2", "yes");
    assert_param(&f.t[1], "3", "no");
    found_free(&f);
    assert_single_name("{{lc:ABC}}", "lc");
}

static void test_template_param_lookup(void **state)
{
    (void)state;
    found_t f = templates_of("{{a|Session_Type=x|1=first|second|1=third}}");
    assert_int_equal(f.n, 1);
    assert_param(&f.t[0], "session type", "x");
    assert_param(&f.t[0], "SESSION TYPE", "x");
    assert_param(&f.t[0], "session_type", "x");
    /* The last "1" wins, as in MediaWiki. */
    assert_param(&f.t[0], "1", "third");
    assert_param(&f.t[0], "missing", NULL);
    found_free(&f);
}

static void test_template_unclosed_and_unbalanced(void **state)
{
    (void)state;
    /* An unclosed call is ignored; what completed inside it stays. */
    found_t f = templates_of("{{outer|x= {{inner|1}} and more");
    assert_int_equal(f.n, 1);
    assert_string_equal(f.t[0].name, "Inner");
    found_free(&f);
    f = templates_of("}} {{a}} }}}} {{b|c}}}");
    assert_int_equal(f.n, 2);
    assert_string_equal(f.t[0].name, "A");
    assert_string_equal(f.t[1].name, "B");
    assert_param(&f.t[1], "1", "c");
    found_free(&f);
    /* A "[[" left open inside a call stops "}}" from closing it, as in MediaWiki. */
    f = templates_of("{{a|[[b}}");
    assert_int_equal(f.n, 0);
    found_free(&f);
    /* An unclosed comment runs to the end; an unclosed <nowiki> is text. */
    f = templates_of("{{a}}<!-- {{b}}");
    assert_int_equal(f.n, 1);
    found_free(&f);
    f = templates_of("<nowiki> {{a|b}}");
    assert_int_equal(f.n, 1);
    found_free(&f);
    f = templates_of("<nowiki>{{a}}</nowiki> {{b}}");
    assert_int_equal(f.n, 1);
    assert_string_equal(f.t[0].name, "B");
    found_free(&f);
}

static void test_template_era_2023(void **state)
{
    (void)state;
    const char *page =
        "{{2023 session details\n"
        "|title=Full title of the session\n"
        "|speakers={{2023 speaker wrapper|{{2023 speaker details/SPKR01}}"
        "{{2023 speaker details/SPKR02}}}}\n"
        "|track={{2023 track name|12}}\n"
        "|type={{2023 session type|3}}\n"
        "|state=confirmed\n|duration=30\n|do_not_record=\n|locale=en\n"
        "|abstract=Short abstract, converted from Markdown.\n"
        "|description=Longer description.\n|created=2023-05-01\n}}<languages/>";
    found_t f = templates_of(page);
    assert_int_equal(f.n, 1);
    const wm_template_t *t = &f.t[0];
    assert_string_equal(t->name, "2023 session details");
    assert_int_equal(t->offset, 0);
    assert_int_equal(t->length, strlen(page) - strlen("<languages/>"));
    assert_param(t, "title", "Full title of the session");
    assert_param(t, "track", "{{2023 track name|12}}");
    assert_param(t, "do_not_record", "");
    assert_param(t, "created", "2023-05-01");
    found_t speakers = templates_of(wm_template_param(t, "speakers"));
    assert_int_equal(speakers.n, 1);
    assert_string_equal(speakers.t[0].name, "2023 speaker wrapper");
    found_t each = templates_of(wm_template_param(&speakers.t[0], "1"));
    assert_int_equal(each.n, 2);
    assert_string_equal(each.t[1].name, "2023 speaker details/SPKR02");
    found_free(&each);
    found_free(&speakers);
    found_free(&f);
}

/* ---- sections --------------------------------------------------------- */

typedef struct sections {
    wm_section_t *s;
    size_t n;
} sections_t;

static sections_t sections_of(const char *text)
{
    sections_t s = {NULL, 0};
    assert_int_equal(wm_wikitext_sections(text, strlen(text), &s.s, &s.n), 0);
    return s;
}

static void assert_body(const char *text, const wm_section_t *s, const char *body)
{
    assert_int_equal(s->body_length, strlen(body));
    assert_memory_equal(text + s->body_offset, body, strlen(body));
}

static void test_sections_basic(void **state)
{
    (void)state;
    const char *text = "lead\n== One ==\nbody one\n=== Two ===\nbody two\n";
    sections_t s = sections_of(text);
    assert_int_equal(s.n, 3);
    assert_int_equal(s.s[0].level, 0);
    assert_string_equal(s.s[0].heading, "");
    assert_body(text, &s.s[0], "lead\n");
    assert_int_equal(s.s[1].level, 2);
    assert_string_equal(s.s[1].heading, "One");
    assert_body(text, &s.s[1], "body one\n");
    assert_int_equal(s.s[2].level, 3);
    assert_string_equal(s.s[2].heading, "Two");
    assert_body(text, &s.s[2], "body two\n");
    wm_sections_free(s.s, s.n);
}

static void test_sections_trailing_comments_and_markers(void **state)
{
    (void)state;
    const char *text = "== Description == <!--T:3-->\nd\n"
                       "==Other==<!-- c --> <!-- multi\nline -->\no\n"
                       "== <!--T:4--> Marked '''bold''' [[a|link]] ==\nm";
    sections_t s = sections_of(text);
    assert_int_equal(s.n, 4);
    assert_body(text, &s.s[0], "");
    assert_string_equal(s.s[1].heading, "Description");
    assert_body(text, &s.s[1], "d\n");
    assert_string_equal(s.s[2].heading, "Other");
    assert_body(text, &s.s[2], "o\n");
    assert_string_equal(s.s[3].heading, "Marked bold link");
    assert_body(text, &s.s[3], "m");
    wm_sections_free(s.s, s.n);
}

static void test_sections_crlf(void **state)
{
    (void)state;
    const char *text = "lead\r\n== One == \r\nbody\r\n";
    sections_t s = sections_of(text);
    assert_int_equal(s.n, 2);
    assert_string_equal(s.s[1].heading, "One");
    assert_body(text, &s.s[1], "body\r\n");
    wm_sections_free(s.s, s.n);
}

static void test_sections_levels(void **state)
{
    (void)state;
    const char *text = "= A =\n=== B ==\n==C===\n======= D =======\n=====\n==\n"
                       "==not closed\nx == y\n";
    sections_t s = sections_of(text);
    assert_int_equal(s.n, 6);
    assert_int_equal(s.s[1].level, 1);
    assert_string_equal(s.s[1].heading, "A");
    assert_int_equal(s.s[2].level, 2);
    assert_string_equal(s.s[2].heading, "= B");
    assert_int_equal(s.s[3].level, 2);
    assert_string_equal(s.s[3].heading, "C=");
    assert_int_equal(s.s[4].level, 6);
    assert_string_equal(s.s[4].heading, "= D =");
    /* A line of five '=' is a level-2 heading of "=". */
    assert_int_equal(s.s[5].level, 2);
    assert_string_equal(s.s[5].heading, "=");
    assert_body(text, &s.s[5], "==\n==not closed\nx == y\n");
    wm_sections_free(s.s, s.n);
}

static void test_sections_hidden_headings(void **state)
{
    (void)state;
    const char *text = "<nowiki>\n== no ==\n</nowiki>\n<pre>\n== no ==\n</pre>\n"
                       "<!--\n== no ==\n-->\n{{box|\n== no ==\n}}\n == no ==\n"
                       "== yes ==\nend";
    sections_t s = sections_of(text);
    assert_int_equal(s.n, 2);
    assert_string_equal(s.s[1].heading, "yes");
    assert_body(text, &s.s[1], "end");
    wm_sections_free(s.s, s.n);
}

static void test_sections_era_2014_and_2019(void **state)
{
    (void)state;
    const char *page2014 =
        "{{Submission-accepted}}\nSubmission no. 1012\n"
        "==== Title of the submission ====\nAuthors we love\n"
        "==== Type of submission (discussion, hot seat, panel, presentation, tutorial, workshop) ====\n"
        "presentation\n==== Author of the submission ====\n* Dirk Example\n"
        "* [[User:Fschulen|Frank Sample]]\n==== Personal homepage or blog ====\n"
        "==== Abstract (at least 300 words to describe your proposal) ====\nIn the early days\n";
    sections_t s = sections_of(page2014);
    assert_int_equal(s.n, 6);
    assert_int_equal(s.s[1].level, 4);
    assert_string_equal(s.s[1].heading, "Title of the submission");
    assert_body(page2014, &s.s[1], "Authors we love\n");
    assert_string_equal(s.s[2].heading,
                        "Type of submission (discussion, hot seat, panel, presentation, tutorial, workshop)");
    assert_body(page2014, &s.s[3], "* Dirk Example\n* [[User:Fschulen|Frank Sample]]\n");
    assert_body(page2014, &s.s[4], "");
    assert_body(page2014, &s.s[5], "In the early days\n");
    wm_sections_free(s.s, s.n);

    const char *page2019 = "=== Title ===\nWikidata for small libraries\n=== Session leader(s) ===\n"
                           "* [[User:Sadads|Alex Stinson]] ([[User talk:Sadads|talk]]) 12:00, 1 May 2019 (UTC)\n"
                           "[[Category:2019:Submissions]]\n";
    s = sections_of(page2019);
    assert_int_equal(s.n, 3);
    assert_string_equal(s.s[2].heading, "Session leader(s)");
    wm_sections_free(s.s, s.n);
}

/* ---- labels ----------------------------------------------------------- */

typedef struct labels {
    wm_label_t *l;
    size_t n;
} labels_t;

static labels_t labels_of(const char *text)
{
    labels_t l = {NULL, 0};
    assert_int_equal(wm_wikitext_labels(text, strlen(text), &l.l, &l.n), 0);
    return l;
}

static void assert_label(const labels_t *l, size_t k, const char *label, const char *value)
{
    assert_true(k < l->n);
    assert_string_equal(l->l[k].label, label);
    assert_string_equal(l->l[k].value, value);
}

static void test_labels_shapes(void **state)
{
    (void)state;
    const char *text = "Label: value\n"
                       "'''Session title:''' Building bridges with Wikidata\n"
                       "'''Track''': GLAM\n"
                       "* '''Language:''' English\n"
                       "; Format : Workshop\n"
                       ";Keywords\n:open data, maps\n"
                       "''Room:''   A1 \n";
    labels_t l = labels_of(text);
    assert_int_equal(l.n, 7);
    assert_label(&l, 0, "Label", "value");
    assert_int_equal(l.l[0].offset, 0);
    assert_label(&l, 1, "Session title", "Building bridges with Wikidata");
    assert_int_equal(l.l[1].offset, strlen("Label: value\n"));
    assert_label(&l, 2, "Track", "GLAM");
    assert_label(&l, 3, "Language", "English");
    assert_label(&l, 4, "Format", "Workshop");
    assert_label(&l, 5, "Keywords", "open data, maps");
    assert_label(&l, 6, "Room", "A1");
    wm_labels_free(l.l, l.n);
}

static void test_labels_rejected(void **state)
{
    (void)state;
    const char *text = "* [[User:Sadads|Alex Stinson]] ([[User talk:Sadads|talk]]) 12:00, 1 May 2019 (UTC)\n"
                       "See http://example.org: it is good\n"
                       "Lunch at 12:30 is fine\n"
                       "This line is far too long to be a label because it just keeps going on and on and on and on: x\n"
                       "{{tmpl|a: b}}\n"
                       "== Heading: no ==\n"
                       " preformatted: no\n"
                       "[[Link]]: no\n"
                       "no colon here\n"
                       "'''Jane Example'''\n";
    labels_t l = labels_of(text);
    assert_int_equal(l.n, 0);
    wm_labels_free(l.l, l.n);
}

static void test_labels_skipped_regions(void **state)
{
    (void)state;
    const char *text = "{{2023 session details\n|title=x\nNot: this\n}}\n"
                       "{| class=wikitable\n|-\n| Cell: no\n|}\n"
                       "<pre>\nPre: no\n</pre>\n<nowiki>\nNowiki: no\n</nowiki>\n"
                       "<!--\nComment: no\n-->\n"
                       "Yes: {{multi|\nline}} value\n";
    labels_t l = labels_of(text);
    assert_int_equal(l.n, 1);
    assert_label(&l, 0, "Yes", "{{multi|\nline}} value");
    wm_labels_free(l.l, l.n);
}

static void test_labels_era_2024(void **state)
{
    (void)state;
    const char *page = "'''Session title:''' Building bridges with Wikidata\n"
                       "'''Session type:''' Lecture (25 minutes)\n"
                       "'''Track:''' GLAM\n'''Language:''' English\n\n"
                       "== Description ==\nWe will talk.\n== Speakers ==\n'''Jane Example'''\n\n"
                       "Jane is a librarian.\n";
    labels_t l = labels_of(page);
    assert_int_equal(l.n, 4);
    assert_label(&l, 1, "Session type", "Lecture (25 minutes)");
    assert_label(&l, 3, "Language", "English");
    wm_labels_free(l.l, l.n);
}

/* ---- plain text ------------------------------------------------------- */

static void test_plain_links(void **state)
{
    (void)state;
    assert_plain("[[a|b]] [[c]] [[:Category:X]] [[d|]]", "b c Category:X d");
    assert_plain("x [[File:a.jpg|thumb|caption [[with|link]]]] y", "x y");
    assert_plain("x [[Category:2019:Submissions]]\n[[category : y]]", "x");
    assert_plain("[[User:Sadads|Alex '''Stinson''']]s", "Alex Stinsons");
    assert_plain("[https://example.org label text] and [https://bare.org] and https://keep.org",
                 "label text and and https://keep.org");
    assert_plain("[not a link] [[unclosed", "[not a link] [[unclosed");
}

static void test_plain_formatting(void **state)
{
    (void)state;
    assert_plain("''italic'' '''bold''' '''''both''''' ''''four''''", "italic bold both 'four'");
    assert_plain("it's", "it's");
    assert_plain("a<ref>note {{cite}}</ref> b<ref name=x/> c", "a b c");
    assert_plain("a <!-- hidden --> b", "a b");
    assert_plain("<nowiki>[[kept]] {{too}} &amp;</nowiki>", "[[kept]] {{too}} &");
    assert_plain("<b>bold</b> <span style=\"x\">s</span> 1 < 2 <unknown>",
                 "bold s 1 < 2 <unknown>");
    assert_plain("__NOTOC__ text __FORCETOC__ snake_case", "text snake_case");
    assert_plain("{{DISPLAYTITLE:x}}{{Submission-accepted}}Text {{#if:a|b}} here", "Text here");
    assert_plain("a{{!}}b{{=}}c", "a|b=c");
}

static void test_plain_entities(void **state)
{
    (void)state;
    assert_plain("&amp; &lt;b&gt; &quot;q&quot; &apos;", "& <b> \"q\" '");
    assert_plain("a&nbsp;b &ndash; &mdash; &hellip; &laquo;x&raquo; &copy; &reg; &eacute;",
                 "a b \xe2\x80\x93 \xe2\x80\x94 \xe2\x80\xa6 \xc2\xabx\xc2\xbb \xc2\xa9 \xc2\xae \xc3\xa9");
    assert_plain("&#124; &#x2014; &#X41; &#0; &#xD800; &#1114112;",
                 "| \xe2\x80\x94 A \xef\xbf\xbd \xef\xbf\xbd \xef\xbf\xbd");
    assert_plain("&bogus; & &amp &#; &#x;", "&bogus; & &amp &#; &#x;");
}

static void test_plain_translate(void **state)
{
    (void)state;
    assert_plain("<languages/>\n<translate>\n<!--T:1-->\nHello <tvar name=\"url\">[https://x.org site]</tvar> "
                 "world.\n\n<!--T:2-->\nSecond <tvar|code>X1</> para.\n</translate>",
                 "Hello site world.\n\nSecond X1 para.");
    assert_plain("== Description == <!--T:3-->\nText", "Description\n\nText");
}

static void test_plain_structure(void **state)
{
    (void)state;
    assert_plain("line one\nline two\n\n\n\npara two", "line one line two\n\npara two");
    assert_plain("intro\n* one\n* two\n#: three", "intro\n\none\n\ntwo\n\nthree");
    assert_plain("=== Title ===\nWikidata\n==Next==", "Title\n\nWikidata\n\nNext");
    assert_plain("; term : def", "term : def");
    assert_plain("a\n----\nb", "a\n\nb");
    assert_plain("   spaced \t out   ", "spaced out");
    assert_plain("", "");
    assert_plain("<!-- only -->", "");
}

static void test_plain_tables(void **state)
{
    (void)state;
    assert_plain("before\n{| class=\"wikitable\"\n|+ Caption\n|-\n! H1 !! H2\n|-\n"
                 "| style=\"x\" | c1 || c2 [[a|b]]\n|-\n| c3\n|}\nafter",
                 "before\n\nCaption H1 H2 c1 c2 b c3\n\nafter");
}

static void test_plain_invalid_utf8(void **state)
{
    (void)state;
    const char text[] = "ok \xff\xfe bad \xc3";
    char *got = wm_wikitext_to_plain(text, sizeof text - 1);
    assert_non_null(got);
    assert_string_equal(got, "ok \xef\xbf\xbd\xef\xbf\xbd bad \xef\xbf\xbd");
    free(got);
}

static void test_plain_era_2024_speakers(void **state)
{
    (void)state;
    assert_plain("'''[[User:Ahmed.A|Ahmed Ali]]'''\n\nAhmed works on ...", "Ahmed Ali\n\nAhmed works on ...");
}

/* ---- pathological inputs: linear time, bounded stack ------------------ */

static char *repeat(const char *unit, size_t times, const char *tail)
{
    size_t n = strlen(unit), m = strlen(tail);
    char *s = malloc(n * times + m + 1);
    assert_non_null(s);
    for (size_t k = 0; k < times; k++)
        memcpy(s + k * n, unit, n);
    memcpy(s + n * times, tail, m + 1);
    return s;
}

/* Run every function on text; return the number of top-level templates. */
static size_t run_all(const char *text, size_t len)
{
    wm_template_t *t;
    wm_section_t *s;
    wm_label_t *l;
    size_t nt, ns, nl;
    assert_int_equal(wm_wikitext_templates(text, len, &t, &nt), 0);
    assert_int_equal(wm_wikitext_sections(text, len, &s, &ns), 0);
    assert_true(ns >= 1);
    assert_int_equal(wm_wikitext_labels(text, len, &l, &nl), 0);
    char *plain = wm_wikitext_to_plain(text, len);
    assert_non_null(plain);
    free(plain);
    wm_templates_free(t, nt);
    wm_sections_free(s, ns);
    wm_labels_free(l, nl);
    return nt;
}

static void assert_plain_length(const char *text, size_t expected)
{
    char *plain = wm_wikitext_to_plain(text, strlen(text));
    assert_non_null(plain);
    assert_int_equal(strlen(plain), expected);
    free(plain);
}

static void test_deep_nesting(void **state)
{
    (void)state;
    char *open = repeat("{{a|", 100000, "x");
    assert_int_equal(run_all(open, strlen(open)), 0);
    /* Unclosed braces are text. */
    assert_plain_length(open, strlen(open));
    free(open);
    char *closed = repeat("{{a|", 100000, "x");
    size_t n = strlen(closed);
    closed = realloc(closed, n + 2 * 100000 + 1);
    assert_non_null(closed);
    memset(closed + n, '}', 2 * 100000);
    closed[n + 2 * 100000] = '\0';
    assert_int_equal(run_all(closed, strlen(closed)), 1);
    assert_plain_length(closed, 0);
    free(closed);
    char *run = repeat("{", 100000, "x");
    char *runs = repeat("}", 100000, "");
    char *both = malloc(strlen(run) + strlen(runs) + 1);
    assert_non_null(both);
    strcpy(both, run);
    strcat(both, runs);
    run_all(both, strlen(both));
    free(run);
    free(runs);
    free(both);
}

static void test_unclosed_openers(void **state)
{
    (void)state;
    static const char *const units[] = {
        "[[", "[[a|", "<nowiki>", "<ref name=x", "<pre ", "<!--", "[http://x ",
        "[[File:x|", "}}", "]]", "{{{", "&#x", "__A", "\n== x", "<tvar|", "{|\n|",
    };
    for (size_t k = 0; k < sizeof units / sizeof units[0]; k++) {
        char *text = repeat(units[k], 10000, " {{end|x}}");
        size_t found = run_all(text, strlen(text));
        if (k == 5)
            assert_int_equal(found, 0); /* inside the unclosed comment */
        else
            assert_int_equal(found, 1);
        free(text);
    }
}

static void test_unclosed_links(void **state)
{
    (void)state;
    char *text = repeat("[[", 10000, "x [[a|b]] {{t}} ]]");
    wm_label_t *l;
    size_t n;
    assert_int_equal(run_all(text, strlen(text)), 1);
    assert_int_equal(wm_wikitext_labels(text, strlen(text), &l, &n), 0);
    assert_int_equal(n, 0);
    free(text);
    text = repeat("[[a|", 10000, "x ]]");
    char *plain = wm_wikitext_to_plain(text, strlen(text));
    assert_non_null(plain);
    /* The last "[[a|" closes; the others stay text. */
    assert_int_equal(strlen(plain), 4 * 9999 + 1);
    assert_memory_equal(plain + strlen(plain) - 5, "[[a|x", 5);
    free(plain);
    free(text);
}

static void test_large_input(void **state)
{
    (void)state;
    const char *page = "'''Session title:''' Building bridges\n== Description == <!--T:3-->\n"
                       "Some ''text'' with [[a|links]], {{templates|x=y}} and &amp; entities.\n"
                       "* item [https://x.org label]\n{| \n| a || b\n|}\n<ref>r</ref>\n\n";
    size_t unit = strlen(page), times = 50u * 1000 * 1000 / unit;
    char *text = repeat(page, times, "");
    size_t len = strlen(text);
    assert_int_equal(run_all(text, len), times);
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_template_simple),
        cmocka_unit_test(test_template_several_and_none),
        cmocka_unit_test(test_template_none_with_parameters),
        cmocka_unit_test(test_template_equals_in_value),
        cmocka_unit_test(test_template_nested),
        cmocka_unit_test(test_template_link_pipes_do_not_split),
        cmocka_unit_test(test_template_in_link),
        cmocka_unit_test(test_template_link_template),
        cmocka_unit_test(test_template_crlf),
        cmocka_unit_test(test_template_equals_in_nested_is_not_a_name),
        cmocka_unit_test(test_template_opaque_contents),
        cmocka_unit_test(test_template_literal_pipes),
        cmocka_unit_test(test_template_arguments_are_not_templates),
        cmocka_unit_test(test_template_whitespace_trimming),
        cmocka_unit_test(test_template_name_normalisation),
        cmocka_unit_test(test_template_name_comment_then_param),
        cmocka_unit_test(test_parser_functions),
        cmocka_unit_test(test_template_param_lookup),
        cmocka_unit_test(test_template_unclosed_and_unbalanced),
        cmocka_unit_test(test_template_era_2023),
        cmocka_unit_test(test_sections_basic),
        cmocka_unit_test(test_sections_trailing_comments_and_markers),
        cmocka_unit_test(test_sections_crlf),
        cmocka_unit_test(test_sections_levels),
        cmocka_unit_test(test_sections_hidden_headings),
        cmocka_unit_test(test_sections_era_2014_and_2019),
        cmocka_unit_test(test_labels_shapes),
        cmocka_unit_test(test_labels_rejected),
        cmocka_unit_test(test_labels_skipped_regions),
        cmocka_unit_test(test_labels_era_2024),
        cmocka_unit_test(test_plain_links),
        cmocka_unit_test(test_plain_formatting),
        cmocka_unit_test(test_plain_entities),
        cmocka_unit_test(test_plain_translate),
        cmocka_unit_test(test_plain_structure),
        cmocka_unit_test(test_plain_tables),
        cmocka_unit_test(test_plain_invalid_utf8),
        cmocka_unit_test(test_plain_era_2024_speakers),
        cmocka_unit_test(test_deep_nesting),
        cmocka_unit_test(test_unclosed_openers),
        cmocka_unit_test(test_unclosed_links),
        cmocka_unit_test(test_large_input),
    };
    return cmocka_run_group_tests_name("wikitext", tests, NULL, NULL);
}
