/* What store.cc (opening), writer.cc (the writer thread), document.cc and
 * build.cc (shards, merging, compaction, the atomic swap) give each other.  Internal to
 * store/: C++ only. */
#ifndef WM_STORE_BUILD_H
#define WM_STORE_BUILD_H

#include <string>
#include <vector>

#include "store/schema.h"

namespace wmstore {

/* ---- in store.cc (opening) ---- */

// How open_writable opens store->path.
enum writable_mode {
    WRITE_OPEN,       // create or open; another schema version is refused
    WRITE_OVERWRITE,  // a new, empty index in place, whatever it held (--rebuild, one writer)
    WRITE_KEEP,       // lock the index and leave it as it is, whatever it holds (a rebuild in
                      // shards: the old index answers until the swap); a damaged one is emptied
    WRITE_SHARD       // a new, empty shard: no fsync, no stale builds looked for
};
// Open store (its path set) for writing; throws as any store call.  Every
// mode but WRITE_SHARD removes what killed builds left beside the index
// (remove_stale_builds) once the index's lock is held.
void open_writable(wm_store_t *store, writable_mode mode);

// Remove path and everything under it (errors ignored: best effort).
void remove_tree(const std::string &path);

/* ---- in writer.cc ---- */

// Queue session (taken, also on failure) for a writer thread that makes its
// document as well (a shard's: the reading thread only reads).  Throws.
void queue_unprepared(wm_store_t *store, wm_session_t *session);

// The keys by which a session meets other documents when put: its id term
// and its link terms (same year and code, same year and title).  Two
// sessions with no key in common never touch each other's documents.
std::vector<std::string> session_keys(const wm_session_t *s);

/* ---- in document.cc ---- */

// A deep copy of s (caller frees), through the document data.
wm_session_t *copy_session(const wm_session_t *s);
// text escaped as the store keeps ids in a source's list, and a newline.
std::string escaped_line(const char *text);

/* ---- in build.cc ---- */

// Remove the temporary directories of builds of the index at path that
// were killed (call with the index's lock held: no live build has one).
void remove_stale_builds(const std::string &path);

// The store calls of a handle writing shards (store->build set).
wm_store_status_t build_queue_session(wm_store_t *store, wm_session_t *session);
wm_store_status_t build_queue_tally(wm_store_t *store, wm_store_tally_t *tally);
wm_store_status_t build_count(wm_store_t *store, unsigned long *count);
wm_store_status_t build_put_session(wm_store_t *store, const wm_session_t *session, wm_store_put_t *outcome);
wm_store_status_t build_source_unchanged(wm_store_t *store, const wm_store_source_t *identity, bool *unchanged);
wm_store_status_t build_source_begin(wm_store_t *store);
wm_store_status_t build_source_finish(wm_store_t *store, const wm_store_source_t *identity, bool complete,
                                      const char *dbname, const wm_tally_t *tallies, size_t n_tallies);
wm_store_status_t build_prune(wm_store_t *store, unsigned long *removed);
// Close the shards and remove the temporary directory (the build is dropped).
void build_discard(wm_store_t *store);

}  // namespace wmstore

#endif
