"""The registry: every entry cites a source, kinds and statuses come from the vocabulary, review publishes, history
is kept, the firewall map lists countries by kind."""

from __future__ import annotations

import re

import pytest

from observatory.evidence.review import AuthError
from observatory.knowledge.policies import amend, contribute, firewall_map, get_policy, list_policies
from observatory.knowledge.review import review

SCHOOLS = {
    "kind": "firewall_arrangement",
    "firewall_kind": "education",
    "title": "Schools exempted from the duty to report irregular residents (Residence Act, section 87)",
    "country": "DEU",
    "status": "in_force",
    "in_force_from": "2011-11-26",
    "gcm": [7, 15],
    "themes": ["education", "irregular_migration"],
    "source": {
        "title": "Aufenthaltsgesetz, § 87 Übermittlungen an Ausländerbehörden",
        "url": "https://www.gesetze-im-internet.de/aufenthg_2004/__87.html",
    },
}


def test_no_entry_without_a_source(home):
    for data in ({k: v for k, v in SCHOOLS.items() if k != "source"}, {**SCHOOLS, "source": {}}):
        with pytest.raises(ValueError, match="^source:"):
            contribute(home.store, home.contributor, data, home.evidence)
    with pytest.raises(ValueError, match="source.url"):
        contribute(home.store, home.contributor, {**SCHOOLS, "source": {"title": "A law", "url": "ftp:x"}},
                   home.evidence)  # fmt: skip


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"kind": "treaty"}, "kind"),
        ({"status": "abolished"}, "status"),
        ({"firewall_kind": None}, "firewall_kind"),
        ({"kind": "law"}, "firewall_kind"),
        ({"gcm": [24]}, "gcm"),
        ({"country": "XYZ"}, "country"),
        ({"country": None}, "country"),
        ({"themes": ["astrology"]}, "theme"),
        ({"ended": "2020-01-01"}, "status"),
        ({"record_ids": ["ev-missing"]}, "record_ids"),
    ],
)
def test_each_bad_field_is_named(home, change, field):
    with pytest.raises(ValueError, match=rf"(^|: ){re.escape(field)}: ") as error:
        contribute(home.store, home.contributor, {**SCHOOLS, **change}, home.evidence)
    assert field in str(error.value)


def test_contributed_reviewed_published_with_history(home):
    with pytest.raises(AuthError, match="^unknown or revoked token$"):
        contribute(home.store, "wrong", SCHOOLS, home.evidence)
    pid = contribute(home.store, home.contributor, SCHOOLS, home.evidence)
    assert list_policies(home.store) == [] and get_policy(home.store, pid) is None
    assert firewall_map(home.store) == []
    with pytest.raises(ValueError, match="already registered"):
        contribute(home.store, home.contributor, SCHOOLS, home.evidence)
    with pytest.raises(AuthError, match="not a reviewer"):
        review("policy", pid, "accept", home.contributor, home.store)
    assert review("policy", pid, "request_changes", home.reviewer, home.store, "cite the law text") == (
        "changes_requested"
    )
    with pytest.raises(PermissionError, match="^only the contributor may amend an entry"):
        amend(home.store, home.other_reviewer, pid, SCHOOLS, home.evidence)  # not the contributor
    amend(home.store, home.contributor, pid, {**SCHOOLS, "summary": "Public schools need not report."}, home.evidence)
    assert review("policy", pid, "accept", home.reviewer, home.store) == "published"
    with pytest.raises(ValueError, match="not waiting for review"):
        review("policy", pid, "reject", home.reviewer, home.store)
    entry = get_policy(home.store, pid)
    assert entry["summary"] == "Public schools need not report." and entry["status_label"] == "In force"
    assert entry["source"]["url"].startswith("https://www.gesetze-im-internet.de/")
    assert [(h["action"], h["who"]) for h in entry["history"]] == [
        ("contributed", "Carla Contributor"),
        ("request_changes", "Rita Reviewer"),
        ("amended", "Carla Contributor"),
        ("accept", "Rita Reviewer"),
    ]
    assert firewall_map(home.store) == [
        {"country": "DEU", "kinds": ["education"], "entries": 1, "ids": [pid], "kind_labels": ["Education"]}
    ]
    assert [p["id"] for p in list_policies(home.store, country="DEU", kind="firewall_arrangement")] == [pid]
    assert list_policies(home.store, status="repealed") == []
    with pytest.raises(ValueError, match="^kind:"):
        list_policies(home.store, kind="treaty")


def test_a_practice_linked_to_evidence(home):
    record_id = home.store.rows("SELECT record_id FROM authorships ORDER BY record_id LIMIT 1")[0]["record_id"]
    practice = {
        "kind": "effective_practice",
        "title": "Seasonal climate information for herders",
        "country": "SEN",
        "status": "in_force",
        "gcm": [2],
        "themes": ["climate"],
        "record_ids": [record_id],
        "source": {"title": "Programme evaluation report", "publisher": "Ministry"},
    }
    pid = contribute(home.store, home.contributor, practice, home.evidence)
    review("policy", pid, "accept", home.other_reviewer, home.store)
    entry = get_policy(home.store, pid)
    assert entry["record_ids"] == [record_id] and entry["theme_labels"] == ["Climate and environment"]
    assert firewall_map(home.store) == []


def test_vocabularies_parse_into_whole_entries():
    from observatory.knowledge.vocab import load

    for name in ("policies.yml", "dialogues.yml", "assessments.yml"):
        for section, entries in load(name).items():
            ids = [e["id"] for e in entries]
            assert len(ids) == len(set(ids)), (name, section)
            for entry in entries:
                assert set(entry) <= {"id", "label", "description"}, (name, section, entry)
                assert isinstance(entry["label"], str) and entry["label"]
                assert entry.get("description", ".").endswith("."), (name, section, entry)  # not cut at a comma
