/* The JSON form of a session (see session_json.h). */
#include "output/session_json.h"

static json_t *string_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

static json_t *string_array(char *const *items, size_t n)
{
    json_t *array = json_array();
    for (size_t i = 0; array && i < n; i++)
        if (json_array_append_new(array, json_string(items[i])) < 0) {
            json_decref(array);
            return NULL;
        }
    return array;
}

/* {"name", "username", "code", "affiliation", "raw"} and, in full listings, "biography". */
static json_t *speaker_object(const wm_speaker_t *speaker, bool full)
{
    json_t *object = json_object();
    if (!object)
        return NULL;
    int rc = json_object_set_new(object, "name", string_or_null(speaker->name));
    rc |= json_object_set_new(object, "username", string_or_null(speaker->username));
    rc |= json_object_set_new(object, "code", string_or_null(speaker->code));
    rc |= json_object_set_new(object, "affiliation", string_or_null(speaker->affiliation));
    rc |= json_object_set_new(object, "raw", string_or_null(speaker->raw));
    if (full)
        rc |= json_object_set_new(object, "biography", string_or_null(speaker->biography));
    if (rc) {
        json_decref(object);
        return NULL;
    }
    return object;
}

static json_t *speaker_array(const wm_session_t *session, bool full)
{
    json_t *array = json_array();
    for (size_t i = 0; array && i < session->n_speakers; i++)
        if (json_array_append_new(array, speaker_object(&session->speakers[i], full)) < 0) {
            json_decref(array);
            return NULL;
        }
    return array;
}

json_t *wm_session_to_json(const wm_session_t *session, bool with_abstract)
{
    json_t *object = json_object();
    if (!object)
        return NULL;
    int rc = 0;
    rc |= json_object_set_new(object, "id", string_or_null(session->id));
    rc |= json_object_set_new(object, "year", session->year ? json_integer(session->year) : json_null());
    rc |= json_object_set_new(object, "title", string_or_null(session->title));
    rc |= json_object_set_new(object, "event", string_or_null(session->event));
    rc |= json_object_set_new(object, "status", string_or_null(session->status));
    rc |= json_object_set_new(object, "type", string_or_null(session->type));
    rc |= json_object_set_new(object, "duration",
                              session->duration_minutes ? json_integer(session->duration_minutes)
                                                        : json_null());
    rc |= json_object_set_new(object, "tracks", string_array(session->tracks, session->n_tracks));
    rc |= json_object_set_new(object, "language", string_or_null(session->language));
    rc |= json_object_set_new(object, "speakers", speaker_array(session, with_abstract));
    rc |= json_object_set_new(object, "translations",
                              string_array(session->translations, session->n_translations));
    rc |= json_object_set_new(object, "url", string_or_null(session->url));
    rc |= json_object_set_new(object, "source", string_or_null(session->source));
    if (with_abstract) {
        rc |= json_object_set_new(object, "type_label", string_or_null(session->type_label));
        rc |= json_object_set_new(object, "abstract", string_or_null(session->abstract));
    }
    if (rc) {
        json_decref(object);
        return NULL;
    }
    return object;
}
