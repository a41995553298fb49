/* Era rules: the data that tells the extractor which wiki pages are
 * Wikimania sessions and where each field of a session is written.
 *
 * Rules are text (grammar in doc/rules.md), parsed at startup: the built-in
 * set lives in rules.c as a string in that same format, so a rules file can
 * replace or extend it without touching C.  A rule set holds
 *   - era rules: which wikis (dbname globs) and title patterns an era covers,
 *     and which template parameters, section headings and "Label: value"
 *     labels hold which field, plus how speakers are listed and which other
 *     pages of the dump (speaker pages, #switch templates) resolve values;
 *   - global tables: type vocabulary, language names, translation codes. */
#ifndef WM_RULES_H
#define WM_RULES_H

#include <stdbool.h>
#include <stddef.h>

#include "common/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The fields a rule can say where to find.  DESCRIPTION is appended to the
 * abstract after a blank line. */
typedef enum wm_field {
    WM_FIELD_TITLE,
    WM_FIELD_TYPE,
    WM_FIELD_TRACK,
    WM_FIELD_LANGUAGE,
    WM_FIELD_SPEAKERS,
    WM_FIELD_ABSTRACT,
    WM_FIELD_DESCRIPTION,
    WM_FIELD_DURATION,
    WM_FIELD_CODE,          /* the talk's code in pretalx/eventyay: links a wiki copy to the export */
    WM_FIELD_STATUS,        /* accepted, rejected, ...: normalised through [statuses] */
    WM_FIELD_COUNT
} wm_field_t;

/* How a speakers value is split into people. */
typedef enum wm_speaker_mode {
    WM_SPEAKERS_LIST,    /* one person per list item; free text split on "," "and" "&" ";" */
    WM_SPEAKERS_BIOS,    /* a bold line (or list item) starts a person, the paragraphs after it are the bio */
    WM_SPEAKERS_LOOKUP   /* calls to "<speaker page>/<CODE>" resolved from Template: pages of the dump */
} wm_speaker_mode_t;

/* A list of strings in the order written (alternatives, aliases). */
typedef struct wm_names {
    char **items;
    size_t n;
} wm_names_t;

typedef struct wm_era_rule {
    char *name;                        /* from "[era NAME]" */
    int line;                          /* line of the "[era ...]" header */
    wm_names_t wikis;                  /* dbname globs (fnmatch: * ? [..]) */
    wm_names_t titles;                 /* title patterns with {captures}, tried in order */
    wm_names_t excludes;               /* title patterns that are never sessions (grids, hubs) */
    int year;                          /* fixed year; also required of a {year} capture; 0 = none */
    char *fixed[WM_FIELD_COUNT];       /* "set FIELD = value": used when nothing else gives the field */
    wm_names_t templates;              /* names of the session template */
    wm_names_t params[WM_FIELD_COUNT];   /* parameter names of that template */
    wm_names_t headings[WM_FIELD_COUNT]; /* section headings, stored normalised */
    wm_names_t labels[WM_FIELD_COUNT];   /* "Label: value" labels, stored normalised */
    wm_names_t columns[WM_FIELD_COUNT];  /* table column headers, stored normalised: when an
                                          * era has any, each row of the page's tables is a session */
    bool displaytitle;                 /* {{DISPLAYTITLE:...}} may give the title */
    wm_speaker_mode_t speaker_mode;
    char *speaker_page;                /* lookup: pages "Template:<speaker_page>/<CODE>" */
    char *speaker_name;                /* lookup: parameter of {{<speaker_page>|...}} with the name */
    char *speaker_bio;                 /* lookup: parameter with the biography */
    wm_names_t switches;               /* templates whose {{#switch:}} table resolves a value */
} wm_era_rule_t;

typedef struct wm_type_rule {
    char *type;          /* normalised type, e.g. "talk" */
    wm_names_t labels;   /* lower-case labels that mean it */
} wm_type_rule_t;

/* One status and the lower-case labels that mean it ([statuses]). */
typedef struct wm_status_rule {
    char *status;        /* one of the WM_STATUS_* words of session.h */
    wm_names_t labels;
} wm_status_rule_t;

typedef struct wm_language_rule {
    char *code;          /* "fr" */
    wm_names_t names;    /* lower-case names: "french", "français" */
} wm_language_rule_t;

typedef struct wm_rules {
    wm_era_rule_t *eras;
    size_t n_eras;
    wm_type_rule_t *types;
    size_t n_types;
    char *other_type;              /* type for a label no rule knows ("other"); NULL = leave unknown */
    wm_language_rule_t *languages;
    size_t n_languages;
    wm_names_t translation_codes;  /* lower case; a title "X/<code>" is a translation subpage */
    wm_status_rule_t *statuses;
    size_t n_statuses;
    /* [aliases]: the labels, headings, parameter names and table row labels
     * (normalised) that name each field on any page, whatever its era. */
    wm_names_t aliases[WM_FIELD_COUNT];
    /* [templates] text: formatting templates ({{nowrap|...}}) that stand for
     * their last positional parameter in a value. */
    wm_names_t text_templates;
} wm_rules_t;

/* Parse rules text.  On success return WM_OK and set *rules (caller frees
 * with wm_rules_free).  On a syntax error return WM_ERR_MALFORMED and set
 * *error to a malloc'd message naming the line, e.g. "rules line 12:
 * unknown field \"speaker\""; out of memory: WM_ERR_NO_MEMORY (*error NULL). */
wm_result_t wm_rules_parse(const char *text, size_t len, wm_rules_t **rules, char **error);

/* Add the rules of text to rules, as a rules file given with --rules:
 * an era whose name is already known replaces that era where it stands;
 * new eras are tried before the known ones; [types], [statuses] and
 * [languages] entries are consulted before the known ones; translation
 * codes and aliases add up; "default" replaces.  Return as wm_rules_parse
 * (after an error rules is unchanged). */
wm_result_t wm_rules_add(wm_rules_t *rules, const char *text, size_t len, char **error);

/* Is item (exactly) one of names? */
bool wm_names_contain(const wm_names_t *names, const char *item);

/* The built-in rules, as text: data/rules/wikimania.rules, compiled in. */
const char *wm_rules_builtin_text(void);

/* Parse the built-in rules (as wm_rules_parse). */
wm_result_t wm_rules_builtin(wm_rules_t **rules, char **error);

void wm_rules_free(wm_rules_t *rules);

/* The name of a field as rules write it ("title", "speakers", ...). */
const char *wm_field_name(wm_field_t field);

/* Normalise a heading or label for matching: lower case, every "(...)"
 * removed, a trailing ":" and ", if any" removed, spaces collapsed.
 * Malloc'd (caller frees); NULL when out of memory. */
char *wm_rules_normalise_label(const char *text);

/* What a title pattern captured.  Pointers point into the matched title. */
typedef struct wm_title_match {
    const char *capture[WM_FIELD_COUNT];   /* {title} {type} {track} {language}; NULL when absent */
    size_t capture_len[WM_FIELD_COUNT];
    int year;                              /* {year}, 0 when absent */
    const char *pattern;                   /* wm_rules_find_era: the title pattern that matched */
    const wm_era_rule_t *excluded_by;      /* wm_rules_find_era: the era whose exclude pattern
                                            * ruled the title out (it returned NULL) */
} wm_title_match_t;

/* Does title match pattern?  Captures: {year} four digits, {code} letters
 * and digits, {title} and {any} one or more of anything, {track}, {type},
 * {language} one or more characters other than '/'.  {code} also gives
 * the code field.  Everything else is literal. */
bool wm_rules_match_title(const char *pattern, const char *title, wm_title_match_t *match);

/* The first era rule whose wiki glob matches dbname and whose title pattern
 * matches title (and a {year} capture equals the rule's year when both
 * exist); NULL when none, or when that first era's exclude patterns match
 * the title (a page an era excludes is no later era's session either).
 * *match is filled. */
const wm_era_rule_t *wm_rules_find_era(const wm_rules_t *rules, const char *dbname,
                                       const char *title, wm_title_match_t *match);

/* Does this era rule apply to this wiki (dbname)? */
bool wm_rules_era_covers_wiki(const wm_era_rule_t *era, const char *dbname);

/* Does any era rule apply to this wiki? */
bool wm_rules_wiki_known(const wm_rules_t *rules, const char *dbname);

/* The normalised type for a label as written ("Lecture" -> "talk"): exact
 * (case-insensitive) first, then with a trailing "(...)" removed, then the
 * longest known label the text starts with as whole words; else other_type.
 * NULL for an empty label. */
const char *wm_rules_type(const wm_rules_t *rules, const char *label);

/* Minutes from a "(NN minutes...)" or "(NN min)" in a type label
 * ("Panel (55 minutes)" -> 55); 0 when there is none. */
int wm_rules_label_minutes(const char *label);

/* The language code for a name or code ("Français" -> "fr", "EN" -> "en"),
 * or NULL when unknown. */
const char *wm_rules_language(const wm_rules_t *rules, const char *name);

/* The normalised status a label means ("Declined" -> "rejected"): exact
 * (normalised like a label), else the longest known label that the text
 * holds as whole words ("Accepted submissions", "This proposal was
 * withdrawn"); NULL when none. */
const char *wm_rules_status(const wm_rules_t *rules, const char *label);

/* Is code (any case) a translation subpage code? */
bool wm_rules_is_translation_code(const wm_rules_t *rules, const char *code, size_t len);

#ifdef __cplusplus
}
#endif

#endif
