"""The directory from tiny records: people and issuers derived, theme x region queries, person pages, disambiguation
as reviewed proposals with history, contributions, imports with per-record errors."""

from __future__ import annotations

import json

import pytest

from observatory.evidence.review import AuthError
from observatory.knowledge.contributions import (
    contribute,
    decide,
    import_entries,
    merge_candidates,
    proposals,
    propose,
)
from observatory.knowledge.directory import counts, find_people, person_page, sync_from_evidence
from observatory.knowledge.names import parse_name, person_id
from observatory.knowledge.review import pending, review

DIALLO = person_id(parse_name("Diallo, Aminata").key)  # type: ignore[union-attr]
A_DIALLO = person_id(parse_name("A. Diallo").key)  # type: ignore[union-attr]


def test_people_and_the_issuing_tribunal_are_derived(home):
    assert counts(home.store) == {
        "people": 5,  # Aminata Diallo (two spellings fold to one), A. Diallo, Traoré, Ndiaye, Müller
        "people_from_corpora": 5,
        "name_variants": 5,
        "institutions": 1,
        "institutions_from_corpora": 1,
        "authorships": 6,
    }
    again = sync_from_evidence(home.store, home.evidence)
    assert (again.people_added, again.institutions_added, again.people) == (0, 0, 5)


def test_who_works_on_climate_in_west_africa(home):
    found = find_people(home.store, theme="climate", region="West Africa")
    assert found["theme"] == "climate_environment" and found["region"] == "Western Africa"
    names = [p["name"] for p in found["results"]]
    assert names == ["A. Diallo", "Aminata Diallo", "Fatou Ndiaye", "Moussa Traoré"]
    assert "Jürgen Müller" not in names  # health in Germany
    aminata = next(p for p in found["results"] if p["name"] == "Aminata Diallo")
    assert aminata["countries"] == ["MLI", "NER"] and "1 matching record" in aminata["why"]
    assert find_people(home.store, theme="health", region="Western Africa")["total"] == 0


def test_unknown_theme_or_region_is_refused_without_echo(home):
    with pytest.raises(ValueError, match="^theme: unknown") as error:
        find_people(home.store, theme="<script>")
    assert "<script>" not in str(error.value)
    with pytest.raises(ValueError, match="^region: unknown"):
        find_people(home.store, region="Atlantis")


def test_person_page_has_records_themes_and_coauthors(home):
    page = person_page(home.store, home.evidence, DIALLO)
    assert page is not None
    assert {r["title"] for r in page["records"]} == {
        "Drought and out-migration in Mali and Niger",
        "Health of refugee children in Germany",
    }
    assert {t["id"] for t in page["themes"]} == {"climate_environment", "health"}
    assert {c["name"] for c in page["coauthors"]} == {"Moussa Traoré", "Jürgen Müller"}
    assert person_page(home.store, home.evidence, "pe-unknown") is None


def test_merge_is_proposed_with_a_reason_and_applied_only_after_review(home):
    candidates = merge_candidates(home.store)
    pair = next(c for c in candidates if set(c["people"]) == {DIALLO, A_DIALLO})
    assert "same family name 'Diallo'" in pair["reason"] and "initials" in pair["reason"]
    with pytest.raises(ValueError, match="reason"):
        propose(home.store, home.contributor, "merge", [DIALLO, A_DIALLO], "  ")
    proposal = propose(home.store, home.contributor, "merge", [DIALLO, A_DIALLO], pair["reason"])
    assert find_people(home.store, q="diallo")["total"] == 2  # nothing changes before review
    with pytest.raises(AuthError, match=" is not a reviewer$"):
        decide(home.store, home.contributor, proposal, "accept")  # a contributor cannot decide
    assert decide(home.store, home.reviewer, proposal, "accept", "same person, same co-authors") == "accepted"
    with pytest.raises(ValueError, match="not pending"):
        decide(home.store, home.reviewer, proposal, "accept")
    page = person_page(home.store, home.evidence, A_DIALLO)  # the absorbed id still leads to the person
    assert page is not None and page["id"] == DIALLO and page["redirected_from"] == A_DIALLO
    assert sorted(page["names"]) == ["A. Diallo", "Aminata Diallo"]
    assert len(page["records"]) == 3
    assert [h["action"] for h in page["history"]] == ["merge proposed", "merged"]
    assert not any(set(c["people"]) == {DIALLO, A_DIALLO} for c in merge_candidates(home.store))

    split = propose(home.store, home.contributor, "split", [DIALLO], "different person", ["A. Diallo"])
    assert decide(home.store, home.other_reviewer, split, "accept") == "accepted"
    page = person_page(home.store, home.evidence, DIALLO)
    assert page["names"] == ["Aminata Diallo"] and [h["action"] for h in page["history"]][-1] == "split"
    assert find_people(home.store, q="diallo")["total"] == 2
    assert proposals(home.store) == []


def test_reviewers_do_not_decide_their_own_proposals(home):
    proposal = propose(home.store, home.reviewer, "merge", [DIALLO, A_DIALLO], "initials agree")
    with pytest.raises(PermissionError, match="^reviewers cannot decide their own proposals$"):
        decide(home.store, home.reviewer, proposal, "accept")
    assert decide(home.store, home.other_reviewer, proposal, "reject", "different people") == "rejected"
    assert not any(set(c["people"]) == {DIALLO, A_DIALLO} for c in merge_candidates(home.store))


def test_contributed_person_is_public_only_after_review(home):
    with pytest.raises(AuthError, match="^unknown or revoked token$"):
        contribute(home.store, "not-a-token", "person", {"name": "Ana Lopez"})
    with pytest.raises(ValueError, match="orcid: ORCID check digit") as error:
        contribute(home.store, home.contributor, "person", {"name": "Ana Lopez", "orcid": "0000-0002-1825-0098"})
    assert "0098" not in str(error.value)
    pid = contribute(
        home.store, home.contributor, "person",
        {"name": "Ana Lopez", "orcid": "0000-0002-1825-0097", "country": "sen", "expertise": ["climate"],
         "regions": ["West Africa"]},
    )  # fmt: skip
    assert find_people(home.store, q="lopez")["total"] == 0
    assert [p["id"] for p in pending(home.store)] == [pid]
    with pytest.raises(AuthError, match=" is not a reviewer$"):
        review("person", pid, "accept", home.contributor, home.store)
    assert review("person", pid, "accept", home.reviewer, home.store, "ORCID checked") == "published"
    found = find_people(home.store, theme="climate_environment", region="Western Africa", q="lopez")
    assert found["results"][0]["declared"] and found["results"][0]["orcid"] == "0000-0002-1825-0097"
    assert [h["action"] for h in person_page(home.store, home.evidence, pid)["history"]] == ["contributed", "accept"]


def test_contributor_cannot_review_own_entry_even_as_reviewer(home):
    pid = contribute(home.store, home.reviewer, "institution", {"name": "Makerere University", "ror": "03dmz0111"})
    with pytest.raises(AuthError, match="own"):
        review("institution", pid, "accept", home.reviewer, home.store)


def test_csv_import_reports_each_bad_record_and_keeps_the_good_ones(home, tmp_path):
    institutions = tmp_path / "institutions.csv"
    institutions.write_text(
        "name,ror,country,expertise\n"
        "California Digital Library,03yrm5c26,USA,data_methods\n"
        "Broken checksum,03yrm5c27,USA,\n"
        "Nowhere Institute,,XXX,\n"
        "Harvard University,https://ror.org/03vek6s52,usa,health;education\n",
        encoding="utf-8",
    )
    report = import_entries(home.store, institutions, "institution")
    assert (report.read, report.written) == (4, 2)
    assert report.errors == [
        {"record": 2, "error": "ror: ROR checksum does not match (ISO 7064 MOD 97-10)"},
        {"record": 3, "error": "country: not an ISO 3166 alpha-3 code"},
    ]
    people = tmp_path / "people.json"
    people.write_text(
        json.dumps([
            {"name": "Ana Lopez", "orcid": "0000-0001-5109-3700", "affiliations": ["03vek6s52"]},
            {"name": "Ben Ode", "affiliations": ["05dxps055"]},
            "not an object",
            {"name": "Cy Doe", "unknown_field": 1},
        ]),
        encoding="utf-8",
    )  # fmt: skip
    report = import_entries(home.store, people, "person")
    assert report.written == 1
    assert [(e["record"], e["error"].split(":")[0]) for e in report.errors] == [
        (2, "affiliations"),
        (3, "not an object"),
        (4, "unknown_field"),
    ]
    assert counts(home.store)["institutions"] == 3
    ana = find_people(home.store, q="ana lopez")["results"][0]
    assert person_page(home.store, home.evidence, ana["id"])["affiliations"][0]["name"] == "Harvard University"
