"""The release frame: counts of every cell of the declared dimensions, with all margins ('*')."""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Mapping, Sequence

from observatory.firewall.declarations import CaseSchema
from observatory.firewall.rules import DisclosureRules

TOTAL = "*"
Key = tuple[str, ...]


def frame_categories(
    schema: CaseSchema, rules: DisclosureRules, value_counts: Mapping[str, Mapping[str, int]]
) -> dict[str, list[str]]:
    """Categories of each frame dimension; never a label that only a rare record would reveal."""
    # `value_counts` gives, per open dimension, the perturbed number of records of each value: a code is listed only
    # when that count reaches min_cell, so whether a code appears is itself a perturbed fact.
    categories: dict[str, list[str]] = {}
    for dim in rules.dimensions:
        spec = schema.fields[dim]
        if spec.type == "enum":
            categories[dim] = list(spec.values)
        elif spec.type == "month":
            categories[dim] = [f"{rules.year:04d}-{m:02d}" for m in range(1, 13)]
        elif dim in rules.categories:
            categories[dim] = [*rules.categories[dim], spec.other or "other"]
        else:
            counts = value_counts.get(dim, {})
            common = sorted(
                v for v, n in counts.items() if n >= rules.min_cell and v and v != spec.other
            )  # blanks pool
            categories[dim] = [*common, spec.other or "other"]
    return categories


def recode(schema: CaseSchema, dims: Sequence[str], categories: dict[str, list[str]], record: dict[str, str]) -> Key:
    """A record's interior cell: empty or rare values pooled into the dimension's 'other' category."""
    key = []
    for dim in dims:
        spec = schema.fields[dim]
        value = record[dim]
        if value not in categories[dim]:
            value = spec.other or ("other" if "other" in categories[dim] else categories[dim][-1])
        key.append(value)
    return tuple(key)


def all_keys(dims: Sequence[str], categories: dict[str, list[str]]) -> list[Key]:
    """Every cell of the frame, interior and margins."""
    return list(itertools.product(*[[*categories[d], TOTAL] for d in dims]))


def count_cells(interior: Sequence[Key], dims: Sequence[str], categories: dict[str, list[str]]) -> dict[Key, int]:
    """Counts of every cell (zeros included), each record adding to its cell and all its margins."""
    counts: Counter[Key] = Counter()
    masks = list(itertools.product((False, True), repeat=len(dims)))
    for key in interior:
        for mask in masks:
            counts[tuple(TOTAL if m else v for v, m in zip(key, mask, strict=True))] += 1
    return {key: counts.get(key, 0) for key in all_keys(dims, categories)}


def with_margins(interior: Mapping[Key, int], dims: Sequence[str], categories: dict[str, list[str]]) -> dict[Key, int]:
    """Every cell of the frame (zeros included): interior values as given, each margin the sum of its interior cells."""
    values: Counter[Key] = Counter()
    masks = list(itertools.product((False, True), repeat=len(dims)))
    for key, value in interior.items():
        for mask in masks:
            values[tuple(TOTAL if m else v for v, m in zip(key, mask, strict=True))] += value
    return {key: values.get(key, 0) for key in all_keys(dims, categories)}


def additivity_lines(dims: Sequence[str], categories: dict[str, list[str]]) -> list[tuple[list[Key], Key]]:
    """Every (members, total) relation of the frame: the members of one dimension sum to its margin."""
    lines = []
    for i, dim in enumerate(dims):
        others = [[*categories[d], TOTAL] for j, d in enumerate(dims) if j != i]
        for rest in itertools.product(*others):

            def build(value: str, rest=rest, i=i) -> Key:
                parts = list(rest)
                parts.insert(i, value)
                return tuple(parts)

            lines.append(([build(c) for c in categories[dim]], build(TOTAL)))
    return lines
