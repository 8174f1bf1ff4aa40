"""UNHCR durable solutions from the mirror: row counts and totals equal to the file's sums."""

from __future__ import annotations

import csv
import os
from pathlib import Path

import pytest

from observatory.settings import Settings
from observatory.sources.registry import get_spec
from observatory.warehouse import releases
from observatory.warehouse.build import build_release

SOURCE = "unhcr_solutions"
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


def file_sum(mirror: Path, year: int, column: str) -> float:
    with (mirror / "unhcr_refugees/solutions.csv").open(encoding="utf-8") as handle:
        return sum(float(row[column]) for row in csv.DictReader(handle) if row["year"] == str(year) and row[column] != "")


def test_rows(release):
    report, _ = release
    # 21,258 rows × 4 columns minus empty cells (15,161 + 11,644 + 13,872 + 20,878)
    assert report.datasets[SOURCE] == 21_258 * 4 - (15_161 + 11_644 + 13_872 + 20_878)


@pytest.mark.parametrize(("column", "measure"), [("resettlement", "unhcr_resettlement"), ("naturalisation", "unhcr_naturalisation"),
                                                 ("returned_refugees", "unhcr_solutions_returned_refugees")])
def test_2024_totals_match_the_file(release, mirror, column, measure):
    _, con = release
    total = scalar(con, "SELECT sum(value) FROM observation WHERE measure_id = ? AND year = 2024", measure)
    assert total == pytest.approx(file_sum(mirror, 2024, column))
