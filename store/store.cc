/* The index: store/store.h implemented over Xapian 1.4, the opening,
 * error and writing half (the search half is store/store_search.cc; the
 * schema both follow is store/schema.h).  No exception leaves this file:
 * every exported function catches at the boundary and turns the error into
 * a status plus a message. */
#include <xapian.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string>
#include <vector>

#include <sys/stat.h>

extern "C" {
#include "archive/session.h"
#include "archive/util.h"
}
#include "store/store.h"
#include "store/schema.h"

using namespace wmstore;

namespace wmstore {

// Lower-case (Unicode), collapse white space, trim: the form of exact terms.
std::string normalise(const std::string &text)
{
    std::string out;
    bool pending_space = false;
    for (Xapian::Utf8Iterator it(text); it != Xapian::Utf8Iterator(); ++it) {
        unsigned ch = *it;
        if (Xapian::Unicode::is_whitespace(ch)) {
            pending_space = !out.empty();
            continue;
        }
        if (pending_space)
            out += ' ';
        pending_space = false;
        Xapian::Unicode::append_utf8(out, Xapian::Unicode::tolower(ch));
    }
    return out;
}

// MediaWiki writes spaces in usernames as '_'.
std::string username_as_text(const char *username)
{
    std::string text = str_or_empty(username);
    for (char &c : text)
        if (c == '_')
            c = ' ';
    return text;
}

std::string join_with_tabs(const std::vector<std::string> &items)
{
    std::string out;
    for (size_t i = 0; i < items.size(); i++) {
        std::string item = items[i];
        std::replace(item.begin(), item.end(), '\t', ' ');
        out += (i ? "\t" : "") + item;
    }
    return out;
}

}  // namespace wmstore

namespace {

// The title's sort key: normalised, leading quotes and punctuation skipped.
std::string title_sort_key(const std::string &title)
{
    std::string key = normalise(title);
    Xapian::Utf8Iterator it(key);
    while (it != Xapian::Utf8Iterator() && !Xapian::Unicode::is_wordchar(*it))
        ++it;
    return key.substr(it.raw() - key.data());
}

std::string escape_value(const std::string &value)
{
    std::string out;
    for (char c : value) {
        switch (c) {
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        default: out += c;
        }
    }
    return out;
}

std::string unescape_value(const std::string &value)
{
    std::string out;
    for (size_t i = 0; i < value.size(); i++) {
        char c = value[i];
        if (c != '\\' || i + 1 == value.size()) {
            out += c;
            continue;
        }
        c = value[++i];
        out += c == 'n' ? '\n' : c == 'r' ? '\r' : c == 't' ? '\t' : c;
    }
    return out;
}

// The start of the abstract on one line, cut at a word boundary.
std::string make_sample(const char *abstract)
{
    std::string text = str_or_empty(abstract);
    for (char &c : text)
        if (c == '\n' || c == '\r' || c == '\t')
            c = ' ';
    if (text.size() <= SAMPLE_BYTES)
        return text;
    size_t cut = text.rfind(' ', SAMPLE_BYTES);
    if (cut == std::string::npos || cut < SAMPLE_BYTES / 2) {
        cut = SAMPLE_BYTES;
        while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80)
            cut--;   // not inside a UTF-8 sequence
    }
    return text.substr(0, cut) + " ...";
}

/* ---- document data -------------------------------------------------- */

void data_line(std::string &data, const char *name, const std::string &value)
{
    if (value.empty())
        return;
    data += name;
    data += '=';
    data += escape_value(value);
    data += '\n';
}

std::string speaker_data(const wm_speaker_t &speaker)
{
    std::string value = escape_value(str_or_empty(speaker.name));
    if (speaker.username || speaker.biography)
        value += "\t" + escape_value(str_or_empty(speaker.username));
    if (speaker.biography)
        value += "\t" + escape_value(speaker.biography);
    return value;
}

std::string encode_session(const wm_session_t *s)
{
    std::string data;
    data_line(data, "url", str_or_empty(s->url));
    data_line(data, "caption", str_or_empty(s->title));
    data_line(data, "sample", make_sample(s->abstract));
    data_line(data, "id", str_or_empty(s->id));
    data_line(data, "year", s->year ? std::to_string(s->year) : "");
    data_line(data, "title", str_or_empty(s->title));
    data_line(data, "type", str_or_empty(s->type));
    data_line(data, "type_label", str_or_empty(s->type_label));
    data_line(data, "duration", s->duration_minutes ? std::to_string(s->duration_minutes) : "");
    for (size_t i = 0; i < s->n_tracks; i++)
        data_line(data, "track", s->tracks[i]);
    data_line(data, "language", str_or_empty(s->language));
    for (size_t i = 0; i < s->n_speakers; i++)   // already escaped: TAB separates parts
        data += "speaker=" + speaker_data(s->speakers[i]) + "\n";
    for (size_t i = 0; i < s->n_translations; i++)
        data_line(data, "translation", s->translations[i]);
    data_line(data, "source", str_or_empty(s->source));
    data_line(data, "page", str_or_empty(s->page_title));
    data_line(data, "timestamp", str_or_empty(s->timestamp));
    data_line(data, "code", str_or_empty(s->code));
    data_line(data, "origin", s->origin == WM_ORIGIN_SCHEDULE ? "schedule" : "");
    data_line(data, "abstract", str_or_empty(s->abstract));
    return data;
}


void check_alloc(int rc)
{
    if (rc != 0)
        throw std::bad_alloc();
}

void decode_speaker(wm_session_t *s, const std::string &raw)
{
    std::vector<std::string> parts;
    size_t start = 0;
    for (size_t tab; (tab = raw.find('\t', start)) != std::string::npos; start = tab + 1)
        parts.push_back(unescape_value(raw.substr(start, tab - start)));
    parts.push_back(unescape_value(raw.substr(start)));
    parts.resize(3);
    check_alloc(wm_session_add_speaker(s, parts[0].c_str(),
                                       parts[1].empty() ? NULL : parts[1].c_str(),
                                       parts[2].empty() ? NULL : parts[2].c_str()));
}

// One name=value line into the session; unknown names are skipped (newer schemas).
void decode_field(wm_session_t *s, const std::string &name, const std::string &raw)
{
    if (name == "speaker")
        return decode_speaker(s, raw);
    std::string value = unescape_value(raw);
    const char *v = value.c_str();
    struct { const char *name; char **field; } strings[] = {
        {"id", &s->id}, {"title", &s->title}, {"type", &s->type},
        {"type_label", &s->type_label}, {"language", &s->language},
        {"abstract", &s->abstract}, {"url", &s->url}, {"source", &s->source},
        {"page", &s->page_title}, {"timestamp", &s->timestamp}, {"code", &s->code},
    };
    for (auto &entry : strings)
        if (name == entry.name)
            return check_alloc(wm_session_set(entry.field, v));
    if (name == "year")
        s->year = std::atoi(v);
    else if (name == "duration")
        s->duration_minutes = std::atoi(v);
    else if (name == "track")
        check_alloc(wm_session_add_track(s, v));
    else if (name == "translation")
        check_alloc(wm_session_add_translation(s, v));
    else if (name == "origin")
        s->origin = value == "schedule" ? WM_ORIGIN_SCHEDULE : WM_ORIGIN_WIKI;
}

}  // namespace

wm_session_t *wmstore::decode_session(const std::string &data)
{
    wm_session_t *s = wm_session_new();
    if (!s)
        throw std::bad_alloc();
    try {
        size_t start = 0;
        while (start < data.size()) {
            size_t end = data.find('\n', start);
            if (end == std::string::npos)
                end = data.size();
            size_t eq = data.find('=', start);
            if (eq < end)
                decode_field(s, data.substr(start, eq - start), data.substr(eq + 1, end - eq - 1));
            start = end + 1;
        }
    } catch (...) {
        wm_session_free(s);
        throw;
    }
    return s;
}

namespace {

/* ---- indexing ------------------------------------------------------- */

void add_term(Xapian::Document &doc, field_id field, const std::string &value)
{
    if (value.empty())
        return;
    std::string term = prefix_of(field);
    term += FIELDS[field].kind == KIND_VERBATIM ? value : normalise(value);
    if (term.size() <= MAX_TERM_BYTES)
        doc.add_boolean_term(term);
}

// Free text into the given field and into the unprefixed text, after a gap.
void index_text(Xapian::TermGenerator &tg, const std::string &text, field_id field)
{
    if (text.empty())
        return;
    tg.increase_termpos();
    if (field != F_TEXT)
        tg.index_text(text, 1, prefix_of(field));
    tg.index_text(text);
}

void index_speakers(Xapian::TermGenerator &tg, Xapian::Document &doc, const wm_session_t *s)
{
    for (size_t i = 0; i < s->n_speakers; i++) {
        const wm_speaker_t &speaker = s->speakers[i];
        index_text(tg, str_or_empty(speaker.name), F_SPEAKER_TEXT);
        index_text(tg, username_as_text(speaker.username), F_SPEAKER_TEXT);
        add_term(doc, F_SPEAKER, str_or_empty(speaker.name));
        add_term(doc, F_SPEAKER, username_as_text(speaker.username));
    }
}

void index_free_text(Xapian::WritableDatabase &wdb, Xapian::Document &doc, const wm_session_t *s)
{
    Xapian::TermGenerator tg;
    tg.set_stemmer(Xapian::Stem("english"));
    tg.set_stemming_strategy(Xapian::TermGenerator::STEM_SOME);
    tg.set_document(doc);
    tg.set_database(wdb);
    tg.set_flags(Xapian::TermGenerator::FLAG_SPELLING);   // title and abstract only
    index_text(tg, str_or_empty(s->title), F_TITLE);
    index_text(tg, str_or_empty(s->abstract), F_TEXT);
    tg.set_flags(Xapian::TermGenerator::flags(0));
    for (size_t i = 0; i < s->n_tracks; i++)
        index_text(tg, s->tracks[i], F_TEXT);
    index_speakers(tg, doc, s);
}

void add_values(Xapian::Document &doc, const wm_session_t *s)
{
    if (s->year > 0)
        doc.add_value(SLOT_YEAR, Xapian::sortable_serialise(s->year));
    doc.add_value(SLOT_TITLE, title_sort_key(str_or_empty(s->title)));
    doc.add_value(SLOT_TYPE, normalise(str_or_empty(s->type)));
    doc.add_value(SLOT_LANGUAGE, normalise(str_or_empty(s->language)));
    doc.add_value(SLOT_TRACKS, join_with_tabs(std::vector<std::string>(s->tracks, s->tracks + s->n_tracks)));
    std::vector<std::string> names;
    for (size_t i = 0; i < s->n_speakers; i++)
        names.push_back(str_or_empty(s->speakers[i].name));
    doc.add_value(SLOT_SPEAKERS, join_with_tabs(names));
    doc.add_value(SLOT_TIMESTAMP, str_or_empty(s->timestamp));
    doc.add_value(SLOT_ORIGIN, s->origin == WM_ORIGIN_SCHEDULE ? "schedule" : "wiki");
}

Xapian::Document make_document(Xapian::WritableDatabase &wdb, const wm_session_t *s)
{
    Xapian::Document doc;
    index_free_text(wdb, doc, s);
    for (size_t i = 0; i < s->n_tracks; i++)
        add_term(doc, F_TRACK, s->tracks[i]);
    add_term(doc, F_TYPE, str_or_empty(s->type));
    add_term(doc, F_LANG, str_or_empty(s->language));
    add_term(doc, F_YEAR, s->year > 0 ? std::to_string(s->year) : "");
    add_term(doc, F_URL, str_or_empty(s->url));
    add_term(doc, F_SOURCE, str_or_empty(s->source));
    add_values(doc, s);
    doc.set_data(encode_session(s));
    return doc;
}

}  // namespace

/* ---- errors at the boundary ------------------------------------------ */

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

// An index without our schema key but with documents was not made by us (or by an old wmindex).
void check_schema(const Xapian::Database &db, const std::string &path)
{
    std::string version = db.get_metadata(SCHEMA_KEY);
    if (version == SCHEMA_VERSION || (version.empty() && db.get_doccount() == 0))
        return;
    throw store_failure{WM_STORE_SCHEMA_MISMATCH,
                        "index " + path + " has schema version " + (version.empty() ? "(none)" : version) +
                            ", this wmsearch uses " + SCHEMA_VERSION + ": run `wmindex --rebuild`"};
}

void open_writable(wm_store_t *store)
{
    make_directories(store->path);
    store->wdb = Xapian::WritableDatabase(store->path, Xapian::DB_CREATE_OR_OPEN);
    store->db = store->wdb;
    store->writable = true;
    check_schema(store->db, store->path);
    if (store->db.get_metadata(SCHEMA_KEY).empty()) {   // a new index: mark it, and make it openable
        store->wdb.set_metadata(SCHEMA_KEY, SCHEMA_VERSION);
        store->wdb.commit();
    }
}

void open_readonly(wm_store_t *store)
{
    for (int attempt = 0;; attempt++) {
        try {
            store->db = Xapian::Database(store->path);
            check_schema(store->db, store->path);
            return;
        } catch (const Xapian::DatabaseModifiedError &) {
            if (attempt == MODIFIED_RETRIES)
                throw;
        }
    }
}

char *copy_message(const std::string &message)
{
    return strdup(message.c_str());
}

wm_store_status_t open_store(const char *path, bool writable, wm_store_t **out, char **message)
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
        writable ? open_writable(store) : open_readonly(store);
        *out = store;
        return WM_STORE_OK;
    } catch (...) {
        try {
            status = describe_exception(str_or_empty(path), !writable, text);
        } catch (...) {
            status = WM_STORE_NO_MEMORY;
        }
    }
    delete store;
    if (message)
        *message = copy_message(text);
    return status;
}

}  // namespace

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
    return open_store(path, true, store, message);
}

wm_store_status_t wm_store_open_readonly(const char *path, wm_store_t **store, char **message)
{
    return open_store(path, false, store, message);
}

const char *wm_store_last_error(const wm_store_t *store)
{
    return store ? store->error.c_str() : "no index handle";
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
        if (links[i].empty() || links[i].size() > MAX_TERM_BYTES)
            continue;
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

// Write session s as a document with its id and link terms at id's place.
void write_session(wm_store_t *store, const wm_session_t *s)
{
    std::string id_term = prefix_of(F_ID) + s->id;
    Xapian::Document doc = make_document(store->wdb, s);
    doc.add_boolean_term(id_term);
    for (const std::string &link : {code_link(s), title_link(s)})
        if (!link.empty() && link.size() <= MAX_TERM_BYTES)
            doc.add_boolean_term(link);
    store->wdb.replace_document(id_term, doc);
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

// The page's document in the index is newer than this revision of it?
bool index_has_newer(wm_store_t *store, const std::string &id_term, const wm_session_t *s,
                     Xapian::docid *existing)
{
    *existing = 0;
    auto it = store->wdb.postlist_begin(id_term);
    if (it == store->wdb.postlist_end(id_term))
        return false;
    *existing = *it;
    std::string stored = store->wdb.get_document(*it).get_value(SLOT_TIMESTAMP);
    return !stored.empty() && s->timestamp && *s->timestamp && stored > s->timestamp;
}

// An on-wiki copy of a talk whose export is indexed: the export's document
// takes the copy's translations and the copy gets no document.
void link_copy_to_export(wm_store_t *store, const wm_session_t *copy, Xapian::docid export_doc)
{
    owned_session exported(decode_session(store->wdb.get_document(export_doc).get_data()));
    with_translations merged(exported.s, copy);
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

}  // namespace

wm_store_status_t wm_store_put_session_ex(wm_store_t *store, const wm_session_t *session,
                                          wm_store_put_t *outcome)
{
    wm_store_put_t result = WM_STORE_PUT_ADDED;
    wm_store_status_t status = guarded(store, [&] {
        if (!store->writable)
            throw store_failure{WM_STORE_ERROR, "index " + store->path + " was opened read-only"};
        if (!session || !session->id || !*session->id)
            throw store_failure{WM_STORE_ERROR, "a session without an id cannot be indexed"};
        std::string id_term = prefix_of(F_ID) + session->id;
        if (id_term.size() > MAX_TERM_BYTES)
            throw store_failure{WM_STORE_ERROR, std::string("session id too long: ") + session->id};
        Xapian::docid existing;
        if (index_has_newer(store, id_term, session, &existing)) {
            result = WM_STORE_PUT_KEPT_NEWER;
            return;
        }
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
            write_session(store, session);
            result = existing ? WM_STORE_PUT_REPLACED : WM_STORE_PUT_ADDED;
        }
    });
    if (outcome)
        *outcome = result;
    return status;
}

wm_store_status_t wm_store_put_session(wm_store_t *store, const wm_session_t *session)
{
    return wm_store_put_session_ex(store, session, NULL);
}

wm_store_status_t wm_store_commit(wm_store_t *store)
{
    return guarded(store, [&] {
        if (store->writable)
            store->wdb.commit();
    });
}

wm_store_status_t wm_store_count(wm_store_t *store, unsigned long *count)
{
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
    try {
        if (store->writable) {
            store->wdb.commit();
            store->wdb.close();
        } else {
            store->db.close();
        }
    } catch (...) {
        // documented: an error here is lost; wm_store_commit() reports it
    }
    delete store;
}


wm_store_status_t wm_store_set_metadata_for_testing(wm_store_t *store, const char *key, const char *value)
{
    return guarded(store, [&] {
        if (!store->writable)
            throw store_failure{WM_STORE_ERROR, "index " + store->path + " was opened read-only"};
        store->wdb.set_metadata(str_or_empty(key), str_or_empty(value));
        store->wdb.commit();
    });
}

}  // extern "C"
