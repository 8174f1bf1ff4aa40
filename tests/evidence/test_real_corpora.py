"""Import of the real corpora in the mirror: counts per corpus, merges, labels, search and links on real data."""

from __future__ import annotations

import pytest

from observatory.evidence.links import evidence_for_area, evidence_for_corridor, evidence_for_indicator
from observatory.evidence.search import search

pytestmark = pytest.mark.mirror

# corpus -> (records read, added, merged into an earlier record, skipped with an error)
EXPECTED = {
    "immigration-papers": (2463, 2463, 0, 3),  # different works (own DOIs) never merge
    "refugee-children-pubmed": (1004, 1004, 0, 0),
    "hoffmann2020": (32, 32, 0, 0),
    "utiac-first5000": (4998, 4962, 36, 0),
    "utiac-last6000": (6065, 5838, 227, 0),
    "utiac-links-2019": (28126, 17425, 10701, 0),
}


def test_counts_per_corpus(real_store) -> None:
    store, reports = real_store
    got = {name: (r.read, r.added, r.merged, len(r.errors())) for name, r in reports.items()}
    assert got == EXPECTED
    assert store.count() == sum(v[1] for v in EXPECTED.values())
    errors = reports["immigration-papers"].errors()
    assert errors and all(e.field == "title" and e.file == "immigration_papers_relevant.jsonl" for e in errors)


def test_utiac_outcomes_and_links_merge_on_the_decision_page(real_store) -> None:
    store, _ = real_store
    with store.connect() as con:
        both = con.execute(
            "SELECT count(*) FROM records WHERE list_contains(sources, 'uk-utiac-asylum-outcomes') AND "
            "list_contains(sources, 'uk-utiac-case-links')"
        ).fetchone()[0]
    assert both > 5000


def test_real_labels_and_links(real_store) -> None:
    store, _ = real_store
    syria = evidence_for_area("SYR", 50, store=store)
    assert len(syria) == 50 and all(r["confidence"] >= 0.5 for r in syria)
    assert evidence_for_corridor("AFG", "GBR", 5, store=store)
    climate = evidence_for_indicator("idps_disaster", 100, store=store)
    assert climate and all("climate_environment" in r["themes"] for r in climate)
    assert evidence_for_indicator("sdg_10_c_1", 5, store=store)
    assert len(evidence_for_indicator("asylum_recognition_rate", 10, store=store)) == 10


def test_real_search_sanity(real_store) -> None:
    store, _ = real_store
    hits = search("mental health refugee children", 10, store=store, semantic=False)
    assert sum("refugee" in h["title"].lower() for h in hits) >= 8
    hits = search("remittances", 5, store=store, semantic=False)
    assert hits and all("remittance" in (h["title"] + h["snippet"]).lower() for h in hits)
    hits = search(
        "climate migration", 10, store=store, semantic=False, theme="climate_environment", year_from=2010, year_to=2020
    )
    assert hits and all(2010 <= h["year"] <= 2020 for h in hits)
    assert all(
        h["type"] == "legal_decision"
        for h in search("appeal", 5, store=store, semantic=False, types=["legal_decision"], area="LKA")
    )


def test_real_gap_map(real_store, mirror) -> None:
    from observatory.evidence.gaps import gap_map

    table = gap_map("region", store=real_store[0], mirror=mirror)
    assert table["records"].sum() > 1000
    assert table.iloc[0]["records"] == 0
    gcm = gap_map("gcm", store=real_store[0], mirror=mirror)
    assert gcm["col"].nunique() == 23


def test_original_xlsx_and_wrong_sheet(mirror, store) -> None:
    from observatory.evidence.importer import import_file

    folder = mirror / "evidence" / "hoffmann2020-env-migration-meta"
    report = import_file(folder / "Environmental Change and Migration_Main Meta Data.xlsx", store, embed=False)
    assert (report.read, report.added) == (32, 32)
    with pytest.raises(ValueError, match="no 'paper' column"):
        import_file(folder / "Environmental Change and Migration_Country Level Data.xlsx", store, embed=False)
