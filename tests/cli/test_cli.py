"""Every command is documented with an example, and the thin commands work end to end on a tiny release."""

from __future__ import annotations

import json

import pytest
from typer.main import get_command
from typer.testing import CliRunner

from observatory.cli.main import app

GOOD = "dest,orig,year,sex,stock\nFRA,DZA,2020,Male,800\nFRA,DZA,2020,Female,750\n"


def _commands(group, prefix: str = ""):
    for name, command in group.commands.items():
        if hasattr(command, "commands"):  # a command group (Typer vendors its own click)
            yield from _commands(command, f"{prefix}{name} ")
        else:
            yield f"{prefix}{name}", command


COMMANDS = list(_commands(get_command(app)))


@pytest.mark.parametrize(("name", "command"), COMMANDS, ids=[name for name, _ in COMMANDS])
def test_every_command_has_help_with_an_example(name, command):
    text = (command.help or "") + "\n" + (command.epilog or "")
    assert text.strip(), f"{name} has no help"
    assert "Example:" in text or "example:" in text.lower() or "$ observatory" in text, (
        f"{name}: no example in its help"
    )


@pytest.fixture
def tiny_home(tiny_world, monkeypatch):
    tiny_world.write("tiny/stock.csv", GOOD)
    tiny_world.build()
    monkeypatch.setenv("OBSERVATORY_HOME", str(tiny_world.settings.home))
    return tiny_world


def test_sql_json_and_refusal(tiny_home):
    runner = CliRunner()
    result = runner.invoke(app, ["sql", "select count(*) as n from area where kind='country'", "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == [{"n": 11}]
    refused = runner.invoke(app, ["sql", "drop table area"])
    assert refused.exit_code == 1 and "only SELECT" in refused.output


def test_status_lists_datasets_with_provenance(tiny_home):
    result = CliRunner().invoke(app, ["status"])
    assert result.exit_code == 0, result.output
    assert "tiny_stock" in result.output and "Observatory tests" in result.output


def test_releases_and_rollback(tiny_home):
    runner = CliRunner()
    tiny_home.write("tiny/stock.csv", GOOD.replace("800", "900"))
    tiny_home.build()
    listed = runner.invoke(app, ["releases"]).output.splitlines()
    assert len(listed) == 2 and listed[1].startswith("*")
    result = runner.invoke(app, ["rollback"])
    assert result.exit_code == 0 and "current release is now" in result.output
    assert runner.invoke(app, ["releases"]).output.splitlines()[0].startswith("*")


def test_status_without_release_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv("OBSERVATORY_HOME", str(tmp_path))
    result = CliRunner().invoke(app, ["status"])
    assert result.exit_code == 1 and "no current release" in result.output
