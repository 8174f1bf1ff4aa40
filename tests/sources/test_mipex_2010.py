"""MIPEX 2010 overall scores from the mirror: 30 countries, SWE 83."""

from __future__ import annotations

import pytest

SOURCE = "mipex_2010"
pytestmark = pytest.mark.mirror


def scalar(con, sql: str, *params):
    return con.execute(sql, list(params)).fetchall()[0][0]


def test_rows_and_scores(release):
    report, con = release
    assert report.datasets[SOURCE] == 30
    scores = dict(
        con.execute(
            "SELECT area, value FROM observation WHERE measure_id = 'mipex_overall_score' AND year = 2010"
        ).fetchall()
    )
    assert scores["SWE"] == 83
    assert scores["PRT"] == 79
    assert scores["CAN"] == 72
    assert scores["LVA"] == 31
