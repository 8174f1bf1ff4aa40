"""Bearer tokens: random, stored only as hashes, with roles, expiry and revocation."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from pathlib import Path
from types import MappingProxyType

from observatory.firewall.errors import Conflict, Forbidden, InvalidQuery, NotFound, Unauthenticated
from observatory.firewall.metadata import connect, iso, utc_now

TOKEN_PATTERN = re.compile(r"obs_([0-9a-f]{12})_([A-Za-z0-9_-]{43})")
ORG_PATTERN = re.compile(r"[a-z0-9][a-z0-9-]{1,39}")


class Role(StrEnum):
    """Who a token speaks for."""

    PUBLIC = "public"
    RESEARCHER = "researcher"
    CONTRIBUTOR = "contributor"
    STEWARD = "steward"
    ADMIN = "admin"


PERMISSIONS: Mapping[str, frozenset[Role]] = MappingProxyType(
    {
        "list_publications": frozenset(Role),
        "read_rules": frozenset({Role.RESEARCHER, Role.CONTRIBUTOR, Role.STEWARD, Role.ADMIN}),
        "aggregate": frozenset({Role.RESEARCHER, Role.STEWARD}),
        "upload": frozenset({Role.CONTRIBUTOR}),
        "list_uploads": frozenset({Role.CONTRIBUTOR, Role.STEWARD, Role.ADMIN}),
        "withdraw": frozenset({Role.CONTRIBUTOR}),
        "set_rules": frozenset({Role.STEWARD}),
        "grant": frozenset({Role.STEWARD}),
        "publish": frozenset({Role.STEWARD}),
        "manage_tokens": frozenset({Role.ADMIN}),
    }
)


@dataclass(frozen=True)
class Principal:
    """An authenticated caller (or the anonymous public)."""

    token_id: str | None
    role: Role
    org: str | None = None

    def audit_view(self) -> dict[str, str | None]:
        """How the caller appears in the audit log (never the token itself)."""
        return {"token": self.token_id, "role": self.role.value, "org": self.org}


ANONYMOUS = Principal(token_id=None, role=Role.PUBLIC)


def require(principal: Principal, action: str) -> None:
    """Refuse unless the caller's role may perform the action."""
    if principal.role not in PERMISSIONS[action]:
        if principal.role is Role.PUBLIC and principal.token_id is None:
            raise Unauthenticated(f"{action.replace('_', ' ')} needs a bearer token")
        raise Forbidden(f"role {principal.role.value!r} may not {action.replace('_', ' ')}")


def _hash(secret: str) -> str:
    """The stored form of a token secret."""
    return hashlib.sha256(secret.encode()).hexdigest()


def create_token(
    vault_dir: Path,
    role: Role | str,
    *,
    org: str | None = None,
    days: float = 30,
    label: str = "",
    expires_at: datetime | None = None,
    bootstrap: bool = False,
) -> tuple[str, str]:
    """Create a token; return (token_id, token). The token is shown once and only its hash is kept."""
    # With `bootstrap`, the token is created only if the vault holds no token at all, checked in the same immediate
    # transaction as the insert, so concurrent bootstraps yield exactly one admin.
    role = Role(role)
    if role is Role.CONTRIBUTOR and not org:
        raise InvalidQuery("a contributor token needs --org (the contributing organisation)")
    if org is not None and not ORG_PATTERN.fullmatch(org):
        raise InvalidQuery("org must be 2-40 characters: lower-case letters, digits and dashes")
    if days <= 0 and expires_at is None:
        raise InvalidQuery("days must be positive")
    now = utc_now()
    expiry = expires_at or now + timedelta(days=days)
    for _ in range(5):  # a 48-bit id collides almost never; the primary key refuses a duplicate and we draw again
        token_id, secret = secrets.token_hex(6), secrets.token_urlsafe(32)
        try:
            with connect(vault_dir) as db:
                if bootstrap and db.execute("SELECT COUNT(*) FROM tokens").fetchone()[0]:
                    raise Conflict("the vault already has tokens: the first admin exists; ask an admin for a token")
                db.execute(
                    "INSERT INTO tokens (token_id, secret_hash, role, org, label, created_at, expires_at) "
                    "VALUES (?,?,?,?,?,?,?)",
                    (token_id, _hash(secret), role.value, org, label[:80], iso(now), iso(expiry)),
                )
        except sqlite3.IntegrityError:
            continue
        return token_id, f"obs_{token_id}_{secret}"
    raise Conflict("could not draw an unused token id; try again")


def has_tokens(vault_dir: Path) -> bool:
    """Whether any token was ever created (the first admin is bootstrapped from the command line only)."""
    with connect(vault_dir) as db:
        return db.execute("SELECT COUNT(*) FROM tokens").fetchone()[0] > 0


def revoke_token(vault_dir: Path, token_id: str) -> None:
    """Revoke a token at once; it can never be used again."""
    with connect(vault_dir) as db:
        changed = db.execute(
            "UPDATE tokens SET revoked_at = ? WHERE token_id = ? AND revoked_at IS NULL", (iso(utc_now()), token_id)
        ).rowcount
    if not changed:
        raise NotFound("no active token with that id")


def authenticate(vault_dir: Path, token: str | None) -> Principal:
    """The caller a token speaks for; no token means the anonymous public."""
    if not token:
        return ANONYMOUS
    match = TOKEN_PATTERN.fullmatch(token.strip())
    if match is None:
        raise Unauthenticated("malformed token")
    token_id, secret = match.groups()
    with connect(vault_dir) as db:
        row = db.execute("SELECT * FROM tokens WHERE token_id = ?", (token_id,)).fetchone()
    if row is None or not hmac.compare_digest(row["secret_hash"], _hash(secret)):
        raise Unauthenticated("unknown token")
    if row["revoked_at"] is not None:
        raise Unauthenticated("token revoked")
    if datetime.fromisoformat(row["expires_at"]) <= utc_now():
        raise Unauthenticated("token expired")
    return Principal(token_id=token_id, role=Role(row["role"]), org=row["org"])
