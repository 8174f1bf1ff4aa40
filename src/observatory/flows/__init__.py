"""Bilateral migration flow estimates from stock tables: migest's estimators and fitting routines in NumPy."""

from observatory.flows.demographic import (
    DemographicAccountingResult,
    demographic_accounting_flows,
    rescale_integer_sum,
    sum_od,
)
from observatory.flows.fitting import (
    ConvergenceWarning,
    InconsistentMarginsError,
    cm2,
    cm3,
    ipf2,
    ipf3,
    ipfp,
    ipfp_matrix,
    ipfp_od_by_pob,
)
from observatory.flows.simple import migration_rate_flows, stock_difference_flows

# migest names, for readers coming from R.
ffs_demo = demographic_accounting_flows
ffs_diff = stock_difference_flows
ffs_rates = migration_rate_flows

__all__ = [
    "ConvergenceWarning",
    "DemographicAccountingResult",
    "InconsistentMarginsError",
    "cm2",
    "cm3",
    "demographic_accounting_flows",
    "ffs_demo",
    "ffs_diff",
    "ffs_rates",
    "ipf2",
    "ipf3",
    "ipfp",
    "ipfp_matrix",
    "ipfp_od_by_pob",
    "migration_rate_flows",
    "rescale_integer_sum",
    "stock_difference_flows",
    "sum_od",
]
