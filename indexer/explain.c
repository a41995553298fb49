/* wmindex --explain output (see explain.h). */
#include "indexer/explain.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "archive/rules.h"

/* A value on one line, cut to about width bytes (not inside a UTF-8 character). */
static void print_one_line(FILE *out, const char *text, size_t width)
{
    size_t n = 0;
    for (const char *p = text; *p; p++, n++) {
        if (n >= width && ((unsigned char)*p & 0xC0) != 0x80) {
            fputs(" ...", out);
            return;
        }
        fputc(*p == '\n' || *p == '\t' || *p == '\r' ? ' ' : *p, out);
    }
}

static void print_text(FILE *out, const wm_explanation_t *e)
{
    fprintf(out, "%s: %s (%s)\n", e->wiki, e->page_title, e->source);
    fprintf(out, "  candidate: %s: %s\n", e->candidate ? "yes" : "no", e->why);
    fprintf(out, "  result:    %s", wm_explain_result_name(e->result));
    if (e->session_id)
        fprintf(out, " %s", e->session_id);
    if (e->reason)
        fprintf(out, ": %s", e->reason);
    fputc('\n', out);
    if (!e->evidence.n)
        return;
    fputs("  evidence, in order of precedence (* = the value taken):\n", out);
    for (int f = 0; f < WM_FIELD_COUNT; f++)
        for (size_t i = 0; i < e->evidence.n; i++) {
            const wm_evidence_t *ev = &e->evidence.items[i];
            if (ev->field != f)
                continue;
            fprintf(out, "  %c %-11s %-12s %-24s ", ev->chosen ? '*' : ' ', wm_field_name(f),
                    wm_evidence_kind_name(ev->kind), ev->label ? ev->label : "");
            print_one_line(out, ev->text, 60);
            fputc('\n', out);
        }
}

static json_t *evidence_json(const wm_evidence_t *ev)
{
    return json_pack("{s:s, s:s, s:s?, s:s, s:b}", "field", wm_field_name(ev->field), "kind",
                     wm_evidence_kind_name(ev->kind), "label", ev->label, "value", ev->text,
                     "chosen", ev->chosen);
}

static int print_json(FILE *out, const wm_explanation_t *e)
{
    json_t *evidence = json_array();
    json_t *root = json_pack("{s:s, s:s, s:s, s:b, s:s, s:o, s:s, s:s?, s:s?}", "page",
                             e->page_title, "wiki", e->wiki, "source", e->source, "candidate",
                             e->candidate, "why", e->why, "evidence", evidence, "result",
                             wm_explain_result_name(e->result), "reason", e->reason, "session",
                             e->session_id);
    int rc = root ? 0 : -1;
    for (size_t i = 0; rc == 0 && i < e->evidence.n; i++)
        rc = json_array_append_new(evidence, evidence_json(&e->evidence.items[i]));
    char *line = rc == 0 ? json_dumps(root, JSON_COMPACT) : NULL;
    if (line)
        fprintf(out, "%s\n", line);
    free(line);
    json_decref(root);
    return line ? 0 : -1;
}

int explain_print(FILE *out, const wm_explanation_t *e, bool json)
{
    if (json)
        return print_json(out, e);
    print_text(out, e);
    return 0;
}
