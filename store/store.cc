/* The index: store/store.h implemented over Xapian 1.4, the opening,
 * error and writing half (the search half is store/store_search.cc; the
 * schema both follow is store/schema.h).  No exception leaves this file:
 * every exported function catches at the boundary and turns the error into
 * a status plus a message. */
#include <xapian.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <new>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <ctime>

#include <fcntl.h>
#include <ftw.h>
#include <pthread.h>
#include <signal.h>
#include <sys/stat.h>
#include <dirent.h>
#include <unistd.h>

#include "archive/session.h"
#include "common/util.h"
#include "store/store.h"
#include "store/schema.h"
#include "store/analysis.h"
#include "store/build.h"

using namespace wmstore;

namespace wmstore {

std::vector<std::string> words_of(const std::string &text)
{
    std::vector<std::string> words;
    std::string word;
    for (Xapian::Utf8Iterator it(text);; ++it) {
        bool end = it == Xapian::Utf8Iterator();
        if (!end && Xapian::Unicode::is_wordchar(*it)) {
            Xapian::Unicode::append_utf8(word, *it);
            continue;
        }
        if (!word.empty())
            words.push_back(word);
        word.clear();
        if (end)
            return words;
    }
}

// Fold (store/analysis.h), lower-case (Unicode), collapse white space,
// trim: the form of exact terms.
std::string normalise(const std::string &text)
{
    std::string out;
    bool pending_space = false;
    const std::string folded = fold(text);
    for (Xapian::Utf8Iterator it(folded); it != Xapian::Utf8Iterator(); ++it) {
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

// Runs without a backslash are copied whole: every hit of a search is
// decoded, and byte by byte this was half of decoding an abstract.
std::string unescape_value(const std::string &value)
{
    size_t slash = value.find('\\');
    if (slash == std::string::npos)
        return value;
    std::string out;
    out.reserve(value.size());
    size_t done = 0;
    for (; slash != std::string::npos && slash + 1 < value.size(); slash = value.find('\\', done)) {
        out.append(value, done, slash - done);
        char c = value[slash + 1];
        out += c == 'n' ? '\n' : c == 'r' ? '\r' : c == 't' ? '\t' : c;
        done = slash + 2;
    }
    out.append(value, done, std::string::npos);
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

// name TAB username TAB biography TAB code TAB affiliation TAB raw, cut
// after the last part known (schema 7 appended the last two: older readers
// still read the first four).
std::string speaker_data(const wm_speaker_t &speaker)
{
    const char *parts[] = {speaker.username, speaker.biography, speaker.code, speaker.affiliation, speaker.raw};
    size_t known = 0;
    for (size_t i = 0; i < 5; i++)
        if (parts[i])
            known = i + 1;
    std::string value = escape_value(str_or_empty(speaker.name));
    for (size_t i = 0; i < known; i++)
        value += "\t" + escape_value(str_or_empty(parts[i]));
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
    data_line(data, "event", str_or_empty(s->event));
    data_line(data, "status", str_or_empty(s->status));
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

// A part of the document data: where it is, not a copy (every hit of a
// search is decoded: copying each line, then its value, then comparing
// names as strings was most of decoding).
struct data_span {
    const char *at;
    size_t size;
    bool is(const char *name) const { return strlen(name) == size && memcmp(at, name, size) == 0; }
};

// span unescaped into out (replacing it): unescape_value without copies.
void unescape_into(const data_span &span, std::string &out)
{
    out.clear();
    const char *end = span.at + span.size;
    for (const char *p = span.at; p < end;) {
        const char *slash = static_cast<const char *>(memchr(p, '\\', end - p));
        if (!slash || slash + 1 == end) {
            out.append(p, end - p);
            break;
        }
        out.append(p, slash - p);
        char c = slash[1];
        out += c == 'n' ? '\n' : c == 'r' ? '\r' : c == 't' ? '\t' : c;
        p = slash + 2;
    }
}

void decode_speaker(wm_session_t *s, const data_span &raw)
{
    std::string parts[6];   // name, username, biography, code, affiliation, raw (schema 4: three parts)
    const char *end = raw.at + raw.size, *start = raw.at;
    for (size_t i = 0; i < 6; i++) {
        const char *tab = static_cast<const char *>(memchr(start, '\t', end - start));
        unescape_into({start, static_cast<size_t>((tab ? tab : end) - start)}, parts[i]);
        if (!tab)
            break;
        start = tab + 1;
    }
    auto or_null = [](const std::string &part) { return part.empty() ? NULL : const_cast<char *>(part.c_str()); };
    wm_speaker_t person = {const_cast<char *>(parts[0].c_str()), or_null(parts[1]), or_null(parts[3]),
                           or_null(parts[2]), or_null(parts[4]), or_null(parts[5])};
    check_alloc(wm_session_add_person(s, &person));
}

// One name=value line into the session; unknown names are skipped (newer
// schemas, and caption and sample, which are for omega).  value: a buffer
// the caller reuses.
void decode_field(wm_session_t *s, const data_span &name, const data_span &raw, std::string &value)
{
    if (name.is("speaker"))
        return decode_speaker(s, raw);
    if (name.is("caption") || name.is("sample"))
        return;
    unescape_into(raw, value);
    const char *v = value.c_str();
    struct { const char *name; char **field; } strings[] = {
        {"id", &s->id}, {"title", &s->title}, {"type", &s->type},
        {"type_label", &s->type_label}, {"language", &s->language},
        {"abstract", &s->abstract}, {"url", &s->url}, {"source", &s->source},
        {"page", &s->page_title}, {"timestamp", &s->timestamp}, {"code", &s->code},
        {"event", &s->event}, {"status", &s->status},
    };
    for (auto &entry : strings)
        if (name.is(entry.name))
            return check_alloc(wm_session_set(entry.field, v));
    if (name.is("year"))
        s->year = std::atoi(v);
    else if (name.is("duration"))
        s->duration_minutes = std::atoi(v);
    else if (name.is("track"))
        check_alloc(wm_session_add_track(s, v));
    else if (name.is("translation"))
        check_alloc(wm_session_add_translation(s, v));
    else if (name.is("origin"))
        s->origin = value == "schedule" ? WM_ORIGIN_SCHEDULE : WM_ORIGIN_WIKI;
}

}  // namespace

wm_session_t *wmstore::decode_session(const std::string &data)
{
    wm_session_t *s = wm_session_new();
    if (!s)
        throw std::bad_alloc();
    try {
        std::string value;
        const char *at = data.data(), *end = at + data.size();
        while (at < end) {
            const char *line_end = static_cast<const char *>(memchr(at, '\n', end - at));
            if (!line_end)
                line_end = end;
            const char *eq = static_cast<const char *>(memchr(at, '=', line_end - at));
            if (eq)
                decode_field(s, {at, static_cast<size_t>(eq - at)}, {eq + 1, static_cast<size_t>(line_end - eq - 1)}, value);
            at = line_end + 1;
        }
    } catch (...) {
        wm_session_free(s);
        throw;
    }
    return s;
}

namespace {

bool is_ascii(const std::string &text)
{
    for (unsigned char c : text)
        if (c >= 0x80)
            return false;
    return true;
}

std::string lower_case(const std::string &word)
{
    std::string out;
    for (Xapian::Utf8Iterator it(word); it != Xapian::Utf8Iterator(); ++it)
        Xapian::Unicode::append_utf8(out, Xapian::Unicode::tolower(*it));
    return out;
}

}  // namespace

std::string wmstore::indexed_form(const Xapian::Database &db, const std::string &word)
{
    const unsigned FORMS_LOOKED_AT = 3;   // sessions read: a word is mostly written one way
    std::map<std::string, unsigned> forms;   // lower-case, unfolded
    unsigned read = 0;
    for (auto p = db.postlist_begin(word); p != db.postlist_end(word) && read < FORMS_LOOKED_AT; ++p, ++read) {
        wm_session_t *s = decode_session(db.get_document(*p).get_data());
        std::string text = str_or_empty(s->title) + "\n" + str_or_empty(s->abstract);
        wm_session_free(s);
        if (is_ascii(text)) {   // most sessions: nothing to fold, the word is written as it is
            forms[word]++;
            continue;
        }
        for (const std::string &w : words_of(text)) {
            if (is_ascii(w) && w.size() != word.size())
                continue;
            std::string lower = lower_case(w);
            if (lower == word || fold(lower) == word)
                forms[lower]++;
        }
    }
    std::string best = word;
    unsigned most = 0;
    for (const auto &f : forms)
        if (f.second > most || (f.second == most && f.first == word)) {
            best = f.first;
            most = f.second;
        }
    return best;
}

namespace {

/* ---- indexing ------------------------------------------------------- */

// Words for the spelling data, with how often each occurs.
typedef std::vector<std::pair<std::string, Xapian::termcount>> spelling_words;

// A session's document before it meets the index: all but its id and link
// terms, which depend on what the index holds.
struct prepared_document {
    Xapian::Document doc;
    spelling_words spelling;
};

void add_term(Xapian::Document &doc, field_id field, const std::string &value)
{
    if (value.empty())
        return;
    std::string term = prefix_of(field);
    term += FIELDS[field].kind == KIND_VERBATIM ? value : normalise(value);
    if (term.size() <= MAX_TERM_BYTES)
        doc.add_boolean_term(term);
}

void index_speakers(text_indexer &text, Xapian::Document &doc, const wm_session_t *s)
{
    for (size_t i = 0; i < s->n_speakers; i++) {
        const wm_speaker_t &speaker = s->speakers[i];
        text.index(fold(str_or_empty(speaker.name)), prefix_of(F_SPEAKER_TEXT));
        text.index(fold(username_as_text(speaker.username)), prefix_of(F_SPEAKER_TEXT));
        add_term(doc, F_SPEAKER, str_or_empty(speaker.name));
        add_term(doc, F_SPEAKER, username_as_text(speaker.username));
        // A code is an id, not words: only the exact term, not the free text.
        add_term(doc, F_SPEAKER, str_or_empty(speaker.code));
    }
}

// The acronym of an export's conference ("31c3" of "31. Chaos
// Communication Congress"): the prefix of its ids (archive/schedule.h:
// "<acronym, else the title as a slug>:<key>"); "" for a wiki's session,
// whose prefix is the wiki's name.
std::string export_acronym(const wm_session_t *s)
{
    if (s->origin != WM_ORIGIN_SCHEDULE || !s->id)
        return "";
    const char *colon = strchr(s->id, ':');
    return colon ? std::string(s->id, colon - s->id) : "";
}

// The event's words for event: phrases, and an export's acronym after a
// gap (event:31c3).  With no weight (wdf 0): event: is a filter, and the
// words must not lengthen the document for BM25.  No stemmer, so no Z
// terms: the feedback of "similar" never picks them.
void index_event_words(Xapian::Document &doc, const wm_session_t *s)
{
    Xapian::TermGenerator tg;
    tg.set_document(doc);
    if (s->event && *s->event)
        tg.index_text(fold(s->event), 0, prefix_of(F_EVENT_TEXT));
    std::string acronym = export_acronym(s);
    if (!acronym.empty()) {
        tg.increase_termpos();
        tg.index_text(fold(acronym), 0, prefix_of(F_EVENT_TEXT));
    }
}

// The words of doc so far that go into the spelling data: its unprefixed
// terms (TermGenerator lower-cases words; prefixes are upper-case) with
// their counts.  TermGenerator's FLAG_SPELLING would add the same words one
// occurrence at a time, but it needs the database: gathered here, the
// document can be made away from the thread that writes.
spelling_words unprefixed_words(const Xapian::Document &doc)
{
    spelling_words words;
    for (auto it = doc.termlist_begin(); it != doc.termlist_end(); ++it) {
        std::string term = *it;
        if (!term.empty() && !(term[0] >= 'A' && term[0] <= 'Z'))
            words.emplace_back(std::move(term), it.get_wdf());
    }
    return words;
}

// Title, abstract, tracks and speakers through the analysis of
// store/analysis.h, in the session's language and English.
void index_free_text(prepared_document &made, const wm_session_t *s)
{
    text_indexer text(made.doc, str_or_empty(s->language));
    text.index(fold(str_or_empty(s->title)), prefix_of(F_TITLE), TITLE_WEIGHT);
    text.index(fold(str_or_empty(s->abstract)), "");
    made.spelling = unprefixed_words(made.doc);   // title and abstract only
    for (size_t i = 0; i < s->n_tracks; i++) {
        std::string track = fold(s->tracks[i]);
        text.index(track, "");
        text.index_filter_words(track, prefix_of(F_TRACK_WORDS));
    }
    index_speakers(text, made.doc, s);
    text.index_word_parts();
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
    doc.add_value(SLOT_SOURCE, str_or_empty(s->source));
    doc.add_value(SLOT_EVENT, join_with_tabs({str_or_empty(s->event)}));
    doc.add_value(SLOT_STATUS, normalise(str_or_empty(s->status)));
    index_people(doc, s);   // people's terms and slot 11 (store/people.cc)
    index_shard_values(doc, s);   // slots 12-13, which remote shards serve (store/shards.cc)
}

// Needs no database: any thread may call it (see the writer thread below).
void prepare_document(prepared_document &made, const wm_session_t *s)
{
    index_free_text(made, s);
    Xapian::Document &doc = made.doc;
    for (size_t i = 0; i < s->n_tracks; i++)
        add_term(doc, F_TRACK, s->tracks[i]);
    add_term(doc, F_TYPE, str_or_empty(s->type));
    add_term(doc, F_LANG, str_or_empty(s->language));
    add_term(doc, F_YEAR, s->year > 0 ? std::to_string(s->year) : "");
    add_term(doc, F_EVENT, str_or_empty(s->event));
    index_event_words(doc, s);
    add_term(doc, F_STATUS, str_or_empty(s->status));
    add_term(doc, F_URL, str_or_empty(s->url));
    add_term(doc, F_SOURCE, str_or_empty(s->source));
    add_values(doc, s);
    doc.set_data(encode_session(s));
}

}  // namespace

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
    else if (mode == WRITE_SHARD)   // temporary: a crash loses it anyway, so no fsync
        store->wdb = Xapian::WritableDatabase(store->path, Xapian::DB_CREATE_OR_OVERWRITE | Xapian::DB_NO_SYNC);
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

char *copy_message(const std::string &message)
{
    return strdup(message.c_str());
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
    return open_store(path, OPEN_WRITE, store, message);
}

wm_store_status_t wm_store_open_readonly(const char *path, wm_store_t **store, char **message)
{
    return open_store(path, OPEN_READ, store, message);
}

const char *wm_store_last_error(const wm_store_t *store)
{
    return store ? store->error.c_str() : "no index handle";
}

/* ---- putting a session: newer revisions and linked copies ------------- */

namespace {

// Now as UTC ISO 8601, e.g. "2025-06-01T12:00:00Z".
std::string utc_now()
{
    time_t now = time(NULL);
    struct tm tm;
    char text[32] = "";
    if (gmtime_r(&now, &tm))
        strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return text;
}

// Commit, stamping wmsearch.updated when documents changed.
void commit_changes(wm_store_t *store)
{
    if (!store->writable)
        return;
    if (store->changed)
        store->wdb.set_metadata(UPDATED_KEY, utc_now());
    store->wdb.commit();
    store->changed = false;
}

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
// terms at id's place, and its words into the spelling data.  *existing:
// the document of s's id as the caller found it (0: none); NULL: look.
void write_prepared(wm_store_t *store, const wm_session_t *s, prepared_document &made,
                    const Xapian::docid *existing)
{
    std::string id_term = prefix_of(F_ID) + s->id;
    made.doc.add_boolean_term(id_term);
    for (const std::string &link : {code_link(s), title_link(s)})
        if (!link.empty() && link.size() <= MAX_TERM_BYTES)
            made.doc.add_boolean_term(link);
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

// Put a checked session, made into *made if not NULL (else made here).
wm_store_put_t put_session(wm_store_t *store, const wm_session_t *session, prepared_document *made)
{
    wm_store_put_t result;
    std::string id_term = prefix_of(F_ID) + session->id;
    Xapian::docid existing;
    if (index_has_newer(store, id_term, session, &existing)) {
        result = WM_STORE_PUT_KEPT_NEWER;
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
            if (made)   // index_has_newer looked the id up: no need to look again
                write_prepared(store, session, *made, &existing);
            else
                write_session(store, session);
            result = existing ? WM_STORE_PUT_REPLACED : WM_STORE_PUT_ADDED;
        }
        store->changed = true;
    }
    if (store->source_open)
        (store->source_ids += escape_value(session->id)) += '\n';
    return result;
}

}  // namespace

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

}  // extern "C"

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

// Enough to keep the writer busy through the reader's slow pages; each job
// holds one session and its document (a few tens of KB).  A caller that
// found the queue full waits until it is half empty: not woken for each job.
const size_t QUEUE_LENGTH = 64;
const size_t QUEUE_ROOM = QUEUE_LENGTH / 2;

void count_outcome(wm_store_tally_t &tally, wm_store_put_t outcome)
{
    switch (outcome) {
    case WM_STORE_PUT_ADDED: tally.added++; break;
    case WM_STORE_PUT_REPLACED: tally.replaced++; break;
    case WM_STORE_PUT_KEPT_NEWER: tally.kept_newer++; break;
    case WM_STORE_PUT_LINKED: tally.linked++; break;
    }
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
        bool room = w.caller_waits && w.queue.size() <= QUEUE_ROOM;
        hold.unlock();
        if (room)
            w.done.notify_one();
        wm_store_status_t status = WM_STORE_OK;
        std::string message;
        wm_store_put_t outcome = WM_STORE_PUT_ADDED;
        bool is_put = job->session != nullptr;
        if (run) {
            try {
                if (is_put && job->unprepared)
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
        } else if (run && is_put) {
            count_outcome(w.tally, outcome);
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
    if (w.queue.size() >= QUEUE_LENGTH) {
        w.caller_waits = true;
        w.done.wait(hold, [&] { return w.queue.size() <= QUEUE_ROOM || w.failure != WM_STORE_OK; });
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

// Let the writer finish the queue and end (close).
void stop_writer(wm_store_t *store)
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

}  // namespace

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

wm_session_t *wmstore::copy_session(const wm_session_t *s)
{
    return decode_session(encode_session(s));
}

std::string wmstore::escaped_line(const char *text)
{
    return escape_value(str_or_empty(text)) + "\n";
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


wm_store_status_t wm_store_set_metadata_for_testing(wm_store_t *store, const char *key, const char *value)
{
    return guarded(store, [&] {
        ensure_writable(store);
        store->wdb.set_metadata(str_or_empty(key), str_or_empty(value));
        store->wdb.commit();
    });
}

}  // extern "C"

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
        *message = copy_message(text);
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

wm_store_status_t wm_store_open_rebuild(const char *path, wm_store_t **store, char **message)
{
    return open_store(path, OPEN_REBUILD, store, message);
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
