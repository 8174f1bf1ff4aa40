(
    """Differential privacy for a release frame: OpenDP discrete Laplace noise on the interior cells, margins by """
    """summation."""
)

from __future__ import annotations

import math
from collections.abc import Sequence

from observatory.firewall.tables import TOTAL, Key

CONFIDENCE = 0.95


def noisy_interior(counts: Sequence[int], epsilon: float) -> list[int]:
    """Add discrete Laplace noise (scale 1/epsilon) to a histogram where one person changes one cell by one."""
    import opendp.prelude as dp

    dp.enable_features("contrib")
    measurement = dp.m.make_laplace(dp.vector_domain(dp.atom_domain(T=int)), dp.l1_distance(T=int), scale=1.0 / epsilon)
    if measurement.map(1) > epsilon + 1e-9:
        raise RuntimeError("the noise mechanism does not meet the declared epsilon")
    return list(measurement(list(counts)))


def noisy_frame(
    counts: dict[Key, int], keys: Sequence[Key], epsilon: float
) -> tuple[dict[Key, float], dict[Key, float]]:
    """Noisy counts of every cell (margins summed from noisy interior cells) and the 95% half-width of each."""
    interior = [k for k in keys if TOTAL not in k]
    noisy = dict(zip(interior, noisy_interior([counts[k] for k in interior], epsilon), strict=True))
    scale = 1.0 / epsilon
    values: dict[Key, float] = {}
    spread: dict[Key, float] = {}
    for key in keys:
        members = [k for k in interior if all(p == TOTAL or p == q for p, q in zip(key, k, strict=True))]
        values[key] = float(sum(noisy[k] for k in members))
        spread[key] = half_width(len(members), scale)
    return values, spread


def half_width(cells: int, scale: float) -> float:
    """Approximate 95% half-width of a sum of `cells` independent Laplace(scale) noises."""
    if cells <= 1:
        return scale * math.log(1 / (1 - CONFIDENCE))
    return 1.96 * math.sqrt(2 * cells) * scale
