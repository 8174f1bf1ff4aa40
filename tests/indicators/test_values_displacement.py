"""Displacement and deaths recomputed from the raw UNHCR tables, IDMC (GRID 2025) and Missing Migrants 2025 files."""

from __future__ import annotations

import pandas as pd
import pytest

from observatory.indicators.query import ValueFilter, indicator_values

pytestmark = pytest.mark.mirror

WDI = "iom_gdidata_wdi_2023/wdi.csv"
# UNHCR's ISO3 columns use XXA for stateless people (source.yml note); the area reference calls them STL.
UNHCR_ALIASES = {"XXA": "STL"}
PERSONS = "P"  # UNHCR's app_pc / dec_pc code for figures counted in persons (C = cases, left out)


@pytest.fixture(scope="module")
def population(raw_csv) -> pd.DataFrame:
    """UNHCR's population table (one row per year, origin and asylum country; a column per population type)."""
    return raw_csv("unhcr_refugees/population.csv")


@pytest.fixture(scope="module")
def solutions(raw_csv) -> pd.DataFrame:
    return raw_csv("unhcr_refugees/solutions.csv")


@pytest.fixture(scope="module")
def inhabitants(raw_csv) -> pd.Series:
    """WDI December 2024 population by (area, year): the denominator population_total takes for 1950–2023."""
    wdi = raw_csv(WDI)
    return wdi[wdi["var"] == "pop"].set_index(["geo", "t"]).v


@pytest.fixture(scope="module")
def mmp(raw_csv) -> pd.DataFrame:
    """Missing Migrants extract of June 2025 with the incident year; every row counted once."""
    incidents = raw_csv("iom_gdidata_mmp_2025/iom_mmp.csv")
    return incidents.assign(year=pd.to_datetime(incidents.t).dt.year)


def by_area(rows: pd.DataFrame, column: str, value: str) -> pd.Series:
    """Sum of a value column per area over the rows that have a value (an empty cell gives no observation)."""
    return rows[rows[value].notna()].groupby(column)[value].sum()


@pytest.mark.independent_group("refugees_hosted", "asylum_seekers_hosted")
def test_refugees_and_asylum_seekers_hosted_by_a_region(one, in_group, population):
    hosts = in_group(population[population.year == 2024], "coa_iso", "UNS_WESTERN_EUROPE", UNHCR_ALIASES)
    assert one("refugees_hosted", area="UNS_WESTERN_EUROPE", year=2024)["value"] == hosts.refugees.sum()
    europe = in_group(population[population.year == 2024], "coa_iso", "UNHCR_EUROPE", UNHCR_ALIASES)
    assert one("asylum_seekers_hosted", area="UNHCR_EUROPE", year=2024)["value"] == europe.asylum_seekers.sum()


@pytest.mark.independent("asylum_seekers_hosted")
def test_asylum_seekers_hosted_by_a_country(one, population):
    germany = population[(population.coa_iso == "DEU") & (population.year == 2024)]
    assert one("asylum_seekers_hosted", area="DEU", year=2024)["value"] == germany.asylum_seekers.sum() > 0


@pytest.mark.independent_group("refugees_by_origin")
def test_refugees_by_origin_of_a_region_and_the_world(one, in_group, population):
    """The world's refugees by origin include the stateless and those of unknown origin (special areas)."""
    year = population[population.year == 2024]
    region = in_group(year, "coo_iso", "UNS_WESTERN_ASIA", UNHCR_ALIASES)
    assert one("refugees_by_origin", area="UNS_WESTERN_ASIA", year=2024)["value"] == region.refugees.sum()
    world = in_group(year, "coo_iso", "WLD", UNHCR_ALIASES)
    assert len(world) == len(year)  # every origin code, XXA and UNK included, is a member of the world
    assert one("refugees_by_origin", area="WLD", year=2024)["value"] == year.refugees.sum()


@pytest.mark.independent("stateless_persons")
@pytest.mark.independent_group("stateless_persons")
def test_stateless_persons_in_a_country_and_the_world(one, in_group, population):
    year = population[population.year == 2024]
    assert one("stateless_persons", area="CIV", year=2024)["value"] == year[year.coa_iso == "CIV"].stateless.sum() > 0
    world = in_group(year, "coa_iso", "WLD", UNHCR_ALIASES)
    assert one("stateless_persons", area="WLD", year=2024)["value"] == world.stateless.sum()


@pytest.mark.independent("asylum_applications")
@pytest.mark.independent_group("asylum_applications")
def test_asylum_applications_in_persons_by_type_and_in_all(one, in_group, raw_csv):
    """Persons only (cases left out), summed over procedures and levels; category = application type, '' = all."""
    applications = raw_csv("unhcr_refugees/asylum_applications.csv")
    persons = applications[(applications.app_pc == PERSONS) & (applications.year == 2023)]
    germany = persons[persons.coa_iso == "DEU"]
    assert one("asylum_applications", area="DEU", year=2023, category="")["value"] == germany.applied.sum()
    new = germany[germany.app_type == "N"].applied.sum()
    assert one("asylum_applications", area="DEU", year=2023, category="N")["value"] == new > 0
    region = in_group(persons, "coa_iso", "UNS_WESTERN_EUROPE", UNHCR_ALIASES)
    row = one("asylum_applications", area="UNS_WESTERN_EUROPE", year=2023, category="")
    assert row["value"] == region.applied.sum()


@pytest.mark.independent_group("asylum_recognition_rate")
def test_recognition_rate_of_a_region_pools_the_decisions(one, in_group, raw_csv):
    decisions = raw_csv("unhcr_refugees/asylum_decisions.csv")
    persons = decisions[(decisions.dec_pc == PERSONS) & (decisions.year == 2023)]
    region = in_group(persons, "coa_iso", "UNHCR_EUROPE", UNHCR_ALIASES)
    substantive = region.dec_recognized.sum() + region.dec_other.sum() + region.dec_rejected.sum()
    row = one("asylum_recognition_rate", area="UNHCR_EUROPE", year=2023)
    assert row["value"] == pytest.approx(100 * region.dec_recognized.sum() / substantive, rel=1e-12)


@pytest.mark.independent_group("refugees_per_1000_inhabitants")
def test_refugees_per_1000_inhabitants_of_a_region(one, in_group, population, inhabitants):
    """Members with refugees and a population only: both sums run over the same members."""
    region = in_group(population[population.year == 2020], "coa_iso", "UNS_WESTERN_EUROPE")
    hosted = by_area(region, "coa_iso", "refugees")
    people = inhabitants.xs(2020, level="t")
    both = hosted.index.intersection(people.index)
    assert len(both) >= 7
    row = one("refugees_per_1000_inhabitants", area="UNS_WESTERN_EUROPE", year=2020)
    assert row["value"] == pytest.approx(1000 * hosted[both].sum() / people[both].sum(), rel=1e-12)


@pytest.mark.independent_group("sdg_10_7_4")
def test_sdg_10_7_4_of_a_region(one, in_group, population, inhabitants):
    """Refugees plus other people in need of international protection from the members, per 100,000 born there."""
    year = in_group(population[population.year == 2020], "coo_iso", "UNS_WESTERN_ASIA")
    displaced = by_area(year, "coo_iso", "refugees").add(by_area(year, "coo_iso", "oip"), fill_value=0)
    people = inhabitants.xs(2020, level="t")
    both = displaced.index.intersection(people.index)
    expected = displaced[both].sum() / (people[both].sum() + displaced[both].sum()) * 100_000
    assert one("sdg_10_7_4", area="UNS_WESTERN_ASIA", year=2020)["value"] == pytest.approx(expected, rel=1e-12)


@pytest.mark.independent("refugees_resettled", "refugees_returned", "refugees_naturalised")
def test_durable_solutions_for_countries(one, solutions):
    """Resettlement and naturalisation by the country of asylum, returns by the country of origin."""
    year = solutions[solutions.year == 2023]
    resettled = year[year.coa_iso == "CAN"].resettlement.sum()
    assert one("refugees_resettled", area="CAN", year=2023)["value"] == resettled > 0
    returned = year[year.coo_iso == "SSD"].returned_refugees.sum()
    assert one("refugees_returned", area="SSD", year=2023)["value"] == returned > 0
    naturalised = year[year.coa_iso == "NLD"].naturalisation.sum()
    assert one("refugees_naturalised", area="NLD", year=2023)["value"] == naturalised > 0


@pytest.mark.independent_group("refugees_resettled", "refugees_returned", "refugees_naturalised")
def test_durable_solutions_for_regions(one, in_group, solutions):
    year = solutions[solutions.year == 2023]
    americas = in_group(year, "coa_iso", "UNS_NORTHERN_AMERICA", UNHCR_ALIASES)
    assert one("refugees_resettled", area="UNS_NORTHERN_AMERICA", year=2023)["value"] == americas.resettlement.sum()
    africa = in_group(year, "coo_iso", "UNI_EASTERN_AFRICA", UNHCR_ALIASES)
    assert one("refugees_returned", area="UNI_EASTERN_AFRICA", year=2023)["value"] == africa.returned_refugees.sum()
    europe = in_group(year, "coa_iso", "UNS_WESTERN_EUROPE", UNHCR_ALIASES)
    assert one("refugees_naturalised", area="UNS_WESTERN_EUROPE", year=2023)["value"] == europe.naturalisation.sum()


@pytest.mark.independent("idps_conflict")
@pytest.mark.independent_group("idps_conflict")
def test_conflict_idps_carried_by_unhcr(one, in_group, raw_csv):
    """IDMC's conflict IDPs from UNHCR's idmc table (area = asylum country = origin country)."""
    idmc = raw_csv("unhcr_refugees/idmc.csv")
    year = idmc[idmc.year == 2020]
    assert one("idps_conflict", area="SYR", year=2020)["value"] == year[year.coa_iso == "SYR"].total.sum() > 0
    region = in_group(year, "coa_iso", "UNS_WESTERN_ASIA")
    assert one("idps_conflict", area="UNS_WESTERN_ASIA", year=2020)["value"] == region.total.sum()


@pytest.mark.independent("idps_disaster")
@pytest.mark.independent_group("idps_disaster")
def test_disaster_displacements_add_every_hazard(one, in_group, raw_csv):
    """New displacements by disasters = all hazards of IDMC's GRID 2025 flows (the default source for 2008–2023)."""
    flows = raw_csv("iom_gdidata_idmc_2024/idmc_flows.csv")
    hazards = flows[(flows.cause != "conflict") & (flows.t == 2020)]
    philippines = one("idps_disaster", area="PHL", year=2020)
    assert philippines["value"] == hazards[hazards.geo == "PHL"].n.sum() > 0
    assert philippines["sources"] == ["idmc_2024"]
    region = in_group(hazards, "geo", "UNS_SOUTH_EASTERN_ASIA")
    assert one("idps_disaster", area="UNS_SOUTH_EASTERN_ASIA", year=2020)["value"] == region.n.sum()


@pytest.mark.independent("idps_by_cause_sex_age")
@pytest.mark.independent_group("idps_by_cause_sex_age")
def test_idps_by_cause_sex_and_age(con, one, in_group, raw_csv):
    """IDMC's end-2024 stock: a published cell, a country's total over causes, and a region's total."""
    stocks = raw_csv("iom_gdidata_idmc_2024/idmc_stocks.csv")
    sudan = stocks[(stocks.geo == "SDN") & (stocks.t == 2024)]
    cell = sudan[(sudan.cause == "conflict") & (sudan.sex == "female") & (sudan.age == "0-4")].n
    assert len(cell) == 1
    girls = ValueFilter(area="SDN", year=2024, category="conflict", sex="female")
    bands = indicator_values(con, "idps_by_cause_sex_age", girls)
    assert [row["value"] for row in bands if row["age"] == "0-4"] == [cell.iloc[0]]  # no age filter: chosen here
    total = one("idps_by_cause_sex_age", area="SDN", year=2024, category="", sex="total")
    assert total["value"] == sudan.n.sum()
    region = in_group(stocks[stocks.t == 2024], "geo", "UNI_EASTERN_AFRICA")
    row = one("idps_by_cause_sex_age", area="UNI_EASTERN_AFRICA", year=2024, category="", sex="total")
    assert row["value"] == region.n.sum()


@pytest.mark.independent_group("sdg_10_7_3", "sdg_10_7_3_nationality")
def test_deaths_of_a_region_by_place_and_by_nationality(one, in_group, mmp):
    """Deaths by incident country add up per region; by nationality only incidents with one nationality count."""
    year = mmp[mmp.year == 2023]
    places = in_group(year, "geo", "UNS_NORTHERN_AFRICA")
    assert one("sdg_10_7_3", area="UNS_NORTHERN_AFRICA", year=2023, category="")["value"] == places.dead.sum()
    single = year[~year.nat.str.contains(",")]
    nationals = in_group(single, "nat", "UNS_SOUTHERN_ASIA")
    row = one("sdg_10_7_3_nationality", area="UNS_SOUTHERN_ASIA", year=2023, category="")
    assert row["value"] == nationals.dead.sum() and row["status"] == "minimum"
