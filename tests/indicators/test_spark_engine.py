"""The Spark path runs the catalogue's formulas unchanged and gives the DuckDB engine's numbers (within 1e-9)."""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from observatory.indicators.engine import KEY_COLUMNS, compute_catalogue
from observatory.indicators.spark import (
    RESULT_COLUMNS,
    SparkIndicatorEngine,
    compute_indicators,
    spark_session,
    transpile,
)
from observatory.indicators.spec import get_indicator, load_catalogue
from observatory.warehouse.build import SCHEMA

# PySpark reads collected results from a local socket that it leaves to the garbage collector (pyspark 4.0
# `_load_from_socket`); the ResourceWarning is raised outside this project's code and is harmless.
pytestmark = [
    pytest.mark.slow,
    pytest.mark.filterwarnings("ignore:unclosed <socket.socket:ResourceWarning"),
]

INDICATORS = ["migrant_stock", "sdg_17_3_2", "corridor_share_of_origin_emigrants", "sdg_10_c_1", "emigration_flow"]
TABLES = ("observation", "area", "area_membership")


@pytest.fixture(scope="module")
def spark(tmp_path_factory):
    if shutil.which("java") is None:  # the transpile test needs no Java; the engine does
        pytest.skip("Spark needs a Java runtime (17): test.sh installs Debian's default-jre-headless")
    session = spark_session(app_name="observatory-tests", local_dir=tmp_path_factory.mktemp("spark"))
    yield session
    session.stop()


def _export(con: duckdb.DuckDBPyConnection, folder: Path, measures: list[str]) -> dict[str, Path]:
    """The tables the formulas read, as Parquet (observations of the given measures only)."""
    listed = ", ".join(f"'{m}'" for m in measures)
    queries = {
        "observation": f"SELECT * FROM observation WHERE measure_id IN ({listed})",
        "area": "SELECT * FROM area",
        "area_membership": "SELECT * FROM area_membership",
    }
    paths = {}
    for name, query in queries.items():
        paths[name] = folder / f"{name}.parquet"
        con.execute(f"COPY ({query}) TO '{paths[name]}' (FORMAT parquet)")
    return paths


def _duckdb_values(con: duckdb.DuckDBPyConnection, indicators: list[str]) -> pd.DataFrame:
    listed = ", ".join(f"'{i}'" for i in indicators)
    return con.execute(f"SELECT {', '.join(RESULT_COLUMNS)} FROM indicator_value WHERE indicator IN ({listed})").df()


def _assert_same(expected: pd.DataFrame, actual: pd.DataFrame) -> None:
    """Same rows (keys, notes) and values within 1e-9 relative; NULL matches NULL."""
    keys = ["indicator", *KEY_COLUMNS]

    def tidy(frame: pd.DataFrame) -> pd.DataFrame:
        frame = frame.loc[:, list(RESULT_COLUMNS)].copy()
        for column in keys + ["note"]:
            if column != "year":
                frame[column] = frame[column].astype(object).where(frame[column].notna(), "<null>").astype(str)
        frame["year"] = frame["year"].astype("int64")
        for column in ("value", "lower", "upper", "coverage"):
            frame[column] = frame[column].astype("float64")
        return frame.sort_values(keys + ["value"], na_position="first").reset_index(drop=True)

    left, right = tidy(expected), tidy(actual)
    # The release build appends what it knows beyond the formula (people of no single country in a world total, a
    # partial period); the engines are compared on what the formulas and group sums give.
    left["note"] = (
        left["note"].str.replace(r"(^|; )(includes .*|partial period: .*)$", "", regex=True).replace("", "<null>")
    )
    assert len(left) == len(right), f"DuckDB gave {len(left)} rows, Spark {len(right)}"
    assert not left.duplicated(keys).any(), "keys must identify a value"
    pd.testing.assert_frame_equal(left[keys + ["note"]], right[keys + ["note"]])
    for column in ("value", "lower", "upper", "coverage"):
        a, b = left[column].to_numpy(), right[column].to_numpy()
        assert (np.isnan(a) == np.isnan(b)).all(), f"{column}: NULL in one engine only"
        both = ~np.isnan(a)
        assert np.allclose(a[both], b[both], rtol=1e-9, atol=0.0), f"{column} differs beyond 1e-9"


def _tiny_release(con: duckdb.DuckDBPyConnection) -> None:
    """Five countries in one group, the inputs of the five indicators, seeded values; populated like a release."""
    con.execute(SCHEMA)
    countries = ["AAA", "BBB", "CCC", "DDD", "EEE"]
    con.executemany(
        "INSERT INTO area (code, name, kind) VALUES (?, ?, ?)",
        [(c, c, "country") for c in countries] + [("XXX", "Other", "special"), ("G1", "Group", "group")],
    )
    con.executemany("INSERT INTO area_membership VALUES (?, 'G1', 'test')", [(c,) for c in countries[:4]])
    con.execute(
        """INSERT INTO dataset VALUES ('tiny', 't', 'p', 'p', '1', NULL, NULL, NULL, now(), 'CC-BY-4.0', 'c', NULL, """
        """false, 0, NULL)"""
    )
    measures = {
        "migrant_stock": "corridor",
        "remittances_received": "area",
        "gdp_current_usd": "area",
        "remittance_cost_usd200": "corridor",
        "migration_flow": "corridor",
        "population_total": "area",
    }
    con.executemany(
        "INSERT INTO measure VALUES (?, 'tiny', ?, 'stock', 'u', 'd', ?, NULL, 'estimated', true)",
        [(m, m, level) for m, level in measures.items()],
    )
    rng = np.random.default_rng(7)
    rows = []
    for year in (2000, 2010, 2020):
        for o in countries + ["XXX"]:
            for d in countries:
                if o != d and rng.random() < 0.8:
                    for sex in ("female", "male"):
                        rows.append(("migrant_stock", None, o, d, year, "", sex, "", float(rng.integers(0, 10**6)) / 7))
                    if o != "XXX":
                        for method in ("m1", "m2", "m3"):
                            rows.append(
                                (
                                    "migration_flow",
                                    None,
                                    o,
                                    d,
                                    year,
                                    f"{year - 5}-{year}",
                                    "total",
                                    method,
                                    float(rng.random() * 1e5),
                                )
                            )
                    for quarter in (1, 2, 3)[: int(rng.integers(1, 4))]:
                        rows.append(
                            (
                                "remittance_cost_usd200",
                                None,
                                o,
                                d,
                                year,
                                f"{year}Q{quarter}",
                                "total",
                                "",
                                float(rng.random() * 10),
                            )
                        )
        for a in countries:
            rows.append(("remittances_received", a, None, None, year, "", "total", "", float(rng.random() * 1e9)))
            rows.append(
                (
                    "gdp_current_usd",
                    a,
                    None,
                    None,
                    year,
                    "",
                    "total",
                    "",
                    float(rng.random() * 1e12) if a != "EEE" else 0.0,
                )
            )
            rows.append(("population_total", a, None, None, year, "", "total", "", float(rng.integers(10**5, 10**8))))
    frame = pd.DataFrame(
        rows, columns=["measure_id", "area", "origin", "destination", "year", "period", "sex", "category", "value"]
    )
    con.register("tiny_rows", frame)
    con.execute(
        """INSERT INTO observation SELECT 'tiny', measure_id, area, origin, destination, year, period, sex, """
        """'total', category,
                   value, NULL, NULL, 'estimated', NULL FROM tiny_rows"""
    )
    con.unregister("tiny_rows")


def test_formulas_transpile_to_spark_sql():
    sql = transpile(get_indicator("sdg_10_c_1").formula)
    assert "AS VARCHAR)" not in sql  # Spark 4 refuses a VARCHAR without a length


def test_spark_matches_duckdb_on_a_tiny_release(spark, tmp_path):
    con = duckdb.connect()
    _tiny_release(con)
    compute_catalogue(con, tuple(get_indicator(i) for i in INDICATORS))
    expected = _duckdb_values(con, INDICATORS)
    paths = _export(
        con,
        tmp_path,
        [
            "migrant_stock",
            "remittances_received",
            "gdp_current_usd",
            "remittance_cost_usd200",
            "migration_flow",
            "population_total",
        ],
    )
    actual = compute_indicators(spark, paths, INDICATORS, groups=True)
    assert set(actual["indicator"]) == set(INDICATORS)
    assert (actual["area"] == "G1").any() and actual["coverage"].dropna().between(0, 1).all()
    _assert_same(expected, actual)


def test_every_catalogue_formula_is_accepted_by_spark(spark, tmp_path):
    """Spark analyses every formula once transpiled (types and key columns resolved), whatever the data."""
    con = duckdb.connect()
    _tiny_release(con)
    engine = SparkIndicatorEngine(spark, _export(con, tmp_path, ["migrant_stock"]))
    for spec in load_catalogue():
        rows, _ = engine.country_rows(spec)
        assert list(rows.columns)[: len(KEY_COLUMNS)] == list(KEY_COLUMNS), spec.id


def test_formula_without_key_columns_is_refused(spark, tmp_path):
    con = duckdb.connect()
    _tiny_release(con)
    engine = SparkIndicatorEngine(spark, _export(con, tmp_path, ["population_total"]))
    broken = get_indicator("population").model_copy(update={"formula": "SELECT area, value FROM observation"})
    with pytest.raises(ValueError, match="year"):
        engine.compute([broken])


@pytest.mark.mirror
def test_spark_matches_duckdb_on_the_real_release(spark, real_release, tmp_path):
    from observatory.warehouse import releases

    # Release connections cannot write files (external access off); the test exports through its own connection.
    con = duckdb.connect(str(releases.require_current(real_release).path), read_only=True)
    specs = [get_indicator(i) for i in INDICATORS]
    measures = sorted({m for spec in specs for m in spec.inputs} | {"population_total"})
    paths = _export(con, tmp_path, measures)
    expected = _duckdb_values(con, INDICATORS)
    con.close()
    actual = compute_indicators(spark, paths, INDICATORS, groups=True)
    counts = actual.groupby("indicator").size()
    assert all(counts.get(i, 0) > 100 for i in INDICATORS), counts
    _assert_same(expected, actual)
    assert not math.isnan(actual.loc[actual["indicator"] == "sdg_17_3_2", "value"].max())
