/* libFuzzer target for the wikitext tools (archive/wikitext.h): template
 * calls (and the calls nested in their parameters, as the extractor reads
 * them), sections, label lines and plain text, all on the fuzz input.
 *
 * The input is copied into an exact-size buffer with a NUL after it, as
 * page texts are, so AddressSanitizer sees any read past the text.  Besides
 * not crashing, the results must be what the header promises: spans inside
 * the text and in order, templates starting with "{{" and ending with "}}",
 * section levels 0-6, short labels, and plain text that is trimmed, valid
 * UTF-8. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "archive/wikitext.h"
#include "tests/fuzz/fuzz_helpers.h"

/* How deep to follow calls nested in parameter values: the extractor goes
 * a few levels down; deeper adds time, not coverage. */
#define NESTED_DEPTH 2

/* Length of the valid UTF-8 sequence at s (1-4), or 0 when it is invalid
 * (overlong forms, surrogates and code points above U+10FFFF included). */
static size_t utf8_length(const unsigned char *s)
{
    unsigned char c = s[0];
    if (c < 0x80)
        return 1;
    size_t n = c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3 : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
    for (size_t i = 1; i < n; i++)
        if ((s[i] & 0xc0) != 0x80)
            return 0;
    if ((c == 0xe0 && s[1] < 0xa0) || (c == 0xed && s[1] > 0x9f) ||
        (c == 0xf0 && s[1] < 0x90) || (c == 0xf4 && s[1] > 0x8f))
        return 0;
    return n;
}

static void check_plain(const char *plain)
{
    CHECK(plain != NULL);
    size_t len = strlen(plain);
    for (size_t i = 0; i < len;) {
        size_t n = utf8_length((const unsigned char *)plain + i);
        CHECK(n > 0);
        i += n;
    }
    if (len > 0) {
        CHECK(strchr(" \t\r\n", plain[0]) == NULL);
        CHECK(strchr(" \t\r\n", plain[len - 1]) == NULL);
    }
}

static void check_templates(const char *text, size_t len, int depth)
{
    wm_template_t *templates = NULL;
    size_t n = 0;
    if (wm_wikitext_templates(text, len, &templates, &n) < 0)
        return;
    size_t end = 0;
    for (size_t i = 0; i < n; i++) {
        const wm_template_t *t = &templates[i];
        CHECK(t->name != NULL);
        CHECK(t->offset >= end && t->length >= 4 && t->length <= len - t->offset);
        CHECK(memcmp(text + t->offset, "{{", 2) == 0);
        CHECK(memcmp(text + t->offset + t->length - 2, "}}", 2) == 0);
        end = t->offset + t->length;
        for (size_t j = 0; j < t->n_params; j++) {
            CHECK(t->params[j].name != NULL && t->params[j].value != NULL);
            CHECK(wm_template_param(t, t->params[j].name) != NULL);
            if (depth < NESTED_DEPTH)
                check_templates(t->params[j].value, strlen(t->params[j].value), depth + 1);
        }
        (void)wm_template_param(t, "1");
    }
    wm_templates_free(templates, n);
}

static void check_sections(const char *text, size_t len)
{
    wm_section_t *sections = NULL;
    size_t n = 0;
    if (wm_wikitext_sections(text, len, &sections, &n) < 0)
        return;
    size_t end = 0;
    for (size_t i = 0; i < n; i++) {
        const wm_section_t *s = &sections[i];
        CHECK(s->heading != NULL);
        CHECK(i == 0 ? s->level == 0 : s->level >= 1 && s->level <= 6);
        CHECK(s->body_offset >= end && s->body_length <= len - s->body_offset);
        end = s->body_offset + s->body_length;
    }
    wm_sections_free(sections, n);
}

static void check_labels(const char *text, size_t len)
{
    wm_label_t *labels = NULL;
    size_t n = 0;
    if (wm_wikitext_labels(text, len, &labels, &n) < 0)
        return;
    for (size_t i = 0; i < n; i++) {
        CHECK(labels[i].label != NULL && labels[i].value != NULL);
        /* Under 80 bytes as written; the plain text may grow only where a
         * NUL or an invalid byte became U+FFFD (3 bytes). */
        CHECK(strlen(labels[i].label) < 3 * 80);
        CHECK(labels[i].offset < len);
        CHECK(i == 0 || labels[i].offset > labels[i - 1].offset);
    }
    wm_labels_free(labels, n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    check_templates(text, size, 0);
    check_sections(text, size);
    check_labels(text, size);
    char *plain = wm_wikitext_to_plain(text, size);
    check_plain(plain);
    free(plain);
    free(text);
    return 0;
}
