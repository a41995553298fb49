/* Walking the paths a user gives (files and directory trees) and telling
 * inputs from the other files found in dump directories.
 *
 * The walk is iterative: an explicit stack holds one frame per directory
 * level (its path and its sorted entry names), so a deep chain of
 * directories costs heap, not C stack.  Each directory entered is
 * remembered by (st_dev, st_ino) in a hash set, so symbolic links can be
 * followed without looping and a subtree reached twice is walked once. */
#include "archive/crawl.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "archive/stream.h"
#include "common/util.h"

#define NOT_AN_INPUT "not a dump or schedule export"
#define LOOP_MESSAGE "symbolic link loop"
/* Enough decompressed bytes to get past a BOM and leading blank lines. */
#define SNIFF_BYTES 4096

/* --- the set of directories entered ------------------------------------ */

typedef struct dir_key {
    dev_t dev;
    ino_t ino;
    bool used;
    bool on_path;   /* an ancestor of the current position: meeting it again is a loop */
} dir_key_t;

typedef struct dir_set {
    dir_key_t *slots;
    size_t cap;     /* a power of two */
    size_t count;
} dir_set_t;

static size_t dir_hash(dev_t dev, ino_t ino, size_t cap)
{
    uint64_t h = (uint64_t)ino * 0x9E3779B97F4A7C15ull ^ (uint64_t)dev * 0xC2B2AE3D27D4EB4Full;
    return (size_t)(h ^ (h >> 29)) & (cap - 1);
}

/* The slot holding (dev, ino), or the empty slot where it belongs (the
 * table is never full: it grows at half load). */
static dir_key_t *dir_set_slot(dir_key_t *slots, size_t cap, dev_t dev, ino_t ino)
{
    size_t i = dir_hash(dev, ino, cap);
    while (slots[i].used && !(slots[i].dev == dev && slots[i].ino == ino))
        i = (i + 1) & (cap - 1);
    return &slots[i];
}

static int dir_set_grow(dir_set_t *set)
{
    size_t cap = set->cap ? set->cap * 2 : 64;
    dir_key_t *slots = calloc(cap, sizeof *slots);
    if (!slots)
        return -1;
    for (size_t i = 0; i < set->cap; i++)
        if (set->slots[i].used)
            *dir_set_slot(slots, cap, set->slots[i].dev, set->slots[i].ino) = set->slots[i];
    free(set->slots);
    set->slots = slots;
    set->cap = cap;
    return 0;
}

/* Find (dev, ino), adding it when absent; *added says which.  NULL when out of memory. */
static dir_key_t *dir_set_add(dir_set_t *set, dev_t dev, ino_t ino, bool *added)
{
    if ((set->count + 1) * 2 > set->cap && dir_set_grow(set) < 0)
        return NULL;
    dir_key_t *slot = dir_set_slot(set->slots, set->cap, dev, ino);
    *added = !slot->used;
    if (*added) {
        *slot = (dir_key_t){ .dev = dev, .ino = ino, .used = true };
        set->count++;
    }
    return slot;
}

/* --- directory frames -------------------------------------------------- */

typedef struct crawl_frame {
    char *path;         /* the directory as reached from its root */
    char *storage;      /* the entry names, NUL-separated */
    char **names;       /* sorted (strcmp) pointers into storage */
    size_t n_names;
    size_t next;        /* index of the next name to visit */
    dev_t dev;
    ino_t ino;
} crawl_frame_t;

typedef struct crawl_state {
    dir_set_t dirs;
    crawl_frame_t *frames;
    size_t depth;
    size_t frames_cap;
    wm_crawl_fn callback;
    void *ctx;
} crawl_state_t;

static void frame_free(crawl_frame_t *frame)
{
    free(frame->path);
    free(frame->storage);
    free(frame->names);
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Read the visible (not dot) entry names of an open directory into frame,
 * sorted.  Return 0, -1 when out of memory, or an errno value > 0. */
static int frame_read_names(crawl_frame_t *frame, DIR *dir)
{
    wm_buf_t storage = {0};
    size_t count = 0;
    struct dirent *entry;
    errno = 0;
    while ((entry = readdir(dir)) != NULL) {
        if (entry->d_name[0] == '.')
            continue;
        if (wm_buf_append(&storage, entry->d_name, strlen(entry->d_name) + 1) < 0) {
            wm_buf_free(&storage);
            return -1;
        }
        count++;
    }
    int read_error = errno;
    char **names = count ? malloc(count * sizeof *names) : NULL;
    if (read_error || (count && !names)) {
        free(names);
        wm_buf_free(&storage);
        return read_error ? read_error : -1;
    }
    char *p = storage.data;
    for (size_t i = 0; i < count; p += strlen(p) + 1)
        names[i++] = p;
    qsort(names, count, sizeof *names, compare_names);
    frame->storage = storage.data;
    frame->names = names;
    frame->n_names = count;
    return 0;
}

/* --- reporting --------------------------------------------------------- */

/* The callback's answer (anything but WM_OK: stop) as the walk's own
 * status: 0 go on, 1 stop, -1 out of memory (wm_crawl names them). */
static int report(crawl_state_t *st, wm_crawl_event_t event, const char *path, const char *message)
{
    return st->callback(st->ctx, event, path, message) != WM_OK ? 1 : 0;
}

static int report_errno(crawl_state_t *st, const char *path, int error)
{
    return report(st, WM_CRAWL_ERROR, path, error == ELOOP ? LOOP_MESSAGE : strerror(error));
}

/* --- content sniffing -------------------------------------------------- */

static bool is_blank(unsigned c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Whether decompressed bytes start like XML or JSON: after a byte order
 * mark (UTF-8 or UTF-16, or UTF-16 detected as XML does, by "<" next to
 * a NUL) and blanks, the first character is '<', '{' or '['. */
static bool looks_like_xml_or_json(const unsigned char *data, size_t len)
{
    size_t i = 0, width = 1;
    bool big_endian = false;
    if (len >= 3 && data[0] == 0xEF && data[1] == 0xBB && data[2] == 0xBF) {
        i = 3;
    } else if (len >= 2 && ((data[0] == 0xFE && data[1] == 0xFF) || (data[0] == 0 && data[1] == '<'))) {
        width = 2, big_endian = true, i = data[0] ? 2 : 0;
    } else if (len >= 2 && ((data[0] == 0xFF && data[1] == 0xFE) || (data[0] == '<' && data[1] == 0))) {
        width = 2, i = data[0] == 0xFF ? 2 : 0;
    }
    for (; i + width <= len; i += width) {
        unsigned c = data[i];
        if (width == 2) {
            unsigned high = big_endian ? data[i] : data[i + 1];
            if (high != 0)
                return false;
            c = big_endian ? data[i + 1] : data[i];
        }
        if (!is_blank(c))
            return c == '<' || c == '{' || c == '[';
    }
    return false;
}

/* Report a file whose name says nothing as an input or as skipped, by its
 * decompressed content. */
static int classify_by_content(crawl_state_t *st, const char *path)
{
    char *error = NULL;
    wm_stream_t *stream = wm_stream_open(path, &error);
    if (!stream) {
        /* Unreadable was ruled out before: this is a compression we cannot
         * look into (xz, zstd, 7z), so nothing says it is a dump. */
        const char *why = error ? error : "cannot decompress";
        size_t plen = strlen(path);
        if (strncmp(why, path, plen) == 0 && strncmp(why + plen, ": ", 2) == 0)
            why += plen + 2;   /* the callback names the file already */
        char *reason = wm_strdup_printf(NOT_AN_INPUT " (%s)", why);
        free(error);
        if (!reason)
            return -1;
        int rc = report(st, WM_CRAWL_SKIPPED, path, reason);
        free(reason);
        return rc;
    }
    const unsigned char *data = NULL;
    ssize_t got = wm_stream_peek(stream, SNIFF_BYTES, &data);
    bool input = got > 0 && looks_like_xml_or_json(data, (size_t)got);
    wm_stream_close(stream);
    return report(st, input ? WM_CRAWL_INPUT : WM_CRAWL_SKIPPED, path, input ? NULL : NOT_AN_INPUT);
}

/* --- visiting one path ------------------------------------------------- */

static int check_readable(const char *path)
{
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return errno;
    close(fd);
    return 0;
}

/* A regular file met inside a crawled directory. */
static int visit_file(crawl_state_t *st, const char *path, const char *name)
{
    int error = check_readable(path);
    if (error)
        return report_errno(st, path, error);
    if (wm_crawl_name_is_input(name))
        return report(st, WM_CRAWL_INPUT, path, NULL);
    return classify_by_content(st, path);
}

static int push_frame(crawl_state_t *st, crawl_frame_t *frame)
{
    if (st->depth == st->frames_cap) {
        size_t cap = st->frames_cap ? st->frames_cap * 2 : 16;
        crawl_frame_t *frames = realloc(st->frames, cap * sizeof *frames);
        if (!frames)
            return -1;
        st->frames = frames;
        st->frames_cap = cap;
    }
    st->frames[st->depth++] = *frame;
    return 0;
}

/* Open the directory frame->path and read its sorted names into frame.
 * Return 0, -1 when out of memory, or an errno value > 0. */
static int read_directory(crawl_frame_t *frame)
{
    DIR *dir = opendir(frame->path);
    if (!dir)
        return errno;
    int error = frame_read_names(frame, dir);
    closedir(dir);
    return error;
}

/* Enter the directory at path (whose stat is sb): push a frame holding its
 * sorted entries, unless it was entered before.  Takes ownership of path. */
static int enter_directory(crawl_state_t *st, char *path, const struct stat *sb)
{
    bool added;
    dir_key_t *key = dir_set_add(&st->dirs, sb->st_dev, sb->st_ino, &added);
    if (!key || !added) {
        int rc = !key ? -1 : key->on_path ? report(st, WM_CRAWL_ERROR, path, LOOP_MESSAGE) : 0;
        free(path);
        return rc;
    }
    crawl_frame_t frame = { .path = path, .dev = sb->st_dev, .ino = sb->st_ino };
    int error = read_directory(&frame);
    if (error == 0 && push_frame(st, &frame) == 0) {
        key->on_path = true;   /* key is still valid: nothing was inserted since */
        return 0;
    }
    int rc = error > 0 ? report_errno(st, path, error) : -1;
    frame_free(&frame);
    return rc;
}

static void pop_frame(crawl_state_t *st)
{
    crawl_frame_t *frame = &st->frames[--st->depth];
    dir_set_slot(st->dirs.slots, st->dirs.cap, frame->dev, frame->ino)->on_path = false;
    frame_free(frame);
}

static char *join_path(const char *dir, const char *name)
{
    size_t len = strlen(dir);
    bool slash = len > 0 && dir[len - 1] == '/';
    return wm_strdup_printf("%s%s%s", dir, slash ? "" : "/", name);
}

/* One entry of the directory on top of the stack. */
static int visit_entry(crawl_state_t *st, const char *dir_path, const char *name)
{
    char *path = join_path(dir_path, name);
    if (!path)
        return -1;
    struct stat sb;
    int rc;
    if (stat(path, &sb) != 0)
        rc = report_errno(st, path, errno);
    else if (S_ISDIR(sb.st_mode))
        return enter_directory(st, path, &sb);
    else if (S_ISREG(sb.st_mode))
        rc = visit_file(st, path, name);
    else
        rc = report(st, WM_CRAWL_SKIPPED, path, NOT_AN_INPUT " (not a regular file)");
    free(path);
    return rc;
}

/* Visit everything below the directories on the stack, depth first. */
static int walk_stack(crawl_state_t *st)
{
    while (st->depth > 0) {
        crawl_frame_t *top = &st->frames[st->depth - 1];
        if (top->next == top->n_names) {
            pop_frame(st);
            continue;
        }
        /* visit_entry may grow (move) the stack: pass copies, not top. */
        int rc = visit_entry(st, top->path, top->names[top->next++]);
        if (rc != 0)
            return rc;
    }
    return 0;
}

/* A path given by the user: any non-directory is an input, whatever its name. */
static int visit_root(crawl_state_t *st, const char *root)
{
    struct stat sb;
    if (stat(root, &sb) != 0)
        return report_errno(st, root, errno);
    if (S_ISDIR(sb.st_mode)) {
        char *path = wm_strndup(root, strlen(root));
        if (!path)
            return -1;
        int rc = enter_directory(st, path, &sb);
        return rc != 0 ? rc : walk_stack(st);
    }
    /* Only regular files are opened to check: opening a pipe would block. */
    int error = S_ISREG(sb.st_mode) ? check_readable(root) : 0;
    if (error)
        return report_errno(st, root, error);
    return report(st, WM_CRAWL_INPUT, root, NULL);
}

wm_result_t wm_crawl(const char *const *roots, int n_roots, wm_crawl_fn callback, void *ctx)
{
    crawl_state_t st = { .callback = callback, .ctx = ctx };
    int rc = 0;
    for (int i = 0; i < n_roots && rc == 0; i++)
        rc = visit_root(&st, roots[i]);
    while (st.depth > 0)
        frame_free(&st.frames[--st.depth]);
    free(st.frames);
    free(st.dirs.slots);
    return rc == 0 ? WM_OK : rc > 0 ? WM_STOPPED : WM_ERR_NO_MEMORY;
}

static bool ends_with_ignoring_case(const char *name, size_t len, const char *suffix)
{
    size_t n = strlen(suffix);
    if (len <= n)   /* the suffix alone is not a name */
        return false;
    const char *tail = name + len - n;
    for (size_t i = 0; i < n; i++) {
        char c = tail[i];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (c != suffix[i])
            return false;
    }
    return true;
}

bool wm_crawl_name_is_input(const char *name)
{
    /* xz, zstd and 7z are listed so that the reader refuses them with a
     * clear "unsupported compression" instead of the file being ignored. */
    static const char *const suffixes[] = {
        ".xml", ".xml.gz", ".xml.bz2", ".xml.xz", ".xml.zst", ".xml.7z",
        ".json", ".json.gz", ".json.bz2",
    };
    size_t len = strlen(name);
    for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++)
        if (ends_with_ignoring_case(name, len, suffixes[i]))
            return true;
    return false;
}
