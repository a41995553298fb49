/* The index: a narrow C API over Xapian.  This header is the only way the
 * rest of wmsearch reaches Xapian; no Xapian type appears here and no C++
 * exception crosses it (every function catches and turns errors into a
 * status plus a message kept on the handle).
 *
 * The schema (terms, prefixes, values, document data) is defined once, at
 * the top of store/schema.h, and documented in doc/index-schema.md. */
#ifndef WM_STORE_H
#define WM_STORE_H

#include <stdbool.h>
#include <stddef.h>

#include "archive/session.h"
#include "archive/tally.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- statuses and the handle -------------------------------------------- */

typedef enum wm_store_status {
    WM_STORE_OK = 0,
    WM_STORE_ERROR,            /* any other Xapian or system error */
    WM_STORE_NO_MEMORY,
    WM_STORE_NOT_FOUND,        /* no index at that path (read-only open), or no such document */
    WM_STORE_LOCKED,           /* another writer holds the index (DatabaseLockError) */
    WM_STORE_CORRUPT,          /* DatabaseCorruptError */
    WM_STORE_MODIFIED,         /* DatabaseModifiedError that retrying did not cure */
    WM_STORE_SCHEMA_MISMATCH,  /* the index was written by another schema version */
    WM_STORE_QUERY_SYNTAX      /* the query could not be parsed (QueryParserError, bad range) */
} wm_store_status_t;

/* A short constant description of status, e.g. "index is locked". */
const char *wm_store_status_to_string(wm_store_status_t status);

typedef struct wm_store wm_store_t;

/* The message of the last failed call on this handle (owned by the store). */
const char *wm_store_last_error(const wm_store_t *store);

/* Close the handle; a writable store commits first (an error there is lost:
 * call wm_store_commit() to see it).  NULL is allowed. */
void wm_store_close(wm_store_t *store);

/* ---- opening ------------------------------------------------------------ */

/* Open (creating if needed, with parent directories) the index at path for
 * writing.  On failure return a status and set *message to a malloc'd
 * explanation naming the path (caller frees); *store is then NULL. */
wm_store_status_t wm_store_open_writable(const char *path, wm_store_t **store, char **message);
/* Open an existing index for searching (WM_STORE_NOT_FOUND when there is none). */
wm_store_status_t wm_store_open_readonly(const char *path, wm_store_t **store, char **message);
/* Open the index at path for writing as a new, empty index, whatever it
 * held (wmindex --rebuild).  As wm_store_open_writable otherwise. */
wm_store_status_t wm_store_open_rebuild(const char *path, wm_store_t **store, char **message);
/* wm_store_open_build (building, below) opens an index to index into,
 * in shards when it can. */

/* Open several indexes for searching as one (store/shards.cc): every call
 * on the handle then answers as one index holding all their sessions
 * would.  Each path is an index directory or a Xapian stub database file:
 * lines "auto PATH" (an index directory, or another stub file; a relative
 * PATH is read from the stub's directory), "glass PATH", "remote HOST:PORT"
 * (an index served by xapian-tcpsrv), "remote :PROGRAM ARGS" (served over a
 * pipe by xapian-progsrv); empty lines and lines beginning with '#' are
 * skipped.  One directory alone opens as wm_store_open_readonly does.
 * Every shard must have this wmsearch's schema version.  On failure
 * *message (malloc'd, the caller's) is one line naming the shard: a
 * remote shard that is down or refuses the connection gives WM_STORE_ERROR
 * ("remote shard HOST:PORT (from STUB) is not answering: ..."). */
wm_store_status_t wm_store_open_shards(const char *const *paths, size_t n_paths, wm_store_t **store,
                                       char **message);

/* ---- writing ------------------------------------------------------------ */

/* Add or replace (by session->id) the document of one session. */
wm_store_status_t wm_store_put_session(wm_store_t *store, const wm_session_t *session);

/* What wm_store_put_session_ex did with a session. */
typedef enum wm_store_put {
    WM_STORE_PUT_ADDED,        /* a new document */
    WM_STORE_PUT_REPLACED,     /* replaced the document of the same id */
    WM_STORE_PUT_KEPT_NEWER,   /* the index holds a newer revision of the page: unchanged */
    WM_STORE_PUT_LINKED        /* the same talk from the other origin (an on-wiki copy and
                                * the export) is in the index: one document holds both
                                * (the export's fields, the copy's translations) */
} wm_store_put_t;

/* As wm_store_put_session, and say what happened in *outcome.  The result
 * does not depend on the order sessions come in: the newer revision
 * (session->timestamp) of a page wins, and an export wins over an on-wiki
 * copy of the same talk (same year and code, else same year and title).
 * A session that amends one put before in this run (session->amends: its
 * page's late translations) is put the same way, but its words are not
 * added to the spelling data again, its id not to the source's list, and
 * the tally of queued puts does not count it. */
wm_store_status_t wm_store_put_session_ex(wm_store_t *store, const wm_session_t *session,
                                          wm_store_put_t *outcome);
/* Make everything put so far durable and visible to readers (atomic). */
wm_store_status_t wm_store_commit(wm_store_t *store);

/* Queued writing, for indexing many sessions: Xapian's writing runs in a
 * thread of the store's while the caller reads on.  wm_store_queue_session
 * takes session (it frees it, whatever the result), makes its document in
 * the calling thread and queues it; a writer thread, started by the first
 * call, puts the queued sessions in order as wm_store_put_session_ex would.
 * wm_store_queue_commit queues a commit.  At most a few dozen sessions
 * wait: a call blocks while the queue is full.  Any other call on the
 * handle first waits until everything queued is done, so it sees it (and
 * wm_store_close writes and commits what is queued).
 * A queued job that fails is reported by a later call (a queue call or any
 * other): that call returns the job's status and message, and the jobs
 * queued after the failed one were dropped, not written.  Use the handle
 * from one thread only, as any other. */
wm_store_status_t wm_store_queue_session(wm_store_t *store, wm_session_t *session);
wm_store_status_t wm_store_queue_commit(wm_store_t *store);
/* What the queued puts did so far (after waiting for the queue). */
typedef struct wm_store_tally {
    unsigned long added, replaced, kept_newer, linked;
} wm_store_tally_t;
wm_store_status_t wm_store_queue_tally(wm_store_t *store, wm_store_tally_t *tally);

/* ---- searching ---------------------------------------------------------- */

/* Number of documents in the index. */
wm_store_status_t wm_store_count(wm_store_t *store, unsigned long *count);

typedef enum wm_sort {
    WM_SORT_RELEVANCE,
    WM_SORT_NEWEST,    /* year descending, then relevance */
    WM_SORT_OLDEST,    /* year ascending, then relevance */
    WM_SORT_TITLE      /* title ascending */
} wm_sort_t;

/* Facets: values counted over all the sessions a search matches. */
typedef enum wm_facet {
    WM_FACET_TRACK,
    WM_FACET_YEAR,
    WM_FACET_TYPE,
    WM_FACET_LANGUAGE,
    WM_FACET_SPEAKER,
    WM_FACET_EVENT,
    WM_FACET_STATUS,
    WM_FACET_COUNT     /* the number of facets, not a facet */
} wm_facet_t;

/* The facet's name: "track", "year", "type", "language", "speaker", "event", "status". */
const char *wm_facet_name(wm_facet_t facet);
/* The facet named name (singular or plural, "lang" too); false when none is. */
bool wm_facet_from_name(const char *name, wm_facet_t *facet);

typedef struct wm_facet_value {
    char *value;             /* as written (tracks, speakers, event), normalised (type, language,
                              * status), or the year; speakers: the person's name form seen
                              * most often */
    unsigned long count;     /* matching sessions that have it */
    char **names;            /* speakers: every name form of the person (value first), most
                              * often seen first; NULL (n_names 0) for other facets */
    size_t n_names;
} wm_facet_value_t;

typedef struct wm_facet_counts {
    bool counted;            /* the request asked for this facet */
    wm_facet_value_t *values;   /* most frequent first, ties by value */
    size_t n_values;
} wm_facet_counts_t;

/* A search.  query is the user's query string (free text with field
 * prefixes track: speaker: year: type: lang: title: event: status: id:,
 * phrases, AND/OR/NOT, -word, word*); NULL or "" matches every session.
 * The other strings are filters given as options (NULL: none), ANDed with
 * the query; year may be "2019" or a range "2019..2023" (either end may be
 * empty); a track of one word matches every track with that word, of
 * several words that whole track.
 *
 * The default status policy: unless the query names a status (status:...
 * anywhere in it) or statuses is given, the sessions whose status did not
 * take place (wm_status_took_place() false: submitted, rejected, withdrawn,
 * canceled) are left out: of the hits, the total, the facets and the
 * suggestion alike.  Sessions with no status, accepted or confirmed are
 * always in.  "any" (in statuses or as status:any) matches every session.
 * wm_store_get_session() finds a session whatever its status. */
typedef struct wm_search_request {
    const char *query;
    const char *track;
    const char *speaker;
    const char *year;
    const char *type;
    const char *language;
    /* NULL-terminated lists of more values of those fields (NULL: none).
     * One rule for every filter, as in the query: the values of one field
     * (the single one above and its list) are ORed, different fields ANDed. */
    const char *const *tracks;
    const char *const *speakers;
    const char *const *years;
    const char *const *types;
    const char *const *languages;
    const char *const *events;     /* NULL-terminated: sessions of any of these events (each as
                                    * event: matches it); NULL or empty: any event */
    const char *const *statuses;   /* NULL-terminated: sessions of any of these statuses ("any":
                                    * all); NULL or empty: the default status policy */
    wm_sort_t sort;
    unsigned offset;
    unsigned limit;
    bool count_only;    /* compute only the exact total (and facets, suggestion) */
    unsigned facets;    /* a bit (1u << facet) for each wm_facet_t to count */
    size_t snippet_bytes;          /* about this long a snippet of each hit's abstract; 0: none */
    const char *highlight_start;   /* put around matched words in snippets; NULL: nothing */
    const char *highlight_end;
    unsigned suggest_below;        /* when fewer than this match, look for a spelling correction */
    bool estimate_total;  /* the total may be a lower bound when more than offset + limit + 90
                           * sessions match and counting them exactly would cost more than
                           * ranking the page (text for people; never with count_only) */
} wm_search_request_t;

typedef struct wm_search_hit {
    wm_session_t *session;   /* owned by the result */
    double score;            /* relevance weight (0 for pure filters) */
    unsigned rank;           /* 0-based rank in the whole result list */
    char *snippet;           /* one line of the abstract around the matches (NULL unless asked
                              * for and the session has an abstract); owned by the result */
} wm_search_hit_t;

typedef struct wm_search_result {
    unsigned long total;     /* exact number of matching sessions (see total_at_least) */
    wm_search_hit_t *hits;
    size_t n_hits;
    char *parsed_query;      /* Xapian's description of the query run (for --explain) */
    wm_facet_counts_t facets[WM_FACET_COUNT];
    char *suggestion;        /* "did you mean": the query with words corrected from the index's
                              * spelling data, set only when it matches more sessions; else NULL */
    unsigned long suggestion_total;   /* how many the suggestion matches */
    bool total_at_least;     /* at least total match (only when the request allowed estimate_total) */
    bool suggestion_at_least;   /* at least suggestion_total match (likewise) */
} wm_search_result_t;

/* Run a search.  Filters that are NULL or blank are not applied; limit 0
 * returns no hits (the total is still exact).  On WM_STORE_QUERY_SYNTAX the
 * last error says what is wrong in the user's terms (e.g. "unbalanced
 * quotes", "year range 2030..2019 is empty").
 * *result is the caller's: free with wm_search_result_free(). */
wm_store_status_t wm_store_search(wm_store_t *store, const wm_search_request_t *request,
                                  wm_search_result_t **result);
/* Sessions like the one with this id ("more like this": its most telling
 * words, from Xapian's relevance feedback), best first, the session itself
 * left out.  request->query, if any, and the filters restrict the candidates
 * (they do not add words); sorting, paging, facets and snippets work as in
 * wm_store_search.  WM_STORE_NOT_FOUND when no session has that id. */
wm_store_status_t wm_store_similar(wm_store_t *store, const char *id, const wm_search_request_t *request,
                                   wm_search_result_t **result);
void wm_search_result_free(wm_search_result_t *result);

/* ---- people --------------------------------------------------------------
 *
 * A person is the speakers linked across sessions: two speakers are one
 * person when they share a username, or their full names are the same
 * once case and diacritics are folded ("Léa Dubois" = "lea dubois"); links
 * chain ("M. Lindqvist" and "Mara Lindqvist-Ortiz" under one username, and
 * "Mara Lindqvist" without one, by name).  Nothing else links: no initials,
 * no guessed forms.  speaker:VALUE matches every session of each person
 * VALUE names (store/people.cc; the work is bounded: doc/index-schema.md).
 * The speaker facet (list speakers) counts each person once. */

typedef struct wm_person {
    char **names;            /* the name forms, most often seen first */
    size_t n_names;
    char **usernames;        /* most often seen first */
    size_t n_usernames;
    char **affiliations;
    size_t n_affiliations;
    char **co_speakers;      /* the other speakers of their sessions, most sessions first */
    size_t n_co_speakers;
    char **tracks;           /* the tracks of their sessions, most sessions first */
    size_t n_tracks;
    wm_session_t **sessions; /* by year, oldest first (sessions without a year last) */
    size_t n_sessions;
} wm_person_t;

typedef struct wm_person_result {
    wm_person_t *people;     /* one: the person VALUE names; several: the candidates */
    size_t n_people;         /* 0: nobody of that name or username */
} wm_person_result_t;

/* The person (or people) named by value: any run of words of a name or
 * username, folded (case, diacritics); when several people fit and value
 * is one person's whole name or username, that one.  The sessions follow
 * request's filters and the default status policy, as a search does
 * (request->query is ignored; NULL: no filters).  *result is the caller's:
 * free with wm_person_result_free(). */
wm_store_status_t wm_store_find_person(wm_store_t *store, const char *value, const wm_search_request_t *request,
                                       wm_person_result_t **result);
void wm_person_result_free(wm_person_result_t *result);

/* The session with this id, every field (caller frees with wm_session_free);
 * WM_STORE_NOT_FOUND when there is none. */
wm_store_status_t wm_store_get_session(wm_store_t *store, const char *id, wm_session_t **session);

/* ---- incremental indexing: the sources an index was built from ---------
 *
 * The index records every input file it read (a "source"): its identity and
 * the ids of the sessions it gave.  An unchanged file need not be read
 * again.  Each source belongs to a collection (the wiki's dbname, or the
 * conference acronym of a schedule export: the part of its session ids
 * before the ':').  A dump named the Wikimedia way, "<dbname>-YYYYMMDD-..."
 * is a dump of the whole wiki as of that date; a wiki's newest dump is its
 * such files with the latest date (all the parts of a split dump).  Other
 * files (Special:Export downloads, pieces, exports) have no date and are
 * never superseded by another file.  wm_store_prune() removes a
 * collection's sessions that no recorded source gives any more, counting
 * dated dumps older than the newest as gone (unless they failed part-way):
 * the sessions that vanished from a wiki's newest dump, or from a file that
 * changed.  doc/index-schema.md says the same for users. */

/* One source as recorded (or as identified on disk: then only path, size,
 * mtime_ns and fingerprint are set). */
typedef struct wm_store_source {
    char *path;              /* absolute path: the record's key */
    unsigned long long size;
    long long mtime_ns;      /* modification time, ns since the epoch */
    char *fingerprint;       /* hex hash of the size and the first and last 64 KiB */
    char *collection;        /* dbname or acronym; "" when the file gave no session */
    char *dump_date;         /* "YYYY-MM-DD" from a Wikimedia dump's name, else "" */
    char *indexed_at;        /* UTC ISO 8601 time it was recorded */
    unsigned long sessions;  /* sessions the file gave */
    bool complete;           /* read to its end; false: it failed part-way (read again next time) */
    wm_tally_t *tallies;     /* recorded: what it gave per year, ascending (NULL when none) */
    size_t n_tallies;
} wm_store_source_t;

/* Identify the file at path (stat and hash, not a full read; a pipe gets
 * no fingerprint and is never unchanged).  *source is the caller's
 * (wm_store_source_free); on failure *message is a malloc'd message naming
 * the file. */
wm_store_status_t wm_store_source_identify(const char *path, wm_store_source_t **source,
                                           char **message);
void wm_store_source_free(wm_store_source_t *source);

/* Whether the index holds a complete record of exactly this file (same
 * path, size, mtime and fingerprint): then it need not be read. */
wm_store_status_t wm_store_source_unchanged(wm_store_t *store, const wm_store_source_t *identity,
                                            bool *unchanged);

/* Start reading a source: from now on the ids of the sessions put are
 * collected for its record.  A source begun and never finished (the run was
 * interrupted) leaves no new record: the next run reads it again. */
wm_store_status_t wm_store_source_begin(wm_store_t *store);

/* The source identified by identity has been read (complete: to its end;
 * else it failed part-way).  dbname: the dump's wiki (NULL for exports).
 * tallies: what it gave, one per year (n_tallies of them, any order; a
 * year given twice is added up; NULL and 0 when not counted).  Record it
 * with its tallies, mark its collection for wm_store_prune(), and commit. */
wm_store_status_t wm_store_source_finish(wm_store_t *store, const wm_store_source_t *identity,
                                         bool complete, const char *dbname,
                                         const wm_tally_t *tallies, size_t n_tallies);

/* Remove the sessions that vanished from the newest dump of every
 * collection marked by wm_store_source_finish() (see above), and commit.
 * *removed (may be NULL) gets how many documents were removed.  The marks
 * survive a crash: an interrupted prune is done by the next call. */
wm_store_status_t wm_store_prune(wm_store_t *store, unsigned long *removed);

/* ---- building: parallel shards, compaction (store/build.cc) -------------
 *
 * A fresh build (an index with no document and no source yet) or a
 * rebuild can be written by several writer threads at once: each writes a
 * shard, a Xapian database of its own in a temporary directory beside the
 * index (".NAME.wmbuild-PID" in the index's parent directory), and
 * wm_store_finish_build() merges the shards with Xapian's compactor and
 * puts the result in the index's place in one step (renameat2 with
 * RENAME_EXCHANGE): readers see the old index or the new one, never a half
 * built one.  Until then the index keeps answering as it was; a build that
 * is killed leaves it so, and the next writable open of the index (which
 * holds its lock) removes the temporary directories left behind.  Sessions
 * that can touch one another's documents (the same id, or link keys: the
 * same year and code or title) go to the same shard; the rare session
 * whose keys are already in two shards waits and is put into the merged
 * index, in order, so the documents, terms and values are those one
 * writer makes.  Incremental runs (an index with content, no rebuild) keep
 * the one writer in place that commits as it goes. */

/* Open the index at path to index into, with up to jobs writer threads
 * (0: one per CPU, at most 4).  rebuild: start from an empty index, whatever the index
 * held (another schema version, damaged, as wm_store_open_rebuild).  Which
 * way it writes (wm_store_build_jobs says): an index with content and no
 * rebuild: in place, one writer, as wm_store_open_writable; a fresh index
 * and jobs 1: in place, compacted at the end; a rebuild, or a fresh index
 * and jobs >= 2: shards.  On failure as wm_store_open_writable.  Every
 * call of the store works on the handle; wm_store_queue_commit does
 * nothing while shards are written (they are all or nothing). */
wm_store_status_t wm_store_open_build(const char *path, unsigned jobs, bool rebuild, wm_store_t **store,
                                      char **message);
/* The number of shards the handle writes at once; 0 when it writes the
 * index in place. */
unsigned wm_store_build_jobs(const wm_store_t *store);

/* What a compaction did: the sizes of the files (bytes) of the index (or of
 * its shards) before, and of the compacted index. */
typedef struct wm_store_compaction {
    bool done;                       /* false: nothing was compacted (an incremental run) */
    unsigned long long bytes_before;
    unsigned long long bytes_after;
} wm_store_compaction_t;

/* Told each step of a merge or compaction ("postlist", ...); may be NULL. */
typedef void wm_store_progress_fn(void *arg, const char *step);

/* End a build: shards are merged and compacted into the index's place
 * (atomically, see above); a fresh index written in place is compacted
 * in place; an incremental run commits.  After it the handle is an
 * ordinary writable handle on the new index.  On failure (a full disk
 * during the merge, ...) the index is as it was before the build and the
 * temporary directory is removed.  A build handle closed without this call
 * (an interrupted run) leaves the index as it was.  *result may be NULL. */
wm_store_status_t wm_store_finish_build(wm_store_t *store, wm_store_progress_fn *progress, void *arg,
                                        wm_store_compaction_t *result);

/* Compact the index of a writable handle in place (wmindex --compact):
 * written beside it, then swapped in atomically; on failure the index is as
 * it was.  *result may be NULL. */
wm_store_status_t wm_store_compact(wm_store_t *store, wm_store_progress_fn *progress, void *arg,
                                   wm_store_compaction_t *result);

/* ---- what an index holds (wmindex --stats) ------------------------------ */

typedef struct wm_store_year_count {
    int year;
    unsigned long sessions;
} wm_store_year_count_t;

typedef struct wm_store_stats {
    char *schema_version;
    char *last_update;               /* UTC ISO 8601; "" when never written */
    unsigned long sessions;
    wm_store_source_t *sources;      /* sorted by path */
    size_t n_sources;
    wm_store_year_count_t *years;    /* sessions in the index per year, ascending; sessions
                                      * without a year are not counted */
    size_t n_years;
    wm_tally_t *tallies;             /* what the sources gave per year, summed over the sources
                                      * (the dumps a newer dump of their wiki superseded left
                                      * out), ascending; year 0: unknown */
    size_t n_tallies;
    char **pending_prunes;           /* collections marked and not yet pruned */
    size_t n_pending_prunes;
} wm_store_stats_t;

/* *stats is the caller's: free with wm_store_stats_free(). */
wm_store_status_t wm_store_get_stats(wm_store_t *store, wm_store_stats_t **stats);
void wm_store_stats_free(wm_store_stats_t *stats);

#ifdef __cplusplus
}
#endif

#endif
