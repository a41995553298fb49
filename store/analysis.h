/* Text analysis: how words become terms, the one definition that indexing
 * (store/document.cc) and query parsing (store/store_search.cc) both follow,
 * so that a query word meets the terms of the same word in a session.
 * Internal to store/: C++ only.  The rules (doc/index-schema.md, "Text
 * analysis"):
 *
 *  - Folding (fold): Latin and Greek letters lose their diacritics (ICU's
 *    NFD, then the nonspacing marks dropped: é -> e, ễ -> e, and e + U+0301
 *    written apart -> e; ICU's answers
 *    are a table made at build time by store/fold_table_gen.cc); letters
 *    that do not decompose are spelt out (ø -> o, ß -> ss, æ -> ae, œ -> oe,
 *    đ -> d, ł -> l, þ -> th, ð -> d, ı -> i); Cyrillic ё -> е (й and the
 *    marks of other scripts stay: their stemmers need them); ’ ‘ ʼ -> '.
 *    Case is kept here (exact terms lower-case on top, document.cc normalise;
 *    TermGenerator and QueryParser lower-case words themselves).
 *  - Elisions (also fold): an apostrophe after an elided article or
 *    preposition (l' d' j' m' n' s' t' c' qu' jusqu' lorsqu' puisqu'
 *    quoiqu' presqu' dell' all' dall' nell' sull' coll' un' quest' ...)
 *    and before a letter becomes a space, so l’information is the two
 *    words "l" and "information"; the article is a stopword.  Other
 *    apostrophes stay (don't, Wikipedia's: the English stemmer and
 *    stopword list know them).
 *  - word+ and word# (index_word_parts): Xapian keeps a trailing + or #
 *    in the word (C++, C#); the document gets the bare word too, at the same
 *    positions, with its stem.
 *  - Words joined by '_' (index_word_parts): Xapian reads dma_buf as one
 *    word, people type "dma buf"; the document gets the word and its parts
 *    (dma at the word's position, buf at the next), with their stems (none
 *    for a stopword).  The query side needs nothing: "dma_buf" is a term
 *    of the document, and so are "dma" and "buf".
 *  - Title weight (document.cc): a title's words count twice in the plain
 *    text (wdf 2 a word, TITLE_WEIGHT): a few words of a title, which is what
 *    people remember of a talk, find it before talks that only mention them.
 *  - Stopwords: the Snowball lists of Lingua::StopWords (a table generated
 *    by store/stopwords.pl, folded and sorted there: nothing to build at run
 *    time); Xapian's STOP_STEMMED when indexing (a stopword is indexed
 *    unstemmed with its position, so phrases keep it, but gets no Z stem).
 *  - Stemming: English always; a session in another language with a
 *    Snowball stemmer also gets the stems of that language (terms without
 *    positions and with wdf 0: they make inflections match without
 *    weighing twice; not a stem that is its word unchanged nor its English
 *    stem).  Such a stem is written with the English stem of the word that
 *    gave it (own_stem_term: "Zwikidat wikidata" for a German session's
 *    "Wikidata"), so that a query skips the sessions its English stem
 *    already finds: `wikidata` needs no other term, `wikidaten` adds
 *    "Zwikidat wikidata" (schema 10; before, "Zwikidat" alone, which the
 *    matcher stepped through for every match of "Zwikidata").  Its track
 *    words get the stem alone (ZXT, a filter).  The query side: see
 *    store_search.cc, stemmed_query and track_query.
 */
#ifndef WM_STORE_ANALYSIS_H
#define WM_STORE_ANALYSIS_H

#include <xapian.h>

#include <cstddef>
#include <string>
#include <vector>

namespace wmstore {

// Between an own-language stem and its word's English stem in a term.
// No word has a space.
const char OWN_STEM_SEPARATOR = ' ';

// The term of an own-language stem of a word whose English stem is
// english, in the text of prefix ("" the plain text, "S" the title).
std::string own_stem_term(const std::string &prefix, const std::string &stem, const std::string &english);

// The text with diacritics folded and elisions split (see above); case kept.
std::string fold(const std::string &text);

// The primary subtag of a language code, lower-case ("pt-BR" -> "pt").
std::string base_language(const std::string &code);

// The Snowball stemmer of a language code; false when Xapian has none.
bool stemmer_for(const std::string &language, Xapian::Stem &stemmer);

// stemmer, keeping the stems it made: at most max_words, then it forgets
// them and starts again.  For one thread (Xapian's reference counts are
// not atomic).
Xapian::Stem caching_stemmer_of(const Xapian::Stem &stemmer, size_t max_words);

// The same for indexing: a stemmer that keeps the stems it made (memory
// bounded), one per language and thread.
bool indexing_stemmer_for(const std::string &language, Xapian::Stem &stemmer);

// Whether Xapian has a stemmer for the language code, without making one
// for a two-letter code (a query that stems no word needs none).
bool has_stemmer(const std::string &language);

// Whether a folded, lower-case word is a stopword of the language.
bool is_stopword(const std::string &language, const std::string &word);

// Whether it is a stopword of any of the languages.
bool is_stopword_of_any(const std::vector<std::string> &languages, const std::string &word);

// Whether the language has a stopword list.
bool has_stopword_list(const std::string &language);

// Whether any stopword lists were compiled in (liblingua-stopwords-perl).
bool have_stopwords();

// One language's stopwords, folded and sorted: the words of the generated
// table's STOPWORDS_AT[first] to [first + n - 1] (store/stopwords.pl).
struct stopword_list {
    char language[4];
    unsigned first, n;
};

// Stopwords of English and of the given languages (folded words).

class language_stopper : public Xapian::Stopper {
    std::vector<const stopword_list *> lists;
public:
    explicit language_stopper(const std::vector<std::string> &langs);
    bool operator()(const std::string &word) const override;
    std::string get_description() const override { return "wmsearch.language_stopper"; }
};

// Index text (already folded) as TermGenerator does, English stems and
// stopwords, plus the stems of the document's own language (see above).
class text_indexer {
    Xapian::Document &doc;
    std::string language;     // "" or "en": English only
    Xapian::Stem english;     // both keep their stems (indexing_stemmer_for)
    Xapian::Stem own_stemmer; // valid when has_own_stemmer
    bool has_own_stemmer = false;
    language_stopper stopper;
    Xapian::TermGenerator tg;
    bool saw_joined = false;  // a '+', '#' or '_' was indexed: index_word_parts has work
    std::vector<std::string> text_prefixes;   // the prefixes text went into ("" too)
    void note_prefix(const std::string &prefix);
    struct own_stem { std::string stem, english; };   // a word's stems in its language and English
    std::vector<own_stem> own_stems(const std::string &text);
public:
    text_indexer(Xapian::Document &doc, const std::string &language);
    // The text into the unprefixed terms (each word weight times), and into
    // prefix's too when it is not empty (once); a gap in positions first.
    void index(const std::string &text, const std::string &prefix, Xapian::termcount weight = 1);
    // The words of the text as wdf-0 filter terms with prefix, stemmed
    // (English, and the session's language), no positions: track words.
    void index_filter_words(const std::string &text, const std::string &prefix);
    // word+, word# and words joined by '_': the bare words and the parts
    // too (call once, at the end).
    void index_word_parts();
};

}  // namespace wmstore

#endif
