"""Related evidence comes from observatory.evidence for the same home; without a library the profile says so."""

from __future__ import annotations

import shutil

from observatory.evidence.records import Label, Record
from observatory.evidence.store import STORE_FILE, EvidenceStore
from observatory.publish import render
from observatory.publish.annex import NO_EVIDENCE
from observatory.publish.data import ReleaseData
from observatory.publish.profile import country_profile
from observatory.settings import Settings

from .conftest import make_tiny_release


def test_profile_lists_related_evidence_or_says_none_yet(tmp_path):
    settings: Settings = make_tiny_release(tmp_path / "home")
    data = ReleaseData.open(settings)
    try:
        assert NO_EVIDENCE in render.to_markdown(country_profile(data, "AAA"))
        store = EvidenceStore(settings.evidence_dir / STORE_FILE)
        written = store.write_records(
            [Record(title="Migrants in Aland", authors=["Doe, Jane"], year=2021, venue="Tiny Studies")]
        )
        store.set_auto_labels({written.ids[0]: [Label(kind="area", value="AAA", confidence=0.9, origin="test")]})
        markdown = render.to_markdown(country_profile(data, "AAA"))
        assert "Doe, Jane (2021). Migrants in Aland. *Tiny Studies*." in markdown and NO_EVIDENCE not in markdown
        assert "<em>Tiny Studies</em>" in render.to_html(country_profile(data, "AAA"))
        assert NO_EVIDENCE in render.to_markdown(country_profile(data, "BBB"))
    finally:
        data.close()
        shutil.rmtree(settings.home)
