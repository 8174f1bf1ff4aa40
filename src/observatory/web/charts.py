"""Vega-Lite specifications for the portal's charts, each shipped with alt text and the rows of its data table."""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass, field
from typing import Any

GEO_URL = "/geo/countries-110m.json"


@dataclass
class Chart:
    """A chart: its spec, a sentence for screen readers, and a table of the same numbers."""

    title: str
    spec: dict[str, Any]
    alt: str
    columns: list[str]
    rows: list[list[Any]]
    note: str = ""
    chart_id: str = field(default_factory=lambda: f"chart-{uuid.uuid4().hex[:10]}")


def _base(width: int | str = "container", height: int = 260) -> dict[str, Any]:
    """Common top-level settings: responsive width, readable fonts."""
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v6.json",
        "width": width,
        "height": height,
        "autosize": {"type": "fit", "contains": "padding"},
        "config": {
            "font": "system-ui, sans-serif",
            "axis": {"labelFontSize": 12, "titleFontSize": 12},
            "legend": {"labelFontSize": 12},
        },
    }


def line_chart(title: str, points: list[dict[str, Any]], y_title: str, series_field: str | None = None) -> Chart:
    """Values over years; points are {year, value[, series]}."""
    spec = _base()
    encoding: dict[str, Any] = {
        "x": {"field": "year", "type": "quantitative", "axis": {"format": "d"}, "title": "Year"},
        "y": {"field": "value", "type": "quantitative", "title": y_title, "axis": {"format": "~s"}},
        "tooltip": [{"field": "year"}, {"field": "value", "format": ",.4~r"}],
    }
    if series_field:
        encoding["color"] = {"field": series_field, "type": "nominal", "title": None, "legend": {"orient": "bottom"}}
        encoding["tooltip"].insert(0, {"field": series_field})
    spec.update({"data": {"values": points}, "mark": {"type": "line", "point": True}, "encoding": encoding})
    years = sorted({p["year"] for p in points})
    alt = (
        f"Line chart of {title.lower()}"
        + (f", {years[0]}–{years[-1]}" if years else " (no data)")
        + ". The data table below gives every value."
    )
    columns = ["Year", *([series_field.capitalize()] if series_field else []), y_title]
    rows = [[p["year"], *([p[series_field]] if series_field else []), p["value"]] for p in points]
    return Chart(title, spec, alt, columns, rows)


def bar_chart(title: str, bars: list[dict[str, Any]], x_title: str, percent: bool = False, href: bool = False) -> Chart:
    """Horizontal bars, largest first; bars are {name, value[, url]}."""
    spec = _base(height=max(120, 24 * len(bars)))
    encoding: dict[str, Any] = {
        "y": {"field": "name", "type": "nominal", "sort": "-x", "title": None},
        "x": {
            "field": "value",
            "type": "quantitative",
            "title": x_title,
            "axis": {"format": ".0%" if percent else "~s", "tickCount": 5},
        },
        "tooltip": [{"field": "name"}, {"field": "value", "format": ".1%" if percent else ",.0f"}],
    }
    if href:
        encoding["href"] = {"field": "url"}
    spec.update(
        {
            "data": {"values": bars},
            "mark": {"type": "bar", "color": "#2a6f97", "cursor": "pointer" if href else "default"},
            "encoding": encoding,
        }
    )
    top = bars[0]["name"] if bars else "none"
    alt = (
        f"Bar chart of {title.lower()}: {len(bars)} bars, the largest is {top}. The data table below gives every value."
    )
    rows = [[b["name"], b["value"]] for b in bars]
    return Chart(title, spec, alt, ["Name", x_title], rows)


def _round2(value: float) -> float:
    """A value rounded to two significant digits (for legend breaks)."""
    if value == 0:
        return 0.0
    digits = 1 - int(math.floor(math.log10(abs(value))))
    return round(value, digits)


def _class_breaks(numbers: list[float], classes: int = 6) -> list[float]:
    """Class breaks that keep the order visible at both ends: on a log scale when positive values span over two
    orders of magnitude (1, 3, 10, 30 … steps), else at quantiles with the top class kept for the largest 5 %."""
    positive = [n for n in numbers if n > 0]
    if len(positive) == len(numbers) and positive and max(positive) / min(positive) > 100:
        low, high = math.floor(math.log10(min(positive))), math.ceil(math.log10(max(positive)))
        steps = [m * 10.0**e for e in range(low, high + 1) for m in (1, 3)]
        inside = [b for b in steps if min(positive) < b <= max(positive)]
        while len(inside) > classes:  # too many steps: keep every other one, always keeping the largest
            inside = inside[::-2][::-1]
        return inside
    cuts = [k / (classes - 1) * 0.95 for k in range(1, classes - 1)] + [0.95]
    rounded = {_round2(numbers[min(int(len(numbers) * q), len(numbers) - 1)]) for q in cuts}
    return sorted(b for b in rounded if numbers[0] < b <= numbers[-1])  # rounding never moves a break off the range


def _threshold_scale(values: list[dict[str, Any]], classes: int = 6) -> dict[str, Any]:
    """A threshold colour scale over the class breaks; few values get a continuous scale."""
    numbers = sorted(v["value"] for v in values if v.get("value") is not None)
    if len(numbers) < classes:
        return {"scheme": "blues"}
    breaks = _class_breaks(numbers, classes)
    palette = ["#deebf7", "#c6dbef", "#9ecae1", "#6baed6", "#3182bd", "#08519c", "#08306b"]
    return {
        "type": "threshold",
        "domain": breaks,
        "range": palette[-(len(breaks) + 1) :] if len(breaks) + 1 <= len(palette) else palette,
    }


def world_map(title: str, values: list[dict[str, Any]], legend_title: str, highlight: str | None = None) -> Chart:
    (
        """A choropleth of country values joined to world-atlas geometries on the M49 code; values are {m49, name, """
        """code, value}."""
    )
    spec = _base(height=360)
    lookup_values = [
        {"m49": v["m49"], "name": v["name"], "value": v["value"], "url": f"/countries/{v['code']}"}
        for v in values
        if v.get("m49")
    ]
    geo = {"url": GEO_URL, "format": {"type": "topojson", "feature": "countries"}}
    spec.update(
        {
            "projection": {"type": "equalEarth"},
            "layer": [
                {
                    "data": geo,
                    "transform": [{"filter": "datum.id != '010'"}],
                    "mark": {"type": "geoshape", "fill": "#e4e4e4", "stroke": "#fff", "strokeWidth": 0.5},
                },
                {
                    "data": geo,
                    "transform": [
                        {
                            "lookup": "id",
                            "from": {
                                "data": {"values": lookup_values},
                                "key": "m49",
                                "fields": ["name", "value", "url"],
                            },
                        },
                        {"filter": "isValid(datum.value)"},
                    ],
                    "mark": {"type": "geoshape", "stroke": "#fff", "strokeWidth": 0.5, "cursor": "pointer"},
                    "encoding": {
                        "color": {
                            "field": "value",
                            "type": "quantitative",
                            "title": legend_title,
                            "scale": _threshold_scale(values),
                            "legend": {"orient": "bottom", "format": ",.3~s", "direction": "horizontal"},
                        },
                        "tooltip": [
                            {"field": "name", "title": "Country"},
                            {"field": "value", "title": legend_title, "format": ",.4~r"},
                        ],
                        "href": {"field": "url"},
                    },
                },
            ],
        }
    )
    if highlight:
        spec["layer"].append(
            {
                "data": geo,
                "transform": [{"filter": f"datum.id == '{highlight}'"}],
                "mark": {"type": "geoshape", "fill": None, "stroke": "#d1495b", "strokeWidth": 2},
            }
        )
    ordered = sorted(values, key=lambda v: -(v["value"] or 0))
    top = ", ".join(v["name"] for v in ordered[:3])
    alt = (
        f"World map of {title.lower()} for {len(values)} countries; highest: {top}. The data table below lists "
        "every country."
    )
    return Chart(title, spec, alt, ["Country", legend_title], [[v["name"], v["value"]] for v in ordered])
