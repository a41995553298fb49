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

from wmtest import SRCDIR, check, done, sh, test, tmpdir, wmindex, wmquery

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


done()
