"""The directory, policy and dialogue command groups: thin wrappers that print results or refuse with the field."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from observatory.cli.main import app
from observatory.settings import Settings

from .conftest import make_home

runner = CliRunner()


def _home(tmp_path, monkeypatch):
    settings = Settings(home=tmp_path)
    home = make_home(settings.evidence_dir)
    monkeypatch.setenv("OBSERVATORY_HOME", str(tmp_path))
    return home


def test_directory_commands(tmp_path, monkeypatch):
    home = _home(tmp_path, monkeypatch)
    result = runner.invoke(app, ["directory", "people", "--theme", "climate", "--region", "West Africa"])
    assert result.exit_code == 0 and result.output.startswith("4 people") and "Aminata Diallo" in result.output
    result = runner.invoke(app, ["directory", "people", "--region", "Atlantis"])
    assert result.exit_code != 0 and "region: unknown" in result.output
    counts = json.loads(runner.invoke(app, ["directory", "counts"]).output)
    assert counts["people"] == 5
    entry = tmp_path / "me.yml"
    entry.write_text("name: Ana Lopez\norcid: 0000-0002-1825-0098\n", encoding="utf-8")
    result = runner.invoke(app, ["directory", "contribute", str(entry), "--token", home.contributor])
    assert result.exit_code != 0 and "orcid: ORCID check digit" in result.output
    candidates = json.loads(runner.invoke(app, ["directory", "candidates"]).output)
    assert candidates and "reason" in candidates[0]


def test_policy_and_dialogue_commands(tmp_path, monkeypatch):
    home = _home(tmp_path, monkeypatch)
    entry = tmp_path / "law.yml"
    entry.write_text("kind: law\ntitle: A migration law\ncountry: SEN\nstatus: proposed\n", encoding="utf-8")
    result = runner.invoke(app, ["policy", "contribute", str(entry), "--token", home.contributor])
    assert result.exit_code != 0 and "source: every entry cites its source" in result.output
    entry.write_text(entry.read_text() + 'source: {title: "Draft bill, 2024"}\n', encoding="utf-8")
    pid = runner.invoke(app, ["policy", "contribute", str(entry), "--token", home.contributor]).output.strip()
    result = runner.invoke(app, ["policy", "review", pid, "--decision", "accept", "--token", home.contributor])
    assert result.exit_code != 0 and "not a reviewer" in result.output
    accepted = runner.invoke(app, ["policy", "review", pid, "--decision", "accept", "--token", home.reviewer])
    assert accepted.exit_code == 0 and accepted.output.strip() == "published"
    assert "A migration law" in runner.invoke(app, ["policy", "list", "--country", "sen"]).output
    assert json.loads(runner.invoke(app, ["dialogue", "load-seed"]).output) == {"themes": 3, "workshops": 2}
    themes = json.loads(runner.invoke(app, ["dialogue", "themes"]).output)
    assert [t["id"] for t in themes][:2] == ["idm-2011-future-of-migration", "idm-2011-human-security"]
    assert "225" in runner.invoke(app, ["dialogue", "workshop", "idm-2010-transnationalism"]).output
