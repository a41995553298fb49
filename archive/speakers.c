/* Turning a speakers value into people (archive/speakers.h). */
#include "archive/speakers.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/util.h"
#include "archive/wikitext.h"
#include "archive/wikitext_lines.h"

/* One value being read: where its people go, and whether memory ran out
 * on the way (reading goes on, so that as many people as possible stay). */
typedef struct reader {
    wm_session_t *session;
    bool oom;
} reader_t;

/* Case-insensitive search for needle in hay[0..len). */
static const char *find_ci(const char *hay, size_t len, const char *needle)
{
    size_t n = strlen(needle);
    for (size_t i = 0; i + n <= len; i++)
        if (strncasecmp(hay + i, needle, n) == 0)
            return hay + i;
    return NULL;
}

static char *plain_of(reader_t *r, const char *text, size_t len)
{
    char *plain = wm_wikitext_to_plain(text, len);
    if (!plain)
        r->oom = true;
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

/* name (plain text) taken apart (speakers.h's rules) and added; a user
 * link's username wins over one written beside the name. */
static int add_parsed_person(wm_session_t *session, const char *name, const char *username,
                             const char *biography)
{
    wm_person_name_t parsed;
    if (wm_speakers_parse_name(name, &parsed) < 0)
        return -1;
    int rc = 0;
    if (*parsed.name) {
        wm_speaker_t person = {.name = parsed.name,
                               .username = username ? (char *)username : parsed.username,
                               .biography = (char *)biography, .affiliation = parsed.affiliation,
                               .raw = strcmp(parsed.name, name) != 0 ? (char *)name : NULL};
        rc = wm_session_add_person(session, &person);
    }
    wm_person_name_clear(&parsed);
    return rc;
}

/* One person from a piece of wikitext: a user link gives the username and
 * the display name; otherwise the plain text is the name. */
static void add_person(reader_t *r, const char *raw, size_t len, const char *biography)
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
                                         : plain_of(r, link.display, link.display_len);
        if (!username || !name)
            r->oom = true;
    } else {
        name = plain_of(r, raw, len);
    }
    if (name)
        trim_name(name);
    if (name && *name && add_parsed_person(r->session, name, username, biography) < 0)
        r->oom = true;
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
static void add_people_from_text(reader_t *r, const char *text, size_t len)
{
    int depth = 0, parens = 0;
    size_t start = 0;
    for (size_t i = 0; i < len; i++) {
        if (i + 1 < len && (text[i] == '[' || text[i] == '{') && text[i + 1] == text[i]) {
            depth++;
            i++;
        } else if (i + 1 < len && (text[i] == ']' || text[i] == '}') && text[i + 1] == text[i]) {
            depth -= depth > 0;
            i++;
        } else if (text[i] == '(' || text[i] == ')') {
            parens += text[i] == '(' ? 1 : -(parens > 0);   /* "Name (Wikimedia UK, WMUK)" */
        } else if (depth == 0 && parens == 0) {
            size_t sep = separator_at(text, i, len);
            if (!sep)
                continue;
            add_person(r, text + start, i - start, NULL);
            start = i + sep;
            i += sep - 1;
        }
    }
    add_person(r, text + start, len - start, NULL);
}

/* One person per list item; without a list, every line is free text. */
static void add_people_from_list(reader_t *r, const char *raw)
{
    bool has_items = has_list_items(raw);
    const char *cursor = raw, *line;
    size_t len;
    while (next_value_line(&cursor, has_items, &line, &len)) {
        len = signature_start(line, len);
        if (has_items)
            add_person(r, line, len, NULL);
        else
            add_people_from_text(r, line, len);
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

static void flush_person(reader_t *r, const char *name, size_t len, wm_buf_t *bio)
{
    char *plain = bio->len ? plain_of(r, bio->data, bio->len) : NULL;
    add_person(r, name, len, plain && *plain ? plain : NULL);
    free(plain);
    wm_buf_clear(bio);
}

/* "'''Name''' - bio text" on one line: return the length of the bold name
 * and put the rest into bio; the whole length when there is no such split. */
static size_t split_bold_name(reader_t *r, const char *line, size_t len, wm_buf_t *bio)
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
        r->oom = true;
    return name_len;
}

/* 2024 style: each bold line starts a person, the paragraphs after it are
 * the biography.  Return the number of people found. */
static size_t add_people_with_bios(reader_t *r, const char *raw)
{
    const char *cursor = raw, *line, *name = NULL;
    size_t len, name_len = 0, found = 0;
    wm_buf_t bio = {0};
    while (next_line(&cursor, &line, &len)) {
        if (starts_person(line, len)) {
            if (name)
                flush_person(r, name, name_len, &bio);
            name_len = len;
            name = skip_markers(line, &name_len);
            name_len = split_bold_name(r, name, name_len, &bio);
            found++;
        } else if (name && (wm_buf_append(&bio, line, len) < 0 || wm_buf_append_char(&bio, '\n') < 0)) {
            r->oom = true;
        }
    }
    if (name)
        flush_person(r, name, name_len, &bio);
    wm_buf_free(&bio);
    return found;
}

/* A bold line alone ('''Name''') followed by text: names with biographies. */
static bool looks_like_bios(const char *raw)
{
    const char *cursor = raw, *line;
    size_t len;
    bool after_name = false;
    while (next_line(&cursor, &line, &len)) {
        while (len && isspace((unsigned char)line[len - 1]))
            len--;
        bool bold = len > 6 && strncmp(line, "'''", 3) == 0 && strncmp(line + len - 3, "'''", 3) == 0;
        if (bold)
            after_name = true;
        else if (after_name && len)
            return true;
    }
    return false;
}

/* Names are often listed one a line with <br>: those are line breaks here. */
char *wm_speakers_break_lines(const char *raw)
{
    if (!find_ci(raw, strlen(raw), "<br"))
        return strdup(raw);
    wm_buf_t out = {0};
    int rc = wm_buf_append(&out, "", 0);
    for (const char *p = raw; *p && rc == 0;) {
        size_t n = 0;
        if (strncasecmp(p, "<br", 3) == 0 && p[3] && strchr(" />", p[3])) {
            n = 3;
            while (p[n] == ' ' || p[n] == '/')
                n++;
            n = p[n] == '>' ? n + 1 : 0;
        }
        rc = n ? wm_buf_append_char(&out, '\n') : wm_buf_append_char(&out, *p);
        p += n ? n : 1;
    }
    if (rc < 0) {
        wm_buf_free(&out);
        return NULL;
    }
    return wm_buf_take(&out);
}

/* A value without list items or bold names still names people, so every
 * wikitext form falls back to reading it as a list. */
int wm_speakers_add(wm_session_t *session, const char *raw, wm_speakers_form_t form)
{
    reader_t r = {session, false};
    char *lines = wm_speakers_break_lines(raw);
    if (!lines)
        return -1;
    size_t found = 0;
    if (form == WM_SPEAKERS_AS_TEXT)
        add_people_from_text(&r, lines, strlen(lines));
    else if (form == WM_SPEAKERS_AS_BIOS ||
             (form == WM_SPEAKERS_AS_WRITTEN && looks_like_bios(lines)))
        found = add_people_with_bios(&r, lines);
    if (!found && form != WM_SPEAKERS_AS_TEXT)
        add_people_from_list(&r, lines);
    free(lines);
    return r.oom ? -1 : 0;
}


/* ---- one person's text taken apart (speakers.h has the rules) -------- */

/* Words that make a bracketed or slashed part an organisation: compared
 * as whole words, any case. */
static const char *const organisation_words[] = {
    "wikimedia", "wikipedia", "wikidata", "wikimedians", "wikisource", "wikiversity", "foundation",
    "university", "universidad", "universidade", "université", "universität", "università",
    "universiteit", "college", "institute", "institut", "instituto", "museum", "museo", "musée",
    "library", "biblioteca", "bibliothèque", "archive", "archives", "society", "association",
    "chapter", "group", "e.v.", "inc", "inc.", "ltd", "gmbh", "ngo", "wikiproject", "council",
    "committee", "network", "centre", "center", "school", "department", "ministry", "gallery",
    "initiative", "movement", "wmf", NULL};

/* Bracketed words that say what a person does, not who they are. */
static const char *const role_words[] = {
    "moderator", "remote", "online", "virtual", "tbc", "tbd", "invited", "host", "facilitator",
    "chair", "speaker", "presenter", "panelist", "panellist", "keynote", "organiser", "organizer",
    "staff", "volunteer", "in person", "in-person", NULL};

typedef enum part_kind { PART_NEITHER, PART_USERNAME, PART_AFFILIATION } part_kind_t;

static bool is_word_char(char c)
{
    return c && !isspace((unsigned char)c) && !strchr(",;()/&", c);
}

static bool has_organisation_word(const char *text)
{
    for (const char *p = text; *p;) {
        while (*p && !is_word_char(*p))
            p++;
        size_t n = 0;
        while (is_word_char(p[n]))
            n++;
        for (size_t i = 0; n && organisation_words[i]; i++)
            if (strlen(organisation_words[i]) == n && strncasecmp(p, organisation_words[i], n) == 0)
                return true;
        p += n;
    }
    return false;
}

/* WMCH, WMEU, WMF, UNESCO, WMDE2: capitals and digits, at least two capitals. */
static bool is_acronym(const char *text)
{
    size_t n = strlen(text), capitals = 0;
    if (n < 2 || n > 12)
        return false;
    for (size_t i = 0; i < n; i++) {
        if (isupper((unsigned char)text[i]))
            capitals++;
        else if (!isdigit((unsigned char)text[i]) && text[i] != '-')
            return false;
    }
    return capitals >= 2;
}

static bool is_role(const char *text)
{
    for (size_t i = 0; role_words[i]; i++)
        if (strcasecmp(text, role_words[i]) == 0)
            return true;
    return false;
}

/* What a bracketed or slashed part is (speakers.h, rule 2); words: whether
 * several words make an affiliation (in brackets; not after a '/', where
 * they are more often a name). */
static part_kind_t judge_part(const char *text, bool words)
{
    if (!*text)
        return PART_NEITHER;
    if (strncasecmp(text, "User:", 5) == 0)
        return text[5] ? PART_USERNAME : PART_NEITHER;
    if (strpbrk(text, "/,;") || is_role(text))
        return PART_NEITHER;
    if (has_organisation_word(text) || is_acronym(text) || (words && strchr(text, ' ')))
        return PART_AFFILIATION;
    return strchr(text, ' ') ? PART_NEITHER : PART_USERNAME;
}

/* A copy of text[0..len) trimmed, "User:" taken off a username; NULL when out of memory. */
static char *part_copy(const char *text, size_t len, part_kind_t kind)
{
    char *copy = wm_strdup_trimmed(text, len);
    if (copy && kind == PART_USERNAME && strncasecmp(copy, "User:", 5) == 0)
        memmove(copy, copy + 5, strlen(copy + 5) + 1);
    if (copy) {
        wm_squeeze_spaces(copy);
        for (char *p = copy; kind == PART_USERNAME && *p; p++)
            if (*p == '_')
                *p = ' ';
    }
    return copy;
}

/* Keep value as *slot when the slot is free; false when it is taken (value freed). */
static bool take_part(char **slot, char *value)
{
    if (*slot) {
        free(value);
        return false;
    }
    *slot = value;
    return true;
}

/* Rule 2: bracketed groups at the end of name (cut off it as they are taken). */
static int take_brackets(char *name, wm_person_name_t *out)
{
    for (int group = 0; group < 3; group++) {
        size_t n = strlen(name);
        while (n && isspace((unsigned char)name[n - 1]))
            n--;
        if (!n || name[n - 1] != ')')
            return 0;
        char *open = NULL;
        for (size_t i = n - 1, depth = 0; i-- > 0;) {
            if (name[i] == ')')
                depth++;
            else if (name[i] == '(' && depth-- == 0) {
                open = name + i;
                break;
            }
        }
        if (!open || open == name)
            return 0;
        char *inside = part_copy(open + 1, (size_t)(name + n - 1 - open - 1), PART_NEITHER);
        if (!inside)
            return -1;
        part_kind_t kind = judge_part(inside, true);
        free(inside);
        if (kind == PART_NEITHER)
            return 0;
        char *value = part_copy(open + 1, (size_t)(name + n - 1 - open - 1), kind);
        if (!value)
            return -1;
        if (!take_part(kind == PART_USERNAME ? &out->username : &out->affiliation, value))
            return 0;
        *open = '\0';
    }
    return 0;
}

/* Rule 3: "Name / X" or "X / Name". */
static int take_slash(char *name, wm_person_name_t *out)
{
    char *slash = strchr(name, '/');
    if (!slash || strchr(slash + 1, '/') || strstr(name, "://") || strchr(name, '('))
        return 0;
    char *left = part_copy(name, (size_t)(slash - name), PART_NEITHER);
    char *right = part_copy(slash + 1, strlen(slash + 1), PART_NEITHER);
    int rc = left && right ? 0 : -1;
    if (rc == 0 && *left && *right) {
        part_kind_t kind = judge_part(right, false);
        if (kind == PART_NEITHER && !strchr(left, ' ') && judge_part(left, false) == PART_USERNAME) {
            /* "cyphunk / nathan fain": the token first, the name after it */
            if (!out->username) {
                out->username = part_copy(left, strlen(left), PART_USERNAME);
                memmove(name, right, strlen(right) + 1);
                rc = out->username ? 0 : -1;
            }
        } else if (kind != PART_NEITHER) {
            char *value = part_copy(right, strlen(right), kind);
            if (!value)
                rc = -1;
            else if (take_part(kind == PART_USERNAME ? &out->username : &out->affiliation, value))
                memmove(name, left, strlen(left) + 1);
        }
    }
    free(left);
    free(right);
    return rc;
}

void wm_person_name_clear(wm_person_name_t *name)
{
    free(name->name);
    free(name->username);
    free(name->affiliation);
    *name = (wm_person_name_t){0};
}

int wm_speakers_parse_name(const char *raw, wm_person_name_t *out)
{
    *out = (wm_person_name_t){0};
    char *name = wm_strdup_trimmed(raw, strlen(raw));
    if (!name)
        return -1;
    wm_squeeze_spaces(name);
    bool user_prefix = strncasecmp(name, "User:", 5) == 0 && name[5];
    if (user_prefix)
        memmove(name, name + 5, strlen(name + 5) + 1);
    int rc = take_brackets(name, out);
    if (rc == 0)
        rc = take_slash(name, out);
    char *trimmed = rc == 0 ? wm_strdup_trimmed(name, strlen(name)) : NULL;
    free(name);
    if (trimmed && !*trimmed && out->username) {   /* "(notafish)" alone */
        free(trimmed);
        trimmed = strdup(out->username);
    }
    if (trimmed && user_prefix && !out->username) {   /* "User:Name": the name is the username */
        out->username = part_copy(trimmed, strlen(trimmed), PART_USERNAME);
        if (!out->username)
            rc = -1;
        else
            for (char *p = trimmed; *p; p++)
                if (*p == '_')
                    *p = ' ';
    }
    out->name = trimmed;
    if (rc < 0 || !out->name) {
        wm_person_name_clear(out);
        return -1;
    }
    return 0;
}

/* Length of a separator between people at text[i] of an export field, 0 if none;
 * *comma: it is a comma. */
static size_t field_separator_at(const char *text, size_t i, bool *comma)
{
    *comma = text[i] == ',';
    if (text[i] == ',' || text[i] == ';')
        return 1;
    if (text[i] == '&' && i && text[i - 1] == ' ' && text[i + 1] == ' ')
        return 1;
    if (strncmp(text + i, " and ", 5) == 0)
        return 5;
    return 0;
}

/* A part that may stand alone as a person: a capital first (not a small
 * ASCII letter, digit or punctuation: any non-ASCII letter is accepted). */
static bool looks_like_person(const char *part, bool after_comma_rule)
{
    unsigned char c = (unsigned char)part[0];
    if (!c || islower(c) || isdigit(c) || (c < 0x80 && !isalpha(c)))
        return false;
    return !after_comma_rule || strchr(part, ' ') || strncasecmp(part, "User:", 5) == 0;
}

static void free_parts(char **parts, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(parts[i]);
    free(parts);
}

int wm_speakers_split_field(const char *raw, char ***parts_out, size_t *n_out)
{
    size_t len = strlen(raw), n = 0, start = 0;
    char **parts = calloc(len / 2 + 2, sizeof *parts);
    bool comma = false, ok = parts != NULL;
    for (size_t i = 0, depth = 0; ok && i <= len; i++) {
        bool is_comma = false;
        size_t sep = i == len ? 1 : 0;
        if (i < len && raw[i] == '(')
            depth++;
        else if (i < len && raw[i] == ')' && depth)
            depth--;
        else if (i < len && depth == 0)
            sep = field_separator_at(raw, i, &is_comma);
        if (!sep)
            continue;
        comma |= is_comma;
        ok = (parts[n++] = wm_strdup_trimmed(raw + start, i - start)) != NULL;
        start = i + sep;
        i += sep - 1;
    }
    bool split = ok && n > 1;
    for (size_t i = 0; split && i < n; i++)
        split = *parts[i] && looks_like_person(parts[i], comma);
    if (!split) {
        free_parts(parts, n);
        parts = NULL;
    }
    if (!ok)
        return -1;
    if (!parts) {   /* no split: the field is one person */
        parts = calloc(1, sizeof *parts);
        n = 1;
        if (!parts || !(parts[0] = wm_strdup_trimmed(raw, len))) {
            free(parts);
            return -1;
        }
    }
    *parts_out = parts;
    *n_out = n;
    return 0;
}

/* One part of a field as a person: taken apart, raw kept when the name is not the field. */
static int add_field_part(wm_session_t *session, const char *field, const char *part, const char *code,
                          const char *biography)
{
    wm_person_name_t parsed;
    if (wm_speakers_parse_name(part, &parsed) < 0)
        return -1;
    int rc = 0;
    if (*parsed.name) {
        wm_speaker_t person = {.name = parsed.name, .username = parsed.username, .code = (char *)code,
                               .biography = (char *)biography, .affiliation = parsed.affiliation,
                               .raw = strcmp(parsed.name, field) != 0 ? (char *)field : NULL};
        rc = wm_session_add_person(session, &person);
    }
    wm_person_name_clear(&parsed);
    return rc;
}

int wm_speakers_add_field(wm_session_t *session, const char *field, const char *code, const char *biography)
{
    char **parts;
    size_t n;
    if (wm_speakers_split_field(field, &parts, &n) < 0)
        return -1;
    int rc = 0;
    for (size_t i = 0; i < n; i++)
        if (rc == 0)
            rc = add_field_part(session, field, parts[i], code, biography);
    free_parts(parts, n);
    return rc;
}
