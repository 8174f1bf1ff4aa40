"""Build a dataset's disclosure-controlled release frame; nothing else is ever answered from the records."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

from observatory.firewall.cellkey import perturbed_count, tally
from observatory.firewall.declarations import CaseSchema
from observatory.firewall.noise import noisy_frame
from observatory.firewall.rules import DisclosureRules
from observatory.firewall.suppression import round_to_base, suppress
from observatory.firewall.tables import (
    TOTAL,
    Key,
    additivity_lines,
    all_keys,
    count_cells,
    frame_categories,
    recode,
    with_margins,
)


class KeyedRecord(NamedTuple):
    """One record in memory with the organisation that contributed it and its cell key (fixed at ingest)."""

    values: dict[str, str]
    org: str
    key: int


def _in_year(rules: DisclosureRules, records: Sequence[KeyedRecord]) -> list[KeyedRecord]:
    """Only the records of the dataset's reference year."""
    prefix = f"{rules.year:04d}-"
    return [r for r in records if r.values.get("month", "").startswith(prefix)]


def _perturbed_value_counts(
    schema: CaseSchema, rules: DisclosureRules, records: Sequence[KeyedRecord]
) -> dict[str, dict[str, int]]:
    """Per open dimension without fixed categories: each value's perturbed count (whether its code is listed)."""
    counts: dict[str, dict[str, int]] = {}
    for dim in rules.dimensions:
        spec = schema.fields[dim]
        if spec.type == "enum" or spec.type == "month" or dim in rules.categories:
            continue
        shares = tally([((r.values[dim],), r.org, r.key) for r in records])
        counts[dim] = {value[0]: perturbed_count(by_org.values()) for value, by_org in shares.items()}
    return counts


def perturbed_counts(
    schema: CaseSchema, rules: DisclosureRules, records: Sequence[KeyedRecord]
) -> tuple[dict[str, list[str]], dict[Key, int]]:
    """The frame's categories and the cell-key perturbed count of every cell; margins are sums of interior cells."""
    records = _in_year(rules, records)
    dims = list(rules.dimensions)
    categories = frame_categories(schema, rules, _perturbed_value_counts(schema, rules, records))
    shares = tally([(recode(schema, dims, categories, r.values), r.org, r.key) for r in records])
    interior = {key: perturbed_count(by_org.values()) for key, by_org in shares.items()}
    return categories, with_margins(interior, dims, categories)


def build_frame(schema: CaseSchema, rules: DisclosureRules, records: Sequence[KeyedRecord]) -> dict[str, Any]:
    """Every cell with all margins: cell-key perturbed then suppressed (or noised by differential privacy), rounded."""
    dims = list(rules.dimensions)
    keys_of_frame: list[Key]
    cells: list[list[Any]] = []
    if rules.mode == "dp":
        in_year = _in_year(rules, records)
        categories = frame_categories(schema, rules, {})
        counts = count_cells([recode(schema, dims, categories, r.values) for r in in_year], dims, categories)
        keys_of_frame = all_keys(dims, categories)
        values, spread = noisy_frame(counts, keys_of_frame, rules.epsilon)
        for key in keys_of_frame:
            value = round_to_base(max(0.0, values[key]), rules.rounding_base)
            hidden = value < rules.min_cell
            shown = None if hidden else value
            low = None if hidden else max(0.0, round(value - spread[key], 1))
            high = None if hidden else round(value + spread[key], 1)
            cells.append([list(key), shown, hidden, low, high])
    else:
        categories, counts = perturbed_counts(schema, rules, records)
        hidden_cells = suppress(counts, additivity_lines(dims, categories), rules.min_cell)
        for key in all_keys(dims, categories):
            hidden = key in hidden_cells
            shown = None if hidden else round_to_base(counts[key], rules.rounding_base)
            cells.append([list(key), shown, hidden, None, None])
    return {"dims": dims, "categories": categories, "mode": rules.mode, "rule": rules.describe(), "cells": cells}


def frame_index(frame: dict[str, Any]) -> dict[Key, list[Any]]:
    """The frame's cells by key."""
    return {tuple(cell[0]): cell for cell in frame["cells"]}


def slice_frame(frame: dict[str, Any], by: Sequence[str], filters: dict[str, str]) -> list[dict[str, Any]]:
    (
        """The cells answering a query: each breakdown value and its total, filters fixed, other dimensions at their """
        """total."""
    )
    index = frame_index(frame)
    dims = frame["dims"]
    rows: list[dict[str, Any]] = []
    for key, (_, value, hidden, low, high) in ((k, v) for k, v in index.items()):
        if any(
            (d in filters and key[i] != filters[d]) or (d not in filters and d not in by and key[i] != TOTAL)
            for i, d in enumerate(dims)
        ):
            continue
        row = {d: ("total" if key[i] == TOTAL else key[i]) for i, d in enumerate(dims) if d in by}
        row.update(value=value, suppressed=hidden, lower=low, upper=high)
        rows.append(row)
    return rows
