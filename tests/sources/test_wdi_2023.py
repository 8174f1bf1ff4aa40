"""WDI late-2024 vintage (gdidata) from the mirror: every variable loaded, values recomputed from the raw CSV."""

from __future__ import annotations

import pandas as pd
import pytest

SOURCE = "wdi_2023"
pytestmark = pytest.mark.mirror
# The measure each gdidata variable is (R/wdi.R); all but `income` continue measures of the earlier WDI extracts.
VARIABLES = {
    "remin": "remittances_received",
    "remout": "remittances_paid",
    "gdp": "gdp_current_usd",
    "income": "gdp_per_capita_ppp_2021",
    "pop": "population_total",
    "nmig": "net_migration_wdi",
    "birth": "crude_birth_rate",
    "depend": "dependency_ratio",
    "fdiin": "fdi_inflow",
    "fdiout": "fdi_outflow",
    "inf": "inflation",
    "unem": "unemployment_rate",
    "polstb": "political_stability",
}


@pytest.fixture(scope="module")
def raw(mirror) -> pd.DataFrame:
    """The mirror CSV as published."""
    return pd.read_csv(mirror / "iom_gdidata_wdi_2023" / "wdi.csv", keep_default_na=False, na_values=[""])


def scalar(con, sql: str, *params):
    return con.execute(sql, list(params)).fetchall()[0][0]


def aggregate(con, expression: str, where: str, *params):
    """One aggregate over this source's observations."""
    return scalar(con, f"SELECT {expression} FROM observation WHERE dataset_id = '{SOURCE}' AND {where}", *params)


def loaded(con, measure: str, area: str, year: int) -> float:
    sql = "SELECT value FROM observation WHERE dataset_id = ? AND measure_id = ? AND area = ? AND year = ?"
    return scalar(con, sql, SOURCE, measure, area, year)


def published(raw: pd.DataFrame, variable: str, geo: str, year: int) -> float:
    cell = raw[(raw["var"] == variable) & (raw.geo == geo) & (raw.t == year)]
    assert len(cell) == 1
    return cell.v.iloc[0]


def test_every_row_and_variable_is_loaded(release, raw):
    report, con = release
    assert report.datasets[SOURCE] == len(raw) == 92_435
    assert set(raw["var"]) == set(VARIABLES)
    sql = "SELECT measure_id, count(*) FROM observation WHERE dataset_id = ? GROUP BY ALL"
    counts = dict(con.execute(sql, [SOURCE]).fetchall())
    assert counts == {VARIABLES[variable]: n for variable, n in raw["var"].value_counts().items()}
    assert not [f for f in report.findings if f.dataset_id == SOURCE and f.severity == "error"]


@pytest.mark.parametrize(
    ("variable", "measure", "geo", "approx"),
    [
        ("remin", "remittances_received", "IND", 119.5e9),
        ("remin", "remittances_received", "MEX", 66.2e9),
        ("remout", "remittances_paid", "USA", 93.0e9),
    ],
)
def test_remittances_2023(release, raw, variable, measure, geo, approx):
    _, con = release
    expected = published(raw, variable, geo, 2023)
    assert expected == pytest.approx(approx, abs=0.05e9)
    assert loaded(con, measure, geo, 2023) == expected


def test_remittances_share_of_gdp_from_one_vintage(release, raw):
    _, con = release
    expected = published(raw, "remin", "MEX", 2023) / published(raw, "gdp", "MEX", 2023)
    share = scalar(
        con,
        "SELECT r.value / g.value FROM observation r JOIN observation g ON g.area = r.area "
        "AND g.year = r.year AND g.dataset_id = r.dataset_id AND g.measure_id = 'gdp_current_usd' "
        "WHERE r.dataset_id = ? AND r.measure_id = 'remittances_received' AND r.area = 'MEX' "
        "AND r.year = 2023",
        SOURCE,
    )
    assert share == pytest.approx(expected, rel=1e-12)
    assert 0.03 < share < 0.04  # Mexico: remittances about 3.7% of GDP in 2023


def test_world_population_2023(release, raw):
    _, con = release
    expected = raw.loc[(raw["var"] == "pop") & (raw.t == 2023), "v"].sum()
    assert expected == pytest.approx(8.092e9, abs=0.0005e9)
    total = aggregate(con, "sum(value)", "measure_id = 'population_total' AND year = 2023")
    assert total == pytest.approx(expected, rel=1e-12)


def test_income_is_the_2021_ppp_series(release, raw):
    _, con = release
    assert loaded(con, "gdp_per_capita_ppp_2021", "DEU", 2020) == published(raw, "income", "DEU", 2020)
    assert scalar(con, "SELECT count(*) FROM observation WHERE measure_id = 'gdp_per_capita_ppp'") == 0
    units = dict(con.execute("SELECT id, unit FROM measure WHERE dataset_id = ?", [SOURCE]).fetchall())
    assert "2021" in units["gdp_per_capita_ppp_2021"] and "per 100" in units["dependency_ratio"]


def test_dependency_ratio_is_per_100(release, raw):
    _, con = release
    value = loaded(con, "dependency_ratio", "DEU", 2020)
    assert value == published(raw, "depend", "DEU", 2020) and 40 < value < 70


def test_zero_remittances_are_kept(release, raw):
    _, con = release
    zeros = ((raw["var"] == "remin") & (raw.v == 0)).sum()
    assert zeros > 0
    assert aggregate(con, "count(*)", "measure_id = 'remittances_received' AND value = 0") == zeros


@pytest.mark.parametrize("code", ["CHI", "XKX", "ANT", "GGY", "JEY"])
def test_non_iso_and_former_areas_resolve_to_themselves(release, raw, code):
    _, con = release
    resolved = "SELECT DISTINCT code FROM area_resolution WHERE dataset_id = ? AND raw_value = ?"
    assert scalar(con, resolved, SOURCE, code) == code
    assert aggregate(con, "count(*)", "area = ?", code) == (raw.geo == code).sum() > 0
