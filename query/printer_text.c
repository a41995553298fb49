/* printer_text.c: wmquery's output for people: numbered results with the
 * facts on a line or two and a wrapped snippet, sessions in full, counts in a
 * column.  Bold titles when the context asks for colour; nothing here is a
 * contract (scripts use the other printers). */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "query/printer.h"

#define BOLD "\033[1m"
#define STATUS_COLOR "\033[1;33m"
#define RESET "\033[0m"

/* ---- layout helpers --------------------------------------------------- */

/* The indentation of a wrapped line. */
static void print_indent(int indent)
{
    static const char spaces[] = "                ";
    for (; indent > 0; indent -= (int)sizeof spaces - 1)
        fwrite(spaces, 1, indent < (int)sizeof spaces - 1 ? (size_t)indent : sizeof spaces - 1, stdout);
}

/* text word-wrapped to width, each line indented.  A line's words as
 * they stand in text (one space apart) go out in one fwrite: a call per
 * word, and two more passes over it for its length and width, were most
 * of printing a page. */
static void print_wrapped(const char *text, int indent, int width)
{
    int column = 0;
    const char *p = text;
    const char *run = NULL;   /* the line's words not written yet */
    size_t run_len = 0;
    while (*p) {
        while (*p == ' ')
            p++;
        const char *word = p;
        int w = 0;   /* the columns it takes: UTF-8 characters, escape sequences not counted */
        for (; *p && *p != ' '; p++) {
            if (*p == '\033') {
                while (p[1] && p[1] != ' ' && *p != 'm')
                    p++;
                continue;
            }
            if (((unsigned char)*p & 0xC0) != 0x80)
                w++;
        }
        size_t len = (size_t)(p - word);
        if (!len)
            break;
        if (column && column + 1 + w > width) {
            fwrite(run, 1, run_len, stdout);
            putchar('\n');
            column = 0;
        }
        if (!column) {
            print_indent(indent);
            column = indent;
            run = word;
            run_len = len;
        } else if (run + run_len + 1 == word) {   /* one space after the run: it goes on */
            run_len += 1 + len;
            column++;
        } else {
            fwrite(run, 1, run_len, stdout);
            putchar(' ');
            column++;
            run = word;
            run_len = len;
        }
        column += w;
    }
    if (column) {
        fwrite(run, 1, run_len, stdout);
        putchar('\n');
    }
}

/* items joined by separator; NULL when there are none or memory ran out.
 * The caller frees the result. */
static char *join(char *const *items, size_t n, const char *separator)
{
    wm_buf_t buf = {0};
    for (size_t i = 0; i < n; i++)
        if ((i && wm_buf_append_str(&buf, separator) < 0) || wm_buf_append_str(&buf, items[i]) < 0) {
            wm_buf_free(&buf);
            return NULL;
        }
    return wm_buf_take(&buf);
}

/* What a session whose status did not take place (or that the source
 * marks otherwise) is, in words put beside its title, so that a rejected
 * proposal never passes for a session that took place; NULL for accepted,
 * confirmed or no status.  The caller frees. */
static char *status_mark(const char *status)
{
    static const struct { const char *status, *mark; } marks[] = {
        {WM_STATUS_SUBMITTED, "submitted proposal, not accepted"},
        {WM_STATUS_REJECTED, "rejected proposal"},
        {WM_STATUS_WITHDRAWN, "withdrawn proposal"},
        {WM_STATUS_CANCELED, "canceled session"},
    };
    if (!status || !strcmp(status, WM_STATUS_ACCEPTED) || !strcmp(status, WM_STATUS_CONFIRMED))
        return NULL;
    for (size_t i = 0; i < sizeof marks / sizeof *marks; i++)
        if (!strcmp(status, marks[i].status))
            return wm_strdup_printf("[%s]", marks[i].mark);
    return wm_strdup_printf("[status: %s]", status);
}

/* The strings one after the other (NULL ends them): fputs, not printf,
 * for the lines of every hit (printf's formatting was a third of the
 * printing of a page). */
static void print_strings(const char *first, ...)
{
    va_list ap;
    va_start(ap, first);
    for (const char *s = first; s; s = va_arg(ap, const char *))
        fputs(s, stdout);
    va_end(ap);
}

/* n in decimal, "-" first when negative, into buf (DECIMAL_BYTES hold
 * any long); buf is returned.  For the numbers of every hit, where
 * snprintf's formatting cost more than the rest of the line. */
#define DECIMAL_BYTES 24
static char *decimal(char buf[DECIMAL_BYTES], long n)
{
    char digits[DECIMAL_BYTES];
    int len = 0;
    unsigned long u = n < 0 ? 0UL - (unsigned long)n : (unsigned long)n;
    do
        digits[len++] = (char)('0' + u % 10);
    while (u /= 10);
    char *p = buf;
    if (n < 0)
        *p++ = '-';
    while (len)
        *p++ = digits[--len];
    *p = '\0';
    return buf;
}

static void print_title(const wm_print_context_t *context, const char *prefix, const wm_session_t *s)
{
    char *mark = status_mark(s->status);
    print_strings(prefix, context->color ? BOLD : "", s->title ? s->title : "(untitled)",
                  context->color ? RESET : "", (const char *)NULL);
    if (mark)
        print_strings("  ", context->color ? STATUS_COLOR : "", mark, context->color ? RESET : "", (const char *)NULL);
    putchar('\n');
    free(mark);
}

static void print_count(unsigned long count, const char *value)
{
    printf("%7lu  %s\n", count, value);
}

/* ---- results ------------------------------------------------------------ */

static void print_joined(const char *label, char *const *items, size_t n)
{
    if (!n)
        return;
    print_strings("  ", label, ": ", (const char *)NULL);
    for (size_t i = 0; i < n; i++)
        print_strings(i ? ", " : "", items[i], (const char *)NULL);
    putchar('\n');
}

static void print_speaker_names(const wm_session_t *s)
{
    if (!s->n_speakers)
        return;
    fputs("  speakers: ", stdout);
    for (size_t i = 0; i < s->n_speakers; i++)
        print_strings(i ? ", " : "", s->speakers[i].name, (const char *)NULL);
    putchar('\n');
}

/* event, year, type, language on one line; unknown ones left out. */
static void print_facts(const wm_session_t *s)
{
    const char *sep = "  ";
    if (s->event) {
        print_strings(sep, "event: ", s->event, (const char *)NULL);
        sep = ", ";
    }
    if (s->year) {
        char year[DECIMAL_BYTES];
        print_strings(sep, "year: ", decimal(year, s->year), (const char *)NULL);
        sep = ", ";
    }
    if (s->type) {
        print_strings(sep, "type: ", s->type, (const char *)NULL);
        sep = ", ";
    }
    if (s->language) {
        print_strings(sep, "language: ", s->language, (const char *)NULL);
        sep = ", ";
    }
    if (strcmp(sep, ", ") == 0)
        putchar('\n');
}

static void print_hit(const wm_print_context_t *context, const wm_search_hit_t *hit)
{
    const wm_session_t *s = hit->session;
    char rank[DECIMAL_BYTES + 2];
    strcat(decimal(rank, (long)hit->rank + 1), ". ");
    print_title(context, rank, s);
    print_facts(s);
    print_joined("tracks", s->tracks, s->n_tracks);
    print_speaker_names(s);
    if (s->url)
        print_strings("  ", s->url, "\n", (const char *)NULL);
    print_strings("  id: ", s->id ? s->id : "", "\n", (const char *)NULL);
    if (hit->snippet)
        print_wrapped(hit->snippet, 2, context->width);
    putchar('\n');
}

static void print_facets(const wm_search_result_t *result)
{
    for (int f = 0; f < WM_FACET_COUNT; f++) {
        const wm_facet_counts_t *facet = &result->facets[f];
        if (!facet->counted)
            continue;
        printf("%s:\n", wm_facet_name((wm_facet_t)f));
        for (size_t i = 0; i < facet->n_values; i++)
            print_count(facet->values[i].count, facet->values[i].value);
        putchar('\n');
    }
}

void wm_print_suggestion(FILE *out, const char *lead, const wm_search_result_t *result)
{
    if (result->suggestion)
        fprintf(out, "%s%s  (%s%lu session%s)\n", lead, result->suggestion,
                result->suggestion_at_least ? "at least " : "", result->suggestion_total,
                result->suggestion_total == 1 ? "" : "s");
}

static int text_results(const wm_print_context_t *context, const wm_search_result_t *result)
{
    if (context->corrected_query)
        printf("Showing results for: %s  (no session matches %s)\n\n", context->corrected_query,
               context->query);
    for (size_t i = 0; i < result->n_hits; i++)
        print_hit(context, &result->hits[i]);
    print_facets(result);
    const char *about = result->total_at_least ? "at least " : "";
    if (result->n_hits)
        printf("%u-%u of %s%lu sessions\n", context->offset + 1, context->offset + (unsigned)result->n_hits,
               about, result->total);
    else if (result->total)   /* --offset past the end, or -n 0 */
        printf("none shown of %s%lu session%s\n", about, result->total, result->total == 1 ? "" : "s");
    else
        puts("no session matches");
    wm_print_suggestion(stdout, "Did you mean: ", result);
    return 0;
}

/* ---- show: one session in full ------------------------------------------- */

static void print_field(const char *label, const char *value)
{
    if (value && *value)
        printf("  %-14s%s\n", label, value);
}

/* A list field on one line; -1 when out of memory. */
static int print_list_field(const char *label, char *const *items, size_t n, const char *separator)
{
    if (!n)
        return 0;
    char *joined = join(items, n, separator);
    print_field(label, joined);
    free(joined);
    return joined ? 0 : -1;
}

static int print_session_facts(const wm_session_t *s)
{
    char number[64];
    print_field("id:", s->id);
    print_field("event:", s->event);
    print_field("status:", s->status);
    snprintf(number, sizeof number, "%d", s->year);
    print_field("year:", s->year ? number : NULL);
    if (s->type_label && s->type && !wm_str_ieq(s->type, s->type_label))
        printf("  %-14s%s (%s)\n", "type:", s->type, s->type_label);
    else
        print_field("type:", s->type ? s->type : s->type_label);
    snprintf(number, sizeof number, "%d minutes", s->duration_minutes);
    print_field("duration:", s->duration_minutes ? number : NULL);
    int rc = print_list_field("tracks:", s->tracks, s->n_tracks, ", ");
    print_field("language:", s->language);
    print_field("url:", s->url);
    print_field("page:", s->page_title);
    print_field("revised:", s->timestamp);
    print_field("source:", s->source);
    return rc;
}

static void print_speakers(const wm_print_context_t *context, const wm_session_t *s)
{
    if (!s->n_speakers)
        return;
    printf("\n  Speakers:\n");
    for (size_t i = 0; i < s->n_speakers; i++) {
        const wm_speaker_t *sp = &s->speakers[i];
        printf("  - %s", sp->name);
        if (sp->username)
            printf(" (%s)", sp->username);
        if (sp->code)
            printf(" [code %s]", sp->code);
        putchar('\n');
        if (sp->biography)
            print_wrapped(sp->biography, 4, context->width);
    }
}

/* The abstract wrapped, paragraph by paragraph; -1 when out of memory. */
static int print_abstract(const wm_print_context_t *context, const char *abstract)
{
    if (!abstract)
        return 0;
    char *copy = strdup(abstract);
    char *p = copy;
    while (p && *p) {
        char *end = strstr(p, "\n\n");
        if (end)
            *end = '\0';
        for (char *q = p; *q; q++)
            if (*q == '\n' || *q == '\t' || *q == '\r')
                *q = ' ';
        putchar('\n');
        print_wrapped(p, 2, context->width);
        p = end ? end + 2 : NULL;
    }
    free(copy);
    return copy ? 0 : -1;
}

static int print_session(const wm_print_context_t *context, const wm_session_t *s)
{
    print_title(context, "", s);
    int rc = print_session_facts(s);
    rc |= print_list_field("translations:", s->translations, s->n_translations, ", ");
    rc |= print_abstract(context, s->abstract);
    print_speakers(context, s);
    return rc ? -1 : 0;
}

static int text_sessions(const wm_print_context_t *context, wm_session_t *const *sessions, size_t n)
{
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        if (i)
            putchar('\n');
        rc |= print_session(context, sessions[i]);
    }
    return rc ? -1 : 0;
}

/* ---- list: the values of a field ------------------------------------------ */

static const char *plural(wm_facet_t field)
{
    static const char *const names[WM_FACET_COUNT] = {
        [WM_FACET_TRACK] = "tracks", [WM_FACET_YEAR] = "years", [WM_FACET_TYPE] = "types",
        [WM_FACET_LANGUAGE] = "languages", [WM_FACET_SPEAKER] = "speakers", [WM_FACET_EVENT] = "events",
        [WM_FACET_STATUS] = "statuses"};
    return field >= 0 && field < WM_FACET_COUNT && names[field] ? names[field] : "values";
}

/* The values, then a line when there is nothing to show or more than is shown. */
static int text_values(const wm_print_context_t *context, wm_facet_t field, const wm_facet_counts_t *values,
                       unsigned long total)
{
    int rc = 0;
    for (size_t i = 0; i < values->n_values; i++) {
        const wm_facet_value_t *v = &values->values[i];
        if (v->n_names < 2) {
            print_count(v->count, v->value);
            continue;
        }
        /* a person under several names: the other forms beside the first */
        char *others = join(v->names + 1, v->n_names - 1, "; ");
        printf("%7lu  %s (also %s)\n", v->count, v->value, others ? others : "");
        rc |= others ? 0 : -1;
        free(others);
    }
    if (!total)
        puts("no session matches");
    else if (!context->values_total)
        printf("no %s in the %lu matching session%s\n", plural(field), total, total == 1 ? "" : "s");
    else if (values->n_values < context->values_total && values->n_values)
        printf("%zu-%zu of %zu %s\n", context->offset + (size_t)1, context->offset + values->n_values,
               context->values_total, plural(field));
    else if (values->n_values < context->values_total)
        printf("none shown of %zu %s\n", context->values_total, plural(field));
    return rc;
}

/* ---- person: one person's sessions, or the candidates ------------------------ */

static void print_year_line(const wm_print_context_t *context, const wm_session_t *s)
{
    char year[16] = "    ";
    if (s->year)
        snprintf(year, sizeof year, "%d", s->year);
    printf("  %s  ", year);
    print_title(context, "", s);
    printf("        %s", s->id);
    if (s->n_tracks)
        printf("  [%s]", s->tracks[0]);
    putchar('\n');
}

static int print_person(const wm_print_context_t *context, const wm_person_t *p)
{
    printf("%s%s%s\n", context->color ? BOLD : "", p->n_names ? p->names[0] : "?", context->color ? RESET : "");
    int rc = print_list_field("names:", p->names, p->n_names, "; ");
    rc |= print_list_field("usernames:", p->usernames, p->n_usernames, "; ");
    rc |= print_list_field("affiliations:", p->affiliations, p->n_affiliations, "; ");
    rc |= print_list_field("tracks:", p->tracks, p->n_tracks, "; ");
    rc |= print_list_field("co-speakers:", p->co_speakers, p->n_co_speakers, "; ");
    printf("\n  %zu session%s:\n", p->n_sessions, p->n_sessions == 1 ? "" : "s");
    for (size_t i = 0; i < p->n_sessions; i++)
        print_year_line(context, p->sessions[i]);
    return rc ? -1 : 0;
}

static void print_candidate(const wm_person_t *p)
{
    int first = 0, last = 0;
    for (size_t i = 0; i < p->n_sessions; i++) {
        int y = p->sessions[i]->year;
        if (y && (!first || y < first))
            first = y;
        if (y > last)
            last = y;
    }
    printf("  %s", p->n_names ? p->names[0] : "?");
    for (size_t i = 0; i < p->n_usernames; i++)
        printf("%s%s", i ? ", " : " (username ", p->usernames[i]);
    printf("%s: %zu session%s", p->n_usernames ? ")" : "", p->n_sessions, p->n_sessions == 1 ? "" : "s");
    if (first)
        printf(first == last ? ", %d" : ", %d-%d", first, last);
    putchar('\n');
}

static int text_person(const wm_print_context_t *context, const wm_person_result_t *result)
{
    if (result->n_people == 1)
        return print_person(context, &result->people[0]);
    printf("%zu people fit \"%s\"; ask for one by full name or username:\n", result->n_people, context->query);
    for (size_t i = 0; i < result->n_people; i++)
        print_candidate(&result->people[i]);
    return 0;
}

const wm_printer_t wm_printer_text = {
    .for_people = true,
    .snippets = true,
    .suggestion = true,
    .results = text_results,
    .sessions = text_sessions,
    .values = text_values,
    .person = text_person,
};
