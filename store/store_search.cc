/* The index, searching half: query parsing (the user's query language over
 * the prefix table in store/schema.h), filters, sorting and building the
 * results handed back through store/store.h.  No exception leaves this file. */
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
#include "store/schema.h"

using namespace wmstore;

namespace {

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

}  // namespace

extern "C" {

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
}  // extern "C"
