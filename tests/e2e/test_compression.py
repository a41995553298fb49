#!/usr/bin/env python3
"""End-to-end: the same small 2019/2024-shape dump read plain, as several
concatenated gzip members, as a multistream bzip2 file (several bzip2 outputs
concatenated), and with names that lie about the content; xz is refused.

Every compressed file is made here with the real gzip/bzip2/xz tools."""
import os
import re
import shutil

from wmtest import (build_index, check, check_clean, compress_file, compress_pieces, count, done,
                    fixture, list_sessions, read_text, split_pages, stderr_lines, test, tmpdir,
                    wmindex)

SOURCE = fixture("unified-0.11.xml")
XML = read_text(SOURCE)
PIECES = split_pages(XML, 5)
# The session pages of the fixture (ids), see tests/fixtures/e2e/unified-0.11.xml.
SESSIONS = {"wikimaniawiki:%d" % n for n in (102, 103, 109, 202, 204, 205)}
WORK = tmpdir()


def ids_in(piece):
    return {"wikimaniawiki:" + m for m in re.findall(r"<ns>\d+</ns>\s*<id>(\d+)</id>", piece)} & SESSIONS


def sessions_of(path, *extra):
    r, found = list_sessions(*(extra + (path,)))
    check(r.code == 0, "wmindex --list-sessions %s\n%r" % (path, r))
    return found


PLAIN = {}


@test
def plain_dump_gives_the_fixture_sessions():
    PLAIN.update(sessions_of(SOURCE))
    check(set(PLAIN) == SESSIONS, "plain: got %s, expected %s" % (sorted(PLAIN), sorted(SESSIONS)))


@test
def gzip_members_each_contribute_their_sessions():
    path = compress_pieces("gzip", PIECES, os.path.join(WORK, "members.xml.gz"))
    found = sessions_of(path)
    for i, piece in enumerate(PIECES):
        missing = ids_in(piece) - set(found)
        check(not missing, "gzip member %d: sessions %s missing" % (i + 1, sorted(missing)))
    check(set(found) == SESSIONS, "gzip: %s != expected %s" % (sorted(found), sorted(SESSIONS)))


@test
def bzip2_multistream_reads_to_the_last_stream():
    path = compress_pieces("bzip2", PIECES, os.path.join(WORK, "multi-pages-articles-multistream.xml.bz2"))
    with open(path, "rb") as f:
        check(f.read().count(b"BZh9") >= len(PIECES), "the file does not hold %d streams" % len(PIECES))
    found = sessions_of(path)
    last = ids_in(PIECES[-1])
    check(last, "the last piece holds no session (fixture changed?)")
    check(last <= set(found), "sessions of the last stream %s missing" % sorted(last - set(found)))
    check(set(found) == SESSIONS, "bzip2: %s != expected %s" % (sorted(found), sorted(SESSIONS)))


@test
def same_fields_from_every_compression():
    gz = sessions_of(compress_pieces("gzip", PIECES, os.path.join(WORK, "fields.xml.gz")))
    bz = sessions_of(compress_pieces("bzip2", PIECES, os.path.join(WORK, "fields.xml.bz2")))
    for name, found in (("gzip", gz), ("bzip2", bz)):
        for sid, session in found.items():
            a = dict(session, source=None)
            check(sid in PLAIN, "%s: %s not in the plain listing" % (name, sid))
            b = dict(PLAIN[sid], source=None)
            check(a == b, "%s: %s differs from plain:\n%s\n%s" % (name, sid, a, b))


@test
def gzip_named_xml_is_detected_by_content():
    path = compress_file("gzip", SOURCE, os.path.join(WORK, "liar.xml"))
    with open(path, "rb") as f:
        check(f.read(2) == b"\x1f\x8b", "gzip did not write a gzip file")
    found = sorted(sessions_of(path))
    check(set(found) == SESSIONS, "gzip file named .xml: got %s" % found)


@test
def bzip2_without_extension_given_explicitly():
    path = compress_file("bzip2", SOURCE, os.path.join(WORK, "wikimaniadump"))
    found = sorted(sessions_of(path))
    check(set(found) == SESSIONS, "bzip2 file with no extension: got %s" % found)


@test
def same_index_from_plain_gzip_and_bzip2():
    # Indexing (not only listing) works from each: the three indexes agree.
    gz = compress_pieces("gzip", PIECES, os.path.join(WORK, "index.xml.gz"))
    bz = compress_pieces("bzip2", PIECES, os.path.join(WORK, "index.xml.bz2"))
    counts = [count(build_index(path), "--year", "2000..2100") for path in (SOURCE, gz, bz)]
    check(counts == [len(SESSIONS)] * 3, "documents in plain/gzip/bzip2 indexes: %s" % counts)


@test
def xz_is_refused_naming_the_file():
    if not shutil.which("xz"):
        raise AssertionError("xz is not installed (Debian package xz-utils)")
    path = compress_file("xz", SOURCE, os.path.join(WORK, "dump.xml.xz"))
    r = wmindex("--list-sessions", path, timeout=60)
    check_clean(r, "wmindex on xz")
    check(r.code == 1, "exit %s, expected 1\n%r" % (r.code, r))
    check(r.out.strip() == "", "sessions listed from an xz file: %r" % r.out)
    errors = [line for line in stderr_lines(r) if "unsupported compression" in line]
    check(len(errors) == 1, "no single 'unsupported compression' line\n%r" % r)
    check(path in errors[0], "the message does not name the file: %r" % errors[0])


done()
