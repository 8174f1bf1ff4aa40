"""The publication commands mounted with register(app) on a fresh Typer app."""

from __future__ import annotations

import json

import pypdf
import pytest
import typer
from typer.testing import CliRunner

from observatory.publish.cli import register

from .test_report_directives import outline

COMMANDS = ["profile", "profiles", "corridor", "brief", "report"]


@pytest.fixture(scope="module")
def app() -> typer.Typer:
    application = typer.Typer()
    register(application)
    return application


def run(app, *args):
    return CliRunner().invoke(app, [str(a) for a in args])


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_an_example_in_its_help(app, command):
    result = run(app, command, "--help")
    assert result.exit_code == 0
    assert f"Example: observatory {command}" in result.output


def test_profile_json_to_stdout(app, tiny_release):
    result = run(app, "profile", "AAA", "--format", "json", "--home", tiny_release.home)
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert payload["kind"] == "country-profile" and payload["meta"]["area"] == "AAA"


def test_unknown_country_exits_with_a_message(app, tiny_release):
    result = run(app, "profile", "ZZZ", "--home", tiny_release.home)
    assert result.exit_code == 1
    assert "unknown area 'ZZZ'" in result.output


def test_brief_pdf_has_at_most_two_pages(app, tiny_release, tmp_path):
    out = tmp_path / "brief.pdf"
    result = run(app, "brief", "AAA", "--out", out, "--home", tiny_release.home)
    assert result.exit_code == 0, result.output
    assert 1 <= len(pypdf.PdfReader(out).pages) <= 2
    result = run(app, "brief", "--corridor", "BBB", "AAA", "--format", "html", "--home", tiny_release.home)
    assert result.exit_code == 0 and "Key messages" in result.output
    assert run(app, "brief", "--home", tiny_release.home).exit_code == 1


def test_profiles_batch_and_corridor_and_report(app, tiny_release, tmp_path):
    result = run(app, "profiles", "--all", "--format", "md", "--out", tmp_path / "all", "--home", tiny_release.home)
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (tmp_path / "all").iterdir()) == ["AAA.md", "BBB.md"]
    result = run(app, "corridor", "BBB", "AAA", "--format", "md", "--home", tiny_release.home)
    assert result.exit_code == 0 and "Causes: drivers at both ends" in result.output
    result = run(app, "report", outline(tmp_path), "--format", "md", "--home", tiny_release.home)
    assert result.exit_code == 0 and "See Figure 1 and Table 1." in result.output
