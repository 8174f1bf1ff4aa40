"""Per-upload encrypted record files (AES-256-GCM) holding the records and their cell keys, written atomically
(owner-only) and destroyed by overwrite."""

from __future__ import annotations

import json
import os
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from observatory.firewall.errors import FirewallError
from observatory.firewall.metadata import private_dir

NONCE_BYTES = 12


def _fsync_dir(folder: Path) -> None:
    """Flush a folder entry so renames and deletions survive a crash."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def sealed_path(records_dir: Path, upload_id: str) -> Path:
    """Where one upload's sealed records live."""
    return records_dir / f"{upload_id}.sealed"


def seal_records(
    key: bytes,
    records_dir: Path,
    upload_id: str,
    context: str,
    fields: list[str],
    rows: list[tuple[str, ...]],
    record_keys: list[int],
) -> Path:
    """Encrypt the records and their cell keys in memory and write them atomically (temp file, fsync, rename)."""
    if len(record_keys) != len(rows):
        raise ValueError("every record needs exactly one cell key")
    private_dir(records_dir)
    plaintext = json.dumps({"fields": fields, "rows": rows, "keys": record_keys}, separators=(",", ":")).encode()
    nonce = os.urandom(NONCE_BYTES)
    blob = nonce + AESGCM(key).encrypt(nonce, plaintext, f"{upload_id}|{context}".encode())
    target = sealed_path(records_dir, upload_id)
    temp = records_dir / f".{upload_id}.partial"
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(blob)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, target)
        _fsync_dir(records_dir)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return target


def open_records(
    key: bytes, records_dir: Path, upload_id: str, context: str
) -> tuple[list[str], list[tuple[str, ...]], list[int] | None]:
    """Decrypt one upload's records and cell keys into memory (keys are None for an upload sealed before cell keys)."""
    blob = sealed_path(records_dir, upload_id).read_bytes()
    try:
        plaintext = AESGCM(key).decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], f"{upload_id}|{context}".encode())
    except InvalidTag:
        raise FirewallError("a sealed upload failed its integrity check (wrong key or tampered file)") from None
    data = json.loads(plaintext)
    return data["fields"], [tuple(row) for row in data["rows"]], data.get("keys")


def destroy_records(records_dir: Path, upload_id: str) -> bool:
    """Overwrite one upload's sealed file with random bytes, flush, then delete it."""
    path = sealed_path(records_dir, upload_id)
    if not path.exists():
        return False
    size = path.stat().st_size
    with open(path, "r+b") as handle:
        for _ in range(2):
            handle.seek(0)
            handle.write(os.urandom(size))
            handle.flush()
            os.fsync(handle.fileno())
    path.unlink()
    _fsync_dir(records_dir)
    return True


def remove_partials(records_dir: Path) -> None:
    """Delete temp files left by an interrupted write (they hold ciphertext only)."""
    if records_dir.is_dir():
        for temp in records_dir.glob(".*.partial"):
            temp.unlink(missing_ok=True)
