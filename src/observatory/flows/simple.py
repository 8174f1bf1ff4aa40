"""Stock-differencing and rate-based flow estimators (migest ffs_diff and ffs_rates)."""

from __future__ import annotations

import numpy as np

__all__ = ["stock_difference_flows", "migration_rate_flows", "DIFF_DECREASE", "RATE_METHODS"]

DIFF_DECREASE = ("zero", "return")
RATE_METHODS = ("dennett", "rogers-von-rabenau")


def stock_difference_flows(
    stock_start: np.ndarray,
    stock_end: np.ndarray,
    decrease: str = "return",
    include_native_born: bool = False,
) -> np.ndarray:
    """Flows [orig, dest] from the change in each bilateral stock; decreases dropped or read as returns."""
    if decrease not in DIFF_DECREASE:
        raise ValueError(f"decrease must be one of {', '.join(DIFF_DECREASE)}; got {decrease!r}")
    s0 = np.array(stock_start, dtype=float)
    s1 = np.array(stock_end, dtype=float)
    if s0.shape != s1.shape or s0.ndim != 2:
        raise ValueError("stock_start and stock_end must be matrices of the same shape")
    if not include_native_born:
        np.fill_diagonal(s0, 0.0)
        np.fill_diagonal(s1, 0.0)
    change = s1 - s0
    growth = np.maximum(change, 0.0)
    if decrease == "zero":
        return growth
    # A fall in the stock born in k living in i is read as a return move from i back to k.
    return growth + np.maximum(-change.T, 0.0)


def migration_rate_flows(
    stock_start: np.ndarray,
    stock_end: np.ndarray | None = None,
    total: float | None = None,
    method: str = "dennett",
) -> np.ndarray:
    """Flows [orig, dest] from stock shares times a global total (Dennett) or growth rates (Rogers & von Rabenau)."""
    if method not in RATE_METHODS:
        raise ValueError(f"method must be one of {', '.join(RATE_METHODS)}; got {method!r}")
    s0 = np.array(stock_start, dtype=float)
    if method == "dennett":
        if total is None:
            raise ValueError("the dennett method needs the global flow total M")
        np.fill_diagonal(s0, 0.0)
        return total * (s0 / s0.sum())
    if stock_end is None:
        raise ValueError("the rogers-von-rabenau method needs stock_end")
    g = np.linalg.solve(s0, np.asarray(stock_end, dtype=float))
    # Each row of g is weighted by the population at risk: the column total of the start table.
    x = g * s0.sum(axis=0)[:, None]
    np.fill_diagonal(x, 0.0)
    return x
