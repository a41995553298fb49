/* Building an index with several writers, and compacting one: store.h's
 * wm_store_open_build, wm_store_finish_build and wm_store_compact.
 *
 * A build in shards: N ordinary writable handles (each with its writer
 * thread, which also makes the documents) write N Xapian databases in a
 * temporary directory beside the index; the reading thread only routes
 * sessions to them.  Sessions that may meet in the index (same id, same
 * link key: writer.cc's session_keys) go to the same shard, so each shard
 * puts them exactly as one writer would; the rare session whose keys are
 * already in two shards waits, and is put into the merged database, in
 * order, before the final compaction.  Every shard gets every source
 * record (identical copies: Xapian's compactor keeps one), so each prunes
 * itself.  The end is Xapian's compactor (Database::compact) writing the
 * merged, compacted index beside the old one, and renameat2's
 * RENAME_EXCHANGE putting it in the old one's place in one step.
 *
 * The index's own lock (Xapian's, held by store->wdb from the open to the
 * end) is what makes a temporary directory stale: whoever holds the lock
 * may remove every ".NAME.wmbuild-*" beside the index. */
#include <xapian.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <deque>
#include <functional>
#include <string>
#include <unordered_map>
#include <vector>

#include <dirent.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/util.h"
#include "store/build.h"
#include "store/schema.h"
#include "store/store.h"

using namespace wmstore;

namespace wmstore {

struct shard_build {
    std::string temp;                        // the build's temporary directory
    std::vector<wm_store_t *> shards;
    // Where each key (a hash of it) went: a shard, or DEFERRED.  A hash
    // collision only sends two sessions to one shard, which is harmless.
    std::unordered_map<size_t, int> routes;
    unsigned next = 0;                       // round robin for sessions with new keys
    std::deque<wm_session_t *> deferred;     // in the order they came
    wm_store_t *merged = nullptr;            // the shards merged, once deferred sessions needed it
    wm_store_tally_t deferred_tally = {0, 0, 0, 0};
    bool source_open = false;
    std::string source_ids;                  // the current source's ids (sources.cc's format)

    ~shard_build()
    {
        for (wm_session_t *s : deferred)
            wm_session_free(s);
    }
};

}  // namespace wmstore

namespace {

const int DEFERRED = -1;
const char BUILD_MARK[] = ".wmbuild-";

// path without trailing slashes, resolved when it exists (a symlinked
// index is swapped where it really is, and the link stays).
std::string real_index_path(const std::string &path)
{
    char *real = realpath(path.c_str(), NULL);
    std::string out = real ? real : path;
    free(real);
    while (out.size() > 1 && out.back() == '/')
        out.pop_back();
    return out;
}

// "<parent>/.<name>.wmbuild-" for the index at path, split in two.
void temp_prefix(const std::string &path, std::string &parent, std::string &name_prefix)
{
    std::string real = real_index_path(path);
    size_t slash = real.rfind('/');
    parent = slash == std::string::npos ? "." : slash == 0 ? "/" : real.substr(0, slash);
    name_prefix = "." + (slash == std::string::npos ? real : real.substr(slash + 1)) + BUILD_MARK;
}

std::string make_temp_dir(const std::string &path)
{
    std::string parent, name_prefix;
    temp_prefix(path, parent, name_prefix);
    std::string temp = parent + "/" + name_prefix + std::to_string(getpid());
    remove_tree(temp);
    if (mkdir(temp.c_str(), 0777) != 0)
        throw store_failure{WM_STORE_ERROR, "cannot create the build directory " + temp + " beside index " + path +
                                                ": " + strerror(errno)};
    return temp;
}

// The sizes of the files of a database directory (glass keeps it flat).
unsigned long long directory_bytes(const std::string &dir)
{
    unsigned long long total = 0;
    DIR *d = opendir(dir.c_str());
    if (!d)
        return 0;
    while (const struct dirent *entry = readdir(d)) {
        struct stat st;
        std::string file = dir + "/" + entry->d_name;
        if (stat(file.c_str(), &st) == 0 && S_ISREG(st.st_mode))
            total += static_cast<unsigned long long>(st.st_size);
    }
    closedir(d);
    return total;
}

void sync_path(const std::string &path, const std::string &index)
{
    int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0 || fsync(fd) != 0) {
        int error = errno;
        if (fd >= 0)
            close(fd);
        throw store_failure{WM_STORE_ERROR, "index " + index + ": cannot sync " + path + ": " + strerror(error)};
    }
    close(fd);
}

// The merged index on disk before it takes the old one's place.
void sync_directory(const std::string &dir, const std::string &index)
{
    DIR *d = opendir(dir.c_str());
    if (!d)
        throw store_failure{WM_STORE_ERROR, "index " + index + ": cannot read " + dir + ": " + strerror(errno)};
    std::vector<std::string> files;
    while (const struct dirent *entry = readdir(d))
        if (entry->d_name[0] != '.')
            files.push_back(dir + "/" + entry->d_name);
    closedir(d);
    for (const std::string &file : files)
        sync_path(file, index);
    sync_path(dir, index);
}

// Put the directory fresh in the place of the index at path, in one step:
// RENAME_EXCHANGE swaps the two names, so the path always names a whole
// index; the old one is left at fresh's name.  A file system without it
// (EINVAL) gets two renames, with a moment where path names nothing.
void swap_into_place(const std::string &fresh, const std::string &path, const std::string &shown)
{
    if (renameat2(AT_FDCWD, fresh.c_str(), AT_FDCWD, path.c_str(), RENAME_EXCHANGE) == 0)
        return;
    int error = errno;
    if (error == EINVAL || error == ENOSYS) {
        std::string aside = fresh + ".old";
        if (rename(path.c_str(), aside.c_str()) == 0) {
            if (rename(fresh.c_str(), path.c_str()) == 0)
                return;
            error = errno;
            rename(aside.c_str(), path.c_str());
        } else {
            error = errno;
        }
    }
    throw store_failure{WM_STORE_ERROR, "index " + shown + ": cannot put the new index in place: " + strerror(error)};
}

// Xapian's compactor, telling each table as it goes.
class told_compactor : public Xapian::Compactor {
    wm_store_progress_fn *progress;
    void *arg;

public:
    told_compactor(wm_store_progress_fn *fn, void *a) : progress(fn), arg(a) {}
    void set_status(const std::string &table, const std::string &) override
    {
        if (progress)
            progress(arg, table.c_str());
    }
    // Every shard holds the same source records and schema version; only
    // wmsearch.updated differs by the moments the shards committed: the
    // latest is the build's.  (Xapian's default keeps the first.)
    std::string resolve_duplicate_metadata(const std::string &key, size_t num_tags, const std::string tags[]) override
    {
        if (key != UPDATED_KEY)
            return tags[0];
        std::string latest;
        for (size_t i = 0; i < num_tags; i++)
            latest = std::max(latest, tags[i]);
        return latest;
    }
};

// Merge and compact the databases at sources into out (a new directory).
void compact_into(const std::vector<std::string> &sources, const std::string &out, wm_store_progress_fn *progress,
                  void *arg)
{
    Xapian::Database all;
    for (const std::string &source : sources)
        all.add_database(Xapian::Database(source));
    told_compactor compactor(progress, arg);
    // FULL, not FULLER: later incremental runs write into the index, and
    // FULLER's oversize items would make every such write split blocks.
    all.compact(out, Xapian::Compactor::FULL, 0, compactor);
}

// Throw the failure of a call on a shard, in the index's name (the
// shard's path means nothing to the user).
void check_shard(const wm_store_t *store, const wm_store_t *shard, wm_store_status_t status)
{
    if (status == WM_STORE_OK)
        return;
    std::string message = wm_store_last_error(shard);
    size_t at = message.find(shard->path);
    if (at != std::string::npos)
        message.replace(at, shard->path.size(), store->path);
    throw store_failure{status, message};
}

int route(shard_build &b, const wm_session_t *s)
{
    if (b.shards.size() == 1)
        return 0;
    std::vector<size_t> hashes;
    for (const std::string &key : session_keys(s))
        hashes.push_back(std::hash<std::string>{}(key));
    int target = -2;   // none yet
    bool conflict = false;
    for (size_t h : hashes) {
        auto it = b.routes.find(h);
        if (it == b.routes.end())
            continue;
        if (it->second == DEFERRED || (target != -2 && target != it->second))
            conflict = true;
        target = it->second;
    }
    if (conflict)
        target = DEFERRED;
    else if (target == -2)
        target = static_cast<int>(b.next++ % b.shards.size());
    for (size_t h : hashes)
        b.routes[h] = target;
    return target;
}

void add_tally(wm_store_tally_t &into, const wm_store_tally_t &t)
{
    into.added += t.added;
    into.replaced += t.replaced;
    into.kept_newer += t.kept_newer;
    into.linked += t.linked;
}

void commit_shards(wm_store_t *store)
{
    for (wm_store_t *shard : store->build->shards)
        check_shard(store, shard, wm_store_commit(shard));
}

void close_shards(shard_build &b)
{
    for (wm_store_t *shard : b.shards)
        wm_store_close(shard);
    b.shards.clear();
}

// Merge the shards into one writable database in the build directory and
// put the deferred sessions into it, in the order they came.
void merge_for_deferred(wm_store_t *store)
{
    shard_build &b = *store->build;
    commit_shards(store);
    std::vector<std::string> paths;
    for (wm_store_t *shard : b.shards)
        paths.push_back(shard->path);
    std::string merged = b.temp + "/merged";
    compact_into(paths, merged, NULL, NULL);
    close_shards(b);
    for (const std::string &path : paths)
        remove_tree(path);
    char *message = NULL;
    wm_store_status_t status = wm_store_open_writable(merged.c_str(), &b.merged, &message);
    if (status != WM_STORE_OK) {
        store_failure failure{status, message ? message : "out of memory"};
        free(message);
        throw failure;
    }
    while (!b.deferred.empty()) {
        wm_session_t *s = b.deferred.front();
        wm_store_put_t outcome;
        bool counted = !s->amends;
        status = wm_store_put_session_ex(b.merged, s, &outcome);
        wm_session_free(s);
        b.deferred.pop_front();
        check_shard(store, b.merged, status);
        if (counted)
            count_put(b.deferred_tally, outcome);
    }
    check_shard(store, b.merged, wm_store_commit(b.merged));
}

void start_shards(wm_store_t *store, unsigned jobs)
{
    store->build = new shard_build;
    shard_build &b = *store->build;
    b.temp = make_temp_dir(store->path);
    for (unsigned k = 0; k < jobs; k++) {
        wm_store_t *shard = new wm_store;
        b.shards.push_back(shard);
        shard->path = b.temp + "/shard" + std::to_string(k);
        open_writable(shard, WRITE_SHARD);
        // One shard: the reading thread makes the documents, as with one
        // writer in place; several: the reading thread cannot keep up.
        shard->prepare_in_writer = jobs > 1;
    }
}

// An index that holds nothing yet: no document, no source record, no prune
// mark (a source recorded with no session still makes it an index to
// update in place).
bool is_fresh(Xapian::Database &db)
{
    if (db.get_doccount() != 0)
        return false;
    for (const char *prefix : {SOURCE_KEY, PRUNE_KEY})
        if (db.metadata_keys_begin(prefix) != db.metadata_keys_end(prefix))
            return false;
    return true;
}

// Writers when the caller names no number: one per CPU this process may
// run on (its affinity: taskset, a container's cpuset), at most
// DEFAULT_JOBS_MAX.  Each writer holds about 25 MB (its Xapian batch of 500
// documents, and up to 1,024 sessions queued: store/writer.cc), and the
// one reading thread feeds about seven writers at most (10 of the 75 CPU
// seconds of 100,000 sessions): four keep the peak under 150 MB.  --jobs N
// asks for more.
const unsigned DEFAULT_JOBS_MAX = 4;

unsigned default_jobs()
{
    long n = 0;
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0)
        n = CPU_COUNT(&set);
    if (n <= 0)
        n = sysconf(_SC_NPROCESSORS_ONLN);
    return n <= 0 ? 1 : std::min(static_cast<unsigned>(n), DEFAULT_JOBS_MAX);
}

// Reopen the index at its path for writing (after a swap the handle's
// database is the old one, moved away).
void reopen_in_place(wm_store_t *store)
{
    store->wdb.close();
    store->wdb = Xapian::WritableDatabase(store->path, Xapian::DB_OPEN);
    store->db = store->wdb;
    store->changed = false;
}

// Merge and compact the databases at sources into temp/index, on disk,
// and swap it into the index's place (real: the index's real path).
void compact_into_place(const wm_store_t *store, const std::vector<std::string> &sources, const std::string &temp,
                        const std::string &real, wm_store_progress_fn *progress, void *arg,
                        wm_store_compaction_t &result)
{
    std::string out = temp + "/index";
    compact_into(sources, out, progress, arg);
    sync_directory(out, store->path);
    swap_into_place(out, real, store->path);
    result.bytes_after = directory_bytes(real);
    result.done = true;
}

// Compact the committed index of store into a build directory and swap it
// into place.
void compact_in_place(wm_store_t *store, wm_store_progress_fn *progress, void *arg, wm_store_compaction_t &result)
{
    check_shard(store, store, wm_store_commit(store));
    const std::string real = real_index_path(store->path);
    std::string temp = make_temp_dir(store->path);
    try {
        result.bytes_before = directory_bytes(real);
        compact_into_place(store, {real}, temp, real, progress, arg, result);
    } catch (...) {
        remove_tree(temp);
        throw;
    }
    reopen_in_place(store);
    remove_tree(temp);
}

void finish_shards(wm_store_t *store, wm_store_progress_fn *progress, void *arg, wm_store_compaction_t &result)
{
    shard_build &b = *store->build;
    commit_shards(store);
    if (!b.deferred.empty() && !b.merged)
        merge_for_deferred(store);
    std::vector<std::string> sources;
    if (b.merged) {
        sources.push_back(b.merged->path);
        wm_store_close(b.merged);
        b.merged = nullptr;
    }
    for (wm_store_t *shard : b.shards)
        sources.push_back(shard->path);
    close_shards(b);
    for (const std::string &source : sources)
        result.bytes_before += directory_bytes(source);
    compact_into_place(store, sources, b.temp, real_index_path(store->path), progress, arg, result);
    std::string temp = b.temp;
    delete store->build;
    store->build = nullptr;
    reopen_in_place(store);
    remove_tree(temp);
}

}  // namespace

void wmstore::remove_stale_builds(const std::string &path)
{
    std::string parent, name_prefix;
    temp_prefix(path, parent, name_prefix);
    DIR *dir = opendir(parent.c_str());
    if (!dir)
        return;
    std::vector<std::string> stale;
    while (const struct dirent *entry = readdir(dir))
        if (std::strncmp(entry->d_name, name_prefix.c_str(), name_prefix.size()) == 0)
            stale.push_back(parent + "/" + entry->d_name);
    closedir(dir);
    for (const std::string &temp : stale)
        remove_tree(temp);
}

void wmstore::build_discard(wm_store_t *store)
{
    shard_build *b = store->build;
    if (!b)
        return;
    close_shards(*b);
    wm_store_close(b->merged);
    remove_tree(b->temp);
    delete b;
    store->build = nullptr;
}

wm_store_status_t wmstore::build_queue_session(wm_store_t *store, wm_session_t *session)
{
    wm_store_status_t status = guarded(store, [&] {
        shard_build &b = *store->build;
        if (!session || !session->id || !*session->id) {   // the shard says why not
            wm_session_t *taken = session;
            session = NULL;
            check_shard(store, b.shards[0], wm_store_queue_session(b.shards[0], taken));
            return;
        }
        if (b.source_open && !session->amends)
            b.source_ids += escaped_line(session->id);
        int k = route(b, session);
        wm_session_t *taken = session;
        session = NULL;
        if (k == DEFERRED) {
            b.deferred.push_back(NULL);   // room first: push_back must not lose the session
            b.deferred.back() = taken;
            return;
        }
        check_shard(store, b.shards[k], wm_store_queue_session(b.shards[k], taken));
    }, false);
    wm_session_free(session);   // not taken
    return status;
}

wm_store_status_t wmstore::build_queue_tally(wm_store_t *store, wm_store_tally_t *tally)
{
    return guarded(store, [&] {
        wm_store_tally_t sum = store->build->deferred_tally;
        for (wm_store_t *shard : store->build->shards) {
            wm_store_tally_t t;
            check_shard(store, shard, wm_store_queue_tally(shard, &t));
            add_tally(sum, t);
        }
        *tally = sum;
    });
}

wm_store_status_t wmstore::build_count(wm_store_t *store, unsigned long *count)
{
    return guarded(store, [&] {
        unsigned long sum = 0;
        for (wm_store_t *shard : store->build->shards) {
            unsigned long n = 0;
            check_shard(store, shard, wm_store_count(shard, &n));
            sum += n;
        }
        if (store->build->merged) {
            unsigned long n = 0;
            check_shard(store, store->build->merged, wm_store_count(store->build->merged, &n));
            sum += n;
        }
        *count = sum;
    });
}

wm_store_status_t wmstore::build_put_session(wm_store_t *store, const wm_session_t *session, wm_store_put_t *outcome)
{
    wm_store_tally_t before = {0, 0, 0, 0}, after = {0, 0, 0, 0};
    wm_store_status_t status = build_queue_tally(store, &before);
    if (status == WM_STORE_OK) {
        wm_session_t *copy = NULL;
        status = guarded(store, [&] { copy = copy_session(session); });
        if (status == WM_STORE_OK)
            status = build_queue_session(store, copy);
    }
    if (status == WM_STORE_OK)
        status = build_queue_tally(store, &after);
    if (outcome)   // what the shard did; a deferred session is put later: "added"
        *outcome = after.replaced > before.replaced     ? WM_STORE_PUT_REPLACED
                   : after.kept_newer > before.kept_newer ? WM_STORE_PUT_KEPT_NEWER
                   : after.linked > before.linked         ? WM_STORE_PUT_LINKED
                                                          : WM_STORE_PUT_ADDED;
    return status;
}

wm_store_status_t wmstore::build_source_unchanged(wm_store_t *store, const wm_store_source_t *identity,
                                                  bool *unchanged)
{
    // The records of this run's files are in every shard (see build_source_finish).
    return guarded(store, [&] {
        wm_store_t *first = store->build->shards[0];
        check_shard(store, first, wm_store_source_unchanged(first, identity, unchanged));
    });
}

wm_store_status_t wmstore::build_source_begin(wm_store_t *store)
{
    return guarded(store, [&] {
        store->build->source_ids.clear();
        store->build->source_open = true;
    });
}

wm_store_status_t wmstore::build_source_finish(wm_store_t *store, const wm_store_source_t *identity, bool complete,
                                               const char *dbname, const wm_tally_t *tallies, size_t n_tallies)
{
    return guarded(store, [&] {
        shard_build &b = *store->build;
        // Each shard records the whole file, with every id it gave (those
        // of the other shards and the deferred ones too): each can then
        // prune itself, and the merge keeps one of the equal copies.
        for (wm_store_t *shard : b.shards) {
            check_shard(store, shard, wm_store_source_begin(shard));
            shard->source_ids = b.source_ids;
            check_shard(store, shard, wm_store_source_finish(shard, identity, complete, dbname, tallies, n_tallies));
        }
        b.source_open = false;
        std::string().swap(b.source_ids);
    });
}

wm_store_status_t wmstore::build_prune(wm_store_t *store, unsigned long *removed)
{
    unsigned long total = 0;
    wm_store_status_t status = guarded(store, [&] {
        shard_build &b = *store->build;
        if (!b.deferred.empty() && !b.merged)
            merge_for_deferred(store);
        if (b.merged) {
            check_shard(store, b.merged, wm_store_prune(b.merged, &total));
            return;
        }
        for (wm_store_t *shard : b.shards) {
            unsigned long n = 0;
            check_shard(store, shard, wm_store_prune(shard, &n));
            total += n;
        }
    });
    if (removed)
        *removed = total;
    return status;
}

extern "C" {

wm_store_status_t wm_store_open_build(const char *path, unsigned jobs, bool rebuild, wm_store_t **out,
                                      char **message)
{
    *out = NULL;
    if (message)
        *message = NULL;
    wm_store_t *store = NULL;
    std::string text;
    wm_store_status_t status;
    try {
        store = new wm_store;
        store->path = str_or_empty(path);
        if (store->path.empty())
            throw store_failure{WM_STORE_ERROR, "no index path given"};
        if (jobs == 0)
            jobs = default_jobs();
        open_writable(store, rebuild ? WRITE_KEEP : WRITE_OPEN);
        if (rebuild || (is_fresh(store->db) && jobs > 1))
            start_shards(store, jobs);
        else if (is_fresh(store->db))
            store->compact_at_finish = true;
        *out = store;
        return WM_STORE_OK;
    } catch (...) {
        status = status_of_exception(str_or_empty(path), false, text);
    }
    wm_store_close(store);   // a half-started build is removed
    if (message)
        *message = strdup(text.c_str());
    return status;
}

unsigned wm_store_build_jobs(const wm_store_t *store)
{
    return store && store->build ? static_cast<unsigned>(store->build->shards.size()) : 0;
}

wm_store_status_t wm_store_finish_build(wm_store_t *store, wm_store_progress_fn *progress, void *arg,
                                        wm_store_compaction_t *result)
{
    wm_store_compaction_t done = {false, 0, 0};
    wm_store_status_t status = guarded(store, [&] {
        if (store->build) {
            try {
                finish_shards(store, progress, arg, done);
            } catch (...) {
                build_discard(store);   // the old index stays, and no directory is left
                throw;
            }
        } else if (store->compact_at_finish) {
            store->compact_at_finish = false;
            compact_in_place(store, progress, arg, done);
        } else {
            check_shard(store, store, wm_store_commit(store));
        }
    });
    if (result)
        *result = done;
    return status;
}

wm_store_status_t wm_store_compact(wm_store_t *store, wm_store_progress_fn *progress, void *arg,
                                   wm_store_compaction_t *result)
{
    wm_store_compaction_t done = {false, 0, 0};
    wm_store_status_t status = guarded(store, [&] {
        if (store->build || !store->writable)
            throw store_failure{WM_STORE_ERROR, "index " + store->path + ": compact needs a writable index "
                                                                          "that is not being built"};
        compact_in_place(store, progress, arg, done);
    });
    if (result)
        *result = done;
    return status;
}

}  // extern "C"
