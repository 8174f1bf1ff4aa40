"""UNHCR asylum applications from the mirror: aggregation rule, persons vs cases, totals equal to the file's own sums."""

from __future__ import annotations

import csv
import os
from pathlib import Path

import pytest

from observatory.settings import Settings
from observatory.sources.registry import get_spec
from observatory.warehouse import releases
from observatory.warehouse.build import build_release

SOURCE = "unhcr_asylum_applications"
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


def file_sum(mirror: Path, year: int, app_pc: str) -> float:
    with (mirror / "unhcr_refugees/asylum_applications.csv").open(encoding="utf-8") as handle:
        return sum(float(row["applied"]) for row in csv.DictReader(handle) if row["year"] == str(year) and row["app_pc"] == app_pc)


def test_rows(release):
    report, _ = release
    # distinct (year, coo_iso, coa_iso, app_type, app_pc) groups of the 120,597 source rows
    assert report.datasets[SOURCE] == 114_816


@pytest.mark.parametrize("year", [2015, 2024])
def test_totals_match_the_file(release, mirror, year):
    _, con = release
    for measure, app_pc in (("unhcr_asylum_applications", "P"), ("unhcr_asylum_applications_cases", "C")):
        total = scalar(con, "SELECT sum(value) FROM observation WHERE measure_id = ? AND year = ?", measure, year)
        assert (total or 0) == pytest.approx(file_sum(mirror, year, app_pc))


def test_na_stage_code_is_kept(release):
    _, con = release
    # 'NA' is UNHCR's stage code (new applications), not a missing value
    assert scalar(con, "SELECT count(*) FROM observation WHERE measure_id = 'unhcr_asylum_applications' AND category = 'NA'") > 0
