"""Dialogue cycle: the IOM IC/2010/5 seed loaded with its source, proposals, positions, selection, workshops and the
generated dialogue record."""

from __future__ import annotations

import pytest
import yaml

from observatory.evidence.review import AuthError
from observatory.knowledge.dialogues import (
    SEED_FILE,
    get_theme,
    get_workshop,
    list_themes,
    load_seed,
    propose_theme,
    record_endorsement,
    record_workshop,
    select_theme,
)


def _flat(text: str) -> str:
    return " ".join(text.split())


def test_every_seed_quote_is_in_the_seed_document(seed_text):
    from importlib import resources

    seed = yaml.safe_load(resources.files("observatory.knowledge").joinpath("seeds", SEED_FILE).read_text())
    document = _flat(seed_text)
    quotes = []
    for item in seed["themes"] + seed["workshops"]:
        quotes.append(item["source"]["quote"])
        quotes += item.get("common_understandings", [])
        assert item["source"]["file"].startswith("seeds/004_")
    quotes += [t["rationale"] for t in seed["themes"] if t["status"] == "proposed"]
    assert len(quotes) == 10
    for quote in quotes:
        assert _flat(quote) in document, quote
    assert "IC/2010/5" in seed_text and "Geneva, 16 April 2010" in seed_text


def test_the_seed_loads_once_as_records_with_their_source(home):
    assert load_seed(home.store) == {"themes": 3, "workshops": 2}
    assert load_seed(home.store) == {"themes": 0, "workshops": 0}
    themes = {t["id"]: t for t in list_themes(home.store)}
    assert themes["idm-2011-future-of-migration"]["status"] == "proposed"
    assert themes["idm-2011-human-security"]["title"] == "Migration and human security"
    assert themes["idm-2010-social-change"]["workshops"] == 2
    workshop = get_workshop(home.store, "idm-2010-transnationalism")
    assert (workshop["starts"], workshop["ends"], workshop["place"]) == ("2010-03-09", "2010-03-10", "Geneva")
    assert workshop["participants_total"] == 225
    assert [(p["kind"], p["count"]) for p in workshop["participants"]] == [
        ("government", 154),
        ("intergovernmental", 35),
        ("non_governmental_private_academia_media", 26),
    ]
    assert "IC/2010/5" in workshop["source"]["title"] and workshop["history"][0]["who"] == "seed: IOM IC/2010/5"
    assert get_workshop(home.store, "idm-2010-societies-identities")["state"] == "planned"


def test_positions_and_selection_are_recorded_by_reviewers(home):
    load_seed(home.store)
    with pytest.raises(AuthError, match=" is not a reviewer$"):
        record_endorsement(home.store, home.contributor, "idm-2011-human-security", "MEX", "endorse", "note IC/2010/8")
    with pytest.raises(ValueError, match="position"):
        record_endorsement(home.store, home.reviewer, "idm-2011-human-security", "MEX", "loves", "x")
    with pytest.raises(ValueError, match="source"):
        record_endorsement(home.store, home.reviewer, "idm-2011-human-security", "MEX", "endorse", " ")
    record_endorsement(home.store, home.reviewer, "idm-2011-human-security", "mex", "endorse", "statement, 2010")
    record_endorsement(home.store, home.reviewer, "idm-2011-future-of-migration", "PHL", "prefer", "statement")
    select_theme(home.store, home.reviewer, "idm-2011-future-of-migration", "membership choice")
    human = get_theme(home.store, "idm-2011-human-security")
    assert human["status"] == "not_selected" and human["endorsement_list"][0]["member"] == "MEX"
    future = get_theme(home.store, "idm-2011-future-of-migration")
    assert future["status"] == "selected"
    assert [h["action"] for h in future["history"]] == ["proposed", "prefer recorded for PHL", "selected"]


def test_proposals_and_workshops_validate_their_fields(home):
    theme = {
        "id": "idm-2012-mobility-health",
        "title": "Migration and health",
        "year": 2012,
        "proposed_by": "Philippines",
        "rationale": "Health of migrants across the cycle.",
        "evidence_themes": ["health"],
        "source": {"title": "Member proposal, 2011"},
    }
    with pytest.raises(ValueError, match="^source:"):
        propose_theme(home.store, home.contributor, {**theme, "source": None})
    with pytest.raises(ValueError, match="id:"):
        propose_theme(home.store, home.contributor, {**theme, "id": "Bad Id!"})
    assert propose_theme(home.store, home.contributor, theme) == "idm-2012-mobility-health"
    workshop = {
        "id": "idm-2012-health-workshop",
        "theme_id": "idm-2012-mobility-health",
        "title": "Health and mobility",
        "starts": "2012-04-24",
        "place": "Geneva",
        "participants_total": 10,
        "participants": [{"kind": "government", "count": 8}, {"kind": "academia", "count": 5}],
        "source": {"title": "Workshop report"},
    }
    with pytest.raises(AuthError, match=" is not a reviewer$"):
        record_workshop(home.store, home.contributor, workshop)
    with pytest.raises(ValueError, match="participants_total"):
        record_workshop(home.store, home.reviewer, workshop)
    with pytest.raises(ValueError, match="participants.0.kind"):
        record_workshop(home.store, home.reviewer, {**workshop, "participants": [{"kind": "aliens", "count": 1}]})
    with pytest.raises(ValueError, match="institution_ids"):
        record_workshop(home.store, home.reviewer, {**workshop, "participants_total": 13, "institution_ids": ["x"]})
    institution = home.store.rows("SELECT id FROM institutions")[0]["id"]
    record_workshop(home.store, home.reviewer, {**workshop, "participants_total": 13, "institution_ids": [institution]})
    assert get_workshop(home.store, "idm-2012-health-workshop")["institutions"][0]["id"] == institution
