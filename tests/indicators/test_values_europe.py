"""European and OECD indicators recomputed from the raw Eurostat (gdidata CSV, SDMX-TSV) and OECD SDMX-CSV files."""

from __future__ import annotations

import pandas as pd
import pytest

from observatory.indicators.query import ValueFilter, indicator_values

pytestmark = pytest.mark.mirror

ASYLUM_2024 = "iom_gdidata_eurostat_asylum_2024/eu_asyapp.csv"
LFS = "eurostat_lfs_migrant_integration"
EUROSTAT_GEO = {"EL": "GR", "UK": "GB"}  # Eurostat's geo codes that are not ISO alpha-2 (the source's countries.yml)
UNKNOWN_CITIZENSHIP = "OOO"  # gdidata's code; the area reference's UNK


@pytest.fixture(scope="module")
def asylum(raw_csv) -> pd.DataFrame:
    """Applicants by reporting country (geo), citizenship (nat), sex (female, male, unknown) and year (t)."""
    return raw_csv(ASYLUM_2024)


def sdmx_tsv(mirror, name: str) -> pd.DataFrame:
    """A Eurostat SDMX-TSV file as one row per key and year: key dimensions, year, value (None for ':') and flags."""
    wide = pd.read_csv(mirror / LFS / name, sep="\t", dtype=str, keep_default_na=False)
    key = wide.columns[0]
    dimensions = key.split("\\")[0].split(",")
    keys = pd.DataFrame(wide[key].str.split(",").tolist(), columns=dimensions)
    long = keys.join(wide.drop(columns=key)).melt(id_vars=dimensions, var_name="year", value_name="cell")
    cells = long.cell.str.strip().str.extract(r"^(?P<number>:|[0-9.]+)\s*(?P<flags>[a-z]*)$")
    assert cells.number.notna().all(), "every cell is a number or ':' with flags"
    long["year"] = long.year.str.strip().astype(int)
    long["value"] = pd.to_numeric(cells.number.where(cells.number != ":"))
    long["flags"] = cells["flags"]
    return long


def iso3_of_eurostat_geo(raw_csv) -> dict[str, str]:
    """Eurostat geo code -> ISO3, from the country-name reference file."""
    names = raw_csv("iom_gdi_gdiviz/countrynames.csv").dropna(subset=["iso2", "iso3"])
    by_iso2 = dict(zip(names.iso2, names.iso3, strict=True))
    return {**by_iso2, **{geo: by_iso2[iso2] for geo, iso2 in EUROSTAT_GEO.items()}}


@pytest.mark.independent_group("asylum_applicants_eurostat")
def test_eu27_asylum_applicants_are_the_member_states_added(one, in_group, asylum):
    """The EU27 value adds the member states (Eurostat's own EU27 row is left out); both sexes include unknown sex."""
    year = asylum[asylum.t == 2024]
    assert (year.geo == "EU27").any()
    states = in_group(year[year.geo != "EU27"], "geo", "EU27")
    assert states.geo.nunique() == 27
    assert one("asylum_applicants_eurostat", area="EU27", year=2024, sex="total")["value"] == states.n.sum()
    women = states[states.sex == "female"].n.sum()
    assert one("asylum_applicants_eurostat", area="EU27", year=2024, sex="female")["value"] == women


@pytest.mark.independent("asylum_applicants_eurostat_by_citizenship")
def test_asylum_applicants_by_citizenship_in_a_corridor(one, asylum):
    syrians = asylum[(asylum.geo == "DEU") & (asylum.nat == "SYR") & (asylum.t == 2024)]
    total = one("asylum_applicants_eurostat_by_citizenship", origin="SYR", destination="DEU", year=2024, sex="total")
    assert total["value"] == syrians.n.sum() > 0
    female = one("asylum_applicants_eurostat_by_citizenship", origin="SYR", destination="DEU", year=2024, sex="female")
    assert female["value"] == syrians[syrians.sex == "female"].n.sum()
    unknown = asylum[(asylum.geo == "DEU") & (asylum.nat == UNKNOWN_CITIZENSHIP) & (asylum.t == 2024)]
    row = one("asylum_applicants_eurostat_by_citizenship", origin="UNK", destination="DEU", year=2024, sex="total")
    assert row["value"] == unknown.n.sum() > 0  # kept (as the area reference's UNK) so destination totals add up


@pytest.mark.independent("employment_rate_by_citizenship", "unemployment_rate_by_citizenship")
def test_labour_market_rates_as_published_with_their_flags(one, mirror):
    """Rates of ages 20–64 as published; a flagged value says what its flag means."""
    employment = sdmx_tsv(mirror, "estat_lfsa_ergan_filtered.tsv")
    cell = employment[
        (employment.geo == "DE")
        & (employment.year == 2023)
        & (employment.sex == "T")
        & (employment.citizen == "NEU27_2020_FOR")
    ]
    row = one("employment_rate_by_citizenship", area="DEU", year=2023, sex="total", category="non_eu27_citizens")
    assert row["value"] == cell.value.iloc[0] and row["age"] == "20-64"
    flagged = employment[
        (employment.geo == "AT")
        & (employment.year == 2021)
        & (employment.sex == "F")
        & (employment.citizen == "EU27_2020_FOR")
    ]
    assert flagged["flags"].iloc[0] == "b"
    row = one("employment_rate_by_citizenship", area="AUT", year=2021, sex="female", category="other_eu27_citizens")
    assert row["value"] == flagged.value.iloc[0] and row["note"] == "b: break in time series"
    unemployment = sdmx_tsv(mirror, "estat_lfsa_urgan_filtered.tsv")
    cell = unemployment[
        (unemployment.geo == "FR")
        & (unemployment.year == 2022)
        & (unemployment.sex == "M")
        & (unemployment.citizen == "NAT")
    ]
    row = one("unemployment_rate_by_citizenship", area="FRA", year=2022, sex="male", category="nationals")
    assert row["value"] == cell.value.iloc[0]


@pytest.mark.independent("tertiary_attainment_by_birth")
def test_tertiary_attainment_of_people_born_outside_the_eu(con, mirror):
    attainment = sdmx_tsv(mirror, "estat_edat_lfs_9912_filtered1.tsv")
    cell = attainment[
        (attainment.geo == "DE")
        & (attainment.year == 2023)
        & (attainment.sex == "T")
        & (attainment.isced11 == "ED5-8")
        & (attainment.c_birth == "NEU27_2020_FOR")
        & (attainment.age == "Y25-64")
    ]
    rows = indicator_values(
        con,
        "tertiary_attainment_by_birth",
        ValueFilter(area="DEU", year=2023, sex="total", category="born_outside_eu27"),
    )
    assert [row["value"] for row in rows if row["age"] == "25-64"] == [cell.value.iloc[0]]


@pytest.mark.independent("first_permits_by_reason")
@pytest.mark.independent_group("first_permits_by_reason")
def test_first_permits_by_reason_for_a_country_and_the_eu(one, members, mirror, raw_csv):
    """All reasons = the four reasons added (the TOTAL rows are left out); the EU27 value adds the member states."""
    permits = sdmx_tsv(mirror, "estat_migr_resfirst_filtered.tsv")
    reasons = permits[(permits.reason != "TOTAL") & (permits.year == 2023) & permits.value.notna()]
    germany = reasons[reasons.geo == "DE"]
    assert one("first_permits_by_reason", area="DEU", year=2023, category="")["value"] == germany.value.sum()
    work = germany[germany.reason == "EMP"].value.sum()
    assert one("first_permits_by_reason", area="DEU", year=2023, category="employment")["value"] == work > 0
    iso3 = reasons.geo.map(iso3_of_eurostat_geo(raw_csv))
    states = reasons[iso3.isin(members("EU27"))]
    assert states.geo.nunique() == 27
    assert one("first_permits_by_reason", area="EU27", year=2023, category="")["value"] == states.value.sum()


@pytest.mark.independent("immigration_inflow_oecd")
def test_oecd_inflows_of_foreign_population(one, raw_csv):
    inflows = raw_csv("oecd_imd_inflows_2012_2022/International-migration-database.csv", dtype=str)
    germany = inflows[(inflows.REF_AREA == "DEU") & (inflows.TIME_PERIOD == "2022")]
    assert len(germany) == 1 and germany.CITIZENSHIP.iloc[0] == "W" and germany.MEASURE.iloc[0] == "B11"
    assert one("immigration_inflow_oecd", area="DEU", year=2022)["value"] == float(germany.OBS_VALUE.iloc[0])
