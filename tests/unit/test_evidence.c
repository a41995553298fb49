/* Unit tests for the evidence gatherers (archive/evidence.c) and the table
 * reader (archive/tables.c): each kind of evidence on its own, nesting
 * (templates in table cells, speaker lists inside a parameter, <br> between
 * names), listing pages, and malformed input that must stay linear. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "archive/evidence.h"
#include "archive/rules.h"
#include "archive/tables.h"
#include "common/util.h"

static wm_rules_t *rules;

static int setup(void **state)
{
    char *error = NULL;
    (void)state;
    return wm_rules_builtin(&rules, &error) == WM_OK ? 0 : -1;   /* (cmocka's set-up status) */
}

static int teardown(void **state)
{
    (void)state;
    wm_rules_free(rules);
    return 0;
}

static wm_evidence_list_t gather(const char *text)
{
    wm_evidence_list_t list = {0};
    assert_int_equal(wm_evidence_gather(&list, rules, NULL, text, strlen(text)), 0);
    wm_evidence_sort(&list);
    return list;
}

/* The first piece of evidence for field (after sorting), or NULL. */
static const wm_evidence_t *first(const wm_evidence_list_t *list, int field)
{
    for (size_t i = 0; i < list->n; i++)
        if (list->items[i].field == field)
            return &list->items[i];
    return NULL;
}

static void assert_evidence(const wm_evidence_list_t *list, int field, wm_evidence_kind_t kind,
                            const char *text)
{
    const wm_evidence_t *e = first(list, field);
    assert_non_null(e);
    assert_string_equal(wm_evidence_kind_name(e->kind), wm_evidence_kind_name(kind));
    assert_string_equal(e->text, text);
}

static void test_template_params(void **state)
{
    (void)state;
    wm_evidence_list_t list = gather(
        "{{Wikimania submission\n|session title=Maps for all\n|Session_Type=Workshop\n"
        "|presenter1=[[User:Mara_L|Mara Lindqvist]]\n|presenter2=Léa Dubois\n"
        "|summary=We map.\n|locale=fr\n|length=30\n|state=Accepted\n|unrelated=x}}");
    assert_evidence(&list, WM_FIELD_TITLE, WM_EVIDENCE_PARAM, "Maps for all");
    assert_evidence(&list, WM_FIELD_TYPE, WM_EVIDENCE_PARAM, "Workshop");
    assert_evidence(&list, WM_FIELD_SPEAKERS, WM_EVIDENCE_PARAM,
                    "* [[User:Mara_L|Mara Lindqvist]]\n* Léa Dubois");
    assert_evidence(&list, WM_FIELD_ABSTRACT, WM_EVIDENCE_PARAM, "We map.");
    assert_evidence(&list, WM_FIELD_LANGUAGE, WM_EVIDENCE_PARAM, "fr");
    assert_evidence(&list, WM_FIELD_DURATION, WM_EVIDENCE_PARAM, "30");
    assert_evidence(&list, WM_FIELD_STATUS, WM_EVIDENCE_PARAM, "Accepted");
    assert_int_equal(list.records, 1);
    wm_evidence_list_free(&list);
}

static void test_speaker_list_inside_parameter(void **state)
{
    (void)state;
    wm_evidence_list_t list = gather("{{Session|title=T|speakers=A One, [[User:B|B Two]] and C Three}}");
    assert_evidence(&list, WM_FIELD_SPEAKERS, WM_EVIDENCE_PARAM, "A One, [[User:B|B Two]] and C Three");
    wm_evidence_list_free(&list);
}

static void test_vertical_table(void **state)
{
    (void)state;
    wm_evidence_list_t list = gather(
        "{| class=\"wikitable\"\n! Title\n| Maps for all\n|-\n! Type || {{nowrap|Workshop}}\n|-\n"
        "! Speakers\n| Mara Lindqvist<br>Léa Dubois\n|-\n! style=\"width:20%\" | Abstract\n"
        "| First line\nsecond line\n|}\n");
    assert_evidence(&list, WM_FIELD_TITLE, WM_EVIDENCE_TABLE, "Maps for all");
    assert_evidence(&list, WM_FIELD_TYPE, WM_EVIDENCE_TABLE, "{{nowrap|Workshop}}");
    assert_evidence(&list, WM_FIELD_SPEAKERS, WM_EVIDENCE_TABLE, "Mara Lindqvist<br>Léa Dubois");
    assert_evidence(&list, WM_FIELD_ABSTRACT, WM_EVIDENCE_TABLE, "First line\nsecond line");
    wm_evidence_list_free(&list);
}

static void test_header_row_table(void **state)
{
    (void)state;
    wm_evidence_list_t one = gather("{|\n! Title !! Speakers\n|-\n| Maps || Mara\n|}\n");
    assert_evidence(&one, WM_FIELD_TITLE, WM_EVIDENCE_TABLE, "Maps");
    assert_evidence(&one, WM_FIELD_SPEAKERS, WM_EVIDENCE_TABLE, "Mara");
    assert_int_equal(one.records, 1);
    wm_evidence_list_free(&one);
    /* Several rows under a header row: a listing page. */
    wm_evidence_list_t grid = gather("{|\n! Title !! Speakers\n|-\n| Maps || Mara\n|-\n| Bots || Ann\n|}\n");
    assert_int_equal(grid.records, 2);
    wm_evidence_list_free(&grid);
}

static void test_definition_list(void **state)
{
    (void)state;
    wm_evidence_list_t list = gather("; Title : Maps for all\n;Type\n:Workshop\n");
    assert_evidence(&list, WM_FIELD_TITLE, WM_EVIDENCE_DEFINITION, "Maps for all");
    assert_evidence(&list, WM_FIELD_TYPE, WM_EVIDENCE_DEFINITION, "Workshop");
    wm_evidence_list_free(&list);
}

static void test_labels(void **state)
{
    (void)state;
    wm_evidence_list_t list = gather("'''Title:''' Maps for all\n'''Track''': GLAM\nLanguage: English\n");
    assert_evidence(&list, WM_FIELD_TITLE, WM_EVIDENCE_LABEL, "Maps for all");
    assert_evidence(&list, WM_FIELD_TRACK, WM_EVIDENCE_LABEL, "GLAM");
    assert_evidence(&list, WM_FIELD_LANGUAGE, WM_EVIDENCE_LABEL, "English");
    wm_evidence_list_free(&list);
}

static void test_headings(void **state)
{
    (void)state;
    wm_evidence_list_t list = gather("== Title ==\nMaps\n== Speakers ==\n* Mara\n* Léa\n"
                                     "== Abstract <!--T:3--> ==\nWe map.\n\nMore.\n");
    assert_evidence(&list, WM_FIELD_TITLE, WM_EVIDENCE_HEADING, "Maps");
    assert_evidence(&list, WM_FIELD_SPEAKERS, WM_EVIDENCE_HEADING, "* Mara\n* Léa");
    assert_evidence(&list, WM_FIELD_ABSTRACT, WM_EVIDENCE_HEADING, "We map.\n\nMore.");
    wm_evidence_list_free(&list);
}

static void test_byline(void **state)
{
    (void)state;
    wm_evidence_list_t list = gather("''by [[User:Mara_L|Mara Lindqvist]], Léa Dubois and Ann Other''\n"
                                     "by the end of the day we will know more.\n");
    assert_evidence(&list, WM_FIELD_SPEAKERS, WM_EVIDENCE_BYLINE,
                    "[[User:Mara_L|Mara Lindqvist]], Léa Dubois and Ann Other");
    assert_int_equal(list.records, 1);   /* the prose line is no by-line */
    wm_evidence_list_free(&list);
}

static void test_status_banner_and_category(void **state)
{
    (void)state;
    wm_evidence_list_t list = gather("{{Submission declined}}\nText.\n[[Category:Accepted submissions]]\n");
    assert_evidence(&list, WM_FIELD_STATUS, WM_EVIDENCE_BANNER, "rejected");
    assert_int_equal(list.items[list.n - 1].kind, WM_EVIDENCE_CATEGORY);
    assert_string_equal(list.items[list.n - 1].text, "accepted");
    wm_evidence_list_free(&list);
    wm_evidence_list_t none = gather("{{Accepted papers of the conference navigation box}}\n[[Category:Submissions]]\n");
    assert_null(first(&none, WM_FIELD_STATUS));
    wm_evidence_list_free(&none);
}

static void test_precedence(void **state)
{
    (void)state;
    wm_evidence_list_t list = gather("== Title ==\nFrom heading\nTitle: From label\n"
                                     "{{Session|title=From template}}\n");
    assert_evidence(&list, WM_FIELD_TITLE, WM_EVIDENCE_PARAM, "From template");
    wm_evidence_list_free(&list);
}

static void test_grid_is_listing(void **state)
{
    (void)state;
    wm_evidence_list_t list = gather("{{Program item|title=A|presenters=X}}\n{{Program item|title=B|presenters=Y}}\n");
    assert_int_equal(list.records, 2);
    wm_evidence_list_free(&list);
}

static void test_era_sources_come_first(void **state)
{
    (void)state;
    const wm_era_rule_t *era = NULL;
    for (size_t i = 0; i < rules->n_eras; i++)
        if (strcmp(rules->eras[i].name, "2023 program") == 0)
            era = &rules->eras[i];
    assert_non_null(era);
    const char *text = "Title: Label title\n{{2023 session details|title=Era title|state=rejected}}";
    wm_evidence_list_t list = {0};
    assert_int_equal(wm_evidence_gather(&list, rules, era, text, strlen(text)), 0);
    wm_evidence_sort(&list);
    assert_evidence(&list, WM_FIELD_TITLE, WM_EVIDENCE_ERA, "Era title");
    wm_evidence_list_free(&list);
}

/* Malformed and huge input: no crash, and time linear (checked loosely: a
 * quadratic gatherer takes minutes here, a linear one well under a second). */
static char *repeat(const char *piece, size_t times, const char *tail)
{
    wm_buf_t b = {0};
    for (size_t i = 0; i < times; i++)
        assert_int_equal(wm_buf_append_str(&b, piece), 0);
    assert_int_equal(wm_buf_append_str(&b, tail), 0);
    return wm_buf_take(&b);
}

static void test_hostile_input(void **state)
{
    (void)state;
    char *cases[] = {
        repeat("|speaker=x", 10000, "}}"),          /* an unclosed call with 10,000 parameters */
        repeat("{{T|a=", 10000, ""),                  /* runaway nesting */
        repeat("{|\n! Title\n| x\n", 10000, ""),      /* unclosed tables */
        repeat("*", 100000, " deep list"),            /* a deeply nested list */
        repeat("; '''{{T|Title:}}''' : x\n", 5000, ""),  /* templates inside labels */
        repeat("== Title ==\n", 20000, ""),
        repeat("[[Category:", 20000, ""),
        repeat("by A, ", 20000, "B\n"),
        NULL,   /* 20,000 template calls with distinct titles: below */
    };
    wm_buf_t calls = {0};
    for (int i = 0; i < 20000; i++) {
        char call[64];
        snprintf(call, sizeof call, "{{Program item|title=Session %d|presenters=P%d}}\n", i, i);
        assert_int_equal(wm_buf_append_str(&calls, call), 0);
    }
    cases[sizeof cases / sizeof *cases - 1] = wm_buf_take(&calls);
    cases[0][0] = '{';
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        clock_t start = clock();
        wm_evidence_list_t list = {0};
        assert_int_equal(wm_evidence_gather(&list, rules, NULL, cases[i], strlen(cases[i])), 0);
        wm_evidence_sort(&list);
        wm_evidence_list_free(&list);
        assert_true((double)(clock() - start) / CLOCKS_PER_SEC < 20.0);
        free(cases[i]);
    }
}

static int count_rows(void *ctx, const wm_table_row_t *row)
{
    (*(unsigned *)ctx)++;
    (void)row;
    return 0;
}

static void test_tables_unclosed_and_nested(void **state)
{
    (void)state;
    unsigned rows = 0;
    const char *text = "{|\n| a || b\n|-\n| cell\n{|\n| nested\n|}\n|-\n| c\n";   /* never closed */
    assert_int_equal(wm_tables_read(text, strlen(text), count_rows, &rows), 0);
    assert_int_equal(rows, 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_template_params),
        cmocka_unit_test(test_speaker_list_inside_parameter),
        cmocka_unit_test(test_vertical_table),
        cmocka_unit_test(test_header_row_table),
        cmocka_unit_test(test_definition_list),
        cmocka_unit_test(test_labels),
        cmocka_unit_test(test_headings),
        cmocka_unit_test(test_byline),
        cmocka_unit_test(test_status_banner_and_category),
        cmocka_unit_test(test_precedence),
        cmocka_unit_test(test_grid_is_listing),
        cmocka_unit_test(test_era_sources_come_first),
        cmocka_unit_test(test_hostile_input),
        cmocka_unit_test(test_tables_unclosed_and_nested),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
