"""An evidence library imported into the home is searched and linked through the API and the portal."""

from __future__ import annotations

import shutil
from pathlib import Path

import httpx
import pytest

from observatory.evidence.importer import import_file
from observatory.evidence.store import EvidenceStore, store_path
from observatory.settings import Settings
from observatory.warehouse import releases

from .conftest import load_helper

pytestmark = [pytest.mark.mirror, pytest.mark.slow]
BIB = Path(__file__).resolve().parents[1] / "evidence" / "data" / "bibtex" / "migration_types.bib"


@pytest.fixture(scope="module")
def library_server(real_release, tmp_path_factory):
    """A server on a copy of the real release whose home holds an imported bibliography (the session's home is left
    alone, so no other test sees this library)."""
    home = tmp_path_factory.mktemp("evidence-home")
    current = releases.require_current(real_release)
    (home / "releases").mkdir()
    shutil.copy2(current.path, home / "releases" / current.path.name)
    settings = Settings(home=home, mirror=real_release.mirror)
    releases.set_current(settings, current.release_id)
    report = import_file(BIB, EvidenceStore(store_path(settings)))
    assert report.added > 0 and not [i for i in report.issues if i.severity == "error"]
    with load_helper("server").running_server(settings, home / "server.log") as base:
        yield base


def test_search_through_the_api_finds_the_imported_record(library_server):
    body = httpx.get(
        f"{library_server}/api/evidence", params={"q": "seasonal labour migration Senegal"}, timeout=60
    ).json()
    titles = [result["title"] for result in body["results"]]
    assert titles, body
    assert any("Senegal" in title and "Spain" in title for title in titles)
    assert "{" not in titles[0] and "\\" not in titles[0]  # LaTeX decoded on import, not shown raw


def test_records_are_linked_to_the_countries_they_name(library_server):
    body = httpx.get(f"{library_server}/api/evidence/areas/SEN", timeout=60).json()
    assert any("Senegal" in result["title"] for result in body["results"]), body


def test_the_portal_lists_the_record(library_server):
    page = httpx.get(f"{library_server}/evidence", params={"q": "Senegal Spain"}, timeout=60)
    assert page.status_code == 200 and "Seasonal labour migration from Senegal to Spain" in page.text
