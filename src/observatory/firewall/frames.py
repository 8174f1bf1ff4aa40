"""Build a dataset's disclosure-controlled release frame; nothing else is ever answered from the records."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from observatory.firewall.declarations import CaseSchema
from observatory.firewall.noise import noisy_frame
from observatory.firewall.rules import DisclosureRules
from observatory.firewall.suppression import round_to_base, suppress
from observatory.firewall.tables import TOTAL, Key, additivity_lines, all_keys, count_cells, frame_categories, recode


def _in_year(rules: DisclosureRules, records: Sequence[dict[str, str]]) -> list[dict[str, str]]:
    """Only the records of the dataset's reference year."""
    prefix = f"{rules.year:04d}-"
    return [r for r in records if r.get("month", "").startswith(prefix)]


def build_frame(schema: CaseSchema, rules: DisclosureRules, records: Sequence[dict[str, str]]) -> dict[str, Any]:
    """Counts of every cell with all margins, protected by suppression or by differential privacy, then rounded."""
    records = _in_year(rules, records)
    dims = list(rules.dimensions)
    categories = frame_categories(schema, rules, records)
    interior = [recode(schema, dims, categories, r) for r in records]
    counts = count_cells(interior, dims, categories)
    keys = all_keys(dims, categories)
    cells: list[list[Any]] = []
    if rules.mode == "dp":
        values, spread = noisy_frame(counts, keys, rules.epsilon)
        for key in keys:
            value = round_to_base(max(0.0, values[key]), rules.rounding_base)
            hidden = value < rules.min_cell
            shown = None if hidden else value
            low = None if hidden else max(0.0, round(value - spread[key], 1))
            high = None if hidden else round(value + spread[key], 1)
            cells.append([list(key), shown, hidden, low, high])
    else:
        hidden_cells = suppress(counts, additivity_lines(dims, categories), rules.min_cell)
        for key in keys:
            hidden = key in hidden_cells
            shown = None if hidden else round_to_base(counts[key], rules.rounding_base)
            cells.append([list(key), shown, hidden, None, None])
    return {"dims": dims, "categories": categories, "mode": rules.mode, "rule": rules.describe(), "cells": cells}


def frame_index(frame: dict[str, Any]) -> dict[Key, list[Any]]:
    """The frame's cells by key."""
    return {tuple(cell[0]): cell for cell in frame["cells"]}


def slice_frame(frame: dict[str, Any], by: Sequence[str], filters: dict[str, str]) -> list[dict[str, Any]]:
    """The cells answering a query: each breakdown value and its total, filters fixed, other dimensions at their total."""
    index = frame_index(frame)
    dims = frame["dims"]
    rows: list[dict[str, Any]] = []
    for key, (_, value, hidden, low, high) in ((k, v) for k, v in index.items()):
        if any((d in filters and key[i] != filters[d]) or (d not in filters and d not in by and key[i] != TOTAL)
               for i, d in enumerate(dims)):
            continue
        row = {d: ("total" if key[i] == TOTAL else key[i]) for i, d in enumerate(dims) if d in by}
        row.update(value=value, suppressed=hidden, lower=low, upper=high)
        rows.append(row)
    return rows
