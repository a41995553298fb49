/* Field evidence: what a page says about each field of its session,
 * gathered from every shape a page may use, whatever its era.
 *
 * The extractor asks for the evidence of a candidate page and takes, for
 * each field, the first piece in order of precedence (the order of
 * wm_evidence_kind_t; within a kind, page order).  A page's own era rule
 * may name templates, headings and labels: that evidence comes first
 * (WM_EVIDENCE_ERA).  Everything else is found through the alias table of
 * the rules ([aliases]: the names pages give each field), so a page written
 * differently from its era's rule, or an era without a rule, still gives
 * its fields.  Nothing here knows a year. */
#ifndef WM_EVIDENCE_H
#define WM_EVIDENCE_H

#include <stdbool.h>
#include <stddef.h>

#include "archive/rules.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The kinds of evidence, in order of precedence (doc/rules.md). */
typedef enum wm_evidence_kind {
    WM_EVIDENCE_ERA,          /* where the page's era rule says: its template's parameters,
                               * its headings and labels */
    WM_EVIDENCE_PARAM,        /* a named parameter of any template call (speaker1=, speaker2=
                               * are one list), or {{Status|accepted}} */
    WM_EVIDENCE_TABLE,        /* a wikitable row "! Label" then "| value", "! Label || value",
                               * or the one data row under a header row */
    WM_EVIDENCE_DEFINITION,   /* "; Label : value", or ";Label" then ":value" lines */
    WM_EVIDENCE_LABEL,        /* "'''Label:''' value", "Label: value" */
    WM_EVIDENCE_HEADING,      /* "== Label ==" and the section's text */
    WM_EVIDENCE_BYLINE,       /* a line "by Name, Name and Name" (speakers) */
    WM_EVIDENCE_BANNER,       /* a status template: {{Accepted}}, {{Submission declined}} */
    WM_EVIDENCE_CATEGORY,     /* a status category: [[Category:Accepted submissions]] */
    WM_EVIDENCE_DISPLAYTITLE, /* {{DISPLAYTITLE:...}} (title) */
    WM_EVIDENCE_PAGE_TITLE,   /* what the page title's pattern captured */
    WM_EVIDENCE_FIXED,        /* the era's "set FIELD = value" */
    WM_EVIDENCE_KIND_COUNT
} wm_evidence_kind_t;

/* "era", "param", "table", "definition", "label", "heading", "byline",
 * "banner", "category", "displaytitle", "page title", "fixed". */
const char *wm_evidence_kind_name(wm_evidence_kind_t kind);

typedef struct wm_evidence {
    int field;                 /* a wm_field_t */
    wm_evidence_kind_t kind;
    char *label;               /* the name as written (parameter, label, heading, template,
                                * category); NULL when none */
    char *text;                /* the value: raw wikitext, or plain text when plain */
    bool plain;
    bool chosen;               /* set by the extractor: this piece gave the field */
    size_t offset;             /* byte offset on the page */
} wm_evidence_t;

typedef struct wm_evidence_list {
    wm_evidence_t *items;
    size_t n, cap;
    /* The most sessions one kind of evidence describes: distinct titles
     * (template calls, table rows, labels, headings) or "by" lines.  More
     * than one: the page lists sessions (a hub, day grid or index). */
    unsigned records;
} wm_evidence_list_t;

/* Gather the evidence of a page's wikitext into list (appended): the era's
 * own sources when era is not NULL, then every generic kind through
 * rules->aliases.  Return 0, or -1 when out of memory (what was gathered
 * stays in list). */
int wm_evidence_gather(wm_evidence_list_t *list, const wm_rules_t *rules,
                       const wm_era_rule_t *era, const char *text, size_t len);

/* Append one piece (label and text are copied; text is trimmed, and an
 * empty text is not added).  Return 0, or -1 when out of memory. */
int wm_evidence_add(wm_evidence_list_t *list, int field, wm_evidence_kind_t kind,
                    const char *label, const char *text, size_t len, bool plain, size_t offset);

/* Order the list by precedence: by kind, page order within a kind (stable). */
void wm_evidence_sort(wm_evidence_list_t *list);

/* The field a label, heading or parameter name names through the aliases
 * (normalised like a label; a trailing number is ignored: "speaker2"); -1
 * when none. */
int wm_evidence_field_of(const wm_rules_t *rules, const char *label);

void wm_evidence_list_free(wm_evidence_list_t *list);

#ifdef __cplusplus
}
#endif

#endif
