#!/usr/bin/env python3
"""End-to-end: the command-line contract of wmindex and wmquery that does not
depend on what is in the dumps: --help/--version, usage errors, where the
index goes (-d over $WMSEARCH_INDEX over $XDG_DATA_HOME over ~/.local/share),
an index that cannot be written, what goes to stdout/stderr, and a second
wmindex while one holds the index."""
import os
import re
import subprocess
import time
import traceback

from wmtest import (WMINDEX, WMQUERY, build_index, check, check_clean, done, end_fifo_run, fixture, ok,
                    open_fifo_writer, query_ids, read_text, skip, split_pages, stderr_lines, test, tmpdir,
                    wmindex, wmquery, write)

TIMEOUT = 60
GOOD = fixture("history.xml")          # one session, wikimaniawiki:301, abstract word "narwhal"
GOOD_ID = "wikimaniawiki:301"
SIX = fixture("unified-0.11.xml")      # six sessions


@test
def help_and_version_exit_0():
    for prog, run in (("wmindex", wmindex), ("wmquery", wmquery)):
        r = run("--help")
        check(r.code == 0, "%s --help\n%r" % (prog, r))
        check(r.out.startswith("Usage: " + prog), "%s --help: %r" % (prog, r.out[:200]))
        check("--index" in r.out, "%s --help does not list --index" % prog)
        r = run("-h")
        check(r.code == 0 and r.out.startswith("Usage: "), "%s -h\n%r" % (prog, r))
        for flag in ("--version", "-V"):
            r = run(flag)
            check(r.code == 0, "%s %s\n%r" % (prog, flag, r))
            check(prog in r.out and re.search(r"\d+\.\d+", r.out), "%s %s: %r" % (prog, flag, r.out))


@test
def unknown_option_exit_2():
    for prog, run in (("wmindex", wmindex), ("wmquery", wmquery)):
        r = run("--no-such-option", "x")
        check(r.code == 2, "%s --no-such-option: exit %s\n%r" % (prog, r.code, r))
        check(r.out == "", "%s printed on stdout for a usage error: %r" % (prog, r.out))
        check(stderr_lines(r), "%s: no message for an unknown option" % prog)


@test
def wmquery_bad_option_values_exit_2():
    index = build_index(GOOD)
    for args in (("--limit", "many"), ("--offset", "-3"), ("--format", "xml"), ("--sort", "bogus")):
        r = wmquery("-d", index, *(args + ("narwhal",)))
        check(r.code == 2, "wmquery %s: exit %s\n%r" % (" ".join(args), r.code, r))
        check(stderr_lines(r) and stderr_lines(r)[0].startswith("wmquery: "), r)


@test
def wmquery_option_messages_say_wmquery_and_suggest():
    cases = [(("--lmit", "3", "x"), "wmquery: unknown option '--lmit'; did you mean '--limit'?"),
             (("--formt=json", "x"), "wmquery: unknown option '--formt'; did you mean '--format'?"),
             (("--sprt", "newest", "x"), "wmquery: unknown option '--sprt'; did you mean '--sort'?"),
             (("--no-such-option", "x"), "wmquery: unknown option '--no-such-option'"),
             (("--co", "x"), "wmquery: option '--co' is ambiguous (--count, --color, --colour)"),
             (("--count=yes", "x"), "wmquery: option '--count' takes no value"),
             (("x", "--limit"), "wmquery: option '--limit' needs a value"),
             (("x", "-n"), "wmquery: option '-n' needs a value"),
             (("-y", "x"), "wmquery: unknown option '-y'")]
    for args, want in cases:
        r = wmquery(*args)
        lines = stderr_lines(r)
        check(r.code == 2 and r.out == "", "wmquery %s: exit %s\n%r" % (" ".join(args), r.code, r))
        check(lines and lines[0] == want, "wmquery %s said %r, not %r" % (" ".join(args), lines, want))
        check(all(line.startswith(("wmquery: ", "Try 'wmquery --help'")) for line in lines),
              "a line without the wmquery: prefix: %r" % lines)
        check(len(lines) == 2, "one message and one hint: %r" % lines)


@test
def wmindex_option_messages_say_wmindex_and_suggest():
    cases = [(("--lsit-sessions",), "wmindex: unknown option '--lsit-sessions'; did you mean '--list-sessions'?"),
             (("--r",), "wmindex: option '--r' is ambiguous (--rules, --rebuild)"),
             (("--rebuild=yes",), "wmindex: option '--rebuild' takes no value"),
             (("--commit-every",), "wmindex: option '--commit-every' needs a value"),
             (("--commit-every", "0"), "wmindex: --commit-every needs a positive number, not '0'"),
             (("--format", "xml", "--stats"), "wmindex: unknown --format 'xml' (use text or json)"),
             (("-d",), "wmindex: option '-d' needs a value"),
             (("-y",), "wmindex: unknown option '-y'")]
    env = {"WMSEARCH_INDEX": os.path.join(tmpdir(), "index")}   # should one be taken after all
    for args, want in cases:
        r = wmindex(*args, env=env)
        lines = stderr_lines(r)
        check(r.code == 2 and r.out == "", "wmindex %s: exit %s\n%r" % (" ".join(args), r.code, r))
        check(lines == [want, "Try 'wmindex --help' for more information."],
              "wmindex %s said %r, not %r" % (" ".join(args), lines, want))


@test
def help_names_only_options_the_programs_know():
    # Bash completion offers the options --help names: each must be one the
    # program reads.  "--NAME=x --help" never runs anything: the option is
    # refused (a flag given a value, a bad value) or --help ends the reading.
    for prog, run in (("wmindex", wmindex), ("wmquery", wmquery)):
        names = sorted(set(re.findall(r"--[a-z][a-z-]*", run("--help").out)))
        check(len(names) >= 10, "%s --help names %r" % (prog, names))
        for name in names:
            r = run(name + "=x", "--help")
            check("unknown option" not in r.err and "ambiguous" not in r.err,
                  "%s --help names %s, which it does not know: %r" % (prog, name, r.err))


@test
def wmquery_without_query_exit_2():
    index = build_index(GOOD)
    r = wmquery("-d", index)
    check(r.code == 2, "wmquery with no query: exit %s\n%r" % (r.code, r))
    check(r.out == "", r)
    lines = stderr_lines(r)
    check(len(lines) == 1 and lines[0].startswith("wmquery: no query given") and r.err.count("--help") == 1,
          "bare wmquery: one line with one usage hint, got %r" % lines)


def tree(path):
    """Every file under path, relative, with its size."""
    found = {}
    for root, _, files in os.walk(path):
        for name in files:
            full = os.path.join(root, name)
            found[os.path.relpath(full, path)] = os.path.getsize(full)
    return found


@test
def index_option_refuses_a_directory_of_other_files():
    home = tmpdir()
    write(os.path.join(home, "notes.txt"), "my notes\n")
    os.mkdir(os.path.join(home, "photos"))
    before = tree(home)
    for args in (("-d", home, GOOD), ("--rebuild", "-d", home, GOOD), ("--index", home, GOOD)):
        r = wmindex(*args, timeout=TIMEOUT)
        check_clean(r, "wmindex %s" % " ".join(args))
        check(r.code == 3, "wmindex %s: exit %s, expected 3\n%r" % (" ".join(args), r.code, r))
        lines = stderr_lines(r)
        check(lines and lines[0].startswith("wmindex: ") and home in lines[0] and "not a wmsearch index" in lines[0],
              "wmindex %s: %r" % (" ".join(args), lines))
        check(tree(home) == before, "wmindex %s wrote into the directory: %s" % (" ".join(args), tree(home)))
    r = wmquery("-d", home, "narwhal")
    check(r.code == 3 and "not a wmsearch index" in r.err and r.err.startswith("wmquery: "), r)
    check(tree(home) == before, "wmquery wrote into the directory")
    # An empty directory and a missing one are where a new index goes.
    empty = tmpdir()
    for index in (empty, os.path.join(tmpdir(), "new", "index")):
        r = wmindex("-q", "-d", index, GOOD, timeout=TIMEOUT)
        check(r.code == 0, "wmindex -d %s\n%r" % (index, r))
        check(query_ids(index, "narwhal") == [GOOD_ID], "nothing indexed in %s" % index)
        r = wmindex("-q", "-d", index, GOOD, timeout=TIMEOUT)   # and its own index again
        check(r.code == 0, "wmindex -d %s a second time\n%r" % (index, r))


@test
def unwritable_index_location_exit_3():
    blocker = write(os.path.join(tmpdir(), "a-regular-file"), "not a directory\n")
    index = os.path.join(blocker, "index")
    r = wmindex("-d", index, GOOD, timeout=TIMEOUT)
    check_clean(r, "wmindex -d under a file")
    check(r.code == 3, "exit %s, expected 3\n%r" % (r.code, r))
    check(any(blocker in line for line in stderr_lines(r)), "the message does not name the index\n%r" % r)
    check(r.out == "", r)
    r = wmquery("-d", index, "narwhal")
    check(r.code == 3, "wmquery on an index under a file: exit %s\n%r" % (r.code, r))


def has_index(path):
    return os.path.isdir(path) and len(os.listdir(path)) > 0


@test
def index_location_precedence():
    top = tmpdir()
    home = os.path.join(top, "home")
    os.makedirs(home)
    xdg = os.path.join(top, "xdg")
    env_index = os.path.join(top, "env-index")
    opt_index = os.path.join(top, "opt-index")
    at_xdg = os.path.join(xdg, "wmsearch", "index")
    at_home = os.path.join(home, ".local", "share", "wmsearch", "index")
    every = (opt_index, env_index, at_xdg, at_home)
    full = {"HOME": home, "XDG_DATA_HOME": xdg, "WMSEARCH_INDEX": env_index}
    cases = [
        (["-d", opt_index], full, opt_index),
        ([], full, env_index),
        ([], {"HOME": home, "XDG_DATA_HOME": xdg}, at_xdg),
        ([], {"HOME": home, "XDG_DATA_HOME": ""}, at_home),
    ]
    for args, env, expected in cases:
        present_before = {p for p in every if has_index(p)}
        r = wmindex("-q", *(args + [GOOD]), env=env, timeout=TIMEOUT)
        check_clean(r, "wmindex")
        check(r.code == 0, "wmindex %s with %s\n%r" % (args, env, r))
        created = {p for p in every if has_index(p)} - present_before
        check(created == {expected}, "with %s %s the index went to %s, expected %s"
              % (args, env, sorted(created), expected))
        # wmquery finds it the same way.
        q = wmquery("--format", "json", *(args + ["narwhal"]), env=env)
        check(q.code == 0 and [h["id"] for h in q.json()["results"]] == [GOOD_ID],
              "wmquery with %s %s does not find the index\n%r" % (args, env, q))


@test
def no_progress_line_in_a_pipe_and_summary_on_stderr():
    index = os.path.join(tmpdir(), "index")
    r = wmindex("-d", index, SIX, timeout=TIMEOUT)
    check_clean(r, "wmindex")
    check(r.code == 0, r)
    check(r.out == "", "wmindex printed on stdout: %r" % r.out)
    check("\r" not in r.err and "\033[" not in r.err, "progress line in a pipe: %r" % r.err)
    lines = stderr_lines(r)
    # The totals, then one line per wiki: "wmindex:   wikimaniawiki: ...".
    check(len(lines) == 2 and lines[1].startswith("wmindex:   wikimaniawiki: "),
          "expected the totals and one line for the wiki\n%r" % r)
    check(re.search(r"(?<![\d.])6 sessions\b", lines[0]),
          "the summary does not give the 6 sessions: %r" % lines[0])


def run_on_a_terminal(args, fifo, pieces, pause):
    """Run wmindex with stderr on a pseudo-terminal, feeding the dump through
    a FIFO in pieces with a pause between them (so that a progress line is
    due).  Return (exit status, what the terminal got)."""
    master, slave = os.openpty()
    proc = subprocess.Popen([WMINDEX] + args + [fifo], stdout=subprocess.DEVNULL, stderr=slave)
    os.close(slave)
    try:
        with open(fifo, "wb") as f:
            for piece in pieces:
                f.write(piece.encode("utf-8"))
                f.flush()
                time.sleep(pause)
        chunks = []
        while True:
            try:
                data = os.read(master, 4096)
            except OSError:         # EIO: the terminal's other end is closed
                break
            if not data:
                break
            chunks.append(data)
        return proc.wait(timeout=TIMEOUT), b"".join(chunks).decode("utf-8", "replace")
    finally:
        os.close(master)
        if proc.poll() is None:
            proc.kill()
            proc.wait()


@test
def progress_line_on_a_terminal_only():
    # The positive control of the pipe test above: on a terminal wmindex
    # redraws a progress line (with \r); -q turns it off.
    pieces = split_pages(read_text(SIX), 4)
    top = tmpdir()
    fifo = os.path.join(top, "dump.xml")
    os.mkfifo(fifo)
    code, err = run_on_a_terminal(["-d", os.path.join(top, "index")], fifo, pieces, 0.25)
    check(code == 0, "exit %s\n%s" % (code, err))
    # README: the progress line shows files, MB read, sessions and rate.
    redrawn = [part for part in err.split("\r") if "MB" in part and "session" in part]
    check(redrawn, "no progress line on a terminal: %r" % err)
    check(re.search(r"(?<![\d.])6 sessions\b", err), "no summary on the terminal: %r" % err)
    code, err = run_on_a_terminal(["-q", "-d", os.path.join(top, "index2")], fifo, pieces, 0.25)
    check(code == 0 and err == "", "-q on a terminal printed %r" % err)


@test
def quiet_prints_nothing_on_success():
    index = os.path.join(tmpdir(), "index")
    r = wmindex("-q", "-d", index, SIX, timeout=TIMEOUT)
    check(r.code == 0, r)
    check(r.out == "" and r.err == "", "-q printed something\n%r" % r)
    check(len(query_ids(index, "wikidata")) >= 1, "-q run did not index")


@test
def list_sessions_writes_no_index():
    index = os.path.join(tmpdir(), "index")
    r = wmindex("--list-sessions", "-d", index, SIX, timeout=TIMEOUT)
    check(r.code == 0, r)
    check(len(r.jsonl()) == 6, "expected 6 JSON lines\n%r" % r)
    check(not has_index(index), "--list-sessions created an index at %s" % index)


@test
def output_that_cannot_be_written_is_an_error():
    """--list-sessions and --stats into a full disk (/dev/full) exit 1 and
    say so; before, the lost output went unnoticed (exit 0)."""
    index = build_index(GOOD)
    for args in (("--list-sessions", SIX), ("-d", index, "--stats")):
        with open("/dev/full", "w") as full:
            proc = subprocess.run([WMINDEX] + list(args), stdout=full, stderr=subprocess.PIPE,
                                  text=True, timeout=TIMEOUT)
        check(proc.returncode == 1, "wmindex %s > /dev/full: exit %s\n%s"
              % (" ".join(args), proc.returncode, proc.stderr))
        check("wmindex: cannot write the output: " in proc.stderr,
              "wmindex %s > /dev/full: no message\n%s" % (" ".join(args), proc.stderr))


@test
def wmquery_output_that_cannot_be_written_is_an_error():
    """wmquery > /dev/full exits 1 and says so, in text and json, for a
    search, --count and show; before, it exited 0."""
    index = build_index(GOOD)
    some_id = wmquery("-d", index, "--format", "ids", "-n", "1", "").out.split()[0]
    for args in (("wikipedia",), ("--format", "json", "wikipedia"), ("--count", ""), ("show", some_id)):
        with open("/dev/full", "w") as full:
            proc = subprocess.run([WMQUERY, "-d", index] + list(args), stdout=full, stderr=subprocess.PIPE,
                                  text=True, timeout=TIMEOUT)
        check(proc.returncode == 1, "wmquery %s > /dev/full: exit %s\n%s"
              % (" ".join(args), proc.returncode, proc.stderr))
        check("wmquery: cannot write the output: " in proc.stderr,
              "wmquery %s > /dev/full: no message\n%s" % (" ".join(args), proc.stderr))


def second_wmindex_while_one_holds_the_index():
    # Deterministic: the first wmindex reads a FIFO, so it opens the index
    # (taking the lock) and then blocks on the FIFO until we write the dump.
    top = tmpdir()
    index = os.path.join(top, "index")
    fifo = os.path.join(top, "dump.xml")
    os.mkfifo(fifo)
    first = subprocess.Popen([WMINDEX, "-q", "-d", index, fifo], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    fd = None
    try:
        fd = open_fifo_writer(fifo, first, time.monotonic() + 30)
        if fd is None:
            first.kill()
            out, err = first.communicate()
            return "the first wmindex did not read the FIFO (exit %s: %s)" % (first.returncode, err.strip())
        second = wmindex("-d", index, GOOD, timeout=TIMEOUT)
        check_clean(second, "second wmindex")
        check(second.code == 3, "second wmindex: exit %s, expected 3\n%r" % (second.code, second))
        check(any("another wmindex" in line for line in stderr_lines(second)),
              "no 'another wmindex' message\n%r" % second)
        os.write(fd, read_text(GOOD).encode("utf-8"))
        os.close(fd)
        fd = None
        out, err = first.communicate(timeout=TIMEOUT)
        check(first.returncode == 0, "first wmindex: exit %s\n%s" % (first.returncode, err))
        check(query_ids(index, "narwhal") == [GOOD_ID], "the first wmindex's dump not indexed")
        # And with the lock released, a second run works.
        r = wmindex("-q", "-d", index, GOOD, timeout=TIMEOUT)
        check(r.code == 0, r)
        return None
    finally:
        end_fifo_run(fd, first)


try:
    reason = second_wmindex_while_one_holds_the_index()
    if reason:
        skip("locked_index_exit_3", reason)
    else:
        ok(True, "locked_index_exit_3")
except Exception:
    ok(False, "locked_index_exit_3", traceback.format_exc())

done()
