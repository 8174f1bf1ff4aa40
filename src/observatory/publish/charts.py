"""Charts as Vega-Lite (Altair), rendered to SVG or PNG by vl-convert without a browser; maps from world-atlas."""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import cast

import altair as alt
import pandas as pd

from observatory.publish.chart_cache import ChartCache, render_svg
from observatory.publish.document import Chart
from observatory.publish.figures import Figure
from observatory.publish.language import N_, translator
from observatory.publish.palette import BAR_COLOUR, PALETTE, current
from observatory.settings import Settings

ANTARCTICA = "010"  # ISO numeric code in world-atlas
HIGHLIGHT = PALETTE[1]  # outline of the country (or corridor ends) a map is about
WORLD_ATLAS = Path("geo") / "world-atlas" / "countries-110m.json"
FONT = "DejaVu Sans"
# Chart text in the script of the publication's language (the same Noto faces as publication.css names).
FONTS = {"ar": "DejaVu Sans, Noto Sans Arabic", "zh": "DejaVu Sans, Noto Sans CJK SC"}
SEX_LABELS = {"male": N_("men"), "female": N_("women"), "total": N_("total")}
WORLD_DATA = "world-atlas"  # named in the map spec while Altair builds it; the topology is put in afterwards


def _lang(figures: Sequence[Figure]) -> str:
    """The language of the publication the figures are shown in."""
    return figures[0].lang if figures else "en"


def _configure(chart: alt.TopLevelMixin, width: int, height: int, lang: str = "en") -> alt.TopLevelMixin:
    """Shared look: sans font (one covering the language's script), light grid, no border."""
    return (
        chart.properties(width=width, height=height)
        .configure(font=FONTS.get(lang, FONT))
        .configure_view(stroke=None)
        .configure_axis(labelFontSize=10, titleFontSize=10, gridColor="#e6e6e6")
        .configure_legend(labelFontSize=10, titleFontSize=10, orient="bottom", labelLimit=320, columns=3)
    )


def to_svg(spec: dict) -> str:
    """Render a Vega-Lite spec to an SVG string."""
    return render_svg(spec)


def to_png(spec: dict, scale: float = 2.0) -> bytes:
    """Render a Vega-Lite spec to PNG bytes."""
    import vl_convert as vlc

    return vlc.vegalite_to_png(json.dumps(spec), scale=scale)


def _make(
    chart: alt.TopLevelMixin | dict,
    caption: str,
    figures: list[Figure],
    note: str = "",
    wide: bool = True,
    cache: ChartCache | None = None,
) -> Chart:
    """A Chart block: the spec and its SVG (from the release's chart cache when one is given)."""
    spec = chart if isinstance(chart, dict) else chart.to_dict(validate=False)
    svg = cache.svg(spec) if cache is not None else render_svg(spec)
    return Chart(caption=caption, svg=svg, figures=figures, spec=spec, note=note, wide=wide)


def time_series(
    figures: list[Figure],
    caption: str,
    series_of=lambda f: f.label,
    y_title: str = "",
    width: int = 460,
    height: int = 180,
    band: bool = True,
    wide: bool = True,
    cache: ChartCache | None = None,
) -> Chart:
    """Lines over time (x = period or year), one per series; a shaded band where figures carry lower/upper."""
    frame = pd.DataFrame(
        [
            {"when": f.when, "value": f.value, "lower": f.lower, "upper": f.upper, "series": series_of(f)}
            for f in figures
            if not f.missing
        ]
    )
    yearly = frame["when"].str.fullmatch(r"\d{4}").all()
    if yearly:
        frame["when"] = frame["when"].astype(int)
        x = alt.X("when:Q", title=None, scale=alt.Scale(zero=False), axis=alt.Axis(format="d", tickMinStep=1))
    else:
        x = alt.X("when:O", title=None, axis=alt.Axis(labelAngle=-30))
    names = list(dict.fromkeys(frame["series"]))  # legend in order of first appearance
    # Domain and range given together: each name gets its colour by name, whatever Vega's sorting of the legend.
    scale = alt.Scale(domain=names, range=current().colours(names))
    base = alt.Chart(frame).encode(x=x, color=alt.Color("series:N", title=None, scale=scale))
    layers = [
        base.mark_line(point=len(frame) <= 40).encode(
            y=alt.Y("value:Q", title=y_title or None, axis=alt.Axis(format="~s"))
        )
    ]
    if band and frame[["lower", "upper"]].notna().all(axis=1).any():
        layers.insert(0, base.mark_area(opacity=0.2).encode(y="lower:Q", y2="upper:Q"))
    return _make(
        _configure(alt.layer(*layers), width, height, _lang(figures)), caption, figures, wide=wide, cache=cache
    )


def bars(
    figures: list[Figure],
    caption: str,
    label_of=lambda f: f.label,
    x_title: str = "",
    width: int = 380,
    height: int | None = None,
    wide: bool = True,
    cache: ChartCache | None = None,
) -> Chart:
    """Horizontal bars, largest first, labelled by `label_of`."""
    frame = pd.DataFrame([{"label": label_of(f), "value": f.value} for f in figures if not f.missing])
    height = height or max(60, 18 * len(frame))
    chart = (
        alt.Chart(frame)
        .mark_bar(color=BAR_COLOUR)
        .encode(
            y=alt.Y("label:N", sort="-x", title=None),
            x=alt.X("value:Q", title=x_title or None, axis=alt.Axis(format="~s")),
        )
    )
    return _make(_configure(chart, width, height, _lang(figures)), caption, figures, wide=wide, cache=cache)


def pyramid(
    figures: list[Figure], caption: str, width: int = 200, height: int = 200, cache: ChartCache | None = None
) -> Chart:
    """Population by age and sex as a two-sided bar chart (5-year bands of the single-year observations)."""
    lang = _lang(figures)
    _ = translator(lang)
    men, women = _(SEX_LABELS["male"]), _(SEX_LABELS["female"])
    rows = []
    for f in figures:
        if f.missing or not f.age.isdigit():
            continue
        start = min(int(f.age) // 5 * 5, 100)
        band = f"{start}+" if start == 100 else f"{start}-{start + 4}"
        rows.append(
            {
                "band": band,
                "start": start,
                "sex": men if f.sex == "male" else women,
                "value": -cast(float, f.value) if f.sex == "male" else f.value,
            }
        )
    frame = pd.DataFrame(rows).groupby(["band", "start", "sex"], as_index=False)["value"].sum()
    chart = (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            y=alt.Y("band:O", sort=alt.EncodingSortField("start", order="descending"), title=None),
            x=alt.X("value:Q", title=_("persons (men left, women right)"), axis=alt.Axis(format="~s")),
            color=alt.Color(
                "sex:N",
                title=None,
                scale=alt.Scale(domain=[men, women], range=current().colours(["male", "female"])),
            ),
        )
    )
    return _make(_configure(chart, width, height, lang), caption, figures, wide=False, cache=cache)


@lru_cache(maxsize=2)
def _world_topology(path: str) -> dict:
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


def world_atlas_path(settings: Settings) -> Path | None:
    """The world-atlas TopoJSON in the mirror or cache (read at run time, never copied into the repository)."""
    for root in (settings.raw_dir(), settings.cache_dir):
        candidate = Path(root) / WORLD_ATLAS
        if candidate.is_file():
            return candidate
    return None


def choropleth(
    settings: Settings,
    figures: list[Figure],
    m49_of: dict[str, int],
    caption: str,
    highlight: Sequence[str] = (),
    legend: str = "",
    width: int = 460,
    height: int = 230,
    code_of=lambda f: f.area,
    cache: ChartCache | None = None,
) -> Chart | None:
    """A world map shaded by the figures' values (joined on ISO numeric codes); None without the map file."""
    path = world_atlas_path(settings)
    if path is None:
        return None
    topology = _world_topology(str(path))
    values = [
        {"id": f"{m49_of[code_of(f)]:03d}", "value": f.value}
        for f in figures
        if not f.missing and f.value and f.value > 0 and m49_of.get(code_of(f)) is not None
    ]
    marked = [{"id": f"{m49_of[code]:03d}"} for code in highlight if m49_of.get(code) is not None]
    # Altair would walk the whole topology (tens of thousands of arcs) while building the spec: name it instead.
    shapes = alt.Data(name=WORLD_DATA, format=alt.DataFormat(type="topojson", feature="countries"))
    # Antarctica (no migration data) would take a sixth of the map's height: left out, the projection fits the rest.
    background = (
        alt.Chart(shapes)
        .mark_geoshape(fill="#eeeeee", stroke="white", strokeWidth=0.4)
        .transform_filter(f"datum.id !== '{ANTARCTICA}'")
    )
    shaded = (
        alt.Chart(shapes)
        .mark_geoshape(stroke="white", strokeWidth=0.4)
        .encode(
            color=alt.Color(
                "value:Q",
                title=legend or None,
                scale=alt.Scale(type="log", scheme="blues"),
                legend=alt.Legend(format="~s", orient="bottom", gradientLength=200),
            ),
        )
        .transform_lookup(lookup="id", from_=alt.LookupData(alt.Data(values=values), "id", ["value"]))
        .transform_filter("isValid(datum.value)")
    )
    layers = [background, shaded]
    if marked:
        layers.append(
            alt.Chart(shapes)
            .mark_geoshape(fill=None, stroke=HIGHLIGHT, strokeWidth=1.5)
            .transform_filter(alt.FieldOneOfPredicate(field="id", oneOf=[m["id"] for m in marked]))
        )
    chart = alt.layer(*layers).project("equalEarth")
    lang = _lang(figures)
    note = translator(lang)("Boundaries: Natural Earth (public domain) via world-atlas 2.0.2; grey = no data.")
    spec = _with_topology(_configure(chart, width, height, lang).to_dict(validate=False), topology)
    return _make(spec, caption, figures, note=note, cache=cache)


def _with_topology(spec, topology: dict):
    """The spec with every reference to the named world data replaced by the inline topology (as Altair wrote it)."""
    if isinstance(spec, list):
        return [_with_topology(item, topology) for item in spec]
    if not isinstance(spec, dict):
        return spec
    if spec.get("name") == WORLD_DATA and set(spec) == {"name", "format"}:
        return {"values": topology, "format": spec["format"]}
    return {key: _with_topology(value, topology) for key, value in spec.items()}
