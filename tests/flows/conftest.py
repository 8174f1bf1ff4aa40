"""Shared fixtures for the flow tests: the reference cases are read from the data mirror, never copied."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

CASE_FOLDER = "flow_examples"


def skip_reason() -> str:
    """Why the reference cases cannot run: no mirror named, or a mirror without its flow_examples folder."""
    root = mirror_dir()
    if root is None:
        return "OBSERVATORY_MIRROR is not set; the migest reference cases live in $OBSERVATORY_MIRROR/flow_examples"
    return f"the mirror has no {CASE_FOLDER}/ folder with the migest reference cases (*.json)"


def mirror_dir() -> Path | None:
    """The mirror folder from the environment (read at collection time, only by tests)."""
    value = os.environ.get("OBSERVATORY_MIRROR")
    return Path(value) if value else None


def case_names() -> list[str]:
    """Names of the reference cases in the mirror (empty when no mirror is set)."""
    root = mirror_dir()
    if root is None:
        return []
    return sorted(p.stem for p in (root / CASE_FOLDER).glob("*.json"))


@pytest.fixture(scope="session")
def mirror() -> Path:
    """The mirror folder, or a clear skip when it is not configured."""
    root = mirror_dir()
    if root is None:
        pytest.skip(skip_reason())
    return root


@pytest.fixture(scope="session")
def load_case(mirror):
    """Load one reference case by name."""

    def _load(name: str) -> dict:
        return json.loads((mirror / CASE_FOLDER / f"{name}.json").read_text())

    return _load


def pytest_generate_tests(metafunc):
    """Parametrise `case_name` (minus a module's DELIBERATE set) and `demo_case_name` over the mirror's cases."""
    skip = [pytest.param("-", marks=pytest.mark.skip(reason=skip_reason()))]
    names = case_names()
    if "case_name" in metafunc.fixturenames:
        deliberate = getattr(metafunc.module, "DELIBERATE", set())
        metafunc.parametrize("case_name", [n for n in names if n not in deliberate] or skip)
    if "demo_case_name" in metafunc.fixturenames:
        metafunc.parametrize("demo_case_name", [n for n in names if n.startswith("ffs_demo")] or skip)
