/* Small helpers every layer uses (archive/, store/, the programs): a
 * growable byte buffer and a few string utilities.  Depends on nothing of
 * the project.  Nothing here prints or exits; allocation failures
 * are reported through return values. */
#ifndef WM_UTIL_H
#define WM_UTIL_H

#include <stdbool.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A growable, always NUL-terminated byte buffer.  Zero-initialise it
 * (`wm_buf_t b = {0};`) before use; release with wm_buf_free(). */
typedef struct wm_buf {
    char *data;     /* NULL until the first append; then NUL-terminated */
    size_t len;
    size_t cap;
} wm_buf_t;

/* Append bytes; return 0, or -1 when memory ran out (the buffer is unchanged). */
int wm_buf_append(wm_buf_t *buf, const char *bytes, size_t len);
int wm_buf_append_str(wm_buf_t *buf, const char *str);
int wm_buf_append_char(wm_buf_t *buf, char c);
/* Empty the buffer but keep its memory for reuse. */
void wm_buf_clear(wm_buf_t *buf);
/* Hand the contents to the caller (caller frees; never NULL unless out of
 * memory: an empty buffer yields ""), leaving the buffer empty. */
char *wm_buf_take(wm_buf_t *buf);
void wm_buf_free(wm_buf_t *buf);

/* A malloc'd copy of the first len bytes of s, NUL-terminated; NULL when out of memory. */
char *wm_strndup(const char *s, size_t len);
/* A malloc'd copy of s with leading and trailing ASCII whitespace removed. */
char *wm_strdup_trimmed(const char *s, size_t len);
/* Collapse runs of whitespace to one space and trim both ends, in place. */
void wm_squeeze_spaces(char *s);
/* ASCII case-insensitive equality. */
bool wm_str_ieq(const char *a, const char *b);
/* Do two wiki names (page titles, template names, usernames) name the same
 * thing, as MediaWiki compares them: '_' the same as ' ', the first letter
 * in any case? */
bool wm_wiki_same_name(const char *a, const char *b);
/* A malloc'd printf-formatted string; NULL when out of memory. */
char *wm_strdup_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Replace invalid UTF-8 sequences and NUL bytes in s[0..len) by U+FFFD, returning a
 * malloc'd NUL-terminated string; NULL when out of memory. */
char *wm_utf8_sanitize(const char *s, size_t len);

#ifdef __cplusplus
}
#endif

#endif
