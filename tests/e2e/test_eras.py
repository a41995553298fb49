#!/usr/bin/env python3
"""End-to-end: every era of Wikimania, extracted field by field.

The corpus in tests/fixtures/eras/ holds pages written in the shape of each era
(2006 Proceedings, 2010-2017 Submissions, 2016 Programme, 2018 Program, 2019
spaces, the 2021 submissions table, 2023 bot pages with speaker pages and
switch templates, 2024 copies with translation subpages) and schedule exports
(pretalx JSON 2021, eventyay JSON 2024 and 2025 with i18n objects, frab XML
2026).  truth.json gives every field of every session.

- `wmindex --list-sessions` over the compressed corpus (compressed here with
  the real gzip and bzip2) finds exactly the sessions of truth.json, and the
  per-field accuracy is printed; anything below 100% fails.
- In the index, the 2024 talk present on-wiki and in the eventyay export (same
  code) and the 2021 talk in the submissions table and the pretalx export (same
  year and title) come out once; an older dump of a page loses to the newer
  one whatever the order of the files; translation subpages add no results.
- `wmquery speaker:USERNAME` finds a person's talks across eras although the
  display names differ."""
import os
import shutil

import json

from wmtest import (FIXTURES, build_index, check, compress_file, done, list_sessions, note,
                    query_json, query_ids, read_text, test, tmpdir, wmindex)

ERAS = os.path.join(FIXTURES, "eras")
TRUTH = json.loads(read_text(os.path.join(ERAS, "truth.json")))["sessions"]
# The fixtures write every person plainly: no affiliation, the name as written.
for _s in TRUTH.values():
    _s["speakers"] = [dict({"affiliation": None, "raw": None}, **sp) for sp in _s["speakers"]]
FIELDS = ("year", "title", "type", "type_label", "duration", "tracks", "language", "speakers",
          "translations", "url", "source", "abstract", "event", "status")

# How each fixture is stored for the run: compressed by content, not by name.
PACKING = {
    "wikimania2006.xml": "gzip",
    "wikimania2014.xml": "bzip2",
    "wikimania2016.xml": "gzip",
    "wikimania2017.xml": None,
    "wikimania2018.xml": "bzip2",
    "wikimaniawiki.xml": "bzip2",
    "pretalx-2021-schedule.json": "gzip",
    "eventyay-2024-schedule.json": None,
    "eventyay-2025-schedule.json": "bzip2",
    "eventyay-2026-schedule.xml": "gzip",
}
SUFFIX = {"gzip": ".gz", "bzip2": ".bz2", None: ""}


def packed_corpus():
    """The corpus compressed into a fresh directory; {fixture name: path}."""
    out = tmpdir()
    paths = {}
    for name, tool in sorted(PACKING.items()):
        src = os.path.join(ERAS, name)
        dst = os.path.join(out, name + SUFFIX[tool])
        if tool:
            compress_file(tool, src, dst)
        else:
            shutil.copyfile(src, dst)
        paths[name] = dst
    return out, paths


CORPUS, PACKED = packed_corpus()
OLDER = os.path.join(ERAS, "older", "wikimaniawiki-20190601.xml")
LISTED = {}


def normalised(session):
    """A listed session in the form of truth.json (the source as a fixture name)."""
    got = dict(session)
    source = os.path.basename(got.get("source") or "")
    for suffix in (".gz", ".bz2"):
        if source.endswith(suffix):
            source = source[:-len(suffix)]
    got["source"] = source
    return got


@test
def corpus_covers_every_era():
    eras = {2006: 3, 2014: 3, 2016: 3, 2018: 3, 2019: 3, 2021: 3, 2023: 3, 2024: 3, 2025: 3, 2026: 3}
    per_year = {}
    for s in TRUTH.values():
        per_year[s["year"]] = per_year.get(s["year"], 0) + 1
    for year, least in eras.items():
        check(per_year.get(year, 0) >= least, "truth.json has %d sessions of %d" % (per_year.get(year, 0), year))


@test
def list_sessions_finds_exactly_the_truth():
    r, found = list_sessions(CORPUS)
    check(r.code == 0, "wmindex --list-sessions: %r" % r)
    LISTED.update({sid: normalised(s) for sid, s in found.items()})
    missing = sorted(set(TRUTH) - set(found))
    extra = sorted(set(found) - set(TRUTH))
    check(not missing and not extra, "missing: %s\nextra (not sessions): %s"
          % (missing, [(i, found[i]["title"], found[i]["source"]) for i in extra]))


@test
def every_field_is_right():
    check(LISTED, "no listing (see the previous test)")
    right = {f: 0 for f in FIELDS}
    wrong = []
    for sid, want in sorted(TRUTH.items()):
        got = LISTED.get(sid, {})
        for field in FIELDS:
            if got.get(field, "<absent>") == want[field]:
                right[field] += 1
            else:
                wrong.append("%s %s:\n  got  %r\n  want %r" % (sid, field, got.get(field, "<absent>"), want[field]))
    total = len(TRUTH)
    for field in FIELDS:
        note("accuracy %-12s %3d/%d  %6.2f%%" % (field, right[field], total, 100.0 * right[field] / total))
    all_right = sum(right.values())
    note("accuracy %-12s %3d/%d  %6.2f%%" % ("all fields", all_right, total * len(FIELDS),
                                             100.0 * all_right / (total * len(FIELDS))))
    check(not wrong, "%d field values differ from truth.json:\n%s" % (len(wrong), "\n".join(wrong)))


@test
def listing_shape():
    check(LISTED, "no listing")
    for sid, s in LISTED.items():
        for sp in s["speakers"]:
            check(set(sp) == {"name", "username", "code", "affiliation", "raw", "biography"}, "%s: speaker keys %s" % (sid, sorted(sp)))
        check(isinstance(s["translations"], list), s)
        check(s["duration"] is None or isinstance(s["duration"], int), s)


def indexed(*paths):
    return build_index(*paths)


def results(index, *args):
    r, data = query_json(index, "--limit", "1000", *args)
    if r.code == 1:
        return []
    check(r.code == 0, "wmquery %s: %r" % (" ".join(args), r))
    return data["results"]


INDEX = {}


def the_index():
    if "main" not in INDEX:
        INDEX["main"] = indexed(*sorted(PACKED.values()))
    return INDEX["main"]


@test
def a_talk_on_wiki_and_in_the_export_comes_out_once():
    for order in (sorted(PACKED.values()), sorted(PACKED.values(), reverse=True)):
        index = indexed(*order)
        hits = results(index, 'title:"Open maps for disaster response"')
        check(len(hits) == 1, "2024 talk found %d times: %s" % (len(hits), [h["id"] for h in hits]))
        check(hits[0]["id"] == "wm2024:MAPS24" and hits[0]["translations"] == ["fr", "ar"],
              "the export wins and keeps the copy's translations: %s" % hits[0])
        hits = results(index, "--year", "2021", 'title:"time of COVID"')
        check(len(hits) == 1, "2021 talk (table row + pretalx) found %d times: %s"
              % (len(hits), [h["id"] for h in hits]))


@test
def the_index_holds_one_document_per_talk():
    # 36 sessions listed, two of them a second copy of the same talk.
    ids = query_ids(the_index(), "--year", "1900..2100", "--status", "any")
    check(len(ids) == len(TRUTH) - 2, "%d documents, want %d: %s" % (len(ids), len(TRUTH) - 2, sorted(ids)))
    # A plain search leaves the declined 2014 proposal out.
    hidden = [sid for sid, s in TRUTH.items() if s["status"] == "rejected"]
    shown = query_ids(the_index(), "--year", "1900..2100")
    check(hidden and len(shown) == len(ids) - len(hidden) and not set(hidden) & set(shown),
          "a plain search shows %d of %d, hidden %s" % (len(shown), len(ids), hidden))


@test
def the_newer_revision_wins_whatever_the_order_of_files():
    main = PACKED["wikimaniawiki.xml"]
    for order in ((OLDER, main), (main, OLDER)):
        index = indexed(*order)
        hits = results(index, "--year", "2019", "libraries")
        titles = [h["title"] for h in hits]
        check(titles == ["Wikidata for small libraries"], "order %s: %s" % ([os.path.basename(p) for p in order], titles))


@test
def translations_are_listed_not_searched():
    hits = results(the_index(), "traduction")
    check(hits == [], "translation text found: %s" % [h["id"] for h in hits])
    hits = results(the_index(), "--year", "2023", "newcomers")
    check(len(hits) == 1 and hits[0]["translations"] == ["fr"], hits)


@test
def speaker_username_finds_talks_across_eras():
    ids = set(query_ids(the_index(), "speaker:Sadads"))
    check(ids == {"wikimania2014wiki:11", "wikimaniawiki:101"}, ids)
    ids = set(query_ids(the_index(), "speaker:AMINA5"))
    check(ids == {"wikimania2025:NAI25A", "wikimania2025:WKS25C"}, ids)


@test
def json_results_carry_speakers_duration_and_translations():
    hits = results(the_index(), "--year", "2024", 'title:"Community health check"')
    check(len(hits) == 1, hits)
    h = hits[0]
    check(h["duration"] == 55, h)
    check(h["translations"] == [], h)
    plain = {"username": None, "code": None, "affiliation": None, "raw": None}
    check(h["speakers"] == [dict(plain, name="Chloé Martin"), dict(plain, name="Olena Kovalenko")], h)


@test
def a_rules_file_adds_an_era_without_c_changes():
    rules = os.path.join(tmpdir(), "extra.rules")
    with open(rules, "w") as f:
        f.write("[era 2030 sessions]\nwiki = wikimaniawiki\nyear = 2030\ntitle = {year}:Sessions/{title}\n"
                "label speakers = Host\nlabel type = Kind\nheading abstract = About\n")
    dump = read_text(os.path.join(ERAS, "wikimaniawiki.xml")).replace(
        "2019:Research/Reading patterns of mobile users", "2030:Sessions/Reading patterns of mobile users")
    dump = dump.replace("=== Author(s) ===\n* Kenji Watanabe", "Host: Kenji Watanabe\nKind: Roundtable\n== About ==\nFuture reading.")
    path = os.path.join(tmpdir(), "future.xml")
    with open(path, "w") as f:
        f.write(dump)
    r, found = list_sessions("--rules", rules, path)
    check(r.code == 0, r)
    s = found.get("wikimaniawiki:103")
    check(s and s["year"] == 2030 and s["title"] == "Reading patterns of mobile users", s)
    check([sp["name"] for sp in s["speakers"]] == ["Kenji Watanabe"] and s["type"] == "roundtable", s)
    bad = os.path.join(tmpdir(), "bad.rules")
    with open(bad, "w") as f:
        f.write("[era x]\nwiki = *\ntitle = {nope}\n")
    r = wmindex("--list-sessions", "--rules", bad, path)
    check(r.code == 2 and "bad.rules" in r.err and "line 3" in r.err, r)


done()
