/* Unit tests for archive/speakers.h: one person's text taken apart (name,
 * username, affiliation), export person fields split into people, and the
 * same rules on wiki speaker values.  The forms are the ones real programs
 * wrote (issue 10, /work/shared/eras.md, the real exports). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "archive/session.h"
#include "archive/speakers.h"

static void assert_null_or_string(const char *actual, const char *expected)
{
    if (expected)
        assert_string_equal(actual ? actual : "(null)", expected);
    else
        assert_null(actual);
}

static void check_name(const char *raw, const char *name, const char *username, const char *affiliation)
{
    wm_person_name_t parsed;
    assert_int_equal(wm_speakers_parse_name(raw, &parsed), 0);
    assert_string_equal(parsed.name, name);
    assert_null_or_string(parsed.username, username);
    assert_null_or_string(parsed.affiliation, affiliation);
    wm_person_name_clear(&parsed);
}

static void test_username_in_brackets_or_after_slash(void **state)
{
    (void)state;
    check_name("Delphine Ménard (notafish)", "Delphine Ménard", "notafish", NULL);
    check_name("Filip Maljković / dungodung", "Filip Maljković", "dungodung", NULL);
    check_name("Martin Haase/maha", "Martin Haase", "maha", NULL);
    check_name("Guillaume Emont (guijemont)", "Guillaume Emont", "guijemont", NULL);
    check_name("Mara Lindqvist (User:Quillfeather)", "Mara Lindqvist", "Quillfeather", NULL);
    /* the token first, the name after the slash */
    check_name("cyphunk / nathan fain", "nathan fain", "cyphunk", NULL);
    check_name("mel/ Agnes Meyder", "Agnes Meyder", "mel", NULL);
}

static void test_affiliation(void **state)
{
    (void)state;
    check_name("Clara Wiest (WMCH)", "Clara Wiest", NULL, "WMCH");
    check_name("Name Surname (Wikimedia Deutschland)", "Name Surname", NULL, "Wikimedia Deutschland");
    check_name("Ana Costa (Open Knowledge Belgium)", "Ana Costa", NULL, "Open Knowledge Belgium");
    check_name("Kim Ito (Wikimedians of Japan User Group)", "Kim Ito", NULL, "Wikimedians of Japan User Group");
    check_name("Stefan (ZLDKM)", "Stefan", NULL, "ZLDKM");
    check_name("Clara Wiest / WMCH", "Clara Wiest", NULL, "WMCH");
    check_name("Jo Bloggs (Wikimedia)", "Jo Bloggs", NULL, "Wikimedia");
    /* both, in either order */
    check_name("Mara (Quillfeather) (WMSE)", "Mara", "Quillfeather", "WMSE");
}

static void test_user_prefix(void **state)
{
    (void)state;
    check_name("User:Van Anh Dam (WMEU)", "Van Anh Dam", "Van Anh Dam", "WMEU");
    check_name("User:Foo_Bar", "Foo Bar", "Foo Bar", NULL);
    check_name("user:notafish", "notafish", "notafish", NULL);
}

static void test_left_as_written(void **state)
{
    (void)state;
    check_name("Alex Doe (they/them)", "Alex Doe (they/them)", NULL, NULL);
    check_name("Andrew Reiter (arr,awr)", "Andrew Reiter (arr,awr)", NULL, NULL);
    check_name("Jo Bloggs (moderator)", "Jo Bloggs (moderator)", NULL, NULL);
    check_name("Vasilis (tzikis) Georgitzikis", "Vasilis (tzikis) Georgitzikis", NULL, NULL);
    check_name("https://example.org/x", "https://example.org/x", NULL, NULL);
    check_name("  Plain   Name ", "Plain Name", NULL, NULL);
}

static void check_split(const char *raw, size_t n, const char *const *expected)
{
    char **parts;
    size_t got;
    assert_int_equal(wm_speakers_split_field(raw, &parts, &got), 0);
    assert_int_equal(got, n);
    for (size_t i = 0; i < got; i++) {
        assert_string_equal(parts[i], expected[i]);
        free(parts[i]);
    }
    free(parts);
}

static void test_split_field(void **state)
{
    (void)state;
    check_split("Florencia Guastavino and Luisina Ferrante", 2,
                (const char *const[]){"Florencia Guastavino", "Luisina Ferrante"});
    check_split("Anna Smith, Bob Jones & Carla Diaz", 3,
                (const char *const[]){"Anna Smith", "Bob Jones", "Carla Diaz"});
    check_split("Delphine Ménard (notafish) and Clara Wiest (WMCH)", 2,
                (const char *const[]){"Delphine Ménard (notafish)", "Clara Wiest (WMCH)"});
    /* one person, whatever the separators say */
    check_split("Smith, John", 1, (const char *const[]){"Smith, John"});
    check_split("RPW, esizkur", 1, (const char *const[]){"RPW, esizkur"});
    check_split("Andrea Behrendt - read & delete", 1, (const char *const[]){"Andrea Behrendt - read & delete"});
    check_split("Kim Ito (Wikimedia Taiwan, WMTW)", 1, (const char *const[]){"Kim Ito (Wikimedia Taiwan, WMTW)"});
    check_split("Sandra and", 1, (const char *const[]){"Sandra and"});
}

static void test_add_field_keeps_raw(void **state)
{
    (void)state;
    wm_session_t *s = wm_session_new();
    assert_int_equal(wm_speakers_add_field(s, "Florencia Guastavino and Luisina Ferrante (WMAR)", "P7", NULL), 0);
    assert_int_equal(wm_speakers_add_field(s, "Delphine Ménard (notafish)", "P8", "Bio."), 0);
    assert_int_equal(wm_speakers_add_field(s, "Plain Person", NULL, NULL), 0);
    assert_int_equal(s->n_speakers, 4);
    /* two people of one field share its code and its raw text */
    assert_string_equal(s->speakers[0].name, "Florencia Guastavino");
    assert_string_equal(s->speakers[0].code, "P7");
    assert_string_equal(s->speakers[0].raw, "Florencia Guastavino and Luisina Ferrante (WMAR)");
    assert_null(s->speakers[0].affiliation);
    assert_string_equal(s->speakers[1].name, "Luisina Ferrante");
    assert_string_equal(s->speakers[1].code, "P7");
    assert_string_equal(s->speakers[1].affiliation, "WMAR");
    assert_string_equal(s->speakers[1].raw, s->speakers[0].raw);
    assert_string_equal(s->speakers[2].name, "Delphine Ménard");
    assert_string_equal(s->speakers[2].username, "notafish");
    assert_string_equal(s->speakers[2].raw, "Delphine Ménard (notafish)");
    assert_string_equal(s->speakers[2].biography, "Bio.");
    assert_string_equal(s->speakers[3].name, "Plain Person");
    assert_null(s->speakers[3].raw);   /* the name is the text as written */
    wm_session_free(s);
}

static void test_wiki_values(void **state)
{
    (void)state;
    wm_session_t *s = wm_session_new();
    assert_int_equal(wm_speakers_add(s,
        "* [[User:Notafish|Delphine Ménard (WMFR)]]\n"
        "* User:Van Anh Dam (WMEU)\n"
        "* Clara Wiest (Wikimedia CH, WMCH)\n"
        "* Filip Maljković / dungodung\n", WM_SPEAKERS_AS_LIST), 0);
    assert_int_equal(s->n_speakers, 4);
    assert_string_equal(s->speakers[0].name, "Delphine Ménard");
    assert_string_equal(s->speakers[0].username, "Notafish");   /* the link's */
    assert_string_equal(s->speakers[0].affiliation, "WMFR");
    assert_string_equal(s->speakers[0].raw, "Delphine Ménard (WMFR)");
    assert_string_equal(s->speakers[1].username, "Van Anh Dam");
    assert_string_equal(s->speakers[1].affiliation, "WMEU");
    assert_string_equal(s->speakers[2].name, "Clara Wiest (Wikimedia CH, WMCH)");   /* a ',' inside: as written */
    assert_string_equal(s->speakers[3].username, "dungodung");
    wm_session_free(s);
    /* free text: brackets hold separators that do not split people */
    s = wm_session_new();
    assert_int_equal(wm_speakers_add(s, "Ana Costa (Wikimedia Portugal, WMPT) and Jo Bloggs (jbloggs)",
                                     WM_SPEAKERS_AS_TEXT), 0);
    assert_int_equal(s->n_speakers, 2);
    assert_string_equal(s->speakers[0].name, "Ana Costa (Wikimedia Portugal, WMPT)");
    assert_string_equal(s->speakers[1].name, "Jo Bloggs");
    assert_string_equal(s->speakers[1].username, "jbloggs");
    wm_session_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_username_in_brackets_or_after_slash),
        cmocka_unit_test(test_affiliation),
        cmocka_unit_test(test_user_prefix),
        cmocka_unit_test(test_left_as_written),
        cmocka_unit_test(test_split_field),
        cmocka_unit_test(test_add_field_keeps_raw),
        cmocka_unit_test(test_wiki_values),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
