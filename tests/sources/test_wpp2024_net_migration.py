"""UN WPP 2024 and national net migration from the mirror: values, status and the zero-sum check, from the raw files."""

from __future__ import annotations

import pandas as pd
import pytest

SOURCE = "wpp2024_net_migration"
pytestmark = pytest.mark.mirror
VALUE = "Net Number of Migrants"


@pytest.fixture(scope="module")
def raw(mirror):
    def read(name: str) -> pd.DataFrame:
        frame = pd.read_csv(mirror / "wpp2024_net_migration" / name, index_col=0, keep_default_na=False, na_values=[""])
        return frame.assign(Year=frame["Year"].astype(int))

    return {"wpp": read("UN_WPP_2024_net_migration.csv"), "national": read("Net_migration_data.csv")}


def scalar(con, sql: str, *params):
    return con.execute(sql, list(params)).fetchall()[0][0]


def test_rows(release, raw):
    report, con = release
    assert report.datasets[SOURCE] == len(raw["wpp"]) + len(raw["national"])
    assert (
        scalar(con, "SELECT count(*) FROM observation WHERE measure_id = 'net_migration_wpp'")
        == len(raw["wpp"])
        == 17_775
    )
    assert (
        scalar(con, "SELECT count(DISTINCT area) FROM observation WHERE measure_id = 'net_migration_national'")
        == raw["national"]["Country ISO"].nunique()
    )


def test_germany_2022(release, raw):
    _, con = release
    for measure, key in (("net_migration_wpp", "wpp"), ("net_migration_national", "national")):
        frame = raw[key]
        expected = frame[(frame["Country ISO"] == "DEU") & (frame["Year"] == 2022)][VALUE].item()
        assert (
            scalar(con, "SELECT value FROM observation WHERE measure_id = ? AND area = 'DEU' AND year = 2022", measure)
            == expected
        )
    assert raw["wpp"].query("`Country ISO` == 'DEU' and Year == 2022")[VALUE].item() == 982_000


def test_world_sum_is_zero_within_rounding(release, raw):
    _, con = release
    by_year = raw["wpp"].groupby("Year")[VALUE].agg(["sum", "count"])
    assert (by_year["sum"].abs() <= 500 * by_year["count"]).all()
    stored = dict(
        con.execute(
            "SELECT year, sum(value) FROM observation WHERE measure_id = 'net_migration_wpp' GROUP BY year"
        ).fetchall()
    )
    assert stored == by_year["sum"].to_dict()
    severities = [
        row[0]
        for row in con.execute(
            "SELECT severity FROM check_result WHERE dataset_id = ? AND check_name = 'world_sum'", [SOURCE]
        ).fetchall()
    ]
    assert severities == ["info"]


def test_projection_year_is_modelled(release, raw):
    _, con = release
    statuses = dict(
        con.execute(
            "SELECT status, count(*) FROM observation WHERE measure_id = 'net_migration_wpp' GROUP BY status"
        ).fetchall()
    )
    assert statuses == {
        "estimated": int((raw["wpp"]["Year"] <= 2023).sum()),
        "modelled": int((raw["wpp"]["Year"] > 2023).sum()),
    }


def test_national_values_equal_to_wpp_are_marked(release, raw):
    _, con = release
    joined = raw["national"].merge(raw["wpp"], on=["Year", "Country ISO"], suffixes=("", "_wpp"))
    same = joined[joined[VALUE] == joined[f"{VALUE}_wpp"]]
    assert (
        scalar(
            con,
            "SELECT count(*) FROM observation WHERE measure_id = 'net_migration_national' AND status = 'estimated' "
            "AND note LIKE 'equals the WPP 2024 value%'",
        )
        == len(same)
        > 0
    )
    assert scalar(
        con, "SELECT count(*) FROM observation WHERE measure_id = 'net_migration_national' AND status = 'reported'"
    ) == (len(raw["national"]) - len(same))
