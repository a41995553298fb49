#!/usr/bin/env python3
"""End-to-end: the index side of issue 5.  wmquery on a missing, empty or
corrupted index (and wmindex on a corrupted one) exits 3 with one message
naming the index; a second wmindex while one holds the index exits 3 at
once saying another wmindex is updating it; wmquery while wmindex runs
always answers, from the last commit.

The first wmindex is held deterministically: its input is a FIFO, which
the crawl does not open (so wmindex opens the index, takes the lock, and
then waits in open() for a writer)."""
import os
import random
import resource
import shutil
import signal
import subprocess
import time

from wmtest import (WMINDEX, WMQUERY, Run, Skipped, build_index, check, check_clean, done, dump_xml,
                    end_fifo_run, fixture, is_asan_build, note, open_fifo_writer, query_ids, read_text,
                    session_page, stderr_lines, test, test_or_skip, tmpdir, wmindex, wmquery, write)

SLOW = 4 if is_asan_build() else 1
TIMEOUT = 60 * SLOW
GOOD = fixture("history.xml")          # one session, wikimaniawiki:301, abstract word "narwhal"
GOOD_ID = "wikimaniawiki:301"
GOOD_WORD = "narwhal"


def check_index_error(r, index, what):
    """exit 3, nothing on stdout, one stderr line naming the index."""
    check_clean(r, what)
    check(r.code == 3, "%s: exit %s, expected 3\n%r" % (what, r.code, r))
    check(r.out == "", "%s printed on stdout\n%r" % (what, r))
    lines = stderr_lines(r)
    check(len(lines) == 1, "%s: expected one stderr line\n%r" % (what, r))
    check(index in lines[0], "%s: the message does not name the index %s: %r" % (what, index, lines[0]))
    return lines[0]


def every_wmquery_command():
    """A search, --count, show, list and similar: each must fail the same way."""
    return (("search", (GOOD_WORD,)), ("count", ("--count", GOOD_WORD)), ("show", ("show", GOOD_ID)),
            ("list", ("list", "years")), ("similar", ("similar", GOOD_ID)),
            ("json", ("--format", "json", GOOD_WORD)))


def check_wmquery_fails(index, what, expect=None):
    for name, args in every_wmquery_command():
        r = wmquery("-d", index, *args, timeout=TIMEOUT)
        line = check_index_error(r, index, "wmquery %s on %s" % (name, what))
        if expect:
            check(expect in line.lower(), "wmquery %s on %s: %r does not say %r" % (name, what, line, expect))


@test
def missing_index():
    index = os.path.join(tmpdir(), "no-such-index")
    check_wmquery_fails(index, "a missing index", "wmindex")
    check(not os.path.exists(index), "wmquery created %s" % index)


@test
def empty_directory():
    index = tmpdir()
    check_wmquery_fails(index, "an empty directory", "wmindex")
    check(os.listdir(index) == [], "wmquery wrote into the empty directory")


@test
def a_file_where_the_index_should_be():
    index = write(os.path.join(tmpdir(), "index"), "not an index\n")
    check_wmquery_fails(index, "a regular file")


def corrupted_copies(good_index):
    """Copies of good_index damaged in the ways a disk or a user damages
    files: (name, path, damage) with damage applied."""
    rng = random.Random(7)
    tables = sorted(name for name in os.listdir(good_index) if name.endswith(".glass"))
    check(tables, "the index has no .glass tables (is it still Xapian glass?): %s" % os.listdir(good_index))

    def truncate_all(path):
        for name in os.listdir(path):
            open(os.path.join(path, name), "w").close()

    def junk_tables(path):
        for name in tables:
            target = os.path.join(path, name)
            write(target, bytes(rng.randrange(256) for _ in range(os.path.getsize(target))), "wb")

    def half_tables(path):
        for name in tables:
            target = os.path.join(path, name)
            with open(target, "r+b") as f:
                f.truncate(os.path.getsize(target) // 2 + 1)

    def junk_version_file(path):
        write(os.path.join(path, "iamglass"), bytes(rng.randrange(256) for _ in range(100)), "wb")

    def zero_version_file(path):
        open(os.path.join(path, "iamglass"), "w").close()

    def postlist_missing(path):
        os.remove(os.path.join(path, "postlist.glass"))

    def postlist_is_junk(path):
        target = os.path.join(path, "postlist.glass")
        write(target, b"\xff" * os.path.getsize(target), "wb")

    cases = []
    for damage in (truncate_all, junk_tables, half_tables, junk_version_file, zero_version_file,
                   postlist_is_junk, postlist_missing):
        path = os.path.join(tmpdir(), damage.__name__)
        shutil.copytree(good_index, path)
        damage(path)
        cases.append((damage.__name__, path))
    return cases


@test
def corrupted_index():
    good_index = build_index(GOOD)
    check(query_ids(good_index, GOOD_WORD) == [GOOD_ID], "the undamaged index does not answer")
    for name, index in corrupted_copies(good_index):
        # The message must say how to repair it, not that there is no index.
        check_wmquery_fails(index, "a corrupted index (%s)" % name, "--rebuild")
        # wmindex must not crash or write into it silently either.
        r = wmindex("-q", "-d", index, GOOD, timeout=TIMEOUT)
        line = check_index_error(r, index, "wmindex on a corrupted index (%s)" % name)
        check("--rebuild" in line, "wmindex on a corrupted index (%s): %r" % (name, line))
        note("%s: %s" % (name, stderr_lines(r)[0]))


@test_or_skip
def rebuild_repairs_a_corrupted_index():
    # The corruption message tells the user to run `wmindex --rebuild`:
    # following that advice must give a working index.
    if "--rebuild" not in wmindex("--help").out:
        raise Skipped("wmindex has no --rebuild yet")
    good_index = build_index(GOOD)
    for name, index in corrupted_copies(good_index):
        r = wmindex("-q", "--rebuild", "-d", index, GOOD, timeout=TIMEOUT)
        check_clean(r, "wmindex --rebuild (%s)" % name)
        check(r.code == 0, "wmindex --rebuild on a corrupted index (%s)\n%r" % (name, r))
        check(query_ids(index, GOOD_WORD) == [GOOD_ID], "the rebuilt index (%s) does not answer" % name)


# --- a second wmindex, and wmquery, while one runs ------------------------------

class HeldIndexer:
    """A wmindex writing into index whose last input is a FIFO: while the
    block runs it holds the index and waits.  Leaving the block feeds it
    `text` (if any), closes the FIFO and waits for it."""

    def __init__(self, index, text=None, before=()):
        self.index = index
        self.text = text
        self.before = list(before)     # inputs read before the FIFO
        top = tmpdir()
        self.fifo = os.path.join(top, "dump.xml")
        os.mkfifo(self.fifo)
        self.fd = None

    def __enter__(self):
        self.proc = subprocess.Popen([WMINDEX, "-d", self.index] + self.before + [self.fifo],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.fd = open_fifo_writer(self.fifo, self.proc, time.monotonic() + TIMEOUT)
        if self.fd is None:
            self.proc.kill()
            out, err = self.proc.communicate()
            raise AssertionError("the first wmindex did not open the FIFO (exit %s: %s)"
                                 % (self.proc.returncode, err.strip()))
        return self

    def finish(self):
        """Feed the dump, close the FIFO; return (exit status, stderr)."""
        if self.text:
            os.write(self.fd, self.text.encode("utf-8"))
        os.close(self.fd)
        self.fd = None
        out, err = self.proc.communicate(timeout=TIMEOUT)
        return self.proc.returncode, err

    def __exit__(self, *exc):
        if self.fd is not None:
            os.close(self.fd)
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.communicate()
        return False


def check_second_wmindex_refused(index):
    start = time.monotonic()
    second = wmindex("-d", index, GOOD, timeout=TIMEOUT)
    took = time.monotonic() - start
    check_clean(second, "second wmindex")
    check(second.code == 3, "second wmindex: exit %s, expected 3\n%r" % (second.code, second))
    lines = stderr_lines(second)
    check(len(lines) == 1 and "another wmindex" in lines[0] and index in lines[0],
          "expected one line naming the index and saying another wmindex is updating it\n%r" % second)
    check(took < 10 * SLOW, "the second wmindex waited %.1f s instead of giving up at once" % took)
    note(lines[0])


@test
def second_wmindex_on_an_existing_index():
    index = build_index(GOOD)
    new_session = dump_xml(session_page("quokka", 401))
    with HeldIndexer(index, new_session) as first:
        check_second_wmindex_refused(index)
        # The same with -q and with other inputs: still refused, still exit 3.
        r = wmindex("-q", "-d", index, fixture("unified-0.11.xml"), timeout=TIMEOUT)
        check(r.code == 3 and len(stderr_lines(r)) == 1, "second wmindex -q\n%r" % r)
        # --list-sessions writes no index: the lock does not concern it.
        r = wmindex("--list-sessions", "-d", index, GOOD, timeout=TIMEOUT)
        check(r.code == 0 and len(r.jsonl()) == 1, "--list-sessions during a run\n%r" % r)
        # wmquery answers from the last commit while the writer holds the index.
        check(query_ids(index, GOOD_WORD) == [GOOD_ID], "wmquery during the run did not answer")
        r = wmquery("-d", index, "--count", "quokka", timeout=TIMEOUT)
        check(r.code == 1 and r.out.split() == ["0"], "the uncommitted session is visible\n%r" % r)
        r = wmquery("-d", index, "show", GOOD_ID, timeout=TIMEOUT)
        check(r.code == 0 and "narwhal" in r.out, "wmquery show during the run\n%r" % r)
        r = wmquery("-d", index, "list", "years", timeout=TIMEOUT)
        check(r.code == 0 and "2019" in r.out, "wmquery list during the run\n%r" % r)
        code, err = first.finish()
        check(code == 0, "first wmindex: exit %s\n%s" % (code, err))
    check(query_ids(index, "quokka") == ["wikimaniawiki:401"], "the first wmindex's session not indexed")
    check(query_ids(index, GOOD_WORD) == [GOOD_ID], "the earlier session was lost")
    # The lock is released: a run now works.
    r = wmindex("-q", "-d", index, GOOD, timeout=TIMEOUT)
    check(r.code == 0, "wmindex after the first ended\n%r" % r)


@test
def second_wmindex_on_an_index_being_created():
    index = os.path.join(tmpdir(), "new-index")
    with HeldIndexer(index, read_text(GOOD)) as first:
        check_second_wmindex_refused(index)
        # Nothing committed yet: an index with nothing in it (or none at all).
        r = wmquery("-d", index, "--count", GOOD_WORD, timeout=TIMEOUT)
        check_clean(r, "wmquery on an index being created")
        check((r.code == 1 and r.out.split() == ["0"]) or (r.code == 3 and len(stderr_lines(r)) == 1),
              "wmquery on an index being created: expected 0 matches or 'no index'\n%r" % r)
        code, err = first.finish()
        check(code == 0, "first wmindex: exit %s\n%s" % (code, err))
    check(query_ids(index, GOOD_WORD) == [GOOD_ID], "the first wmindex's dump not indexed")


@test
def wmquery_answers_during_commits():
    # wmindex commits after each file: run queries in a loop while it
    # indexes 150 one-session files, then waits on a FIFO.  Every query
    # must answer (Xapian readers can meet DatabaseModifiedError when a
    # commit recycles the blocks they read: the store retries), with a
    # count that never goes down.
    index = build_index(GOOD)
    top = tmpdir()
    files = []
    for i in range(150):
        files.append(write(os.path.join(top, "dump%03d.xml" % i),
                           dump_xml(session_page("quokka", 1000 + i, "kinkajou"))))
    fifo = os.path.join(top, "last.xml")
    os.mkfifo(fifo)
    proc = subprocess.Popen([WMINDEX, "-q", "-d", index] + files + [fifo],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    counts = []
    fd = None
    try:
        deadline = time.monotonic() + 120 * SLOW
        while time.monotonic() < deadline and proc.poll() is None:
            r = subprocess.run([WMQUERY, "-d", index, "--count", "kinkajou OR narwhal"],
                               capture_output=True, text=True, timeout=TIMEOUT)
            check(r.returncode == 0 and r.stderr == "",
                  "wmquery during indexing: exit %s, stderr %r" % (r.returncode, r.stderr))
            counts.append(int(r.stdout))
            if counts[-1] == 151:
                break
        check(counts and counts[-1] == 151, "the 150 files were not all visible: counts %s" % counts[-20:])
        fd = open_fifo_writer(fifo, proc, time.monotonic() + TIMEOUT)
        check(fd is not None, "wmindex ended before reading the FIFO")
        os.write(fd, dump_xml(session_page("wombat", 2000)).encode("utf-8"))
        os.close(fd)
        fd = None
        out, err = proc.communicate(timeout=TIMEOUT)
        check(proc.returncode == 0, "wmindex: exit %s\n%s" % (proc.returncode, err))
    finally:
        end_fifo_run(fd, proc)
    check(all(a <= b for a, b in zip(counts, counts[1:])), "the count went down: %s" % counts)
    note("%d queries during indexing, %d distinct counts" % (len(counts), len(set(counts))))
    check(len(query_ids(index, "kinkajou OR narwhal")) == 151, "sessions lost at the end of the run")


@test
def a_pipe_beside_dumps_of_the_same_wiki_is_kept():
    # A pipe (`wmindex DUMP <(bzcat export.xml.bz2)`) cannot be recorded
    # as a source, but what it held was read in this very run: the prune of
    # sessions gone from the newest whole-wiki dump (a file named
    # <dbname>-YYYYMMDD-...) must not remove it.
    dump = write(os.path.join(tmpdir(), "wikimaniawiki-20190615-pages-articles.xml"),
                 dump_xml(session_page("quokka", 401)))
    index = os.path.join(tmpdir(), "index")
    with HeldIndexer(index, dump_xml(session_page("wombat", 402)), before=[dump]) as first:
        code, err = first.finish()
        check(code == 0, "wmindex: exit %s\n%s" % (code, err))
    check(query_ids(index, "quokka") == ["wikimaniawiki:401"], "the file's session not indexed")
    check(query_ids(index, "wombat") == ["wikimaniawiki:402"],
          "the session read from the pipe was indexed, then removed as gone from the newest dumps (%s)"
          % err.strip())


def limit_file_size():
    """In the child: files may not grow past 256 KB (writes then fail with
    EFBIG, as on a full disk), and SIGXFSZ does not kill."""
    resource.setrlimit(resource.RLIMIT_FSIZE, (256 * 1024, resource.RLIM_INFINITY))
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)


@test
def a_write_failure_stops_wmindex_with_exit_3():
    # Xapian writes in wmindex's writer thread: the failure must still reach
    # the main thread, be said once, and stop the run with exit 3.
    pages = [session_page("word%d" % i, 1000 + i, "filler text " * 40) for i in range(3000)]
    dump = write(os.path.join(tmpdir(), "big.xml"), dump_xml(*pages))
    index = os.path.join(tmpdir(), "index")
    # Full allocation stacks under ASan (libxapian has no frame pointers):
    # tests/lsan.supp names the leak Xapian has when a write fails.
    env = dict(os.environ, ASAN_OPTIONS=os.environ.get("ASAN_OPTIONS", "") + ":fast_unwind_on_malloc=0")
    proc = subprocess.run([WMINDEX, "-d", index, "--commit-every", "500", dump], capture_output=True,
                          text=True, timeout=TIMEOUT, preexec_fn=limit_file_size, env=env)
    r = Run(proc)
    check_clean(r, "wmindex on a size-limited disk")
    check(r.code == 3, "exit %s, expected 3\n%r" % (r.code, r))
    lines = [line for line in stderr_lines(r) if "cannot" in line]
    check(len(lines) == 1, "expected one error line\n%r" % r)
    check(index in lines[0] and "File too large" in lines[0] and "damaged" not in lines[0],
          "the message should name the index and the system's reason: %r" % lines[0])
    # The index is as of its last commit: it opens and answers.
    q = wmquery("-d", index, "--count", "", timeout=TIMEOUT)
    check(q.code in (0, 1), "wmquery after the failed run: %r" % q)


done()
