/* libFuzzer target for the session extractor (archive/extract.h).
 *
 * The input is a small dump without the XML: pages separated by NUL bytes
 * (a page text never holds one).  The first byte of each page, minus one,
 * chooses its wiki and title among the shapes the era rules know (session pages of
 * each era, 2023 speaker and switch templates, translation subpages,
 * excluded grids, talk pages, ...); the rest is the page's wikitext, made
 * valid UTF-8 as the XML reader's output always is.  Sessions are taken
 * after each page and after wm_extractor_finish_dump(), as wmindex does,
 * and checked against the promises of extract.h and session.h: a title and
 * an abstract or a speaker, an id and URL for the page's wiki, UTF-8
 * strings (the JSON form must build). */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "archive/dump.h"
#include "archive/extract.h"
#include "archive/session.h"
#include "archive/session_json.h"
#include "archive/util.h"

#define MAX_PAGES 8

#define CHECK(cond)                                                        \
    do {                                                                   \
        if (!(cond)) {                                                     \
            fprintf(stderr, "fuzz_extract: check failed: %s (line %d)\n",  \
                    #cond, __LINE__);                                      \
            abort();                                                       \
        }                                                                  \
    } while (0)

typedef struct page_shape {
    int site;            /* index into SITES */
    int ns;
    const char *title;
} page_shape_t;

static const struct {
    const char *dbname;
    const char *base;
} SITES[] = {
    {"wikimaniawiki", "https://wikimania.wikimedia.org/wiki/Main_Page"},
    {"wikimania2014wiki", "https://wikimania2014.wikimedia.org/wiki/Main_Page"},
    {"wikimania2006wiki", "https://wikimania2006.wikimedia.org/wiki/Main_Page"},
    {"wikimania2016wiki", "https://wikimania2016.wikimedia.org/wiki/Main_Page"},
    {"wikimania2018wiki", "https://wikimania2018.wikimedia.org/wiki/Main_Page"},
    {"wikimania2017wiki", "https://wikimania2017.wikimedia.org/wiki/Main_Page"},
    {"wikimania2009wiki", "https://wikimania2009.wikimedia.org/wiki/Main_Page"},
};

/* The era shapes of doc/era-shapes.md, and the pages around them. */
static const page_shape_t SHAPES[] = {
    {0, 3002, "2019:Libraries/Wikidata for small libraries"},
    {0, 3002, "2019:Program/Opening plenary"},
    {0, 3002, "2019:Program/Schedule"},
    {0, 3003, "2019 talk:Libraries/Wikidata for small libraries"},
    {0, 3002, "2019:Libraries/Wikidata for small libraries/fr"},
    {0, 3008, "2023:Program/Submissions/Fuzzing for fun - ABC123"},
    {0, 3008, "2023:Program/Technology/XYZ789-Fuzzing for fun"},
    {0, 10, "Template:2023 speaker details/SPK1"},
    {0, 10, "Template:2023 speaker details/SPK2"},
    {0, 10, "Template:2023 track name"},
    {0, 10, "Template:2023 session type"},
    {0, 3010, "2024:Program/Building bridges with Wikidata"},
    {0, 3010, "2024:Program/Building bridges with Wikidata/zh-hans"},
    {0, 3010, "2024:Program/Schedule"},
    {0, 3010, "2024:Program"},
    {0, 0, "Main Page"},
    {1, 0, "Submissions/Authors we love"},
    {1, 0, "Submissions/Authors we love/de"},
    {1, 2, "User:Fschulen"},
    {2, 100, "Proceedings:YB1"},
    {2, 100, "Proceedings:Index"},
    {3, 0, "Programme/Wikipedia in the classroom"},
    {3, 0, "Programme/Sunday"},
    {4, 0, "Program/Decolonising the internet"},
    {0, 3006, "2021:Submissions"},
    {0, 3008, "2023:Program"},
    {5, 0, "Submissions/Fuzzing in Montreal"},
    {6, 100, "Proceedings:12"},
};

#define N_SHAPES (sizeof SHAPES / sizeof SHAPES[0])

static wm_namespace_t NAMESPACES[] = {
    {0, ""}, {1, "Talk"}, {2, "User"}, {3, "User talk"}, {10, "Template"}, {11, "Template talk"},
    {14, "Category"}, {100, "Proceedings"}, {3002, "2019"}, {3003, "2019 talk"},
    {3006, "2021"}, {3008, "2023"}, {3010, "2024"},
};

static wm_siteinfo_t site_info(int site)
{
    return (wm_siteinfo_t){
        .sitename = "Wikimania",
        .dbname = (char *)SITES[site].dbname,
        .base = (char *)SITES[site].base,
        .generator = "MediaWiki 1.43.0-wmf.8",
        .language = "en",
        .schema_version = "0.11",
        .namespaces = NAMESPACES,
        .n_namespaces = sizeof NAMESPACES / sizeof NAMESPACES[0],
    };
}

static bool valid_utf8(const char *s)
{
    size_t len = strlen(s);
    char *clean = wm_utf8_sanitize(s, len);
    CHECK(clean != NULL);
    bool same = strcmp(clean, s) == 0;
    free(clean);
    return same;
}

static void check_string(const char *s)
{
    if (s)
        CHECK(valid_utf8(s));
}

static void check_session(wm_session_t *s)
{
    static const char *const types[] = {"talk", "panel", "workshop", "lightning talk", "poster",
                                        "roundtable", "tutorial", "keynote", "meetup", "other"};
    CHECK(s->id && s->url && s->page_title && s->title && *s->title);
    CHECK(s->abstract || s->n_speakers > 0);
    CHECK(strstr(s->id, "wiki:") != NULL && strncmp(s->url, "https://", 8) == 0);
    bool known_type = s->type == NULL;
    for (size_t i = 0; i < sizeof types / sizeof *types; i++)
        known_type = known_type || strcmp(s->type, types[i]) == 0;
    CHECK(known_type);
    CHECK(s->duration_minutes >= 0);
    char *const strings[] = {s->title, s->type, s->type_label, s->language, s->abstract,
                             s->timestamp};
    for (size_t i = 0; i < sizeof strings / sizeof *strings; i++)
        check_string(strings[i]);
    for (size_t i = 0; i < s->n_tracks; i++)
        check_string(s->tracks[i]);
    for (size_t i = 0; i < s->n_speakers; i++) {
        CHECK(s->speakers[i].name != NULL);
        check_string(s->speakers[i].name);
        check_string(s->speakers[i].username);
        check_string(s->speakers[i].biography);
    }
    json_t *json = wm_session_to_json(s, true);
    CHECK(json != NULL);
    char *text = json_dumps(json, 0);
    CHECK(text != NULL);
    free(text);
    json_decref(json);
}

static void drain(wm_extractor_t *ex)
{
    wm_session_t *s;
    while ((s = wm_extractor_next_session(ex))) {
        check_session(s);
        wm_session_free(s);
    }
}

static void add_page(wm_extractor_t *ex, const uint8_t *bytes, size_t len, uint64_t id)
{
    /* Byte 0 separates pages, so byte 1 picks the first shape. */
    const page_shape_t *shape = &SHAPES[(bytes[0] - 1u) % N_SHAPES];
    char *text = wm_utf8_sanitize((const char *)bytes + 1, len - 1);
    CHECK(text != NULL);
    wm_siteinfo_t site = site_info(shape->site);
    wm_page_t page = {
        .title = shape->title,
        .ns = shape->ns,
        .id = id,
        .text = text,
        .text_len = strlen(text),
        .revision_id = 1000 + id,
        .timestamp = "2024-08-01T12:00:00Z",
        .n_revisions = 1,
        .offset = 100 * id,
    };
    CHECK(wm_extractor_add_page(ex, &site, &page, "fuzz.xml") == 0);
    free(text);
    drain(ex);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *error = NULL;
    wm_extractor_t *ex = wm_extractor_new(&error);
    CHECK(ex != NULL);
    const uint8_t *end = data + size;
    uint64_t id = 1;
    for (const uint8_t *page = data; page < end && id <= MAX_PAGES; id++) {
        const uint8_t *nul = memchr(page, 0, (size_t)(end - page));
        size_t len = (size_t)((nul ? nul : end) - page);
        if (len > 0)
            add_page(ex, page, len, id);
        page += len + 1;
    }
    CHECK(wm_extractor_finish_dump(ex) == 0);
    drain(ex);
    wm_extractor_free(ex);
    return 0;
}
