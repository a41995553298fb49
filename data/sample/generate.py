#!/usr/bin/env python3
"""Generate fictional Wikimania program dumps in real MediaWiki XML dump shape.

Two modes (Python 3 standard library only; the compression is done by the
real `bzip2` and `gzip` tools, because the readers must cope with what those
tools really write):

  generate.py --out data/sample
      The committed sample: wikimaniawiki-sample.xml.bz2 (the unified wiki,
      2019/2023/2024 sessions, multistream bzip2 made like Wikimedia's),
      wikimania2014wiki-sample.xml.gz (the per-year 2014 wiki, two gzip
      members) and truth.json (what a correct extractor finds, written from
      this generator's own model, never by parsing its output).

  generate.py --sessions N --out DIR [--plain]
      A large unified-wiki corpus for benchmarks: exactly N sessions spread
      over the eras plus a proportional number of other pages, streamed to
      disk in constant memory.  Writes wikimaniawiki-N.xml (--plain) or
      wikimaniawiki-N.xml.bz2 (multistream), and wikimaniawiki-N.counts.json.

The page shapes are those of doc/era-shapes.md, the contract with the
extractor; change them only together with that document.  Output is
deterministic: the same --seed gives byte-identical files.  Every title,
person, abstract and e-mail address is invented.
"""
import argparse
import hashlib
import json
import math
import os
import random
import re
import subprocess
import sys
import urllib.parse
import zlib

DEFAULT_SEED = 2024

# --------------------------------------------------------------------------
# Vocabulary.  Subjects carry a theme, and each era maps themes to its own
# tracks, so a generated session sits in a track that fits its title.

SUBJECTS = {
    "libraries": ["library catalogues on Wikidata", "the Wikipedia Library", "citation hunting",
                  "1Lib1Ref campaigns", "open bibliographic data", "authority files",
                  "reference desks and Wikipedia"],
    "wikidata": ["Wikidata", "Wikidata queries", "lexicographical data", "Wikidata item quality",
                 "Wikidata bots", "property proposals", "SPARQL for beginners"],
    "glam": ["museum collections on Commons", "GLAM partnerships", "structured data on Commons",
             "archival photographs", "open access images", "Wiki Loves Monuments",
             "digitised newspapers"],
    "education": ["the Wikipedia Education Program", "student editing assignments",
                  "Wikipedia in the classroom", "teacher training", "Wikibooks for schools",
                  "media literacy lessons"],
    "health": ["the Universal Code of Conduct", "volunteer wellbeing", "mentorship for newcomers",
               "friendly spaces at events", "conflict resolution", "anti-harassment tools"],
    "translation": ["the Content Translation tool", "machine translation", "translation sprints",
                    "Abstract Wikipedia", "terminology in small languages", "multilingual templates"],
    "tools": ["Toolforge tools", "user scripts", "the visual editor", "mobile editing",
              "Lua modules", "bots and gadgets", "PAWS notebooks"],
    "smallwikis": ["small language Wikipedias", "the Wikimedia Incubator", "Wikisource in minority languages",
                   "Wiktionary for oral languages", "keyboard layouts and fonts"],
    "diversity": ["the gender gap", "Women in Red", "underrepresented regions", "Indigenous knowledge",
                  "oral citations", "accessibility for blind editors"],
    "strategy": ["the movement strategy recommendations", "regional hubs", "the Movement Charter",
                 "affiliate governance", "participatory grantmaking"],
    "research": ["Wikipedia research", "reader surveys", "citation needed tags", "knowledge gap metrics",
                 "edit histories as data"],
    "opendata": ["open government data", "OpenStreetMap and Wikidata", "public domain datasets",
                 "election data", "biodiversity records"],
    "legal": ["copyright reform", "freedom of panorama", "public policy advocacy",
              "platform regulation", "the public domain"],
}

PLACES = ["small libraries", "rural schools", "the Basque community", "public libraries in Chile",
          "museums in Ghana", "university archives", "Indigenous communities in Canada",
          "Ukrainian volunteers", "the Arab world", "Southeast Asia", "the Philippines",
          "Nepali editors", "the Balkans", "West Africa", "Quechua speakers", "Brazilian universities",
          "Nordic archives", "Pacific island nations", "Bangladesh", "the Caribbean",
          "Francophone Africa", "Central Asia", "the Catalan community", "Welsh schools",
          "Korean museums", "Mexican libraries", "the Yoruba Wikipedia", "the Igbo Wikipedia",
          "Kurdish editors", "newcomers", "retired teachers", "high school students",
          "medical students", "local journalists", "librarians", "archivists", "small affiliates",
          "user groups", "the Amazon region", "the Sámi community", "Tamil editors",
          "Portuguese-speaking Africa", "the Andes", "Mongolian volunteers", "deaf communities",
          "island libraries", "city archives", "community radio stations", "village schools",
          "diaspora communities"]

ANGLES = ["lessons learned", "a case study", "five years on", "what worked and what did not",
          "a practical guide", "open questions", "first results", "a roadmap", "tools and tips",
          "challenges ahead", "a status report", "an invitation", "stories from the field",
          "a hands-on introduction"]

TITLE_PATTERNS = ["{S} for {P}: {A}", "{S} and {P}: {A}", "{A}: {S} with {P}",
                  "{A} – working on {S} with {P}", "Bringing {S} to {P}: {A}", "{P} and {S}, {A}"]

SUBJECT_LIST = [(theme, s) for theme in SUBJECTS for s in SUBJECTS[theme]]
TITLE_SPACE = len(TITLE_PATTERNS) * len(SUBJECT_LIST) * len(PLACES) * len(ANGLES)
# A stride coprime with TITLE_SPACE walks every title combination once, in a
# scattered order, so session k always has a title no other session has.
TITLE_STRIDE = 104729
assert math.gcd(TITLE_STRIDE, TITLE_SPACE) == 1

GIVEN = ["Amani", "Tomasz", "Leilani", "Sofia", "Ravi", "Ingrid", "Kwame", "Mei", "Diego", "Aylin",
         "Farah", "Jonas", "Nadia", "Pedro", "Yuki", "Chidi", "Elena", "Bilal", "Ana", "Hamid",
         "Olga", "Tariq", "Noor", "Mateo", "Zanele", "Hana", "Luca", "Adaeze", "Erik", "Lucía",
         "Sipho", "Marta", "Arjun", "Camille", "Bayarmaa", "Wiremu", "Emeka", "Katrin", "Jun",
         "Fatou", "Ilse", "Tevita", "Rosa", "Dawit", "Ayşe", "Björn", "Chiara", "Nilufar", "Paulo",
         "Zhen"]
FAMILY = ["Okonkwo", "Nowak", "Kahale", "Rossi", "Subramanian", "Halvorsen", "Mensah", "Lin",
          "Herrera", "Yıldız", "Haddad", "Becker", "Petrova", "Almeida", "Tanaka", "Eze", "Popescu",
          "Qureshi", "Costa", "Karimi", "Sokolova", "Rahman", "Vargas", "Dlamini", "Novak",
          "Moretti", "Obi", "Lund", "Castillo", "Ndlovu", "Kowalczyk", "Iyer", "Laurent", "Batbayar",
          "Ngata", "Adeyemi", "Schulz", "Park", "Diallo", "Janssen", "Fifita", "Mendes", "Tesfaye",
          "Demir", "Sandberg", "Bianchi", "Usmonova", "Ramos", "Chen", "Mwangi"]

ROLES = ["librarian", "teacher", "software developer", "archivist", "researcher", "volunteer",
         "community organiser", "translator", "data scientist", "museum curator", "journalist",
         "student", "university lecturer", "program manager"]
CITIES = ["Accra", "Lima", "Kraków", "Manila", "Kathmandu", "Tromsø", "Bogotá", "Tunis", "Kyiv",
          "Jakarta", "Nairobi", "Montevideo", "Tbilisi", "Dhaka", "Porto", "Ulaanbaatar",
          "Auckland", "Cardiff", "Dakar", "Medellín"]
ORGS = ["a regional network of public libraries", "a local university", "the city museum",
        "a community radio station", "a national archive", "a teachers' association",
        "a small local user group", "a school district"]
COUNTRIES = ["Germany", "Ghana", "India", "Brazil", "Poland", "Philippines", "Norway", "Kenya",
             "Mexico", "Ukraine", "Nepal", "Chile", "Indonesia", "Tunisia", "Canada", "Spain"]

SENTENCES = [
    "In this session we share what we learned while working on {S} with {P}.",
    "Over the past {n} years, volunteers working with {P} have experimented with {S}.",
    "We will show concrete examples, including a dashboard that tracks {m} articles.",
    "Our goal is to make {S} easier to adopt for {P} with little time and money.",
    "The project started as a pilot with {n} participants and grew into a regular programme.",
    "We discuss what worked, what failed and what we would do differently next time.",
    "Participants will leave with a checklist they can use in their own communities.",
    "We also present the results of a survey answered by {m} contributors.",
    "The session is aimed at organisers, newcomers and anyone curious about {S}.",
    "Along the way we met hard questions about licensing, sustainability and volunteer time.",
    "We partnered with {O} to reach people who had never edited before.",
    "Most of the material we produced is on [[Commons:Main Page|Wikimedia Commons]] under a free licence.",
    "This talk connects {S} with the wider goals of the movement.",
    "We will end with an open discussion about next steps for {P}.",
    "'''{m} new articles''' were written during the first year alone.",
    "A short report is available on [https://example.org/reports/{n} the project page].",
    "Much of this work depends on [[Wikidata]] and on a handful of ''very'' patient volunteers.",
    "We compare our approach with similar efforts elsewhere and invite feedback.",
    "No prior experience is needed; bring a laptop if you want to follow along.",
    "The numbers are modest, but the community that formed around {S} is still active.",
]
OUTCOMES = ["Participants know where to start with {S}.",
            "A shared list of contacts and resources for {P}.",
            "Ideas for a follow-up project, collected on the talk page.",
            "A better understanding of what {P} need from the movement."]

# --------------------------------------------------------------------------
# Eras: tracks, types and languages as each era writes them.

TYPE_NORMAL = {
    "presentation": "talk", "talk": "talk", "lecture": "talk", "case study": "talk", "hot seat": "talk",
    "panel": "panel", "panel discussion": "panel",
    "workshop": "workshop", "training": "workshop", "hands-on workshop": "workshop",
    "lightning talk": "lightning talk", "lightning talks": "lightning talk", "lightning": "lightning talk",
    "poster": "poster",
    "roundtable": "roundtable", "round table": "roundtable", "discussion": "roundtable",
    "discussion group": "roundtable",
    "tutorial": "tutorial",
    "keynote": "keynote", "plenary": "keynote", "invited speaker": "keynote", "invited talk": "keynote",
    "meetup": "meetup", "meet-up": "meetup", "barcamp": "meetup",
}

TYPES_2014 = [("presentation", 10), ("workshop", 4), ("panel", 3), ("tutorial", 2), ("discussion", 2),
              ("hot seat", 1)]
TYPES_2019 = [("Presentation", 10), ("Workshop", 4), ("Panel discussion", 3), ("Roundtable", 2),
              ("Lightning talk", 3), ("Poster", 2), ("Tutorial", 1)]
TYPE_LIST_2019 = ["Presentation", "Workshop", "Panel discussion", "Roundtable", "Lightning talk",
                  "Poster", "Tutorial"]
# pretalx type ids -> (label, usual length in minutes)
TYPES_2023 = {101: ("Lecture", 25), 102: ("Panel", 55), 103: ("Workshop", 85),
              104: ("Lightning talk", 5), 105: ("Roundtable", 55), 106: ("Poster", 0),
              107: ("Meetup", 25), 108: ("Keynote", 45)}
TYPE_WEIGHTS_2023 = [(101, 10), (102, 4), (103, 3), (104, 4), (105, 2), (106, 1), (107, 1)]
TYPES_2024 = [("Lecture (25 minutes)", 10), ("Panel (55 minutes)", 4), ("Workshop (85 minutes)", 3),
              ("Lightning talk (5 minutes, in person only)", 4), ("Roundtable (55 minutes)", 2),
              ("Poster", 1), ("Meetup (25 minutes)", 1), ("Training (55 minutes)", 1),
              ("Celebration (55 minutes)", 1)]

TRACKS_2019 = {"libraries": "Libraries", "wikidata": "Libraries", "glam": "GLAM",
               "education": "Education", "health": "Community Health", "translation": "Diversity",
               "tools": "Technology", "smallwikis": "Diversity", "diversity": "Diversity",
               "strategy": "Strategy", "research": "Research", "opendata": "Technology",
               "legal": "Strategy"}
TRACK_NAMES_2023 = {41: "Community Initiatives", 42: "Education", 43: "ESEAP Region",
                    44: "Equity, Inclusion, and Community Health", 45: "GLAM, Heritage, and Culture",
                    46: "Governance", 47: "Legal, Advocacy, and Risks", 48: "Open Data",
                    49: "Research, Science, and Medicine", 50: "Technology"}
TRACKS_2023 = {"libraries": [45], "wikidata": [48, 50], "glam": [45], "education": [42], "health": [44],
               "translation": [41, 43], "tools": [50], "smallwikis": [43, 41], "diversity": [44],
               "strategy": [46], "research": [49], "opendata": [48], "legal": [47]}
TRACKS_2024 = {"libraries": ["GLAM", "Education"], "wikidata": ["Open Data", "Technology"],
               "glam": ["GLAM"], "education": ["Education"], "health": ["Community Health"],
               "translation": ["Community Engagement"], "tools": ["Technology"],
               "smallwikis": ["Community Engagement", "Equity"], "diversity": ["Equity"],
               "strategy": ["Governance", "Partnerships"], "research": ["Research"],
               "opendata": ["Open Data"], "legal": ["Legal and Advocacy"]}
LANGS_2023 = [("en", 20), ("es", 2), ("fr", 2), ("id", 2), ("zh", 1), ("ar", 1)]
LANGS_2024 = [("English", 20), ("French", 2), ("Français", 1), ("Spanish", 2), ("Español", 1),
              ("Arabic", 2), ("Russian", 1), ("Ukrainian", 2)]
LANGUAGE_CODES = {"english": "en", "french": "fr", "français": "fr", "arabic": "ar", "russian": "ru",
                  "spanish": "es", "español": "es", "ukrainian": "uk"}

UNIFIED_YEAR_NAMESPACES = [2005, 2019, 2021, 2022, 2023, 2024, 2025]


def namespaces_common():
    return [(-2, "Media"), (-1, "Special"), (0, ""), (1, "Talk"), (2, "User"), (3, "User talk"),
            (4, "Wikimania"), (5, "Wikimania talk"), (6, "File"), (7, "File talk"),
            (8, "MediaWiki"), (9, "MediaWiki talk"), (10, "Template"), (11, "Template talk"),
            (12, "Help"), (13, "Help talk"), (14, "Category"), (15, "Category talk")]


def unified_site():
    spaces = namespaces_common() + [(828, "Module"), (829, "Module talk"),
                                    (1198, "Translations"), (1199, "Translations talk")]
    for i, year in enumerate(UNIFIED_YEAR_NAMESPACES):
        spaces += [(3000 + 2 * i, str(year)), (3001 + 2 * i, "%d talk" % year)]
    return {"sitename": "Wikimania", "dbname": "wikimaniawiki",
            "base": "https://wikimania.wikimedia.org/wiki/Main_Page",
            "generator": "MediaWiki 1.43.0-wmf.22", "schema": "0.11", "lang": "en",
            "namespaces": spaces}


def site_2014():
    return {"sitename": "Wikimania", "dbname": "wikimania2014wiki",
            "base": "https://wikimania2014.wikimedia.org/wiki/Main_Page",
            "generator": "MediaWiki 1.31.0-wmf.30", "schema": "0.10", "lang": "en",
            "namespaces": namespaces_common()}


def year_ns(year, talk=False):
    """Namespace key of the unified wiki's "YYYY:" (or "YYYY talk:") prefix."""
    return 3000 + 2 * UNIFIED_YEAR_NAMESPACES.index(year) + (1 if talk else 0)


# --------------------------------------------------------------------------
# Small helpers.

def weighted(rng, pairs):
    total = sum(w for _, w in pairs)
    x = rng.random() * total
    for value, w in pairs:
        x -= w
        if x < 0:
            return value
    return pairs[-1][0]


def capitalise(text):
    return text[:1].upper() + text[1:]


def normalise_type(label):
    """(type, duration) by doc/era-shapes.md: a trailing "(NN minutes...)" gives the duration."""
    duration = 0
    m = re.search(r"\s*\((\d+)\s*minutes?[^)]*\)\s*$", label)
    if m:
        duration = int(m.group(1))
        label = label[:m.start()]
    return TYPE_NORMAL.get(label.strip().lower(), "other"), duration


def page_url(base, title):
    """MediaWiki's wfUrlencode of the title, after the base up to /wiki/."""
    prefix = base[:base.index("/wiki/") + len("/wiki/")]
    return prefix + urllib.parse.quote(title.replace(" ", "_"), safe="-_.~;:@$!*(),/")


def sha1_base36(data):
    n = int.from_bytes(hashlib.sha1(data).digest(), "big")
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = []
    while n:
        n, r = divmod(n, 36)
        out.append(digits[r])
    return "".join(reversed(out)).rjust(31, "0")


def user_id_of(username):
    """A stable user id for a username, as a wiki gives each account one id."""
    return 2 + zlib.crc32(username.encode("utf-8")) % 900000


def xml_escape(text):
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def pretalx_code(n):
    """A 6-character pretalx-style code; distinct n (< 28**6) give distinct codes."""
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ3789"
    n = (n * 2654435761 + 123457) % (28 ** 6)
    out = []
    for _ in range(6):
        n, r = divmod(n, 28)
        out.append(alphabet[r])
    return "".join(out)


def timestamp(rng, year, first_month, last_month):
    return "%04d-%02d-%02dT%02d:%02d:%02dZ" % (year, rng.randint(first_month, last_month),
                                                rng.randint(1, 28), rng.randint(0, 23),
                                                rng.randint(0, 59), rng.randint(0, 59))


def signature_time(rng, year):
    months = ["January", "February", "March", "April", "May", "June"]
    return "%02d:%02d, %d %s %d (UTC)" % (rng.randint(0, 23), rng.randint(0, 59), rng.randint(1, 28),
                                          rng.choice(months), year)


# --------------------------------------------------------------------------
# People.  A person may have a wiki username and shows up under different
# display names in different years; in 2023 pretalx gives each a code.

class Person:
    __slots__ = ("name", "username", "code", "names", "city", "role")

    def __init__(self, name, username=None, code=None, names=None, city="Lima", role="volunteer"):
        self.name = name
        self.username = username
        self.code = code
        self.names = names or {}
        self.city = city
        self.role = role

    def display(self, year):
        return self.names.get(year, self.name)


def core_people():
    """Invented people who recur across years, eras and display names."""
    P = Person
    return [
        P("Mara Lindqvist", "Quillfeather", pretalx_code(20000001),
          {2014: "M. Lindqvist", 2024: "Mara Lindqvist-Ortiz"}, "Tromsø", "librarian"),
        P("Tunde Adeyemi-Cole", "TAdeyemi", pretalx_code(20000002), {2019: "Tunde Adeyemi"}, "Accra",
          "software developer"),
        P("Siobhán Ní Bhriain", "Siobhán NB", pretalx_code(20000003), {}, "Cardiff", "teacher"),
        P("Kenji Morimoto", "Kmori", pretalx_code(20000004), {2014: "Kenji M."}, "Manila", "archivist"),
        P("Ana Lúcia Ferreira", None, pretalx_code(20000005), {}, "Porto", "researcher"),
        P("Rahel Tesfaye", "Rahel Tesfaye", pretalx_code(20000006), {}, "Nairobi", "community organiser"),
        P("Dmytro Kovalenko", "Dkoval", pretalx_code(20000007), {2024: "Дмитро Коваленко"}, "Kyiv",
          "translator"),
        P("Priya Raghunathan", "PriyaR", pretalx_code(20000008), {2019: "Priya R."}, "Dhaka", "data scientist"),
        P("Léa Dubois-Martin", "Léa DM", pretalx_code(20000009), {}, "Dakar", "museum curator"),
        P("Nguyễn Minh Châu", "Minhchau", pretalx_code(20000010), {}, "Jakarta", "student"),
        P("Omar Haddad", "Omar H", pretalx_code(20000011), {2024: "عمر حداد"}, "Tunis", "journalist"),
        P("Grace Achieng", "Gachieng", pretalx_code(20000012), {2023: "Grace Achieng Otieno"}, "Nairobi",
          "program manager"),
    ]


def random_person(rng, index, unique=False):
    """An invented person; unique=True makes the username unique by its index
    (large corpora have more people than there are name combinations)."""
    given, family = rng.choice(GIVEN), rng.choice(FAMILY)
    name = "%s %s" % (given, family)
    r = rng.random()
    if r < 0.25:
        username = None
    elif r < 0.45:
        username = name
    elif r < 0.65:
        username = given + family
    elif r < 0.85:
        username = given[0] + family.lower()
    else:
        username = "%s %s." % (given, family[0])
    if unique and username:
        username = "%s %d" % (username.rstrip("."), index)
    return Person(name, username, pretalx_code(index), {}, rng.choice(CITIES), rng.choice(ROLES))


class Speaker:
    """One person as a page writes them: the form decides the truth's (name, username)."""
    __slots__ = ("person", "name", "username", "form", "bio")

    def __init__(self, person, name, username, form, bio):
        self.person, self.name, self.username, self.form, self.bio = person, name, username, form, bio

    def wikitext(self):
        if self.form == "link":
            return "[[User:%s|%s]]" % (self.username, self.name)
        if self.form == "bare":
            return "[[User:%s]]" % self.username
        return self.name


def wiki_speaker(rng, person, year):
    """How a proposer writes a person on a page: a user link, a bare user link, or a plain name."""
    display = person.display(year)
    bio = make_bio(rng, person, display)
    if person.username:
        r = rng.random()
        if r < 0.12 and display == person.username:
            return Speaker(person, person.username, person.username, "bare", bio)
        if r < 0.72:
            return Speaker(person, display, person.username, "link", bio)
    return Speaker(person, display, None, "plain", bio)


def make_bio(rng, person, display):
    first = display.split()[0]
    years = rng.randint(2005, 2020)
    return ("%s is a %s based in %s. %s has edited Wikipedia since %d and helps run a local "
            "editing group." % (display, person.role, person.city, first, years))


# --------------------------------------------------------------------------
# Sessions: the model.  Renderers turn a session into wikitext, truth() into
# what the extractor must find.

class Session:
    def __init__(self, year, era):
        self.year = year
        self.era = era                # "2014", "2019", "2019p", "2023", "2024"
        self.title = ""               # plain text: what the extractor must report
        self.title_src = None         # wikitext as written when it differs from title
        self.page_title = ""
        self.type_label = ""
        self.duration = 0             # 2023's duration= parameter
        self.tracks = []
        self.language = None          # code
        self.language_written = None  # 2024: the language name on the page
        self.speakers = []
        self.abstract = []            # paragraphs of wikitext
        self.description = []
        self.theme = ""
        self.subject = ""
        self.place = ""
        self.extra = {}

    def status(self):
        """What the page says of the proposal: the 2014 banner, 2019's
        status=, the 2023 bot's state=; None when nothing."""
        if self.era == "2014":
            banner = self.extra.get("banner", "{{Submission-accepted}}\n")
            return "accepted" if "accepted" in banner else "rejected" if "declined" in banner else None
        if self.era == "2023":
            return "confirmed"
        if "status=accepted" in self.extra.get("lead", ""):
            return "accepted"
        if self.era == "2019":   # [[Category:2019:Accepted submissions]] unless pending
            return None if self.extra.get("pending") else "accepted"
        return None

    def truth(self, site, page_id, source):
        type_, duration = normalise_type(self.type_label)
        if self.era == "2023":
            duration = self.duration
        return {
            "id": "%s:%d" % (site["dbname"], page_id), "year": self.year, "title": self.title,
            "type": type_, "type_label": self.type_label, "duration_minutes": duration,
            "tracks": list(self.tracks), "language": self.language,
            # A pretalx speaker code is the person's code in the event, not a username.
            "speakers": [{"name": s.name, "username": None if s.form == "code" else s.username,
                          "code": s.username if s.form == "code" else None}
                         for s in self.speakers],
            "url": page_url(site["base"], self.page_title), "source": source,
            "page_title": self.page_title, "status": self.status(),
            "event": "Wikimania %d" % self.year,
        }


def title_parts(k):
    """The (pattern, theme, subject, place, angle) of the k-th title combination."""
    t = (k * TITLE_STRIDE + 7) % TITLE_SPACE
    t, a = divmod(t, len(ANGLES))
    t, p = divmod(t, len(PLACES))
    t, s = divmod(t, len(SUBJECT_LIST))
    theme, subject = SUBJECT_LIST[s]
    return TITLE_PATTERNS[t], theme, subject, PLACES[p], ANGLES[a]


def fill(rng, template, session):
    return template.format(S=session.subject, P=session.place, O=rng.choice(ORGS),
                           n=rng.randint(2, 12), m=rng.randint(20, 4000))


def paragraphs(rng, session, count, sentences=(3, 5)):
    out = []
    for _ in range(count):
        picked = rng.sample(SENTENCES, rng.randint(*sentences))
        out.append(" ".join(fill(rng, s, session) for s in picked))
    return out


def new_session(rng, k, era, year, speakers_for):
    """A session of era with the k-th title; speakers_for(rng, n) picks people."""
    s = Session(year, era)
    pattern, s.theme, s.subject, s.place, angle = title_parts(k)
    s.title = capitalise(pattern.format(S=s.subject, P=s.place, A=angle))
    if k >= TITLE_SPACE:
        s.title += " (%d)" % (k // TITLE_SPACE + 1)
    s.abstract = paragraphs(rng, s, rng.choice([1, 1, 2, 2, 3]))
    s.description = paragraphs(rng, s, rng.choice([0, 1, 1, 2]))
    count = weighted(rng, [(1, 55), (2, 25), (3, 13), (4, 7)])
    people = speakers_for(rng, count)
    if era == "2014":
        s.type_label = weighted(rng, TYPES_2014)
    elif era == "2019":
        s.type_label = weighted(rng, TYPES_2019)
        s.tracks = [TRACKS_2019[s.theme]]
    elif era == "2023":
        type_id = weighted(rng, TYPE_WEIGHTS_2023)
        s.extra["type_id"] = type_id
        s.type_label, s.duration = TYPES_2023[type_id]
        track_id = rng.choice(TRACKS_2023[s.theme])
        s.extra["track_id"] = track_id
        s.tracks = [TRACK_NAMES_2023[track_id]]
        s.language = weighted(rng, LANGS_2023)
        s.extra["code"] = pretalx_code(k)
    elif era == "2024":
        s.type_label = weighted(rng, TYPES_2024)
        s.tracks = [rng.choice(TRACKS_2024[s.theme]) if rng.random() > 0.05 else "Wildcard"]
        s.language_written = weighted(rng, LANGS_2024)
        s.language = LANGUAGE_CODES[s.language_written.lower()]
    if era == "2023":
        s.speakers = [Speaker(p, p.display(2023), p.code, "code", make_bio(rng, p, p.display(2023)))
                      for p in people]
    else:
        s.speakers = [wiki_speaker(rng, p, year) for p in people]
    set_page_title(s)
    return s


def set_page_title(s):
    if s.era == "2014":
        s.page_title = "Submissions/" + s.title
    elif s.era == "2019":
        s.page_title = "2019:%s/%s" % (s.tracks[0], s.title)
    elif s.era == "2019p":
        s.page_title = "2019:Program/" + s.title
    elif s.era == "2023":
        full = "2023:Program/%s/%s-%s" % (s.tracks[0], s.extra["code"], s.title)
        cut = full.encode("utf-8")[:255].decode("utf-8", "ignore")
        if cut != full:
            s.extra["displaytitle"] = True
        s.page_title = cut
    elif s.era == "2024":
        s.page_title = "2024:Program/" + s.title


# --------------------------------------------------------------------------
# Renderers: one per era, in the shapes of doc/era-shapes.md.

def render_2014(rng, s):
    banner = s.extra.get("banner", "{{Submission-accepted}}\n")
    heading = s.extra.get("title_heading", "==== Title of the submission ====")
    authors = "".join("* %s\n" % sp.wikitext() for sp in s.speakers)
    person = s.speakers[0]
    mail = re.sub(r"[^a-z]", "", person.name.split()[-1].lower()) or "author"
    parts = [banner, "Submission no. %d\n" % s.extra.get("number", 1000),
             heading + "\n" + (s.title_src or s.title) + "\n",
             "==== Type of submission (discussion, hot seat, panel, presentation, tutorial, workshop) ====\n"
             + s.type_label + "\n"]
    author_block = "==== Author of the submission ====\n" + authors
    abstract_block = ("==== Abstract (at least 300 words to describe your proposal) ====\n"
                      + "\n\n".join(s.abstract + s.description) + "\n")
    rest = ["==== E-mail address ====\n%s@example.org\n" % mail,
            "==== Country of origin ====\n* %s\n" % rng.choice(COUNTRIES),
            "==== Affiliation, if any (organisation, company etc.) ====\n* %s\n" % capitalise(rng.choice(ORGS)),
            "==== Personal homepage or blog ====\n"]
    if s.extra.get("abstract_first"):
        parts += [abstract_block, author_block] + rest
    else:
        parts += [author_block] + rest + [abstract_block]
    if s.extra.get("attendees"):
        parts.append("==== Interested attendees ====\nIf you are interested in attending this session, "
                     "please sign with your username below.\n" + s.extra["attendees"])
    return "".join(parts)


def attendee_signatures(rng, people, year, count):
    lines = []
    for p in rng.sample(people, count):
        user = p.username or p.name.replace(" ", "")
        lines.append("# [[User:%s|%s]] ([[User talk:%s|talk]]) %s\n" % (user, user, user,
                                                                           signature_time(rng, year)))
    return "".join(lines)


def render_2019(rng, s):
    leaders = []
    for sp in s.speakers:
        line = "* " + sp.wikitext()
        if sp.form != "plain" and rng.random() < 0.6:
            line += " ([[User talk:%s|talk]]) %s" % (sp.username, signature_time(rng, 2019))
        leaders.append(line + "\n")
    types = s.extra.get("type_list") or [s.type_label]
    leader_heading = "Author(s)" if s.type_label == "Poster" else "Session leader(s)"
    out = [s.extra.get("lead", ""),
           "=== Title ===\n%s\n" % (s.title_src or s.title),
           "=== Description ===\n%s\n" % "\n\n".join(s.abstract),
           "=== Relationship to the theme ===\n%s\n" % fill(rng, "This session shows how {S} helps {P} "
                                                              "take part in free knowledge.", s),
           "=== Session outcomes ===\n%s\n" % "".join("* %s\n" % fill(rng, o, s) for o in OUTCOMES[:2]),
           "=== %s ===\n%s" % (leader_heading, "".join(leaders)),
           "=== Session type ===\n%s" % "".join("* %s\n" % t for t in types),
           "=== Requirements ===\n%s\n" % rng.choice(["Projector and screen.", "A room with tables; "
                                                      "participants bring laptops.", "None."])]
    if s.extra.get("attendees"):
        out.append("=== Interested attendees ===\nIf you are interested in attending this session, please "
                   "sign with your username below.\n" + s.extra["attendees"])
    out.append("\n")
    if s.era == "2019":
        out.append("[[Category:2019:Submissions]]\n[[Category:2019:%s submissions]]\n" % s.tracks[0])
        if not s.extra.get("pending"):
            out.append("[[Category:2019:Accepted submissions]]\n")
    else:
        out.append("[[Category:2019:Program]]\n")
    return "".join(out)


def param_text(text):
    """A template parameter value: a top-level '|' would end the parameter."""
    return text.replace("|", "{{!}}")


def render_2023(rng, s):
    speakers = "".join("{{2023 speaker details/%s}}" % sp.username for sp in s.speakers)
    out = []
    if s.extra.get("displaytitle"):
        out.append("{{DISPLAYTITLE:%s}}\n" % s.title)
    out.append("{{2023 session details\n|title=%s\n" % (s.title_src or s.title))
    out.append("|speakers={{2023 speaker wrapper|%s}}\n" % speakers)
    out.append("|track={{2023 track name|%d}}\n|type={{2023 session type|%d}}\n"
               % (s.extra["track_id"], s.extra["type_id"]))
    out.append("|state=confirmed\n|duration=%s\n|do_not_record=%s\n|locale=%s\n"
               % (s.duration or "", "true" if rng.random() < 0.1 else "", s.language))
    out.append("|abstract=%s\n" % param_text("\n\n".join(s.abstract)))
    out.append("|description=%s\n" % param_text("\n\n".join(s.description)))
    out.append("|created=%s\n" % s.extra.get("created", "2023-05-01"))
    out.append("|ans_1=%s\n}}<languages/>\n" % rng.choice(["Yes", "No", ""]))
    return "".join(out)


def render_speaker_2023(person, bio):
    return "{{2023 speaker details\n|name=%s\n|biography=%s\n}}\n" % (person.display(2023), param_text(bio))


def render_2024(rng, s, translate=False):
    """The eventyay copy; with translate=True wrapped in Translate markup like a source page."""
    unit = [0]

    def marker():
        unit[0] += 1
        return "<!--T:%d-->\n" % unit[0] if translate else ""

    def heading(text):
        unit[0] += 1
        return "== %s ==%s\n" % (text, " <!--T:%d-->" % unit[0] if translate else "")

    out = ["<languages/>\n<translate>\n" if translate else "", marker(),
           "'''Session title:''' %s\n'''Session type:''' %s\n'''Track:''' %s\n'''Language:''' %s\n\n"
           % (s.title_src or s.title, s.type_label, s.tracks[0], s.language_written)]
    out.append(heading("Description"))
    for para in s.abstract:
        out.append(marker() + para + "\n\n")
    out.append(heading("How does your session relate to the event theme, Collaboration of the Open?"))
    out.append(marker() + fill(rng, "We bring {P} and {S} together in the open.", s) + "\n\n")
    out.append(heading("What is the experience level needed for the audience for your session?"))
    out.append(rng.choice(["Everyone can participate in this session",
                           "The session is for intermediate participants",
                           "The session is for advanced participants"]) + "\n\n")
    out.append(heading("Resources"))
    out.append("* [https://example.org/slides/%d Slides]\n\n" % rng.randint(100, 999))
    if translate:
        out.append("</translate>\n")
    out.append("== Speakers ==\n")
    for sp in s.speakers:
        if s.extra.get("speaker_list"):
            out.append("* %s\n" % sp.wikitext())
            continue
        out.append("'''%s'''\n\n" % sp.wikitext())
        if sp.bio:
            out.append(sp.bio + "\n\n")
    return "".join(out)


TRANSLATED = {"fr": ("« %s » (version française)", "Cette session présente le projet et ses résultats."),
              "es": ("«%s» (versión en español)", "Esta sesión presenta el proyecto y sus resultados."),
              "zh-hans": ("%s（中文版）", "本场次介绍该项目及其成果。"),
              "de": ("%s (deutsche Fassung)", "Diese Sitzung stellt das Projekt und seine Ergebnisse vor."),
              "pt-br": ("%s (versão em português)", "Esta sessão apresenta o projeto e seus resultados.")}


def render_translation(rng, s, lang):
    """A Translate subpage: the same shape as its source page, translated values."""
    title_fmt, para = TRANSLATED[lang]
    t = Session(s.year, s.era)
    t.__dict__.update(s.__dict__)
    t.title_src = None
    t.title = title_fmt % s.title
    t.abstract = [para]
    t.description = [para]
    if s.era == "2014":
        return render_2014(rng, t)
    if s.era in ("2019", "2019p"):
        return render_2019(rng, t)
    if s.era == "2023":
        return render_2023(rng, t)
    return "<languages/>\n" + render_2024(rng, t)


def render(rng, s):
    if s.era == "2014":
        return render_2014(rng, s)
    if s.era in ("2019", "2019p"):
        return render_2019(rng, s)
    if s.era == "2023":
        return render_2023(rng, s)
    return render_2024(rng, s, translate=s.extra.get("translate", False))


# --------------------------------------------------------------------------
# The dump writer: pages in MediaWiki's export shape, to a sink.

class Revision:
    """One revision; text None with deleted=True is a revision-deleted text."""

    def __init__(self, rev_id, parent_id, ts, text, user=None, user_id=0, ip=None, comment=None,
                 minor=False, model="wikitext", fmt="text/x-wiki", text_deleted=False,
                 contributor_deleted=False, comment_deleted=False):
        self.rev_id, self.parent_id, self.ts, self.text = rev_id, parent_id, ts, text
        self.user, self.user_id, self.ip, self.comment, self.minor = user, user_id, ip, comment, minor
        self.model, self.fmt = model, fmt
        self.text_deleted = text_deleted
        self.contributor_deleted = contributor_deleted
        self.comment_deleted = comment_deleted


def siteinfo_xml(site):
    v = site["schema"]
    out = ['<mediawiki xmlns="http://www.mediawiki.org/xml/export-%s/" '
           'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
           'xsi:schemaLocation="http://www.mediawiki.org/xml/export-%s/ '
           'http://www.mediawiki.org/xml/export-%s.xsd" version="%s" xml:lang="%s">\n' % (v, v, v, v, site["lang"]),
           "  <siteinfo>\n"]
    for key in ("sitename", "dbname", "base", "generator"):
        out.append("    <%s>%s</%s>\n" % (key, xml_escape(site[key]), key))
    out.append("    <case>first-letter</case>\n    <namespaces>\n")
    for key, name in site["namespaces"]:
        if name:
            out.append('      <namespace key="%d" case="first-letter">%s</namespace>\n' % (key, xml_escape(name)))
        else:
            out.append('      <namespace key="%d" case="first-letter" />\n' % key)
    out.append("    </namespaces>\n  </siteinfo>\n")
    return "".join(out)


def revision_xml(schema, r):
    out = ["    <revision>\n      <id>%d</id>\n" % r.rev_id]
    if r.parent_id:
        out.append("      <parentid>%d</parentid>\n" % r.parent_id)
    out.append("      <timestamp>%s</timestamp>\n" % r.ts)
    if r.contributor_deleted:
        out.append('      <contributor deleted="deleted" />\n')
    elif r.ip:
        out.append("      <contributor>\n        <ip>%s</ip>\n      </contributor>\n" % r.ip)
    else:
        out.append("      <contributor>\n        <username>%s</username>\n        <id>%d</id>\n"
                   "      </contributor>\n" % (xml_escape(r.user), r.user_id))
    if r.minor:
        out.append("      <minor />\n")
    if r.comment_deleted:
        out.append('      <comment deleted="deleted" />\n')
    elif r.comment:
        out.append("      <comment>%s</comment>\n" % xml_escape(r.comment))
    if schema == "0.11":
        out.append("      <origin>%d</origin>\n" % r.rev_id)
    out.append("      <model>%s</model>\n      <format>%s</format>\n" % (r.model, r.fmt))
    data = (r.text or "").encode("utf-8")
    sha1 = sha1_base36(data)
    sha1_attr = ' sha1="%s"' % sha1 if schema == "0.11" else ""
    if r.text_deleted:
        out.append('      <text bytes="%d" deleted="deleted" />\n      <sha1 />\n' % len(data))
    elif not data:
        out.append('      <text bytes="0"%s xml:space="preserve" />\n      <sha1>%s</sha1>\n' % (sha1_attr, sha1))
    else:
        out.append('      <text bytes="%d"%s xml:space="preserve">%s</text>\n      <sha1>%s</sha1>\n'
                   % (len(data), sha1_attr, xml_escape(r.text), sha1))
    out.append("    </revision>\n")
    return "".join(out)


def page_xml(schema, title, ns, page_id, revisions, redirect=None):
    out = ["  <page>\n    <title>%s</title>\n    <ns>%d</ns>\n    <id>%d</id>\n"
           % (xml_escape(title), ns, page_id)]
    if redirect:
        out.append('    <redirect title="%s" />\n' % xml_escape(redirect))
    out.extend(revision_xml(schema, r) for r in revisions)
    out.append("  </page>\n")
    return "".join(out)


class MultistreamBz2Sink:
    """Wikimedia's multistream layout: a stream for the header and siteinfo,
    one stream per 100 pages, a last stream for the closing tag; each stream
    made by the real bzip2 and the streams concatenated."""

    PAGES_PER_STREAM = 100

    def __init__(self, path):
        self.out = open(path, "wb")
        self.pending = []

    def _stream(self, text):
        done = subprocess.run(["bzip2", "-c", "-9"], input=text.encode("utf-8"),
                              stdout=subprocess.PIPE, check=True)
        self.out.write(done.stdout)

    def header(self, text):
        self._stream(text)

    def page(self, text):
        self.pending.append(text)
        if len(self.pending) == self.PAGES_PER_STREAM:
            self._stream("".join(self.pending))
            self.pending = []

    def close(self, footer):
        if self.pending:
            self._stream("".join(self.pending))
        self._stream(footer)
        self.out.close()


class PlainSink:
    def __init__(self, path):
        self.out = open(path, "w", encoding="utf-8", newline="\n", buffering=1 << 20)

    def header(self, text):
        self.out.write(text)

    def page(self, text):
        self.out.write(text)

    def close(self, footer):
        self.out.write(footer)
        self.out.close()


class TwoMemberGzipSink:
    """The whole text split at its middle byte (mid-element, perhaps mid-
    character) and each half gzipped by the real `gzip -n`: one file, two members."""

    def __init__(self, path):
        self.path = path
        self.parts = []

    def header(self, text):
        self.parts.append(text)

    def page(self, text):
        self.parts.append(text)

    def close(self, footer):
        self.parts.append(footer)
        data = "".join(self.parts).encode("utf-8")
        middle = len(data) // 2
        with open(self.path, "wb") as out:
            for half in (data[:middle], data[middle:]):
                done = subprocess.run(["gzip", "-n", "-9", "-c"], input=half, stdout=subprocess.PIPE,
                                      check=True)
                out.write(done.stdout)


class Dump:
    """Allocates page and revision ids in file order and writes pages to a sink;
    records each session's truth from the model as it is written."""

    def __init__(self, site, sink, source, rng, keep_truth=True):
        self.site, self.sink, self.source, self.rng = site, sink, source, rng
        self.keep_truth = keep_truth
        self.page_id = 0
        self.rev_id = 1000 * rng.randint(10, 40)
        self.truth = []
        self.counts = Counts()
        sink.header(siteinfo_xml(site))

    def next_page_id(self):
        self.page_id += self.rng.choice([1, 1, 1, 2, 3, 7])
        return self.page_id

    def next_rev_id(self):
        self.rev_id += self.rng.randint(1, 40)
        return self.rev_id

    def page(self, title, ns, text, ts, user="Quillfeather", user_id=None, comment=None, redirect=None,
             model="wikitext", fmt="text/x-wiki", revisions=None):
        """Write a page; revisions (a list of Revision) replaces the single text revision."""
        page_id = self.next_page_id()
        if revisions is None:
            revisions = [Revision(self.next_rev_id(), 0, ts, text, user=user, user_id=user_id or user_id_of(user),
                                  comment=comment, model=model, fmt=fmt)]
        self.sink.page(page_xml(self.site["schema"], title, ns, page_id, revisions, redirect))
        return page_id

    def session(self, s, text=None, ts=None, revisions=None, user=None):
        rng = self.rng
        ns = 0 if s.era == "2014" else year_ns(s.year)
        if ts is None:
            ts = {2014: timestamp(rng, 2014, 2, 5), 2019: timestamp(rng, 2019, 3, 6),
                  2023: timestamp(rng, 2023, 5, 7), 2024: timestamp(rng, 2024, 9, 11)}[s.year]
        if user is None:
            user = {"2023": "Wikimania program bot", "2024": "Eventyay import"}.get(s.era)
            if user is None:
                owner = s.speakers[0]
                user = owner.username or "Conference committee"
        page_id = self.page(s.page_title, ns, text if text is not None else render(rng, s), ts,
                            user=user, user_id=user_id_of(user),
                            comment=None if revisions else "Created page with submission",
                            revisions=revisions)
        entry = s.truth(self.site, page_id, self.source)
        self.counts.add(entry)
        if self.keep_truth:
            self.truth.append(entry)
        return page_id

    def close(self):
        self.sink.close("</mediawiki>\n")


class Counts:
    """What a search finds: sessions whose status says they took place
    (none, accepted, confirmed); the others (a declined proposal) are only
    counted as hidden, since wmquery leaves them out by default."""

    def __init__(self):
        self.by_year, self.by_track, self.by_type, self.by_language, self.by_speaker = {}, {}, {}, {}, {}
        self.total = 0
        self.hidden = 0

    @staticmethod
    def _bump(table, key):
        table[key] = table.get(key, 0) + 1

    def add(self, entry):
        if entry.get("status") not in (None, "accepted", "confirmed"):
            self.hidden += 1
            return
        self.total += 1
        self._bump(self.by_year, str(entry["year"]))
        for track in entry["tracks"]:
            self._bump(self.by_track, track)
        self._bump(self.by_type, entry["type"])
        if entry["language"]:
            self._bump(self.by_language, entry["language"])
        for sp in entry["speakers"]:
            self._bump(self.by_speaker, sp["name"])

    def merge(self, other):
        for name in ("by_year", "by_track", "by_type", "by_language", "by_speaker"):
            for key, n in getattr(other, name).items():
                table = getattr(self, name)
                table[key] = table.get(key, 0) + n
        self.total += other.total
        self.hidden += other.hidden

    def as_json(self, with_speakers=True):
        out = {"by_year": self.by_year, "by_track": self.by_track, "by_type": self.by_type,
               "by_language": self.by_language}
        if with_speakers:
            out["by_speaker"] = self.by_speaker
        out["total"] = self.total
        out["hidden"] = self.hidden
        return {k: (dict(sorted(v.items())) if isinstance(v, dict) else v) for k, v in out.items()}


# --------------------------------------------------------------------------
# Pages that are not sessions.

def hub_text(intro, sessions):
    lines = ["%s\n\n" % intro]
    lines += ["* [[%s|%s]]\n" % (s.page_title, s.title) for s in sessions]
    return "".join(lines)


def talk_text(rng, s, year):
    user = rng.choice(["Quillfeather", "Kmori", "Rahel Tesfaye", "PriyaR"])
    return ("== Room size ==\nWill this need a bigger room? We expect many people. "
            "[[User:%s|%s]] ([[User talk:%s|talk]]) %s\n:Title: %s (unchanged)\n"
            % (user, user, user, signature_time(rng, year), s.title))


def user_page_text(person):
    return ("Hello! I am %s, a %s from %s.\n\n== Sessions ==\n* I help organise local edit-a-thons.\n"
            "[[Category:Wikimania attendees]]\n" % (person.name, person.role, person.city))


def grid_2019(rng, sessions):
    out = ['{| class="wikitable"\n! Time !! Room A !! Room B\n']
    for i in range(0, len(sessions), 2):
        out.append("|-\n| %02d:00\n" % (9 + i // 2))
        for s in sessions[i:i + 2]:
            presenters = " and ".join(sp.name for sp in s.speakers[:2])
            out.append("| {{Program item|title=%s|displayname=%s|presenters=%s|track=%s}}\n"
                       % (s.page_title, s.title, presenters, s.tracks[0] if s.tracks else "Plenary"))
    out.append("|}\n")
    return "".join(out)


def grid_2024(sessions):
    out = ['{| class="wikitable sortable"\n! Day !! Time !! Session !! Room\n']
    for i, s in enumerate(sessions):
        out.append("|-\n| %s || %02d:%02d || [[%s|%s]] || Room %d\n"
                   % (["Wednesday", "Thursday", "Friday", "Saturday"][i % 4], 9 + i % 8, (i * 25) % 60,
                      s.page_title, s.title, 1 + i % 5))
    out.append("|}\n")
    return "".join(out)


TEMPLATE_PAGES_UNIFIED = [
    ("Template:Program item", "<includeonly>'''[[{{{title}}}|{{{displayname}}}]]'''<br />{{{presenters}}}"
     "<br /><small>{{{track}}}</small></includeonly><noinclude>A cell of a schedule grid.</noinclude>\n"),
    ("Template:2023 session details", "<div class=\"session\">\n'''Title:''' {{{title}}}\n\n'''Speakers:''' "
     "{{{speakers}}}\n\n'''Track:''' {{{track}}}\n\n'''Type:''' {{{type}}}\n\n{{{abstract}}}\n\n"
     "{{{description|}}}\n</div><noinclude>Filled in by the program bot from pretalx.</noinclude>\n"),
    ("Template:2023 speaker wrapper", "<div class=\"speakers\">{{{1}}}</div>\n"),
    ("Template:2023 speaker details", "<includeonly>'''{{{name}}}''': {{{biography}}}<br /></includeonly>\n"),
]


def switch_template(table):
    items = "".join("|%d=%s\n" % (key, value) for key, value in sorted(table.items()))
    return "{{#switch:{{{1}}}\n%s|#default=\n}}<noinclude>\n[[Category:2023 program templates]]\n</noinclude>\n" % items


def general_pages(dump, rng):
    """Main page, templates, a module, CSS, categories: the furniture of the unified wiki."""
    ts = "2023-04-20T10:00:00Z"
    dump.page("Main Page", 0, "Welcome to '''Wikimania''', the annual conference of the Wikimedia "
              "movement.\n\n* [[2019:Program|2019]] · [[2023:Program|2023]] · [[2024:Program|2024]]\n", ts)
    for title, text in TEMPLATE_PAGES_UNIFIED:
        dump.page(title, 10, text, ts)
    dump.page("Template:2023 track name", 10, switch_template(TRACK_NAMES_2023), ts)
    dump.page("Template:2023 session type", 10,
              switch_template({k: v[0] for k, v in TYPES_2023.items()}), ts)
    dump.page("Module:Program", 828, "local p = {}\nfunction p.title(frame)\n  return frame.args[1] "
              "or ''\nend\nreturn p\n", ts, model="Scribunto", fmt="text/plain")
    dump.page("MediaWiki:Common.css", 8, ".session { border: 1px solid #a2a9b1; padding: 0.5em; }\n",
              ts, model="css", fmt="text/css")
    dump.page("Category:Wikimania attendees", 14, "People who attended a Wikimania.\n", ts)


# --------------------------------------------------------------------------
# The committed sample.

class PeoplePool:
    """Speakers for the sample: the recurring core plus invented others, with a skew
    so that some people have several sessions."""

    def __init__(self, rng, count):
        self.core = core_people()
        self.others = [random_person(rng, 100 + i) for i in range(count)]
        self.used_2023 = {}          # code -> (person, bio), in first-use order

    def pick(self, rng, n):
        chosen = []
        while len(chosen) < n:
            if rng.random() < 0.3:
                p = rng.choice(self.core)
            else:
                # min of two draws: low indices recur more often
                p = self.others[min(rng.randrange(len(self.others)), rng.randrange(len(self.others)))]
            if p not in chosen:
                chosen.append(p)
        return chosen


def sample_2014(rng, people, out_dir):
    name = "wikimania2014wiki-sample.xml.gz"
    site = site_2014()
    dump = Dump(site, TwoMemberGzipSink(os.path.join(out_dir, name)), name, rng)
    ts = "2014-01-15T12:00:00Z"
    dump.page("Main Page", 0, "Welcome to '''Wikimania 2014''' in London!\n\n[[Submissions]] are open.\n", ts)
    dump.page("Template:Submission-accepted", 10, '<div style="background:#dfd">This submission has been '
              "'''accepted''' for Wikimania 2014.</div><noinclude>[[Category:Templates]]</noinclude>\n", ts)
    dump.page("Template:Submission-declined", 10, '<div style="background:#fdd">This submission has been '
              "'''declined'''.</div>\n", ts)
    dump.page("MediaWiki:Sitenotice", 8, "Registration for Wikimania 2014 is open!\n", ts)
    ks = rng.sample(range(TITLE_SPACE), 60)
    sessions = []
    for i in range(40):
        s = new_session(rng, ks[i], "2014", 2014, people.pick)
        s.extra["number"] = 1001 + i * 3
        s.extra["banner"] = ("{{Submission-accepted}}\n" if i % 5 else "{{Submission-declined}}\n") \
            if i % 10 != 7 else ""
        sessions.append(s)
    # Edge cases the extractor must get right (doc/era-shapes.md, 2014).
    lead_speaker(rng, sessions[0], people.core[0])
    special_title(sessions[3], "Archives & museums: opening the storerooms", "Archives &amp; museums: opening the storerooms")
    special_title(sessions[5], "Wikipedia in Café Libertad: a weekly edit club")
    sessions[6].extra["abstract_first"] = True
    sessions[9].extra["title_heading"] = "=== Title of the submission: ==="
    sessions[11].extra["attendees"] = attendee_signatures(rng, people.others, 2014, 3)
    sessions[12].extra["attendees"] = attendee_signatures(rng, people.core, 2014, 2)
    special_title(sessions[14], "The 1% rule revisited: who edits, who reads?")
    dump.page("Submissions", 0, hub_text("All submissions to Wikimania 2014. See also "
                                         "[[Programme]].", sessions), ts)
    for i, s in enumerate(sessions):
        dump.session(s)
        if i == 4:
            dump.page("Talk:" + s.page_title, 1, talk_text(rng, s, 2014), "2014-04-02T08:30:00Z")
        if i == 8:
            dump.page("Submissions/" + capitalise(s.subject), 0, "#REDIRECT [[%s]]\n" % s.page_title,
                      "2014-04-03T09:00:00Z", redirect=s.page_title)
        if i == 10:
            dump.page(s.page_title + "/de", 0, render_translation(rng, s, "de"), "2014-04-10T10:00:00Z")
        if i == 15:
            person = people.core[0]
            dump.page("User:" + person.username, 2, user_page_text(person), "2014-01-03T10:00:00Z")
            dump.page("User talk:" + person.username, 3, "== Your submission ==\nThanks! ~~~~\n",
                      "2014-03-03T10:00:00Z")
        if i == 30:
            dump.page("Talk:Submissions", 1, "== Deadline ==\nIs the deadline extended? "
                      "[[User:Kmori|Kmori]] ([[User talk:Kmori|talk]]) 10:00, 2 March 2014 (UTC)\n",
                      "2014-03-02T10:00:00Z")
    dump.page("Programme", 0, grid_2024(sessions[:8]).replace("Wednesday", "Friday"), "2014-07-01T10:00:00Z")
    dump.page("Category:Submissions", 14, "All submissions.\n", ts)
    dump.close()
    return dump


def lead_speaker(rng, s, person):
    """Make person the first speaker of s, written with their user link (or, in
    2023, their pretalx code): the same username under each year's display name."""
    display = person.display(s.year)
    bio = make_bio(rng, person, display)
    if s.era == "2023":
        first = Speaker(person, display, person.code, "code", bio)
    else:
        first = Speaker(person, display, person.username, "link", bio)
    s.speakers = [first] + [sp for sp in s.speakers if sp.person is not person][:2]


def special_title(s, title, written=None):
    """Give s a hand-written title (and, when written differs, the wikitext that renders it)."""
    s.title = title
    s.title_src = written
    set_page_title(s)


def sample_unified(rng, people, out_dir):
    name = "wikimaniawiki-sample.xml.bz2"
    site = unified_site()
    dump = Dump(site, MultistreamBz2Sink(os.path.join(out_dir, name)), name, rng)
    general_pages(dump, rng)
    ks = iter(rng.sample(range(TITLE_SPACE), 200))
    sample_unified_2019(rng, people, dump, ks)
    sample_unified_2023(rng, people, dump, ks)
    sample_unified_2024(rng, people, dump, ks)
    dump.close()
    return dump


def sample_unified_2019(rng, people, dump, ks):
    ns = year_ns(2019)
    sessions = [new_session(rng, next(ks), "2019", 2019, people.pick) for _ in range(43)]
    for i, s in enumerate(sessions):
        if s.type_label == "Poster" or i % 7 == 3:
            # the proposer trimmed the list to two; the first remaining item is the type
            rest = [t for t in TYPE_LIST_2019 if t != s.type_label]
            s.extra["type_list"] = [s.type_label, rng.choice(rest)] if i % 7 == 3 else None
        if i % 6 == 2:
            s.extra["attendees"] = attendee_signatures(rng, people.others, 2019, 2)
        if i % 9 == 1:
            s.extra["lead"] = "{{Wikimania 2019 submission|status=accepted}}\n__NOTOC__\n"
    lead_speaker(rng, sessions[1], people.core[0])
    special_title(sessions[0], "Libraries & Wikidata: \"linked\" catalogues for everyone")
    sessions[0].tracks = ["Libraries"]
    set_page_title(sessions[0])
    special_title(sessions[2], "Reading Don Quixote together: a Wikisource sprint",
                  "Reading ''Don Quixote'' together: a Wikisource sprint")
    special_title(sessions[4], "Café, Wikipedia und Bibliothek: Treffen in öffentlichen Räumen")
    special_title(sessions[7], "What's next for Wiktionary's oral languages?")
    sessions[10].page_title = "2019:%s/%s" % (sessions[10].tracks[0], capitalise(sessions[10].subject))
    plenaries = []
    for title, label in (("Opening plenary: free knowledge and the next twenty years", "Keynote"),
                         ("Closing plenary: what we heard in Stockholm", "Plenary")):
        s = new_session(rng, next(ks), "2019p", 2019, lambda r, n: people.core[:2] if label == "Plenary"
                        else people.core[2:3])
        s.type_label = label
        s.tracks = []
        special_title(s, title)
        plenaries.append(s)
    t = "2019-02-01T09:00:00Z"
    dump.page("2019:Program", ns, hub_text("The program of Wikimania 2019 in Stockholm. Spaces: "
                                           "[[2019:Libraries|Libraries]], [[2019:GLAM|GLAM]].", plenaries), t)
    dump.page("2019:Libraries", ns, hub_text("== Libraries space ==\nSubmissions to the libraries space:",
                                             [s for s in sessions if s.tracks == ["Libraries"]]), t)
    dump.page("Category:2019:Submissions", 14, "All submissions to Wikimania 2019.\n", t)
    dump.page("Category:2019:Libraries submissions", 14, "[[Category:2019:Submissions]]\n", t)
    for i, s in enumerate(sessions):
        if i == 12:
            full_history_2019(rng, dump, s)
        else:
            dump.session(s)
        if i in (1, 13):
            dump.page(s.page_title.replace("2019:", "2019 talk:", 1), year_ns(2019, True),
                      talk_text(rng, s, 2019), "2019-05-20T10:00:00Z")
        if i in (3, 4):
            for lang in ("fr", "es") if i == 3 else ("zh-hans",):
                dump.page(s.page_title + "/" + lang, ns, render_translation(rng, s, lang),
                          "2019-06-01T10:00:00Z", user="Translator bot")
        if i == 10:
            dump.page("2019:%s/%s" % (s.tracks[0], s.title), ns, "#REDIRECT [[%s]]\n" % s.page_title,
                      "2019-05-02T10:00:00Z", redirect=s.page_title)
        if i == 20:
            dump.page("2019:Diversity/Placeholder for a late submission", ns, "", "2019-05-03T10:00:00Z")
        if i == 25:
            person = people.core[1]
            dump.page("User:" + person.username, 2, user_page_text(person), "2019-01-10T10:00:00Z")
    for s in plenaries:
        dump.session(s)
    dump.page("2019:Program/Schedule", ns, grid_2019(rng, plenaries + sessions[:9]), "2019-07-01T10:00:00Z")


def full_history_2019(rng, dump, s):
    """Three revisions in timestamp order: the last one is the truth."""
    drafts = []
    for title, label in (("Draft: " + s.title, "Presentation"), (s.title + " (draft)", "Workshop")):
        d = Session(s.year, s.era)
        d.__dict__.update(s.__dict__)
        d.extra = dict(s.extra, type_list=TYPE_LIST_2019 if label == "Presentation" else None)
        d.title, d.title_src, d.type_label = title, None, label
        d.speakers = s.speakers[:1]
        drafts.append(render(rng, d))
    first = dump.next_rev_id()
    second = dump.next_rev_id()
    third = dump.next_rev_id()
    revisions = [
        Revision(first, 0, "2019-03-02T10:00:00Z", drafts[0], user="Quillfeather", user_id=user_id_of("Quillfeather"),
                 comment="Created page with submission"),
        Revision(second, first, "2019-03-20T11:00:00Z", drafts[1], user="Quillfeather", user_id=user_id_of("Quillfeather"),
                 comment="type"),
        Revision(third, second, "2019-04-11T12:30:00Z", render(rng, s), ip="192.0.2.44", minor=True,
                 comment="final version"),
    ]
    dump.session(s, revisions=revisions)


def sample_unified_2023(rng, people, dump, ks):
    ns = year_ns(2023)
    sessions = [new_session(rng, next(ks), "2023", 2023, people.pick) for _ in range(35)]
    lead_speaker(rng, sessions[0], people.core[0])
    s = sessions[5]
    special_title(s, "Building a shared roadmap for small language communities in Southeast Asia, the "
                  "Pacific and beyond: what three years of translation sprints, keyboard workshops, "
                  "font fixes and Incubator mentoring taught us about growing new Wikipedias from "
                  "nothing but goodwill")
    special_title(sessions[8], "Knowledge = power? Measuring impact in small wikis")
    special_title(sessions[11], "维基数据与中文图书馆：合作的第一年")
    sessions[11].language = "zh"
    special_title(sessions[14], "Wikidata + OpenStreetMap: mapping heritage sites together")
    sessions[17].description = ["Bring questions | answers welcome."]  # a '|' inside a parameter
    t = "2023-05-01T08:00:00Z"
    dump.page("2023:Program", ns, hub_text("The program of Wikimania 2023 in Singapore, by track.",
                                           sessions[:10]), t)
    dump.page("2023:Program/Technology", ns, hub_text("Sessions of the Technology track:",
                                                      [x for x in sessions if x.tracks == ["Technology"]]), t)
    speakers = {}
    for x in sessions:
        for sp in x.speakers:
            speakers.setdefault(sp.username, sp)
    codes = list(speakers)
    before, after = codes[:len(codes) * 3 // 5], codes[len(codes) * 3 // 5:]
    for code in before:
        write_speaker_page(dump, speakers[code], t)
    for i, x in enumerate(sessions):
        if i == 20:
            out_of_order_history_2023(rng, dump, x)
        else:
            dump.session(x)
        if i == 3:
            dump.page(x.page_title + "/zh-hans", ns, render_translation(rng, x, "zh-hans"),
                      "2023-08-01T10:00:00Z", user="FuzzyBot")
        if i == 9:
            dump.page(x.page_title.replace("2023:", "2023 talk:", 1), year_ns(2023, True),
                      talk_text(rng, x, 2023), "2023-07-01T10:00:00Z")
    for code in after:                       # speaker pages after their sessions
        write_speaker_page(dump, speakers[code], "2023-07-30T08:00:00Z")


def write_speaker_page(dump, speaker, ts):
    dump.page("Template:2023 speaker details/" + speaker.username, 10,
              render_speaker_2023(speaker.person, speaker.bio), ts, user="Wikimania program bot",
              user_id=user_id_of("Wikimania program bot"))


def out_of_order_history_2023(rng, dump, s):
    """Revisions in id order, but the newest by timestamp is the middle one:
    the last revision in the file is an older draft imported later."""
    def draft(title, type_id):
        d = Session(s.year, s.era)
        d.__dict__.update(s.__dict__)
        d.extra = dict(s.extra, type_id=type_id)
        d.title = title
        d.type_label, d.duration = TYPES_2023[type_id]
        return render(rng, d)
    first, second, third = dump.next_rev_id(), dump.next_rev_id(), dump.next_rev_id()
    revisions = [
        Revision(first, 0, "2023-05-02T09:00:00Z", draft("Early draft: " + s.title, 102),
                 user="Wikimania program bot", user_id=user_id_of("Wikimania program bot"), comment="Created from pretalx"),
        Revision(second, first, "2023-07-20T16:45:00Z", render(rng, s), user="Wikimania program bot",
                 user_id=user_id_of("Wikimania program bot"), comment="Sync from pretalx"),
        Revision(third, second, "2023-04-11T13:00:00Z", draft("Imported proposal: " + s.title, 105),
                 user="Imported>Pretalx", user_id=0, comment="Imported older revision"),
    ]
    dump.session(s, revisions=revisions)


def sample_unified_2024(rng, people, dump, ks):
    ns = year_ns(2024)
    sessions = [new_session(rng, next(ks), "2024", 2024, people.pick) for _ in range(40)]
    lead_speaker(rng, sessions[0], people.core[0])
    lead_speaker(rng, sessions[1], people.core[6])
    special_title(sessions[1], "Чому українська Вікіпедія росте: досвід волонтерів")
    sessions[1].language_written, sessions[1].language = "Ukrainian", "uk"
    special_title(sessions[2], "مستقبل ويكيبيديا العربية في المدارس")
    sessions[2].language_written, sessions[2].language = "Arabic", "ar"
    special_title(sessions[6], "Wiki Loves Folklore in South Asia: a year of photos",
                  "''Wiki Loves Folklore'' in South Asia: a year of photos")
    sessions[9].extra["speaker_list"] = True
    for i in (4, 12, 21):
        sessions[i].extra["translate"] = True
    t = "2024-08-20T08:00:00Z"
    dump.page("2024:Program", ns, hub_text("The program of Wikimania 2024 in Katowice, copied from "
                                           "eventyay after the event.", sessions), t)
    dump.page("2024:FAQ", ns, "== Where is the program? ==\nSee [[2024:Program]].\n", t)
    for i, s in enumerate(sessions):
        if i == 15:
            full_history_2024(rng, dump, s)
        else:
            dump.session(s)
        if i in (4, 12, 21):
            langs = {4: ("fr", "es", "zh-hans"), 12: ("fr",), 21: ("es", "pt-br")}[i]
            for lang in langs:
                dump.page(s.page_title + "/" + lang, ns, render_translation(rng, s, lang),
                          "2024-10-01T10:00:00Z", user="FuzzyBot", user_id=user_id_of("FuzzyBot"))
                dump.page("Translations:%s/1/%s" % (s.page_title, lang), 1198,
                          TRANSLATED[lang][0] % s.title, "2024-10-01T10:00:00Z", user="Translator")
        if i == 18:
            dump.page("2024:Program/Session removed at the speaker's request", ns, None,
                      None, revisions=[Revision(dump.next_rev_id(), 0, "2024-09-12T10:00:00Z", "x" * 1873,
                                                text_deleted=True, contributor_deleted=True,
                                                comment_deleted=True)])
        if i == 25:
            dump.page("2024:Program/" + capitalise(s.subject), ns, "#REDIRECT [[%s]]\n" % s.page_title,
                      "2024-09-30T10:00:00Z", redirect=s.page_title)
        if i == 30:
            dump.page(s.page_title.replace("2024:", "2024 talk:", 1), year_ns(2024, True),
                      talk_text(rng, s, 2024), "2024-10-10T10:00:00Z")
            person = people.core[6]
            dump.page("User:" + person.username, 2, user_page_text(person), "2024-10-11T10:00:00Z")
            dump.page("User talk:" + person.username, 3, "== Thanks ==\nGreat session!\n",
                      "2024-10-12T10:00:00Z", user="Kmori")
    dump.page("2024:Program/Schedule", ns, grid_2024(sessions), "2024-08-01T10:00:00Z")


def full_history_2024(rng, dump, s):
    """An older revision whose text was revision-deleted, then the current one."""
    first, second = dump.next_rev_id(), dump.next_rev_id()
    revisions = [
        Revision(first, 0, "2024-09-01T10:00:00Z", "removed", text_deleted=True,
                 user="Eventyay import", user_id=user_id_of("Eventyay import")),
        Revision(second, first, "2024-09-15T10:00:00Z", render(rng, s), user="Eventyay import",
                 user_id=user_id_of("Eventyay import"), comment="Corrected copy"),
    ]
    dump.session(s, revisions=revisions)


def write_sample(out_dir, seed):
    rng = random.Random(seed)
    people = PeoplePool(rng, 110)
    dumps = [sample_unified(rng, people, out_dir), sample_2014(rng, people, out_dir)]
    counts = Counts()
    sessions = []
    for d in dumps:
        counts.merge(d.counts)
        sessions += d.truth
    truth = {"sessions": sessions, "counts": counts.as_json()}
    with open(os.path.join(out_dir, "truth.json"), "w", encoding="utf-8") as out:
        json.dump(truth, out, ensure_ascii=False, indent=1)
        out.write("\n")
    return counts.total


# --------------------------------------------------------------------------
# Large corpora for benchmarks: streamed, constant memory.

BLOCK = 50


def write_large(out_dir, n, seed, plain):
    rng = random.Random(seed)
    name = "wikimaniawiki-%d.xml%s" % (n, "" if plain else ".bz2")
    path = os.path.join(out_dir, name)
    sink = PlainSink(path) if plain else MultistreamBz2Sink(path)
    dump = Dump(unified_site(), sink, name, rng, keep_truth=False)
    general_pages(dump, rng)
    core = core_people() + [random_person(random.Random("%d:core:%d" % (seed, i)), 20000100 + i, unique=True)
                            for i in range(300)]
    n19 = n * 3 // 10
    n23 = n * 3 // 10
    k = 0
    for era, year, count in (("2019", 2019, n19), ("2023", 2023, n23), ("2024", 2024, n - n19 - n23)):
        done = 0
        while done < count:
            size = min(BLOCK, count - done)
            large_block(rng, dump, era, year, k, size, core, seed)
            k += size
            done += size
        if era == "2023":
            # the recurring people's speaker pages come after all their sessions
            for person in core:
                write_speaker_page(dump, Speaker(person, person.display(2023), person.code, "code",
                                                 make_bio(rng, person, person.display(2023))),
                                   "2023-07-31T08:00:00Z")
    dump.close()
    with open(os.path.join(out_dir, "wikimaniawiki-%d.counts.json" % n), "w") as out:
        json.dump(dump.counts.as_json(with_speakers=False), out, indent=1, sort_keys=True)
        out.write("\n")
    return path


def large_block(rng, dump, era, year, k0, size, core, seed):
    """BLOCK sessions with their own fresh speakers (plus the recurring core) and
    the non-session pages around them; only the block is held in memory."""
    fresh = [random_person(random.Random("%d:%d:%d" % (seed, k0, i)), 1000 + k0 * 2 + i, unique=True)
             for i in range(size * 3 // 2)]

    def pick(r, count):
        chosen = []
        while len(chosen) < count:
            p = r.choice(core) if r.random() < 0.2 else r.choice(fresh)
            if p not in chosen:
                chosen.append(p)
        return chosen

    session_era = era
    ns = year_ns(year)
    sessions = []
    for i in range(size):
        if era == "2019" and (k0 + i) % 40 == 0:
            session_era = "2019p"
        s = new_session(rng, k0 + i, session_era, year, pick)
        if session_era == "2019p":
            s.type_label, s.tracks = "Keynote", []
            set_page_title(s)
            session_era = era
        sessions.append(s)
    block = k0 // BLOCK
    if block % 20 == 0:
        dump.page("%d:Program/Index %d" % (year, block // 20), ns,
                  hub_text("Sessions of the program, part %d." % (block // 20), sessions),
                  "%d-01-01T00:00:00Z" % year)
    for i, person in enumerate(fresh):
        if i % 7 == 0 and person.username:
            dump.page("User:" + person.username, 2, user_page_text(person), "%d-01-10T10:00:00Z" % year)
    speakers = {}
    if era == "2023":
        core_codes = {p.code for p in core}
        for s in sessions:
            for sp in s.speakers:
                if sp.username not in core_codes:
                    speakers.setdefault(sp.username, sp)
        codes = list(speakers)
        for code in codes[:len(codes) // 2]:
            write_speaker_page(dump, speakers[code], "2023-05-01T08:00:00Z")
    for i, s in enumerate(sessions):
        write_large_session(rng, dump, s, k0 + i, ns)
    if era == "2023":
        for code in codes[len(codes) // 2:]:   # the rest come after their sessions
            write_speaker_page(dump, speakers[code], "2023-07-30T08:00:00Z")
    if era == "2019" and k0 % 500 == 0:
        dump.page("2019:Program/Schedule %d" % (k0 // 500), ns, grid_2019(rng, sessions[:10]),
                  "2019-07-01T10:00:00Z")


def write_large_session(rng, dump, s, k, ns):
    if k % 300 == 150:
        first, second = dump.next_rev_id(), dump.next_rev_id()
        dump.session(s, revisions=[
            Revision(first, 0, "%d-01-02T10:00:00Z" % s.year, render(rng, s), user="Quillfeather", user_id=user_id_of("Quillfeather")),
            Revision(second, first, "%d-06-02T10:00:00Z" % s.year, render(rng, s), user="Quillfeather",
                     user_id=user_id_of("Quillfeather"), comment="update")])
    else:
        dump.session(s)
    if k % 10 == 3:
        dump.page(s.page_title.replace("%d:" % s.year, "%d talk:" % s.year, 1), ns + 1,
                  talk_text(rng, s, s.year), "%d-07-01T10:00:00Z" % s.year)
    if k % 25 == 7:
        lang = ("fr", "es", "zh-hans")[k % 3]
        dump.page(s.page_title + "/" + lang, ns, render_translation(rng, s, lang),
                  "%d-08-01T10:00:00Z" % s.year, user="FuzzyBot")
    if k % 200 == 99:
        dump.page(s.page_title + " (old title)", ns, "#REDIRECT [[%s]]\n" % s.page_title,
                  "%d-05-02T10:00:00Z" % s.year, redirect=s.page_title)
    if k % 500 == 250:
        dump.page(s.page_title + " (withdrawn)", ns, None, None, revisions=[
            Revision(dump.next_rev_id(), 0, "%d-05-02T10:00:00Z" % s.year, "withdrawn", text_deleted=True,
                     contributor_deleted=True)])


# --------------------------------------------------------------------------

def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", required=True, help="output directory")
    parser.add_argument("--sessions", type=int, help="write a large corpus of this many sessions instead "
                        "of the sample")
    parser.add_argument("--plain", action="store_true", help="with --sessions: write uncompressed XML")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    if args.sessions is not None:
        if args.sessions < 1:
            parser.error("--sessions must be at least 1")
        print(write_large(args.out, args.sessions, args.seed, args.plain))
    else:
        if args.plain:
            parser.error("--plain applies to --sessions only")
        total = write_sample(args.out, args.seed)
        print("%d sessions written to %s" % (total, args.out), file=sys.stderr)


if __name__ == "__main__":
    main()
