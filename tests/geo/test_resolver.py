"""Country and area resolution: codes of every scheme, names as sources write them, guesses flagged, failures listed."""

from __future__ import annotations

import pandas as pd
import pytest

from observatory.geo import AreaResolver, UnresolvedAreasError, build_area_reference, normalise_name
from observatory.geo.resolver import UnresolvedName


def _tables(root) -> dict[str, pd.DataFrame]:
    read = lambda path: pd.read_csv(root / path, keep_default_na=False, na_values=[""])  # noqa: E731 - "NA" is Namibia
    tables = {
        "countrynames": read("iom_gdi_gdiviz/countrynames.csv"),
        "dict_ims": read("guyabel_migest/dict_ims.csv"),
        "countryclass": read("worldbank_classification/countryclass.csv"),
        "unhcr_countries": read("unhcr_refugees/countries.csv"),
        "wb_metadata": read("worldbank_wdi_bulk/Metadata_Country_API_SP.POP.TOTL_DS2_en_csv_v2_6298256.csv"),
    }
    return tables


@pytest.fixture(scope="module")
def real_resolver(mirror):
    return AreaResolver(build_area_reference(_tables(mirror)))


@pytest.mark.mirror
@pytest.mark.parametrize(
    ("value", "scheme", "code"),
    [
        ("Türkiye", "name", "TUR"),
        ("Turkey", "name", "TUR"),
        ("Côte d'Ivoire", "name", "CIV"),
        ("Cote d'Ivoire", "name", "CIV"),
        ("Côte d’Ivoire", "name", "CIV"),
        ("Congo, Dem. Rep.", "name", "COD"),
        ("Iran (Islamic Republic of)", "name", "IRN"),
        ("China, Hong Kong SAR", "name", "HKG"),
        ("Congo", "name", "COG"),
        ("Micronesia (Fed. States of)", "name", "FSM"),
        ("ALG", "unhcr", "DZA"),
        ("AUS", "unhcr", "AUT"),
        ("AUL", "unhcr", "AUS"),
        ("TIB", "unhcr", "TIB"),
        ("UKN", "unhcr", "UNK"),
        ("AUS", "iso3", "AUS"),
        ("XXA", "iso3", "STL"),
        ("XXX", "iso3", "XXX"),
        ("KSV", "iso3", "XKX"),
        ("FR", "iso2", "FRA"),
        ("NA", "iso2", "NAM"),
        ("250", "m49", "FRA"),
        ("830", "m49", "CHI"),
        ("1", "m49", "WLD"),
        ("Stateless", "name", "STL"),
        ("Serbia and Montenegro", "name", "SCG"),
    ],
)
def test_resolves_codes_and_names_as_sources_write_them(real_resolver, value, scheme, code):
    hit = real_resolver.resolve(value, scheme)
    assert hit is not None and hit.code == code and hit.exact


@pytest.mark.mirror
def test_fuzzy_match_is_flagged_as_a_guess(real_resolver):
    hit = real_resolver.resolve("Republic of Cuba", "name")
    assert hit.code == "CUB" and not hit.exact and "guess" in hit.method


@pytest.mark.mirror
def test_unknown_names_do_not_resolve(real_resolver):
    assert real_resolver.resolve("Atlantis", "name") is None
    micronesia = real_resolver.resolve("Micronesia", "name")  # the M49 sub-region: at most a flagged guess
    assert micronesia is None or not micronesia.exact
    assert real_resolver.resolve("ZZZ", "iso3") is None


@pytest.mark.mirror
def test_reference_covers_every_m49_area_with_memberships(mirror):
    reference = build_area_reference(_tables(mirror))
    area = reference.area
    assert 245 <= (area["kind"] == "country").sum() <= 255
    assert {"XXX", "UNK", "STL", "TIB", "CHI", "SUD", "SCG", "XKX"} <= set(area["code"])
    schemes = set(reference.membership["scheme"])
    assert {
        "world",
        "un_region",
        "un_subregion",
        "sdg_region",
        "continent",
        "wb_region",
        "wb_income",
        "ldc",
        "lldc",
        "sids",
        "eu",
    } <= schemes
    eu = reference.membership.query("group == 'EU27'")["area"]
    assert len(eu) == 27 and "DEU" in set(eu)
    assert set(reference.membership.query("area == 'CHI'")["group"]) >= {"WLD", "UNR_EUROPE"}  # groups_like GGY


def test_normalised_names_ignore_case_accents_and_punctuation():
    assert normalise_name("Côte d’Ivoire") == normalise_name("COTE D'IVOIRE") == "cote divoire"
    assert normalise_name("The Gambia") == normalise_name("Gambia")


def test_unresolved_error_lists_every_name_with_file_and_rows():
    error = UnresolvedAreasError(
        [UnresolvedName("a/b.csv", "origin", "Atlantis", (3, 9)), UnresolvedName("a/b.csv", "destination", "Mu", (4,))]
    )
    text = str(error)
    assert (
        "2 area name(s)" in text
        and "a/b.csv, field 'origin': 'Atlantis' (rows 3, 9)" in text
        and "'Mu' (rows 4)" in text
    )
