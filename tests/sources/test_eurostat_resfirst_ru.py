"""Eurostat first residence permits to Russian citizens from the mirror: rows, missing cells and Germany 2008."""

from __future__ import annotations

import pytest

SOURCE = "eurostat_resfirst_ru"
pytestmark = pytest.mark.mirror


def scalar(con, sql: str, *params):
    return con.execute(sql, list(params)).fetchall()[0][0]


def test_rows(release):
    report, con = release
    assert report.datasets[SOURCE] == 146  # 9 countries × 17 years minus 7 cells marked ':'
    assert (
        scalar(
            con,
            "SELECT count(*) FROM observation WHERE dataset_id = ? AND destination = 'GBR' AND year >= 2019",
            SOURCE,
        )
        == 0
    )


@pytest.mark.parametrize(
    ("country", "year", "expected"), [("DEU", 2008, 6_840), ("DEU", 2023, 23_872), ("ESP", 2023, 20_412)]
)
def test_published_values(release, country, year, expected):
    _, con = release
    assert (
        scalar(
            con,
            "SELECT value FROM observation WHERE measure_id = 'eurostat_first_permits_ru' AND origin = 'RUS' "
            "AND destination = ? AND year = ?",
            country,
            year,
        )
        == expected
    )
