"""The six UN languages: which exist, how a request chooses one, and which way each is written."""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

from babel import Locale

# The official languages of the United Nations, in the order of the UN's own language switcher.
LANGUAGES: tuple[str, ...] = ("ar", "zh", "en", "fr", "ru", "es")
DEFAULT_LANGUAGE = "en"
# A header longer than this is not a real browser's: read none of it rather than parse an adversary's.
MAX_ACCEPT_LANGUAGE_CHARS = 1024
MAX_ACCEPT_LANGUAGE_ENTRIES = 32


class UnknownLanguage(ValueError):
    """A language code outside the six UN languages."""


def checked_language(code: str | None) -> str:
    """The language code itself when it is one of the six, the default for None; else UnknownLanguage."""
    if code is None or code == "":
        return DEFAULT_LANGUAGE
    normalised = code.strip().lower().replace("_", "-").split("-")[0]
    if normalised not in LANGUAGES:
        raise UnknownLanguage(f"unknown language; the observatory speaks {', '.join(LANGUAGES)}")
    return normalised


@lru_cache(maxsize=len(LANGUAGES))
def locale(code: str) -> Locale:
    """The CLDR locale of a supported language."""
    return Locale.parse(checked_language(code))


def direction(code: str) -> str:
    """'rtl' for Arabic, 'ltr' for the others: the `dir` attribute of a page or PDF in that language."""
    return locale(code).text_direction


def route(places: Iterable[str], lang: str) -> str:
    """Places in the order people move between them, joined by an arrow pointing the way the language reads
    ('Mexico → United States'; '←' in Arabic, as its catalogue writes the corridor titles)."""
    return (" ← " if direction(lang) == "rtl" else " → ").join(places)


def native_name(code: str) -> str:
    """The language's name in itself (العربية, 中文, English, français, русский, español) for the switcher."""
    return locale(code).get_display_name(code) or code


def negotiate(accept_language: str | None) -> str:
    """The reader's preferred supported language from an Accept-Language header, else the default."""
    if not accept_language or len(accept_language) > MAX_ACCEPT_LANGUAGE_CHARS:
        return DEFAULT_LANGUAGE
    ranked: list[tuple[float, int, str]] = []
    for position, entry in enumerate(accept_language.split(",")[:MAX_ACCEPT_LANGUAGE_ENTRIES]):
        tag, _, parameters = entry.strip().partition(";")
        weight = 1.0
        if parameters.strip().startswith("q="):
            try:
                weight = float(parameters.strip()[2:])
            except ValueError:
                continue
        if not 0 < weight <= 1:
            continue
        try:
            ranked.append((-weight, position, checked_language(tag)))
        except UnknownLanguage:
            continue
    return min(ranked)[2] if ranked else DEFAULT_LANGUAGE
