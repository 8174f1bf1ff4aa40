"""Border, return and fragility indicators recomputed from the raw gdidata irregular-migration and FSI files."""

from __future__ import annotations

import pandas as pd
import pytest

pytestmark = pytest.mark.mirror

IRREGULAR = "iom_gdidata_irregular_migration"


@pytest.fixture(scope="module")
def series(raw_csv):
    """One gdidata table of the irregular-migration folder, with the calendar year and the month ('YYYY-MM')."""

    def read(name: str) -> pd.DataFrame:
        table = raw_csv(f"{IRREGULAR}/{name}")
        dates = pd.to_datetime(table.t)
        return table.assign(year=dates.dt.year, month=dates.dt.strftime("%Y-%m"))

    return read


def yearly(one, indicator: str, area: str, year: int, category: str) -> dict:
    return one(indicator, area=area, year=year, period="", category=category)


@pytest.mark.independent("irregular_border_crossings")
def test_each_series_of_crossings_stays_apart(one, series):
    """Every publisher's series for one nationality and year, from its own file, never added to another."""
    cases = {
        "US CBP: southwest border encounters": ("irreg_usa.csv", "VEN"),
        "Mexico: foreigners in an irregular situation (INM)": ("irreg_mexico_nat.csv", "HND"),
        "Darién (Panama): irregular transits": ("irreg_darien_nat.csv", "VEN"),
        "Honduras: irregular arrivals": ("irreg_honduras_nat.csv", "CUB"),
    }
    for category, (name, nationality) in cases.items():
        rows = series(name)
        chosen = rows[(rows.nat == nationality) & (rows.year == 2023)]
        row = yearly(one, "irregular_border_crossings", nationality, 2023, category)
        assert row["value"] == chosen.n.sum() > 0, category
        assert row["note"] == f"sum of {chosen.month.nunique()} month(s) with a record", category
    frontex = series("frontex.csv")
    route = frontex[(frontex.nat == "TUN") & (frontex.year == 2023) & (frontex.route == "Central Mediterranean Route")]
    row = yearly(one, "irregular_border_crossings", "TUN", 2023, "Frontex: Central Mediterranean Route")
    assert row["value"] == route.n.sum() > 0  # land and sea detections of the route added
    may = route[route.month == "2023-05"].n.sum()
    month = one(
        "irregular_border_crossings",
        area="TUN",
        year=2023,
        period="2023-05",
        category="Frontex: Central Mediterranean Route",
    )
    assert month["value"] == may


def test_darien_before_2020_is_published_per_year(one, series):
    transits = series("irreg_darien_nat.csv")
    cubans = transits[(transits.nat == "CUB") & (transits.year == 2015)]
    assert len(cubans) == 1
    row = yearly(one, "irregular_border_crossings", "CUB", 2015, "Darién (Panama): irregular transits")
    assert row["value"] == cubans.n.iloc[0] and row["note"] == "published per year"


@pytest.mark.independent("returns_recorded")
def test_returns_from_mexico_and_to_guatemala_side_by_side(one, series):
    """Mexico's returns of Guatemalans by type; Guatemala's records by the country returned from, blank kept apart."""
    mexico = series("irreg_mexico_exp.csv")
    guatemalans = mexico[(mexico.nat == "GTM") & (mexico.year == 2023)]
    assert yearly(one, "returns_recorded", "GTM", 2023, "Mexico: all returns")["value"] == guatemalans.n.sum() > 0
    deported = guatemalans[guatemalans.type == "deportation"].n.sum()
    assert yearly(one, "returns_recorded", "GTM", 2023, "Mexico: deportations")["value"] == deported
    guatemala = series("irreg_guatemala.csv")
    year = guatemala[guatemala.year == 2023]
    from_mexico = year[year.origin == "MEX"].n.sum()
    assert yearly(one, "returns_recorded", "GTM", 2023, "Guatemala: returned from Mexico")["value"] == from_mexico > 0
    assert yearly(one, "returns_recorded", "GTM", 2023, "Guatemala: all returns")["value"] == year.n.sum()
    blank = guatemala[(guatemala.year == 2024) & guatemala.origin.isna()].n.sum()
    row = yearly(one, "returns_recorded", "GTM", 2024, "Guatemala: returned from a country not stated")
    assert row["value"] == blank > 0


@pytest.mark.independent("fragility_index", "brain_drain_index")
def test_fragile_states_index_total_and_human_flight(one, raw_csv):
    fsi = raw_csv("iom_gdidata_fsi/fsi.csv")
    syria = fsi[(fsi.geo == "SYR") & (fsi.t == 2023)]
    assert syria.total.nunique() == 1
    assert one("fragility_index", area="SYR", year=2023)["value"] == syria.total.iloc[0]
    assert one("brain_drain_index", area="SYR", year=2023)["value"] == syria[syria.code == "E3"].v.iloc[0]
