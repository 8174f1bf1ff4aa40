"""The vault key: loaded from outside the project folder, or the vault refuses to start."""

from __future__ import annotations

import base64
import os
import stat
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from observatory.firewall.errors import VaultKeyError
from observatory.settings import Settings

KEY_BYTES = 32
AUDIT_CHAIN = b"observatory vault: audit chain v1"
AUDIT_CHECKPOINT = b"observatory vault: audit checkpoint v1"
IDENTITY = b"observatory vault: identities v1"


def _project_roots() -> list[Path]:
    (
        """Folders that count as the project (repository or release): the checkout of this code and the current """
        """repository."""
    )
    roots: list[Path] = []
    for start in (Path(__file__).resolve(), Path.cwd().resolve()):
        for parent in (start, *start.parents):
            if (parent / ".git").exists() or (parent / "pyproject.toml").exists():
                roots.append(parent)
                break
    return roots


def _inside(path: Path, folder: Path) -> bool:
    """Whether path lies inside folder (after resolving links)."""
    try:
        path.relative_to(folder)
    except ValueError:
        return False
    return True


def check_key_location(path: Path, settings: Settings) -> Path:
    """Refuse a key path inside the repository, the release or the observatory home (next to the ciphertext)."""
    resolved = path.expanduser().resolve()
    forbidden = [(root, "the project repository") for root in _project_roots()]
    forbidden.append((settings.home.expanduser().resolve(), "the observatory home (next to the vault it protects)"))
    for folder, what in forbidden:
        if _inside(resolved, folder):
            raise VaultKeyError(
                f"the vault key {str(resolved)!r} lies inside {what} ({str(folder)!r}); "
                "keep it outside the project and point OBSERVATORY_VAULT_KEY_FILE at it"
            )
    return resolved


def configured_key_path(settings: Settings) -> Path:
    """The configured key path, checked to be outside the project."""
    if settings.vault_key_file is None:
        raise VaultKeyError(
            "no vault key configured: create one outside the project with "
            "`observatory vault init-key /secure/place/vault.key` and set OBSERVATORY_VAULT_KEY_FILE to it"
        )
    return check_key_location(settings.vault_key_file, settings)


def create_vault_key(settings: Settings, path: Path | None = None) -> Path:
    """Write a new random key readable only by its owner; refuses to overwrite or to write inside the project."""
    target = check_key_location(path, settings) if path is not None else configured_key_path(settings)
    if not target.parent.exists():
        target.parent.mkdir(parents=True, mode=0o700)
    try:
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise VaultKeyError(f"a vault key already exists at {str(target)!r}; it is never overwritten") from None
    with os.fdopen(fd, "wb") as handle:
        handle.write(base64.urlsafe_b64encode(os.urandom(KEY_BYTES)) + b"\n")
    return target


def load_vault_key(settings: Settings) -> bytes:
    """Read the key; refuse a missing, malformed, group/world-readable or misplaced key."""
    path = configured_key_path(settings)
    if not path.is_file():
        raise VaultKeyError(
            f"the vault key file {str(path)!r} does not exist; create it with `observatory vault init-key`"
        )
    mode = path.stat().st_mode
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise VaultKeyError(f"the vault key file {str(path)!r} is readable by others; run `chmod 600` on it")
    try:
        key = base64.urlsafe_b64decode(path.read_bytes().strip())
    except ValueError:
        key = b""
    if len(key) != KEY_BYTES:
        raise VaultKeyError(f"the vault key file {str(path)!r} does not hold a {KEY_BYTES}-byte key")
    return key


def derive_key(vault_key: bytes, purpose: bytes) -> bytes:
    """A separate 32-byte key for one purpose (audit chain, checkpoints, identities), derived with HKDF-SHA256."""
    return HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=None, info=purpose).derive(vault_key)
