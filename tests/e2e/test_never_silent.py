#!/usr/bin/env python3
"""End-to-end: wmindex is never silent about a dump (issue 9, item 5).

The spec tested here (stderr of wmindex):
- End-of-run summary (not under -q): after the totals line ("wmindex: N
  sessions from M files ..."), one line per wiki (dbname) and per export with
  its name and counts, e.g.
  `wmindex:   wikimania2013wiki: 40 pages, 14 candidates, 12 sessions, 2 rejected
  (1 candidate without fields, 1 listing page)`.  pages = every page of the
  dump; candidates = pages whose title matches a session pattern, outside the
  Template, User and talk namespaces.
- Warnings, each naming the file: a dump of a wiki that is not Wikimania
  ("warning", path, dbname, "not a Wikimania wiki"); a Wikimania dump giving
  no session ("warning", path, "no session"); more than 10% of a wiki's
  candidates rejected ("warning", path, "rejected").  The exit status stays
  0; under -q none of these lines appear.
- `wmindex --explain TITLE PATH` (repeatable, writes no index) says whether
  the page is a candidate and why, each piece of evidence (field, kind,
  value) and which won; `--format json` prints one JSON object per page with
  page, wiki, source, candidate, why, evidence [{field, kind, label, value,
  chosen}], result (session | rejected | translation | not a candidate) and
  reason (string or null).

The dumps come from tests/e2e/shapes.py.  The real dumps of ../shared are
skipped when that folder is absent."""
import bz2
import gzip
import os
import re

import shapes
from wmtest import (REAL_DUMPS, Skipped, check, check_clean, done, note, test, test_or_skip,
                    tmpdir, wmindex)

WORK = tmpdir()
TOTALS = re.compile(r"^wmindex: \d+ sessions? from \d+ files?\b")
EVIDENCE_KINDS = {"era", "param", "table", "definition", "label", "heading", "byline", "banner",
                  "category", "displaytitle", "page title", "fixed"}
RESULTS = {"session", "rejected", "translation", "not a candidate"}
EXPLAIN_KEYS = {"page", "wiki", "source", "candidate", "why", "evidence", "result", "reason"}
EVIDENCE_KEYS = {"field", "kind", "label", "value", "chosen"}


def dump(name, wiki="peryear", shape="template", **kw):
    """A dump written by shapes.write_dump into WORK (once per name)."""
    path = os.path.join(WORK, name)
    if not os.path.exists(path):
        shapes.write_dump(path, wiki, shape, **kw)
    return path


SHAPE_DUMPS = {wiki: {shape: dump(shapes.dump_name(wiki, shape), wiki, shape,
                                  packing=shapes.PACKING[shape])
                      for shape in shapes.SHAPES}
               for wiki in shapes.WIKIS}
ENWIKI = dump("enwiki-shapes.xml.gz", dbname="enwiki", packing="gzip")
DECOYS_ONLY = dump("wikimania2013wiki-decoys.xml.bz2", sessions=[], packing="bzip2")
CLEAN = dump("wikimania2013wiki-clean.xml", decoys=False, no_fields=0)
TEN_PERCENT = dump("wikimania2013wiki-ten-percent.xml", sessions=shapes.more_sessions(9),
                   decoys=False, no_fields=1)
OVER_TEN = dump("wikimania2013wiki-over-ten.xml", sessions=shapes.more_sessions(9),
                decoys=False, no_fields=2)


def index_run(*args):
    """wmindex into a fresh index: exit status 0 and no crash, whatever it warns."""
    index = os.path.join(tmpdir(), "index")
    r = wmindex("-d", index, *args, timeout=120)
    check_clean(r, "wmindex %s" % " ".join(args))
    check(r.code == 0, "wmindex %s: exit %s, want 0 (warnings do not change it)\n%r"
          % (" ".join(args), r.code, r))
    return r


def lines_of(r):
    return [line for line in r.err.splitlines() if line.strip()]


def summary_line(r, dbname):
    """The summary line of dbname: after the totals line, naming dbname and
    its candidates (a warning line is not one)."""
    lines = lines_of(r)
    totals = [n for n, line in enumerate(lines) if TOTALS.match(line)]
    check(totals, "no totals line on stderr\n%r" % r)
    after = [line for line in lines[totals[-1] + 1:]
             if re.search(r"\b%s\b" % re.escape(dbname), line) and "candidate" in line
             and "warning" not in line.lower()]
    check(len(after) == 1, "want one summary line for %s after the totals line, got %d\n%r"
          % (dbname, len(after), r))
    return after[0]


def counts_of(line):
    got = {}
    for word in ("pages", "candidates", "sessions", "rejected"):
        m = re.search(r"(\d+) %s\b" % word, line)
        got[word] = int(m.group(1)) if m else None
    return got


def warnings(r, path, *words):
    """stderr lines saying warning, naming path and holding every word."""
    return [line for line in lines_of(r) if "warning" in line.lower() and path in line
            and all(w.lower() in line.lower() for w in words)]


def check_counts(line, want, what, rejected_choices):
    got = counts_of(line)
    for word in ("pages", "candidates", "sessions"):
        check(got[word] == want[word], "%s: %s %r, want %d\n  line: %s"
              % (what, word, got[word], want[word], line))
    check(got["rejected"] in rejected_choices, "%s: rejected %r, want one of %s\n  line: %s"
          % (what, got["rejected"], sorted(rejected_choices), line))


# --- the summary ------------------------------------------------------------

for _wiki in shapes.WIKIS:
    def summary_point(wiki=_wiki):
        dbname = shapes.WIKIS[wiki]["dbname"]
        want = shapes.expected_counts()
        # the translation subpage is a candidate; it may or may not count as rejected
        rejected = {want["candidates"] - want["sessions"] - 1, want["candidates"] - want["sessions"]}
        for shape, path in sorted(SHAPE_DUMPS[wiki].items()):
            r = index_run(path)
            line = summary_line(r, dbname)
            check_counts(line, want, "%s shape" % shape, rejected)
            check("candidate without fields" in line or "candidates without fields" in line,
                  "%s shape: the no-fields candidate is not given as a reason\n  line: %s"
                  % (shape, line))
    summary_point.__name__ = "summary_counts_pages_candidates_sessions_of_%s" % shapes.WIKIS[_wiki]["dbname"]
    test(summary_point)


@test
def summary_has_one_line_per_wiki_of_a_run():
    paths = [SHAPE_DUMPS["peryear"]["template"], SHAPE_DUMPS["unified"]["headings"],
             SHAPE_DUMPS["peryear"]["table"]]
    r = index_run(*paths)
    want = shapes.expected_counts()
    two = {k: 2 * v for k, v in want.items()}
    per_year = summary_line(r, "wikimania2013wiki")
    got = counts_of(per_year)
    check((got["pages"], got["candidates"]) == (two["pages"], two["candidates"]),
          "wikimania2013wiki over two dumps: %s, want %s\n  line: %s" % (got, two, per_year))
    unified = summary_line(r, "wikimaniawiki")
    got = counts_of(unified)
    check((got["pages"], got["candidates"], got["sessions"])
          == (want["pages"], want["candidates"], want["sessions"]),
          "wikimaniawiki: %s, want %s\n  line: %s" % (got, want, unified))


@test
def quiet_prints_neither_summary_nor_warnings():
    paths = [SHAPE_DUMPS["peryear"]["template"], SHAPE_DUMPS["unified"]["template"], ENWIKI,
             DECOYS_ONLY, OVER_TEN]
    r = index_run("-q", *paths)
    noisy = [line for line in lines_of(r) if "warning" in line.lower() or "candidates" in line
             or TOTALS.match(line)]
    check(not noisy, "-q printed:\n%s" % "\n".join(noisy))


# --- warnings ---------------------------------------------------------------

@test
def a_dump_of_another_wiki_is_reported():
    r = index_run(ENWIKI)
    found = warnings(r, ENWIKI, "enwiki", "not a Wikimania wiki")
    check(len(found) == 1, "want one warning naming %s, enwiki and \"not a Wikimania wiki\"\n%r"
          % (ENWIKI, r))


@test
def a_dump_of_another_wiki_gives_no_session():
    r = wmindex("--list-sessions", ENWIKI, timeout=60)
    check_clean(r, "wmindex --list-sessions")
    check(r.code == 0 and r.out.strip() == "", "sessions from an enwiki dump:\n%r" % r)


def real_dump_files():
    if not os.path.isdir(REAL_DUMPS):
        raise Skipped("%s is absent" % REAL_DUMPS)
    return [os.path.join(REAL_DUMPS, n) for n in sorted(os.listdir(REAL_DUMPS))
            if not n.lower().startswith("readme") and os.path.isfile(os.path.join(REAL_DUMPS, n))]


def dbname_of(path):
    """The <dbname> of a dump (gzip, bzip2 or plain; UTF-8 or UTF-16), or None."""
    with open(path, "rb") as f:
        magic = f.read(3)
    opener = gzip.open if magic[:2] == b"\x1f\x8b" else bz2.open if magic == b"BZh" else open
    with opener(path, "rb") as f:
        data = f.read(1 << 16)
    for codec in ("utf-16", "utf-8") if data[:2] in (b"\xff\xfe", b"\xfe\xff") else ("utf-8",):
        try:
            m = re.search(r"<dbname>([^<]*)</dbname>", data.decode(codec, "replace"))
        except UnicodeError:
            continue
        if m:
            return m.group(1).strip()
    return None


@test_or_skip
def real_wikipedia_dumps_are_reported_as_not_wikimania():
    missing = []
    for path in real_dump_files():
        r = index_run(path)
        words = ["not a Wikimania wiki"]
        dbname = dbname_of(path)
        if dbname:
            words.append(dbname)
        if not warnings(r, path, *words):
            missing.append("%s (dbname %s): no warning with %s\n%s"
                           % (path, dbname, words, "\n".join(lines_of(r)) or "(stderr empty)"))
    check(not missing, "\n".join(missing))


@test
def a_wikimania_dump_without_sessions_is_reported():
    r = index_run(DECOYS_ONLY)
    check(warnings(r, DECOYS_ONLY, "no session"),
          "want a warning naming %s and \"no session\"\n%r" % (DECOYS_ONLY, r))
    check(not warnings(r, DECOYS_ONLY, "not a Wikimania wiki"),
          "a Wikimania wiki reported as another wiki\n%r" % r)
    want = shapes.expected_counts(sessions=[], decoys=True, no_fields=1)
    line = summary_line(r, "wikimania2013wiki")
    check_counts(line, want, "decoys only", {want["candidates"] - 1, want["candidates"]})


@test
def many_rejected_candidates_are_reported():
    for path in (SHAPE_DUMPS["peryear"]["template"], SHAPE_DUMPS["unified"]["bold"], OVER_TEN):
        r = index_run(path)
        check(warnings(r, path, "rejected"),
              "more than 10%% of the candidates rejected and no warning naming %s and "
              "\"rejected\"\n%r" % (path, r))


@test
def ten_percent_rejected_is_not_too_many():
    r = index_run(TEN_PERCENT)
    want = shapes.expected_counts(sessions=shapes.more_sessions(9), decoys=False, no_fields=1)
    check_counts(summary_line(r, "wikimania2013wiki"), want, "9 sessions + 1 without fields", {1})
    check(not [line for line in lines_of(r) if "warning" in line.lower()],
          "1 of 10 candidates rejected is not more than 10%%\n%r" % r)


@test
def a_clean_dump_gives_no_warning():
    r = index_run(CLEAN)
    want = shapes.expected_counts(decoys=False, no_fields=0)
    check_counts(summary_line(r, "wikimania2013wiki"), want, "sessions only", {0})
    check(not [line for line in lines_of(r) if "warning" in line.lower()],
          "warning on a dump of sessions only\n%r" % r)


# --- --explain ----------------------------------------------------------------

def explain(path, *titles, fmt="json"):
    """wmindex --explain for titles; (Run, objects, index dir that must not exist)."""
    index = os.path.join(tmpdir(), "index")
    args = ["-d", index, "--format", fmt]
    for title in titles:
        args += ["--explain", title]
    r = wmindex(*(args + [path]), timeout=60)
    check_clean(r, "wmindex --explain")
    check(not os.path.exists(index), "--explain wrote an index at %s" % index)
    objects = []
    if fmt == "json" and r.code == 0:
        try:
            objects = r.jsonl()
        except ValueError as e:
            raise AssertionError("--format json printed something that is not JSON lines: %s\n%r"
                                 % (e, r))
    return r, objects


def check_explain_shape(obj):
    check(EXPLAIN_KEYS <= set(obj), "keys %s, missing %s" % (sorted(obj), sorted(EXPLAIN_KEYS - set(obj))))
    check(isinstance(obj["candidate"], bool), "candidate: %r" % obj["candidate"])
    check(isinstance(obj["why"], str) and obj["why"].strip(), "why: %r" % obj["why"])
    check(obj["result"] in RESULTS, "result: %r" % obj["result"])
    check(obj["reason"] is None or isinstance(obj["reason"], str), "reason: %r" % obj["reason"])
    check(isinstance(obj["evidence"], list), "evidence: %r" % obj["evidence"])
    for ev in obj["evidence"]:
        check(EVIDENCE_KEYS <= set(ev), "evidence keys %s" % sorted(ev))
        check(ev["kind"] in EVIDENCE_KINDS, "evidence kind %r" % ev["kind"])
        check(isinstance(ev["chosen"], bool), "chosen: %r" % ev["chosen"])
    chosen = {}
    for ev in obj["evidence"]:
        if ev["chosen"]:
            chosen.setdefault(ev["field"], []).append(ev)
    twice = {f: evs for f, evs in chosen.items() if len(evs) > 1}
    check(not twice, "more than one piece of evidence chosen for %s" % twice)
    return {f: evs[0] for f, evs in chosen.items()}


def by_page(objects):
    return {o.get("page"): o for o in objects}


@test
def explain_json_shows_the_winning_template_parameter():
    path = SHAPE_DUMPS["peryear"]["template"]
    first, second = shapes.SESSIONS[0], shapes.SESSIONS[1]
    titles = [shapes.page_title("peryear", first["title"]), shapes.page_title("peryear", second["title"])]
    r, objects = explain(path, *titles)
    check(r.code == 0, "exit %s\n%r" % (r.code, r))
    pages = by_page(objects)
    check(len(objects) == 2 and set(pages) == set(titles), "pages explained: %s" % list(pages))
    for title, s, param in ((titles[0], first, "title"), (titles[1], second, "session title")):
        obj = pages[title]
        chosen = check_explain_shape(obj)
        check(obj["wiki"] == "wikimania2013wiki" and obj["source"] == path,
              "wiki %r source %r" % (obj["wiki"], obj["source"]))
        check(obj["candidate"] is True and obj["result"] == "session" and obj["reason"] is None,
              "%s: candidate %r result %r reason %r" % (title, obj["candidate"], obj["result"], obj["reason"]))
        win = chosen.get("title")
        check(win and win["kind"] == "param" and win["label"] == param and win["value"] == s["title"],
              "%s: the chosen title evidence is %r, want kind param, label %r, value %r\nall: %r"
              % (title, win, param, s["title"], obj["evidence"]))
        # the page title is evidence of the title too, and loses to the parameter
        check(any(ev["field"] == "title" and not ev["chosen"] for ev in obj["evidence"]),
              "%s: no losing title evidence (the page title)\n%r" % (title, obj["evidence"]))
        for field in ("type", "speakers", "abstract", "status"):
            check(field in chosen and chosen[field]["kind"] == "param",
                  "%s: no chosen param evidence for %s\n%r" % (title, field, obj["evidence"]))


@test
def explain_json_decoys_are_not_sessions():
    for wiki in shapes.WIKIS:
        w = shapes.WIKIS[wiki]
        first = shapes.SESSIONS[shapes.TRANSLATED]["title"]
        pages = {
            w["grid"]: None,
            w["faq"]: None,
            "User:Mara L": "not a candidate",
            "Template:Session": "not a candidate",
            w["prefix"] + first + "/fr": "translation",
            w["prefix"] + shapes.NO_FIELDS_TITLE: "rejected",
        }
        path = SHAPE_DUMPS[wiki]["template"]
        r, objects = explain(path, *pages)
        check(r.code == 0, "exit %s\n%r" % (r.code, r))
        got = by_page(objects)
        check(set(got) == set(pages), "%s: pages explained %s, want %s" % (path, sorted(got), sorted(pages)))
        for page, want in pages.items():
            obj = got[page]
            check_explain_shape(obj)
            check(obj["result"] != "session", "%s: %s is a session\n%r" % (path, page, obj))
            if want:
                check(obj["result"] == want, "%s: %s result %r, want %r" % (path, page, obj["result"], want))
            if want == "not a candidate":
                check(obj["candidate"] is False, "%s: %s is a candidate" % (path, page))
            if want == "rejected":
                check(obj["candidate"] is True, "%s: %s is not a candidate" % (path, page))
            if want == "translation":
                check(obj["candidate"] is False, "%s: %s is a candidate of its own" % (path, page))
            if want == "rejected":
                check(obj["reason"] and "without fields" in obj["reason"],
                      "%s: %s reason %r, want \"candidate without fields\"" % (path, page, obj["reason"]))


@test
def explain_text_names_the_evidence():
    path = SHAPE_DUMPS["unified"]["table"]
    s = shapes.SESSIONS[3]
    title = shapes.page_title("unified", s["title"])
    r, _ = explain(path, title, fmt="text")
    check(r.code == 0, "exit %s\n%r" % (r.code, r))
    for word in (title, "candidate", "table", s["title"], "session"):
        check(word in r.out, "%r not in the text of --explain\n%r" % (word, r))


@test
def explain_an_absent_title_fails_naming_it():
    path = SHAPE_DUMPS["peryear"]["template"]
    title = "Submissions/No such talk anywhere"
    r, _ = explain(path, title)
    check(r.code != 0, "exit 0 for a title not in the dump\n%r" % r)
    check(title in r.err, "the message does not name %r\n%r" % (title, r))


note("dumps: %s" % WORK)
done()
