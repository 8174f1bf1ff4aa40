"""Meta-test: every catalogue indicator has a value recomputed from the raw files by a test, groups included."""

from __future__ import annotations

import importlib.util
from collections.abc import Iterable
from pathlib import Path

import pytest

from observatory.indicators.spec import IndicatorSpec, load_catalogue

HERE = Path(__file__).parent
CHECK_FILES = "test_values*.py"  # the modules whose tests recompute values from the raw files
# Marker names registered in tests/indicators/conftest.py.
INDEPENDENT = "independent"  # a country value (area indicators) or a corridor value (corridor indicators)
INDEPENDENT_GROUP = "independent_group"  # a group value, the members read from area_membership
AGGREGATED = ("sum", "ratio")  # indicators whose country values roll up to groups

Declared = dict[str, dict[str, set[str]]]  # marker name -> indicator id -> tests declaring it


def check_modules() -> list[Path]:
    return sorted(HERE.glob(CHECK_FILES))


def declared_checks(paths: Iterable[Path]) -> Declared:
    """What the test functions of these files declare with the independent markers (read from their pytest marks)."""
    declared: Declared = {INDEPENDENT: {}, INDEPENDENT_GROUP: {}}
    for path in paths:
        # A private module name: the file is imported again only to read its marks, never run from here.
        spec = importlib.util.spec_from_file_location(f"independent_checks_{path.stem}", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        for name, function in vars(module).items():
            if not name.startswith("test_") or not callable(function):
                continue
            for mark in getattr(function, "pytestmark", []):
                if mark.name in declared:
                    assert mark.args, f"{path.name}::{name}: @{mark.name}() names no indicator"
                    for indicator in mark.args:
                        declared[mark.name].setdefault(indicator, set()).add(f"{path.name}::{name}")
    return declared


def missing_checks(catalogue: Iterable[IndicatorSpec], declared: Declared) -> list[str]:
    """Each catalogue indicator without a declared independent check, in words."""
    missing = []
    for spec in catalogue:
        if spec.id not in declared[INDEPENDENT]:
            level = "corridor" if spec.level == "corridor" else "country"
            missing.append(f"{spec.id}: no {level} value recomputed from the raw file")
        if spec.aggregate in AGGREGATED and spec.id not in declared[INDEPENDENT_GROUP]:
            missing.append(f"{spec.id}: no group value recomputed from the raw file (aggregate: {spec.aggregate})")
    return missing


def misdeclared_checks(catalogue: Iterable[IndicatorSpec], declared: Declared) -> list[str]:
    """Declarations that cannot hold: unknown indicator ids, group checks of indicators that have no groups."""
    by_id = {spec.id: spec for spec in catalogue}
    problems = [
        f"{indicator}: not in the catalogue (declared by {sorted(tests)})"
        for marker in declared.values()
        for indicator, tests in marker.items()
        if indicator not in by_id
    ]
    problems += [
        f"{indicator}: has no group values (aggregate: {by_id[indicator].aggregate}) "
        f"but {sorted(tests)} claim a group check"
        for indicator, tests in declared[INDEPENDENT_GROUP].items()
        if indicator in by_id and by_id[indicator].aggregate not in AGGREGATED
    ]
    return problems


@pytest.fixture(scope="module")
def declared() -> Declared:
    paths = check_modules()
    assert len(paths) >= 2, f"no modules {CHECK_FILES} next to this file"
    return declared_checks(paths)


def test_the_markers_are_registered(pytestconfig):
    registered = [line.split("(")[0].split(":")[0] for line in pytestconfig.getini("markers")]
    assert {INDEPENDENT, INDEPENDENT_GROUP} <= set(registered)


def test_every_catalogue_indicator_is_recomputed_independently(declared):
    catalogue = load_catalogue()
    assert len(catalogue) >= 50
    missing = missing_checks(catalogue, declared)
    assert not missing, "indicators without an independent check:\n" + "\n".join(missing)


def test_declarations_name_real_indicators_and_groups(declared):
    assert declared[INDEPENDENT] and declared[INDEPENDENT_GROUP]
    problems = misdeclared_checks(load_catalogue(), declared)
    assert not problems, "\n".join(problems)


def test_the_meta_check_names_an_unchecked_indicator():
    """The check reads the catalogue: an indicator nobody recomputes, or one without its group check, is named."""
    base = {
        "title": "x",
        "definition": "x",
        "unit": "persons",
        "kind": "stock",
        "level": "area",
        "inputs": ["m"],
        "formula": "SELECT 1",
    }
    unchecked = IndicatorSpec(id="never_recomputed", aggregate="sum", **base)
    nothing: Declared = {INDEPENDENT: {}, INDEPENDENT_GROUP: {}}
    assert missing_checks((unchecked,), nothing) == [
        "never_recomputed: no country value recomputed from the raw file",
        "never_recomputed: no group value recomputed from the raw file (aggregate: sum)",
    ]
    catalogue = load_catalogue()
    countries_only: Declared = {INDEPENDENT: {spec.id: {"t::a"} for spec in catalogue}, INDEPENDENT_GROUP: {}}
    aggregated = [spec for spec in catalogue if spec.aggregate in AGGREGATED]
    assert aggregated
    assert missing_checks(catalogue, countries_only) == [
        f"{spec.id}: no group value recomputed from the raw file (aggregate: {spec.aggregate})" for spec in aggregated
    ]
    corridor = IndicatorSpec(id="corridor_never_recomputed", **{**base, "level": "corridor"})
    expected = "corridor_never_recomputed: no corridor value recomputed from the raw file"
    assert missing_checks((corridor,), nothing) == [expected]


def test_the_meta_check_refuses_claims_that_cannot_hold():
    declared = {INDEPENDENT: {"migrant_vibes": {"t::a"}}, INDEPENDENT_GROUP: {"fragility_index": {"t::b"}}}
    assert misdeclared_checks(load_catalogue(), declared) == [
        "migrant_vibes: not in the catalogue (declared by ['t::a'])",
        "fragility_index: has no group values (aggregate: none) but ['t::b'] claim a group check",
    ]
