/* "Did you mean": see store/suggest.h.  No exception leaves the store
 * through here: wm_store_search's guard catches what suggest() throws.
 *
 * A query that finds fewer sessions than the request's suggest_below
 * (wmquery: 3) is corrected in two ways:
 *  - plain words by Xapian's parser from the index's spelling data (the
 *    words of titles and abstracts), and title: words the same way, one
 *    by one (Xapian 1.4 corrects no word inside a prefix); a corrected
 *    word is written as the sessions write it (document.cc, indexed_form);
 *  - the value of every field filter (track: speaker: event: type: lang:
 *    status:) from that field's own terms in the index: its exact values
 *    (XTRACKglam, XSPEAKERmara lindqvist, ...) and their words (the A, XE
 *    and XT word terms of speakers, events and tracks; the words of type
 *    names), the closest by Damerau-Levenshtein distance, the most frequent
 *    of equally close ones.  Values and terms are compared folded (the
 *    value goes through normalise(), which folds as store/analysis.h says),
 *    so a correction is written in the index's folded, lower-case form.
 * The correction is offered only when it finds more sessions than the
 * query, counted through the search side's own parse and filters (so the
 * request's filters and the default status policy apply to it too).
 * Nothing here runs for a query that finds enough. */
#include <xapian.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <map>
#include <new>
#include <string>
#include <vector>

#include "store/schema.h"
#include "store/suggest.h"

namespace wmstore {

namespace {

bool is_blank(const char *s)
{
    for (; s && *s; s++)
        if (!strchr(" \t\r\n", *s))
            return false;
    return true;
}

/* ---- distance ------------------------------------------------------- */

// The Damerau-Levenshtein distance (optimal string alignment: insertions,
// deletions, substitutions and swaps of two neighbours, one edit each) of
// many candidates to one word, on code points, bounded: a candidate beyond
// the bound gets bound + 1 as soon as that is sure.  Most candidates never
// reach the table: their length, then their letter counts (each edit
// changes at most one letter's count up and one down, so the larger of
// the total surplus and the total shortfall is a lower bound) rule them
// out.  Buffers are reused: no allocation per candidate.
class bounded_distance {
    std::u32string target, other;
    unsigned bound;
    int target_counts[64] = {0};
    int counts[64];
    std::vector<unsigned> before, row, cur;

    // UTF-8 to code points; ASCII (most names) without Xapian::Utf8Iterator's
    // per-character cost.  Terms are valid UTF-8 (TermGenerator, normalise).
    static void decode(const std::string &utf8, std::u32string &out)
    {
        out.clear();
        for (size_t i = 0; i < utf8.size();) {
            unsigned char c = static_cast<unsigned char>(utf8[i]);
            if (c < 0x80) {
                out.push_back(c);
                i++;
                continue;
            }
            Xapian::Utf8Iterator it(utf8.data() + i, utf8.size() - i);
            out.push_back(*it);
            ++it;
            i = utf8.size() - it.left();
        }
    }

public:
    bounded_distance(const std::string &word, unsigned b) : bound(b)
    {
        decode(word, target);
        for (char32_t c : target)
            target_counts[c % 64]++;   // letters that share a bucket only lower the bound
    }

    size_t length() const { return target.size(); }

    unsigned operator()(const std::string &candidate)
    {
        decode(candidate, other);
        size_t n = target.size(), m = other.size();
        if ((n > m ? n - m : m - n) > bound)
            return bound + 1;
        std::copy(std::begin(target_counts), std::end(target_counts), counts);
        for (char32_t c : other)
            counts[c % 64]--;
        unsigned surplus = 0, shortfall = 0;
        for (int k : counts)
            (k > 0 ? surplus : shortfall) += static_cast<unsigned>(k > 0 ? k : -k);
        if (std::max(surplus, shortfall) > bound)
            return bound + 1;
        before.assign(m + 1, 0);
        row.resize(m + 1);
        cur.assign(m + 1, 0);
        for (size_t j = 0; j <= m; j++)
            row[j] = static_cast<unsigned>(j);
        for (size_t i = 1; i <= n; i++) {
            cur[0] = static_cast<unsigned>(i);
            unsigned smallest = cur[0];
            for (size_t j = 1; j <= m; j++) {
                unsigned cost = target[i - 1] == other[j - 1] ? 0 : 1;
                unsigned d = std::min({row[j] + 1, cur[j - 1] + 1, row[j - 1] + cost});
                if (i > 1 && j > 1 && target[i - 1] == other[j - 2] && target[i - 2] == other[j - 1])
                    d = std::min(d, before[j - 2] + 1);
                cur[j] = d;
                smallest = std::min(smallest, d);
            }
            if (smallest > bound)
                return bound + 1;
            before.swap(row);
            row.swap(cur);
        }
        return std::min(row[m], bound + 1);
    }
};

size_t utf8_length(const std::string &s)
{
    size_t n = 0;
    for (unsigned char c : s)
        n += (c & 0xC0) != 0x80;
    return n;
}

// How many edits a word of this many characters may need: none below two
// characters, one up to four (lang:fe, type:tlak), two beyond (as Xapian's
// spelling correction allows).
unsigned allowed_edits(size_t length)
{
    return length < 2 ? 0 : length <= 4 ? 1 : 2;
}

/* ---- a field's values ----------------------------------------------- */

// The most terms of one prefix looked at for one value: a field's term
// list is small (tracks, types, languages, events: tens), speakers' names
// the largest (about one term per distinct name or name word: some
// thousands at 25,000 sessions).  Past this the best so far is taken.
const unsigned MAX_TERMS_VISITED = 200000;

struct best_value {
    std::string value;
    unsigned distance = ~0u;
    Xapian::doccount frequency = 0;
    void consider(const std::string &candidate, unsigned d, Xapian::doccount f)
    {
        if (d < distance || (d == distance && (f > frequency || (f == frequency && candidate < value)))) {
            value = candidate;
            distance = d;
            frequency = f;
        }
    }
};

// Calls visit(value, frequency) for each term of prefix (prefix removed);
// frequency() reads the term's frequency, which costs a read of its
// posting list's first entry: only for the values that come close.  A term
// whose rest begins with a capital belongs to a longer prefix (XEVENT...
// under XE): values are lower-cased, so none of ours does.
template <typename Visit>
void each_value(const Xapian::Database &db, const std::string &prefix, Visit visit)
{
    unsigned visited = 0;
    for (auto it = db.allterms_begin(prefix); it != db.allterms_end(prefix) && visited < MAX_TERMS_VISITED;
         ++it, ++visited) {
        const std::string term = *it;
        if (term.size() == prefix.size() || (term[prefix.size()] >= 'A' && term[prefix.size()] <= 'Z'))
            continue;
        visit(term.substr(prefix.size()), [&] { return it.get_termfreq(); });
    }
}

// One field's corrector: the closest of its exact values or their words.
// Built once per field per suggestion; the exact values' words (tracks,
// types) are gathered on the first look.
class field_values {
    const Xapian::Database &db;
    field_id field;
    bool words_read = false;
    std::map<std::string, Xapian::doccount> value_words;   // words of exact values, summed frequency

    // Speakers and events have word terms (A, XE), and so do tracks (XT:
    // the folded words of each track, what track:word matches).
    bool has_word_terms() const { return FIELDS[field].kind == KIND_NAME || FIELDS[field].kind == KIND_TRACK; }
    std::string word_prefix() const { return prefix_of(FIELDS[field].words); }

    void read_value_words()
    {
        if (words_read)
            return;
        words_read = true;
        each_value(db, prefix_of(field), [&](const std::string &value, std::function<Xapian::doccount()> f) {
            std::vector<std::string> words = words_of(value);
            Xapian::doccount frequency = words.size() > 1 ? f() : 0;
            if (words.size() > 1)
                for (const std::string &w : words)
                    value_words[w] += frequency;
        });
    }

public:
    field_values(const Xapian::Database &d, field_id f) : db(d), field(f) {}

    // The closest known value to wanted, or "" when none is within reach or
    // wanted is known as it is.  single_word: words count as values too.
    std::string closest(const std::string &wanted, bool single_word)
    {
        unsigned bound = allowed_edits(utf8_length(wanted));
        if (!bound)
            return "";
        bounded_distance distance(wanted, bound);
        best_value best;
        auto look = [&](const std::string &value, const std::function<Xapian::doccount()> &frequency) {
            unsigned d = distance(value);
            if (d <= bound && d <= best.distance)
                best.consider(value, d, frequency());
        };
        // Speakers, events and tracks: a single word is looked for among the
        // words of names (a one-word username is one too) or of tracks, a
        // whole name among the names; the speakers' two lists are the
        // largest (about 12,000 and 19,000 terms at 25,000 sessions), so
        // each is read only when it can help.
        if (!(single_word && has_word_terms()))
            each_value(db, prefix_of(field), look);
        if (single_word && has_word_terms())
            each_value(db, word_prefix(), look);
        else if (single_word) {
            read_value_words();
            for (auto &w : value_words)
                look(w.first, [&] { return w.second; });
        }
        if (best.distance == 0 || best.value.empty())
            return "";
        return best.value;
    }
};

/* ---- the query's field values ----------------------------------------- */

// A field filter in the query text: name:value or name:"value".
struct field_value {
    size_t start, end;   // the value in the query, quotes included
    field_id field;
    std::string value;   // without quotes
};

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

bool field_named(const std::string &name, field_id &field)
{
    for (const field_spec &f : FIELDS)
        if (f.query_name && name == f.query_name) {
            field = f.id;
            return true;
        }
    return false;
}

// The field values of a query, as Xapian's parser reads its prefixes: a
// known field name at the start of a term, a colon, and a value up to the
// next space (or a ')' closing a group), or a quoted one.  Nothing inside a
// quoted phrase is a field.
std::vector<field_value> field_values_of(const std::string &query)
{
    std::vector<field_value> found;
    int depth = 0;
    for (size_t i = 0; i < query.size();) {
        char c = query[i];
        if (c == '"') {   // a phrase of plain words: skip it
            size_t close = query.find('"', i + 1);
            i = close == std::string::npos ? query.size() : close + 1;
            continue;
        }
        if (c == '(' || c == ')' || c == '+' || c == '-' || is_space(c)) {
            depth += c == '(' ? 1 : c == ')' ? -1 : 0;
            i++;
            continue;
        }
        size_t word_end = i;
        while (word_end < query.size() && isalpha(static_cast<unsigned char>(query[word_end])))
            word_end++;
        field_id field;
        if (word_end > i && word_end + 1 < query.size() && query[word_end] == ':' &&
            !is_space(query[word_end + 1]) && field_named(query.substr(i, word_end - i), field)) {
            size_t start = word_end + 1, end;
            std::string value;
            if (query[start] == '"') {
                size_t close = query.find('"', start + 1);
                end = close == std::string::npos ? query.size() : close + 1;
                value = query.substr(start + 1, (close == std::string::npos ? query.size() : close) - start - 1);
            } else {
                end = start;
                while (end < query.size() && !is_space(query[end]) && !(depth > 0 && query[end] == ')'))
                    end++;
                value = query.substr(start, end - start);
            }
            found.push_back(field_value{start, end, field, value});
            i = end;
            continue;
        }
        while (i < query.size() && !is_space(query[i]) && query[i] != '(' && query[i] != ')')
            i++;   // a plain word (or an unknown prefix: searched as text)
    }
    return found;
}

bool known_word(const Xapian::Database &db, const std::string &prefix, const std::string &word)
{
    return db.term_exists(prefix + word);
}

// A word of a track as track:word matches it: the word or its English stem
// among the XT terms (store_search.cc, track_query).
bool known_track_word(const Xapian::Database &db, const std::string &word)
{
    const std::string prefix = prefix_of(F_TRACK_WORDS);
    return known_word(db, prefix, word) || known_word(db, "Z" + prefix, Xapian::Stem("english")(word));
}

// The corrected value of one field filter ("" when it needs none or none is found).
std::string corrected_value(const Xapian::Database &db, const field_value &fv,
                            std::map<field_id, field_values> &correctors)
{
    field_kind kind = FIELDS[fv.field].kind;
    std::string value = normalise(kind == KIND_NAME ? username_as_text(fv.value.c_str()) : fv.value);
    if (value.empty())
        return "";
    if (fv.field == F_TITLE) {   // title words: from the spelling data, as plain words are
        std::string out;
        bool changed = false;
        for (const std::string &w : words_of(value)) {
            std::string better = known_word(db, prefix_of(F_TITLE), w) ? "" : db.get_spelling_suggestion(w);
            better = better.empty() ? "" : indexed_form(db, better);
            changed |= !better.empty();
            out += (out.empty() ? "" : " ") + (better.empty() ? w : better);
        }
        return changed ? out : "";
    }
    if (kind != KIND_EXACT && kind != KIND_NAME && kind != KIND_TRACK && kind != KIND_STATUS)
        return "";   // year and id: numbers and ids, not words
    if (kind == KIND_STATUS && (value == "any" || value == "cancelled"))
        return "";
    if (db.term_exists(prefix_of(fv.field) + value))
        return "";
    auto it = correctors.find(fv.field);
    if (it == correctors.end())
        it = correctors.emplace(fv.field, field_values(db, fv.field)).first;
    field_values &values = it->second;
    std::vector<std::string> words = words_of(value);
    if (kind == KIND_TRACK && words.size() == 1 && known_track_word(db, words[0]))
        return "";   // track:heritage is a word of "GLAM, Heritage, and Culture"
    if (words.size() <= 1 || kind == KIND_STATUS)
        return values.closest(value, true);
    // Several words: the whole value, else each word not known on its own.
    std::string whole = values.closest(value, false);
    if (!whole.empty())
        return whole;
    std::string out;
    bool changed = false;
    for (const std::string &w : words) {
        bool known = kind == KIND_NAME ? known_word(db, prefix_of(FIELDS[fv.field].words), w)
                   : kind == KIND_TRACK ? known_track_word(db, w) : false;
        std::string better = known ? "" : values.closest(w, true);
        changed |= !better.empty();
        out += (out.empty() ? "" : " ") + (better.empty() ? w : better);
    }
    return changed ? out : "";
}

// query with each field value corrected from its field's own values.
std::string correct_fields(const Xapian::Database &db, const std::string &query)
{
    std::vector<field_value> fields = field_values_of(query);
    std::map<field_id, field_values> correctors;
    std::string out;
    size_t done = 0;
    for (const field_value &fv : fields) {
        std::string better = corrected_value(db, fv, correctors);
        if (better.empty())
            continue;
        bool quote = better.find_first_of(" \t\"()") != std::string::npos || query[fv.start] == '"';
        out += query.substr(done, fv.start - done) + (quote ? "\"" + better + "\"" : better);
        done = fv.end;
    }
    return out + query.substr(done);
}

// The text split at blanks, the blanks kept with the word after them.
std::vector<std::string> blank_separated(const std::string &text)
{
    std::vector<std::string> pieces;
    size_t start = 0;
    while (start < text.size()) {
        size_t end = start;
        while (end < text.size() && is_space(text[end]))
            end++;
        while (end < text.size() && !is_space(text[end]))
            end++;
        pieces.push_back(text.substr(start, end - start));
        start = end;
    }
    return pieces;
}

bool is_query_mark(char c)
{
    return c == '"' || c == '(' || c == ')' || c == '+' || c == '-';
}

// Does a plain query word (maybe quoted or bracketed) have postings as it is?
bool indexed_as_is(const Xapian::Database &db, const std::string &piece)
{
    std::string word = normalise(piece);
    word.erase(std::remove_if(word.begin(), word.end(), is_query_mark), word.end());
    return !word.empty() && word.find(':') == std::string::npos &&
           (db.term_exists(word) || db.term_exists(prefix_of(F_TITLE) + word));
}

// A corrected piece of a query with its word as the sessions write it:
// the spelling data holds folded words ("cafe"), the sessions "café".
std::string as_written(const Xapian::Database &db, const std::string &piece)
{
    size_t start = 0, end = piece.size();
    while (start < end && (is_space(piece[start]) || is_query_mark(piece[start])))
        start++;
    while (end > start && is_query_mark(piece[end - 1]))
        end--;
    std::string word = piece.substr(start, end - start);
    if (word.empty() || word.find(':') != std::string::npos)
        return piece;
    return piece.substr(0, start) + indexed_form(db, word) + piece.substr(end);
}

// Xapian's spelling correction of the plain words, with every word the
// index has as it is put back: the parser corrects a word whenever the
// spelling data holds a close one, also a word with postings of its own
// ("cloing event" became "closing even").  The correction keeps the
// query's layout, so the two split alike; when they do not, it stays as
// it is.  written: each corrected word as the sessions write it
// (as_written, which reads sessions); without, as the spelling data has
// it, folded, which a search parses to the same query (it folds).
std::string keep_indexed_words(const Xapian::Database &db, const std::string &query,
                               const std::string &corrected, bool written)
{
    std::vector<std::string> asked = blank_separated(query), fixed = blank_separated(corrected);
    if (asked.size() != fixed.size())
        return corrected;
    std::string out;
    for (size_t i = 0; i < asked.size(); i++)
        out += asked[i] == fixed[i] || indexed_as_is(db, asked[i]) ? asked[i]
               : written ? as_written(db, fixed[i]) : fixed[i];
    return out;
}

// The corrections to try, best first: both corrections together, then
// each alone (one of them may have made things worse).
std::vector<std::string> corrections(const Xapian::Database &db, const std::string &query, const std::string &words,
                                     const std::string &fields_only)
{
    return {words == query ? fields_only : correct_fields(db, words), fields_only, words};
}

}  // namespace

void suggest(const Xapian::Database &db, const wm_search_request_t *request, wm_search_result_t *result,
             const query_tools &tools)
{
    if (result->total >= request->suggest_below || is_blank(request->query))
        return;
    const std::string query = request->query;
    const std::string spelled = tools.spelling_corrected(query);   // plain words
    // The corrections are counted with their words folded: as_written
    // reads sessions to find how a word is written (0.4 million
    // instructions for `"free knowledge" wikimania`), which only the
    // correction offered needs, and a search folds them alike.
    std::string words = spelled.empty() ? query : keep_indexed_words(db, query, spelled, false);
    std::string fields_only = correct_fields(db, query);
    std::vector<std::string> tries = corrections(db, query, words, fields_only);
    std::string chosen;
    size_t chosen_try = 0;
    Xapian::doccount most = result->total;
    bool most_at_least = false;
    for (auto corrected = tries.begin(); corrected != tries.end(); ++corrected) {
        // Each distinct correction is counted once: with no field to
        // correct, the first try and the last are the same words, and
        // counting a phrase costs (6.5 million instructions for
        // `"free knowledge" wikimedia` at 100,000 sessions, when counted
        // exactly).
        if (*corrected == query || std::find(tries.begin(), corrected, *corrected) != corrected)
            continue;
        Xapian::doccount found;
        bool found_at_least = false;
        try {
            found = tools.count(*corrected, &found_at_least);
        } catch (const store_failure &) {
            continue;   // a correction that does not parse is no suggestion
        } catch (const Xapian::QueryParserError &) {
            continue;
        }
        if (found > most) {
            chosen = *corrected;
            chosen_try = static_cast<size_t>(corrected - tries.begin());
            most = found;
            most_at_least = found_at_least;
            if (corrected == tries.begin())
                break;   // the whole correction helps: take it
        }
    }
    if (chosen.empty())
        return;
    if (!spelled.empty())   // the words as the sessions write them
        chosen = corrections(db, query, keep_indexed_words(db, query, spelled, true), fields_only)[chosen_try];
    if (!(result->suggestion = strdup(chosen.c_str())))
        throw std::bad_alloc();
    result->suggestion_total = most;
    result->suggestion_at_least = most_at_least;
}

}  // namespace wmstore
