"""UNHCR population table built from the mirror: row counts, code resolution and the published 2024/2025 totals."""

from __future__ import annotations

import pytest

SOURCE = "unhcr_population"
pytestmark = pytest.mark.mirror


def scalar(con, sql: str, *params):
    return con.execute(sql, list(params)).fetchall()[0][0]


def test_rows_and_resolution(release):
    report, con = release
    # 138,893 source rows × 9 population types, minus the empty (not collected) cells: 138,738 oip and none elsewhere.
    assert report.datasets[SOURCE] == 138_893 * 9 - 138_738
    assert (
        scalar(
            con,
            "SELECT count(*) FROM observation WHERE dataset_id = ? AND (origin IS NULL OR destination IS NULL)",
            SOURCE,
        )
        == 0
    )
    special = {
        row[0]
        for row in con.execute(
            "SELECT DISTINCT origin FROM observation WHERE dataset_id = ? AND origin IN ('UNK', 'STL', 'TIB')", [SOURCE]
        ).fetchall()
    }
    assert special == {"UNK", "STL", "TIB"}
    assert not [f for f in report.findings if f.dataset_id == SOURCE and f.severity == "error"]


@pytest.mark.parametrize(
    ("measure", "year", "expected", "tolerance"),
    [
        ("unhcr_refugees", 2024, 30.96e6, 0.005e6),
        ("unhcr_asylum_seekers", 2024, 8.35e6, 0.005e6),
        ("unhcr_idps", 2024, 68.1e6, 0.05e6),
        ("unhcr_stateless", 2024, 4.36e6, 0.005e6),
        ("unhcr_refugees", 2025, 28.46e6, 0.005e6),
        ("unhcr_idps", 2025, 64.2e6, 0.05e6),
    ],
)
def test_published_totals(release, measure, year, expected, tolerance):
    _, con = release
    total = scalar(
        con,
        "SELECT sum(value) FROM observation WHERE dataset_id = ? AND measure_id = ? AND year = ?",
        SOURCE,
        measure,
        year,
    )
    assert total == pytest.approx(expected, abs=tolerance)


def test_idps_are_within_one_country(release):
    _, con = release
    assert (
        scalar(
            con,
            "SELECT count(*) FROM observation WHERE measure_id = 'unhcr_idps' AND value > 0 AND origin <> destination",
        )
        == 0
    )
