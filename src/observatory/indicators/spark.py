"""Runs the same catalogue entries on Spark (through Ibis) for inputs that outgrow one machine.

The catalogue's formulas are written once, in the SQL the DuckDB engine runs. Here Ibis hands each formula to
sqlglot (`Backend.sql(query, dialect="duckdb")`), which transpiles it to Spark SQL; nothing in the YAML changes.
Key normalisation, the ratio (value = numerator / denominator × scale) and, optionally, the group aggregates with
population coverage follow `observatory.indicators.engine` step by step, so both engines give the same numbers.

Spark runs in local mode by default (`spark_session`); give a session of a cluster to go further than one machine.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from observatory.indicators.engine import KEY_COLUMNS, POPULATION_MEASURE, check_formula_columns, group_rows_sql
from observatory.indicators.spec import IndicatorSpec, get_indicator

if TYPE_CHECKING:  # pyspark and ibis are only needed when this path is used
    from pyspark.sql import DataFrame, SparkSession

TABLES = ("observation", "area", "area_membership")
RESULT_COLUMNS = ("indicator",) + KEY_COLUMNS + ("value", "lower", "upper", "coverage", "note")
SOURCE_DIALECT = "duckdb"  # the dialect the catalogue's formulas are written in (the embedded engine's)
_DEFAULTS = {
    "area": None,
    "origin": None,
    "destination": None,
    "period": "",
    "sex": "total",
    "age": "total",
    "category": "",
}


def spark_session(
    *,
    app_name: str = "observatory-indicators",
    master: str = "local[2]",
    driver_memory: str = "2g",
    shuffle_partitions: int = 4,
    local_dir: Path | None = None,
) -> SparkSession:
    """A local Spark session that needs no network: bound to 127.0.0.1, UI off, few shuffle partitions."""
    from pyspark.sql import SparkSession

    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    builder = (
        SparkSession.builder.master(master)
        .appName(app_name)
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.driver.memory", driver_memory)
        .config("spark.sql.shuffle.partitions", str(shuffle_partitions))
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .config(
            "spark.sql.warehouse.dir",
            str((local_dir or Path(os.environ.get("TMPDIR", "/tmp"))) / "observatory-spark-warehouse"),
        )
    )
    if local_dir is not None:
        builder = builder.config("spark.local.dir", str(local_dir))
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return session


def register_tables(spark: SparkSession, tables: Mapping[str, DataFrame | str | Path]) -> None:
    """Make `observation`, `area` and `area_membership` visible to SQL: Spark DataFrames or Parquet paths."""
    missing = [name for name in TABLES if name not in tables]
    if missing:
        raise ValueError(f"tables {missing} are needed: give a Spark DataFrame or a Parquet path for each")
    for name in TABLES:
        source = tables[name]
        frame = spark.read.parquet(str(source)) if isinstance(source, (str, Path)) else source
        frame.createOrReplaceTempView(name)


def transpile(formula: str, *, read: str = SOURCE_DIALECT, write: str = "spark") -> str:
    """The formula in Spark SQL, as Ibis transpiles it (sqlglot); shown by `docs/scaling.md` and the tests."""
    import sqlglot

    return ";\n".join(sqlglot.transpile(formula, read=read, write=write))


class SparkIndicatorEngine:
    """Country (and optionally group) values of catalogue indicators over tables registered in a Spark session."""

    def __init__(self, spark: SparkSession, tables: Mapping[str, DataFrame | str | Path] | None = None):
        import ibis

        self.spark = spark
        if tables is not None:
            register_tables(spark, tables)
        self.ibis = ibis.pyspark.connect(spark)
        self._population_ready = False

    # -- country level ------------------------------------------------------------------------------------------
    def country_rows(self, spec: IndicatorSpec):
        """The formula's result with every key column typed as in the DuckDB engine (an Ibis table expression)."""
        import ibis

        raw = self.ibis.sql(spec.formula, dialect=SOURCE_DIALECT)
        columns = list(raw.columns)
        check_formula_columns(spec, columns)
        select: dict[str, Any] = {}
        for column in KEY_COLUMNS:
            if column == "year":
                select[column] = raw.year.cast("int32")
            elif column in columns:
                select[column] = raw[column].cast("string")
            else:
                select[column] = ibis.literal(_DEFAULTS[column], type="string")
        if spec.ratio_scale is not None:
            numerator, denominator = raw.numerator.cast("float64"), raw.denominator.cast("float64")
            select["numerator"], select["denominator"] = numerator, denominator
            select["value"] = numerator / denominator.nullif(0.0) * spec.ratio_scale
        else:
            select["numerator"] = select["denominator"] = ibis.null("float64")
            select["value"] = raw.value.cast("float64")
        for column in ("lower", "upper"):
            select[column] = raw[column].cast("float64") if column in columns else ibis.null("float64")
        select["note"] = raw.note.cast("string") if "note" in columns else ibis.null("string")
        return raw.filter(raw.year.notnull()).select(**select), "lower" in columns

    # -- groups -----------------------------------------------------------------------------------------------
    def _prepare_population(self) -> None:
        if not self._population_ready:
            self.spark.catalog.dropTempView("coverage_population")  # also drops its cache (another engine's tables)
            self.spark.sql(
                f"""CACHE TABLE coverage_population AS
                    SELECT area, year, value AS population FROM observation
                    WHERE measure_id = '{POPULATION_MEASURE}' AND value IS NOT NULL"""
            )
            self._population_ready = True

    def group_rows(self, spec: IndicatorSpec, has_bounds: bool):
        """Groups from their member countries, with coverage: the DuckDB engine's own SQL, transpiled."""
        self._prepare_population()
        return self.ibis.sql(group_rows_sql(spec, has_bounds), dialect=SOURCE_DIALECT)

    # -- driver ---------------------------------------------------------------------------------------------
    def compute(self, indicators: Iterable[str | IndicatorSpec], *, groups: bool = False) -> pd.DataFrame:
        """Values of the indicators (RESULT_COLUMNS; `coverage` only on group rows), rows without a value dropped."""
        import ibis

        frames = []
        for item in indicators:
            spec = get_indicator(item) if isinstance(item, str) else item
            rows, has_bounds = self.country_rows(spec)
            rows = self.ibis.create_view("indicator_rows", rows, overwrite=True)
            aggregated = groups and spec.level == "area" and spec.aggregate != "none"
            if aggregated:  # read twice (countries, then groups): run the formula once
                self.spark.sql("CACHE TABLE indicator_rows")
            country = rows.filter(rows.value.notnull()).select(
                ibis.literal(spec.id, type="string").name("indicator"),
                *KEY_COLUMNS,
                "value",
                "lower",
                "upper",
                ibis.null("float64").name("coverage"),
                "note",
            )
            frames.append(self._collect(country))
            if aggregated:
                grouped = self.group_rows(spec, has_bounds)
                frames.append(
                    self._collect(
                        grouped.select(ibis.literal(spec.id, type="string").name("indicator"), *RESULT_COLUMNS[1:])
                    )
                )
                self.spark.sql("UNCACHE TABLE IF EXISTS indicator_rows")
        self.spark.catalog.dropTempView("indicator_rows")
        if not frames:
            return pd.DataFrame(columns=list(RESULT_COLUMNS))
        return pd.concat(frames, ignore_index=True)

    def _collect(self, expr) -> pd.DataFrame:
        """Through Arrow (Spark ≥ 4 `toArrow`), so no pandas conversion runs inside Spark."""
        table = self.spark.sql(str(self.ibis.compile(expr))).toArrow()
        frame = table.to_pandas()
        frame["year"] = frame["year"].astype("int64")
        return frame


def compute_indicators(
    spark: SparkSession,
    tables: Mapping[str, DataFrame | str | Path],
    indicators: Iterable[str | IndicatorSpec],
    *,
    groups: bool = False,
) -> pd.DataFrame:
    """Country values (and group values if `groups`) of catalogue indicators on Spark, formulas unchanged."""
    return SparkIndicatorEngine(spark, tables).compute(indicators, groups=groups)
