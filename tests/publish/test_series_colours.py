"""Series colours bound to names: one colour per name in a whole document, distinct within a chart, and the drawn
lines, the legend and the spec agreeing (checked in the SVG that goes into the PDF)."""

from __future__ import annotations

import re

import pytest

from observatory.publish.brief import corridor_brief, country_brief
from observatory.publish.corridor import corridor_profile
from observatory.publish.data import ReleaseData
from observatory.publish.document import Chart, Document
from observatory.publish.palette import FIXED, PALETTE, SeriesColours, document_colours
from observatory.publish.profile import country_profile

LEGEND_ENTRY = re.compile(
    r'role-legend-symbol"[^>]*><path[^>]*?(?:fill|stroke)="(#[0-9A-Fa-f]{6})".*?role-legend-label".*?>([^<]+)</text>',
    re.DOTALL,
)
MARK = re.compile(r'<path aria-label="[^"]*series: ([^";]+)[^"]*"[^>]*?(?:stroke|fill)="(#[0-9A-Fa-f]{6})"')


def test_declared_names_keep_their_colour_and_a_chart_never_repeats_one():
    colours = SeriesColours()
    assert colours.colours(["total", "women", "men"]) == [FIXED["total"], FIXED["women"], FIXED["men"]]
    first = colours.colours(["Paid", "Received"])
    assert len(set(first)) == 2 and first[0] not in FIXED.values()  # a colour no declared name has, while one is left
    assert colours.colours(["Received", "Paid", "Immigrants"]) == [first[1], first[0], FIXED["Immigrants"]]
    crowded = colours.colours([f"series {n}" for n in range(len(PALETTE))])
    assert len(set(crowded)) == len(PALETTE)


def test_pyramid_sexes_and_sex_lines_share_colours():
    colours = SeriesColours()
    assert colours.colours(["male", "female"]) == colours.colours(["men", "women"])


def test_each_document_starts_its_own_colour_key():
    with document_colours() as first:
        alpha, beta = first.colours(["Alpha", "Beta"])
    with document_colours() as second:
        assert second.colours(["Beta"]) == [alpha] != [beta]  # a fresh key: Beta gets the first free colour


def test_portal_and_print_use_one_palette():
    from observatory.web.charts import PALETTE as PORTAL

    assert PORTAL is PALETTE  # declared once, in publish/palette.py


def _legend(svg: str) -> dict[str, str]:
    return {label: colour.upper() for colour, label in LEGEND_ENTRY.findall(svg)}


def _colour_key(document: Document) -> dict[str, str]:
    """Name → colour over every chart of the document, failing on a name drawn in two colours."""
    key: dict[str, str] = {}
    charts = [b for s in document.sections for b in s.blocks if isinstance(b, Chart)]
    for chart in charts:
        legend = _legend(chart.svg)
        for name, colour in MARK.findall(chart.svg):
            assert legend.get(name) == colour.upper(), f"{chart.caption}: {name} drawn {colour}, legend {legend}"
        scale = next(
            (
                layer["encoding"]["color"]["scale"]
                for layer in chart.spec.get("layer", [chart.spec])
                if "color" in layer.get("encoding", {}) and "domain" in layer["encoding"]["color"].get("scale", {})
            ),
            None,
        )
        if scale is None:
            continue
        spec_colours = dict(zip(scale["domain"], scale["range"], strict=True))
        assert {n: c.upper() for n, c in spec_colours.items()} == legend, chart.caption
        assert len(set(spec_colours.values())) == len(spec_colours), f"{chart.caption}: a colour used twice"
        for name, colour in spec_colours.items():
            assert key.setdefault(name, colour) == colour, f"{name} is {key[name]} and {colour} in one document"
    return key


@pytest.fixture(scope="module")
def data(real_release):
    reader = ReleaseData.open(real_release)
    yield reader
    reader.close()


@pytest.mark.parametrize("kind", ["brief DEU", "profile DEU", "brief MEX-USA", "profile MEX-USA"])
def test_documents_bind_colours_to_series_names(data, kind):
    what, place = kind.split()
    if what == "brief":
        document = corridor_brief(data, *place.split("-")) if "-" in place else country_brief(data, place)
    else:
        document = corridor_profile(data, *place.split("-")) if "-" in place else country_profile(data, place)
    key = _colour_key(document)
    assert key, "the document has charts with a colour legend"
    for name, colour in key.items():
        assert FIXED.get(name, colour) == colour
    if kind == "brief DEU":  # Germany: 16.75 million immigrants, 4.30 million emigrants in 2024
        assert key["Immigrants"] == FIXED["Immigrants"] and key["Emigrants"] == FIXED["Emigrants"]
