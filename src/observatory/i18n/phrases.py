"""Sentences composed in code, said in any of the six languages: a catalogue message and the typed parts it names.

A `Said` is the English text itself (a `str`, so JSON, logs and English pages read it unchanged) that also knows how
to say itself in another language: a `Phrase` through the message catalogue, a place through CLDR and the
declarations, an amount or a share through the number formatter, a series' title through the indicator declarations.
Answers are built (and memoised once per release) in English; the language is chosen where they are shown.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from babel.numbers import format_percent

from observatory.i18n.declarations import indicator_text, place_name
from observatory.i18n.languages import DEFAULT_LANGUAGE, checked_language, direction, locale
from observatory.i18n.messages import gettext_for
from observatory.i18n.numbers import format_value


def N_(message: str) -> str:
    """Mark a message for extraction where it is declared; it is translated where it is said."""
    return message


class Said(str):
    """English text that can be said in the other five languages."""

    def in_language(self, lang: str) -> str:
        """The text in `lang` (the English text itself for English)."""
        raise NotImplementedError


def say(part: Any, lang: str) -> str:
    """Any part of a sentence in `lang`: a Said in that language, anything else as text."""
    return part.in_language(lang) if isinstance(part, Said) else str(part)


class Phrase(Said):
    """A catalogue message with named parts (`%(name)s`), each said in the sentence's language."""

    message: str
    parts: Mapping[str, Any]

    def __new__(cls, message: str, **parts: Any) -> Phrase:
        """The English sentence; the message and its parts are kept to say it in the other languages."""
        text = message % {name: say(part, DEFAULT_LANGUAGE) for name, part in parts.items()} if parts else message
        made = super().__new__(cls, text)
        made.message, made.parts = message, parts
        return made

    def in_language(self, lang: str) -> str:
        """The translated message with every part said in `lang`."""
        lang = checked_language(lang)
        if lang == DEFAULT_LANGUAGE:
            return str(self)
        translated = gettext_for(lang)(self.message)
        return translated % {name: say(part, lang) for name, part in self.parts.items()} if self.parts else translated


class Place(Said):
    """An area's name: CLDR's for countries and territories, the declarations' for groups, as declared in English."""

    code: str | None
    kind: str | None
    iso2: str | None
    m49: str | int | None

    def __new__(cls, name: str, code: str | None, area: Mapping[str, Any] | None) -> Place:
        """The declared name of the area `code` (its row `area` gives its kind, ISO alpha-2 and M49 codes)."""
        made = super().__new__(cls, name)
        row = area or {}
        made.code, made.kind, made.iso2, made.m49 = code, row.get("kind"), row.get("iso2"), row.get("m49")
        return made

    def in_language(self, lang: str) -> str:
        """The place's name in `lang`."""
        return place_name(self.code, str(self), lang, self.kind, self.iso2, self.m49)


class Amount(Said):
    """A value with its unit: English in the claim reader's words (2.50 million), the others by CLDR."""

    value: float | None
    unit: str

    def __new__(cls, english: str, value: float | None, unit: str) -> Amount:
        """The value as the English text `english` already says it."""
        made = super().__new__(cls, english)
        made.value, made.unit = value, unit
        return made

    def in_language(self, lang: str) -> str:
        """The value formatted for readers of `lang`."""
        lang = checked_language(lang)
        if lang == DEFAULT_LANGUAGE:
            return str(self)
        if self.value is None:
            return gettext_for(lang)(N_("no value"))
        return format_value(self.value, self.unit or None, lang)


class Share(Said):
    """A share (0-1) as a percentage, with one decimal below a tenth (3.4%, 12%)."""

    value: float | None

    def __new__(cls, english: str, value: float | None) -> Share:
        """The share as the English text `english` already says it."""
        made = super().__new__(cls, english)
        made.value = value
        return made

    def in_language(self, lang: str) -> str:
        """The percentage with the language's sign, spacing and digits."""
        lang = checked_language(lang)
        if lang == DEFAULT_LANGUAGE:
            return str(self)
        if self.value is None:
            return gettext_for(lang)(N_("no share"))
        return share_percent(self.value, lang)


def share_percent(value: float, lang: str) -> str:
    """A share as a percentage in `lang`'s own pattern: one decimal below a tenth, none above."""
    pattern = locale(lang).percent_formats[None].pattern.split(";")[0]
    head, zero, tail = pattern.rpartition("0")
    return format_percent(value, format=f"{head}{zero}{'.0' if value < 0.1 else ''}{tail}", locale=lang)


class SeriesTitle(Said):
    """A series' title (or unit) in a sentence: an indicator's from the declarations, a raw measure's as published."""

    series_id: str
    series_kind: str
    field: str
    in_sentence: bool

    def __new__(cls, english: str, series_id: str, series_kind: str, field: str = "title", in_sentence: bool = False):
        """The English `field` ('title' or 'unit') of a series; `in_sentence` lower-cases its first letter."""
        made = super().__new__(cls, first_lower(english) if in_sentence else english)
        made.series_id, made.series_kind, made.field, made.in_sentence = series_id, series_kind, field, in_sentence
        return made

    def in_language(self, lang: str) -> str:
        """The declared title or unit in `lang`; a measure's (or an undeclared id's) publisher's text."""
        lang = checked_language(lang)
        if lang == DEFAULT_LANGUAGE or self.series_kind == "measure":
            return str(self)
        try:
            title, unit, _definition = indicator_text(self.series_id, lang)
        except KeyError:
            return str(self)
        text = unit if self.field == "unit" else title
        return first_lower(text) if self.in_sentence else text


class Joined(Said):
    """Several parts in a row, separated as the language separates the items of a list in running text."""

    items: tuple[Any, ...]

    def __new__(cls, items: list[Any] | tuple[Any, ...]) -> Joined:
        """The English items joined by '; '."""
        made = super().__new__(cls, "; ".join(say(item, DEFAULT_LANGUAGE) for item in items))
        made.items = tuple(items)
        return made

    def in_language(self, lang: str) -> str:
        """The items in `lang`, joined by the language's semicolon."""
        separator = "؛ " if direction(lang) == "rtl" else "；" if checked_language(lang) == "zh" else "; "
        return separator.join(say(item, lang) for item in self.items)


def first_lower(title: str) -> str:
    """A title inside a sentence: first letter lower-cased unless it starts an acronym (UNHCR, IDMC, SDG)."""
    return title if title[:2].isupper() else title[:1].lower() + title[1:]


def said_in(value: Any, lang: str) -> Any:
    """Plain data with every Said in it replaced by its text in `lang` (dicts and lists walked, the rest as is)."""
    if isinstance(value, Said):
        return value.in_language(lang)
    if isinstance(value, dict):
        return {key: said_in(item, lang) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [said_in(item, lang) for item in value]
    return value
