#!/usr/bin/env python3
"""End-to-end: incremental, crash-safe indexing (issue 5, "Incremental and
correct").

- A re-run over unchanged files reads none of them (the summary says so and
  the index is the same); a changed file is read again and the sessions that
  vanished from it are removed; a newer dated dump of a wiki
  (<dbname>-YYYYMMDD-...) removes the sessions that are not in it, and the
  result does not depend on the order of the files or of the runs; the parts
  of a split dump are one dump; undated files never remove each other's
  sessions.
- --rebuild starts from an empty index; --stats (text and JSON) says what the
  index holds.
- Crashes (one writer in place, --jobs 1: a build in shards is all or
  nothing, tests/e2e/test_jobs.py): WMINDEX_TEST_ABORT_AFTER=K (a test hook:
  abort() after the K-th session) at several points, and a real kill -9 after the first periodic
  commit: the index opens, answers as of its last commit, and a re-run
  completes it to exactly the index of an uninterrupted run (compared at the
  store level: every document's data, values and terms, via xapian-delve).
- SIGINT and SIGTERM: what was done is committed, said, exit 130 / 143; a
  second wmindex meanwhile is refused with exit 3; wmquery always answers.
- An index of another schema version: both programs say to run
  `wmindex --rebuild`, which works."""
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time

from wmtest import (SAMPLE_DUMPS, SAMPLE_DIR, SRCDIR, WMINDEX, WMQUERY, build_index, check,
                    check_clean, check_same_index, done, dump_head, is_asan_build, note, query_ids,
                    store_dump, test, tmpdir, wmindex, wmquery, write, xml_escape)

from wmtest import count as count_matches

SLOW = 4 if is_asan_build() else 1


def count(index, *args):
    """Documents in the index: the declined proposals a plain search leaves
    out are documents too (--status any)."""
    return count_matches(index, "--status", "any", *args)
GENERATE = os.path.join(SAMPLE_DIR, "generate.py")


# --- dumps made here --------------------------------------------------------

def page(page_id, word, timestamp="2019-06-15T09:00:00Z", extra=""):
    """A 2019 session page (id wikimaniawiki:<page_id>) about word."""
    text = ("=== Title ===\nA talk about the %s\n=== Description ===\nThe %s abstract. %s\n"
            "=== Session leader(s) ===\n* [[User:Someone|Some One]]\n"
            "=== Session type ===\n* Presentation\n") % (word, word, extra)
    return ("  <page>\n    <title>2019:Technology/The %s talk</title>\n    <ns>3002</ns>\n"
            "    <id>%d</id>\n    <revision>\n      <id>%d</id>\n      <timestamp>%s</timestamp>\n"
            "      <contributor><username>Someone</username><id>7</id></contributor>\n"
            "      <model>wikitext</model>\n      <format>text/x-wiki</format>\n"
            "      <text xml:space=\"preserve\">%s</text>\n    </revision>\n  </page>\n"
            % (word, page_id, page_id * 10 + len(timestamp), timestamp, xml_escape(text)))


def dump(path, *pages):
    return write(path, dump_head() + "".join(pages) + "</mediawiki>\n")


def ids(index):
    return sorted(query_ids(index, "year:2019"))


def run_ok(*args, timeout=300):
    r = wmindex(*args, timeout=timeout * SLOW)
    check_clean(r, "wmindex %s" % " ".join(args))
    check(r.code == 0, "wmindex %s\n%r" % (" ".join(args), r))
    return r


# --- unchanged files --------------------------------------------------------

@test
def a_no_op_rerun_reads_no_file():
    index = build_index(*SAMPLE_DUMPS)
    before = store_dump(index)
    stats_before = wmindex("-d", index, "--stats", "--format", "json").json()
    r = run_ok("-d", index, *SAMPLE_DUMPS)
    check("0 sessions from 0 files" in r.err and "2 unchanged files skipped" in r.err, r)
    check_same_index(store_dump(index), before, "after a no-op run")
    stats = wmindex("-d", index, "--stats", "--format", "json").json()
    check(stats["last_update"] == stats_before["last_update"], "a no-op run changed last_update")
    r = run_ok("-v", "-d", index, SAMPLE_DUMPS[0])
    check("unchanged, skipped %s" % SAMPLE_DUMPS[0] in r.err, r)
    # A touched file (same bytes, new mtime) is read again, to the same index.
    copy = os.path.join(tmpdir(), os.path.basename(SAMPLE_DUMPS[1]))
    shutil.copy(SAMPLE_DUMPS[1], copy)
    index2 = build_index(copy)
    os.utime(copy, (time.time() + 10, time.time() + 10))
    r = run_ok("-d", index2, copy)
    check("40 sessions from 1 file" in r.err, r)


@test
def stats_say_what_the_index_holds():
    index = build_index(*SAMPLE_DUMPS)
    st = wmindex("-d", index, "--stats", "--format", "json")
    check(st.code == 0, st)
    data = st.json()
    check(data["schema_version"] == "10", data)
    check(re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", data["last_update"]), data)
    check(data["sessions"] == count(index, ""), data)
    for year, n in data["years"].items():
        if year != "unknown":
            check(n["indexed"] == count(index, "year:" + year), "year %s: %r" % (year, n))
        check(n["sessions"] >= n["indexed"] and n["pages"] >= n["candidates"] >= n["sessions"],
              "year %s: %r" % (year, n))
    check(sum(y["indexed"] for y in data["years"].values()) == data["sessions"], data["years"])
    paths = [s["path"] for s in data["sources"]]
    check(paths == sorted(os.path.realpath(p) for p in SAMPLE_DUMPS), paths)
    by_wiki = {s["collection"]: s["sessions"] for s in data["sources"]}
    check(by_wiki == {"wikimaniawiki": 120, "wikimania2014wiki": 40}, by_wiki)
    check(all(s["complete"] and len(s["fingerprint"]) == 16 for s in data["sources"]), data)
    text = wmindex("-d", index, "--stats")
    check(text.code == 0 and "schema:       10" in text.out and "sessions:     160" in text.out
          and "2014: 40" in text.out and os.path.realpath(SAMPLE_DUMPS[0]) in text.out, text)
    missing = wmindex("-d", os.path.join(tmpdir(), "none"), "--stats")
    check(missing.code == 3 and "no index" in missing.err, missing)
    bad = wmindex("-d", index, "--stats", "--format", "xml")
    check(bad.code == 2, bad)


# --- changed and newer dumps ------------------------------------------------

@test
def a_changed_file_loses_its_vanished_sessions():
    top = tmpdir()
    path = dump(os.path.join(top, "export.xml"), page(1, "aardvark"), page(2, "bandicoot"),
                page(3, "caracal"))
    other = dump(os.path.join(top, "other.xml"), page(4, "dugong"))
    index = build_index(path, other)
    check(ids(index) == ["wikimaniawiki:%d" % i for i in (1, 2, 3, 4)], ids(index))
    dump(path, page(1, "aardvark", extra="Now with echidna."), page(3, "caracal"))
    r = run_ok("-d", index, path, other)
    check("1 vanished session removed" in r.err and "1 unchanged file" in r.err, r)
    check(ids(index) == ["wikimaniawiki:1", "wikimaniawiki:3", "wikimaniawiki:4"], ids(index))
    check(query_ids(index, "echidna") == ["wikimaniawiki:1"], "the changed page not re-indexed")
    check(query_ids(index, "bandicoot") == [], "the vanished page is still found")


@test
def undated_files_of_one_wiki_never_remove_each_other():
    # Special:Export downloads hold some pages each: indexing one more must
    # not remove the others' sessions, whatever their revision dates.
    top = tmpdir()
    a = dump(os.path.join(top, "a.xml"), page(1, "aardvark", "2019-01-01T00:00:00Z"))
    b = dump(os.path.join(top, "b.xml"), page(2, "bandicoot", "2024-01-01T00:00:00Z"))
    index = build_index(a)
    run_ok("-d", index, b)
    check(ids(index) == ["wikimaniawiki:1", "wikimaniawiki:2"], ids(index))


def dated_dumps(top):
    """An older and a newer dated dump of the wiki: page 1 is edited, page 2
    deleted, page 3 created, page 4 unchanged (the same revision in both)."""
    old = dump(os.path.join(top, "wikimaniawiki-20190601-pages-articles.xml"),
               page(1, "aardvark", "2019-05-01T00:00:00Z"), page(2, "bandicoot"),
               page(4, "dugong", "2019-04-01T00:00:00Z"))
    new = dump(os.path.join(top, "wikimaniawiki-20200101-pages-articles.xml"),
               page(1, "aardvark", "2019-12-01T00:00:00Z", "Edited: echidna."),
               page(3, "caracal"), page(4, "dugong", "2019-04-01T00:00:00Z"))
    return old, new


@test
def a_newer_dump_wins_whatever_the_order():
    top = tmpdir()
    old, new = dated_dumps(top)
    results = {}
    for name, runs in (("old new", [[old, new]]), ("new old", [[new, old]]),
                       ("old, then new", [[old], [new]]), ("new, then old", [[new], [old]])):
        index = os.path.join(tmpdir(), "index")
        for paths in runs:
            run_ok("-q", "-d", index, *paths)
        results[name] = store_dump(index)
        check(sorted(results[name]) == ["wikimaniawiki:1", "wikimaniawiki:3", "wikimaniawiki:4"],
              "%s: %s" % (name, sorted(results[name])))
        check(query_ids(index, "echidna") == ["wikimaniawiki:1"], "%s: old revision of page 1" % name)
        # Page 4 is the same revision in both: it names the newer dump.
        check("source=%s" % new in results[name]["wikimaniawiki:4"][0], "%s: page 4 %r"
              % (name, results[name]["wikimaniawiki:4"][0]))
    first = results["old new"]
    for name, got in results.items():
        check_same_index(got, first, name)


@test
def the_parts_of_a_split_dump_are_one_dump():
    top = tmpdir()
    old = dump(os.path.join(top, "wikimaniawiki-20190601-pages-articles.xml"),
               page(1, "aardvark"), page(2, "bandicoot"), page(3, "caracal"))
    part1 = dump(os.path.join(top, "wikimaniawiki-20200101-pages-articles1.xml-p1p1"),
                 page(1, "aardvark"))
    part2 = dump(os.path.join(top, "wikimaniawiki-20200101-pages-articles2.xml-p2p3"),
                 page(3, "caracal"))
    index = build_index(old, part1, part2)
    check(ids(index) == ["wikimaniawiki:1", "wikimaniawiki:3"], ids(index))
    st = wmindex("-d", index, "--stats", "--format", "json").json()
    dates = sorted(s["dump_date"] for s in st["sources"])
    check(dates == ["2019-06-01", "2020-01-01", "2020-01-01"], dates)


@test
def rebuild_starts_from_an_empty_index():
    index = build_index(*SAMPLE_DUMPS)
    r = run_ok("--rebuild", "-d", index, SAMPLE_DUMPS[1])
    check("40 sessions from 1 file" in r.err, r)
    check(count(index, "") == 40, "the other dump's sessions survived --rebuild")
    st = wmindex("-d", index, "--stats", "--format", "json").json()
    check([s["path"] for s in st["sources"]] == [os.path.realpath(SAMPLE_DUMPS[1])], st)
    r = wmindex("--rebuild", "--list-sessions", SAMPLE_DUMPS[1])
    check(r.code == 2, r)


@test
def another_schema_version_says_rebuild():
    index = build_index(SAMPLE_DUMPS[1])
    subprocess.run(["xapian-metadata", "set", index, "wmsearch.schema", "3"], check=True)
    r = wmindex("-d", index, SAMPLE_DUMPS[1])
    check_clean(r, "wmindex")
    check(r.code == 3 and "schema version 3" in r.err and "wmindex --rebuild" in r.err, r)
    q = wmquery("-d", index, "--count", "")
    check(q.code == 3 and "wmindex --rebuild" in q.err, q)
    run_ok("--rebuild", "-q", "-d", index, SAMPLE_DUMPS[1])
    check(count(index, "") == 40, "after --rebuild")


# --- crashes and signals ----------------------------------------------------

CORPUS = {}


def corpus():
    """A generated 1,000-session dump (one file, plain XML) and the 2014
    sample: two wikis, so one file is done before the other is cut."""
    if not CORPUS:
        top = tmpdir()
        subprocess.run([sys.executable, GENERATE, "--out", top, "--sessions", "1000", "--plain"],
                       check=True, capture_output=True)
        big = [os.path.join(top, f) for f in os.listdir(top) if f.endswith(".xml")]
        check(len(big) == 1, os.listdir(top))
        CORPUS["paths"] = [SAMPLE_DUMPS[1], big[0]]
        index = os.path.join(tmpdir(), "whole")
        run_ok("-q", "--commit-every", "100", "-d", index, *CORPUS["paths"])
        CORPUS["whole"] = store_dump(index)
        check(len(CORPUS["whole"]) > 1000, "the corpus gave %d sessions" % len(CORPUS["whole"]))
    return CORPUS["paths"], CORPUS["whole"]


@test
def aborted_runs_are_completed_by_a_rerun():
    paths, whole = corpus()
    # K=1: before any commit of the big file's sessions (the 2014 sample's 40
    # come first and are committed with their file); K=140: right after the
    # first periodic commit inside the big file; K=900: later.
    for k in (1, 140, 900):
        index = os.path.join(tmpdir(), "index")
        r = wmindex("-q", "--jobs", "1", "--commit-every", "100", "-d", index, *paths,
                    env={"WMINDEX_TEST_ABORT_AFTER": str(k)}, timeout=300 * SLOW)
        check(r.code == -signal.SIGABRT or r.code == 128 + signal.SIGABRT, "K=%d: %r" % (k, r))
        # The index opens and answers as of the last commit: the 40 sessions
        # of the first file, then whole hundreds of the second.
        n = count(index, "")
        want = 40 + (k - 40) // 100 * 100 if k > 40 else 0
        check(n == want, "K=%d: %d sessions committed, expected %d" % (k, n, want))
        st = wmindex("-d", index, "--stats", "--format", "json").json()
        check(len(st["sources"]) == (1 if k > 40 else 0), "K=%d: sources %s" % (k, st["sources"]))
        r = run_ok("-d", index, *paths)
        if k > 40:
            check("1 unchanged file skipped" in r.err, "K=%d: the finished file was read again\n%r" % (k, r))
        check_same_index(store_dump(index), whole, "K=%d, re-run" % k)


def wait_for_commit(index, proc, at_least, deadline):
    """Poll wmquery --count until the index holds at_least sessions; every
    answer must come (exit 0 or 1, never 3) while wmindex commits."""
    while time.monotonic() < deadline and proc.poll() is None:
        r = subprocess.run([WMQUERY, "-d", index, "--count", ""], capture_output=True, text=True)
        check(r.returncode in (0, 1) or "no index" in r.stderr,
              "wmquery during indexing: exit %d %r" % (r.returncode, r.stderr))
        if r.returncode == 0 and int(r.stdout) >= at_least:
            return int(r.stdout)
        time.sleep(0.01)
    return None


@test
def kill_9_after_a_periodic_commit():
    paths, whole = corpus()
    index = os.path.join(tmpdir(), "index")
    proc = subprocess.Popen([WMINDEX, "-q", "--jobs", "1", "--commit-every", "50", "-d", index] + paths,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        seen = wait_for_commit(index, proc, 90, time.monotonic() + 120 * SLOW)
        check(seen is not None, "no periodic commit seen before wmindex ended")
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.communicate()
    n = count(index, "")
    check(seen <= n < len(whole), "after kill -9: %d sessions (%d seen before)" % (n, seen))
    run_ok("-q", "-d", index, *paths)
    check_same_index(store_dump(index), whole, "kill -9, re-run")


def interrupt(sig, expect_code):
    paths, whole = corpus()
    index = os.path.join(tmpdir(), "index")
    proc = subprocess.Popen([WMINDEX, "--jobs", "1", "--commit-every", "50", "-d", index] + paths,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        seen = wait_for_commit(index, proc, 90, time.monotonic() + 120 * SLOW)
        check(seen is not None, "no periodic commit seen before wmindex ended")
        second = wmindex("-d", index, SAMPLE_DUMPS[1], timeout=30 * SLOW)
        check(second.code == 3 and "being updated by another wmindex" in second.err, second)
        os.kill(proc.pid, sig)
        out, err = proc.communicate(timeout=60 * SLOW)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    check(proc.returncode == expect_code, "exit %s\n%s" % (proc.returncode, err))
    name = "SIGINT" if sig == signal.SIGINT else "SIGTERM"
    m = re.search(r"interrupted by %s: (\d+) sessions committed to " % name, err)
    check(m, err)
    n = count(index, "")
    check(n >= seen and n == int(m.group(1)), "%d in the index, %s said" % (n, m.group(1)))
    run_ok("-q", "-d", index, *paths)
    check_same_index(store_dump(index), whole, "%s, re-run" % name)


@test
def sigint_commits_and_exits_130():
    interrupt(signal.SIGINT, 130)


@test
def sigterm_commits_and_exits_143():
    interrupt(signal.SIGTERM, 143)


done()
