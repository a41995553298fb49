#!/usr/bin/env python3
"""Build the seed corpora of the fuzz targets from the test fixtures and the
bundled sample dumps (run by `make fuzz`; nothing generated is committed).

    make_corpus.py SRCDIR OUTDIR

writes OUTDIR/fuzz_stream, fuzz_dump, fuzz_schedule, fuzz_wikitext,
fuzz_evidence and fuzz_extract: whole files (plain, and compressed by the
real gzip and bzip2 tools) for the stream, small well-formed dumps for the
dump reader, schedule exports (JSON and frab XML, whole and cut to a few
talks), page texts for the wikitext tools, page texts after an era byte (the
era whose rule reads the page, and none) for the evidence gatherers, and
NUL-separated pages (a shape byte, then the text) for the extractor, whose
shape table is read from fuzz_extract.c so the two cannot drift apart.  The
page texts come from the fixture and sample dumps and from the shape matrix
of tests/e2e/shapes.py (every field in every page shape, with its decoys).
Seeds are capped at the size each target is run with."""

import bz2
import fnmatch
import glob
import gzip
import hashlib
import html
import os
import random
import re
import subprocess
import sys

MAX_LEN = {"fuzz_stream": 131072, "fuzz_dump": 131072, "fuzz_schedule": 131072,
           "fuzz_wikitext": 65536, "fuzz_evidence": 65536, "fuzz_extract": 65536}

# fuzz_evidence: a first byte that is no era's number reads without an era.
NO_ERA = 0xff

PAGE_RE = re.compile(rb"<page>.*?</page>", re.S)
TITLE_RE = re.compile(rb"<title>(.*?)</title>", re.S)
NS_RE = re.compile(rb"<ns>(-?\d+)</ns>")
TEXT_RE = re.compile(rb"<text[^>]*>(.*?)</text>", re.S)
DBNAME_RE = re.compile(rb"<dbname>(.*?)</dbname>")
SPEAKER_CALL_RE = re.compile(r"\{\{\s*2023 speaker details/([A-Za-z0-9]+)\s*\}\}")


def tool(args, data):
    """Compress with the real tool, as the users' files are made."""
    return subprocess.run(args, input=data, stdout=subprocess.PIPE, check=True).stdout


def unxml(raw):
    return html.unescape(raw.decode("utf-8", "replace"))


class Corpus:
    def __init__(self, outdir, target):
        self.dir = os.path.join(outdir, target)
        self.max_len = MAX_LEN[target]
        os.makedirs(self.dir, exist_ok=True)
        for old in glob.glob(os.path.join(self.dir, "*")):
            os.unlink(old)

    def add(self, data):
        if isinstance(data, str):
            data = data.encode("utf-8")
        data = data[:self.max_len]
        name = hashlib.sha1(data).hexdigest()
        with open(os.path.join(self.dir, name), "wb") as f:
            f.write(data)


def read_dumps(srcdir):
    """(name, plain bytes) of every fixture dump and sample dump."""
    dumps = []
    for path in sorted(glob.glob(os.path.join(srcdir, "tests/fixtures/*/*.xml"))):
        with open(path, "rb") as f:
            dumps.append((os.path.basename(path), f.read()))
    sample = os.path.join(srcdir, "data/sample")
    for path in sorted(glob.glob(os.path.join(sample, "*.xml.gz"))):
        with gzip.open(path, "rb") as f:
            dumps.append((os.path.basename(path), f.read()))
    for path in sorted(glob.glob(os.path.join(sample, "*.xml.bz2"))):
        with bz2.open(path, "rb") as f:
            dumps.append((os.path.basename(path), f.read()))
    return dumps


def split_dump(xml, pages_per_part=4):
    """Small well-formed dumps: the header and siteinfo, a few pages, the end."""
    first = xml.find(b"<page>")
    if first < 0:
        return []
    head = xml[:first]
    pages = PAGE_RE.findall(xml)
    return [head + b"".join(pages[i:i + pages_per_part]) + b"</mediawiki>\n"
            for i in range(0, len(pages), pages_per_part)]


def pages_of(xml):
    """(dbname, title, ns, text) of each page."""
    match = DBNAME_RE.search(xml)
    dbname = match.group(1).decode() if match else ""
    result = []
    for page in PAGE_RE.findall(xml):
        title, ns, text = TITLE_RE.search(page), NS_RE.search(page), TEXT_RE.findall(page)
        if title and text:
            result.append((dbname, unxml(title.group(1)), int(ns.group(1)) if ns else 0,
                           unxml(text[-1])))
    return result


def stream_seeds(corpus, dumps, srcdir):
    small = [data for name, data in dumps if len(data) < 20000]
    for data in small:
        corpus.add(data)
        corpus.add(tool(["gzip", "-9c"], data))
        corpus.add(tool(["bzip2", "-9c"], data))
    for path in glob.glob(os.path.join(srcdir, "data/sample/*.xml.*")):
        with open(path, "rb") as f:
            corpus.add(f.read())
    a, b = small[0], small[1]
    corpus.add(tool(["gzip", "-c"], a) + tool(["gzip", "-c"], b))          # two members
    corpus.add(tool(["bzip2", "-c"], a) + tool(["bzip2", "-c"], b))        # two streams
    corpus.add(tool(["gzip", "-c"], a) + b"\0" * 512)                       # zero padding
    # Incompressible data crosses the reader's 64 KiB input window.
    noise = random.Random(5).randbytes(80000)
    corpus.add(tool(["gzip", "-1c"], noise))
    corpus.add(tool(["bzip2", "-1c"], noise))
    corpus.add(b"<mediawiki>" + b"x" * 70000 + b"</mediawiki>")
    for magic in (b"\xfd7zXZ\0", b"\x28\xb5\x2f\xfd", b"7z\xbc\xaf\x27\x1c", b"BZh9", b"\x1f\x8b"):
        corpus.add(magic + b"\0" * 16)


def dump_seeds(corpus, dumps):
    for name, data in dumps:
        if len(data) < 20000:
            corpus.add(data)
        for part in split_dump(data):
            corpus.add(part)
    corpus.add(tool(["gzip", "-c"], dumps[0][1]))


def schedule_seeds(corpus, srcdir):
    paths = sorted(glob.glob(os.path.join(srcdir, "tests/fixtures/*/*schedule*.json")) +
                   glob.glob(os.path.join(srcdir, "tests/fixtures/*/*schedule*.xml")))
    for path in paths:
        with open(path, "rb") as f:
            data = f.read()
        corpus.add(data)
        corpus.add(tool(["gzip", "-c"], data))
        # The first talk or two alone: small seeds mutate faster.
        if path.endswith(".xml"):
            cut = data.find(b"</event>", data.find(b"</event>") + 1)
            if cut > 0:
                corpus.add(data[:cut + 8] + b"</room></day></schedule>\n")
    corpus.add(b'{"schedule": {"version": "x", "conference": {"acronym": "a", "days": []}}}')


def wikitext_seeds(corpus, dumps):
    for name, data in dumps:
        for dbname, title, ns, text in pages_of(data):
            corpus.add(text)


def shape_pages(srcdir):
    """(dbname, title, ns, text) of every page of the shape matrix's dumps
    (tests/e2e/shapes.py), once per page text."""
    sys.path.insert(0, os.path.join(srcdir, "tests/e2e"))
    try:
        import shapes
    finally:
        sys.path.pop(0)
    pages, seen = [], set()
    for wiki in shapes.WIKIS:
        dbname = shapes.WIKIS[wiki]["dbname"]
        for shape in shapes.SHAPES:
            for title, ns, text in shapes.dump_pages(wiki, shape):
                if (title, text) not in seen:
                    seen.add((title, text))
                    pages.append((dbname, title, ns, text))
    return pages


class Eras:
    """The era rules of data/rules/wikimania.rules in order (their numbers
    are the built-in rules' indexes), enough of wm_rules_find_era to say
    which era reads a page: wiki globs, title patterns, a fixed year."""

    CAPTURE = {"year": r"(?P<year>\d{4})", "code": r"[A-Za-z0-9]+", "title": r".+", "any": r".+",
               "track": r"[^/]+", "type": r"[^/]+", "language": r"[^/]+"}

    def __init__(self, srcdir):
        self.eras = []
        in_era = False
        with open(os.path.join(srcdir, "data/rules/wikimania.rules"), encoding="utf-8") as f:
            for line in f:
                line = line.strip()
                if line.startswith("["):
                    in_era = line.startswith("[era ")
                    if in_era:
                        self.eras.append(dict(wikis=[], titles=[], excludes=[], year=None))
                    continue
                if not in_era or "=" not in line or line.startswith("#"):
                    continue
                key, value = (part.strip() for part in line.split("=", 1))
                era = self.eras[-1]
                alternatives = [v.strip() for v in value.split(" | ")]
                if key == "wiki":
                    era["wikis"] += alternatives
                elif key in ("title", "exclude"):
                    era[key + "s"] += [self.regex(v) for v in alternatives]
                elif key == "year":
                    era["year"] = value

    def regex(self, pattern):
        out = ""
        for part in re.split(r"(\{\w+\})", pattern):
            name = part[1:-1]
            out += self.CAPTURE.get(name, ".+") if part.startswith("{") else re.escape(part)
        return re.compile(out + r"\Z")

    def find(self, dbname, title):
        """The number of the era that reads the page, or None."""
        for n, era in enumerate(self.eras):
            if not any(fnmatch.fnmatchcase(dbname, w) for w in era["wikis"]):
                continue
            for pattern in era["titles"]:
                m = pattern.match(title)
                if m and (not era["year"] or "year" not in pattern.groupindex
                          or m.group("year") == era["year"]):
                    excluded = any(x.match(title) for x in era["excludes"])
                    return None if excluded else n
        return None


def evidence_seeds(corpus, dumps, srcdir):
    """Each page text read without an era and with the era that reads it."""
    eras = Eras(srcdir)
    pages = [page for name, data in dumps for page in pages_of(data)] + shape_pages(srcdir)
    for dbname, title, ns, text in pages:
        data = text.encode("utf-8")
        corpus.add(bytes([NO_ERA]) + data)
        era = eras.find(dbname, title)
        if era is not None:
            corpus.add(bytes([era]) + data)


def extract_shapes(srcdir):
    """The SHAPES table of fuzz_extract.c: (dbname, title) in order."""
    with open(os.path.join(srcdir, "tests/fuzz/fuzz_extract.c"), encoding="utf-8") as f:
        source = f.read()
    sites = re.findall(r'\{"(\w+)", "https://', source)
    table = source[source.index("SHAPES[] = {"):]
    table = table[:table.index("};")]
    return [(sites[int(site)], title)
            for site, title in re.findall(r'\{(\d+), -?\d+, "([^"]*)"\}', table)]


def shape_byte(shapes, dbname, title):
    """The shape of the same wiki whose title shares the longest prefix with title."""
    best, best_len = None, -1
    for i, (db, shape_title) in enumerate(shapes):
        if db != dbname:
            continue
        common = len(os.path.commonprefix([title, shape_title]))
        if common > best_len:
            best, best_len = i, common
    return best


def extract_page(shapes, dbname, title, text):
    i = shape_byte(shapes, dbname, title)
    return None if i is None else bytes([i + 1]) + text.encode("utf-8")


# The shape matrix's per-year wiki has no shape in fuzz_extract.c: its pages
# go to a wiki of the same era, and to the generic era's year without a rule.
SHAPE_WIKIS = {"wikimania2013wiki": [("wikimania2014wiki", "Submissions/", "Submissions/"),
                                     ("wikimania2008wiki", "Submissions/", "Program/")]}


def extract_shape_seeds(corpus, shapes, srcdir):
    """The shape matrix's pages one by one, and a dump's first pages together."""
    by_dump = {}
    for dbname, title, ns, text in shape_pages(srcdir):
        for db, old, new in SHAPE_WIKIS.get(dbname, [(dbname, "", "")]):
            page = extract_page(shapes, db, new + title[len(old):] if title.startswith(old)
                                else title, text)
            if page is not None:
                corpus.add(page)
                by_dump.setdefault(db, []).append(page)
    for pages in by_dump.values():
        for i in range(0, len(pages), 8):
            corpus.add(b"\0".join(pages[i:i + 8]))


def extract_seeds(corpus, dumps, srcdir):
    shapes = extract_shapes(srcdir)
    extract_shape_seeds(corpus, shapes, srcdir)
    speaker_shapes = [i for i, (db, t) in enumerate(shapes) if "speaker details/" in t]
    for name, data in dumps:
        pages = pages_of(data)
        speakers = {t.rsplit("/", 1)[1]: text for db, t, ns, text in pages
                    if t.startswith("Template:2023 speaker details/")}
        lookups = [extract_page(shapes, db, t, text) for db, t, ns, text in pages
                   if t in ("Template:2023 track name", "Template:2023 session type")]
        for dbname, title, ns, text in pages:
            if title.startswith("Template:"):
                continue
            page = extract_page(shapes, dbname, title, text)
            if page is None:
                continue
            corpus.add(page)
            # 2023: the speaker pages it calls, renamed to the target's codes.
            codes = [c for c in SPEAKER_CALL_RE.findall(text) if c in speakers]
            if not codes:
                continue
            extra = list(lookups)
            for code, shape in zip(codes, speaker_shapes):
                new_code = shapes[shape][1].rsplit("/", 1)[1]
                text = text.replace("/" + code + "}}", "/" + new_code + "}}")
                extra.append(bytes([shape + 1]) + speakers[code].encode("utf-8"))
            corpus.add(b"\0".join([x for x in extra if x] +
                                  [extract_page(shapes, dbname, title, text)]))


def main():
    srcdir, outdir = sys.argv[1], sys.argv[2]
    dumps = read_dumps(srcdir)
    stream_seeds(Corpus(outdir, "fuzz_stream"), dumps, srcdir)
    dump_seeds(Corpus(outdir, "fuzz_dump"), dumps)
    schedule_seeds(Corpus(outdir, "fuzz_schedule"), srcdir)
    wikitext_seeds(Corpus(outdir, "fuzz_wikitext"), dumps)
    evidence_seeds(Corpus(outdir, "fuzz_evidence"), dumps, srcdir)
    extract_seeds(Corpus(outdir, "fuzz_extract"), dumps, srcdir)


if __name__ == "__main__":
    main()
