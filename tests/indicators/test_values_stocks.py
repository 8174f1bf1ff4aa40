"""Migrant-stock indicators recomputed from UN DESA's raw files (IMS 2024 bilateral CSV, IMS 2020 workbook)."""

from __future__ import annotations

import pandas as pd
import pytest

pytestmark = pytest.mark.mirror

IMS_2024 = "undesa_ims_2024_bilateral/undesa_stocks.csv"
IMS_2020_WORKBOOK = "undesa_ims_2020_totals/undesa_pd_2020_ims_stock_by_sex_and_destination.xlsx"
COUNTRY_NAMES = "iom_gdi_gdiviz/countrynames.csv"
# The IMS 2024 file's own codes for UN DESA's "Other" origin and the Channel Islands (source.yml note).
IMS_ALIASES = {"OOO": "XXX", "XCX": "CHI"}
OTHER_ORIGIN = "OOO"


@pytest.fixture(scope="module")
def stock(raw_csv) -> pd.DataFrame:
    """IMS 2024 corridor rows: dest, orig, year, sex (female or male), n persons; no both-sexes row in the file."""
    return raw_csv(IMS_2024).rename(columns={"geo": "dest", "from": "orig", "t": "year"})


@pytest.fixture(scope="module")
def population_2020(mirror, raw_csv) -> pd.DataFrame:
    """Table 2 of the IMS 2020 workbook as area (ISO3), year, sex, persons; the blocks found by their headings."""
    sheet = pd.read_excel(mirror / IMS_2020_WORKBOOK, sheet_name="Table 2", header=None)
    headings = sheet.iloc[7].tolist()
    header = sheet.iloc[10].tolist()
    assert header[3] == "Location code"
    words = {"total": "both sexes", "male": ", males ", "female": ", females "}
    starts = {
        sex: next(i for i, text in enumerate(headings) if isinstance(text, str) and part in text)
        for sex, part in words.items()
    }
    body = sheet.iloc[11:]
    frames = []
    for sex, start in starts.items():
        for column in range(start, start + 7):
            frames.append(
                pd.DataFrame(
                    {
                        "m49": pd.to_numeric(body[3]),
                        "year": int(header[column]),
                        "sex": sex,
                        "value": pd.to_numeric(body[column], errors="coerce") * 1000,
                    }
                )
            )
    long = pd.concat(frames).dropna(subset=["value", "m49"])
    names = raw_csv(COUNTRY_NAMES)[["m49", "iso3"]].dropna()
    return long.merge(names.assign(m49=names.m49.astype(int)), on="m49")[["iso3", "year", "sex", "value"]]


def population(population_2020, area: str, year: int, sex: str = "total") -> float:
    table = population_2020
    rows = table[(table.iso3 == area) & (table.year == year) & (table.sex == sex)]
    assert len(rows) == 1, (area, year, sex)
    return rows.value.iloc[0]


@pytest.mark.independent_group("migrant_stock", "migrant_stock_female_share")
def test_migrant_stock_and_female_share_of_a_region(one, in_group, stock):
    """A UN sub-region's migrants are its members' destination totals added; its female share their pooled ratio."""
    region = in_group(stock[stock.year == 2024], "dest", "UNS_WESTERN_EUROPE", IMS_ALIASES)
    total = one("migrant_stock", area="UNS_WESTERN_EUROPE", year=2024, sex="total")
    assert total["value"] == region.n.sum()
    assert total["note"].startswith(f"{region.dest.nunique()} member areas with data")
    female = region[region.sex == "female"].n.sum()
    assert one("migrant_stock", area="UNS_WESTERN_EUROPE", year=2024, sex="female")["value"] == female
    share = one("migrant_stock_female_share", area="UNS_WESTERN_EUROPE", year=2024)
    assert share["value"] == pytest.approx(100 * female / region.n.sum(), rel=1e-12)


@pytest.mark.independent("migrant_share_of_population")
def test_migrant_share_of_population_for_a_country(one, stock, population_2020):
    """Migrants (IMS 2024, the default series) over UN DESA's IMS 2020 population of the same year and sex."""
    germany = stock[(stock.dest == "DEU") & (stock.year == 2020)]
    row = one("migrant_share_of_population", area="DEU", year=2020, sex="total")
    assert row["value"] == pytest.approx(100 * germany.n.sum() / population(population_2020, "DEU", 2020), rel=1e-12)
    assert set(row["sources"]) == {"undesa_ims_2024_bilateral", "undesa_ims_2020_totals"}
    women = germany[germany.sex == "female"].n.sum()
    female = one("migrant_share_of_population", area="DEU", year=2020, sex="female")
    assert female["value"] == pytest.approx(100 * women / population(population_2020, "DEU", 2020, "female"), rel=1e-12)


@pytest.mark.independent_group("migrant_share_of_population")
def test_migrant_share_of_population_for_a_region(one, in_group, stock, population_2020):
    region = in_group(stock[stock.year == 2020], "dest", "UNS_WESTERN_EUROPE", IMS_ALIASES)
    migrants = region.groupby("dest").n.sum()
    people = population_2020[(population_2020.year == 2020) & (population_2020.sex == "total")].set_index("iso3").value
    both = migrants.index.intersection(people.index)
    assert len(both) >= 8  # every member but perhaps the smallest has both
    row = one("migrant_share_of_population", area="UNS_WESTERN_EUROPE", year=2020, sex="total")
    assert row["value"] == pytest.approx(100 * migrants[both].sum() / people[both].sum(), rel=1e-12)


@pytest.mark.independent_group("emigrant_stock")
def test_emigrant_stock_of_a_region(one, in_group, stock):
    """Emigrants of Central America: every member's emigrants, including those living in another member."""
    region = in_group(stock[stock.year == 2024], "orig", "UNI_CENTRAL_AMERICA", IMS_ALIASES)
    assert one("emigrant_stock", area="UNI_CENTRAL_AMERICA", year=2024, sex="total")["value"] == region.n.sum()
    men = region[region.sex == "male"].n.sum()
    assert one("emigrant_stock", area="UNI_CENTRAL_AMERICA", year=2024, sex="male")["value"] == men


@pytest.mark.independent("emigrant_share")
@pytest.mark.independent_group("emigrant_share")
def test_emigrant_share_for_a_country_and_a_region(one, in_group, stock, population_2020):
    """Emigrants over (residents + emigrants), the population from the IMS 2020 workbook, both sexes."""
    emigrants = stock[(stock.orig == "MEX") & (stock.year == 2020)].n.sum()
    residents = population(population_2020, "MEX", 2020)
    row = one("emigrant_share", area="MEX", year=2020)
    assert row["value"] == pytest.approx(100 * emigrants / (residents + emigrants), rel=1e-12)
    region = in_group(stock[stock.year == 2020], "orig", "UNI_CENTRAL_AMERICA", IMS_ALIASES).groupby("orig").n.sum()
    people = population_2020[(population_2020.year == 2020) & (population_2020.sex == "total")].set_index("iso3").value
    both = region.index.intersection(people.index)
    assert len(both) == 8
    group = one("emigrant_share", area="UNI_CENTRAL_AMERICA", year=2020)
    expected = 100 * region[both].sum() / (people[both].sum() + region[both].sum())
    assert group["value"] == pytest.approx(expected, rel=1e-12)


@pytest.mark.independent("corridor_share_of_destination_immigrants", "corridor_stock")
def test_corridor_share_of_the_destination_immigrants(one, stock):
    """Mexicans among all migrants in the United States, those of other or unknown origin included in the total."""
    usa = stock[(stock.dest == "USA") & (stock.year == 2024)]
    assert (usa.orig == OTHER_ORIGIN).any()  # the residual origin is there and must count in the denominator
    mexicans = usa[usa.orig == "MEX"]
    row = one("corridor_share_of_destination_immigrants", origin="MEX", destination="USA", year=2024)
    assert row["value"] == pytest.approx(100 * mexicans.n.sum() / usa.n.sum(), rel=1e-12)
    women = one("corridor_stock", origin="MEX", destination="USA", year=2024, sex="female")
    assert women["value"] == mexicans[mexicans.sex == "female"].n.sum()


def test_the_other_origin_is_no_corridor(con, stock):
    """UN DESA's residual origin gives no corridor value, though it counts in destination totals."""
    assert (stock.orig == OTHER_ORIGIN).any()
    count = con.execute(
        "SELECT count(*) FROM indicator_value WHERE indicator = 'corridor_stock' AND origin = 'XXX'"
    ).fetchall()
    assert count == [(0,)]
