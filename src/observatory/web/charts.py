"""Vega-Lite specifications for the portal's charts, each shipped with alt text and the rows of its data table, and
their downloads (CSV with metadata, SVG, PNG)."""

from __future__ import annotations

import copy
import csv
import hashlib
import io
import json
import logging
import math
import os
import re
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from markupsafe import Markup

from observatory.i18n.messages import gettext_for
from observatory.i18n.numbers import format_value
from observatory.publish.chart_cache import ChartCache, render_svg, renderer_version
from observatory.publish.palette import PALETTE  # one palette for portal and print (contrast: tests/web)

log = logging.getLogger("observatory.web")

GEO_URL = "/geo/countries-110m.json"
GEO_FILE = Path("geo") / "world-atlas" / "countries-110m.json"
BAR_COLOUR = "#2a6f97"
MAX_SERIES = len(PALETTE)  # more lines than distinguishable colours would need a legend nobody can read
EXPORT_WIDTH = 760
STATIC_WIDTH = 480  # a drawing made on the server: about one column of the chart grid, shrunk on a phone
ARIA_ATTRIBUTE = re.compile(r' (?:aria-[a-z]+|role)="[^"]*"')
LINK_TAG = re.compile(r"</?a\b[^>]*>")
PATH_DATA = re.compile(r' d="([^"]*)"')
NUMBER = r"-?\d+(?:\.\d+)?(?:e-?\d+)?"
OUTLINE = re.compile(rf"(?:[ML]{NUMBER},{NUMBER}|Z)+")
DRAWING_VERSION = "portal drawing 1: no ARIA, no links, whole-pixel relative outlines"  # change with slim_svg
DRAWINGS_FOLDER = "portal"  # next to the publications' chart drawings of the release
MAX_PENDING = 64  # drawings queued at once; a page whose drawing is not queued is drawn by its reader's browser
MAX_KEPT = 20_000  # drawings kept per release (about 1 GB at most; a world map is the largest, ~60 KB)
OUTLINE_STEP = re.compile(rf"([MLZ])(?:({NUMBER}),({NUMBER}))?")


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
    svg: str = ""  # the server's drawing shown before any script runs (set when the page is drawn; "" until kept)
    spec_json: str = ""  # the spec as the page carries it (set when the page is drawn; also keys its drawing)

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
    # Both layers look the values up in one named dataset, so the page carries them once.
    lookup = {"lookup": "id", "from": {"data": {"name": "values"}, "key": "m49", "fields": ["name", "value", "url"]}}
    spec.update(
        {
            "datasets": {"values": lookup_values},
            "projection": {"type": "equalEarth"},
            "layer": [
                {  # countries without a value, in grey: each country is drawn once (a page's drawing stays light)
                    "data": geo,
                    "transform": [{"filter": "datum.id != '010'"}, lookup, {"filter": "!isValid(datum.value)"}],
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
                    "transform": [lookup, {"filter": "isValid(datum.value)"}],
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
    return with_geometry(spec, geometry)


def is_map(spec: dict[str, Any]) -> bool:
    """Whether a spec draws the world geometry (fetched by the browser, inlined for a drawing made elsewhere)."""
    return any(layer.get("data", {}).get("url") == GEO_URL for layer in spec.get("layer") or [])


def with_geometry(spec: dict[str, Any], geometry: Path | None) -> dict[str, Any]:
    """The spec with the world geometry put in place of its address; in place, and returned."""
    if not is_map(spec):
        return spec
    if geometry is None:
        raise FileNotFoundError("map geometry")
    topology = _topology(geometry)
    for layer in spec["layer"]:
        if layer.get("data", {}).get("url") == GEO_URL:
            layer["data"] = {"values": topology, "format": layer["data"]["format"]}
    return spec


@lru_cache(maxsize=2)
def _topology(geometry: Path) -> dict[str, Any]:
    """The world-atlas TopoJSON, read once per process (only ever read, never changed: specs share it)."""
    return json.loads(geometry.read_text(encoding="utf-8"))


def render_image(chart: Chart, image_format: str, geometry: Path | None) -> bytes:
    """The chart as an SVG or PNG file, drawn on the server by vl-convert (the same Vega-Lite as the page)."""
    import vl_convert

    spec = export_spec(chart, geometry)
    if image_format == "svg":
        return vl_convert.vegalite_to_svg(spec).encode()
    return vl_convert.vegalite_to_png(spec, scale=2)


def static_spec(chart: Chart) -> dict[str, Any]:
    """The spec of the drawing a page shows before any script runs: a fixed width (a server has no container), maps
    as wide as a downloaded view, other charts about a column of the chart grid; no title (the figure caption is)."""
    # A shallow copy: asked on every page, and the parts below the top are never changed (drawing copies them).
    return {**chart.spec, "width": EXPORT_WIDTH if is_map(chart.spec) else STATIC_WIDTH}


def slim_svg(svg: str) -> str:
    """A drawing for first paint: the page names it (role="img" and its text alternative), so the marks' own ARIA
    labels go; outlines made of straight lines are written with whole-pixel relative steps (a world map: 370 -> 60
    KB, with the same pixels at twice the size)."""
    svg = ARIA_ATTRIBUTE.sub("", svg).replace(' transform="translate(0,0)"', "")
    # Marks' links go too: inside an image nobody can reach them by keyboard, and vl-convert resolves them against
    # its own base URL; the interactive view and the data table carry the links.
    svg = LINK_TAG.sub("", svg)
    svg = PATH_DATA.sub(lambda match: f' d="{_relative_outline(match.group(1))}"', svg)
    svg = svg.replace(' class="marks"', "", 1)
    return svg.replace("<svg ", '<svg class="marks static-chart" focusable="false" aria-hidden="true" ', 1)


def _relative_outline(path: str) -> str:
    """An outline of absolute M/L/Z steps as rounded relative steps (l dx,dy …); any other path is left as drawn."""
    if not OUTLINE.fullmatch(path):
        return path
    out: list[str] = []
    x = y = start_x = start_y = 0
    drawing = False  # inside a run of l steps, where each further pair needs no letter
    for command, text_x, text_y in OUTLINE_STEP.findall(path):
        if command == "Z":
            out.append("z")
            x, y, drawing = start_x, start_y, False
            continue
        new_x, new_y = round(float(text_x)), round(float(text_y))
        if command == "M":
            out.append(f"M{new_x},{new_y}")
            start_x, start_y, drawing = new_x, new_y, False
        elif (new_x, new_y) != (x, y):
            step_x, step_y = new_x - x, new_y - y
            pair = f"{step_x}{',' if step_y >= 0 else ''}{step_y}"
            out.append((("," if step_x >= 0 else "") if drawing else "l") + pair)
            drawing = True
        x, y = new_x, new_y
    return "".join(out)


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


class DrawingCache(ChartCache):
    """Drawings of the portal's charts for one release, kept as files named after a hash of what they draw."""

    def file(self, key: str) -> Path:
        """Where the drawing of a key (drawing_key) is kept."""
        return self.folder / f"{key}.svg"

    def kept(self, key: str) -> str | None:
        """The kept drawing of a key, or None when it has not been drawn (or its file is not a drawing)."""
        return self._read(self.file(key))

    def keep(self, key: str, svg: str) -> None:
        """Keep a drawing (atomically; a full disk costs a later redraw, never a page)."""
        self._keep(self.file(key), svg)


def chart_json(chart: Chart) -> str:
    """The chart's spec as the page carries it (set when the page is drawn), else as plain JSON."""
    return chart.spec_json or json.dumps(chart.spec, ensure_ascii=False, default=str)


def drawing_key(release_id: str, chart: Chart) -> str:
    """sha256 of what a drawing depends on: release, renderer, how slim_svg rewrites, width and the spec's JSON as the
    page carries it (serialised once per page: hashing it costs far less than writing the spec out again)."""
    digest = hashlib.sha256()
    width = EXPORT_WIDTH if is_map(chart.spec) else STATIC_WIDTH
    for part in (release_id, renderer_version(), DRAWING_VERSION, str(width), chart_json(chart)):
        digest.update(part.encode("utf-8"))
        digest.update(b"\0")
    return digest.hexdigest()


class ChartDrawings:
    """The SVG a page shows before any script runs: read from the release's drawings, or drawn once by one background
    thread while the page goes out without it (its reader's browser draws that chart, as before): a page never waits
    for vl-convert (seconds at its first call), and a reader cannot queue more work than MAX_PENDING drawings."""

    def __init__(
        self, cache: DrawingCache, geometry: Path | None, max_pending: int = MAX_PENDING, max_kept: int = MAX_KEPT
    ):
        self.cache, self.geometry = cache, geometry
        self.max_pending, self.max_kept = max_pending, max_kept
        self.release_id = cache.release_id
        self._lock = threading.Lock()
        self._pending: dict[str, Future[None]] = {}  # drawing key -> its drawing in progress
        self._executor: ThreadPoolExecutor | None = None
        self._room: int | None = None  # drawings the folder may still take (counted once, on the first drawing)
        # The names in the folder, listed again only when the folder changes: a page asks for each of its charts, and
        # a drawing not made yet then costs no system call (one stat of the folder per question instead of four).
        self._listing: tuple[int, frozenset[str]] | None = None

    @classmethod
    def for_release(cls, settings: Any, release_id: str, geometry: Path | None) -> ChartDrawings:
        """The drawings of a release, kept in publications/<release>/charts/portal/."""
        folder = ChartCache.for_release(settings, release_id).folder / DRAWINGS_FOLDER
        return cls(DrawingCache(folder, release_id), geometry)

    def _listed(self, key: str) -> bool:
        """Whether the folder holds a file for the key (as of its last change)."""
        try:
            changed = os.stat(self.cache.folder).st_mtime_ns
            listing = self._listing
            if listing is None or listing[0] != changed:
                with os.scandir(self.cache.folder) as entries:
                    listing = (changed, frozenset(entry.name for entry in entries))
                self._listing = listing  # swapped in whole: readers in other threads see the old or the new one
        except OSError:  # no folder yet (nothing drawn)
            return False
        # A file added within the folder's timestamp tick is missed until the next change: it is drawn again, kept,
        # and that change lists it.
        return self.cache.file(key).name in listing[1]

    def svg(self, chart: Chart) -> Markup | None:
        """The chart's drawing if it is kept; else None, and it is drawn in the background for the next page."""
        key = drawing_key(self.release_id, chart)
        kept = self.cache.kept(key) if self._listed(key) else None
        if kept is not None:
            return Markup(kept)  # our own vl-convert output, rewritten by slim_svg: no reader text is unescaped
        if not is_map(chart.spec) or self.geometry is not None:
            self._queue(key, static_spec(chart))
        return None

    def draw(self, chart: Chart) -> Markup:
        """The chart's drawing, drawn now if it is not kept (for a batch that prepares a release's pages)."""
        key = drawing_key(self.release_id, chart)
        kept = self.cache.kept(key)
        if kept is None:
            self._draw(key, static_spec(chart))
            kept = self.cache.kept(key) or self._drawn(static_spec(chart))
        return Markup(kept)

    def wait(self) -> None:
        """Block until the drawings queued so far are kept (tests, batches)."""
        with self._lock:
            pending = list(self._pending.values())
        for future in pending:
            future.result()

    def close(self) -> None:
        """Stop drawing (a newer release replaced this one); drawings in progress finish."""
        with self._lock:
            if self._executor is not None:
                self._executor.shutdown(wait=False, cancel_futures=True)
                self._executor = None

    def _queue(self, key: str, spec: dict[str, Any]) -> None:
        """Draw a spec in the background unless it is already queued, the queue is full or the folder is."""
        with self._lock:
            if key in self._pending or len(self._pending) >= self.max_pending or self._room == 0:
                return
            if self._executor is None:
                self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="chart-drawings")
            future = self._executor.submit(self._draw, key, copy.deepcopy(spec))  # the page's spec may change later
            self._pending[key] = future
        future.add_done_callback(lambda _: self._done(key))

    def _done(self, key: str) -> None:
        with self._lock:
            self._pending.pop(key, None)

    def _drawn(self, spec: dict[str, Any]) -> str:
        """A spec drawn by vl-convert (the world geometry put in) and slimmed for a page."""
        return slim_svg(render_svg(with_geometry(copy.deepcopy(spec), self.geometry)))

    def _draw(self, key: str, spec: dict[str, Any]) -> None:
        """Draw one spec and keep it, while the folder has room (a reader choosing ever new comparisons would fill
        the disk otherwise)."""
        with self._lock:
            if self._room is None:
                folder = self.cache.folder
                self._room = self.max_kept - (sum(1 for _ in folder.glob("*.svg")) if folder.is_dir() else 0)
            if self._room <= 0:
                self._room = 0
                return
            self._room -= 1
        try:
            svg = self._drawn(spec)
        except Exception:  # a spec vl-convert cannot draw: the page keeps the browser's drawing; no spec in the log
            log.warning("a portal chart could not be drawn on the server")
            return
        self.cache.keep(key, svg)
