"""Declarations of the knowledge layer (policy kinds, statuses, firewall kinds, dialogue terms, regions)."""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

import yaml


@cache
def load(name: str) -> Any:
    """Parsed YAML file from the package's vocab/ folder."""
    text = resources.files("observatory.knowledge").joinpath("vocab", name).read_text(encoding="utf-8")
    return yaml.safe_load(text)


def terms(name: str, section: str) -> dict[str, dict[str, Any]]:
    """id -> entry of one vocabulary section."""
    return {entry["id"]: entry for entry in load(name)[section]}


def label(name: str, section: str, term: str | None) -> str:
    """The label of a term ('' for None, the id itself for an unknown term)."""
    if term is None:
        return ""
    return terms(name, section).get(term, {}).get("label", term)


def check(name: str, section: str, term: str, field: str) -> str:
    """The term if the vocabulary declares it; ValueError naming the field and the accepted ids otherwise."""
    known = terms(name, section)
    if term not in known:
        raise ValueError(f"{field}: must be one of {', '.join(known)}")
    return term
