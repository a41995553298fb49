/* Values a session page takes from other pages of the same dump (2023):
 * speaker pages ("Template:<speaker page>/<CODE>", name and biography) and
 * templates whose {{#switch:}} table maps a key to a value.  The extractor
 * feeds every Template: page here, asks for values while building
 * sessions, and clears it all at the end of each dump.
 *
 * Internal to archive/: the extractor owns one. */
#ifndef WM_LOOKUPS_H
#define WM_LOOKUPS_H

#include <stdbool.h>
#include <stddef.h>

#include "archive/dump.h"
#include "archive/rules.h"
#include "archive/session.h"
#include "common/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct wm_lookups wm_lookups_t;

/* Empty lookups; NULL when out of memory.  Free with wm_lookups_free(). */
wm_lookups_t *wm_lookups_new(void);
void wm_lookups_free(wm_lookups_t *lookups);

/* Forget every page (the end of a dump). */
void wm_lookups_clear(wm_lookups_t *lookups);

/* Each call returns WM_OK, WM_ERR_NO_MEMORY, or WM_ERR_READ (a biography
 * kept in the temporary file could not be read back).
 *
 * A Template: page of the wiki dbname: when an era of rules that covers
 * the wiki looks values up in it, keep what it says (the first such page
 * of a name wins). */
wm_result_t wm_lookups_add_page(wm_lookups_t *lookups, const wm_rules_t *rules,
                                const char *dbname, const wm_page_t *page);

/* raw with every call of one of era's switch templates replaced by its
 * value (the table's "#default" for an unknown key); a call whose template
 * page has not been seen counts in *missing and gives "".  *resolved is
 * malloc'd (caller frees); NULL when out of memory. */
wm_result_t wm_lookups_resolve_switches(wm_lookups_t *lookups, const wm_era_rule_t *era,
                                        const char *raw, int *missing, char **resolved);

/* Add to session a speaker per call of era's speaker page in raw
 * ({{<speaker page>/<CODE>}}, nested calls included): the name and
 * biography from the page, the code as name when its page has not been
 * seen (counted in *missing).  *found is the number of calls. */
wm_result_t wm_lookups_add_speakers(wm_lookups_t *lookups, wm_session_t *session,
                                    const wm_era_rule_t *era, const char *raw,
                                    size_t *found, int *missing);

/* Do two page or template names name the same page, as MediaWiki compares
 * titles (first letter case-insensitive, '_' as ' ')?  Is name one of names? */
bool wm_lookups_same_name(const char *a, const char *b);
bool wm_lookups_names_have(const wm_names_t *names, const char *name);

#ifdef __cplusplus
}
#endif

#endif
