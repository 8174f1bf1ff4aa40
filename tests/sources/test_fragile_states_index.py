"""Fragile States Index from the mirror: totals, indicators and ranks recomputed from the raw table."""

from __future__ import annotations

import pandas as pd
import pytest

SOURCE = "fragile_states_index"
CHANGE = "Change from Previous Year"
pytestmark = pytest.mark.mirror


@pytest.fixture(scope="module")
def fsi(mirror) -> pd.DataFrame:
    return pd.read_csv(mirror / "iom_gdidata_fsi" / "fsi.csv", keep_default_na=False, na_values=[""])


def scalar(con, sql: str, *params):
    return con.execute(sql, list(params)).fetchall()[0][0]


def stored(con, measure: str, area: str, year: int, category: str = ""):
    """The one value of a measure for an area, year and category."""
    sql = "SELECT value FROM observation WHERE measure_id = ? AND area = ? AND year = ? AND category = ?"
    values = con.execute(sql, [measure, area, year, category]).fetchall()
    return [value for (value,) in values]


def test_rows(release, fsi):
    report, con = release
    scores = fsi[fsi["code"] != CHANGE]
    years = fsi.drop_duplicates(["geo", "t"])
    counts = dict(con.execute("SELECT measure_id, count(*) FROM observation GROUP BY measure_id").fetchall())
    expected = {"fsi_indicator": len(scores), "fsi_total": len(years), "fsi_rank": int(years["rank"].notna().sum())}
    assert counts == expected
    assert report.datasets[SOURCE] == sum(counts.values())


def test_change_rows_left_out_and_counted(release, fsi):
    report, con = release
    notes = [f.count for f in report.findings if f.dataset_id == SOURCE and f.check_name == "change_rows_excluded"]
    assert notes == [int((fsi["code"] == CHANGE).sum())] == [356]
    sql = "SELECT DISTINCT category FROM observation WHERE measure_id = 'fsi_indicator'"
    categories = {category for (category,) in con.execute(sql).fetchall()}
    assert categories == {"C1", "C2", "C3", "E1", "E2", "E3", "P1", "P2", "P3", "S1", "S2", "X1"}


def test_one_country_total_rank_and_brain_drain(release, fsi):
    _, con = release
    kenya = fsi[(fsi["geo"] == "KEN") & (fsi["t"] == 2015)]
    assert stored(con, "fsi_total", "KEN", 2015) == [kenya["total"].iloc[0]]
    assert stored(con, "fsi_rank", "KEN", 2015) == [kenya["rank"].iloc[0]]
    assert stored(con, "fsi_indicator", "KEN", 2015, "E3") == [kenya.loc[kenya["code"] == "E3", "v"].iloc[0]]


def test_total_is_the_sum_of_the_twelve_indicators(release):
    _, con = release
    gap = scalar(
        con,
        """
        SELECT max(abs(t.value - s.v)) FROM observation t JOIN (
            SELECT area, year, sum(value) AS v, count(*) AS n FROM observation
            WHERE measure_id = 'fsi_indicator' GROUP BY ALL) s USING (area, year)
        WHERE t.measure_id = 'fsi_total' AND s.n = 12""",
    )
    assert gap <= 0.2 + 1e-9  # rounding of the published scores


def test_unranked_country_year_has_no_rank(release, fsi):
    _, con = release
    unranked = fsi[fsi["rank"].isna()].drop_duplicates(["geo", "t"])
    assert list(zip(unranked["geo"], unranked["t"], strict=True)) == [("SSD", 2012)]
    assert stored(con, "fsi_rank", "SSD", 2012) == []
    assert len(stored(con, "fsi_total", "SSD", 2012)) == 1


def test_scores_in_range(release):
    _, con = release
    sql = "SELECT min(value) >= 0 AND max(value) <= ? FROM observation WHERE measure_id = ?"
    assert scalar(con, sql, 120, "fsi_total") and scalar(con, sql, 10, "fsi_indicator")


def test_fragility_and_brain_drain_indicators(release, fsi):
    _, con = release
    somalia = fsi[(fsi["geo"] == "SOM") & (fsi["t"] == 2023)]
    sql = "SELECT value FROM indicator_value WHERE indicator = ? AND area = 'SOM' AND year = 2023"
    assert con.execute(sql, ["fragility_index"]).fetchall() == [(somalia["total"].iloc[0],)]
    assert con.execute(sql, ["brain_drain_index"]).fetchall() == [(somalia.loc[somalia["code"] == "E3", "v"].iloc[0],)]
    counts = "SELECT count(*) FROM indicator_value WHERE indicator = ?"
    assert scalar(con, counts, "brain_drain_index") == int((fsi["code"] == "E3").sum())
