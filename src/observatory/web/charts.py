"""Vega-Lite specifications for the portal's charts, each shipped with alt text and the rows of its data table, and
their downloads (CSV with metadata, SVG, PNG)."""

from __future__ import annotations

import copy
import csv
import hashlib
import io
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from observatory.i18n.messages import gettext_for
from observatory.i18n.numbers import format_value

GEO_URL = "/geo/countries-110m.json"
GEO_FILE = Path("geo") / "world-atlas" / "countries-110m.json"
# Series colours: Okabe & Ito's colour-blind-safe set (yellow and sky blue swapped for black and a violet that keep
# 3:1 contrast on white); every pair stays apart under protanopia, deuteranopia and tritanopia (tests/web).
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#000000", "#7B2FD0")
BAR_COLOUR = "#2a6f97"
MAX_SERIES = len(PALETTE)  # more lines than distinguishable colours would need a legend nobody can read
EXPORT_WIDTH = 760


def N_(message: str) -> str:
    """Mark a message for extraction where it is declared; it is translated where it is shown."""
    return message


# Column names of the series a line chart tells apart (the field's name is the English column).
SERIES_COLUMNS = {"sex": N_("Sex"), "series": N_("Series"), "area": N_("Area")}


@dataclass
class Chart:
    """A chart: its spec, a sentence for screen readers, and a table of the same numbers."""

    title: str
    spec: dict[str, Any]
    alt: str
    columns: list[str]
    rows: list[list[Any]]
    note: str = ""
    links: list[str | None] = field(default_factory=list)  # per row: where a click on the mark leads (keyboard too)
    chart_id: str = ""
    page_url: str = ""  # the page showing the chart (set when the page is drawn): downloads are that URL + download=

    def download_href(self, file_format: str) -> str:
        """The address of this chart's data or drawing in one format."""
        separator = "&" if "?" in self.page_url else "?"
        return f"{self.page_url}{separator}download={self.chart_id}.{file_format}"

    def __post_init__(self) -> None:
        if not self.chart_id:  # stable across requests, so a download link names the same chart
            self.chart_id = "chart-" + hashlib.sha256(self.title.encode()).hexdigest()[:10]
        self.spec["description"] = self.alt  # Vega gives the drawn SVG this as its accessible name


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
            "legend": {"labelFontSize": 12, "labelLimit": 0},  # legend labels are never cut ("share o…")
            "range": {"category": list(PALETTE)},
        },
    }


def line_chart(
    title: str,
    points: list[dict[str, Any]],
    y_title: str,
    series_field: str | None = None,
    highlight_year: int | None = None,
    series_order: list[str] | None = None,
    lang: str = "en",
) -> Chart:
    """Values over years; points are {year, value[, series]}; a highlighted year is marked with a rule; series_order
    binds each series to its palette colour by name (the first named gets the first colour)."""
    _ = gettext_for(lang)
    spec = _base(height=300 if series_field else 260)
    encoding: dict[str, Any] = {
        "x": {"field": "year", "type": "quantitative", "axis": {"format": "d"}, "title": _("Year")},
        "y": {"field": "value", "type": "quantitative", "title": y_title, "axis": {"format": "~s"}},
        "tooltip": [{"field": "year"}, {"field": "value", "format": ",.4~r"}],
    }
    if series_field:
        # Colour and point shape both tell the series apart, so colour is never the only cue (WCAG 1.4.1).
        legend = {"orient": "bottom", "direction": "vertical"}  # one label a line: long labels fit a phone uncut
        encoding["color"] = {"field": series_field, "type": "nominal", "title": None, "legend": legend}
        encoding["shape"] = {"field": series_field, "type": "nominal", "title": None, "legend": legend}
        if series_order:
            encoding["color"]["scale"] = {"domain": series_order, "range": list(PALETTE[: len(series_order)])}
            encoding["shape"]["scale"] = {"domain": series_order}
        encoding["tooltip"].insert(0, {"field": series_field})
    line = {"mark": {"type": "line", "point": True}, "encoding": encoding}
    spec["data"] = {"values": points}
    if highlight_year is not None:
        rule = {
            "data": {"values": [{"year": highlight_year}]},
            "mark": {"type": "rule", "color": "#5a6470", "strokeDash": [4, 3], "aria": False},
            "encoding": {"x": {"field": "year", "type": "quantitative"}},
        }
        spec["layer"] = [line, rule]
    else:
        spec.update(line)
    years = sorted({p["year"] for p in points})
    latest = _latest_by_series(points, series_field, lang) if series_field else ""
    alt = (
        _("Line chart of %(title)s") % {"title": _lower_first(title)}
        + (f", {years[0]}–{years[-1]}" if years else " " + _("(no data)"))
        + (". " + _("Latest values: %(values)s") % {"values": latest} if latest else "")
        + ". "
        + _("The data table below gives every value.")
    )
    series_column = _(SERIES_COLUMNS.get(series_field, series_field.capitalize())) if series_field else None
    columns = [_("Year"), *([series_column] if series_column else []), y_title]
    rows = [[p["year"], *([p[series_field]] if series_field else []), p["value"]] for p in points]
    return Chart(title, spec, alt, columns, rows)


def _latest_by_series(points: list[dict[str, Any]], series_field: str, lang: str = "en") -> str:
    """Each series' last value and year, for the text alternative."""
    last: dict[str, dict[str, Any]] = {}
    for point in points:
        name = str(point[series_field])
        if name not in last or point["year"] >= last[name]["year"]:
            last[name] = point
    if lang == "en":
        return "; ".join(f"{name} {_spoken(p['value'])} in {p['year']}" for name, p in last.items())
    in_year = gettext_for(lang)("%(name)s %(value)s in %(year)s")
    return "; ".join(
        in_year % {"name": name, "value": format_value(p["value"], None, lang), "year": p["year"]}
        for name, p in last.items()
    )


def _spoken(value: float) -> str:
    """A value as read aloud: 16.8 million, 12,345, 3.53."""
    if abs(value) >= 1e9:
        return f"{value / 1e9:.3g} billion"
    if abs(value) >= 1e6:
        return f"{value / 1e6:.3g} million"
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}"


def bar_chart(
    title: str, bars: list[dict[str, Any]], x_title: str, percent: bool = False, href: bool = False, lang: str = "en"
) -> Chart:
    """Horizontal bars, largest first; bars are {name, value[, url]}."""
    _ = gettext_for(lang)
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
            "mark": {"type": "bar", "color": BAR_COLOUR, "cursor": "pointer" if href else "default"},
            "encoding": encoding,
        }
    )
    top = bars[0]["name"] if bars else _("none")
    alt = (
        _("Bar chart of %(title)s: %(count)s bars, the largest is %(top)s.")
        % {"title": _lower_first(title), "count": len(bars), "top": top}
        + " "
        + _("The data table below gives every value.")
    )
    rows = [[b["name"], b["value"]] for b in bars]
    links = [b.get("url") for b in bars] if href else []
    return Chart(title, spec, alt, [_("Name"), x_title], rows, links=links)


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


def world_map(
    title: str, values: list[dict[str, Any]], legend_title: str, highlight: str | None = None, lang: str = "en"
) -> Chart:
    (
        """A choropleth of country values joined to world-atlas geometries on the M49 code; values are {m49, name, """
        """code, value}."""
    )
    _ = gettext_for(lang)
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
                    "mark": {
                        "type": "geoshape",
                        "fill": "#e4e4e4",
                        "stroke": "#fff",
                        "strokeWidth": 0.5,
                        "aria": False,
                    },
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
                            {"field": "name", "title": _("Country")},
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
                "mark": {"type": "geoshape", "fill": None, "stroke": "#d1495b", "strokeWidth": 2, "aria": False},
            }
        )
    ordered = sorted(values, key=lambda v: -(v["value"] or 0))
    top = ", ".join(v["name"] for v in ordered[:3])
    alt = _(
        "World map of %(title)s for %(count)s countries; highest: %(top)s. The data table below lists every country."
    ) % {"title": _lower_first(title), "count": len(values), "top": top}
    rows = [[v["name"], v["value"]] for v in ordered]
    links = [f"/countries/{v['code']}" if v.get("code") else None for v in ordered]
    return Chart(title, spec, alt, [_("Country"), legend_title], rows, links=links)


def export_spec(chart: Chart, geometry: Path | None) -> dict[str, Any]:
    """The chart's spec at a fixed width, with the map geometry inlined (a file has no server to fetch it from)."""
    spec = copy.deepcopy(chart.spec)
    spec["width"] = EXPORT_WIDTH
    spec["title"] = chart.title
    layers = spec.get("layer") or []
    if any(layer.get("data", {}).get("url") == GEO_URL for layer in layers):
        if geometry is None:
            raise FileNotFoundError("map geometry")
        topology = json.loads(geometry.read_text(encoding="utf-8"))
        for layer in layers:
            if layer.get("data", {}).get("url") == GEO_URL:
                layer["data"] = {"values": topology, "format": layer["data"]["format"]}
    return spec


def render_image(chart: Chart, image_format: str, geometry: Path | None) -> bytes:
    """The chart as an SVG or PNG file, drawn on the server by vl-convert (the same Vega-Lite as the page)."""
    import vl_convert

    spec = export_spec(chart, geometry)
    if image_format == "svg":
        return vl_convert.vegalite_to_svg(spec).encode()
    return vl_convert.vegalite_to_png(spec, scale=2)


def chart_metadata(chart: Chart, release_id: str | None, permalink: str, sources: list[dict]) -> dict[str, Any]:
    """What a downloaded view is: title, description, columns, release, where it was shown and its sources."""
    return {
        "title": chart.title,
        "description": chart.alt,
        "note": chart.note or None,
        "columns": chart.columns,
        "rows": len(chart.rows),
        "release": release_id,
        "view": permalink,
        "sources": sources,
    }


def chart_csv(chart: Chart, release_id: str | None, sources: list[dict]) -> str:
    """The chart's data table as CSV; every row names the release and the sources, so a file alone says where its
    numbers come from."""
    cited = "; ".join(f"{s['publisher']}, {s['title']} ({s['version']})" for s in sources)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([*chart.columns, "Release", "Sources"])
    for row in chart.rows:
        writer.writerow([*row, release_id or "", cited])
    return out.getvalue()


def _lower_first(title: str) -> str:
    """A title inside a sentence: only its first letter lowered, so names keep their capitals."""
    return title[:1].lower() + title[1:]
