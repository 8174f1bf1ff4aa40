"""What the server does when it starts: the evidence search is warmed up off the request path when a library exists."""

from __future__ import annotations

import asyncio
import threading

import pytest

from observatory.api.app import create_app
from observatory.evidence import search as evidence_search
from observatory.evidence.store import STORE_FILE, EvidenceStore

from .conftest import load_helper


def _start(app) -> None:
    """Run the app's start-up and shut-down (its lifespan) once."""

    async def once() -> None:
        async with app.router.lifespan_context(app):
            pass

    asyncio.run(once())


@pytest.mark.parametrize("library", [True, False])
def test_the_evidence_search_is_warmed_up_at_start_up_only_when_a_library_exists(tmp_path, monkeypatch, library):
    settings = load_helper("synthetic").synthetic_home(tmp_path / "home")
    if library:
        EvidenceStore(settings.evidence_dir / STORE_FILE)  # an empty library
        assert (settings.evidence_dir / STORE_FILE).is_file()
    warmed = threading.Event()
    paths = []

    def record(store=None) -> None:
        paths.append(store.path)
        warmed.set()

    monkeypatch.setattr(evidence_search, "warm_up", record)
    _start(create_app(settings, precompute=False))
    assert warmed.wait(timeout=60 if library else 1) is library
    assert paths == ([settings.evidence_dir / STORE_FILE] if library else [])
