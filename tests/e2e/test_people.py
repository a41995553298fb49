#!/usr/bin/env python3
"""End-to-end: people on the bundled sample (issue 10, item 3).

The sample writes some people under several display names with one
username ("M. Lindqvist", "Mara Lindqvist", "Mara Lindqvist-Ortiz", all
Quillfeather) and under a plain name without a link; truth.json has each
speaker's name and username.  Expectations come from truth.json through
tests/e2e/people.py, the same linking rule as the store's."""
import json
import os

from people import People, fold
from wmtest import (SAMPLE_DIR, SAMPLE_DUMPS, build_index, check, check_clean, done, note, schedule_export,
                    stderr_lines, test, tmpdir, wmquery)

with open(os.path.join(SAMPLE_DIR, "truth.json"), encoding="utf-8") as f:
    TRUTH = json.load(f)
VISIBLE = {s["id"] for s in TRUTH["sessions"] if s["status"] in (None, "accepted", "confirmed")}
TRUTH_BY_ID = {s["id"]: s for s in TRUTH["sessions"]}
PEOPLE = People(TRUTH["sessions"])
STATE = {}


def q(*args):
    if "index" not in STATE:
        STATE["index"] = build_index(*SAMPLE_DUMPS)
    r = wmquery("-d", STATE["index"], *args, env={"COLUMNS": "80", "NO_COLOR": ""})
    check_clean(r, "wmquery %s" % " ".join(args))
    return r


def person_of_username(username):
    found = {PEOPLE.of(sp) for s in TRUTH["sessions"] for sp in s["speakers"] if sp.get("username") == username}
    check(len(found) == 1, "truth: %r is %d people" % (username, len(found)))
    return found.pop()


def years_in_order(sessions):
    years = [s["year"] for s in sessions]
    return years == sorted(years)


@test
def person_json_by_username():
    person = person_of_username("Quillfeather")
    r = q("--format", "json", "--status", "any", "person", "Quillfeather")
    check(r.code == 0, r)
    data = r.json()
    check(data["format_version"] == 1 and data["query"] == "Quillfeather", data)
    ids = [s["id"] for s in data["sessions"]]
    check(set(ids) == PEOPLE.sessions[person], "sessions %s, truth %s" % (sorted(ids), sorted(PEOPLE.sessions[person])))
    check(years_in_order(data["sessions"]), "sessions not by year: %s" % [s["year"] for s in data["sessions"]])
    check(set(data["names"]) == set(PEOPLE.forms[person]), data["names"])
    check({"M. Lindqvist", "Mara Lindqvist", "Mara Lindqvist-Ortiz"} <= set(data["names"]), data["names"])
    check(data["usernames"] == ["Quillfeather"], data["usernames"])
    check(data["person"] == data["names"][0], data)
    co = {sp["name"] for s in TRUTH["sessions"] if s["id"] in ids for sp in s["speakers"] if PEOPLE.of(sp) != person}
    check(set(data["co_speakers"]) == co, "co-speakers %s, truth %s" % (sorted(data["co_speakers"]), sorted(co)))
    tracks = {t for s in TRUTH["sessions"] if s["id"] in ids for t in s["tracks"]}
    check(set(data["tracks"]) == tracks, data["tracks"])
    # a session object as in search results
    check({"id", "year", "title", "speakers", "tracks", "status"} <= set(data["sessions"][0]), data["sessions"][0])
    note("Quillfeather: %d sessions under %d names" % (len(ids), len(data["names"])))


@test
def person_follows_the_default_status_policy():
    person = person_of_username("Quillfeather")
    data = q("--format", "json", "person", "quillfeather").json()
    want = PEOPLE.sessions[person] & VISIBLE
    check(want != PEOPLE.sessions[person], "the sample should hide one of Mara's proposals")
    check({s["id"] for s in data["sessions"]} == want, data["sessions"])
    r = q("--format", "ids", "--year", "2014", "person", "Quillfeather")
    check(r.out.split() == sorted(sid for sid in want if TRUTH_BY_ID[sid]["year"] == 2014), r)


@test
def a_short_name_form_finds_the_person():
    r = q("person", "M.", "Lindqvist")   # the words are one name
    check(r.code == 0, r)
    lines = r.out.splitlines()
    check(lines[0] == "Mara Lindqvist", lines[:3])
    names = [line for line in lines if line.strip().startswith("names:")]
    check(names and all(f in names[0] for f in ("M. Lindqvist", "Mara Lindqvist-Ortiz")), lines[:4])
    check(any(line.strip().startswith("2014") for line in lines), "no 2014 session:\n" + r.out)
    check(any(line.strip().startswith("2024") for line in lines), "no 2024 session:\n" + r.out)


@test
def speaker_field_matches_every_name_form():
    person = person_of_username("Quillfeather")
    want = sorted(PEOPLE.sessions[person] & VISIBLE)
    for value in ("mara", '"M. Lindqvist"', "lindqvist-ortiz", "Quillfeather"):
        r = q("--format", "ids", "-n", "100", "speaker:" + value)
        got = sorted(set(r.out.split()) & PEOPLE.sessions[person])
        check(got == want, "speaker:%s: %s, want %s" % (value, got, want))


@test
def accents_need_not_be_typed():
    for value, name in (("lea", "Léa Dubois-Martin"), ("nguyen", "Nguyễn Minh Châu")):
        data = q("--format", "json", "person", value).json()
        check(data.get("person") == name, "%s: %s" % (value, data))


@test
def a_name_that_fits_several_people_lists_them():
    fits = {p for p in PEOPLE.named("fatou") if PEOPLE.sessions[p] & VISIBLE}
    check(len(fits) > 1, "the sample should have several Fatous")
    r = q("--format", "json", "person", "fatou")
    check(r.code == 4, "exit %s, want 4\n%r" % (r.code, r))
    data = r.json()
    check(data["person"] is None and data["format_version"] == 1, data)
    got = {c["person"] for c in data["candidates"]}
    check(got == {PEOPLE.label(p) for p in fits}, "candidates %s" % sorted(got))
    for c in data["candidates"]:
        check(c["session_count"] >= 1 and c["years"] and c["names"], c)
    r = q("person", "fatou")
    check(r.code == 4 and r.out.startswith("%d people fit" % len(fits)), r)
    r = q("--format", "ids", "person", "fatou")
    check(r.code == 4 and r.out == "" and "people fit" in r.err, r)
    # a whole name picks one
    one = sorted(PEOPLE.label(p) for p in fits)[0]
    r = q("--format", "json", "person", one)
    check(r.code == 0 and r.json()["person"] == one, r)


@test
def nobody_and_no_name():
    r = q("person", "Nobody Atall")
    check(r.code == 1 and r.out == "" and len(stderr_lines(r)) == 1 and "no speaker matches" in r.err, r)
    r = q("person")
    check(r.code == 2 and "person needs" in r.err, r)


@test
def list_speakers_shows_each_person_once():
    r = q("list", "speakers")
    lines = [line for line in r.out.splitlines() if "Lindqvist" in line and "Berg" not in line]
    check(len(lines) == 1 and "(also " in lines[0], lines)
    data = q("--format", "json", "list", "speakers").json()
    labels = [v["value"] for v in data["values"]]
    check(len({fold(v) for v in labels}) == len(labels), "a person listed twice")


# Names that fold alike or not depending on the script (store/analysis.h):
# Latin and Greek lose their marks, also written apart (e + U+0308); й
# keeps its breve (it is no и); ё is е.
FOLDING_NAMES = ["Zoë Lee", "Zoe\u0308 Lee", "Zoe Lee", "Ελένη Ρήγα", "Ελενη Ρηγα", "Søren Ås", "Soren As",
                 "Йосип Коваль", "Иосип Коваль", "Фёдор Орлов", "Федор Орлов"]


@test
def the_model_folds_names_as_the_store_does():
    talks = [{"code": "FOLD%02d" % n, "title": "Talk %d" % n, "abstract": "About names.",
              "persons": [("P%02d" % n, name)]} for n, name in enumerate(FOLDING_NAMES)]
    path = schedule_export(os.path.join(tmpdir(), "names-schedule.json"), "Names 2026", "names26",
                           "2026-05-01", talks)
    index = build_index(path)
    r = wmquery("-d", index, "--format", "json", "list", "speakers")
    check_clean(r, "wmquery list speakers")
    labels = [v["value"] for v in r.json()["values"]]
    model = {fold(name) for name in FOLDING_NAMES}
    check(len(labels) == len(model) and {fold(v) for v in labels} == model,
          "the store lists %s, the model folds to %s" % (sorted(labels), sorted(model)))
    check(len(model) == 6, "the model: %s" % sorted(model))   # Zoë, Ελένη, Søren, Йосип, Иосип, Фёдор


if __name__ == "__main__":
    done()
