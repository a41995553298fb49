/* People across sessions (store/store.h, "people"): the folded keys a
 * session's speakers leave in the index, the links that make one person of
 * speakers in many sessions, speaker: widened to every form of a person,
 * the speaker facet counted by person, and wm_store_find_person.
 *
 * A speaker leaves XPNAME<folded name>, XPUSER<folded username> and an
 * XPWORD term per folded word of both; slot 11 holds the usernames beside
 * slot 5's names.  A person is found at query time: the documents of a
 * key are read (their slots) for the speakers that carry it, whose other
 * key is followed in turn, until nothing new turns up or a bound is hit
 * (MAX_* below: the work per query is bounded, whatever the index).
 *
 * speaker: (people_query) needs only the keys of those people, and the
 * index holds what finding them needs (schema 10): an XPSEED term per
 * word of a speaker's key (word TAB key) tells who a value names, an
 * XPLINK term per speaker with both keys (key TAB key, both ways) the
 * links.  Walking those terms reads no document: reading the slots of
 * 100 documents (about 500 block reads) was 3 of the 7.2 million
 * instructions of `speaker:lindqvist` at 100,000 sessions, and most of its
 * time.  The person command and the facet still read the documents (they
 * show names as written). */
#include <xapian.h>

#include <algorithm>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <map>
#include <memory>
#include <new>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "archive/session.h"
#include "store/schema.h"
#include "store/store.h"

using namespace wmstore;

namespace {

const Xapian::doccount MAX_SEED_DOCS = 1000;   // documents read to see who a value names
const size_t MAX_SEED_KEYS = 1000;             // keys looked at to see who a value names (speaker:)
const size_t MAX_KEYS = 200;                   // keys (names, usernames) of one value's people
const size_t MAX_DOCS_PER_KEY = 2000;          // documents read per key while following links
const size_t MAX_PEOPLE = 20;                  // people one value may name

// Keys: 'n' + folded name, 'u' + folded username; "" when there is none.
std::string name_key(const std::string &name)
{
    std::string folded = person_fold(name);
    return folded.empty() ? "" : "n" + folded;
}

std::string user_key(const std::string &username)
{
    std::string folded = person_fold(username);
    return folded.empty() ? "" : "u" + folded;
}

// The term of a key, "" when it is too long to be one.
std::string key_term(const std::string &key)
{
    std::string term = prefix_of(key[0] == 'n' ? F_PERSON_NAME : F_PERSON_USER) + key.substr(1);
    return term.size() <= MAX_TERM_BYTES ? term : "";
}

// The items of a TAB-separated slot, empty ones kept.
std::vector<std::string> split_tabs(const std::string &value)
{
    std::vector<std::string> items;
    size_t start = 0;
    for (size_t tab; (tab = value.find('\t', start)) != std::string::npos; start = tab + 1)
        items.push_back(value.substr(start, tab - start));
    items.push_back(value.substr(start));
    return items;
}

struct slot_speaker {
    std::string name, username;
};

// The speakers of the values of slots 5 (names) and 11 (usernames).
std::vector<slot_speaker> speakers_in_slots(const std::string &names, const std::string &usernames)
{
    std::vector<slot_speaker> speakers;
    if (names.empty())
        return speakers;
    std::vector<std::string> name_list = split_tabs(names), user_list = split_tabs(usernames);
    for (size_t i = 0; i < name_list.size(); i++)
        speakers.push_back({name_list[i], i < user_list.size() ? user_list[i] : ""});
    return speakers;
}

// A document's speakers.
std::vector<slot_speaker> doc_speakers(const Xapian::Document &doc)
{
    return speakers_in_slots(doc.get_value(SLOT_SPEAKERS), doc.get_value(SLOT_USERNAMES));
}

// A speaker with the folded forms the links compare: name_key() and
// user_key() of the name and username ("" when there is none).
struct keyed_speaker {
    std::string name, username, name_key, user_key;
};

// The speakers of documents for one query, each document read once and
// each distinct name folded once.  Following a person's links meets the
// same sessions again (a name's and a username's posting lists overlap),
// and the same few names recur in every one of them: reading and folding
// each time was 9 of a 13.6 million instruction `speaker:lindqvist` at
// 100,000 sessions.  The document ids come from posting lists, so
// Xapian's check that each exists is skipped (DOC_ASSUME_VALID).
class speaker_reader {
    const Xapian::Database &db;
    std::unordered_map<Xapian::docid, std::vector<keyed_speaker>> docs;
    std::unordered_map<std::string, std::string> folds;   // text -> person_fold(text)

public:
    explicit speaker_reader(const Xapian::Database &database) : db(database) {}

    // person_fold(text), remembered.
    const std::string &folded(const std::string &text)
    {
        auto found = folds.find(text);
        if (found == folds.end())
            found = folds.emplace(text, person_fold(text)).first;
        return found->second;
    }

    const std::vector<keyed_speaker> &speakers(Xapian::docid did)
    {
        auto found = docs.find(did);
        if (found != docs.end())
            return found->second;
        std::vector<keyed_speaker> keyed;
        for (slot_speaker &sp : doc_speakers(db.get_document(did, Xapian::DOC_ASSUME_VALID))) {
            const std::string &n = folded(sp.name), &u = folded(sp.username);
            keyed.push_back({std::move(sp.name), std::move(sp.username), n.empty() ? "" : "n" + n,
                             u.empty() ? "" : "u" + u});
        }
        return docs.emplace(did, std::move(keyed)).first->second;
    }
};

// Is words a run of the words of folded (a name or username)?
bool names_by_words(const std::vector<std::string> &words, const std::string &folded)
{
    for (const std::string &w : words)
        if (folded.find(w) == std::string::npos)
            return false;   // most names: no need to split them into words
    std::vector<std::string> have = words_of(folded);
    return !words.empty() && std::search(have.begin(), have.end(), words.begin(), words.end()) != have.end();
}

// Every key linked to start: the speakers carrying a key bring their other key.
std::set<std::string> follow_links(const Xapian::Database &db, speaker_reader &reader,
                                   const std::vector<std::string> &start)
{
    std::set<std::string> keys;
    std::deque<std::string> queue;
    for (const std::string &key : start)
        if (!key.empty() && keys.insert(key).second)
            queue.push_back(key);
    while (!queue.empty() && keys.size() < MAX_KEYS) {
        std::string key = queue.front(), term = key_term(key);
        queue.pop_front();
        size_t read = 0;
        for (auto it = db.postlist_begin(term); !term.empty() && it != db.postlist_end(term) &&
                                                read < MAX_DOCS_PER_KEY; ++it, ++read)
            for (const keyed_speaker &sp : reader.speakers(*it)) {
                if (sp.name_key != key && sp.user_key != key)
                    continue;
                for (const std::string &k : {sp.name_key, sp.user_key})
                    if (!k.empty() && keys.size() < MAX_KEYS && keys.insert(k).second)
                        queue.push_back(k);
            }
    }
    return keys;
}

typedef std::vector<std::set<std::string>> people_keys;

// The people value names: the speakers whose name or username holds its
// folded words as a run, each with everyone linked to them.
people_keys people_named(const Xapian::Database &db, const std::string &value)
{
    std::vector<std::string> words = words_of(person_fold(value));
    people_keys people;
    if (words.empty())
        return people;
    std::vector<Xapian::Query> terms;
    for (const std::string &w : words)
        terms.emplace_back(prefix_of(F_PERSON_WORD) + w);
    Xapian::Enquire enquire(db);
    Xapian::Query seeds_query(Xapian::Query::OP_AND, terms.begin(), terms.end());
    enquire.set_query(seeds_query);
    enquire.set_weighting_scheme(Xapian::BoolWeight());
    Xapian::MSet seeds = get_mset_of(enquire, seeds_query, 0, MAX_SEED_DOCS);
    speaker_reader reader(db);
    for (auto m = seeds.begin(); m != seeds.end() && people.size() < MAX_PEOPLE; ++m)
        for (const keyed_speaker &sp : reader.speakers(*m)) {
            // The keys hold the folded name and username after their letter.
            if (!(sp.name_key.size() > 1 && names_by_words(words, sp.name_key.substr(1))) &&
                !(sp.user_key.size() > 1 && names_by_words(words, sp.user_key.substr(1))))
                continue;
            bool known = false;
            for (const auto &person : people)
                known = known || person.count(sp.name_key);
            if (!known && people.size() < MAX_PEOPLE)
                people.push_back(follow_links(db, reader, {sp.name_key, sp.user_key}));
        }
    return people;
}

// The seed or link term of key with a word or another key before it, ""
// when it would be too long to be a term (a name of 120 bytes and more).
std::string pair_term(field_id field, const std::string &first, const std::string &key)
{
    std::string term = prefix_of(field) + first + '\t' + key;
    return term.size() <= MAX_TERM_BYTES ? term : "";
}

// What the terms after prefix hold after it: the keys a word or a key leads to.
std::vector<std::string> keys_after(const Xapian::Database &db, const std::string &prefix, size_t at_most)
{
    std::vector<std::string> keys;
    if (prefix.empty())
        return keys;   // pair_term's "": no such term, and "" would walk every term
    for (auto it = db.allterms_begin(prefix); it != db.allterms_end(prefix) && keys.size() < at_most; ++it)
        keys.push_back((*it).substr(prefix.size()));
    return keys;
}

// The keys value's people have, from the XPSEED and XPLINK terms: what
// people_named() finds, as one set (speaker: ORs them all).  The speakers
// whose key holds value's folded words as a run (MAX_SEED_KEYS keys of
// the first word looked at), each with every key linked to it, up to
// MAX_PEOPLE people and MAX_KEYS keys each.
std::set<std::string> people_keys_by_terms(const Xapian::Database &db, const std::string &value)
{
    std::set<std::string> all;
    std::vector<std::string> words = words_of(person_fold(value));
    if (words.empty())
        return all;
    size_t people = 0;
    for (const std::string &seed : keys_after(db, pair_term(F_PERSON_SEED, words[0], ""), MAX_SEED_KEYS)) {
        if (people >= MAX_PEOPLE)
            break;
        if (seed.size() < 2 || all.count(seed) || !names_by_words(words, seed.substr(1)))
            continue;
        people++;
        std::set<std::string> keys{seed};
        std::deque<std::string> queue{seed};
        while (!queue.empty() && keys.size() < MAX_KEYS) {
            std::string key = queue.front();
            queue.pop_front();
            for (const std::string &linked : keys_after(db, pair_term(F_PERSON_LINK, key, ""), MAX_KEYS))
                if (keys.size() < MAX_KEYS && keys.insert(linked).second)
                    queue.push_back(linked);
        }
        all.insert(keys.begin(), keys.end());
    }
    return all;
}

Xapian::Query keys_query(const std::set<std::string> &keys)
{
    std::vector<Xapian::Query> terms;
    for (const std::string &key : keys) {
        std::string term = key_term(key);
        if (!term.empty())
            terms.emplace_back(term);
    }
    return Xapian::Query(Xapian::Query::OP_OR, terms.begin(), terms.end());
}

/* ---- the speaker facet, by person -------------------------------------- */

// The speakers of the matching documents as key ids, a speaker's name and
// username joined (union-find); people are made at the end.  Read from the
// distinct values of slot 12 (name TAB username pairs) and how many matches
// have each, which Xapian's ValueCountMatchSpy gives for local and remote
// shards alike: a value's count goes once to each person in it.
struct people_links {
    std::vector<size_t> parent;
    std::unordered_map<std::string, size_t> ids;     // key -> id
    std::unordered_map<std::string, size_t> by_name; // name as written -> id of its key
    std::unordered_map<std::string, std::string> user_keys;   // username -> its key (folding costs)
    struct value_speakers {
        std::vector<std::pair<size_t, std::string>> speakers;   // (name key id, name)
        unsigned long count;
    };
    std::vector<value_speakers> values;

    size_t id_of(const std::string &key)
    {
        auto found = ids.find(key);
        if (found != ids.end())
            return found->second;
        parent.push_back(parent.size());
        return ids[key] = parent.size() - 1;
    }
    size_t root(size_t id)
    {
        while (parent[id] != id)
            id = parent[id] = parent[parent[id]];
        return id;
    }
    void add(const std::string &pairs, unsigned long count)
    {
        std::vector<std::pair<size_t, std::string>> entry;
        std::vector<std::string> items = split_tabs(pairs);
        for (size_t i = 0; i < items.size(); i += 2) {
            const std::string &name = items[i], username = i + 1 < items.size() ? items[i + 1] : "";
            auto cached = by_name.find(name);
            size_t n = cached != by_name.end() ? cached->second : (by_name[name] = id_of(name_key(name)));
            if (!username.empty()) {
                auto known = user_keys.find(username);
                const std::string &u = known != user_keys.end() ? known->second
                                                                 : (user_keys[username] = user_key(username));
                if (!u.empty())
                    parent[root(n)] = root(id_of(u));
            }
            entry.emplace_back(n, name);
        }
        values.push_back({std::move(entry), count});
    }
};

// items ranked: most counted first, ties by value.
std::vector<std::string> ranked(const std::map<std::string, unsigned long> &counts)
{
    std::vector<std::pair<std::string, unsigned long>> sorted(counts.begin(), counts.end());
    std::stable_sort(sorted.begin(), sorted.end(),
                     [](const auto &a, const auto &b) { return a.second > b.second; });
    std::vector<std::string> out;
    for (auto &entry : sorted)
        out.push_back(entry.first);
    return out;
}

char **c_strings(const std::vector<std::string> &items, size_t *n)
{
    *n = 0;
    if (items.empty())
        return NULL;
    char **out = static_cast<char **>(calloc(items.size(), sizeof *out));
    if (!out)
        throw std::bad_alloc();
    for (const std::string &item : items) {
        if (!(out[*n] = strdup(item.c_str()))) {
            for (size_t i = 0; i < *n; i++)
                free(out[i]);
            free(out);
            *n = 0;
            throw std::bad_alloc();
        }
        (*n)++;
    }
    return out;
}

}  // namespace

/* ---- what the rest of the store calls (store/schema.h) ------------------ */

std::string wmstore::person_fold(const std::string &text)
{
    // The folding of every other term (store/analysis.h, through
    // normalise), so a name folds alike in XPNAME, XSPEAKER and A terms.
    return normalise(username_as_text(text.c_str()));
}

void wmstore::index_people(Xapian::Document &doc, const wm_session_t *s)
{
    std::vector<std::string> usernames;
    bool any_username = false;
    for (size_t i = 0; i < s->n_speakers; i++) {
        const wm_speaker_t &sp = s->speakers[i];
        std::string username = username_as_text(sp.username);
        const std::string keys[] = {name_key(str_or_empty(sp.name)), user_key(username)};
        for (const std::string &key : keys) {
            std::string term = key.empty() ? "" : key_term(key);
            if (!term.empty())
                doc.add_boolean_term(term);
            for (const std::string &w : key.empty() ? std::vector<std::string>() : words_of(key.substr(1))) {
                if (prefix_of(F_PERSON_WORD).size() + w.size() <= MAX_TERM_BYTES)
                    doc.add_boolean_term(prefix_of(F_PERSON_WORD) + w);
                std::string seed = pair_term(F_PERSON_SEED, w, key);
                if (!seed.empty())
                    doc.add_boolean_term(seed);
            }
        }
        if (!keys[0].empty() && !keys[1].empty())
            for (const std::string &link : {pair_term(F_PERSON_LINK, keys[0], keys[1]),
                                            pair_term(F_PERSON_LINK, keys[1], keys[0])})
                if (!link.empty())
                    doc.add_boolean_term(link);
        usernames.push_back(username);
        any_username = any_username || !username.empty();
    }
    if (any_username)
        doc.add_value(SLOT_USERNAMES, join_with_tabs(usernames));
}

Xapian::Query wmstore::people_query(const Xapian::Database &db, const std::string &value)
{
    try {
        return keys_query(people_keys_by_terms(db, value));
    } catch (...) {   // a FieldProcessor must not throw: without the widening, speaker: still works
        return Xapian::Query::MatchNothing;
    }
}

void wmstore::fill_people_facet(wm_facet_counts_t &out, const std::map<std::string, Xapian::doccount> &pair_values)
{
    people_links people;
    for (const auto &value : pair_values)
        people.add(value.first, value.second);
    std::map<size_t, unsigned long> sessions;                      // root -> sessions
    std::map<size_t, std::map<std::string, unsigned long>> forms;  // root -> name -> sessions
    for (const auto &value : people.values) {
        std::set<size_t> seen_roots;
        std::set<std::pair<size_t, std::string>> seen_forms;
        for (const auto &entry : value.speakers) {
            size_t r = people.root(entry.first);
            if (seen_roots.insert(r).second)
                sessions[r] += value.count;
            if (seen_forms.insert({r, entry.second}).second)
                forms[r][entry.second] += value.count;
        }
    }
    struct row { std::vector<std::string> names; unsigned long count; };
    std::vector<row> rows;
    for (auto &entry : sessions)
        rows.push_back({ranked(forms[entry.first]), entry.second});
    std::sort(rows.begin(), rows.end(), [](const row &a, const row &b) {
        return a.count != b.count ? a.count > b.count : a.names[0] < b.names[0];
    });
    out.counted = true;
    if (rows.empty())
        return;
    out.values = static_cast<wm_facet_value_t *>(calloc(rows.size(), sizeof *out.values));
    if (!out.values)
        throw std::bad_alloc();
    for (const row &r : rows) {
        wm_facet_value_t &v = out.values[out.n_values++];
        v.count = r.count;
        if (!(v.value = strdup(r.names[0].c_str())))
            throw std::bad_alloc();
        v.names = c_strings(r.names, &v.n_names);
    }
}

/* ---- wm_store_find_person ------------------------------------------------ */

namespace {

struct person_tally {
    std::map<std::string, unsigned long> names, usernames, affiliations, co_speakers, tracks;
};

void tally_session(person_tally &t, const wm_session_t *s, const std::set<std::string> &keys)
{
    std::set<std::string> co;
    for (size_t i = 0; i < s->n_speakers; i++) {
        const wm_speaker_t &sp = s->speakers[i];
        std::string username = username_as_text(sp.username);
        if (keys.count(name_key(str_or_empty(sp.name))) || (!username.empty() && keys.count(user_key(username)))) {
            t.names[str_or_empty(sp.name)]++;
            if (!username.empty())
                t.usernames[username]++;
            if (sp.affiliation)
                t.affiliations[sp.affiliation]++;
        } else if (co.insert(str_or_empty(sp.name)).second) {
            t.co_speakers[str_or_empty(sp.name)]++;
        }
    }
    for (size_t i = 0; i < s->n_tracks; i++)
        t.tracks[s->tracks[i]]++;
}

// The person's sessions (request's filters, the default status policy),
// oldest first, and what they say of the person.  False: no session left.
bool fill_person(const Xapian::Database &db, const std::set<std::string> &keys,
                 const wm_search_request_t *request, wm_person_t &person)
{
    wm_search_request_t none = {};
    Xapian::Enquire enquire(db);
    Xapian::Query query = filtered(db, keys_query(keys), request ? request : &none);
    enquire.set_query(query);
    enquire.set_weighting_scheme(Xapian::BoolWeight());
    enquire.set_sort_by_value(SLOT_YEAR, false);
    Xapian::MSet found = get_mset_of(enquire, query, 0, db.get_doccount());
    if (found.empty())
        return false;
    std::vector<wm_session_t *> sessions;
    person_tally t;
    try {
        for (auto m = found.begin(); m != found.end(); ++m) {
            sessions.push_back(decode_session(m.get_document().get_data()));
            tally_session(t, sessions.back(), keys);
        }
    } catch (...) {
        for (wm_session_t *s : sessions)
            wm_session_free(s);
        throw;
    }
    // By year, sessions without one last, and by id within a year: not by
    // document id, which differs between one index and shards searched as one.
    std::sort(sessions.begin(), sessions.end(), [](const wm_session_t *a, const wm_session_t *b) {
        int ya = a->year > 0 ? a->year : INT_MAX, yb = b->year > 0 ? b->year : INT_MAX;
        return ya != yb ? ya < yb : strcmp(a->id ? a->id : "", b->id ? b->id : "") < 0;
    });
    person.sessions = static_cast<wm_session_t **>(calloc(sessions.size(), sizeof *person.sessions));
    if (!person.sessions) {
        for (wm_session_t *s : sessions)
            wm_session_free(s);
        throw std::bad_alloc();
    }
    for (wm_session_t *s : sessions)
        person.sessions[person.n_sessions++] = s;
    person.names = c_strings(ranked(t.names), &person.n_names);
    person.usernames = c_strings(ranked(t.usernames), &person.n_usernames);
    person.affiliations = c_strings(ranked(t.affiliations), &person.n_affiliations);
    person.co_speakers = c_strings(ranked(t.co_speakers), &person.n_co_speakers);
    person.tracks = c_strings(ranked(t.tracks), &person.n_tracks);
    return true;
}

// Of several people, the one whose whole name or username value is, if exactly one.
void prefer_exact(people_keys &people, const std::string &value)
{
    std::string folded = person_fold(value);
    people_keys exact;
    for (const auto &person : people)
        if (person.count("n" + folded) || person.count("u" + folded))
            exact.push_back(person);
    if (exact.size() == 1)
        people = exact;
}

void free_strings(char **items, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(items[i]);
    free(items);
}

void free_person(wm_person_t &p)
{
    free_strings(p.names, p.n_names);
    free_strings(p.usernames, p.n_usernames);
    free_strings(p.affiliations, p.n_affiliations);
    free_strings(p.co_speakers, p.n_co_speakers);
    free_strings(p.tracks, p.n_tracks);
    for (size_t i = 0; i < p.n_sessions; i++)
        wm_session_free(p.sessions[i]);
    free(p.sessions);
}

wm_person_result_t *find_person(const Xapian::Database &db, const std::string &value,
                                const wm_search_request_t *request)
{
    people_keys people = people_named(db, value);
    if (people.size() > 1)
        prefer_exact(people, value);
    std::unique_ptr<wm_person_result_t, void (*)(wm_person_result_t *)> result(
        static_cast<wm_person_result_t *>(calloc(1, sizeof(wm_person_result_t))), wm_person_result_free);
    if (!result || (!people.empty() &&
                    !(result->people = static_cast<wm_person_t *>(calloc(people.size(), sizeof(wm_person_t))))))
        throw std::bad_alloc();
    for (const auto &keys : people) {
        result->n_people++;   // counted first: freed with the result if filling throws
        if (!fill_person(db, keys, request, result->people[result->n_people - 1]))
            result->n_people--;   // nothing was kept for nobody's sessions
    }
    return result.release();
}

}  // namespace

extern "C" {

wm_store_status_t wm_store_find_person(wm_store_t *store, const char *value, const wm_search_request_t *request,
                                       wm_person_result_t **result)
{
    *result = NULL;
    return guarded(store, [&] {
        retrying(store->db, [&] {
            wm_person_result_free(*result);
            *result = NULL;
            *result = find_person(store->db, value ? value : "", request);
        });
    });
}

void wm_person_result_free(wm_person_result_t *result)
{
    if (!result)
        return;
    for (size_t i = 0; i < result->n_people; i++)
        free_person(result->people[i]);
    free(result->people);
    free(result);
}

}  // extern "C"
