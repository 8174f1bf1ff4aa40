"""Primary and secondary cell suppression, audited by linear programming against recovery from margins."""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence

import numpy as np
from scipy.optimize import linprog

from observatory.firewall.tables import TOTAL, Key

MAX_ROUNDS = 200


def _preference(key: Key, value: int) -> tuple:
    """Order of candidates for secondary suppression: non-zero, interior, small."""
    return (value == 0, sum(part == TOTAL for part in key), value, key)


def _line_rule(lines: Sequence[tuple[list[Key], Key]], counts: dict[Key, int], suppressed: set[Key]) -> None:
    """No relation may hold exactly one suppressed cell: add the cheapest partner until none does."""
    changed = True
    while changed:
        changed = False
        for members, total in lines:
            line = [*members, total]
            hidden = [c for c in line if c in suppressed]
            if len(hidden) == 1:
                candidates = [c for c in line if c not in suppressed]
                if candidates:
                    suppressed.add(min(candidates, key=lambda c: _preference(c, counts[c])))
                    changed = True


def feasible_interval(cell: Key, lines: Sequence[tuple[list[Key], Key]], counts: dict[Key, int], suppressed: set[Key]) -> tuple[float, float]:
    """The tightest range an attacker can derive for a suppressed cell from all published cells and non-negativity."""
    unknown = sorted(suppressed)
    index = {key: i for i, key in enumerate(unknown)}
    rows, rhs = [], []
    for members, total in lines:
        line = [(m, 1.0) for m in members] + [(total, -1.0)]
        if not any(c in index for c, _ in line):
            continue
        row = np.zeros(len(unknown))
        known = 0.0
        for c, coef in line:
            if c in index:
                row[index[c]] += coef
            else:
                known += coef * counts[c]
        rows.append(row)
        rhs.append(-known)
    target = np.zeros(len(unknown))
    target[index[cell]] = 1.0
    bounds = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for sign in (1.0, -1.0):
            result = linprog(sign * target, A_eq=np.array(rows) if rows else None, b_eq=np.array(rhs) if rows else None,
                             bounds=(0, None), method="highs")
            if result.status == 3:  # unbounded
                bounds.append(math.inf if sign < 0 else 0.0)
            elif result.status == 0:
                bounds.append(sign * result.fun)
            else:
                bounds.append(math.nan)
    return bounds[0], bounds[1]


def is_protected(low: float, high: float, min_cell: int) -> bool:
    """A suppressed small cell is protected when it could be zero and could be at least min_cell."""
    return not (math.isnan(low) or math.isnan(high)) and low <= 0.5 and high >= min_cell - 0.5


def suppress(counts: dict[Key, int], lines: Sequence[tuple[list[Key], Key]], min_cell: int) -> set[Key]:
    """Cells to hide: every count in 1..min_cell-1, plus partners until no hidden small cell can be narrowed down."""
    primary = {key for key, value in counts.items() if 0 < value < min_cell}
    suppressed = set(primary)
    verified: set[Key] = set()  # hiding more cells only widens intervals, so a protected cell stays protected
    for _ in range(MAX_ROUNDS):
        _line_rule(lines, counts, suppressed)
        failing = None
        for cell in sorted(primary - verified):
            if is_protected(*feasible_interval(cell, lines, counts, suppressed), min_cell):
                verified.add(cell)
            else:
                failing = cell
                break
        if failing is None:
            return suppressed
        touching = [line for line in lines if failing in line[0] or failing == line[1]]
        candidates = {c for members, total in touching for c in (*members, total) if c not in suppressed}
        if not candidates:
            candidates = {c for members, total in lines for c in (*members, total)
                          if c not in suppressed and any(x in suppressed for x in (*members, total))}
        if not candidates:
            return set(counts)
        suppressed.add(min(candidates, key=lambda c: _preference(c, counts[c])))
    return set(counts)


def round_to_base(value: float, base: int) -> float:
    """Conventional rounding to the nearest multiple of base (halves up)."""
    return float(base * math.floor(value / base + 0.5)) if base > 1 else float(round(value))
