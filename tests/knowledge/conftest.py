"""Fixtures for the knowledge layer: tiny stores with tokens, and the real corpora imported once per session."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from observatory.evidence.records import Label, LabelKind, Record
from observatory.evidence.review import create_token
from observatory.evidence.store import EvidenceStore
from observatory.knowledge.directory import sync_from_evidence
from observatory.knowledge.store import KnowledgeStore

SEEDS = Path(__file__).resolve().parents[3] / "shared" / "seeds"


@dataclass
class Home:
    """A knowledge store beside an evidence store, with a contributor and two reviewers."""

    store: KnowledgeStore
    evidence: EvidenceStore
    contributor: str
    reviewer: str
    other_reviewer: str


def _label(kind: LabelKind, value: str) -> Label:
    return Label(kind=kind, value=value, confidence=1.0, origin="source:test")


TINY_RECORDS = [
    Record(
        title="Drought and out-migration in Mali and Niger",
        authors=["Diallo, Aminata", "Traoré, Moussa"],
        year=2021,
        doi="10.1000/k.1",
        labels=[
            _label(LabelKind.theme, "climate_environment"),
            _label(LabelKind.area, "MLI"),
            _label(LabelKind.area, "NER"),
        ],
    ),
    Record(
        title="Rainfall shocks and migration to Senegal's cities",
        authors=["A. Diallo", "Fatou Ndiaye"],
        year=2022,
        doi="10.1000/k.2",
        labels=[_label(LabelKind.theme, "climate_environment"), _label(LabelKind.area, "SEN")],
    ),
    Record(
        title="Health of refugee children in Germany",
        authors=["Müller, Jürgen", "Aminata Diallo"],
        year=2020,
        doi="10.1000/k.3",
        labels=[_label(LabelKind.theme, "health"), _label(LabelKind.area, "DEU")],
    ),
    Record(
        title="Asylum appeal decision",
        type="legal_decision",
        venue="Upper Tribunal (Immigration and Asylum Chamber), United Kingdom",
        source_key="utiac:test-1",
        year=2019,
    ),
]


def make_home(folder: Path, records: list[Record] | None = None) -> Home:
    """Stores in `folder` holding the tiny records, synchronised, with three tokens."""
    evidence = EvidenceStore(folder / "evidence.duckdb")
    written = evidence.write_records(records if records is not None else TINY_RECORDS)
    evidence.set_auto_labels({rid: rec.labels for rid, rec in zip(written.ids, TINY_RECORDS, strict=False)})
    store = KnowledgeStore(folder / "knowledge.duckdb")
    sync_from_evidence(store, evidence)
    return Home(
        store,
        evidence,
        create_token("Carla Contributor", "contributor", evidence),
        create_token("Rita Reviewer", "reviewer", evidence),
        create_token("Omar Reviewer", "reviewer", evidence),
    )


@pytest.fixture
def home(tmp_path: Path) -> Home:
    """A fresh tiny home per test."""
    return make_home(tmp_path)


@pytest.fixture(scope="session")
def seed_text() -> str:
    """The dialogue seed (shared/seeds/004_…) beside the repository; the source the dialogue records quote."""
    found = sorted(SEEDS.glob("004_*.txt")) if SEEDS.is_dir() else []
    if not found:
        pytest.skip("shared/seeds/004_* is not beside the repository")
    return found[0].read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def real_directory(real_store, tmp_path_factory: pytest.TempPathFactory):
    """The directory derived from every real corpus of the mirror (the session's shared import), once a session."""
    evidence, _ = real_store
    store = KnowledgeStore(tmp_path_factory.mktemp("real-knowledge") / "knowledge.duckdb")
    report = sync_from_evidence(store, evidence)
    return store, evidence, report


def copy_stores(source: KnowledgeStore, evidence: EvidenceStore, folder: Path) -> None:
    """Copy both store files into another home's evidence folder."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy2(evidence.path, folder / "evidence.duckdb")
    shutil.copy2(source.path, folder / "knowledge.duckdb")
