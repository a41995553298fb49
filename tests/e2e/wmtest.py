"""Helpers for the end-to-end tests: a tiny TAP producer and runners for the
real wmindex/wmquery binaries.

Each test file calls `test(name)` as a decorator or `ok(cond, name)` and ends
with `done()`.  Paths come from the environment the Makefile sets:
WM_BUILDDIR (binaries) and WM_SRCDIR (sources, data/sample, tests/fixtures).
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
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
