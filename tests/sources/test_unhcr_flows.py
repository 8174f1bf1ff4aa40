"""UNHCR forced displacement flows from the mirror: row counts and totals equal to the file's sums."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

SOURCE = "unhcr_flows"
pytestmark = pytest.mark.mirror


def scalar(con, sql: str, *params):
    return con.execute(sql, list(params)).fetchall()[0][0]


def file_sum(mirror: Path, year: int, column: str) -> float:
    with (mirror / "unhcr_refugees/flows.csv").open(encoding="utf-8") as handle:
        return sum(
            float(row[column]) for row in csv.DictReader(handle) if row["year"] == str(year) and row[column] != ""
        )


def test_rows(release):
    report, _ = release
    # 105,868 rows × 4 columns minus empty cells (100,020 + 3,693 + 105,275 + 105,767)
    assert report.datasets[SOURCE] == 105_868 * 4 - (100_020 + 3_693 + 105_275 + 105_767)


@pytest.mark.parametrize("column", ["refugees", "asylum_seekers", "oip"])
def test_2024_totals_match_the_file(release, mirror, column):
    _, con = release
    total = scalar(
        con, "SELECT sum(value) FROM observation WHERE measure_id = ? AND year = 2024", f"unhcr_flow_{column}"
    )
    assert total == pytest.approx(file_sum(mirror, 2024, column))
