/* Growable buffer and string helpers for the archive modules. */
#include "common/util.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int buf_reserve(wm_buf_t *buf, size_t extra)
{
    if (extra > SIZE_MAX - buf->len - 1)
        return -1;
    size_t need = buf->len + extra + 1;
    if (need <= buf->cap)
        return 0;
    size_t cap = buf->cap ? buf->cap : 64;
    while (cap < need)
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    char *data = realloc(buf->data, cap);
    if (!data)
        return -1;
    buf->data = data;
    buf->cap = cap;
    return 0;
}

int wm_buf_append(wm_buf_t *buf, const char *bytes, size_t len)
{
    if (buf_reserve(buf, len) < 0)
        return -1;
    if (len)
        memcpy(buf->data + buf->len, bytes, len);
    buf->len += len;
    buf->data[buf->len] = '\0';
    return 0;
}

int wm_buf_append_str(wm_buf_t *buf, const char *str)
{
    return wm_buf_append(buf, str, strlen(str));
}

int wm_buf_append_char(wm_buf_t *buf, char c)
{
    return wm_buf_append(buf, &c, 1);
}

void wm_buf_clear(wm_buf_t *buf)
{
    buf->len = 0;
    if (buf->data)
        buf->data[0] = '\0';
}

char *wm_buf_take(wm_buf_t *buf)
{
    char *data = buf->data;
    if (!data)
        data = calloc(1, 1);
    buf->data = NULL;
    buf->len = buf->cap = 0;
    return data;
}

void wm_buf_free(wm_buf_t *buf)
{
    free(buf->data);
    buf->data = NULL;
    buf->len = buf->cap = 0;
}

char *wm_strndup(const char *s, size_t len)
{
    char *copy = malloc(len + 1);
    if (!copy)
        return NULL;
    memcpy(copy, s, len);
    copy[len] = '\0';
    return copy;
}

char *wm_strdup_trimmed(const char *s, size_t len)
{
    while (len && isspace((unsigned char)*s)) {
        s++;
        len--;
    }
    while (len && isspace((unsigned char)s[len - 1]))
        len--;
    return wm_strndup(s, len);
}

void wm_squeeze_spaces(char *s)
{
    char *out = s;
    bool pending_space = false;
    for (const char *in = s; *in; in++) {
        if (isspace((unsigned char)*in)) {
            pending_space = out != s;
            continue;
        }
        if (pending_space)
            *out++ = ' ';
        pending_space = false;
        *out++ = *in;
    }
    *out = '\0';
}

bool wm_str_ieq(const char *a, const char *b)
{
    for (; *a && *b; a++, b++)
        if (tolower((unsigned char)*a) != tolower((unsigned char)*b))
            return false;
    return *a == *b;
}

char *wm_strdup_printf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return NULL;
    char *out = malloc((size_t)n + 1);
    if (!out)
        return NULL;
    va_start(ap, fmt);
    vsnprintf(out, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return out;
}

/* Length of the valid UTF-8 sequence at s (at most avail bytes), or 0. */
static size_t utf8_sequence_length(const unsigned char *s, size_t avail)
{
    unsigned char c = s[0];
    size_t n;
    uint32_t cp;
    if (c < 0x80)
        return c ? 1 : 0;
    if (c >= 0xc2 && c <= 0xdf) {
        n = 2;
        cp = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
        n = 3;
        cp = c & 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
        n = 4;
        cp = c & 0x07;
    } else {
        return 0;
    }
    if (n > avail)
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3f);
    }
    if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
        (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return n;
}

char *wm_utf8_sanitize(const char *s, size_t len)
{
    wm_buf_t out = {0};
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    if (wm_buf_append(&out, "", 0) < 0)
        return NULL;
    while (i < len) {
        /* Copy the run of valid sequences at once: most text is all valid. */
        size_t run = 0, n;
        while (i + run < len && (n = utf8_sequence_length(p + i + run, len - i - run)))
            run += n;
        int rc = wm_buf_append(&out, s + i, run);
        if (rc == 0 && i + run < len)
            rc = wm_buf_append(&out, "\xef\xbf\xbd", 3);
        if (rc < 0) {
            wm_buf_free(&out);
            return NULL;
        }
        i += run + (i + run < len);
    }
    return wm_buf_take(&out);
}

bool wm_wiki_same_name(const char *a, const char *b)
{
    for (size_t i = 0;; i++) {
        char x = a[i] == '_' ? ' ' : a[i], y = b[i] == '_' ? ' ' : b[i];
        if (i == 0 ? tolower((unsigned char)x) != tolower((unsigned char)y) : x != y)
            return false;
        if (!x)
            return true;
    }
}
