#!/usr/bin/env python3
"""End-to-end: the Debian package works as installed.  The .deb that `make
deb` built (named by WM_DEB) is unpacked with dpkg-deb -x, and the unpacked
wmindex indexes the unpacked sample archive, which the unpacked wmquery then
searches.  The package's contents, its dependencies, its man pages (the
configured paths) and --version are checked too.

Skipped when the Debian packaging tools are not installed, or when no package
was given (a plain `make check`: `make deb` builds one and runs this test with
WM_DEB set; WM_DEB_REQUIRED=1 turns the skip into a failure)."""
import gzip
import json
import os
import re
import shutil
import subprocess

from wmtest import SAMPLE_DIR, SRCDIR, check, done, ok, read_text, run, skip, test, tmpdir

DEB = os.environ.get("WM_DEB", "")
REQUIRED = os.environ.get("WM_DEB_REQUIRED") == "1"
with open(os.path.join(SAMPLE_DIR, "truth.json"), encoding="utf-8") as f:
    SESSIONS = len(json.load(f)["sessions"])
VERSION = re.search(r"AC_INIT\(\[[^]]*\],\s*\[([^]]*)\]",
                    read_text(os.path.join(SRCDIR, "configure.ac"))).group(1)
ROOT = []


def unpacked():
    """The package unpacked once (dpkg-deb -x) into a scratch directory."""
    if not ROOT:
        root = os.path.join(tmpdir(), "root")
        subprocess.run(["dpkg-deb", "-x", DEB, root], check=True)
        ROOT.append(root)
    return ROOT[0]


def path(*parts):
    return os.path.join(unpacked(), *parts)


def skip_or_fail(what, reason):
    """End the test: one skip, or one failure when a package is required."""
    if REQUIRED:
        ok(False, what, reason)
    else:
        skip("package", reason)
    done()


def main():
    if not shutil.which("dpkg-deb"):
        skip_or_fail("the Debian packaging tools (dpkg-deb) are installed",
                     "dpkg-deb is not installed (Debian package dpkg)")
    if not DEB:
        skip_or_fail("WM_DEB names a package",
                     "no package given: `make deb` builds one and runs this test")
    if not os.path.isfile(DEB):
        ok(False, "the package %s exists" % DEB)
        done()

    @test
    def named_and_versioned_the_debian_way():
        name = os.path.basename(DEB)
        check(re.fullmatch(r"wmsearch_%s_[a-z0-9-]+\.deb" % re.escape(VERSION), name),
              "package file name %s is not wmsearch_%s_<arch>.deb" % (name, VERSION))
        fields = subprocess.run(["dpkg-deb", "-f", DEB, "Package", "Version", "Depends"],
                                capture_output=True, text=True, check=True).stdout
        check("Package: wmsearch" in fields and "Version: %s" % VERSION in fields, fields)
        # ${shlibs:Depends}: the libraries the programs link, found by dpkg-shlibdeps
        for lib in ("libxapian", "libc6", "libjansson", "libxml2"):
            check(lib in fields, "Depends lacks %s:\n%s" % (lib, fields))

    @test
    def holds_programs_man_pages_completion_rules_and_sample():
        for part in ("usr/bin/wmindex", "usr/bin/wmquery",
                     "usr/share/man/man1/wmindex.1.gz", "usr/share/man/man1/wmquery.1.gz",
                     "usr/share/bash-completion/completions/wmquery",
                     "usr/share/bash-completion/completions/wmindex",
                     "usr/share/wmsearch/rules/wikimania.rules",
                     "usr/share/wmsearch/sample/wikimaniawiki-sample.xml.bz2",
                     "usr/share/wmsearch/sample/wikimania2014wiki-sample.xml.gz",
                     "usr/share/doc/wmsearch/copyright"):
            check(os.path.isfile(path(part)), "the package has no /%s" % part)
        for program in ("wmindex", "wmquery"):
            check(os.access(path("usr", "bin", program), os.X_OK), "%s is not executable" % program)

    @test
    def man_pages_and_help_name_the_installed_paths():
        with gzip.open(path("usr/share/man/man1/wmindex.1.gz"), "rt", encoding="utf-8") as f:
            wmindex_man = f.read()
        with gzip.open(path("usr/share/man/man1/wmquery.1.gz"), "rt", encoding="utf-8") as f:
            wmquery_man = f.read()
        for where in ("/usr/share/wmsearch/sample", "/usr/share/wmsearch/rules/wikimania.rules",
                      "/usr/share/bash-completion/completions/wmindex"):
            check(where in wmindex_man, "wmindex(1) does not name %s" % where)
        check("/usr/share/bash-completion/completions/wmquery" in wmquery_man,
              "wmquery(1) does not name the completion")
        for man in (wmindex_man, wmquery_man):
            check("/usr/local" not in man and "@" + "samplesdir@" not in man, "a path left unsubstituted")
            check('"wmsearch %s"' % VERSION in man, "the man page's header lacks the version")
        r = run([path("usr/bin/wmindex"), "--help"])
        check(r.code == 0 and "/usr/share/wmsearch/sample" in r.out, r)
        # Reproducible: no path of the tree it was built in.
        for program in ("wmindex", "wmquery"):
            with open(path("usr/bin", program), "rb") as f:
                binary = f.read()
            built_in = os.path.dirname(os.path.abspath(DEB)).encode()   # make deb's deb/
            check(built_in not in binary, "%s carries its build directory %s" % (program, built_in.decode()))

    @test
    def version_is_the_package_version():
        for program in ("wmindex", "wmquery"):
            r = run([path("usr/bin", program), "--version"])
            check(r.code == 0 and r.out.startswith("%s (wmsearch) %s" % (program, VERSION)), r)

    @test
    def unpacked_wmindex_indexes_the_unpacked_sample_and_wmquery_searches_it():
        index = os.path.join(tmpdir(), "index")
        sample = path("usr/share/wmsearch/sample")
        r = run([path("usr/bin/wmindex"), "-q", "-d", index, sample])
        check(r.code == 0, "unpacked wmindex on the unpacked sample: %r" % r)
        r = run([path("usr/bin/wmquery"), "-d", index, "--count", "--status", "any"])
        check(r.code == 0 and r.out.strip() == str(SESSIONS),
              "the index holds %r sessions, the sample %d\n%r" % (r.out.strip(), SESSIONS, r))
        r = run([path("usr/bin/wmquery"), "-d", index, "--format", "json", "libraries"])
        check(r.code == 0 and r.json()["total"] > 0, "wmquery libraries found nothing: %r" % r)
        first = r.json()["results"][0]["id"]
        r = run([path("usr/bin/wmquery"), "-d", index, "show", first])
        check(r.code == 0 and first in r.out, "wmquery show %s: %r" % (first, r))

    done()


main()
