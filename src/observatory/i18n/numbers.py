"""Numbers for people in each language: one formatter for the portal, the CLI and the publications."""

from __future__ import annotations

import math
from typing import Literal

from babel.numbers import format_compact_decimal, format_decimal, format_percent

from observatory.i18n.languages import checked_language, locale

Style = Literal["long", "short"]
MILLION = 1e6


def unit_kind(unit: str | None) -> str:
    """How a catalogue unit is shown: percent, share, money, rate, index or count."""
    text = (unit or "").strip().lower()
    if text.startswith("percent") or text == "%":
        return "percent"
    if text in {"share", "ratio 0-1"}:
        return "share"
    if "usd" in text or "us$" in text:
        return "money"
    if text.startswith(("per ", "refugees per")) or " per 1" in text:
        return "rate"
    if text.startswith(("index", "score")) or "ratio" in text or "deviation" in text:
        return "index"
    return "count"


def _compact(value: float, lang: str, style: Style) -> str:
    """8.50 million / 8,50 millions / 850万; 'short' gives 8.5M-style abbreviations for narrow columns."""
    try:
        return format_compact_decimal(value, format_type=style, locale=lang, fraction_digits=2)
    except KeyError:  # CLDR has no long compact forms for some languages (Chinese): the short ones are words there
        return format_compact_decimal(value, format_type="short", locale=lang, fraction_digits=2)


def _plain(value: float, lang: str) -> str:
    """Whole numbers with the language's grouping; fractions to three significant digits, never exponents."""
    magnitude = abs(value)
    if float(value).is_integer() or magnitude >= 100:
        return format_decimal(round(value), locale=lang)
    if magnitude >= 1:
        return format_decimal(value, format="#,##0.##", locale=lang)
    if magnitude == 0:
        return format_decimal(0, locale=lang)
    decimals = min(12, 2 - math.floor(math.log10(magnitude)))
    return format_decimal(value, format="0." + "#" * decimals, locale=lang)


def _percent_pattern(lang: str) -> str:
    """The language's own percent pattern (spacing, sign position) with one decimal: 23.4%, 23,4 %, ٪23.4."""
    pattern = locale(lang).percent_formats[None].pattern.split(";")[0]
    head, zero, tail = pattern.rpartition("0")
    return f"{head}{zero}.0{tail}"


def format_value(value: float | int | None, unit: str | None = None, lang: str = "en", style: Style = "long") -> str:
    """A value of an indicator with the given unit, as a reader of `lang` expects it; '–' when there is none."""
    if value is None or isinstance(value, bool):
        return "–"
    number = float(value)
    if not math.isfinite(number):
        return "–"
    lang = checked_language(lang)
    kind = unit_kind(unit)
    if kind in {"percent", "share"}:
        return format_percent(number / 100 if kind == "percent" else number, format=_percent_pattern(lang), locale=lang)
    if kind in {"rate", "index"}:
        return format_decimal(number, format="#,##0.0" if abs(number) >= 10 else "#,##0.0##", locale=lang)
    text = _compact(number, lang, style) if abs(number) >= MILLION else _plain(number, lang)
    if kind == "money":
        # "US$" in every language: "$" alone is ambiguous in Spanish- and Russian-speaking countries
        return f"US$\u00a0{text}" if lang == "en" else f"{text}\u00a0US$"
    return text
