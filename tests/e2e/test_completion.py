#!/usr/bin/env python3
"""End-to-end: the bash completion (completion/wmsearch.bash) on an index of
the bundled sample, with and without the bash-completion package.

Each case sources the script in `bash -c` (after bash-completion's own
script for the "with" runs, skipped when the package is not installed),
sets COMP_WORDS, COMP_CWORD, COMP_LINE and COMP_POINT the way bash does for
the line typed (it splits words at ':' and '=' too: `type:w` is three
words) and calls _wmquery.  What readline would then do is done here too:
it replaces the text after the last blank, ':' or '=' with the candidate,
so `type:w` + `workshop` is `type:workshop`.  Completed lines are run, to
show that what completion writes is what wmquery understands."""
import json
import os
import re
import subprocess

from wmtest import (SAMPLE_DIR, SAMPLE_DUMPS, SRCDIR, WMQUERY, build_index, check, done, ok, skip, test,
                    wmquery)

SCRIPT = os.path.join(SRCDIR, "completion", "wmsearch.bash")
PACKAGE = "/usr/share/bash-completion/bash_completion"
BREAKS = ":="   # the word breaks of COMP_WORDBREAKS that can occur in a wmquery line
with open(os.path.join(SAMPLE_DIR, "truth.json"), encoding="utf-8") as f:
    TRUTH = json.load(f)
STATE = {}


def index():
    if "index" not in STATE:
        STATE["index"] = build_index(*SAMPLE_DUMPS)
    return STATE["index"]


def comp_words(line):
    """COMP_WORDS for line as bash makes them: split at unescaped blanks, and
    runs of ':' or '=' are words of their own; a trailing blank starts an
    empty word."""
    words, word, escaped = [], "", False
    for ch in line:
        if escaped:
            word += ch
            escaped = False
        elif ch == "\\":
            word += ch
            escaped = True
        elif ch == " ":
            if word:
                words.append(word)
            word = ""
        elif ch in BREAKS:
            if word and word[-1] not in BREAKS:
                words.append(word)
                word = ""
            word += ch
        else:
            if word and word[-1] in BREAKS:
                words.append(word)
                word = ""
            word += ch
    if word or line.endswith(" "):
        words.append(word)
    return words


def complete(line, package):
    """The candidates _wmquery (or _wmindex, for a wmindex line) offers for
    the line typed (the cursor at its end)."""
    words = comp_words(line)
    script = ('[ "$WM_PACKAGE" ] && source "$WM_PACKAGE"; source "$1"; shift; '
              'COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMP_LINE=$WM_LINE; COMP_POINT=${#COMP_LINE}; '
              '"_$WM_PROGRAM"; printf "%s\\n" "${COMPREPLY[@]}"')
    env = dict(os.environ, PATH=os.path.dirname(WMQUERY) + os.pathsep + os.environ.get("PATH", ""),
               WM_LINE=line, WM_PACKAGE=PACKAGE if package else "", LC_ALL="C.UTF-8",
               WM_PROGRAM=words[0])
    env.pop("WMSEARCH_INDEX", None)
    proc = subprocess.run(["bash", "-c", script, "bash", SCRIPT] + words,
                          capture_output=True, text=True, env=env, timeout=60)
    check(proc.returncode == 0 and not proc.stderr, "completion of %r failed: %r" % (line, proc.stderr))
    return [w for w in proc.stdout.splitlines() if w]


def completed(line, package):
    """The line after completing it, when there is exactly one candidate."""
    got = complete(line, package)
    check(len(got) == 1, "%r: one candidate expected, got %r" % (line, got))
    tail = re.split(r"(?<!\\)[ :=]", line)[-1]
    return line[:len(line) - len(tail)] + got[0]


def shell_words(text):
    """What bash makes of text as command words."""
    proc = subprocess.run(["bash", "-c", 'eval "set -- $1"; printf "%s\\0" "$@"', "bash", text],
                          capture_output=True, text=True, check=True)
    return proc.stdout.split("\0")[:-1]


def cases(package):
    idx = index()
    d = "wmquery -d %s " % idx

    # The field and its value, whole: never `type:type:workshop`.
    line = completed(d + "type:w", package)
    check(line == d + "type:workshop", "type:w completed to %r" % line)
    got = complete(d + "year:20", package)
    check(sorted(got) == sorted(str(y) for y in TRUTH["counts"]["by_year"]), "year:20 offers %r" % got)
    check(completed(d + "status:r", package) == d + "status:rejected", "status:r")
    got = complete(d + "lang:", package)
    check(sorted(got) == sorted(TRUTH["counts"]["by_language"]), "lang: offers %r" % got)

    # Tracks: one word as it is, several as a phrase of the query language
    # quoted for the shell; the completed line finds the track's sessions.
    got = complete(d + "track:glam", package)
    check(got == ["GLAM", '\\"GLAM,\\ Heritage,\\ and\\ Culture\\"'], "track:glam offers %r" % got)
    line = completed(d + "track:Community\\ He", package)
    check(line == d + 'track:\\"Community\\ Health\\"', "track:Community\\ He completed to %r" % line)
    argv = shell_words(line)
    check(argv[-1] == 'track:"Community Health"', "the shell gives wmquery %r" % argv)
    r = wmquery(*(argv[1:] + ["--format", "json", "--limit", "100"]))
    check(r.code == 0 and r.json()["total"] == TRUTH["counts"]["by_track"]["Community Health"],
          "the completed track query: %r" % r)
    got = complete(d + "track:", package)
    check(len(got) == len(TRUTH["counts"]["by_track"]), "track: offers %d values" % len(got))

    # Speakers, by any prefix of the name, case aside; the completed line works.
    name = sorted(TRUTH["counts"]["by_speaker"])[0]
    line = completed(d + "speaker:" + name.split()[0].lower() + "\\ " + name.split()[1][:2], package)
    argv = shell_words(line)
    check(argv[-1] == 'speaker:"%s"' % name, "speaker completed to %r" % argv[-1])
    r = wmquery(*(argv[1:] + ["--count"]))
    check(r.code == 0 and int(r.out) == TRUTH["counts"]["by_speaker"][name], "the completed speaker query: %r" % r)
    got = complete(d + "--speaker " + name[:3], package)
    check(got and all(shell_words(g)[0].startswith(name[:3]) for g in got), "--speaker offers %r" % got)

    # show offers ids (they hold ':' too), also with --index=DIR.
    ids = wmquery("-d", idx, "--format", "ids", "--status", "any", "--limit", "100000").out.split()
    got = complete(d + "show ", package)
    check(sorted(got) == sorted(ids), "show offers %d of %d ids" % (len(got), len(ids)))
    got = complete("wmquery --index=%s show wikimaniawiki:2" % idx, package)
    want = sorted(i.split(":", 1)[1] for i in ids if i.startswith("wikimaniawiki:2"))
    check(got and sorted(got) == want, "show wikimaniawiki:2 offers %r, not %r" % (got, want))
    line = completed(d + "show wikimania2014wiki:8", package) if len(
        [i for i in ids if i.startswith("wikimania2014wiki:8")]) == 1 else None
    if line:
        check(shell_words(line)[-1].startswith("wikimania2014wiki:8"), line)
    check(complete(d + "similar wikimaniawiki:26 ", package) != sorted(ids), "similar takes one id")

    # Options and their values, also written --option=value.
    check(complete("wmquery --fo", package) == ["--format"], "--fo")
    check(complete("wmquery --colo", package) == ["--color", "--colour"], "--colo")
    check(complete("wmindex --li", package) == ["--list-sessions"], "wmindex --li")
    check(complete("wmindex --format j", package) == ["json"], "wmindex --format j")
    check(complete("wmquery --format js", package) == ["json", "jsonl"], "--format js")
    check(complete("wmquery --format=js", package) == ["json", "jsonl"], "--format=js")
    check(completed("wmquery --sort=c", package) == "wmquery --sort=count", "--sort=c")
    check(complete("wmquery --status w", package) == ["withdrawn"], "--status w")

    # Commands first, fields anywhere, the values list takes.
    got = set(complete("wmquery ", package))
    check(got >= {"show", "list", "similar", "search", "track:", "speaker:", "year:", "event:", "status:"}, got)
    check(complete("wmquery list sp", package) == ["speakers"], "list sp")
    check(complete("wmquery list st", package) == ["statuses"], "list st")
    check(complete("wmquery wikidata tr", package) == ["track:"], "fields after a query word")
    check("show" not in complete("wmquery wikidata ", package), "commands offered after a query word")
    check("show" in complete("wmquery --status any ", package), "--status's value taken for a query word")
    check("show" in complete("wmquery --color never ", package), "--color's value taken for a query word")
    check("show" not in complete("wmquery --color wikidata ", package), "commands after a query word")
    got = complete(d + "--track ", package)
    check(sorted(shell_words(" ".join(got))) == sorted(TRUTH["counts"]["by_track"]), "--track values: %s" % got)


@test
def completion_without_bash_completion_package():
    cases(package=False)


if os.path.exists(PACKAGE):
    try:
        cases(package=True)
        ok(True, "completion_with_bash_completion_package")
    except Exception:
        import traceback
        ok(False, "completion_with_bash_completion_package", traceback.format_exc())
else:
    skip("completion_with_bash_completion_package", "bash-completion is not installed (%s)" % PACKAGE)

done()
