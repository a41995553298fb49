#!/usr/bin/env python3
"""End-to-end: the shape matrix (issue 9, items 1, 2, 4 and 9).

tests/e2e/shapes.py writes the same seven sessions in eight page shapes
(template calls, wikitable, definition list, bold labels, plain labels,
headings, "by" line, mixtures), each shape in its own dump, on a per-year
wiki (wikimania2013wiki, `Submissions/<title>`) and on the unified wiki
(wikimaniawiki, `2022:Program/<title>`, a year without an era rule), with
decoy pages beside them (hub, day grid, FAQ, Template:, User:, talk page, a
translation subpage, a candidate without fields).  Some dumps are gzip or
bzip2 (the real tools), some plain.

For every dump `wmindex --list-sessions` must give exactly the seven
sessions, no decoy, and for each session the fields title, type,
type_label, tracks, language, duration, status, event, year, speakers (name
and username), abstract and translations equal to the generator's model,
hence identical across shapes.  One test point per shape and wiki; a second
point per wiki shows where the shapes disagree with each other."""
import os
import subprocess
import sys
import urllib.parse

import shapes
from wmtest import check, check_clean, done, note, test, tmpdir, wmindex

COMPARED = ("title", "type", "type_label", "tracks", "language", "duration", "status", "event",
            "year", "speakers", "abstract", "translations")

OUT = tmpdir()
DUMPS = shapes.write_all(OUT)
LISTED = {}          # (wiki, shape) -> {title: normalised session} or None when the run failed


def normalised(session):
    """A listed session reduced to the compared fields (speakers: name and username)."""
    got = {field: session.get(field, "<absent>") for field in COMPARED}
    if isinstance(got["speakers"], list):
        got["speakers"] = [{"name": sp.get("name"), "username": sp.get("username")}
                           if isinstance(sp, dict) else sp for sp in got["speakers"]]
    return got


def page_of(session):
    """The page title a listed session came from, read from its URL."""
    url = session.get("url") or ""
    tail = url.split("/wiki/", 1)[-1]
    return urllib.parse.unquote(tail).replace("_", " ")


def listing(path):
    r = wmindex("--list-sessions", path, timeout=60)
    check_clean(r, "wmindex --list-sessions %s" % path)
    check(r.code == 0, "exit %s, expected 0\n%r" % (r.code, r))
    return r, r.jsonl()


def diff_report(wiki, shape, found):
    """The differences between what a dump gave and the model, as text."""
    want = shapes.expected_sessions(wiki)
    lines = []
    by_title = {}
    for s in found:
        by_title.setdefault(s.get("title"), []).append(s)
    for title, group in sorted(by_title.items(), key=lambda kv: str(kv[0])):
        if title not in want:
            for s in group:
                lines.append("NOT A SESSION: %r from page %r (id %s)" % (title, page_of(s), s.get("id")))
        elif len(group) > 1:
            lines.append("TWICE: %r from pages %s" % (title, [page_of(s) for s in group]))
    for title in want:
        if title not in by_title:
            lines.append("MISSING: %r" % title)
    for title, expected in want.items():
        if title not in by_title:
            continue
        got = normalised(by_title[title][0])
        for field in COMPARED:
            if got[field] != expected[field]:
                lines.append("%r %s:\n    got  %r\n    want %r" % (title, field, got[field], expected[field]))
    return lines


def one_shape(wiki, shape, path):
    LISTED[(wiki, shape)] = None
    r, found = listing(path)
    LISTED[(wiki, shape)] = {s.get("title"): normalised(s) for s in found}
    lines = diff_report(wiki, shape, found)
    want = len(shapes.expected_sessions(wiki))
    check(not lines, "%s shape on %s (%s): %d sessions listed, %d expected; %d differences:\n%s"
          % (shape, shapes.WIKIS[wiki]["dbname"], os.path.basename(path), len(found), want,
             len(lines), "\n".join(lines)))


@test
def the_generator_writes_every_shape_on_both_wikis():
    check(len(shapes.SESSIONS) >= 6, "fewer than six sessions")
    check(len(DUMPS) == 2 * len(shapes.SHAPES), DUMPS)
    magic = {b"\x1f\x8b": "gzip", b"BZ": "bzip2", b"<m": None}
    for wiki, shape, path in DUMPS:
        with open(path, "rb") as f:
            packed = magic.get(f.read(2), "?")
        check(packed == shapes.PACKING[shape], "%s: packed as %s" % (path, packed))
    statuses = {s["status"] for s in shapes.SESSIONS}
    check({"accepted", "rejected", "withdrawn"} <= statuses, statuses)
    # Runnable as a script, and deterministic.
    again = tmpdir()
    proc = subprocess.run([sys.executable, shapes.__file__, again], capture_output=True, text=True)
    check(proc.returncode == 0 and len(proc.stdout.split()) == len(DUMPS), proc)
    for wiki, shape, path in DUMPS:
        if shapes.PACKING[shape] is None:
            with open(path, "rb") as a, open(os.path.join(again, os.path.basename(path)), "rb") as b:
                check(a.read() == b.read(), "%s differs between two runs" % path)


for _wiki, _shape, _path in DUMPS:
    def shape_point(wiki=_wiki, shape=_shape, path=_path):
        one_shape(wiki, shape, path)
    shape_point.__name__ = "%s_shape_on_%s_gives_the_model" % (_shape, shapes.WIKIS[_wiki]["dbname"])
    test(shape_point)


for _wiki in shapes.WIKIS:
    def same_point(wiki=_wiki):
        """Whatever the model says: do the shapes agree with each other?"""
        runs = {shape: LISTED.get((wiki, shape)) for shape in shapes.SHAPES}
        failed = [shape for shape, got in runs.items() if got is None]
        check(not failed, "no listing for shapes %s (see above)" % failed)
        disagreements = []
        for title in shapes.expected_sessions(wiki):
            absent = [shape for shape, got in runs.items() if title not in got]
            if absent:      # all shapes agreeing on "no session" is no agreement
                disagreements.append("%r: no session in %s" % (title, " ".join(absent)))
                continue
            for field in COMPARED:
                values = {}
                for shape, got in runs.items():
                    value = got[title][field] if title in got else "<no session>"
                    values.setdefault(repr(value), []).append(shape)
                if len(values) > 1:
                    disagreements.append("%r %s:\n%s" % (title, field, "\n".join(
                        "    %-40s %s" % (" ".join(v), k) for k, v in sorted(values.items()))))
        check(not disagreements, "the shapes disagree on %s (%d fields):\n%s"
              % (shapes.WIKIS[wiki]["dbname"], len(disagreements), "\n".join(disagreements)))
    same_point.__name__ = "every_shape_gives_identical_fields_on_%s" % shapes.WIKIS[_wiki]["dbname"]
    test(same_point)


@test
def no_decoy_page_is_a_session():
    decoy_titles = set()
    for wiki in shapes.WIKIS:
        for title, _, _ in shapes.decoy_pages(wiki, "template", shapes.SESSIONS):
            decoy_titles.add(title)
        for title, _, _ in shapes.no_fields_pages(wiki, "template", 1):
            decoy_titles.add(title)
    bad = []
    for wiki, shape, path in DUMPS:
        r, found = listing(path)
        for s in found:
            if page_of(s) in decoy_titles or s.get("title") in (shapes.NO_FIELDS_TITLE,
                                                                shapes.FRENCH["title"]):
                bad.append("%s: %r from %r" % (os.path.basename(path), s.get("title"), page_of(s)))
    check(not bad, "decoy pages listed as sessions:\n" + "\n".join(bad))


@test
def the_translation_subpage_attaches_as_fr():
    title = shapes.SESSIONS[shapes.TRANSLATED]["title"]
    wrong = []
    for wiki, shape, path in DUMPS:
        got = LISTED.get((wiki, shape)) or {}
        translations = got.get(title, {}).get("translations", "<no session>")
        if translations != ["fr"]:
            wrong.append("%s: %r" % (os.path.basename(path), translations))
    check(not wrong, "translations of %r:\n%s" % (title, "\n".join(wrong)))


note("dumps written by tests/e2e/shapes.py: %d shapes x %d wikis, %d sessions each"
     % (len(shapes.SHAPES), len(shapes.WIKIS), len(shapes.SESSIONS)))
done()
