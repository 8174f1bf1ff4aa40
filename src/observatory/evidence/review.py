"""Contributions and review: token holders submit records, reviewers accept or reject, history is kept."""

from __future__ import annotations

import hashlib
import secrets

from observatory.evidence.importer import classify_records
from observatory.evidence.records import Record
from observatory.evidence.store import EvidenceStore, now

ROLES = ("contributor", "reviewer")
DECISIONS = {"accept": "public", "reject": "rejected", "request_changes": "pending"}


class AuthError(PermissionError):
    """A token is unknown, revoked, or lacks the role for the action."""


def hash_token(token: str) -> str:
    """SHA-256 of a token; only this is stored (tokens are 256-bit random, so no salt is needed)."""
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(name: str, role: str = "contributor", store: EvidenceStore | None = None) -> str:
    """Issue a new token for a person; the clear token is returned once and never stored."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {ROLES}")
    store = store or EvidenceStore()
    token = secrets.token_urlsafe(32)
    with store.connect() as con:
        con.execute("INSERT INTO tokens VALUES (?, ?, ?, ?, false)", [hash_token(token), name, role, now()])
    return token


def revoke_token(token: str, store: EvidenceStore | None = None) -> None:
    """Revoke a token."""
    store = store or EvidenceStore()
    with store.connect() as con:
        con.execute("UPDATE tokens SET revoked = true WHERE token_hash = ?", [hash_token(token)])


def whoami(token: str, role: str | None = None, store: EvidenceStore | None = None) -> str:
    """Name behind a valid token (reviewers may also contribute); raises AuthError otherwise."""
    store = store or EvidenceStore()
    with store.connect(read_only=True) as con:
        row = con.execute("SELECT name, role, revoked FROM tokens WHERE token_hash = ?", [hash_token(token)]).fetchone()
    if row is None or row[2]:
        raise AuthError("unknown or revoked token")
    name, has_role, _ = row
    if role == "reviewer" and has_role != "reviewer":
        raise AuthError(f"{name} is not a reviewer")
    return name


def submit(record: Record, token: str, store: EvidenceStore | None = None) -> str:
    """Submit a record for review; it stays out of search and profiles until accepted."""
    store = store or EvidenceStore()
    name = whoami(token, store=store)
    duplicate = store.find_duplicate(record)
    if duplicate is not None:
        raise ValueError(f"already in the library as {duplicate}; ask a curator to amend it")
    record = record.model_copy(update={"source": f"contribution:{name}"})
    result = store.write_records([record], status="pending", submitted_by=name)
    rid = result.ids[0]
    with store.connect() as con:
        con.execute("INSERT INTO reviews VALUES (?, ?, ?, 'submitted', NULL)", [rid, name, now()])
    classify_records(store, [rid])
    return rid


def review(
    record_id: str, decision: str, token: str, comment: str | None = None, store: EvidenceStore | None = None
) -> str:
    """A reviewer's decision (accept, reject, request_changes) on a pending record; returns the new status."""
    if decision not in DECISIONS:
        raise ValueError(f"decision must be one of {sorted(DECISIONS)}")
    store = store or EvidenceStore()
    reviewer = whoami(token, role="reviewer", store=store)
    with store.connect() as con:
        row = con.execute("SELECT status, submitted_by FROM records WHERE id = ?", [record_id]).fetchone()
        if row is None:
            raise KeyError(f"no record {record_id}")
        status, submitter = row
        if status != "pending":
            raise ValueError(f"record {record_id} is {status}, not pending review")
        if submitter == reviewer:
            raise AuthError("reviewers cannot review their own submissions")
        new_status = DECISIONS[decision]
        con.execute("BEGIN")
        con.execute("UPDATE records SET status = ?, updated_at = ? WHERE id = ?", [new_status, now(), record_id])
        con.execute("INSERT INTO reviews VALUES (?, ?, ?, ?, ?)", [record_id, reviewer, now(), decision, comment])
        con.execute("COMMIT")
        store.bump(con)
    return new_status


def review_history(record_id: str, store: EvidenceStore | None = None) -> list[dict]:
    """Who did what to a submission, when, with which comment (oldest first)."""
    store = store or EvidenceStore()
    with store.connect(read_only=True) as con:
        rows = con.execute(
            "SELECT reviewer AS who, decided_at AS at, decision, comment FROM reviews WHERE record_id = ? ORDER BY "
            "decided_at, rowid",
            [record_id],
        ).fetchall()
    return [{"who": w, "at": a.isoformat(), "decision": d, "comment": c} for w, a, d, c in rows]


def pending(store: EvidenceStore | None = None) -> list[dict]:
    """Submissions waiting for review."""
    store = store or EvidenceStore()
    with store.connect(read_only=True) as con:
        frame = con.execute(
            "SELECT id, title, year, submitted_by, created_at FROM records WHERE status = 'pending' ORDER BY created_at"
        ).df()
    return [{**r, "created_at": r["created_at"].isoformat()} for r in frame.to_dict("records")]
