"""Coded categories say what they mean: declared beside the indicator, written into the release, shown per kind."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from observatory.api.queries.corridors import corridor_profile
from observatory.api.release_cache import ReleaseHandle
from observatory.indicators.spec import IndicatorSpec, get_indicator, measure_category_labels
from observatory.warehouse import releases

MINIMAL = {
    "id": "demo",
    "title": "Demo",
    "definition": "A demo.",
    "unit": "persons",
    "kind": "flow",
    "level": "area",
    "inputs": ["demo_measure"],
    "formula": "SELECT 1",
}


def test_unhcr_application_types_are_declared_with_their_meaning():
    labels = measure_category_labels("unhcr_asylum_applications")
    assert labels["N"] == "new applications"
    assert labels["A"] == "appeals"
    assert labels["R"] == "repeat applications"
    assert measure_category_labels("unhcr_asylum_applications_cases") == labels


def test_decision_levels_and_flow_methods_are_declared():
    assert measure_category_labels("unhcr_asylum_decisions_total")["FI"] == "first-instance decisions"
    assert measure_category_labels("unhcr_asylum_decisions_closed_cases")["AR"].startswith(
        "decisions on administrative"
    )
    flow = get_indicator("corridor_flow")
    assert flow.headline_category in flow.category_labels
    assert "pseudo-Bayesian" in flow.category_labels["da_pb_closed"]


def test_a_headline_category_without_a_label_is_refused():
    with pytest.raises(ValidationError, match="headline category needs a label"):
        IndicatorSpec.model_validate({**MINIMAL, "category_labels": {"N": "new"}, "headline_category": "A"})


def test_labelled_measures_without_labels_are_refused():
    with pytest.raises(ValidationError, match="labelled_measures needs category_labels"):
        IndicatorSpec.model_validate({**MINIMAL, "labelled_measures": ["other_measure"]})


def test_the_release_carries_the_declared_labels(con):
    labels, measures = con.execute(
        "SELECT category_labels, category_measures FROM indicator WHERE id = 'asylum_applications'"
    ).fetchone()
    assert json.loads(labels)["A"] == "appeals"
    assert "unhcr_asylum_applications" in measures


@pytest.fixture(scope="module")
def handle(real_release):
    release = releases.require_current(real_release)
    opened = ReleaseHandle(release.release_id, release.path, releases.open_read_only(release.path))
    yield opened
    opened.close()


def test_mexico_usa_corridor_headlines_new_applications_not_appeals(handle):
    profile = corridor_profile(handle, "MEX", "USA")
    applications = next(m for m in profile["measures"] if m["measure"] == "unhcr_asylum_applications")
    assert applications["category"] == "N"
    assert applications["category_label"] == "new applications"
    by_code = {c["category"]: c for c in applications["categories"]}
    assert by_code["A"]["label"] == "appeals"
    new_2024 = {v["year"]: v["value"] for v in by_code["N"]["series"]}[2024]
    appeals_2024 = {v["year"]: v["value"] for v in by_code["A"]["series"]}[2024]
    assert (new_2024, appeals_2024) == (53985, 480)  # UNHCR: 53,985 new applications and 480 appeals in 2024
    # Kinds are never added up: the headline is new applications alone, never new applications plus appeals.
    year = applications["latest_year"]
    new = {v["year"]: v["value"] for v in by_code["N"]["series"]}[year]
    appeals = {v["year"]: v["value"] for v in by_code["A"]["series"]}.get(year, 0)
    assert applications["latest_value"] == new
    assert appeals == 0 or applications["latest_value"] != new + appeals


def test_every_coded_corridor_measure_names_its_categories(handle):
    measures = corridor_profile(handle, "MEX", "USA")["measures"]
    assert any(measure["categories"] for measure in measures)
    for measure in measures:
        for category in measure["categories"]:
            assert category["label"], (measure["measure"], category["category"])
