"""Charts rendered once per release (the kept SVG is the same bytes; a changed release or spec gives a new chart),
the world map's spec as Altair writes it inline, print HTML, and batches that report a failed document and go on."""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path

import altair as alt
import pytest
from pypdf import PdfReader

from observatory.publish import chart_cache, charts, render
from observatory.publish.batch import DOCUMENTS_PER_STARTED_WORKER, default_workers, folder_jobs, run_batch
from observatory.publish.catalogue import CatalogueError
from observatory.publish.chart_cache import ChartCache, render_svg, spec_key
from observatory.publish.data import ReleaseData
from observatory.publish.document import Chart
from observatory.publish.figures import Figure
from observatory.publish.profile import country_profile
from observatory.settings import Settings

BARS = {
    "$schema": "https://vega.github.io/schema/vega-lite/v6.json",
    "data": {"values": [{"label": "Aland", "value": 3}, {"label": "Bland", "value": 5}]},
    "mark": "bar",
    "encoding": {"y": {"field": "label", "type": "nominal"}, "x": {"field": "value", "type": "quantitative"}},
}

# Two squares as a TopoJSON topology, ids as world-atlas writes them (ISO numeric, three digits).
TOPOLOGY = {
    "type": "Topology",
    "objects": {
        "countries": {
            "type": "GeometryCollection",
            "geometries": [
                {"type": "Polygon", "arcs": [[0]], "id": "901", "properties": {"name": "Aland"}},
                {"type": "Polygon", "arcs": [[1]], "id": "902", "properties": {"name": "Bland"}},
            ],
        }
    },
    "arcs": [
        [[0, 0], [10, 0], [10, 10], [0, 10], [0, 0]],
        [[20, 0], [30, 0], [30, 10], [20, 10], [20, 0]],
    ],
}


@pytest.fixture
def data(tiny_release):
    reader = ReleaseData.open(tiny_release)
    yield reader
    reader.close()


@pytest.fixture
def counted_renders(monkeypatch) -> list[dict]:
    """Every spec the cache hands to vl-convert (the real renderer still draws it)."""
    drawn: list[dict] = []

    def counting(spec: dict) -> str:
        drawn.append(spec)
        return render_svg(spec)

    monkeypatch.setattr(chart_cache, "render_svg", counting)
    return drawn


def bars_with(value: int) -> dict:
    spec = json.loads(json.dumps(BARS))
    spec["data"]["values"][1]["value"] = value
    return spec


def test_a_kept_chart_is_the_same_bytes_and_not_drawn_again(tmp_path, counted_renders):
    cache = ChartCache(tmp_path / "charts", "r1")
    first = cache.svg(BARS)
    again = ChartCache(tmp_path / "charts", "r1").svg(BARS)  # a new process would build a new cache object
    assert len(counted_renders) == 1
    assert again == first == render_svg(BARS)
    kept = cache.path(BARS)
    assert kept.read_bytes() == first.encode("utf-8")
    assert kept.parent == tmp_path / "charts" and re.fullmatch(r"[0-9a-f]{64}\.svg", kept.name)


def test_a_changed_spec_gives_a_new_chart(tmp_path, counted_renders):
    cache = ChartCache(tmp_path / "charts", "r1")
    before, after = cache.svg(bars_with(5)), cache.svg(bars_with(50))
    assert len(counted_renders) == 2
    assert cache.path(bars_with(5)) != cache.path(bars_with(50))
    assert before != after
    assert len(list((tmp_path / "charts").glob("*.svg"))) == 2


def test_a_changed_release_gives_a_new_chart(tmp_path, counted_renders):
    settings = Settings(home=tmp_path, mirror=None)
    first = ChartCache.for_release(settings, "r20260101T000000Z")
    second = ChartCache.for_release(settings, "r20260201T000000Z")
    assert first.folder == tmp_path / "publications" / "r20260101T000000Z" / "charts"
    assert first.folder != second.folder
    assert spec_key("r20260101T000000Z", BARS) != spec_key("r20260201T000000Z", BARS)
    assert first.svg(BARS) == second.svg(BARS)
    assert len(counted_renders) == 2  # the second release draws its own chart, it never reads the first's
    assert second.path(BARS).is_file() and first.path(BARS).is_file()


def test_the_key_does_not_depend_on_the_order_keys_were_written():
    reordered = dict(reversed(list(BARS.items())))
    assert spec_key("r1", reordered) == spec_key("r1", BARS)
    assert spec_key("r1", bars_with(6)) != spec_key("r1", BARS)


def test_a_spoiled_kept_file_is_drawn_again_and_replaced(tmp_path, counted_renders):
    cache = ChartCache(tmp_path / "charts", "r1")
    cache.svg(BARS)
    cache.path(BARS).write_text("<html>not a chart</html>", encoding="utf-8")
    assert cache.svg(BARS) == render_svg(BARS)
    assert len(counted_renders) == 2
    assert cache.path(BARS).read_text(encoding="utf-8").startswith("<svg")


def test_a_cache_that_cannot_be_written_still_gives_the_chart(tmp_path):
    (tmp_path / "charts").write_text("a file where the folder should be", encoding="utf-8")
    assert ChartCache(tmp_path / "charts", "r1").svg(BARS) == render_svg(BARS)


def test_a_release_id_that_is_not_a_name_is_refused(tmp_path):
    with pytest.raises(CatalogueError, match="a release id is letters, digits"):
        ChartCache.for_release(Settings(home=tmp_path, mirror=None), "../elsewhere")


def test_charts_of_a_release_are_kept_in_its_publication_folder(data, tiny_release, counted_renders):
    figures = data.series("migrant_stock", "Immigrants", area="AAA")
    assert len(figures) == 2
    drawn = charts.time_series(figures, "Immigrants of Aland", cache=data.chart_cache)
    again = charts.time_series(figures, "Immigrants of Aland", cache=data.chart_cache)
    assert len(counted_renders) == 1 and again.svg == drawn.svg and again.spec == drawn.spec
    assert data.chart_cache is not None
    assert data.chart_cache.folder == tiny_release.home / "publications" / data.release_id / "charts"
    assert data.chart_cache.path(drawn.spec).read_bytes() == drawn.svg.encode("utf-8")


def test_the_world_map_spec_is_what_altair_writes_with_the_topology_inline(tmp_path):
    atlas = tmp_path / "mirror" / charts.WORLD_ATLAS
    atlas.parent.mkdir(parents=True)
    atlas.write_text(json.dumps(TOPOLOGY), encoding="utf-8")
    settings = Settings(home=tmp_path / "home", mirror=tmp_path / "mirror")
    figures = [
        Figure(label="Aland", origin_kind="indicator", key="migrant_stock", value=1500.0, area="AAA"),
        Figure(label="Bland", origin_kind="indicator", key="migrant_stock", value=200.0, area="BBB"),
    ]
    drawn = charts.choropleth(settings, figures, {"AAA": 901, "BBB": 902}, "Immigrants", highlight=["AAA"])
    assert drawn is not None

    # The same map written the direct way: Altair carrying the whole topology through its schema classes.
    shapes = alt.Data(values=TOPOLOGY, format=alt.DataFormat(type="topojson", feature="countries"))
    values = alt.Data(values=[{"id": "901", "value": 1500.0}, {"id": "902", "value": 200.0}])
    shaded = (
        alt.Chart(shapes)
        .mark_geoshape(stroke="white", strokeWidth=0.4)
        .encode(
            color=alt.Color(
                "value:Q",
                title=None,
                scale=alt.Scale(type="log", scheme="blues"),
                legend=alt.Legend(format="~s", orient="bottom", gradientLength=200),
            )
        )
        .transform_lookup(lookup="id", from_=alt.LookupData(values, "id", ["value"]))
        .transform_filter("isValid(datum.value)")
    )
    layers = [
        alt.Chart(shapes)
        .mark_geoshape(fill="#eeeeee", stroke="white", strokeWidth=0.4)
        .transform_filter("datum.id !== '010'"),
        shaded,
        alt.Chart(shapes)
        .mark_geoshape(fill=None, stroke=charts.HIGHLIGHT, strokeWidth=1.5)
        .transform_filter(alt.FieldOneOfPredicate(field="id", oneOf=["901"])),
    ]
    direct = charts._configure(alt.layer(*layers).project("equalEarth"), 460, 230).to_dict(validate=False)
    assert json.dumps(drawn.spec) == json.dumps(direct)
    assert drawn.svg == render_svg(direct)


def _visible_words(page: str) -> list[str]:
    """The words a reader sees in a page body, charts left out (inline SVG or an image)."""
    body = page.split("<body", 1)[1]
    body = re.sub(r'<div class="svg">.*?</div>', " ", body, flags=re.DOTALL)
    return re.sub(r"<[^>]+>", " ", body).split()


def test_print_html_carries_the_same_charts_as_images_and_no_data_attributes(data):
    document = country_profile(data, "AAA")
    screen = render.to_html(document)
    printed = render.to_html(document, for_print=True)
    chart_blocks = [b for s in document.sections for b in s.blocks if isinstance(b, Chart)]
    assert chart_blocks, "the tiny profile draws at least one chart"
    images = re.findall(r'<img src="data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)"', printed)
    assert [base64.b64decode(i).decode("utf-8") for i in images] == [b.svg for b in chart_blocks]
    assert "data-key=" in screen and "data-figures=" in screen and "<style>" in screen
    assert "data-key=" not in printed and "data-figures=" not in printed and "<style>" not in printed
    assert _visible_words(printed) == _visible_words(screen)
    assert "1,500" in _visible_words(printed)


def test_a_pdf_says_what_the_html_says(data, tmp_path):
    document = country_profile(data, "AAA")
    first = render.write(document, "pdf", tmp_path / "first.pdf")
    second = render.write(document, "pdf", tmp_path / "second.pdf")  # the thread's fonts and stylesheet reused
    texts = [" ".join(p.extract_text() for p in PdfReader(path).pages) for path in (first, second)]
    assert texts[0] == texts[1]
    assert "Migration Profile: Aland of Plenty" in texts[0]
    assert "1,500" in texts[0]  # the latest immigrant stock of AAA in the tiny release


@pytest.mark.slow
def test_a_batch_on_two_processes_reports_a_failed_document_and_writes_the_others(data, tmp_path):
    out = tmp_path / "batch"
    (out / "BBB.md").mkdir(parents=True)  # a folder where BBB's file should go: that document fails
    report = run_batch(data, folder_jobs(["AAA", "BBB"], ("profile", "brief"), ("md",), out), workers=2)
    assert report.workers == 2
    assert sorted(o.job.label for o in report.outcomes) == ["brief AAA", "brief BBB", "profile AAA", "profile BBB"]
    [failed] = report.failures
    assert failed.job.label == "profile BBB"
    assert failed.job.target(data.settings, data.release_id) == out / "BBB.md"
    assert failed.error is not None and failed.error.startswith("IsADirectoryError")
    assert sorted(p.name for p in out.iterdir()) == ["AAA-brief.md", "AAA.md", "BBB-brief.md", "BBB.md"]
    assert (out / "AAA.md").read_text(encoding="utf-8").startswith("# Migration Profile: Aland of Plenty")
    assert set(report.timings) == {"AAA", "brief AAA", "brief BBB"}  # a folder's profiles keep their plain codes


def test_a_batch_in_one_process_goes_on_after_a_failure(data, tmp_path):
    out = tmp_path / "one"
    (out / "AAA.md").mkdir(parents=True)
    report = run_batch(data, folder_jobs(["AAA", "BBB"], ("profile",), ("md",), out), workers=1)
    assert [o.job.code for o in report.failures] == ["AAA"]
    assert (out / "BBB.md").is_file()
    assert report.workers == 1


def test_a_folder_path_cannot_escape_with_a_format(tmp_path):
    with pytest.raises(ValueError, match="unknown format; use one of html, pdf, md, json"):
        folder_jobs(["AAA"], ("profile",), ("exe",), tmp_path)
    assert not list(Path(tmp_path).iterdir())


def test_a_batch_starts_a_worker_only_for_enough_documents():
    assert default_workers(3, cores=2) == 1  # a worker's start-up costs more than the documents it would share
    assert default_workers(DOCUMENTS_PER_STARTED_WORKER, cores=2) == 1
    assert default_workers(2 * DOCUMENTS_PER_STARTED_WORKER, cores=2) == 2
    assert default_workers(502, cores=2) == 2  # never more than the cores
    assert default_workers(0, cores=2) == 1


def test_a_small_batch_by_default_runs_in_this_process(data, tmp_path):
    report = run_batch(data, folder_jobs(["AAA", "BBB"], ("profile",), ("md",), tmp_path / "few"))
    assert report.workers == 1
    assert not report.failures and (tmp_path / "few" / "BBB.md").is_file()
