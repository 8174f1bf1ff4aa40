"""The `observatory evidence` Typer app, driven through CliRunner."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from typer.testing import CliRunner

from observatory.evidence.cli import app

runner = CliRunner()


def run(args: list[str], home: Path, **env: str):
    result = runner.invoke(app, args, env={"OBSERVATORY_HOME": str(home), **env}, catch_exceptions=False)
    return result


def all_commands(group: typer.Typer, prefix: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], object]]:
    out = [(prefix + (c.name or c.callback.__name__,), c.callback) for c in group.registered_commands]
    for sub in group.registered_groups:
        out += all_commands(sub.typer_instance, prefix + (sub.name,))
    return out


def test_every_command_has_an_example() -> None:
    commands = all_commands(app)
    names = {" ".join(n) for n, _ in commands}
    assert {
        "import",
        "search",
        "gaps",
        "submit",
        "review",
        "finding add",
        "finding list",
        "finding show",
        "label confirm",
        "label correct",
    } <= names
    for name, callback in commands:
        assert "Example: observatory evidence" in (callback.__doc__ or ""), name


def test_cli_end_to_end(tmp_path: Path, small_corpus_dir: Path) -> None:
    home = tmp_path / "home"
    result = run(["import", str(small_corpus_dir / "small.json")], home)
    assert result.exit_code == 0 and "added 10" in result.output
    assert (home / "evidence" / "evidence.duckdb").exists()

    result = run(["search", "remittance fees", "--format", "json", "--no-semantic"], home)
    hits = json.loads(result.output)
    assert hits[0]["title"].startswith("The cost of sending remittances")
    rid = hits[0]["id"]
    result = run(
        [
            "search",
            "refugees",
            "--area",
            "BGD",
            "--theme",
            "statelessness",
            "--year-from",
            "2020",
            "--type",
            "journal_article",
        ],
        home,
    )
    assert result.exit_code == 0 and "Rohingya" in result.output

    assert run(["label", "confirm", rid, "area", "MEX", "--curator", "ana"], home).exit_code == 0
    assert (
        run(
            [
                "label",
                "correct",
                rid,
                "theme",
                "--add",
                "borders",
                "--remove",
                "remittances_development",
                "--curator",
                "ana",
            ],
            home,
        ).exit_code
        == 0
    )
    shown = json.loads(run(["show", rid], home).output)
    themes = {lab["value"] for lab in shown["labels"] if lab["kind"] == "theme"}
    assert "borders" in themes and "remittances_development" not in themes

    result = run(
        [
            "finding",
            "add",
            "Remittance fees fell in the US-Mexico corridor",
            "--evidence",
            "limited",
            "--agreement",
            "high",
            "--ref",
            rid,
        ],
        home,
    )
    assert result.exit_code == 0 and "medium confidence" in result.output
    fid = result.output.split(":")[0]
    assert "{medium confidence} [1]" in run(["finding", "show", fid], home).output
    assert json.loads(run(["finding", "list", "--format", "json"], home).output)[0]["id"] == fid
    assert run(["finding", "add", "Bad", "--evidence", "huge", "--agreement", "high"], home).exit_code != 0

    out = tmp_path / "gaps.svg"
    mirror = Path(__file__).parent / "data" / "gap_mirror"
    result = run(
        ["gaps", "--by", "region", "--format", "svg", "--output", str(out)], home, OBSERVATORY_MIRROR=str(mirror)
    )
    assert result.exit_code == 0 and out.read_text().startswith("<svg")
    table = json.loads(run(["gaps", "--by", "gcm", "--format", "json"], home, OBSERVATORY_MIRROR=str(mirror)).output)
    assert len(table) == 20 * 23


def test_cli_submit_and_review(tmp_path: Path) -> None:
    home = tmp_path / "home"
    contributor = run(["token", "create", "Nadia"], home).output.strip()
    reviewer = run(["token", "create", "Ravi", "--role", "reviewer"], home).output.strip()
    result = run(["submit", "--token", contributor, "--title", "Deaths at the Darien Gap", "--year", "2024"], home)
    assert result.exit_code == 0
    rid = result.output.split()[1]
    assert json.loads(run(["review"], home).output)[0]["id"] == rid
    assert run(["review", rid, "--decision", "accept", "--token", contributor], home).exit_code != 0
    result = run(["review", rid, "--decision", "accept", "--token", reviewer, "--comment", "ok"], home)
    assert result.exit_code == 0 and "public" in result.output
    history = json.loads(run(["review", rid], home).output)
    assert [h["decision"] for h in history] == ["submitted", "accept"]
