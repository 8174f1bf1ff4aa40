"""The directory derived from every real corpus of the mirror: counts, a theme x region query, disambiguation."""

from __future__ import annotations

import pytest

from observatory.knowledge.contributions import merge_candidates
from observatory.knowledge.directory import counts, find_people, list_institutions, person_page
from observatory.knowledge.regions import region_members

pytestmark = [pytest.mark.mirror, pytest.mark.slow]


def test_people_and_institutions_from_the_real_corpora(real_directory):
    store, _, report = real_directory
    numbers = counts(store)
    # 11,300 author names on 3,481 papers (Crossref, PubMed/Zotero, Hoffmann et al.), folded to about 9,200 people.
    assert report.author_names > 11_000 and report.unparsed_names == 0
    assert 9_000 < numbers["people_from_corpora"] == numbers["people"] < report.author_names
    assert numbers["authorships"] == report.author_names
    tribunal = list_institutions(store, "tribunal")
    assert [i["country"] for i in tribunal] == ["GBR"] and tribunal[0]["records_issued"] > 20_000
    assert numbers["institutions_from_corpora"] == 1


def test_who_works_on_climate_and_migration_in_west_africa(real_directory):
    store, evidence, _ = real_directory
    found = find_people(store, theme="climate and environment", region="West Africa", limit=50)
    assert found["region"] == "Western Africa" and found["total"] >= 5
    west = region_members()["Western Africa"]
    for person in found["results"]:
        assert person["records"] >= 1 and person["countries"] and set(person["countries"]) <= west
        page = person_page(store, evidence, person["id"])
        assert any(t["id"] == "climate_environment" for t in page["themes"])
    everyone = find_people(store, theme="climate and environment", limit=1)["total"]
    assert everyone > found["total"]


def test_latex_and_accents_are_decoded_in_names(real_directory):
    store, _, _ = real_directory
    names = [r["name"] for r in store.rows("SELECT name FROM people")]
    assert not [n for n in names if "\\" in n or "{" in n]
    assert any("é" in n for n in names)


def test_merge_candidates_on_real_names_carry_reasons(real_directory):
    store, _, _ = real_directory
    candidates = merge_candidates(store, 500)
    assert len(candidates) > 50
    bryant = next(c for c in candidates if set(c["names"]) == {"Richard Bryant", "Richard A. Bryant"})
    assert "same family name 'Bryant'" in bryant["reason"] and bryant["shared_coauthors"] >= 10
    assert all(c["reason"].startswith("same family name") for c in candidates)
