"""Nothing at rest reveals a record (issue 13, item 2): no digest of an upload or a row, no trace of a withdrawn
upload, owner-only files, cell keys drawn at random and sealed with the records; a brute force finds nothing."""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import re
import sqlite3
import stat
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from observatory.firewall.metadata import connect
from observatory.firewall.sealed_store import open_records
from observatory.firewall.vault import Vault

from .conftest import DATA

HEADER = "nationality,sex,age,legal_status,month"
NATIONALITIES = ["SYR", "AFG", "ERI", "IRQ", "SOM", "SDN", "NGA", "PAK", "BGD", "TUR", "IRN", "ISL"]
SEXES = ["female", "male"]
STATUSES = ["asylum_seeker", "refugee", "undocumented", "detained", "temporary_permit", "other"]
MONTHS = [f"2024-{m:02d}" for m in range(1, 13)]
ONE_RECORD_UPLOADS = [
    ("SYR", "female", "37", "detained", "2024-03"),
    ("AFG", "male", "16", "undocumented", "2024-11"),
    ("ERI", "female", "52", "refugee", "2024-07"),
]
HEX = re.compile(rb"[0-9a-fA-F]{32,}")


def one_record(row: tuple[str, ...], newline: str = "\n") -> bytes:
    """A one-record CSV upload."""
    return f"{HEADER}{newline}{','.join(row)}{newline}".encode()


def stored_digests(roots: list[Path]) -> tuple[set[str], set[bytes]]:
    """Every hex string of digest length and every 16, 20 or 32-byte window of every file under the given roots."""
    hex_windows: set[str] = set()
    raw_windows: set[bytes] = set()
    for root in roots:
        for path in [root] if root.is_file() else root.rglob("*"):
            if not path.is_file():
                continue
            data = path.read_bytes()
            for match in HEX.finditer(data):
                run = match.group().decode().lower()
                for width in (32, 40, 64):
                    hex_windows.update(run[i : i + width] for i in range(len(run) - width + 1))
            for width in (16, 20, 32):
                raw_windows.update(data[i : i + width] for i in range(len(data) - width + 1))
    return hex_windows, raw_windows


def test_brute_forcing_every_small_upload_against_what_is_stored_finds_nothing(vault, people, dataset, settings):
    ids = [vault.upload(people.shelter, dataset, "one.csv", one_record(row))["upload_id"] for row in ONE_RECORD_UPLOADS]
    vault.withdraw(people.shelter, ids[0])  # what is left of a withdrawn upload must not betray it either
    hex_windows, raw_windows = stored_digests([settings.home, vault.audit.checkpoint_file])
    guesses = found = 0
    actual = {hashlib.sha256(one_record(row)).digest() for row in ONE_RECORD_UPLOADS}
    covered = set()
    for nat, sex, age, status, month in itertools.product(NATIONALITIES, SEXES, range(100), STATUSES, MONTHS):
        row = (nat, sex, str(age), status, month)
        for newline in ("\n", "\r\n"):
            content = one_record(row, newline)
            line = ",".join(row).encode()
            for digest in (hashlib.sha256(content), hashlib.sha256(line), hashlib.md5(content), hashlib.sha1(content)):
                guesses += 1
                found += digest.hexdigest() in hex_windows or digest.digest() in raw_windows
            covered.add(hashlib.sha256(content).digest())
    assert actual <= covered and guesses > 1_000_000  # the guesses include every real upload, byte for byte
    assert found == 0


def test_withdrawal_leaves_no_trace_in_the_store(vault, people, dataset, settings):
    kept = vault.upload(people.shelter, dataset, "shelter_a.csv", (DATA / "shelter_a.csv").read_bytes())["upload_id"]
    gone = vault.upload(people.clinic, dataset, "clinic_b.csv", (DATA / "clinic_b.csv").read_bytes())["upload_id"]
    vault.publish(people.steward, dataset, "by-sex", by=["sex"])
    vault.withdraw(people.clinic, gone)
    store = (settings.vault_dir / "vault.sqlite").read_bytes()
    assert gone.encode() not in store and kept.encode() in store  # its row is deleted and the freed page overwritten
    assert not list((settings.vault_dir / "records").glob(f"*{gone}*"))
    assert not list(settings.vault_dir.glob("vault.sqlite-*"))  # no journal left behind
    with connect(settings.vault_dir) as db:
        assert db.execute("SELECT COUNT(*) FROM uploads WHERE upload_id = ?", (gone,)).fetchone()[0] == 0
        assert [json.loads(r[0]) for r in db.execute("SELECT uploads_json FROM publications")] == [[kept]]
    # The audit log keeps that an upload happened and was withdrawn (who, when, its random id), never size or content.
    mentions = [
        e for e in map(json.loads, (settings.vault_dir / "audit.log").read_text().splitlines()) if gone in json.dumps(e)
    ]
    assert [e["action"] for e in mentions] == ["upload", "withdraw"] and all("records" not in e for e in mentions)


def owner_only(roots: list[Path]) -> dict[str, str]:
    """Files not 0600 and folders not 0700 under the given roots."""
    wrong = {}
    for root in roots:
        for path in [root, *root.rglob("*")] if root.is_dir() else [root]:
            mode = stat.S_IMODE(path.stat().st_mode)
            if mode != (0o700 if path.is_dir() else 0o600):
                wrong[str(path)] = oct(mode)
    return wrong


def test_every_file_and_folder_the_vault_creates_is_owner_only(settings):
    previous = os.umask(0)  # the most permissive umask: only explicit modes protect the files
    try:
        vault = Vault(settings)
        admin = vault.authenticate(vault.bootstrap_admin()["token"])
        steward = vault.authenticate(vault.create_token(admin, "steward")["token"])
        shelter = vault.authenticate(vault.create_token(admin, "contributor", org="shelter-a")["token"])
        vault.set_rules(steward, "perm-grc", {"country": "GRC", "year": 2024, "dimensions": ["sex"]})
        vault.grant(steward, "perm-grc", "shelter-a", "owner")
        upload = vault.upload(shelter, "perm-grc", "shelter_a.csv", (DATA / "shelter_a.csv").read_bytes())["upload_id"]
        vault.upload(shelter, "perm-grc", "shelter_a.csv", (DATA / "shelter_a.csv").read_bytes())
        vault.publish(steward, "perm-grc", "perm-pub", by=["sex"])
        vault.withdraw(shelter, upload)
        vault.verify_audit()
        with connect(settings.vault_dir) as db:
            db.execute("INSERT INTO frames VALUES ('perm-grc', 'probe', ?)", ("x" * 10_000,))
            journal = settings.vault_dir / "vault.sqlite-journal"
            assert stat.S_IMODE(journal.stat().st_mode) == 0o600  # SQLite's journal takes the store's mode
            db.execute("DELETE FROM frames WHERE frame_key = 'probe'")
    finally:
        os.umask(previous)
    roots = [settings.vault_dir, settings.home / "contributed", settings.vault_key_file.parent]
    assert owner_only(roots) == {}
    assert {p.name for p in settings.vault_dir.iterdir()} == {"vault.sqlite", "audit.log", "records"}


def test_cell_keys_are_random_sealed_with_the_records_and_not_derived_from_content(vault, people, dataset, settings):
    first = vault.upload(people.shelter, dataset, "one.csv", one_record(ONE_RECORD_UPLOADS[0]))
    second = vault.upload(people.shelter, dataset, "one.csv", one_record(ONE_RECORD_UPLOADS[0]))
    keys = [
        open_records(vault.key, settings.vault_dir / "records", u["upload_id"], f"{dataset}|shelter-a")[2]
        for u in (first, second)
    ]
    assert len(keys[0]) == len(keys[1]) == 1 and keys[0] != keys[1]
    store = (settings.vault_dir / "vault.sqlite").read_bytes() + (settings.vault_dir / "audit.log").read_bytes()
    assert str(keys[0][0]).encode() not in store


LEGACY_UPLOADS = """CREATE TABLE uploads (
    upload_id TEXT PRIMARY KEY, dataset_id TEXT NOT NULL, org TEXT NOT NULL, n_records INTEGER NOT NULL,
    sha256 TEXT NOT NULL, created_at TEXT NOT NULL, status TEXT NOT NULL, withdrawn_at TEXT)"""


def test_a_store_of_an_earlier_version_loses_its_digests_and_withdrawn_rows(settings):
    settings.vault_dir.mkdir(parents=True)
    legacy_digest = hashlib.sha256(one_record(ONE_RECORD_UPLOADS[0])).hexdigest()
    with sqlite3.connect(settings.vault_dir / "vault.sqlite") as db:
        db.execute(LEGACY_UPLOADS)
        db.execute(
            "INSERT INTO uploads VALUES ('00000000000000aa', 'old-grc', 'shelter-a', 1, ?, '2024-01-01', 'active', "
            "NULL)",
            (legacy_digest,),
        )
        db.execute(
            "INSERT INTO uploads VALUES ('00000000000000bb', 'old-grc', 'clinic-b', 1, ?, '2024-01-01', 'withdrawn', "
            "'2024-02-01')",
            ("ab" * 32,),
        )
    db.close()
    with connect(settings.vault_dir) as db:
        assert "sha256" not in {row[1] for row in db.execute("PRAGMA table_info(uploads)")}
        assert [tuple(r) for r in db.execute("SELECT upload_id FROM uploads")] == [("00000000000000aa",)]
        assert [tuple(r) for r in db.execute("SELECT org, kind FROM grants")] == [("shelter-a", "contributor")]
    store = (settings.vault_dir / "vault.sqlite").read_bytes()
    assert legacy_digest.encode() not in store and b"00000000000000bb" not in store


@pytest.mark.parametrize("mode", [0o644, 0o755])
def test_existing_files_and_folders_are_tightened(settings, mode):
    settings.vault_dir.mkdir(parents=True, mode=0o755)
    os.chmod(settings.vault_dir, 0o755)
    (settings.vault_dir / "vault.sqlite").touch(mode=mode)
    os.chmod(settings.vault_dir / "vault.sqlite", mode)
    Vault(settings).bootstrap_admin()
    assert owner_only([settings.vault_dir]) == {}


def test_an_upload_sealed_before_cell_keys_gets_keys_once(vault, people, dataset, settings):
    upload = vault.upload(people.shelter, dataset, "one.csv", one_record(ONE_RECORD_UPLOADS[1]))["upload_id"]
    records = settings.vault_dir / "records"
    fields, rows, _ = open_records(vault.key, records, upload, f"{dataset}|shelter-a")
    nonce = os.urandom(12)  # rewrite it as an earlier version sealed it: records without keys
    plaintext = json.dumps({"fields": fields, "rows": rows}).encode()
    legacy = nonce + AESGCM(vault.key).encrypt(nonce, plaintext, f"{upload}|{dataset}|shelter-a".encode())
    (records / f"{upload}.sealed").write_bytes(legacy)
    first = vault._records(vault._active_uploads(dataset))
    assert [r.key for r in first] == [r.key for r in vault._records(vault._active_uploads(dataset))]
    assert open_records(vault.key, records, upload, f"{dataset}|shelter-a")[2] == [first[0].key]
