"""The vault and token command lines: thin wrappers, each command with an example, token read at call time."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from observatory.firewall.cli import token_app, vault_app

from .conftest import DATA

RUNNER = CliRunner()
REPO = Path(__file__).resolve().parents[2]


def run(app, args: list[str], transcript: list[str], code: int = 0, **kwargs):
    """Invoke a command, keep its output for the record-value scan, check the exit code."""
    result = RUNNER.invoke(app, args, **kwargs)
    transcript.append(result.output)
    assert result.exit_code == code, result.output
    return result


def data(result) -> object:
    """The JSON a command printed."""
    return json.loads(result.stdout)


@pytest.mark.parametrize(
    ("app", "command"),
    [
        (vault_app, c)
        for c in (
            "init-key",
            "upload",
            "list",
            "withdraw",
            "aggregate",
            "publish",
            "unpublish",
            "set-rules",
            "show-rules",
            "publications",
            "verify-audit",
            "grant",
            "revoke-grant",
            "grants",
        )
    ]
    + [(token_app, c) for c in ("create", "revoke")],
)
def test_every_command_has_an_example(app, command, transcript):
    result = run(app, [command, "--help"], transcript)
    assert "Example: observatory " in result.output


def test_init_key_refuses_the_repository(settings, transcript):
    result = run(vault_app, ["init-key", str(REPO / "vault.key")], transcript, code=1)
    assert "inside the project repository" in result.output and not (REPO / "vault.key").exists()


def test_command_line_flow(settings, transcript, monkeypatch):
    admin = data(run(token_app, ["create", "--role", "admin"], transcript))[
        "token"
    ]  # the first admin: on this machine only
    again = run(token_app, ["create", "--role", "admin"], transcript, code=1)
    assert "already has tokens" in again.output
    steward = data(run(token_app, ["create", "--role", "steward", "--token", admin], transcript))["token"]
    shelter = data(
        run(token_app, ["create", "--role", "contributor", "--org", "shelter-a", "--token", admin], transcript)
    )["token"]
    made = data(run(token_app, ["create", "--role", "researcher", "--days", "7", "--token", admin], transcript))
    run(
        vault_app,
        ["set-rules", "cli-grc", "--country", "GRC", "--year", "2024", "--dims", "nationality,sex", "--token", steward],
        transcript,
    )
    refused = run(
        vault_app,
        ["upload", str(DATA / "shelter_a.csv"), "--dataset", "cli-grc", "--token", shelter],
        transcript,
        code=2,
    )
    assert "neither its owner nor granted" in refused.output
    run(vault_app, ["grant", "cli-grc", "--org", "shelter-a", "--owner", "--token", shelter], transcript, code=2)
    run(vault_app, ["grant", "cli-grc", "--org", "shelter-a", "--owner", "--token", steward], transcript)
    assert data(run(vault_app, ["grants", "cli-grc", "--token", steward], transcript))[0]["kind"] == "owner"
    uploaded = data(
        run(vault_app, ["upload", str(DATA / "shelter_a.csv"), "--dataset", "cli-grc", "--token", shelter], transcript)
    )
    assert uploaded["records"] == 60
    refused = run(
        vault_app,
        ["upload", str(DATA / "with_names.csv"), "--dataset", "cli-grc", "--token", shelter],
        transcript,
        code=1,
    )
    assert "'full_name'" in refused.output and "identifier" in refused.output
    monkeypatch.setenv("OBSERVATORY_TOKEN", made["token"])  # read when the command runs
    answer = data(run(vault_app, ["aggregate", "cli-grc", "--by", "sex", "--filter", "nationality=SYR"], transcript))
    assert answer["filters"] == {"nationality": "SYR"} and len(answer["cells"]) == 3
    run(
        vault_app, ["publish", "cli-grc", "--id", "cli-pub", "--by", "sex"], transcript, code=2
    )  # researcher may not publish
    monkeypatch.delenv("OBSERVATORY_TOKEN")
    run(vault_app, ["publish", "cli-grc", "--id", "cli-pub", "--by", "sex", "--token", steward], transcript)
    assert [p["publication"] for p in data(run(vault_app, ["publications"], transcript))] == ["cli-pub"]
    listed = data(run(vault_app, ["list", "--token", shelter], transcript))
    assert listed[0]["records"] == 60
    withdrawn = data(run(vault_app, ["withdraw", uploaded["upload_id"], "--token", shelter], transcript))
    assert withdrawn["unpublished"] == ["cli-pub"]
    run(token_app, ["revoke", made["token_id"], "--token", admin], transcript)
    revoked = run(vault_app, ["show-rules", "cli-grc", "--token", made["token"]], transcript, code=2)
    assert "revoked" in revoked.output
    run(vault_app, ["revoke-grant", "cli-grc", "--org", "shelter-a", "--token", steward], transcript)
    run(
        vault_app,
        ["upload", str(DATA / "shelter_a.csv"), "--dataset", "cli-grc", "--token", shelter],
        transcript,
        code=2,
    )
    assert "intact" in run(vault_app, ["verify-audit"], transcript).output


def test_bad_filter_syntax_is_a_usage_error(settings, transcript):
    result = run(vault_app, ["aggregate", "x-grc", "--filter", "nationality"], transcript, code=2)
    assert "DIMENSION=VALUE" in result.output
