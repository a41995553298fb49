#!/usr/bin/env python3
"""End-to-end: wmindex --jobs N and --compact (issue 11, items 1 and 2, and
"Bad input and faults").

- The same index whatever the number of writers: --jobs 1, 2 and 3 give the
  same documents (data, values, terms, compared with xapian-delve by session
  id, since Xapian's document ids differ), the same spelling data (the
  compacted spelling table byte for byte) and the same metadata (source
  records, schema), on a corpus with a newer revision that meets two shards
  (it waits for the merge), an export linked to its on-wiki copy and a newer
  dated dump that removes a session.
- Fresh builds end compacted; --compact compacts in place, to the same
  documents.
- Faults: a build killed (abort, kill -9) while writing shards or while
  merging leaves the old index answering; the next run removes the
  temporary directory and finishes.  A full disk during the merge
  (RLIMIT_FSIZE) is reported (exit 3) and the old index stays, with nothing
  left beside it; so for --compact.  A second wmindex --jobs on the index
  exits 3 and leaves the first one's build alone.  SIGTERM during a build in
  shards leaves the old index (exit 143)."""
import glob
import json
import os
import resource
import signal
import subprocess
import sys
import time

from wmtest import (SAMPLE_DIR, SAMPLE_DUMPS, WMINDEX, WMQUERY, Run, check, check_clean, check_same_index,
                    count, done, dump_head, end_fifo_run, is_asan_build, open_fifo_writer, schedule_export,
                    store_dump, test, tmpdir, wmindex, wmquery, write, xml_escape)

SLOW = 4 if is_asan_build() else 1
TIMEOUT = 300 * SLOW
GENERATE = os.path.join(SAMPLE_DIR, "generate.py")


def page(page_id, word, timestamp="2019-06-15T09:00:00Z"):
    """A 2019 session page (id wikimaniawiki:<page_id>) titled "A talk about the <word>"."""
    text = ("=== Title ===\nA talk about the %s\n=== Description ===\nThe %s abstract, page %d.\n"
            "=== Session leader(s) ===\n* [[User:Someone|Some One]]\n"
            "=== Session type ===\n* Presentation\n") % (word, word, page_id)
    return ("  <page>\n    <title>2019:Technology/Page %d</title>\n    <ns>3002</ns>\n"
            "    <id>%d</id>\n    <revision>\n      <id>%d</id>\n      <timestamp>%s</timestamp>\n"
            "      <contributor><username>Someone</username><id>7</id></contributor>\n"
            "      <model>wikitext</model>\n      <format>text/x-wiki</format>\n"
            "      <text xml:space=\"preserve\">%s</text>\n    </revision>\n  </page>\n"
            % (page_id, page_id, page_id * 10 + int(timestamp[5:7]), timestamp, xml_escape(text)))


def subpage(page_id, base_id, code):
    """The translation subpage <code> of page(base_id): a language of that session."""
    return ("  <page>\n    <title>2019:Technology/Page %d/%s</title>\n    <ns>3002</ns>\n"
            "    <id>%d</id>\n    <revision>\n      <id>%d</id>\n      <timestamp>2019-06-02T09:00:00Z</timestamp>\n"
            "      <model>wikitext</model>\n      <format>text/x-wiki</format>\n"
            "      <text xml:space=\"preserve\">Traduction.</text>\n    </revision>\n  </page>\n"
            % (base_id, code, page_id, page_id * 10))


def dump(path, *pages):
    return write(path, dump_head() + "".join(pages) + "</mediawiki>\n")


CORPUS = {}


def corpus():
    """The sample, a generated 1,500-session dump, two dated dumps of one
    wiki and an export; see the module's comment."""
    if CORPUS:
        return CORPUS["paths"]
    top = tmpdir()
    subprocess.run([sys.executable, GENERATE, "--out", top, "--sessions", "1500", "--plain"],
                   check=True, capture_output=True)
    big = glob.glob(os.path.join(top, "*.xml"))
    check(len(big) == 1, os.listdir(top))
    older = dump(os.path.join(top, "wikimaniawiki-20190101-pages-articles.xml"),
                 page(90001, "quokka", "2019-01-01T09:00:00Z"), page(90002, "wombat", "2019-01-01T09:00:00Z"),
                 page(90003, "numbat", "2019-01-01T09:00:00Z"))
    # Page 90001 renamed to the title of 90002: its id is in one shard, its
    # title's link key in the other (round robin put them apart), so it
    # waits for the merge.  90003 is gone: removed.  90004's export links.
    # Translation subpages: 90002's /es comes before it, and wmindex, which
    # hands sessions on as it reads, gives 90001 (waiting for the merge) and
    # 90004 (linked) again at the end with their late /de and /fr.
    newer = dump(os.path.join(top, "wikimaniawiki-20190601-pages-articles.xml"),
                 subpage(90012, 90002, "es"),
                 page(90001, "wombat", "2019-06-01T09:00:00Z"), page(90002, "wombat", "2019-01-01T09:00:00Z"),
                 page(90004, "kinkajou", "2019-06-01T09:00:00Z"), subpage(90011, 90001, "de"),
                 subpage(90014, 90004, "fr"), subpage(90015, 90004, "de"))
    export = schedule_export(os.path.join(top, "linkconf.json"), "Link Conference 2019", "linkconf", "2019-08-01",
                             [{"code": "KINKA1", "title": "A talk about the kinkajou",
                               "abstract": "The export's kinkajou abstract.", "persons": [("P1", "Ann Author")]},
                              {"code": "OTHER1", "title": "Another talk", "abstract": "Nothing linked."}])
    CORPUS["paths"] = list(SAMPLE_DUMPS) + [big[0], older, newer, export]
    return CORPUS["paths"]


def run_ok(*args):
    r = wmindex(*args, timeout=TIMEOUT)
    check_clean(r, "wmindex %s" % " ".join(args))
    check(r.code == 0, "wmindex %s\n%r" % (" ".join(args), r))
    return r


def metadata(index):
    """Every metadata entry but the times of writing."""
    keys = subprocess.run(["xapian-metadata", "list", index], capture_output=True, text=True,
                          check=True).stdout.split("\n")
    out = {}
    for key in filter(None, keys):
        if key == "wmsearch.updated":
            continue
        value = subprocess.run(["xapian-metadata", "get", index, key], capture_output=True, text=True,
                               check=True).stdout
        out[key] = "\n".join(line for line in value.split("\n") if not line.startswith("indexed_at="))
    return out


def build_dirs(index):
    """The temporary directories of builds beside index."""
    parent, name = os.path.split(os.path.abspath(index))
    return glob.glob(os.path.join(parent, ".%s.wmbuild-*" % name))


def read_bytes(path):
    with open(path, "rb") as f:
        return f.read()


WHOLE = {}


def whole():
    """(index, dump) of the corpus indexed with --jobs 1."""
    if not WHOLE:
        index = os.path.join(tmpdir(), "index")
        r = run_ok("--jobs", "1", "-d", index, *corpus())
        WHOLE["index"], WHOLE["dump"] = index, store_dump(index)
        listed = wmindex("--list-sessions", *corpus(), timeout=TIMEOUT).out.count("\n")
        summary = [line for line in r.err.split("\n") if " sessions from " in line]
        check(len(summary) == 1 and summary[0].startswith("wmindex: %d sessions from " % listed)
              and "1 on-wiki copy linked to its export" in summary[0], "%d listed; %s" % (listed, r.err))
        WHOLE["summary"] = summary[0].split(" in ")[0]
    return WHOLE["index"], WHOLE["dump"]


@test
def jobs_1_2_and_3_make_the_same_index():
    one, want = whole()
    check(len(want) > 1500, "the corpus gave %d sessions" % len(want))
    check("wikimaniawiki:90003" not in want, "the session gone from the newest dump was not removed")
    check("wikimaniawiki:90004" not in want and "linkconf:KINKA1" in want, "the copy was not linked")
    check("title=A talk about the wombat" in want["wikimaniawiki:90001"][0], "the newer revision lost")
    translations = {key: [line for line in want[key][0].split("\n") if line.startswith("translation=")]
                    for key in ("wikimaniawiki:90001", "wikimaniawiki:90002", "linkconf:KINKA1")}
    check(translations == {"wikimaniawiki:90001": ["translation=de"], "wikimaniawiki:90002": ["translation=es"],
                            "linkconf:KINKA1": ["translation=fr", "translation=de"]},
          "translations: %r" % translations)
    for jobs in ("2", "3"):
        index = os.path.join(tmpdir(), "index")
        r = run_ok("--jobs", jobs, "-d", index, *corpus())
        check("(%s writers), compacted" % jobs in r.err, r.err)
        # Sessions given again with late translations are not counted again.
        check(WHOLE["summary"] in r.err, "--jobs %s: %s, --jobs 1: %s" % (jobs, r.err, WHOLE["summary"]))
        check_same_index(store_dump(index), want, "--jobs %s against --jobs 1" % jobs)
        check(read_bytes(os.path.join(index, "spelling.glass")) == read_bytes(os.path.join(one, "spelling.glass")),
              "--jobs %s: the spelling data differ" % jobs)
        check(metadata(index) == metadata(one), "--jobs %s: the metadata differ" % jobs)
        check(build_dirs(index) == [], "left behind: %s" % build_dirs(index))
        # An incremental run on it (one writer, in place) still works.
        r = run_ok("-d", index, *corpus())
        check("unchanged files skipped" in r.err, r.err)


@test
def the_default_writers_are_the_cpus_it_may_run_on():
    # One CPU allowed (taskset): one writer, in place; all of them: one each,
    # at most 4 (the summary names the writers of a build in shards).
    index = os.path.join(tmpdir(), "index")
    r = Run(subprocess.run(["taskset", "-c", "0", WMINDEX, "-d", index, SAMPLE_DIR],
                           capture_output=True, text=True, timeout=TIMEOUT))
    check(r.code == 0 and " writers)" not in r.err and ", compacted " in r.err, r.err)
    index = os.path.join(tmpdir(), "index")
    r = run_ok("-d", index, SAMPLE_DIR)
    cpus = min(len(os.sched_getaffinity(0)), 4)
    check(("(%d writers)" % cpus in r.err) if cpus > 1 else " writers)" not in r.err, r.err)


@test
def rebuild_in_shards_replaces_the_index_whole():
    old = os.path.join(tmpdir(), "index")
    run_ok("-q", "--jobs", "1", "-d", old, SAMPLE_DUMPS[0])
    n = count(old, "--status", "any", "")
    r = run_ok("--rebuild", "--jobs", "2", "-d", old, *corpus())
    check("(2 writers)" in r.err, r.err)
    check_same_index(store_dump(old), whole()[1], "--rebuild --jobs 2")
    check(n < count(old, "--status", "any", ""), "the rebuild did not replace the index")


@test
def compact_compacts_in_place():
    index = os.path.join(tmpdir(), "index")
    paths = corpus()
    # A fresh build of the big file (compacted), then one more file in place.
    run_ok("-q", "--jobs", "1", "-d", index, *paths[:3])
    run_ok("-q", "-d", index, *paths[3:])
    before = store_dump(index)
    size = sum(os.path.getsize(os.path.join(index, f)) for f in os.listdir(index))
    r = run_ok("--compact", "-d", index)
    check("compacted:" in r.err and " MB -> " in r.err, r.err)
    after = sum(os.path.getsize(os.path.join(index, f)) for f in os.listdir(index))
    check(after < size, "compacted %d bytes into %d" % (size, after))
    check_same_index(store_dump(index), before, "after --compact")
    check(build_dirs(index) == [], "left behind: %s" % build_dirs(index))
    r = wmindex("--compact", "-d", index, paths[0])
    check(r.code == 2, "--compact with a PATH: %r" % r)


@test
def filters_matching_every_session_after_a_removal():
    # Merged shards give even a short posting list two chunks; Xapian 1.4.22
    # then fails on a weightless query of a term in every document once one
    # is deleted (store_search.cc get_mset_of): year:2019 below.
    top = tmpdir()
    path = dump(os.path.join(top, "export.xml"), *[page(96000 + i, "word%d" % i) for i in range(6)])
    index = os.path.join(tmpdir(), "index")
    run_ok("-q", "--jobs", "2", "-d", index, path)
    dump(path, *[page(96000 + i, "word%d" % i) for i in range(5)])
    r = run_ok("-d", index, path)
    check("1 vanished session removed" in r.err, r.err)
    # Every page has the speaker Some One: the person's queries are weightless too.
    for args in (["year:2019"], ["--status", "any", "year:2019"], ["--count", "year:2019"],
                 ["--facets", "year", "year:2019"], ["list", "years"], ["person", "Some One"],
                 ["person", "--year", "2019", "Some One"], ["speaker:someone"]):
        q = wmquery("-d", index, *args, timeout=60)
        check(q.code == 0 and "corrupt" not in q.err, "wmquery %s: %r" % (" ".join(args), q))
    check(count(index, "year:2019") == 5, "year:2019 counted %d" % count(index, "year:2019"))
    q = wmquery("-d", index, "--facets", "year", "year:2019", timeout=60)
    check(" 5  2019" in q.out, "the year facet counts 5: %r" % q.out)
    q = wmquery("-d", index, "person", "--format", "json", "Some One", timeout=60)
    check(q.code == 0 and len(q.json()["sessions"]) == 5, "person: %r" % q)


def old_index():
    """A small index (the 2014 sample) that a failed build must leave as it is."""
    index = os.path.join(tmpdir(), "index")
    run_ok("-q", "--jobs", "1", "-d", index, SAMPLE_DUMPS[0])
    return index, store_dump(index)


def check_old_index_answers(index, before, what):
    check_same_index(store_dump(index), before, what)
    q = wmquery("-d", index, "--count", "wikipedia", timeout=60)
    check(q.code == 0, "%s: wmquery %r" % (what, q))


def check_next_run_finishes(index, what):
    run_ok("--rebuild", "--jobs", "2", "-d", index, *corpus())
    check(build_dirs(index) == [], "%s: left behind after the next run: %s" % (what, build_dirs(index)))
    check_same_index(store_dump(index), whole()[1], "%s, the next run" % what)


def aborted_rebuild(index, hook):
    """wmindex --rebuild --jobs 2 of the corpus into index, stopped by abort()
    at a test hook of wmindex(1) (hook: its environment variable and value)."""
    r = wmindex("-q", "--rebuild", "--jobs", "2", "-d", index, *corpus(), timeout=TIMEOUT, env=hook)
    check(r.code in (-signal.SIGABRT, 128 + signal.SIGABRT), "expected an abort: %r" % r)


@test
def a_build_that_crashes_while_writing_shards_leaves_the_old_index():
    index, before = old_index()
    aborted_rebuild(index, {"WMINDEX_TEST_ABORT_AFTER": "800"})
    check(len(build_dirs(index)) == 1, "the killed build's directory: %s" % build_dirs(index))
    check_old_index_answers(index, before, "after an abort while writing shards")
    check_next_run_finishes(index, "abort while writing shards")


@test
def kill_9_while_writing_shards_leaves_the_old_index():
    index, before = old_index()
    proc = subprocess.Popen([WMINDEX, "-q", "--rebuild", "--jobs", "2", "-d", index] + corpus(),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 120 * SLOW
        shard = None
        while time.monotonic() < deadline and proc.poll() is None:
            shards = [d for b in build_dirs(index) for d in glob.glob(os.path.join(b, "shard1", "postlist.glass"))]
            if shards and os.path.getsize(shards[0]) > 0:
                shard = shards[0]
                break
            time.sleep(0.01)
        check(shard is not None, "no shard written before wmindex ended (exit %s)" % proc.poll())
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.communicate()
    check_old_index_answers(index, before, "after kill -9 while writing shards")
    check_next_run_finishes(index, "kill -9 while writing shards")


@test
def a_build_that_crashes_while_merging_leaves_the_old_index():
    index, before = old_index()
    aborted_rebuild(index, {"WMINDEX_TEST_ABORT_IN_MERGE": "1"})
    left = build_dirs(index)
    check(len(left) == 1 and os.path.isdir(os.path.join(left[0], "index")),
          "the merge had begun: %s" % [os.listdir(d) for d in left])
    check_old_index_answers(index, before, "after an abort while merging")
    check_next_run_finishes(index, "abort while merging")


def limit_file_size(limit):
    def set_limit():
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, resource.RLIM_INFINITY))
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    return set_limit


def run_limited(limit, *args):
    env = dict(os.environ, ASAN_OPTIONS=os.environ.get("ASAN_OPTIONS", "") + ":fast_unwind_on_malloc=0")
    proc = subprocess.run([WMINDEX] + list(args), capture_output=True, text=True, timeout=TIMEOUT,
                          preexec_fn=limit_file_size(limit), env=env)
    r = Run(proc)
    check_clean(r, "wmindex on a size-limited disk")
    return r


@test
def a_full_disk_during_the_merge_is_reported_and_the_old_index_stays():
    index, before = old_index()
    # Four shards each hold about a quarter of every table; the merged
    # postlist table is the whole.  A limit of 60% of the whole lets the
    # shards be written and stops the merge.
    largest = max(os.path.getsize(os.path.join(whole()[0], f)) for f in os.listdir(whole()[0]))
    # (Without the corpus's session that meets two shards: it would be put
    # into a merge made earlier, when the vanished sessions are removed.)
    r = run_limited(int(largest * 0.6), "--rebuild", "--jobs", "4", "-d", index, *corpus()[:3])
    check(r.code == 3, "exit %s, expected 3\n%r" % (r.code, r))
    lines = [line for line in r.err.splitlines() if "cannot" in line]
    check(len(lines) == 1 and "merge the shards" in lines[0] and index in lines[0] and "File too large" in lines[0],
          "one line naming the index, the merge and the system's reason: %r" % r.err)
    check(".wmbuild" not in lines[0], "the message names the temporary directory: %r" % lines[0])
    check_old_index_answers(index, before, "after a full disk during the merge")
    check(build_dirs(index) == [], "left behind: %s" % build_dirs(index))


@test
def a_full_disk_during_compact_is_reported_and_the_index_stays():
    index, _ = whole()
    copy = os.path.join(tmpdir(), "index")
    subprocess.run(["cp", "-a", index, copy], check=True)
    before = store_dump(copy)
    largest = max(os.path.getsize(os.path.join(copy, f)) for f in os.listdir(copy))
    r = run_limited(largest // 2, "--compact", "-d", copy)
    check(r.code == 3 and "File too large" in r.err, "exit %s\n%r" % (r.code, r))
    check_old_index_answers(copy, before, "after a full disk during --compact")
    check(build_dirs(copy) == [], "left behind: %s" % build_dirs(copy))


@test
def a_second_wmindex_jobs_exits_3_and_leaves_the_first_alone():
    index, before = old_index()
    fifo = os.path.join(tmpdir(), "last.xml")
    os.mkfifo(fifo)
    proc = subprocess.Popen([WMINDEX, "-q", "--rebuild", "--jobs", "2", "-d", index, SAMPLE_DUMPS[1], fifo],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    fd = None
    try:
        fd = open_fifo_writer(fifo, proc, time.monotonic() + TIMEOUT)
        if fd is None:
            raise AssertionError("the first wmindex ended before reading the FIFO: %r" % (proc.communicate(),))
        check(len(build_dirs(index)) == 1, "the first build's directory: %s" % build_dirs(index))
        for args in (["--jobs", "2"], ["--rebuild", "--jobs", "2"], ["--compact"]):
            second = wmindex("-d", index, *args, *([] if "--compact" in args else [SAMPLE_DUMPS[0]]),
                             timeout=TIMEOUT)
            check(second.code == 3 and "being updated by another wmindex" in second.err,
                  "second wmindex %s: %r" % (" ".join(args), second))
            check(len(build_dirs(index)) == 1, "the second wmindex removed the first's build")
        check_old_index_answers(index, before, "while a build runs")
        os.write(fd, (dump_head() + page(95001, "platypus") + "</mediawiki>\n").encode())
        os.close(fd)
        fd = None
        out, err = proc.communicate(timeout=TIMEOUT)
        check(proc.returncode == 0, "the first wmindex: exit %s\n%s" % (proc.returncode, err))
    finally:
        end_fifo_run(fd, proc)
    check(count(index, "platypus") == 1 and count(index, "--status", "any", "") == 41,
          "the first build's index: %d" % count(index, "--status", "any", ""))
    check(build_dirs(index) == [], "left behind: %s" % build_dirs(index))


@test
def sigterm_during_a_build_in_shards_leaves_the_old_index():
    index, before = old_index()
    fifo = os.path.join(tmpdir(), "last.xml")
    os.mkfifo(fifo)
    proc = subprocess.Popen([WMINDEX, "--rebuild", "--jobs", "2", "-d", index, SAMPLE_DUMPS[1], fifo],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    fd = None
    try:
        fd = open_fifo_writer(fifo, proc, time.monotonic() + TIMEOUT)
        check(fd is not None, "the wmindex ended before reading the FIFO")
        os.kill(proc.pid, signal.SIGTERM)
        os.close(fd)
        fd = None
        out, err = proc.communicate(timeout=TIMEOUT)
    finally:
        end_fifo_run(fd, proc)
    check(proc.returncode == 143, "exit %s\n%s" % (proc.returncode, err))
    check("interrupted by SIGTERM: the index %s is as it was" % index in err, err)
    check_old_index_answers(index, before, "after SIGTERM")
    check(build_dirs(index) == [], "left behind: %s" % build_dirs(index))


done()
