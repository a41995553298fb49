"""Known-item search measures, shared by tests/relevance (the bundled sample)
and bench/run --relevance (real schedule exports, against SQLite FTS5).

A known-item query is a few words of a session's title, as someone who
remembers the talk would type them; with a typo, one of those words has two
neighbouring letters swapped or one letter dropped.  A query is judged by
the rank of the first expected session among the first 10 results:
MRR@10 is the mean of 1/rank (0 when not in the top 10), success@10 the
share of queries with an expected session in the top 10."""
import re
import subprocess
import unicodedata

CUTOFF = 10

# Words a person does not pick to find a title (English and the articles of
# the sample's other languages); only for choosing query words, not an index's stopword list.
SKIP_WORDS = set("""a an and are as at be by for from how in into is it its of on or our the their this
to we what when where who why with without your you not new more about after over than via vs
de la le les des du et en el los las un une y con por para del al dei di il da do das dos""".split())

WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*", re.UNICODE)


def words_of(text):
    return WORD.findall(text)


def choose_words(title, title_frequency, n=3):
    """Up to n words of the title a person would remember: the rarest among
    the corpus's titles (title_frequency: lowercased word -> titles holding it),
    at least 3 letters, not in SKIP_WORDS; in the title's order."""
    candidates = []
    for position, word in enumerate(words_of(title)):
        low = word.lower()
        if len(low) < 3 or low in SKIP_WORDS or low.isdigit():
            continue
        if any(low == c[2].lower() for c in candidates):
            continue
        candidates.append((title_frequency.get(low, 0), position, word))
    chosen = sorted(candidates)[:n]
    return [word for _, _, word in sorted(chosen, key=lambda c: c[1])]


def title_frequencies(titles):
    counts = {}
    for title in titles:
        for low in {w.lower() for w in words_of(title)}:
            counts[low] = counts.get(low, 0) + 1
    return counts


def typo(word, variant):
    """word with one typo: variant even swaps the two letters in its middle
    (when they differ), odd drops the middle letter."""
    middle = len(word) // 2
    if variant % 2 == 0 and len(word) >= 4 and word[middle - 1] != word[middle]:
        return word[:middle - 1] + word[middle] + word[middle - 1] + word[middle + 1:]
    return word[:middle] + word[middle + 1:]


def with_typo(words, variant):
    """The words with a typo in the longest one of at least 5 letters (None when none is)."""
    longest = max(range(len(words)), key=lambda i: (len(words[i]), -i)) if words else None
    if longest is None or len(words[longest]) < 5:
        return None
    return [typo(w, variant) if i == longest else w for i, w in enumerate(words)]


def fold(text):
    """Diacritics and the letters Unicode does not decompose folded to ASCII, where they fold."""
    special = {"ı": "i", "ø": "o", "Ø": "O", "ß": "ss", "æ": "ae", "Æ": "AE", "đ": "d", "Đ": "D",
               "ł": "l", "Ł": "L", "œ": "oe", "Œ": "OE", "þ": "th", "ð": "d"}
    text = "".join(special.get(c, c) for c in text)
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def first_rank(results, expected):
    """1-based rank of the first expected id among results (None when none is there)."""
    for rank, sid in enumerate(results[:CUTOFF], 1):
        if sid in expected:
            return rank
    return None


def summarise(ranks):
    """(MRR@10, success@10) of a list of first ranks (None: not found)."""
    if not ranks:
        return 0.0, 0.0
    return (sum(1.0 / r for r in ranks if r) / len(ranks),
            sum(1 for r in ranks if r) / len(ranks))


def wmquery_ids(wmquery, index, query, extra=()):
    """The ids wmquery ranks first for query (a string, given as one word after --)."""
    proc = subprocess.run([wmquery, "-d", index, "--format", "ids", "-n", str(CUTOFF), "--no-pager"]
                          + list(extra) + ["--", query], capture_output=True, text=True, timeout=60)
    if proc.returncode not in (0, 1):
        raise RuntimeError("wmquery %r: exit %d: %s" % (query, proc.returncode, proc.stderr.strip()))
    return proc.stdout.split()
