"""Finds every source folder (one `source.yml` + `connector.py` each); built-in sources all come through here."""

from __future__ import annotations

import importlib
from functools import lru_cache
from pathlib import Path
from types import ModuleType

import yaml
from pydantic import ValidationError

from observatory.sources.spec import SourceSpec, load_spec

SOURCES_DIR = Path(__file__).parent


class SpecError(Exception):
    """A source.yml that does not follow the contract."""


@lru_cache(maxsize=1)
def all_specs() -> tuple[SourceSpec, ...]:
    """Every declared source, in a stable order: area reference, frameworks, observations by id, then derived ones."""
    specs = []
    for path in sorted(SOURCES_DIR.glob("*/source.yml")):
        try:
            specs.append(load_spec(path))
        except (yaml.YAMLError, ValidationError) as error:
            raise SpecError(f"{path.relative_to(SOURCES_DIR.parent)}: invalid source declaration: {error}") from None
    order = {"areas": 0, "frameworks": 1, "observations": 2, "derived": 3}
    return tuple(sorted(specs, key=lambda spec: (order[spec.provides], spec.id)))


def get_spec(source_id: str) -> SourceSpec:
    for spec in all_specs():
        if spec.id == source_id:
            return spec
    known = ", ".join(spec.id for spec in all_specs())
    raise KeyError(f"unknown source {source_id!r}; known sources: {known}")


def connector(spec: SourceSpec) -> ModuleType:
    """The connector module of a source (`observatory.sources.<id>.connector`)."""
    return importlib.import_module(f"observatory.sources.{spec.id}.connector")
