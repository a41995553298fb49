/* The session extractor: a generic engine driven by era rules
 * (archive/rules.h).  For each page it finds the era rule whose wiki and
 * title pattern match, gathers candidate values for every field from the
 * sources the rule names (template parameters, section headings, "Label:
 * value" lines, DISPLAYTITLE, title captures, fixed values, in that order of
 * preference), and turns the first usable candidate of each field into the
 * session's value.  Nothing here knows a year: what differs between eras is
 * in the rules.
 *
 * Some values live on other pages of the same dump (2023: speaker pages and
 * #switch templates).  The extractor keeps only what those pages say
 * (speaker name and bio, switch tables); a session that refers to a page
 * not seen yet stays a draft (its candidate values, not the page) until
 * wm_extractor_finish_dump(). */
#include "archive/extract.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "archive/lookups.h"
#include "archive/rules.h"
#include "archive/spill.h"
#include "archive/translations.h"
#include "archive/util.h"
#include "archive/wikitext.h"

/* Ready sessions kept in memory before the queue's file is used. */
#define READY_IN_MEMORY 256

/* One possible value of a field: wikitext from the page, or plain text
 * (title captures, fixed values). */
typedef struct candidate {
    char *text;
    bool plain;
} candidate_t;

typedef struct candidates {
    candidate_t *items;
    size_t n;
} candidates_t;

/* What a page gave, before lookups: enough to build the session later. */
typedef struct draft {
    const wm_era_rule_t *era;
    candidates_t fields[WM_FIELD_COUNT];
    char *id, *url, *source, *page_title, *timestamp;
    int year;
} draft_t;

struct wm_extractor {
    wm_rules_t *rules;
    char *dbname;             /* the wiki wiki_known was computed for */
    bool wiki_known;
    wm_lookups_t *lookups;    /* what speaker pages and switch templates say */
    wm_translations_t *translations;   /* codes of the translation subpages seen */
    /* The three queues keep what waits in a temporary file (archive/spill.h),
     * so that memory stays flat however many a dump has. */
    wm_spill_t *pending;      /* drafts waiting for a page later in the dump, as records */
    wm_buf_t draft_bytes;     /* scratch for a draft on its way to or from pending */
    wm_spill_t *held;         /* sessions of translatable pages, until finish_dump */
    wm_spill_t *ready;        /* sessions for wm_extractor_next_session */
    bool oom;                 /* sticky: an allocation failed */
    bool spill_failed;        /* sticky: a kept session could not be read back */
};

/* --- small string helpers ------------------------------------------------- */

/* Is item in names, compared as page names (MediaWiki's way) or exactly? */
static bool names_have(const wm_names_t *names, const char *item, bool as_page_name)
{
    if (as_page_name)
        return wm_lookups_names_have(names, item);
    for (size_t i = 0; i < names->n; i++)
        if (strcmp(names->items[i], item) == 0)
            return true;
    return false;
}

/* Case-insensitive search for needle in hay[0..len). */
static const char *find_ci(const char *hay, size_t len, const char *needle)
{
    size_t n = strlen(needle);
    for (size_t i = 0; i + n <= len; i++)
        if (strncasecmp(hay + i, needle, n) == 0)
            return hay + i;
    return NULL;
}

static char *plain_of(wm_extractor_t *ex, const char *text, size_t len)
{
    char *plain = wm_wikitext_to_plain(text, len);
    if (!plain)
        ex->oom = true;
    return plain;
}

/* Trim spaces and the punctuation that separates names ("(", ",", "-"). */
static void trim_name(char *s)
{
    size_t n = strlen(s);
    while (n && (isspace((unsigned char)s[n - 1]) || strchr(",;:(-", s[n - 1])))
        n--;
    s[n] = '\0';
    size_t start = 0;
    while (s[start] && (isspace((unsigned char)s[start]) || strchr(",;:)-", s[start])))
        start++;
    memmove(s, s + start, n - start + 1);
}

/* Iterate over lines: *line and *len are set; return false at the end. */
static bool next_line(const char **cursor, const char **line, size_t *len)
{
    const char *p = *cursor;
    if (!p || !*p)
        return false;
    const char *nl = strchr(p, '\n');
    *line = p;
    *len = nl ? (size_t)(nl - p) : strlen(p);
    *cursor = nl ? nl + 1 : p + *len;
    return true;
}

static bool is_list_item(const char *line, size_t len)
{
    return len && (line[0] == '*' || line[0] == '#');
}

/* Skip list and definition markers ("* ", "#", ": ", "; ") at the start. */
static const char *skip_markers(const char *line, size_t *len)
{
    while (*len && (strchr("*#:;", *line) || isspace((unsigned char)*line))) {
        line++;
        (*len)--;
    }
    return line;
}

/* The plain text of the first list item of raw, or of its first line with
 * text when it has no list: the shape of a one-value field ("Session type"
 * lists the choices and the proposer deletes all but one). */
static char *first_item_plain(wm_extractor_t *ex, const char *raw)
{
    bool has_items = false;
    const char *cursor = raw, *line;
    size_t len;
    while (next_line(&cursor, &line, &len))
        has_items = has_items || is_list_item(line, len);
    cursor = raw;
    while (next_line(&cursor, &line, &len)) {
        if (has_items && !is_list_item(line, len))
            continue;
        line = skip_markers(line, &len);
        char *plain = plain_of(ex, line, len);
        if (!plain || *plain)
            return plain;
        free(plain);
    }
    return NULL;
}

/* --- candidates and drafts -------------------------------------------------- */

static void add_candidate(wm_extractor_t *ex, draft_t *d, int field, const char *text, size_t len,
                          bool plain)
{
    char *copy = wm_strdup_trimmed(text, len);
    if (copy && !*copy) {
        free(copy);
        return;
    }
    candidates_t *list = &d->fields[field];
    candidate_t *items = copy ? realloc(list->items, (list->n + 1) * sizeof *items) : NULL;
    if (!items) {
        free(copy);
        ex->oom = true;
        return;
    }
    items[list->n++] = (candidate_t){copy, plain};
    list->items = items;
}

static void draft_free(draft_t *d)
{
    if (!d)
        return;
    for (int f = 0; f < WM_FIELD_COUNT; f++) {
        for (size_t i = 0; i < d->fields[f].n; i++)
            free(d->fields[f].items[i].text);
        free(d->fields[f].items);
    }
    free(d->id);
    free(d->url);
    free(d->source);
    free(d->page_title);
    free(d->timestamp);
    free(d);
}

/* --- drafts as records (archive/spill.h), for the queue of pending drafts ------------
 * The rule is kept as its index in the extractor's rules. */

static bool encode_draft(const wm_extractor_t *ex, wm_buf_t *b, const draft_t *d)
{
    wm_buf_clear(b);
    bool ok = wm_record_put_u32(b, (uint32_t)(d->era - ex->rules->eras)) &&
              wm_record_put_u32(b, (uint32_t)d->year) && wm_record_put_string(b, d->id) &&
              wm_record_put_string(b, d->url) && wm_record_put_string(b, d->source) &&
              wm_record_put_string(b, d->page_title) && wm_record_put_string(b, d->timestamp);
    for (int f = 0; ok && f < WM_FIELD_COUNT; f++) {
        const candidates_t *list = &d->fields[f];
        ok = list->n <= WM_RECORD_MAX_BYTES / sizeof(candidate_t) && wm_record_put_u32(b, (uint32_t)list->n);
        for (size_t i = 0; ok && i < list->n; i++)
            ok = wm_record_put_u32(b, list->items[i].plain) && wm_record_put_string(b, list->items[i].text);
    }
    return ok;
}

static bool decode_fields(wm_record_reader_t *r, draft_t *d)
{
    for (int f = 0; f < WM_FIELD_COUNT; f++) {
        uint32_t n, plain;
        if (!wm_record_get_u32(r, &n) || n > r->left / (2 * sizeof(uint32_t)))
            return false;
        if (n == 0)
            continue;
        d->fields[f].items = calloc(n, sizeof(candidate_t));
        if (!d->fields[f].items)
            return false;
        d->fields[f].n = n;   /* now, so that draft_free releases a part-read list */
        for (size_t i = 0; i < n; i++) {
            if (!wm_record_get_u32(r, &plain) || !wm_record_get_string(r, &d->fields[f].items[i].text))
                return false;
            d->fields[f].items[i].plain = plain != 0;
        }
    }
    return true;
}

/* NULL when the bytes are not a draft or memory ran out. */
static draft_t *decode_draft(const wm_extractor_t *ex, const wm_buf_t *b)
{
    wm_record_reader_t r = wm_record_reader(b->data, b->len);
    uint32_t era, year;
    draft_t *d = calloc(1, sizeof *d);
    if (!d)
        return NULL;
    bool ok = wm_record_get_u32(&r, &era) && era < ex->rules->n_eras && wm_record_get_u32(&r, &year) &&
              wm_record_get_string(&r, &d->id) && wm_record_get_string(&r, &d->url) &&
              wm_record_get_string(&r, &d->source) && wm_record_get_string(&r, &d->page_title) &&
              wm_record_get_string(&r, &d->timestamp) && decode_fields(&r, d) && wm_record_at_end(&r);
    if (!ok) {
        draft_free(d);
        return NULL;
    }
    d->era = &ex->rules->eras[era];
    d->year = (int)year;
    return d;
}

/* Parameters of the session template. */
static void gather_params(wm_extractor_t *ex, draft_t *d, const wm_template_t *templates, size_t n)
{
    const wm_era_rule_t *era = d->era;
    for (size_t i = 0; i < n; i++) {
        if (!names_have(&era->templates, templates[i].name, true))
            continue;
        for (int f = 0; f < WM_FIELD_COUNT; f++)
            for (size_t j = 0; j < era->params[f].n; j++) {
                const char *value = wm_template_param(&templates[i], era->params[f].items[j]);
                if (value)
                    add_candidate(ex, d, f, value, strlen(value), false);
            }
        return;
    }
}

static void gather_displaytitle(wm_extractor_t *ex, draft_t *d, const wm_template_t *templates,
                                size_t n)
{
    if (!d->era->displaytitle)
        return;
    for (size_t i = 0; i < n; i++) {
        const char *value = wm_template_param(&templates[i], "1");
        if (strcasecmp(templates[i].name, "DISPLAYTITLE") == 0 && value)
            add_candidate(ex, d, WM_FIELD_TITLE, value, strlen(value), false);
    }
}

static bool has_any(const wm_names_t lists[WM_FIELD_COUNT])
{
    for (int f = 0; f < WM_FIELD_COUNT; f++)
        if (lists[f].n)
            return true;
    return false;
}

/* Add text as a candidate of every field whose normalised aliases include label. */
static void gather_labelled(wm_extractor_t *ex, draft_t *d, const wm_names_t lists[WM_FIELD_COUNT],
                            const char *label, const char *text, size_t len)
{
    char *normal = wm_rules_normalise_label(label);
    if (!normal) {
        ex->oom = true;
        return;
    }
    for (int f = 0; f < WM_FIELD_COUNT; f++)
        if (names_have(&lists[f], normal, false))
            add_candidate(ex, d, f, text, len, false);
    free(normal);
}

static void gather_sections(wm_extractor_t *ex, draft_t *d, const wm_page_t *page)
{
    wm_section_t *sections;
    size_t n;
    if (!has_any(d->era->headings))
        return;
    if (wm_wikitext_sections(page->text, page->text_len, &sections, &n) < 0) {
        ex->oom = true;
        return;
    }
    for (size_t i = 0; i < n; i++)
        if (sections[i].level > 0)
            gather_labelled(ex, d, d->era->headings, sections[i].heading,
                            page->text + sections[i].body_offset, sections[i].body_length);
    wm_sections_free(sections, n);
}

static void gather_labels(wm_extractor_t *ex, draft_t *d, const wm_page_t *page)
{
    wm_label_t *labels;
    size_t n;
    if (!has_any(d->era->labels))
        return;
    if (wm_wikitext_labels(page->text, page->text_len, &labels, &n) < 0) {
        ex->oom = true;
        return;
    }
    for (size_t i = 0; i < n; i++)
        gather_labelled(ex, d, d->era->labels, labels[i].label, labels[i].value,
                        strlen(labels[i].value));
    wm_labels_free(labels, n);
}

static void gather_title_parts(wm_extractor_t *ex, draft_t *d, const wm_title_match_t *match)
{
    for (int f = 0; f < WM_FIELD_COUNT; f++)
        if (match->capture[f])
            add_candidate(ex, d, f, match->capture[f], match->capture_len[f], true);
    for (int f = 0; f < WM_FIELD_COUNT; f++)
        if (d->era->fixed[f])
            add_candidate(ex, d, f, d->era->fixed[f], strlen(d->era->fixed[f]), true);
}

/* --- page identity: id, url, year ---------------------------------------------- */

/* MediaWiki's wfUrlencode of a title (spaces already '_'). */
static int append_urlencoded(wm_buf_t *out, const char *title)
{
    static const char keep[] = "-_.~;:@$!*(),/";
    for (const unsigned char *p = (const unsigned char *)title; *p; p++) {
        unsigned char c = *p == ' ' ? '_' : *p;
        int rc;
        if (isalnum(c) || (c && strchr(keep, c)))
            rc = wm_buf_append_char(out, (char)c);
        else {
            char hex[4];
            hex[0] = '%';
            hex[1] = "0123456789ABCDEF"[c >> 4];
            hex[2] = "0123456789ABCDEF"[c & 15];
            rc = wm_buf_append(out, hex, 3);
        }
        if (rc < 0)
            return -1;
    }
    return 0;
}

static char *page_url(const char *base, const char *title)
{
    wm_buf_t out = {0};
    const char *wiki = strstr(base, "/wiki/");
    const char *slash = strrchr(base, '/');
    size_t prefix = wiki ? (size_t)(wiki - base) + 6 : slash ? (size_t)(slash - base) + 1 : 0;
    if (wm_buf_append(&out, base, prefix) < 0 || append_urlencoded(&out, title) < 0) {
        wm_buf_free(&out);
        return NULL;
    }
    return wm_buf_take(&out);
}

/* The first run of exactly four digits in dbname ("wikimania2014wiki"), or 0. */
static int year_of_dbname(const char *dbname)
{
    for (const char *p = dbname; *p; p++) {
        size_t n = 0;
        while (isdigit((unsigned char)p[n]))
            n++;
        if (n == 4)
            return atoi(p);
        p += n ? n - 1 : 0;
    }
    return 0;
}

static draft_t *draft_new(wm_extractor_t *ex, const wm_era_rule_t *era, const wm_siteinfo_t *site,
                          const wm_page_t *page, const char *source, const wm_title_match_t *match)
{
    draft_t *d = calloc(1, sizeof *d);
    if (!d) {
        ex->oom = true;
        return NULL;
    }
    d->era = era;
    d->id = wm_strdup_printf("%s:%" PRIu64, site->dbname, page->id);
    d->url = page_url(site->base, page->title);
    d->source = strdup(source ? source : "");
    d->page_title = strdup(page->title);
    d->timestamp = page->timestamp && *page->timestamp ? strdup(page->timestamp) : NULL;
    d->year = match->year ? match->year : era->year ? era->year : year_of_dbname(site->dbname);
    if (!d->id || !d->url || !d->source || !d->page_title ||
        (page->timestamp && *page->timestamp && !d->timestamp)) {
        ex->oom = true;
        draft_free(d);
        return NULL;
    }
    return d;
}

/* All candidates of a page, in order of preference per field. */
static draft_t *gather(wm_extractor_t *ex, const wm_era_rule_t *era, const wm_siteinfo_t *site,
                       const wm_page_t *page, const char *source, const wm_title_match_t *match)
{
    draft_t *d = draft_new(ex, era, site, page, source, match);
    wm_template_t *templates;
    size_t n;
    if (!d)
        return NULL;
    if (wm_wikitext_templates(page->text, page->text_len, &templates, &n) < 0) {
        ex->oom = true;
        draft_free(d);
        return NULL;
    }
    gather_params(ex, d, templates, n);
    gather_sections(ex, d, page);
    gather_labels(ex, d, page);
    gather_displaytitle(ex, d, templates, n);
    gather_title_parts(ex, d, match);
    wm_templates_free(templates, n);
    return d;
}

/* --- lookups (archive/lookups.h) --------------------------------------------------- */

/* A failed lookup stops the extractor (out of memory) or fails the dump
 * (a kept page could not be read back). */
static void note_lookups(wm_extractor_t *ex, wm_lookups_status_t status)
{
    if (status == WM_LOOKUPS_NO_MEMORY)
        ex->oom = true;
    else if (status != WM_LOOKUPS_OK)
        ex->spill_failed = true;
}

/* raw with the era's switch templates resolved; NULL when out of memory. */
static char *resolve_switches(wm_extractor_t *ex, const wm_era_rule_t *era, const char *raw,
                              int *missing)
{
    char *resolved;
    note_lookups(ex, wm_lookups_resolve_switches(ex->lookups, era, raw, missing, &resolved));
    return resolved;
}
/* --- speakers ------------------------------------------------------------------- */

/* Where a signature tail starts in line: a talk-page or contributions link
 * or a "12:00, 1 May 2019 (UTC)" timestamp; len when there is none.  The
 * cut also drops the "(", "--" or dash before it. */
static size_t signature_start(const char *line, size_t len)
{
    static const char *const marks[] = {"[[User talk:", "[[User_talk:", "[[Special:Contributions"};
    size_t cut = len;
    for (size_t i = 0; i < sizeof marks / sizeof *marks; i++) {
        const char *hit = find_ci(line, len, marks[i]);
        if (hit && (size_t)(hit - line) < cut)
            cut = (size_t)(hit - line);
    }
    const char *utc = find_ci(line, len, "(UTC)");
    for (size_t i = utc ? (size_t)(utc - line) : 0; i >= 5 && utc; i--) {
        const char *p = line + i - 5;
        if (isdigit((unsigned char)p[0]) && isdigit((unsigned char)p[1]) && p[2] == ':' &&
            isdigit((unsigned char)p[3]) && isdigit((unsigned char)p[4])) {
            if ((size_t)(p - line) < cut)
                cut = (size_t)(p - line);
            break;
        }
    }
    for (bool trimmed = cut < len; trimmed;) {
        trimmed = false;
        if (cut && (isspace((unsigned char)line[cut - 1]) || strchr("(-", line[cut - 1])))
            cut--, trimmed = true;
        else if (cut >= 3 && (strncmp(line + cut - 3, "\xe2\x80\x94", 3) == 0 ||
                              strncmp(line + cut - 3, "\xe2\x80\x93", 3) == 0))
            cut -= 3, trimmed = true;   /* em and en dashes before a signature */
    }
    return cut;
}

/* A [[User:Name|Display]] link in raw: the username and the display text. */
typedef struct user_link {
    const char *user, *display;
    size_t user_len, display_len;
} user_link_t;

static bool parse_user_target(const char *target, size_t len, user_link_t *link)
{
    while (len && (*target == ':' || isspace((unsigned char)*target))) {
        target++;
        len--;
    }
    for (int hops = 0; hops < 3; hops++) {
        if (len > 5 && strncasecmp(target, "User:", 5) == 0) {
            link->user = target + 5;
            link->user_len = 0;
            while (link->user_len < len - 5 && !strchr("/#", link->user[link->user_len]))
                link->user_len++;
            return link->user_len > 0;
        }
        const char *colon = memchr(target, ':', len);   /* an interwiki prefix: m:User:X */
        if (!colon || colon - target > 10)
            return false;
        len -= (size_t)(colon - target) + 1;
        target = colon + 1;
    }
    return false;
}

static bool find_user_link(const char *raw, size_t len, user_link_t *link)
{
    for (const char *p = raw; (p = find_ci(p, len - (size_t)(p - raw), "[[")); p += 2) {
        const char *end = find_ci(p, len - (size_t)(p - raw), "]]");
        if (!end)
            return false;
        const char *bar = memchr(p + 2, '|', (size_t)(end - p - 2));
        const char *target_end = bar ? bar : end;
        if (!parse_user_target(p + 2, (size_t)(target_end - p - 2), link))
            continue;
        link->display = bar ? bar + 1 : link->user;
        link->display_len = bar ? (size_t)(end - bar - 1) : link->user_len;
        return true;
    }
    return false;
}

/* One person from a piece of wikitext: a user link gives the username and
 * the display name; otherwise the plain text is the name. */
static void add_person(wm_extractor_t *ex, wm_session_t *s, const char *raw, size_t len,
                       const char *biography)
{
    user_link_t link;
    char *name, *username = NULL;
    if (find_user_link(raw, len, &link)) {
        username = wm_strdup_trimmed(link.user, link.user_len);
        for (char *p = username; p && *p; p++)
            if (*p == '_')
                *p = ' ';
        /* [[User:Name]] alone: the display name is the username. */
        name = link.display == link.user ? (username ? strdup(username) : NULL)
                                         : plain_of(ex, link.display, link.display_len);
        if (!username || !name)
            ex->oom = true;
    } else {
        name = plain_of(ex, raw, len);
    }
    if (name)
        trim_name(name);
    if (name && *name && wm_session_add_speaker(s, name, username, NULL, biography) < 0)
        ex->oom = true;
    free(name);
    free(username);
}

/* Length of a separator between names at text[i] in free text
 * ("A, B and C", "A; B", "A & B"), or 0. */
static size_t separator_at(const char *text, size_t i, size_t len)
{
    if (text[i] == ',' || text[i] == ';')
        return 1;
    if (text[i] == '&') {
        size_t j = i + 1;
        while (j < len && isalnum((unsigned char)text[j]))
            j++;
        return j < len && text[j] == ';' && j > i + 1 ? 0 : 1;   /* "&amp;" is an entity */
    }
    if (i + 5 <= len && strncmp(text + i, " and ", 5) == 0)
        return 5;
    return 0;
}

/* Split free text into names at separators outside [[...]] and {{...}}. */
static void add_people_from_text(wm_extractor_t *ex, wm_session_t *s, const char *text, size_t len)
{
    int depth = 0;
    size_t start = 0;
    for (size_t i = 0; i < len; i++) {
        if (i + 1 < len && (text[i] == '[' || text[i] == '{') && text[i + 1] == text[i]) {
            depth++;
            i++;
        } else if (i + 1 < len && (text[i] == ']' || text[i] == '}') && text[i + 1] == text[i]) {
            depth -= depth > 0;
            i++;
        } else if (depth == 0) {
            size_t sep = separator_at(text, i, len);
            if (!sep)
                continue;
            add_person(ex, s, text + start, i - start, NULL);
            start = i + sep;
            i += sep - 1;
        }
    }
    add_person(ex, s, text + start, len - start, NULL);
}

/* One person per list item; without a list, every line is free text. */
static void add_people_from_list(wm_extractor_t *ex, wm_session_t *s, const char *raw)
{
    bool has_items = false;
    const char *cursor = raw, *line;
    size_t len;
    while (next_line(&cursor, &line, &len))
        has_items = has_items || is_list_item(line, len);
    cursor = raw;
    while (next_line(&cursor, &line, &len)) {
        if (has_items && !is_list_item(line, len))
            continue;
        line = skip_markers(line, &len);
        len = signature_start(line, len);
        if (has_items)
            add_person(ex, s, line, len, NULL);
        else
            add_people_from_text(ex, s, line, len);
    }
}

/* A line that starts a person in a "name, then bio paragraphs" list: a bold
 * line or a list item. */
static bool starts_person(const char *line, size_t len)
{
    while (len && isspace((unsigned char)line[len - 1]))
        len--;
    if (is_list_item(line, len) || (len && line[0] == ';'))
        return true;
    return len > 6 && strncmp(line, "'''", 3) == 0 && strncmp(line + len - 3, "'''", 3) == 0;
}

static void flush_person(wm_extractor_t *ex, wm_session_t *s, const char *name, size_t len,
                         wm_buf_t *bio)
{
    char *plain = bio->len ? plain_of(ex, bio->data, bio->len) : NULL;
    add_person(ex, s, name, len, plain && *plain ? plain : NULL);
    free(plain);
    wm_buf_clear(bio);
}

/* "'''Name''' - bio text" on one line: return the length of the bold name
 * and put the rest into bio; the whole length when there is no such split. */
static size_t split_bold_name(wm_extractor_t *ex, const char *line, size_t len, wm_buf_t *bio)
{
    if (len < 7 || strncmp(line, "'''", 3) != 0)
        return len;
    const char *close = find_ci(line + 3, len - 3, "'''");
    if (!close)
        return len;
    size_t name_len = (size_t)(close - line) + 3;
    size_t rest = name_len;
    while (rest < len && (isspace((unsigned char)line[rest]) || strchr(":,-", line[rest])))
        rest++;
    if (rest + 3 <= len && (strncmp(line + rest, "\xe2\x80\x93", 3) == 0 ||
                            strncmp(line + rest, "\xe2\x80\x94", 3) == 0))
        rest += 3;   /* an en or em dash */
    if (rest >= len)
        return len;
    if (wm_buf_append(bio, line + rest, len - rest) < 0 || wm_buf_append_char(bio, '\n') < 0)
        ex->oom = true;
    return name_len;
}

/* 2024 style: each bold line starts a person, the paragraphs after it are
 * the biography.  Return the number of people found. */
static size_t add_people_with_bios(wm_extractor_t *ex, wm_session_t *s, const char *raw)
{
    const char *cursor = raw, *line, *name = NULL;
    size_t len, name_len = 0, found = 0;
    wm_buf_t bio = {0};
    while (next_line(&cursor, &line, &len)) {
        if (starts_person(line, len)) {
            if (name)
                flush_person(ex, s, name, name_len, &bio);
            name_len = len;
            name = skip_markers(line, &name_len);
            name_len = split_bold_name(ex, name, name_len, &bio);
            found++;
        } else if (name && (wm_buf_append(&bio, line, len) < 0 || wm_buf_append_char(&bio, '\n') < 0)) {
            ex->oom = true;
        }
    }
    if (name)
        flush_person(ex, s, name, name_len, &bio);
    wm_buf_free(&bio);
    return found;
}

/* Speakers from their pages; a page not in the dump still gives the code. */
static size_t add_people_by_lookup(wm_extractor_t *ex, wm_session_t *s, const wm_era_rule_t *era,
                                   const char *raw, int *missing)
{
    size_t found = 0;
    note_lookups(ex, wm_lookups_add_speakers(ex->lookups, s, era, raw, &found, missing));
    return found;
}

static void fill_speakers(wm_extractor_t *ex, wm_session_t *s, const draft_t *d, int *missing)
{
    const candidates_t *list = &d->fields[WM_FIELD_SPEAKERS];
    for (size_t i = 0; i < list->n && !s->n_speakers; i++) {
        const char *raw = list->items[i].text;
        if (list->items[i].plain) {
            add_people_from_text(ex, s, raw, strlen(raw));
            continue;
        }
        size_t found = 0;
        if (d->era->speaker_mode == WM_SPEAKERS_LOOKUP)
            found = add_people_by_lookup(ex, s, d->era, raw, missing);
        else if (d->era->speaker_mode == WM_SPEAKERS_BIOS)
            found = add_people_with_bios(ex, s, raw);
        if (!found)
            add_people_from_list(ex, s, raw);
    }
}

/* --- the other fields ------------------------------------------------------------ */

/* The candidate's text with lookups resolved, as wikitext (plain candidates as they are). */
static char *candidate_text(wm_extractor_t *ex, const draft_t *d, const candidate_t *c,
                            int *missing)
{
    char *text = c->plain ? strdup(c->text) : resolve_switches(ex, d->era, c->text, missing);
    if (!text)
        ex->oom = true;
    return text;
}

/* One candidate as a one-line plain value (a list's first item); NULL when empty. */
static char *candidate_value(wm_extractor_t *ex, const draft_t *d, const candidate_t *c,
                             int *missing)
{
    char *text = candidate_text(ex, d, c, missing);
    char *value = text && !c->plain ? first_item_plain(ex, text) : text;
    if (value != text)
        free(text);
    if (value && *value) {
        wm_squeeze_spaces(value);
        return value;
    }
    free(value);
    return NULL;
}

/* The first candidate of field that gives a value (see candidate_value). */
static char *first_value(wm_extractor_t *ex, const draft_t *d, int field, int *missing)
{
    const candidates_t *list = &d->fields[field];
    char *value = NULL;
    for (size_t i = 0; i < list->n && !value; i++)
        value = candidate_value(ex, d, &list->items[i], missing);
    return value;
}

/* The first candidate of field that gives non-empty plain text (paragraphs kept). */
static char *first_text(wm_extractor_t *ex, const draft_t *d, int field, int *missing)
{
    const candidates_t *list = &d->fields[field];
    for (size_t i = 0; i < list->n; i++) {
        char *text = candidate_text(ex, d, &list->items[i], missing);
        char *value = text && !list->items[i].plain ? plain_of(ex, text, strlen(text)) : text;
        if (value != text)
            free(text);
        if (value && *value)
            return value;
        free(value);
    }
    return NULL;
}

/* Minutes from a duration value: "30", "30 minutes", "00:30" or "1:30" (hours:minutes). */
static int parse_minutes(const char *text)
{
    const char *p = text;
    while (isspace((unsigned char)*p))
        p++;
    if (!isdigit((unsigned char)*p))
        return 0;
    char *end;
    long minutes = strtol(p, &end, 10);
    if (*end == ':' && isdigit((unsigned char)end[1]) && minutes < 1000)
        minutes = minutes * 60 + strtol(end + 1, &end, 10);
    return minutes > 0 && minutes < 100000 ? (int)minutes : 0;
}

static void fill_type_and_duration(wm_extractor_t *ex, wm_session_t *s, const draft_t *d,
                                   int *missing)
{
    char *label = first_value(ex, d, WM_FIELD_TYPE, missing);
    char *duration = first_value(ex, d, WM_FIELD_DURATION, missing);
    s->duration_minutes = duration ? parse_minutes(duration) : 0;
    if (label) {
        const char *type = wm_rules_type(ex->rules, label);
        if (!s->duration_minutes)
            s->duration_minutes = wm_rules_label_minutes(label);
        s->type_label = label;
        label = NULL;
        if (type && wm_session_set(&s->type, type) < 0)
            ex->oom = true;
    }
    free(label);
    free(duration);
}

static void fill_abstract(wm_extractor_t *ex, wm_session_t *s, const draft_t *d, int *missing)
{
    char *abstract = first_text(ex, d, WM_FIELD_ABSTRACT, missing);
    char *description = first_text(ex, d, WM_FIELD_DESCRIPTION, missing);
    if (abstract && description) {
        s->abstract = wm_strdup_printf("%s\n\n%s", abstract, description);
        if (!s->abstract)
            ex->oom = true;
    } else {
        s->abstract = abstract ? abstract : description;
        abstract = description = NULL;
    }
    free(abstract);
    free(description);
}

/* The code of a language name; of several ("English, Spanish"), the first. */
static const char *language_code(const wm_extractor_t *ex, char *name)
{
    const char *code = wm_rules_language(ex->rules, name);
    size_t first = strcspn(name, ",/;(");
    const char *and = strstr(name, " and ");
    if (and && (size_t)(and - name) < first)
        first = (size_t)(and - name);
    if (code || !name[first])
        return code;
    name[first] = '\0';
    return wm_rules_language(ex->rules, name);
}

static void fill_track_and_language(wm_extractor_t *ex, wm_session_t *s, const draft_t *d,
                                    int *missing)
{
    char *track = first_value(ex, d, WM_FIELD_TRACK, missing);
    if (track && wm_session_add_track(s, track) < 0)
        ex->oom = true;
    free(track);
    const candidates_t *list = &d->fields[WM_FIELD_LANGUAGE];
    for (size_t i = 0; i < list->n && !s->language; i++) {
        char *name = candidate_value(ex, d, &list->items[i], missing);
        const char *code = name ? language_code(ex, name) : NULL;
        if (code && wm_session_set(&s->language, code) < 0)
            ex->oom = true;
        free(name);
    }
}

/* A talk code from a value: the "<CODE>" of a ".../talk/<CODE>/" link (the
 * pretalx or eventyay page of the talk), else the value when it is one word
 * of letters and digits. */
static void fill_code(wm_extractor_t *ex, wm_session_t *s, const draft_t *d, int *missing)
{
    const candidates_t *list = &d->fields[WM_FIELD_CODE];
    for (size_t i = 0; i < list->n && !s->code; i++) {
        const char *raw = list->items[i].text;
        const char *talk = strstr(raw, "/talk/");
        const char *start = talk ? talk + 6 : raw;
        size_t n = 0;
        while (isalnum((unsigned char)start[n]))
            n++;
        bool whole = talk ? n > 0 : n > 0 && !start[n];
        if (whole && !(s->code = wm_strndup(start, n)))
            ex->oom = true;
    }
    (void)missing;
}

static int take_string(char **field, const char *value)
{
    return value ? wm_session_set(field, value) : 0;
}

/* The session a draft describes, or NULL when it has no title or neither
 * abstract nor speakers.  *missing counts lookups not available yet. */
static wm_session_t *build_session(wm_extractor_t *ex, const draft_t *d, int *missing)
{
    wm_session_t *s = wm_session_new();
    if (!s || take_string(&s->id, d->id) < 0 || take_string(&s->url, d->url) < 0 ||
        take_string(&s->source, d->source) < 0 || take_string(&s->page_title, d->page_title) < 0 ||
        take_string(&s->timestamp, d->timestamp) < 0) {
        ex->oom = true;
        wm_session_free(s);
        return NULL;
    }
    s->year = d->year;
    s->title = first_value(ex, d, WM_FIELD_TITLE, missing);
    fill_type_and_duration(ex, s, d, missing);
    fill_track_and_language(ex, s, d, missing);
    fill_speakers(ex, s, d, missing);
    fill_abstract(ex, s, d, missing);
    fill_code(ex, s, d, missing);
    if (ex->oom || !s->title || (!s->abstract && !s->n_speakers)) {
        wm_session_free(s);
        return NULL;
    }
    return s;
}

/* --- the queue of ready sessions --------------------------------------------------- */

static void push_ready(wm_extractor_t *ex, wm_session_t *s)
{
    if (wm_spill_push(ex->ready, s) < 0)
        ex->oom = true;
}

wm_session_t *wm_extractor_next_session(wm_extractor_t *extractor)
{
    wm_session_t *s = NULL;
    if (wm_spill_take(extractor->ready, &s) < 0)
        extractor->spill_failed = true;
    return s;
}

/* --- tables: one session per row (2021:Submissions) ------------------------------- */

static bool has_columns(const wm_era_rule_t *era)
{
    return has_any(era->columns);
}

/* Where a cell's content starts: after "attributes |" when the cell has
 * them (a '|' outside links and templates, with no link or template
 * before it). */
static size_t cell_content_start(const char *cell, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (cell[i] == '[' || cell[i] == '{' || cell[i] == '<')
            return 0;
        if (cell[i] == '|')
            return i + 1;
    }
    return 0;
}

/* The state of a table being read: the column fields of its header and the
 * cells of the current row. */
typedef struct table_reader {
    wm_extractor_t *ex;
    const wm_era_rule_t *era;
    int columns[64];          /* field of each column, -1 = none */
    size_t n_columns;
    wm_buf_t cells[64];
    size_t n_cells;
    bool header_row;          /* the current row's cells are "!" cells */
    int depth;                /* nesting of {| ... |} */
    unsigned rows;            /* data rows seen (the row number in ids) */
    draft_t *(*make)(void *ctx, unsigned row);
    void *ctx;
} table_reader_t;

/* The header row's labels become the column fields. */
static void take_header(table_reader_t *t)
{
    t->n_columns = t->n_cells;
    for (size_t c = 0; c < t->n_cells; c++) {
        const char *raw = t->cells[c].data ? t->cells[c].data : "";
        size_t start = cell_content_start(raw, t->cells[c].len);
        char *plain = plain_of(t->ex, raw + start, t->cells[c].len - start);
        char *label = plain ? wm_rules_normalise_label(plain) : NULL;
        t->columns[c] = -1;
        for (int f = 0; label && f < WM_FIELD_COUNT; f++)
            if (names_have(&t->era->columns[f], label, false))
                t->columns[c] = f;
        if (plain && !label)
            t->ex->oom = true;
        free(plain);
        free(label);
    }
}

/* A data row becomes a draft whose candidates are its cells. */
static void take_row(table_reader_t *t)
{
    bool any = false;
    for (size_t c = 0; c < t->n_cells && c < t->n_columns; c++)
        any = any || t->columns[c] >= 0;
    if (!any)
        return;
    draft_t *d = t->make(t->ctx, ++t->rows);
    if (!d)
        return;
    for (size_t c = 0; c < t->n_cells && c < t->n_columns; c++) {
        const char *raw = t->cells[c].data ? t->cells[c].data : "";
        size_t start = cell_content_start(raw, t->cells[c].len);
        if (t->columns[c] >= 0)
            add_candidate(t->ex, d, t->columns[c], raw + start, t->cells[c].len - start, false);
    }
    gather_title_parts(t->ex, d, &(wm_title_match_t){0});
    int missing = 0;
    wm_session_t *s = build_session(t->ex, d, &missing);
    draft_free(d);
    if (s)
        push_ready(t->ex, s);
}

static void end_row(table_reader_t *t)
{
    if (t->n_cells && t->header_row)
        take_header(t);
    else if (t->n_cells)
        take_row(t);
    for (size_t c = 0; c < t->n_cells; c++)
        wm_buf_clear(&t->cells[c]);
    t->n_cells = 0;
    t->header_row = false;
}

/* Start cells from a "|" or "!" line: "a || b", "a !! b". */
static void start_cells(table_reader_t *t, const char *line, size_t len)
{
    bool header = line[0] == '!';
    if (!t->n_cells)
        t->header_row = header;
    line++;
    len--;
    size_t start = 0;
    for (size_t i = 0; i <= len; i++) {
        bool split = i + 1 < len && (line[i] == '|' || (header && line[i] == '!')) && line[i + 1] == line[i];
        if (i < len && !split)
            continue;
        if (t->n_cells < sizeof t->cells / sizeof *t->cells &&
            wm_buf_append(&t->cells[t->n_cells++], line + start, i - start) < 0)
            t->ex->oom = true;
        start = i + 2;
        i++;
    }
}

static void table_line(table_reader_t *t, const char *line, size_t len)
{
    size_t indent = 0;
    while (indent < len && (line[indent] == ' ' || line[indent] == '\t'))
        indent++;
    const char *p = line + indent;
    size_t n = len - indent;
    if (n >= 2 && p[0] == '{' && p[1] == '|') {
        if (t->depth++ == 0) {
            t->n_columns = 0;
            return;
        }
    } else if (n >= 2 && p[0] == '|' && p[1] == '}') {
        if (--t->depth == 0) {
            end_row(t);
            return;
        }
    } else if (t->depth == 1 && n >= 2 && p[0] == '|' && p[1] == '-') {
        end_row(t);
        return;
    } else if (t->depth == 1 && n >= 2 && p[0] == '|' && p[1] == '+') {
        return;
    } else if (t->depth == 1 && n >= 1 && (p[0] == '|' || p[0] == '!')) {
        start_cells(t, p, n);
        return;
    }
    /* Text of the current cell (also a nested table's lines). */
    if (t->depth >= 1 && t->n_cells &&
        (wm_buf_append_char(&t->cells[t->n_cells - 1], '\n') < 0 ||
         wm_buf_append(&t->cells[t->n_cells - 1], line, len) < 0))
        t->ex->oom = true;
    if (t->depth < 0)
        t->depth = 0;
}

typedef struct row_maker {
    wm_extractor_t *ex;
    const wm_era_rule_t *era;
    const wm_siteinfo_t *site;
    const wm_page_t *page;
    const char *source;
    const wm_title_match_t *match;
} row_maker_t;

static draft_t *make_row_draft(void *ctx, unsigned row)
{
    row_maker_t *m = ctx;
    wm_title_match_t no_title = *m->match;
    no_title.capture[WM_FIELD_TITLE] = NULL;   /* the page's title is not the row's */
    draft_t *d = draft_new(m->ex, m->era, m->site, m->page, m->source, &no_title);
    char *id = d ? wm_strdup_printf("%s#%u", d->id, row) : NULL;
    if (d && !id) {
        m->ex->oom = true;
        draft_free(d);
        return NULL;
    }
    if (d) {
        free(d->id);
        d->id = id;
    }
    return d;
}

static void extract_table_rows(wm_extractor_t *ex, const wm_era_rule_t *era,
                               const wm_siteinfo_t *site, const wm_page_t *page,
                               const char *source, const wm_title_match_t *match)
{
    row_maker_t maker = {ex, era, site, page, source, match};
    table_reader_t t = {.ex = ex, .era = era, .make = make_row_draft, .ctx = &maker};
    const char *cursor = page->text, *line;
    size_t len;
    while (next_line(&cursor, &line, &len) && !ex->oom)
        table_line(&t, line, len);
    if (t.depth > 0)
        end_row(&t);   /* a table the page never closed */
    for (size_t c = 0; c < sizeof t.cells / sizeof *t.cells; c++)
        wm_buf_free(&t.cells[c]);
}

/* --- translations (archive/translations.h) ------------------------------------------ */

/* Give a session the translation codes seen so far for its page. */
static void attach_translations(wm_extractor_t *ex, wm_session_t *s)
{
    if (wm_translations_attach(ex->translations, s) < 0)
        ex->oom = true;
}

/* A page marked for the Translate extension may get translation subpages
 * later in the dump: its session waits for them until finish_dump. */
static bool is_translatable(const wm_page_t *page)
{
    return find_ci(page->text, page->text_len, "<languages") ||
           find_ci(page->text, page->text_len, "<translate>");
}

static void hold(wm_extractor_t *ex, wm_session_t *s)
{
    if (wm_spill_push(ex->held, s) < 0)
        ex->oom = true;
}

/* --- pages ---------------------------------------------------------------------------- */

/* Namespaces that never hold sessions: MediaWiki's User, File, MediaWiki,
 * Template, Help, Category and Module, plus every talk namespace (odd keys)
 * and the virtual ones (negative keys). */
static bool namespace_may_hold_sessions(int ns)
{
    static const int never[] = {2, 6, 8, 10, 12, 14, 828};
    if (ns < 0 || ns % 2 != 0)
        return false;
    for (size_t i = 0; i < sizeof never / sizeof *never; i++)
        if (ns == never[i])
            return false;
    return true;
}

static bool has_no_content(const wm_page_t *page)
{
    if (page->redirect || page->text_deleted || page->text_missing || !page->text)
        return true;
    size_t i = 0;
    while (i < page->text_len && isspace((unsigned char)page->text[i]))
        i++;
    return i == page->text_len || strncasecmp(page->text + i, "#REDIRECT", 9) == 0;
}

/* "X/fr" when X itself would be a session page of the wiki: not a session,
 * but X gets "fr" in its translations.  Return whether title is one. */
static bool take_translation_subpage(wm_extractor_t *ex, const char *dbname, const char *title)
{
    bool taken;
    if (wm_translations_take_subpage(ex->translations, ex->rules, dbname, title, &taken) < 0)
        ex->oom = true;
    return taken;
}

static bool wiki_known(wm_extractor_t *ex, const char *dbname)
{
    if (ex->dbname && strcmp(ex->dbname, dbname) == 0)
        return ex->wiki_known;
    free(ex->dbname);
    ex->dbname = strdup(dbname);
    if (!ex->dbname)
        ex->oom = true;
    ex->wiki_known = wm_rules_wiki_known(ex->rules, dbname);
    return ex->wiki_known;
}

static void queue_pending(wm_extractor_t *ex, draft_t *d)
{
    if (!encode_draft(ex, &ex->draft_bytes, d) ||
        wm_spill_push_raw(ex->pending, ex->draft_bytes.data, ex->draft_bytes.len) < 0)
        ex->oom = true;
    draft_free(d);
}

static void extract_session(wm_extractor_t *ex, const wm_siteinfo_t *site, const wm_page_t *page,
                            const char *source)
{
    if (take_translation_subpage(ex, site->dbname, page->title))
        return;
    wm_title_match_t match;
    const wm_era_rule_t *era = wm_rules_find_era(ex->rules, site->dbname, page->title, &match);
    if (!era)
        return;
    if (has_columns(era)) {
        extract_table_rows(ex, era, site, page, source, &match);
        return;
    }
    draft_t *d = gather(ex, era, site, page, source, &match);
    if (!d)
        return;
    int missing = 0;
    wm_session_t *s = build_session(ex, d, &missing);
    if (missing) {
        wm_session_free(s);
        queue_pending(ex, d);
        return;
    }
    draft_free(d);
    if (!s)
        return;
    attach_translations(ex, s);
    if (is_translatable(page))
        hold(ex, s);
    else
        push_ready(ex, s);
}

int wm_extractor_add_page(wm_extractor_t *extractor, const wm_siteinfo_t *site,
                          const wm_page_t *page, const char *source)
{
    if (extractor->oom)
        return -1;
    if (!wiki_known(extractor, site->dbname) || has_no_content(page))
        return extractor->oom ? -1 : 0;
    if (page->ns == 10)
        note_lookups(extractor, wm_lookups_add_page(extractor->lookups, extractor->rules, site->dbname, page));
    else if (namespace_may_hold_sessions(page->ns))
        extract_session(extractor, site, page, source);
    return extractor->oom ? -1 : 0;
}

/* The oldest pending draft (caller frees), NULL when none is left. */
static draft_t *next_pending(wm_extractor_t *ex)
{
    for (int got; (got = wm_spill_take_raw(ex->pending, &ex->draft_bytes)) != 0;) {
        draft_t *d = got > 0 ? decode_draft(ex, &ex->draft_bytes) : NULL;
        if (d)
            return d;
        ex->spill_failed = true;   /* that one is lost; the others follow */
    }
    return NULL;
}

/* The held sessions, one at a time, with their translations, on to the
 * ready queue (its file part: memory stays flat here too). */
static void release_held(wm_extractor_t *ex)
{
    wm_session_t *s;
    for (int got; (got = wm_spill_take(ex->held, &s)) != 0;) {
        if (got < 0) {
            ex->spill_failed = true;   /* lost; the others follow */
            continue;
        }
        attach_translations(ex, s);
        push_ready(ex, s);
    }
}

int wm_extractor_finish_dump(wm_extractor_t *extractor)
{
    wm_extractor_t *ex = extractor;
    release_held(ex);
    for (draft_t *d; (d = next_pending(ex));) {
        int missing = 0;
        wm_session_t *s = build_session(ex, d, &missing);
        if (s) {
            attach_translations(ex, s);
            push_ready(ex, s);
        }
        draft_free(d);
    }
    wm_lookups_clear(ex->lookups);
    wm_translations_clear(ex->translations);
    free(ex->dbname);
    ex->dbname = NULL;
    return ex->oom || ex->spill_failed ? -1 : 0;
}

/* --- lifetime ------------------------------------------------------------------------ */

wm_extractor_t *wm_extractor_new(char **error)
{
    wm_rules_t *rules;
    *error = NULL;
    if (wm_rules_builtin(&rules, error) < 0) {
        if (!*error)
            *error = strdup("out of memory");
        return NULL;
    }
    return wm_extractor_new_with_rules(rules, error);
}

wm_extractor_t *wm_extractor_new_with_rules(wm_rules_t *rules, char **error)
{
    *error = NULL;
    wm_extractor_t *ex = calloc(1, sizeof *ex);
    if (!ex) {
        wm_rules_free(rules);
        *error = strdup("out of memory");
        return NULL;
    }
    ex->rules = rules;
    ex->pending = wm_spill_new();
    ex->held = wm_spill_new();
    ex->ready = wm_spill_new();
    ex->lookups = wm_lookups_new();
    ex->translations = wm_translations_new();
    if (!ex->pending || !ex->held || !ex->ready || !ex->lookups || !ex->translations) {
        wm_extractor_free(ex);
        *error = strdup("out of memory");
        return NULL;
    }
    /* Ready sessions are usually taken at once (wmindex takes them after
     * every page): they touch the file only when many wait, as after
     * finish_dump or a table of many rows. */
    wm_spill_keep_in_memory(ex->ready, READY_IN_MEMORY);
    return ex;
}

const wm_rules_t *wm_extractor_rules(const wm_extractor_t *extractor)
{
    return extractor->rules;
}

void wm_extractor_free(wm_extractor_t *extractor)
{
    if (!extractor)
        return;
    wm_lookups_free(extractor->lookups);
    wm_translations_free(extractor->translations);
    wm_spill_free(extractor->pending);
    wm_spill_free(extractor->held);
    wm_spill_free(extractor->ready);
    wm_buf_free(&extractor->draft_bytes);
    free(extractor->dbname);
    wm_rules_free(extractor->rules);
    free(extractor);
}

const char *wm_extractor_error(const wm_extractor_t *extractor)
{
    if (extractor->oom)
        return "out of memory";
    return extractor->spill_failed ? "cannot read back the pages kept in a temporary file" : "";
}
