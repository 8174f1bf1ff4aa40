"""Append-only audit log of every vault access: an HMAC chain under a key derived from the vault key, and a signed
checkpoint (entry count and head HMAC) kept apart from the log, so edits, truncation, re-chaining and emptying show."""

from __future__ import annotations

import fcntl
import hashlib
import hmac
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, BinaryIO

from observatory.firewall.errors import FirewallError
from observatory.firewall.keys import AUDIT_CHAIN, AUDIT_CHECKPOINT, derive_key
from observatory.firewall.metadata import iso, private_dir, utc_now

GENESIS = "0" * 64
TAIL_WINDOW = 65_536


class AuditTampered(FirewallError, ValueError):
    """The audit log or its checkpoint failed a check: the vault refuses to go on until an operator looks."""

    status = 503
    title = "Vault unavailable"


def audit_path(vault_dir: Path) -> Path:
    """Where the audit log lives."""
    return vault_dir / "audit.log"


def checkpoint_location(vault_dir: Path, key_file: Path) -> Path:
    """Where checkpoints are kept: beside the key (apart from the log) if that folder is writable, else in the vault."""
    beside_key = key_file.with_name(key_file.name + ".audit-checkpoint")
    if os.access(key_file.parent, os.W_OK):
        return beside_key
    return vault_dir / "audit.checkpoint"


def _canonical(entry: dict[str, Any]) -> bytes:
    """The bytes an entry's HMAC covers (every field but the HMAC itself)."""
    return json.dumps({k: v for k, v in entry.items() if k != "mac"}, sort_keys=True, separators=(",", ":")).encode()


def read_audit(vault_dir: Path) -> list[dict[str, Any]]:
    """All audit entries, oldest first."""
    path = audit_path(vault_dir)
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def _last_lines(handle: BinaryIO, count: int) -> list[bytes]:
    """The last `count` complete lines of the open log."""
    handle.seek(0, os.SEEK_END)
    size = handle.tell()
    handle.seek(max(0, size - TAIL_WINDOW))
    return [line for line in handle.read().splitlines() if line][-count:]


class AuditLog:
    """The keyed audit chain of one vault and its checkpoint."""

    def __init__(self, vault_dir: Path, vault_key: bytes, checkpoint_file: Path):
        self.vault_dir = vault_dir
        self.path = audit_path(vault_dir)
        self.checkpoint_file = checkpoint_file
        self._chain_key = derive_key(vault_key, AUDIT_CHAIN)
        self._checkpoint_key = derive_key(vault_key, AUDIT_CHECKPOINT)

    # --- entries ----------------------------------------------------------------------------------------------

    def _mac(self, entry: dict[str, Any]) -> str:
        """The HMAC that chains an entry (it covers the previous entry's HMAC)."""
        return hmac.new(self._chain_key, _canonical(entry), hashlib.sha256).hexdigest()

    def digest(self, value: Any) -> str:
        """A keyed digest of released values: the key holder can match a table to its entry; no one else can."""
        return hmac.new(self._chain_key, json.dumps(value, sort_keys=True).encode(), hashlib.sha256).hexdigest()

    @contextmanager
    def _locked(self) -> Iterator[BinaryIO]:
        """The log opened for appending under an exclusive lock (reopened if it was set aside while we waited)."""
        private_dir(self.vault_dir)
        while True:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o600)
            handle = os.fdopen(fd, "r+b")
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                current = os.path.samestat(os.fstat(fd), os.stat(self.path)) and not self._set_aside_legacy(handle)
            except OSError:
                current = False
            if current:
                break
            handle.close()
        try:
            if os.fstat(fd).st_mode & 0o077:
                os.fchmod(fd, 0o600)
            yield handle
        finally:
            handle.close()

    def _set_aside_legacy(self, handle: BinaryIO) -> bool:
        """Set aside an unkeyed log of an earlier version (it can be neither trusted nor re-signed)."""
        handle.seek(0)
        first = handle.readline()
        try:
            legacy = bool(first.strip()) and "mac" not in json.loads(first)
        except ValueError:
            return False  # a damaged first line is tampering; verification names it
        if legacy:
            target = self.vault_dir / f"audit.legacy-{utc_now().strftime('%Y%m%dT%H%M%S')}.log"
            os.rename(self.path, target)
            os.chmod(target, 0o600)
        return legacy

    def legacy_logs(self) -> list[str]:
        """Unkeyed logs of earlier versions set aside (they may quote identifiers of refused uploads)."""
        return sorted(p.name for p in self.vault_dir.glob("audit.legacy-*.log"))

    def write(self, *, actor: dict[str, Any], action: str, outcome: str, **details: Any) -> None:
        """Append one entry (who, when, what, outcome, what was released) and move the checkpoint to it."""
        with self._locked() as handle:
            try:
                tail = [json.loads(line) for line in _last_lines(handle, 2)]
                self._check_tail(tail)
                seq = tail[-1]["seq"] + 1 if tail else 1
                previous = tail[-1]["mac"] if tail else GENESIS
            except AuditTampered:
                raise
            except (ValueError, KeyError, TypeError, IndexError):
                raise AuditTampered(
                    "the audit log's last entries are damaged; run `observatory vault verify-audit`"
                ) from None
            entry = {
                "seq": seq,
                "at": iso(utc_now()),
                "actor": actor,
                "action": action,
                "outcome": outcome,
                **details,
                "prev": previous,
            }
            entry["mac"] = self._mac(entry)
            handle.write((json.dumps(entry, sort_keys=True, separators=(",", ":")) + "\n").encode())
            handle.flush()
            os.fsync(handle.fileno())
            self._write_checkpoint(seq, entry["mac"])

    # --- checkpoints ------------------------------------------------------------------------------------------

    def _checkpoint_mac(self, entries: int, head: str, at: str) -> str:
        """The signature of a checkpoint."""
        return hmac.new(self._checkpoint_key, f"{entries}|{head}|{at}".encode(), hashlib.sha256).hexdigest()

    def read_checkpoint(self) -> dict[str, Any] | None:
        """The last checkpoint, or None if there is none; a forged or damaged one is refused."""
        if not self.checkpoint_file.exists():
            return None
        try:
            point = json.loads(self.checkpoint_file.read_text(encoding="utf-8"))
            good = hmac.compare_digest(point["mac"], self._checkpoint_mac(point["entries"], point["head"], point["at"]))
        except (ValueError, KeyError, TypeError):
            good = False
        if not good:
            raise AuditTampered("the audit checkpoint is damaged or not signed with this vault's key")
        return point

    def _write_checkpoint(self, entries: int, head: str) -> None:
        """Replace the checkpoint atomically (temp file, fsync, rename)."""
        at = iso(utc_now())
        body = json.dumps({"entries": entries, "head": head, "at": at, "mac": self._checkpoint_mac(entries, head, at)})
        temp = self.checkpoint_file.with_name(f".{self.checkpoint_file.name}.{os.getpid()}.tmp")
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(body + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, self.checkpoint_file)

    def _check_tail(self, tail: list[dict[str, Any]]) -> None:
        """Before appending: the log must reach the checkpoint and end where it said (one unsigned step: a crash)."""
        point = self.read_checkpoint()
        entries = tail[-1]["seq"] if tail else 0
        if point is None:
            if entries:
                raise AuditTampered("the audit checkpoint is missing; run `observatory vault verify-audit`")
            self._write_checkpoint(0, GENESIS)
            return
        self._compare(point, entries, {e["seq"]: e["mac"] for e in tail})

    @staticmethod
    def _compare(point: dict[str, Any], entries: int, macs: dict[int, str]) -> None:
        """Refuse a log shorter than its checkpoint, or one whose entry at the checkpoint is not the one signed."""
        if entries < point["entries"]:
            raise AuditTampered(
                f"the audit log holds {entries} entries but its checkpoint of {point['at']} signed "
                f"{point['entries']}: entries were removed"
            )
        if entries > point["entries"] + 1:
            raise AuditTampered(
                f"the audit log holds {entries} entries, more than its checkpoint ({point['entries']}) allows"
            )
        head = macs.get(point["entries"], GENESIS if point["entries"] == 0 else None)
        if head is None or not hmac.compare_digest(head, point["head"]):
            raise AuditTampered(f"entry {point['entries']} of the audit log is not the one its checkpoint signed")

    # --- verification -----------------------------------------------------------------------------------------

    def verify(self) -> int:
        """Check every entry's HMAC and sequence and the checkpoint, then sign a new one; return the entry count."""
        with self._locked() as handle:
            handle.seek(0)
            lines = handle.read().splitlines()
            previous, macs = GENESIS, {}
            for number, line in enumerate(lines, start=1):
                try:
                    entry = json.loads(line)
                    good = (
                        entry.get("seq") == number
                        and entry.get("prev") == previous
                        and hmac.compare_digest(str(entry.get("mac")), self._mac(entry))
                    )
                except (ValueError, TypeError, AttributeError):
                    good = False
                if not good:
                    raise AuditTampered(f"audit log broken at line {number}")
                previous = macs[number] = entry["mac"]
            point = self.read_checkpoint()
            if point is None:
                if lines:
                    raise AuditTampered("the audit checkpoint is missing although the log holds entries")
            else:
                self._compare(point, len(lines), macs)
            self._write_checkpoint(len(lines), previous)
        return len(lines)

    def checkpoint(self) -> int:
        """Verify the chain and sign a checkpoint at its head (done on demand and when a server shuts down)."""
        return self.verify()
