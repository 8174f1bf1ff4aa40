"""UNDP HDI extract from the mirror: rows without NA cells, values in range."""

from __future__ import annotations

import pytest

SOURCE = "undp_hdi"
pytestmark = pytest.mark.mirror


def scalar(con, sql: str, *params):
    return con.execute(sql, list(params)).fetchall()[0][0]


def test_rows(release):
    report, con = release
    assert report.datasets[SOURCE] == 5_859 - 709  # NA cells give no row
    assert scalar(con, "SELECT count(DISTINCT area) FROM observation WHERE dataset_id = ?", SOURCE) == 189
    assert scalar(con, "SELECT min(value) > 0 AND max(value) < 1 FROM observation WHERE measure_id = 'hdi'")


def test_known_value(release, mirror):
    _, con = release
    assert (
        scalar(con, "SELECT value FROM observation WHERE measure_id = 'hdi' AND area = 'NAM' AND year = 1995") == 0.582
    )
