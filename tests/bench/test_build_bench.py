"""The synthetic N× mirror of bench/build.py --scale: every observation source again under new keys, same shapes."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import duckdb
import pytest

from observatory.settings import Settings
from observatory.sources import registry
from observatory.sources.fetch import sha256_of
from observatory.warehouse.build import build_release

BENCH = Path(__file__).resolve().parents[2] / "bench" / "build.py"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("bench_build", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_scaled_inputs_copy_every_observation_source_under_new_keys(bench, mirror, tmp_path):
    links = tmp_path / "mirror"
    links.mkdir()
    specs, connectors, series, catalogue = bench.scaled_inputs(mirror, 3, links)
    originals = [spec for spec in registry.all_specs() if spec.provides == "observations"]
    assert len(specs) == len(registry.all_specs()) + 2 * len(originals)
    assert [spec.provides for spec in specs] == sorted(
        (spec.provides for spec in specs), key=["areas", "frameworks", "observations", "derived"].index
    )
    copies = {spec.id: spec for spec in specs if re.search(r"_k[23]$", spec.id)}
    assert set(copies) == set(connectors) == {f"{spec.id}_k{k}" for spec in originals for k in (2, 3)}
    original_measures = {m.id for spec in originals for m in spec.measures}
    for copy in copies.values():
        suffix = copy.id[copy.id.rindex("_k") :]
        assert all(m.id.endswith(suffix) and m.id[: -len(suffix)] in original_measures for m in copy.measures)
        assert copy.folder == registry.SOURCES_DIR / copy.original  # countries.yml and connector of the original
        for raw in copy.files[:1]:
            assert sha256_of(links / raw.path) == raw.sha256  # the same bytes under the copy's own path
    assert {"migrant_stock_k2", "migrant_stock_k3"} <= set(series)
    assert series["migrant_stock_k2"].order == [f"{d}_k2" for d in series["migrant_stock"].order]
    copied_indicators = [i for i in catalogue if i.id.endswith("_k2")]
    assert copied_indicators
    for indicator in copied_indicators:
        quoted = set(re.findall(r"'([a-z][a-z0-9_]*)'", indicator.formula))
        assert not quoted & original_measures, indicator.id


def test_scaled_copy_builds_the_same_rows_under_its_own_measures(bench, mirror, tmp_path):
    links = tmp_path / "mirror"
    links.mkdir()
    specs, connectors, series, _ = bench.scaled_inputs(mirror, 2, links)
    chosen = [spec for spec in specs if spec.id in ("area_reference", "sdg_10_7_2", "sdg_10_7_2_k2")]
    report = build_release(Settings(home=tmp_path / "home", mirror=links), specs=chosen, connectors=connectors)
    assert report.datasets["sdg_10_7_2_k2"] == report.datasets["sdg_10_7_2"] > 0
    con = duckdb.connect(str(report.release.path), read_only=True)
    try:
        differ = con.execute(
            """SELECT count(*) FROM (
                 (SELECT measure_id || '_k2', area, year, value FROM observation WHERE dataset_id = 'sdg_10_7_2'
                  EXCEPT ALL SELECT measure_id, area, year, value FROM observation WHERE dataset_id = 'sdg_10_7_2_k2')
                 UNION ALL
                 (SELECT measure_id, area, year, value FROM observation WHERE dataset_id = 'sdg_10_7_2_k2'
                  EXCEPT ALL
                  SELECT measure_id || '_k2', area, year, value FROM observation WHERE dataset_id = 'sdg_10_7_2'))"""
        ).fetchall()[0][0]
    finally:
        con.close()
    assert differ == 0
