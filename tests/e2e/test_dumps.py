#!/usr/bin/env python3
"""End-to-end: what counts as a session in real dump shapes.

- schema 0.10 and 0.11 exports of the same pages give the same sessions;
- in a full-history dump the revision with the newest timestamp wins, even
  when it is not the last one in the file;
- redirects, talk pages, templates, user pages, categories, hub pages,
  schedule grids and translation subpages are not sessions;
- a 2014 per-year wiki (wikimania2014wiki) gives year 2014;
- re-indexing the same dump replaces documents instead of adding them.

The fixtures are in tests/fixtures/e2e/ (see doc/era-shapes.md)."""
import os

from wmtest import (build_index, check, check_clean, count, done, fixture, list_sessions,
                    query_ids, speaker_names, speaker_usernames, test, tmpdir, wmindex)

V11 = fixture("unified-0.11.xml")
V10 = fixture("unified-0.10.xml")
HISTORY = fixture("history.xml")
Y2014 = fixture("wikimania2014.xml")


def wid(n, db="wikimaniawiki"):
    return "%s:%d" % (db, n)


SESSIONS = {wid(n) for n in (102, 103, 109, 202, 204, 205)}
NOT_SESSIONS = {
    wid(101): "hub page 2019:Libraries",
    wid(104): "talk page (2019 talk:)",
    wid(105): "schedule grid 2019:Program/Schedule",
    wid(106): "user page",
    wid(107): "template",
    wid(108): "redirect",
    wid(110): "category",
    wid(201): "hub page 2024:Program",
    wid(203): "translation subpage /fr",
    wid(206): "schedule grid 2024:Program/Schedule",
}


def check_speakers(s, names, usernames):
    """Names as written; usernames from [[User:...]] links where the JSON gives them."""
    check(speaker_names(s) == names, "speakers %r, expected %r" % (speaker_names(s), names))
    got = speaker_usernames(s)
    check(got is None or got == usernames, "usernames %r, expected %r" % (got, usernames))


def listed(path):
    r, found = list_sessions(path)
    check(r.code == 0, "wmindex --list-sessions %s\n%r" % (path, r))
    return found


V11_SESSIONS = {}


@test
def schema_011_sessions_are_exactly_the_session_pages():
    V11_SESSIONS.update(listed(V11))
    check(set(V11_SESSIONS) == SESSIONS, "got %s, expected %s" % (sorted(V11_SESSIONS), sorted(SESSIONS)))


@test
def schema_010_gives_the_same_sessions():
    found = listed(V10)
    check(set(found) == SESSIONS, "0.10: got %s" % sorted(found))
    for sid, session in found.items():
        a = dict(session, source=None)
        b = dict(V11_SESSIONS.get(sid, {}), source=None)
        check(a == b, "%s differs between 0.10 and 0.11:\n%s\n%s" % (sid, a, b))


@test
def non_session_pages_are_not_sessions():
    found = V11_SESSIONS or listed(V11)
    wrong = {sid: what for sid, what in NOT_SESSIONS.items() if sid in found}
    check(not wrong, "taken as sessions: %s" % wrong)
    titles = [s["title"] for s in found.values()]
    check(len(titles) == len(set(titles)), "a title appears twice (translation or redirect?): %s" % titles)


@test
def fields_of_a_2019_session():
    s = (V11_SESSIONS or listed(V11))[wid(102)]
    check(s["year"] == 2019, s)
    check(s["title"] == "Wikidata for small libraries", s)
    check(s["tracks"] == ["Libraries"], s)
    check(s["type"] == "workshop", s)
    check_speakers(s, ["Alex Stinson", "Jane Example"], ["Sadads", None])
    check(s["url"] == "https://wikimania.wikimedia.org/wiki/2019:Libraries/Wikidata_for_small_libraries", s)
    check(s["source"] == V11, s)
    check("special collections" in (s["abstract"] or ""), s)


@test
def fields_of_a_2019_poster():
    s = (V11_SESSIONS or listed(V11))[wid(109)]
    check(s["type"] == "poster", s)
    check_speakers(s, ["Kwame Mensah"], ["Teacher42"])
    check(s["tracks"] == ["Education"], s)


@test
def fields_of_2024_sessions():
    found = V11_SESSIONS or listed(V11)
    s = found[wid(202)]
    check(s["year"] == 2024, s)
    check(s["title"] == "Building bridges with Wikidata", s)
    check(s["type"] == "talk", s)  # "Lecture (25 minutes)"
    check(s["tracks"] == ["GLAM"], s)
    check(s["language"] == "en", s)
    check_speakers(s, ["Jane Example", "Ahmed Ali"], [None, "Ahmed.A"])
    s = found[wid(204)]
    check(s["title"] == "Café culture and open data", s)
    check(s["type"] == "panel" and s["language"] == "fr" and s["tracks"] == ["Open Data"], s)
    check_speakers(s, ["Claire Dubois", "Omar Haddad"], ["Claire.D", None])
    # wfUrlencode: spaces as _, non-ASCII bytes and & percent-encoded, / and : kept.
    check(s["url"] == "https://wikimania.wikimedia.org/wiki/2024:Program/Caf%C3%A9_culture_%26_open_data", s)
    s = found[wid(205)]
    check(s["type"] == "workshop" and s["language"] == "es" and s["tracks"] == ["Community Health"], s)
    check_speakers(s, ["Lucía García", "Pedro Alves"], ["Lucia.G", None])


@test
def full_history_takes_the_newest_revision_by_timestamp():
    found = listed(HISTORY)
    check(set(found) == {wid(301)}, "history: got %s" % sorted(found))
    s = found[wid(301)]
    check(s["title"] == "Offline Wikipedia readers for schools",
          "title of an older revision: %r" % s["title"])
    abstract = s["abstract"] or ""
    check("narwhal" in abstract, "abstract not from the newest revision: %r" % abstract)
    check("pangolin" not in abstract and "aardvark" not in abstract, "old revision text: %r" % abstract)


@test
def full_history_index_holds_only_the_newest_text():
    index = build_index(HISTORY)
    check(query_ids(index, "narwhal") == [wid(301)], "newest revision's word not found")
    check(query_ids(index, "pangolin") == [], "the last-in-file (older) revision was indexed")
    check(query_ids(index, "aardvark") == [], "the first revision was indexed")


@test
def year_2014_per_year_wiki():
    found = listed(Y2014)
    check(set(found) == {wid(13, "wikimania2014wiki")}, "2014: got %s" % sorted(found))
    s = found[wid(13, "wikimania2014wiki")]
    check(s["year"] == 2014, s)
    check(s["title"] == "Authors we love – an ode to an endangered species", s)
    check(s["type"] == "talk", s)  # "presentation"
    check_speakers(s, ["Dirk Example", "Frank Sample"], [None, "Fschulen"])
    check(s["tracks"] == [] and s["language"] is None, s)
    check(s["url"] == "https://wikimania2014.wikimedia.org/wiki/Submissions/Authors_we_love", s)
    check("quokka" in (s["abstract"] or ""), s)


@test
def reindexing_keeps_one_document_per_session():
    index = os.path.join(tmpdir(), "index")
    build_index(V11, Y2014, index=index)
    everything = ("--year", "2000..2100")
    first = count(index, *everything)
    check(first == len(SESSIONS) + 1, "after one run: %d documents" % first)
    build_index(V11, index=index)
    check(count(index, *everything) == first, "a second run over the same dump added documents")
    r = wmindex("-q", "-d", index, V11, V11, timeout=60)
    check_clean(r, "wmindex twice in one run")
    check(r.code == 0, r)
    check(count(index, *everything) == first, "the same dump twice in one run added documents")
    check(count(index, "title:libraries") == 1, "one document for 'Wikidata for small libraries'")


done()
