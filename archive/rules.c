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

#include "archive/util.h"

/* The built-in rules.  Era knowledge belongs here (or in a rules file), not
 * in extract.c. */
static const char builtin_rules[] =
    "# wmsearch built-in rules: which pages are Wikimania sessions and where\n"
    "# their fields are written.  Grammar: doc/rules.md.\n"
    "\n"
    "[types]\n"
    "talk = presentation | presentations | talk | talks | lecture | lectures | case study | case studies | hot seat\n"
    "panel = panel | panels | panel discussion\n"
    "workshop = workshop | workshops | training | hands-on workshop\n"
    "lightning talk = lightning talk | lightning talks | lightning\n"
    "poster = poster | posters\n"
    "roundtable = roundtable | roundtables | round table | discussion | discussion group | discussion groups\n"
    "tutorial = tutorial | tutorials\n"
    "keynote = keynote | plenary | invited speaker | invited speakers | invited talk\n"
    "meetup = meetup | meet-up | barcamp\n"
    "default = other\n"
    "\n"
    "[languages]\n"
    "en = English | Anglais | Inglés | Englisch\n"
    "fr = French | Français | Francais | Französisch\n"
    "ar = Arabic | العربية\n"
    "ru = Russian | Русский | русский\n"
    "es = Spanish | Español | Espanol | Castellano\n"
    "uk = Ukrainian | Українська | українська\n"
    "de = German | Deutsch\n"
    "pt = Portuguese | Português | Portugues\n"
    "zh = Chinese | 中文\n"
    "ja = Japanese | 日本語\n"
    "hi = Hindi | हिन्दी\n"
    "id = Indonesian | Bahasa Indonesia\n"
    "it = Italian | Italiano\n"
    "nl = Dutch | Nederlands\n"
    "pl = Polish | Polski\n"
    "sv = Swedish | Svenska\n"
    "ko = Korean | 한국어\n"
    "tr = Turkish | Türkçe\n"
    "fa = Persian | Farsi | فارسی\n"
    "he = Hebrew | עברית\n"
    "bn = Bengali | Bangla | বাংলা\n"
    "sw = Swahili | Kiswahili\n"
    "yo = Yoruba | Yorùbá\n"
    "ha = Hausa\n"
    "ig = Igbo\n"
    "ca = Catalan | Català\n"
    "eu = Basque | Euskara\n"
    "el = Greek | Ελληνικά\n"
    "vi = Vietnamese | Tiếng Việt\n"
    "th = Thai\n"
    "ur = Urdu | اردو\n"
    "ta = Tamil | தமிழ்\n"
    "\n"
    "# Language codes of translation subpages (\"Title/fr\").\n"
    "[translations]\n"
    "codes = aa | ab | af | ak | am | an | ang | ar | arz | as | ast | av | ay | az | azb | ba | bar\n"
    "codes = be | be-tarask | bg | bh | bho | bi | bm | bn | bo | br | bs | ca | ce | ceb | ckb | co\n"
    "codes = cs | cy | da | de | de-at | de-ch | de-formal | diq | dsb | dty | dv | dz | ee | el | en\n"
    "codes = en-ca | en-gb | eo | es | es-419 | es-formal | et | eu | fa | ff | fi | fil | fo | fr | fy\n"
    "codes = ga | gd | gl | gn | gu | ha | he | hi | hr | hsb | ht | hu | hy | hyw | ia | id | ig | ilo\n"
    "codes = io | is | it | ja | jv | ka | kab | kk | km | kn | ko | ks | ku | ky | la | lb | lg | li\n"
    "codes = ln | lo | lt | lv | mai | mg | mk | ml | mn | mr | ms | mt | my | nan | nap | nb | ne\n"
    "codes = nl | nn | no | nso | oc | om | or | pa | pl | ps | pt | pt-br | qu | rm | ro | ru | rw\n"
    "codes = sa | sat | sc | scn | sco | sd | se | sh | si | sk | sl | sm | sn | so | sq | sr | sr-ec\n"
    "codes = sr-el | st | su | sv | sw | ta | te | tg | th | ti | tk | tl | tn | tr | ts | tt | tw\n"
    "codes = ug | uk | ur | uz | ve | vec | vi | wa | wo | xh | yi | yo | yue | za | zh | zh-cn\n"
    "codes = zh-hans | zh-hant | zh-hk | zh-tw | zu | qqq\n"
    "\n"
    "[era 2006 proceedings]\n"
    "wiki = wikimania2006wiki\n"
    "title = Proceedings:{code}\n"
    "exclude = Proceedings:Index\n"
    "heading title = Title\n"
    "heading type = Type\n"
    "heading speakers = Author(s) | Authors | Author | Presenter(s) | Speaker(s)\n"
    "heading abstract = Abstract | Summary | Description\n"
    "label title = Title\n"
    "label type = Type\n"
    "label speakers = Author(s) | Authors | Author | Presenter(s) | Speaker(s)\n"
    "label abstract = Abstract\n"
    "\n"
    "[era 2009 proceedings]\n"
    "wiki = wikimania2009wiki\n"
    "title = Proceedings:{code}\n"
    "exclude = Proceedings:Index\n"
    "heading title = Title\n"
    "heading type = Type | Type of submission\n"
    "heading speakers = Author(s) | Authors | Author | Presenter(s) | Speaker(s)\n"
    "heading abstract = Abstract | Summary | Description\n"
    "label title = Title\n"
    "label type = Type | Type of submission\n"
    "label speakers = Author(s) | Authors | Author | Presenter(s) | Speaker(s)\n"
    "label abstract = Abstract\n"
    "\n"
    "# 2014 seen; 2010-2013, 2015 and 2017 inferred with the same shape.\n"
    "[era 2010-2017 submissions]\n"
    "wiki = wikimania2010wiki | wikimania2011wiki | wikimania2012wiki | wikimania2013wiki\n"
    "wiki = wikimania2014wiki | wikimania2015wiki | wikimania2016wiki | wikimania2017wiki\n"
    "title = Submissions/{title}\n"
    "heading title = Title of the submission | Title of submission | Submission title | Title\n"
    "heading type = Type of submission | Submission type | Type\n"
    "heading speakers = Author of the submission | Authors of the submission | Author(s) | Authors\n"
    "heading speakers = Author | Presenter(s) | Speaker(s)\n"
    "heading abstract = Abstract | Description | Summary\n"
    "label title = Title of the submission | Title\n"
    "label type = Type of submission | Type\n"
    "label speakers = Author of the submission | Author(s) | Authors | Presenter(s) | Speaker(s)\n"
    "label abstract = Abstract\n"
    "speaker mode = list\n"
    "\n"
    "# 2016: shape unknown beyond the day grids; generic labels and headings.\n"
    "[era 2016 programme]\n"
    "wiki = wikimania2016wiki\n"
    "title = Programme/{title}\n"
    "exclude = Programme/Sunday | Programme/Monday | Programme/Tuesday | Programme/Wednesday\n"
    "exclude = Programme/Thursday | Programme/Friday | Programme/Saturday | Programme/{any}/{any}\n"
    "heading title = Title\n"
    "heading type = Type | Session type | Format\n"
    "heading speakers = Speaker(s) | Speakers | Presenter(s) | Presenters | Author(s) | By\n"
    "heading abstract = Abstract | Description | Summary\n"
    "label title = Title\n"
    "label type = Type | Session type | Format\n"
    "label speakers = Speaker(s) | Speakers | Presenter(s) | Presenters | By\n"
    "label abstract = Abstract\n"
    "\n"
    "# 2018: inferred from the rendered labels.\n"
    "[era 2018 program]\n"
    "wiki = wikimania2018wiki\n"
    "title = Program/{title}\n"
    "exclude = Program/Schedule | Program/Sunday | Program/Friday | Program/Saturday\n"
    "exclude = Program/Thursday | Program/{any}/{any}\n"
    "heading title = Title\n"
    "heading abstract = Abstract | Description\n"
    "heading speakers = Presenter(s) | Presenters | Speaker(s) | Speakers\n"
    "heading type = Format\n"
    "label title = Title\n"
    "label type = Format | Session type | Type\n"
    "label track = Topic area\n"
    "label speakers = Presenter(s) | Presenters | Speaker(s) | Speakers\n"
    "label abstract = Abstract\n"
    "\n"
    "[era 2019 spaces]\n"
    "wiki = wikimaniawiki\n"
    "year = 2019\n"
    "title = {year}:Program/{title}\n"
    "title = {year}:{track}/{title}\n"
    "exclude = {year}:Program/Schedule | {year}:Program/Schedule/{any}\n"
    "heading title = Title\n"
    "heading abstract = Description | Abstract\n"
    "heading speakers = Session leader(s) | Author(s) | Presenter(s) | Speaker(s)\n"
    "heading type = Session type | Type\n"
    "label title = Title\n"
    "label type = Session type\n"
    "label speakers = Session leader(s) | Author(s)\n"
    "label abstract = Description | Abstract\n"
    "speaker mode = list\n"
    "\n"
    "[era 2023 program]\n"
    "wiki = wikimaniawiki\n"
    "year = 2023\n"
    "title = {year}:Program/Submissions/{title} - {code}\n"
    "title = {year}:Program/{track}/{code}-{title}\n"
    "template = 2023 session details\n"
    "param title = title\n"
    "param speakers = speakers\n"
    "param track = track\n"
    "param type = type\n"
    "param duration = duration\n"
    "param language = locale\n"
    "param abstract = abstract\n"
    "param description = description\n"
    "displaytitle = yes\n"
    "speaker mode = lookup\n"
    "speaker page = 2023 speaker details\n"
    "speaker name = name\n"
    "speaker bio = biography\n"
    "switch = 2023 track name | 2023 session type\n"
    "\n"
    "[era 2024 program]\n"
    "wiki = wikimaniawiki\n"
    "year = 2024\n"
    "title = {year}:Program/{title}\n"
    "exclude = {year}:Program/Schedule | {year}:Program/Schedule/{any}\n"
    "label title = Session title | Title\n"
    "label type = Session type | Type | Format\n"
    "label track = Track\n"
    "label language = Language\n"
    "label speakers = Speakers | Speaker(s) | Speaker\n"
    "label abstract = Description | Abstract\n"
    "heading title = Session title\n"
    "heading type = Session type\n"
    "heading track = Track\n"
    "heading language = Language\n"
    "heading abstract = Description | Abstract\n"
    "heading speakers = Speakers | Speaker(s) | Speaker\n"
    "speaker mode = bios\n";

const char *wm_rules_builtin_text(void)
{
    return builtin_rules;
}

int wm_rules_builtin(wm_rules_t **rules, char **error)
{
    return wm_rules_parse(builtin_rules, sizeof builtin_rules - 1, rules, error);
}

static const char *const field_names[WM_FIELD_COUNT] = {
    "title", "type", "track", "language", "speakers", "abstract", "description", "duration",
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
    else if (strcmp(name, "code") == 0)
        *kind = CAPTURE_CODE;
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
            if (title_excluded(era, title))
                break;
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

static bool names_contain(const wm_names_t *names, const char *lowered)
{
    for (size_t i = 0; i < names->n; i++)
        if (strcmp(names->items[i], lowered) == 0)
            return true;
    return false;
}

static const char *type_exact(const wm_rules_t *rules, const char *lowered)
{
    for (size_t i = 0; i < rules->n_types; i++)
        if (names_contain(&rules->types[i].labels, lowered))
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

const char *wm_rules_language(const wm_rules_t *rules, const char *name)
{
    char *text = wm_strdup_trimmed(name, strlen(name));
    if (!text)
        return NULL;
    lower_ascii(text);
    const char *code = NULL;
    for (size_t i = 0; i < rules->n_languages && !code; i++) {
        const wm_language_rule_t *language = &rules->languages[i];
        if (strcmp(language->code, text) == 0 || names_contain(&language->names, text))
            code = language->code;
    }
    for (size_t i = 0; i < rules->translation_codes.n && !code; i++)
        if (strcmp(rules->translation_codes.items[i], text) == 0)
            code = rules->translation_codes.items[i];
    free(text);
    return code;
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
    free(rules);
}

/* --- the parser ------------------------------------------------------------- */

enum block { BLOCK_NONE, BLOCK_ERA, BLOCK_TYPES, BLOCK_LANGUAGES, BLOCK_TRANSLATIONS };

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

/* "param FIELD", "heading FIELD", "label FIELD", "set FIELD". */
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
        strcmp(kind, "label") == 0 || strcmp(kind, "set") == 0)
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

int wm_rules_parse(const char *text, size_t len, wm_rules_t **rules, char **error)
{
    *rules = NULL;
    *error = NULL;
    parser_t ps = {.rules = calloc(1, sizeof(wm_rules_t))};
    if (!ps.rules)
        return -1;
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
        return 0;
    }
    wm_rules_free(ps.rules);
    *error = ps.oom ? NULL : ps.error;
    if (ps.oom)
        free(ps.error);
    return -1;
}
