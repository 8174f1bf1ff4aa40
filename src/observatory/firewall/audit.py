"""Append-only, hash-chained audit log of every vault access; it holds no record-level values."""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
from pathlib import Path
from typing import Any

from observatory.firewall.metadata import iso, utc_now

GENESIS = "0" * 64


def audit_path(vault_dir: Path) -> Path:
    """Where the audit log lives."""
    return vault_dir / "audit.log"


def _last_hash(handle) -> str:
    """The hash of the last entry, read from the end of the open log."""
    handle.seek(0, os.SEEK_END)
    size = handle.tell()
    if size == 0:
        return GENESIS
    handle.seek(max(0, size - 4096))
    last = handle.read().splitlines()[-1]
    return json.loads(last)["hash"]


def write_audit(vault_dir: Path, *, actor: dict[str, Any], action: str, outcome: str, **details: Any) -> None:
    """Append one entry (who, when, what, outcome, what was released) under an exclusive lock."""
    vault_dir.mkdir(parents=True, exist_ok=True)
    path = audit_path(vault_dir)
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o600)
    with os.fdopen(fd, "r+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        entry = {"at": iso(utc_now()), "actor": actor, "action": action, "outcome": outcome, **details, "prev": _last_hash(handle)}
        body = json.dumps(entry, sort_keys=True, separators=(",", ":"))
        entry["hash"] = hashlib.sha256(body.encode()).hexdigest()
        handle.write((json.dumps(entry, sort_keys=True, separators=(",", ":")) + "\n").encode())
        handle.flush()
        os.fsync(handle.fileno())


def read_audit(vault_dir: Path) -> list[dict[str, Any]]:
    """All audit entries, oldest first."""
    path = audit_path(vault_dir)
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def verify_audit(vault_dir: Path) -> int:
    """Check the hash chain; return the number of entries or raise ValueError naming the first broken line."""
    previous = GENESIS
    entries = read_audit(vault_dir)
    for number, entry in enumerate(entries, start=1):
        claimed = entry.pop("hash", None)
        body = json.dumps(entry, sort_keys=True, separators=(",", ":"))
        if entry.get("prev") != previous or hashlib.sha256(body.encode()).hexdigest() != claimed:
            raise ValueError(f"audit log broken at line {number}")
        previous = claimed
    return len(entries)
