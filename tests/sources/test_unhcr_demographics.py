(
    """UNHCR demographics 2025 from the mirror: sex × age rows, age bands adding up, totals equal to the population """
    """table."""
)

from __future__ import annotations

import pytest

SOURCE = "unhcr_demographics"
pytestmark = pytest.mark.mirror


def scalar(con, sql: str, *params):
    return con.execute(sql, list(params)).fetchall()[0][0]


def test_rows(release):
    report, _ = release
    assert report.datasets[SOURCE] == 119_449


def test_refugee_total_2025_matches_global_trends(release):
    _, con = release
    total = scalar(
        con,
        "SELECT sum(value) FROM observation WHERE measure_id = 'unhcr_demographics' AND category = 'REF' AND sex = "
        "'total'",
    )
    assert total == pytest.approx(28.46e6, abs=0.005e6)


def test_age_bands_add_up_to_each_sex_total(release):
    _, con = release
    gaps = scalar(
        con,
        """
        WITH parts AS (SELECT origin, destination, category, sex, sum(value) AS s FROM observation
                       WHERE measure_id = 'unhcr_demographics' AND sex <> 'total' AND age <> 'total' GROUP BY ALL),
             totals AS (SELECT origin, destination, category, sex, value FROM observation
                        WHERE measure_id = 'unhcr_demographics' AND sex <> 'total' AND age = 'total')
        SELECT count(*) FROM totals JOIN parts USING (origin, destination, category, sex) WHERE abs(s - value) > 0.5""",
    )
    assert gaps == 0


def test_no_sex_rows_without_a_breakdown(mirror, release):
    _, con = release
    # Aruba: Colombian OOC are reported without sex breakdown (all f_/m_ cells 0, total 168)
    rows = con.execute(
        "SELECT sex, value FROM observation WHERE measure_id = 'unhcr_demographics' AND origin = 'COL' "
        "AND destination = 'ABW' AND category = 'OOC'"
    ).fetchall()
    assert rows == [("total", 168.0)]
