"""The audit log (issue 13, items 3 and 4): who, when, what query shape and what was released, never a value; an
HMAC chain and a signed checkpoint kept apart, so editing, truncation, deletion, re-chaining and emptying show."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import stat

import httpx
import pytest
from typer.testing import CliRunner

from observatory.firewall import audit as audit_module
from observatory.firewall.api import create_app
from observatory.firewall.audit import AuditTampered, read_audit
from observatory.firewall.cli import vault_app
from observatory.firewall.errors import UploadRejected
from observatory.firewall.tokens import ANONYMOUS
from observatory.firewall.vault import Vault

from .conftest import DATA, assert_no_record_values

ENTRY_FIELDS = {"seq", "at", "actor", "action", "outcome", "prev", "mac"}
DETAIL_FIELDS = {
    "dataset",
    "upload",
    "query",
    "released",
    "reason",
    "row",
    "token",
    "role",
    "org",
    "kind",
    "listed",
    "rules_version",
    "rule",
    "publication",
    "rebuilt",
    "unpublished",
}


def log_lines(settings) -> list[str]:
    """The raw lines of the audit log."""
    return (settings.vault_dir / "audit.log").read_text().splitlines()


def write_lines(settings, lines: list[str]) -> None:
    """Replace the audit log's content (what an attacker with the disk but not the key can do)."""
    (settings.vault_dir / "audit.log").write_text("".join(line + "\n" for line in lines))


def busy(vault: Vault, entries: int) -> None:
    """Add entries to the log."""
    for _ in range(entries):
        vault.list_publications(ANONYMOUS)


def test_entries_record_who_when_query_shape_and_release_never_values(vault, people, loaded, settings):
    with pytest.raises(UploadRejected, match="field 'full_name', column 1: its name announces a direct identifier"):
        vault.upload(people.shelter, "shelters-grc", "with_names.csv", (DATA / "with_names.csv").read_bytes())
    vault.aggregate(people.researcher, "shelters-grc", by=["sex"], filters={"service": "health"})
    entries = read_audit(settings.vault_dir)
    assert [e["seq"] for e in entries] == list(range(1, len(entries) + 1)) and entries
    for entry in entries:
        assert ENTRY_FIELDS <= set(entry) and set(entry) - ENTRY_FIELDS <= DETAIL_FIELDS
        assert set(entry["actor"]) == {"token", "role", "org"}
    refused = [e for e in entries if e["action"] == "upload" and e["outcome"] == "refused"][-1]
    assert refused["reason"] == "Upload rejected" and set(refused) - ENTRY_FIELDS <= {"reason", "row", "dataset"}
    released = entries[-1]
    assert released["query"] == {"by": ["sex"], "filters": {"service": "health"}}
    assert set(released["released"]) == {"cells", "suppressed", "hmac"} and released["released"]["cells"] == 3
    cells = vault.aggregate(people.researcher, "shelters-grc", by=["sex"], filters={"service": "health"})["cells"]
    assert released["released"]["hmac"] != hashlib.sha256(json.dumps(cells, sort_keys=True).encode()).hexdigest()
    assert released["released"]["hmac"] == vault.audit.digest(cells)  # only the key holder can match a table to it
    assert vault.verify_audit() == len(entries) + 1


def test_dropping_the_last_40_entries_is_detected(vault, people, settings):
    busy(vault, 120)
    write_lines(settings, log_lines(settings)[:-40])
    with pytest.raises(AuditTampered, match="entries were removed"):
        vault.verify_audit()
    with pytest.raises(AuditTampered, match="entries were removed"):  # and the vault refuses to write after the cut
        vault.list_publications(ANONYMOUS)


@pytest.mark.parametrize("rechain", ["unkeyed sha256", "another key", "renumbered"])
def test_deleting_50_entries_and_recomputing_the_chain_is_detected(vault, people, settings, rechain):
    busy(vault, 120)
    entries = [json.loads(line) for line in log_lines(settings)]
    kept = entries[:30] + entries[80:]
    previous = "0" * 64
    for number, entry in enumerate(kept, start=1):
        if rechain == "renumbered":
            entry["seq"] = number
        entry["prev"] = previous
        body = json.dumps(
            {k: v for k, v in entry.items() if k != "mac"}, sort_keys=True, separators=(",", ":")
        ).encode()
        if rechain == "unkeyed sha256":
            entry["mac"] = hashlib.sha256(body).hexdigest()
        else:
            entry["mac"] = hmac.new(b"k" * 32, body, hashlib.sha256).hexdigest()
        previous = entry["mac"]
    write_lines(settings, [json.dumps(e, sort_keys=True, separators=(",", ":")) for e in kept])
    with pytest.raises(AuditTampered, match="line 1"):
        vault.verify_audit()


@pytest.mark.parametrize("how", ["emptied", "deleted", "deleted with its checkpoint"])
def test_emptying_or_deleting_the_log_is_detected(vault, people, settings, how):
    busy(vault, 10)
    if how == "emptied":
        write_lines(settings, [])
    else:
        (settings.vault_dir / "audit.log").unlink()
    if how == "deleted with its checkpoint":
        vault.audit.checkpoint_file.unlink()
        with pytest.raises(AuditTampered, match="empty although the vault holds tokens"):
            vault.verify_audit()
        return
    with pytest.raises(AuditTampered, match="entries were removed"):
        vault.verify_audit()
    with pytest.raises(AuditTampered, match="entries were removed"):
        vault.authenticate(people.tokens.researcher[:-2] + "xx")  # even a refused login cannot be written over the gap


def test_restoring_an_older_copy_of_the_log_is_detected(vault, people, settings):
    busy(vault, 5)
    old = log_lines(settings)
    busy(vault, 30)
    write_lines(settings, old)
    with pytest.raises(AuditTampered, match="entries were removed"):
        vault.verify_audit()


def test_a_forged_or_deleted_checkpoint_is_detected(vault, people, settings):
    busy(vault, 3)
    point = json.loads(vault.audit.checkpoint_file.read_text())
    vault.audit.checkpoint_file.write_text(json.dumps({**point, "entries": point["entries"] - 2}))
    with pytest.raises(AuditTampered, match="not signed"):
        vault.verify_audit()
    vault.audit.checkpoint_file.unlink()
    with pytest.raises(AuditTampered, match="checkpoint is missing"):
        vault.verify_audit()


def test_the_checkpoint_is_kept_apart_owner_only_and_signed_at_verify_and_shutdown(
    vault, people, settings, monkeypatch
):
    checkpoint = vault.audit.checkpoint_file
    assert checkpoint.parent == settings.vault_key_file.parent and settings.home not in checkpoint.parents
    assert stat.S_IMODE(checkpoint.stat().st_mode) == 0o600
    signed = []
    original = audit_module.AuditLog.checkpoint
    monkeypatch.setattr(audit_module.AuditLog, "checkpoint", lambda self: signed.append(original(self)) or signed[-1])
    app = create_app(settings)

    async def serve_once() -> httpx.Response:
        async with app.router.lifespan_context(app):  # a standalone vault server signs a checkpoint when it stops
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://vault") as client:
                response = await client.get("/api/vault/publications")
            assert signed == []
        return response

    response = asyncio.run(serve_once())
    assert_no_record_values(response)
    assert response.status_code == 200
    assert signed == [len(read_audit(settings.vault_dir))]
    assert json.loads(checkpoint.read_text())["entries"] == signed[0]
    result = CliRunner().invoke(vault_app, ["verify-audit"])
    assert result.exit_code == 0 and "intact" in result.output


def test_the_checkpoint_falls_back_to_the_vault_when_the_key_folder_is_read_only(settings, monkeypatch):
    monkeypatch.setattr(audit_module.os, "access", lambda path, mode: False)
    assert Vault(settings).audit.checkpoint_file == settings.vault_dir / "audit.checkpoint"


def test_an_unkeyed_log_of_an_earlier_version_is_set_aside(settings):
    settings.vault_dir.mkdir(parents=True)
    legacy = {
        "at": "2024-01-01T00:00:00+00:00",
        "action": "upload",
        "outcome": "refused",
        "prev": "0" * 64,
        "hash": "ab",
    }
    (settings.vault_dir / "audit.log").write_text(json.dumps(legacy) + "\n")
    vault = Vault(settings)
    vault.bootstrap_admin()
    aside = vault.audit.legacy_logs()
    assert len(aside) == 1 and stat.S_IMODE((settings.vault_dir / aside[0]).stat().st_mode) == 0o600
    assert vault.verify_audit() == 1
    result = CliRunner().invoke(vault_app, ["verify-audit"])
    assert result.exit_code == 0 and "review and destroy" in result.output


def test_verify_audit_on_the_command_line_fails_on_tampering(vault, people, settings):
    busy(vault, 50)
    write_lines(settings, log_lines(settings)[:-10])
    result = CliRunner().invoke(vault_app, ["verify-audit"])
    assert result.exit_code == 1 and "entries were removed" in result.output
