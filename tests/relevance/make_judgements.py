#!/usr/bin/env python3
"""Write tests/relevance/judgements.tsv from data/sample/truth.json.

Run it again whenever the sample changes (test_relevance.py fails while the
file differs from what this writes):

    python3 tests/relevance/make_judgements.py > tests/relevance/judgements.tsv

Each line: group TAB query TAB expected ids (space-separated) TAB note.
Only sessions a plain search shows are expected (status none, accepted or
confirmed).  The groups (issue 10, item 6):
- title: known items, a few of the rarest words of a title;
- title_typo: the same with one typo (two letters swapped, or one dropped);
- name_form: speaker:"<one name form>" of a person seen under several (one
  username); expected: the person's sessions under the *other* forms;
- accent: a speaker's accented name, or an accented part of it, typed
  without accents; expected: the sessions of that name;
- track: speaker-style track words (track:glam, track:health); expected:
  every session of a track whose name holds the word;
- elision: the sample has no elided French title, so these are French
  sessions' title words typed with French elisions (l'..., d’...): the same
  text analysis must split them at query time; expected to improve."""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import knownitem  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
TRUTH = os.path.join(HERE, "..", "..", "data", "sample", "truth.json")
VISIBLE = (None, "accepted", "confirmed")
TITLE_QUERIES = 16


def visible_sessions(truth):
    return sorted((s for s in truth["sessions"] if s.get("status") in VISIBLE), key=lambda s: s["id"])


def title_groups(sessions):
    frequency = knownitem.title_frequencies(s["title"] for s in sessions)
    same_title = {}
    for s in sessions:
        same_title.setdefault(s["title"].casefold(), []).append(s["id"])
    step = max(1, len(sessions) // TITLE_QUERIES)
    rows = []
    for n, s in enumerate(sessions[::step][:TITLE_QUERIES]):
        words = knownitem.choose_words(s["title"], frequency)
        expected = same_title[s["title"].casefold()]
        rows.append(("title", " ".join(words).lower(), expected, s["title"]))
        typo = knownitem.with_typo(words, n)
        if typo:
            rows.append(("title_typo", " ".join(typo).lower(), expected, s["title"]))
    return rows


def name_form_group(sessions):
    forms = {}
    for s in sessions:
        for sp in s["speakers"]:
            if sp.get("username"):
                forms.setdefault(sp["username"], {}).setdefault(sp["name"], set()).add(s["id"])
    rows = []
    for username in sorted(forms):
        names = forms[username]
        if len(names) < 2:
            continue
        for name in sorted(names):
            others = sorted(set().union(*(ids for other, ids in names.items() if other != name)) - names[name])
            if others:
                rows.append(("name_form", 'speaker:"%s"' % name, others,
                             "%s: also %s" % (username, ", ".join(n for n in sorted(names) if n != name))))
    return rows


def accent_group(sessions):
    by_name = {}
    for s in sessions:
        for sp in s["speakers"]:
            by_name.setdefault(sp["name"], set()).add(s["id"])
    rows, parts = [], {}
    for name in sorted(by_name):
        folded = knownitem.fold(name)
        if folded == name or not folded.isascii():
            continue   # no accent, or not a Latin script (transliteration is another matter)
        rows.append(("accent", 'speaker:"%s"' % folded, sorted(by_name[name]), name))
        for word in name.split():
            if knownitem.fold(word) != word:
                parts.setdefault(knownitem.fold(word).lower(), set()).add(word)
    for part in sorted(parts):
        expected = sorted(set().union(*(ids for name, ids in by_name.items()
                                        if part in knownitem.fold(name).lower().split())))
        rows.append(("accent", "speaker:%s" % part, expected, " / ".join(sorted(parts[part]))))
    return rows


def track_group(sessions):
    tracks = sorted({t for s in sessions for t in s["tracks"]})
    words = sorted({w.lower() for t in tracks for w in knownitem.words_of(t)
                    if len(w) >= 4 and w.lower() not in knownitem.SKIP_WORDS})
    rows = []
    for word in words:
        named = [t for t in tracks if word in (w.lower() for w in knownitem.words_of(t))]
        expected = sorted(s["id"] for s in sessions if set(s["tracks"]) & set(named))
        rows.append(("track", "track:%s" % word, expected, "; ".join(named)))
    return rows


def elision_group(sessions):
    frequency = knownitem.title_frequencies(s["title"] for s in sessions)
    rows = []
    for n, s in enumerate(x for x in sessions if x.get("language") == "fr"):
        words = [w.lower() for w in knownitem.choose_words(s["title"], frequency)]
        if len(words) < 2:
            continue
        apostrophe = "'" if n % 2 == 0 else "\u2019"
        query = " ".join(["l%s%s" % (apostrophe, words[0]), "d%s%s" % (apostrophe, words[1])] + words[2:])
        rows.append(("elision", query, [s["id"]], "expected to improve: %s" % s["title"]))
    return rows


def main():
    with open(TRUTH, encoding="utf-8") as f:
        truth = json.load(f)
    sessions = visible_sessions(truth)
    rows = (title_groups(sessions) + name_form_group(sessions) + accent_group(sessions) +
            track_group(sessions) + elision_group(sessions))
    out = sys.stdout
    out.write("# group\tquery\texpected ids\tnote  (written by tests/relevance/make_judgements.py "
              "from data/sample/truth.json: do not edit)\n")
    for group, query, expected, note in sorted(rows, key=lambda r: ("title title_typo name_form accent track "
                                                                     "elision".split().index(r[0]))):
        for field in (query, note):
            assert "\t" not in field and "\n" not in field, field
        out.write("%s\t%s\t%s\t%s\n" % (group, query, " ".join(expected), note))


if __name__ == "__main__":
    main()
