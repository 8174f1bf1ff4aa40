"""Fixtures for the evidence library tests: temporary stores, the real mirror, a small embedded corpus."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from observatory.evidence.records import Record
from observatory.evidence.store import EvidenceStore

DATA = Path(__file__).parent / "data"


@pytest.fixture
def store(tmp_path: Path) -> EvidenceStore:
    """An empty evidence store in a temporary folder."""
    return EvidenceStore(tmp_path / "evidence.duckdb")


@pytest.fixture(scope="session")
def mirror() -> Path:
    """The real data mirror ($OBSERVATORY_MIRROR); tests using it are skipped without it."""
    value = os.environ.get("OBSERVATORY_MIRROR")
    if not value or not (Path(value) / "evidence").is_dir():
        pytest.skip("OBSERVATORY_MIRROR is not set to the shared data folder")
    return Path(value)


SMALL_CORPUS = [
    Record(
        title="Mental health of Syrian refugee children in German schools",
        year=2019,
        abstract="We surveyed 300 Syrian refugee children in Germany about depression, trauma and school performance.",
        doi="10.1000/ev.1",
        venue="Journal of Refugee Studies",
    ),
    Record(
        title="The cost of sending remittances from the United States to Mexico",
        year=2021,
        abstract="Remittance fees charged by money transfer operators in the US-Mexico corridor fell after mobile "
        "transfers spread.",
        doi="10.1000/ev.2",
        type="report",
    ),
    Record(
        title="Drought and out-migration in the Sahel",
        year=2017,
        abstract="Using panel regressions we find that droughts raise emigration from Niger and Mali to neighbouring "
        "countries.",
        doi="10.1000/ev.3",
    ),
    Record(
        title="Deaths in the Mediterranean: counting missing migrants",
        year=2020,
        abstract="Shipwrecks and drowning on the central Mediterranean route from Libya to Italy are undercounted.",
        doi="10.1000/ev.4",
    ),
    Record(
        title="Immigration detention and alternatives in Australia",
        year=2018,
        abstract="Interviews with detained asylum seekers describe indefinite detention offshore.",
        doi="10.1000/ev.5",
    ),
    Record(
        title="Public attitudes towards immigrants and media framing in Britain",
        year=2022,
        abstract="Survey experiments show that news framing shifts anti-immigrant attitudes.",
        doi="10.1000/ev.6",
    ),
    Record(
        title="Rohingya refugees in Bangladesh: statelessness and legal identity",
        year=2023,
        abstract="Stateless Rohingya in Cox's Bazar lack birth registration and documents.",
        doi="10.1000/ev.7",
    ),
    Record(
        title="Labour market integration of Afghan refugees in Iran",
        year=2016,
        abstract="Afghan migrant workers in Iran face wage penalties and informal employment.",
        doi="10.1000/ev.8",
    ),
    Record(
        title="Trafficking of Eritrean women through Sudan",
        year=2015,
        abstract="Qualitative fieldwork on human trafficking and smuggling networks; Eritrean refugees in Sudan are "
        "the most exposed.",
        doi="10.1000/ev.9",
    ),
    Record(
        title="Return and reintegration of deported Salvadorans",
        year=2019,
        abstract="Deportees returning to El Salvador struggle to find employment.",
        doi="10.1000/ev.10",
    ),
]


@pytest.fixture(scope="session")
def small_corpus_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A CSL-JSON file of ten hand-written records (written once per session)."""
    from observatory.evidence.formats import write_csl_json

    folder = tmp_path_factory.mktemp("small")
    (folder / "small.json").write_text(write_csl_json(SMALL_CORPUS), encoding="utf-8")
    return folder


@pytest.fixture
def small_store(tmp_path: Path, small_corpus_dir: Path) -> EvidenceStore:
    """A store holding the ten small records, embedded and classified."""
    from observatory.evidence.importer import import_file

    store = EvidenceStore(tmp_path / "evidence.duckdb")
    import_file(small_corpus_dir / "small.json", store)
    return store
