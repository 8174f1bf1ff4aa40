"""The server's chart drawings: slimmed SVG that draws the same outlines, kept once per release and spec, drawn in the
background within bounds."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from observatory.web.charts import (
    GEO_FILE,
    ChartDrawings,
    DrawingCache,
    bar_chart,
    drawing_key,
    line_chart,
    slim_svg,
    static_spec,
    world_map,
)

STEP = re.compile(r"([MLlz])|(-?\d+)")


def _points(path: str) -> list[tuple[int, int] | str]:
    """The absolute points of an outline written by slim_svg (M x,y then l dx,dy pairs), with z as a marker."""
    out: list[tuple[int, int] | str] = []
    numbers: list[int] = []
    command, x, y, start = "", 0, 0, (0, 0)
    for letter, number in STEP.findall(path):
        if letter:
            if letter == "z":  # closing returns to the outline's start
                out.append("z")
                x, y = start
            command, numbers = letter, []
            continue
        numbers.append(int(number))
        if len(numbers) == 2:
            dx, dy = numbers
            x, y = (dx, dy) if command == "M" else (x + dx, y + dy)
            start = (x, y) if command == "M" else start
            out.append((x, y))
            numbers = []
    return out


def _expected(steps: list[tuple[str, float, float]]) -> list[tuple[int, int] | str]:
    """The same outline's points rounded to whole pixels, repeated points dropped (what slim_svg promises)."""
    out: list[tuple[int, int] | str] = []
    last: tuple[int, int] | None = None
    start: tuple[int, int] | None = None
    for command, x, y in steps:
        if command == "Z":
            out.append("z")
            last = start
            continue
        point = (round(x), round(y))
        if command == "M":
            out.append(point)
            start = point
        elif point != last:
            out.append(point)
        last = point
    return out


coordinate = st.floats(min_value=-999, max_value=999, allow_nan=False).map(lambda v: round(v, 3))
outline = st.lists(
    st.tuples(st.sampled_from(["L", "L", "L", "Z"]), coordinate, coordinate), min_size=1, max_size=40
).flatmap(lambda rest: st.tuples(coordinate, coordinate).map(lambda start: [("M", *start), *rest]))


def _written(steps: list[tuple[str, float, float]]) -> str:
    return "".join("Z" if c == "Z" else f"{c}{x:g},{y:g}" for c, x, y in steps)


@given(outline)
def test_slim_outlines_keep_every_rounded_point(steps):
    svg = f'<svg class="marks" width="10" height="10"><path d="{_written(steps)}"/></svg>'
    slim = slim_svg(svg)
    path = re.search(r' d="([^"]*)"', slim).group(1)
    assert _points(path) == _expected(steps)


def test_slim_svg_leaves_other_paths_and_text_alone():
    arc = "M2,0A2,2,0,1,1,-2,0A2,2,0,1,1,2,0"
    svg = (
        '<svg class="marks" width="480" height="200"><g role="graphics-object" aria-roledescription="group">'
        f'<a xlink:href="https://vega.github.io/vega-datasets//countries/DEU"><path transform="translate(0,0)" '
        f'aria-label="Germany: 16.8 million" d="{arc}"/></a>'
        '<g class="mark-text role-legend-label"><text>1.25 share</text></g></g></svg>'
    )
    slim = slim_svg(svg)
    assert f'd="{arc}"' in slim and "<text>1.25 share</text>" in slim
    assert "aria-label" not in slim and "role=" not in slim and "<a" not in slim and "vega-datasets" not in slim
    assert "role-legend-label" in slim and "translate(0,0)" not in slim
    assert slim.startswith('<svg class="marks static-chart" focusable="false" aria-hidden="true" ')
    assert slim.count("class=") == svg.count("class=")


def test_static_spec_fixes_the_width_and_leaves_the_page_spec_alone():
    chart = line_chart("Migrant stock", [{"year": 2000, "value": 1.0}], "persons")
    spec = static_spec(chart)
    assert spec["width"] == 480 and chart.spec["width"] == "container" and "title" not in spec


@pytest.fixture
def drawings(tmp_path) -> ChartDrawings:
    return ChartDrawings(DrawingCache(tmp_path / "portal", "r1"), None)


def test_a_chart_is_drawn_once_in_the_background_then_served_from_its_file(drawings, tmp_path):
    chart = line_chart(
        "Stock",
        [{"year": y, "value": v, "area": a} for a, v in (("Germany", 1e6), ("France", 2e6)) for y in (2000, 2020)],
        "persons",
        "area",
        series_order=["Germany", "France"],
    )
    assert drawings.svg(chart) is None, "a page never waits for a drawing"
    drawings.wait()
    kept = list((tmp_path / "portal").glob("*.svg"))
    assert len(kept) == 1
    svg = drawings.svg(chart)
    assert svg is not None and svg == kept[0].read_text(encoding="utf-8")
    assert re.findall(r'role-legend-label"[^>]*>.*?<text[^>]*>([^<]+)</text>', svg) == ["Germany", "France"]
    assert "aria-label" not in svg
    other_release = ChartDrawings(DrawingCache(tmp_path / "portal", "r2"), None)
    assert other_release.svg(chart) is None, "each release has its own drawings"


def test_a_broken_or_foreign_file_is_drawn_again(drawings, tmp_path):
    chart = bar_chart("Largest", [{"name": "A", "value": 3.0}], "persons")
    drawings.draw(chart)
    path = drawings.cache.file(drawing_key("r1", chart))
    path.write_text("<html>not a drawing</html>", encoding="utf-8")
    assert drawings.svg(chart) is None
    drawings.wait()
    assert (drawings.svg(chart) or "").startswith("<svg")


def test_drawings_stop_when_the_folder_is_full(tmp_path):
    full = ChartDrawings(DrawingCache(tmp_path / "portal", "r1"), None, max_kept=1)
    first = bar_chart("First", [{"name": "A", "value": 1.0}], "persons")
    second = bar_chart("Second", [{"name": "B", "value": 2.0}], "persons")
    full.draw(first)
    assert full.svg(second) is None
    full.wait()
    assert full.svg(second) is None and len(list((tmp_path / "portal").glob("*.svg"))) == 1


def test_at_most_max_pending_drawings_are_queued(tmp_path):
    bounded = ChartDrawings(DrawingCache(tmp_path / "portal", "r1"), None, max_pending=2)
    charts = [bar_chart(f"Chart {n}", [{"name": "A", "value": float(n)}], "persons") for n in range(6)]
    for chart in charts:
        bounded.svg(chart)
    assert len(bounded._pending) <= 2
    bounded.wait()
    assert len(list((tmp_path / "portal").glob("*.svg"))) <= 2


@pytest.mark.mirror
def test_a_world_map_is_drawn_light_with_every_country_once(mirror, tmp_path):
    geometry = Path(mirror) / GEO_FILE
    values = [
        {"m49": "276", "name": "Germany", "code": "DEU", "value": 16.8e6},
        {"m49": "840", "name": "United States", "code": "USA", "value": 52.4e6},
        {"m49": "356", "name": "India", "code": "IND", "value": 4.5e6},
    ]
    chart = world_map("Migrant stock", values, "persons")
    svg = ChartDrawings(DrawingCache(tmp_path / "portal", "r1"), geometry).draw(chart)
    outlines = re.findall(r'<path[^>]* d="M[^"]*"', svg)
    assert 170 <= len(outlines) <= 200, "each of the ~177 countries drawn once (not twice, grey under colour)"
    assert len(svg) < 80_000
    assert "#e4e4e4" in svg and "#08306b" not in svg  # no value: grey
