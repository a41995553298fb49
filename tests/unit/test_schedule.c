/* Unit tests for archive/schedule.c: content detection, the pretalx /
 * eventyay schedule JSON (strings and i18n objects) and the frab XML
 * (compressed with the real gzip), errors and stopping early. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "archive/rules.h"
#include "archive/schedule.h"
#include "archive/session.h"
#include "archive/stream.h"
#include "tests/unit/helpers.h"

typedef struct collected {
    wm_session_t *sessions[16];
    size_t n;
    size_t stop_after;    /* 0 = never stop */
    wm_tally_t tally;     /* what wm_schedule_read counted */
    char *event;          /* what it gave as the event */
} collected_t;

static wm_result_t collect(void *ctx, wm_session_t *session)
{
    collected_t *c = ctx;
    if (c->n < 16)
        c->sessions[c->n++] = session;
    else
        wm_session_free(session);
    return c->stop_after && c->n >= c->stop_after ? WM_STOPPED : WM_OK;
}

static void collected_free(collected_t *c)
{
    for (size_t i = 0; i < c->n; i++)
        wm_session_free(c->sessions[i]);
    c->n = 0;
    free(c->event);
    c->event = NULL;
}

/* Read path as a schedule (kind by content); return wm_schedule_read's status. */
static wm_result_t read_schedule(const char *path, collected_t *c, char **error)
{
    wm_rules_t *rules;
    char *rules_error = NULL;
    assert_int_equal(wm_rules_builtin(&rules, &rules_error), WM_OK);
    char *open_error = NULL;
    wm_stream_t *stream = wm_stream_open(path, &open_error);
    assert_non_null(stream);
    const unsigned char *head;
    ssize_t n = wm_stream_peek(stream, 4096, &head);
    assert_true(n > 0);
    wm_input_kind_t kind = wm_input_detect(head, (size_t)n);
    free(c->event);
    wm_result_t rc = wm_schedule_read(stream, kind, rules, path, collect, c, &c->tally, &c->event, error);
    wm_stream_close(stream);
    wm_rules_free(rules);
    return rc;
}

static void test_detect_by_content(void **state)
{
    (void)state;
#define DETECT(s) wm_input_detect((const unsigned char *)(s), strlen(s))
    assert_int_equal(DETECT("  \n{\"schedule\": {}}"), WM_INPUT_SCHEDULE_JSON);
    assert_int_equal(DETECT("\xEF\xBB\xBF{}"), WM_INPUT_SCHEDULE_JSON);
    assert_int_equal(DETECT("<mediawiki xmlns=\"x\">"), WM_INPUT_DUMP);
    assert_int_equal(DETECT("<?xml version=\"1.0\"?>\n<!-- c -->\n<schedule>"), WM_INPUT_FRAB_XML);
    assert_int_equal(DETECT("<!DOCTYPE schedule>\n<schedule/>"), WM_INPUT_FRAB_XML);
    assert_int_equal(DETECT("<schedulex>"), WM_INPUT_UNKNOWN);
    assert_int_equal(DETECT("<html>"), WM_INPUT_UNKNOWN);
    assert_int_equal(DETECT("<!-- unclosed"), WM_INPUT_UNKNOWN);
    assert_int_equal(DETECT(""), WM_INPUT_UNKNOWN);
#undef DETECT
}

static const char schedule_json[] =
    "{\"schedule\": {\"conference\": {\"acronym\": \"wikimania2025\", \"start\": \"2025-08-06\",\n"
    " \"days\": [{\"rooms\": {\"Room 1\": [\n"
    "  {\"code\": \"ABC123\", \"guid\": \"g-1\", \"title\": \" Knowledge equity \",\n"
    "   \"track\": {\"en\": \"Community\", \"fr\": \"Communaut\\u00e9\"},\n"
    "   \"type\": {\"en\": \"Panel (55 minutes)\"}, \"language\": \"es\", \"duration\": \"01:05\",\n"
    "   \"date\": \"2099-01-01T10:00:00Z\", \"url\": \"https://e.org/talk/ABC123/\",\n"
    "   \"abstract\": \"Short.\", \"description\": \"Long.\",\n"
    "   \"persons\": [{\"code\": \"P1\", \"public_name\": \"Amina Yusuf\", \"biography\": \"Edits.\"},\n"
    "                 {\"code\": \"P1\", \"public_name\": \"Amina Y.\"},\n"
    "                 {\"name\": \"No Code\", \"biography\": null}]},\n"
    "  {\"guid\": \"g-2\", \"title\": \"Guid only\", \"track\": {\"de\": \"Technik\"},\n"
    "   \"type\": \"Lightning talk (5 minutes, in person only)\", \"duration\": null},\n"
    "  {\"code\": \"NOTITLE\", \"title\": \"\"},\n"
    "  \"not a talk\"\n"
    " ]}}]}}}\n";

static void test_schedule_json(void **state)
{
    (void)state;
    const char *path = scratch_write_text("export.json", schedule_json);
    collected_t c = {0};
    char *error = NULL;
    assert_int_equal(read_schedule(path, &c, &error), WM_OK);
    assert_null(error);
    assert_int_equal(c.n, 2);
    const wm_session_t *s = c.sessions[0];
    assert_string_equal(s->id, "wikimania2025:ABC123");
    assert_string_equal(s->code, "ABC123");
    assert_int_equal(s->origin, WM_ORIGIN_SCHEDULE);
    assert_int_equal(s->year, 2025);   /* the conference's, not the talk's date */
    assert_string_equal(s->title, "Knowledge equity");
    assert_string_equal(s->type, "panel");
    assert_string_equal(s->type_label, "Panel (55 minutes)");
    assert_int_equal(s->duration_minutes, 65);   /* the duration field beats the label */
    assert_int_equal(s->n_tracks, 1);
    assert_string_equal(s->tracks[0], "Community");
    assert_string_equal(s->language, "es");
    assert_string_equal(s->abstract, "Short.\n\nLong.");
    assert_string_equal(s->url, "https://e.org/talk/ABC123/");
    /* The same code twice is one person; a speaker code is a code, never a username. */
    assert_int_equal(s->n_speakers, 2);
    assert_string_equal(s->speakers[0].name, "Amina Yusuf");
    assert_null(s->speakers[0].username);
    assert_string_equal(s->speakers[0].code, "P1");
    assert_string_equal(s->speakers[0].biography, "Edits.");
    assert_string_equal(s->speakers[1].name, "No Code");
    assert_null(s->speakers[1].username);
    assert_null(s->speakers[1].code);
    assert_null(s->speakers[1].biography);
    s = c.sessions[1];
    assert_string_equal(s->id, "wikimania2025:g-2");
    assert_null(s->code);
    assert_string_equal(s->tracks[0], "Technik");   /* no "en": the first text */
    assert_string_equal(s->type, "lightning talk");
    assert_int_equal(s->duration_minutes, 5);      /* from the label */
    collected_free(&c);
}

/* eventyay writes people as free text (Wikimania 2025-2026): the forms are
 * taken apart, each person keeps the field as its raw text. */
static const char people_json[] =
    "{\"schedule\": {\"conference\": {\"acronym\": \"wikimania2026\", \"start\": \"2026-07-01\",\n"
    " \"days\": [{\"rooms\": {\"Hall\": [\n"
    "  {\"code\": \"PPL001\", \"title\": \"People\",\n"
    "   \"persons\": [{\"code\": \"A1\", \"public_name\": \"Delphine M\\u00e9nard (notafish)\"},\n"
    "                 {\"code\": \"A2\", \"public_name\": \"Clara Wiest (WMCH)\"},\n"
    "                 {\"code\": \"A3\", \"public_name\": \"Filip Maljkovi\\u0107 / dungodung\"},\n"
    "                 {\"code\": \"A4\", \"public_name\": \"User:Van Anh Dam (WMEU)\"},\n"
    "                 {\"code\": \"A5\", \"public_name\": \"Florencia Guastavino and Luisina Ferrante\"}]}\n"
    " ]}}]}}}\n";

static void test_export_person_forms(void **state)
{
    (void)state;
    const char *path = scratch_write_text("export.json", people_json);
    collected_t c = {0};
    char *error = NULL;
    assert_int_equal(read_schedule(path, &c, &error), WM_OK);
    assert_int_equal(c.n, 1);
    const wm_session_t *s = c.sessions[0];
    assert_int_equal(s->n_speakers, 6);
    const wm_speaker_t *sp = s->speakers;
    assert_string_equal(sp[0].name, "Delphine M\xc3\xa9nard");
    assert_string_equal(sp[0].username, "notafish");
    assert_string_equal(sp[0].code, "A1");
    assert_string_equal(sp[0].raw, "Delphine M\xc3\xa9nard (notafish)");
    assert_string_equal(sp[1].name, "Clara Wiest");
    assert_null(sp[1].username);
    assert_string_equal(sp[1].affiliation, "WMCH");
    assert_string_equal(sp[2].name, "Filip Maljkovi\xc4\x87");
    assert_string_equal(sp[2].username, "dungodung");
    assert_string_equal(sp[3].name, "Van Anh Dam");
    assert_string_equal(sp[3].username, "Van Anh Dam");
    assert_string_equal(sp[3].affiliation, "WMEU");
    assert_string_equal(sp[4].name, "Florencia Guastavino");
    assert_string_equal(sp[5].name, "Luisina Ferrante");
    assert_string_equal(sp[4].code, "A5");
    assert_string_equal(sp[5].code, "A5");
    assert_string_equal(sp[5].raw, "Florencia Guastavino and Luisina Ferrante");
    collected_free(&c);
}

/* pretalx writes abstracts and biographies in Markdown: the index gets their text. */
static const char markdown_json[] =
    "{\"schedule\": {\"conference\": {\"acronym\": \"wikimania2025\", \"start\": \"2025-08-06\",\n"
    " \"days\": [{\"rooms\": {\"Room 1\": [\n"
    "  {\"code\": \"MD1\", \"title\": \"Markdown\",\n"
    "   \"abstract\": \"**Bold** and _em_, a [link](https://x.org/) and `code`.\\nSecond line\\\\\\nthird.\\n\\n"
    "# Heading\\n\\n- one\\n- *two*\\n\\n3. first\\n4. second\\n\\n> quoted\\n\\n"
    "What <ML> means, 3 * 4 = 12, snake_case \\\\*kept\\\\*.\",\n"
    "   \"description\": \"\\n---\\n\",\n"
    "   \"persons\": [{\"code\": \"P1\", \"public_name\": \"Amina\", \"biography\": \"Edits *Hausa* Wikipedia.\"}]}\n"
    " ]}}]}}}\n";

static void test_markdown_becomes_plain_text(void **state)
{
    (void)state;
    const char *path = scratch_write_text("export.json", markdown_json);
    collected_t c = {0};
    char *error = NULL;
    assert_int_equal(read_schedule(path, &c, &error), WM_OK);
    assert_int_equal(c.n, 1);
    const wm_session_t *s = c.sessions[0];
    /* The description is a rule, no text: the abstract stands alone. */
    assert_string_equal(s->abstract,
                        "Bold and em, a link and code.\nSecond line\nthird.\n\n"
                        "Heading\n\n- one\n- two\n\n3. first\n4. second\n\nquoted\n\n"
                        "What <ML> means, 3 * 4 = 12, snake_case *kept*.");
    assert_string_equal(s->speakers[0].biography, "Edits Hausa Wikipedia.");
    collected_free(&c);
}

static const char schedule_xml[] =
    "<?xml version=\"1.0\"?>\n<schedule>\n<conference><acronym>wikimania2026</acronym>"
    "<title>W</title><start>2026-07-22</start></conference>\n"
    "<day index=\"1\"><room name=\"A\">\n"
    "<event guid=\"d-1\" id=\"7001\"><date>2026-07-22T10:00:00+02:00</date><duration>00:30</duration>"
    "<url>https://e.org/e/wm/talk/AIE26A/</url><title>AI &amp; us</title><track>AI</track>"
    "<type>Talk (30 minutes)</type><language>en</language><abstract>What &lt;ML&gt; means.</abstract>"
    "<description></description><persons><person id=\"301\" code=\"ROSA\">Rosa M.</person>"
    "<person id=\"302\">Timo V.</person></persons></event>\n"
    "<event guid=\"d-2\" id=\"7002\"><title>No url</title><type>Keynote</type>"
    "<abstract>Hello.</abstract><persons/></event>\n"
    "</room></day></schedule>\n";

static void test_frab_xml_gzipped(void **state)
{
    (void)state;
    scratch_write_text("export.xml", schedule_xml);
    scratch_shell("gzip -f export.xml");
    const char *path = scratch_path("export.xml.gz");
    collected_t c = {0};
    char *error = NULL;
    assert_int_equal(read_schedule(path, &c, &error), WM_OK);
    assert_int_equal(c.n, 2);
    const wm_session_t *s = c.sessions[0];
    assert_string_equal(s->id, "wikimania2026:AIE26A");   /* code from the talk url */
    assert_int_equal(s->year, 2026);
    assert_string_equal(s->title, "AI & us");
    assert_string_equal(s->type, "talk");
    assert_int_equal(s->duration_minutes, 30);
    assert_string_equal(s->abstract, "What <ML> means.");
    assert_int_equal(s->n_speakers, 2);
    assert_null(s->speakers[0].username);
    assert_string_equal(s->speakers[0].code, "ROSA");
    assert_string_equal(s->speakers[1].name, "Timo V.");
    assert_null(s->speakers[1].username);
    assert_string_equal(s->speakers[1].code, "302");   /* a person id is a code too */
    s = c.sessions[1];
    assert_string_equal(s->id, "wikimania2026:d-2");   /* no code: the guid */
    assert_string_equal(s->type, "keynote");
    assert_int_equal(s->n_speakers, 0);
    collected_free(&c);
}

/* Pentabarf (FOSDEM 2012): no acronym, HTML escaped once and &#39; twice,
 * events straight under <day>; one talk in two slots; a status. */
static const char pentabarf_xml[] =
    "<?xml version=\"1.0\"?>\n<schedule><conference><title>FOSDEM  2012</title>"
    "<start>2012-02-04</start></conference>\n<day date=\"2012-02-04\" index=\"1\">\n"
    "<event id=\"7\"><title>Users&amp;#39; freedom &amp;amp; Mozilla</title><type></type>"
    "<abstract>&#xA;&lt;p&gt;How is users&amp;#39; freedom protected?&lt;/p&gt;&#xA;&#xA;"
    "&lt;p&gt;Topics:&lt;/p&gt;&lt;ul&gt;&lt;li&gt;apps&lt;/li&gt;&lt;li&gt;the &amp;lt;cloud&amp;gt;"
    "&lt;/li&gt;&lt;/ul&gt;&lt;script&gt;x()&lt;/script&gt;</abstract>"
    "<state>Cancelled</state><persons><person id=\"1\">Tristan &amp;#39;T&amp;#39; Nitot</person>"
    "</persons></event>\n"
    "<event id=\"7\"><title>Users' freedom again</title></event>\n"
    "<event id=\"8\"><title></title><abstract>No title</abstract></event>\n"
    "<event><title>No id</title></event>\n"
    "</day></schedule>\n";

static void test_pentabarf_escaped_html(void **state)
{
    (void)state;
    const char *path = scratch_write_text("export.xml", pentabarf_xml);
    collected_t c = {0};
    char *error = NULL;
    assert_int_equal(read_schedule(path, &c, &error), WM_OK);
    assert_int_equal(c.n, 1);
    const wm_session_t *s = c.sessions[0];
    assert_string_equal(s->id, "fosdem-2012:7");   /* no acronym: the event as a slug */
    assert_string_equal(s->event, "FOSDEM 2012");
    assert_string_equal(c.event, "FOSDEM 2012");
    assert_int_equal(s->year, 2012);
    assert_string_equal(s->title, "Users' freedom & Mozilla");
    assert_string_equal(s->abstract,
                        "How is users' freedom protected?\n\nTopics:\n\n- apps\n- the <cloud>");
    assert_string_equal(s->status, "canceled");
    assert_null(s->type_label);
    assert_string_equal(s->speakers[0].name, "Tristan 'T' Nitot");
    assert_string_equal(s->speakers[0].code, "1");
    assert_null(s->speakers[0].username);
    /* Four talks read: one session, one repeat, two without title or id. */
    assert_int_equal(c.tally.year, 2012);
    assert_int_equal(c.tally.pages, 4);
    assert_int_equal(c.tally.candidates, 4);
    assert_int_equal(c.tally.sessions, 1);
    assert_int_equal(c.tally.rejected[WM_REJECT_DUPLICATE], 1);
    assert_int_equal(c.tally.rejected[WM_REJECT_NO_TITLE], 2);
    collected_free(&c);
}

/* frab JSON 0.8 (30C3): every value a string, texts HTML-escaped inside a
 * literal &quot;...&quot;, persons {id, full_public_name}, no acronym. */
static const char frab_json_08[] =
    "{\"schedule\": {\"version\": \"0.8\", \"conference\": {\"title\": \"30C3\",\n"
    " \"start\": \"2013-12-27\", \"days\": [{\"index\": \"0\", \"rooms\": {\"Saal 1\": [\n"
    "  {\"id\": \"5605\", \"title\": \"Opening &amp; more\", \"type\": \"lecture\",\n"
    "   \"abstract\": \"&quot;Say hello to the event&#x27;s &quot;guests&quot;&quot;\",\n"
    "   \"description\": \"&quot;&lt;p&gt;First&lt;/p&gt;\\r\\n&lt;p&gt;&lt;a href=\\\\&quot;https://x.org\\\\&quot;&gt;"
    "Second&lt;/a&gt;&lt;br&gt;line&lt;/p&gt;&quot;\",\n"
    "   \"persons\": [{\"id\": \"1817\", \"full_public_name\": \"Tim Pritlove\"}]},\n"
    "  {\"id\": \"5605\", \"title\": \"Opening &amp; more\"},\n"
    "  {\"id\": \"5622\", \"title\": \"Keynote\", \"abstract\": \"&quot;&quot;\", \"state\": \"withdrawn\"}\n"
    " ]}}]}}}\n";

static void test_frab_json_08(void **state)
{
    (void)state;
    const char *path = scratch_write_text("export.json", frab_json_08);
    collected_t c = {0};
    char *error = NULL;
    assert_int_equal(read_schedule(path, &c, &error), WM_OK);
    assert_int_equal(c.n, 2);
    const wm_session_t *s = c.sessions[0];
    assert_string_equal(s->id, "30c3:5605");
    assert_string_equal(s->event, "30C3");
    assert_int_equal(s->year, 2013);
    assert_string_equal(s->title, "Opening & more");
    assert_string_equal(s->abstract, "Say hello to the event's \"guests\"\n\nFirst\n\nSecond\nline");
    assert_null(s->status);   /* the export says nothing */
    assert_string_equal(s->speakers[0].name, "Tim Pritlove");
    assert_string_equal(s->speakers[0].code, "1817");
    assert_null(s->speakers[0].username);
    s = c.sessions[1];
    assert_null(s->abstract);   /* "&quot;&quot;": nothing */
    assert_string_equal(s->status, "withdrawn");
    assert_int_equal(c.tally.sessions, 2);
    assert_int_equal(c.tally.rejected[WM_REJECT_DUPLICATE], 1);
    collected_free(&c);
}

/* pretalx: Markdown with HTML in it, CRLF; the title as event, else the acronym. */
static const char pretalx_html_json[] =
    "{\"schedule\": {\"conference\": {\"acronym\": \"rc3-channels-2020\", \"start\": \"2020-12-27\",\n"
    " \"days\": [{\"rooms\": {\"r3s\": [\n"
    "  {\"code\": \"MJA8QY\", \"title\": \"Boxes\", \"state\": \"confirmed\",\n"
    "   \"abstract\": \"We'll discuss <ul> <li>IBM i</li> <li>**Interlisp**</li> </ul> More.\",\n"
    "   \"description\": \"My [generator](https://x.org/) <a href=\\\"https://y.org\\\">Boxes.py</a>.\\r\\n"
    "Next line\\r\\n\\r\\n<small>English below</small>\\r\\n<p>Para</P>\",\n"
    "   \"persons\": [{\"id\": 5, \"code\": \"3DLN9E\", \"public_name\": \"Flo\",\n"
    "                 \"biography\": \"<p>Hacker &amp; maker</p><p>Second</p>\"}]},\n"
    "  {\"code\": \"MJA8QY\", \"title\": \"Boxes (again)\"}\n"
    " ]}}]}}}\n";

static void test_pretalx_markdown_with_html(void **state)
{
    (void)state;
    const char *path = scratch_write_text("export.json", pretalx_html_json);
    collected_t c = {0};
    char *error = NULL;
    assert_int_equal(read_schedule(path, &c, &error), WM_OK);
    assert_int_equal(c.n, 1);
    const wm_session_t *s = c.sessions[0];
    assert_string_equal(s->event, "rc3-channels-2020");   /* no title: the acronym */
    assert_string_equal(s->status, "confirmed");
    assert_string_equal(s->abstract, "We'll discuss\n\n- IBM i\n- Interlisp\n\nMore.\n\n"
                                     "My generator Boxes.py.\nNext line\n\nEnglish below\n\nPara");
    assert_string_equal(s->speakers[0].code, "3DLN9E");   /* the code, not the numeric id */
    assert_null(s->speakers[0].username);
    assert_string_equal(s->speakers[0].biography, "Hacker & maker\n\nSecond");   /* HTML: as HTML */
    assert_int_equal(c.tally.rejected[WM_REJECT_DUPLICATE], 1);
    collected_free(&c);
}

static void test_errors_and_stopping(void **state)
{
    (void)state;
    collected_t c = {0};
    char *error = NULL;
    const char *path = scratch_write_text("export.json", "{\"not\": \"a schedule\"}");
    assert_int_equal(read_schedule(path, &c, &error), WM_ERR_NOT_INPUT);
    assert_non_null(strstr(error, "not a schedule export"));
    assert_non_null(strstr(error, path));
    free(error);

    path = scratch_write_text("export.json", "{\"schedule\": [1, 2");
    assert_int_equal(read_schedule(path, &c, &error), WM_ERR_MALFORMED);
    assert_non_null(strstr(error, "JSON error"));
    free(error);

    path = scratch_write_text("export.xml", "<schedule>\n<conference>\n<event><title>x</title></conference>");
    assert_int_equal(read_schedule(path, &c, &error), WM_ERR_MALFORMED);
    assert_non_null(strstr(error, "schedule XML error at line 3"));
    free(error);
    assert_int_equal(c.n, 0);

    path = scratch_write_text("export.json", schedule_json);
    c.stop_after = 1;
    assert_int_equal(read_schedule(path, &c, &error), WM_STOPPED);
    assert_int_equal(c.n, 1);
    collected_free(&c);
}

/* A kind that is not a schedule's is refused as such, with a message. */
static void test_other_kind_is_not_input(void **state)
{
    (void)state;
    wm_rules_t *rules;
    char *error = NULL, *event = NULL;
    assert_int_equal(wm_rules_builtin(&rules, &error), WM_OK);
    const char *path = scratch_write_text("export.json", "{}");
    wm_stream_t *stream = wm_stream_open(path, &error);
    assert_non_null(stream);
    collected_t c = {0};
    assert_int_equal(wm_schedule_read(stream, WM_INPUT_DUMP, rules, path, collect, &c, NULL, &event,
                                      &error),
                     WM_ERR_NOT_INPUT);
    assert_non_null(strstr(error, "not a schedule export"));
    assert_null(event);
    assert_int_equal(c.n, 0);
    free(error);
    wm_stream_close(stream);
    wm_rules_free(rules);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_detect_by_content),
        cmocka_unit_test(test_schedule_json),
        cmocka_unit_test(test_export_person_forms),
        cmocka_unit_test(test_markdown_becomes_plain_text),
        cmocka_unit_test(test_frab_xml_gzipped),
        cmocka_unit_test(test_pentabarf_escaped_html),
        cmocka_unit_test(test_frab_json_08),
        cmocka_unit_test(test_pretalx_markdown_with_html),
        cmocka_unit_test(test_errors_and_stopping),
        cmocka_unit_test(test_other_kind_is_not_input),
    };
    return cmocka_run_group_tests_name("schedule", tests, NULL, NULL);
}
