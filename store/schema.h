/* The schema of the index and what the two halves of the store share:
 * store/store.cc (opening, errors), document.cc (documents), writer.cc
 * (writing), sources.cc (source records) and store/store_search.cc
 * (query parsing, searching).  Internal to store/: C++ only, never included
 * by the C programs.
 *
 * THE SCHEMA (users' version: doc/index-schema.md; bump SCHEMA_VERSION on
 * any change that makes an old index answer queries differently).
 *
 * Terms.  Free text goes through Xapian::TermGenerator with the English
 * stemmer (STEM_SOME: unstemmed terms with positions, plus Z-prefixed stems)
 * so phrases work and `quest`/omega/the bindings can search the index as is.
 * Before that, the text analysis of store/analysis.h, the same for queries:
 * folding (diacritics, ø ß æ đ ...), elisions split (l'information ->
 * l information), English and the session language's stopwords with
 * STOP_STEMMED (no Z stem, but the word with its position), word+ / word#
 * also as word, dma_buf also as dma and buf, and the stems of the session's own language (wdf
 * 0, no positions) besides the English ones, each written with the English
 * stem of its word ("Zwikidat wikidata", "ZSwikidat wikidata": a query
 * skips the sessions its English stem finds; analysis.h).  The folding's ICU data is a
 * table generated at build time (store/fold_table_gen.cc).
 *
 *   prefix    query field   kind       what
 *   (none)    (plain words) text       title, abstract, tracks, speakers'
 *                                      names and usernames, in that order,
 *                                      fields separated by a gap in positions;
 *                                      a title word counts twice (wdf 2,
 *                                      TITLE_WEIGHT)
 *   S         title:        text       the title
 *   A         -             text       each speaker's name and username
 *                                      (username '_' read as space); a gap
 *                                      between speakers so phrases stay
 *                                      within one name
 *   XSPEAKER  speaker:      exact      each speaker's name, username and code
 *                                      (an id within the event), normalised
 *                                      (see below)
 *   XE        -             text       the event's words ("wikimania", "2019"),
 *                                      then an export's acronym (its ids'
 *                                      prefix: "31c3"), with positions and no
 *                                      weight (wdf 0: event: is a filter)
 *   XEVENT    event:        exact      the event, normalised ("wikimania 2019")
 *   XSTATUS   status:       exact      the status, normalised (session.h's
 *                                      words); none when the source says nothing
 *   XTRACK    track:        exact      each track, normalised
 *   XT        (track:)      text       the words of each track, stemmed, no
 *                                      positions, no weight (wdf 0)
 *   XTYPE     type:         exact      the normalised session type
 *   L         lang:         exact      the language code, normalised
 *   Y         year:         exact      the year, e.g. "Y2019"
 *   Q         id:           exact      the session id, as is (unique key:
 *                                      put_session replaces by it)
 *   U         -             exact      the URL, as is
 *   P         -             exact      the source file path, as is
 *   XPNAME    -             exact      each speaker's folded name (people.cc:
 *                                      normalised, '_' as a space)
 *   XPUSER    -             exact      each speaker's folded username
 *   XPWORD    -             exact      each folded word of those two
 *                                      (people: a person is the sessions
 *                                      linked by XPUSER or XPNAME, found at
 *                                      query time; speaker: matches them all)
 *   XPSEED    -             exact      word TAB key: each folded word of a
 *                                      speaker's name or username with that
 *                                      key ('n' + folded name, 'u' + folded
 *                                      username): who a speaker: value names
 *   XPLINK    -             exact      key TAB key: a speaker's name key and
 *                                      username key, both ways: the links
 *                                      that make a person (people.cc)
 *   XLINK     -             exact      link keys of the talk (writer.cc, put):
 *                                      "code:<year>:<code>" when the page or
 *                                      export gives a pretalx/eventyay talk
 *                                      code, "title:<year>:<title key>" always
 *                                      (title key = normalised title, only
 *                                      letters and digits kept).  An on-wiki
 *                                      copy and the export of the same talk
 *                                      share one: put_session keeps ONE
 *                                      document for both (the export's, with
 *                                      the copy's translations), whatever
 *                                      the order they come in.  The search
 *                                      side needs to do nothing about it.
 *
 * "Normalised" = folded (analysis.h), lower-cased (Unicode), runs of white
 * space collapsed to one space, trimmed.  Because of that no exact term starts with a capital
 * letter, so no ':' is ever put between prefix and term ("XTRACKglam").
 * An exact term longer than Xapian's 245-byte limit is left out (the id is
 * the exception: a too-long id is an error).
 *
 * How the query fields work: `title:` is free text on S.  The others are
 * boolean filters (no weight) built by a FieldProcessor; request filters go
 * through the same function (field_filter()).  `speaker:v` matches v as a
 * phrase of A terms (so any part of a name or username, any case) OR the
 * exact XSPEAKER term, OR every session of the people v names (people.cc:
 * speakers linked by XPUSER/XPNAME, bounded work); `event:v` likewise on
 * XE and XEVENT.  `status:v` is
 * the XSTATUS term ("cancelled" read as "canceled"); `status:any` matches
 * every session.  `track:word` (one word) matches a track having the word
 * (the XT terms: folded, stemmed); `track:"several words"` the exact XTRACK
 * term.  `year:` takes 2019, 2019..2023, 2019.. or ..2023 (ranges run on the
 * year value slot).  ONE RULE FOR FILTERS: several values of one field are
 * ORed, different fields ANDed, in the query (`year:2019 year:2023`) and
 * in the request's option lists (`--year 2019 --year 2023`) alike.
 *
 * The default status policy (store_search.cc, add_filters): a search whose
 * query and request name no status leaves out the sessions whose status did
 * not take place (wm_status_took_place() false: submitted, rejected,
 * withdrawn, canceled).  It is an AND_NOT of those XSTATUS terms present in
 * the index, so quest or any Xapian reader can do the same; sessions with
 * no status, accepted or confirmed are always found.
 *
 * Values (slots):
 *   0  year         Xapian::sortable_serialise(year); absent when unknown
 *   1  title key    normalised title without leading punctuation (sorting)
 *   2  type         normalised type   (facets)
 *   3  language     normalised code   (facets)
 *   4  tracks       the tracks as written, separated by TAB (facets)
 *   5  speakers     the speakers' names as written, separated by TAB (facets)
 *   6  timestamp    the page revision's ISO 8601 timestamp as is (put_session
 *                   keeps the document with the newer one: "" = unknown)
 *   7  origin       "wiki" or "schedule" (which copy of a linked talk wins)
 *   8  source       the input file's path as given (with the timestamp: the
 *                   order of precedence, see writer.cc, index_has_newer)
 *   9  event        the event as written (facets)
 *   10 status       the normalised status (facets)
 *   11 usernames    the speakers' usernames, TAB-separated in the order of
 *                   slot 5 (empty where a speaker has none): people.cc
 *   12 speaker pairs each distinct speaker as name TAB username (username
 *                   empty when none), the pairs sorted and TAB-separated;
 *                   absent when slot 5 is.  The speaker facet counts it
 *                   with Xapian's ValueCountMatchSpy, which a remote shard
 *                   (stock xapian-tcpsrv) can run: people.cc joins the
 *                   people from the distinct values (store/shards.cc)
 *   13 oldest key   Xapian::sortable_serialise(-year); absent when the year
 *                   is unknown: sorted descending it is oldest first with
 *                   unknown years last, without a KeyMaker (which the
 *                   remote backend refuses)
 *   (a TAB inside a track or name is written as a space)
 *
 * Document data: omega's format, one name=value per line, a repeated name
 * is a list.  In values, backslash, newline, CR and TAB are written as
 * \\ \n \r \t.  Names: url caption(=title) sample(=start of the abstract, one
 * line) id year event status title type type_label duration track* language
 * speaker*(name[TAB username[TAB biography[TAB code[TAB affiliation[TAB raw]]]]])
 * translation* source
 * page timestamp code origin abstract.  Empty or unknown fields are left
 * out.  The speaker's code comes last so that readers of schema 4's three
 * parts still read the rest right.
 *
 * Metadata:
 *   wmsearch.schema              SCHEMA_VERSION
 *   wmsearch.updated             UTC ISO 8601 time of the last commit that changed something
 *   wmsearch.source:<key>        the record of one input file (sources.cc):
 *                                name=value lines path size mtime_ns fingerprint
 *                                collection dump_date indexed_at sessions complete
 *                                tally* (one a year: "<year> pages=N candidates=N
 *                                sessions=N <reason>=N...", reason = the words of
 *                                wm_reject_reason_name with '-' for spaces; year 0:
 *                                unknown; unknown names are skipped when read)
 *   wmsearch.source-ids:<key>    the ids of the sessions it gave, one per line (escaped)
 *   wmsearch.prune:<collection>  "1": the collection's sources changed and its
 *                                vanished sessions are still to be removed
 *   <key> is the absolute path, or "#" and a hash of it when the path is long.
 * Spelling data: the words of titles and abstracts (for "did you mean").
 */
#ifndef WM_STORE_SCHEMA_H
#define WM_STORE_SCHEMA_H

#include <xapian.h>

#include <functional>
#include <map>
#include <new>
#include <string>
#include <vector>

#include "archive/session.h"
#include "store/store.h"

// Names shared by the store's files; everything else in them is file-local.
namespace wmstore {

const char SCHEMA_KEY[] = "wmsearch.schema";
// 2: speaker names in slot 5; 3: link keys, slots 6-7; 4: slot 8 and the source records;
// 5: event and status (terms, slots 9-10, data), speaker codes, per-year tallies of sources;
// 7: people (XPNAME XPUSER XPWORD terms, slot 11, speaker affiliation and raw: people.cc) with
//    text analysis (folding, elisions, stopwords, stems of the session's language, XT track
//    words): two branches that each called theirs 6, merged
// 8: slots 12 (speaker pairs) and 13 (oldest key): facets and sorting that remote shards serve
// 9: title words weigh twice in the plain text (TITLE_WEIGHT), words joined by '_' indexed with
//    their parts, an export's acronym among the event words (XE), track words stemmed in the
//    session's language too (ZXT), a mark written apart after an ASCII letter folded
// 10: an own-language stem written with its word's English stem (analysis.h); people's seed
//    and link terms (XPSEED, XPLINK: speaker: reads no document to find a person)
const char SCHEMA_VERSION[] = "10";
// The wdf of a title word in the plain text (the S terms keep 1): what a
// known-item search types is a few words of the title (bench/relevance.py).
const Xapian::termcount TITLE_WEIGHT = 2;
const char UPDATED_KEY[] = "wmsearch.updated";
const char SOURCE_KEY[] = "wmsearch.source:";
const char SOURCE_IDS_KEY[] = "wmsearch.source-ids:";
const char PRUNE_KEY[] = "wmsearch.prune:";
const size_t MAX_TERM_BYTES = 245;
const size_t SAMPLE_BYTES = 300;
// A reader fails when two commits land while it reads; wmindex commits
// after each file, so a slow reader beside a run over many small files
// (or under a sanitizer) can need more than a few tries.
const int MODIFIED_RETRIES = 10;
const char ERROR_CONTEXT[] = "wmsearch";   // marks QueryParserErrors we made

enum field_id { F_TEXT, F_TITLE, F_SPEAKER_TEXT, F_SPEAKER, F_TRACK, F_TYPE, F_LANG,
                F_YEAR, F_ID, F_URL, F_SOURCE, F_LINK, F_EVENT_TEXT, F_EVENT, F_STATUS,
                F_TRACK_WORDS,
                F_PERSON_NAME, F_PERSON_USER, F_PERSON_WORD, F_PERSON_SEED, F_PERSON_LINK
                /* people: store/people.cc */ };

enum field_kind {
    KIND_TEXT,     // TermGenerator terms; a query field maps to add_prefix
    KIND_EXACT,    // one normalised boolean term per value
    KIND_VERBATIM, // one boolean term per value, as is
    KIND_NAME,     // filter: a phrase of the words field's terms OR the exact term
    KIND_TRACK,    // filter: one word: a word (stem) of the words field; more: the exact term
    KIND_YEAR,     // filter: Y term or a range on the year slot
    KIND_STATUS    // filter: the exact term, "any" for all; naming one turns the default policy off
};

struct field_spec {
    field_id id;
    const char *query_name;   // the user's prefix ("track"), NULL when not searchable by name
    const char *prefix;       // Xapian term prefix
    field_kind kind;
    field_id words;           // KIND_NAME, KIND_TRACK: the text field whose words match too
};

// The prefix table: indexing and query parsing both read it (in field_id order).
static const field_spec FIELDS[] = {
    {F_TEXT, NULL, "", KIND_TEXT, F_TEXT},
    {F_TITLE, "title", "S", KIND_TEXT, F_TEXT},
    {F_SPEAKER_TEXT, NULL, "A", KIND_TEXT, F_TEXT},
    {F_SPEAKER, "speaker", "XSPEAKER", KIND_NAME, F_SPEAKER_TEXT},
    {F_TRACK, "track", "XTRACK", KIND_TRACK, F_TRACK_WORDS},
    {F_TYPE, "type", "XTYPE", KIND_EXACT, F_TEXT},
    {F_LANG, "lang", "L", KIND_EXACT, F_TEXT},
    {F_YEAR, "year", "Y", KIND_YEAR, F_TEXT},
    {F_ID, "id", "Q", KIND_VERBATIM, F_TEXT},
    {F_URL, NULL, "U", KIND_VERBATIM, F_TEXT},
    {F_SOURCE, NULL, "P", KIND_VERBATIM, F_TEXT},
    {F_LINK, NULL, "XLINK", KIND_VERBATIM, F_TEXT},
    {F_EVENT_TEXT, NULL, "XE", KIND_TEXT, F_TEXT},
    {F_EVENT, "event", "XEVENT", KIND_NAME, F_EVENT_TEXT},
    {F_STATUS, "status", "XSTATUS", KIND_STATUS, F_TEXT},
    {F_TRACK_WORDS, NULL, "XT", KIND_TEXT, F_TEXT},
    // people (store/people.cc): folded keys, written as made (no query name)
    {F_PERSON_NAME, NULL, "XPNAME", KIND_VERBATIM, F_TEXT},
    {F_PERSON_USER, NULL, "XPUSER", KIND_VERBATIM, F_TEXT},
    {F_PERSON_WORD, NULL, "XPWORD", KIND_VERBATIM, F_TEXT},
    {F_PERSON_SEED, NULL, "XPSEED", KIND_VERBATIM, F_TEXT},
    {F_PERSON_LINK, NULL, "XPLINK", KIND_VERBATIM, F_TEXT},
};

enum value_slot { SLOT_YEAR = 0, SLOT_TITLE = 1, SLOT_TYPE = 2, SLOT_LANGUAGE = 3, SLOT_TRACKS = 4,
                  SLOT_SPEAKERS = 5, SLOT_TIMESTAMP = 6, SLOT_ORIGIN = 7, SLOT_SOURCE = 8,
                  SLOT_EVENT = 9, SLOT_STATUS = 10, SLOT_USERNAMES = 11, SLOT_SPEAKER_PAIRS = 12,
                  SLOT_OLDEST = 13 };

inline std::string prefix_of(field_id id) { return FIELDS[id].prefix; }

// An error of ours with its status, thrown inside and caught at the boundary.
struct store_failure {
    wm_store_status_t status;
    std::string message;
};

inline std::string str_or_empty(const char *s) { return s ? s : ""; }

// A 0/-1 allocation helper of archive/ (wm_session_add_*): -1 as std::bad_alloc.
inline void check_alloc(int rc)
{
    if (rc != 0)
        throw std::bad_alloc();
}

/* ---- document data (store/document.cc) ---- */
// Lower-case (Unicode), collapse white space, trim: the form of exact terms.
std::string normalise(const std::string &text);
// The words of text: its runs of word characters (Xapian's Unicode idea of one).
std::vector<std::string> words_of(const std::string &text);
// MediaWiki writes spaces in usernames as '_'.
std::string username_as_text(const char *username);
// A multi-valued field as one value: TAB between items (a TAB inside one is a space).
std::string join_with_tabs(const std::vector<std::string> &items);
// A value of the document data with backslash, newline, CR and TAB escaped, and back.
std::string escape_value(const std::string &value);
std::string unescape_value(const std::string &value);
// A session as document data (every field but amends), and a new session
// rebuilt from document data (caller frees).
std::string encode_session(const wm_session_t *s);
wm_session_t *decode_session(const std::string &data);
// A folded word of the plain text (the spelling data's form: "cafe") as the
// sessions having it write it, lower-case ("café"): the most common form
// among the first few; the word itself when they write it so or none has it.
std::string indexed_form(const Xapian::Database &db, const std::string &word);

// Words for the spelling data, with how often each occurs.
typedef std::vector<std::pair<std::string, Xapian::termcount>> spelling_words;

// A session's document before it meets the index: all but its id and link
// terms, which depend on what the index holds.
struct prepared_document {
    Xapian::Document doc;
    spelling_words spelling;
};
// Make s's document into made.  Needs no database: any thread may call it.
void prepare_document(prepared_document &made, const wm_session_t *s);

/* ---- opening and errors (store/store.cc) ---- */
// Call inside a catch block: the exception in flight as a status and a message.
wm_store_status_t describe_exception(const std::string &path, bool opening_to_read, std::string &message);
// The same, never throwing: the one mapping of an exception to a status
// (guarded, the writer thread, the opens).  When even describing it fails,
// WM_STORE_NO_MEMORY and an empty message.
wm_store_status_t status_of_exception(const std::string &path, bool opening_to_read,
                                      std::string &message) noexcept;
// Throw a store_failure unless store was opened for writing.
void ensure_writable(const wm_store_t *store);

/* ---- writing (store/writer.cc) ---- */
// The thread that writes queued sessions (wm_store_queue_session).
struct writer;
// A build in shards (store/build.cc, store/build.h).
struct shard_build;
// Wait until the writer thread has written everything queued; throw the
// failure of a queued job not reported yet.  Nothing to do without a writer.
void settle_writer(wm_store_t *store);
// Let the writer finish the queue and end (wm_store_close).
void stop_writer(wm_store_t *store);
// Add a put's outcome to tally (the writer thread's, a build's deferred puts).
void count_put(wm_store_tally_t &tally, wm_store_put_t outcome);
// Commit, stamping wmsearch.updated when documents changed (nothing when read-only).
void commit_changes(wm_store_t *store);
// Now as UTC ISO 8601, e.g. "2025-06-01T12:00:00Z".
std::string utc_now();

/* ---- people (store/people.cc) ---- */
// A name or username folded: normalised (which folds as store/analysis.h
// says: diacritics removed, ø ß æ đ as o ss ae d, elisions split), '_' as
// a space.  The form of person keys.
std::string person_fold(const std::string &text);
// The people terms (XPNAME, XPUSER, XPWORD, XPSEED, XPLINK) and slot 11 of a session.
void index_people(Xapian::Document &doc, const wm_session_t *s);
// speaker:value widened to the people it names: every session of anyone
// whose name or username value matches (bounded work; MatchNothing when
// nobody).  Never throws: a failure gives MatchNothing.
Xapian::Query people_query(const Xapian::Database &db, const std::string &value);
// The speaker facet grouped by person, from the distinct values of slot 12
// among the matches and how many matches have each (a ValueCountMatchSpy's).
void fill_people_facet(wm_facet_counts_t &out, const std::map<std::string, Xapian::doccount> &pair_values);
// The request's filters and the default status policy on query (store_search.cc).
Xapian::Query filtered(const Xapian::Database &db, const Xapian::Query &query,
                       const wm_search_request_t *request);
// enquire's matches of query (enquire's query), as Enquire::get_mset, with
// store_search.cc's way around a Xapian 1.4.22 bug of weightless queries;
// before_retry (may be empty) resets match spies before the second try.
Xapian::MSet get_mset_of(Xapian::Enquire &enquire, const Xapian::Query &query, Xapian::doccount first,
                         Xapian::doccount most, Xapian::doccount check = 0,
                         const std::function<void()> &before_retry = std::function<void()>());
/* ---- end of people ---- */

/* ---- shards (store/shards.cc) ---- */
// One index directory opened for reading, its schema checked; retried while
// a writer changes it, or when it became an index during the open.
Xapian::Database open_index(const std::string &path);
// Whether path is a glass database directory (store.cc).
bool looks_like_an_index(const std::string &path);
// Refuse an index of another schema version (store_failure naming path).
void check_schema(const Xapian::Database &db, const std::string &path);
// Slots 12 and 13 of a session (see the schema above).
void index_shard_values(Xapian::Document &doc, const wm_session_t *s);
// Throw a store_failure when path is a file (a stub database file names
// shards; wmindex writes one index, in a directory).
void refuse_file_for_writing(const std::string &path);
/* ---- end of shards ---- */

}  // namespace wmstore

struct wm_store {
    std::string path;
    bool writable = false;
    Xapian::WritableDatabase wdb;
    Xapian::Database db;      // the same database as wdb when writable
    std::string error;
    bool changed = false;     // documents written since the last commit (for wmsearch.updated)
    bool source_open = false; // between wm_store_source_begin and _finish
    std::string source_ids;   // ids of the sessions put since begin, escaped, a line each
                              // (one string: 20 bytes an id, not 64 as strings in a vector)
    wmstore::writer *writer = nullptr;     // started by the first wm_store_queue_session
    wmstore::shard_build *build = nullptr; // shards being written (store/build.cc), else NULL
    bool compact_at_finish = false;        // a fresh index written in place (store/build.cc)
    bool prepare_in_writer = false;        // a shard's writer thread makes the documents too
    std::vector<std::string> remotes;      // the remote shards searched ("HOST:PORT"), for messages
};

namespace wmstore {

// Run body on the handle, turning any exception into a status and the
// handle's message.  First wait for the writer thread, so that every call
// sees what was queued before it; not when body queues (wait false).
template <typename Body>
wm_store_status_t guarded(wm_store_t *store, Body body, bool wait = true)
{
    if (!store)
        return WM_STORE_ERROR;
    try {
        store->error.clear();
        if (wait)
            settle_writer(store);
        body();
        return WM_STORE_OK;
    } catch (...) {
        std::string message;
        wm_store_status_t status = status_of_exception(store->path, false, message);
        store->error.swap(message);   // no allocation: cannot fail
        return status;
    }
}

// Readers see a snapshot; a writer's commit can outdate it: reopen and retry.
template <typename Body>
void retrying(Xapian::Database &db, Body body)
{
    for (int attempt = 0;; attempt++) {
        try {
            return body();
        } catch (const Xapian::DatabaseModifiedError &) {
            if (attempt == MODIFIED_RETRIES)
                throw;
            db.reopen();
        }
    }
}

}  // namespace wmstore

#endif
