#!/usr/bin/env python3
"""End-to-end: what wmquery prints, on an index of the bundled sample.

Output formats are parsed (json, jsonl, csv with the csv module) and checked
against each other and against data/sample/truth.json; text output is
compared with files under tests/e2e/expected/ (colour off, COLUMNS=80, in a
pipe).  Terminal behaviour (colour, pager) runs wmquery on a pty.  Set
WM_REGENERATE_EXPECTED=1 to rewrite the expected files (then read the diff).
"""
import csv
import gzip
import io
import json
import os
import pty
import re
import subprocess

from people import People
from wmtest import (SAMPLE_DIR, SAMPLE_DUMPS, SRCDIR, WMQUERY, build_index, check, check_clean, count,
                    done, list_sessions, note, query_json, read_text, stderr_lines, test, tmpdir, wmquery,
                    write)

EXPECTED_DIR = os.path.join(SRCDIR, "tests", "e2e", "expected")
REGENERATE = os.environ.get("WM_REGENERATE_EXPECTED") == "1"
with open(os.path.join(SAMPLE_DIR, "truth.json"), encoding="utf-8") as f:
    TRUTH = json.load(f)
TRUTH_BY_ID = {s["id"]: s for s in TRUTH["sessions"]}
# A plain environment: no colour preference, fixed width, a pager that would show itself.
PLAIN_ENV = {"COLUMNS": "80", "NO_COLOR": "", "TERM": "xterm"}
STATE = {}


def index():
    if "index" not in STATE:
        # One writer: results of equal score come in document id order,
        # which a build in shards changes (doc/wmindex.1, --jobs).
        STATE["index"] = build_index("--jobs", "1", *SAMPLE_DUMPS)
    return STATE["index"]


def q(*args, **kw):
    env = dict(PLAIN_ENV)
    env.update(kw.pop("env", {}))
    r = wmquery("-d", index(), *args, env=env, **kw)
    check_clean(r, "wmquery %s" % " ".join(args))
    return r


def q_json(*args):
    r = q("--format", "json", *args)
    check(r.code in (0, 1), "wmquery --format json %s\n%r" % (" ".join(args), r))
    return r.json()


def all_hits(*args):
    return q_json("--limit", "100000", *args)["results"]


def one_line_error(r, word, what):
    check(r.code == 2, "%s: exit %s\n%r" % (what, r.code, r))
    lines = stderr_lines(r)
    check(len(lines) >= 1 and lines[0].startswith("wmquery: ") and word in lines[0].lower(),
          "%s: expected a line about %r\n%r" % (what, word, r))
    check(r.out == "", "%s: printed on stdout\n%r" % (what, r))


# --- text output against expected files ------------------------------------

TEXT_CASES = [
    ("search_facets.txt", ["--limit", "3", "--facets", "track,year,type", "wikidata libraries"]),
    ("search_page2.txt", ["--limit", "2", "--offset", "2", "--sort", "oldest", "track:glam"]),
    ("show.txt", ["show", "wikimaniawiki:26"]),
    ("list_types.txt", ["list", "types"]),
    ("list_speakers_glam.txt", ["list", "speakers", "track:glam"]),
    ("suggestion.txt", ["--exact", "univresal"]),
]


def normalise_paths(text):
    """The sample's directory differs between checkouts; the rest must not."""
    for d in {SAMPLE_DIR, os.path.realpath(SAMPLE_DIR)}:
        text = text.replace(d, "SAMPLE")
    return text


@test
def text_output_matches_expected_files():
    for name, args in TEXT_CASES:
        r = q(*args)
        check(r.code in (0, 1), "%s: %r" % (args, r))
        got = normalise_paths(r.out)
        path = os.path.join(EXPECTED_DIR, name)
        if REGENERATE:
            write(path, got)
        expected = read_text(path)
        if got != expected:
            import difflib
            diff = "".join(difflib.unified_diff(expected.splitlines(True), got.splitlines(True),
                                                "expected/" + name, "wmquery " + " ".join(args)))
            raise AssertionError("text output differs:\n" + diff)
        check("\033" not in r.out, "%s: escape sequences in a pipe" % name)


def snippet_lines(text):
    """The lines of each result's snippet: after its "  id:" line, up to the blank line."""
    lines, inside = [], False
    for line in text.splitlines():
        if line.startswith("  id: "):
            inside = True
        elif not line.strip():
            inside = False
        elif inside:
            lines.append(line)
    return lines


@test
def text_snippets_are_wrapped_to_columns():
    widest = {}
    for width in (40, 60, 120):
        r = q("--limit", "10", "wikidata", env={"COLUMNS": str(width)})
        lines = snippet_lines(r.out)
        check(len(lines) >= 10, "few snippet lines at %d columns:\n%s" % (width, r.out))
        widest[width] = max(len(line) for line in lines)
        check(widest[width] <= width, "COLUMNS=%d: a snippet line of %d" % (width, widest[width]))
        check(all(line.startswith("  ") for line in lines), "snippet lines not indented")
    check(widest[120] > 60, "COLUMNS=120 did not widen the snippets: %s" % widest)


# --- terminal: colour and pager ---------------------------------------------

def run_on_pty(args, env):
    """wmquery with stdout on a pseudo-terminal: (exit code, output, stderr)."""
    full_env = dict(os.environ)
    full_env.pop("WMSEARCH_INDEX", None)
    full_env.update(PLAIN_ENV)
    full_env.update(env)
    master, slave = pty.openpty()
    proc = subprocess.Popen([WMQUERY, "-d", index()] + list(args), stdout=slave, stderr=subprocess.PIPE,
                            stdin=subprocess.DEVNULL, env=full_env)
    os.close(slave)
    out = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:   # EIO: the other side closed
            break
        if not chunk:
            break
        out += chunk
    err = proc.stderr.read().decode("utf-8", "replace")
    proc.wait(timeout=60)
    os.close(master)
    return proc.returncode, out.decode("utf-8", "replace").replace("\r\n", "\n"), err


def pager_script():
    """A pager that leaves a mark file and passes its input through."""
    d = tmpdir()
    mark = os.path.join(d, "paged")
    script = write(os.path.join(d, "pager.sh"),
                   "#!/bin/sh\necho \"LESS=$LESS\" > '%s'\nexec cat\n" % mark)
    os.chmod(script, 0o755)
    return script, mark


@test
def pipe_gets_plain_text_and_no_pager():
    script, mark = pager_script()
    r = q("wikidata", env={"PAGER": script})
    check(r.code == 0 and "Wikidata" in r.out, r)
    check(not os.path.exists(mark), "the pager ran although stdout is a pipe")
    check("\033" not in r.out, "escape sequences in a pipe")
    r = q("--color", "always", "wikidata", env={"PAGER": script})
    check("\033[1m" in r.out and "\033[1;31m" in r.out, "--color always: no bold title or highlight\n%r" % r)
    check(re.search(r"\033\[1;31mwikidata\033\[0m", r.out, re.I), "the match is not highlighted\n%r" % r)


@test
def wildcard_snippets_highlight_folded_words():
    # A wildcard's snippet comes from the same passage finder as every
    # other query's: a word beginning with the pattern once folded is a
    # match ("Sámi" for sam*), which Xapian's snippet code did not see.
    r = q("--color", "always", "--status", "any", "sam*")
    check(r.code == 0, r)
    check(re.search(r"\033\[1;31mSámi\033\[0m", r.out), "Sámi is not highlighted for sam*\n%r" % r.out[:600])


@test
def terminal_gets_colour_and_the_pager():
    script, mark = pager_script()
    code, out, err = run_on_pty(["wikidata"], {"PAGER": script})
    check(code == 0, "exit %s: %s" % (code, err))
    check(os.path.exists(mark), "no pager on a terminal")
    check(read_text(mark).strip() == "LESS=FRX", "LESS for the pager: %r" % read_text(mark))
    check("Wikidata" in out and "\033[1m" in out, "no colour on a terminal: %r" % out[:300])
    os.remove(mark)
    code, out, err = run_on_pty(["--no-pager", "wikidata"], {"PAGER": script})
    check(code == 0 and not os.path.exists(mark), "--no-pager still paged")
    check("Wikidata" in out, out[:300])
    for args, env in ((["wikidata"], {"NO_COLOR": "1"}), (["--color", "never", "wikidata"], {}),
                      (["--color=never", "wikidata"], {}), (["wikidata"], {"TERM": "dumb"})):
        code, out, err = run_on_pty(args, dict(env, PAGER="cat"))
        check(code == 0 and "Wikidata" in out, "%s %s: %s" % (args, env, err))
        check("\033" not in out, "%s %s: colour although asked not to" % (args, env))


@test
def colour_only_in_text():
    # Snippets are highlighted by the store when colour is on; the formats for
    # scripts must not get the escape sequences, on a terminal or when forced.
    for fmt in ("json", "jsonl", "csv", "ids"):
        r = q("--color", "always", "-f", fmt, "wikidata")
        check(r.code == 0 and "\033" not in r.out and "\\u001b" not in r.out.lower(),
              "--color always -f %s: escape sequences\n%r" % (fmt, r.out[:400]))
        code, out, err = run_on_pty(["-f", fmt, "wikidata"], {"PAGER": "cat"})
        check(code == 0 and "\033" not in out and "\\u001b" not in out.lower(),
              "-f %s on a terminal: escape sequences\n%r" % (fmt, out[:400]))


@test
def default_pager_is_less_with_frx():
    script, mark = pager_script()
    bindir = os.path.dirname(script)
    os.rename(script, os.path.join(bindir, "less"))
    env = {"PATH": bindir + os.pathsep + os.environ.get("PATH", "")}
    full = dict(os.environ, **PLAIN_ENV)
    full.pop("PAGER", None)
    full.pop("LESS", None)
    full.update(env)
    master, slave = pty.openpty()
    proc = subprocess.Popen([WMQUERY, "-d", index(), "wikidata"], stdout=slave, stderr=subprocess.PIPE,
                            stdin=subprocess.DEVNULL, env=full)
    os.close(slave)
    try:
        while os.read(master, 65536):
            pass
    except OSError:
        pass
    proc.wait(timeout=60)
    os.close(master)
    check(proc.returncode == 0, "exit %s" % proc.returncode)
    check(os.path.exists(mark) and read_text(mark).strip() == "LESS=FRX", "less was not run with LESS=FRX")


# --- machine formats --------------------------------------------------------

@test
def json_shape_and_version():
    data = q_json("--limit", "4", "--facets", "year,speaker", "wikidata")
    for key in ("format_version", "query", "total", "offset", "limit", "sort", "results", "facets"):
        check(key in data, "no %r in %s" % (key, sorted(data)))
    check(data["format_version"] == 1, data["format_version"])
    check(data["query"] == "wikidata" and data["sort"] == "relevance" and data["limit"] == 4, data)
    check("suggestion" not in data, "a suggestion for a query that matches plenty")
    check([h["rank"] for h in data["results"]] == [1, 2, 3, 4], [h["rank"] for h in data["results"]])
    for hit in data["results"]:
        check(isinstance(hit["snippet"], str) and "wikidata" in hit["snippet"].lower() + hit["title"].lower(),
              hit)
        check("\033" not in hit["snippet"], "escape codes in a JSON snippet")
        check(isinstance(hit["score"], float) and hit["score"] > 0, hit)
        check(hit["year"] == TRUTH_BY_ID[hit["id"]]["year"], hit)
    years = data["facets"]["year"]
    check(all(set(v) == {"value", "count"} for v in years), years)
    check(sum(v["count"] for v in years) == data["total"], "year facet sums to %d, total %d"
          % (sum(v["count"] for v in years), data["total"]))
    page2 = q_json("--limit", "4", "--offset", "4", "wikidata")
    check([h["rank"] for h in page2["results"]] == [5, 6, 7, 8] and page2["offset"] == 4, page2["offset"])


@test
def jsonl_and_ids_agree_with_json():
    data = q_json("--limit", "7", "libraries")
    r = q("--format", "jsonl", "--limit", "7", "libraries")
    check(r.code == 0, r)
    check(r.jsonl() == data["results"], "jsonl lines differ from json results")
    r = q("--format", "ids", "--limit", "7", "libraries")
    check(r.out.splitlines() == [h["id"] for h in data["results"]], r.out)


@test
def csv_is_rfc4180():
    data = q_json("--limit", "20", "wikidata OR libraries")
    r = q("--format", "csv", "--limit", "20", "wikidata OR libraries")
    check(r.code == 0, r)
    raw = subprocess.run([WMQUERY, "-d", index(), "--format", "csv", "--limit", "20", "wikidata OR libraries"],
                         capture_output=True).stdout
    check(raw.count(b"\r\n") >= 21 and b"\n" not in raw.replace(b"\r\n", b""), "rows not ended by CRLF")
    header = raw.decode("utf-8").split("\r\n", 1)[0].split(",")
    check(header == ["rank", "id", "year", "title", "type", "language", "tracks", "speakers", "url", "score",
                     "snippet", "event", "status"], "columns are only appended: %s" % header)
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8"), newline="")))
    check(len(rows) == len(data["results"]), "%d rows, %d results" % (len(rows), len(data["results"])))
    for row, hit in zip(rows, data["results"]):
        check(row["id"] == hit["id"] and row["title"] == hit["title"], (row, hit["title"]))
        check(row["year"] == str(hit["year"]) and int(row["rank"]) == hit["rank"], row)
        check(row["tracks"] == "; ".join(hit["tracks"]), row)
        names = [sp["name"] for sp in TRUTH_BY_ID[hit["id"]]["speakers"]]
        check(row["speakers"] == "; ".join(names), (row["speakers"], names))
        check(row["snippet"] == (hit["snippet"] or ""), row)
        check(row["event"] == (hit["event"] or "") and row["status"] == (hit["status"] or ""), row)
    # A title with quotes and a comma-free colon, and one with commas, survive quoting.
    quoted = [s for s in TRUTH["sessions"] if '"' in s["title"]]
    check(quoted, "the sample has a title with quotes")
    r = q("--format", "csv", "id:" + quoted[0]["id"])
    rows = list(csv.DictReader(io.StringIO(r.out, newline="")))
    check(len(rows) == 1 and rows[0]["title"] == quoted[0]["title"], rows)


# --- finding things --------------------------------------------------------

@test
def facet_counts_equal_filtered_counts():
    query = "wikidata OR community"
    data = q_json("--limit", "0", "--facets", "track,year,type,language,speaker", query)
    total = data["total"]
    options = {"track": "--track", "year": "--year", "type": "--type", "language": "--lang"}
    checked = 0
    for facet, option in options.items():
        for v in data["facets"][facet]:
            n = count(index(), option, v["value"], query)
            check(n == v["count"], "%s %s: facet %d, --count %d" % (facet, v["value"], v["count"], n))
            checked += 1
    hits = all_hits(query)
    check(len(hits) == total, "%d hits, total %d" % (len(hits), total))
    # speakers are counted by person, linked within the matching sessions
    by_speaker = People([TRUTH_BY_ID[h["id"]] for h in hits]).counts()
    got = {v["value"]: v["count"] for v in data["facets"]["speaker"]}
    check(got == by_speaker, "speaker facet differs from the speakers of all %d hits" % total)
    counts = [v["count"] for v in data["facets"]["track"]]
    check(counts == sorted(counts, reverse=True), "facets not most frequent first")
    note("checked %d facet values against --count, %d speakers" % (checked, len(got)))


@test
def list_counts_equal_truth():
    for field, key in (("tracks", "by_track"), ("years", "by_year"), ("types", "by_type"),
                       ("languages", "by_language"), ("speakers", "by_speaker")):
        data = q_json("list", field)
        check(data["format_version"] == 1 and data["list"] == field.rstrip("s"), data)
        got = {v["value"]: v["count"] for v in data["values"]}
        want = {str(k): v for k, v in TRUTH["counts"][key].items()}
        if field == "speakers":   # each person once, under the name form seen most
            people = People([s for s in TRUTH["sessions"] if s["status"] in (None, "accepted", "confirmed")])
            want = people.counts()
            forms = {v["value"]: v["names"] for v in data["values"]}
            check(all(forms[people.label(p)] == people.names(p) for p in people.sessions), "name forms differ")
        check(got == want, "list %s: %s" % (field, {k: (got.get(k), want.get(k)) for k in set(got) | set(want)
                                                    if got.get(k) != want.get(k)}))
        values = [v["value"] for v in data["values"]]
        check(values == sorted(values), "list %s not in order" % field)
    # filtered by a query, here a field of the query language
    want = People([s for s in TRUTH["sessions"]
                   if any("glam" in t.lower().replace(",", " ").split() for t in s["tracks"])   # a word of a track
                   and s["status"] in (None, "accepted", "confirmed")]).counts()
    data = q_json("list", "speakers", "track:glam")
    check({v["value"]: v["count"] for v in data["values"]} == want, data["values"])
    r = q("--format", "csv", "list", "years")
    rows = list(csv.reader(io.StringIO(r.out, newline="")))
    check(rows[0] == ["year", "count"] and {r[0]: int(r[1]) for r in rows[1:]} == TRUTH["counts"]["by_year"], rows)
    r = q("--format", "ids", "list", "languages")
    check(r.out.split() == sorted(TRUTH["counts"]["by_language"]), r.out)


@test
def list_honours_limit_offset_and_sort():
    by_name = q_json("list", "tracks")["values"]
    check(len(by_name) > 5, by_name)
    data = q_json("list", "tracks", "-n", "3")
    check(data["values"] == by_name[:3], "list -n 3: %s" % data["values"])
    check(q_json("list", "tracks", "--limit", "2", "--offset", "1")["values"] == by_name[1:3], "--offset")
    by_count = q_json("list", "tracks", "--sort", "count")["values"]
    want = sorted(by_name, key=lambda v: (-v["count"], v["value"]))
    check(by_count == want, "--sort count: %s" % by_count)
    check(q_json("list", "tracks", "--sort", "name")["values"] == by_name, "--sort name is the default")
    check(q_json("list", "tracks", "--sort", "count", "-n", "1")["values"] == want[:1], "count then -n")
    r = q("list", "tracks", "-n", "2")
    lines = r.out.splitlines()
    check(len(lines) == 3 and lines[-1] == "1-2 of %d tracks" % len(by_name), "text list -n 2:\n%s" % r.out)
    check(q("--format", "ids", "list", "tracks", "-n", "4").out.splitlines() == [v["value"] for v in by_name[:4]],
          "ids list -n 4")
    one_line_error(q("list", "tracks", "--sort", "newest"), "count", "list --sort newest")
    one_line_error(q("--sort", "count", "wikidata"), "list", "search --sort count")


@test
def nothing_matched_says_so():
    r = q("list", "tracks", "zzyzxqq")
    check(r.code == 1 and r.out.strip() == "no session matches", "list without a match: %r" % r)
    data = q_json("list", "tracks", "zzyzxqq")
    check(data["total"] == 0 and data["values"] == [], data)
    r = q("zzyzxqq")
    check(r.code == 1 and r.out.splitlines()[0] == "no session matches", "search without a match: %r" % r)
    check("shown of 0" not in r.out, r.out)
    r = q("--offset", "100000", "wikidata")
    check(r.code == 0 and re.match(r"none shown of \d+ sessions", r.out), "offset past the end: %r" % r)


@test
def show_unknown_id_as_json_is_an_error_object():
    r = q("--format", "json", "show", "nowiki:2")
    check(r.code == 1, "exit %s, expected 1\n%r" % (r.code, r))
    data = r.json()
    check(data["format_version"] == 1 and data["id"] == "nowiki:2" and "nowiki:2" in data["error"], data)
    check(data["sessions"] == [] and data["missing"] == ["nowiki:2"], data)
    check(len(stderr_lines(r)) == 1 and "nowiki:2" in r.err, "stderr: %r" % r.err)
    r = q("--format", "json", "show", "wikimaniawiki:26", "nowiki:2", "nowiki:3")
    data = r.json()
    check(r.code == 1 and [s["id"] for s in data["sessions"]] == ["wikimaniawiki:26"], r)
    check(data["id"] == "nowiki:2" and data["missing"] == ["nowiki:2", "nowiki:3"], data)
    r = q("--format", "json", "show", "wikimaniawiki:26")
    check(r.code == 0 and "error" not in r.json(), r)
    r = q("show", "nowiki:2")   # text: the message on stderr only
    check(r.code == 1 and r.out == "", r)


def misspelt_title_word():
    """A long title word and a misspelling of it that is no word of the sample."""
    text = " ".join(s["title"] + " " + (s.get("abstract") or "") for s in TRUTH["sessions"]).lower()
    words = set(re.findall(r"[a-z]+", text))
    _, listed = list_sessions(*SAMPLE_DUMPS)
    for s in listed.values():
        words |= set(re.findall(r"[a-z]+", (s.get("abstract") or "").lower()))
    for s in sorted(TRUTH["sessions"], key=lambda s: s["id"]):
        for word in re.findall(r"[a-z]{8,}", s["title"].lower()):
            wrong = word[:3] + word[4] + word[3] + word[5:]   # swap two letters
            if wrong not in words and wrong != word:
                return word, wrong
    raise AssertionError("no title word to misspell")


@test
def did_you_mean_for_a_misspelt_title_word():
    word, wrong = misspelt_title_word()
    note("%s -> %s" % (wrong, word))
    r = q("--exact", "--format", "json", wrong)
    check(r.code == 1, "a misspelt word matched\n%r" % r)
    data = r.json()
    check(data["total"] == 0 and data["suggestion"]["query"] == word, data)
    check(data["suggestion"]["total"] == count(index(), word) > 0, data["suggestion"])
    r = q("--exact", wrong)
    check(r.code == 1 and "Did you mean: %s" % word in r.out, r)
    r = q("--format", "json", "--year", "1999", wrong)   # the correction must find more, under the same filters
    check("suggestion" not in r.json() and r.code == 1, "suggested a query that finds nothing either")


@test
def a_query_that_finds_nothing_shows_its_correction():
    word, wrong = misspelt_title_word()
    n = count(index(), word)
    r = q(wrong)
    check(r.code == 0 and r.out.startswith("Showing results for: %s  (no session matches %s)" % (word, wrong)),
          "text: no corrected results\n%r" % r)
    r = q("--format", "json", wrong)
    data = r.json()
    check(r.code == 0 and data["query"] == wrong and data["corrected_query"] == word and data["total"] == n
          and data["results"], "json: %r" % data)
    check(data["results"] == q_json(word)["results"], "the corrected results are the correction's")
    for fmt in ("jsonl", "csv", "ids"):
        r = q("--format", fmt, wrong)
        check(r.code == 0 and r.out.strip() and "showing results for: %s" % word in r.err
              and len(stderr_lines(r)) == 1, "%s: %r" % (fmt, r))
    r = q("--count", wrong)
    check(r.code == 0 and r.out.strip() == str(n) and "showing results for" in r.err, r)
    r = q("--exact", "--count", wrong)
    check(r.code == 1 and r.out.strip() == "0", r)


# Misspelt field values of the sample and what they mean (one edit each;
# the speaker is a word of "Mara Lindqvist", the event a word of every
# "Wikimania YYYY").
FIELD_TYPOS = [
    ("track:glma", "track:glam"),
    ("track:\"open dta\"", "track:\"open data\""),
    ("speaker:lindqvsit", "speaker:lindqvist"),
    ("speaker:\"mara lindqvsit\"", "speaker:\"mara lindqvist\""),
    ("event:wikimnaia", "event:wikimania"),
    ("type:wrokshop", "type:workshop"),
    ("lang:fe", "lang:fr"),
    ("title:univresal", "title:universal"),
    ("univresal type:wrokshop", "universal type:workshop"),
]


@test
def did_you_mean_inside_field_prefixes():
    for wrong, right in FIELD_TYPOS:
        expected = count(index(), right)
        data = q_json("--exact", wrong)
        check(data["total"] < 3 and data.get("suggestion", {}).get("query") == right,
              "%s: expected %r, got %r" % (wrong, right, data.get("suggestion")))
        check(data["suggestion"]["total"] == expected > data["total"], (wrong, data["suggestion"], expected))
        r = q("--exact", wrong)
        # Text counts the correction as it counts a search: "at least N"
        # past the page and 90 more (test_totals.py).
        said = re.search(r"^Did you mean: (.*)  \((at least )?(\d+) sessions?\)$", r.out, re.M)
        check(said and said.group(1) == right, "%s:\n%r" % (wrong, r))
        n = int(said.group(3))
        check(100 <= n <= expected if said.group(2) else n == expected, "%s: %r, %d match" % (wrong, said.group(0), expected))
        check(r.err == "", "%s: text output put the suggestion on stderr\n%r" % (wrong, r))
    # The correction must find more under the same filters: no workshop in 1999.
    check("suggestion" not in q_json("--year", "1999", "type:wrokshop"), "suggested under --year 1999")
    # A query that finds enough gets no suggestion, however close another value is.
    check("suggestion" not in q_json("track:glam"), "suggested for track:glam")


@test
def did_you_mean_on_stderr_for_jsonl_csv_ids_and_count():
    total = count(index(), "track:glam")
    line = "wmquery: did you mean: track:glam  (%d sessions)" % total
    for args in (["--format", "jsonl"], ["--format", "csv"], ["--format", "ids"], ["--count"],
                 ["--format", "json", "--count"]):
        r = q(*(args + ["--exact", "track:glma"]))
        check(r.code == 1, "%s: %r" % (args, r))
        check(stderr_lines(r) == [line], "%s: stderr %r, expected %r" % (args, r.err, line))
        check("did you mean" not in r.out.lower(), "%s: the suggestion on stdout\n%r" % (args, r))
    for args in (["--format", "csv"], ["--format", "ids"], ["--format", "jsonl"]):
        r = q(*(args + ["track:glam"]))   # finds enough: nothing on stderr
        check(r.code == 0 and r.err == "", "%s track:glam: %r" % (args, r))
    r = q("--format", "json", "--exact", "track:glma")
    check(r.err == "" and r.json()["suggestion"]["query"] == "track:glam", "json: %r" % r)


def near_duplicate_index():
    """The sample, with one 2014 submission posted again under a new page,
    title and text slightly changed (as resubmissions are)."""
    if "dup" in STATE:
        return STATE["dup"]
    path = [p for p in SAMPLE_DUMPS if p.endswith(".gz")][0]
    with gzip.open(path, "rt", encoding="utf-8") as f:
        xml = f.read()
    pages = re.findall(r"  <page>\n    <title>Submissions/.*?</page>\n", xml, re.S)
    # Not a declined proposal: plain searches (and similar) leave those out.
    page = max((p for p in pages if "Submission-declined" not in p), key=len)
    seed_id = re.search(r"<ns>0</ns>\n    <id>(\d+)</id>", page).group(1)
    copy = page.replace("<id>%s</id>" % seed_id, "<id>990001</id>", 1)
    copy = re.sub(r"<title>Submissions/(.*?)</title>", r"<title>Submissions/\1 (second edition)</title>", copy)
    paragraphs = copy.split("\n\n")
    copy = "\n\n".join(paragraphs[:1] + paragraphs[2:]) if len(paragraphs) > 3 else copy
    out = os.path.join(tmpdir(), "wikimania2014wiki-dup.xml")
    write(out, xml.replace("</mediawiki>", copy + "</mediawiki>"))
    dumps = [p for p in SAMPLE_DUMPS if not p.endswith(".gz")] + [out]
    STATE["dup"] = (build_index(*dumps), "wikimania2014wiki:" + seed_id, "wikimania2014wiki:990001")
    return STATE["dup"]


@test
def similar_ranks_the_near_duplicate_first_without_the_seed():
    dup_index, seed, copy = near_duplicate_index()
    for a, b in ((seed, copy), (copy, seed)):
        r, data = query_json(dup_index, "similar", a, "--limit", "10")
        check(r.code == 0, r)
        got = [h["id"] for h in data["results"]]
        check(a not in got, "similar %s lists the seed itself: %s" % (a, got))
        check(got and got[0] == b, "similar %s: first %s, expected the near-duplicate %s" % (a, got[:3], b))
        check(data["similar_to"] == a, data.get("similar_to"))
    r, data = query_json(dup_index, "similar", seed, "--year", "2019", "--limit", "100")
    check(r.code == 0 and data["results"] and all(h["year"] == 2019 for h in data["results"]),
          "filters restrict similar")
    r = wmquery("-d", dup_index, "similar", "nowiki:1")
    check(r.code == 1 and len(stderr_lines(r)) == 1 and "nowiki:1" in r.err, r)


@test
def show_prints_a_session_in_full():
    _, listed = list_sessions(*SAMPLE_DUMPS)
    sid = "wikimaniawiki:26"
    data = q_json("show", sid)
    check(data["format_version"] == 1 and len(data["sessions"]) == 1, data)
    shown = data["sessions"][0]
    want = dict(listed[sid])
    for key in ("source",):   # the listing has the path as given; both name the same file
        check(os.path.basename(shown[key]) == os.path.basename(want.pop(key)), key)
        shown.pop(key)
    check(shown == want, "show differs from the listing:\n%s\n%s" % (shown, want))
    r = q("show", sid)
    check(r.code == 0 and want["title"] in r.out, r)
    for para in want["abstract"].split("\n\n")[:2]:
        words = para.split()
        check(" ".join(words[:4]) in r.out, "abstract paragraph missing from text: %r" % words[:4])
    # Lists in the text are joined as in the results ("a, b"): names with
    # spaces in them stay readable.
    several = [s for s in listed.values() if len(s.get("translations") or []) > 1]
    check(several, "the sample has no session with several translations")
    r = q("show", several[0]["id"])
    check(re.search(r"^  translations: +%s$" % re.escape(", ".join(several[0]["translations"])), r.out, re.M),
          "translations not joined by commas:\n%s" % r.out)
    r = q("--format", "ids", "show", sid, "nowiki:2", "wikimania2014wiki:89")
    check(r.code == 1 and r.out.split() == [sid, "wikimania2014wiki:89"], r)
    check(len(stderr_lines(r)) == 1 and "nowiki:2" in r.err, r)


@test
def command_words_only_first_and_exact():
    for args in (["--", "show"], ["search", "show"]):
        data = q_json(*args)
        check(data["query"] == "show", "%s searched %r" % (args, data["query"]))
        n = count(index(), *args)
        check(data["total"] == n > 0, "%s: total %s, --count %d" % (args, data["total"], n))
    data = q_json("community", "show")   # not first: a word like any other
    check(data["query"] == "community show", data["query"])
    data = q_json("Show")   # not exactly the word
    check(data["query"] == "Show", data["query"])
    one_line_error(q("show"), "id", "show without id")
    one_line_error(q("similar"), "id", "similar without id")
    one_line_error(q("list"), "list", "list without a field")
    one_line_error(q("list", "colours"), "colours", "list of an unknown field")


@test
def option_errors_exit_2_with_one_line():
    one_line_error(q("--format", "xml", "wikidata"), "format", "--format xml")
    one_line_error(q("--facets", "track,colour", "wikidata"), "facets", "--facets colour")
    one_line_error(q("--color=sometimes", "wikidata"), "color", "--color sometimes")
    one_line_error(q("year:2030..2019"), "2030", "bad range")


@test
def explain_help_and_version():
    r = q("--explain", "wikidata", "track:glam")
    check(r.code == 0 and re.search(r"^wmquery: query: Query\(.*Zwikidata", r.err, re.M), r)
    check("Zwikidata" not in r.out, "--explain went to stdout")
    r = q("--help")
    check(r.code == 0 and len(r.out.splitlines()) < 45, "--help is %d lines" % len(r.out.splitlines()))
    for word in ("show ID", "list FIELD", "similar ID", "--format", "--facets", "--no-pager", "--color",
                 "wmquery -- show"):
        check(word in r.out, "--help does not mention %r" % word)
    r = q("--version")
    configure = read_text(os.path.join(SRCDIR, "configure.ac"))
    version = re.search(r"AC_INIT\(\[[^]]*\],\s*\[([^]]*)\]", configure).group(1)
    check(r.code == 0 and r.out.startswith("wmquery ") and version in r.out, r)


@test
def query_errors_open_no_pager():
    script, mark = pager_script()
    code, out, err = run_on_pty(['"unbalanced'], {"PAGER": script})
    check(code == 2 and "quote" in err, "exit %s: %r" % (code, err))
    check(not os.path.exists(mark), "the pager ran for a query error")


done()
