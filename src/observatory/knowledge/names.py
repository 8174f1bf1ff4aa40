"""Person names from author strings: 'Family, Given' and 'Given Family' give one key; accents and case folded."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass

PARTICLES = frozenset("van von der den de del della di da das dos du le la ter ten bin ibn al el st saint mc".split())
SUFFIXES = frozenset({"jr", "sr", "ii", "iii", "iv"})
MAX_NAME_CHARS = 200


@dataclass(frozen=True)
class PersonName:
    """A parsed author name: family and given parts as written, and the folded key used to match them."""

    family: str
    given: str

    @property
    def key(self) -> str:
        """Accent-, case- and punctuation-free 'family|given words'."""
        return f"{fold(self.family)}|{fold(self.given)}"

    @property
    def display(self) -> str:
        """The name as people write it: given names first."""
        return f"{self.given} {self.family}".strip()

    def initials(self) -> list[str]:
        """First letters of the folded given names ('Mark J. D.' -> ['m', 'j', 'd'])."""
        return [word[0] for word in fold(self.given).split()]


def fold(text: str) -> str:
    """Lower-case ASCII words: accents removed, punctuation and hyphens as spaces."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    return " ".join(re.findall(r"[a-z0-9]+", text))


def parse_name(raw: str) -> PersonName | None:
    """A PersonName from 'Family, Given' or 'Given [particles] Family'; None when nothing name-like is left."""
    text = " ".join(raw[:MAX_NAME_CHARS].split()).strip(" ,;")
    if not text or not re.search(r"[^\W\d_]", text):
        return None
    if "," in text:
        family, _, given = text.partition(",")
        given = " ".join(w for w in given.replace(",", " ").split() if fold(w) not in SUFFIXES)
        return PersonName(family.strip(), given.strip(" ,"))
    words = [w for w in text.split() if fold(w) not in SUFFIXES]
    if len(words) == 1:
        return PersonName(words[0], "")
    start = len(words) - 1
    while start > 1 and fold(words[start - 1]) in PARTICLES:
        start -= 1
    return PersonName(" ".join(words[start:]), " ".join(words[:start]))


def person_id(name_key: str) -> str:
    """Stable id of the person first known under a name key."""
    return "pe-" + hashlib.sha1(name_key.encode()).hexdigest()[:10]


def compatible_given(a: PersonName, b: PersonName) -> str | None:
    """Why two given names could be one person's (initials agree, or one omits a middle name); None if they clash."""
    words_a, words_b = fold(a.given).split(), fold(b.given).split()
    if not words_a or not words_b or words_a == words_b:
        return None
    short, long = sorted((words_a, words_b), key=len)
    if any(len(w) > 1 for w in short) and all(len(w) > 1 for w in long):
        # Full names on both sides: only a dropped middle name ('anna' vs 'anna maria') is a candidate.
        if long[: len(short)] == short:
            return f"given names '{a.given}' and '{b.given}' differ only by a middle name"
        return None
    for s, l_word in zip(short, long, strict=False):
        if s[0] != l_word[0] or (len(s) > 1 and len(l_word) > 1 and s != l_word):
            return None
    return f"given names '{a.given}' and '{b.given}' agree on their initials"
