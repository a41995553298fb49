#!/usr/bin/env python3
"""End-to-end: the bundled sample archive (data/sample) against its truth
(data/sample/truth.json, written by data/sample/generate.py from its own
model): the sessions wmindex finds, field by field, and the counts wmquery
gives per year, track, type, language and speaker."""
import json
import os
import re

from people import People
from wmtest import (SAMPLE_DIR, SAMPLE_DUMPS, SRCDIR, WMINDEX, build_index, check, check_clean, count, done,
                    list_sessions, speaker_names, speaker_usernames, test, tmpdir, wmindex)

with open(os.path.join(SAMPLE_DIR, "truth.json"), encoding="utf-8") as f:
    TRUTH = json.load(f)
EXPECTED = {s["id"]: s for s in TRUTH["sessions"]}
COUNTS = TRUTH["counts"]
INDEX = []
LISTED = {}


def index():
    """The sample index of the two dump files, built once (a failure is remembered, not retried)."""
    if not INDEX:
        try:
            INDEX.append(build_index(*SAMPLE_DUMPS))
        except Exception as e:
            INDEX.append(e)
    if isinstance(INDEX[0], Exception):
        raise AssertionError("building the sample index failed: %s" % INDEX[0])
    return INDEX[0]


def tokens(text):
    """Words as Xapian's TermGenerator cuts them, lower-cased (close enough for names)."""
    return re.findall(r"\w+(?:['’]\w+)*", (text or "").lower())


def contains_phrase(words, phrase):
    n = len(phrase)
    return n > 0 and any(words[i:i + n] == phrase for i in range(len(words) - n + 1))


def speaker_matches(session, query):
    """speaker:QUERY by the contract: any part of a name, or a username."""
    phrase = tokens(query)
    for sp in session["speakers"]:
        if contains_phrase(tokens(sp["name"]), phrase):
            return True
        if sp.get("username") and contains_phrase(tokens(sp["username"].replace("_", " ")), phrase):
            return True
    return False


LISTING = []


@test
def list_sessions_finds_exactly_the_truth():
    r, found = list_sessions(SAMPLE_DIR)
    LISTING.append(r)
    LISTED.update(found)
    missing = sorted(set(EXPECTED) - set(found))
    extra = sorted(set(found) - set(EXPECTED))
    check(not missing and not extra, "missing: %s\nextra (not sessions): %s"
          % ([(i, EXPECTED[i]["page_title"]) for i in missing], [(i, found[i]["title"]) for i in extra]))


@test
def list_sessions_of_the_sample_directory_exits_0():
    # The directory also holds truth.json and generate.py: not dumps, skipped.
    check(LISTING, "no listing (see the first test)")
    r = LISTING[0]
    check(r.code == 0, "wmindex --list-sessions %s: exit %s\n%s" % (SAMPLE_DIR, r.code, r.err))


def field_differences(got, want):
    diffs = []
    for key in ("year", "title", "type", "tracks", "language", "url", "status", "event"):
        if got.get(key) != want[key]:
            diffs.append("%s: got %r, want %r" % (key, got.get(key), want[key]))
    names = [sp["name"] for sp in want["speakers"]]
    if speaker_names(got) != names:
        diffs.append("speakers: got %r, want %r" % (speaker_names(got), names))
    usernames = [sp["username"] for sp in want["speakers"]]
    if speaker_usernames(got) not in (None, usernames):
        diffs.append("usernames: got %r, want %r" % (speaker_usernames(got), usernames))
    if os.path.basename(got.get("source") or "") != want["source"]:
        diffs.append("source: got %r, want %r" % (got.get("source"), want["source"]))
    return diffs


@test
def every_session_has_the_true_fields():
    check(LISTED, "no listing (see the first test)")
    wrong = []
    for sid in sorted(set(EXPECTED) & set(LISTED)):
        diffs = field_differences(LISTED[sid], EXPECTED[sid])
        if diffs:
            wrong.append("%s (%s):\n  %s" % (sid, EXPECTED[sid]["page_title"], "\n  ".join(diffs)))
    check(not wrong, "%d of %d sessions differ from truth.json:\n%s"
          % (len(wrong), len(EXPECTED), "\n".join(wrong)))


@test
def listing_shape():
    check(LISTED, "no listing (see the first test)")
    # The keys README documents (more may follow them).
    keys = {"id", "year", "title", "type", "tracks", "language", "speakers", "url", "source", "abstract"}
    for sid, s in LISTED.items():
        check(keys <= set(s), "%s: keys %s lack %s" % (sid, sorted(s), sorted(keys - set(s))))
        check(isinstance(s["year"], int) and isinstance(s["title"], str), s)
        check(isinstance(s["tracks"], list) and all(isinstance(t, str) for t in s["tracks"]), s)
        check(isinstance(s["speakers"], list) and all(isinstance(n, str) for n in speaker_names(s)), s)
        check(s["language"] is None or isinstance(s["language"], str), s)
        check(isinstance(s["abstract"], str) and s["abstract"].strip(), "%s: no abstract" % sid)
        check("[[" not in s["abstract"] and "'''" not in s["abstract"] and "{{" not in s["abstract"],
              "%s: wikitext left in the abstract: %r" % (sid, s["abstract"][:300]))


@test
def index_holds_every_session():
    # A plain search leaves out what did not take place (the declined
    # proposals); --status any finds them too.
    check(count(index(), "--year", "1900..2100") == COUNTS["total"],
          "sessions found in the sample index != %d" % COUNTS["total"])
    check(count(index(), "--year", "1900..2100", "--status", "any") == COUNTS["total"] + COUNTS["hidden"]
          == len(EXPECTED), "documents in the sample index != %d" % len(EXPECTED))
    check(count(index(), "status:rejected") == COUNTS["hidden"] > 0, "declined proposals: status:rejected")


def check_counts(table, args_of):
    wrong = []
    for key, n in sorted(table.items()):
        got = count(index(), *args_of(key))
        if got != n:
            wrong.append("%s: wmquery --count %s gives %d, truth %d" % (key, " ".join(args_of(key)), got, n))
    check(not wrong, "\n".join(wrong))


@test
def counts_per_year():
    check_counts(COUNTS["by_year"], lambda y: ["--year", y])
    check_counts(COUNTS["by_year"], lambda y: ["year:" + y])


@test
def counts_per_track():
    check_counts(COUNTS["by_track"], lambda t: ["--track", t])
    check_counts(COUNTS["by_track"], lambda t: ['track:"%s"' % t])


@test
def counts_per_type():
    check_counts(COUNTS["by_type"], lambda t: ["--type", t])
    check_counts(COUNTS["by_type"], lambda t: ['type:"%s"' % t])


@test
def counts_per_language():
    check_counts(COUNTS["by_language"], lambda lang: ["--lang", lang])
    check_counts(COUNTS["by_language"], lambda lang: ["lang:" + lang])


@test
def counts_per_speaker():
    # speaker:"Name" matches the name as a phrase in any speaker's name or
    # username, so "Mara Lindqvist" also finds "Mara Lindqvist-Ortiz": the
    # expected count is the truth's count where no other name contains it.
    # It also matches every session of the people so named, under any of
    # their name forms or usernames (store.h "people").
    wrong = []
    # Links come from every session, also those a search hides.
    people = People(EXPECTED.values())
    visible = {sid for sid, s in EXPECTED.items() if s["status"] in (None, "accepted", "confirmed")}
    for name, n in sorted(COUNTS["by_speaker"].items()):
        matching = {sid for sid, s in EXPECTED.items() if speaker_matches(s, name)
                    and s["status"] in (None, "accepted", "confirmed")}
        for person in people.named(name):
            matching |= people.sessions[person] & visible
        expected = len(matching)
        check(expected >= n, "truth.json counts %d for %r, only %d sessions name them" % (n, name, expected))
        got = count(index(), 'speaker:"%s"' % name)
        if got != expected:
            wrong.append("speaker:%r gives %d, expected %d (truth by_speaker %d)" % (name, got, expected, n))
    check(not wrong, "\n".join(wrong))


@test
def wmindex_without_path_indexes_the_sample():
    where = os.path.join(tmpdir(), "default-index")
    r = wmindex("-q", env={"WMSEARCH_INDEX": where}, timeout=120)
    check_clean(r, "wmindex with no PATH")
    with open(WMINDEX, "rb") as f:
        knows_source_tree = os.path.abspath(SRCDIR).encode() in f.read()
    if not knows_source_tree:
        # A package's build (debian/rules): the binary does not carry the
        # build directory, and the sample is not installed yet.
        check(r.code == 2 and "bundled sample archive is not installed" in r.err, "wmindex with no PATH\n%r" % r)
        return
    check(r.code == 0, "wmindex with no PATH\n%r" % r)
    check(count(where, "--year", "1900..2100") == COUNTS["total"], "the default run did not index the sample")
    for year, n in COUNTS["by_year"].items():
        check(count(where, "--year", year) == n, "year %s" % year)


done()
