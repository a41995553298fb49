/* One search over several indexes (store/store.h, wm_store_open_shards):
 * index directories and Xapian stub database files, whose shards may be
 * served by stock xapian-tcpsrv.  Also what the schema keeps so that a
 * remote shard can answer everything: the value slots that Xapian's own
 * ValueCountMatchSpy counts for the speaker facet (12) and that sort oldest
 * first without a KeyMaker (13), since the remote backend runs neither a
 * MatchSpy of ours nor a KeyMaker.
 *
 * The stub files are read here, in Xapian's format (the same lines mean the
 * same shards as Xapian::Database(stubfile) would open), shard by shard, so
 * that a shard that cannot be opened is named in the message and every
 * shard's schema version is checked, not only the first one's. */
#include <xapian.h>

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <new>
#include <string>
#include <utility>
#include <vector>

#include "store/schema.h"
#include "store/store.h"

using namespace wmstore;

namespace {

// A stub naming a stub naming ...: deeper than this is a loop.
const int MAX_STUB_DEPTH = 8;

bool is_regular_file(const std::string &path)
{
    struct stat st;
    return stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

// As Xapian does: a relative path in a stub is read from the stub's directory.
std::string beside(const std::string &stub, const std::string &path)
{
    if (path.empty() || path[0] == '/')
        return path;
    size_t slash = stub.rfind('/');
    return slash == std::string::npos ? path : stub.substr(0, slash + 1) + path;
}

struct opening {
    Xapian::Database all;
    std::vector<std::string> remotes;
};

void add_path(opening &into, const std::string &path, int depth);

// The remote shard of a "remote" line: "HOST:PORT" (xapian-tcpsrv;
// "[ADDRESS]:PORT" for IPv6) or ":PROGRAM ARGS" (xapian-progsrv).
void add_remote(opening &into, const std::string &spec, const std::string &stub)
{
    std::string shown = "remote shard " + spec + " (from " + stub + ")";
    try {
        Xapian::Database shard;
        if (spec[0] == ':') {
            size_t space = spec.find(' ');
            shard = Xapian::Remote::open(spec.substr(1, space == std::string::npos ? space : space - 1),
                                         space == std::string::npos ? "" : spec.substr(space + 1));
        } else {
            size_t colon = spec.rfind(':');
            std::string host = spec.substr(0, colon);
            if (host.size() > 1 && host.front() == '[' && host.back() == ']')
                host = host.substr(1, host.size() - 2);
            int port = colon == std::string::npos ? 0 : std::atoi(spec.c_str() + colon + 1);
            if (host.empty() || port <= 0 || port > 65535)
                throw store_failure{WM_STORE_ERROR, stub + ": remote shard '" + spec +
                                                        "' is not HOST:PORT (or :PROGRAM ARGS)"};
            shard = Xapian::Remote::open(host, static_cast<unsigned>(port));
        }
        check_schema(shard, shown);
        into.all.add_database(shard);
        into.remotes.push_back(spec);
    } catch (const Xapian::NetworkError &e) {
        std::string why = e.get_msg();
        if (e.get_error_string() && *e.get_error_string())
            why += std::string(" (") + e.get_error_string() + ")";
        throw store_failure{WM_STORE_ERROR, shown + " is not answering: " + why};
    } catch (const Xapian::Error &e) {
        throw store_failure{WM_STORE_ERROR, shown + ": " + e.get_description()};
    }
}

// The shards a stub file names, in its order.
void add_stub(opening &into, const std::string &stub, int depth)
{
    if (depth > MAX_STUB_DEPTH)
        throw store_failure{WM_STORE_ERROR, stub + ": stub files name each other more than " +
                                                std::to_string(MAX_STUB_DEPTH) + " deep (a loop?)"};
    std::ifstream in(stub);
    if (!in)
        throw store_failure{WM_STORE_NOT_FOUND, "cannot read stub file " + stub + ": " + strerror(errno)};
    std::string line;
    int number = 0, shards = 0;
    while (std::getline(in, line)) {
        number++;
        if (line.empty() || line[0] == '#')
            continue;
        size_t space = line.find(' ');
        std::string type = line.substr(0, space), rest = space == std::string::npos ? "" : line.substr(space + 1);
        if ((type == "auto" || type == "glass" || type == "chert") && !rest.empty())
            add_path(into, beside(stub, rest), depth + 1);
        else if (type == "remote" && !rest.empty())
            add_remote(into, rest, stub);
        else
            throw store_failure{WM_STORE_ERROR, stub + ":" + std::to_string(number) +
                                                    ": not a stub line (auto PATH, remote HOST:PORT): " + line};
        shards++;
    }
    if (!shards)
        throw store_failure{WM_STORE_ERROR, stub + ": the stub file names no shard (auto PATH, remote HOST:PORT)"};
}

// An index directory (opened and checked as a single index is), or a stub file.
void add_path(opening &into, const std::string &path, int depth)
{
    if (is_regular_file(path))
        return add_stub(into, path, depth);
    try {
        into.all.add_database(open_index(path));
        return;
    } catch (const store_failure &) {
        throw;
    } catch (const std::bad_alloc &) {
        throw;
    } catch (...) {
        std::string message;
        wm_store_status_t status = describe_exception(path, true, message);
        throw store_failure{status, message};
    }
}

bool looks_like_a_stub(const std::string &path)
{
    std::ifstream in(path);
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty() || line[0] == '#')
            continue;
        std::string type = line.substr(0, line.find(' '));
        return type == "auto" || type == "glass" || type == "chert" || type == "remote" ||
               type == "inmemory" || type == "honey";
    }
    return false;
}

}  // namespace

/* ---- what document.cc and store.cc call (store/schema.h) ---------------- */

void wmstore::index_shard_values(Xapian::Document &doc, const wm_session_t *s)
{
    if (s->year > 0)
        doc.add_value(SLOT_OLDEST, Xapian::sortable_serialise(-s->year));
    // Slot 5's speakers (the speaker facet counts none when it is empty).
    std::vector<std::string> names;
    std::vector<std::pair<std::string, std::string>> pairs;
    for (size_t i = 0; i < s->n_speakers; i++) {
        names.push_back(str_or_empty(s->speakers[i].name));
        pairs.emplace_back(names.back(), username_as_text(s->speakers[i].username));
    }
    if (join_with_tabs(names).empty())
        return;
    std::sort(pairs.begin(), pairs.end());
    pairs.erase(std::unique(pairs.begin(), pairs.end()), pairs.end());
    std::vector<std::string> items;
    for (const auto &pair : pairs) {
        items.push_back(pair.first);
        items.push_back(pair.second);
    }
    doc.add_value(SLOT_SPEAKER_PAIRS, join_with_tabs(items));
}

void wmstore::refuse_file_for_writing(const std::string &path)
{
    if (!is_regular_file(path))
        return;
    if (looks_like_a_stub(path))
        throw store_failure{WM_STORE_ERROR, path + " is a stub database file (it names shards): wmindex "
                                                   "writes one index; index each shard directly (wmindex -d "
                                                   "SHARD_DIRECTORY ...)"};
    throw store_failure{WM_STORE_ERROR, path + " is a file, not an index directory"};
}

Xapian::Database wmstore::open_index(const std::string &path)
{
    for (int attempt = 0;; attempt++) {
        bool was_an_index = looks_like_an_index(path);
        try {
            Xapian::Database db(path);
            check_schema(db, path);
            return db;
        } catch (const Xapian::DatabaseModifiedError &) {
            if (attempt == MODIFIED_RETRIES)
                throw;
        } catch (const Xapian::DatabaseOpeningError &) {
            // A first wmindex run made the directory an index while this
            // open looked (iamglass came between): open what is there now,
            // rather than call it damaged.
            if (was_an_index || !looks_like_an_index(path) || attempt == MODIFIED_RETRIES)
                throw;
        }
    }
}

// An index without our schema key but with documents was not made by us (or by an old wmindex).
void wmstore::check_schema(const Xapian::Database &db, const std::string &path)
{
    std::string version = db.get_metadata(SCHEMA_KEY);
    if (version == SCHEMA_VERSION || (version.empty() && db.get_doccount() == 0))
        return;
    throw store_failure{WM_STORE_SCHEMA_MISMATCH,
                        "index " + path + " has schema version " + (version.empty() ? "(none)" : version) +
                            ", this wmsearch uses " + SCHEMA_VERSION + ": run `wmindex --rebuild`"};
}

extern "C" {

wm_store_status_t wm_store_open_shards(const char *const *paths, size_t n_paths, wm_store_t **out,
                                       char **message)
{
    *out = NULL;
    if (message)
        *message = NULL;
    if (n_paths == 1 && paths[0] && !is_regular_file(paths[0]))
        return wm_store_open_readonly(paths[0], out, message);
    wm_store_t *store = NULL;
    std::string text;
    wm_store_status_t status;
    try {
        store = new wm_store;
        opening shards;
        for (size_t i = 0; i < n_paths; i++) {
            std::string path = str_or_empty(paths[i]);
            if (path.empty())
                throw store_failure{WM_STORE_ERROR, "no index path given"};
            store->path += (i ? " + " : "") + path;
            add_path(shards, path, 0);
        }
        store->db = shards.all;
        store->remotes = shards.remotes;
        *out = store;
        return WM_STORE_OK;
    } catch (...) {
        status = status_of_exception(store ? store->path : "", true, text);
    }
    delete store;
    if (message)
        *message = strdup(text.c_str());
    return status;
}

}  // extern "C"
