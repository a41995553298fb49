/* The session record: construction, list appends and release. */
#include "archive/session.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"

wm_session_t *wm_session_new(void)
{
    return calloc(1, sizeof(wm_session_t));
}

static void free_strings(char **list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(list[i]);
    free(list);
}

static void free_speaker(wm_speaker_t *sp);

void wm_session_free(wm_session_t *session)
{
    if (!session)
        return;
    free(session->id);
    free(session->title);
    free(session->type);
    free(session->type_label);
    free_strings(session->tracks, session->n_tracks);
    free(session->language);
    for (size_t i = 0; i < session->n_speakers; i++) {
        free_speaker(&session->speakers[i]);
    }
    free(session->speakers);
    free_strings(session->translations, session->n_translations);
    free(session->abstract);
    free(session->url);
    free(session->source);
    free(session->page_title);
    free(session->timestamp);
    free(session->code);
    free(session->event);
    free(session->status);
    free(session);
}

int wm_session_set(char **field, const char *value)
{
    char *copy = NULL;
    if (value && !(copy = strdup(value)))
        return -1;
    free(*field);
    *field = copy;
    return 0;
}

static int append_string(char ***list, size_t *n, const char *value)
{
    char *copy = strdup(value);
    char **grown = copy ? realloc(*list, (*n + 1) * sizeof(char *)) : NULL;
    if (!grown) {
        free(copy);
        return -1;
    }
    grown[*n] = copy;
    *list = grown;
    (*n)++;
    return 0;
}

int wm_session_add_track(wm_session_t *session, const char *track)
{
    return append_string(&session->tracks, &session->n_tracks, track);
}

int wm_session_add_translation(wm_session_t *session, const char *language)
{
    for (size_t i = 0; i < session->n_translations; i++)
        if (strcmp(session->translations[i], language) == 0)
            return 0;
    return append_string(&session->translations, &session->n_translations, language);
}

/* The speaker already listed under this username or code, or NULL.  A
 * code shared by two people split from one text (same raw) is no link. */
static wm_speaker_t *known_speaker(wm_session_t *session, const wm_speaker_t *person)
{
    for (size_t i = 0; i < session->n_speakers; i++) {
        const wm_speaker_t *sp = &session->speakers[i];
        bool siblings = person->raw && sp->raw && strcmp(person->raw, sp->raw) == 0;
        if ((person->username && sp->username && wm_wiki_same_name(sp->username, person->username)) ||
            (!siblings && person->code && sp->code && strcmp(sp->code, person->code) == 0))
            return &session->speakers[i];
    }
    return NULL;
}

/* *slot = a copy of value when *slot is NULL; -1 when out of memory. */
static int take_missing(char **slot, const char *value)
{
    return *slot || !value || (*slot = strdup(value)) ? 0 : -1;
}

static void free_speaker(wm_speaker_t *sp)
{
    free(sp->name);
    free(sp->username);
    free(sp->code);
    free(sp->biography);
    free(sp->affiliation);
    free(sp->raw);
}

int wm_session_add_person(wm_session_t *session, const wm_speaker_t *person)
{
    wm_speaker_t *known = known_speaker(session, person);
    if (known)   /* one person under two spellings: keep the first, add what is missing */
        return take_missing(&known->username, person->username) | take_missing(&known->code, person->code) |
               take_missing(&known->biography, person->biography) |
               take_missing(&known->affiliation, person->affiliation) | take_missing(&known->raw, person->raw);
    wm_speaker_t speaker = {0};
    wm_speaker_t *grown = NULL;
    speaker.name = strdup(person->name);
    if (speaker.name && take_missing(&speaker.username, person->username) == 0 &&
        take_missing(&speaker.code, person->code) == 0 && take_missing(&speaker.biography, person->biography) == 0 &&
        take_missing(&speaker.affiliation, person->affiliation) == 0 && take_missing(&speaker.raw, person->raw) == 0)
        grown = realloc(session->speakers, (session->n_speakers + 1) * sizeof(wm_speaker_t));
    if (!grown) {
        free_speaker(&speaker);
        return -1;
    }
    grown[session->n_speakers++] = speaker;
    session->speakers = grown;
    return 0;
}

int wm_session_add_speaker(wm_session_t *session, const char *name, const char *username,
                           const char *code, const char *biography)
{
    wm_speaker_t person = {.name = (char *)name, .username = (char *)username, .code = (char *)code,
                           .biography = (char *)biography};
    return wm_session_add_person(session, &person);
}

int wm_session_take_abstract(wm_session_t *session, char *abstract, char *description)
{
    int rc = 0;
    free(session->abstract);
    if (abstract && description && strcmp(abstract, description) != 0) {
        session->abstract = wm_strdup_printf("%s\n\n%s", abstract, description);
        rc = session->abstract ? 0 : -1;
    } else {
        session->abstract = abstract ? abstract : description;
        if (abstract)
            abstract = NULL;
        else
            description = NULL;
    }
    free(abstract);
    free(description);
    return rc;
}

bool wm_status_known(const char *status)
{
    static const char *const known[] = {WM_STATUS_ACCEPTED, WM_STATUS_CONFIRMED, WM_STATUS_SUBMITTED,
                                        WM_STATUS_REJECTED, WM_STATUS_WITHDRAWN, WM_STATUS_CANCELED};
    for (size_t i = 0; status && i < sizeof known / sizeof *known; i++)
        if (strcmp(status, known[i]) == 0)
            return true;
    return false;
}

bool wm_status_took_place(const char *status)
{
    return !status || strcmp(status, WM_STATUS_ACCEPTED) == 0 ||
           strcmp(status, WM_STATUS_CONFIRMED) == 0;
}
