"""OECD inflows of foreign population from the mirror: values recomputed from the raw SDMX-CSV export."""

from __future__ import annotations

import pandas as pd
import pytest

SOURCE = "oecd_imd_inflows"
pytestmark = pytest.mark.mirror


@pytest.fixture(scope="module")
def raw(mirror) -> pd.DataFrame:
    return pd.read_csv(
        mirror / "oecd_imd_inflows_2012_2022" / "International-migration-database.csv",
        keep_default_na=False,
        na_values=[""],
    )


def scalar(con, sql: str, *params):
    return con.execute(sql, list(params)).fetchall()[0][0]


def test_one_row_per_line_and_no_united_kingdom(release, raw):
    report, con = release
    assert report.datasets[SOURCE] == len(raw) == 393
    assert "GBR" not in set(raw["REF_AREA"])
    assert scalar(con, "SELECT count(*) FROM observation WHERE dataset_id = ? AND area = 'GBR'", SOURCE) == 0


@pytest.mark.parametrize(("country", "published"), [("DEU", 2_481_019), ("USA", 1_018_004), ("ESP", 1_120_474)])
def test_2022_inflows(release, raw, country, published):
    _, con = release
    expected = raw[(raw["REF_AREA"] == country) & (raw["TIME_PERIOD"] == 2022)]["OBS_VALUE"].item()
    assert expected == published
    assert (
        scalar(
            con,
            "SELECT value FROM observation WHERE measure_id = 'inflows_foreign_population_oecd' "
            "AND area = ? AND year = 2022",
            country,
        )
        == expected
    )


def test_absent_country_years_are_counted(release, raw):
    _, con = release
    absent = raw["REF_AREA"].nunique() * raw["TIME_PERIOD"].nunique() - len(raw)
    counts = [
        row[0]
        for row in con.execute(
            "SELECT count FROM check_result WHERE dataset_id = ? AND check_name = 'absent_country_years'", [SOURCE]
        ).fetchall()
    ]
    assert counts == [absent] and absent > 0
