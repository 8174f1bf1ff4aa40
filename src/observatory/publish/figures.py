"""Published numbers: one value with its key, status, range and sources, or the reason it is missing."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from datetime import date
from typing import cast


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

    @property
    def missing(self) -> bool:
        return self.value is None

    @property
    def when(self) -> str:
        """The period if there is one, else the year; a partly covered period says up to when."""
        when = self.period or ("" if self.year is None else str(self.year))
        if self.partial_until is not None:
            when += f" (to {self.partial_until.day} {self.partial_until:%B %Y})"
        return when

    def to_dict(self) -> dict:
        """A JSON-ready dict (sources as a list)."""
        data = asdict(self)
        data["sources"] = list(self.sources)
        data["partial_until"] = None if self.partial_until is None else self.partial_until.isoformat()
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


def display(figure: Figure) -> str:
    """The value as text, with its range, or 'no data' (the reason is shown beside it)."""
    if figure.missing or (isinstance(figure.value, float) and math.isnan(figure.value)):
        return "no data"
    text = format_number(cast(float, figure.value), figure.unit)
    if (
        figure.lower is not None
        and figure.upper is not None
        and (figure.lower != figure.value or figure.upper != figure.value)
    ):
        text += f" (range {format_number(figure.lower, figure.unit)} – {format_number(figure.upper, figure.unit)})"
    if figure.status == "minimum":
        text = "at least " + text
    return text
