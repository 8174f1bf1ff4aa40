"""The review workflow of the knowledge layer: contributed -> published (or rejected), with the evidence tokens."""

from __future__ import annotations

from typing import Any

from observatory.evidence.review import AuthError, whoami
from observatory.evidence.store import EvidenceStore
from observatory.knowledge.store import KnowledgeStore, now

# Entities that go through review, and their tables.
REVIEWED = {"person": "people", "institution": "institutions", "policy": "policies"}
DECISIONS = {"accept": "published", "reject": "rejected", "request_changes": "changes_requested"}
OPEN_STATES = ("contributed", "changes_requested")


def token_store(store: KnowledgeStore) -> EvidenceStore:
    """The evidence store beside the knowledge store: its tokens and roles are the ones the library's review uses."""
    return EvidenceStore(store.path.with_name("evidence.duckdb"))


def contributor(token: str, store: KnowledgeStore) -> str:
    """Name behind a contributor or reviewer token; AuthError otherwise."""
    return whoami(token, store=token_store(store))


def reviewer(token: str, store: KnowledgeStore) -> str:
    """Name behind a reviewer token; AuthError otherwise."""
    return whoami(token, role="reviewer", store=token_store(store))


def review(
    entity: str, entry_id: str, decision: str, token: str, store: KnowledgeStore, comment: str | None = None
) -> str:
    """A reviewer's decision on a contributed entry; returns its new state. Reviewers never review their own."""
    if entity not in REVIEWED:
        raise ValueError(f"entity: must be one of {', '.join(REVIEWED)}")
    if decision not in DECISIONS:
        raise ValueError(f"decision: must be one of {', '.join(DECISIONS)}")
    name = reviewer(token, store)
    table = REVIEWED[entity]
    with store.connect() as con:
        row = con.execute(f"SELECT state, submitted_by FROM {table} WHERE id = ?", [entry_id]).fetchone()
        if row is None:
            raise KeyError(f"no {entity} with that id")
        state, submitter = row
        if state not in OPEN_STATES:
            raise ValueError(f"this {entity} is {state}, not waiting for review")
        if submitter == name:
            raise AuthError("reviewers cannot review their own contributions")
        new_state = DECISIONS[decision]
        con.execute("BEGIN")
        con.execute(f"UPDATE {table} SET state = ?, updated_at = ? WHERE id = ?", [new_state, now(), entry_id])
        store.log(con, entity, entry_id, decision, name, comment)
        store.bump(con)
        con.execute("COMMIT")
    return new_state


def pending(store: KnowledgeStore) -> list[dict[str, Any]]:
    """Entries waiting for review, oldest first."""
    parts = [
        f"SELECT '{entity}' AS entity, id, {'title' if table == 'policies' else 'name'} AS title, state, "
        f"submitted_by, created_at FROM {table} WHERE state IN ('contributed', 'changes_requested')"
        for entity, table in REVIEWED.items()
    ]
    rows = store.rows(" UNION ALL ".join(parts) + " ORDER BY created_at, id")
    return [{**r, "created_at": r["created_at"].isoformat()} for r in rows]
