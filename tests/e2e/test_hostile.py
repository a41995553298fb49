#!/usr/bin/env python3
"""End-to-end: hostile and broken input (issue 5).  Every input is made at
test time in a temporary directory, compressed by the real gzip and bzip2.

For a broken input, indexed in one run with good dumps: exit status 1,
exactly one stderr line, naming the file and saying where (byte offset for
compressed data, line and byte and the page title for XML), the pages
before the damage and the other inputs indexed.  For an input that is odd
but valid (a 50 MB page, a 10,000-character title, 100,000 nested "{{",
10,000 unclosed "[["): exit 0, no message, the session found.  Always: no
crash (no signal, no sanitizer report), no hang (every run has a timeout),
peak memory under a bound (measured on the child alone with wait4)."""
import os
import random
import re
import shutil
import subprocess
import tempfile
import time

from wmtest import (WMINDEX, Skipped, check, check_clean, compress_file, done, dump_xml, fixture,
                    is_asan_build, note, page_xml, query_ids, run_measured, session_page, session_text,
                    split_pages, stderr_lines, test, test_or_skip, tmpdir, write)

ASAN = is_asan_build()
# Sanitizer builds keep shadow memory and quarantine: loosen the bounds only then.
SLOW = 4 if ASAN else 1
TIMEOUT = 120 * SLOW
MEMORY_KB = (100 if not ASAN else 400) * 1024       # any run of this file
BIG_PAGE_MEMORY_KB = (400 if not ASAN else 1200) * 1024

GOOD = fixture("history.xml")          # one session, wikimaniawiki:301, abstract word "narwhal"
GOOD_ID = "wikimaniawiki:301"
GOOD_WORD = "narwhal"
OFFSET = re.compile(r"\bbyte \d+")
LINE = re.compile(r"\bline \d+")
WORK = tmpdir()
# Made-up words, one per page of the generated dumps, that no fixture uses.
WORDS = ["quokka", "wombat", "dingo", "numbat", "bilby", "potoroo", "bettong", "quoll"]


def index_path():
    return os.path.join(tmpdir(), "index")


def wmindex_run(*args, memory_kb=MEMORY_KB, timeout=TIMEOUT):
    """wmindex ARGS, measured: no crash, within memory and time."""
    r = run_measured([WMINDEX] + list(args), timeout=timeout)
    check_clean(r, "wmindex %s" % " ".join(args)[:200])
    check(r.peak_kb < memory_kb, "peak memory %d MB over the bound of %d MB\n%r"
          % (r.peak_kb // 1024, memory_kb // 1024, r))
    return r


def index_with_good(*bad, **kw):
    """Index the bad inputs then the good dump into a fresh index with -q."""
    index = index_path()
    r = wmindex_run("-q", "-d", index, *(bad + (GOOD,)), **kw)
    return r, index


def check_failure(r, index, bad, *places):
    """One bad input next to the good one: exit 1, one line naming the file
    and matching every pattern of places, the good dump indexed."""
    check(r.code == 1, "exit %s, expected 1\n%r" % (r.code, r))
    lines = stderr_lines(r)
    check(len(lines) == 1, "expected exactly one stderr line, got %d\n%r" % (len(lines), r))
    check(bad in lines[0], "the message does not name %s: %r" % (bad, lines[0]))
    for place in places:
        check(place.search(lines[0]), "the message does not say where (%s): %r" % (place.pattern, lines[0]))
    check(query_ids(index, GOOD_WORD) == [GOOD_ID], "the good dump of the same run was not indexed")
    note(lines[0][:300])
    return lines[0]


def check_success(r, index, word, session_id):
    """A valid input: exit 0, silent under -q, its session and the good one found."""
    check(r.code == 0, "exit %s, expected 0\n%r" % (r.code, r))
    check(stderr_lines(r) == [], "messages on a valid input\n%r" % r)
    check(query_ids(index, word) == [session_id], "the session %s was not indexed" % session_id)
    check(query_ids(index, GOOD_WORD) == [GOOD_ID], "the good dump of the same run was not indexed")


def pages_dump():
    """A dump of len(WORDS) sessions, wikimaniawiki:401..."""
    return dump_xml(*(session_page(word, 401 + i) for i, word in enumerate(WORDS)))


def compressed_members(tool, text, parts):
    """text cut at page boundaries into parts, each compressed alone by the
    real tool: a list of gzip members or bzip2 streams (bytes)."""
    return [subprocess.run([tool, "-c"], input=piece.encode("utf-8"), capture_output=True,
                           check=True).stdout for piece in split_pages(text, parts)]


def indexed_words(index):
    # --exact: a word not indexed must find nothing, not the results of its
    # spelling correction (numbat -> "Showing results for: wombat").
    return [word for word in WORDS if query_ids(index, "--exact", word)]


def damaged_archive(tool, name, damage):
    """A 4-member archive of pages_dump() whose last member is damaged by
    damage(bytes) -> bytes; return its path."""
    members = compressed_members(tool, pages_dump(), 4)
    path = os.path.join(WORK, name)
    write(path, b"".join(members[:-1]) + damage(members[-1]), "wb")
    return path


def flip_middle(data, n=16):
    data = bytearray(data)
    mid = len(data) // 2
    for i in range(mid, mid + n):
        data[i] ^= 0xFF
    return bytes(data)


def first_members_indexed(index):
    """The pages of the intact members (all but the last of 4) are indexed."""
    words = indexed_words(index)
    check(words[:4] == WORDS[:4], "pages before the damage lost: indexed %s" % words)


# --- compressed data ------------------------------------------------------

@test
def truncated_gzip():
    bad = damaged_archive("gzip", "truncated.xml.gz", lambda m: m[:len(m) // 2])
    r, index = index_with_good(bad)
    check_failure(r, index, bad, OFFSET)
    first_members_indexed(index)


@test
def truncated_bzip2():
    bad = damaged_archive("bzip2", "truncated.xml.bz2", lambda m: m[:len(m) // 2])
    r, index = index_with_good(bad)
    check_failure(r, index, bad, OFFSET)
    first_members_indexed(index)


@test
def gzip_crc_error():
    # The data inflates fine; only the member's CRC-32 (the trailer's first
    # 4 bytes) is wrong.  That must be an error, not silently accepted.
    bad = damaged_archive("gzip", "crc.xml.gz", lambda m: m[:-8] + bytes([m[-8] ^ 0x01]) + m[-7:])
    r, index = index_with_good(bad)
    line = check_failure(r, index, bad, OFFSET)
    check(re.search(r"crc|check", line, re.I), "the message does not say the check failed: %r" % line)
    first_members_indexed(index)


@test
def bit_flipped_gzip():
    bad = damaged_archive("gzip", "flipped.xml.gz", flip_middle)
    r, index = index_with_good(bad)
    # Inflate may produce damaged bytes before it notices: then the XML
    # reader is the one to fail, and says the line instead of the offset.
    check_failure(r, index, bad, re.compile(OFFSET.pattern + "|" + LINE.pattern))
    first_members_indexed(index)


@test
def bit_flipped_bzip2():
    # bzip2 checks each block's CRC before handing out its data.
    bad = damaged_archive("bzip2", "flipped.xml.bz2", flip_middle)
    r, index = index_with_good(bad)
    check_failure(r, index, bad, OFFSET)
    first_members_indexed(index)


@test
def bzip2_crc_error_only():
    # A flipped bit in the stored block CRC (bytes 10-13 of a stream: "BZh9",
    # the 6-byte block magic, then the CRC), the data itself intact.
    bad = damaged_archive("bzip2", "crc.xml.bz2", lambda m: m[:10] + bytes([m[10] ^ 0x01]) + m[11:])
    r, index = index_with_good(bad)
    check_failure(r, index, bad, OFFSET)
    first_members_indexed(index)


@test
def gzip_holding_garbage():
    rng = random.Random(5)
    junk = write(os.path.join(WORK, "junk.bin"), bytes(rng.randrange(256) for _ in range(65536)), "wb")
    bad = compress_file("gzip", junk, os.path.join(WORK, "garbage.xml.gz"))
    r, index = index_with_good(bad)
    check_failure(r, index, bad)


@test
def zero_byte_files():
    # Plain, and named as compressed (no magic at all), and a gzip of nothing.
    empty = write(os.path.join(WORK, "empty.xml"), "")
    empty_bz2 = write(os.path.join(WORK, "empty.xml.bz2"), "")
    empty_gz = compress_file("gzip", empty, os.path.join(WORK, "empty-content.xml.gz"))
    for bad in (empty, empty_bz2, empty_gz):
        r, index = index_with_good(bad)
        line = check_failure(r, index, bad)
        check("empty" in line, "the message does not say the file is empty: %r" % line)


@test
def binary_junk():
    rng = random.Random(1234)
    for i, head in enumerate((b"", b"\x1f\x8b", b"BZh9", b"<")):
        junk = head + bytes(rng.randrange(256) for _ in range(100000))
        bad = write(os.path.join(WORK, "junk%d.xml" % i), junk, "wb")
        r, index = index_with_good(bad)
        check_failure(r, index, bad)


# --- XML --------------------------------------------------------------------

@test
def xml_that_is_not_a_dump():
    xhtml = ('<?xml version="1.0"?>\n<html xmlns="http://www.w3.org/1999/xhtml"><body>'
             + "<p>no pages here</p>" * 1000 + "</body></html>\n")
    bad = write(os.path.join(WORK, "page.xml"), xhtml)
    r, index = index_with_good(bad)
    line = check_failure(r, index, bad)
    check("mediawiki" in line.lower() or "dump" in line.lower(),
          "the message does not say it is not a MediaWiki dump: %r" % line)


@test
def malformed_xml_after_good_pages():
    text = dump_xml(session_page("quokka", 401), session_page("wombat", 402),
                    page_xml("2019:Technology/Broken", 403, "<b>unclosed</i>", escaped=True))
    for tool in (None, "gzip", "bzip2"):
        plain = write(os.path.join(WORK, "malformed.xml"), text)
        bad = compress_file(tool, plain, plain + (".gz" if tool == "gzip" else ".bz2")) if tool else plain
        r, index = index_with_good(bad)
        line = check_failure(r, index, bad, LINE, OFFSET)
        check('"2019:Technology/Broken"' in line, "the message does not name the page: %r" % line)
        check(indexed_words(index) == ["quokka", "wombat"], "the pages before the error were not indexed")


def bad_bytes_dump(name, raw):
    """A dump whose second page's text holds the raw bytes raw (not valid
    XML 1.0 text); return its path."""
    text = dump_xml(session_page("quokka", 401), session_page("wombat", 402, "@@BAD@@"),
                    session_page("dingo", 403))
    head, tail = text.encode("utf-8").split(b"@@BAD@@")
    return write(os.path.join(WORK, name), head + raw + tail, "wb")


@test
def invalid_utf8_and_nul_bytes():
    # expat rejects all of these (XML 1.0 forbids U+0000, even as &#0;):
    # the file fails at that page, the page before it is indexed.
    cases = {"utf8.xml": b"caf\xe9 \xff\xfe", "overlong.xml": b"\xc0\xaf",
             "surrogate.xml": b"\xed\xa0\x80", "nul.xml": b"before\x00after",
             "nulref.xml": b"&#0;"}
    for name, raw in cases.items():
        bad = bad_bytes_dump(name, raw)
        r, index = index_with_good(bad)
        line = check_failure(r, index, bad, LINE)
        check("The wombat talk" in line, "%s: the message does not name the page: %r" % (name, line))
        check(indexed_words(index) == ["quokka"], "%s: indexed %s, expected the first page only"
              % (name, indexed_words(index)))


@test
def billion_laughs():
    # Ten levels of ten references: 10^9 "lol"s if expanded.  Expat's
    # amplification limit must stop it, fast and in little memory.
    decl = ['<!ENTITY lol0 "lol">'] + ['<!ENTITY lol%d "%s">' % (i, ("&lol%d;" % (i - 1)) * 10)
                                       for i in range(1, 10)]
    text = dump_xml(session_page("quokka", 401), session_page("wombat", 402, "&lol9;"))
    text = text.replace("<mediawiki ", "<!DOCTYPE mediawiki [\n%s\n]>\n<mediawiki " % "\n".join(decl), 1)
    # session_page escapes the text: put the reference back as a reference.
    text = text.replace("&amp;lol9;", "&lol9;")
    bad = write(os.path.join(WORK, "lol.xml"), text)
    start = time.monotonic()
    r, index = index_with_good(bad)
    check(time.monotonic() - start < 30 * SLOW, "the entity bomb took %.1f s" % (time.monotonic() - start))
    check_failure(r, index, bad, LINE)
    check(indexed_words(index) == ["quokka"], "the page before the bomb was not indexed")


@test
def quadratic_blowup():
    # One 100 kB entity referenced 20,000 times: 2 GB if expanded.
    text = dump_xml(session_page("quokka", 401), session_page("wombat", 402, "@@REFS@@"))
    text = text.replace("<mediawiki ", '<!DOCTYPE mediawiki [\n<!ENTITY big "%s">\n]>\n<mediawiki '
                        % ("x" * 100000), 1).replace("@@REFS@@", "&big;" * 20000)
    bad = write(os.path.join(WORK, "quadratic.xml"), text)
    r, index = index_with_good(bad)
    check_failure(r, index, bad, LINE)


# --- valid but extreme --------------------------------------------------------

def filler(size):
    """About size bytes of prose-like text: 2,000 different words."""
    rng = random.Random(50)
    words = ["".join(rng.choice("abcdefghijklmnoprstuvw") for _ in range(rng.randrange(3, 10)))
             for _ in range(2000)]
    line = " ".join(words) + ".\n"
    return line * (size // len(line) + 1)


@test
def page_of_50_megabytes():
    text = dump_xml(session_page("quokka", 401, filler(50 * 1000 * 1000) + " the okapi end"))
    path = write(os.path.join(WORK, "big-page.xml"), text)
    del text
    index = index_path()
    r = wmindex_run("-q", "-d", index, path, GOOD, memory_kb=BIG_PAGE_MEMORY_KB, timeout=300 * SLOW)
    note("50 MB page: %.1f s, peak %d MB" % (r.seconds, r.peak_kb // 1024))
    check_success(r, index, "quokka", "wikimaniawiki:401")
    os.unlink(path)


@test
def title_of_10000_characters():
    # A page title (MediaWiki allows 255 bytes; the XML does not care) and a
    # session title, each of 10,000 characters, multi-byte ones included.
    long_name = ("Okapi é " * 1250)[:10000]
    text = dump_xml(page_xml("2019:Technology/" + long_name, 401, session_text("quokka")),
                    page_xml("2019:Technology/Long session title", 402,
                             session_text("wombat").replace("A talk about the wombat",
                                                            "wombat " + "Ω" * 9993)))
    path = write(os.path.join(WORK, "long-title.xml"), text)
    index = index_path()
    r = wmindex_run("-q", "-d", index, path, GOOD)
    check_success(r, index, "quokka", "wikimaniawiki:401")
    check(query_ids(index, "wombat") == ["wikimaniawiki:402"], "the long session title was not indexed")


@test
def nested_braces_100000_deep():
    text = dump_xml(session_page("quokka", 401, "{{" * 100000),
                    session_page("wombat", 402, "{{a|" * 100000 + "}}" * 100000),
                    session_page("dingo", 403, "{{{" * 50000 + "[[" * 50000))
    path = write(os.path.join(WORK, "braces.xml"), text)
    index = index_path()
    r = wmindex_run("-q", "-d", index, path, GOOD, timeout=60 * SLOW)
    check_success(r, index, "quokka", "wikimaniawiki:401")
    check(indexed_words(index) == ["quokka", "wombat", "dingo"], "not every brace page was indexed")


@test
def unclosed_links_10000():
    text = dump_xml(session_page("quokka", 401, "[[a " * 10000),
                    session_page("wombat", 402, "[[File:x.png|" * 10000),
                    page_xml("2019:Technology/Speakers", 403,
                             session_text("dingo").replace("[[User:Someone|Some One]]",
                                                           "[[User:" * 10000)))
    path = write(os.path.join(WORK, "links.xml"), text)
    index = index_path()
    r = wmindex_run("-q", "-d", index, path, GOOD, timeout=60 * SLOW)
    check_success(r, index, "quokka", "wikimaniawiki:401")
    check(indexed_words(index) == ["quokka", "wombat", "dingo"], "not every link page was indexed")


# --- the file system ----------------------------------------------------------

@test
def symbolic_link_loops():
    top = tmpdir()
    os.symlink("b.xml", os.path.join(top, "a.xml"))
    os.symlink("a.xml", os.path.join(top, "b.xml"))
    # Given explicitly: an error naming it.
    bad = os.path.join(top, "a.xml")
    r, index = index_with_good(bad)
    line = check_failure(r, index, bad)
    check("loop" in line.lower() or "too many" in line.lower(), "the message does not say loop: %r" % line)
    # In a tree: a directory link back to an ancestor, and the file loop.
    tree = os.path.join(top, "tree")
    os.makedirs(os.path.join(tree, "sub"))
    write(os.path.join(tree, "sub", "dump.xml"), dump_xml(session_page("quokka", 401)))
    os.symlink("..", os.path.join(tree, "sub", "up"))
    os.symlink(os.path.join(top, "a.xml"), os.path.join(tree, "sub", "z.xml"))
    index = index_path()
    r = wmindex_run("-q", "-d", index, tree, GOOD, timeout=60 * SLOW)
    check(r.code == 1, "exit %s, expected 1\n%r" % (r.code, r))
    lines = stderr_lines(r)
    check(len(lines) == 2, "expected a line for each loop\n%r" % r)
    check(all("loop" in line.lower() or "too many" in line.lower() for line in lines), r)
    for looping in (os.path.join(tree, "sub", "up"), os.path.join(tree, "sub", "z.xml")):
        check(any(looping in line for line in lines), "the loop at %s is not named\n%r" % (looping, r))
    check(indexed_words(index) == ["quokka"], "the dump in the looping tree was not indexed")
    check(query_ids(index, GOOD_WORD) == [GOOD_ID], "the good dump was not indexed")


def as_nobody():
    """The command prefix that drops root to nobody ([] when not root: then
    permissions already apply), or a skip reason (str)."""
    if os.geteuid() != 0:
        return []
    tool = shutil.which("setpriv")
    if tool:
        return [tool, "--reuid=65534", "--regid=65534", "--clear-groups", "--"]
    tool = shutil.which("runuser")
    if tool:
        return [tool, "-u", "nobody", "--"]
    return "running as root and neither setpriv nor runuser is installed"


@test_or_skip
def unreadable_file_and_directory():
    prefix = as_nobody()
    if isinstance(prefix, str):
        raise Skipped(prefix)
    if prefix and subprocess.run(prefix + [WMINDEX, "--version"], capture_output=True).returncode != 0:
        raise Skipped("nobody cannot run %s (a private build directory?)" % WMINDEX)
    # A directory of its own that nobody can enter (our scratch area is 0700).
    top = tempfile.mkdtemp(prefix="wmtest-unreadable-")
    try:
        os.chmod(top, 0o777)
        # $TMPDIR may lie inside a directory only its owner can enter
        if prefix and subprocess.run(prefix + ["test", "-w", top]).returncode != 0:
            raise Skipped("nobody cannot reach %s (a private TMPDIR?)" % top)
        good = shutil.copy(GOOD, os.path.join(top, "good.xml"))
        os.chmod(good, 0o644)
        bad = write(os.path.join(top, "secret.xml"), dump_xml(session_page("quokka", 401)))
        os.chmod(bad, 0)
        tree = os.path.join(top, "tree")
        os.makedirs(os.path.join(tree, "locked"))
        write(os.path.join(tree, "dump.xml"), dump_xml(session_page("wombat", 402)))
        os.chmod(os.path.join(tree, "dump.xml"), 0o644)
        os.chmod(tree, 0o755)
        os.chmod(os.path.join(tree, "locked"), 0)
        index = os.path.join(top, "index")
        r = run_measured(prefix + [WMINDEX, "-q", "-d", index, bad, tree, good], timeout=TIMEOUT)
        check_clean(r, "wmindex as nobody")
        check(r.code == 1, "exit %s, expected 1\n%r" % (r.code, r))
        lines = stderr_lines(r)
        check(len(lines) == 2, "expected two lines\n%r" % r)
        check(bad in lines[0] and "ermission denied" in lines[0], "unreadable file: %r" % lines[0])
        check(os.path.join(tree, "locked") in lines[1] and "ermission denied" in lines[1],
              "unreadable directory: %r" % lines[1])
        check(query_ids(index, GOOD_WORD) == [GOOD_ID], "the good dump was not indexed")
        check(query_ids(index, "wombat") == ["wikimaniawiki:402"],
              "the readable dump of the tree was not indexed")
        check(query_ids(index, "quokka") == [], "the unreadable file was indexed")
    finally:
        locked = os.path.join(top, "tree", "locked")
        if os.path.isdir(locked):
            os.chmod(locked, 0o755)
        shutil.rmtree(top, ignore_errors=True)


@test
def directory_of_100000_small_files():
    # Mostly files that are not dumps (checksums, notes, names saying
    # nothing so that their content is looked at, gzip of text), a few dumps
    # and one broken dump: exit 1 with that file's line only, the dumps
    # indexed.  The small files are hard links to four originals: creating
    # 100,000 inodes takes minutes on some file systems, a link does not.
    originals = tmpdir()
    sources = [write(os.path.join(originals, "sums"), "d41d8cd98f00b204e9800998ecf8427e  x.xml.bz2\n"),
               write(os.path.join(originals, "note"), "These are the dumps of June.\n"),
               write(os.path.join(originals, "name"), "nothing in the name says what this is\n")]
    sources.append(compress_file("gzip", sources[1], os.path.join(originals, "note.gz")))
    suffixes = (".md5", ".txt", "", ".gz")
    top = tmpdir()
    start = time.monotonic()
    for d in range(100):
        sub = os.path.join(top, "d%03d" % d)
        os.mkdir(sub)
        for i in range(1000):
            os.link(sources[i % 4], os.path.join(sub, "f%04d%s" % (i, suffixes[i % 4])))
    for n, d in enumerate((0, 33, 66, 99)):
        write(os.path.join(top, "d%03d" % d, "wiki-%s.xml" % WORDS[n]),
              dump_xml(session_page(WORDS[n], 401 + n)))
    broken = write(os.path.join(top, "d077", "broken.xml"), "<mediawiki><page><title>x</title>")
    note("made 100,000 files in %.1f s" % (time.monotonic() - start))
    index = index_path()
    r = wmindex_run("-q", "-d", index, top, GOOD, timeout=120 * SLOW)
    note("crawled and indexed them in %.1f s, peak %d MB" % (r.seconds, r.peak_kb // 1024))
    check(r.seconds < 60 * SLOW, "100,000 small files took %.1f s" % r.seconds)
    check_failure(r, index, broken, LINE)
    check(indexed_words(index) == WORDS[:4], "indexed %s, expected %s" % (indexed_words(index), WORDS[:4]))
    # -v names every skipped file, one line each.
    r = wmindex_run("-v", "--list-sessions", top, timeout=120 * SLOW)
    skipped = [line for line in stderr_lines(r) if "skipped" in line]
    check(len(skipped) == 100000, "-v reported %d skipped files, expected 100,000" % len(skipped))


done()
