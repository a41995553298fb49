#!/usr/bin/env python3
"""The shape matrix (issue 9, item 9): the SAME sessions written in every page
shape a Wikimania program page may take, each shape in its own MediaWiki XML
export dump (schema 0.11), on a per-year wiki (wikimania2013wiki, pages
`Submissions/<title>`, an era with a rule) and on the unified wiki
(wikimaniawiki, pages `2022:Program/<title>`, a year without a rule).

Shapes (SHAPES): template calls with varied template and parameter names, a
vertical wikitable, a definition list, bold labels, plain labels, headings, a
"by" line (the title is the page title only) and mixtures of these.  Each
dump also holds decoy pages that must give no session (DECOYS): a hub page, a
day grid, an FAQ, a Template: page, a User: page, a talk page, a translation
subpage `<title>/fr` (it attaches to its session as translation "fr") and a
candidate with a title and no other field.

Importable (the e2e tests build their dumps with it) and runnable:
    python3 tests/e2e/shapes.py OUTDIR
writes every dump into OUTDIR (some gzip, some bzip2, compressed with the
real tools, some plain) and prints their paths.

What a correct extractor finds is written from this module's own model
(`expected_sessions`, `expected_counts`), never by parsing its output.
Every name and abstract is invented.
"""
import os
import subprocess
import sys

# --------------------------------------------------------------------------
# The model.  Speakers are (wikitext, name, username).

MARA = ("[[User:Mara_L|Mara Lindqvist]]", "Mara Lindqvist", "Mara L")
LEA = ("Léa Fontaine", "Léa Fontaine", None)
LAN = ("Nguyễn Thị Lan", "Nguyễn Thị Lan", None)
TOMAS = ("Tomás Ruiz", "Tomás Ruiz", None)
AN = ("Nguyễn Văn An", "Nguyễn Văn An", None)
AMARA = ("Amara Okafor", "Amara Okafor", None)
JONAS = ("Jonas Berg", "Jonas Berg", None)


def session(title, type_label, type_, track, language_name, language, duration_text, duration,
            status_label, status, speakers, abstract_wikitext, abstract_plain):
    return dict(title=title, type_label=type_label, type=type_, track=track,
                language_name=language_name, language=language, duration_text=duration_text,
                duration=duration, status_label=status_label, status=status, speakers=speakers,
                abstract_wikitext=abstract_wikitext, abstract_plain=abstract_plain)


SESSIONS = [
    session("Linking small library catalogues", "Workshop", "workshop", "Libraries",
            "English", "en", "90", 90, "Accepted", "accepted", [MARA, LEA],
            "We show how '''small library catalogues''' link their records to [[Wikidata]] "
            "&amp; what the quokka librarians learned.",
            "We show how small library catalogues link their records to Wikidata "
            "& what the quokka librarians learned."),
    session("Réseaux de bibliothèques en Afrique de l'Ouest", "Presentation", "talk", "Libraries",
            "Français", "fr", "30", 30, "Accepted", "accepted", [LEA],
            "Les bibliothèques de '''Dakar''' et de Bamako partagent leurs notices sur [[Wikidata]] "
            "&amp; forment un réseau ouistiti.",
            "Les bibliothèques de Dakar et de Bamako partagent leurs notices sur Wikidata "
            "& forment un réseau ouistiti."),
    session("Open maps for Vietnamese heritage", "Panel", "panel", "GLAM",
            "English", "en", "1:00", 60, "Declined", "rejected", [LAN, MARA, TOMAS],
            "Three projects put '''heritage sites''' of Vietnam on open maps with [[Wikidata]] "
            "&amp; Commons, a pangolin of a task.",
            "Three projects put heritage sites of Vietnam on open maps with Wikidata "
            "& Commons, a pangolin of a task."),
    session("Five minutes of Wikidata bots", "Lightning talk", "lightning talk", "Technology",
            "English", "en", "5", 5, "Accepted", "accepted", [AN],
            "A '''five minute''' tour of the bots that keep [[Wikidata]] tidy &amp; the axolotl "
            "bot that started it all.",
            "A five minute tour of the bots that keep Wikidata tidy & the axolotl "
            "bot that started it all."),
    session("Bots that translate", "Presentation", "talk", "Technology",
            "Français", "fr", "00:45", 45, "Withdrawn", "withdrawn", [TOMAS, AN],
            "Des '''robots''' traduisent les descriptions de [[Wikidata]] &amp; nous mesurons "
            "leurs erreurs de tapir.",
            "Des robots traduisent les descriptions de Wikidata & nous mesurons "
            "leurs erreurs de tapir."),
    session("Mentoring newcomers in small wikis", "Workshop", "workshop", "Community",
            "English", "en", "1:30", 90, "Accepted", "accepted", [AMARA, MARA, JONAS],
            "Mentors from '''small wikis''' share how they welcome newcomers &amp; link them to "
            "[[Wikidata]] tasks fit for a narwhal.",
            "Mentors from small wikis share how they welcome newcomers & link them to "
            "Wikidata tasks fit for a narwhal."),
    session("Teaching with Wikipedia in rural schools", "Panel", "panel", "Education",
            "Français", "fr", "45", 45, "Declined", "rejected", [JONAS, LEA],
            "Des enseignants de '''villages''' utilisent Wikipédia &amp; [[Wikidata]] en classe "
            "avec un okapi comme mascotte.",
            "Des enseignants de villages utilisent Wikipédia & Wikidata en classe "
            "avec un okapi comme mascotte."),
]

# The session whose French translation subpage is in every dump.
TRANSLATED = 0
FRENCH = {"title": "Relier les petits catalogues de bibliothèque",
          "abstract": "Nous montrons comment les '''petits catalogues''' relient leurs notices à "
                      "[[Wikidata]] &amp; ce que les bibliothécaires ont appris."}
NO_FIELDS_TITLE = "Open tools for everyone"

FIELDS = ("title", "type", "track", "speakers", "language", "duration", "status", "abstract")

# Label names used for each field; session i uses variant i % 3 (all are
# aliases of data/rules/wikimania.rules).
LABELS = {
    "title": ["Title", "Session title", "Title of the submission"],
    "type": ["Type", "Session type", "Format"],
    "track": ["Track", "Topic area", "Theme"],
    "speakers": ["Speakers", "Presenters", "Author(s)"],
    "language": ["Language", "Session language", "Locale"],
    "duration": ["Duration", "Length", "Time needed"],
    "status": ["Status", "Decision", "Submission status"],
    "abstract": ["Abstract", "Summary", "Synopsis"],
}

# Template calls: three templates with their own parameter names.  A "#"
# speakers parameter is numbered (presenter1=, presenter2=...); a "*" one
# holds a bullet list.
TEMPLATES = [
    ("Session", {"title": "title", "type": "type", "track": "track", "speakers": "speakers",
                 "abstract": "abstract", "language": "language", "duration": "duration",
                 "status": "status"}),
    ("Wikimania submission", {"title": "session title", "type": "session type",
                              "track": "topic area", "speakers": "presenter#", "abstract": "summary",
                              "language": "locale", "duration": "length", "status": "state"}),
    ("Proposal", {"title": "talk title", "type": "format", "track": "theme", "speakers": "authors*",
                  "abstract": "synopsis", "language": "session language",
                  "duration": "time needed", "status": "decision"}),
]

SHAPES = ("template", "table", "deflist", "bold", "plain", "headings", "byline", "mixed")

# The mixed shape: where each session writes each field.  "page" = the title
# is the page title only.
MIXES = [
    dict(title="template", type="template", track="bold", speakers="byline", language="plain",
         duration="deflist", status="table", abstract="heading"),
    dict(title="table", type="table", track="deflist", speakers="heading", language="template",
         duration="bold", status="plain", abstract="heading"),
    dict(title="bold", type="plain", track="template", speakers="template", language="table",
         duration="heading", status="deflist", abstract="plain"),
    dict(title="deflist", type="heading", track="table", speakers="bold", language="bold",
         duration="template", status="heading", abstract="table"),
    dict(title="plain", type="deflist", track="heading", speakers="table", language="heading",
         duration="plain", status="template", abstract="deflist"),
    dict(title="heading", type="bold", track="plain", speakers="deflist", language="table",
         duration="table", status="bold", abstract="bold"),
    dict(title="page", type="table", track="heading", speakers="plain", language="deflist",
         duration="heading", status="template", abstract="template"),
]
KIND_ORDER = ("template", "byline", "table", "deflist", "bold", "plain", "heading")

# The two wikis.  `prefix` + session title = page title.
WIKIS = {
    "peryear": dict(dbname="wikimania2013wiki", sitename="Wikimania 2013", year=2013,
                    event="Wikimania 2013", ns=0, prefix="Submissions/",
                    base="https://wikimania2013.wikimedia.org/wiki/Main_Page",
                    hub="Submissions", grid="Program/Sunday", faq="Submissions/FAQ",
                    talk_prefix="Talk:Submissions/", talk_ns=1,
                    timestamp="2013-05-01T10:00:00Z"),
    "unified": dict(dbname="wikimaniawiki", sitename="Wikimania", year=2022,
                    event="Wikimania 2022", ns=3008, prefix="2022:Program/",
                    base="https://wikimania.wikimedia.org/wiki/Main_Page",
                    hub="2022:Program", grid="2022:Program/Schedule", faq="2022:Program/FAQ",
                    talk_prefix="2022 talk:Program/", talk_ns=3009,
                    timestamp="2022-06-01T10:00:00Z"),
}

# Compression of each shape's dump (by content: the file name says it too).
PACKING = {"template": "gzip", "table": None, "deflist": "bzip2", "bold": None,
           "plain": "gzip", "headings": "bzip2", "byline": None, "mixed": "gzip"}
SUFFIX = {"gzip": ".gz", "bzip2": ".bz2", None: ""}

DECOYS = ("hub", "grid", "faq", "template page", "user page", "talk page", "translation",
          "no fields")


# --------------------------------------------------------------------------
# What a correct extractor gives.

def expected_session(s, wiki, translations=()):
    """The fields of one session as `wmindex --list-sessions` prints them
    (speakers reduced to name and username)."""
    w = WIKIS[wiki]
    return {
        "title": s["title"], "type": s["type"], "type_label": s["type_label"],
        "tracks": [s["track"]], "language": s["language"], "duration": s["duration"],
        "status": s["status"], "event": w["event"], "year": w["year"],
        "speakers": [{"name": name, "username": user} for _, name, user in s["speakers"]],
        "abstract": s["abstract_plain"], "translations": list(translations),
    }


def expected_sessions(wiki, sessions=None, decoys=True):
    """{title: expected fields} for a dump written by write_dump with these
    arguments (the translation subpage is one of the decoys)."""
    sessions = SESSIONS if sessions is None else sessions
    return {s["title"]: expected_session(s, wiki, ["fr"] if decoys and s is SESSIONS[TRANSLATED]
                                         else [])
            for s in sessions}


def expected_counts(sessions=None, decoys=True, no_fields=1):
    """pages, candidates and sessions of a dump written with these arguments.
    Candidates: pages whose title matches a session pattern (Submissions/...,
    Program/..., YYYY:Program/...) that no exclude pattern rules out (day
    grids, schedules, FAQ), outside the Template, User and talk namespaces,
    and not translation subpages (they attach to their session): the
    sessions and the no-fields pages."""
    n = len(SESSIONS if sessions is None else sessions)
    pages = n + no_fields + (7 if decoys else 0)
    candidates = n + no_fields
    return {"pages": pages, "candidates": candidates, "sessions": n}


def page_title(wiki, title):
    return WIKIS[wiki]["prefix"] + title


# --------------------------------------------------------------------------
# Writing one session's fields.

def speaker_list(speakers):
    """"A", "A and B", "A, B and C"."""
    names = [wt for wt, _, _ in speakers]
    if len(names) == 1:
        return names[0]
    return ", ".join(names[:-1]) + " and " + names[-1]


def values(s):
    """The wikitext of each field's value written as one line."""
    return {"title": s["title"], "type": s["type_label"], "track": s["track"],
            "speakers": speaker_list(s["speakers"]), "language": s["language_name"],
            "duration": s["duration_text"], "status": s["status_label"],
            "abstract": s["abstract_wikitext"]}


def label(i, field):
    return LABELS[field][i % 3]


def render_template(i, s, fields):
    name, params = TEMPLATES[i % 3]
    v = values(s)
    lines = ["{{" + name]
    for field in fields:
        param = params[field]
        if param.endswith("#"):
            for n, (wt, _, _) in enumerate(s["speakers"], 1):
                lines.append("|%s%d=%s" % (param[:-1], n, wt))
        elif param.endswith("*"):
            lines.append("|%s=" % param[:-1])
            lines.extend("* " + wt for wt, _, _ in s["speakers"])
        else:
            lines.append("|%s=%s" % (param, v[field]))
    lines.append("}}")
    return "\n".join(lines)


def render_table(i, s, fields):
    v = values(s)
    rows = []
    for j, field in enumerate(fields):
        value = v[field]
        if field == "speakers" and len(s["speakers"]) > 1 and i % 2 == 0:
            value = ("<br>" if i % 4 == 0 else "<br />").join(wt for wt, _, _ in s["speakers"])
        if field == "type" and " " in value:
            value = "{{nowrap|%s}}" % value      # a template inside a cell
        if j % 2:
            rows.append("! %s || %s" % (label(i, field), value))
        else:
            rows.append("! %s\n| %s" % (label(i, field), value))
    return '{| class="wikitable"\n' + "\n|-\n".join(rows) + "\n|}"


def render_deflist(i, s, fields):
    v = values(s)
    out = []
    for j, field in enumerate(fields):
        if (i + j) % 2:
            out.append(";%s\n:%s" % (label(i, field), v[field]))
        else:
            out.append("; %s : %s" % (label(i, field), v[field]))
    return "\n".join(out)


def render_bold(i, s, fields):
    v = values(s)
    return "\n".join("'''%s:''' %s" % (label(i, f), v[f]) for f in fields)


def render_plain(i, s, fields):
    v = values(s)
    return "\n".join("%s: %s" % (label(i, f), v[f]) for f in fields)


def render_headings(i, s, fields):
    v = values(s)
    mark = "===" if i % 3 == 1 else "=="
    out = []
    for field in fields:
        if field == "speakers":
            body = "\n".join("* " + wt for wt, _, _ in s["speakers"])
        else:
            body = v[field]
        out.append("%s %s %s\n%s\n" % (mark, label(i, field), mark, body))
    return "\n".join(out)


def render_byline(i, s, fields):
    return "by " + speaker_list(s["speakers"]) if "speakers" in fields else ""


RENDER = {"template": render_template, "table": render_table, "deflist": render_deflist,
          "bold": render_bold, "plain": render_plain, "heading": render_headings,
          "byline": render_byline}


def session_text(i, s, shape, fields=FIELDS):
    """The wikitext of session s (index i) in shape, holding only `fields`."""
    if shape == "mixed":
        kinds = {f: MIXES[i % len(MIXES)][f] for f in fields}
    elif shape == "byline":
        kinds = {f: ("byline" if f == "speakers" else "page" if f == "title" else "heading")
                 for f in fields}
    else:
        kind = {"headings": "heading"}.get(shape, shape)
        kinds = {f: kind for f in fields}
    blocks = []
    for kind in KIND_ORDER:
        chosen = [f for f in fields if kinds[f] == kind]
        if kind == "heading" and "abstract" in chosen:     # the abstract section last
            chosen = [f for f in chosen if f != "abstract"] + ["abstract"]
        if chosen:
            blocks.append(RENDER[kind](i, s, chosen))
    if not any(blocks):
        blocks.append("''Draft, to be completed.''")
    return "\n\n".join(b for b in blocks if b) + "\n"


# --------------------------------------------------------------------------
# Decoy pages.

def decoy_pages(wiki, shape, sessions):
    """[(title, ns, wikitext)] of the pages that must give no session."""
    w = WIKIS[wiki]
    first = SESSIONS[TRANSLATED]
    links = "\n".join("* [[%s%s|%s]] by %s" % (w["prefix"], s["title"], s["title"],
                                               speaker_list(s["speakers"])) for s in sessions)
    rows = "\n|-\n".join("| [[%s%s|%s]] || %s || %s || %s" % (
        w["prefix"], s["title"], s["title"], speaker_list(s["speakers"]), s["type_label"],
        s["track"]) for s in sessions)
    hub = ("Welcome to the program of %s.\n\n== Accepted sessions ==\n%s\n\n"
           "== All submissions ==\n{| class=\"wikitable sortable\"\n! Title !! Speakers !! Type !! Track\n"
           "|-\n%s\n|}\n" % (w["event"], links, rows))
    items = []
    for n, s in enumerate(sessions[:4]):
        items.append("| %d:00 || {{Program item|title=%s|presenters=%s|track=%s|type=%s}}"
                     % (10 + n, s["title"], speaker_list(s["speakers"]), s["track"], s["type_label"]))
    grid = ("== Sunday ==\n{| class=\"wikitable\"\n! Time !! Room A\n|-\n" + "\n|-\n".join(items)
            + "\n|}\n\n== Also on Sunday ==\n{| class=\"wikitable\"\n! Title !! Speakers !! Abstract\n|-\n"
            + "\n|-\n".join("| %s || %s || %s" % (s["title"], speaker_list(s["speakers"]),
                                                   s["abstract_wikitext"]) for s in sessions[4:])
            + "\n|}\n")
    faq = ("Frequently asked questions about submissions.\n\n"
           "Q: How long can a session be? A: Between 5 and 90 minutes.\n\n"
           "Q: Who can submit a proposal? A: Anyone, with a title and a short abstract.\n\n"
           "Q: Can I present in French? A: Yes, say so in the language field.\n")
    template_page = ("<includeonly>{| class=\"wikitable\"\n! Title\n| {{{title|}}}\n|-\n"
                     "! Speakers\n| {{{speakers|}}}\n|-\n! Abstract\n| {{{abstract|}}}\n|}"
                     "</includeonly><noinclude>\n== Usage ==\n{{Session\n|title=Example session\n"
                     "|type=Workshop\n|speakers=Jane Example\n|abstract=An example abstract.\n"
                     "|status=Accepted\n}}\n</noinclude>\n")
    user_page = ("'''Mara Lindqvist''' works in a public library.\n\n'''Title:''' Librarian\n\n"
                 "== My sessions ==\n* [[%s%s]]\n* [[%s%s]]\n"
                 % (w["prefix"], first["title"], w["prefix"], SESSIONS[2]["title"]))
    talk_page = ("== Abstract too long? ==\nThe abstract could be shorter. "
                 "[[User:Jonas Berg|Jonas]] 10:00, 2 May 2013 (UTC)\n"
                 ":Title: fixed, thanks. [[User:Mara_L|Mara Lindqvist]] 11:00, 2 May 2013 (UTC)\n")
    french = dict(first, title=FRENCH["title"], abstract_wikitext=FRENCH["abstract"])
    translation = session_text(TRANSLATED, french, shape)
    return [
        (w["hub"], w["ns"], hub),
        (w["grid"], w["ns"], grid),
        (w["faq"], w["ns"], faq),
        ("Template:Session", 10, template_page),
        ("User:Mara L", 2, user_page),
        (w["talk_prefix"] + first["title"], w["talk_ns"], talk_page),
        (w["prefix"] + first["title"] + "/fr", w["ns"], translation),
    ]


def no_fields_pages(wiki, shape, n):
    """Candidates with a title and no other field."""
    w = WIKIS[wiki]
    out = []
    for k in range(n):
        title = NO_FIELDS_TITLE + ("" if k == 0 else " %d" % (k + 1))
        s = dict(SESSIONS[0], title=title)
        out.append((w["prefix"] + title, w["ns"], session_text(0, s, shape, ("title",))))
    return out


# --------------------------------------------------------------------------
# The dump.

def xml_escape(text):
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def head(wiki, dbname=None):
    w = WIKIS[wiki]
    spaces = [(-2, "Media"), (-1, "Special"), (0, ""), (1, "Talk"), (2, "User"), (3, "User talk"),
              (4, "Wikimania"), (5, "Wikimania talk"), (6, "File"), (7, "File talk"),
              (8, "MediaWiki"), (9, "MediaWiki talk"), (10, "Template"), (11, "Template talk"),
              (12, "Help"), (13, "Help talk"), (14, "Category"), (15, "Category talk")]
    if wiki == "unified":
        spaces += [(3008, "2022"), (3009, "2022 talk")]
    ns_xml = "".join('      <namespace key="%d" case="first-letter">%s</namespace>\n' % (k, n)
                     if n else '      <namespace key="%d" case="first-letter" />\n' % k
                     for k, n in spaces)
    return ('<mediawiki xmlns="http://www.mediawiki.org/xml/export-0.11/" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
            'xsi:schemaLocation="http://www.mediawiki.org/xml/export-0.11/ '
            'http://www.mediawiki.org/xml/export-0.11.xsd" version="0.11" xml:lang="en">\n'
            "  <siteinfo>\n    <sitename>%s</sitename>\n    <dbname>%s</dbname>\n"
            "    <base>%s</base>\n    <generator>MediaWiki 1.43.0-wmf.8</generator>\n"
            "    <case>first-letter</case>\n    <namespaces>\n%s    </namespaces>\n  </siteinfo>\n"
            % (w["sitename"], dbname or w["dbname"], w["base"], ns_xml))


def page_xml(title, ns, page_id, text, timestamp):
    body = xml_escape(text)
    return ("  <page>\n    <title>%s</title>\n    <ns>%d</ns>\n    <id>%d</id>\n"
            "    <revision>\n      <id>%d</id>\n      <timestamp>%s</timestamp>\n"
            "      <contributor>\n        <username>Mara L</username>\n        <id>7</id>\n"
            "      </contributor>\n      <origin>%d</origin>\n      <model>wikitext</model>\n"
            "      <format>text/x-wiki</format>\n"
            "      <text bytes=\"%d\" xml:space=\"preserve\">%s</text>\n    </revision>\n  </page>\n"
            % (xml_escape(title), ns, page_id, page_id * 10, timestamp, page_id * 10,
               len(text.encode("utf-8")), body))


def dump_pages(wiki, shape, sessions=None, decoys=True, no_fields=1):
    """[(title, ns, wikitext)] in dump order."""
    sessions = SESSIONS if sessions is None else sessions
    w = WIKIS[wiki]
    pages = []
    decoy = decoy_pages(wiki, shape, SESSIONS) if decoys else []
    if decoy:
        pages.extend(decoy[:3])            # hub, grid, FAQ first
    for i, s in enumerate(sessions):
        pages.append((w["prefix"] + s["title"], w["ns"], session_text(i, s, shape)))
        if decoy and s is SESSIONS[TRANSLATED]:
            pages.append(decoy[6])         # the translation right after its source page
    pages.extend(no_fields_pages(wiki, shape, no_fields))
    if decoy:
        if SESSIONS[TRANSLATED] not in sessions:
            pages.append(decoy[6])         # a translation whose source page is absent
        pages.extend(decoy[3:6])
    return pages


def more_sessions(n):
    """n sessions with distinct titles: SESSIONS, then copies titled "... II"."""
    out = list(SESSIONS[:n])
    while len(out) < n:
        s = SESSIONS[len(out) % len(SESSIONS)]
        out.append(dict(s, title=s["title"] + " II"))
    return out


def dump_text(wiki, shape, sessions=None, decoys=True, no_fields=1, dbname=None):
    w = WIKIS[wiki]
    pages = dump_pages(wiki, shape, sessions, decoys, no_fields)
    body = "".join(page_xml(title, ns, 100 + n, text, w["timestamp"])
                   for n, (title, ns, text) in enumerate(pages))
    return head(wiki, dbname) + body + "</mediawiki>\n"


def compress(tool, data):
    return subprocess.run([tool, "-c"], input=data, capture_output=True, check=True).stdout


def write_dump(path, wiki, shape, sessions=None, decoys=True, no_fields=1, dbname=None,
               packing=None):
    """Write one dump (packing: None, "gzip" or "bzip2", by the real tool)."""
    data = dump_text(wiki, shape, sessions, decoys, no_fields, dbname).encode("utf-8")
    if packing:
        data = compress(packing, data)
    with open(path, "wb") as f:
        f.write(data)
    return path


def dump_name(wiki, shape, packing="default"):
    if packing == "default":
        packing = PACKING[shape]
    return "%s-%s.xml%s" % (WIKIS[wiki]["dbname"], shape, SUFFIX[packing])


def write_all(outdir):
    """Every shape on both wikis; [(wiki, shape, path)]."""
    os.makedirs(outdir, exist_ok=True)
    out = []
    for wiki in WIKIS:
        for shape in SHAPES:
            path = os.path.join(outdir, dump_name(wiki, shape))
            write_dump(path, wiki, shape, packing=PACKING[shape])
            out.append((wiki, shape, path))
    return out


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: shapes.py OUTDIR")
    for _, _, path in write_all(sys.argv[1]):
        print(path)
