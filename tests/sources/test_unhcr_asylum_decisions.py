(
    """UNHCR asylum decisions from the mirror: one measure per outcome, persons vs cases, totals equal to the file's """
    """sums."""
)

from __future__ import annotations

import csv
from pathlib import Path

import pytest

SOURCE = "unhcr_asylum_decisions"
pytestmark = pytest.mark.mirror


def scalar(con, sql: str, *params):
    return con.execute(sql, list(params)).fetchall()[0][0]


def file_sum(mirror: Path, year: int, column: str, dec_pc: str) -> float:
    with (mirror / "unhcr_refugees/asylum_decisions.csv").open(encoding="utf-8") as handle:
        return sum(
            float(row[column]) for row in csv.DictReader(handle) if row["year"] == str(year) and row["dec_pc"] == dec_pc
        )


def test_rows(release):
    report, _ = release
    # 113,531 distinct (year, coo_iso, coa_iso, dec_level, dec_pc) groups × 5 outcome columns, none empty
    assert report.datasets[SOURCE] == 113_531 * 5


@pytest.mark.parametrize("outcome", ["recognized", "other", "rejected", "closed", "total"])
def test_2024_totals_match_the_file(release, mirror, outcome):
    _, con = release
    persons = scalar(
        con,
        "SELECT sum(value) FROM observation WHERE measure_id = ? AND year = 2024",
        f"unhcr_asylum_decisions_{outcome}",
    )
    cases = scalar(
        con,
        "SELECT sum(value) FROM observation WHERE measure_id = ? AND year = 2024",
        f"unhcr_asylum_decisions_{outcome}_cases",
    )
    assert persons == pytest.approx(file_sum(mirror, 2024, f"dec_{outcome}", "P"))
    assert (cases or 0) == pytest.approx(file_sum(mirror, 2024, f"dec_{outcome}", "C"))
