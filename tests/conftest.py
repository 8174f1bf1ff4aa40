"""Shared fixtures: the real data mirror, one full release built from it per session, and a tiny fixture source."""

from __future__ import annotations

import asyncio
import importlib.util
import os
import shutil
from pathlib import Path

import pytest
from hypothesis import settings as hypothesis_settings

from observatory.settings import Settings
from observatory.sources import registry
from observatory.sources.fetch import sha256_of
from observatory.sources.spec import SourceSpec, load_spec

DATA = Path(__file__).parent / "data"

# Property tests draw the same examples on every run, in any order and on any worker (a test's own settings may
# raise its example count), and never fail for being slow on a loaded machine.
hypothesis_settings.register_profile("observatory", derandomize=True, deadline=None)
hypothesis_settings.load_profile("observatory")


def _on_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """On CI a skip is a failure: a missing mirror, browser, Java or model must never let broken code land."""
    outcome = yield
    report = outcome.get_result()
    if _on_ci() and report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.outcome = "failed"
        report.longrepr = (
            f"CI does not skip tests: {reason} (on CI every test runs: test.sh installs the browser, "
            "Java and model; the mirror comes from OBSERVATORY_MIRROR)"
        )


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector):
    """A module skipped at import (a missing package) fails on CI too."""
    outcome = yield
    report = outcome.get_result()
    if _on_ci() and report.skipped:
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.outcome = "failed"
        report.longrepr = (
            f"CI does not skip tests: {reason} (on CI every test runs: test.sh installs the browser, "
            "Java and model; the mirror comes from OBSERVATORY_MIRROR)"
        )


@pytest.fixture(scope="module", autouse=True)
def no_event_loop_left_running():
    """Each test module starts with no event loop running on the main thread: a loop left open by an earlier module
    (Playwright's sync driver) fails every later asyncio.run(), and the order of the tests would decide the result."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        yield
        return
    pytest.fail("an event loop is still running on the main thread, left by an earlier test module")


@pytest.fixture(scope="session")
def mirror() -> Path:
    """The real data mirror named by OBSERVATORY_MIRROR (CI sets it); tests that need it skip without it."""
    value = os.environ.get("OBSERVATORY_MIRROR")
    if not value:
        pytest.skip("OBSERVATORY_MIRROR is not set: no real data mirror")
    path = Path(value).resolve()
    if not path.is_dir():
        pytest.fail(f"OBSERVATORY_MIRROR={value} is not a folder")
    return path


@pytest.fixture(scope="session")
def real_release(mirror, tmp_path_factory) -> Settings:
    """Settings of a home with one full release built from the real mirror (built once per test session)."""
    from observatory.warehouse.build import build_release

    settings = Settings(home=tmp_path_factory.mktemp("real-home"), mirror=mirror)
    build_release(settings)
    return settings


@pytest.fixture(scope="session")
def real_store(mirror: Path, tmp_path_factory):
    """All real corpora of the mirror imported once per session (without embeddings, to keep the suite fast); shared
    by the evidence and knowledge tests, which only read it."""
    from observatory.evidence.importer import import_mirror
    from observatory.evidence.store import EvidenceStore

    store = EvidenceStore(tmp_path_factory.mktemp("real-evidence") / "evidence.duckdb")
    reports = import_mirror(mirror, store, embed=False)
    return store, reports


@pytest.fixture(scope="module")
def con(real_release):
    """A read-only connection to the session's real release."""
    from observatory.warehouse import releases

    _, connection = releases.connect(real_release)
    yield connection
    connection.close()


def respec(spec: SourceSpec, mirror: Path) -> SourceSpec:
    """The same declaration with the checksums of the files as they are in `mirror` (for fixture mirrors)."""
    files = [raw.model_copy(update={"sha256": sha256_of(mirror / raw.path)}) for raw in spec.files]
    return spec.model_copy(update={"files": files})


class TinyWorld:
    """A fixture mirror with a five-country area reference and one tiny corridor source; files can be replaced."""

    def __init__(self, root: Path):
        self.mirror = root / "mirror"
        shutil.copytree(DATA / "mirror", self.mirror)
        self.settings = Settings(home=root / "home", mirror=self.mirror)
        spec_path = DATA / "tiny_source" / "source.yml"
        self.tiny_spec = load_spec(spec_path)
        module_spec = importlib.util.spec_from_file_location(
            "tiny_stock_connector", DATA / "tiny_source" / "connector.py"
        )
        self.connector = importlib.util.module_from_spec(module_spec)
        module_spec.loader.exec_module(self.connector)

    def write(self, relative: str, content: bytes | str) -> None:
        data = content.encode("utf-8") if isinstance(content, str) else content
        (self.mirror / relative).write_bytes(data)

    def specs(self) -> list[SourceSpec]:
        return [self.respec(registry.get_spec("area_reference")), self.respec(self.tiny_spec)]

    def respec(self, spec: SourceSpec) -> SourceSpec:
        """The declaration with the checksums of its files as they are in this fixture mirror."""
        return respec(spec, self.mirror)

    def build(self, **options):
        from observatory.warehouse.build import build_release

        return build_release(self.settings, specs=self.specs(), connectors={"tiny_stock": self.connector}, **options)


@pytest.fixture
def tiny_world(tmp_path) -> TinyWorld:
    return TinyWorld(tmp_path)
