/* Era rules: the built-in rules text, its parser, and the lookups the
 * extractor asks of a parsed rule set (which era a page belongs to, what a
 * type label or a language name means).  The grammar is in doc/rules.md;
 * keep the two in step. */
#include "archive/rules.h"

#include <ctype.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "archive/session.h"
#include "common/util.h"

/* The built-in rules: data/rules/wikimania.rules, turned into a C string
 * at build time (Makefile.am), so the shipped file and what the programs use
 * cannot differ.  Era knowledge belongs there, not in extract.c. */
static const char builtin_rules[] =
#include "archive/rules_builtin.h"
    ;

const char *wm_rules_builtin_text(void)
{
    return builtin_rules;
}

wm_result_t wm_rules_builtin(wm_rules_t **rules, char **error)
{
    return wm_rules_parse(builtin_rules, sizeof builtin_rules - 1, rules, error);
}

static const char *const field_names[WM_FIELD_COUNT] = {
    "title", "type", "track", "language", "speakers", "abstract", "description", "duration",
    "code", "status",
};

const char *wm_field_name(wm_field_t field)
{
    return (unsigned)field < WM_FIELD_COUNT ? field_names[field] : "?";
}

static int field_by_name(const char *name)
{
    for (int i = 0; i < WM_FIELD_COUNT; i++)
        if (strcmp(field_names[i], name) == 0)
            return i;
    return -1;
}

/* --- small helpers ------------------------------------------------------- */

static void names_free(wm_names_t *names)
{
    for (size_t i = 0; i < names->n; i++)
        free(names->items[i]);
    free(names->items);
    names->items = NULL;
    names->n = 0;
}

/* Append item (ownership passes to names, also on failure). */
static int names_push(wm_names_t *names, char *item)
{
    char **items = item ? realloc(names->items, (names->n + 1) * sizeof *items) : NULL;
    if (!items) {
        free(item);
        return -1;
    }
    items[names->n++] = item;
    names->items = items;
    return 0;
}

static void lower_ascii(char *s)
{
    for (; *s; s++)
        *s = (char)tolower((unsigned char)*s);
}

/* Remove a trailing suffix (ASCII case-insensitive) and the spaces before it. */
static bool strip_suffix(char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    if (n < k || strncasecmp(s + n - k, suffix, k) != 0)
        return false;
    s[n - k] = '\0';
    while (n - k > 0 && isspace((unsigned char)s[n - k - 1]))
        s[--n - k] = '\0';
    return true;
}

char *wm_rules_normalise_label(const char *text)
{
    char *out = malloc(strlen(text) + 1);
    if (!out)
        return NULL;
    size_t n = 0;
    int depth = 0;
    for (const char *p = text; *p; p++) {
        if (*p == '(')
            depth++;
        else if (*p == ')' && depth > 0)
            depth--;
        else if (depth == 0)
            out[n++] = *p;
    }
    out[n] = '\0';
    lower_ascii(out);
    wm_squeeze_spaces(out);
    while (strip_suffix(out, ":") || strip_suffix(out, ", if any"))
        ;
    return out;
}

/* --- title patterns ------------------------------------------------------- */

enum capture_kind { CAPTURE_YEAR, CAPTURE_CODE, CAPTURE_ANY, CAPTURE_SEGMENT };

/* Parse "{name}" at p: the capture's kind and field (-1 when it fills none);
 * return the length of the capture or 0 when it is not a known capture. */
static size_t parse_capture(const char *p, enum capture_kind *kind, int *field)
{
    const char *end = strchr(p, '}');
    if (*p != '{' || !end)
        return 0;
    size_t len = (size_t)(end - p) + 1;
    char name[16];
    if (len - 2 >= sizeof name)
        return 0;
    memcpy(name, p + 1, len - 2);
    name[len - 2] = '\0';
    *field = -1;
    if (strcmp(name, "year") == 0)
        *kind = CAPTURE_YEAR;
    else if (strcmp(name, "code") == 0) {
        *kind = CAPTURE_CODE;
        *field = WM_FIELD_CODE;
    }
    else if (strcmp(name, "any") == 0)
        *kind = CAPTURE_ANY;
    else if (strcmp(name, "title") == 0) {
        *kind = CAPTURE_ANY;
        *field = WM_FIELD_TITLE;
    } else if ((*field = field_by_name(name)) == WM_FIELD_TRACK || *field == WM_FIELD_TYPE ||
               *field == WM_FIELD_LANGUAGE) {
        *kind = CAPTURE_SEGMENT;
    } else {
        return 0;
    }
    return len;
}

static bool capture_accepts(enum capture_kind kind, char c)
{
    switch (kind) {
    case CAPTURE_YEAR:
        return isdigit((unsigned char)c);
    case CAPTURE_CODE:
        return isalnum((unsigned char)c);
    case CAPTURE_SEGMENT:
        return c != '/';
    default:
        return true;
    }
}

/* Backtracking match; depth is bounded by the number of captures in the
 * pattern (patterns are short and come from the rules, not from the dump). */
static bool match_at(const char *p, const char *t, wm_title_match_t *m)
{
    for (; *p && *p != '{'; p++, t++)
        if (*p != *t)
            return false;
    if (!*p)
        return !*t;
    enum capture_kind kind;
    int field;
    size_t plen = parse_capture(p, &kind, &field);
    if (!plen)
        return false;
    size_t max = 0;
    while (t[max] && capture_accepts(kind, t[max]))
        max++;
    if (kind == CAPTURE_YEAR && max > 4)
        max = 4;
    for (size_t len = kind == CAPTURE_YEAR ? 4 : 1; len <= max; len++) {
        if (!match_at(p + plen, t + len, m))
            continue;
        if (kind == CAPTURE_YEAR)
            m->year = (t[0] - '0') * 1000 + (t[1] - '0') * 100 + (t[2] - '0') * 10 + (t[3] - '0');
        if (field >= 0) {
            m->capture[field] = t;
            m->capture_len[field] = len;
        }
        return true;
    }
    return false;
}

bool wm_rules_match_title(const char *pattern, const char *title, wm_title_match_t *match)
{
    memset(match, 0, sizeof *match);
    if (match_at(pattern, title, match))
        return true;
    memset(match, 0, sizeof *match);
    return false;
}

bool wm_rules_era_covers_wiki(const wm_era_rule_t *era, const char *dbname)
{
    for (size_t i = 0; i < era->wikis.n; i++)
        if (fnmatch(era->wikis.items[i], dbname, 0) == 0)
            return true;
    return false;
}

static bool title_excluded(const wm_era_rule_t *era, const char *title)
{
    wm_title_match_t ignored;
    for (size_t i = 0; i < era->excludes.n; i++)
        if (wm_rules_match_title(era->excludes.items[i], title, &ignored) &&
            (!era->year || !ignored.year || era->year == ignored.year))
            return true;
    return false;
}

const wm_era_rule_t *wm_rules_find_era(const wm_rules_t *rules, const char *dbname,
                                       const char *title, wm_title_match_t *match)
{
    for (size_t e = 0; e < rules->n_eras; e++) {
        const wm_era_rule_t *era = &rules->eras[e];
        if (!wm_rules_era_covers_wiki(era, dbname))
            continue;
        for (size_t i = 0; i < era->titles.n; i++) {
            if (!wm_rules_match_title(era->titles.items[i], title, match))
                continue;
            if (era->year && match->year && era->year != match->year)
                continue;
            if (title_excluded(era, title)) {
                memset(match, 0, sizeof *match);   /* not a session of this era, nor of a later one */
                match->excluded_by = era;
                return NULL;
            }
            match->pattern = era->titles.items[i];
            return era;
        }
    }
    memset(match, 0, sizeof *match);
    return NULL;
}

bool wm_rules_wiki_known(const wm_rules_t *rules, const char *dbname)
{
    for (size_t e = 0; e < rules->n_eras; e++)
        if (wm_rules_era_covers_wiki(&rules->eras[e], dbname))
            return true;
    return false;
}

/* --- vocabulary lookups ----------------------------------------------------- */

bool wm_names_contain(const wm_names_t *names, const char *item)
{
    for (size_t i = 0; i < names->n; i++)
        if (strcmp(names->items[i], item) == 0)
            return true;
    return false;
}

static const char *type_exact(const wm_rules_t *rules, const char *lowered)
{
    for (size_t i = 0; i < rules->n_types; i++)
        if (wm_names_contain(&rules->types[i].labels, lowered))
            return rules->types[i].type;
    return NULL;
}

/* The type of the longest known label that starts text as whole words. */
static const char *type_by_prefix(const wm_rules_t *rules, const char *text)
{
    const char *best = NULL;
    size_t best_len = 0;
    for (size_t i = 0; i < rules->n_types; i++) {
        const wm_names_t *labels = &rules->types[i].labels;
        for (size_t j = 0; j < labels->n; j++) {
            size_t n = strlen(labels->items[j]);
            if (n > best_len && strncmp(text, labels->items[j], n) == 0 &&
                !isalnum((unsigned char)text[n])) {
                best = rules->types[i].type;
                best_len = n;
            }
        }
    }
    return best;
}

const char *wm_rules_type(const wm_rules_t *rules, const char *label)
{
    char *text = wm_rules_normalise_label(label ? label : "");
    if (!text || !*text) {
        free(text);
        return NULL;
    }
    const char *type = type_exact(rules, text);
    if (!type)
        type = type_by_prefix(rules, text);
    free(text);
    return type ? type : rules->other_type;
}

int wm_rules_label_minutes(const char *label)
{
    const char *open = label ? strrchr(label, '(') : NULL;
    if (!open)
        return 0;
    const char *p = open + 1;
    while (isspace((unsigned char)*p))
        p++;
    if (!isdigit((unsigned char)*p))
        return 0;
    char *end;
    long minutes = strtol(p, &end, 10);
    while (isspace((unsigned char)*end))
        end++;
    if (strncasecmp(end, "min", 3) != 0)
        return 0;
    return minutes > 0 && minutes < 100000 ? (int)minutes : 0;
}

const char *wm_rules_language(const wm_rules_t *rules, const char *name)
{
    char *text = wm_strdup_trimmed(name, strlen(name));
    if (!text)
        return NULL;
    lower_ascii(text);
    const char *code = NULL;
    for (size_t i = 0; i < rules->n_languages && !code; i++) {
        const wm_language_rule_t *language = &rules->languages[i];
        if (strcmp(language->code, text) == 0 || wm_names_contain(&language->names, text))
            code = language->code;
    }
    for (size_t i = 0; i < rules->translation_codes.n && !code; i++)
        if (strcmp(rules->translation_codes.items[i], text) == 0)
            code = rules->translation_codes.items[i];
    free(text);
    return code;
}

/* Does text hold word (both lower case) as whole words? */
static bool holds_words(const char *text, const char *word)
{
    size_t n = strlen(word);
    for (const char *p = text; (p = strstr(p, word)); p++)
        if ((p == text || !isalnum((unsigned char)p[-1])) && !isalnum((unsigned char)p[n]))
            return true;
    return false;
}

const char *wm_rules_status(const wm_rules_t *rules, const char *label)
{
    char *text = wm_rules_normalise_label(label ? label : "");
    const char *best = NULL;
    size_t best_len = 0;
    for (size_t i = 0; text && *text && i < rules->n_statuses; i++) {
        const wm_names_t *labels = &rules->statuses[i].labels;
        for (size_t j = 0; j < labels->n; j++) {
            size_t n = strlen(labels->items[j]);
            if (strcmp(text, labels->items[j]) == 0) {
                free(text);
                return rules->statuses[i].status;
            }
            if (n > best_len && holds_words(text, labels->items[j])) {
                best = rules->statuses[i].status;
                best_len = n;
            }
        }
    }
    free(text);
    return best;
}

bool wm_rules_is_translation_code(const wm_rules_t *rules, const char *code, size_t len)
{
    for (size_t i = 0; i < rules->translation_codes.n; i++) {
        const char *known = rules->translation_codes.items[i];
        if (strlen(known) == len && strncasecmp(known, code, len) == 0)
            return true;
    }
    return false;
}

/* --- freeing ----------------------------------------------------------------- */

static void era_free(wm_era_rule_t *era)
{
    free(era->name);
    names_free(&era->wikis);
    names_free(&era->titles);
    names_free(&era->excludes);
    names_free(&era->templates);
    names_free(&era->switches);
    for (int f = 0; f < WM_FIELD_COUNT; f++) {
        free(era->fixed[f]);
        names_free(&era->params[f]);
        names_free(&era->headings[f]);
        names_free(&era->labels[f]);
        names_free(&era->columns[f]);
    }
    free(era->speaker_page);
    free(era->speaker_name);
    free(era->speaker_bio);
}

void wm_rules_free(wm_rules_t *rules)
{
    if (!rules)
        return;
    for (size_t i = 0; i < rules->n_eras; i++)
        era_free(&rules->eras[i]);
    free(rules->eras);
    for (size_t i = 0; i < rules->n_types; i++) {
        free(rules->types[i].type);
        names_free(&rules->types[i].labels);
    }
    free(rules->types);
    free(rules->other_type);
    for (size_t i = 0; i < rules->n_languages; i++) {
        free(rules->languages[i].code);
        names_free(&rules->languages[i].names);
    }
    free(rules->languages);
    names_free(&rules->translation_codes);
    for (size_t i = 0; i < rules->n_statuses; i++) {
        free(rules->statuses[i].status);
        names_free(&rules->statuses[i].labels);
    }
    free(rules->statuses);
    for (int f = 0; f < WM_FIELD_COUNT; f++)
        names_free(&rules->aliases[f]);
    names_free(&rules->text_templates);
    free(rules);
}

/* --- the parser ------------------------------------------------------------- */

enum block {
    BLOCK_NONE, BLOCK_ERA, BLOCK_TYPES, BLOCK_LANGUAGES, BLOCK_TRANSLATIONS, BLOCK_STATUSES,
    BLOCK_ALIASES, BLOCK_TEMPLATES
};

typedef struct parser {
    wm_rules_t *rules;
    enum block block;
    int line;
    char *error;      /* set on the first error */
    bool oom;
} parser_t;

/* Record an error about the current line; always returns -1. */
static int fail(parser_t *ps, const char *what, const char *detail)
{
    if (!ps->error && !ps->oom)
        ps->error = wm_strdup_printf("rules line %d: %s%s%s%s", ps->line, what,
                                     detail ? " \"" : "", detail ? detail : "", detail ? "\"" : "");
    return -1;
}

static int out_of_memory(parser_t *ps)
{
    ps->oom = true;
    return -1;
}

static wm_era_rule_t *current_era(parser_t *ps)
{
    return &ps->rules->eras[ps->rules->n_eras - 1];
}

/* An era must say where it applies. */
static int check_era(parser_t *ps)
{
    if (ps->block != BLOCK_ERA)
        return 0;
    wm_era_rule_t *era = current_era(ps);
    int line = ps->line;
    ps->line = era->line;
    int rc = 0;
    if (!era->wikis.n)
        rc = fail(ps, "era has no \"wiki =\" line:", era->name);
    else if (!era->titles.n)
        rc = fail(ps, "era has no \"title =\" line:", era->name);
    else if (era->speaker_mode == WM_SPEAKERS_LOOKUP && !era->speaker_page)
        rc = fail(ps, "speaker mode lookup needs a \"speaker page =\" line in era", era->name);
    ps->line = line;
    return rc;
}

static int start_era(parser_t *ps, const char *name)
{
    wm_rules_t *rules = ps->rules;
    wm_era_rule_t *eras = realloc(rules->eras, (rules->n_eras + 1) * sizeof *eras);
    if (!eras)
        return out_of_memory(ps);
    rules->eras = eras;
    wm_era_rule_t *era = &eras[rules->n_eras];
    memset(era, 0, sizeof *era);
    era->line = ps->line;
    era->name = strdup(name);
    rules->n_eras++;
    ps->block = BLOCK_ERA;
    return era->name ? 0 : out_of_memory(ps);
}

/* "[era NAME]", "[types]", "[languages]" or "[translations]". */
static int parse_header(parser_t *ps, char *line)
{
    size_t n = strlen(line);
    if (line[n - 1] != ']')
        return fail(ps, "a block header must end with ']'", NULL);
    line[n - 1] = '\0';
    char *name = line + 1;
    wm_squeeze_spaces(name);
    if (check_era(ps) < 0)
        return -1;
    if (strcmp(name, "types") == 0)
        ps->block = BLOCK_TYPES;
    else if (strcmp(name, "languages") == 0)
        ps->block = BLOCK_LANGUAGES;
    else if (strcmp(name, "translations") == 0)
        ps->block = BLOCK_TRANSLATIONS;
    else if (strcmp(name, "statuses") == 0)
        ps->block = BLOCK_STATUSES;
    else if (strcmp(name, "aliases") == 0)
        ps->block = BLOCK_ALIASES;
    else if (strcmp(name, "templates") == 0)
        ps->block = BLOCK_TEMPLATES;
    else if (strncmp(name, "era ", 4) == 0)
        return start_era(ps, name + 4);
    else
        return fail(ps, "unknown block", name);
    return 0;
}

/* Split "a | b | c" into trimmed items appended to names; lower-case them or
 * normalise them as labels when asked. */
enum item_form { ITEM_AS_WRITTEN, ITEM_LOWER, ITEM_LABEL };

static int split_values(parser_t *ps, const char *value, wm_names_t *names, enum item_form form)
{
    const char *p = value;
    for (;;) {
        const char *bar = strchr(p, '|');
        size_t len = bar ? (size_t)(bar - p) : strlen(p);
        char *item = wm_strdup_trimmed(p, len);
        if (!item)
            return out_of_memory(ps);
        if (!*item) {
            free(item);
            return fail(ps, "empty item in a '|' list", NULL);
        }
        if (form == ITEM_LOWER)
            lower_ascii(item);
        if (form == ITEM_LABEL) {
            char *normal = wm_rules_normalise_label(item);
            free(item);
            item = normal;
        }
        if (names_push(names, item) < 0)
            return out_of_memory(ps);
        if (!bar)
            return 0;
        p = bar + 1;
    }
}

/* Every "{...}" in a pattern must be a known capture. */
static int check_patterns(parser_t *ps, const wm_names_t *patterns, size_t from)
{
    for (size_t i = from; i < patterns->n; i++) {
        for (const char *p = patterns->items[i]; (p = strchr(p, '{')); p++) {
            enum capture_kind kind;
            int field;
            if (!parse_capture(p, &kind, &field))
                return fail(ps, "unknown capture in title pattern", patterns->items[i]);
        }
        if (strchr(patterns->items[i], '}') && !strchr(patterns->items[i], '{'))
            return fail(ps, "unbalanced '}' in title pattern", patterns->items[i]);
    }
    return 0;
}

static int set_single(parser_t *ps, char **slot, const char *value)
{
    if (*slot)
        return fail(ps, "given twice:", value);
    *slot = strdup(value);
    return *slot ? 0 : out_of_memory(ps);
}

static int parse_year(parser_t *ps, wm_era_rule_t *era, const char *value)
{
    char *end;
    long year = strtol(value, &end, 10);
    if (*end || year < 1000 || year > 9999)
        return fail(ps, "year must be four digits, not", value);
    era->year = (int)year;
    return 0;
}

static int parse_flag(parser_t *ps, bool *flag, const char *value)
{
    if (strcmp(value, "yes") != 0 && strcmp(value, "no") != 0)
        return fail(ps, "expected yes or no, not", value);
    *flag = strcmp(value, "yes") == 0;
    return 0;
}

static int parse_speaker_mode(parser_t *ps, wm_era_rule_t *era, const char *value)
{
    if (strcmp(value, "list") == 0)
        era->speaker_mode = WM_SPEAKERS_LIST;
    else if (strcmp(value, "bios") == 0)
        era->speaker_mode = WM_SPEAKERS_BIOS;
    else if (strcmp(value, "lookup") == 0)
        era->speaker_mode = WM_SPEAKERS_LOOKUP;
    else
        return fail(ps, "speaker mode must be list, bios or lookup, not", value);
    return 0;
}

/* "param FIELD", "heading FIELD", "label FIELD", "column FIELD", "set FIELD". */
static int parse_field_key(parser_t *ps, wm_era_rule_t *era, const char *kind, const char *rest,
                           const char *value)
{
    int field = field_by_name(rest);
    if (field < 0)
        return fail(ps, "unknown field", rest);
    if (strcmp(kind, "param") == 0)
        return split_values(ps, value, &era->params[field], ITEM_AS_WRITTEN);
    if (strcmp(kind, "heading") == 0)
        return split_values(ps, value, &era->headings[field], ITEM_LABEL);
    if (strcmp(kind, "label") == 0)
        return split_values(ps, value, &era->labels[field], ITEM_LABEL);
    if (strcmp(kind, "column") == 0)
        return split_values(ps, value, &era->columns[field], ITEM_LABEL);
    return set_single(ps, &era->fixed[field], value);
}

static int parse_era_entry(parser_t *ps, const char *key, const char *value)
{
    wm_era_rule_t *era = current_era(ps);
    const char *space = strchr(key, ' ');
    char kind[16] = "";
    if (space && (size_t)(space - key) < sizeof kind)
        memcpy(kind, key, (size_t)(space - key));
    const char *rest = space ? space + 1 : "";
    if (strcmp(key, "wiki") == 0)
        return split_values(ps, value, &era->wikis, ITEM_AS_WRITTEN);
    if (strcmp(key, "title") == 0 || strcmp(key, "exclude") == 0) {
        wm_names_t *patterns = key[0] == 't' ? &era->titles : &era->excludes;
        size_t from = patterns->n;
        if (split_values(ps, value, patterns, ITEM_AS_WRITTEN) < 0)
            return -1;
        return check_patterns(ps, patterns, from);
    }
    if (strcmp(key, "year") == 0)
        return parse_year(ps, era, value);
    if (strcmp(key, "template") == 0)
        return split_values(ps, value, &era->templates, ITEM_AS_WRITTEN);
    if (strcmp(key, "switch") == 0)
        return split_values(ps, value, &era->switches, ITEM_AS_WRITTEN);
    if (strcmp(key, "displaytitle") == 0)
        return parse_flag(ps, &era->displaytitle, value);
    if (strcmp(key, "speaker mode") == 0)
        return parse_speaker_mode(ps, era, value);
    if (strcmp(key, "speaker page") == 0)
        return set_single(ps, &era->speaker_page, value);
    if (strcmp(key, "speaker name") == 0)
        return set_single(ps, &era->speaker_name, value);
    if (strcmp(key, "speaker bio") == 0)
        return set_single(ps, &era->speaker_bio, value);
    if (strcmp(kind, "param") == 0 || strcmp(kind, "heading") == 0 ||
        strcmp(kind, "label") == 0 || strcmp(kind, "set") == 0 || strcmp(kind, "column") == 0)
        return parse_field_key(ps, era, kind, rest, value);
    return fail(ps, "unknown key", key);
}

static int parse_type_entry(parser_t *ps, const char *key, const char *value)
{
    wm_rules_t *rules = ps->rules;
    if (strcmp(key, "default") == 0)
        return set_single(ps, &rules->other_type, value);
    wm_type_rule_t *types = realloc(rules->types, (rules->n_types + 1) * sizeof *types);
    if (!types)
        return out_of_memory(ps);
    rules->types = types;
    wm_type_rule_t *type = &types[rules->n_types++];
    memset(type, 0, sizeof *type);
    if (!(type->type = strdup(key)))
        return out_of_memory(ps);
    return split_values(ps, value, &type->labels, ITEM_LABEL);
}

static int parse_status_entry(parser_t *ps, const char *key, const char *value)
{
    if (!wm_status_known(key))
        return fail(ps, "unknown status (accepted, confirmed, submitted, rejected, withdrawn or "
                        "canceled):", key);
    wm_rules_t *rules = ps->rules;
    wm_status_rule_t *statuses = realloc(rules->statuses, (rules->n_statuses + 1) * sizeof *statuses);
    if (!statuses)
        return out_of_memory(ps);
    rules->statuses = statuses;
    wm_status_rule_t *status = &statuses[rules->n_statuses++];
    memset(status, 0, sizeof *status);
    if (!(status->status = strdup(key)))
        return out_of_memory(ps);
    return split_values(ps, value, &status->labels, ITEM_LABEL);
}

static int parse_alias_entry(parser_t *ps, const char *key, const char *value)
{
    int field = field_by_name(key);
    if (field < 0)
        return fail(ps, "unknown field", key);
    return split_values(ps, value, &ps->rules->aliases[field], ITEM_LABEL);
}

static int parse_language_entry(parser_t *ps, const char *key, const char *value)
{
    wm_rules_t *rules = ps->rules;
    wm_language_rule_t *languages =
        realloc(rules->languages, (rules->n_languages + 1) * sizeof *languages);
    if (!languages)
        return out_of_memory(ps);
    rules->languages = languages;
    wm_language_rule_t *language = &languages[rules->n_languages++];
    memset(language, 0, sizeof *language);
    if (!(language->code = strdup(key)))
        return out_of_memory(ps);
    lower_ascii(language->code);
    return split_values(ps, value, &language->names, ITEM_LOWER);
}

/* "key = value" inside the current block. */
static int parse_entry(parser_t *ps, char *line)
{
    char *eq = strchr(line, '=');
    if (!eq)
        return fail(ps, "expected \"key = value\" or a [block] header, got", line);
    *eq = '\0';
    char *value = eq + 1;
    wm_squeeze_spaces(line);
    wm_squeeze_spaces(value);
    if (!*line)
        return fail(ps, "missing key before '='", NULL);
    if (!*value)
        return fail(ps, "missing value after", line);
    switch (ps->block) {
    case BLOCK_ERA:
        return parse_era_entry(ps, line, value);
    case BLOCK_TYPES:
        return parse_type_entry(ps, line, value);
    case BLOCK_LANGUAGES:
        return parse_language_entry(ps, line, value);
    case BLOCK_STATUSES:
        return parse_status_entry(ps, line, value);
    case BLOCK_ALIASES:
        return parse_alias_entry(ps, line, value);
    case BLOCK_TEMPLATES:
        if (strcmp(line, "text") != 0)
            return fail(ps, "unknown key in [templates]", line);
        return split_values(ps, value, &ps->rules->text_templates, ITEM_AS_WRITTEN);
    case BLOCK_TRANSLATIONS:
        if (strcmp(line, "codes") != 0)
            return fail(ps, "unknown key in [translations]", line);
        return split_values(ps, value, &ps->rules->translation_codes, ITEM_LOWER);
    default:
        return fail(ps, "entry outside any block:", line);
    }
}

static int parse_line(parser_t *ps, const char *start, size_t len)
{
    char *line = wm_strdup_trimmed(start, len);
    if (!line)
        return out_of_memory(ps);
    int rc = 0;
    if (*line == '[')
        rc = parse_header(ps, line);
    else if (*line && *line != '#')
        rc = parse_entry(ps, line);
    free(line);
    return rc;
}

wm_result_t wm_rules_parse(const char *text, size_t len, wm_rules_t **rules, char **error)
{
    *rules = NULL;
    *error = NULL;
    parser_t ps = {.rules = calloc(1, sizeof(wm_rules_t))};
    if (!ps.rules)
        return WM_ERR_NO_MEMORY;
    int rc = 0;
    for (size_t pos = 0; pos <= len && rc == 0;) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t end = nl ? (size_t)(nl - text) : len;
        ps.line++;
        if (memchr(text + pos, '\0', end - pos))
            rc = fail(&ps, "NUL byte in line", NULL);
        else
            rc = parse_line(&ps, text + pos, end - pos);
        pos = end + 1;
    }
    if (rc == 0)
        rc = check_era(&ps);
    if (rc == 0) {
        *rules = ps.rules;
        return WM_OK;
    }
    wm_rules_free(ps.rules);
    if (ps.oom || !ps.error) {   /* no message: it could not be made */
        free(ps.error);
        return WM_ERR_NO_MEMORY;
    }
    *error = ps.error;
    return WM_ERR_MALFORMED;
}

/* --- adding a rules file to a rule set -------------------------------------------- */

/* Put n items of from (moved) before the items of *to; from is emptied. */
static int prepend(void **to, size_t *n_to, void **from, size_t *n_from, size_t size)
{
    if (!*n_from)
        return 0;
    char *joined = malloc((*n_to + *n_from) * size);
    if (!joined)
        return -1;
    memcpy(joined, *from, *n_from * size);
    if (*n_to)
        memcpy(joined + *n_from * size, *to, *n_to * size);
    free(*to);
    free(*from);
    *to = joined;
    *n_to += *n_from;
    *from = NULL;
    *n_from = 0;
    return 0;
}

/* Eras of extra named like a known era take its place; the others go first. */
static int merge_eras(wm_rules_t *rules, wm_rules_t *extra)
{
    size_t kept = 0;
    for (size_t i = 0; i < extra->n_eras; i++) {
        size_t j = 0;
        while (j < rules->n_eras && strcmp(rules->eras[j].name, extra->eras[i].name) != 0)
            j++;
        if (j < rules->n_eras) {
            era_free(&rules->eras[j]);
            rules->eras[j] = extra->eras[i];
        } else {
            extra->eras[kept++] = extra->eras[i];
        }
    }
    extra->n_eras = kept;
    return prepend((void **)&rules->eras, &rules->n_eras, (void **)&extra->eras, &extra->n_eras,
                   sizeof *rules->eras);
}

wm_result_t wm_rules_add(wm_rules_t *rules, const char *text, size_t len, char **error)
{
    wm_rules_t *extra;
    wm_result_t rc = wm_rules_parse(text, len, &extra, error);
    if (rc != WM_OK)
        return rc;
    /* Grow everything first so a failure leaves rules as it was. */
    size_t n_codes = rules->translation_codes.n + extra->translation_codes.n;
    char **codes = realloc(rules->translation_codes.items, (n_codes ? n_codes : 1) * sizeof *codes);
    if (!codes) {
        wm_rules_free(extra);
        return WM_ERR_NO_MEMORY;
    }
    rules->translation_codes.items = codes;
    if (merge_eras(rules, extra) < 0 ||
        prepend((void **)&rules->types, &rules->n_types, (void **)&extra->types, &extra->n_types,
                sizeof *rules->types) < 0 ||
        prepend((void **)&rules->languages, &rules->n_languages, (void **)&extra->languages,
                &extra->n_languages, sizeof *rules->languages) < 0 ||
        prepend((void **)&rules->statuses, &rules->n_statuses, (void **)&extra->statuses,
                &extra->n_statuses, sizeof *rules->statuses) < 0) {
        wm_rules_free(extra);
        return WM_ERR_NO_MEMORY;
    }
    if (extra->translation_codes.n)
        memcpy(codes + rules->translation_codes.n, extra->translation_codes.items,
               extra->translation_codes.n * sizeof *codes);
    rules->translation_codes.n = n_codes;
    free(extra->translation_codes.items);
    extra->translation_codes.items = NULL;
    extra->translation_codes.n = 0;
    if (prepend((void **)&rules->text_templates.items, &rules->text_templates.n,
                (void **)&extra->text_templates.items, &extra->text_templates.n, sizeof(char *)) < 0) {
        wm_rules_free(extra);
        return WM_ERR_NO_MEMORY;
    }
    for (int f = 0; f < WM_FIELD_COUNT; f++)   /* the file's aliases first */
        if (prepend((void **)&rules->aliases[f].items, &rules->aliases[f].n,
                    (void **)&extra->aliases[f].items, &extra->aliases[f].n, sizeof(char *)) < 0) {
            wm_rules_free(extra);
            return WM_ERR_NO_MEMORY;
        }
    if (extra->other_type) {
        free(rules->other_type);
        rules->other_type = extra->other_type;
        extra->other_type = NULL;
    }
    wm_rules_free(extra);
    return WM_OK;
}
