/* The session record: construction, list appends and release. */
#include "archive/session.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "archive/util.h"

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
        free(session->speakers[i].name);
        free(session->speakers[i].username);
        free(session->speakers[i].code);
        free(session->speakers[i].biography);
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

/* The speaker already listed under this username or code, or NULL. */
static wm_speaker_t *known_speaker(wm_session_t *session, const char *username, const char *code)
{
    for (size_t i = 0; i < session->n_speakers; i++) {
        const wm_speaker_t *sp = &session->speakers[i];
        if ((username && sp->username && wm_wiki_same_name(sp->username, username)) ||
            (code && sp->code && strcmp(sp->code, code) == 0))
            return &session->speakers[i];
    }
    return NULL;
}

/* *slot = a copy of value when *slot is NULL; -1 when out of memory. */
static int take_missing(char **slot, const char *value)
{
    return *slot || !value || (*slot = strdup(value)) ? 0 : -1;
}

int wm_session_add_speaker(wm_session_t *session, const char *name, const char *username,
                           const char *code, const char *biography)
{
    wm_speaker_t *known = known_speaker(session, username, code);
    if (known)   /* one person under two spellings: keep the first, add what is missing */
        return take_missing(&known->username, username) | take_missing(&known->code, code) |
               take_missing(&known->biography, biography);
    wm_speaker_t speaker = {0};
    wm_speaker_t *grown = NULL;
    speaker.name = strdup(name);
    if (speaker.name && take_missing(&speaker.username, username) == 0 &&
        take_missing(&speaker.code, code) == 0 && take_missing(&speaker.biography, biography) == 0)
        grown = realloc(session->speakers, (session->n_speakers + 1) * sizeof(wm_speaker_t));
    if (!grown) {
        free(speaker.name);
        free(speaker.username);
        free(speaker.code);
        free(speaker.biography);
        return -1;
    }
    grown[session->n_speakers++] = speaker;
    session->speakers = grown;
    return 0;
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

bool wm_status_took_place(const char *status)
{
    return !status || strcmp(status, WM_STATUS_ACCEPTED) == 0 ||
           strcmp(status, WM_STATUS_CONFIRMED) == 0;
}
