"""A served home for the knowledge API and browser tests: a copy of the real release, one real corpus imported, the
directory derived, the dialogue seed loaded, and a published firewall arrangement, policy and practice."""

from __future__ import annotations

import importlib.util
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from observatory.evidence.importer import import_file
from observatory.evidence.review import create_token
from observatory.evidence.store import EvidenceStore
from observatory.knowledge import policies
from observatory.knowledge.dialogues import load_seed
from observatory.knowledge.directory import sync_from_evidence
from observatory.knowledge.review import review
from observatory.knowledge.store import KnowledgeStore, store_path
from observatory.settings import Settings
from observatory.warehouse import releases

CORPUS = Path("evidence") / "immigration-papers" / "immigration_papers_relevant.jsonl"
FIREWALL = {
    "kind": "firewall_arrangement",
    "firewall_kind": "education",
    "title": "Schools exempted from the duty to report irregular residents (Residence Act, section 87)",
    "country": "DEU",
    "status": "in_force",
    "in_force_from": "2011-11-26",
    "gcm": [7, 15],
    "themes": ["education", "irregular_migration"],
    "source": {
        "title": "Aufenthaltsgesetz, § 87 Übermittlungen an Ausländerbehörden",
        "url": "https://www.gesetze-im-internet.de/aufenthg_2004/__87.html",
    },
}
POLICY = {
    "kind": "law",
    "title": "Skilled Immigration Act (Fachkräfteeinwanderungsgesetz)",
    "country": "DEU",
    "status": "in_force",
    "adopted": "2019-08-15",
    "in_force_from": "2020-03-01",
    "gcm": [5, 18],
    "themes": ["labour_migration"],
    "source": {"title": "Bundesgesetzblatt 2019 I Nr. 31, p. 1307", "publisher": "Bundesanzeiger Verlag"},
}
PRACTICE = {
    "kind": "effective_practice",
    "title": "Remittance price comparison website",
    "country": "DEU",
    "status": "in_force",
    "gcm": [20],
    "themes": ["remittances_development"],
    "source": {"title": "GeldtransFAIR.de", "url": "https://www.geldtransfair.de/"},
}


@dataclass
class KnowledgeHome:
    """Settings of the home, its stores and the tokens of a contributor and a reviewer."""

    settings: Settings
    store: KnowledgeStore
    evidence: EvidenceStore
    contributor: str
    reviewer: str
    published: dict[str, str]


def make_knowledge_home(real_release: Settings, home: Path) -> KnowledgeHome:
    """Build the home described in the module docstring (the session's own home is left alone)."""
    current = releases.require_current(real_release)
    (home / "releases").mkdir(parents=True)
    shutil.copy2(current.path, home / "releases" / current.path.name)
    settings = Settings(home=home, mirror=real_release.mirror)
    releases.set_current(settings, current.release_id)
    evidence = EvidenceStore(settings.evidence_dir / "evidence.duckdb")
    import_file(Path(str(real_release.mirror)) / CORPUS, evidence, embed=False)
    store = KnowledgeStore(store_path(settings))
    sync_from_evidence(store, evidence)
    load_seed(store)
    contributor = create_token("Carla Contributor", "contributor", evidence)
    reviewer = create_token("Rita Reviewer", "reviewer", evidence)
    published = {}
    for name, entry in (("firewall", FIREWALL), ("policy", POLICY), ("practice", PRACTICE)):
        pid = policies.contribute(store, contributor, entry, evidence)
        review("policy", pid, "accept", reviewer, store, "source checked")
        published[name] = pid
    return KnowledgeHome(settings, store, evidence, contributor, reviewer, published)


def server_module():
    """tests/api/server.py (real uvicorn on a free port), imported by path."""
    name = "portal_test_server"
    if name not in sys.modules:
        path = Path(__file__).resolve().parents[1] / "api" / "server.py"
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
        sys.modules[name] = module
        spec.loader.exec_module(module)  # type: ignore[union-attr]
    return sys.modules[name]


ASSESSMENT_TITLE = "Labour migration to Germany"


def add_assessment(home: KnowledgeHome) -> str:
    """An assessment in review: two chapters with lead authors, chapter 1 approved after its comment was answered,
    chapter 2 with a comment still unanswered (library calls, before the server starts)."""
    from observatory.knowledge import assessment

    authors = [
        r["id"]
        for r in home.store.rows(
            "SELECT id FROM people WHERE state = 'published' AND merged_into IS NULL ORDER BY id LIMIT 3"
        )
    ]
    aid = assessment.create_assessment(
        home.store,
        home.reviewer,
        {
            "title": ASSESSMENT_TITLE,
            "scope": "What the evidence says about the Skilled Immigration Act.",
            "chapters": [
                {"title": "Who comes", "lead_authors": authors[:2]},
                {"title": "Recognition of qualifications", "lead_authors": authors[2:]},
            ],
        },
    )
    assessment.submit_chapter(home.store, home.contributor, aid, 1, "## Arrivals\n\nMost come from India.\n")
    assessment.submit_chapter(home.store, home.contributor, aid, 2, "Recognition takes months.\n")
    assessment.add_comment(home.store, home.reviewer, aid, 1, "Give the source of the arrivals.", line=3)
    assessment.answer_comment(home.store, home.contributor, aid, 1, 1, "Added: the Central Register of Foreigners.")
    assessment.approve_chapter(home.store, home.reviewer, aid, 1)
    assessment.add_comment(home.store, home.reviewer, aid, 2, "How many months, in which states?")
    return aid
