/* wmindex: crawl MediaWiki dumps of Wikimania program pages and write the
 * sessions found into the Xapian index (or list them as JSON).
 *
 * This file is wiring only: options, the crawl -> stream -> dump ->
 * extractor -> store pipeline, progress and messages.  Incremental runs:
 * a file the index recorded as read, unchanged, is skipped; the store
 * decides what unchanged means and what a newer dump removes.  Commits
 * come after each file and every --commit-every sessions; a file is
 * recorded as read in the commit that ends it, so an interrupted run
 * (signal, crash, kill -9) is finished by running wmindex again.  Exit
 * status: 0 all inputs indexed, 1 some inputs failed (or stdout could not
 * be written), 2 usage error, 3 the index could not be opened or written,
 * 128+N stopped by signal N (SIGINT 130, SIGTERM 143) after committing
 * what was done. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "archive/crawl.h"
#include "archive/dump.h"
#include "archive/extract.h"
#include "archive/rules.h"
#include "archive/schedule.h"
#include "output/session_json.h"
#include "archive/stream.h"
#include "cli/options.h"
#include "common/util.h"
#include "indexer/explain.h"
#include "indexer/report.h"
#include "common/paths.h"
#include "store/store.h"
#include "wm_version.h"

enum { EXIT_INPUT_FAILED = 1, EXIT_USAGE = 2, EXIT_INDEX = 3 };
enum verbosity { QUIET, NORMAL, VERBOSE };
enum { DEFAULT_COMMIT_EVERY = 2000 };

/* The signal that asked us to stop (SIGINT, SIGTERM), 0 while none did.
 * Set by the handler only; the page, session and file loops look at it. */
static volatile sig_atomic_t stop_signal;

typedef struct indexer {
    enum verbosity verbosity;
    bool list_sessions;         /* also with --explain: no index */
    bool explain;               /* --explain: print explanations, not sessions */
    bool json;                  /* --format json */
    const char **explain_titles;
    bool *explained;            /* explain_titles[i] was seen */
    int n_explain;
    report_t report;            /* per wiki and per export, for the summary */
    wm_tally_t export_tally;    /* what the schedule export being read gave */
    bool show_progress;         /* stderr is a terminal and not quiet */
    wm_store_t *store;          /* NULL with --list-sessions */
    wm_extractor_t *extractor;
    const char *index_path;
    /* what happened */
    unsigned files_read;
    unsigned files_failed;
    unsigned long sessions;
    unsigned long kept_newer;   /* the index already had a newer revision */
    unsigned long linked;       /* an on-wiki copy and an export of one talk */
    uint64_t bytes_done;        /* compressed bytes of the files finished */
    wm_stream_t *current;       /* the file being read, for progress */
    char **paths;               /* the PATHs given (a directory's other files may be skipped) */
    int n_paths;
    bool index_failed;          /* a store error: stop everything */
    struct timespec started;
    double last_progress;
    /* incremental indexing and commits */
    unsigned files_unchanged;   /* recorded in the index as read, unchanged: skipped */
    unsigned long removed;      /* sessions that vanished from their wiki's newest dump */
    unsigned long commit_every; /* commit after this many sessions (and after each file) */
    unsigned long uncommitted;  /* sessions put since the last commit */
    unsigned long put_total;    /* sessions put in this run (for the test hook) */
    unsigned long abort_after;  /* WMINDEX_TEST_ABORT_AFTER: abort() after this many; 0 never */
    char *dbname;               /* the current dump's wiki */
    /* a build in shards, and compaction */
    unsigned jobs;              /* shards written at once (0: in place) */
    wm_store_compaction_t compaction;
    bool abort_in_merge;        /* WMINDEX_TEST_ABORT_IN_MERGE: abort() during the merge */
} indexer_t;

static const char usage_text[] =
    "Usage: wmindex [-d DIR] [-v|-q] [--rebuild] [--jobs N] [--commit-every N]\n"
    "               [--rules FILE] [--list-sessions] [PATH...]\n"
    "       wmindex [-d DIR] --compact\n"
    "       wmindex --explain TITLE [--explain TITLE...] [--format text|json] [PATH...]\n"
    "       wmindex [-d DIR] --stats [--format text|json]\n"
    "Index MediaWiki XML dumps (plain, gzip or bzip2) of Wikimania program pages,\n"
    "and pretalx/eventyay schedule exports (schedule.json, frab schedule.xml).\n"
    "With no PATH, index the sample archive in " WM_SAMPLEDIR ".\n"
    "\n"
    "  -d, --index DIR     index directory (default: $WMSEARCH_INDEX, else\n"
    "                      $XDG_DATA_HOME/wmsearch/index)\n"
    "      --rules FILE    add the era rules of FILE to the built-in ones (an era\n"
    "                      of the same name replaces the built-in one); repeatable\n"
    "      --list-sessions print each session found as one JSON object per line;\n"
    "                      write no index\n"
    "      --explain TITLE say whether the page TITLE is a session page and why, with\n"
    "                      every piece of field evidence and the one taken; write\n"
    "                      no index; repeatable\n"
    "      --rebuild       start from an empty index (files already indexed are\n"
    "                      read again)\n"
    "  -j, --jobs N        a new index or --rebuild: N writers in parallel, merged\n"
    "                      and put in place at the end (default: one per CPU, at most 4)\n"
    "      --compact       compact the index in place (atomically); index nothing\n"
    "      --commit-every N  commit after every N sessions (default 2000) as well\n"
    "                      as after each file (one writer in place)\n"
    "      --stats         say what the index holds: sources, sessions per year,\n"
    "                      schema version, last update; index nothing\n"
    "      --format F      the form of --stats and --explain: text (default) or\n"
    "                      json (--explain: one object per line)\n"
    "  -v, --verbose       also report skipped files\n"
    "  -q, --quiet         report errors only\n"
    "  -h, --help          show this help\n"
    "  -V, --version       show the version\n"
    "\n"
    "Files the index holds, unchanged, are skipped; sessions gone from a wiki's\n"
    "newest dump are removed.  The summary counts, per wiki and per export, pages,\n"
    "candidates, sessions and rejected candidates; a warning names each input that\n"
    "gave no session, is not a Wikimania wiki, or had over 10% of its candidates\n"
    "rejected (warnings leave the exit status 0).\n"
    "\n"
    "Exit status: 0 all inputs indexed, 1 some inputs failed, 2 usage error,\n"
    "3 the index could not be opened or written, 130/143 interrupted by\n"
    "SIGINT/SIGTERM (what was done is committed; a build in shards leaves the\n"
    "index as it was).  See wmindex(1).\n"
    "\n"
    "Built-in era rules (a --rules example): " WM_RULESDIR "/wikimania.rules\n"
    "Bash completion: " WM_BASHCOMPLETIONDIR "/wmindex\n";

static double seconds_since(const struct timespec *start)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - start->tv_sec) + (now.tv_nsec - start->tv_nsec) / 1e9;
}

static void clear_progress(indexer_t *ix)
{
    if (ix->show_progress)
        fputs("\r\033[K", stderr);
}

static void show_progress(indexer_t *ix, bool force)
{
    if (!ix->show_progress)
        return;
    double elapsed = seconds_since(&ix->started);
    if (!force && elapsed - ix->last_progress < 0.2)
        return;
    ix->last_progress = elapsed;
    uint64_t bytes = ix->bytes_done + (ix->current ? wm_stream_input_offset(ix->current) : 0);
    fprintf(stderr, "\r\033[Kfiles %u, %.1f MB read, %lu sessions, %.0f sessions/s",
            ix->files_read, bytes / 1e6, ix->sessions, elapsed > 0 ? ix->sessions / elapsed : 0.0);
    fflush(stderr);
}

/* Report a problem with one input; the run goes on. */
static void report_input_error(indexer_t *ix, const char *message)
{
    clear_progress(ix);
    fprintf(stderr, "wmindex: %s\n", message);
}

/* Say that the index failed (what the store said, less the "index PATH: "
 * it may start with: the line names the index once), and stop everything. */
static void index_failure(indexer_t *ix, const char *doing)
{
    const char *why = wm_store_last_error(ix->store);
    size_t n = strlen(ix->index_path);
    if (strncmp(why, "index ", 6) == 0 && strncmp(why + 6, ix->index_path, n) == 0 &&
        strncmp(why + 6 + n, ": ", 2) == 0)
        why += 6 + n + 2;
    clear_progress(ix);
    fprintf(stderr, "wmindex: cannot %s the index %s: %s\n", doing, ix->index_path, why);
    ix->index_failed = true;
}

/* Commit what was put so far (queued: wait is false, the writer thread
 * commits after the sessions queued before); false (after saying why) when
 * that failed, or an earlier queued session did. */
static bool commit_index(indexer_t *ix, bool wait)
{
    ix->uncommitted = 0;
    if (ix->list_sessions || ix->index_failed)
        return !ix->index_failed;
    if ((wait ? wm_store_commit(ix->store) : wm_store_queue_commit(ix->store)) != WM_STORE_OK)
        index_failure(ix, "commit");
    return !ix->index_failed;
}

/* The count of what the queued sessions did; false (after saying why) when
 * the index failed. */
static bool tally_puts(indexer_t *ix)
{
    wm_store_tally_t tally;
    if (ix->list_sessions || ix->index_failed)
        return !ix->index_failed;
    if (wm_store_queue_tally(ix->store, &tally) != WM_STORE_OK) {
        index_failure(ix, "write to");
        return false;
    }
    ix->kept_newer = tally.kept_newer;
    ix->linked = tally.linked;
    return true;
}

/* After each session queued: the periodic commit, and the crash test hook
 * (WMINDEX_TEST_ABORT_AFTER=K: abort() right after the K-th session is
 * written, as if killed there; documented in wmindex(1) as a test hook). */
static int after_put(indexer_t *ix)
{
    if (++ix->uncommitted >= ix->commit_every && !commit_index(ix, false))
        return -1;
    if (ix->abort_after && ++ix->put_total == ix->abort_after) {
        tally_puts(ix);   /* waits for the writer */
        abort();
    }
    return 0;
}

static int emit_session(indexer_t *ix, wm_session_t *session)
{
    int rc = 0;
    bool amends = session->amends;   /* given before: counted then */
    if (ix->explain) {
        /* --explain prints explanations only */
    } else if (ix->list_sessions) {
        json_t *json = wm_session_to_json(session, true);
        char *line = json ? json_dumps(json, JSON_COMPACT) : NULL;
        if (line) {
            clear_progress(ix);
            puts(line);
        } else {
            report_input_error(ix, "out of memory while formatting a session");
            rc = -1;
        }
        free(line);
        json_decref(json);
    } else {
        wm_store_status_t status = wm_store_queue_session(ix->store, session);
        session = NULL;   /* the store's now */
        if (status == WM_STORE_OK) {
            rc = amends ? 0 : after_put(ix);   /* commits and the test hook count sessions */
        } else {
            index_failure(ix, "write to");
            rc = -1;
        }
    }
    if (rc == 0 && !amends)
        ix->sessions++;
    wm_session_free(session);
    show_progress(ix, false);   /* sessions waiting for the end of a dump come in a burst */
    return rc;
}

/* Print the explanations the extractor has ready (--explain). */
static int drain_explanations(indexer_t *ix)
{
    wm_explanation_t *e;
    int rc = 0;
    while ((e = wm_extractor_next_explanation(ix->extractor))) {
        for (int i = 0; i < ix->n_explain; i++)
            ix->explained[i] = ix->explained[i] || wm_wiki_same_name(ix->explain_titles[i], e->page_title);
        clear_progress(ix);
        if (rc == 0 && explain_print(stdout, e, ix->json) < 0) {
            report_input_error(ix, "out of memory while formatting an explanation");
            rc = -1;
        }
        wm_explanation_free(e);
    }
    return rc;
}

/* Hand every ready session to the index (or stdout). */
static int drain_sessions(indexer_t *ix)
{
    wm_session_t *session;
    if (ix->explain && drain_explanations(ix) < 0)
        return -1;
    while ((session = wm_extractor_next_session(ix->extractor)))
        if (emit_session(ix, session) < 0) {
            while ((session = wm_extractor_next_session(ix->extractor)))
                wm_session_free(session);
            return -1;
        }
    return 0;
}

/* Remember the dump's wiki (its record's collection, even with no session). */
static int note_page(indexer_t *ix, const wm_siteinfo_t *site)
{
    return ix->dbname || (ix->dbname = strdup(site->dbname)) ? 0 : -1;
}

typedef struct file_context {
    indexer_t *ix;
    const char *path;
} file_context_t;

static wm_result_t on_page(void *ctx, const wm_siteinfo_t *site, const wm_page_t *page)
{
    file_context_t *file = ctx;
    indexer_t *ix = file->ix;
    if (stop_signal)
        return WM_STOPPED;
    if (note_page(ix, site) < 0) {
        report_input_error(ix, "out of memory");
        return WM_STOPPED;
    }
    if (wm_extractor_add_page(ix->extractor, site, page, file->path) != WM_OK) {
        char *message = wm_strdup_printf("%s: page \"%s\": %s", file->path, page->title,
                                         wm_extractor_error(ix->extractor));
        report_input_error(ix, message ? message : "out of memory");
        free(message);
        return WM_STOPPED;
    }
    show_progress(ix, false);
    return drain_sessions(ix) < 0 ? WM_STOPPED : WM_OK;
}

static wm_result_t on_schedule_session(void *ctx, wm_session_t *session)
{
    indexer_t *ix = ctx;
    if (stop_signal) {
        wm_session_free(session);
        return WM_STOPPED;
    }
    return emit_session(ix, session) < 0 ? WM_STOPPED : WM_OK;
}

/* What the file holds, by its first bytes (a dump when unsure: the dump
 * reader's error then says what is wrong). */
static wm_input_kind_t input_kind(wm_stream_t *stream)
{
    const unsigned char *head;
    ssize_t n = wm_stream_peek(stream, 4096, &head);
    wm_input_kind_t kind = n > 0 ? wm_input_detect(head, (size_t)n) : WM_INPUT_UNKNOWN;
    return kind == WM_INPUT_UNKNOWN ? WM_INPUT_DUMP : kind;
}

/* Count what the dump gave in the summary, and warn when it gave nothing
 * or less than it should. */
static void report_wiki(indexer_t *ix, const char *path)
{
    size_t n;
    const wm_tally_t *tallies = wm_extractor_tallies(ix->extractor, &n);
    clear_progress(ix);
    if (report_dump(&ix->report, stderr, ix->verbosity != QUIET, wm_extractor_rules(ix->extractor),
                    path, ix->dbname, tallies, n) < 0)
        report_input_error(ix, "out of memory");
}

/* Read a dump page by page; return wm_dump_read's status (WM_STOPPED: a
 * callback stopped the reading and said why, or a signal). */
static wm_result_t read_dump(indexer_t *ix, wm_stream_t *stream, const char *path)
{
    char *error = NULL;
    file_context_t file = {ix, path};
    wm_result_t rc = wm_dump_read(stream, on_page, &file, &error);
    if (rc < WM_OK) {
        report_input_error(ix, error ? error : "out of memory");
        free(error);
    }
    /* Sessions from the pages read before an error still count (but after
     * a signal the file is read again next time: no need to finish it). */
    wm_result_t finished = WM_OK;
    if (!ix->index_failed && !stop_signal &&
        ((finished = wm_extractor_finish_dump(ix->extractor)) != WM_OK || drain_sessions(ix) < 0)) {
        if (finished != WM_OK)
            report_input_error(ix, wm_extractor_error(ix->extractor));
        /* else drain_sessions said why: out of memory, or the index failed
         * (which stops everything) */
        if (rc >= WM_OK)
            rc = finished != WM_OK ? finished : WM_ERR_NO_MEMORY;
    }
    if (ix->dbname && !stop_signal)
        report_wiki(ix, path);
    return rc;
}

static bool named_on_command_line(const indexer_t *ix, const char *path)
{
    for (int i = 0; i < ix->n_paths; i++)
        if (strcmp(ix->paths[i], path) == 0)
            return true;
    return false;
}

static wm_result_t read_schedule(indexer_t *ix, wm_stream_t *stream, wm_input_kind_t kind,
                                 const char *path)
{
    char *error = NULL, *event = NULL;
    wm_result_t rc = wm_schedule_read(stream, kind, wm_extractor_rules(ix->extractor), path,
                                      on_schedule_session, ix, &ix->export_tally, &event, &error);
    if (rc != WM_ERR_NOT_INPUT && !stop_signal) {
        clear_progress(ix);
        if (report_export(&ix->report, stderr, ix->verbosity != QUIET, path, event,
                          &ix->export_tally) < 0)
            report_input_error(ix, "out of memory");
    }
    free(event);
    if (rc == WM_ERR_NOT_INPUT && !named_on_command_line(ix, path)) {
        /* Some other JSON file in a directory (truth.json beside a sample): skip it. */
        if (ix->verbosity == VERBOSE) {
            clear_progress(ix);
            fprintf(stderr, "wmindex: skipped %s\n", error);
        }
        rc = WM_OK;
    } else if (rc < WM_OK) {
        report_input_error(ix, error ? error : wm_result_to_string(rc));
    }
    free(error);
    return rc;
}

/* The file's identity when the index should record it (NULL with
 * --list-sessions, or for what cannot be recorded: a pipe, say; it is read
 * all the same).  *unchanged: the index holds it, unchanged. */
static wm_store_source_t *identify_source(indexer_t *ix, const char *path, bool *unchanged)
{
    wm_store_source_t *identity = NULL;
    *unchanged = false;
    if (ix->list_sessions || wm_store_source_identify(path, &identity, NULL) != WM_STORE_OK)
        return NULL;
    if (wm_store_source_unchanged(ix->store, identity, unchanged) != WM_STORE_OK) {
        wm_store_source_free(identity);   /* read it: the index says at the commit if it is broken */
        *unchanged = false;
        return NULL;
    }
    return identity;
}

/* Record the source in the index (this commits).  Not after a signal: the
 * file was not read to its end, and must not look read. */
static void finish_source(indexer_t *ix, const wm_store_source_t *identity, bool is_dump,
                          wm_result_t rc)
{
    if (!identity || ix->index_failed || stop_signal)
        return;
    bool complete = rc == WM_OK;   /* WM_STOPPED: a callback stopped the reading (an error said why) */
    size_t n_tallies = 1;
    const wm_tally_t *tallies = is_dump ? wm_extractor_tallies(ix->extractor, &n_tallies)
                                        : &ix->export_tally;
    if (wm_store_source_finish(ix->store, identity, complete,
                               is_dump ? (ix->dbname ? ix->dbname : "") : NULL, tallies,
                               n_tallies) != WM_STORE_OK) {
        clear_progress(ix);
        fprintf(stderr, "wmindex: cannot record %s in the index %s: %s\n", identity->path,
                ix->index_path, wm_store_last_error(ix->store));
        ix->index_failed = true;
    }
    ix->uncommitted = 0;
}

static void forget_dump(indexer_t *ix)
{
    free(ix->dbname);
    ix->dbname = NULL;
}

/* Read one input; return 0 when it was read whole (or is unchanged in the
 * index), -1 when it failed. */
static int index_file(indexer_t *ix, const char *path)
{
    char *error = NULL;
    bool unchanged;
    wm_store_source_t *identity = identify_source(ix, path, &unchanged);
    if (unchanged) {
        ix->files_unchanged++;
        if (ix->verbosity == VERBOSE) {
            clear_progress(ix);
            fprintf(stderr, "wmindex: unchanged, skipped %s\n", path);
        }
        wm_store_source_free(identity);
        return 0;
    }
    wm_stream_t *stream = wm_stream_open(path, &error);
    ix->files_read++;
    if (!stream) {
        report_input_error(ix, error ? error : "out of memory");
        free(error);
        wm_store_source_free(identity);
        return -1;
    }
    if (identity && wm_store_source_begin(ix->store) != WM_STORE_OK) {
        /* The index cannot follow what this file gives: say so and stop
         * (read anyway, the file would look indexed with no record of it). */
        clear_progress(ix);
        fprintf(stderr, "wmindex: cannot record %s in the index %s: %s\n", path, ix->index_path,
                *wm_store_last_error(ix->store) ? wm_store_last_error(ix->store) : "out of memory");
        ix->index_failed = true;
        wm_stream_close(stream);
        wm_store_source_free(identity);
        return -1;
    }
    ix->current = stream;
    wm_input_kind_t kind = input_kind(stream);
    wm_result_t rc = kind == WM_INPUT_DUMP ? read_dump(ix, stream, path)
                                           : read_schedule(ix, stream, kind, path);
    ix->bytes_done += wm_stream_input_offset(stream);
    ix->current = NULL;
    wm_stream_close(stream);
    if (identity)
        finish_source(ix, identity, kind == WM_INPUT_DUMP, rc);
    else
        commit_index(ix, true);
    wm_store_source_free(identity);
    forget_dump(ix);
    /* WM_STOPPED without a signal: a callback reported its error already
     * (and the index failure, if that was it, stops everything). */
    return rc >= WM_OK || stop_signal ? 0 : -1;
}

static wm_result_t on_crawl(void *ctx, wm_crawl_event_t event, const char *path, const char *message)
{
    indexer_t *ix = ctx;
    switch (event) {
    case WM_CRAWL_INPUT:
        if (stop_signal)
            return WM_STOPPED;
        if (index_file(ix, path) < 0)
            ix->files_failed++;
        break;
    case WM_CRAWL_SKIPPED:
        if (ix->verbosity == VERBOSE) {
            clear_progress(ix);
            fprintf(stderr, "wmindex: skipped %s: %s\n", path, message);
        }
        break;
    case WM_CRAWL_ERROR:
        clear_progress(ix);
        fprintf(stderr, "wmindex: %s: %s\n", path, message);
        ix->files_failed++;
        break;
    }
    show_progress(ix, false);
    return ix->index_failed || stop_signal ? WM_STOPPED : WM_OK;
}

static void print_summary(indexer_t *ix)
{
    clear_progress(ix);
    if (ix->verbosity == QUIET)
        return;
    double elapsed = seconds_since(&ix->started);
    fprintf(stderr, "wmindex: %lu sessions from %u file%s in %.1f s", ix->sessions, ix->files_read,
            ix->files_read == 1 ? "" : "s", elapsed);
    if (ix->kept_newer)
        fprintf(stderr, "; %lu older revision%s ignored", ix->kept_newer, ix->kept_newer == 1 ? "" : "s");
    if (ix->linked)
        fprintf(stderr, "; %lu on-wiki cop%s linked to %s export", ix->linked,
                ix->linked == 1 ? "y" : "ies", ix->linked == 1 ? "its" : "their");
    if (ix->files_unchanged)
        fprintf(stderr, "; %u unchanged file%s skipped", ix->files_unchanged,
                ix->files_unchanged == 1 ? "" : "s");
    if (ix->removed)
        fprintf(stderr, "; %lu vanished session%s removed", ix->removed,
                ix->removed == 1 ? "" : "s");
    if (ix->files_failed)
        fprintf(stderr, "; %u input%s failed", ix->files_failed, ix->files_failed == 1 ? "" : "s");
    if (!ix->list_sessions)
        fprintf(stderr, "; index %s", ix->index_path);
    if (ix->jobs > 1)
        fprintf(stderr, " (%u writers)", ix->jobs);
    if (ix->compaction.done)
        fprintf(stderr, ", compacted %.1f MB -> %.1f MB", ix->compaction.bytes_before / 1e6,
                ix->compaction.bytes_after / 1e6);
    fputc('\n', stderr);
    report_print(&ix->report, stderr);
}

typedef struct options {
    const char *index;
    wm_option_list_t rules;     /* --rules FILEs, in order */
    int verbosity;              /* an enum verbosity */
    bool list_sessions;
    bool rebuild;
    bool stats;
    bool compact;
    unsigned jobs;              /* 0: one per CPU, at most 4 */
    int format;                 /* --format: FORMAT_TEXT or FORMAT_JSON (--stats, --explain) */
    bool json;                  /* --format json */
    wm_option_list_t explain;   /* --explain TITLEs */
    unsigned commit_every;
    bool help, version;
    wm_arguments_t arguments;   /* the PATHs */
    char **paths;
    int n_paths;
} options_t;

enum { FORMAT_TEXT, FORMAT_JSON };
static const wm_option_keyword_t format_keywords[] = {{"text", FORMAT_TEXT}, {"json", FORMAT_JSON}, {NULL, 0}};

/* Print the lines of a usage error (wm_options_usage_error's; NULL when
 * out of memory, which is then said instead); EXIT_USAGE. */
static int print_usage_error(char *lines)
{
    fputs(lines ? lines : "wmindex: out of memory\n", stderr);
    free(lines);
    return EXIT_USAGE;
}

/* usage_error(format, ...): say a usage error as every wmsearch program
 * does ("wmindex: MESSAGE" and the --help hint); EXIT_USAGE. */
#define usage_error(...) print_usage_error(wm_options_usage_error("wmindex", __VA_ARGS__))

/* Read argv by the option table (cli/options.h); the other words are the
 * PATHs.  Return -1 to exit 0 (help, version), EXIT_USAGE on error, 0 to go on. */
static int scan_arguments(int argc, char **argv, options_t *opt)
{
    const wm_option_t options[] = {
        {.name = "index", .letter = 'd', .string = &opt->index},
        {.name = "verbose", .letter = 'v', .choice = &opt->verbosity, .value = VERBOSE},
        {.name = "quiet", .letter = 'q', .choice = &opt->verbosity, .value = QUIET},
        {.name = "list-sessions", .flag = &opt->list_sessions},
        {.name = "rules", .list = &opt->rules},
        {.name = "rebuild", .flag = &opt->rebuild},
        {.name = "stats", .flag = &opt->stats},
        {.name = "format", .keyword = &opt->format, .keywords = format_keywords},
        {.name = "commit-every", .count = &opt->commit_every, .min_count = 1},
        {.name = "jobs", .letter = 'j', .count = &opt->jobs, .min_count = 1, .max_count = 256},
        {.name = "compact", .flag = &opt->compact},
        {.name = "explain", .list = &opt->explain},
        {.name = "help", .letter = 'h', .flag = &opt->help, .stop = true},
        {.name = "version", .letter = 'V', .flag = &opt->version, .stop = true},
        {.name = NULL},
    };
    wm_result_t rc = wm_options_parse(options, argc, argv, &opt->arguments);
    if (rc < WM_OK)
        return usage_error("%s", opt->arguments.error ? opt->arguments.error : "out of memory");
    if (opt->help)
        fputs(usage_text, stdout);
    else if (opt->version)
        printf("wmindex (%s) %s\n", PACKAGE_NAME, WM_VERSION);
    return rc == WM_STOPPED ? -1 : 0;
}

/* Parse argv; return -1 to exit 0 (help, version), EXIT_USAGE on error, 0 to run. */
static int parse_options(int argc, char **argv, options_t *opt)
{
    opt->verbosity = NORMAL;
    opt->commit_every = DEFAULT_COMMIT_EVERY;
    int rc = scan_arguments(argc, argv, opt);
    if (rc)
        return rc;
    opt->json = opt->format == FORMAT_JSON;
    opt->paths = opt->arguments.words;
    opt->n_paths = opt->arguments.n_words;
    if (opt->stats && (opt->list_sessions || opt->rebuild || opt->n_paths > 0))
        return usage_error("--stats takes no PATH, --rebuild or --list-sessions");
    if (opt->compact && (opt->list_sessions || opt->rebuild || opt->stats || opt->explain.n || opt->n_paths > 0))
        return usage_error("--compact compacts the index and reads nothing: it takes no PATH, "
                           "--rebuild, --stats, --list-sessions or --explain");
    if (opt->list_sessions && opt->rebuild)
        return usage_error("--list-sessions writes no index: --rebuild makes no sense with it");
    if (opt->explain.n && (opt->list_sessions || opt->rebuild || opt->stats))
        return usage_error("--explain writes no index and lists no session: it takes no "
                           "--list-sessions, --rebuild or --stats");
    return 0;
}

/* Read a whole rules file; NULL with *error on failure. */
static char *read_rules_file(const char *path, size_t *len, char **error)
{
    FILE *f = fopen(path, "rb");
    wm_buf_t text = {0};
    char chunk[4096];
    size_t n;
    if (!f) {
        *error = wm_strdup_printf("%s: %s", path, strerror(errno));
        return NULL;
    }
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        if (wm_buf_append(&text, chunk, n) < 0) {
            *error = strdup("out of memory");
            break;
        }
    if (ferror(f) && !*error)
        *error = wm_strdup_printf("%s: %s", path, strerror(errno));
    fclose(f);
    if (*error) {
        wm_buf_free(&text);
        return NULL;
    }
    *len = text.len;
    return text.data ? wm_buf_take(&text) : strdup("");
}

/* The built-in rules plus the --rules files; NULL after printing why not. */
static wm_extractor_t *make_extractor(const options_t *opt)
{
    wm_rules_t *rules;
    char *error = NULL;
    wm_result_t rc = wm_rules_builtin(&rules, &error);
    if (rc != WM_OK) {
        fprintf(stderr, "wmindex: built-in rules: %s\n", error ? error : wm_result_to_string(rc));
        free(error);
        return NULL;
    }
    for (size_t i = 0; i < opt->rules.n; i++) {
        size_t len = 0;
        char *text = read_rules_file(opt->rules.items[i], &len, &error);
        if (!text || (rc = wm_rules_add(rules, text, len, &error)) != WM_OK) {
            fprintf(stderr, "wmindex: %s%s%s\n", text ? opt->rules.items[i] : "", text ? ": " : "",
                    error ? error : wm_result_to_string(WM_ERR_NO_MEMORY));
            free(text);
            free(error);
            wm_rules_free(rules);
            return NULL;
        }
        free(text);
    }
    wm_extractor_t *extractor = wm_extractor_new_with_rules(rules, &error);
    if (!extractor)
        fprintf(stderr, "wmindex: %s\n", error ? error : "out of memory");
    free(error);
    return extractor;
}

static int open_index(indexer_t *ix, const char *explicit_path, bool rebuild, unsigned jobs, char **owned_path)
{
    char *message = NULL;
    *owned_path = wm_index_path(explicit_path, &message);
    if (!*owned_path) {
        fprintf(stderr, "wmindex: %s\n", message ? message : "out of memory");
        free(message);
        return -1;
    }
    ix->index_path = *owned_path;
    if (ix->list_sessions)
        return 0;
    wm_store_status_t status = wm_store_open_build(*owned_path, jobs, rebuild, &ix->store, &message);
    if (status != WM_STORE_OK) {
        fprintf(stderr, "wmindex: %s\n", message ? message : wm_store_status_to_string(status));
        free(message);
        return -1;
    }
    ix->jobs = wm_store_build_jobs(ix->store);
    return 0;
}

/* ---- --stats ----------------------------------------------------------- */

/* "2019: 58 sessions from 61 candidates, 3 rejected (2 candidate without
 * fields, 1 listing page)" and, when pages were not all candidates, how
 * many pages were read. */
static void print_tally_line(const wm_tally_t *t)
{
    unsigned long rejected = wm_tally_rejected(t);
    if (t->year)
        printf("  %d: ", t->year);
    else
        printf("  unknown year: ");
    printf("%lu session%s from %lu candidate%s", t->sessions, t->sessions == 1 ? "" : "s", t->candidates,
           t->candidates == 1 ? "" : "s");
    if (t->pages != t->candidates)
        printf(" (%lu page%s read)", t->pages, t->pages == 1 ? "" : "s");
    printf(", %lu rejected", rejected);
    const char *sep = " (";
    for (int r = 0; r < WM_REJECT_REASON_COUNT; r++)
        if (t->rejected[r]) {
            printf("%s%lu %s", sep, t->rejected[r], wm_reject_reason_name((wm_reject_reason_t)r));
            sep = ", ";
        }
    printf("%s\n", rejected ? ")" : "");
}

static void print_stats_text(const char *path, const wm_store_stats_t *st)
{
    printf("index:        %s\n", path);
    printf("schema:       %s\n", st->schema_version);
    printf("last update:  %s\n", *st->last_update ? st->last_update : "never");
    printf("sessions:     %lu\n", st->sessions);
    printf("per year:    ");
    for (size_t i = 0; i < st->n_years; i++)
        printf(" %d: %lu%s", st->years[i].year, st->years[i].sessions, i + 1 < st->n_years ? "," : "");
    printf("%s\n", st->n_years ? "" : " none");
    if (st->n_tallies)
        printf("read per year:\n");
    for (size_t i = 0; i < st->n_tallies; i++)
        print_tally_line(&st->tallies[i]);
    printf("sources:      %zu\n", st->n_sources);
    for (size_t i = 0; i < st->n_sources; i++) {
        const wm_store_source_t *src = &st->sources[i];
        printf("  %s\n    %s%s%s, %lu session%s, %llu bytes, indexed %s%s\n", src->path,
               *src->collection ? src->collection : "(no sessions)",
               *src->dump_date ? ", dump of " : "", src->dump_date, src->sessions,
               src->sessions == 1 ? "" : "s", src->size, src->indexed_at,
               src->complete ? "" : ", FAILED part-way: read again next run");
    }
    if (st->n_pending_prunes) {
        printf("pending:      removal of vanished sessions of");
        for (size_t i = 0; i < st->n_pending_prunes; i++)
            printf(" %s", st->pending_prunes[i]);
        printf(" (done by the next wmindex)\n");
    }
}

static json_t *source_json(const wm_store_source_t *src)
{
    return json_pack("{s:s, s:I, s:I, s:s, s:s, s:s, s:I, s:s, s:b}", "path", src->path,
                     "size", (json_int_t)src->size, "mtime_ns", (json_int_t)src->mtime_ns,
                     "fingerprint", src->fingerprint, "collection", src->collection,
                     "dump_date", src->dump_date, "sessions", (json_int_t)src->sessions,
                     "indexed_at", src->indexed_at, "complete", src->complete);
}

/* {"indexed": N, "sessions": N, "candidates": N, "pages": N, "rejected": {reason: N}}:
 * indexed counts the year's sessions in the index, the others what the
 * sources gave (t NULL: nothing recorded for the year). */
static json_t *year_json(unsigned long indexed, const wm_tally_t *t)
{
    static const wm_tally_t none;
    t = t ? t : &none;
    json_t *rejected = json_object();
    for (int r = 0; rejected && r < WM_REJECT_REASON_COUNT; r++)
        if (t->rejected[r] && json_object_set_new(rejected, wm_reject_reason_name((wm_reject_reason_t)r),
                                                  json_integer((json_int_t)t->rejected[r]))) {
            json_decref(rejected);
            rejected = NULL;
        }
    return json_pack("{s:I, s:I, s:I, s:I, s:o}", "indexed", (json_int_t)indexed, "sessions",
                     (json_int_t)t->sessions, "candidates", (json_int_t)t->candidates, "pages",
                     (json_int_t)t->pages, "rejected", rejected);
}

/* "years": an object per year (year_json), for every year the index or
 * the sources' tallies know; "unknown" for what had no year. */
static int add_years_json(json_t *years, const wm_store_stats_t *st)
{
    size_t y = 0, t = 0;
    int rc = 0;
    while (rc == 0 && (y < st->n_years || t < st->n_tallies)) {
        bool take_y = y < st->n_years && (t == st->n_tallies || st->years[y].year <= st->tallies[t].year);
        bool take_t = t < st->n_tallies && (y == st->n_years || st->tallies[t].year <= st->years[y].year);
        int year = take_y ? st->years[y].year : st->tallies[t].year;
        unsigned long indexed = take_y ? st->years[y++].sessions : 0;
        const wm_tally_t *tally = take_t ? &st->tallies[t++] : NULL;
        char key[16] = "unknown";
        if (year)
            snprintf(key, sizeof key, "%d", year);
        rc = json_object_set_new(years, key, year_json(indexed, tally));
    }
    return rc;
}

/* The stats as one JSON object; -1 when out of memory. */
static int print_stats_json(const char *path, const wm_store_stats_t *st)
{
    json_t *years = json_object(), *sources = json_array(), *pending = json_array();
    json_t *root = json_pack("{s:s, s:s, s:s, s:I, s:o, s:o, s:o}", "index", path,
                             "schema_version", st->schema_version, "last_update", st->last_update,
                             "sessions", (json_int_t)st->sessions, "years", years,
                             "sources", sources, "pending_prunes", pending);
    int rc = root ? add_years_json(years, st) : -1;
    for (size_t i = 0; rc == 0 && i < st->n_sources; i++)
        rc = json_array_append_new(sources, source_json(&st->sources[i]));
    for (size_t i = 0; rc == 0 && i < st->n_pending_prunes; i++)
        rc = json_array_append_new(pending, json_string(st->pending_prunes[i]));
    char *text = rc == 0 ? json_dumps(root, JSON_INDENT(2)) : NULL;
    if (text)
        puts(text);
    free(text);
    json_decref(root);
    return text ? 0 : -1;
}

static int show_stats(const options_t *opt)
{
    char *message = NULL;
    char *path = wm_index_path(opt->index, &message);
    wm_store_t *store = NULL;
    wm_store_stats_t *stats = NULL;
    wm_store_status_t status = WM_STORE_NO_MEMORY;
    if (path) {
        status = wm_store_open_readonly(path, &store, &message);
        if (status == WM_STORE_OK && (status = wm_store_get_stats(store, &stats)) != WM_STORE_OK)
            message = strdup(wm_store_last_error(store));
    }
    int rc = EXIT_SUCCESS;
    if (status != WM_STORE_OK) {
        fprintf(stderr, "wmindex: %s\n", message && *message ? message : wm_store_status_to_string(status));
        rc = EXIT_INDEX;
    } else if (opt->json ? print_stats_json(path, stats) < 0 : (print_stats_text(path, stats), 0)) {
        fputs("wmindex: out of memory\n", stderr);
        rc = EXIT_INDEX;
    }
    wm_store_stats_free(stats);
    wm_store_close(store);
    free(message);
    free(path);
    return rc;
}

/* ---- signals ----------------------------------------------------------- */

/* Async-signal-safe: set the flag; a second signal stops at once. */
static void on_stop_signal(int sig)
{
    if (stop_signal) {
        signal(sig, SIG_DFL);
        raise(sig);
        return;
    }
    stop_signal = sig;
}

static void catch_stop_signals(void)
{
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = on_stop_signal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;   /* reads go on; the page loop looks at the flag */
    sigaction(SIGINT, &action, NULL);
    sigaction(SIGTERM, &action, NULL);
}

/* After a signal: commit what is done and say so. */
static void report_interruption(indexer_t *ix)
{
    const char *name = stop_signal == SIGINT ? "SIGINT" : stop_signal == SIGTERM ? "SIGTERM" : "a signal";
    commit_index(ix, true);
    clear_progress(ix);
    if (ix->list_sessions)
        fprintf(stderr, "wmindex: interrupted by %s\n", name);
    else if (!ix->index_failed && ix->jobs)
        fprintf(stderr, "wmindex: interrupted by %s: the index %s is as it was (a build in shards "
                "is put in place whole or not at all); run wmindex again\n", name, ix->index_path);
    else if (!ix->index_failed)
        fprintf(stderr, "wmindex: interrupted by %s: %lu session%s committed to %s; run wmindex "
                "again to finish\n", name, ix->sessions, ix->sessions == 1 ? "" : "s", ix->index_path);
}

/* Remove what vanished from the newest dumps (not after a signal or an
 * error: the marks stay in the index, and the next run does it). */
static void prune_index(indexer_t *ix)
{
    if (ix->list_sessions || ix->index_failed || stop_signal)
        return;
    if (wm_store_prune(ix->store, &ix->removed) != WM_STORE_OK) {
        clear_progress(ix);
        fprintf(stderr, "wmindex: cannot remove vanished sessions from the index %s: %s\n",
                ix->index_path, wm_store_last_error(ix->store));
        ix->index_failed = true;
    }
}

/* Each step of the merge: the progress line, and the test hook
 * WMINDEX_TEST_ABORT_IN_MERGE (abort() as if killed while merging). */
static void on_merge_step(void *arg, const char *step)
{
    indexer_t *ix = arg;
    if (ix->abort_in_merge)
        abort();
    if (ix->show_progress) {
        fprintf(stderr, "\r\033[Kmerging and compacting the index: %s", step);
        fflush(stderr);
    }
}

/* Merge the shards (or compact a new index) and put the index in place;
 * not after a signal or an error: the build is then dropped, the index
 * stays as it was. */
static void finish_index(indexer_t *ix)
{
    if (ix->list_sessions || ix->index_failed || stop_signal)
        return;
    if (wm_store_finish_build(ix->store, on_merge_step, ix, &ix->compaction) != WM_STORE_OK)
        index_failure(ix, ix->jobs ? "merge the shards into" : "compact");
}

/* wmindex --compact */
static int compact_index(const options_t *opt)
{
    char *message = NULL;
    char *path = wm_index_path(opt->index, &message);
    wm_store_t *store = NULL;
    wm_store_compaction_t done = {0};
    wm_store_status_t status = WM_STORE_NO_MEMORY;
    if (path) {
        status = wm_store_open_writable(path, &store, &message);
        if (status == WM_STORE_OK && (status = wm_store_compact(store, NULL, NULL, &done)) != WM_STORE_OK)
            message = strdup(wm_store_last_error(store));
    }
    wm_store_close(store);
    if (status != WM_STORE_OK) {
        fprintf(stderr, "wmindex: %s\n", message && *message ? message : wm_store_status_to_string(status));
        free(message);
        free(path);
        return EXIT_INDEX;
    }
    if (opt->verbosity != QUIET)
        fprintf(stderr, "wmindex: index %s compacted: %.1f MB -> %.1f MB\n", path, done.bytes_before / 1e6,
                done.bytes_after / 1e6);
    free(message);
    free(path);
    return EXIT_SUCCESS;
}

/* WMINDEX_TEST_ABORT_AFTER=K (a test hook): 0 when unset or not a number. */
static unsigned long test_abort_after(void)
{
    const char *text = getenv("WMINDEX_TEST_ABORT_AFTER");
    unsigned k = 0;
    return text && wm_options_parse_count(text, 1, &k) ? k : 0;
}

/* --explain: ask the extractor for the titles; -1 when out of memory. */
static int ask_explanations(indexer_t *ix)
{
    ix->explained = calloc((size_t)ix->n_explain + 1, sizeof *ix->explained);
    if (!ix->explained)
        return -1;
    for (int i = 0; i < ix->n_explain; i++)
        if (wm_extractor_explain(ix->extractor, ix->explain_titles[i]) != WM_OK)
            return -1;
    return 0;
}

/* --explain: say which titles no input had; return how many. */
static int report_unexplained(const indexer_t *ix)
{
    int missing = 0;
    for (int i = 0; i < ix->n_explain; i++)
        if (!ix->explained[i]) {
            fprintf(stderr, "wmindex: --explain: no page titled \"%s\" in the inputs\n",
                    ix->explain_titles[i]);
            missing++;
        }
    return missing;
}

/* What went to stdout (--list-sessions, --explain, --stats) must have got
 * there: false, after saying so, when it could not be written (a full
 * disk, /dev/full). */
static bool output_written(void)
{
    if (fflush(stdout) == 0 && !ferror(stdout))
        return true;
    fprintf(stderr, "wmindex: cannot write the output: %s\n", strerror(errno));
    return false;
}

static void free_options(options_t *opt)
{
    wm_option_list_free(&opt->rules);
    wm_option_list_free(&opt->explain);
    wm_arguments_free(&opt->arguments);
}

int main(int argc, char **argv)
{
    options_t opt = {0};
    int rc = parse_options(argc, argv, &opt);
    if (rc) {
        free_options(&opt);
        return rc < 0 ? EXIT_SUCCESS : rc;
    }
    if (opt.compact) {
        rc = compact_index(&opt);
        free_options(&opt);
        return rc;
    }
    if (opt.stats) {
        rc = show_stats(&opt);
        free_options(&opt);
        return !output_written() && rc == EXIT_SUCCESS ? EXIT_INPUT_FAILED : rc;
    }

    const char *sample[1];
    if (opt.n_paths == 0) {
        sample[0] = wm_sample_dir();
        if (!sample[0]) {
            fputs("wmindex: no PATH given and the bundled sample archive is not installed\n", stderr);
            free_options(&opt);
            return EXIT_USAGE;
        }
        opt.paths = (char **)sample;
        opt.n_paths = 1;
    }

    indexer_t ix = {.verbosity = (enum verbosity)opt.verbosity,
                    .list_sessions = opt.list_sessions || opt.explain.n,
                    .explain = opt.explain.n > 0, .json = opt.json, .explain_titles = opt.explain.items,
                    .n_explain = (int)opt.explain.n, .paths = opt.paths, .n_paths = opt.n_paths,
                    .commit_every = opt.commit_every, .abort_after = test_abort_after(),
                    .abort_in_merge = getenv("WMINDEX_TEST_ABORT_IN_MERGE") != NULL};
    ix.show_progress = opt.verbosity != QUIET && isatty(STDERR_FILENO);
    clock_gettime(CLOCK_MONOTONIC, &ix.started);
    /* Rules first: a bad rules file should not leave an empty index behind. */
    ix.extractor = make_extractor(&opt);
    if (ix.extractor && ask_explanations(&ix) < 0) {
        fputs("wmindex: out of memory\n", stderr);
        wm_extractor_free(ix.extractor);
        ix.extractor = NULL;
    }
    /* Indexing, sessions go to the writers as their pages are read; a
     * listing prints each session once, whole, at the end of its dump. */
    if (ix.extractor && !ix.list_sessions)
        wm_extractor_stream(ix.extractor);
    char *index_path = NULL;
    if (!ix.extractor || open_index(&ix, opt.index, opt.rebuild, (unsigned)opt.jobs, &index_path) < 0) {
        wm_extractor_free(ix.extractor);
        free(index_path);
        free(ix.explained);
        free_options(&opt);
        return ix.extractor ? EXIT_INDEX : EXIT_USAGE;
    }

    catch_stop_signals();
    if (wm_crawl((const char *const *)opt.paths, opt.n_paths, on_crawl, &ix) < WM_OK)
        report_input_error(&ix, "out of memory while crawling");
    tally_puts(&ix);
    prune_index(&ix);
    finish_index(&ix);
    if (stop_signal)
        report_interruption(&ix);
    print_summary(&ix);
    int unexplained = stop_signal ? 0 : report_unexplained(&ix);
    bool written = output_written();

    wm_extractor_free(ix.extractor);
    wm_store_close(ix.store);
    report_free(&ix.report);
    free(ix.explained);
    free(index_path);
    forget_dump(&ix);
    free_options(&opt);
    if (stop_signal)
        return 128 + stop_signal;
    if (ix.index_failed)
        return EXIT_INDEX;
    return ix.files_failed || unexplained || !written ? EXIT_INPUT_FAILED : EXIT_SUCCESS;
}
