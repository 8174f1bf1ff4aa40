"""Irregular-migration series from the mirror: every file loaded, values recomputed from the raw tables, rules kept."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

SOURCE = "irregular_migration"
FOLDER = "iom_gdidata_irregular_migration"
pytestmark = pytest.mark.mirror


@pytest.fixture(scope="module")
def raw(mirror):
    """A reader of the mirror's CSV tables as published (blank = missing, 'NA' kept as text)."""

    def read(name: str) -> pd.DataFrame:
        return pd.read_csv(mirror / FOLDER / f"{name}.csv", keep_default_na=False, na_values=[""])

    return read


def scalar(con, sql: str, *params):
    return con.execute(sql, list(params)).fetchall()[0][0]


def total(con, measure: str, where: str = "TRUE", *params) -> float:
    """Sum of one measure's values where the condition holds."""
    return scalar(con, f"SELECT sum(value) FROM observation WHERE measure_id = ? AND {where}", measure, *params)


def grouped(con, column: str, measure: str, where: str = "TRUE", *params) -> dict:
    """Sum of one measure's values by the given column."""
    sql = f"SELECT {column}, sum(value) FROM observation WHERE measure_id = ? AND {where} GROUP BY {column}"
    return dict(con.execute(sql, [measure, *params]).fetchall())


def findings(report, check: str) -> list[int]:
    return [f.count for f in report.findings if f.dataset_id == SOURCE and f.check_name == check]


def test_every_file_is_loaded_and_row_counts_reconcile(release, raw):
    report, con = release
    frontex, usa, australia = raw("frontex"), raw("irreg_usa"), raw("irreg_australia")
    with_nationality = usa.dropna(subset=["nat"])
    expected = {
        # land and sea detections of one route, nationality and month become one row
        "frontex_illegal_border_crossings": len(frontex.drop_duplicates(["route", "nat", "t"])),
        # sectors and demographic groups are added; rows without nationality (FY2018–FY2019) are not in this measure
        "us_southwest_border_encounters": len(with_nationality.drop_duplicates(["nat", "component", "type", "t"])),
        "us_southwest_border_encounters_all_nationalities": len(usa.drop_duplicates(["demog", "t"])),
        # two publisher rows coded to one nationality in a month are added
        "mexico_irregular_foreigners": len(raw("irreg_mexico_nat").drop_duplicates(["t", "nat"])),
        "mexico_irregular_foreigners_all_nationalities": len(raw("irreg_mexico_dmg")),
        "mexico_expulsions": len(raw("irreg_mexico_exp")),
        "darien_transits": len(raw("irreg_darien_nat")),
        "darien_transits_all_nationalities": len(raw("irreg_darien_dmg")),
        "honduras_irregular_arrivals": len(raw("irreg_honduras_nat").drop_duplicates(["t", "nat"])),
        "honduras_irregular_arrivals_all_nationalities": len(raw("irreg_honduras")) + len(raw("irreg_honduras_dmg")),
        "guatemala_returns": len(raw("irreg_guatemala")),
        "australia_boat_arrivals": len(australia),
        "australia_boat_arrivals_boats": int(australia["boats"].notna().sum()),
    }
    stored = dict(con.execute("SELECT measure_id, count(*) FROM observation GROUP BY measure_id").fetchall())
    assert stored == expected
    assert report.datasets[SOURCE] == sum(expected.values())
    assert scalar(con, "SELECT count(*) FROM dataset_file WHERE dataset_id = ?", SOURCE) == 12


def test_no_count_is_lost_when_rows_are_combined(release, raw):
    _, con = release
    assert total(con, "frontex_illegal_border_crossings") == raw("frontex")["n"].sum()
    assert total(con, "us_southwest_border_encounters_all_nationalities") == raw("irreg_usa")["n"].sum()
    assert total(con, "mexico_irregular_foreigners") == raw("irreg_mexico_nat")["n"].sum()
    assert total(con, "honduras_irregular_arrivals") == raw("irreg_honduras_nat")["n"].sum()
    assert total(con, "guatemala_returns") == raw("irreg_guatemala")["n"].sum()


def test_frontex_2015_total(release, raw):
    _, con = release
    frontex = raw("frontex")
    year = frontex[frontex["t"].str.startswith("2015")]
    assert year["n"].sum() == 1_822_102  # Frontex's published total for 2015
    assert total(con, "frontex_illegal_border_crossings", "year = 2015") == year["n"].sum()
    by_route = grouped(con, "category", "frontex_illegal_border_crossings", "year = 2015")
    assert by_route == year.groupby("route")["n"].sum().to_dict()


def test_frontex_land_and_sea_are_added_into_the_route(release, raw):
    report, con = release
    frontex = raw("frontex")
    both = frontex[frontex.duplicated(["route", "nat", "t"], keep=False)]
    assert findings(report, "land_and_sea_added") == [len(both) - len(both.drop_duplicates(["route", "nat", "t"]))]
    route, nat, month = both.iloc[0][["route", "nat", "t"]]
    expected = both[(both["route"] == route) & (both["nat"] == nat) & (both["t"] == month)]["n"].sum()
    where = "area = ? AND category = ? AND period = ?"
    assert total(con, "frontex_illegal_border_crossings", where, nat, route, month[:7]) == expected


def test_unknown_nationality_code_resolves_to_the_reference_unknown(release, raw):
    _, con = release
    sql = "SELECT DISTINCT code FROM area_resolution WHERE dataset_id = ? AND raw_value = 'OOO'"
    assert con.execute(sql, [SOURCE]).fetchall() == [("UNK",)]
    frontex = raw("frontex")
    other = frontex.loc[frontex["nat"] == "OOO", "n"].sum()
    assert total(con, "frontex_illegal_border_crossings", "area = 'UNK'") == other


def test_us_encounters_one_month_by_nationality(release, raw):
    _, con = release
    usa = raw("irreg_usa")
    month = usa[usa["t"] == "2023-05-01"]
    expected = month.groupby(month["nat"].replace({"OOO": "UNK"}))["n"].sum().to_dict()
    assert grouped(con, "area", "us_southwest_border_encounters", "year = 2023 AND period = '2023-05'") == expected


def test_us_categories_partition_the_monthly_total(release, raw):
    """Nationality × encounter type and demographic group are two partitions of the same monthly total (FY2020 on)."""
    report, con = release
    by_nationality = grouped(con, "period", "us_southwest_border_encounters")
    by_group = grouped(con, "period", "us_southwest_border_encounters_all_nationalities")
    assert min(by_nationality) == "2019-10" and min(by_group) == "2017-10" and max(by_group) == "2025-05"
    assert all(by_nationality[period] == pytest.approx(by_group[period]) for period in by_nationality)
    usa = raw("irreg_usa")
    assert len(by_group) - len(by_nationality) == usa.loc[usa["nat"].isna(), "t"].nunique() == 24
    assert findings(report, "no_nationality_before_fy2020") == [int(usa["nat"].isna().sum())]


def test_darien_2023_total_and_yearly_then_monthly_periods(release, raw):
    _, con = release
    darien = raw("irreg_darien_nat")
    year = darien[darien["t"].str.startswith("2023")]
    assert year["n"].sum() == 520_085  # Panama's published Darién total for 2023
    assert total(con, "darien_transits", "year = 2023") == year["n"].sum()
    periods = con.execute(
        "SELECT year, min(period), max(period), count(DISTINCT period) FROM observation "
        "WHERE measure_id = 'darien_transits' GROUP BY year ORDER BY year"
    ).fetchall()
    for year, first, last, count in periods:
        if year <= 2019:
            assert (first, last, count) == ("", "", 1)
        else:
            assert first.startswith(f"{year}-") and last.startswith(f"{year}-")
    assert total(con, "darien_transits", "year = 2015") == darien.loc[darien["t"] == "2015-01-01", "n"].sum()


def test_darien_demography_adds_up_to_the_nationality_total(release):
    _, con = release
    by_nationality = grouped(con, "period", "darien_transits", "year >= 2021")
    by_sex_age = grouped(con, "period", "darien_transits_all_nationalities")
    assert by_sex_age == by_nationality
    sql = (
        "SELECT year, list(DISTINCT age ORDER BY age) FROM observation "
        "WHERE measure_id = 'darien_transits_all_nationalities' GROUP BY year"
    )
    ages = dict(con.execute(sql).fetchall())
    assert ages[2021] == ages[2022] == ["total"] and ages[2023] == ["0-17", "18+"]


def test_honduras_total_equals_its_breakdowns(release, raw):
    _, con = release
    measure = "honduras_irregular_arrivals_all_nationalities"
    honduras = raw("irreg_honduras")
    totals = grouped(con, "period", measure, "sex = 'total' AND age = 'total'")
    assert totals == {t[:7]: n for t, n in zip(honduras["t"], honduras["n"], strict=True)}
    by_sex_age = grouped(con, "period", measure, "sex <> 'total'")
    by_nationality = grouped(con, "period", "honduras_irregular_arrivals")
    assert min(by_sex_age) == "2018-01" and all(by_sex_age[p] == totals[p] for p in by_sex_age)
    assert by_nationality and all(by_nationality[p] == totals[p] for p in by_nationality)


def test_nationality_rows_coded_alike_are_added(release, raw):
    report, con = release
    mexico = raw("irreg_mexico_nat")
    twice = mexico[mexico.duplicated(["t", "nat"], keep=False)]
    assert findings(report, "nationality_rows_summed") == [51, 35]
    t, nat = twice.iloc[0][["t", "nat"]]
    expected = twice[(twice["t"] == t) & (twice["nat"] == nat)]["n"].sum()
    assert total(con, "mexico_irregular_foreigners", "area = ? AND period = ?", nat, t[:7]) == expected


def test_mexico_expulsions_one_year_by_type(release, raw):
    _, con = release
    returns = raw("irreg_mexico_exp")
    year = returns[returns["t"].str.startswith("2019")]
    stored = grouped(con, "category", "mexico_expulsions", "year = 2019")
    assert stored == year.groupby("type")["n"].sum().to_dict()
    assert sum(stored.values()) == 149_812  # SEGOB: foreigners returned by Mexico in 2019


def test_mexico_sex_age_groups(release, raw):
    _, con = release
    measure = "mexico_irregular_foreigners_all_nationalities"
    demography = raw("irreg_mexico_dmg")
    under12 = demography[demography["age"].str.startswith("under 12")]
    assert grouped(con, "category", measure, "age = '0-11'") == {
        "accompanied": under12.loc[under12["age"].str.endswith(", accompanied"), "n"].sum(),
        "unaccompanied": under12.loc[under12["age"].str.endswith("unaccompanied"), "n"].sum(),
    }
    assert set(grouped(con, "category", measure, "age <> '0-11'")) == {""}


def test_guatemala_returns_corridor_and_blank_country(release, raw):
    report, con = release
    guatemala = raw("irreg_guatemala")
    blank = guatemala[guatemala["origin"].isna()]
    assert findings(report, "country_returned_from_blank") == [len(blank)]
    assert total(con, "guatemala_returns", "origin = 'GTM' AND destination = 'UNK'") == blank["n"].sum()
    from_usa_2021 = guatemala[(guatemala["origin"] == "USA") & guatemala["t"].str.startswith("2021")]["n"].sum()
    assert total(con, "guatemala_returns", "destination = 'USA' AND year = 2021") == from_usa_2021
    children = guatemala[guatemala["age"].str.endswith("child")]["n"].sum()
    assert total(con, "guatemala_returns", "age = '0-17'") == children


def test_australia_one_year(release, raw):
    report, con = release
    australia = raw("irreg_australia").set_index("t")
    assert total(con, "australia_boat_arrivals", "year = 2013 AND area = 'AUS'") == australia.loc[2013, "n"] == 20_587
    assert total(con, "australia_boat_arrivals_boats", "year = 2013") == australia.loc[2013, "boats"]
    assert scalar(con, "SELECT min(year) FROM observation WHERE measure_id = 'australia_boat_arrivals_boats'") == 1989
    assert findings(report, "boats_not_published") == [int(australia["boats"].isna().sum())]


def test_months_are_calendar_months_and_2025_is_declared_partial(release):
    _, con = release
    malformed = (
        "SELECT count(*) FROM observation WHERE dataset_id = ? AND period <> '' AND "
        "(NOT regexp_matches(period, '^\\d{4}-\\d{2}$') OR CAST(left(period, 4) AS INTEGER) <> year)"
    )
    assert scalar(con, malformed, SOURCE) == 0
    partial = con.execute("SELECT year, period, until FROM partial_period WHERE dataset_id = ?", [SOURCE]).fetchall()
    assert partial == [(2025, "", date(2025, 4, 30))]
    sql = "SELECT measure_id, max(period) FROM observation WHERE dataset_id = ? AND period <> '' GROUP BY ALL"
    last = dict(con.execute(sql, [SOURCE]).fetchall())
    assert last.pop("us_southwest_border_encounters") == "2025-05"
    assert last.pop("us_southwest_border_encounters_all_nationalities") == "2025-05"
    assert set(last.values()) == {"2025-04"}


def indicator(con, name: str, where: str = "TRUE", *params) -> dict:
    """Indicator values by category (summed over areas) where the condition holds."""
    sql = f"SELECT category, sum(value) FROM indicator_value WHERE indicator = ? AND {where} GROUP BY category"
    return dict(con.execute(sql, [name, *params]).fetchall())


def test_irregular_border_crossings_keeps_series_side_by_side(release, raw):
    _, con = release
    frontex, darien = raw("frontex"), raw("irreg_darien_nat")
    routes = {f"Frontex: {route}" for route in frontex["route"].unique()}
    others = {
        "Frontex: all routes",
        "US CBP: southwest border encounters",
        "Darién (Panama): irregular transits",
        "Mexico: foreigners in an irregular situation (INM)",
        "Honduras: irregular arrivals",
    }
    assert set(indicator(con, "irregular_border_crossings")) == routes | others  # no category adds two series
    yearly = indicator(con, "irregular_border_crossings", "year = 2015 AND period = ''")
    assert yearly["Frontex: all routes"] == frontex.loc[frontex["t"].str.startswith("2015"), "n"].sum()
    assert yearly["Darién (Panama): irregular transits"] == darien.loc[darien["t"] == "2015-01-01", "n"].sum()
    darien_2023 = indicator(con, "irregular_border_crossings", "year = 2023 AND period = ''")
    expected = darien.loc[darien["t"].str.startswith("2023"), "n"].sum()
    assert darien_2023["Darién (Panama): irregular transits"] == expected
    groups = (
        "SELECT count(*) FROM indicator_value WHERE indicator = ? "
        "AND area IN (SELECT code FROM area WHERE kind = 'group')"
    )
    assert scalar(con, groups, "irregular_border_crossings") == 0  # aggregate: none


def test_irregular_border_crossings_yearly_notes_and_partial_year(release):
    _, con = release
    sql = (
        "SELECT DISTINCT note FROM indicator_value WHERE indicator = 'irregular_border_crossings' AND year = ? "
        "AND period = '' AND category = ? AND area = ?"
    )
    first_year = con.execute(sql, [2019, "US CBP: southwest border encounters", "MEX"]).fetchall()
    assert first_year == [("sum of 3 month(s) with a record",)]  # nationality published from October 2019
    darien_yearly = con.execute(sql, [2012, "Darién (Panama): irregular transits", "CUB"]).fetchall()
    assert darien_yearly == [("published per year",)]
    flagged = (
        "SELECT DISTINCT period = '', partial_until FROM indicator_value WHERE indicator IN "
        "('irregular_border_crossings', 'returns_recorded') AND year = ? ORDER BY 1"
    )
    # The 2025 yearly sums cover January–April (May for the US) only; every published month is complete.
    assert con.execute(flagged, [2025]).fetchall() == [(False, None), (True, date(2025, 4, 30))]
    assert con.execute(flagged, [2024]).fetchall() == [(False, None), (True, None)]


def test_returns_recorded(release, raw):
    _, con = release
    guatemala = raw("irreg_guatemala")
    returns = indicator(con, "returns_recorded", "year = 2019 AND period = '' AND area = 'HND'")
    mexico = raw("irreg_mexico_exp")
    honduras_2019 = mexico[(mexico["nat"] == "HND") & mexico["t"].str.startswith("2019")]
    assert returns["Mexico: all returns"] == honduras_2019["n"].sum()
    assert returns["Mexico: deportations"] == honduras_2019.loc[honduras_2019["type"] == "deportation", "n"].sum()
    assert (
        sum(
            indicator(
                con, "returns_recorded", "year = 2019 AND period = '' AND category = 'Mexico: all returns'"
            ).values()
        )
        == 149_812
    )
    from_usa = guatemala[guatemala["origin"] == "USA"]["n"].sum()
    all_years = indicator(con, "returns_recorded", "area = 'GTM' AND period = ''")
    assert all_years["Guatemala: returned from the United States"] == from_usa
    assert all_years["Guatemala: all returns"] == guatemala["n"].sum()
