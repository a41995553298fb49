/* Turning a speakers value into people: the wikitext (or plain text) a
 * page gives for its speakers becomes the session's speakers, each with a
 * name, the username of a [[User:...]] link, and a biography when the
 * value has one.
 *
 * Pages write speakers in many ways: "A, B and C" (names split at ",",
 * ";", "&" and " and ", outside links and templates), a list with a person
 * per item, lines separated by <br>, a signature's "[[User talk:...]] 12:00,
 * 1 May 2019 (UTC)" tail (dropped), or bold names each followed by its
 * biography (2024).  Speaker pages looked up elsewhere in the dump (2023)
 * are archive/lookups.h's; the extractor asks there first.
 *
 * Internal to archive/: the extractor calls it for each piece of speakers
 * evidence. */
#ifndef WM_SPEAKERS_H
#define WM_SPEAKERS_H

#include "archive/session.h"

#ifdef __cplusplus
extern "C" {
#endif

/* How a speakers value is read. */
typedef enum wm_speakers_form {
    WM_SPEAKERS_AS_TEXT,     /* plain text: names apart by ",", ";", "&" or " and " */
    WM_SPEAKERS_AS_LIST,     /* wikitext: a person per list item; without a list,
                              * every line is read as text */
    WM_SPEAKERS_AS_BIOS,     /* wikitext: a bold line or list item starts a person, the
                              * lines after it are the biography; AS_LIST when no line does */
    WM_SPEAKERS_AS_WRITTEN   /* wikitext: AS_BIOS when a bold line alone is followed by
                              * text, else AS_LIST */
} wm_speakers_form_t;

/* Add to session the people raw names, read as form says (<br> counts as
 * a line break).  Return 0, or -1 when out of memory (the people added
 * before stay). */
int wm_speakers_add(wm_session_t *session, const char *raw, wm_speakers_form_t form);

/* raw with every <br>, <br/> and <br /> as a line break, as
 * wm_speakers_add reads it (for a lookup of speaker pages first).  The
 * caller frees it; NULL when out of memory. */
char *wm_speakers_break_lines(const char *raw);

/* ---- one person's text taken apart ------------------------------------
 *
 * Programs and pages write more than a name in a person's field.  The rules
 * (each step on what the step before left):
 *   1. "User:" (any case) at the start: what follows is a wiki username,
 *      and also the name unless step 2 or 3 says otherwise
 *      ("User:Van Anh Dam (WMEU)": name and username "Van Anh Dam").
 *   2. Up to three bracketed groups at the end, "Name (X)", each X judged:
 *      - an affiliation when it holds an organisation word (Wikimedia,
 *        Wikipedia, Foundation, University, User Group, Chapter, Museum,
 *        Library, Institute, Association, e.V., ...: speakers.c's
 *        organisation_words), or is an acronym (2-12 letters and digits, at
 *        least two capitals, no small letter: WMCH, WMEU, WMF, UNESCO), or
 *        has several words ("Open Knowledge Belgium");
 *      - a username when it is "User:X", or one token (no space) that is
 *        none of the above: "notafish", "Quillfeather", "Ainali";
 *      - neither, and left in the name, when it holds '/', ',' or ';'
 *        (pronouns "she/her", several nicknames "arr,awr") or is a role
 *        word (moderator, remote, online, TBC, ...).
 *      A bracket in the middle ("Vasilis (tzikis) Georgitzikis") stays.
 *   3. "Name / X" (one '/' outside brackets, spaces optional): X judged as
 *      in 2 (but several words are not an affiliation by themselves here)
 *      gives the username or affiliation; when X is neither but the
 *      left side is one token, the left side is the username and X the
 *      name ("cyphunk / nathan fain").  "://" (a URL) is never split.
 * A username is a token a person chose; a Capitalised single word in
 * brackets is read as one too ("Zeeshan Ali (Khattak)" gives username
 * "Khattak": the raw text keeps what was written). */
typedef struct wm_person_name {
    char *name;          /* never NULL after a successful parse */
    char *username;      /* NULL when none */
    char *affiliation;   /* NULL when none */
} wm_person_name_t;

/* Take raw (plain text, one person) apart by the rules above into *out
 * (the caller frees with wm_person_name_clear).  Return 0, or -1 when out
 * of memory (*out is then empty). */
int wm_speakers_parse_name(const char *raw, wm_person_name_t *out);
void wm_person_name_clear(wm_person_name_t *name);

/* Split one person field of a program export into people: "A and B",
 * "A & B", "A, B & C", "A; B" (outside brackets).  Conservative, since a
 * field usually holds one person: it splits only when every part starts
 * with a capital letter (or "User:"), and at commas only when every part
 * has at least two words ("Smith, John" and "Andrea B - read & delete"
 * stay whole).  *parts (n_parts of them) are malloc'd, the caller frees
 * each and the array; one part when nothing splits.  Return 0 or -1 (out
 * of memory). */
int wm_speakers_split_field(const char *raw, char ***parts, size_t *n_parts);

/* Add the people of one export person field to session: split, each part
 * taken apart, code and biography given to each; raw kept on each person
 * whose name is not the whole field.  Return 0 or -1 (out of memory). */
int wm_speakers_add_field(wm_session_t *session, const char *field, const char *code,
                          const char *biography);

#ifdef __cplusplus
}
#endif

#endif
