/* Streaming reader for MediaWiki XML dumps, built on expat.
 *
 * Elements are recognised by their local name and their parent (a small
 * context stack), so namespace URIs, schema versions and element order do
 * not matter, and an <id> inside <contributor> is never taken for the
 * revision's.  Character data is collected only for the elements we keep.
 * Of each page's revisions only two are held: the best so far (newest
 * timestamp) and the one being read. */
#include "archive/dump.h"

#include <expat.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"

#define CHUNK_SIZE (64 * 1024)
/* Every element we use sits at depth <= 4; deeper ones are skipped whole. */
#define MAX_TRACKED_DEPTH 8
/* Expat puts this between a namespace URI and the local name; '|' cannot
 * appear in an XML name, so the local name is what follows the last one. */
#define NS_SEPARATOR '|'

typedef enum context {
    CTX_NONE,       /* outside the root element */
    CTX_OTHER,      /* unknown or ignored element: its contents are skipped */
    CTX_ROOT,
    CTX_SITEINFO, CTX_SITENAME, CTX_DBNAME, CTX_BASE, CTX_GENERATOR,
    CTX_NAMESPACES, CTX_NAMESPACE,
    CTX_PAGE, CTX_TITLE, CTX_NS, CTX_PAGE_ID, CTX_REDIRECT,
    CTX_REVISION, CTX_REVISION_ID, CTX_TIMESTAMP, CTX_TEXT
} context_t;

/* Which child elements we use, by parent.  Everything else (upload,
 * logitem, contributor, 0.11 <content> slots, ...) becomes CTX_OTHER. */
static const struct {
    context_t parent;
    const char *name;
    context_t child;
} CHILDREN[] = {
    {CTX_ROOT, "siteinfo", CTX_SITEINFO},
    {CTX_ROOT, "page", CTX_PAGE},
    {CTX_SITEINFO, "sitename", CTX_SITENAME},
    {CTX_SITEINFO, "dbname", CTX_DBNAME},
    {CTX_SITEINFO, "base", CTX_BASE},
    {CTX_SITEINFO, "generator", CTX_GENERATOR},
    {CTX_SITEINFO, "namespaces", CTX_NAMESPACES},
    {CTX_NAMESPACES, "namespace", CTX_NAMESPACE},
    {CTX_PAGE, "title", CTX_TITLE},
    {CTX_PAGE, "ns", CTX_NS},
    {CTX_PAGE, "id", CTX_PAGE_ID},
    {CTX_PAGE, "redirect", CTX_REDIRECT},
    {CTX_PAGE, "revision", CTX_REVISION},
    {CTX_REVISION, "id", CTX_REVISION_ID},
    {CTX_REVISION, "timestamp", CTX_TIMESTAMP},
    {CTX_REVISION, "text", CTX_TEXT},
};

typedef struct revision {
    bool present;
    uint64_t id;
    wm_buf_t timestamp;
    wm_buf_t text;
    bool has_text;      /* a <text> element was seen */
    bool deleted;       /* <text deleted="deleted"/> */
    bool stub;          /* <text id=... location=.../>: content lives elsewhere */
} revision_t;

typedef struct reader {
    XML_Parser parser;
    wm_stream_t *stream;
    wm_dump_page_fn on_page;
    void *ctx;
    wm_siteinfo_t site;

    context_t stack[MAX_TRACKED_DEPTH];
    size_t depth;
    wm_buf_t field;             /* character data of the current small element */
    int namespace_key;

    bool in_page;
    wm_buf_t title;
    int ns;
    uint64_t page_id;
    bool has_redirect;
    wm_buf_t redirect;
    uint64_t page_offset;
    size_t n_revisions;
    revision_t best, current;

    wm_result_t status;         /* WM_OK reading, WM_STOPPED by the callback, or the error */
    char *error;
} reader_t;

/* --- small helpers ------------------------------------------------------- */

static const char *local_name(const char *name)
{
    const char *sep = strrchr(name, NS_SEPARATOR);
    return sep ? sep + 1 : name;
}

static const char *attribute(const XML_Char **attrs, const char *local)
{
    for (size_t i = 0; attrs[i]; i += 2)
        if (strcmp(local_name(attrs[i]), local) == 0)
            return attrs[i + 1];
    return NULL;
}

static void trim(const char **s, size_t *len)
{
    static const char space[] = " \t\r\n";
    while (*len > 0 && strchr(space, (*s)[0]))
        (*s)++, (*len)--;
    while (*len > 0 && strchr(space, (*s)[*len - 1]))
        (*len)--;
}

/* Replace buf's contents by the trimmed character data just collected. */
static int take_field(reader_t *r, wm_buf_t *buf)
{
    const char *s = r->field.data ? r->field.data : "";
    size_t len = r->field.len;
    trim(&s, &len);
    wm_buf_clear(buf);
    return wm_buf_append(buf, s, len);
}

static int set_string(reader_t *r, char **target)
{
    const char *s = r->field.data ? r->field.data : "";
    char *copy = wm_strdup_trimmed(s, r->field.len);
    if (!copy)
        return -1;
    free(*target);
    *target = copy;
    return 0;
}

static const char *buf_str(const wm_buf_t *buf)
{
    return buf->data ? buf->data : "";
}

/* --- failing ------------------------------------------------------------- */

/* ", in page "T"" when inside a page with a known title, else "".  A title
 * may hold line breaks (raw CRs become LFs, or "&#10;"): they become spaces
 * so the message stays one line. */
static char *page_suffix(const reader_t *r)
{
    if (!r->in_page || r->title.len == 0)
        return wm_strndup("", 0);
    char *suffix = wm_strdup_printf(", in page \"%s\"", r->title.data);
    for (char *p = suffix; p && *p; p++)
        if (*p == '\n' || *p == '\r')
            *p = ' ';
    return suffix;
}

/* Keep the first error only, and stop expat: later handlers are ignored.
 * No message (it could not be made): out of memory. */
static void reader_fail(reader_t *r, wm_result_t code, char *message)
{
    if (r->status < WM_OK) {
        free(message);
        return;
    }
    r->status = message ? code : WM_ERR_NO_MEMORY;
    r->error = message;
    XML_StopParser(r->parser, XML_FALSE);
}

static void fail_out_of_memory(reader_t *r)
{
    reader_fail(r, WM_ERR_NO_MEMORY, wm_strdup_printf("%s: out of memory", wm_stream_path(r->stream)));
}

/* --- siteinfo ------------------------------------------------------------ */

static int site_init(wm_siteinfo_t *site)
{
    char **fields[] = {&site->sitename, &site->dbname, &site->base, &site->generator,
                       &site->language, &site->schema_version};
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
        if (!(*fields[i] = calloc(1, 1)))
            return -1;
    return 0;
}

static void site_free(wm_siteinfo_t *site)
{
    free(site->sitename);
    free(site->dbname);
    free(site->base);
    free(site->generator);
    free(site->language);
    free(site->schema_version);
    for (size_t i = 0; i < site->n_namespaces; i++)
        free(site->namespaces[i].name);
    free(site->namespaces);
}

static int site_add_namespace(reader_t *r)
{
    wm_siteinfo_t *site = &r->site;
    wm_namespace_t *grown = realloc(site->namespaces, (site->n_namespaces + 1) * sizeof *grown);
    if (!grown)
        return -1;
    site->namespaces = grown;
    char *name = wm_strdup_trimmed(buf_str(&r->field), r->field.len);
    if (!name)
        return -1;
    grown[site->n_namespaces].key = r->namespace_key;
    grown[site->n_namespaces].name = name;
    site->n_namespaces++;
    return 0;
}

static int root_begin(reader_t *r, const char *local, const XML_Char **attrs)
{
    if (strcmp(local, "mediawiki") != 0) {
        reader_fail(r, WM_ERR_NOT_INPUT,
                    wm_strdup_printf("%s: not a MediaWiki XML dump (root element <%s>)",
                                     wm_stream_path(r->stream), local));
        return -1;
    }
    const char *version = attribute(attrs, "version");
    const char *lang = attribute(attrs, "lang");
    char *copy;
    if (version) {
        if (!(copy = wm_strndup(version, strlen(version))))
            return -1;
        free(r->site.schema_version);
        r->site.schema_version = copy;
    }
    if (lang) {
        if (!(copy = wm_strndup(lang, strlen(lang))))
            return -1;
        free(r->site.language);
        r->site.language = copy;
    }
    return 0;
}

/* --- pages and revisions ------------------------------------------------- */

static void revision_clear(revision_t *rev)
{
    rev->present = rev->has_text = rev->deleted = rev->stub = false;
    rev->id = 0;
    wm_buf_clear(&rev->timestamp);
    wm_buf_clear(&rev->text);
}

static void revision_free(revision_t *rev)
{
    wm_buf_free(&rev->timestamp);
    wm_buf_free(&rev->text);
}

static void page_begin(reader_t *r)
{
    r->in_page = true;
    wm_buf_clear(&r->title);
    wm_buf_clear(&r->redirect);
    r->has_redirect = false;
    r->ns = 0;
    r->page_id = 0;
    r->n_revisions = 0;
    r->page_offset = (uint64_t)XML_GetCurrentByteIndex(r->parser);
    revision_clear(&r->best);
    revision_clear(&r->current);
}

static void revision_begin(reader_t *r)
{
    revision_clear(&r->current);
    r->current.present = true;
    r->n_revisions++;
}

/* Keep the newer of the finished revision and the best so far; on equal
 * timestamps the later one in the file wins.  Swapping keeps both buffers. */
static void revision_end(reader_t *r)
{
    if (!r->best.present ||
        strcmp(buf_str(&r->current.timestamp), buf_str(&r->best.timestamp)) >= 0) {
        revision_t older = r->best;
        r->best = r->current;
        r->current = older;
    }
    revision_clear(&r->current);
}

static void text_begin(reader_t *r, const XML_Char **attrs)
{
    revision_t *rev = &r->current;
    wm_buf_clear(&rev->text);
    rev->has_text = true;
    const char *deleted = attribute(attrs, "deleted");
    rev->deleted = deleted != NULL && strcmp(deleted, "deleted") == 0;
    rev->stub = attribute(attrs, "location") != NULL || attribute(attrs, "id") != NULL;
}

static int redirect_begin(reader_t *r, const XML_Char **attrs)
{
    const char *target = attribute(attrs, "title");
    r->has_redirect = true;
    wm_buf_clear(&r->redirect);
    return target ? wm_buf_append_str(&r->redirect, target) : 0;
}

static void page_end(reader_t *r)
{
    const revision_t *best = &r->best;
    wm_page_t page = {
        .title = buf_str(&r->title),
        .ns = r->ns,
        .id = r->page_id,
        .redirect = r->has_redirect ? buf_str(&r->redirect) : NULL,
        .text = buf_str(&best->text),
        .text_len = best->text.len,
        .text_deleted = best->deleted,
        .text_missing = !best->present || !best->has_text ||
                        (best->stub && best->text.len == 0 && !best->deleted),
        .revision_id = best->id,
        .timestamp = buf_str(&best->timestamp),
        .n_revisions = r->n_revisions,
        .offset = r->page_offset,
    };
    if (r->on_page(r->ctx, &r->site, &page) != WM_OK) {
        r->status = WM_STOPPED;
        XML_StopParser(r->parser, XML_FALSE);
    }
    r->in_page = false;
}

/* --- expat handlers ------------------------------------------------------ */

static context_t current_context(const reader_t *r)
{
    if (r->depth == 0)
        return CTX_NONE;
    return r->depth <= MAX_TRACKED_DEPTH ? r->stack[r->depth - 1] : CTX_OTHER;
}

static context_t child_context(context_t parent, const char *local)
{
    for (size_t i = 0; i < sizeof CHILDREN / sizeof CHILDREN[0]; i++)
        if (CHILDREN[i].parent == parent && strcmp(CHILDREN[i].name, local) == 0)
            return CHILDREN[i].child;
    return CTX_OTHER;
}

/* Set up what an element needs when it opens; -1 when out of memory. */
static int element_begin(reader_t *r, context_t ctx, const XML_Char **attrs)
{
    switch (ctx) {
    case CTX_PAGE: page_begin(r); return 0;
    case CTX_REVISION: revision_begin(r); return 0;
    case CTX_TEXT: text_begin(r, attrs); return 0;
    case CTX_REDIRECT: return redirect_begin(r, attrs);
    case CTX_NAMESPACE: {
        const char *key = attribute(attrs, "key");
        r->namespace_key = key ? (int)strtol(key, NULL, 10) : 0;
        wm_buf_clear(&r->field);
        return 0;
    }
    default:
        wm_buf_clear(&r->field);
        return 0;
    }
}

static void XMLCALL on_start(void *data, const XML_Char *name, const XML_Char **attrs)
{
    reader_t *r = data;
    if (r->status != WM_OK)
        return;
    const char *local = local_name(name);
    context_t ctx;
    if (r->depth == 0) {
        if (root_begin(r, local, attrs) < 0) {
            if (r->status == WM_OK)
                fail_out_of_memory(r);
            return;
        }
        ctx = CTX_ROOT;
    } else {
        ctx = child_context(current_context(r), local);
    }
    if (r->depth < MAX_TRACKED_DEPTH)
        r->stack[r->depth] = ctx;
    r->depth++;
    if (element_begin(r, ctx, attrs) < 0)
        fail_out_of_memory(r);
}

static uint64_t parse_unsigned(const wm_buf_t *buf)
{
    return strtoull(buf_str(buf), NULL, 10);
}

/* Store what an element collected when it closes; -1 when out of memory. */
static int element_end(reader_t *r, context_t ctx)
{
    switch (ctx) {
    case CTX_SITENAME: return set_string(r, &r->site.sitename);
    case CTX_DBNAME: return set_string(r, &r->site.dbname);
    case CTX_BASE: return set_string(r, &r->site.base);
    case CTX_GENERATOR: return set_string(r, &r->site.generator);
    case CTX_NAMESPACE: return site_add_namespace(r);
    case CTX_TITLE: return take_field(r, &r->title);
    case CTX_NS: r->ns = (int)strtol(buf_str(&r->field), NULL, 10); return 0;
    case CTX_PAGE_ID: r->page_id = parse_unsigned(&r->field); return 0;
    case CTX_REVISION_ID: r->current.id = parse_unsigned(&r->field); return 0;
    case CTX_TIMESTAMP: return take_field(r, &r->current.timestamp);
    case CTX_REVISION: revision_end(r); return 0;
    case CTX_PAGE: page_end(r); return 0;
    default: return 0;
    }
}

static void XMLCALL on_end(void *data, const XML_Char *name)
{
    (void)name;
    reader_t *r = data;
    if (r->status != WM_OK || r->depth == 0)
        return;
    context_t ctx = current_context(r);
    r->depth--;
    if (element_end(r, ctx) < 0)
        fail_out_of_memory(r);
}

static void XMLCALL on_chars(void *data, const XML_Char *s, int len)
{
    reader_t *r = data;
    if (r->status != WM_OK)
        return;
    wm_buf_t *target;
    switch (current_context(r)) {
    case CTX_NONE: case CTX_OTHER: case CTX_ROOT: case CTX_SITEINFO:
    case CTX_NAMESPACES: case CTX_PAGE: case CTX_REDIRECT: case CTX_REVISION:
        return;
    case CTX_TEXT:
        target = &r->current.text;
        break;
    default:
        target = &r->field;
        break;
    }
    if (wm_buf_append(target, s, (size_t)len) < 0)
        fail_out_of_memory(r);
}

/* --- driving the parser -------------------------------------------------- */

/* The message for an error expat found itself. */
static char *expat_error(reader_t *r, bool final)
{
    enum XML_Error code = XML_GetErrorCode(r->parser);
    unsigned long long line = (unsigned long long)XML_GetCurrentLineNumber(r->parser);
    long long byte = (long long)XML_GetCurrentByteIndex(r->parser);
    char *suffix = page_suffix(r);
    if (!suffix)
        return NULL;
    char *message;
    /* At the end of the input with the root still open, expat says "no
     * element found" or "unclosed token": say plainly what happened. */
    if (final && r->depth > 0 &&
        (code == XML_ERROR_NO_ELEMENTS || code == XML_ERROR_UNCLOSED_TOKEN ||
         code == XML_ERROR_PARTIAL_CHAR || code == XML_ERROR_UNCLOSED_CDATA_SECTION))
        message = wm_strdup_printf("%s: unexpected end of file (<mediawiki> not closed) at line %llu, byte %lld%s",
                                   wm_stream_path(r->stream), line, byte, suffix);
    else
        message = wm_strdup_printf("%s: malformed XML (%s) at line %llu, byte %lld%s",
                                   wm_stream_path(r->stream), XML_ErrorString(code),
                                   line, byte, suffix);
    free(suffix);
    return message;
}

static wm_result_t parse_failed(reader_t *r, bool final)
{
    if (r->status == WM_OK)
        reader_fail(r, WM_ERR_MALFORMED, expat_error(r, final));
    return r->status;
}

static void stream_failed(reader_t *r)
{
    char *suffix = page_suffix(r);
    const char *message = wm_stream_error(r->stream);
    reader_fail(r, WM_ERR_READ, suffix ? wm_strdup_printf("%s%s", message ? message : "read error", suffix) : NULL);
    free(suffix);
}

/* Pull chunks from the stream into expat's own buffer until the end. */
static wm_result_t reader_run(reader_t *r)
{
    uint64_t total = 0;
    for (;;) {
        void *buf = XML_GetBuffer(r->parser, CHUNK_SIZE);
        if (!buf) {
            fail_out_of_memory(r);
            return r->status;
        }
        ssize_t n = wm_stream_read(r->stream, buf, CHUNK_SIZE);
        if (n < 0) {
            stream_failed(r);
            return r->status;
        }
        if (n == 0 && total == 0) {
            reader_fail(r, WM_ERR_MALFORMED, wm_strdup_printf("%s: empty file", wm_stream_path(r->stream)));
            return r->status;
        }
        total += (uint64_t)n;
        if (XML_ParseBuffer(r->parser, (int)n, n == 0) != XML_STATUS_OK)
            return parse_failed(r, n == 0);
        if (r->status != WM_OK)      /* an error set while expat stopped cleanly */
            return r->status;
        if (n == 0)
            return WM_OK;
    }
}

static void reader_free(reader_t *r)
{
    if (r->parser)
        XML_ParserFree(r->parser);
    site_free(&r->site);
    wm_buf_free(&r->field);
    wm_buf_free(&r->title);
    wm_buf_free(&r->redirect);
    revision_free(&r->best);
    revision_free(&r->current);
}

wm_result_t wm_dump_read(wm_stream_t *stream, wm_dump_page_fn on_page, void *ctx, char **error)
{
    *error = NULL;
    reader_t r = {.stream = stream, .on_page = on_page, .ctx = ctx};
    r.parser = XML_ParserCreateNS(NULL, NS_SEPARATOR);
    if (!r.parser || site_init(&r.site) < 0) {
        reader_free(&r);
        *error = wm_strdup_printf("%s: out of memory", wm_stream_path(stream));
        return WM_ERR_NO_MEMORY;
    }
    XML_SetUserData(r.parser, &r);
    XML_SetElementHandler(r.parser, on_start, on_end);
    XML_SetCharacterDataHandler(r.parser, on_chars);
    wm_result_t status = reader_run(&r);
    if (status < WM_OK)
        *error = r.error ? r.error : wm_strdup_printf("%s: out of memory", wm_stream_path(stream));
    else
        free(r.error);
    reader_free(&r);
    return status;
}
