/* A conference session: the record that flows from the extractor to the
 * index and to the programs' output.  Every string is UTF-8, malloc'd and
 * owned by the session; wm_session_free() releases all of it. */
#ifndef WM_SESSION_H
#define WM_SESSION_H

#include <stdbool.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct wm_speaker {
    char *name;        /* display name, never NULL */
    char *username;    /* wiki username: only from a [[User:...]] link or an explicit
                        * username field; NULL when unknown */
    char *code;        /* the person's id in the event's program system (pretalx or
                        * eventyay speaker code, frab/Pentabarf person id): unique within
                        * the event only, never a username; NULL when none */
    char *biography;   /* plain text; NULL when none */
    char *affiliation; /* an organisation the source wrote beside the name ("WMCH" in
                        * "Clara Wiest (WMCH)"); NULL when none */
    char *raw;         /* the person as the source wrote it ("User:Van Anh Dam (WMEU)",
                        * "A and B" for both A and B), when name, username and
                        * affiliation were taken out of it; NULL when name is the
                        * text as written (archive/speakers.h: the rules) */
} wm_speaker_t;

/* Where a session was read: the index links an on-wiki copy of a talk to
 * the program system's export of it, and the export wins. */
typedef enum wm_origin {
    WM_ORIGIN_WIKI = 0,     /* a page of a MediaWiki dump */
    WM_ORIGIN_SCHEDULE      /* a pretalx/eventyay schedule export */
} wm_origin_t;

typedef struct wm_session {
    char *id;              /* "<dbname>:<page id>", e.g. "wikimaniawiki:1234" */
    int year;              /* e.g. 2019; 0 when unknown */
    char *title;           /* plain text */
    char *type;            /* normalised: "talk", "panel", "workshop", "lightning talk", "poster",
                            * "roundtable", "tutorial", "keynote", "meetup", "other"; NULL when unknown */
    char *type_label;      /* the label as written on the page (plain text), NULL when none */
    int duration_minutes;  /* 0 when unknown */
    char **tracks;         /* plain-text track names as written (e.g. "GLAM", "Community Health") */
    size_t n_tracks;
    char *language;        /* language code ("en", "fr", ...), NULL when unknown */
    wm_speaker_t *speakers;
    size_t n_speakers;
    char **translations;   /* language codes of translation subpages */
    size_t n_translations;
    char *abstract;        /* plain text, paragraphs separated by "\n\n"; NULL when none */
    char *url;             /* e.g. "https://wikimania.wikimedia.org/wiki/2019:Libraries/Foo" */
    char *source;          /* path of the input file it came from */
    char *page_title;      /* the wiki page's full title (or the export's talk code) */
    char *timestamp;       /* the revision's timestamp, ISO 8601; NULL when unknown */
    char *code;            /* the talk's code in the program system (pretalx, eventyay), when
                            * the page or export gives one: links an on-wiki copy to the export */
    wm_origin_t origin;
    char *event;           /* the conference it belongs to: "Wikimania 2019" for wiki pages,
                            * the export's conference title ("FOSDEM 2012", "31C3") */
    char *status;          /* normalised (wm_session_status_t names): "accepted", "confirmed",
                            * "submitted", "rejected", "withdrawn", "canceled"; NULL when
                            * the source says nothing */
    bool amends;           /* given again (archive/extract.h, wm_extractor_stream): the same
                            * session as earlier in this run, with translations its page got
                            * later in the dump; the index updates its document and counts
                            * nothing again */
} wm_session_t;

/* The statuses a source may give a session, in the words sessions store.
 * Only accepted and confirmed sessions (and those whose source says
 * nothing) took place as far as anyone knows: see wm_status_took_place. */
#define WM_STATUS_ACCEPTED "accepted"
#define WM_STATUS_CONFIRMED "confirmed"
#define WM_STATUS_SUBMITTED "submitted"
#define WM_STATUS_REJECTED "rejected"
#define WM_STATUS_WITHDRAWN "withdrawn"
#define WM_STATUS_CANCELED "canceled"

/* Is status one of the six WM_STATUS_* words? */
bool wm_status_known(const char *status);

/* Could a session of this status have taken place?  True for NULL (the
 * source says nothing), accepted and confirmed; false for a proposal that
 * was submitted but never accepted, rejected, withdrawn or canceled. */
bool wm_status_took_place(const char *status);

/* A zeroed session (caller frees with wm_session_free); NULL when out of memory. */
wm_session_t *wm_session_new(void);
/* Free a session and everything it owns.  NULL is allowed. */
void wm_session_free(wm_session_t *session);

/* Append to the lists; the strings are copied.  Return 0, or -1 when out of memory.
 * A speaker whose username is already listed (first letter case-insensitive,
 * '_' as ' '), or whose code is, is the same person: not added again (a
 * missing username, code or biography is taken).  A translation already
 * listed is not added again. */
int wm_session_add_track(wm_session_t *session, const char *track);
int wm_session_add_speaker(wm_session_t *session, const char *name, const char *username,
                           const char *code, const char *biography);
int wm_session_add_translation(wm_session_t *session, const char *language);
/* As wm_session_add_speaker, with every field of person (copied; name must
 * be set).  Two people split from one source text (the same raw) are never
 * the same person by their shared code. */
int wm_session_add_person(wm_session_t *session, const wm_speaker_t *person);

/* Set the abstract from an abstract and a description, both taken
 * (malloc'd, or NULL): the description follows the abstract after a blank
 * line, unless it is the same text.  Return 0, or -1 when out of memory
 * (both are freed all the same). */
int wm_session_take_abstract(wm_session_t *session, char *abstract, char *description);

/* Set a string field: free the old value, store a copy of value (NULL clears).
 * Return 0, or -1 when out of memory. */
int wm_session_set(char **field, const char *value);

#ifdef __cplusplus
}
#endif

#endif
