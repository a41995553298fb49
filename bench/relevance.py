#!/usr/bin/env python3
"""Known-item search on real schedule exports: wmquery against SQLite FTS5.

For each export file: the sessions `wmindex --list-sessions` gives are the
corpus; wmquery searches an index `wmindex -d` made of the file, FTS5 a
table of the same sessions (title, abstract, speaker names, tracks) with
tokenize='porter unicode61 remove_diacritics 2', ranked by bm25.  Queries:
for each distinct title, its three rarest words (tests/relevance/knownitem.py),
and the same with one typo in the longest word; the expected sessions are
those with that title.  Both are asked for their first 10 and judged by
MRR@10 and success@10.  Run by bench/run (--relevance for this part alone);
bench/README.md explains the figures."""
import argparse
import json
import os
import sqlite3
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "relevance"))
import knownitem  # noqa: E402

EXPORT_SUFFIXES = (".json", ".xml", ".json.gz", ".xml.gz", ".json.bz2", ".xml.bz2")


def list_sessions(wmindex, path):
    proc = subprocess.run([wmindex, "--list-sessions", path], capture_output=True, text=True, timeout=600)
    if proc.returncode != 0:
        raise RuntimeError("wmindex --list-sessions %s: exit %d: %s" % (path, proc.returncode, proc.stderr[-300:]))
    sessions = {}
    for line in proc.stdout.splitlines():
        if line.strip():
            s = json.loads(line)
            sessions.setdefault(s["id"], s)   # a session in several slots is listed more than once
    return list(sessions.values())


def fts5_table(sessions):
    db = sqlite3.connect(":memory:")
    db.execute("CREATE VIRTUAL TABLE s USING fts5(id UNINDEXED, title, abstract, speakers, tracks, "
               "tokenize='porter unicode61 remove_diacritics 2')")
    db.executemany("INSERT INTO s VALUES (?, ?, ?, ?, ?)",
                   [(s["id"], s["title"], s.get("abstract") or "",
                     " ".join(sp["name"] for sp in s.get("speakers") or []), " ".join(s.get("tracks") or []))
                    for s in sessions])
    return db


def fts5_ids(db, words):
    query = " ".join('"%s"' % w.replace('"', '""') for w in words)
    return [row[0] for row in db.execute("SELECT id FROM s WHERE s MATCH ? ORDER BY rank LIMIT ?",
                                         (query, knownitem.CUTOFF))]


def queries(sessions):
    """(words, words with a typo or None, expected ids) for each distinct title."""
    frequency = knownitem.title_frequencies(s["title"] for s in sessions)
    by_title = {}
    for s in sessions:
        by_title.setdefault(s["title"].casefold(), []).append(s)
    out = []
    for n, (_, same) in enumerate(sorted(by_title.items())):
        words = knownitem.choose_words(same[0]["title"], frequency)
        if words:
            out.append((words, knownitem.with_typo(words, n), {s["id"] for s in same}))
    return out


def wmquery_following_suggestion(wmquery, index, query):
    """wmquery's first 10, or, when it finds nothing and says "Did you mean", the suggestion's
    (what a person does; what issue 10's "Showing results for" is to do by itself)."""
    proc = subprocess.run([wmquery, "-d", index, "--format", "json", "-n", str(knownitem.CUTOFF), "--status", "any",
                           "--", query], capture_output=True, text=True, timeout=60)
    if proc.returncode not in (0, 1):
        raise RuntimeError("wmquery %r: exit %d: %s" % (query, proc.returncode, proc.stderr.strip()))
    data = json.loads(proc.stdout)
    if not data["results"] and data.get("suggestion"):
        return knownitem.wmquery_ids(wmquery, index, data["suggestion"]["query"], extra=["--status", "any"])
    return [r["id"] for r in data["results"]]


KEYS = ("wmquery", "fts5", "wmquery_typo", "wmquery_typo_dym", "fts5_typo")


def measure_file(path, wmindex, wmquery, work):
    sessions = list_sessions(wmindex, path)
    index = tempfile.mkdtemp(dir=work, prefix="relevance-")
    proc = subprocess.run([wmindex, "-q", "-d", index, path], capture_output=True, text=True, timeout=600)
    if proc.returncode != 0:
        raise RuntimeError("wmindex -d %s %s: exit %d: %s" % (index, path, proc.returncode, proc.stderr[-300:]))
    db = fts5_table(sessions)
    ranks = {key: [] for key in KEYS}
    for words, typo_words, expected in queries(sessions):
        for suffix, ws in (("", words), ("_typo", typo_words)):
            if not ws:
                continue
            found = knownitem.wmquery_ids(wmquery, index, " ".join(ws), extra=["--status", "any"])
            ranks["wmquery" + suffix].append(knownitem.first_rank(found, expected))
            ranks["fts5" + suffix].append(knownitem.first_rank(fts5_ids(db, ws), expected))
            if suffix:
                found = wmquery_following_suggestion(wmquery, index, " ".join(ws))
                ranks["wmquery_typo_dym"].append(knownitem.first_rank(found, expected))
    return len(sessions), ranks


def cell(ranks):
    mrr, success = knownitem.summarise(ranks)
    return "%5.3f %5.3f" % (mrr, success)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wmindex", required=True)
    parser.add_argument("--wmquery", required=True)
    parser.add_argument("--exports", required=True, help="a directory of schedule exports")
    parser.add_argument("--work", default=tempfile.gettempdir())
    args = parser.parse_args()
    if not os.path.isdir(args.exports):
        print("relevance: no real exports at %s: skipped" % args.exports)
        return 0
    files = sorted(f for f in os.listdir(args.exports) if f.endswith(EXPORT_SUFFIXES))
    os.makedirs(args.work, exist_ok=True)
    print("Known-item search, MRR@10 and success@10 (a few title words; the same with one typo)")
    print("%-34s %8s %7s   %-11s  %-11s   %-11s  %-11s  %-11s" % (
        "", "", "", "", "", "with a typo:", "", ""))
    print("%-34s %8s %7s   %-11s  %-11s   %-11s  %-11s  %-11s" % (
        "file", "sessions", "queries", "wmquery", "FTS5", "wmquery", "+suggestion", "FTS5"))
    total = {key: [] for key in KEYS}
    with tempfile.TemporaryDirectory(dir=args.work, prefix="relevance-") as work:
        for name in files:
            n, ranks = measure_file(os.path.join(args.exports, name), args.wmindex, args.wmquery, work)
            for key in total:
                total[key] += ranks[key]
            print("%-34s %8d %7d   " % (name[:34], n, len(ranks["wmquery"])) +
                  "  ".join(cell(ranks[key]) for key in ("wmquery", "fts5")) + "   " +
                  "  ".join(cell(ranks[key]) for key in ("wmquery_typo", "wmquery_typo_dym", "fts5_typo")))
    print("%-34s %8s %7d   " % ("all queries", "", len(total["wmquery"])) +
          "  ".join(cell(total[key]) for key in ("wmquery", "fts5")) + "   " +
          "  ".join(cell(total[key]) for key in ("wmquery_typo", "wmquery_typo_dym", "fts5_typo")))
    print("(%d of the queries have a typo: those with a word of 5 letters or more; +suggestion: wmquery's "
          "first 10, or its \"Did you mean\" query's when it found nothing)" % len(total["wmquery_typo"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
