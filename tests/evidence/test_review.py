"""Contributions are public only after review; tokens are hashed; the history is kept."""

from __future__ import annotations

import pytest

from observatory.evidence.records import Record
from observatory.evidence.review import (
    AuthError,
    create_token,
    hash_token,
    pending,
    review,
    review_history,
    revoke_token,
    submit,
)
from observatory.evidence.search import search


def test_submit_review_flow(store) -> None:
    contributor = create_token("Nadia", "contributor", store)
    reviewer = create_token("Ravi", "reviewer", store)
    with store.connect() as con:
        stored = [r[0] for r in con.execute("SELECT token_hash FROM tokens").fetchall()]
    assert contributor not in stored and hash_token(contributor) in stored

    rid = submit(Record(title="Testimonies of Darien Gap crossings", year=2024, type="testimony"), contributor, store)
    assert [p["id"] for p in pending(store)] == [rid]
    assert search("Darien", store=store, semantic=False) == []
    with pytest.raises(AuthError, match="^Nadia is not a reviewer$"):
        review(rid, "accept", contributor, store=store)
    assert review(rid, "accept", reviewer, "checked with the NGO", store) == "public"
    assert [h["title"] for h in search("Darien", store=store, semantic=False)] == [
        "Testimonies of Darien Gap crossings"
    ]
    history = review_history(rid, store)
    assert [(h["who"], h["decision"]) for h in history] == [("Nadia", "submitted"), ("Ravi", "accept")]
    assert history[1]["comment"] == "checked with the NGO" and history[1]["at"]
    with pytest.raises(ValueError, match=f"^record {rid} is public, not pending review$"):
        review(rid, "reject", reviewer, store=store)
    with pytest.raises(ValueError, match="already in the library"):
        submit(Record(title="Testimonies of Darien Gap Crossings!", year=2024), contributor, store)


def test_rejection_self_review_and_revocation(store) -> None:
    reviewer = create_token("Ravi", "reviewer", store)
    rid = submit(Record(title="My own report", year=2020), reviewer, store)
    with pytest.raises(AuthError, match="^reviewers cannot review their own submissions$"):
        review(rid, "accept", reviewer, store=store)
    other = create_token("Lea", "reviewer", store)
    assert review(rid, "reject", other, "out of scope", store) == "rejected"
    assert store.count("rejected") == 1 and store.count() == 0
    revoke_token(other, store)
    with pytest.raises(AuthError, match="^unknown or revoked token$"):
        submit(Record(title="Another"), other, store)
    with pytest.raises(AuthError, match="^unknown or revoked token$"):
        submit(Record(title="Another"), "not-a-token", store)
