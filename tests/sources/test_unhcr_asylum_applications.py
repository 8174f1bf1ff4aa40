(
    """UNHCR asylum applications from the mirror: aggregation rule, persons vs cases, totals equal to the file's own """
    """sums."""
)

from __future__ import annotations

import csv
from pathlib import Path

import pytest

SOURCE = "unhcr_asylum_applications"
pytestmark = pytest.mark.mirror


def scalar(con, sql: str, *params):
    return con.execute(sql, list(params)).fetchall()[0][0]


def file_sum(mirror: Path, year: int, app_pc: str) -> float:
    with (mirror / "unhcr_refugees/asylum_applications.csv").open(encoding="utf-8") as handle:
        return sum(
            float(row["applied"])
            for row in csv.DictReader(handle)
            if row["year"] == str(year) and row["app_pc"] == app_pc
        )


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
    assert (
        scalar(
            con, "SELECT count(*) FROM observation WHERE measure_id = 'unhcr_asylum_applications' AND category = 'NA'"
        )
        > 0
    )
