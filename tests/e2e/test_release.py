#!/usr/bin/env python3
"""End-to-end: what a release promises (issue 13).  --version prints the
package version (and `git describe` for a build from git); the man pages and
--help name the paths configure chose (the Makefile passes them as
WM_SAMPLEDIR, WM_RULESDIR and WM_BASHCOMPLETIONDIR); NEWS and
debian/changelog are at the version being built."""
import os
import re
import shutil
import subprocess

from wmtest import BUILDDIR, SRCDIR, check, done, read_text, skip, test, wmindex, wmquery

VERSION = re.search(r"AC_INIT\(\[[^]]*\],\s*\[([^]]*)\]",
                    read_text(os.path.join(SRCDIR, "configure.ac"))).group(1)
SAMPLEDIR = os.environ.get("WM_SAMPLEDIR", "")
RULESDIR = os.environ.get("WM_RULESDIR", "")
COMPLETIONDIR = os.environ.get("WM_BASHCOMPLETIONDIR", "")


def git_describes():
    if not os.path.exists(os.path.join(SRCDIR, ".git")) or not shutil.which("git"):
        return False
    return subprocess.run(["git", "-C", SRCDIR, "describe", "--tags", "--always"],
                          capture_output=True).returncode == 0


@test
def version_is_the_package_version():
    for program, run in (("wmindex", wmindex), ("wmquery", wmquery)):
        r = run("--version")
        check(r.code == 0 and r.out.startswith("%s (wmsearch) %s" % (program, VERSION)), r)
        # the build records `git describe` when its source is a git checkout
        # (and git answers there) or a tarball made from one
        if git_describes() or os.path.isfile(os.path.join(SRCDIR, ".git-describe")):
            check("(git " in r.out, "%s --version lacks git describe: %r" % (program, r.out))


if not (SAMPLEDIR and RULESDIR and COMPLETIONDIR):
    skip("configured paths", "WM_SAMPLEDIR, WM_RULESDIR, WM_BASHCOMPLETIONDIR unset (run through make check)")
else:
    @test
    def man_pages_name_the_configured_paths():
        wmindex_man = read_text(os.path.join(BUILDDIR, "doc", "wmindex.1"))
        wmquery_man = read_text(os.path.join(BUILDDIR, "doc", "wmquery.1"))
        for where in (SAMPLEDIR, RULESDIR + "/wikimania.rules", COMPLETIONDIR + "/wmindex"):
            check(where in wmindex_man, "wmindex(1) does not name %s" % where)
        check(COMPLETIONDIR + "/wmquery" in wmquery_man, "wmquery(1) does not name %s" % COMPLETIONDIR)
        for man in (wmindex_man, wmquery_man):
            left = re.findall(r"@[A-Za-z_]+@", man)
            check(not left, "left unsubstituted: %s" % left)
            check('"wmsearch %s"' % VERSION in man, "the man page's header lacks version %s" % VERSION)

    @test
    def help_names_the_configured_paths():
        r = wmindex("--help")
        for where in (SAMPLEDIR, RULESDIR + "/wikimania.rules", COMPLETIONDIR + "/wmindex"):
            check(where in r.out, "wmindex --help does not name %s" % where)
        r = wmquery("--help")
        check(COMPLETIONDIR + "/wmquery" in r.out, "wmquery --help does not name %s" % COMPLETIONDIR)


@test
def news_and_debian_changelog_are_at_this_version():
    news = read_text(os.path.join(SRCDIR, "NEWS"))
    check(re.search(r"^\* %s$" % re.escape(VERSION), news, re.M), "NEWS has no entry '* %s'" % VERSION)
    changelog = os.path.join(SRCDIR, "debian", "changelog")
    if os.path.exists(changelog):
        top = re.match(r"wmsearch \(([^)]*)\)", read_text(changelog))
        check(top and top.group(1) == VERSION,
              "debian/changelog is at %s, configure.ac at %s" % (top and top.group(1), VERSION))


done()
