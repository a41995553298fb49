/* The index: store/store.h implemented over Xapian 1.4.  This is the only
 * C++ in wmsearch; no exception leaves this file (every exported function
 * catches at the boundary and turns the error into a status plus a message).
 *
 * THE SCHEMA (users' version: doc/index-schema.md; bump SCHEMA_VERSION on
 * any change that makes an old index answer queries differently).
 *
 * Terms.  Free text goes through Xapian::TermGenerator with the English
 * stemmer (STEM_SOME: unstemmed terms with positions, plus Z-prefixed stems)
 * so phrases work and `quest`/omega/the bindings can search the index as is.
 *
 *   prefix    query field   kind       what
 *   (none)    (plain words) text       title, abstract, tracks, speakers'
 *                                      names and usernames, in that order,
 *                                      fields separated by a gap in positions
 *   S         title:        text       the title
 *   A         -             text       each speaker's name and username
 *                                      (username '_' read as space); a gap
 *                                      between speakers so phrases stay
 *                                      within one name
 *   XSPEAKER  speaker:      exact      each speaker's name and username,
 *                                      normalised (see below)
 *   XTRACK    track:        exact      each track, normalised
 *   XTYPE     type:         exact      the normalised session type
 *   L         lang:         exact      the language code, normalised
 *   Y         year:         exact      the year, e.g. "Y2019"
 *   Q         id:           exact      the session id, as is (unique key:
 *                                      put_session replaces by it)
 *   U         -             exact      the URL, as is
 *   P         -             exact      the source file path, as is
 *
 * "Normalised" = lower-cased (Unicode), runs of white space collapsed to one
 * space, trimmed.  Because of that no exact term starts with a capital
 * letter, so no ':' is ever put between prefix and term ("XTRACKglam").
 * An exact term longer than Xapian's 245-byte limit is left out (the id is
 * the exception: a too-long id is an error).
 *
 * How the query fields work: `title:` is free text on S.  The others are
 * boolean filters (no weight) built by a FieldProcessor; request filters go
 * through the same function (field_filter()).  `speaker:v` matches v as a
 * phrase of A terms (so any part of a name or username, any case) OR the
 * exact XSPEAKER term.  `year:` takes 2019, 2019..2023, 2019.. or ..2023
 * (ranges run on the year value slot).  Repeats of a multi-valued field
 * (track, speaker) are ANDed; repeats of a single-valued one (type, lang,
 * year, id) are ORed.
 *
 * Values (slots):
 *   0  year         Xapian::sortable_serialise(year); absent when unknown
 *   1  title key    normalised title without leading punctuation (sorting)
 *   2  type         normalised type   (reserved for facets)
 *   3  language     normalised code   (reserved for facets)
 *   4  tracks       the tracks as written, separated by TAB (facets)
 *
 * Document data: omega's format, one name=value per line, a repeated name
 * is a list.  In values, backslash, newline, CR and TAB are written as
 * \\ \n \r \t.  Names: url caption(=title) sample(=start of the abstract, one
 * line) id year title type type_label duration track* language
 * speaker*(name[TAB username[TAB biography]]) translation* source page
 * timestamp abstract.  Empty or unknown fields are left out.
 *
 * Metadata: "wmsearch.schema" = SCHEMA_VERSION.  Spelling data: the words
 * of titles and abstracts (for "did you mean").
 */
#include <xapian.h>

#include <algorithm>
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

namespace {

const char SCHEMA_KEY[] = "wmsearch.schema";
const char SCHEMA_VERSION[] = "1";
const size_t MAX_TERM_BYTES = 245;
const size_t SAMPLE_BYTES = 300;
const int MODIFIED_RETRIES = 3;
const char ERROR_CONTEXT[] = "wmsearch";   // marks QueryParserErrors we made

enum field_id { F_TEXT, F_TITLE, F_SPEAKER_TEXT, F_SPEAKER, F_TRACK, F_TYPE, F_LANG,
                F_YEAR, F_ID, F_URL, F_SOURCE };

enum field_kind {
    KIND_TEXT,     // TermGenerator terms; a query field maps to add_prefix
    KIND_EXACT,    // one normalised boolean term per value
    KIND_VERBATIM, // one boolean term per value, as is
    KIND_SPEAKER,  // filter: phrase on A terms OR the exact XSPEAKER term
    KIND_YEAR      // filter: Y term or a range on the year slot
};

struct field_spec {
    field_id id;
    const char *query_name;   // the user's prefix ("track"), NULL when not searchable by name
    const char *prefix;       // Xapian term prefix
    field_kind kind;
    bool multi_valued;        // repeats in a query are ANDed (else ORed)
};

// The prefix table: indexing and query parsing both read it (in field_id order).
const field_spec FIELDS[] = {
    {F_TEXT, NULL, "", KIND_TEXT, false},
    {F_TITLE, "title", "S", KIND_TEXT, false},
    {F_SPEAKER_TEXT, NULL, "A", KIND_TEXT, true},
    {F_SPEAKER, "speaker", "XSPEAKER", KIND_SPEAKER, true},
    {F_TRACK, "track", "XTRACK", KIND_EXACT, true},
    {F_TYPE, "type", "XTYPE", KIND_EXACT, false},
    {F_LANG, "lang", "L", KIND_EXACT, false},
    {F_YEAR, "year", "Y", KIND_YEAR, false},
    {F_ID, "id", "Q", KIND_VERBATIM, false},
    {F_URL, NULL, "U", KIND_VERBATIM, false},
    {F_SOURCE, NULL, "P", KIND_VERBATIM, false},
};

enum value_slot { SLOT_YEAR = 0, SLOT_TITLE = 1, SLOT_TYPE = 2, SLOT_LANGUAGE = 3, SLOT_TRACKS = 4 };

const std::string prefix_of(field_id id) { return FIELDS[id].prefix; }

// An error of ours with its status, thrown inside and caught at the boundary.
struct store_failure {
    wm_store_status_t status;
    std::string message;
};

}  // namespace

struct wm_store {
    std::string path;
    bool writable = false;
    Xapian::WritableDatabase wdb;
    Xapian::Database db;      // the same database as wdb when writable
    std::string error;
};

namespace {

/* ---- text helpers --------------------------------------------------- */

std::string str_or_empty(const char *s) { return s ? s : ""; }

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
        {"page", &s->page_title}, {"timestamp", &s->timestamp},
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
}

// A new session rebuilt from document data (caller frees).
wm_session_t *decode_session(const std::string &data)
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

std::string joined_tracks(const wm_session_t *s)
{
    std::string out;
    for (size_t i = 0; i < s->n_tracks; i++)
        out += (i ? "\t" : "") + std::string(s->tracks[i]);
    return out;
}

void add_values(Xapian::Document &doc, const wm_session_t *s)
{
    if (s->year > 0)
        doc.add_value(SLOT_YEAR, Xapian::sortable_serialise(s->year));
    doc.add_value(SLOT_TITLE, title_sort_key(str_or_empty(s->title)));
    doc.add_value(SLOT_TYPE, normalise(str_or_empty(s->type)));
    doc.add_value(SLOT_LANGUAGE, normalise(str_or_empty(s->language)));
    doc.add_value(SLOT_TRACKS, joined_tracks(s));
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

/* ---- query fields --------------------------------------------------- */

// Syntax errors found by FieldProcessors: they must not throw (an exception
// thrown through Xapian's parser leaks its state), so they note the first one here.
struct query_errors {
    std::string first;
    void note(const std::string &message)
    {
        if (first.empty())
            first = message;
    }
};

// The user's value as a phrase of the A terms TermGenerator would make of it.
Xapian::Query speaker_text_query(const std::string &value)
{
    Xapian::Document scratch;
    Xapian::TermGenerator tg;
    tg.set_document(scratch);
    tg.index_text(username_as_text(value.c_str()), 1, prefix_of(F_SPEAKER_TEXT));
    std::vector<std::string> words;
    for (auto t = scratch.termlist_begin(); t != scratch.termlist_end(); ++t)
        for (auto p = t.positionlist_begin(); p != t.positionlist_end(); ++p) {
            if (words.size() < *p)
                words.resize(*p);
            words[*p - 1] = *t;
        }
    words.erase(std::remove(words.begin(), words.end(), std::string()), words.end());   // "" would match all
    if (words.size() == 1)
        return Xapian::Query(words[0]);
    return Xapian::Query(Xapian::Query::OP_PHRASE, words.begin(), words.end(), words.size());
}

Xapian::Query speaker_query(const std::string &value)
{
    Xapian::Query exact(prefix_of(F_SPEAKER) + normalise(username_as_text(value.c_str())));
    return Xapian::Query(Xapian::Query::OP_OR, speaker_text_query(value), exact);
}

bool parse_year(const std::string &text, double &year)
{
    if (text.empty() || text.size() > 6 || text.find_first_not_of("0123456789") != std::string::npos)
        return false;
    year = std::atoi(text.c_str());
    return true;
}

Xapian::Query year_query(const std::string &value, query_errors &errors)
{
    size_t dots = value.find("..");
    double from = 0, to = 0;
    if (dots == std::string::npos) {
        if (parse_year(value, from))   // the number, not the text: "02019" is Y2019
            return Xapian::Query(prefix_of(F_YEAR) + std::to_string(static_cast<int>(from)));
    } else {
        std::string a = value.substr(0, dots), b = value.substr(dots + 2);
        bool a_ok = a.empty() || parse_year(a, from), b_ok = b.empty() || parse_year(b, to);
        if (a_ok && b_ok && !(a.empty() && b.empty())) {
            if (a.empty())
                return Xapian::Query(Xapian::Query::OP_VALUE_LE, SLOT_YEAR, Xapian::sortable_serialise(to));
            if (b.empty())
                return Xapian::Query(Xapian::Query::OP_VALUE_GE, SLOT_YEAR, Xapian::sortable_serialise(from));
            if (from <= to)
                return Xapian::Query(Xapian::Query::OP_VALUE_RANGE, SLOT_YEAR,
                                     Xapian::sortable_serialise(from), Xapian::sortable_serialise(to));
            errors.note("year range " + value + " is empty");
            return Xapian::Query::MatchNothing;
        }
    }
    errors.note("year must be a year or a range like 2019..2023, not \"" + value + "\"");
    return Xapian::Query::MatchNothing;
}

// The filter for one field value: used by the query's prefixes and the request's filters alike.
Xapian::Query field_filter(field_id field, const std::string &value, query_errors &errors)
{
    switch (FIELDS[field].kind) {
    case KIND_SPEAKER: return speaker_query(value);
    case KIND_YEAR: return year_query(value, errors);
    case KIND_VERBATIM: return Xapian::Query(prefix_of(field) + value);
    default: return Xapian::Query(prefix_of(field) + normalise(value));
    }
}

class FilterProcessor : public Xapian::FieldProcessor {
    field_id field;
    query_errors &errors;
public:
    FilterProcessor(field_id f, query_errors &e) : field(f), errors(e) {}
    Xapian::Query operator()(const std::string &value) override { return field_filter(field, value, errors); }
};

// The query parser, set up from the prefix table.
void setup_parser(Xapian::QueryParser &qp, const Xapian::Database &db, query_errors &errors)
{
    qp.set_database(db);
    qp.set_stemmer(Xapian::Stem("english"));
    qp.set_stemming_strategy(Xapian::QueryParser::STEM_SOME);
    qp.set_default_op(Xapian::Query::OP_AND);
    const std::string and_each;   // empty grouping: each filter its own group (ANDed)
    for (const field_spec &f : FIELDS) {
        if (!f.query_name)
            continue;
        if (f.kind == KIND_TEXT) {
            qp.add_prefix(f.query_name, f.prefix);
            continue;
        }
        Xapian::FieldProcessor *proc = (new FilterProcessor(f.id, errors))->release();
        qp.add_boolean_prefix(f.query_name, proc, f.multi_valued ? &and_each : NULL);
    }
}

const unsigned PARSE_FLAGS = Xapian::QueryParser::FLAG_BOOLEAN | Xapian::QueryParser::FLAG_PHRASE |
    Xapian::QueryParser::FLAG_LOVEHATE | Xapian::QueryParser::FLAG_BOOLEAN_ANY_CASE |
    Xapian::QueryParser::FLAG_WILDCARD | Xapian::QueryParser::FLAG_PURE_NOT;

// Xapian's parser quietly mends unbalanced quotes and parentheses; we tell the user instead.
void check_balance(const std::string &query)
{
    bool in_quotes = false;
    int depth = 0;
    for (char c : query) {
        if (c == '"')
            in_quotes = !in_quotes;
        else if (!in_quotes && c == '(')
            depth++;
        else if (!in_quotes && c == ')' && --depth < 0)
            break;
    }
    if (in_quotes)
        throw store_failure{WM_STORE_QUERY_SYNTAX, "unbalanced quotes"};
    if (depth != 0)
        throw store_failure{WM_STORE_QUERY_SYNTAX, "unbalanced parentheses"};
}

bool is_blank(const char *s)
{
    for (; s && *s; s++)
        if (!strchr(" \t\r\n", *s))
            return false;
    return true;
}

Xapian::Query parse_user_query(const Xapian::Database &db, const char *text)
{
    if (is_blank(text))
        return Xapian::Query::MatchAll;
    check_balance(text);
    query_errors errors;
    Xapian::QueryParser qp;
    setup_parser(qp, db, errors);
    Xapian::Query query = qp.parse_query(text, PARSE_FLAGS);
    if (!errors.first.empty())
        throw store_failure{WM_STORE_QUERY_SYNTAX, errors.first};
    return query;
}

Xapian::Query build_query(const Xapian::Database &db, const wm_search_request_t *request)
{
    Xapian::Query query = parse_user_query(db, request->query);
    const struct { field_id field; const char *value; } filters[] = {
        {F_TRACK, request->track}, {F_SPEAKER, request->speaker}, {F_YEAR, request->year},
        {F_TYPE, request->type}, {F_LANG, request->language},
    };
    query_errors errors;
    for (auto &f : filters)
        if (!is_blank(f.value))
            query = Xapian::Query(Xapian::Query::OP_FILTER, query, field_filter(f.field, f.value, errors));
    if (!errors.first.empty())
        throw store_failure{WM_STORE_QUERY_SYNTAX, errors.first};
    return query;
}

/* ---- searching ------------------------------------------------------ */

void set_sort(Xapian::Enquire &enquire, const Xapian::Database &db, wm_sort_t sort,
              Xapian::MultiValueKeyMaker &oldest)
{
    switch (sort) {
    case WM_SORT_NEWEST:   // sessions without a year sort last: they have no value
        enquire.set_sort_by_value_then_relevance(SLOT_YEAR, true);
        break;
    case WM_SORT_OLDEST:   // ... and here a default above every year puts them last too
        oldest.add_value(SLOT_YEAR, false, db.get_value_upper_bound(SLOT_YEAR) + "x");
        enquire.set_sort_by_key_then_relevance(&oldest, false);
        break;
    case WM_SORT_TITLE:
        enquire.set_sort_by_value_then_relevance(SLOT_TITLE, false);
        break;
    default:
        break;
    }
}

wm_search_result_t *new_result(const Xapian::MSet &mset, const Xapian::Query &query)
{
    wm_search_result_t *result = static_cast<wm_search_result_t *>(calloc(1, sizeof *result));
    if (!result)
        throw std::bad_alloc();
    result->total = mset.get_matches_estimated();
    result->parsed_query = strdup(query.get_description().c_str());
    if (mset.size())
        result->hits = static_cast<wm_search_hit_t *>(calloc(mset.size(), sizeof *result->hits));
    if (!result->parsed_query || (mset.size() && !result->hits)) {
        wm_search_result_free(result);
        throw std::bad_alloc();
    }
    return result;
}

void fill_hits(wm_search_result_t *result, const Xapian::MSet &mset)
{
    for (auto it = mset.begin(); it != mset.end(); ++it) {
        wm_search_hit_t &hit = result->hits[result->n_hits];
        hit.session = decode_session(it.get_document().get_data());
        hit.score = it.get_weight();
        hit.rank = it.get_rank();
        result->n_hits++;
    }
}

wm_search_result_t *run_search(const Xapian::Database &db, const wm_search_request_t *request)
{
    Xapian::Query query = build_query(db, request);
    Xapian::Enquire enquire(db);
    enquire.set_query(query);
    Xapian::MultiValueKeyMaker oldest;
    set_sort(enquire, db, request->sort, oldest);
    Xapian::doccount all = db.get_doccount();
    Xapian::MSet mset = request->count_only ? enquire.get_mset(0, 0, all)
                                            : enquire.get_mset(request->offset, request->limit, all);
    wm_search_result_t *result = new_result(mset, query);
    try {
        fill_hits(result, mset);
    } catch (...) {
        wm_search_result_free(result);
        throw;
    }
    return result;
}

/* ---- errors at the boundary ------------------------------------------ */

// Call inside a catch block: the exception in flight as a status and a message.
wm_store_status_t describe_exception(const std::string &path, bool opening_to_read, std::string &message)
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

// Run body on the handle, turning any exception into a status and the handle's message.
template <typename Body>
wm_store_status_t guarded(wm_store_t *store, Body body)
{
    if (!store)
        return WM_STORE_ERROR;
    try {
        store->error.clear();
        body();
        return WM_STORE_OK;
    } catch (...) {
        std::string message;
        wm_store_status_t status = WM_STORE_NO_MEMORY;
        try {
            status = describe_exception(store->path, false, message);
            store->error = message;
        } catch (...) {
            store->error.clear();   // no memory even for the message
        }
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

wm_store_status_t wm_store_put_session(wm_store_t *store, const wm_session_t *session)
{
    return guarded(store, [&] {
        if (!store->writable)
            throw store_failure{WM_STORE_ERROR, "index " + store->path + " was opened read-only"};
        if (!session || !session->id || !*session->id)
            throw store_failure{WM_STORE_ERROR, "a session without an id cannot be indexed"};
        std::string id_term = prefix_of(F_ID) + session->id;
        if (id_term.size() > MAX_TERM_BYTES)
            throw store_failure{WM_STORE_ERROR, std::string("session id too long: ") + session->id};
        Xapian::Document doc = make_document(store->wdb, session);
        doc.add_boolean_term(id_term);
        store->wdb.replace_document(id_term, doc);
    });
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

wm_store_status_t wm_store_search(wm_store_t *store, const wm_search_request_t *request,
                                  wm_search_result_t **result)
{
    *result = NULL;
    return guarded(store, [&] {
        if (!request)
            throw store_failure{WM_STORE_ERROR, "no search request"};
        retrying(store->db, [&] { *result = run_search(store->db, request); });
    });
}

void wm_search_result_free(wm_search_result_t *result)
{
    if (!result)
        return;
    for (size_t i = 0; i < result->n_hits; i++)
        wm_session_free(result->hits[i].session);
    free(result->hits);
    free(result->parsed_query);
    free(result);
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
