#!/usr/bin/env python3
"""End-to-end: broken inputs.  For each kind of bad file, in a run that also
holds a good dump: exit status 1, exactly one error line on stderr naming the
file (with the byte offset for compressed data, the line or page for XML), no
crash or sanitizer report, and the good dump is still indexed.  Also a
directory with a README and a checksum file beside a dump: exit 0, the
non-dumps skipped.

Every wmindex run has a timeout, so a hang fails the test instead of
blocking the suite."""
import os
import random
import re

from wmtest import (check, check_clean, compress_file, done, fixture, query_ids,
                    read_text, stderr_lines, test, tmpdir, wmindex, write)

TIMEOUT = 60
GOOD = fixture("history.xml")          # one session, wikimaniawiki:301, abstract word "narwhal"
GOOD_ID = "wikimaniawiki:301"
GOOD_WORD = "narwhal"
WORK = tmpdir()
OFFSET = re.compile(r"\b(?:byte|offset)s? \d+")
XML_PLACE = re.compile(r"\bline \d+|\bpage\b")


def run_with_good(bad, *more):
    """Index bad then the good dump into a fresh index with -q; return (Run, index)."""
    index = os.path.join(tmpdir(), "index")
    r = wmindex("-q", "-d", index, *(more + (bad, GOOD)), timeout=TIMEOUT)
    return r, index


def check_one_failure(r, index, bad, place=None):
    """The run's contract for one bad input next to a good one."""
    check_clean(r, bad)
    check(r.code == 1, "exit %s, expected 1\n%r" % (r.code, r))
    lines = stderr_lines(r)
    check(len(lines) == 1, "expected exactly one stderr line, got %d\n%r" % (len(lines), r))
    check(bad in lines[0], "the message does not name %s: %r" % (bad, lines[0]))
    if place is not None:
        check(place.search(lines[0]), "the message does not say where: %r" % lines[0])
    check(query_ids(index, GOOD_WORD) == [GOOD_ID], "the good dump of the same run was not indexed")
    return lines[0]


def flip_middle(path, n=16):
    """Corrupt a file in place: invert n bytes in its middle."""
    with open(path, "r+b") as f:
        data = bytearray(f.read())
        mid = len(data) // 2
        for i in range(mid, mid + n):
            data[i] ^= 0xFF
        f.seek(0)
        f.write(data)


def big_xml():
    """A dump big enough that its compressed form has a middle worth corrupting."""
    text = read_text(fixture("unified-0.11.xml"))
    head, _, rest = text.partition("  <page>")
    pages = "  <page>" + rest.replace("</mediawiki>\n", "")
    return head + pages * 20 + "</mediawiki>\n"


@test
def truncated_gzip():
    src = write(os.path.join(WORK, "big.xml"), big_xml())
    bad = compress_file("gzip", src, os.path.join(WORK, "truncated.xml.gz"))
    size = os.path.getsize(bad)
    with open(bad, "r+b") as f:
        f.truncate(size // 2)
    r, index = run_with_good(bad)
    check_one_failure(r, index, bad, OFFSET)


@test
def corrupt_bzip2():
    src = write(os.path.join(WORK, "big2.xml"), big_xml())
    bad = compress_file("bzip2", src, os.path.join(WORK, "corrupt.xml.bz2"))
    flip_middle(bad)
    r, index = run_with_good(bad)
    check_one_failure(r, index, bad, OFFSET)


@test
def binary_junk():
    rng = random.Random(1234)
    junk = bytes([0x00, 0x01, 0x02, 0x03]) + bytes(rng.randrange(256) for _ in range(4096))
    bad = write(os.path.join(WORK, "junk.xml"), junk, "wb")
    r, index = run_with_good(bad)
    check_one_failure(r, index, bad)


@test
def xml_that_is_not_a_dump():
    bad = fixture("not-mediawiki.xml")
    r, index = run_with_good(bad)
    line = check_one_failure(r, index, bad)
    check("mediawiki" in line.lower() or "dump" in line.lower(),
          "the message does not say it is not a MediaWiki dump: %r" % line)


@test
def malformed_xml_after_two_good_pages():
    bad = fixture("malformed.xml")
    r, index = run_with_good(bad)
    check_one_failure(r, index, bad, XML_PLACE)
    # The two pages before the error are indexed.
    check(query_ids(index, "title:wikidata", "title:libraries") == ["wikimaniawiki:102"],
          "first good page of the malformed dump not indexed")
    check(query_ids(index, "photographing") == ["wikimaniawiki:103"],
          "second good page of the malformed dump not indexed")


@test
def malformed_xml_compressed_still_says_where():
    bad = compress_file("gzip", fixture("malformed.xml"), os.path.join(WORK, "malformed.xml.gz"))
    r, index = run_with_good(bad)
    check_one_failure(r, index, bad, XML_PLACE)
    check(query_ids(index, "photographing") == ["wikimaniawiki:103"], "good pages before the error lost")


@test
def empty_file():
    bad = write(os.path.join(WORK, "empty.xml"), "")
    r, index = run_with_good(bad)
    check_one_failure(r, index, bad)


@test
def missing_path():
    bad = os.path.join(WORK, "no-such-dump.xml.bz2")
    r, index = run_with_good(bad)
    check_one_failure(r, index, bad)


@test
def every_bad_input_in_one_run():
    # All of them at once: one line each, and still the good dump.
    bads = [fixture("not-mediawiki.xml"), fixture("malformed.xml"),
            write(os.path.join(WORK, "empty2.xml"), ""),
            os.path.join(WORK, "missing2.xml")]
    index = os.path.join(tmpdir(), "index")
    r = wmindex("-q", "-d", index, *(bads + [GOOD]), timeout=TIMEOUT)
    check_clean(r, "all bad inputs")
    check(r.code == 1, r)
    lines = stderr_lines(r)
    check(len(lines) == len(bads), "expected %d lines\n%r" % (len(bads), r))
    for bad, line in zip(bads, lines):
        check(bad in line, "%r does not name %s" % (line, bad))
    check(query_ids(index, GOOD_WORD) == [GOOD_ID], "good dump not indexed")


@test
def directory_with_readme_and_checksums():
    top = tmpdir()
    write(os.path.join(top, "README"), "These are the Wikimania dumps of June 2024.\n")
    write(os.path.join(top, "sha1sums.txt"), "da39a3ee5e6b4b0d3255bfef95601890afd80709  dump.xml.bz2\n")
    compress_file("bzip2", GOOD, os.path.join(top, "wikimaniawiki-20240601-pages-articles.xml.bz2"))
    index = os.path.join(tmpdir(), "index")
    r = wmindex("-d", index, top, timeout=TIMEOUT)
    check_clean(r, "directory")
    check(r.code == 0, "exit %s, expected 0\n%r" % (r.code, r))
    check(query_ids(index, GOOD_WORD) == [GOOD_ID], "the dump in the directory was not indexed")
    check("skipped" not in r.err, "without -v no skipped note expected\n%r" % r)
    r = wmindex("-v", "-d", index, top, timeout=TIMEOUT)
    check_clean(r, "directory -v")
    check(r.code == 0, r)
    skipped = [line for line in stderr_lines(r) if "skipped" in line]
    check(any("README" in line for line in skipped), "no 'skipped' note for README with -v\n%r" % r)
    check(any("sha1sums.txt" in line for line in skipped), "no 'skipped' note for sha1sums.txt\n%r" % r)


done()
