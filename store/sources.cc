/* Sources, prune and stats: what the index was built from (a record per
 * file read, for incremental runs), removing sessions that vanished from a
 * wiki's newest dump, and wm_store_get_stats. */
#include <xapian.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <new>
#include <string>
#include <string_view>
#include <vector>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "archive/session.h"
#include "common/util.h"
#include "store/store.h"
#include "store/schema.h"
#include "store/build.h"

using namespace wmstore;

/* ---- sources: what the index was built from (incremental runs) ---------
 *
 * Each input file read is recorded in the metadata (schema.h lists the
 * keys): its identity, so that an unchanged file is not read again, and the
 * ids of the sessions it gave, so that sessions which vanished from a wiki's
 * newest dump can be removed (store.h says what "newest dump" means).  A
 * record is written in the same commit that ends the file's indexing: a file
 * whose indexing was interrupted is never recorded as read. */

namespace {

const size_t HASH_BLOCK = 64 * 1024;
const size_t MAX_KEY_SUFFIX = 200;   // Xapian metadata keys stay short (well under 245 bytes)

// FNV-1a, 64 bits: not cryptographic; it only has to notice a changed file.
struct fnv64 {
    uint64_t value = 14695981039346656037ULL;
    void add(const void *data, size_t len)
    {
        const unsigned char *p = static_cast<const unsigned char *>(data);
        for (size_t i = 0; i < len; i++)
            value = (value ^ p[i]) * 1099511628211ULL;
    }
    void add(const std::string &text) { add(text.data(), text.size()); }
    std::string hex() const
    {
        char text[17];
        snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(value));
        return text;
    }
};

// len bytes of the file at offset into h (short reads retried).
void hash_block(int fd, uint64_t offset, size_t len, fnv64 &h, const std::string &path)
{
    std::vector<char> buf(len);
    size_t got = 0;
    while (got < len) {
        ssize_t n = pread(fd, buf.data() + got, len - got, static_cast<off_t>(offset + got));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            throw store_failure{WM_STORE_ERROR, path + ": " + strerror(errno)};
        if (n == 0)
            break;   // the file shrank: the hash will differ next time anyway
        got += static_cast<size_t>(n);
    }
    h.add(buf.data(), got);
}

// The size and the first and last 64 KiB (the whole of a small file).  A
// gzip or bzip2 file ends with a CRC of all its content, so for compressed
// dumps this notices any change.
std::string fingerprint_of(int fd, uint64_t size, const std::string &path)
{
    fnv64 h;
    h.add(std::to_string(size) + "\n");
    if (size <= 2 * HASH_BLOCK) {
        hash_block(fd, 0, size, h, path);
    } else {
        hash_block(fd, 0, HASH_BLOCK, h, path);
        hash_block(fd, size - HASH_BLOCK, HASH_BLOCK, h, path);
    }
    return h.hex();
}

struct source_record {
    std::string path, fingerprint, collection, dump_date, indexed_at;
    unsigned long long size = 0;
    long long mtime_ns = 0;
    unsigned long sessions = 0;
    bool complete = false;
    std::vector<wm_tally_t> tallies;   // one a year, ascending
};

/* ---- per-year tallies in records ---- */

// A reject reason in a record: its words with '-' for spaces ("listing-page").
std::string reason_key(int reason)
{
    std::string key = wm_reject_reason_name(static_cast<wm_reject_reason_t>(reason));
    std::replace(key.begin(), key.end(), ' ', '-');
    return key;
}

// "2019 pages=61 candidates=61 sessions=58 candidate-without-fields=2"
std::string encode_tally(const wm_tally_t &t)
{
    std::string text = std::to_string(t.year) + " pages=" + std::to_string(t.pages) +
                       " candidates=" + std::to_string(t.candidates) + " sessions=" + std::to_string(t.sessions);
    for (int r = 0; r < WM_REJECT_REASON_COUNT; r++)
        if (t.rejected[r])
            text += " " + reason_key(r) + "=" + std::to_string(t.rejected[r]);
    return text;
}

// Names this build does not know (a later one's reasons) are skipped.
wm_tally_t decode_tally(const std::string &text)
{
    wm_tally_t t = {};
    t.year = std::atoi(text.c_str());
    for (size_t start = text.find(' '); start != std::string::npos;) {
        size_t end = text.find(' ', start + 1);
        std::string item = text.substr(start + 1, end == std::string::npos ? end : end - start - 1);
        start = end;
        size_t eq = item.find('=');
        if (eq == std::string::npos)
            continue;
        std::string name = item.substr(0, eq);
        unsigned long n = std::strtoul(item.c_str() + eq + 1, NULL, 10);
        if (name == "pages") t.pages = n;
        else if (name == "candidates") t.candidates = n;
        else if (name == "sessions") t.sessions = n;
        for (int r = 0; r < WM_REJECT_REASON_COUNT; r++)
            if (name == reason_key(r))
                t.rejected[r] = n;
    }
    return t;
}

// Add t into the list of tallies by year (kept ascending).
void add_tally(std::vector<wm_tally_t> &tallies, const wm_tally_t &t)
{
    auto at = std::lower_bound(tallies.begin(), tallies.end(), t.year,
                               [](const wm_tally_t &a, int year) { return a.year < year; });
    if (at == tallies.end() || at->year != t.year) {
        tallies.insert(at, t);
        return;
    }
    at->pages += t.pages;
    at->candidates += t.candidates;
    at->sessions += t.sessions;
    for (int r = 0; r < WM_REJECT_REASON_COUNT; r++)
        at->rejected[r] += t.rejected[r];
}

std::string key_suffix(const std::string &path)
{
    if (path.size() <= MAX_KEY_SUFFIX)
        return path;
    fnv64 h;
    h.add(path);
    return "#" + h.hex();
}

std::string encode_record(const source_record &r)
{
    std::string text;
    auto line = [&](const char *name, const std::string &value) {
        text += std::string(name) + "=" + escape_value(value) + "\n";
    };
    line("path", r.path);
    line("size", std::to_string(r.size));
    line("mtime_ns", std::to_string(r.mtime_ns));
    line("fingerprint", r.fingerprint);
    line("collection", r.collection);
    line("dump_date", r.dump_date);
    line("indexed_at", r.indexed_at);
    line("sessions", std::to_string(r.sessions));
    line("complete", r.complete ? "1" : "0");
    for (const wm_tally_t &t : r.tallies)
        line("tally", encode_tally(t));
    return text;
}

source_record decode_record(const std::string &text)
{
    source_record r;
    size_t start = 0;
    while (start < text.size()) {
        size_t end = text.find('\n', start);
        if (end == std::string::npos)
            end = text.size();
        size_t eq = text.find('=', start);
        if (eq < end) {
            std::string name = text.substr(start, eq - start);
            std::string value = unescape_value(text.substr(eq + 1, end - eq - 1));
            if (name == "path") r.path = value;
            else if (name == "size") r.size = std::strtoull(value.c_str(), NULL, 10);
            else if (name == "mtime_ns") r.mtime_ns = std::strtoll(value.c_str(), NULL, 10);
            else if (name == "fingerprint") r.fingerprint = value;
            else if (name == "collection") r.collection = value;
            else if (name == "dump_date") r.dump_date = value;
            else if (name == "indexed_at") r.indexed_at = value;
            else if (name == "sessions") r.sessions = std::strtoul(value.c_str(), NULL, 10);
            else if (name == "complete") r.complete = value == "1";
            else if (name == "tally") add_tally(r.tallies, decode_tally(value));
        }
        start = end + 1;
    }
    return r;
}

// Every record, keyed as stored (the suffix after SOURCE_KEY).
std::vector<std::pair<std::string, source_record>> all_records(Xapian::Database &db)
{
    std::vector<std::pair<std::string, source_record>> records;
    const std::string prefix = SOURCE_KEY;
    for (auto it = db.metadata_keys_begin(prefix); it != db.metadata_keys_end(prefix); ++it)
        records.emplace_back((*it).substr(prefix.size()), decode_record(db.get_metadata(*it)));
    return records;
}

// The lines of text (each ended by a newline), sorted, each once.
std::vector<std::string_view> unique_lines(const std::string &text)
{
    std::vector<std::string_view> lines;
    for (size_t start = 0; start < text.size();) {
        size_t end = text.find('\n', start);
        if (end == std::string::npos)
            end = text.size();
        lines.emplace_back(text.data() + start, end - start);
        start = end + 1;
    }
    std::sort(lines.begin(), lines.end());
    lines.erase(std::unique(lines.begin(), lines.end()), lines.end());
    return lines;
}

bool all_digits(const std::string &text, size_t from, size_t len)
{
    if (from + len > text.size())
        return false;
    for (size_t i = from; i < from + len; i++)
        if (!std::isdigit(static_cast<unsigned char>(text[i])))
            return false;
    return true;
}

// The date of a dump named the Wikimedia way, "<dbname>-YYYYMMDD-..." or
// "<dbname>-YYYYMMDD.", as "YYYY-MM-DD"; "" for any other name.  Only such
// files are dumps of the whole wiki as of a date: a Special:Export download
// or a piece holds some pages only, and its date says nothing of the others.
std::string dump_date_of(const std::string &path, const std::string &dbname)
{
    size_t slash = path.rfind('/');
    std::string name = path.substr(slash == std::string::npos ? 0 : slash + 1);
    size_t at = dbname.size() + 1;
    if (dbname.empty() || name.compare(0, at, dbname + "-") != 0 || !all_digits(name, at, 8) ||
        name.size() == at + 8 || (name[at + 8] != '-' && name[at + 8] != '.'))
        return "";
    std::string date = name.substr(at, 4) + "-" + name.substr(at + 4, 2) + "-" + name.substr(at + 6, 2);
    int month = std::atoi(date.substr(5, 2).c_str()), day = std::atoi(date.substr(8, 2).c_str());
    return month >= 1 && month <= 12 && day >= 1 && day <= 31 ? date : "";
}

// The session ids' collection: the part before the first ':'.
std::string collection_of_id(const std::string &id)
{
    size_t colon = id.find(':');
    return colon == std::string::npos ? "" : id.substr(0, colon);
}

void mark_for_pruning(wm_store_t *store, const std::string &collection)
{
    if (!collection.empty() && collection.size() <= MAX_KEY_SUFFIX)
        store->wdb.set_metadata(PRUNE_KEY + collection, "1");
}

void set_string(char **field, const std::string &value)
{
    check_alloc(wm_session_set(field, value.c_str()));
}

// Fill a zeroed source from r (on failure the strings set so far stay for the caller to free).
void fill_source(wm_store_source_t *source, const source_record &r)
{
    set_string(&source->path, r.path);
    set_string(&source->fingerprint, r.fingerprint);
    set_string(&source->collection, r.collection);
    set_string(&source->dump_date, r.dump_date);
    set_string(&source->indexed_at, r.indexed_at);
    source->size = r.size;
    source->mtime_ns = r.mtime_ns;
    source->sessions = r.sessions;
    source->complete = r.complete;
    if (r.tallies.empty())
        return;
    source->tallies = static_cast<wm_tally_t *>(calloc(r.tallies.size(), sizeof *source->tallies));
    if (!source->tallies)
        throw std::bad_alloc();
    std::copy(r.tallies.begin(), r.tallies.end(), source->tallies);
    source->n_tallies = r.tallies.size();
}

void free_source_fields(wm_store_source_t *source)
{
    free(source->path);
    free(source->fingerprint);
    free(source->collection);
    free(source->dump_date);
    free(source->indexed_at);
    free(source->tallies);
}

wm_store_source_t *new_source(const source_record &r)
{
    wm_store_source_t *source = static_cast<wm_store_source_t *>(calloc(1, sizeof *source));
    if (!source)
        throw std::bad_alloc();
    try {
        fill_source(source, r);
    } catch (...) {
        free_source_fields(source);
        free(source);
        throw;
    }
    return source;
}

template <typename T>
T *zeroed_array(size_t n)
{
    T *array = static_cast<T *>(calloc(n ? n : 1, sizeof(T)));
    if (!array)
        throw std::bad_alloc();
    return array;
}

// The date of collection c's newest dump read to its end ("" when it has none).
std::string newest_dump(const std::vector<std::pair<std::string, source_record>> &records, const std::string &c)
{
    std::string newest;
    for (const auto &entry : records)
        if (entry.second.collection == c && entry.second.complete)
            newest = std::max(newest, entry.second.dump_date);
    return newest;
}

// A dated dump older than its wiki's newest (newest: newest_dump() of its
// collection): what it gave is no longer in the index.  A dump that failed
// part-way supersedes nothing, so only complete ones count as newest.
bool superseded(const source_record &r, const std::string &newest)
{
    return r.complete && !r.dump_date.empty() && r.dump_date < newest;
}

// Everything wm_store_get_stats reports, from one snapshot of db.
void fill_stats(Xapian::Database &db, wm_store_stats_t *stats)
{
    set_string(&stats->schema_version, db.get_metadata(SCHEMA_KEY));
    set_string(&stats->last_update, db.get_metadata(UPDATED_KEY));
    stats->sessions = db.get_doccount();
    auto records = all_records(db);
    std::sort(records.begin(), records.end(),
              [](const auto &a, const auto &b) { return a.second.path < b.second.path; });
    stats->sources = zeroed_array<wm_store_source_t>(records.size());
    for (const auto &entry : records)
        fill_source(&stats->sources[stats->n_sources++], entry.second);
    std::vector<wm_tally_t> tallies;
    for (const auto &entry : records)
        if (!superseded(entry.second, newest_dump(records, entry.second.collection)))
            for (const wm_tally_t &t : entry.second.tallies)
                add_tally(tallies, t);
    stats->tallies = zeroed_array<wm_tally_t>(tallies.size());
    std::copy(tallies.begin(), tallies.end(), stats->tallies);
    stats->n_tallies = tallies.size();
    const std::string year = prefix_of(F_YEAR);
    std::vector<wm_store_year_count_t> years;
    for (auto it = db.allterms_begin(year); it != db.allterms_end(year); ++it)
        if (all_digits(*it, year.size(), (*it).size() - year.size()))
            years.push_back({std::atoi((*it).c_str() + year.size()), it.get_termfreq()});
    std::sort(years.begin(), years.end(), [](const auto &a, const auto &b) { return a.year < b.year; });
    stats->years = zeroed_array<wm_store_year_count_t>(years.size());
    std::copy(years.begin(), years.end(), stats->years);
    stats->n_years = years.size();
    const std::string prune = PRUNE_KEY;
    std::vector<std::string> pending;
    for (auto it = db.metadata_keys_begin(prune); it != db.metadata_keys_end(prune); ++it)
        pending.push_back((*it).substr(prune.size()));
    stats->pending_prunes = zeroed_array<char *>(pending.size());
    for (const std::string &collection : pending)
        set_string(&stats->pending_prunes[stats->n_pending_prunes++], collection);
}

source_record identify(const std::string &given)
{
    source_record r;
    struct stat st;
    if (stat(given.c_str(), &st) != 0)
        throw store_failure{WM_STORE_NOT_FOUND, given + ": " + strerror(errno)};
    char *absolute = realpath(given.c_str(), NULL);
    r.path = absolute ? absolute : given;
    free(absolute);
    r.mtime_ns = static_cast<long long>(st.st_mtim.tv_sec) * 1000000000LL + st.st_mtim.tv_nsec;
    if (!S_ISREG(st.st_mode))   // a pipe: no fingerprint, so never "unchanged" (its ids still count)
        return r;
    int fd = open(given.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        throw store_failure{WM_STORE_ERROR, given + ": " + strerror(errno)};
    try {
        r.size = static_cast<unsigned long long>(st.st_size);
        r.fingerprint = fingerprint_of(fd, r.size, given);
    } catch (...) {
        close(fd);
        throw;
    }
    close(fd);
    return r;
}

// The ids to keep in collection c: those of every recorded source of c
// except the dated dumps older than its newest dated dump (complete ones:
// a dump that failed part-way supersedes nothing and keeps what it gave).
// A session that no source (still) gives is not kept.  The lists are read
// as stored and looked at in place: a 100,000-id list is 2 MB of text,
// not 100,000 strings.
class kept_ids {
    std::vector<std::string> texts;     // the sources' lists as stored
    std::deque<std::string> unescaped;  // the rare ids whose stored form is escaped
    std::vector<std::string_view> ids;  // sorted

public:
    kept_ids(Xapian::Database &db, const std::vector<std::pair<std::string, source_record>> &records,
             const std::string &c)
    {
        const std::string newest = newest_dump(records, c);
        for (const auto &entry : records) {
            const source_record &r = entry.second;
            if (r.collection != c || superseded(r, newest))
                continue;
            texts.push_back(db.get_metadata(SOURCE_IDS_KEY + entry.first));
        }
        for (const std::string &text : texts)
            for (std::string_view line : unique_lines(text)) {
                if (line.find('\\') != std::string_view::npos) {
                    unescaped.push_back(unescape_value(std::string(line)));
                    line = unescaped.back();
                }
                ids.push_back(line);
            }
        std::sort(ids.begin(), ids.end());
    }
    bool has(std::string_view id) const { return std::binary_search(ids.begin(), ids.end(), id); }
};

// Delete the documents of collection c whose ids are not kept.
unsigned long remove_vanished(wm_store_t *store, const std::string &c, const kept_ids &keep)
{
    const std::string prefix = prefix_of(F_ID) + c + ":";
    std::vector<std::string> doomed;
    for (auto it = store->wdb.allterms_begin(prefix); it != store->wdb.allterms_end(prefix); ++it)
        if (!keep.has(std::string_view(*it).substr(prefix_of(F_ID).size())))
            doomed.push_back(*it);
    for (const std::string &term : doomed)
        store->wdb.delete_document(term);
    return doomed.size();
}

}  // namespace

extern "C" {

wm_store_status_t wm_store_source_identify(const char *path, wm_store_source_t **source, char **message)
{
    *source = NULL;
    if (message)
        *message = NULL;
    std::string text;
    wm_store_status_t status;
    try {
        *source = new_source(identify(str_or_empty(path)));
        return WM_STORE_OK;
    } catch (...) {
        status = status_of_exception(str_or_empty(path), false, text);
    }
    if (message)
        *message = strdup(text.c_str());
    return status;
}

void wm_store_source_free(wm_store_source_t *source)
{
    if (!source)
        return;
    free_source_fields(source);
    free(source);
}

wm_store_status_t wm_store_source_unchanged(wm_store_t *store, const wm_store_source_t *identity,
                                            bool *unchanged)
{
    if (store && store->build)
        return build_source_unchanged(store, identity, unchanged);
    return guarded(store, [&] {
        *unchanged = false;
        retrying(store->db, [&] {
            std::string text = store->db.get_metadata(SOURCE_KEY + key_suffix(str_or_empty(identity->path)));
            if (text.empty())
                return;
            source_record r = decode_record(text);
            *unchanged = r.complete && !r.fingerprint.empty() && r.path == identity->path &&
                         r.size == identity->size &&
                         r.mtime_ns == identity->mtime_ns && r.fingerprint == str_or_empty(identity->fingerprint);
        });
    });
}

wm_store_status_t wm_store_source_begin(wm_store_t *store)
{
    if (store && store->build)
        return build_source_begin(store);
    return guarded(store, [&] {
        store->source_ids.clear();
        store->source_open = true;
    });
}

wm_store_status_t wm_store_source_finish(wm_store_t *store, const wm_store_source_t *identity,
                                         bool complete, const char *dbname,
                                         const wm_tally_t *tallies, size_t n_tallies)
{
    if (store && store->build)
        return build_source_finish(store, identity, complete, dbname, tallies, n_tallies);
    return guarded(store, [&] {
        ensure_writable(store);
        std::vector<std::string_view> ids = unique_lines(store->source_ids);
        source_record r;
        r.path = str_or_empty(identity->path);
        r.size = identity->size;
        r.mtime_ns = identity->mtime_ns;
        r.fingerprint = str_or_empty(identity->fingerprint);
        r.collection = dbname && *dbname ? dbname
                       : ids.empty()     ? ""
                                         : collection_of_id(unescape_value(std::string(ids.front())));
        r.dump_date = dbname ? dump_date_of(r.path, dbname) : "";
        r.indexed_at = utc_now();
        r.sessions = ids.size();
        r.complete = complete;
        for (size_t i = 0; tallies && i < n_tallies; i++)
            add_tally(r.tallies, tallies[i]);
        std::string ids_text;
        ids_text.reserve(store->source_ids.size());
        for (std::string_view id : ids)
            (ids_text += id) += '\n';
        std::vector<std::string_view>().swap(ids);   // the list once in memory, not three times
        std::string().swap(store->source_ids);
        const std::string suffix = key_suffix(r.path);
        std::string old = store->wdb.get_metadata(SOURCE_KEY + suffix);
        if (!old.empty())   // the file changed: its old collection may have lost sessions
            mark_for_pruning(store, decode_record(old).collection);
        store->wdb.set_metadata(SOURCE_KEY + suffix, encode_record(r));
        store->wdb.set_metadata(SOURCE_IDS_KEY + suffix, ids_text);
        mark_for_pruning(store, r.collection);
        store->changed = true;
        commit_changes(store);
        store->source_open = false;
    });
}

wm_store_status_t wm_store_prune(wm_store_t *store, unsigned long *removed)
{
    if (store && store->build)
        return build_prune(store, removed);
    unsigned long total = 0;
    wm_store_status_t status = guarded(store, [&] {
        ensure_writable(store);
        const std::string prefix = PRUNE_KEY;
        std::vector<std::string> marked;
        for (auto it = store->wdb.metadata_keys_begin(prefix); it != store->wdb.metadata_keys_end(prefix); ++it)
            marked.push_back(*it);
        if (marked.empty())
            return;
        auto records = all_records(store->db);
        for (const std::string &key : marked) {
            std::string collection = key.substr(prefix.size());
            total += remove_vanished(store, collection, kept_ids(store->db, records, collection));
            store->wdb.set_metadata(key, "");   // an empty value deletes the entry
        }
        store->changed = store->changed || total > 0;
        commit_changes(store);
    });
    if (removed)
        *removed = total;
    return status;
}

wm_store_status_t wm_store_get_stats(wm_store_t *store, wm_store_stats_t **out)
{
    *out = NULL;
    wm_store_stats_t *stats = static_cast<wm_store_stats_t *>(calloc(1, sizeof *stats));
    if (!stats)
        return WM_STORE_NO_MEMORY;
    wm_store_status_t status = guarded(store, [&] {
        retrying(store->db, [&] {
            wm_store_stats_free(stats);
            stats = static_cast<wm_store_stats_t *>(calloc(1, sizeof *stats));
            if (!stats)
                throw std::bad_alloc();
            fill_stats(store->db, stats);
        });
    });
    if (status != WM_STORE_OK) {
        wm_store_stats_free(stats);
        return status;
    }
    *out = stats;
    return WM_STORE_OK;
}

void wm_store_stats_free(wm_store_stats_t *stats)
{
    if (!stats)
        return;
    free(stats->schema_version);
    free(stats->last_update);
    for (size_t i = 0; i < stats->n_sources; i++)
        free_source_fields(&stats->sources[i]);
    free(stats->sources);
    free(stats->years);
    free(stats->tallies);
    for (size_t i = 0; i < stats->n_pending_prunes; i++)
        free(stats->pending_prunes[i]);
    free(stats->pending_prunes);
    free(stats);
}

}  // extern "C"
