"""Eurostat first-instance asylum decisions from the mirror: rows and the EU-28 2016 totals."""

from __future__ import annotations

import csv
import os
from pathlib import Path

import pytest

from observatory.settings import Settings
from observatory.sources.registry import get_spec
from observatory.warehouse import releases
from observatory.warehouse.build import build_release

SOURCE = "eurostat_asylum_decisions"
pytestmark = pytest.mark.mirror


@pytest.fixture(scope="module")
def mirror() -> Path:
    if not os.environ.get("OBSERVATORY_MIRROR"):
        pytest.skip("OBSERVATORY_MIRROR is not set; this test reads the real files from the data mirror")
    return Path(os.environ["OBSERVATORY_MIRROR"])


@pytest.fixture(scope="module")
def release(tmp_path_factory, mirror):
    """A release holding only the area reference and this source, and a read-only connection to it."""
    settings = Settings(home=tmp_path_factory.mktemp("home"), mirror=mirror)
    report = build_release(settings, specs=[get_spec("area_reference"), get_spec(SOURCE)])
    _, con = releases.connect(settings)
    yield report, con
    con.close()


def scalar(con, sql: str, *params):
    return con.execute(sql, list(params)).fetchall()[0][0]


def test_every_area_resolves_and_no_errors(release):
    report, con = release
    assert scalar(con, "SELECT count(*) FROM observation WHERE dataset_id = ? AND area IS NULL AND (origin IS NULL OR destination IS NULL)", SOURCE) == 0
    assert not [f for f in report.findings if f.dataset_id == SOURCE and f.severity == "error"]


EU28 = "European Union (28 countries)"


def file_rows(mirror: Path, name: str) -> list[dict]:
    with (mirror / "eurostat_asylum_dw" / name).open(encoding="latin-1") as handle:
        return list(csv.DictReader(handle))


def number(text: str) -> float | None:
    return None if text.strip() in (":", "") else float(text.replace(",", ""))


def test_rows(release, mirror):
    report, _ = release
    rows = file_rows(mirror, "migr_asydcfsta_2017-04-26.csv")
    kept = [r for r in rows if number(r["Value"]) is not None and r["GEO"] not in (EU28, "Total")]
    assert report.datasets[SOURCE] == len(kept) == 1_702


@pytest.mark.parametrize(("measure", "decision", "expected"), [
    ("eurostat_first_instance_decisions_total", "Total", 1_106_540),
    ("eurostat_first_instance_decisions_positive", "Total positive decisions", 672_665),
])
def test_eu28_2016(release, mirror, measure, decision, expected):
    _, con = release
    eu = {(r["TIME"], r["CITIZEN"], r["DECISION"]): number(r["Value"]) for r in file_rows(mirror, "migr_asydcfsta_2017-04-26.csv") if r["GEO"] == EU28}
    assert eu[("2016", "Total", decision)] == expected
    members = scalar(con, "SELECT sum(value) FROM observation WHERE measure_id = ? AND year = 2016 "
                          "AND category = 'all_citizenships' AND area NOT IN ('ISL', 'LIE', 'NOR', 'CHE')", measure)
    assert members == pytest.approx(expected, rel=0.001)
