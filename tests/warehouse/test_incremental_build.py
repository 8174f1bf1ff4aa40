"""Incremental builds on real mirror files: unchanged sources are copied from the current release, the rest is made
again, and the result equals a full build of the same inputs table by table."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from observatory.cli.main import app
from observatory.settings import Settings
from observatory.sources import registry
from observatory.sources.errors import SourceError
from observatory.warehouse import incremental, releases
from observatory.warehouse.build import BuildError, build_release

# Small real sources: two series pairs (IOM Missing Migrants editions, IDMC), single sources and the derived flows
# (whose inputs are absent here, so it notes that and stays reusable).
SOURCES = (
    "area_reference",
    "global_compacts",
    "sdg_10_7_2",
    "mipex_2010",
    "iom_missing_migrants",
    "iom_missing_migrants_2025",
    "idmc_displacements",
    "idmc_2024",
    "observatory_flow_estimates",
)
# The "largest" example of a year-on-year jump check is one of several tied changes, picked in no fixed order.
_TIED_EXAMPLE = re.compile(r" \(largest: [^)]*\)")


def _specs(**changes):
    """The SOURCES specs, with `changes` (source id -> field updates) applied."""
    return [
        registry.get_spec(source).model_copy(update=changes[source]) if source in changes else registry.get_spec(source)
        for source in SOURCES
    ]


def _digest(path: Path, *, with_retrieval_times: bool = True) -> dict[str, tuple[int, int]]:
    """Per table: row count and an order-free checksum of the rows (doubles to 10 significant digits)."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        tables = [
            row[0]
            for row in con.execute("SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main'").fetchall()
            if row[0] not in ("release_info", "build_input")
        ]
        digest = {}
        for table in tables:
            columns = con.execute(f"DESCRIBE {table}").fetchall()
            selected = []
            for name, kind, *_ in columns:
                if table == "dataset" and name == "retrieved_at" and not with_retrieval_times:
                    continue
                if kind == "DOUBLE":  # parallel sums of doubles differ in the last bits from run to run
                    selected.append(f"printf('%.10g', \"{name}\")")
                elif table == "check_result" and name == "message":
                    selected.append(f"regexp_replace(message, '{_TIED_EXAMPLE.pattern}', '')")
                else:
                    selected.append(f'"{name}"')
            digest[table] = con.execute(
                f"SELECT count(*), coalesce(sum(hash({', '.join(selected)})::HUGEINT), 0) FROM {table}"
            ).fetchall()[0]
        return digest
    finally:
        con.close()


@pytest.fixture(scope="module")
def base_home(mirror, tmp_path_factory) -> Path:
    """A home whose current release is a full build of SOURCES."""
    home = tmp_path_factory.mktemp("incremental-base")
    report = build_release(Settings(home=home, mirror=mirror), specs=_specs())
    assert report.reused == []
    return home


def _copy_home(base_home: Path, tmp_path: Path) -> Settings:
    home = tmp_path / "home"
    shutil.copytree(base_home, home)
    return home


def _current(home: Path) -> Path:
    release = releases.current_release(Settings(home=home))
    assert release is not None
    return release.path


def test_unchanged_rebuild_copies_every_source_and_equals_its_base(base_home, mirror, tmp_path):
    home = _copy_home(base_home, tmp_path)
    before = _current(home)
    report = build_release(Settings(home=home, mirror=mirror), specs=_specs())
    assert sorted(report.reused) == sorted(SOURCES)
    assert _current(home) != before
    assert _digest(_current(home)) == _digest(before)  # provenance too: retrieval times of copied datasets kept
    assert report.datasets == {k: v for k, v in report.datasets.items() if k in SOURCES}
    assert report.indicator_values > 0


def test_changed_series_source_is_parsed_again_and_equals_a_full_build(base_home, mirror, tmp_path):
    changed = {"iom_missing_migrants_2025": {"note": "declaration changed"}}
    home = _copy_home(base_home, tmp_path)
    report = build_release(Settings(home=home, mirror=mirror), specs=_specs(**changed))
    assert sorted(report.reused) == sorted(set(SOURCES) - {"iom_missing_migrants_2025"})
    full = build_release(Settings(home=tmp_path / "full", mirror=mirror), specs=_specs(**changed))
    assert full.reused == []
    incremental_digest = _digest(_current(home), with_retrieval_times=False)
    assert incremental_digest == _digest(full.release.path, with_retrieval_times=False)
    assert incremental_digest["series_choice"][0] > 0  # the series were chosen again over both editions
    con = duckdb.connect(str(_current(home)), read_only=True)
    try:
        notes = con.execute("SELECT note FROM dataset WHERE id = 'iom_missing_migrants_2025'").fetchall()
        kept = con.execute(
            "SELECT count(*) FROM check_result WHERE dataset_id = 'series' AND message LIKE 'internal_displacements%'"
        ).fetchall()[0][0]
    finally:
        con.close()
    assert notes == [("declaration changed",)]
    assert kept == 2  # the IDMC series' findings were copied, not lost


def test_source_left_out_is_removed_with_everything_that_read_it(base_home, mirror, tmp_path):
    home = _copy_home(base_home, tmp_path)
    specs = [spec for spec in _specs() if spec.id != "sdg_10_7_2"]
    report = build_release(Settings(home=home, mirror=mirror), specs=specs)
    assert "sdg_10_7_2" not in report.datasets and "sdg_10_7_2" not in report.reused
    full = build_release(Settings(home=tmp_path / "full", mirror=mirror), specs=specs)
    assert _digest(_current(home), with_retrieval_times=False) == _digest(full.release.path, with_retrieval_times=False)


def test_changed_raw_file_is_parsed_again(base_home, mirror, tmp_path):
    """A raw file whose checksum changed is read again (here allowed, with a warning), the others are copied."""
    local_mirror = tmp_path / "mirror"
    local_mirror.mkdir()
    changed_file = registry.get_spec("mipex_2010").files[0].path
    for spec in _specs():
        for raw in spec.files:
            target = local_mirror / raw.path
            target.parent.mkdir(parents=True, exist_ok=True)
            if raw.path == changed_file:
                target.write_bytes((mirror / raw.path).read_bytes() + b"\n")
            else:
                target.symlink_to(mirror / raw.path)
    home = _copy_home(base_home, tmp_path)
    report = build_release(Settings(home=home, mirror=local_mirror), specs=_specs(), strict_checksums=False)
    assert sorted(report.reused) == sorted(set(SOURCES) - {"mipex_2010"})
    assert [f.dataset_id for f in report.findings if f.check_name == "checksum"] == ["mipex_2010"]


def test_changed_build_code_makes_a_full_build(base_home, mirror, tmp_path, monkeypatch):
    monkeypatch.setattr(incremental, "code_fingerprint", lambda series: "another version of the build code")
    home = _copy_home(base_home, tmp_path)
    report = build_release(Settings(home=home, mirror=mirror), specs=_specs())
    assert report.reused == []


def test_build_command_copies_unchanged_sources_unless_full_is_given(base_home, mirror, tmp_path):
    """`observatory build` reuses what did not change; `--full` parses every source again and gives the same tables."""
    home = _copy_home(base_home, tmp_path)
    before = _current(home)
    chosen = [arg for source in SOURCES if source != "area_reference" for arg in ("--source", source)]
    command = ["build", "--mirror", str(mirror), "--home", str(home), *chosen]
    reused = CliRunner().invoke(app, command, env={"COLUMNS": "400"})
    assert reused.exit_code == 0, reused.output
    assert f"{len(SOURCES)} unchanged sources copied from the previous release" in reused.output
    full = CliRunner().invoke(app, [*command, "--full"], env={"COLUMNS": "400"})
    assert full.exit_code == 0, full.output
    assert "0 unchanged sources copied from the previous release" in full.output
    assert _digest(_current(home), with_retrieval_times=False) == _digest(before, with_retrieval_times=False)


def test_failing_incremental_build_keeps_the_current_release(base_home, mirror, tmp_path):
    """A source that now fails stops the build: CURRENT and the release files stay as they were."""
    home = _copy_home(base_home, tmp_path)
    before = _current(home)
    files_before = sorted(path.name for path in (home / "releases").iterdir())

    class Broken:
        @staticmethod
        def parse(ctx):
            raise SourceError("mipex_bernauer/mipex.csv", "value 'x' is not a valid integer", row=7, field="year")

    with pytest.raises(BuildError, match="mipex_2010"):
        build_release(Settings(home=home, mirror=mirror), specs=_specs(), connectors={"mipex_2010": Broken})
    assert _current(home) == before
    assert sorted(path.name for path in (home / "releases").iterdir()) == files_before


def test_plan_without_fingerprints_in_the_base_is_a_full_build(tmp_path):
    """A release from before fingerprints were stored (or unreadable) is never the start of an incremental build."""
    path = tmp_path / "old.duckdb"
    duckdb.connect(str(path)).execute("CREATE TABLE dataset (id VARCHAR)").close()
    assert incremental.read_base(path) is None
    (tmp_path / "junk.duckdb").write_bytes(b"not a database")
    assert incremental.read_base(tmp_path / "junk.duckdb") is None


def test_derived_sources_declare_every_source_they_read():
    """A derived source is reused while its declared inputs are unchanged: its connector may read no other source."""
    specs = registry.all_specs()
    datasets = {spec.id for spec in specs}
    providers: dict[str, set[str]] = {}
    for spec in specs:
        for measure in spec.measures:
            providers.setdefault(measure.id, set()).add(spec.id)
    derived = [spec for spec in specs if spec.provides == "derived" and spec.derived_from]
    assert derived, "no derived source declares its inputs"
    for spec in derived:
        text = (spec.folder / "connector.py").read_text(encoding="utf-8")
        named = set(re.findall(r"['\"]([a-z][a-z0-9_]*)['\"]", text))
        assert named & datasets <= set(spec.derived_from), spec.id
        own = {measure.id for measure in spec.measures}
        for measure in named & set(providers) - own:
            assert providers[measure] & set(spec.derived_from), (spec.id, measure)
        assert set(spec.derived_from) <= datasets, spec.id
