"""The people model of the store (store/store.h, "people"), in Python, for
tests that derive expectations from truth.json: speakers are one person
when they share a username or a full name once case and diacritics are
folded; links chain.  Nothing else links."""

import re
import unicodedata

# How store/analysis.h's fold spells out the letters NFD does not take apart.
_LETTERS = {"ø": "o", "ß": "ss", "æ": "ae", "đ": "d", "ł": "l", "ı": "i", "œ": "oe", "þ": "th", "ð": "d"}


def fold(text):
    """Lower-case, diacritics off, '_' as a space, white space collapsed."""
    text = unicodedata.normalize("NFD", (text or "").replace("_", " ").lower())
    text = "".join(_LETTERS.get(c, c) for c in text if not unicodedata.combining(c))
    return " ".join(text.split())


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
