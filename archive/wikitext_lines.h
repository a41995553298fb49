/* Walking wikitext line by line, for the readers of list-shaped values:
 * the extractor's one-value fields (a list's first item) and the speakers
 * reader (a person per list item).  Static inline: internal to archive/,
 * and too small to be a module of their own. */
#ifndef WM_WIKITEXT_LINES_H
#define WM_WIKITEXT_LINES_H

#include <ctype.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Iterate over lines: *line and *len are set; return false at the end. */
static inline bool next_line(const char **cursor, const char **line, size_t *len)
{
    const char *p = *cursor;
    if (!p || !*p)
        return false;
    const char *nl = strchr(p, '\n');
    *line = p;
    *len = nl ? (size_t)(nl - p) : strlen(p);
    *cursor = nl ? nl + 1 : p + *len;
    return true;
}

static inline bool is_list_item(const char *line, size_t len)
{
    return len && (line[0] == '*' || line[0] == '#');
}

/* Does raw have a list item?  Then the lines outside the list are not values. */
static inline bool has_list_items(const char *raw)
{
    const char *cursor = raw, *line;
    size_t len;
    while (next_line(&cursor, &line, &len))
        if (is_list_item(line, len))
            return true;
    return false;
}

/* Skip list and definition markers ("* ", "#", ": ", "; ") at the start. */
static inline const char *skip_markers(const char *line, size_t *len)
{
    while (*len && (strchr("*#:;", *line) || isspace((unsigned char)*line))) {
        line++;
        (*len)--;
    }
    return line;
}

/* The next line of a value: with items_only (the value has a list), the
 * next list item, the other lines skipped; else the next line.  Its list
 * and definition markers are skipped. */
static inline bool next_value_line(const char **cursor, bool items_only, const char **line,
                                   size_t *len)
{
    while (next_line(cursor, line, len))
        if (!items_only || is_list_item(*line, *len)) {
            *line = skip_markers(*line, len);
            return true;
        }
    return false;
}

#ifdef __cplusplus
}
#endif

#endif
