#!/usr/bin/env python3
"""End-to-end: wmindex and wmquery are valgrind-clean (issue 5): no invalid
reads or writes, no use of uninitialised values, no definite or indirect
leak, on one small dump of each shape (plain XML, multi-member gzip,
multistream bzip2), on broken inputs (their error paths free what they
took), on the bundled sample, and on the wmquery commands.

Skipped when valgrind is not installed or the binaries are ASan builds
(the two do not mix).  Kept small: the whole file runs in well under a
minute."""
import os
import re
import shutil
import time
from concurrent.futures import ThreadPoolExecutor

from wmtest import (SAMPLE_DUMPS, WMINDEX, WMQUERY, check, compress_pieces, done, dump_xml, fixture,
                    is_asan_build, note, ok, read_text, run, session_page, skip, split_pages,
                    tmpdir, write)

VALGRIND = shutil.which("valgrind")
ERROR_EXIT = 99
TIMEOUT = 300
ERROR_SUMMARY = re.compile(r"ERROR SUMMARY: (\d+) errors")
HEAP_USAGE = re.compile(r"total heap usage: ([\d,]+) allocs")


def valgrind(binary, *args):
    """Run binary ARGS under memcheck; return (Run, memcheck's report)."""
    log = os.path.join(tmpdir(), "valgrind.log")
    # wmindex may be linked with jemalloc (configure): memcheck must replace
    # its malloc as it does glibc's, or it would see no heap at all.
    r = run([VALGRIND, "--error-exitcode=%d" % ERROR_EXIT, "--leak-check=full",
             "--errors-for-leak-kinds=definite,indirect", "--track-origins=no",
             "--soname-synonyms=somalloc=*jemalloc*",
             "--log-file=" + log, binary] + list(args), timeout=TIMEOUT)
    with open(log, errors="replace") as f:
        report = f.read()
    return r, report


def check_clean_run(binary, args, expected_codes, what):
    r, report = valgrind(binary, *args)
    summary = ERROR_SUMMARY.findall(report)
    check(summary, "%s: no memcheck summary (did valgrind run?)\n%s\n%r" % (what, report[-3000:], r))
    check(r.code != ERROR_EXIT and summary[-1] == "0",
          "%s: memcheck found errors\n%s" % (what, report[-6000:]))
    allocs = HEAP_USAGE.findall(report)
    check(allocs and int(allocs[-1].replace(",", "")) > 0,
          "%s: memcheck saw (almost) no heap blocks: was malloc replaced?\n%s" % (what, report[-3000:]))
    check(r.code in expected_codes, "%s: exit %s, expected %s\n%r" % (what, r.code, expected_codes, r))
    return r


def shapes():
    """One small dump of each shape, made by the real tools, and two broken inputs."""
    top = tmpdir()
    text = read_text(fixture("unified-0.11.xml"))               # six sessions
    plain = fixture("unified-0.11.xml")
    gz = compress_pieces("gzip", split_pages(text, 3), os.path.join(top, "multi.xml.gz"))
    bz2 = compress_pieces("bzip2", split_pages(text, 3), os.path.join(top, "multi.xml.bz2"))
    truncated = os.path.join(top, "truncated.xml.gz")
    with open(gz, "rb") as f:
        write(truncated, f.read()[:-40], "wb")
    malformed = write(os.path.join(top, "malformed.xml"),
                      dump_xml(session_page("quokka", 401)).replace("</page>", "</pag>", 1))
    return [plain, gz, bz2], [truncated, malformed]


def run_all(cases):
    """Run (what, binary, args, codes) cases under memcheck, as many at a
    time as there are CPUs (memcheck is slow and single-threaded), and report
    each as one test point, in order."""
    def one(case):
        what, binary, args, codes = case
        try:
            check_clean_run(binary, args, codes, what)
            return what, None
        except AssertionError as e:
            return what, str(e)
    with ThreadPoolExecutor(max_workers=max(1, os.cpu_count() or 1)) as pool:
        for what, failure in pool.map(one, cases):
            ok(failure is None, what, failure)


def main():
    if not VALGRIND:
        skip("valgrind", "valgrind is not installed")
        return
    if is_asan_build(WMINDEX) or is_asan_build(WMQUERY):
        skip("valgrind", "the binaries are AddressSanitizer builds (valgrind cannot run them)")
        return
    start = time.monotonic()
    good, bad = shapes()
    index = os.path.join(tmpdir(), "index")
    run_all([
        ("wmindex: plain, multi-member gzip, multistream bzip2",
         WMINDEX, ["-q", "-d", index] + good, (0,)),
        ("wmindex: the sample", WMINDEX, ["-q", "-d", os.path.join(tmpdir(), "sample")] + SAMPLE_DUMPS, (0,)),
        ("wmindex --list-sessions: broken inputs beside a good one (error paths)",
         WMINDEX, ["-q", "--list-sessions"] + bad + [good[0]], (1,)),
    ])
    r = run([WMQUERY, "-d", index, "--format", "ids", "wikidata"], timeout=60)
    ids = r.out.split()
    ok(r.code == 0 and len(ids) > 0, "the index of the dump shapes answers", r)
    some_id = ids[0] if ids else "wikimaniawiki:1"
    run_all([
        ("wmquery: search with facets, json",
         WMQUERY, ["-d", index, "--format", "json", "--facets", "track,year,type,language,speaker",
                   "wikidata"], (0,)),
        ("wmquery: fields, sort, text", WMQUERY, ["-d", index, "--sort", "newest", "year:2019..2024",
                                                  "OR", "wiki*"], (0,)),
        ("wmquery: list tracks", WMQUERY, ["-d", index, "list", "tracks"], (0,)),
        ("wmquery: show", WMQUERY, ["-d", index, "show", some_id], (0,)),
        ("wmquery: similar", WMQUERY, ["-d", index, "similar", some_id], (0, 1)),
        ("wmquery: nothing matches", WMQUERY, ["-d", index, "zzyzzyvaxq"], (1,)),
        ("wmquery: missing index", WMQUERY, ["-d", os.path.join(tmpdir(), "none"), "wikidata"], (3,)),
    ])
    note("%s: %.1f s" % (VALGRIND, time.monotonic() - start))


main()
done()
