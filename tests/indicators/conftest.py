"""Independent checks of indicator values: markers naming what a test recomputes, raw files read with pandas."""

from __future__ import annotations

import pandas as pd
import pytest

from observatory.indicators.query import ValueFilter, indicator_values

# A test carrying `independent(...)` recomputes, from the publisher's raw file and without the engine's SQL, a
# country value (area indicators) or a corridor value (corridor indicators) of every indicator it names;
# `independent_group(...)` does the same for a group value, the group's members read from `area_membership`.
# tests/indicators/test_independent_checks.py fails for a catalogue indicator without them.
INDEPENDENT = "independent"
INDEPENDENT_GROUP = "independent_group"


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        f"{INDEPENDENT}(*indicators): recomputes a country or corridor value of these indicators from the raw file",
    )
    config.addinivalue_line(
        "markers",
        f"{INDEPENDENT_GROUP}(*indicators): recomputes a group value of these indicators from the raw file",
    )


@pytest.fixture(scope="session")
def raw_csv(mirror):
    """Read a mirror CSV with pandas, once per session; by default only empty cells are missing ('NA' is Namibia)."""
    cache: dict[str, pd.DataFrame] = {}

    def read(path: str, **options) -> pd.DataFrame:
        key = f"{path} {sorted(options.items())!r}"
        if key not in cache:
            cache[key] = pd.read_csv(mirror / path, **{"keep_default_na": False, "na_values": [""], **options})
        return cache[key]

    return read


@pytest.fixture(scope="module")
def members(con):
    """The member areas of a group, from the release's reference table `area_membership`."""
    table: dict[str, set[str]] = {}
    for group, area in con.execute('SELECT "group", area FROM area_membership').fetchall():
        table.setdefault(group, set()).add(area)

    def of(group: str) -> frozenset[str]:
        assert table.get(group), f"no members for group {group}"
        return frozenset(table[group])

    return of


@pytest.fixture(scope="module")
def one(con):
    """The single published value of an indicator for the filters (fails when there is none or several)."""

    def fetch(indicator: str, **filters) -> dict:
        rows = indicator_values(con, indicator, ValueFilter(**filters))
        assert len(rows) == 1, f"{indicator} {filters}: expected one value, got {len(rows)}"
        return rows[0]

    return fetch


@pytest.fixture(scope="module")
def in_group(members):
    """Rows of a raw table whose area code, after the source's documented aliases, is a member of the group."""

    def select(frame: pd.DataFrame, column: str, group: str, aliases: dict[str, str] | None = None) -> pd.DataFrame:
        codes = frame[column].replace(aliases or {})
        chosen = frame[codes.isin(members(group))].copy()
        chosen[column] = codes[chosen.index]
        assert not chosen.empty, f"no raw row of a member of {group}"
        return chosen

    return select
