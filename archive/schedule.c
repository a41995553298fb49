/* Schedule exports as sessions (see schedule.h): the pretalx/eventyay JSON
 * through jansson, the frab XML through expat.  Both readers fill a `talk_t`
 * of plain strings, and one function turns it into a session, so the two
 * formats cannot drift apart in what they extract. */
#include "archive/schedule.h"

#include <cmark.h>
#include <ctype.h>
#include <expat.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "archive/html_text.h"
#include "archive/speakers.h"
#include "common/util.h"

/* --- detection ------------------------------------------------------------- */

static size_t skip_space(const unsigned char *p, size_t i, size_t len)
{
    while (i < len && isspace(p[i]))
        i++;
    return i;
}

/* Skip "<?...?>", "<!--...-->" and "<!...>" before the first element. */
static size_t skip_prolog(const unsigned char *p, size_t i, size_t len)
{
    for (;;) {
        i = skip_space(p, i, len);
        if (i + 1 >= len || p[i] != '<' || (p[i + 1] != '?' && p[i + 1] != '!'))
            return i;
        const char *close = p[i + 1] == '?' ? "?>" : (i + 3 < len && p[i + 2] == '-') ? "-->" : ">";
        size_t n = strlen(close);
        size_t j = i + 2;
        while (j + n <= len && memcmp(p + j, close, n) != 0)
            j++;
        if (j + n > len)
            return len;
        i = j + n;
    }
}

/* Does "<name" start at p[i], followed by the end of the name? */
static bool element_is(const unsigned char *p, size_t i, size_t len, const char *name)
{
    size_t n = strlen(name);
    if (i + 1 + n > len || p[i] != '<' || memcmp(p + i + 1, name, n) != 0)
        return false;
    return i + 1 + n == len || isspace(p[i + 1 + n]) || p[i + 1 + n] == '>' || p[i + 1 + n] == '/';
}

wm_input_kind_t wm_input_detect(const unsigned char *head, size_t len)
{
    size_t i = 0;
    if (len >= 3 && head[0] == 0xEF && head[1] == 0xBB && head[2] == 0xBF)
        i = 3;
    i = skip_space(head, i, len);
    if (i < len && head[i] == '{')
        return WM_INPUT_SCHEDULE_JSON;
    i = skip_prolog(head, i, len);
    if (element_is(head, i, len, "mediawiki"))
        return WM_INPUT_DUMP;
    if (element_is(head, i, len, "schedule"))
        return WM_INPUT_FRAB_XML;
    return WM_INPUT_UNKNOWN;
}

/* --- one talk, whatever the format --------------------------------------------- */

enum talk_field {
    T_CODE, T_GUID, T_NUMBER, T_TITLE, T_SUBTITLE, T_TYPE, T_TRACK, T_LANGUAGE, T_ABSTRACT,
    T_DESCRIPTION, T_DURATION, T_DATE, T_URL, T_STATUS, T_COUNT
};

typedef struct person {
    char *name, *code, *biography;
} person_t;

typedef struct talk {
    char *field[T_COUNT];
    person_t *persons;
    size_t n_persons;
} talk_t;

typedef struct conference {
    char *acronym;
    char *title;        /* "FOSDEM 2012" */
    char *start;        /* "2025-08-06" */
    char *event;        /* the title cleaned (else the acronym): each session's event */
    char *prefix;       /* of ids: the acronym, else the event as a slug ("fosdem-2012"), so
                         * two exports without acronyms never share ids */
    int year;           /* of start, else of the first talk's date; 0 until known */
} conference_t;

static void talk_clear(talk_t *t)
{
    for (int f = 0; f < T_COUNT; f++)
        free(t->field[f]);
    for (size_t i = 0; i < t->n_persons; i++) {
        free(t->persons[i].name);
        free(t->persons[i].code);
        free(t->persons[i].biography);
    }
    free(t->persons);
    memset(t, 0, sizeof *t);
}

static bool has_text(const char *s)
{
    for (; s && *s; s++)
        if (!isspace((unsigned char)*s))
            return true;
    return false;
}

/* "01:30" or "1:30:00" (hours:minutes[:seconds]) or a bare number of minutes. */
static int minutes_of(const char *text)
{
    if (!has_text(text))
        return 0;
    long parts[3] = {0};
    int n = 0;
    const char *p = text;
    while (n < 3) {
        while (isspace((unsigned char)*p))
            p++;
        if (!isdigit((unsigned char)*p))
            return 0;
        char *end;
        parts[n++] = strtol(p, &end, 10);
        if (parts[n - 1] > 100000)
            return 0;
        p = end;
        if (*p != ':')
            break;
        p++;
    }
    long minutes = n == 1 ? parts[0] : parts[0] * 60 + parts[1];
    return minutes > 0 && minutes < 100000 ? (int)minutes : 0;
}

/* The year: four digits at the start of the conference's start date, else the talk's date. */
static int year_of(const char *date)
{
    if (!date || strlen(date) < 4)
        return 0;
    for (int i = 0; i < 4; i++)
        if (!isdigit((unsigned char)date[i]))
            return 0;
    return atoi(date) > 999 ? (date[0] - '0') * 1000 + (date[1] - '0') * 100 + (date[2] - '0') * 10 +
                                  (date[3] - '0')
                            : 0;
}

/* pretalx talk urls end in "/talk/<CODE>/": the code when the export has no code field. */
static char *code_from_url(const char *url)
{
    const char *p = url ? strstr(url, "/talk/") : NULL;
    if (!p)
        return NULL;
    p += 6;
    size_t n = 0;
    while (isalnum((unsigned char)p[n]))
        n++;
    return n && (p[n] == '/' || !p[n]) ? wm_strndup(p, n) : NULL;
}

/* text without carriage returns, trimmed, and without the literal
 * "&quot;...&quot;" that frab JSON 0.8 wraps every text in. */
static char *unwrapped(const char *text)
{
    static const char quot[] = "&quot;";
    const size_t q = sizeof quot - 1;
    wm_buf_t buf = {0};
    for (const char *p = text; *p; p++)
        if (*p != '\r' && wm_buf_append_char(&buf, *p) < 0) {
            wm_buf_free(&buf);
            return NULL;
        }
    char *trimmed = wm_strdup_trimmed(buf.data ? buf.data : "", buf.len);
    wm_buf_free(&buf);
    size_t len = trimmed ? strlen(trimmed) : 0;
    if (len >= 2 * q && strncmp(trimmed, quot, q) == 0 && strcmp(trimmed + len - q, quot) == 0) {
        memmove(trimmed, trimmed + q, len - 2 * q);
        trimmed[len - 2 * q] = '\0';
    }
    return trimmed;
}

/* Markdown (pretalx, eventyay, wafer) as plain text: cmark renders it as
 * HTML, raw HTML in it kept (CMARK_OPT_UNSAFE) and every line break a <br>
 * (lines stay lines), and the HTML becomes text like any other. */
static char *markdown_to_plain(const char *text)
{
    char *html = cmark_markdown_to_html(text, strlen(text), CMARK_OPT_UNSAFE | CMARK_OPT_HARDBREAKS);
    char *plain = html ? wm_html_to_plain(html, strlen(html)) : NULL;
    free(html);
    return plain;
}

/* An abstract, description or biography as plain text into *out (NULL when
 * no text is left): HTML (escaped or not) through libxml2's parser,
 * anything else as Markdown through cmark; so no markup, entity or
 * Markdown syntax reaches the index.  Return 0, or -1 when out of memory. */
static int clean_text(const char *text, char **out)
{
    *out = NULL;
    if (!has_text(text))
        return 0;
    char *raw = unwrapped(text);
    char *unescaped = raw ? wm_html_unescape_markup(raw, strlen(raw)) : NULL;
    char *plain = NULL;
    if (unescaped)
        plain = wm_html_is_document(unescaped, strlen(unescaped))
                    ? wm_html_to_plain(unescaped, strlen(unescaped))
                    : markdown_to_plain(unescaped);
    free(raw);
    free(unescaped);
    if (!plain)
        return -1;
    if (*plain)
        *out = plain;
    else
        free(plain);
    return 0;
}

/* A title, name or event into *out (NULL when none): entities decoded,
 * whitespace squeezed; a '<' here is text, and quotes around it are the
 * title's own (frab JSON 0.8 wraps only its texts).  Return 0, or -1 when
 * out of memory. */
static int clean_line(const char *text, char **out)
{
    *out = NULL;
    if (!has_text(text))
        return 0;
    char *line = wm_html_decode_entities(text, strlen(text));
    if (!line)
        return -1;
    wm_squeeze_spaces(line);
    if (*line)
        *out = line;
    else
        free(line);
    return 0;
}

static int set_abstract(wm_session_t *s, const talk_t *t)
{
    char *abstract, *description;
    if (clean_text(t->field[T_ABSTRACT], &abstract) < 0)
        return -1;
    if (clean_text(t->field[T_DESCRIPTION], &description) < 0) {
        free(abstract);
        return -1;
    }
    return wm_session_take_abstract(s, abstract, description);
}

static int set_type(wm_session_t *s, const talk_t *t, const wm_rules_t *rules)
{
    s->duration_minutes = minutes_of(t->field[T_DURATION]);
    if (clean_line(t->field[T_TYPE], &s->type_label) < 0)
        return -1;
    if (!s->type_label)
        return 0;
    if (!s->duration_minutes)
        s->duration_minutes = wm_rules_label_minutes(s->type_label);
    const char *type = wm_rules_type(rules, s->type_label);
    return type ? wm_session_set(&s->type, type) : 0;
}

/* Speakers: a person id or speaker code is the person's code within the
 * event, never a username.  The name field is free text: "Name (username)",
 * "Name (WMCH)", "User:Name", "A and B" are taken apart by
 * archive/speakers.h's rules (the field kept as each person's raw). */
static int add_people(wm_session_t *s, const talk_t *t)
{
    for (size_t i = 0; i < t->n_persons; i++) {
        const person_t *p = &t->persons[i];
        char *name, *bio = NULL;
        if (clean_line(has_text(p->name) ? p->name : p->code, &name) < 0)
            return -1;
        if (!name)
            continue;
        const char *code = has_text(p->code) ? p->code : NULL;
        int rc = clean_text(p->biography, &bio) == 0 ? wm_speakers_add_field(s, name, code, bio) : -1;
        free(bio);
        free(name);
        if (rc < 0)
            return -1;
    }
    return 0;
}

/* The code, guid or id that names a talk in its export, NULL when none;
 * *code: its pretalx code, from the talk's url when it has no code field
 * (then in *from_url, for the caller to free), NULL when none. */
static const char *key_of(const talk_t *t, const char **code, char **from_url)
{
    *from_url = t->field[T_CODE] ? NULL : code_from_url(t->field[T_URL]);
    *code = t->field[T_CODE] ? t->field[T_CODE] : *from_url;
    if (!has_text(*code))
        *code = NULL;
    if (*code)
        return *code;
    return has_text(t->field[T_GUID]) ? t->field[T_GUID] : has_text(t->field[T_NUMBER]) ? t->field[T_NUMBER]
                                                                                         : NULL;
}

/* Id (the key under the acronym), code, url, source, event, year.
 * Return 0, or -1 when out of memory. */
static int set_identity(wm_session_t *s, const talk_t *t, const char *key, const char *code,
                        const conference_t *conf, const char *source)
{
    s->id = wm_strdup_printf("%s:%s", conf->prefix ? conf->prefix : "schedule", key);
    s->year = year_of(conf->start);
    if (!s->year)
        s->year = year_of(t->field[T_DATE]);
    return s->id && wm_session_set(&s->page_title, key) == 0 && wm_session_set(&s->code, code) == 0 &&
                   wm_session_set(&s->url, t->field[T_URL]) == 0 &&
                   wm_session_set(&s->source, source) == 0 && wm_session_set(&s->event, conf->event) == 0
               ? 0
               : -1;
}

/* Track, language and status: labels the rules normalise (a status the
 * rules do not know is left out rather than guessed). */
static int set_labels(wm_session_t *s, const talk_t *t, const wm_rules_t *rules)
{
    char *track;
    if (clean_line(t->field[T_TRACK], &track) < 0)
        return -1;
    int rc = track ? wm_session_add_track(s, track) : 0;
    free(track);
    if (rc == 0 && has_text(t->field[T_LANGUAGE])) {
        const char *code = wm_rules_language(rules, t->field[T_LANGUAGE]);
        rc = code ? wm_session_set(&s->language, code) : 0;
    }
    if (rc == 0 && has_text(t->field[T_STATUS])) {
        const char *status = wm_rules_status(rules, t->field[T_STATUS]);
        rc = status ? wm_session_set(&s->status, status) : 0;
    }
    return rc;
}

/* The session of a talk that has a title and a key; NULL when out of memory. */
static wm_session_t *session_of(const talk_t *t, const char *key, const char *code,
                                const conference_t *conf, const wm_rules_t *rules, const char *source)
{
    wm_session_t *s = wm_session_new();
    if (!s)
        return NULL;
    s->origin = WM_ORIGIN_SCHEDULE;
    bool ok = set_identity(s, t, key, code, conf, source) == 0 &&
              clean_line(t->field[T_TITLE], &s->title) == 0 && set_type(s, t, rules) == 0 && add_people(s, t) == 0 && set_abstract(s, t) == 0 &&
              set_labels(s, t, rules) == 0;
    if (!ok) {
        wm_session_free(s);
        return NULL;
    }
    return s;
}

/* --- talks seen ---------------------------------------------------------------- */

/* The keys of the talks made sessions, so that a talk scheduled in several
 * slots gives one session: an open-addressing hash set of strings. */
typedef struct key_set {
    char **slots;
    size_t n_slots;     /* a power of two, or 0 */
    size_t n_keys;
} key_set_t;

static size_t key_hash(const char *key)
{
    size_t h = 1469598103934665603ULL & SIZE_MAX;   /* FNV-1a */
    for (; *key; key++)
        h = (h ^ (unsigned char)*key) * (size_t)1099511628211ULL;
    return h;
}

/* The slot of key, or the empty slot where it would go. */
static char **key_slot(char **slots, size_t n_slots, const char *key)
{
    for (size_t i = key_hash(key) & (n_slots - 1);; i = (i + 1) & (n_slots - 1))
        if (!slots[i] || strcmp(slots[i], key) == 0)
            return &slots[i];
}

static bool key_set_has(const key_set_t *set, const char *key)
{
    return set->n_slots && *key_slot(set->slots, set->n_slots, key);
}

static int key_set_grow(key_set_t *set)
{
    size_t n_slots = set->n_slots ? set->n_slots * 2 : 64;
    char **slots = calloc(n_slots, sizeof *slots);
    if (!slots)
        return -1;
    for (size_t i = 0; i < set->n_slots; i++)
        if (set->slots[i])
            *key_slot(slots, n_slots, set->slots[i]) = set->slots[i];
    free(set->slots);
    set->slots = slots;
    set->n_slots = n_slots;
    return 0;
}

/* Add key (copied); return 0, or -1 when out of memory. */
static int key_set_add(key_set_t *set, const char *key)
{
    if ((set->n_keys + 1) * 2 > set->n_slots && key_set_grow(set) < 0)
        return -1;
    char **slot = key_slot(set->slots, set->n_slots, key);
    if (*slot)
        return 0;
    if (!(*slot = strdup(key)))
        return -1;
    set->n_keys++;
    return 0;
}

static void key_set_free(key_set_t *set)
{
    for (size_t i = 0; i < set->n_slots; i++)
        free(set->slots[i]);
    free(set->slots);
}

/* --- the reading context ------------------------------------------------------- */

typedef struct reader {
    wm_stream_t *stream;
    const wm_rules_t *rules;
    const char *source;
    wm_schedule_session_fn on_session;
    void *ctx;
    conference_t conf;
    bool conf_done;     /* conf.event and conf.year are set */
    key_set_t seen;
    wm_tally_t tally;
    bool stopped, oom, stream_failed;
    wm_result_t failure;   /* the error found (error says where), else WM_OK */
    char *error;
} reader_t;

/* text in lower case, every run of other than ASCII letters and digits as
 * one '-' (none at the ends); NULL when nothing is left or out of memory. */
static char *slug(const char *text)
{
    size_t n = 0;
    char *out = text ? malloc(strlen(text) + 1) : NULL;
    for (const char *p = text; out && *p; p++) {
        if (isalnum((unsigned char)*p))
            out[n++] = (char)tolower((unsigned char)*p);
        else if (n && out[n - 1] != '-')
            out[n++] = '-';
    }
    while (n && out[n - 1] == '-')
        n--;
    if (out && !n) {
        free(out);
        return NULL;
    }
    if (out)
        out[n] = '\0';
    return out;
}

/* Does text have a letter or digit to make a slug of? */
static bool slug_wanted(const char *text)
{
    for (const char *p = text; p && *p; p++)
        if (isalnum((unsigned char)*p))
            return true;
    return false;
}

/* Once the conference is known (before its first talk): its event and year. */
static void conference_done(reader_t *r, const talk_t *first)
{
    if (r->conf_done)
        return;
    r->conf_done = true;
    if (clean_line(has_text(r->conf.title) ? r->conf.title : r->conf.acronym, &r->conf.event) < 0)
        r->oom = true;
    r->conf.prefix = has_text(r->conf.acronym) ? strdup(r->conf.acronym) : slug(r->conf.event);
    if (!r->conf.prefix && (has_text(r->conf.acronym) || slug_wanted(r->conf.event)))
        r->oom = true;
    r->conf.year = year_of(r->conf.start);
    if (!r->conf.year && first)
        r->conf.year = year_of(first->field[T_DATE]);
}

/* A talk read: a session unless it has no title or key, or was one already. */
static void emit(reader_t *r, const talk_t *t)
{
    if (r->stopped || r->oom)
        return;
    conference_done(r, t);
    r->tally.pages++;
    r->tally.candidates++;
    const char *code;
    char *from_url;
    const char *key = key_of(t, &code, &from_url);
    wm_session_t *s = NULL;
    if (!key || !has_text(t->field[T_TITLE]))
        r->tally.rejected[WM_REJECT_NO_TITLE]++;
    else if (key_set_has(&r->seen, key))
        r->tally.rejected[WM_REJECT_DUPLICATE]++;
    else if (key_set_add(&r->seen, key) < 0 || !(s = session_of(t, key, code, &r->conf, r->rules, r->source)))
        r->oom = true;
    free(from_url);
    if (!s)
        return;
    r->tally.sessions++;
    if (r->on_session(r->ctx, s) != WM_OK)
        r->stopped = true;
}

/* --- pretalx JSON ----------------------------------------------------------------- */

/* A string, or of an i18n object {"en": "...", ...} the English text, else the first. */
static const char *i18n_text(const json_t *value)
{
    if (json_is_string(value))
        return json_string_value(value);
    if (!json_is_object(value))
        return NULL;
    const json_t *en = json_object_get(value, "en");
    if (json_is_string(en) && has_text(json_string_value(en)))
        return json_string_value(en);
    const char *key;
    json_t *item;
    json_object_foreach((json_t *)value, key, item)
        if (json_is_string(item) && has_text(json_string_value(item)))
            return json_string_value(item);
    return NULL;
}

static char *json_text(const json_t *object, const char *key)
{
    const json_t *value = json_object_get(object, key);
    const char *text = i18n_text(value);
    if (text)
        return strdup(text);
    if (json_is_integer(value))
        return wm_strdup_printf("%lld", (long long)json_integer_value(value));
    return NULL;
}

static int json_persons(talk_t *t, const json_t *persons)
{
    size_t n = json_is_array(persons) ? json_array_size(persons) : 0;
    if (!n)
        return 0;
    t->persons = calloc(n, sizeof *t->persons);
    if (!t->persons)
        return -1;
    for (size_t i = 0; i < n; i++) {
        const json_t *p = json_array_get(persons, i);
        person_t *out = &t->persons[t->n_persons++];
        out->name = json_text(p, "public_name");
        if (!out->name)   /* frab JSON 0.8 */
            out->name = json_text(p, "full_public_name");
        if (!out->name)
            out->name = json_text(p, "name");
        out->code = json_text(p, "code");   /* pretalx; frab's person id otherwise */
        if (!out->code)
            out->code = json_text(p, "id");
        out->biography = json_text(p, "biography");
    }
    return 0;
}

static void json_talk(reader_t *r, const json_t *talk)
{
    static const struct { int field; const char *key; } keys[] = {
        {T_CODE, "code"}, {T_GUID, "guid"}, {T_NUMBER, "id"}, {T_TITLE, "title"},
        {T_SUBTITLE, "subtitle"}, {T_TYPE, "type"}, {T_TRACK, "track"},
        {T_LANGUAGE, "language"}, {T_ABSTRACT, "abstract"}, {T_DESCRIPTION, "description"},
        {T_DURATION, "duration"}, {T_DATE, "date"}, {T_URL, "url"}, {T_STATUS, "state"},
        {T_STATUS, "status"},
    };
    talk_t t = {0};
    if (!json_is_object(talk))
        return;
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++)
        if (!t.field[keys[i].field])
            t.field[keys[i].field] = json_text(talk, keys[i].key);
    if (json_persons(&t, json_object_get(talk, "persons")) < 0)
        r->oom = true;
    emit(r, &t);
    talk_clear(&t);
}

/* schedule.conference.days[].rooms: {room: [talk...]} (or a list of rooms). */
static void json_days(reader_t *r, const json_t *days)
{
    size_t d;
    const json_t *day;
    json_array_foreach(days, d, day) {
        const json_t *rooms = json_object_get(day, "rooms");
        const char *room_name;
        json_t *talks;
        size_t i;
        const json_t *talk;
        if (json_is_object(rooms)) {
            json_object_foreach((json_t *)rooms, room_name, talks)
                json_array_foreach(talks, i, talk)
                    json_talk(r, talk);
        } else if (json_is_array(rooms)) {
            size_t k;
            json_array_foreach(rooms, k, talks)
                json_array_foreach(json_object_get(talks, "talks"), i, talk)
                    json_talk(r, talk);
        }
    }
}

static size_t json_feed(void *buffer, size_t len, void *data)
{
    reader_t *r = data;
    ssize_t n = wm_stream_read(r->stream, buffer, len);
    if (n < 0) {
        r->stream_failed = true;
        return (size_t)-1;
    }
    return (size_t)n;
}

static void read_json(reader_t *r)
{
    json_error_t jerr;
    json_t *root = json_load_callback(json_feed, r, JSON_DISABLE_EOF_CHECK | JSON_ALLOW_NUL, &jerr);
    if (!root) {
        r->failure = r->stream_failed ? WM_ERR_READ : WM_ERR_MALFORMED;
        r->error = r->stream_failed
                       ? strdup(wm_stream_error(r->stream))
                       : wm_strdup_printf("%s: not a schedule export: JSON error at line %d: %s",
                                          r->source, jerr.line, jerr.text);
        return;
    }
    const json_t *conf = json_object_get(json_object_get(root, "schedule"), "conference");
    const json_t *days = json_object_get(conf, "days");
    if (!json_is_array(days)) {
        r->failure = WM_ERR_NOT_INPUT;
        r->error = wm_strdup_printf("%s: not a schedule export (no schedule.conference.days)",
                                    r->source);
    } else {
        r->conf.acronym = json_text(conf, "acronym");
        r->conf.title = json_text(conf, "title");
        r->conf.start = json_text(conf, "start");
        json_days(r, days);
    }
    json_decref(root);
}

/* --- frab XML --------------------------------------------------------------------- */

/* Where the parser is: inside <conference>, an <event>, a <person>. */
typedef struct frab {
    reader_t *r;
    XML_Parser parser;
    int depth;
    int conference_depth, event_depth;   /* 0 = not inside */
    talk_t talk;
    person_t *person;                    /* the <person> being read */
    wm_buf_t text;                       /* character data of the current element */
} frab_t;

static const char *attribute(const XML_Char **attrs, const char *name)
{
    for (size_t i = 0; attrs[i]; i += 2)
        if (strcmp(attrs[i], name) == 0)
            return attrs[i + 1];
    return NULL;
}

static void frab_person_start(frab_t *f, const XML_Char **attrs)
{
    person_t *persons = realloc(f->talk.persons, (f->talk.n_persons + 1) * sizeof *persons);
    if (!persons) {
        f->r->oom = true;
        return;
    }
    f->talk.persons = persons;
    f->person = &persons[f->talk.n_persons++];
    memset(f->person, 0, sizeof *f->person);
    const char *code = attribute(attrs, "code");
    if (!code)
        code = attribute(attrs, "id");
    if (code && !(f->person->code = strdup(code)))
        f->r->oom = true;
}

static void XMLCALL frab_start(void *data, const XML_Char *name, const XML_Char **attrs)
{
    frab_t *f = data;
    f->depth++;
    wm_buf_clear(&f->text);
    if (strcmp(name, "conference") == 0 && !f->conference_depth && !f->event_depth)
        f->conference_depth = f->depth;
    else if (strcmp(name, "event") == 0 && !f->event_depth) {
        f->event_depth = f->depth;
        talk_clear(&f->talk);
        const char *guid = attribute(attrs, "guid"), *id = attribute(attrs, "id");
        if ((guid && !(f->talk.field[T_GUID] = strdup(guid))) ||
            (id && !(f->talk.field[T_NUMBER] = strdup(id))))
            f->r->oom = true;
    } else if (strcmp(name, "person") == 0 && f->event_depth)
        frab_person_start(f, attrs);
}

static int event_field(const char *name)
{
    static const struct { int field; const char *name; } names[] = {
        {T_TITLE, "title"}, {T_SUBTITLE, "subtitle"}, {T_TYPE, "type"}, {T_TRACK, "track"},
        {T_LANGUAGE, "language"}, {T_ABSTRACT, "abstract"}, {T_DESCRIPTION, "description"},
        {T_DURATION, "duration"}, {T_DATE, "date"}, {T_URL, "url"}, {T_STATUS, "state"},
        {T_STATUS, "status"},
    };
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        if (strcmp(names[i].name, name) == 0)
            return names[i].field;
    return -1;
}

/* Take the text of the element that just ended into *slot (first one wins). */
static void take_text(frab_t *f, char **slot)
{
    if (*slot)
        return;
    char *text = wm_strndup(f->text.data ? f->text.data : "", f->text.len);
    if (!text)
        f->r->oom = true;
    *slot = text;
}

static void XMLCALL frab_end(void *data, const XML_Char *name)
{
    frab_t *f = data;
    if (f->event_depth && f->depth == f->event_depth) {
        emit(f->r, &f->talk);
        talk_clear(&f->talk);
        f->person = NULL;
        f->event_depth = 0;
    } else if (f->event_depth && strcmp(name, "person") == 0 && f->person) {
        take_text(f, &f->person->name);
        f->person = NULL;
    } else if (f->event_depth == f->depth - 1) {
        int field = event_field(name);
        if (field >= 0)
            take_text(f, &f->talk.field[field]);
    } else if (f->conference_depth && f->depth == f->conference_depth + 1) {
        if (strcmp(name, "acronym") == 0)
            take_text(f, &f->r->conf.acronym);
        else if (strcmp(name, "title") == 0)
            take_text(f, &f->r->conf.title);
        else if (strcmp(name, "start") == 0)
            take_text(f, &f->r->conf.start);
    } else if (f->conference_depth == f->depth) {
        f->conference_depth = 0;
    }
    wm_buf_clear(&f->text);
    f->depth--;
    if (f->r->stopped || f->r->oom)
        XML_StopParser(f->parser, XML_FALSE);
}

static void XMLCALL frab_text(void *data, const XML_Char *s, int len)
{
    frab_t *f = data;
    if ((f->event_depth || f->conference_depth) && wm_buf_append(&f->text, s, (size_t)len) < 0) {
        f->r->oom = true;
        XML_StopParser(f->parser, XML_FALSE);
    }
}

static void frab_parse(frab_t *f)
{
    char buf[65536];
    for (;;) {
        ssize_t n = wm_stream_read(f->r->stream, buf, sizeof buf);
        if (n < 0) {
            f->r->failure = WM_ERR_READ;
            f->r->error = strdup(wm_stream_error(f->r->stream));
            return;
        }
        if (XML_Parse(f->parser, buf, (int)n, n == 0) == XML_STATUS_ERROR) {
            if (!f->r->stopped && !f->r->oom) {
                f->r->failure = WM_ERR_MALFORMED;
                f->r->error = wm_strdup_printf(
                    "%s: schedule XML error at line %lu: %s", f->r->source,
                    (unsigned long)XML_GetCurrentLineNumber(f->parser),
                    XML_ErrorString(XML_GetErrorCode(f->parser)));
            }
            return;
        }
        if (n == 0)
            return;
    }
}

static void read_frab(reader_t *r)
{
    frab_t f = {.r = r};
    f.parser = XML_ParserCreate("UTF-8");
    if (!f.parser) {
        r->oom = true;
        return;
    }
    XML_SetUserData(f.parser, &f);
    XML_SetElementHandler(f.parser, frab_start, frab_end);
    XML_SetCharacterDataHandler(f.parser, frab_text);
    frab_parse(&f);
    XML_ParserFree(f.parser);
    talk_clear(&f.talk);
    wm_buf_free(&f.text);
}

/* --- entry point ------------------------------------------------------------------ */

wm_result_t wm_schedule_read(wm_stream_t *stream, wm_input_kind_t kind, const wm_rules_t *rules,
                             const char *source, wm_schedule_session_fn on_session, void *ctx,
                             wm_tally_t *tally, char **event, char **error)
{
    reader_t r = {.stream = stream, .rules = rules, .source = source ? source : "",
                  .on_session = on_session, .ctx = ctx};
    *error = NULL;
    if (event)
        *event = NULL;
    if (kind == WM_INPUT_SCHEDULE_JSON)
        read_json(&r);
    else if (kind == WM_INPUT_FRAB_XML)
        read_frab(&r);
    else {
        r.failure = WM_ERR_NOT_INPUT;
        r.error = wm_strdup_printf("%s: not a schedule export", r.source);
    }
    if (!r.oom && r.failure == WM_OK)
        conference_done(&r, NULL);   /* an export without talks has its event all the same */
    r.tally.year = r.conf.year;
    if (tally)
        *tally = r.tally;
    if (event && !r.oom) {
        *event = r.conf.event;
        r.conf.event = NULL;
    }
    free(r.conf.acronym);
    free(r.conf.title);
    free(r.conf.start);
    free(r.conf.event);
    free(r.conf.prefix);
    key_set_free(&r.seen);
    if (r.oom || (r.failure != WM_OK && !r.error)) {   /* no message: it could not be made */
        free(r.error);
        return WM_ERR_NO_MEMORY;
    }
    if (r.failure != WM_OK) {
        *error = r.error;
        return r.failure;
    }
    return r.stopped ? WM_STOPPED : WM_OK;
}
