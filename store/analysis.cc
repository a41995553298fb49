/* Text analysis shared by indexing and query parsing: folding, elisions,
 * stopwords, stemmers (the rules: store/analysis.h). */
#include "store/analysis.h"

#include <algorithm>
#include <cstring>
#include <iterator>
#include <map>
#include <unordered_map>

#include "store/fold_table.h"
#include "store/stopwords_lists.h"

namespace wmstore {

namespace {

/* ---- folding --------------------------------------------------------- */

// Letters that NFD leaves whole, and the apostrophes written as '.
// (Fixed-width strings here and below: a table of pointers would be
// relocated at each process start.)
const struct { unsigned ch; char ascii[3]; } SPELT_OUT[] = {
    {0xD8, "O"}, {0xF8, "o"}, {0xDF, "ss"}, {0x1E9E, "SS"}, {0xC6, "AE"}, {0xE6, "ae"},
    {0x152, "OE"}, {0x153, "oe"}, {0x110, "D"}, {0x111, "d"}, {0x141, "L"}, {0x142, "l"},
    {0xDE, "TH"}, {0xFE, "th"}, {0xD0, "D"}, {0xF0, "d"}, {0x131, "i"}, {0x126, "H"},
    {0x127, "h"}, {0x166, "T"}, {0x167, "t"}, {0x13F, "L"}, {0x140, "l"}, {0x14A, "N"},
    {0x14B, "n"}, {0x401, "\xD0\x95"}, {0x451, "\xD0\xB5"},   // Ё Ё -> Е е
    {0x2019, "'"}, {0x2018, "'"}, {0x2BC, "'"},
};

// Articles and prepositions that French, Italian and Catalan elide before
// a vowel: l’information, dell’arte, jusqu’à.
const char ELIDED[][7] = {
    "c", "d", "j", "l", "m", "n", "s", "t", "qu", "jusqu", "lorsqu", "puisqu", "quoiqu", "presqu",
    "all", "dall", "dell", "nell", "sull", "coll", "pell", "quell", "quest", "un", "nessun", "tutt",
};

template <typename Range>
bool in_ranges(const Range &ranges, unsigned ch)
{
    auto found = std::upper_bound(std::begin(ranges), std::end(ranges), ch,
                                  [](unsigned c, const auto &r) { return c < r.first; });
    return found != std::begin(ranges) && ch <= (found - 1)->last;
}

// One non-ASCII character, folded, onto out; base_folds: whether a
// combining mark after it goes (it followed a Latin or Greek letter).
// ICU's decompositions come through the generated store/fold_table.h.
void fold_char(unsigned ch, std::string &out, bool &base_folds)
{
    for (auto &s : SPELT_OUT)
        if (s.ch == ch) {
            out += s.ascii;
            base_folds = false;
            return;
        }
    if (in_ranges(MARKS, ch)) {
        if (!base_folds)
            Xapian::Unicode::append_utf8(out, ch);
        return;
    }
    base_folds = in_ranges(FOLDING_SCRIPTS, ch);
    auto found = std::lower_bound(std::begin(FOLDED), std::end(FOLDED), ch,
                                  [](const auto &f, unsigned c) { return f.ch < c; });
    if (base_folds && found != std::end(FOLDED) && found->ch == ch)
        out += found->folded;
    else
        Xapian::Unicode::append_utf8(out, ch);
}

bool is_elided(const std::string &head)
{
    if (head.empty() || head.size() > 6)
        return false;
    std::string lower = head;
    for (char &c : lower)
        c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    for (const char *e : ELIDED)
        if (lower == e)
            return true;
    return false;
}

bool needs_folding(const std::string &text)
{
    for (unsigned char c : text)
        if (c >= 0x80 || c == '\'')
            return true;
    return false;
}

/* ---- stopwords ------------------------------------------------------- */

// A language's list (folded and sorted by store/stopwords.pl); NULL when none.
const stopword_list *find_list(const std::string &language)
{
    for (auto *list = STOPWORD_LISTS; list->language[0]; list++)
        if (!strcmp(language.c_str(), list->language))   // (== was a compare call a list)
            return list;
    return nullptr;
}

bool in_list(const stopword_list *list, const std::string &word)
{
    const unsigned *words = STOPWORDS_AT + list->first, *end = words + list->n;
    auto found = std::lower_bound(words, end, word.c_str(),
                                  [](unsigned at, const char *w) { return strcmp(STOPWORDS_TEXT + at, w) < 0; });
    return found != end && word == STOPWORDS_TEXT + *found;
}

}  // namespace

std::string own_stem_term(const std::string &prefix, const std::string &stem, const std::string &english)
{
    return "Z" + prefix + stem + OWN_STEM_SEPARATOR + english;
}

std::string fold(const std::string &text)
{
    if (!needs_folding(text))
        return text;
    std::string out;
    out.reserve(text.size());
    bool base_folds = false;
    size_t word_start = 0;   // where the word being written began in out
    size_t apostrophe = std::string::npos, head_start = 0;   // an apostrophe just written and its word
    for (Xapian::Utf8Iterator it(text); it != Xapian::Utf8Iterator(); ++it) {
        unsigned ch = *it;
        bool letter = Xapian::Unicode::is_wordchar(ch);
        if (apostrophe != std::string::npos && letter && is_elided(out.substr(head_start, apostrophe - head_start)))
            out[apostrophe] = ' ';
        apostrophe = std::string::npos;
        if (ch < 0x80) {
            out += static_cast<char>(ch);
            base_folds = (ch | 0x20) >= 'a' && (ch | 0x20) <= 'z';   // Latin: e + U+0301 is é
        } else
            fold_char(ch, out, base_folds);
        if (!out.empty() && out.back() == '\'') {
            apostrophe = out.size() - 1;
            head_start = word_start;
        }
        if (!letter && !in_ranges(MARKS, ch))
            word_start = out.size();
    }
    return out;
}

std::string base_language(const std::string &code)
{
    std::string base;
    for (char c : code) {
        if (c == '-' || c == '_')
            break;
        base += static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    }
    return base;
}

namespace {

// The two-letter codes of Snowball's stemmers (Xapian 1.4 knows those up
// to "tr"; later Snowball adds the rest) and their names as
// Xapian::Stem::get_available_languages() says them.
const struct { char code[3]; char name[11]; } SNOWBALL_CODES[] = {
    {"ar", "arabic"}, {"ca", "catalan"}, {"da", "danish"}, {"de", "german"}, {"el", "greek"},
    {"en", "english"}, {"es", "spanish"}, {"et", "estonian"}, {"eu", "basque"}, {"fi", "finnish"},
    {"fr", "french"}, {"ga", "irish"}, {"hi", "hindi"}, {"hu", "hungarian"}, {"hy", "armenian"},
    {"id", "indonesian"}, {"it", "italian"}, {"lt", "lithuanian"}, {"nb", "norwegian"}, {"ne", "nepali"},
    {"nl", "dutch"}, {"nn", "norwegian"}, {"no", "norwegian"}, {"pl", "polish"}, {"pt", "portuguese"},
    {"ro", "romanian"}, {"ru", "russian"}, {"sr", "serbian"}, {"sv", "swedish"}, {"ta", "tamil"},
    {"tr", "turkish"}, {"yi", "yiddish"},
};

// Whether Xapian may have a stemmer for language: false for a two-letter
// code that names no Snowball stemmer this Xapian has (uk, zh, ja ...),
// which Xapian::Stem would answer by throwing, some 50,000 instructions in
// every query of an index with such a language.  Other codes: maybe.
bool may_have_stemmer(const std::string &language)
{
    if (language.size() != 2)
        return true;
    for (const auto &known : SNOWBALL_CODES)
        if (language[0] == known.code[0] && language[1] == known.code[1]) {   // (== was a compare call a code)
            // The linked Xapian's list (space-separated names), made once:
            // a query asks for each of the index's languages.  Looked up by
            // the name, then its ends checked (a find of " name " stopped
            // at every space: 3,500 instructions a language).
            static const std::string available = Xapian::Stem::get_available_languages();
            const size_t n = strlen(known.name);
            for (size_t at = available.find(known.name); at != std::string::npos;
                 at = available.find(known.name, at + 1))
                if ((at == 0 || available[at - 1] == ' ') && (at + n == available.size() || available[at + n] == ' '))
                    return true;
            return false;
        }
    return false;
}

}  // namespace

bool has_stemmer(const std::string &language)
{
    if (language.size() == 2)   // the table's answer is the constructor's (stemmer_for)
        return may_have_stemmer(language);
    Xapian::Stem unused;
    return stemmer_for(language, unused);
}

bool stemmer_for(const std::string &language, Xapian::Stem &stemmer)
{
    // Per thread: a Snowball stemmer keeps its work buffers between calls.
    thread_local std::map<std::string, Xapian::Stem> known;   // a missing stemmer as Stem() ("none")
    auto found = known.find(language);
    if (found == known.end()) {
        Xapian::Stem made;
        try {
            if (!language.empty() && language.find_first_not_of("abcdefghijklmnopqrstuvwxyz") == std::string::npos &&
                may_have_stemmer(language))
                made = Xapian::Stem(language);   // Xapian knows ISO 639 codes: "fr", "de", "ar"
        } catch (const Xapian::InvalidArgumentError &) {
        }
        found = known.emplace(language, made).first;
    }
    stemmer = found->second;
    return !stemmer.is_none();
}

namespace {

// A stemmer that keeps its answers.  Indexing stems the same few thousand
// words again and again (a title twice, in the plain text and in the
// title's), and Snowball took a tenth of a writer thread's instructions; a
// lookup costs a fraction of a stemming.  The memory is bounded: past
// max_words the words are forgotten and it starts again (the frequent
// words come back at once).  About 100 bytes a word: for indexing, English,
// which every word goes through, keeps 32,768 (3 MB a writer thread);
// another language, only its sessions' words, 4,096 (0.4 MB), so that an
// archive in thirty languages stays within wmindex's memory.  A query's
// own words are stemmed once, with plain stemmers; the snippets of a page
// of hits go through one (store_search.cc, remembering_stemmer).
class caching_stemmer : public Xapian::StemImplementation {
    static const size_t MAX_WORD_BYTES = 48;
    Xapian::Stem stemmer;
    size_t max_words;
    std::unordered_map<std::string, std::string> known;
public:
    caching_stemmer(const Xapian::Stem &s, size_t most) : stemmer(s), max_words(most) {}
    std::string operator()(const std::string &word) override
    {
        if (word.size() > MAX_WORD_BYTES)
            return stemmer(word);
        auto found = known.find(word);
        if (found != known.end())
            return found->second;
        if (known.size() >= max_words)
            known.clear();
        return known.emplace(word, stemmer(word)).first->second;
    }
    std::string get_description() const override { return "caching " + stemmer.get_description(); }
};

}  // namespace

Xapian::Stem caching_stemmer_of(const Xapian::Stem &stemmer, size_t max_words)
{
    return Xapian::Stem(new caching_stemmer(stemmer, max_words));
}

bool indexing_stemmer_for(const std::string &language, Xapian::Stem &stemmer)
{
    // Per thread, as stemmer_for: Xapian's reference counts are not atomic.
    thread_local std::map<std::string, Xapian::Stem> known;
    auto found = known.find(language);
    if (found == known.end()) {
        Xapian::Stem plain, made;
        if (stemmer_for(language, plain))
            made = caching_stemmer_of(plain, language == "en" ? 32768 : 4096);
        found = known.emplace(language, made).first;
    }
    stemmer = found->second;
    return !stemmer.is_none();
}

bool is_stopword(const std::string &language, const std::string &word)
{
    const stopword_list *list = find_list(language);
    return list && in_list(list, word);
}

bool is_stopword_of_any(const std::vector<std::string> &languages, const std::string &word)
{
    for (const std::string &l : languages)
        if (is_stopword(l, word))
            return true;
    return false;
}

bool has_stopword_list(const std::string &language)
{
    return find_list(language) != nullptr;
}

bool have_stopwords()
{
    return STOPWORD_LISTS[0].language[0] != '\0';
}

language_stopper::language_stopper(const std::vector<std::string> &langs)
{
    std::vector<std::string> with_english{"en"};
    with_english.insert(with_english.end(), langs.begin(), langs.end());
    for (const std::string &l : with_english) {
        const stopword_list *list = find_list(l);
        if (list && std::find(lists.begin(), lists.end(), list) == lists.end())
            lists.push_back(list);
    }
}

bool language_stopper::operator()(const std::string &word) const
{
    for (const stopword_list *list : lists)
        if (in_list(list, word))
            return true;
    return false;
}

/* ---- indexing -------------------------------------------------------- */

namespace {

// What joins a word that index_word_parts takes apart (see analysis.h).
const char JOINERS[] = "+#_";

// A term's parts as index_word_parts gives them: the bare word of word+
// or word#, the parts of words joined by '_' (none of them: {}).
std::vector<std::string> word_parts(const std::string &word)
{
    std::string bare = word;
    while (!bare.empty() && (bare.back() == '+' || bare.back() == '#'))
        bare.pop_back();
    std::vector<std::string> parts;
    size_t start = 0;
    while (start <= bare.size()) {
        size_t end = bare.find('_', start);
        if (end == std::string::npos)
            end = bare.size();
        if (end > start)
            parts.push_back(bare.substr(start, end - start));
        start = end + 1;
    }
    if (parts.size() == 1 && parts[0] == word)
        return {};
    return parts;
}

}  // namespace

text_indexer::text_indexer(Xapian::Document &d, const std::string &lang)
    : doc(d), language(base_language(lang)), stopper(std::vector<std::string>{base_language(lang)})
{
    indexing_stemmer_for("en", english);
    tg.set_document(doc);
    tg.set_stemmer(english);
    tg.set_stemming_strategy(Xapian::TermGenerator::STEM_SOME);
    tg.set_stopper(&stopper);
    tg.set_stopper_strategy(Xapian::TermGenerator::STOP_STEMMED);
    if (language != "en" && indexing_stemmer_for(language, own_stemmer))
        has_own_stemmer = true;
}

void text_indexer::note_prefix(const std::string &prefix)
{
    if (std::find(text_prefixes.begin(), text_prefixes.end(), prefix) == text_prefixes.end())
        text_prefixes.push_back(prefix);
}

void text_indexer::index(const std::string &text, const std::string &prefix, Xapian::termcount weight)
{
    if (text.empty())
        return;
    saw_joined = saw_joined || text.find_first_of(JOINERS) != std::string::npos;
    note_prefix("");
    note_prefix(prefix);
    tg.increase_termpos();
    if (!prefix.empty())
        tg.index_text(text, 1, prefix);
    tg.index_text(text, weight);
    for (const own_stem &stem : own_stems(text)) {
        doc.add_term(own_stem_term("", stem.stem, stem.english), 0);
        if (!prefix.empty())
            doc.add_term(own_stem_term(prefix, stem.stem, stem.english), 0);
    }
}

// The stems of the session's own language (none without a stemmer): only
// those English did not give, and not a stem that is its word unchanged (a
// Russian stemmer on a Latin word: no inflection, and the unstemmed term is
// there).  The callers add them with wdf 0 (matching, not weighing; the
// document's length stays what English gives it).
std::vector<text_indexer::own_stem> text_indexer::own_stems(const std::string &text)
{
    if (!has_own_stemmer)
        return {};
    Xapian::Document words;
    Xapian::TermGenerator plain;
    plain.set_document(words);
    plain.index_text_without_positions(text);
    std::vector<own_stem> stems;
    for (auto t = words.termlist_begin(); t != words.termlist_end(); ++t) {
        const std::string &word = *t;
        if (stopper(word))
            continue;
        own_stem stem{own_stemmer(word), english(word)};
        if (stem.stem != word && stem.stem != stem.english)
            stems.push_back(stem);
    }
    return stems;
}

void text_indexer::index_filter_words(const std::string &text, const std::string &prefix)
{
    if (text.empty())
        return;
    saw_joined = saw_joined || text.find_first_of(JOINERS) != std::string::npos;
    note_prefix(prefix);
    tg.index_text_without_positions(text, 0, prefix);
    for (const own_stem &stem : own_stems(text))   // a filter: the stem alone (track_query)
        doc.add_term("Z" + prefix + stem.stem, 0);
}

void text_indexer::index_word_parts()
{
    if (!saw_joined)
        return;
    struct joined { std::string prefix; std::vector<std::string> parts; Xapian::termcount wdf;
                    std::vector<Xapian::termpos> positions; };
    std::vector<joined> found;
    for (auto t = doc.termlist_begin(); t != doc.termlist_end(); ++t) {
        const std::string term = *t;
        if (term.empty() || term[0] == 'Z' || term.find_first_of(JOINERS) == std::string::npos)
            continue;
        size_t start = 0;
        while (start < term.size() && term[start] >= 'A' && term[start] <= 'Z')
            start++;
        std::vector<std::string> parts = word_parts(term.substr(start));
        if (parts.empty() || std::find(text_prefixes.begin(), text_prefixes.end(), term.substr(0, start)) ==
                                 text_prefixes.end())
            continue;   // an exact term (a URL, a path, a track as written): not words
        found.push_back({term.substr(0, start), parts, t.get_wdf(), {}});
        for (auto p = t.positionlist_begin(); p != t.positionlist_end(); ++p)
            found.back().positions.push_back(*p);
    }
    for (const joined &j : found)
        for (size_t i = 0; i < j.parts.size(); i++) {
            const std::string &part = j.parts[i];
            for (Xapian::termpos pos : j.positions)
                doc.add_posting(j.prefix + part, pos + i, 0);
            doc.add_term(j.prefix + part, j.wdf);
            if (!stopper(part))
                doc.add_term("Z" + j.prefix + english(part), j.wdf);
        }
}

}  // namespace wmstore
