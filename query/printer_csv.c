/* printer_csv.c: wmquery's row formats for spreadsheets and shell pipes:
 * csv (RFC 4180: a header, CRLF, quoting only where needed; columns in
 * doc/json-format.md) and ids, its one-column cousin with no header (one
 * session id, or for list one value, per line, for xargs and show). */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "common/util.h"
#include "query/printer.h"

/* ---- csv ------------------------------------------------------------------- */

/* Columns are only ever appended (doc/json-format.md): scripts may read them by position. */
static const char csv_header[] =
    "rank,id,year,title,type,language,tracks,speakers,url,score,snippet,event,status\r\n";

static void csv_field(const char *text, bool last)
{
    text = text ? text : "";
    if (strpbrk(text, ",\"\r\n")) {
        putchar('"');
        for (const char *p = text; *p; p++) {
            if (*p == '"')
                putchar('"');
            putchar(*p);
        }
        putchar('"');
    } else {
        fputs(text, stdout);
    }
    fputs(last ? "\r\n" : ",", stdout);
}

/* Several values in one field, "; " between them. */
static void csv_list(char *const *items, size_t n)
{
    wm_buf_t buf = {0};
    for (size_t i = 0; i < n; i++)
        if ((i && wm_buf_append_str(&buf, "; ") < 0) || wm_buf_append_str(&buf, items[i]) < 0)
            break;
    csv_field(buf.data, false);
    wm_buf_free(&buf);
}

static void csv_speakers(const wm_session_t *s)
{
    wm_buf_t buf = {0};
    for (size_t i = 0; i < s->n_speakers; i++)
        if ((i && wm_buf_append_str(&buf, "; ") < 0) || wm_buf_append_str(&buf, s->speakers[i].name) < 0)
            break;
    csv_field(buf.data, false);
    wm_buf_free(&buf);
}

static void csv_session(unsigned rank, const wm_session_t *s, double score, const char *snippet)
{
    char number[64];
    snprintf(number, sizeof number, "%u", rank);
    csv_field(number, false);
    csv_field(s->id, false);
    snprintf(number, sizeof number, "%d", s->year);
    csv_field(s->year ? number : "", false);
    csv_field(s->title, false);
    csv_field(s->type, false);
    csv_field(s->language, false);
    csv_list(s->tracks, s->n_tracks);
    csv_speakers(s);
    csv_field(s->url, false);
    snprintf(number, sizeof number, "%.6g", score);
    csv_field(number, false);
    csv_field(snippet, false);
    csv_field(s->event, false);
    csv_field(s->status, true);
}

static int csv_results(const wm_print_context_t *context, const wm_search_result_t *result)
{
    (void)context;
    fputs(csv_header, stdout);
    for (size_t i = 0; i < result->n_hits; i++) {
        const wm_search_hit_t *hit = &result->hits[i];
        csv_session(hit->rank + 1, hit->session, hit->score, hit->snippet);
    }
    return 0;
}

/* The same columns as results: rank is the position asked, score 0, and the
 * snippet column holds the whole abstract. */
static int csv_sessions(const wm_print_context_t *context, wm_session_t *const *sessions, size_t n)
{
    (void)context;
    fputs(csv_header, stdout);
    for (size_t i = 0; i < n; i++)
        csv_session((unsigned)i + 1, sessions[i], 0, sessions[i]->abstract);
    return 0;
}

static int csv_values(const wm_print_context_t *context, wm_facet_t field, const wm_facet_counts_t *values,
                      unsigned long total)
{
    (void)context, (void)total;
    printf("%s,count\r\n", wm_facet_name(field));
    for (size_t i = 0; i < values->n_values; i++) {
        char number[32];
        snprintf(number, sizeof number, "%lu", values->values[i].count);
        csv_field(values->values[i].value, false);
        csv_field(number, true);
    }
    return 0;
}

/* The person's sessions as show prints them; candidates: person,usernames,sessions. */
static int csv_person(const wm_print_context_t *context, const wm_person_result_t *result)
{
    if (result->n_people == 1)
        return csv_sessions(context, result->people[0].sessions, result->people[0].n_sessions);
    printf("person,usernames,sessions\r\n");
    for (size_t i = 0; i < result->n_people; i++) {
        const wm_person_t *p = &result->people[i];
        char number[32];
        snprintf(number, sizeof number, "%zu", p->n_sessions);
        csv_field(p->n_names ? p->names[0] : "", false);
        csv_field(p->n_usernames ? p->usernames[0] : "", false);
        csv_field(number, true);
    }
    return 0;
}

const wm_printer_t wm_printer_csv = {
    .snippets = true,
    .results = csv_results,
    .sessions = csv_sessions,
    .values = csv_values,
    .person = csv_person,
};

/* ---- ids ------------------------------------------------------------------- */

static int ids_results(const wm_print_context_t *context, const wm_search_result_t *result)
{
    (void)context;
    for (size_t i = 0; i < result->n_hits; i++)
        puts(result->hits[i].session->id);
    return 0;
}

static int ids_sessions(const wm_print_context_t *context, wm_session_t *const *sessions, size_t n)
{
    (void)context;
    for (size_t i = 0; i < n; i++)
        puts(sessions[i]->id);
    return 0;
}

static int ids_values(const wm_print_context_t *context, wm_facet_t field, const wm_facet_counts_t *values,
                      unsigned long total)
{
    (void)context, (void)field, (void)total;
    for (size_t i = 0; i < values->n_values; i++)
        puts(values->values[i].value);
    return 0;
}

/* The person's session ids; nothing for candidates (wmquery says why). */
static int ids_person(const wm_print_context_t *context, const wm_person_result_t *result)
{
    if (result->n_people == 1)
        return ids_sessions(context, result->people[0].sessions, result->people[0].n_sessions);
    return 0;
}

const wm_printer_t wm_printer_ids = {
    .results = ids_results,
    .sessions = ids_sessions,
    .values = ids_values,
    .person = ids_person,
};
