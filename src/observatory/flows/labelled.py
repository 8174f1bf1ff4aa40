"""Labelled arrays in the reference-case JSON format, and running a migest-named call on them."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import numpy as np

from observatory.flows.demographic import demographic_accounting_flows, sum_od
from observatory.flows.fitting import cm2, cm3, ipf2, ipf3
from observatory.flows.simple import migration_rate_flows, stock_difference_flows

__all__ = ["LabelledArray", "FUNCTIONS", "run_call", "run_case_file", "with_margins", "to_jsonable"]


@dataclass(frozen=True)
class LabelledArray:
    """An array with dimension names and optional labels per dimension (first dimension outermost)."""

    data: np.ndarray
    dims: tuple[str, ...]
    labels: dict[str, list[str]] | None = None

    @classmethod
    def from_json(cls, obj: Mapping[str, Any]) -> LabelledArray:
        """Read {"dims", "shape", "labels", "data"}; an empty labels object counts as no labels."""
        data = np.asarray(obj["data"], dtype=float)
        if "shape" in obj and obj["shape"] is not None:
            data = data.reshape(obj["shape"])
        labels = obj.get("labels") or None
        if labels is not None:
            labels = {k: [str(v) for v in vals] for k, vals in labels.items() if vals is not None} or None
        return cls(data, tuple(obj["dims"]), labels)

    def to_json(self) -> dict[str, Any]:
        """The JSON object for this array, numbers in shortest round-trip form."""
        out: dict[str, Any] = {"dims": list(self.dims)}
        if self.data.ndim > 1:
            out["shape"] = list(self.data.shape)
        out["labels"] = self.labels
        out["data"] = self.data.tolist()
        return out

    def axis_labels(self, axis: int) -> list[str] | None:
        """Labels of one axis, or None."""
        if self.labels is None:
            return None
        return self.labels.get(self.dims[axis])


def with_margins(od: np.ndarray, labels: list[str] | None) -> LabelledArray:
    """An [orig, dest] matrix with R addmargins-style "Sum" row and column."""
    n, m = od.shape
    out = np.zeros((n + 1, m + 1))
    out[:n, :m] = od
    out[n, :m] = od.sum(axis=0)
    out[:n, m] = od.sum(axis=1)
    out[n, m] = od.sum()
    lab = None
    if labels is not None:
        lab = {"orig": list(labels) + ["Sum"], "dest": list(labels) + ["Sum"]}
    return LabelledArray(out, ("orig", "dest"), lab)


def _arr(args: Mapping[str, Any], name: str) -> LabelledArray | None:
    """An argument as a LabelledArray (None when absent or JSON null)."""
    v = args.get(name)
    if v is None:
        return None
    if isinstance(v, Mapping):
        return LabelledArray.from_json(v)
    return LabelledArray(np.asarray(v, dtype=float), tuple(f"dim{i + 1}" for i in range(np.ndim(v))))


def _reindex(a: LabelledArray, order: list[str]) -> np.ndarray:
    """Reorder every labelled axis of a to order (unlabelled arrays are taken as already aligned)."""
    x = a.data
    for axis in range(x.ndim):
        lab = a.axis_labels(axis)
        if lab is None:
            continue
        if sorted(lab) != sorted(order):
            raise ValueError(f"labels of {a.dims[axis]} ({lab}) do not match the regions {order}")
        pos = {v: i for i, v in enumerate(lab)}
        x = np.take(x, [pos[r] for r in order], axis=axis)
    return x


def _union(*lists: list[str] | None) -> list[str]:
    """Labels in order of first appearance (R's union)."""
    seen: dict[str, None] = {}
    for lst in lists:
        for v in lst or []:
            seen.setdefault(v, None)
    return list(seen)


def _od_labels(a: LabelledArray) -> dict[str, list[str]] | None:
    """orig/dest labels copied from a stock table's two axes."""
    if a.labels is None:
        return None
    return {"orig": cast(list[str], a.axis_labels(0)), "dest": cast(list[str], a.axis_labels(1))}


def _run_ffs_demo(args):
    """ffs_demo with R's region order (union of births, deaths, stock labels)."""
    s0, s1 = _arr(args, "stock_start"), _arr(args, "stock_end")
    b, d = _arr(args, "births"), _arr(args, "deaths")
    if s0 is None or s1 is None or b is None or d is None:
        raise ValueError("ffs_demo needs stock_start, stock_end, births and deaths")
    order = _union(
        b.axis_labels(0), d.axis_labels(0), s0.axis_labels(0), s0.axis_labels(1), s1.axis_labels(0), s1.axis_labels(1)
    )
    if not order:
        order = [str(i + 1) for i in range(b.data.size)]
    seed = _arr(args, "seed")
    res = demographic_accounting_flows(
        _reindex(s0, order),
        _reindex(s1, order),
        _reindex(b, order),
        _reindex(d, order),
        None if seed is None else _reindex(seed, order),
        stayer_assumption=bool(args.get("stayer_assumption", True)),
        match_global=args.get("match_global", "before-demo-adjust"),
        match_birthplace_tot_method=args.get("match_birthplace_tot_method", "rescale"),
        birth_method=args.get("birth_method", "native"),
        birth_non_negative=bool(args.get("birth_non_negative", True)),
        death_method=args.get("death_method", "proportion"),
        labels=order,
    )
    lab3 = {"orig": order, "dest": order, "pob": order}
    account_labels = {"orig": order + ["birth", "outside"], "dest": order + ["death", "outside"], "birth": order}
    return {
        "flow": LabelledArray(res.flow, ("orig", "dest", "pob"), lab3),
        "sum_od": with_margins(res.od, order),
        "account": LabelledArray(res.account(), ("orig", "dest", "birth"), account_labels),
    }


def _run_ffs_diff(args):
    """ffs_diff; flow labels copied from stock_start."""
    s0, s1 = _arr(args, "stock_start"), _arr(args, "stock_end")
    flow = stock_difference_flows(
        s0.data,
        s1.data,
        decrease=args.get("decrease", "return"),
        include_native_born=bool(args.get("include_native_born", False)),
    )
    return {"flow": LabelledArray(flow, ("orig", "dest"), _od_labels(s0))}


def _run_ffs_rates(args):
    """ffs_rates; flow labels copied from stock_start."""
    s0, s1 = _arr(args, "stock_start"), _arr(args, "stock_end")
    flow = migration_rate_flows(
        s0.data, None if s1 is None else s1.data, total=args.get("M"), method=args.get("method", "dennett")
    )
    return {"flow": LabelledArray(flow, ("orig", "dest"), _od_labels(s0))}


def _fit_kwargs(args, tol, maxit):
    """tol and maxit from the arguments, with migest's defaults."""
    return {"tol": float(args.get("tol", tol)), "maxit": int(args.get("maxit", maxit))}


def _run_ipf2(args):
    """ipf2; mu takes m's dims and labels."""
    rt, ct, m = _arr(args, "row_tot"), _arr(args, "col_tot"), _arr(args, "m")
    res = ipf2(
        None if rt is None else rt.data,
        None if ct is None else ct.data,
        None if m is None else m.data,
        **_fit_kwargs(args, 1e-5, 500),
    )
    mu = LabelledArray(res.fit, m.dims, m.labels) if m is not None else LabelledArray(res.fit, ("dim1", "dim2"))
    return {"mu": mu, "it": res.iterations, "tol": res.criterion}


def _run_ipf3(args):
    """ipf3; mu labelled orig/dest/pob from row_tot unless m is labelled."""
    rt, ct, m = _arr(args, "row_tot"), _arr(args, "col_tot"), _arr(args, "m")
    res = ipf3(rt.data, ct.data, None if m is None else m.data, **_fit_kwargs(args, 1e-5, 500))
    if m is not None and m.labels is not None and m.data.ndim == 3:
        mu = LabelledArray(res.fit, m.dims, m.labels)
    else:
        dn = rt.axis_labels(0)
        mu = LabelledArray(
            res.fit, ("orig", "dest", "pob"), None if dn is None else {"orig": dn, "dest": dn, "pob": dn}
        )
    return {
        "mu": mu,
        "sum_od": with_margins(sum_od(res.fit), rt.axis_labels(0)),
        "it": res.iterations,
        "tol": res.criterion,
    }


def _theta(res):
    """migest's named parameter vector alpha1.., beta1.."""
    names = [f"alpha{i + 1}" for i in range(res.alpha.size)] + [f"beta{j + 1}" for j in range(res.beta.size)]
    return LabelledArray(np.concatenate([res.alpha, res.beta]), ("parameter",), {"parameter": names})


def _run_cm2(args):
    """cm2 with its fitted matrix n and parameters theta."""
    rt, ct, m = _arr(args, "row_tot"), _arr(args, "col_tot"), _arr(args, "m")
    res = cm2(rt.data, ct.data, None if m is None else m.data, **_fit_kwargs(args, 1e-6, 500))
    n = LabelledArray(res.fit, m.dims, m.labels) if m is not None else LabelledArray(res.fit, ("dim1", "dim2"))
    return {"n": n, "theta": _theta(res)}


def _run_cm3(args):
    """cm3 with its fitted array n and parameters theta."""
    rt, ct, m = _arr(args, "row_tot"), _arr(args, "col_tot"), _arr(args, "m")
    res = cm3(rt.data, ct.data, m.data, **_fit_kwargs(args, 1e-6, 500))
    return {"n": LabelledArray(res.fit, m.dims, m.labels), "theta": _theta(res)}


FUNCTIONS = {
    "ffs_demo": _run_ffs_demo,
    "ffs_diff": _run_ffs_diff,
    "ffs_rates": _run_ffs_rates,
    "ipf2": _run_ipf2,
    "ipf3": _run_ipf3,
    "cm2": _run_cm2,
    "cm3": _run_cm3,
}


def run_call(function: str, arguments: Mapping[str, Any]) -> dict[str, Any]:
    """Run a migest-named function on JSON-style arguments; values are LabelledArray or scalars."""
    if function not in FUNCTIONS:
        raise ValueError(f"unknown function {function!r}; expected one of {', '.join(FUNCTIONS)}")
    return FUNCTIONS[function](arguments)


def run_case_file(path: str | Path) -> dict[str, Any]:
    """Run the call described by a reference-case JSON file."""
    case = json.loads(Path(path).read_text())
    return run_call(case["function"], case.get("arguments", {}))


def to_jsonable(result: Mapping[str, Any]) -> dict[str, Any]:
    """Result values as plain JSON (labelled arrays become labelled-array objects)."""
    return {k: v.to_json() if isinstance(v, LabelledArray) else v for k, v in result.items()}
