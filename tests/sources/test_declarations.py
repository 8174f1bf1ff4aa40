"""Meta-tests: every source.yml validates, names real mirror files with the right checksums, and a download route."""

from __future__ import annotations

import pytest
import yaml

from observatory.indicators.spec import load_catalogue
from observatory.sources import registry
from observatory.sources.fetch import sha256_of
from observatory.sources.series import declared_series

SPECS = registry.all_specs()


@pytest.mark.parametrize("spec", SPECS, ids=lambda spec: spec.id)
def test_declaration_is_complete(spec):
    assert spec.title and spec.publisher and spec.licence and spec.citation_full and spec.version_producer
    for raw in spec.files:
        assert raw.url_download or raw.converted_from or raw.mirror_only, (
            f"{raw.path}: no way to download this file, and no reason given"
        )
    if spec.provides in ("observations", "derived"):
        assert spec.measures, "a source of observations declares its measures"
        assert registry.connector(spec).parse.__doc__ is not None or registry.connector(spec).__doc__


@pytest.mark.mirror
@pytest.mark.parametrize("spec", [spec for spec in SPECS if spec.files], ids=lambda spec: spec.id)
def test_declared_checksums_match_the_mirror(spec, mirror):
    for raw in spec.files:
        assert sha256_of(mirror / raw.path) == raw.sha256, raw.path
        if raw.converted_from:
            assert sha256_of(mirror / raw.converted_from.path) == raw.converted_from.sha256, raw.converted_from.path


@pytest.mark.mirror
def test_every_mirror_data_file_is_loaded_by_some_source(mirror):
    """The manifest's datasets all reach the warehouse (evidence, flow examples and maps belong to other modules)."""
    declared = {raw.path for spec in SPECS for raw in spec.files} | {
        raw.converted_from.path for spec in SPECS for raw in spec.files if raw.converted_from
    }
    other_modules = ("evidence/", "flow_examples/", "geo/")
    on_disk = {str(path.relative_to(mirror)) for path in mirror.rglob("*") if path.is_file() and path.suffix != ".md"}
    unloaded = sorted(path for path in on_disk - declared if not path.startswith(other_modules))
    assert unloaded == []


def test_a_measure_given_by_several_sources_has_a_declared_order():
    """Two sources may give one measure only as editions or overlaps ordered in series.yml, never by accident."""
    given_by: dict[str, set[str]] = {}
    for spec in SPECS:
        for measure in spec.measures:
            given_by.setdefault(measure.id, set()).add(spec.id)
    series = declared_series()
    shared = {measure: sources for measure, sources in given_by.items() if len(sources) > 1}
    assert shared, "no measure is given by several sources"
    assert sorted(shared) == sorted(series), "series.yml must list exactly the measures that several sources give"
    for measure, sources in shared.items():
        assert set(series[measure].order) == sources, measure


def test_series_sources_declare_the_same_measure():
    """Editions of one series share kind, unit and level: otherwise they are different measures."""
    for measure_id in declared_series():
        shapes = {(m.kind, m.unit, m.level) for spec in SPECS for m in spec.measures if m.id == measure_id}
        assert len(shapes) == 1, (measure_id, shapes)


def test_every_indicator_input_is_a_declared_measure():
    declared = {measure.id for spec in SPECS for measure in spec.measures}
    for indicator in load_catalogue():
        assert set(indicator.inputs) <= declared, indicator.id


def test_country_mappings_are_valid_yaml():
    for spec in SPECS:
        path = spec.folder / "countries.yml"
        if path.exists():
            mapping = yaml.safe_load(path.read_text(encoding="utf-8"))
            assert isinstance(mapping, dict) and mapping and all(isinstance(k, str) for k in mapping)
