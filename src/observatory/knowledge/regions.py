"""Regions for directory queries: UN M49 sub-regions and continents (country_converter's table), with aliases."""

from __future__ import annotations

from functools import cache

from observatory.evidence.gazetteer import country_table
from observatory.knowledge.vocab import load


@cache
def region_members() -> dict[str, frozenset[str]]:
    """Region name -> ISO3 codes, for M49 sub-regions, continents and the declared composite regions."""
    table = country_table()
    members: dict[str, set[str]] = {}
    for row in table.itertuples(index=False):
        if row.obsolete or len(str(row.ISO3)) != 3:
            continue
        for region in (row.UNregion, row.continent):
            if region:
                members.setdefault(str(region), set()).add(str(row.ISO3))
    for name, parts in load("regions.yml")["composites"].items():
        members[name] = set().union(*(members.get(p, set()) for p in parts))
    return {name: frozenset(codes) for name, codes in members.items()}


def resolve_region(text: str) -> str:
    """The canonical region name for a name or alias (case-insensitive); ValueError listing a few known names."""
    wanted = " ".join(text.strip().lower().split())[:80]
    aliases = load("regions.yml")["aliases"]
    if wanted in aliases:
        return aliases[wanted]
    for name in region_members():
        if name.lower() == wanted:
            return name
    raise ValueError("region: unknown; use a UN M49 sub-region or continent such as 'Western Africa' or 'Europe'")


def region_names() -> list[str]:
    """Every region name a query accepts, sorted."""
    return sorted(region_members())


def country_codes() -> frozenset[str]:
    """ISO3 codes of current countries and territories."""
    return frozenset(str(c) for c in country_table().query("obsolete == ''")["ISO3"] if len(str(c)) == 3)
