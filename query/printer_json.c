/* printer_json.c: wmquery's json and jsonl output, a versioned contract for
 * scripts written down in doc/json-format.md (change both together, and
 * FORMAT_VERSION when a script could break).  json prints one indented
 * document; jsonl one compact object per line, rows only. */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include <jansson.h>

#include "output/session_json.h"
#include "query/printer.h"

enum { FORMAT_VERSION = 1 };

/* ---- building blocks ---------------------------------------------------- */

/* Print and release a JSON value; -1 when it is NULL (out of memory). */
static int emit(json_t *value, size_t flags)
{
    char *text = value ? json_dumps(value, flags | JSON_ENCODE_ANY) : NULL;
    if (text)
        puts(text);
    free(text);
    json_decref(value);
    return text ? 0 : -1;
}

/* A result row: the session's JSON plus rank (1-based), score and snippet. */
static json_t *hit_json(const wm_search_hit_t *hit)
{
    json_t *object = wm_session_to_json(hit->session, false);
    if (!object)
        return NULL;
    int rc = json_object_set_new(object, "rank", json_integer(hit->rank + 1));
    rc |= json_object_set_new(object, "score", json_real(hit->score));
    rc |= json_object_set_new(object, "snippet", hit->snippet ? json_string(hit->snippet) : json_null());
    if (rc) {
        json_decref(object);
        return NULL;
    }
    return object;
}

static json_t *strings_json(char *const *items, size_t n)
{
    json_t *array = json_array();
    for (size_t i = 0; array && i < n; i++)
        if (json_array_append_new(array, json_string(items[i])) != 0) {
            json_decref(array);
            return NULL;
        }
    return array;
}

/* {"value", "count"}, and a speaker's name forms as "names". */
static json_t *count_json(const wm_facet_value_t *value)
{
    if (value->names)
        return json_pack("{s:s,s:I,s:o}", "value", value->value, "count", (json_int_t)value->count,
                         "names", strings_json(value->names, value->n_names));
    return json_pack("{s:s,s:I}", "value", value->value, "count", (json_int_t)value->count);
}

static json_t *counts_json(const wm_facet_counts_t *facet)
{
    json_t *array = json_array();
    for (size_t i = 0; array && i < facet->n_values; i++)
        if (json_array_append_new(array, count_json(&facet->values[i])) != 0) {
            json_decref(array);
            return NULL;
        }
    return array;
}

/* ---- json: search results -------------------------------------------------- */

static int add_facets(json_t *root, const wm_search_result_t *result)
{
    json_t *facets = NULL;
    for (int f = 0; f < WM_FACET_COUNT; f++) {
        if (!result->facets[f].counted)
            continue;
        if (!facets && (!(facets = json_object()) || json_object_set_new(root, "facets", facets)))
            return -1;
        if (json_object_set_new(facets, wm_facet_name((wm_facet_t)f), counts_json(&result->facets[f])))
            return -1;
    }
    return 0;
}

static int add_suggestion(json_t *root, const wm_search_result_t *result)
{
    if (!result->suggestion)
        return 0;
    return json_object_set_new(root, "suggestion", json_pack("{s:s,s:I}", "query", result->suggestion,
                                                             "total", (json_int_t)result->suggestion_total));
}

static int add_hits(json_t *root, const wm_search_result_t *result)
{
    json_t *results = json_array();
    int rc = results ? 0 : -1;
    for (size_t i = 0; rc == 0 && i < result->n_hits; i++)
        rc = json_array_append_new(results, hit_json(&result->hits[i]));
    if (rc == 0)
        rc = json_object_set(root, "results", results);
    json_decref(results);
    return rc;
}

static json_t *results_json(const wm_print_context_t *context, const wm_search_result_t *result)
{
    json_t *root = json_pack("{s:i,s:s,s:I,s:i,s:i,s:s}", "format_version", FORMAT_VERSION,
                             "query", context->query, "total", (json_int_t)result->total,
                             "offset", (int)context->offset, "limit", (int)context->limit,
                             "sort", context->sort);
    int rc = root ? 0 : -1;
    if (rc == 0 && context->similar_to)
        rc = json_object_set_new(root, "similar_to", json_string(context->similar_to));
    if (rc == 0 && context->corrected_query)
        rc = json_object_set_new(root, "corrected_query", json_string(context->corrected_query));
    if (rc == 0)
        rc = add_hits(root, result);
    if (rc == 0)
        rc = add_facets(root, result);
    if (rc == 0)
        rc = add_suggestion(root, result);
    if (rc) {
        json_decref(root);
        return NULL;
    }
    return root;
}

static int json_results(const wm_print_context_t *context, const wm_search_result_t *result)
{
    return emit(results_json(context, result), JSON_INDENT(2));
}

/* ---- json: sessions and values ---------------------------------------------- */

/* show with ids that no session has: "error" and "id" name the first, "missing" lists them all,
 * so that a script piping into jq always gets one document (doc/json-format.md). */
static int add_missing(json_t *root, const wm_print_context_t *context)
{
    char message[512];
    snprintf(message, sizeof message, "no session with id %s", context->missing[0]);
    json_t *missing = json_array();
    for (size_t i = 0; missing && i < context->n_missing; i++)
        if (json_array_append_new(missing, json_string(context->missing[i])) != 0) {
            json_decref(missing);
            missing = NULL;
        }
    if (!missing || json_object_set_new(root, "error", json_string(message)) != 0 ||
        json_object_set_new(root, "id", json_string(context->missing[0])) != 0)
        return json_decref(missing), -1;
    return json_object_set_new(root, "missing", missing) == 0 ? 0 : -1;
}

static int json_sessions(const wm_print_context_t *context, wm_session_t *const *sessions, size_t n)
{
    json_t *array = json_array();
    for (size_t i = 0; array && i < n; i++)
        if (json_array_append_new(array, wm_session_to_json(sessions[i], true))) {
            json_decref(array);
            array = NULL;
        }
    json_t *root = array ? json_pack("{s:i,s:o}", "format_version", FORMAT_VERSION, "sessions", array) : NULL;
    if (root && context->n_missing && add_missing(root, context) < 0) {
        json_decref(root);
        root = NULL;
    }
    return emit(root, JSON_INDENT(2));
}

static int json_values(const wm_print_context_t *context, wm_facet_t field, const wm_facet_counts_t *values,
                       unsigned long total)
{
    json_t *root = json_pack("{s:i,s:s,s:s,s:I,s:o*}", "format_version", FORMAT_VERSION,
                             "list", wm_facet_name(field), "query", context->query,
                             "total", (json_int_t)total, "values", counts_json(values));
    return emit(root, JSON_INDENT(2));
}

/* ---- json: person ------------------------------------------------------------ */

static json_t *person_sessions_json(const wm_person_t *p)
{
    json_t *array = json_array();
    for (size_t i = 0; array && i < p->n_sessions; i++)
        if (json_array_append_new(array, wm_session_to_json(p->sessions[i], false))) {
            json_decref(array);
            return NULL;
        }
    return array;
}

/* A person; in full with the sessions, else (a candidate) with their count and years. */
static json_t *person_json(const wm_person_t *p, bool full)
{
    json_t *object = json_pack("{s:s?,s:o,s:o,s:o}", "person", p->n_names ? p->names[0] : NULL,
                               "names", strings_json(p->names, p->n_names),
                               "usernames", strings_json(p->usernames, p->n_usernames),
                               "affiliations", strings_json(p->affiliations, p->n_affiliations));
    int rc = object ? 0 : -1;
    if (rc == 0 && full) {
        rc |= json_object_set_new(object, "tracks", strings_json(p->tracks, p->n_tracks));
        rc |= json_object_set_new(object, "co_speakers", strings_json(p->co_speakers, p->n_co_speakers));
        rc |= json_object_set_new(object, "sessions", person_sessions_json(p));
    } else if (rc == 0) {
        json_t *years = json_array();
        for (size_t i = 0; years && i < p->n_sessions; i++) {
            int y = p->sessions[i]->year;
            if (y && (!i || y != p->sessions[i - 1]->year))
                rc |= json_array_append_new(years, json_integer(y));
        }
        rc |= json_object_set_new(object, "years", years);
        rc |= json_object_set_new(object, "session_count", json_integer((json_int_t)p->n_sessions));
    }
    if (rc) {
        json_decref(object);
        return NULL;
    }
    return object;
}

static int json_person(const wm_print_context_t *context, const wm_person_result_t *result)
{
    json_t *root = NULL;
    if (result->n_people == 1) {
        json_t *person = person_json(&result->people[0], true);
        root = person ? json_pack("{s:i,s:s}", "format_version", FORMAT_VERSION, "query", context->query) : NULL;
        if (root && json_object_update(root, person)) {
            json_decref(root);
            root = NULL;
        }
        json_decref(person);
        return emit(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    }
    json_t *candidates = json_array();
    for (size_t i = 0; candidates && i < result->n_people; i++)
        if (json_array_append_new(candidates, person_json(&result->people[i], false))) {
            json_decref(candidates);
            candidates = NULL;
        }
    if (candidates)
        root = json_pack("{s:i,s:s,s:n,s:o}", "format_version", FORMAT_VERSION, "query", context->query,
                         "person", "candidates", candidates);
    return emit(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
}

const wm_printer_t wm_printer_json = {
    .snippets = true,
    .suggestion = true,
    .results = json_results,
    .sessions = json_sessions,
    .values = json_values,
    .person = json_person,
};

/* ---- jsonl: one row per line ---------------------------------------------------- */

static int jsonl_results(const wm_print_context_t *context, const wm_search_result_t *result)
{
    (void)context;
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < result->n_hits; i++)
        rc = emit(hit_json(&result->hits[i]), JSON_COMPACT);
    return rc;
}

static int jsonl_sessions(const wm_print_context_t *context, wm_session_t *const *sessions, size_t n)
{
    (void)context;
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < n; i++)
        rc = emit(wm_session_to_json(sessions[i], true), JSON_COMPACT);
    return rc;
}

static int jsonl_values(const wm_print_context_t *context, wm_facet_t field, const wm_facet_counts_t *values,
                        unsigned long total)
{
    (void)context, (void)field, (void)total;
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < values->n_values; i++)
        rc = emit(count_json(&values->values[i]), JSON_COMPACT);
    return rc;
}

/* The person's sessions, one a line; the candidates, one a line. */
static int jsonl_person(const wm_print_context_t *context, const wm_person_result_t *result)
{
    (void)context;
    int rc = 0;
    if (result->n_people == 1)
        for (size_t i = 0; rc == 0 && i < result->people[0].n_sessions; i++)
            rc = emit(wm_session_to_json(result->people[0].sessions[i], false), JSON_COMPACT);
    else
        for (size_t i = 0; rc == 0 && i < result->n_people; i++)
            rc = emit(person_json(&result->people[i], false), JSON_COMPACT | JSON_PRESERVE_ORDER);
    return rc;
}

const wm_printer_t wm_printer_jsonl = {
    .snippets = true,
    .results = jsonl_results,
    .sessions = jsonl_sessions,
    .values = jsonl_values,
    .person = jsonl_person,
};
