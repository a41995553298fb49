"""The people model of the store (store/store.h, "people"), in Python, for
tests that derive expectations from truth.json: speakers are one person
when they share a username or a full name once case and diacritics are
folded as the store folds them (store/analysis.h); links chain.  Nothing
else links."""

import re
import unicodedata

# store/analysis.h's folding, as its comment (and doc/index-schema.md, "Text
# analysis") documents it: Latin and Greek letters lose their nonspacing marks
# (NFD; also a mark written apart after such a letter); these letters, which
# do not decompose, are spelt out (and Cyrillic ё -> е); the marks of other
# scripts stay (й, Devanagari vowel signs, Arabic harakat); an apostrophe
# after an elided article (l' d' qu' dell' ...) before a letter is a space.
_SPELT_OUT = {"Ø": "O", "ø": "o", "ß": "ss", "ẞ": "SS", "Æ": "AE", "æ": "ae", "Œ": "OE", "œ": "oe",
              "Đ": "D", "đ": "d", "Ł": "L", "ł": "l", "Þ": "TH", "þ": "th", "Ð": "D", "ð": "d", "ı": "i",
              "Ħ": "H", "ħ": "h", "Ŧ": "T", "ŧ": "t", "Ŀ": "L", "ŀ": "l", "Ŋ": "N", "ŋ": "n",
              "Ё": "Е", "ё": "е", "\u2019": "'", "\u2018": "'", "\u02bc": "'"}
_ELIDED = ("c d j l m n s t qu jusqu lorsqu puisqu quoiqu presqu all dall dell nell sull coll pell quell "
           "quest un nessun tutt").split()
_ELISION = re.compile(r"(?<![^\W_])(%s)'(?=[^\W\d_])" % "|".join(_ELIDED), re.IGNORECASE)


def _folds_marks(c):
    """Latin or Greek (the store's table is made from ICU's scripts; the
    character names say the same for the letters of names)."""
    return c.isascii() and c.isalpha() or unicodedata.name(c, "").startswith(("LATIN ", "GREEK "))


def _fold_letters(text):
    out, base_folds = [], False
    for c in text:
        if c in _SPELT_OUT:
            out.append(_SPELT_OUT[c])
            base_folds = False
        elif unicodedata.category(c) == "Mn":
            if not base_folds:
                out.append(c)
        else:
            base_folds = _folds_marks(c)
            if base_folds and not c.isascii():
                c = "".join(d for d in unicodedata.normalize("NFD", c) if unicodedata.category(d) != "Mn")
            out.append(c)
    return _ELISION.sub(lambda m: m.group(1) + " ", "".join(out))


def fold(text):
    """As the store folds a name (store/people.cc person_fold): '_' as a
    space, folded (above), lower-cased, white space collapsed."""
    return " ".join(_fold_letters((text or "").replace("_", " ")).lower().split())


def words(text):
    return re.findall(r"\w+", fold(text))


def _keys(speaker):
    keys = ["n" + fold(speaker["name"])]
    if speaker.get("username"):
        keys.append("u" + fold(speaker["username"]))
    return keys


class People:
    """The people of some sessions (dicts with "id" and "speakers")."""

    def __init__(self, sessions):
        self.parent = {}
        for s in sessions:
            for sp in s["speakers"]:
                keys = _keys(sp)
                for k in keys:
                    self.parent.setdefault(k, k)
                if len(keys) == 2:
                    self.parent[self.root(keys[0])] = self.root(keys[1])
        self.sessions = {}   # person -> session ids
        self.forms = {}      # person -> {name as written: sessions}
        for s in sessions:
            seen = set()
            for sp in s["speakers"]:
                p = self.of(sp)
                self.sessions.setdefault(p, set()).add(s["id"])
                if (p, sp["name"]) not in seen:
                    seen.add((p, sp["name"]))
                    forms = self.forms.setdefault(p, {})
                    forms[sp["name"]] = forms.get(sp["name"], 0) + 1
        self.speakers = {p: [sp for s in sessions for sp in s["speakers"] if self.of(sp) == p]
                         for p in self.sessions}

    def root(self, key):
        while self.parent[key] != key:
            key = self.parent[key]
        return key

    def of(self, speaker):
        return self.root(_keys(speaker)[0])

    def label(self, person):
        """The name form seen in most sessions (ties: the first in code point order)."""
        forms = self.forms[person]
        return sorted(forms, key=lambda f: (-forms[f], f))[0]

    def names(self, person):
        forms = self.forms[person]
        return sorted(forms, key=lambda f: (-forms[f], f))

    def counts(self):
        """{label: sessions}, as `list speakers` and the speaker facet give them."""
        return {self.label(p): len(ids) for p, ids in self.sessions.items()}

    def named(self, value):
        """The people value names: its folded words a run of a name's or username's words."""
        want = words(value)
        n = len(want)

        def holds(text):
            have = words(text)
            return n > 0 and any(have[i:i + n] == want for i in range(len(have) - n + 1))
        return {p for p, sps in self.speakers.items()
                if any(holds(sp["name"]) or holds(sp.get("username") or "") for sp in sps)}
