#!/usr/bin/env python3
"""End-to-end: dumps that real MediaWiki installations produced (from public
test suites, in ../shared/real-dumps) hold no Wikimania session: each one is
read without error and gives no session.  Skipped where the folder is absent
(a user's machine)."""
import os

from wmtest import (REAL_DUMPS, build_index, check, check_clean, count, done, skip, test,
                    wmindex)

TIMEOUT = 120


def dump_files():
    names = sorted(os.listdir(REAL_DUMPS))
    return [os.path.join(REAL_DUMPS, n) for n in names
            if not n.lower().startswith("readme") and os.path.isfile(os.path.join(REAL_DUMPS, n))]


def one_dump(path):
    index = build_index(path, timeout=TIMEOUT)     # exit 0, no crash
    check(count(index, "--year", "1900..2100") == 0, "sessions indexed from %s" % path)
    r = wmindex("--list-sessions", path, timeout=TIMEOUT)
    check_clean(r, path)
    check(r.code == 0, "exit %s, expected 0\n%r" % (r.code, r))
    check(r.out.strip() == "", "sessions found in %s:\n%s" % (path, r.out[:2000]))


if not os.path.isdir(REAL_DUMPS):
    skip("real dumps", "%s is absent" % REAL_DUMPS)
else:
    for path in dump_files():
        def real_dump(path=path):
            one_dump(path)
        real_dump.__name__ = "no_session_in_" + os.path.basename(path)
        test(real_dump)

    @test
    def the_folder_as_a_directory_indexes_cleanly():
        # The README in the folder is skipped; the index is written and empty.
        index = build_index(REAL_DUMPS, timeout=TIMEOUT)
        check(count(index, "--year", "1900..2100") == 0, "sessions in the index")
        r = wmindex("-v", "--list-sessions", REAL_DUMPS, timeout=TIMEOUT)
        check_clean(r, "directory")
        check(r.code == 0 and r.out.strip() == "", r)
        check(any("README.md" in line and "skipped" in line for line in r.err.splitlines()),
              "README.md not reported as skipped with -v\n%r" % r)

done()
