/* Document preparation and decoding: a session as a Xapian document (its
 * terms, values and document data, store/schema.h's schema) and document
 * data back as a session.  Needs no database, so any thread may make a
 * document (the writer thread, store/writer.cc, takes them whole). */
#include <xapian.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <string>
#include <vector>

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


// A part of the document data: where it is, not a copy (every hit of a
// search is decoded: copying each line, then its value, then comparing
// names as strings was most of decoding).
struct data_span {
    const char *at;
    size_t size;
    bool is(const data_span &name) const { return name.size == size && memcmp(at, name.at, size) == 0; }
};

// A field's name as a data_span, its length counted by the compiler (a
// strlen per name compared was a sixth of decoding a session).
template <size_t N>
constexpr data_span field_name(const char (&name)[N])
{
    return {name, N - 1};
}

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
    if (name.is(field_name("speaker")))
        return decode_speaker(s, raw);
    if (name.is(field_name("caption")) || name.is(field_name("sample")))
        return;
    unescape_into(raw, value);
    const char *v = value.c_str();
    static const struct { data_span name; char *wm_session_t::*field; } strings[] = {
        {field_name("id"), &wm_session_t::id}, {field_name("title"), &wm_session_t::title},
        {field_name("type"), &wm_session_t::type}, {field_name("type_label"), &wm_session_t::type_label},
        {field_name("language"), &wm_session_t::language}, {field_name("abstract"), &wm_session_t::abstract},
        {field_name("url"), &wm_session_t::url}, {field_name("source"), &wm_session_t::source},
        {field_name("page"), &wm_session_t::page_title}, {field_name("timestamp"), &wm_session_t::timestamp},
        {field_name("code"), &wm_session_t::code}, {field_name("event"), &wm_session_t::event},
        {field_name("status"), &wm_session_t::status},
    };
    for (auto &entry : strings)
        if (name.is(entry.name))
            return check_alloc(wm_session_set(&(s->*entry.field), v));
    if (name.is(field_name("year")))
        s->year = std::atoi(v);
    else if (name.is(field_name("duration")))
        s->duration_minutes = std::atoi(v);
    else if (name.is(field_name("track")))
        check_alloc(wm_session_add_track(s, v));
    else if (name.is(field_name("translation")))
        check_alloc(wm_session_add_translation(s, v));
    else if (name.is(field_name("origin")))
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

}  // namespace

// Needs no database: any thread may call it (see store/writer.cc).
void wmstore::prepare_document(prepared_document &made, const wm_session_t *s)
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

std::string wmstore::encode_session(const wm_session_t *s)
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

wm_session_t *wmstore::copy_session(const wm_session_t *s)
{
    wm_session_t *copy = decode_session(encode_session(s));
    copy->amends = s->amends;   // not document data
    return copy;
}

std::string wmstore::escaped_line(const char *text)
{
    return escape_value(str_or_empty(text)) + "\n";
}
