/* The index: store/store.h implemented over Xapian 1.4.  This file opens
 * and closes a handle and maps errors to statuses; the rest is by concern:
 * document.cc (a session as a document and back), writer.cc (putting
 * sessions, the writer thread), sources.cc (source records, prune, stats),
 * store_search.cc (searching), build.cc and shards.cc (several indexes);
 * store/schema.h is the schema they all follow and their internal header.
 * No exception leaves the store: every exported function catches at the
 * boundary and turns the error into a status plus a message. */
#include <xapian.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string>

#include <ftw.h>
#include <sys/stat.h>
#include <dirent.h>
#include <unistd.h>

#include "archive/session.h"
#include "common/util.h"
#include "store/store.h"
#include "store/store_testing.h"
#include "store/schema.h"
#include "store/build.h"

using namespace wmstore;

/* ---- errors at the boundary ------------------------------------------ */

// Xapian's glass backend marks a database directory with "iamglass": when it
// is there but the database cannot be opened, the index is damaged, not absent.
bool wmstore::looks_like_an_index(const std::string &path)
{
    struct stat st;
    return stat((path + "/iamglass").c_str(), &st) == 0;
}

namespace {

// A directory holding files that are neither an index nor what Xapian leaves
// while making one (flintlock, *.glass, iamglass*, *.tmp): someone else's directory,
// which `-d` must not fill with an index.  A missing or empty one is fine.
bool foreign_directory(const std::string &path)
{
    if (looks_like_an_index(path))
        return false;
    DIR *dir = opendir(path.c_str());
    if (!dir)
        return false;
    bool foreign = false;
    while (const struct dirent *entry = readdir(dir)) {
        std::string_view name = entry->d_name;
        auto ends_with = [&name](std::string_view end) {
            return name.size() > end.size() && name.substr(name.size() - end.size()) == end;
        };
        // v.tmp: the version file glass writes before it renames it to iamglass
        bool ours = name == "." || name == ".." || name == "flintlock" || name.substr(0, 8) == "iamglass" ||
                    ends_with(".glass") || ends_with(".tmp");
        if (!ours) {
            foreign = true;
            break;
        }
    }
    closedir(dir);
    return foreign;
}

std::string not_an_index(const std::string &path, bool reading)
{
    return path + " is not a wmsearch index: the directory holds other files" +
           (reading ? " (run wmindex -d with a new or empty directory)" : " (give -d a new or empty directory)");
}

}  // namespace

wm_store_status_t wmstore::describe_exception(const std::string &path, bool opening_to_read, std::string &message)
{
    try {
        throw;
    } catch (const store_failure &e) {
        message = e.message;
        return e.status;
    } catch (const Xapian::DatabaseLockError &) {
        message = "index " + path + " is being updated by another wmindex";
        return WM_STORE_LOCKED;
    } catch (const Xapian::DatabaseVersionError &e) {
        message = "index " + path + " was made by an incompatible Xapian: " + e.get_msg() +
                  "; run `wmindex --rebuild`";
        return WM_STORE_ERROR;
    } catch (const Xapian::DatabaseOpeningError &e) {   // includes DatabaseNotFoundError
        if (looks_like_an_index(path)) {
            message = "index " + path + " is damaged (" + e.get_msg() + "): run `wmindex --rebuild`";
            return WM_STORE_CORRUPT;
        }
        if (opening_to_read && foreign_directory(path)) {
            message = not_an_index(path, true);
            return WM_STORE_NOT_FOUND;
        }
        if (opening_to_read) {
            message = "no index at " + path + ": run wmindex first";
            return WM_STORE_NOT_FOUND;
        }
        message = "cannot open index " + path + ": " + e.get_msg();
        return WM_STORE_ERROR;
    } catch (const Xapian::DatabaseCorruptError &e) {
        message = "index " + path + " is corrupt (" + e.get_msg() + "): run `wmindex --rebuild`";
        return WM_STORE_CORRUPT;
    } catch (const Xapian::DatabaseModifiedError &) {
        message = "index " + path + " kept changing while it was read: try again";
        return WM_STORE_MODIFIED;
    } catch (const Xapian::DatabaseError &e) {
        // The system refused a read or write ("Error writing block 32" with
        // "No space left on device"): the disk, not the files, is at fault.
        const char *system_error = e.get_error_string();
        if (system_error && *system_error) {
            message = "index " + path + ": " + e.get_msg() + " (" + system_error + ")";
            return WM_STORE_ERROR;
        }
        // Any other database error while reading our own files ("EOF reading
        // block 0" from a truncated table) means the files are damaged.
        message = "index " + path + " is damaged (" + e.get_msg() + "): run `wmindex --rebuild`";
        return WM_STORE_CORRUPT;
    } catch (const Xapian::QueryParserError &e) {
        message = "cannot parse the query: " + e.get_msg();
        return WM_STORE_QUERY_SYNTAX;
    } catch (const Xapian::Error &e) {
        message = "index " + path + ": " + e.get_description();
        return WM_STORE_ERROR;
    } catch (const std::bad_alloc &) {
        message = "out of memory";
        return WM_STORE_NO_MEMORY;
    } catch (const std::exception &e) {
        message = "index " + path + ": " + e.what();
        return WM_STORE_ERROR;
    } catch (...) {
        message = "index " + path + ": unknown error";
        return WM_STORE_ERROR;
    }
}

wm_store_status_t wmstore::status_of_exception(const std::string &path, bool opening_to_read,
                                               std::string &message) noexcept
{
    try {
        return describe_exception(path, opening_to_read, message);
    } catch (...) {
        message.clear();   // no memory even for the message
        return WM_STORE_NO_MEMORY;
    }
}

void wmstore::ensure_writable(const wm_store_t *store)
{
    if (!store->writable)
        throw store_failure{WM_STORE_ERROR, "index " + store->path + " was opened read-only"};
}

namespace {

/* ---- opening -------------------------------------------------------- */

// mkdir -p
void make_directories(const std::string &path)
{
    for (size_t slash = path.find('/', 1);; slash = path.find('/', slash + 1)) {
        std::string dir = path.substr(0, slash);
        if (mkdir(dir.c_str(), 0777) != 0 && errno != EEXIST)
            throw store_failure{WM_STORE_ERROR, "cannot create directory " + dir + ": " + strerror(errno)};
        if (slash == std::string::npos)
            return;
    }
}

// Xapian buffers this many documents before writing them out (its default
// is 10000, or until a commit).  Its buffers are trees keyed by term and
// docid: with positions, thousands of documents take 50-150 MB and every
// insert misses the cache.  At 500, indexing takes 1.6x less CPU than at
// 2000 or more, and memory stays flat whatever the corpus (bench/README.md).
// Xapian reads the setting only from the environment; a value the user set wins.
const char FLUSH_THRESHOLD[] = "500";

// A shard of a build (store/build.cc) is temporary: a crash loses it
// whatever happens, so it is written without fsync and in place, not copy on
// write (DB_DANGEROUS: no reader ever opens it while it is written), in
// blocks of 32 KB instead of 8 KB (the merge writes the index in 8 KB blocks).
// At 100,000 sessions, --jobs 2 (one run each, bench/README.md): 51.6 s
// plain, 45.5 s in place, 35.0 s with 16 KB blocks, 33.3 s with 32 KB blocks
// in place (CPU 67.5 -> 59.5 s); the in-place writer of --jobs 1 gains nothing
// from larger blocks (58.1 against 58.6 s) and keeps its crash safety.
const int SHARD_FLAGS = Xapian::DB_CREATE_OR_OVERWRITE | Xapian::DB_NO_SYNC | Xapian::DB_DANGEROUS;
const unsigned SHARD_BLOCK_SIZE = 32768;

}  // namespace

// The index as it is, locked; a damaged or unreadable one (which --rebuild
// replaces anyway) is emptied in place.
static Xapian::WritableDatabase lock_index_as_it_is(const std::string &path)
{
    try {
        if (looks_like_an_index(path))
            Xapian::Database probe(path);
        return Xapian::WritableDatabase(path, Xapian::DB_CREATE_OR_OPEN);
    } catch (const Xapian::DatabaseLockError &) {
        throw;
    } catch (const Xapian::DatabaseError &) {
        return Xapian::WritableDatabase(path, Xapian::DB_CREATE_OR_OVERWRITE);
    }
}

void wmstore::open_writable(wm_store_t *store, writable_mode mode)
{
    refuse_file_for_writing(store->path);   // a stub file names shards (store/shards.cc)
    if (foreign_directory(store->path))
        throw store_failure{WM_STORE_ERROR, not_an_index(store->path, false)};
    make_directories(store->path);
    setenv("XAPIAN_FLUSH_THRESHOLD", FLUSH_THRESHOLD, 0);
    // Xapian would open a glass index with a table missing and write into
    // it; opening it for reading first finds the damage (see describe_exception).
    if (mode == WRITE_OPEN && looks_like_an_index(store->path))
        Xapian::Database probe(store->path);
    if (mode == WRITE_KEEP)
        store->wdb = lock_index_as_it_is(store->path);
    else if (mode == WRITE_SHARD)   // temporary: a crash loses it anyway (see SHARD_FLAGS)
        store->wdb = Xapian::WritableDatabase(store->path, SHARD_FLAGS, SHARD_BLOCK_SIZE);
    else
        store->wdb = Xapian::WritableDatabase(store->path, mode == WRITE_OVERWRITE ? Xapian::DB_CREATE_OR_OVERWRITE
                                                                                   : Xapian::DB_CREATE_OR_OPEN);
    store->db = store->wdb;
    store->writable = true;
    if (mode != WRITE_SHARD)
        remove_stale_builds(store->path);   // the lock is ours: no live build has them
    if (mode == WRITE_KEEP && !store->db.get_metadata(SCHEMA_KEY).empty())
        return;   // the old index, whatever its version, answers until the swap
    check_schema(store->db, store->path);
    if (store->db.get_metadata(SCHEMA_KEY).empty()) {   // a new index: mark it, and make it openable
        store->wdb.set_metadata(SCHEMA_KEY, SCHEMA_VERSION);
        store->wdb.commit();
    }
}

namespace {

void open_readonly(wm_store_t *store)
{
    store->db = open_index(store->path);
}

enum open_mode { OPEN_READ, OPEN_WRITE, OPEN_REBUILD };

wm_store_status_t open_store(const char *path, open_mode mode, wm_store_t **out, char **message)
{
    *out = NULL;
    if (message)
        *message = NULL;
    wm_store_t *store = NULL;
    std::string text;
    wm_store_status_t status = WM_STORE_OK;
    try {
        store = new wm_store;
        store->path = str_or_empty(path);
        if (store->path.empty())
            throw store_failure{WM_STORE_ERROR, "no index path given"};
        if (mode == OPEN_READ)
            open_readonly(store);
        else
            open_writable(store, mode == OPEN_REBUILD ? WRITE_OVERWRITE : WRITE_OPEN);
        *out = store;
        return WM_STORE_OK;
    } catch (...) {
        status = status_of_exception(str_or_empty(path), mode == OPEN_READ, text);
    }
    delete store;
    if (message)
        *message = strdup(text.c_str());
    return status;
}

}  // namespace

static int remove_entry(const char *path, const struct stat *, int, struct FTW *)
{
    remove(path);
    return 0;
}

void wmstore::remove_tree(const std::string &path)
{
    nftw(path.c_str(), remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

extern "C" {

const char *wm_store_status_to_string(wm_store_status_t status)
{
    switch (status) {
    case WM_STORE_OK: return "success";
    case WM_STORE_ERROR: return "index error";
    case WM_STORE_NO_MEMORY: return "out of memory";
    case WM_STORE_NOT_FOUND: return "not found";
    case WM_STORE_LOCKED: return "index is locked";
    case WM_STORE_CORRUPT: return "index is corrupt";
    case WM_STORE_MODIFIED: return "index changed while reading";
    case WM_STORE_SCHEMA_MISMATCH: return "index has another schema version";
    case WM_STORE_QUERY_SYNTAX: return "query syntax error";
    }
    return "unknown status";
}

wm_store_status_t wm_store_open_writable(const char *path, wm_store_t **store, char **message)
{
    return open_store(path, OPEN_WRITE, store, message);
}

wm_store_status_t wm_store_open_readonly(const char *path, wm_store_t **store, char **message)
{
    return open_store(path, OPEN_READ, store, message);
}

wm_store_status_t wm_store_open_rebuild(const char *path, wm_store_t **store, char **message)
{
    return open_store(path, OPEN_REBUILD, store, message);
}

const char *wm_store_last_error(const wm_store_t *store)
{
    return store ? store->error.c_str() : "no index handle";
}

wm_store_status_t wm_store_count(wm_store_t *store, unsigned long *count)
{
    if (store && store->build)
        return build_count(store, count);
    return guarded(store, [&] {
        if (!count)
            throw store_failure{WM_STORE_ERROR, "no place for the count"};
        retrying(store->db, [&] { *count = store->db.get_doccount(); });
    });
}

void wm_store_close(wm_store_t *store)
{
    if (!store)
        return;
    if (store->build)
        build_discard(store);
    try {
        stop_writer(store);   // it writes what is queued first
        if (store->writable) {
            commit_changes(store);
            store->wdb.close();
        } else {
            store->db.close();
        }
    } catch (...) {
        // documented: an error here is lost; wm_store_commit() reports it
    }
    delete store;
}

/* ---- for the tests only (store/store_testing.h) ---- */

wm_store_status_t wm_store_set_metadata_for_testing(wm_store_t *store, const char *key, const char *value)
{
    return guarded(store, [&] {
        ensure_writable(store);
        store->wdb.set_metadata(str_or_empty(key), str_or_empty(value));
        store->wdb.commit();
    });
}

}  // extern "C"
