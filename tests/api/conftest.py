"""Servers for the API tests: one on a synthetic release (no mirror needed), one on the real release (mirror)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest


def load_helper(name: str):
    """Import a helper module of this folder by path (the tests folder is not a package)."""
    module_name = f"portal_test_{name}"
    if module_name not in sys.modules:
        spec = importlib.util.spec_from_file_location(module_name, Path(__file__).parent / f"{name}.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[module_name] = module
        spec.loader.exec_module(module)
    return sys.modules[module_name]


@pytest.fixture(scope="session")
def synthetic_settings(tmp_path_factory):
    """A home holding a tiny synthetic release."""
    return load_helper("synthetic").synthetic_home(tmp_path_factory.mktemp("portal-synthetic"))


@pytest.fixture(scope="session")
def synthetic_server(synthetic_settings, tmp_path_factory):
    """Base URL of uvicorn serving the synthetic home."""
    with load_helper("server").running_server(
        synthetic_settings, tmp_path_factory.mktemp("logs") / "synthetic.log"
    ) as base:
        yield base


@pytest.fixture(scope="session")
def real_server(real_release, tmp_path_factory):
    """Base URL of uvicorn serving the release built from the real mirror."""
    with load_helper("server").running_server(real_release, tmp_path_factory.mktemp("logs") / "real.log") as base:
        yield base
