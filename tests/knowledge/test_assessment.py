"""The panel's assessment workflow on a tiny store: outline, chapters with lead authors from the directory, review
comments answered and kept, approvals, and publishing refused while a comment is unanswered."""

from __future__ import annotations

import pytest

from observatory.evidence.review import AuthError
from observatory.knowledge.assessment import (
    WorkflowError,
    add_chapter,
    add_comment,
    answer_comment,
    approve_chapter,
    create_assessment,
    get_assessment,
    list_assessments,
    located,
    publish_assessment,
    submit_chapter,
    unanswered,
)
from observatory.settings import Settings


def _people(home) -> dict[str, str]:
    """Directory ids of the tiny home's people by name."""
    rows = home.store.rows("SELECT id, name FROM people WHERE merged_into IS NULL AND state = 'published'")
    return {r["name"]: r["id"] for r in rows}


def _outline(people: dict[str, str]) -> dict:
    return {
        "title": "Climate, environment and migration in West Africa",
        "subtitle": "First assessment",
        "references": {"ipcc2022": "IPCC (2022). Climate Change 2022: Impacts, Adaptation and Vulnerability."},
        "chapters": [
            {"title": "Drought and mobility", "lead_authors": [people["Aminata Diallo"], people["Moussa Traoré"]]},
            {"title": "Cities as destinations", "lead_authors": [people["Fatou Ndiaye"]]},
        ],
    }


def test_outline_and_chapters_name_lead_authors_from_the_directory(home):
    people = _people(home)
    with pytest.raises(AuthError, match="Carla Contributor is not a reviewer"):
        create_assessment(home.store, home.contributor, _outline(people))
    bad = _outline(people)
    bad["chapters"][1]["lead_authors"] = ["pe-0000000000"]
    with pytest.raises(ValueError, match="^lead_authors: no published person of the research directory"):
        create_assessment(home.store, home.reviewer, bad)
    with pytest.raises(ValueError, match="^chapters.0.lead_authors: List should have at least 1 item"):
        create_assessment(
            home.store, home.reviewer, {"title": "No authors", "chapters": [{"title": "Empty", "lead_authors": []}]}
        )
    with pytest.raises(ValueError, match="^references: keys are letters"):
        create_assessment(home.store, home.reviewer, {"title": "Bad keys", "references": {"record:x": "A reference"}})
    assert list_assessments(home.store) == []  # nothing half-written by the refusals

    aid = create_assessment(home.store, home.reviewer, _outline(people))
    with pytest.raises(WorkflowError, match="^title: an assessment with this title exists already"):
        create_assessment(home.store, home.reviewer, _outline(people))
    health = {"title": "Health", "lead_authors": [people["Jürgen Müller"]]}
    with pytest.raises(AuthError, match="not a reviewer"):
        add_chapter(home.store, home.contributor, aid, health)
    assert add_chapter(home.store, home.reviewer, aid, health) == 3
    found = get_assessment(home.store, aid)
    assert found is not None and found["state"] == "outline" and found["state_label"] == "Outline set out"
    assert [(c["number"], c["title"], c["state"], c["version"]) for c in found["chapters"]] == [
        (1, "Drought and mobility", "planned", 0),
        (2, "Cities as destinations", "planned", 0),
        (3, "Health", "planned", 0),
    ]
    assert [a["name"] for a in found["chapters"][0]["lead_authors"]] == ["Aminata Diallo", "Moussa Traoré"]
    assert found["authors"] == ["Aminata Diallo", "Moussa Traoré", "Fatou Ndiaye", "Jürgen Müller"]
    assert [h["action"] for h in found["history"]] == [
        "outline created", "chapter 1 added", "chapter 2 added", "chapter 3 added",
    ]  # fmt: skip
    assert {h["who"] for h in found["history"]} == {"Rita Reviewer"}


def test_comments_are_answered_kept_and_block_publishing_until_answered(home, tmp_path):
    people = _people(home)
    aid = create_assessment(home.store, home.reviewer, _outline(people))
    with pytest.raises(WorkflowError, match="^chapter 1 has no text to comment on yet"):
        add_comment(home.store, home.other_reviewer, aid, 1, "Too early")
    assert submit_chapter(home.store, home.contributor, aid, 1, "Drought pushes people to move.\n\nSecond line.") == 1
    assert submit_chapter(home.store, home.reviewer, aid, 2, "Dakar grows.") == 1  # a reviewer may also write

    with pytest.raises(AuthError, match="not a reviewer"):
        add_comment(home.store, home.contributor, aid, 1, "Contributors do not review")
    with pytest.raises(PermissionError, match="^reviewers do not review chapters they wrote"):
        add_comment(home.store, home.reviewer, aid, 2, "My own chapter")
    with pytest.raises(ValueError, match="^line: a line number of the chapter's current text"):
        add_comment(home.store, home.reviewer, aid, 1, "Which line?", line=9)
    assert add_comment(home.store, home.reviewer, aid, 1, "Cite the drought record.") == 1
    assert add_comment(home.store, home.other_reviewer, aid, 1, "Say which years.", line=3) == 2
    assert add_comment(home.store, home.other_reviewer, aid, 2, "Which cities besides Dakar?") == 1

    settings = Settings(home=tmp_path / "no-release")
    with pytest.raises(WorkflowError, match=r"^cannot publish: unanswered review comment\(s\): ") as refused:
        publish_assessment(home.store, home.reviewer, settings, aid, ["html"])
    assert str(refused.value) == (
        "cannot publish: unanswered review comment(s): chapter 1 (Drought and mobility), comment 1; "
        "chapter 1 (Drought and mobility), comment 2; chapter 2 (Cities as destinations), comment 1"
    )
    with pytest.raises(WorkflowError, match=r"^cannot approve chapter 1: .*\(Drought and mobility\), comment 1"):
        approve_chapter(home.store, home.other_reviewer, aid, 1)

    with pytest.raises(PermissionError, match="^only the chapter's authors"):
        answer_comment(home.store, home.other_reviewer, aid, 1, 1, "Not my chapter")
    with pytest.raises(KeyError, match="no comment with that number"):
        answer_comment(home.store, home.contributor, aid, 1, 7, "No such comment")
    answer_comment(home.store, home.contributor, aid, 1, 1, "Done: cites the 2021 study.")
    with pytest.raises(WorkflowError, match="^comment 1 on chapter 1 is answered already"):
        answer_comment(home.store, home.contributor, aid, 1, 1, "Changing my answer")
    assert submit_chapter(home.store, home.contributor, aid, 1, "Drought pushes people to move (2010–2020).") == 2
    answer_comment(home.store, home.contributor, aid, 1, 2, "Years added in version 2.")
    assert [(c["chapter"], c["number"]) for c in unanswered(home.store, aid)] == [(2, 1)]

    with pytest.raises(PermissionError, match="^reviewers do not approve chapters they wrote"):
        approve_chapter(home.store, home.reviewer, aid, 2)
    with pytest.raises(WorkflowError, match="comment 1$"):
        approve_chapter(home.store, home.other_reviewer, aid, 2)
    assert approve_chapter(home.store, home.other_reviewer, aid, 1, "Both comments answered") == "approved"
    with pytest.raises(WorkflowError, match="^chapter 1 is approved; its text is final"):
        submit_chapter(home.store, home.contributor, aid, 1, "A late change")
    with pytest.raises(WorkflowError, match="^chapter 1 is approved; its review is closed"):
        add_comment(home.store, home.reviewer, aid, 1, "A late comment")
    with pytest.raises(WorkflowError, match=r"^cannot publish: unanswered review comment\(s\): ") as still:
        publish_assessment(home.store, home.reviewer, settings, aid, ["html"])
    assert str(still.value) == (
        "cannot publish: unanswered review comment(s): chapter 2 (Cities as destinations), comment 1"
    )

    found = get_assessment(home.store, aid)
    assert found is not None and found["state"] == "in_review"
    first = found["chapters"][0]
    assert (first["state"], first["version"], first["approved_by"]) == ("approved", 2, "Omar Reviewer")
    assert [v["version"] for v in first["versions"]] == [1, 2]
    assert first["text"] == "Drought pushes people to move (2010–2020)."
    kept = [(c["number"], c["version"], c["line"], c["body"], c["author"], c["answer"], c["answered_by"])
            for c in first["comments"]]  # fmt: skip
    assert kept == [
        (1, 1, None, "Cite the drought record.", "Rita Reviewer", "Done: cites the 2021 study.", "Carla Contributor"),
        (2, 1, 3, "Say which years.", "Omar Reviewer", "Years added in version 2.", "Carla Contributor"),
    ]
    assert found["chapters"][1]["unanswered"] == 1
    versions = home.store.rows("SELECT version, text FROM chapter_versions WHERE chapter = 1 ORDER BY version")
    assert [v["text"] for v in versions] == [
        "Drought pushes people to move.\n\nSecond line.", "Drought pushes people to move (2010–2020).",
    ]  # fmt: skip
    actions = [h["action"] for h in found["history"]]
    assert actions[-3:] == [
        "chapter 1 version 2 submitted", "chapter 1 comment 2 answered", "chapter 1 version 2 approved",
    ]  # fmt: skip
    assert "chapter 1 comment 1" in actions and "chapter 2 comment 1" in actions


def test_chapter_text_rules(home):
    people = _people(home)
    aid = create_assessment(home.store, home.reviewer, _outline(people))
    with pytest.raises(ValueError, match="^text: line 3: the outline sets the chapter's title"):
        submit_chapter(home.store, home.contributor, aid, 1, "Intro\n\n# A second title")
    with pytest.raises(ValueError, match="^text: give a text"):
        submit_chapter(home.store, home.contributor, aid, 1, "   ")
    with pytest.raises(ValueError, match="^text: at most 200000 characters"):
        submit_chapter(home.store, home.contributor, aid, 1, "x" * 200_001)
    with pytest.raises(KeyError, match="no chapter with that number"):
        submit_chapter(home.store, home.contributor, aid, 9, "Text")
    with pytest.raises(KeyError, match="no assessment with that id"):
        submit_chapter(home.store, home.contributor, "as-unknown", 1, "Text")
    seen = []

    def check(references, number, title, text):
        seen.append((references, number, title, text))
        raise ValueError("text: chapter 1, line 1: unknown indicator '…'")

    with pytest.raises(ValueError, match="^text: chapter 1, line 1: unknown indicator"):
        submit_chapter(home.store, home.contributor, aid, 1, "{{value nope area=SEN}}", check)
    assert seen == [(_outline(people)["references"], 1, "Drought and mobility", "{{value nope area=SEN}}")]
    assert get_assessment(home.store, aid)["chapters"][0]["version"] == 0  # a refused text is not kept


def test_report_errors_name_the_chapter_and_line_without_echoing_values():
    message = "/tmp/chapter-check-x1/chapter-02.md:7: unknown indicator 'nope' (not in the catalogue of release r1)"
    assert located(message) == "text: chapter 2, line 5: unknown indicator '…' (not in the catalogue of release r1)"
    message = "/home/x/source/chapter-01.md:3: '::: finding' needs exactly one finding id and nothing else"
    assert located(message) == "text: chapter 1, line 1: '::: finding' needs exactly one finding id and nothing else"
    assert located("/p/chapter-12.md: chapter file not found") == "text: chapter 12: chapter file not found"
