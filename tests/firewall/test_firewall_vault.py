"""The sealed vault: key placement, encryption at rest, atomic uploads, audit log, withdrawal, publishing contract."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from observatory.firewall.audit import AuditTampered, read_audit
from observatory.firewall.errors import (
    Conflict,
    FirewallError,
    Forbidden,
    InvalidQuery,
    NotFound,
    UploadRejected,
    VaultKeyError,
)
from observatory.firewall.keys import create_vault_key, load_vault_key
from observatory.firewall.metadata import connect
from observatory.firewall.publish import list_contributed
from observatory.firewall.vault import Vault
from observatory.settings import Settings
from observatory.sources.context import OBSERVATION_COLUMNS

from .conftest import DATA, RULES, fixture_rows, snapshot

REPO = Path(__file__).resolve().parents[2]
CANONICAL = ["dataset_id", *OBSERVATION_COLUMNS]  # the release's observation columns


def test_vault_refuses_to_start_without_a_key(tmp_path):
    with pytest.raises(VaultKeyError, match="no vault key configured"):
        Vault(Settings(home=tmp_path / "home"))
    with pytest.raises(VaultKeyError, match="does not exist"):
        Vault(Settings(home=tmp_path / "home", vault_key_file=tmp_path / "missing.key"))


@pytest.mark.parametrize("where", ["repo", "home", "vault"])
def test_key_inside_the_project_or_home_is_refused(tmp_path, where):
    home = tmp_path / "home"
    path = {"repo": REPO / "vault-test.key", "home": home / "vault.key", "vault": home / "vault" / "k.key"}[where]
    settings = Settings(home=home, vault_key_file=path)
    with pytest.raises(VaultKeyError, match="inside"):
        create_vault_key(settings)
    with pytest.raises(VaultKeyError, match="inside"):
        Vault(settings)
    assert not path.exists()


def test_key_readable_by_others_or_malformed_is_refused(tmp_path):
    settings = Settings(home=tmp_path / "home", vault_key_file=tmp_path / "keys" / "vault.key")
    create_vault_key(settings)
    assert len(load_vault_key(settings)) == 32
    with pytest.raises(VaultKeyError, match="never overwritten"):
        create_vault_key(settings)
    os.chmod(settings.vault_key_file, 0o644)
    with pytest.raises(VaultKeyError, match="readable by others"):
        load_vault_key(settings)
    os.chmod(settings.vault_key_file, 0o600)
    settings.vault_key_file.write_text("short")
    with pytest.raises(VaultKeyError, match="32-byte"):
        load_vault_key(settings)


def test_records_are_encrypted_at_rest(vault, loaded, settings):
    sealed = sorted((settings.vault_dir / "records").glob("*.sealed"))
    assert len(sealed) == 2
    for path in settings.home.rglob("*"):
        if path.is_file():
            content = path.read_bytes()
            for row in fixture_rows()[:20]:
                assert ",".join(row.values()).encode() not in content
                assert json.dumps(list(row.values())[:2]).encode() not in content


def test_a_sealed_file_from_another_upload_does_not_decrypt(vault, loaded, settings):
    records = settings.vault_dir / "records"
    a, b = records / f"{loaded['shelter']}.sealed", records / f"{loaded['clinic']}.sealed"
    a.write_bytes(b.read_bytes())  # an attacker with disk access swaps files: AES-GCM's bound context refuses it
    with pytest.raises(FirewallError, match="^a sealed upload failed its integrity check"):
        vault._records(vault._active_uploads("shelters-grc"))


def test_rejected_upload_leaves_the_vault_unchanged(vault, people, dataset, settings):
    vault.upload(people.shelter, dataset, "shelter_a.csv", (DATA / "shelter_a.csv").read_bytes())
    before = snapshot(settings.vault_dir / "records")
    with connect(settings.vault_dir) as db:
        uploads_before = db.execute("SELECT COUNT(*) FROM uploads").fetchone()[0]
    refusals = {
        "bad_value.csv": "row 4, field 'legal_status', column 4: is not valid",
        "with_names.csv": "row 1, field 'full_name', column 1: its name announces a direct identifier",
        "latin1.csv": "row 3: is not valid UTF-8 text",
        "short_row.csv": "row 3: has 4 fields where the header has 7",
    }
    for name, words in refusals.items():
        with pytest.raises(UploadRejected, match=re.escape(words)):
            vault.upload(people.shelter, dataset, name, (DATA / name).read_bytes())
    assert snapshot(settings.vault_dir / "records") == before
    with connect(settings.vault_dir) as db:
        assert db.execute("SELECT COUNT(*) FROM uploads").fetchone()[0] == uploads_before


def test_upload_needs_a_declared_dataset(vault, people):
    with pytest.raises(NotFound, match="steward"):
        vault.upload(people.shelter, "nowhere", "shelter_a.csv", (DATA / "shelter_a.csv").read_bytes())


def test_audit_log_records_every_access_and_is_tamper_evident(vault, people, loaded, settings):
    vault.aggregate(people.researcher, "shelters-grc", by=["sex"])
    with pytest.raises(Forbidden, match="^role 'contributor' may not aggregate$"):
        vault.aggregate(people.shelter, "shelters-grc", by=["sex"])
    entries = read_audit(settings.vault_dir)
    actions = [(e["action"], e["outcome"]) for e in entries]
    assert ("upload", "ok") in actions and ("aggregate", "ok") in actions and ("aggregate", "refused") in actions
    released = next(e for e in entries if e["action"] == "aggregate" and e["outcome"] == "ok")
    assert released["actor"]["role"] == "researcher" and released["query"] == {"by": ["sex"], "filters": {}}
    assert set(released["released"]) == {"cells", "suppressed", "hmac"}
    assert vault.verify_audit() == len(entries)
    lines = (settings.vault_dir / "audit.log").read_text().splitlines()
    lines[1] = lines[1].replace('"ok"', '"refused"')
    (settings.vault_dir / "audit.log").write_text("\n".join(lines) + "\n")
    with pytest.raises(AuditTampered, match="line 2"):
        vault.verify_audit()


def test_publish_writes_the_contract(vault, people, loaded, settings):
    vault.publish(people.steward, "shelters-grc", "shelters-grc-2024", by=["nationality", "sex"], title="People served")
    folders = list_contributed(settings)
    assert folders == [settings.home / "contributed" / "shelters-grc-2024"]
    meta = json.loads((folders[0] / "dataset.json").read_text())
    assert set(meta) == {
        "id",
        "publisher",
        "title",
        "version_producer",
        "licence",
        "citation",
        "url_main",
        "date_published",
        "note",
        "measures",
    }
    assert meta["publisher"] == "clinic-b, shelter-a" and meta["note"].startswith(
        "contributed by clinic-b, shelter-a, disclosure-controlled ("
    )
    assert meta["measures"][0]["kind"] == "count"
    table = pq.read_table(folders[0] / "observations.parquet")
    assert table.column_names == CANONICAL
    frame = table.to_pandas()
    assert str(table.schema.field("year").type) == "int64" and str(table.schema.field("value").type) == "double"
    assert set(frame["sex"]) <= {"total", "female", "male"} and set(frame["age"]) == {"total"}
    assert set(frame["status"]) == {"reported"} and (frame["area"] == "GRC").all()
    hidden = frame[frame["note"] == "suppressed"]
    assert len(hidden) > 0 and hidden["value"].isna().all()
    assert frame[frame["note"] == ""]["value"].notna().all()
    total = frame[(frame["origin"].isna()) & (frame["sex"] == "total")]
    answer = vault.aggregate(people.researcher, "shelters-grc", by=[])["cells"]
    assert total["value"].tolist() == [answer[0]["value"]] and abs(answer[0]["value"] - 75) <= 30
    assert not any(p.name.startswith(".") for p in (settings.home / "contributed").iterdir())


def test_publish_refuses_two_category_dimensions(vault, people, dataset, loaded):
    vault.set_rules(people.steward, dataset, {**RULES, "dimensions": ["legal_status", "service"]})
    with pytest.raises(InvalidQuery, match="^only one extra dimension fits the 'category' column"):
        vault.publish(people.steward, dataset, "two-cats", by=["legal_status", "service"])


def test_withdrawal_destroys_the_bytes_and_rebuilds(vault, people, loaded, settings):
    vault.publish(people.steward, "shelters-grc", "by-sex", by=["sex"])
    sealed = settings.vault_dir / "records" / f"{loaded['clinic']}.sealed"
    ciphertext = sealed.read_bytes()
    result = vault.withdraw(people.clinic, loaded["clinic"])
    assert result["rebuilt"] == ["by-sex"] and result["records_destroyed"] == 15
    assert not sealed.exists()
    for path in settings.home.rglob("*"):
        if path.is_file():
            content = path.read_bytes()
            assert ciphertext[12:60] not in content and ciphertext[-48:] not in content
    meta = json.loads((settings.home / "contributed" / "by-sex" / "dataset.json").read_text())
    assert meta["publisher"] == "shelter-a" and meta["version_producer"] == "2"
    frame = pq.read_table(settings.home / "contributed" / "by-sex" / "observations.parquet").to_pandas()
    alone = vault.aggregate(people.researcher, "shelters-grc", by=["sex"])["cells"]
    assert frame[frame["sex"] == "total"]["value"].tolist() == [c["value"] for c in alone if c["sex"] == "total"]
    assert vault.list_uploads(people.clinic) == []  # no trace of the upload is left, not even its row
    with pytest.raises(NotFound, match="^no such upload among the uploads you may see$"):
        vault.withdraw(people.clinic, loaded["clinic"])


def test_withdrawing_the_last_upload_unpublishes(vault, people, loaded, settings):
    vault.publish(people.steward, "shelters-grc", "by-sex", by=["sex"])
    vault.withdraw(people.clinic, loaded["clinic"])
    result = vault.withdraw(people.shelter, loaded["shelter"])
    assert result["unpublished"] == ["by-sex"]
    assert list_contributed(settings) == [] and not list((settings.vault_dir / "records").glob("*"))
    assert vault.list_publications(people.researcher) == []


def test_rules_cannot_be_loosened_after_release(vault, people, loaded):
    vault.aggregate(people.researcher, "shelters-grc", by=["sex"])
    with pytest.raises(Conflict, match="frozen"):
        vault.set_rules(people.steward, "shelters-grc", {**RULES, "dimensions": ["sex", "service"]})
    with pytest.raises(Conflict, match="raised"):
        vault.set_rules(people.steward, "shelters-grc", {**RULES, "min_cell": 5})
    assert vault.set_rules(people.steward, "shelters-grc", {**RULES, "min_cell": 12})["rules_version"] == 2


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"dimensions": ["nationality", "sex", "service", "month"]}, "4 dimensions exceed max_dimensions=3"),
        ({"dimensions": ["shoe_size"]}, "dimension 1 is not a field of schema 'case_records'"),
        ({"mode": "dp"}, "dp mode needs fixed categories for open dimensions: nationality"),
        ({"min_cell": 1}, "min_cell: Input should be greater than or equal to 2"),
        ({"surprise": 1}, "surprise: Extra inputs are not permitted"),
    ],
)
def test_invalid_rules_are_explained(vault, people, change, words):
    with pytest.raises(InvalidQuery, match=f"^invalid rules: .*{words}"):
        vault.set_rules(people.steward, "shelters-grc", {**RULES, **change})
