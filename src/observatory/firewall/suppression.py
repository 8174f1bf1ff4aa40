"""Primary and secondary cell suppression, audited by linear programming against recovery from margins."""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence

import numpy as np
from scipy.optimize import linprog
from scipy.sparse import csr_matrix

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


class AttackerSystem:
    """The linear system an attacker knows: every additivity relation, with published cells as constants."""

    def __init__(self, lines: Sequence[tuple[list[Key], Key]], counts: dict[Key, int], suppressed: set[Key]):
        self.index = {key: i for i, key in enumerate(sorted(suppressed))}
        rows: list[int] = []
        cols: list[int] = []
        data: list[float] = []
        rhs: list[float] = []
        for members, total in lines:
            line = [(m, 1.0) for m in members] + [(total, -1.0)]
            if not any(c in self.index for c, _ in line):
                continue
            known = 0.0
            for c, coef in line:
                if c in self.index:
                    rows.append(len(rhs))
                    cols.append(self.index[c])
                    data.append(coef)
                else:
                    known += coef * counts[c]
            rhs.append(-known)
        shape = (len(rhs), len(self.index))
        self.matrix = csr_matrix((data, (rows, cols)), shape=shape) if rhs else None
        self.rhs = np.array(rhs) if rhs else None

    def interval(self, cell: Key) -> tuple[float, float]:
        """The tightest [low, high] the attacker can derive for one suppressed cell."""
        target = np.zeros(len(self.index))
        target[self.index[cell]] = 1.0
        bounds = []
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for sign in (1.0, -1.0):
                result = linprog(sign * target, A_eq=self.matrix, b_eq=self.rhs, bounds=(0, None), method="highs")
                if result.status == 3:  # unbounded
                    bounds.append(math.inf if sign < 0 else 0.0)
                elif result.status == 0:
                    bounds.append(sign * result.fun)
                else:
                    bounds.append(math.nan)
        return bounds[0], bounds[1]


def feasible_interval(
    cell: Key, lines: Sequence[tuple[list[Key], Key]], counts: dict[Key, int], suppressed: set[Key]
) -> tuple[float, float]:
    """The tightest range an attacker can derive for a suppressed cell from all published cells and non-negativity."""
    return AttackerSystem(lines, counts, suppressed).interval(cell)


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
        system = AttackerSystem(lines, counts, suppressed)
        failing = []
        for cell in sorted(primary - verified):
            if is_protected(*system.interval(cell), min_cell):
                verified.add(cell)
            else:
                failing.append(cell)
        if not failing:
            return suppressed
        touched: set[Key] = set()
        for cell in failing:
            touching = [line for line in lines if cell in line[0] or cell == line[1]]
            neighbours = {c for members, total in touching for c in (*members, total)}
            if neighbours & touched:
                continue  # a partner was just hidden next to this cell: audit again first
            candidates = {c for c in neighbours if c not in suppressed}
            if not candidates:
                candidates = {
                    c
                    for members, total in lines
                    for c in (*members, total)
                    if c not in suppressed and any(x in suppressed for x in (*members, total))
                }
            if not candidates:
                return set(counts)
            chosen = min(candidates, key=lambda c: _preference(c, counts[c]))
            suppressed.add(chosen)
            touched |= neighbours | {chosen}
    return set(counts)


def round_to_base(value: float, base: int) -> float:
    """Conventional rounding to the nearest multiple of base (halves up, also for base 1)."""
    if base < 1:
        raise ValueError("rounding base must be at least 1")
    return float(base * math.floor(value / base + 0.5))
