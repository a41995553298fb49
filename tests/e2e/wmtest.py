"""Helpers for the end-to-end tests: a tiny TAP producer and runners for the
real wmindex/wmquery binaries.

Each test file calls `test(name)` as a decorator or `ok(cond, name)` and ends
with `done()`.  Paths come from the environment the Makefile sets:
WM_BUILDDIR (binaries) and WM_SRCDIR (sources, data/sample, tests/fixtures).
"""
import errno
import json
import re
import os
import shutil
import subprocess
import sys
import tempfile
import time
import traceback

BUILDDIR = os.environ.get("WM_BUILDDIR") or os.getcwd()
SRCDIR = os.environ.get("WM_SRCDIR") or os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
WMINDEX = os.path.join(BUILDDIR, "wmindex")
WMQUERY = os.path.join(BUILDDIR, "wmquery")
SAMPLE_DIR = os.path.join(SRCDIR, "data", "sample")
FIXTURES = os.path.join(SRCDIR, "tests", "fixtures")
REAL_DUMPS = os.path.normpath(os.path.join(SRCDIR, "..", "shared", "real-dumps"))

_count = 0
_failed = 0
_tmp = tempfile.mkdtemp(prefix="wmtest-")


def tmpdir():
    """A fresh directory under this test file's scratch area."""
    return tempfile.mkdtemp(dir=_tmp)


def ok(cond, name, diag=None):
    global _count, _failed
    _count += 1
    if cond:
        print("ok %d - %s" % (_count, name))
    else:
        _failed += 1
        print("not ok %d - %s" % (_count, name))
        if diag:
            for line in str(diag).splitlines():
                print("# " + line)
    sys.stdout.flush()
    return cond


def skip(name, reason):
    global _count
    _count += 1
    print("ok %d - %s # SKIP %s" % (_count, name, reason))


def test(fn):
    """Run fn() now as one test point; an AssertionError or exception fails it."""
    try:
        fn()
        ok(True, fn.__name__)
    except Exception:
        ok(False, fn.__name__, traceback.format_exc())
    return fn


def done():
    print("1..%d" % _count)
    shutil.rmtree(_tmp, ignore_errors=True)
    sys.exit(0)


class Run:
    def __init__(self, proc):
        self.code = proc.returncode
        self.out = proc.stdout
        self.err = proc.stderr

    def json(self):
        return json.loads(self.out)

    def jsonl(self):
        return [json.loads(line) for line in self.out.splitlines() if line.strip()]

    def __repr__(self):
        return "exit %s\nstdout:\n%s\nstderr:\n%s" % (self.code, self.out[-3000:], self.err[-3000:])


def run(argv, env=None, timeout=300, stdin=None):
    full_env = dict(os.environ)
    full_env.pop("WMSEARCH_INDEX", None)
    if env:
        full_env.update(env)
    proc = subprocess.run(argv, capture_output=True, text=True, env=full_env,
                          timeout=timeout, input=stdin, errors="replace")
    return Run(proc)


def wmindex(*args, **kw):
    return run([WMINDEX] + list(args), **kw)


def wmquery(*args, **kw):
    return run([WMQUERY] + list(args), **kw)


def check(cond, what):
    """assert that also works under python -O and says what failed."""
    if not cond:
        raise AssertionError(what)


def sh(cmd, cwd=None):
    """Run a shell command (compressing fixtures with the real tools)."""
    subprocess.run(cmd, shell=True, check=True, cwd=cwd)


def write(path, text, mode="w"):
    with open(path, mode) as f:
        f.write(text)
    return path


# --- shared helpers for the e2e files (added with the e2e suite) -------------

E2E_FIXTURES = os.path.join(FIXTURES, "e2e")
SAMPLE_DUMPS = [os.path.join(SAMPLE_DIR, name) for name in
                ("wikimaniawiki-sample.xml.bz2", "wikimania2014wiki-sample.xml.gz")]
SANITIZER_MARKS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:",
                   "AddressSanitizer:", "UndefinedBehaviorSanitizer", "Segmentation fault",
                   "core dumped")


def fixture(name):
    return os.path.join(E2E_FIXTURES, name)


def read_text(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def split_pages(xml, parts):
    """Split a dump's text into `parts` pieces at <page> boundaries, the way a
    multistream dump is cut: the first piece is the header up to the first
    page, the last ends with </mediawiki>.  Concatenated they give xml back."""
    starts = []
    pos = xml.find("  <page>")
    while pos >= 0:
        starts.append(pos)
        pos = xml.find("  <page>", pos + 1)
    check(len(starts) >= parts - 1, "not enough pages to split into %d parts" % parts)
    cuts = [starts[0]] + [starts[len(starts) * i // (parts - 1)] for i in range(1, parts - 1)]
    cuts = sorted(set(cuts))
    bounds = [0] + cuts + [len(xml)]
    pieces = [xml[a:b] for a, b in zip(bounds, bounds[1:])]
    check("".join(pieces) == xml, "split lost bytes")
    return pieces


def compress_pieces(tool, pieces, path):
    """Compress each text piece on its own with the real tool (gzip or bzip2)
    and concatenate the outputs: several gzip members / bzip2 streams."""
    with open(path, "wb") as out:
        for piece in pieces:
            proc = subprocess.run([tool, "-c"], input=piece.encode("utf-8"),
                                  capture_output=True, check=True)
            out.write(proc.stdout)
    return path


def compress_file(tool, src, dst):
    """Compress one file with the real tool into dst (tool: gzip, bzip2, xz)."""
    with open(src, "rb") as f:
        data = f.read()
    proc = subprocess.run([tool, "-c"], input=data, capture_output=True, check=True)
    with open(dst, "wb") as out:
        out.write(proc.stdout)
    return dst


def sanitizer_report(text):
    """The first sanitizer or crash mark found in text, or None."""
    for mark in SANITIZER_MARKS:
        if mark in text:
            return mark
    return None


def check_clean(r, what):
    """The run did not crash: no signal, no sanitizer report."""
    check(r.code is not None and r.code >= 0, "%s: killed by signal\n%r" % (what, r))
    mark = sanitizer_report(r.err)
    check(mark is None, "%s: sanitizer/crash report %r in stderr\n%r" % (what, mark, r))


def list_sessions(*paths, **kw):
    """wmindex --list-sessions PATH...: return (Run, {id: session})."""
    r = wmindex("--list-sessions", *paths, timeout=kw.pop("timeout", 60), **kw)
    check_clean(r, "wmindex --list-sessions")
    sessions = {}
    for s in r.jsonl():
        check(s["id"] not in sessions, "session %s listed twice" % s["id"])
        sessions[s["id"]] = s
    return r, sessions


def build_index(*paths, **kw):
    """Index paths into a fresh temporary index; return its directory."""
    index = kw.pop("index", None) or os.path.join(tmpdir(), "index")
    r = wmindex("-q", "-d", index, *paths, timeout=kw.pop("timeout", 120), **kw)
    check_clean(r, "wmindex")
    check(r.code == 0, "wmindex -d %s %s failed\n%r" % (index, " ".join(paths), r))
    return index


def query_json(index, *args, **kw):
    """wmquery -d index --format json ARGS: return (Run, parsed JSON or None)."""
    r = wmquery("-d", index, "--format", "json", *args, timeout=kw.pop("timeout", 60), **kw)
    check_clean(r, "wmquery")
    return r, (r.json() if r.code == 0 else None)


def query_ids(index, *args):
    """The ids of every session the query matches (all pages), as a list in rank order."""
    r, data = query_json(index, "--limit", "100000", *args)
    if r.code == 1:
        return []
    check(r.code == 0, "wmquery %s failed\n%r" % (" ".join(args), r))
    return [hit["id"] for hit in data["results"]]


def count(index, *args):
    """wmquery --count ARGS: the number printed (0 with exit 1)."""
    r = wmquery("-d", index, "--count", *args, timeout=60)
    check_clean(r, "wmquery --count")
    check(r.code in (0, 1), "wmquery --count %s: exit %s\n%r" % (" ".join(args), r.code, r))
    lines = r.out.split()
    check(len(lines) == 1 and lines[0].isdigit(), "--count printed %r" % r.out)
    n = int(lines[0])
    check((n == 0) == (r.code == 1), "--count %s printed %d with exit %d" % (" ".join(args), n, r.code))
    return n


def stderr_lines(r):
    return [line for line in r.err.splitlines() if line.strip()]


def note(text):
    """A TAP diagnostic line (what a test chose to check, for the log)."""
    for line in str(text).splitlines():
        print("# " + line)
    sys.stdout.flush()


# --- hostile input, index errors and valgrind (added with issue 5) ----------

def is_asan_build(binary=None):
    """Whether binary (default wmindex) was built with AddressSanitizer: it
    then needs more memory, and valgrind cannot run it."""
    with open(binary or WMINDEX, "rb") as f:
        return b"__asan_init" in f.read()


GNU_TIME = "/usr/bin/time"


def run_measured(argv, env=None, timeout=300):
    """Like run(), also measuring the program: the Run gets peak_kb (peak
    resident set, KiB) and seconds (wall clock).  A run past the timeout is
    killed and raises subprocess.TimeoutExpired.

    The peak comes from GNU time, a small C program that forks the command:
    the kernel carries a process's peak over exec, so a program started
    straight from this (big) Python process would be charged Python's peak.
    Without GNU time, wait4's figure is used: an upper bound."""
    import signal
    import time
    full_env = dict(os.environ)
    full_env.pop("WMSEARCH_INDEX", None)
    if env:
        full_env.update(env)
    use_time = os.access(GNU_TIME, os.X_OK)
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err, \
            tempfile.NamedTemporaryFile(mode="r") as report:
        command = ([GNU_TIME, "-f", "%M", "-o", report.name] if use_time else []) + list(argv)
        start = time.monotonic()
        proc = subprocess.Popen(command, stdout=out, stderr=err, env=full_env, start_new_session=True)
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() - start > timeout:
                os.killpg(proc.pid, signal.SIGKILL)
                os.wait4(proc.pid, 0)
                proc.returncode = -9
                raise subprocess.TimeoutExpired(argv, timeout)
            time.sleep(0.02)
        proc.returncode = os.waitstatus_to_exitcode(status)
        seconds = time.monotonic() - start
        peak_kb = usage.ru_maxrss
        if use_time:
            lines = report.read().split("\n")
            lines = [line for line in lines if line.strip()]
            peak_kb = int(lines[-1])
            for line in lines:
                if line.startswith("Command terminated by signal "):
                    proc.returncode = -int(line.split()[-1])
        out.seek(0)
        err.seek(0)
        proc.stdout = out.read().decode("utf-8", "replace")
        proc.stderr = err.read().decode("utf-8", "replace")
    r = Run(proc)
    r.peak_kb = peak_kb
    r.seconds = seconds
    return r


def xml_escape(text):
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def dump_head():
    """The XML of a 2019-era unified-wiki dump up to its first page (the
    siteinfo of the history fixture)."""
    text = read_text(fixture("history.xml"))
    return text[:text.index("  <page>")]


def session_text(word, extra=""):
    """Wikitext of a 2019 session page whose title and abstract hold word
    (a made-up word no other fixture uses), extra appended to the abstract."""
    return ("=== Title ===\nA talk about the %s\n=== Description ===\nThe %s abstract. %s\n"
            "=== Session leader(s) ===\n* [[User:Someone|Some One]]\n"
            "=== Session type ===\n* Presentation\n") % (word, word, extra)


def page_xml(title, page_id, text, escaped=False, ns=3002):
    """One <page> with one revision; text is XML-escaped unless escaped."""
    body = text if escaped else xml_escape(text)
    return ("  <page>\n    <title>%s</title>\n    <ns>%d</ns>\n    <id>%d</id>\n"
            "    <revision>\n      <id>%d</id>\n      <timestamp>2019-06-15T09:00:00Z</timestamp>\n"
            "      <contributor><username>Someone</username><id>7</id></contributor>\n"
            "      <model>wikitext</model>\n      <format>text/x-wiki</format>\n"
            "      <text xml:space=\"preserve\">%s</text>\n    </revision>\n  </page>\n"
            % (xml_escape(title), ns, page_id, page_id * 10, body))


def session_page(word, page_id, extra=""):
    """A session page 2019:Technology/<word> (id wikimaniawiki:<page_id>)."""
    return page_xml("2019:Technology/The %s talk" % word, page_id, session_text(word, extra))


def dump_xml(*pages):
    """A whole dump: head, the pages given (XML text), end."""
    return dump_head() + "".join(pages) + "</mediawiki>\n"


def speaker_names(session):
    """The speakers' display names of a listed or found session: the JSON gives
    each speaker as an object with "name" (and "username", ...) or, in the
    first form of the output, as a plain string."""
    return [sp["name"] if isinstance(sp, dict) else sp for sp in session.get("speakers") or []]


def speaker_usernames(session):
    """The speakers' usernames (None where unknown), or None when the JSON
    carries names only."""
    speakers = session.get("speakers") or []
    if not all(isinstance(sp, dict) for sp in speakers) or not speakers:
        return None
    return [sp.get("username") for sp in speakers]


class Skipped(Exception):
    """Raised inside a test_or_skip function: the test point is a skip, the
    exception's text its reason."""


def test_or_skip(fn):
    """Like test(), and a Skipped raised by fn() makes the point a skip."""
    try:
        fn()
        ok(True, fn.__name__)
    except Skipped as e:
        skip(fn.__name__, str(e))
    except Exception:
        ok(False, fn.__name__, traceback.format_exc())
    return fn


# --- schedule exports made to order (issue 9: event, status, speaker codes) --

def schedule_export(path, title, acronym, date, talks):
    """Write a pretalx-style schedule export (the shape of
    tests/fixtures/eras/pretalx-2021-schedule.json) of the conference `title`
    to path.  Each talk is a dict: code, title, abstract, and optionally
    state (pretalx's word: "accepted", "rejected", ...), type, persons (a
    list of (code, name)).  A talk without "state" has none in the file."""
    entries = []
    for n, talk in enumerate(talks):
        entry = {
            "guid": "00000000-0000-4000-8000-%012d" % n, "code": talk["code"], "id": 1000 + n,
            "date": "%sT%02d:00:00+00:00" % (date, 9 + n % 8), "start": "%02d:00" % (9 + n % 8),
            "duration": "00:30", "room": "Main",
            "url": "https://pretalx.example/%s/talk/%s/" % (acronym, talk["code"]),
            "title": talk["title"], "subtitle": "", "track": talk.get("track"),
            "type": talk.get("type", "Talk"), "language": "en",
            "abstract": talk["abstract"], "description": "",
            "persons": [{"code": c, "name": name, "public_name": name, "biography": None}
                        for c, name in talk.get("persons", [])],
        }
        if "state" in talk:
            entry["state"] = talk["state"]
        entries.append(entry)
    root = {"schedule": {"version": "1.0", "conference": {
        "acronym": acronym, "title": title, "start": date, "end": date, "daysCount": 1,
        "days": [{"index": 1, "date": date, "rooms": {"Main": entries}}]}}}
    with open(path, "w", encoding="utf-8") as f:
        json.dump(root, f, indent=1)
    return path


# --- feeding wmindex through a FIFO ------------------------------------------

def open_fifo_writer(path, proc, deadline):
    """Open the FIFO at path for writing once its reader (wmindex, proc) has it
    open: the fd, or None if proc ended or the deadline passed first."""
    while time.monotonic() < deadline:
        try:
            fd = os.open(path, os.O_WRONLY | os.O_NONBLOCK)
            os.set_blocking(fd, True)
            return fd
        except OSError as e:
            if e.errno != errno.ENXIO:
                raise
        if proc.poll() is not None:
            return None
        time.sleep(0.02)
    return None


def end_fifo_run(fd, proc):
    """Whatever a test fed proc through a FIFO came to: close the writing end
    (fd, None when closed) and kill proc if it still runs."""
    if fd is not None:
        os.close(fd)
    if proc.poll() is None:
        proc.kill()
        proc.communicate()


# --- a store-level dump: every document's data, values and terms -----------

def store_dump(index):
    """{session id: (data, values, terms)} read with xapian-delve, which
    knows nothing of wmsearch (Xapian document ids are left out: a document
    deleted and added again gets a new one)."""
    values = subprocess.run(["xapian-delve", "-V8", index], capture_output=True, text=True,
                            check=True).stdout
    listed = values.split(":", 1)[1] if ":" in values else ""
    docids = re.findall(r"(?:^|\s)(\d+):", listed)
    docs = {}
    for start in range(0, len(docids), 200):
        args = ["xapian-delve", "-d", "-V"]
        for docid in docids[start:start + 200]:
            args += ["-r", docid]
        out = subprocess.run(args + [index], capture_output=True, text=True, check=True,
                             errors="replace").stdout
        vals = dict(re.findall(r"^Values for record #(\d+): (.*)$", out, re.M))
        terms = dict(re.findall(r"^Term List for record #(\d+): (.*)$", out, re.M))
        for docid, data in re.findall(r"^Data for record #(\d+):\n(.*?)\n"
                                      r"(?=Data for record #|Term List for record #|\Z)",
                                      out, re.M | re.S):
            session_id = re.search(r"^id=(.*)$", data, re.M).group(1)
            check(session_id not in docs, "two documents for %s" % session_id)
            docs[session_id] = (data, vals.get(docid), terms.get(docid))
    return docs


def check_same_index(got, want, what):
    if got == want:
        return
    missing = sorted(set(want) - set(got))[:5]
    extra = sorted(set(got) - set(want))[:5]
    differ = [k for k in sorted(set(got) & set(want)) if got[k] != want[k]][:3]
    detail = "; ".join("%s:\n  got  %r\n  want %r" % (k, got[k], want[k]) for k in differ)
    raise AssertionError("%s: %d documents, expected %d; missing %s, extra %s, differ %s"
                         % (what, len(got), len(want), missing, extra, detail[:3000]))
