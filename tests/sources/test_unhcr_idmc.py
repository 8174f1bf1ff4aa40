"""IDMC IDPs carried by UNHCR, from the mirror: area-level rows, early world totals stored as WLD."""

from __future__ import annotations

import pytest

SOURCE = "unhcr_idmc"
pytestmark = pytest.mark.mirror


def scalar(con, sql: str, *params):
    return con.execute(sql, list(params)).fetchall()[0][0]


def test_rows(release):
    report, _ = release
    assert report.datasets[SOURCE] == 934


def test_early_global_totals_are_world(release):
    _, con = release
    rows = con.execute(
        "SELECT year, area, value FROM observation WHERE measure_id = 'unhcr_idmc_idps' AND year = 1990"
    ).fetchall()
    assert rows == [(1990, "WLD", 21_300_000.0)]
    # a UNK row next to country rows stays unallocated
    assert scalar(con, "SELECT count(*) FROM observation WHERE measure_id = 'unhcr_idmc_idps' AND area = 'UNK'") == 3
