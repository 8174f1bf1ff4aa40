"""Report outlines: directives resolve to release numbers; an unresolvable one is an error naming file and line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from observatory.publish import render
from observatory.publish.data import ReleaseData
from observatory.publish.report import ReportError, build_report
from observatory.warehouse.releases import connect

from .conftest import assert_traceable

CHAPTER = """# Stocks in Aland

Aland hosted {{value migrant_stock area=AAA year=2020}} migrants [@un2020], of whom
{{value migrant_stock area=AAA year=2020 sex=female}} women. See {{ref trend}} and {{ref table}}.

::: chart migrant_stock areas=AAA id=trend caption="Migrants in Aland"

::: table migrant_stock areas=members:REG year=2020 id=table caption="Migrants by country"

Refugees: {{value refugees_hosted area=AAA}}.
"""


def outline(
    tmp_path: Path, chapter: str = CHAPTER, references: str = '  un2020: "UN DESA (2020). International Migrant Stock."'
) -> Path:
    (tmp_path / "chapters").mkdir(exist_ok=True)
    (tmp_path / "chapters" / "one.md").write_text(chapter, encoding="utf-8")
    path = tmp_path / "outline.yml"
    path.write_text(
        f"title: Tiny report\nchapters:\n  - file: chapters/one.md\nreferences:\n{references}\n", encoding="utf-8"
    )
    return path


@pytest.fixture(scope="module")
def data(tiny_release):
    reader = ReleaseData.open(tiny_release)
    yield reader
    reader.close()


def test_report_resolves_numbers_refs_and_references(tmp_path, data, tiny_release):
    document = build_report(data, outline(tmp_path))
    assert [s.id for s in document.sections] == ["ch-stocks-in-aland", "references", "sources"]
    page = render.to_html(document)
    assert "See Figure 1 and Table 1." in page
    assert "UN DESA (2020). International Migrant Stock." in page and "[1]" in page
    assert "{{" not in page and ":::" not in page
    payload = json.loads(render.to_json(document))
    values = {(f["key"], f["sex"]): f["value"] for f in payload["figures"] if f["value"] is not None}
    assert values[("migrant_stock", "total")] == 1500.0 and values[("migrant_stock", "female")] == 700.0
    _, con = connect(tiny_release)
    with con:
        assert payload["figures"], "the document shows no figure"
        for figure in payload["figures"]:
            assert_traceable(con, figure)
    markdown = render.to_markdown(document)
    assert "Refugees: no data (no source in this release reports it for Aland of Plenty)." in markdown


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("{{value no_such_indicator area=AAA}}", "one.md:3: unknown indicator 'no_such_indicator'"),
        ("{{value migrant_stock area=QQQ}}", "one.md:3: unknown area 'QQQ'"),
        ("{{value migrant_stock area=AAA colour=red}}", "one.md:3: unknown argument"),
        ("{{value migrant_stock}}", "one.md:3: .*needs area="),
        ("see [@nobody]", "one.md:3: unknown reference \\[@nobody\\]"),
        ("see {{ref nothing}}", "one.md:3: \\{\\{ref nothing\\}\\} names no chart or table id"),
        ("::: pie migrant_stock id=x caption=y", "one.md:3: unknown block directive"),
        ("::: chart migrant_stock areas=AAA", "one.md:3: .*needs id= and caption="),
        ("{{value migrant_stock area=AAA", "one.md:3: malformed inline directive"),
    ],
)
def test_unresolvable_directive_names_file_and_line(tmp_path, data, line, message):
    path = outline(tmp_path, chapter=f"# Title\n\n{line}\n")
    with pytest.raises(ReportError, match=message):
        build_report(data, path)


def test_missing_chapter_and_bad_outline_are_errors(tmp_path, data):
    path = tmp_path / "outline.yml"
    path.write_text("title: T\nchapters:\n  - file: nowhere.md\n", encoding="utf-8")
    with pytest.raises(ReportError, match="nowhere.md: chapter file not found"):
        build_report(data, path)
    path.write_text("chapters: []\n", encoding="utf-8")
    with pytest.raises(ReportError, match="needs 'title'"):
        build_report(data, path)
