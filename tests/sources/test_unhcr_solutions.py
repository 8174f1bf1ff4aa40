"""UNHCR durable solutions from the mirror: row counts and totals equal to the file's sums."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

SOURCE = "unhcr_solutions"
pytestmark = pytest.mark.mirror


def scalar(con, sql: str, *params):
    return con.execute(sql, list(params)).fetchall()[0][0]


def file_sum(mirror: Path, year: int, column: str) -> float:
    with (mirror / "unhcr_refugees/solutions.csv").open(encoding="utf-8") as handle:
        return sum(
            float(row[column]) for row in csv.DictReader(handle) if row["year"] == str(year) and row[column] != ""
        )


def test_rows(release):
    report, _ = release
    # 21,258 rows × 4 columns minus empty cells (15,161 + 11,644 + 13,872 + 20,878)
    assert report.datasets[SOURCE] == 21_258 * 4 - (15_161 + 11_644 + 13_872 + 20_878)


@pytest.mark.parametrize(
    ("column", "measure"),
    [
        ("resettlement", "unhcr_resettlement"),
        ("naturalisation", "unhcr_naturalisation"),
        ("returned_refugees", "unhcr_solutions_returned_refugees"),
    ],
)
def test_2024_totals_match_the_file(release, mirror, column, measure):
    _, con = release
    total = scalar(con, "SELECT sum(value) FROM observation WHERE measure_id = ? AND year = 2024", measure)
    assert total == pytest.approx(file_sum(mirror, 2024, column))
