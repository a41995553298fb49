"""End-to-end: wmquery's totals are exact on a corpus big enough that
Xapian only estimates them while ranking one page (a generated dump of
1,500 sessions, gzipped with the real gzip).  wmquery ranks the page
alone and counts apart when Xapian's bounds differ (store_search.cc,
run_query): --count and the JSON `total` must equal the number of ids
listed with a limit above every match.  The text footer is exact up to
90 matches past the page (100 for the first page of 10); above, it may say
"at least N" with 100 <= N <= exact."""
import os
import re
import subprocess
import sys

from wmtest import SRCDIR, check, done, dump_xml, session_page, sh, test, tmpdir, wmindex, wmquery, write

QUERIES = [
    "wikidata",                        # one term: bounds meet at once
    "wikidata libraries",              # AND: bounds differ
    "museum OR archive",               # OR
    "wiki*",                           # wildcard
    "education -classroom",            # AND NOT
    "year:2023 wikidata",              # filter and a word
    "track:glam",                      # a filter alone
    '"structured data" wikidata',      # a phrase: one pass over every match
    "translation sprints",
]

work = tmpdir()
generator = os.path.join(SRCDIR, "data", "sample", "generate.py")
subprocess.run([sys.executable, generator, "--out", work, "--sessions", "1500", "--plain", "--seed", "7"],
               check=True, stdout=subprocess.DEVNULL)
dump = os.path.join(work, "wikimaniawiki-1500.xml")
sh("gzip '%s'" % dump)
index = os.path.join(work, "index")
indexed = wmindex("-q", "-d", index, dump + ".gz")
check(indexed.code == 0, "wmindex failed: " + indexed.err)


def listed_ids(query, *options):
    r = wmquery("-d", index, "--format", "ids", "-n", "100000", *options, query)
    check(r.code in (0, 1), "wmquery --format ids %r: %s" % (query, r.err))
    return [line for line in r.out.splitlines() if line]


def totals(query, *options):
    """--count, JSON total, the text footer's total and whether it said "at least"."""
    count = wmquery("-d", index, "--count", *options, query)
    js = wmquery("-d", index, "--format", "json", *options, query)
    text = wmquery("-d", index, "--no-pager", *options, query)
    if re.search(r"^no session matches$", text.out, re.M):
        return int(count.out), js.json()["total"], 0, False
    footer = re.search(r"^(?:\d+-\d+ of|none shown of) (at least )?(\d+) sessions?$", text.out, re.M)
    check(footer, "no total in the text of %r" % query)
    return int(count.out), js.json()["total"], int(footer.group(2)), bool(footer.group(1))


@test
def totals_equal_the_full_list():
    some_differ = at_least = False
    for query in QUERIES:
        ids = listed_ids(query)
        check(len(ids) == len(set(ids)), "%r: an id listed twice" % query)
        count, total, footer, lower_bound = totals(query)
        check(count == total == len(ids), "%r: --count %d, json %d, listed %d" % (query, count, total, len(ids)))
        if lower_bound:
            check(100 <= footer <= len(ids), "%r: text says at least %d of %d" % (query, footer, len(ids)))
        else:
            check(footer == len(ids), "%r: text says %d of %d" % (query, footer, len(ids)))
        some_differ = some_differ or len(ids) > 10
        at_least = at_least or lower_bound
    check(some_differ, "the corpus is too small: no query matches more than a page")
    check(at_least, "no query gave a lower bound in text: the cheap path is not tested")


@test
def totals_are_exact_on_later_pages_and_sorted():
    for query in ("wikidata libraries", "museum OR archive"):
        full = len(listed_ids(query))
        for options in (("--offset", "20"), ("--sort", "newest"), ("--sort", "oldest", "-n", "3")):
            js = wmquery("-d", index, "--format", "json", *options, query).json()
            check(js["total"] == full, "%r %s: total %d, listed %d" % (query, options, js["total"], full))


@test
def facets_still_count_every_match():
    js = wmquery("-d", index, "--format", "json", "--facets", "year", "wikidata libraries").json()
    years = js.get("facets", {}).get("year")
    check(years is not None, "no year facet in %r" % sorted(js))
    counted = sum(item["count"] for item in years)
    full = len(listed_ids("wikidata libraries"))
    check(js["total"] == full, "total %d, listed %d" % (js["total"], full))
    check(counted == full, "year facet counts %d sessions, %d match" % (counted, full))


@test
def a_suggestion_is_counted_as_the_search_it_offers():
    """--exact keeps the "Did you mean" line.  The correction's count is
    exact in JSON and on stderr beside --count; text, which says "at least
    N" of a search past a page and 90 more, says the same of the
    correction it offers (counting a phrase correction exactly cost more
    than the search)."""
    query = "wikidata wikimania"   # no session says wikimania: wikimedia
    js = wmquery("-d", index, "--format", "json", "--exact", query).json()
    check(js["total"] == 0 and "suggestion" in js, "no suggestion for %r: %r" % (query, js))
    offered, exact = js["suggestion"]["query"], js["suggestion"]["total"]
    check(exact == len(listed_ids(offered)) > 100, "%r counted %d, lists %d" % (offered, exact, len(listed_ids(offered))))
    counted = wmquery("-d", index, "--count", "--exact", query)
    check("did you mean: %s  (%d sessions)" % (offered, exact) in counted.err, counted.err)
    text = wmquery("-d", index, "--no-pager", "--exact", query)
    said = re.search(r"^Did you mean: (.*)  \((at least )?(\d+) sessions\)$", text.out, re.M)
    check(said and said.group(1) == offered, "no suggestion in the text:\n" + text.out)
    check(said.group(2) and 100 <= int(said.group(3)) <= exact,
          "text says %r of a correction that %d sessions match" % (said.group(0), exact))


def phrase_dump(where, sessions=150):
    """sessions session pages that all say "zorblat" and "quintessa" apart;
    page number `where` (1-based, in dump order) also says them together."""
    pages = []
    for i in range(1, sessions + 1):
        extra = "The zorblat met a quintessa there."
        if i == where:
            extra += " A zorblat quintessa story."
        pages.append(session_page("vorbel%d" % i, 400 + i, extra))
    path = os.path.join(tmpdir(), "phrase-%d.xml" % where)
    write(path, dump_xml(*pages))
    built = os.path.join(os.path.dirname(path), "index")
    r = wmindex("-q", "--jobs", "1", "-d", built, path)
    check(r.code == 0, "wmindex failed: " + r.err)
    return built


@test
def a_phrase_correction_is_looked_for_in_the_first_100_candidates():
    """A correction with a phrase is offered when the phrase occurs in one
    of the first 100 sessions (index order) that hold its words; beyond
    them it is not looked for, in every output alike, while a search for
    the phrase itself and a correction without one still check them all."""
    query, corrected = '"zorblat quintesa"', '"zorblat quintessa"'
    early = phrase_dump(20)
    js = wmquery("-d", early, "--format", "json", query).json()
    check(js.get("corrected_query") == corrected and js["total"] == 1, "phrase in session 20: %r" % js)
    late = phrase_dump(140)
    r = wmquery("-d", late, "--format", "json", query)
    check(r.code == 1 and "corrected_query" not in r.json() and "suggestion" not in r.json(),
          "phrase in session 140 of 150 was looked for: %r" % r.out)
    r = wmquery("-d", late, "--no-pager", query)
    check(r.code == 1 and "no session matches" in r.out and "Did you mean" not in r.out, r.out)
    r = wmquery("-d", late, "--count", "--exact", query)
    check(r.out.strip() == "0" and "did you mean" not in r.err, r)
    found = wmquery("-d", late, "--format", "json", corrected).json()
    check(found["total"] == 1, "the phrase itself: %r" % found)
    words = wmquery("-d", late, "--format", "json", "zorblat quintesa").json()
    check(words.get("corrected_query") == "zorblat quintessa" and words["total"] == 150, words)


done()
