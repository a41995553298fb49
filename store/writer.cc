/* Writing sessions: putting one (newer revisions win, an export and its
 * on-wiki copies become one document) and the writer thread that puts
 * queued sessions in order (wm_store_queue_*), with commits. */
#include <xapian.h>

#include <algorithm>
#include <cctype>
#include <condition_variable>
#include <cstring>
#include <ctime>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <pthread.h>
#include <signal.h>

#include "archive/session.h"
#include "common/util.h"
#include "store/store.h"
#include "store/schema.h"
#include "store/build.h"

using namespace wmstore;

// Now as UTC ISO 8601, e.g. "2025-06-01T12:00:00Z".
std::string wmstore::utc_now()
{
    time_t now = time(NULL);
    struct tm tm;
    char text[32] = "";
    if (gmtime_r(&now, &tm))
        strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return text;
}

// Commit, stamping wmsearch.updated when documents changed.
void wmstore::commit_changes(wm_store_t *store)
{
    if (!store->writable)
        return;
    if (store->changed)
        store->wdb.set_metadata(UPDATED_KEY, utc_now());
    store->wdb.commit();
    store->changed = false;
}

/* ---- putting a session: newer revisions and linked copies ------------- */

namespace {

// Normalised title with only letters and digits (any non-ASCII byte kept):
// "Wikipedia in the Time of COVID!" and "wikipedia in the time of covid" meet.
std::string title_key(const char *title)
{
    std::string key;
    for (char c : normalise(str_or_empty(title)))
        if (std::isalnum(static_cast<unsigned char>(c)) || static_cast<unsigned char>(c) >= 0x80)
            key += c;
    return key;
}

std::string code_link(const wm_session_t *s)
{
    if (!s->code || !*s->code || s->year <= 0)
        return "";
    return prefix_of(F_LINK) + "code:" + std::to_string(s->year) + ":" + normalise(s->code);
}

std::string title_link(const wm_session_t *s)
{
    std::string key = title_key(s->title);
    if (key.empty() || s->year <= 0)
        return "";
    return prefix_of(F_LINK) + "title:" + std::to_string(s->year) + ":" + key;
}

struct owned_session {
    wm_session_t *s;
    explicit owned_session(wm_session_t *session) : s(session) {}
    ~owned_session() { wm_session_free(s); }
    owned_session(const owned_session &) = delete;
    owned_session &operator=(const owned_session &) = delete;
};

// The documents of the other origin that are the same talk as s.
std::vector<Xapian::docid> linked_documents(Xapian::WritableDatabase &wdb, const wm_session_t *s)
{
    std::vector<Xapian::docid> found;
    const std::string origin = s->origin == WM_ORIGIN_SCHEDULE ? "schedule" : "wiki";
    const std::string links[] = {code_link(s), title_link(s)};
    for (int i = 0; i < 2; i++) {
        if (links[i].empty() || links[i].size() > MAX_TERM_BYTES || !wdb.term_exists(links[i]))
            continue;   // term_exists first: see index_has_newer
        for (auto it = wdb.postlist_begin(links[i]); it != wdb.postlist_end(links[i]); ++it) {
            Xapian::Document doc = wdb.get_document(*it);
            if (doc.get_value(SLOT_ORIGIN) == origin)
                continue;
            owned_session other(decode_session(doc.get_data()));
            // Same title, different codes: two talks, not two copies.
            if (i == 1 && s->code && other.s->code && normalise(s->code) != normalise(other.s->code))
                continue;
            if (std::find(found.begin(), found.end(), *it) == found.end())
                found.push_back(*it);
        }
    }
    return found;
}

// Write session s, made into made, as a document with its id and link
// terms at id's place, and its words into the spelling data (unless s
// amends a session written before: they are there).  *existing:
// the document of s's id as the caller found it (0: none); NULL: look.
void write_prepared(wm_store_t *store, const wm_session_t *s, prepared_document &made,
                    const Xapian::docid *existing)
{
    std::string id_term = prefix_of(F_ID) + s->id;
    made.doc.add_boolean_term(id_term);
    for (const std::string &link : {code_link(s), title_link(s)})
        if (!link.empty() && link.size() <= MAX_TERM_BYTES)
            made.doc.add_boolean_term(link);
    if (!s->amends)
        for (const auto &word : made.spelling)
            store->wdb.add_spelling(word.first, word.second);
    if (existing && *existing)
        store->wdb.replace_document(*existing, made.doc);
    else if (!existing && store->wdb.term_exists(id_term))   // see index_has_newer
        store->wdb.replace_document(id_term, made.doc);
    else
        store->wdb.add_document(made.doc);
}

void write_session(wm_store_t *store, const wm_session_t *s)
{
    prepared_document made;
    prepare_document(made, s);
    write_prepared(store, s, made, NULL);
}

// A copy of s (shallow: it borrows s's strings) with extra translations.
struct with_translations {
    wm_session_t view;
    std::vector<char *> list;
    with_translations(const wm_session_t *s, const wm_session_t *from) : view(*s)
    {
        list.assign(s->translations, s->translations + s->n_translations);
        for (size_t i = 0; from && i < from->n_translations; i++) {
            bool known = false;
            for (char *t : list)
                known = known || std::strcmp(t, from->translations[i]) == 0;
            if (!known)
                list.push_back(from->translations[i]);
        }
        view.translations = list.data();
        view.n_translations = list.size();
    }
};

// The page's document in the index takes precedence over this copy of it?
// Precedence is (revision timestamp, source path): the newer revision wins,
// an unknown timestamp loses to any, and of two copies of the same revision
// (two dumps sharing an unchanged page) the one from the path that sorts
// last.  A total order, so the result never depends on the order of files;
// an equal key (the same file read again) replaces.
bool index_has_newer(wm_store_t *store, const std::string &id_term, const wm_session_t *s,
                     Xapian::docid *existing)
{
    *existing = 0;
    // Opening a posting list on a writable database makes Xapian write out
    // every position list it holds for the batch, one document at a time;
    // term_exists() reads only the counts.  On a new index no term is there
    // yet, and the positions stay batched (5% less CPU on 10,000 sessions).
    if (!store->wdb.term_exists(id_term))
        return false;
    auto it = store->wdb.postlist_begin(id_term);
    if (it == store->wdb.postlist_end(id_term))
        return false;
    *existing = *it;
    Xapian::Document doc = store->wdb.get_document(*it);
    auto stored = std::make_pair(doc.get_value(SLOT_TIMESTAMP), doc.get_value(SLOT_SOURCE));
    return stored > std::make_pair(str_or_empty(s->timestamp), str_or_empty(s->source));
}

// An on-wiki copy of a talk whose export is indexed: the export's document
// takes the copy's translations and the copy gets no document.
void link_copy_to_export(wm_store_t *store, const wm_session_t *copy, Xapian::docid export_doc)
{
    owned_session exported(decode_session(store->wdb.get_document(export_doc).get_data()));
    with_translations merged(exported.s, copy);
    merged.view.amends = copy->amends;
    write_session(store, &merged.view);
    store->wdb.delete_document(prefix_of(F_ID) + copy->id);
}

// An export whose on-wiki copies are indexed: they give way to it.
void put_export_over_copies(wm_store_t *store, const wm_session_t *s,
                            const std::vector<Xapian::docid> &copies, Xapian::docid existing)
{
    std::vector<wm_session_t *> olds;
    try {
        if (existing)
            olds.push_back(decode_session(store->wdb.get_document(existing).get_data()));
        for (Xapian::docid id : copies)
            olds.push_back(decode_session(store->wdb.get_document(id).get_data()));
        wm_session_t *current = const_cast<wm_session_t *>(s);
        std::vector<with_translations> steps;
        steps.reserve(olds.size());
        for (wm_session_t *old : olds) {
            steps.emplace_back(current, old);
            current = &steps.back().view;
        }
        for (Xapian::docid id : copies)
            store->wdb.delete_document(id);
        write_session(store, current);
    } catch (...) {
        for (wm_session_t *old : olds)
            wm_session_free(old);
        throw;
    }
    for (wm_session_t *old : olds)
        wm_session_free(old);
}

// A session the index can take, or a store_failure saying why not.
void check_session(wm_store_t *store, const wm_session_t *session)
{
    ensure_writable(store);
    if (!session || !session->id || !*session->id)
        throw store_failure{WM_STORE_ERROR, "a session without an id cannot be indexed"};
    if (prefix_of(F_ID).size() + std::strlen(session->id) > MAX_TERM_BYTES)
        throw store_failure{WM_STORE_ERROR, std::string("session id too long: ") + session->id};
}

// An amendment of a session whose document this run wrote: it differs
// only in its translations, which live in the document data alone (see
// encode_session and prepare_document), so only the data is replaced.
// Xapian then rewrites the data and leaves the terms, positions and values
// be: a tenth of the cost of writing the document again (4,000 late
// translations at 100,000 sessions: 3 CPU seconds of a --jobs 2 build).
void amend_data(wm_store_t *store, const wm_session_t *session, Xapian::docid existing)
{
    Xapian::Document doc = store->wdb.get_document(existing);
    doc.set_data(encode_session(session));
    store->wdb.replace_document(existing, doc);
}

// Put a checked session, made into *made if not NULL (else made here; an
// amendment is never made ahead).
wm_store_put_t put_session(wm_store_t *store, const wm_session_t *session, prepared_document *made)
{
    wm_store_put_t result;
    std::string id_term = prefix_of(F_ID) + session->id;
    Xapian::docid existing;
    if (index_has_newer(store, id_term, session, &existing)) {
        result = WM_STORE_PUT_KEPT_NEWER;
    } else if (session->amends && existing && session->origin == WM_ORIGIN_WIKI) {
        // Its document is there, so no export took it over (that happens at
        // the first put, and exports are other files, read before or after).
        amend_data(store, session, existing);
        result = WM_STORE_PUT_REPLACED;
        store->changed = true;
    } else {
        std::vector<Xapian::docid> linked = linked_documents(store->wdb, session);
        if (!linked.empty() && session->origin == WM_ORIGIN_WIKI) {
            link_copy_to_export(store, session, linked.front());
            result = WM_STORE_PUT_LINKED;
        } else if (session->origin == WM_ORIGIN_SCHEDULE) {
            // An export keeps the translations its document gathered from copies.
            put_export_over_copies(store, session, linked, existing);
            result = !linked.empty() ? WM_STORE_PUT_LINKED
                     : existing      ? WM_STORE_PUT_REPLACED
                                     : WM_STORE_PUT_ADDED;
        } else {
            if (made && !session->amends)   // index_has_newer looked the id up: no need to look again
                write_prepared(store, session, *made, &existing);
            else
                write_session(store, session);
            result = existing ? WM_STORE_PUT_REPLACED : WM_STORE_PUT_ADDED;
        }
        store->changed = true;
    }
    if (store->source_open && !session->amends)
        (store->source_ids += escape_value(session->id)) += '\n';
    return result;
}

}  // namespace

/* ---- queued writing: a second thread for Xapian ------------------------
 *
 * Xapian's writing (the batch's posting trees, the flushes) takes two
 * thirds of wmindex's time, reading the dump and making documents the rest.
 * wm_store_queue_session() makes the document in the caller's thread and
 * queues it; one writer thread puts the queued sessions in order, exactly
 * as wm_store_put_session would, and runs the queued commits.  The queue is
 * short, so memory stays bounded: the caller waits when the writer is
 * behind.  Every other call on the handle (through guarded) first waits for
 * the queue to empty, so callers see what they queued.  Xapian objects are
 * never shared: a document passes from one thread to the other whole, under
 * the queue's lock. */

namespace wmstore {

struct writer {
    struct job {
        wm_session_t *session = nullptr;   // NULL: a commit
        bool unprepared = false;           // the writer makes made (a shard's writer)
        prepared_document made;
        ~job() { wm_session_free(session); }
    };

    std::mutex lock;
    std::condition_variable work;   // to the writer: a job, or stop
    std::condition_variable done;   // to the caller: room in the queue, or all done
    std::deque<std::unique_ptr<job>> queue;
    bool busy = false;              // the writer is running a job
    bool caller_waits = false;      // for room in the queue, or for all done
    bool stopping = false;
    // The first failure of a job, until a call reports it; the jobs after
    // it are dropped, not run.
    wm_store_status_t failure = WM_STORE_OK;
    std::string failure_message;
    wm_store_tally_t tally = {0, 0, 0, 0};
    std::thread thread;
};

}  // namespace wmstore

namespace {

// Enough to keep the writer busy through the reader's slow pages; a job
// holds one session and its document (a few tens of KB).  A shard's writer
// makes the documents itself, so its jobs are sessions alone (a few KB),
// and its queue must outlast another shard's flush: the reader, which feeds
// the shards in turn, waits for the one whose queue is full, and at 64 jobs
// the others ran dry meanwhile (7% of two CPUs idle at 100,000 sessions,
// --jobs 2 3.0 s slower over six alternated runs: bench/README.md).  A
// caller that found the queue full waits until it is half empty: not woken
// for each job.
const size_t QUEUE_LENGTH = 64, SHARD_QUEUE_LENGTH = 1024;

size_t queue_length(const wm_store_t *store)
{
    return store->prepare_in_writer ? SHARD_QUEUE_LENGTH : QUEUE_LENGTH;
}

// Take the failure of a queued job, if any, to report it (the lock held).
void take_failure(writer &w, wm_store_status_t &status, std::string &message)
{
    status = w.failure;
    message.swap(w.failure_message);
    w.failure = WM_STORE_OK;
    w.failure_message.clear();
}

void run_writer(wm_store_t *store)
{
    sigset_t all;   // signals are for the caller's thread (wmindex stops there)
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, NULL);
    writer &w = *store->writer;
    std::unique_lock<std::mutex> hold(w.lock);
    for (;;) {
        w.work.wait(hold, [&] { return w.stopping || !w.queue.empty(); });
        if (w.queue.empty())
            return;
        std::unique_ptr<writer::job> job = std::move(w.queue.front());
        w.queue.pop_front();
        bool run = w.failure == WM_STORE_OK;
        w.busy = true;
        bool room = w.caller_waits && w.queue.size() <= queue_length(store) / 2;
        hold.unlock();
        if (room)
            w.done.notify_one();
        wm_store_status_t status = WM_STORE_OK;
        std::string message;
        wm_store_put_t outcome = WM_STORE_PUT_ADDED;
        bool is_put = job->session != nullptr;
        bool counted = is_put && !job->session->amends;
        if (run) {
            try {
                if (is_put && job->unprepared && !job->session->amends)
                    prepare_document(job->made, job->session);
                if (is_put)
                    outcome = put_session(store, job->session, &job->made);
                else
                    commit_changes(store);
            } catch (...) {
                status = status_of_exception(store->path, false, message);
            }
        }
        job.reset();
        hold.lock();
        w.busy = false;
        if (status != WM_STORE_OK) {
            w.failure = status;
            w.failure_message.swap(message);
        } else if (run && counted) {
            count_put(w.tally, outcome);
        }
        if (w.caller_waits && (w.queue.empty() || w.failure != WM_STORE_OK))
            w.done.notify_one();
    }
}

// Queue job, waiting for room; throw a failure of an earlier job instead.
void enqueue(wm_store_t *store, std::unique_ptr<writer::job> job)
{
    if (!store->writer) {
        store->writer = new writer;
        try {
            store->writer->thread = std::thread(run_writer, store);
        } catch (...) {
            delete store->writer;
            store->writer = nullptr;
            throw;
        }
    }
    writer &w = *store->writer;
    std::unique_lock<std::mutex> hold(w.lock);
    const size_t length = queue_length(store);
    if (w.queue.size() >= length) {
        w.caller_waits = true;
        w.done.wait(hold, [&] { return w.queue.size() <= length / 2 || w.failure != WM_STORE_OK; });
        w.caller_waits = false;
    }
    if (w.failure != WM_STORE_OK) {
        store_failure failure;
        take_failure(w, failure.status, failure.message);
        throw failure;
    }
    w.queue.push_back(std::move(job));
    hold.unlock();
    w.work.notify_one();
}

}  // namespace

void wmstore::count_put(wm_store_tally_t &tally, wm_store_put_t outcome)
{
    switch (outcome) {
    case WM_STORE_PUT_ADDED: tally.added++; break;
    case WM_STORE_PUT_REPLACED: tally.replaced++; break;
    case WM_STORE_PUT_KEPT_NEWER: tally.kept_newer++; break;
    case WM_STORE_PUT_LINKED: tally.linked++; break;
    }
}

void wmstore::settle_writer(wm_store_t *store)
{
    if (!store->writer)
        return;
    writer &w = *store->writer;
    std::unique_lock<std::mutex> hold(w.lock);
    w.caller_waits = true;
    w.done.wait(hold, [&] { return w.queue.empty() && !w.busy; });
    w.caller_waits = false;
    if (w.failure != WM_STORE_OK) {
        store_failure failure;
        take_failure(w, failure.status, failure.message);
        throw failure;
    }
}

void wmstore::queue_unprepared(wm_store_t *store, wm_session_t *session)
{
    std::unique_ptr<writer::job> job(new writer::job);
    job->session = session;   // the job frees it from here on
    try {
        check_session(store, session);
    } catch (...) {
        job.reset();
        throw;
    }
    job->unprepared = true;
    enqueue(store, std::move(job));
}

void wmstore::stop_writer(wm_store_t *store)
{
    if (!store->writer)
        return;
    {
        std::lock_guard<std::mutex> hold(store->writer->lock);
        store->writer->stopping = true;
    }
    store->writer->work.notify_one();
    store->writer->thread.join();
    delete store->writer;
    store->writer = nullptr;
}


std::vector<std::string> wmstore::session_keys(const wm_session_t *s)
{
    std::vector<std::string> keys;
    if (s && s->id)
        keys.push_back(prefix_of(F_ID) + s->id);
    for (const std::string &link : {code_link(s), title_link(s)})
        if (!link.empty())
            keys.push_back(link);
    return keys;
}

extern "C" {

wm_store_status_t wm_store_put_session_ex(wm_store_t *store, const wm_session_t *session,
                                          wm_store_put_t *outcome)
{
    if (store && store->build)
        return build_put_session(store, session, outcome);
    wm_store_put_t result = WM_STORE_PUT_ADDED;
    wm_store_status_t status = guarded(store, [&] {
        check_session(store, session);
        result = put_session(store, session, NULL);
    });
    if (outcome)
        *outcome = result;
    return status;
}

wm_store_status_t wm_store_put_session(wm_store_t *store, const wm_session_t *session)
{
    return wm_store_put_session_ex(store, session, NULL);
}

wm_store_status_t wm_store_queue_session(wm_store_t *store, wm_session_t *session)
{
    if (store && store->build)
        return build_queue_session(store, session);
    if (store && store->prepare_in_writer) {
        wm_store_status_t status = guarded(store, [&] {
            wm_session_t *taken = session;
            session = NULL;
            queue_unprepared(store, taken);
        }, false);
        wm_session_free(session);
        return status;
    }
    wm_store_status_t status = guarded(store, [&] {
        check_session(store, session);
        std::unique_ptr<writer::job> job(new writer::job);
        job->session = session;   // the job frees it from here on
        session = NULL;
        if (!job->session->amends)   // put_session updates an amendment's data only
            prepare_document(job->made, job->session);
        enqueue(store, std::move(job));
    }, false);
    wm_session_free(session);   // not taken
    return status;
}

wm_store_status_t wm_store_queue_commit(wm_store_t *store)
{
    if (store && store->build)   // shards are all or nothing: nothing to commit on the way
        return WM_STORE_OK;
    if (store && !store->writer)   // nothing queued: commit here
        return wm_store_commit(store);
    return guarded(store, [&] { enqueue(store, std::unique_ptr<writer::job>(new writer::job)); }, false);
}

wm_store_status_t wm_store_queue_tally(wm_store_t *store, wm_store_tally_t *tally)
{
    if (store && store->build)
        return build_queue_tally(store, tally);
    return guarded(store, [&] {
        static const wm_store_tally_t none = {0, 0, 0, 0};
        *tally = store->writer ? store->writer->tally : none;
    });
}

wm_store_status_t wm_store_commit(wm_store_t *store)
{
    if (store && store->build)
        return WM_STORE_OK;
    return guarded(store, [&] { commit_changes(store); });
}

}  // extern "C"
