"""Published numbers: one value with its key, status, range and sources, or the reason it is missing."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import cast

from observatory.i18n.declarations import term
from observatory.i18n.numbers import format_value


@dataclass(frozen=True)
class Figure:
    """One number on a page: where it came from (indicator or observation), its key, and its sources."""

    label: str
    origin_kind: str  # 'indicator' (indicator_value) or 'observation' (observation of a dataset)
    key: str  # indicator id, or measure id for an observation
    unit: str = ""
    value: float | None = None
    lower: float | None = None
    upper: float | None = None
    status: str | None = None
    sources: tuple[str, ...] = ()
    area: str | None = None
    origin: str | None = None
    destination: str | None = None
    year: int | None = None
    period: str = ""
    sex: str = "total"
    age: str = "total"
    category: str = ""
    coverage: float | None = None
    note: str | None = None
    reason: str | None = None  # why there is no value ("no data" is always explained)
    aggregated: bool = False  # True when the value is a sum of several observations (e.g. deaths over a region)
    partial_until: date | None = None  # the period is covered only to this day (e.g. deaths recorded to 30 April)
    revision: str | None = None  # the edition of the revised inputs the value comes from (e.g. IMS '2024')
    lang: str = field(default="en", compare=False)  # the language of the publication showing it (its words, digits)

    @property
    def missing(self) -> bool:
        return self.value is None

    @property
    def when(self) -> str:
        """The period if there is one, else the year; a partly covered period says up to when."""
        when = self.period or ("" if self.year is None else str(self.year))
        if self.partial_until is not None:
            if self.lang == "en":
                when += f" (to {self.partial_until.day} {self.partial_until:%B %Y})"
            else:
                from babel.dates import format_date

                from observatory.publish.language import text, translator

                _ = translator(self.lang)
                day = format_date(self.partial_until, format="long", locale=self.lang)
                when += " " + text(_("(to %(day)s)"), day=day)
        return when

    def to_dict(self) -> dict:
        """A JSON-ready dict (sources as a list)."""
        data = asdict(self)
        data["sources"] = list(self.sources)
        data["partial_until"] = None if self.partial_until is None else self.partial_until.isoformat()
        del data["lang"]  # the figure's key and value are the same in every language
        return data


def format_number(value: float, unit: str = "") -> str:
    """A readable number for its unit: persons with thousands separators or millions, percent with one decimal."""
    unit_lower = unit.lower()
    if "percent" in unit_lower or unit_lower.strip() in {"%", "share"}:
        return f"{value:,.1f} %"
    if "usd" in unit_lower or "us$" in unit_lower:
        return "US$ " + _scaled(value, decimals_small=0)
    if "per 1000" in unit_lower or "per 1,000" in unit_lower:
        return f"{value:,.1f} per 1,000"
    if "index" in unit_lower or "score" in unit_lower or "ratio" in unit_lower or "deviation" in unit_lower:
        return f"{value:,.3g}" if abs(value) < 10 else f"{value:,.1f}"
    if float(value).is_integer() or abs(value) >= 100:
        return _scaled(value, decimals_small=0)
    return f"{value:,.2f}"


def _scaled(value: float, decimals_small: int) -> str:
    """Millions and billions for large values, thousands separators below."""
    magnitude = abs(value)
    if magnitude >= 1e9:
        return f"{value / 1e9:,.2f} billion"
    if magnitude >= 1e6:
        return f"{value / 1e6:,.2f} million"
    return f"{value:,.{decimals_small}f}"


def localised_number(value: float, unit: str, lang: str) -> str:
    """A number in the publication's language: English keeps format_number's wording, the others CLDR's."""
    return format_number(value, unit) if lang == "en" else format_value(value, unit, lang)


def display(figure: Figure) -> str:
    """The value as text, with its range, or 'no data' (the reason is shown beside it), in the figure's language."""
    lang = figure.lang
    if figure.missing or (isinstance(figure.value, float) and math.isnan(figure.value)):
        return term("no_data", lang)
    text = localised_number(cast(float, figure.value), figure.unit, lang)
    if (
        figure.lower is not None
        and figure.upper is not None
        and (figure.lower != figure.value or figure.upper != figure.value)
    ):
        low, high = (localised_number(v, figure.unit, lang) for v in (figure.lower, figure.upper))
        text += f" ({term('range', lang)} {low} – {high})"
    if figure.status == "minimum":
        text = f"{term('at_least', lang)} {text}"
    return text
