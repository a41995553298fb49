/* The index, searching half: query parsing (the user's query language over
 * the prefix table in store/schema.h), filters, sorting, facets, snippets,
 * "more like this", and building the results handed
 * back through store/store.h.  No exception leaves this file. */
#include <xapian.h>

#include <algorithm>
#include <cctype>
#include <functional>
#include <bitset>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <new>
#include <string>
#include <vector>

#include "archive/session.h"
#include "common/util.h"
#include "store/store.h"
#include "store/schema.h"
#include "store/analysis.h"
#include "store/suggest.h"

using namespace wmstore;

namespace {

/* ---- query fields --------------------------------------------------- */

// What FieldProcessors found while Xapian's parser ran.  They must not
// throw (an exception thrown through the parser leaks its state), so they
// note the first syntax error here; and whether a status was named, which
// turns the default status policy off (add_filters); and which track:
// values the query quoted (fold_query: Xapian hands a FieldProcessor the
// value without its quotes).
struct query_errors {
    std::string first;
    bool names_status = false;
    bool parsing = false;                    // in Xapian's parser, not the request's options
    std::vector<std::string> quoted_tracks;  // folded, as the parser hands them over
    const Xapian::Database *db = nullptr;   // speaker: widens to people (people.cc)
    const std::vector<std::string> *index_languages = nullptr;   // while parsing: the index's (track:)
    void note(const std::string &message)
    {
        if (first.empty())
            first = message;
    }
};

// The user's value as a phrase of the terms of a words field (A, XE), as
// TermGenerator would make them.
Xapian::Query words_query(field_id field, const std::string &value)
{
    Xapian::Document scratch;
    Xapian::TermGenerator tg;
    tg.set_document(scratch);
    tg.index_text(fold(value), 1, prefix_of(field));
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

// speaker:, event:: any run of words of a name (a phrase), or the whole of
// it; '_' read as a space, as MediaWiki writes usernames.
Xapian::Query name_query(field_id field, const std::string &value)
{
    std::string text = username_as_text(value.c_str());
    Xapian::Query exact(prefix_of(field) + normalise(text));
    return Xapian::Query(Xapian::Query::OP_OR, words_query(FIELDS[field].words, text), exact);
}

// track:: a word of the query matches every track having that word (XT
// terms, folded and stemmed: track:glam finds "GLAM, Heritage, and
// Culture"); a quoted value, an option's value or a value of several
// words the whole track (XTRACK), as the facets count them.
Xapian::Query track_query(const std::string &value, const query_errors &notes)
{
    std::string exact = prefix_of(F_TRACK) + normalise(value);
    const std::vector<std::string> &quoted = notes.quoted_tracks;
    if (!notes.parsing || std::find(quoted.begin(), quoted.end(), value) != quoted.end())
        return Xapian::Query(exact);
    Xapian::Document scratch;
    Xapian::TermGenerator tg;
    tg.set_document(scratch);
    tg.index_text(fold(value));
    if (scratch.termlist_count() != 1)
        return Xapian::Query(exact);
    const std::string word = *scratch.termlist_begin(), words = prefix_of(F_TRACK_WORDS);
    Xapian::Stem english("english");
    std::vector<Xapian::Query> any{Xapian::Query(exact), Xapian::Query(words + word),
                                   Xapian::Query("Z" + words + english(word))};
    // The stems of the other languages of the index that some track has
    // (a German session's "Bibliotheken" for track:bibliothek).
    static const std::vector<std::string> none;
    Xapian::Stem other;
    for (const std::string &language : notes.index_languages ? *notes.index_languages : none) {
        std::string stem = stemmer_for(language, other) ? other(word) : "";
        if (!stem.empty() && stem != english(word) && notes.db->term_exists("Z" + words + stem))
            any.emplace_back("Z" + words + stem);
    }
    return Xapian::Query(Xapian::Query::OP_OR, any.begin(), any.end());
}

// status:: the normalised word; "any" for every session (the user asks for
// the default policy off and nothing else); the British spelling as well.
Xapian::Query status_query(const std::string &value, query_errors &notes)
{
    notes.names_status = true;
    std::string status = normalise(value);
    if (status == "any")
        return Xapian::Query::MatchAll;
    if (status == "cancelled")
        status = WM_STATUS_CANCELED;
    return Xapian::Query(prefix_of(F_STATUS) + status);
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
    case KIND_NAME:
        if (field == F_SPEAKER && errors.db)   // people: any name form or username of the person
            return Xapian::Query(Xapian::Query::OP_OR, name_query(field, value), people_query(*errors.db, value));
        return name_query(field, value);
    case KIND_TRACK: return track_query(value, errors);
    case KIND_YEAR: return year_query(value, errors);
    case KIND_STATUS: return status_query(value, errors);
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

// The English stemmer for the query parser, noting which words gave
// which stem: stemmed_query() stems them again in other languages.
class noting_stemmer : public Xapian::StemImplementation {
    Xapian::Stem english{"english"};
public:
    std::map<std::string, std::vector<std::string>> words_of_stem;
    std::string operator()(const std::string &word) override
    {
        std::string stem = english(word);
        std::vector<std::string> &words = words_of_stem[stem];
        if (std::find(words.begin(), words.end(), word) == words.end())
            words.push_back(word);
        return stem;
    }
    std::string get_description() const override { return "wmsearch.noting english"; }
};

// The next term of an all-terms walk over a prefix whose few terms each
// index many sessions (L, XSTATUS): ++ steps through every block of a
// term's posting list on the way to the next term (about 30 block reads
// for the languages at 100,000 sessions); skip_to past the term seeks it.
// No term continues with a byte below 0x01.
void next_term(Xapian::TermIterator &it)
{
    it.skip_to(*it + '\x01');
}

// The base codes of the index's languages, one for each of its L terms,
// in term order ("pt" twice for pt and pt-BR).  About ten block reads at
// 100,000 sessions (see next_term).
std::vector<std::string> index_languages(const Xapian::Database &db)
{
    std::vector<std::string> codes;
    const std::string prefix = prefix_of(F_LANG);
    for (auto it = db.allterms_begin(prefix); it != db.allterms_end(prefix); next_term(it))
        codes.push_back(base_language((*it).substr(prefix.size())));
    return codes;
}

// The index's languages for the queries one search parses (its own, a
// spelling correction's, a suggestion's count): walked once, when the
// first of them needs them.  A search that parses none walks nothing.
class language_cache {
    std::vector<std::string> codes;
    bool known = false;
public:
    const std::vector<std::string> &of(const Xapian::Database &db)
    {
        if (!known) {
            codes = index_languages(db);
            known = true;
        }
        return codes;
    }
};

// What the parser needs of the text analysis (store/analysis.h) for one
// query: the languages of the index besides English (from its L terms),
// their stopwords and stemmers.
struct query_analysis {
    const std::vector<std::string> &index_codes;   // index_languages()
    std::vector<std::string> languages;   // base codes with a stemmer or stopwords, not "en"
    std::unique_ptr<language_stopper> stopper;
    noting_stemmer *stemmer = nullptr;    // owned by the parser's Xapian::Stem

    const Xapian::Database &db;

    query_analysis(const Xapian::Database &database, const std::vector<std::string> &codes)
        : index_codes(codes), db(database)
    {
        for (const std::string &language : codes)
            if (language != "en" && std::find(languages.begin(), languages.end(), language) == languages.end() &&
                (has_stemmer(language) || has_stopword_list(language)))
                languages.push_back(language);
        stopper.reset(new language_stopper(languages));
    }
};

// The query parser, set up from the prefix table.  Several values of one
// filter field are ORed, different fields ANDed (Xapian's grouping by field).
void setup_parser(Xapian::QueryParser &qp, const Xapian::Database &db, query_errors &errors,
                  query_analysis &analysis)
{
    qp.set_database(db);
    analysis.stemmer = new noting_stemmer;
    qp.set_stemmer(Xapian::Stem(analysis.stemmer));
    qp.set_stemming_strategy(Xapian::QueryParser::STEM_SOME);
    qp.set_stopper(analysis.stopper.get());
    qp.set_default_op(Xapian::Query::OP_AND);
    for (const field_spec &f : FIELDS) {
        if (!f.query_name)
            continue;
        if (f.kind == KIND_TEXT) {
            qp.add_prefix(f.query_name, f.prefix);
            continue;
        }
        qp.add_boolean_prefix(f.query_name, (new FilterProcessor(f.id, errors))->release());
    }
}

// A stem term of the free text or the title: its field prefix ("" or "S").
bool stem_term(const std::string &term, std::string &prefix, std::string &stem)
{
    if (term.size() < 2 || term[0] != 'Z')
        return false;
    size_t start = term[1] == 'S' ? 2 : 1;
    if (term[start] >= 'A' && term[start] <= 'Z')
        return false;   // another field's (ZXT: track words)
    prefix = term.substr(1, start - 1);
    stem = term.substr(start);
    return true;
}

// query with each stemmed word also stemmed in the index's other languages
// (a French session has its French stems besides the English ones), and a
// stopword as itself too.  The other stems match without weight, as they
// are indexed (wdf 0): English sessions rank as before, and once Xapian's
// top ten are found it skips postings that cannot raise a weight.  Only the operators the parser
// builds around words are rebuilt; phrases (unstemmed), wildcards, ranges
// and weight scaling stay as they are.
Xapian::Query stemmed_query(const Xapian::Query &query, const query_analysis &analysis)
{
    Xapian::Query::op type = query.get_type();
    if (type == Xapian::Query::LEAF_TERM) {
        std::string term = *query.get_terms_begin(), prefix, stem;
        auto words = analysis.stemmer->words_of_stem.find(stem_term(term, prefix, stem) ? stem : std::string());
        if (words == analysis.stemmer->words_of_stem.end() || stem.empty())
            return query;
        std::vector<Xapian::Query> weighed{query};
        std::vector<std::string> matching;   // other languages' stems
        std::vector<std::string> walked;     // the other languages' stems looked up
        Xapian::Stem other;
        auto add_matching = [&](const std::string &t) {
            if (std::find(matching.begin(), matching.end(), t) == matching.end())
                matching.push_back(t);
        };
        for (const std::string &word : words->second) {
            // Only stems some session has: a lone term stays a term, which
            // Xapian counts without reading its postings.
            for (const std::string &language : analysis.languages)
                if (stemmer_for(language, other)) {
                    std::string own = other(word);
                    if (std::find(walked.begin(), walked.end(), own) != walked.end())
                        continue;   // another language's stem of the word too (es, fr, id: "sprint")
                    walked.push_back(own);
                    if ("Z" + prefix + own != term && analysis.db.term_exists("Z" + prefix + own))
                        add_matching("Z" + prefix + own);   // some word's English stem
                    // The sessions with a word of that stem in their own
                    // language (store/analysis.h), but those whose word has
                    // the English stem searched already: term finds them.
                    const std::string stems = own_stem_term(prefix, own, "");
                    for (auto it = analysis.db.allterms_begin(stems); it != analysis.db.allterms_end(stems); ++it)
                        if ((*it).compare(stems.size(), std::string::npos, stem) != 0)
                            add_matching(*it);
                }
            // A stopword has no stem in the index (STOP_STEMMED), only
            // itself: for a query of stopwords only, which Xapian keeps.
            if ((*analysis.stopper)(word) && analysis.db.term_exists(prefix + word))
                weighed.emplace_back(prefix + word);
        }
        if (!matching.empty())
            weighed.emplace_back(Xapian::Query::OP_SCALE_WEIGHT,
                                 Xapian::Query(Xapian::Query::OP_OR, matching.begin(), matching.end()), 0.0);
        if (weighed.size() == 1)
            return query;
        return Xapian::Query(Xapian::Query::OP_OR, weighed.begin(), weighed.end());
    }
    static const Xapian::Query::op rebuilt[] = {
        Xapian::Query::OP_AND, Xapian::Query::OP_OR, Xapian::Query::OP_AND_NOT, Xapian::Query::OP_XOR,
        Xapian::Query::OP_AND_MAYBE, Xapian::Query::OP_FILTER, Xapian::Query::OP_SYNONYM, Xapian::Query::OP_MAX};
    if (std::find(std::begin(rebuilt), std::end(rebuilt), type) == std::end(rebuilt))
        return query;
    std::vector<Xapian::Query> parts;
    for (size_t i = 0; i < query.get_num_subqueries(); i++)
        parts.push_back(stemmed_query(query.get_subquery(i), analysis));
    return Xapian::Query(type, parts.begin(), parts.end());
}

// Words the parser left out as stopwords still rank, none is required:
// sessions with them in the title come first (S terms: "they were" of
// "what they were, how to get", which a known-item search types); words
// that English does not count as stopwords ("war" is a German stopword,
// "la" a French one) anywhere in the text too.  English stopwords are in
// nearly every abstract: there they would say nothing and cost long
// posting lists.
Xapian::Query with_stopped_words(const Xapian::Query &query, const Xapian::QueryParser &qp)
{
    std::vector<Xapian::Query> boosts;
    Xapian::Stem english("english");
    for (auto it = qp.stoplist_begin(); it != qp.stoplist_end(); ++it) {
        boosts.emplace_back(prefix_of(F_TITLE) + *it);
        if (!is_stopword("en", *it)) {
            boosts.emplace_back(*it);
            boosts.emplace_back("Z" + english(*it));
        }
    }
    if (boosts.empty())
        return query;
    return Xapian::Query(Xapian::Query::OP_AND_MAYBE, query,
                         Xapian::Query(Xapian::Query::OP_OR, boosts.begin(), boosts.end()));
}

// The values of track:"..." in the (folded) query text, as the parser
// hands them to the FieldProcessor.
std::vector<std::string> quoted_tracks(const std::string &text)
{
    std::vector<std::string> values;
    const std::string name = std::string(FIELDS[F_TRACK].query_name) + ":\"";
    for (size_t at = text.find(name); at != std::string::npos; at = text.find(name, at + 1)) {
        if (at > 0 && !strchr(" \t\r\n(+-", text[at - 1]))
            continue;
        size_t start = at + name.size(), end = text.find('"', start);
        values.push_back(text.substr(start, end == std::string::npos ? std::string::npos : end - start));
    }
    return values;
}

// The query text folded as indexed text is (store/analysis.h), but for
// the values of fields taken as is (id:), which are not words.
std::string fold_query(const std::string &text)
{
    std::string out;
    size_t done = 0;
    for (const field_spec &f : FIELDS) {
        if (!f.query_name || f.kind != KIND_VERBATIM)
            continue;
        std::string name = std::string(f.query_name) + ":";
        for (size_t at = text.find(name, done); at != std::string::npos; at = text.find(name, at + 1)) {
            if (at > 0 && !strchr(" \t\r\n(+-", text[at - 1]))
                continue;
            size_t start = at + name.size(), end;
            if (start < text.size() && text[start] == '"')
                end = text.find('"', start + 1);
            else
                end = text.find_first_of(" \t\r\n)", start);
            end = end == std::string::npos ? text.size() : end + (text[start] == '"' ? 1 : 0);
            out += fold(text.substr(done, start - done)) + text.substr(start, end - start);
            done = end;
            at = end - 1;
        }
    }
    return out + fold(text.substr(done));
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

// Xapian's parser reads a query of excluded words only ("-museums") as
// the words themselves: the user asked for everything but them.  Such a
// query (every word, phrase or group at the top level starts with '-')
// becomes "NOT museums ...", which FLAG_PURE_NOT reads as meant.  Other
// text comes back as it is.
std::string excluded_only_as_not(const std::string &text)
{
    std::vector<std::string> parts;
    bool in_quotes = false;
    int depth = 0;
    std::string part;
    for (char c : text + " ") {
        if (!in_quotes && depth == 0 && strchr(" \t\r\n", c)) {
            if (!part.empty())
                parts.push_back(part);
            part.clear();
            continue;
        }
        in_quotes = c == '"' ? !in_quotes : in_quotes;
        depth += in_quotes ? 0 : c == '(' ? 1 : c == ')' ? -1 : 0;
        part += c;
    }
    if (parts.empty())
        return text;
    std::string rewritten;
    for (const std::string &p : parts) {
        if (p.size() < 2 || p[0] != '-')
            return text;
        rewritten += (rewritten.empty() ? "NOT " : " NOT ") + p.substr(1);
    }
    return rewritten;
}

// The user's query.  With corrected, only the query with misspelt words
// replaced from the index's spelling data ("" when nothing to correct)
// into it, and the parser's query as it is: "did you mean" wants the
// text, and the other languages' stems cost term lookups.
// errors.names_status says whether it named a status.  languages: the
// search's (language_cache).
Xapian::Query parse_user_query(const Xapian::Database &db, const char *text, query_errors &errors,
                               language_cache &languages, std::string *corrected = NULL)
{
    if (is_blank(text))
        return Xapian::Query::MatchAll;
    check_balance(text);
    errors.db = &db;
    Xapian::QueryParser qp;
    query_analysis analysis(db, languages.of(db));
    setup_parser(qp, db, errors, analysis);
    unsigned flags = PARSE_FLAGS | (corrected ? Xapian::QueryParser::FLAG_SPELLING_CORRECTION : 0);
    std::string folded = fold_query(excluded_only_as_not(text));
    errors.quoted_tracks = quoted_tracks(folded);
    errors.parsing = true;
    errors.index_languages = &analysis.index_codes;
    Xapian::Query query = qp.parse_query(folded, flags);
    errors.parsing = false;
    errors.index_languages = nullptr;
    if (!errors.first.empty())
        throw store_failure{WM_STORE_QUERY_SYNTAX, errors.first};
    if (corrected) {
        *corrected = qp.get_corrected_query_string();
        return query;
    }
    return with_stopped_words(stemmed_query(query, analysis), qp);
}

// The default status policy: query without the sessions whose status did
// not take place.  The statuses come from the index's own XSTATUS terms,
// so a word this build does not know is judged by wm_status_took_place()
// too; an index without such sessions gets query unchanged.
Xapian::Query without_unheld(const Xapian::Database &db, const Xapian::Query &query)
{
    const std::string prefix = prefix_of(F_STATUS);
    std::vector<std::string> hidden;
    for (auto it = db.allterms_begin(prefix); it != db.allterms_end(prefix); next_term(it))
        if (!wm_status_took_place((*it).substr(prefix.size()).c_str()))
            hidden.push_back(*it);
    if (hidden.empty())
        return query;
    return Xapian::Query(Xapian::Query::OP_AND_NOT, query,
                         Xapian::Query(Xapian::Query::OP_OR, hidden.begin(), hidden.end()));
}

// Any of the values of a field: value (NULL: none) and the NULL-terminated list values.
Xapian::Query any_of(field_id field, const char *value, const char *const *values, query_errors &errors)
{
    std::vector<Xapian::Query> alternatives;
    if (!is_blank(value))
        alternatives.push_back(field_filter(field, value, errors));
    for (; values && *values; values++)
        if (!is_blank(*values))
            alternatives.push_back(field_filter(field, *values, errors));
    if (alternatives.empty())
        return Xapian::Query::MatchAll;
    return Xapian::Query(Xapian::Query::OP_OR, alternatives.begin(), alternatives.end());
}

// The request's option filters applied to query, then the default status
// policy unless the query (errors.names_status, from parse_user_query) or
// the request named a status.  As in the query: the values of one field
// ORed, different fields ANDed.
Xapian::Query add_filters(const Xapian::Database &db, Xapian::Query query, const wm_search_request_t *request,
                          query_errors &errors)
{
    errors.db = &db;
    const struct { field_id field; const char *value; const char *const *values; } filters[] = {
        {F_TRACK, request->track, request->tracks}, {F_SPEAKER, request->speaker, request->speakers},
        {F_YEAR, request->year, request->years}, {F_TYPE, request->type, request->types},
        {F_LANG, request->language, request->languages}, {F_EVENT, NULL, request->events},
        {F_STATUS, NULL, request->statuses},
    };
    for (auto &f : filters) {
        Xapian::Query any = any_of(f.field, f.value, f.values, errors);
        if (any.get_type() != Xapian::Query::LEAF_MATCH_ALL)
            query = Xapian::Query(Xapian::Query::OP_FILTER, query, any);
    }
    if (!errors.first.empty())
        throw store_failure{WM_STORE_QUERY_SYNTAX, errors.first};
    return errors.names_status ? query : without_unheld(db, query);
}

}  // namespace

// enquire's matches of query, as Enquire::get_mset.  Xapian 1.4.22 fails
// ("Unexpected end of posting list for 'Y2019'", a DatabaseCorruptError)
// on a weightless query (filters only) whose term is in every document of
// an index with a deleted document and the term's postings in two chunks
// or more: a merged index has them after the first removal (wmindex --jobs,
// store/build.cc), a large one written in place too.  The same filters
// under MatchAll match the same documents with the same (zero) weights and
// take another path in Xapian.  A query with weights never takes that path.
// before_retry (may be empty) sets the match spies afresh: they counted
// part of the failed run.
Xapian::MSet wmstore::get_mset_of(Xapian::Enquire &enquire, const Xapian::Query &query, Xapian::doccount first,
                                  Xapian::doccount most, Xapian::doccount check,
                                  const std::function<void()> &before_retry)
{
    try {
        return enquire.get_mset(first, most, check);
    } catch (const Xapian::DatabaseCorruptError &) {
        if (before_retry)
            before_retry();
        enquire.set_query(Xapian::Query(Xapian::Query::OP_FILTER, Xapian::Query::MatchAll, query));
        return enquire.get_mset(first, most, check);
    }
}

Xapian::Query wmstore::filtered(const Xapian::Database &db, const Xapian::Query &query,
                                const wm_search_request_t *request)
{
    query_errors errors;
    return add_filters(db, query, request, errors);
}

namespace {

Xapian::Query build_query(const Xapian::Database &db, const wm_search_request_t *request, language_cache &languages)
{
    query_errors errors;
    Xapian::Query query = parse_user_query(db, request->query, errors, languages);
    return add_filters(db, query, request, errors);
}


/* ---- facets ---------------------------------------------------------- */

// Where each facet's values live; multi-valued ones hold a TAB-separated list.
const struct { const char *name; const char *plural; value_slot slot; bool list; } FACETS[WM_FACET_COUNT] = {
    {"track", "tracks", SLOT_TRACKS, true},
    {"year", "years", SLOT_YEAR, false},
    {"type", "types", SLOT_TYPE, false},
    {"language", "languages", SLOT_LANGUAGE, false},
    {"speaker", "speakers", SLOT_SPEAKER_PAIRS, true},   // counted by person (people.cc)
    {"event", "events", SLOT_EVENT, false},
    {"status", "statuses", SLOT_STATUS, false},
};

// Facets are counted by Xapian's own ValueCountMatchSpy, the one spy a
// remote shard (stock xapian-tcpsrv) runs and sends back: it counts the
// matches having each distinct slot value, over every shard.  A list
// (tracks, speakers) is split afterwards: each distinct value's count goes
// to each distinct item of it, which is each matching document counted once
// per item, whatever the number of shards.
struct facet_tally {
    std::unique_ptr<Xapian::ValueCountMatchSpy> spies[WM_FACET_COUNT];
};

void add_facet_spies(Xapian::Enquire &enquire, const wm_search_request_t *request, facet_tally &tally)
{
    for (int f = 0; f < WM_FACET_COUNT; f++) {
        if (!(request->facets & (1u << f)))
            continue;
        tally.spies[f].reset(new Xapian::ValueCountMatchSpy(FACETS[f].slot));
        enquire.add_matchspy(tally.spies[f].get());
    }
}

// The spy's distinct values with their counts.
std::map<std::string, Xapian::doccount> spied_values(const Xapian::ValueCountMatchSpy &spy)
{
    std::map<std::string, Xapian::doccount> values;
    for (auto it = spy.values_begin(); it != spy.values_end(); ++it)
        values[*it] = it.get_termfreq();
    return values;
}

// Each distinct item of a list value gets the value's count.
std::map<std::string, Xapian::doccount> split_lists(const std::map<std::string, Xapian::doccount> &values)
{
    std::map<std::string, Xapian::doccount> counts;
    for (const auto &entry : values) {
        const std::string &value = entry.first;
        std::vector<std::string> seen;
        for (size_t start = 0; start < value.size();) {
            size_t tab = std::min(value.find('\t', start), value.size());
            std::string item = value.substr(start, tab - start);
            start = tab + 1;
            if (item.empty() || std::find(seen.begin(), seen.end(), item) != seen.end())
                continue;   // one count per document even if a track is listed twice
            counts[item] += entry.second;
            seen.push_back(item);
        }
    }
    return counts;
}

std::string facet_label(int facet, const std::string &raw)
{
    if (facet == WM_FACET_YEAR)
        return std::to_string(static_cast<int>(Xapian::sortable_unserialise(raw)));
    return raw;
}

void fill_facet(wm_facet_counts_t &out, int facet, const std::map<std::string, Xapian::doccount> &counts)
{
    std::vector<std::pair<std::string, Xapian::doccount>> sorted;
    for (auto &entry : counts)
        sorted.emplace_back(facet_label(facet, entry.first), entry.second);
    std::stable_sort(sorted.begin(), sorted.end(), [](const auto &a, const auto &b) {
        return a.second != b.second ? a.second > b.second : a.first < b.first;
    });
    out.counted = true;
    if (sorted.empty())
        return;
    out.values = static_cast<wm_facet_value_t *>(calloc(sorted.size(), sizeof *out.values));
    if (!out.values)
        throw std::bad_alloc();
    for (auto &entry : sorted) {
        wm_facet_value_t &v = out.values[out.n_values];
        if (!(v.value = strdup(entry.first.c_str())))
            throw std::bad_alloc();
        v.count = entry.second;
        out.n_values++;
    }
}

void fill_facets(wm_search_result_t *result, const wm_search_request_t *request, const facet_tally &tally)
{
    for (int f = 0; f < WM_FACET_COUNT; f++) {
        if (!(request->facets & (1u << f)) || !tally.spies[f])
            continue;
        std::map<std::string, Xapian::doccount> values = spied_values(*tally.spies[f]);
        if (f == WM_FACET_SPEAKER)
            fill_people_facet(result->facets[f], values);   // name TAB username pairs
        else
            fill_facet(result->facets[f], f, FACETS[f].list ? split_lists(values) : values);
    }
}

/* ---- snippets -------------------------------------------------------- */

// Sentinels for Xapian's highlighting: HTML-free, and never in our text (removed first).
const char MARK_START = '\x01', MARK_END = '\x02';

// MSet::snippet escapes for HTML; we print plain text.
std::string unescape_html(const std::string &text)
{
    static const struct { const char *entity; char ch; } entities[] = {
        {"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&#39;", '\''}, {"&apos;", '\''},
    };
    std::string out;
    out.reserve(text.size());
    for (size_t i = 0; i < text.size();) {
        bool replaced = false;
        for (auto &e : entities)   // all start with '&': no comparing at other characters
            if (text[i] == '&' && text.compare(i, strlen(e.entity), e.entity) == 0) {
                out += e.ch;
                i += strlen(e.entity);
                replaced = true;
                break;
            }
        if (!replaced)
            out += text[i++];
    }
    return out;
}

// One line: white space runs become one space, the sentinels become the caller's markers.
std::string finish_snippet(const std::string &text, const wm_search_request_t *request)
{
    std::string out;
    out.reserve(text.size() + 32);
    auto plain = [](char c) { return c != MARK_START && c != MARK_END && c != ' ' && c != '\t' && c != '\r' && c != '\n'; };
    for (size_t at = 0; at < text.size(); at++) {
        size_t run = at;
        while (run < text.size() && plain(text[run]))
            run++;
        out.append(text, at, run - at);   // the characters up to the next mark or space at once
        if (run == text.size())
            break;
        at = run;
        char c = text[at];
        if (c == MARK_START)
            out += str_or_empty(request->highlight_start);
        else if (c == MARK_END)
            out += str_or_empty(request->highlight_end);
        else if (!out.empty() && out.back() != ' ')   // white space
            out += ' ';
    }
    while (!out.empty() && out.back() == ' ')
        out.pop_back();
    return out;
}

// The first bytes of text, cut at a space (or a character boundary), "..." when cut.
std::string opening(const std::string &text, size_t bytes)
{
    if (text.size() <= bytes)
        return text;
    size_t cut = text.rfind(' ', bytes);
    if (cut == std::string::npos || cut < bytes / 2) {
        cut = bytes;
        while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80)
            cut--;
    }
    return text.substr(0, cut) + "...";
}

// Whether MSet::snippet() can find query in any text.  It matches words of
// the text (lower-cased, unprefixed) to the query's terms, their "Z" stems,
// phrases of them and wildcard patterns; a prefixed term (S, A, XTRACK, L,
// Y...) never equals such a word.  A query of only those (filters, title:,
// speaker:) would give "" for every hit after parsing every abstract (and,
// with the background model used then, looking up the frequency of each
// of its words: 1.7 ms of a 3.7 ms wmquery on 25,000 sessions).  Unsure (a
// wildcard's pattern is not public) counts as yes.
bool snippet_may_match(const Xapian::Query &query)
{
    Xapian::Query::op type = query.get_type();
    if (type == Xapian::Query::OP_WILDCARD)
        return true;
    if (type == Xapian::Query::LEAF_TERM) {
        std::string term = *query.get_terms_begin();
        size_t start = term.size() > 1 && term[0] == 'Z' ? 1 : 0;   // a stem
        return !term.empty() && !(term[start] >= 'A' && term[start] <= 'Z');
    }
    for (size_t i = 0; i < query.get_num_subqueries(); i++)
        if (snippet_may_match(query.get_subquery(i)))
            return true;
    return false;
}

// The first bytes of query's stemmed terms: w of each "Zword".  A "Z" term
// of nothing would match the "" remembering_stemmer answers for other
// words, so it lets every word through.
void stem_initials(const Xapian::Query &query, std::bitset<256> &initials)
{
    if (query.get_type() == Xapian::Query::LEAF_TERM) {
        std::string term = *query.get_terms_begin();
        if (term == "Z")
            initials.set();
        else if (term.size() > 1 && term[0] == 'Z')
            initials.set(static_cast<unsigned char>(term[1]));
    }
    for (size_t i = 0; i < query.get_num_subqueries(); i++)
        stem_initials(query.get_subquery(i), initials);
}

// The English stemmer as MSet::snippet() needs it, for one query.
// snippet() stems every word of every abstract it is given only to look
// "Z" + stem up among the query's terms.  An English stem begins with its
// word's first byte (Snowball's english stemmer rewrites endings; its one
// change at the start, dropping an apostrophe, cannot happen to a Xapian
// word), so a word whose first byte begins no stemmed query term matches
// none: it gets "" without stemming.  The other words repeat across a page
// of hits, so their stems are remembered (caching_stemmer_of, bounded far
// above a page's words).  Stemming every word took a quarter of the
// snippets' instructions, now under a tenth; the stems that can match are
// Xapian's own, so the snippets do not change.
class remembering_stemmer : public Xapian::StemImplementation {
    Xapian::Stem english = caching_stemmer_of(Xapian::Stem("english"), 32768);
    std::bitset<256> initials;

  public:
    explicit remembering_stemmer(const Xapian::Query &query) { stem_initials(query, initials); }
    std::string operator()(const std::string &word) override
    {
        if (word.empty() || !initials[static_cast<unsigned char>(word[0])])
            return std::string();
        return english(word);
    }
    std::string get_description() const override { return "remembering " + english.get_description(); }
};

// The pattern of a wildcard query (wiki of wiki*), from its description
// ("Query(WILDCARD SYNONYM wiki)"): Xapian 1.4 has no accessor for it.
// False for a description of another shape (another Xapian).
bool wildcard_pattern(const Xapian::Query &query, std::string &pattern)
{
    const std::string description = query.get_description(), head = "Query(WILDCARD ";
    if (description.compare(0, head.size(), head) != 0 || description.back() != ')')
        return false;
    size_t space = description.find(' ', head.size());   // after the combiner's name
    if (space == std::string::npos)
        return false;
    pattern = description.substr(space + 1, description.size() - space - 2);
    return !pattern.empty() && pattern.find(' ') == std::string::npos;
}

// The words a snippet highlights: the query's unprefixed terms and its
// "Z" stems (an English stem of a word of the text is looked up there)
// and its unprefixed wildcards' patterns (a word beginning with one), from
// what the query looks for, not what it excludes (AND_NOT's right side).
// A wildcard whose pattern cannot be read keeps MSet::snippet().
struct snippet_terms {
    std::vector<std::string> words, stems;   // a few: looked through, lengths first (contains)
    std::vector<std::string> patterns;
    std::bitset<256> stem_initials;   // the first bytes of stems: a word beginning otherwise is not stemmed
    std::bitset<256> initials;        // the first bytes of words, stems and patterns: a word beginning otherwise matches none
    size_t shortest_stem = SIZE_MAX;  // a shorter word is not stemmed (matching_term)
    bool wildcard = false;            // a pattern that could not be read
};

// Whether the few strings of list hold s (a std::set's look-up compared
// more bytes than this, for every word of an abstract that begins like a
// query term).
bool contains(const std::vector<std::string> &list, const std::string &s)
{
    return std::find(list.begin(), list.end(), s) != list.end();   // == compares the lengths first
}

void collect_snippet_terms(const Xapian::Query &query, snippet_terms &terms)
{
    Xapian::Query::op type = query.get_type();
    std::string pattern;
    if (type == Xapian::Query::OP_WILDCARD && !wildcard_pattern(query, pattern))
        terms.wildcard = true;
    else if (type == Xapian::Query::OP_WILDCARD && !(pattern[0] >= 'A' && pattern[0] <= 'Z')) {   // not a field's
        terms.patterns.push_back(pattern);
        terms.initials.set(static_cast<unsigned char>(pattern[0]));
    }
    if (type == Xapian::Query::LEAF_TERM) {
        const std::string term = *query.get_terms_begin();
        if (term.size() > 1 && term[0] == 'Z' && !(term[1] >= 'A' && term[1] <= 'Z')) {
            std::string stem = term.substr(1, term.find(OWN_STEM_SEPARATOR) - 1);   // an own-language stem: the stem
            terms.shortest_stem = std::min(terms.shortest_stem, stem.size());
            if (!contains(terms.stems, stem))
                terms.stems.push_back(stem);
            terms.stem_initials.set(static_cast<unsigned char>(term[1]));
            terms.initials.set(static_cast<unsigned char>(term[1]));
        }
        else if (!term.empty() && !(term[0] >= 'A' && term[0] <= 'Z')) {
            if (!contains(terms.words, term))
                terms.words.push_back(term);
            terms.initials.set(static_cast<unsigned char>(term[0]));
        }
    }
    size_t n = type == Xapian::Query::OP_AND_NOT ? std::min<size_t>(1, query.get_num_subqueries())
                                                 : query.get_num_subqueries();
    for (size_t i = 0; i < n; i++)
        collect_snippet_terms(query.get_subquery(i), terms);
}

// A word of the abstract: its bytes, and which query term it matches (-1: none).
struct text_word {
    size_t start, end;
    int term = -1;
};

// The character at text[i] (i < text.size()) into ch, and its length in
// bytes.  A byte that begins no valid sequence is one character, U+FFFD
// (not a word character), as Xapian's Utf8Iterator reads it.
size_t decode_utf8(const std::string &text, size_t i, unsigned &ch)
{
    unsigned char c = static_cast<unsigned char>(text[i]);
    size_t length = c < 0x80 ? 1 : c >= 0xC2 && c < 0xE0 ? 2 : c >= 0xE0 && c < 0xF0 ? 3 : c >= 0xF0 && c < 0xF5 ? 4 : 0;
    ch = length == 1 ? c : c & (0x7F >> length);
    for (size_t k = 1; k < length; k++) {
        unsigned char next = i + k < text.size() ? static_cast<unsigned char>(text[i + k]) : 0;
        if ((next & 0xC0) != 0x80)
            length = 0;
        else
            ch = (ch << 6) | (next & 0x3F);
        if (!length)
            break;
    }
    if (!length) {
        ch = 0xFFFD;
        return 1;
    }
    return length;
}

// decode_utf8, ASCII (most text) without a call.
inline size_t char_at(const std::string &text, size_t i, unsigned &ch)
{
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
        ch = c;
        return 1;
    }
    return decode_utf8(text, i, ch);
}

// What each byte of UTF-8 text is to the word scanner: an ASCII word
// character (letters, digits, '_', as Xapian reads them), another ASCII
// character (NUL too), or part of a longer character (to be decoded).
enum byte_class : unsigned char { BYTE_OTHER, BYTE_WORD, BYTE_UTF8 };
struct byte_classes {
    byte_class of[256];
    constexpr byte_classes() : of()
    {
        for (unsigned ch = 0; ch < 256; ch++)
            of[ch] = ch >= 0x80 ? BYTE_UTF8
                     : ((ch | 0x20) >= 'a' && (ch | 0x20) <= 'z') || (ch >= '0' && ch <= '9') || ch == '_' ? BYTE_WORD
                     : BYTE_OTHER;
    }
};
constexpr byte_classes BYTE_CLASSES;

// ASCII from a table (isalnum was a libc call per letter of every
// abstract, the comparisons a quarter of the snippets' work); the same
// answer in any locale for ASCII.
inline bool is_word_char(unsigned ch)
{
    if (ch < 0x80)
        return BYTE_CLASSES.of[ch] == BYTE_WORD;
    return Xapian::Unicode::is_wordchar(ch);
}

// The number in matched of the query term a folded word matches (added
// when new), -1 for none.
int matching_term(const std::string &word, const snippet_terms &terms, const Xapian::Stem &stemmer,
                  std::vector<std::string> &matched)
{
    std::string key;
    if (contains(terms.words, word))
        key = word;
    // An English stem begins with its word's first byte (remembering_stemmer)
    // and is never longer than its word (each step of Snowball's english
    // stemmer, its exceptions too, removes at least what it adds): most
    // words that begin like a stem are shorter than it ("with", "was" for
    // wikidata) and need no stemming.
    else if (terms.stem_initials[static_cast<unsigned char>(word[0])] && word.size() >= terms.shortest_stem) {
        std::string stem = stemmer(word);
        if (!stem.empty() && contains(terms.stems, stem))
            key = "Z" + stem;
    }
    for (size_t i = 0; i < terms.patterns.size() && key.empty(); i++)
        if (word.compare(0, terms.patterns[i].size(), terms.patterns[i]) == 0)
            key = terms.patterns[i] + "*";   // one query term: the pattern (no word has a '*')
    if (key.empty())
        return -1;
    auto known = std::find(matched.begin(), matched.end(), key);
    if (known == matched.end())
        known = matched.insert(known, key);
    return static_cast<int>(known - matched.begin());
}

// The end of the word that begins at text[at]: the first character past
// it that is no word character.  ascii: whether all of it is ASCII.
size_t word_end(const std::string &text, size_t at, bool &ascii)
{
    ascii = true;
    const unsigned char *bytes = reinterpret_cast<const unsigned char *>(text.data());
    const size_t size = text.size();
    unsigned ch;
    while (at < size) {
        while (BYTE_CLASSES.of[bytes[at]] == BYTE_WORD)
            at++;   // most text: a table, no decoding; the NUL after the string's end stops it
        if (at >= size || BYTE_CLASSES.of[bytes[at]] != BYTE_UTF8)
            break;
        size_t step = decode_utf8(text, at, ch);
        if (!is_word_char(ch))
            break;
        ascii = false;
        at += step;
    }
    return at;
}

// The word text[start, end) folded and lower-cased as indexed text is
// (store/analysis.h), so "Café" matches cafe and "l'Histoire" histoire.
void lower_word(const std::string &text, size_t start, size_t end, bool ascii, std::string &lower)
{
    lower.clear();
    unsigned ch;
    for (size_t at = start; at < end;) {
        size_t step = char_at(text, at, ch);
        if (ch < 0x80)   // no libc call per letter
            lower += static_cast<char>(ch >= 'A' && ch <= 'Z' ? ch + ('a' - 'A') : ch);
        else
            Xapian::Unicode::append_utf8(lower, Xapian::Unicode::tolower(ch));
        at += step;
    }
    if (!ascii)
        lower = normalise(lower);
}

// The abstract's words (runs of word characters, as TermGenerator splits
// text), each matched to the query: folded and lower-cased (lower_word),
// then its English stem.  The terms met are numbered in matched.  An
// ASCII word whose first letter begins no query word or stem matches
// none: it is not lowered or looked up (most words of an abstract; that
// was half of a page's snippet work).
std::vector<text_word> match_words(const std::string &text, const snippet_terms &terms,
                                   const Xapian::Stem &stemmer, std::vector<std::string> &matched)
{
    std::vector<text_word> words;
    words.reserve(text.size() / 6);   // about a word in six bytes of English
    std::string lower;   // reused: no allocation per word
    const unsigned char *bytes = reinterpret_cast<const unsigned char *>(text.data());
    const size_t size = text.size();
    unsigned ch;
    for (size_t at = 0; at < size;) {
        if (BYTE_CLASSES.of[bytes[at]] == BYTE_OTHER) {   // most of what is between words
            at++;
            continue;
        }
        size_t step = char_at(text, at, ch);
        if (!is_word_char(ch)) {
            at += step;
            continue;
        }
        text_word w;
        w.start = at;
        bool ascii;
        w.end = at = word_end(text, at, ascii);
        unsigned char first = static_cast<unsigned char>(text[w.start]);
        if (!ascii || terms.initials[first >= 'A' && first <= 'Z' ? first + ('a' - 'A') : first]) {
            lower_word(text, w.start, w.end, ascii, lower);
            w.term = matching_term(lower, terms, stemmer, matched);
        }
        words.push_back(w);
    }
    return words;
}

// Where a passage may begin: the first word, a word that begins a
// sentence, a matched word.
bool may_begin_passage(const std::string &text, const std::vector<text_word> &words, size_t i)
{
    if (i == 0 || words[i].term >= 0)
        return true;
    size_t at = words[i].start;
    auto opens = [](char c) { return c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '"' || c == '\'' || c == '('; };
    while (at > 0 && opens(text[at - 1]))
        at--;
    return at == 0 || text[at - 1] == '.' || text[at - 1] == '!' || text[at - 1] == '?';
}

struct passage {
    size_t first = 0, last = 0;        // words
    size_t distinct = 0, total = 0;    // query terms in it, matched words in it
};

// The passage of at most bytes with the most distinct query terms, then
// the most matches, the earliest of equals (distinct 0: none fits).  A
// window slides over the words (the passage of each first word ends where
// the next one's cannot end earlier), counting each term in it: one pass,
// not one per first word (that was most of a page's snippet work).
passage best_passage(const std::string &text, const std::vector<text_word> &words, size_t n_terms, size_t bytes)
{
    passage best;
    std::vector<size_t> in_window(n_terms);
    size_t distinct = 0, total = 0, end = 0;   // the window: words [first, end)
    for (size_t first = 0; first < words.size(); first++) {
        end = std::max(end, first);
        for (; end < words.size() && words[end].end - words[first].start <= bytes; end++)
            if (words[end].term >= 0) {
                total++;
                distinct += in_window[words[end].term]++ == 0;
            }
        if (may_begin_passage(text, words, first)) {
            passage p;
            p.first = first;
            p.last = end > first ? end - 1 : first;
            p.distinct = distinct;
            p.total = total;
            if (p.distinct > best.distinct || (p.distinct == best.distinct && p.total > best.total))
                best = p;
        }
        if (end > first && words[first].term >= 0) {   // first leaves the window
            total--;
            distinct -= --in_window[words[first].term] == 0;
        }
    }
    return best;
}

// The best passage (best_passage) with the matched words between
// MARK_START and MARK_END, "..." where text was cut; "" when no word matches.
std::string own_snippet(const std::string &text, size_t bytes, const snippet_terms &terms, const Xapian::Stem &stemmer)
{
    std::vector<std::string> matched;
    std::vector<text_word> words = match_words(text, terms, stemmer, matched);
    passage best = best_passage(text, words, matched.size(), bytes);
    if (!best.distinct)
        return "";
    size_t from = best.first == 0 ? 0 : words[best.first].start, to = words[best.last].end;
    if (best.last + 1 == words.size() && text.size() - from <= bytes)
        to = text.size();   // the closing punctuation
    std::string out = from > 0 ? "..." : "";
    size_t at = from;
    for (size_t i = best.first; i <= best.last; i++) {
        if (words[i].term < 0)
            continue;
        out.append(text, at, words[i].start - at);
        out += MARK_START;
        out.append(text, words[i].start, words[i].end - words[i].start);
        out += MARK_END;
        at = words[i].end;
    }
    out.append(text, at, to - at);
    if (to < text.size())
        out += "...";
    return out;
}

// may_match: snippet_may_match() of the query (when false, the opening, as
// before).  Our own passage finder over the stored abstract (own_snippet):
// MSet::snippet() took 2.5 of a 12.4 million instruction search for
// `translation sprints` at 100,000 sessions (ten abstracts), and cannot
// see a folded word ("Café" for cafe) as a match.  A wildcard query too
// (since session 5: MSet::snippet() took 1.9 of its 44 million
// instructions, chose its passage by another rule and matched no folded
// word: cafe* missed Café); only a pattern that cannot be read keeps
// Xapian's, without SNIPPET_BACKGROUND_MODEL: it weighs every other word
// of the abstract by its frequency in the index, one B-tree lookup per
// distinct word.
char *make_snippet(const Xapian::MSet &mset, const wm_session_t *s, const wm_search_request_t *request,
                   bool may_match, const snippet_terms &terms, const Xapian::Stem &stemmer)
{
    if (!request->snippet_bytes || !s->abstract || !*s->abstract)
        return NULL;
    std::string text = s->abstract;
    if (text.find(MARK_START) != std::string::npos || text.find(MARK_END) != std::string::npos)   // seldom: memchr
        text.erase(std::remove_if(text.begin(), text.end(),
                                  [](char c) { return c == MARK_START || c == MARK_END; }), text.end());
    std::string raw;
    if (may_match && !terms.wildcard)
        raw = own_snippet(text, request->snippet_bytes, terms, stemmer);
    else if (may_match)
        raw = unescape_html(mset.snippet(text, request->snippet_bytes, stemmer,
                                         Xapian::MSet::SNIPPET_EXHAUSTIVE | Xapian::MSet::SNIPPET_EMPTY_WITHOUT_MATCH,
                                         std::string(1, MARK_START), std::string(1, MARK_END), "..."));
    // No query word in the abstract (a filter, or a title match): its opening.
    if (raw.empty())
        raw = opening(text, request->snippet_bytes);
    char *snippet = strdup(finish_snippet(raw, request).c_str());
    if (!snippet)
        throw std::bad_alloc();
    return snippet;
}

/* ---- searching ------------------------------------------------------ */

void set_sort(Xapian::Enquire &enquire, wm_sort_t sort)
{
    switch (sort) {
    case WM_SORT_NEWEST:   // sessions without a year sort last: they have no value
        enquire.set_sort_by_value_then_relevance(SLOT_YEAR, true);
        break;
    case WM_SORT_OLDEST:   // ... and here too: the key is -year (no KeyMaker: remote shards refuse one)
        enquire.set_sort_by_value_then_relevance(SLOT_OLDEST, true);
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

void fill_hits(wm_search_result_t *result, const Xapian::MSet &mset, const Xapian::Query &query,
               const wm_search_request_t *request)
{
    bool may_match = snippet_may_match(query);
    Xapian::Stem stemmer(new remembering_stemmer(query));   // one for the page: the words repeat
    snippet_terms terms;
    if (may_match)
        collect_snippet_terms(query, terms);
    for (auto it = mset.begin(); it != mset.end(); ++it) {
        wm_search_hit_t &hit = result->hits[result->n_hits];
        hit.session = decode_session(it.get_document().get_data());
        result->n_hits++;   // counted now so that a throw below frees the session
        hit.score = it.get_weight();
        hit.rank = it.get_rank();
        hit.snippet = make_snippet(mset, hit.session, request, may_match, terms, stemmer);
    }
}

// How many matches beyond the page a search that may estimate its total
// checks: the total is exact up to offset + limit + this, beyond it a lower
// bound ("1-10 of at least 100 sessions").  Enough to say whether a next
// page or two exist, which is what a reader of text output acts on;
// checking 1000 took 19 of the 16 bench queries' 274 million instructions
// at 100,000 sessions (8 million in a phrase query), counting a phrase
// query's 36,000 matches exactly 28 ms.
const Xapian::doccount ESTIMATE_MARGIN = 90;

// The number of matches a request that may estimate its total checks
// (ESTIMATE_MARGIN past its page); 0 when its total must be exact
// (machine formats, --count).
Xapian::doccount estimate_check(const wm_search_request_t *request)
{
    return request->estimate_total && !request->count_only ? request->offset + request->limit + ESTIMATE_MARGIN
                                                           : 0;
}

// How many documents query matches (no hits), exact up to enough (0: all
// of them); beyond it a lower bound, and *at_least set (may be NULL when
// enough is 0).  What a search that may estimate its total says of itself,
// for a correction's count: counting a phrase correction exactly cost more
// than the rest of the search.  Unweighted: Xapian then skips the scoring
// of every match (2-12x faster on 25,000 sessions, bench/README.md).
Xapian::doccount count_matches(const Xapian::Database &db, const Xapian::Query &query,
                               Xapian::doccount enough = 0, bool *at_least = nullptr)
{
    Xapian::Enquire enquire(db);
    enquire.set_query(query);
    enquire.set_weighting_scheme(Xapian::BoolWeight());
    Xapian::MSet mset = get_mset_of(enquire, query, 0, 0, enough ? enough : db.get_doccount());
    if (at_least)
        *at_least = mset.get_matches_lower_bound() != mset.get_matches_upper_bound();
    return mset.get_matches_lower_bound();
}

// Every session, for the first `left` sessions a conjunction asks about,
// then none: ANDed with a query, the match ends after the query's other
// terms and filters have let that many sessions through to its phrase
// checks (Xapian asks a posting source last, after its terms, since it
// says every document may match, and checks positions after the whole
// conjunction).  The count of sessions left is shared by the clones Xapian
// makes for each local shard, which it walks one after another.
class candidate_budget : public Xapian::PostingSource {
    Xapian::doccount *left;
    Xapian::docid current = 0, last = 0;
    Xapian::doccount documents = 0;
    bool ended = false;

public:
    explicit candidate_budget(Xapian::doccount *shared_left) : left(shared_left) {}
    void init(const Xapian::Database &db) override
    {
        current = 0;
        last = db.get_lastdocid();
        documents = db.get_doccount();
        ended = last == 0;
    }
    Xapian::doccount get_termfreq_min() const override { return 0; }
    Xapian::doccount get_termfreq_est() const override { return documents; }
    Xapian::doccount get_termfreq_max() const override { return documents; }
    void skip_to(Xapian::docid did, double) override
    {
        if (ended || did <= current)
            return;
        if (did > last || *left == 0) {
            ended = true;
            return;
        }
        --*left;
        current = did;
    }
    void next(double min_wt) override { skip_to(current + 1, min_wt); }
    bool check(Xapian::docid did, double min_wt) override
    {
        skip_to(did, min_wt);
        return true;
    }
    bool at_end() const override { return ended; }
    Xapian::docid get_docid() const override { return current; }
    Xapian::PostingSource *clone() const override { return new candidate_budget(left); }
    std::string name() const override { return std::string(); }
};

// The sessions a correction's phrase is looked for in, at most: those that
// hold all its words and pass its filters, in index order.
const Xapian::doccount PHRASE_CANDIDATES = 100;

// Whether the phrases of query (a correction's) occur in one of the first
// PHRASE_CANDIDATES sessions that could match it.  A correction found in
// none is not offered: its phrase is missing or rare where its words are
// common, and proving that it is missing would check positions in every
// session holding the words (905 sessions and 6.5 million instructions,
// three times quest's whole search, for `"free knowledge" wikimedia` at
// 100,000 sessions).  A remote shard cannot run the bound (xapian-tcpsrv
// knows no posting source of ours): there every session is checked.
bool phrase_found_soon(const Xapian::Database &db, const Xapian::Query &query)
{
    Xapian::doccount left = PHRASE_CANDIDATES;
    candidate_budget budget(&left);
    try {
        return count_matches(db, Xapian::Query(Xapian::Query::OP_AND, query, Xapian::Query(&budget)), 1) > 0;
    } catch (const Xapian::UnimplementedError &) {
        return true;   // a remote shard: the count decides
    }
}

// A phrase (or NEAR) anywhere in query: matching it checks positions, which
// costs the same with or without weights, so one weighted pass over every
// match is cheaper than a ranked page plus a count.
bool has_positional(const Xapian::Query &query)
{
    Xapian::Query::op type = query.get_type();
    if (type == Xapian::Query::OP_PHRASE || type == Xapian::Query::OP_NEAR)
        return true;
    for (size_t i = 0; i < query.get_num_subqueries(); i++)
        if (has_positional(query.get_subquery(i)))
            return true;
    return false;
}

// Whether Xapian knows how many documents match query before checking any:
// one term (its frequency), every document, or either with its weight
// scaled (a filter alone, "track:glam").  Checking matches for an
// estimate then only spends time: 1.4-1.6 million instructions of a one-word search's
// 6-13 million on 25,000 sessions.
bool counted_by_index(const Xapian::Query &query)
{
    switch (query.get_type()) {
    case Xapian::Query::LEAF_TERM:
    case Xapian::Query::LEAF_MATCH_ALL:
        return true;
    case Xapian::Query::OP_SCALE_WEIGHT:
        return counted_by_index(query.get_subquery(0));
    default:
        return false;
    }
}

// How many documents query matches at most, from term frequencies alone:
// a term's frequency, the sum of an OR's parts, the smallest of an AND's;
// every document when unknown.
Xapian::doccount known_at_most(const Xapian::Database &db, const Xapian::Query &query)
{
    switch (query.get_type()) {
    case Xapian::Query::LEAF_TERM:
        return db.get_termfreq(*query.get_terms_begin());
    case Xapian::Query::OP_SCALE_WEIGHT:
        return known_at_most(db, query.get_subquery(0));
    case Xapian::Query::OP_OR:
    case Xapian::Query::OP_SYNONYM:
    case Xapian::Query::OP_MAX: {
        Xapian::doccount sum = 0;
        for (size_t i = 0; i < query.get_num_subqueries(); i++)
            sum += known_at_most(db, query.get_subquery(i));
        return std::min(sum, db.get_doccount());
    }
    case Xapian::Query::OP_AND:
    case Xapian::Query::OP_PHRASE:
    case Xapian::Query::OP_NEAR:
    case Xapian::Query::OP_FILTER: {
        Xapian::doccount least = db.get_doccount();
        for (size_t i = 0; i < query.get_num_subqueries(); i++)
            least = std::min(least, known_at_most(db, query.get_subquery(i)));
        return least;
    }
    default:
        return db.get_doccount();
    }
}

// How many documents query matches at least, from term frequencies alone
// (what Xapian's lower bound is before it checks anything): a term's
// frequency, the largest of an OR's or a SYNONYM's parts (a word and its
// stems in other languages); 0 when unknown.  When it reaches what an
// estimate would check, checking cannot tell more: past enough the answer
// is only some number at least enough (an OR's other parts are not looked
// up: each is a B-tree lookup).
Xapian::doccount known_at_least(const Xapian::Database &db, const Xapian::Query &query, Xapian::doccount enough)
{
    switch (query.get_type()) {
    case Xapian::Query::LEAF_TERM:
        return db.get_termfreq(*query.get_terms_begin());
    case Xapian::Query::OP_SCALE_WEIGHT:
        return known_at_least(db, query.get_subquery(0), enough);
    case Xapian::Query::OP_OR:
    case Xapian::Query::OP_SYNONYM:
    case Xapian::Query::OP_MAX: {
        Xapian::doccount most = 0;
        for (size_t i = 0; i < query.get_num_subqueries() && most < enough; i++)
            most = std::max(most, known_at_least(db, query.get_subquery(i), enough));
        return most;
    }
    case Xapian::Query::OP_AND_MAYBE:   // the optional part only weighs
        return known_at_least(db, query.get_subquery(0), enough);
    case Xapian::Query::OP_AND_NOT: {   // |a - b| >= |a| - |b|, |b| at most its words' frequencies summed
        Xapian::doccount wanted = known_at_least(db, query.get_subquery(0), db.get_doccount()), excluded = 0;
        for (size_t i = 1; i < query.get_num_subqueries(); i++)
            excluded += known_at_most(db, query.get_subquery(i));
        return wanted > excluded ? wanted - excluded : 0;
    }
    default:
        return 0;
    }
}

// Run query as the request says (sort, page, facets, snippets) into a new result.
wm_search_result_t *run_query(const Xapian::Database &db, const Xapian::Query &query,
                              const wm_search_request_t *request)
{
    Xapian::Enquire enquire(db);
    enquire.set_query(query);
    // BM25 with Robertson's usual k1 and b (Xapian's defaults are 1 and
    // 0.5): sessions range from a bare title to long abstracts, and the
    // stronger length normalisation lets "Why Debian" or "X Security" come
    // before long texts that mention the word more often.
    enquire.set_weighting_scheme(Xapian::BM25Weight(1.2, 0, 1, 0.75, 0.5));
    set_sort(enquire, request->sort);
    facet_tally tally;
    add_facet_spies(enquire, request, tally);
    // Facets need every match checked (a spy sees only what the matcher
    // checks).  Otherwise Xapian ranks just the page asked for, which skips
    // most matches, and the total is exact at once when its bounds meet
    // (a single term, a filter), else counted apart without weights; or,
    // when an estimate will do, the lower bound after checking the page
    // and ESTIMATE_MARGIN more (exact when fewer match; Xapian's own
    // estimate can be far off for phrases, its lower bound never is),
    // none when counted_by_index() or when the index alone says at least
    // that many match (known_at_least).
    const Xapian::doccount enough = estimate_check(request);
    const bool estimate = enough != 0;
    bool check_all = request->facets || (!estimate && has_positional(query));
    bool check_some = estimate && !counted_by_index(query) && known_at_least(db, query, enough) < enough;
    Xapian::doccount check = check_all ? db.get_doccount() : check_some ? enough : 0;
    auto new_spies = [&] {
        enquire.clear_matchspies();
        add_facet_spies(enquire, request, tally);
    };
    Xapian::MSet mset = request->count_only ? get_mset_of(enquire, query, 0, 0, check, new_spies)
                                            : get_mset_of(enquire, query, request->offset, request->limit, check,
                                                          new_spies);
    wm_search_result_t *result = new_result(mset, query);
    try {
        if (mset.get_matches_lower_bound() != mset.get_matches_upper_bound() && estimate) {
            result->total = mset.get_matches_lower_bound();
            result->total_at_least = true;
        } else if (mset.get_matches_lower_bound() != mset.get_matches_upper_bound())
            result->total = count_matches(db, query);
        fill_hits(result, mset, query, request);
        fill_facets(result, request, tally);
    } catch (...) {
        wm_search_result_free(result);
        throw;
    }
    return result;
}

wm_search_result_t *run_search(const Xapian::Database &db, const wm_search_request_t *request)
{
    language_cache languages;
    wm_search_result_t *result = run_query(db, build_query(db, request, languages), request);
    try {
        query_tools tools;
        tools.spelling_corrected = [&](const std::string &text) {
            std::string corrected;
            query_errors ignored;
            parse_user_query(db, text.c_str(), ignored, languages, &corrected);
            return corrected;
        };
        tools.count = [&](const std::string &text, bool *at_least) {
            query_errors errors;
            Xapian::Query query = add_filters(db, parse_user_query(db, text.c_str(), errors, languages), request, errors);
            if (has_positional(query) && !phrase_found_soon(db, query))
                return Xapian::doccount(0);
            return count_matches(db, query, estimate_check(request), at_least);
        };
        suggest(db, request, result, tools);
    } catch (...) {
        wm_search_result_free(result);
        throw;
    }
    return result;
}

/* ---- one session, and sessions like it ------------------------------ */

const Xapian::termcount SIMILAR_TERMS = 40;

Xapian::docid find_session(const Xapian::Database &db, const char *id)
{
    std::string term = prefix_of(F_ID) + str_or_empty(id);
    Xapian::PostingIterator it = db.postlist_begin(term);
    if (is_blank(id) || it == db.postlist_end(term))
        throw store_failure{WM_STORE_NOT_FOUND, "no session with id " + str_or_empty(id)};
    return *it;
}

// Feedback terms: the stemmed words of the unprefixed text (titles and
// abstracts, tracks and speaker names all reach it), "Zword".  Field terms
// would only repeat the same words; exact terms would match whole tracks;
// a stem of the session's own language ("Zwikidat wikidata") has no
// weight (wdf 0) and would only take the place of a word.
struct StemmedTextOnly : public Xapian::ExpandDecider {
    bool operator()(const std::string &term) const override
    {
        return term.size() > 1 && term[0] == 'Z' && !(term[1] >= 'A' && term[1] <= 'Z') &&
               term.find(OWN_STEM_SEPARATOR) == std::string::npos;
    }
};

Xapian::Query similar_query(const Xapian::Database &db, Xapian::docid seed, const wm_search_request_t *request)
{
    Xapian::RSet rset;
    rset.add_document(seed);
    Xapian::Enquire enquire(db);
    enquire.set_query(Xapian::Query::MatchAll);
    StemmedTextOnly decider;
    // Exact term frequencies: over shards Xapian would otherwise estimate
    // them from the seed's own shard, and pick other words than one index would.
    Xapian::ESet eset = enquire.get_eset(SIMILAR_TERMS, rset, Xapian::Enquire::USE_EXACT_TERMFREQ, &decider);
    std::vector<std::string> terms(eset.begin(), eset.end());
    Xapian::Query like(Xapian::Query::OP_OR, terms.begin(), terms.end());
    query_errors errors;
    if (is_blank(request->query))
        return add_filters(db, like, request, errors);
    language_cache languages;
    Xapian::Query restrict = parse_user_query(db, request->query, errors, languages);
    return add_filters(db, Xapian::Query(Xapian::Query::OP_FILTER, like, restrict), request, errors);
}

}  // namespace

extern "C" {

const char *wm_facet_name(wm_facet_t facet)
{
    return facet >= 0 && facet < WM_FACET_COUNT ? FACETS[facet].name : "unknown";
}

bool wm_facet_from_name(const char *name, wm_facet_t *facet)
{
    if (!name)
        return false;
    for (int f = 0; f < WM_FACET_COUNT; f++)
        if (!strcmp(name, FACETS[f].name) || !strcmp(name, FACETS[f].plural) ||
            (f == WM_FACET_LANGUAGE && !strcmp(name, "lang"))) {
            *facet = static_cast<wm_facet_t>(f);
            return true;
        }
    return false;
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

wm_store_status_t wm_store_similar(wm_store_t *store, const char *id, const wm_search_request_t *request,
                                   wm_search_result_t **result)
{
    *result = NULL;
    return guarded(store, [&] {
        if (!request)
            throw store_failure{WM_STORE_ERROR, "no search request"};
        retrying(store->db, [&] {
            Xapian::docid seed = find_session(store->db, id);
            Xapian::Query query(Xapian::Query::OP_AND_NOT, similar_query(store->db, seed, request),
                                Xapian::Query(prefix_of(F_ID) + id));
            *result = run_query(store->db, query, request);
        });
    });
}

wm_store_status_t wm_store_get_session(wm_store_t *store, const char *id, wm_session_t **session)
{
    *session = NULL;
    return guarded(store, [&] {
        retrying(store->db, [&] {
            Xapian::docid did = find_session(store->db, id);
            *session = decode_session(store->db.get_document(did).get_data());
        });
    });
}

void wm_search_result_free(wm_search_result_t *result)
{
    if (!result)
        return;
    for (size_t i = 0; i < result->n_hits; i++) {
        wm_session_free(result->hits[i].session);
        free(result->hits[i].snippet);
    }
    free(result->hits);
    for (wm_facet_counts_t &facet : result->facets) {
        for (size_t i = 0; i < facet.n_values; i++) {
            free(facet.values[i].value);
            for (size_t j = 0; j < facet.values[i].n_names; j++)
                free(facet.values[i].names[j]);
            free(facet.values[i].names);
        }
        free(facet.values);
    }
    free(result->parsed_query);
    free(result->suggestion);
    free(result);
}

}  // extern "C"
