(
    """Benchmark: the indicator catalogue on DuckDB and on Spark, and the full catalogue against hand-written SQL.

Run as `python bench/indicators.py` (OBSERVATORY_MIRROR, else /work/shared/data, for part b; `--part a|b` runs one """
    """part).

(a) A seeded synthetic observation table shaped like census microdata aggregated to corridors (230 origins ×
    229 destinations × 10 years × 2 sexes × 21 age bands = 22.1 M rows of `migrant_stock`, plus population,
    remittances and GDP per area-year) is written to Parquet; the same four indicators (with group aggregates) are
    computed by the DuckDB engine (`compute_catalogue` over Parquet views) and by the Spark path (local[2]).
(b) The FULL catalogue on a release built from the real mirror (`compute_catalogue` on a fresh copy, indicator
    tables emptied) against one hand-written DuckDB query that computes migrant_stock, emigrant_stock and
    sdg_17_3_2 straight from the raw mirror files.
"""
)

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from observatory.indicators.engine import compute_catalogue
from observatory.indicators.spec import get_indicator, load_catalogue
from observatory.warehouse.build import SCHEMA

SEED = 20240611
SYNTHETIC_INDICATORS = ["migrant_stock", "emigrant_stock", "corridor_share_of_origin_emigrants", "sdg_17_3_2"]
AREAS, YEARS, AGE_BANDS = 230, 10, 21


def write_synthetic(folder: Path) -> dict[str, Path]:
    """Seeded Parquet tables; values come from a hash of the keys and the seed, so every run writes the same data."""
    con = duckdb.connect()
    areas = f"SELECT range AS i, 'C' || lpad(CAST(range AS VARCHAR), 3, '0') AS code FROM range({AREAS})"
    years = f"SELECT 1980 + 5 * range AS year FROM range({YEARS})"
    ages = (
        "SELECT range AS k, CAST(5 * range AS VARCHAR) || '-' || CAST(5 * range + 4 AS VARCHAR) AS age FROM "
        f"range({AGE_BANDS})"
    )
    tail = (
        "'' AS category, {value} AS value, NULL::DOUBLE AS lower, NULL::DOUBLE AS upper, 'estimated' AS status, "
        "NULL::VARCHAR AS note"
    )
    corridor = (
        "SELECT 'synthetic' AS dataset_id, 'migrant_stock' AS measure_id, NULL::VARCHAR AS area, o.code AS origin, "
        "d.code AS destination, "
        "y.year, '' AS period, s.sex, g.age, "
        + tail.format(value=f"CAST(hash(o.i, d.i, y.year, s.sex, g.k, {SEED}) % 50000 AS DOUBLE)")
        + f" FROM ({areas}) o, ({areas}) d, ({years}) y, (SELECT unnest(['female', 'male']) AS sex) s, ({ages}) g "
        "WHERE o.i <> d.i"
    )
    area_rows = []
    for measure, scale in (("population_total", 10**8), ("remittances_received", 10**10), ("gdp_current_usd", 10**12)):
        area_rows.append(
            f"SELECT 'synthetic', '{measure}', a.code, NULL, NULL, y.year, '', 'total', 'total', "
            + tail.format(value=f"CAST(1 + hash(a.i, y.year, '{measure}', {SEED}) % {scale} AS DOUBLE)")
            + f" FROM ({areas}) a, ({years}) y"
        )
    paths = {name: folder / f"{name}.parquet" for name in ("observation", "area", "area_membership")}
    con.execute(
        f"COPY ({corridor} UNION ALL {' UNION ALL '.join(area_rows)}) TO '{paths['observation']}' (FORMAT parquet, "
        "ROW_GROUP_SIZE 1000000)"
    )
    con.execute(
        """COPY (SELECT code, NULL::INTEGER AS m49, NULL::VARCHAR AS iso2, code AS name, NULL::VARCHAR AS """
        f"""short_name, 'country' AS kind,
                              NULL::VARCHAR AS scheme, NULL::VARCHAR AS note FROM ({areas})
                        UNION ALL SELECT 'R' || range, NULL, NULL, 'Region ' || range, NULL, 'group', 'region', """
        f"""NULL FROM range(5)
                        UNION ALL SELECT 'WLD', NULL, NULL, 'World', NULL, 'group', 'world', NULL)
                    TO '{paths["area"]}' (FORMAT parquet)"""
    )
    con.execute(
        f"""COPY (SELECT code AS area, 'R' || (i % 5) AS "group", 'region' AS scheme FROM ({areas})
                        UNION ALL SELECT code, 'WLD', 'world' FROM ({areas})) TO '{paths["area_membership"]}' """
        """(FORMAT parquet)"""
    )
    count = con.execute(f"SELECT count(*) FROM read_parquet('{paths['observation']}')").fetchall()[0][0]
    con.close()
    print(f"synthetic observation table: {count:,} rows, {paths['observation'].stat().st_size / 1e6:.0f} MB Parquet")
    return paths


def duckdb_on_parquet(paths: dict[str, Path]):
    """The DuckDB engine over the same Parquet files (observation as a view: no load step)."""
    con = duckdb.connect()
    con.execute(SCHEMA)
    con.execute("DROP TABLE observation")
    con.execute(f"CREATE VIEW observation AS SELECT * FROM read_parquet('{paths['observation']}')")
    con.execute(f"INSERT INTO area SELECT * FROM read_parquet('{paths['area']}')")
    con.execute(f"INSERT INTO area_membership SELECT * FROM read_parquet('{paths['area_membership']}')")
    con.execute(
        "INSERT INTO dataset VALUES ('synthetic', 's', 'p', 'p', '1', NULL, NULL, NULL, now(), 'none', 'c', NULL, "
        "false, 0, NULL)"
    )
    for measure, level in (
        ("migrant_stock", "corridor"),
        ("population_total", "area"),
        ("remittances_received", "area"),
        ("gdp_current_usd", "area"),
    ):
        con.execute(
            "INSERT INTO measure VALUES (?, 'synthetic', ?, 'stock', 'u', 'd', ?, NULL, 'estimated', true)",
            [measure, measure, level],
        )
    seconds = {}
    for indicator in SYNTHETIC_INDICATORS:
        started = time.perf_counter()
        compute_catalogue(con, (get_indicator(indicator),))
        seconds[indicator] = time.perf_counter() - started
    frame = con.execute("SELECT indicator, area, origin, destination, year, sex, value FROM indicator_value").df()
    con.close()
    return seconds, frame


def spark_on_parquet(paths: dict[str, Path], scratch: Path):
    from observatory.indicators.spark import SparkIndicatorEngine, spark_session

    started = time.perf_counter()
    spark = spark_session(driver_memory="8g", local_dir=scratch)
    session_seconds = time.perf_counter() - started
    try:
        engine, seconds, frames = SparkIndicatorEngine(spark, paths), {}, []
        for indicator in SYNTHETIC_INDICATORS:
            started = time.perf_counter()
            frames.append(engine.compute([indicator], groups=True))
            seconds[indicator] = time.perf_counter() - started
        frame = pd.concat(frames, ignore_index=True)
    finally:
        spark.stop()
    return session_seconds, seconds, frame


def compare(duck, spark) -> str:
    keys = ["indicator", "area", "origin", "destination", "year", "sex"]
    merged = duck.fillna({k: "" for k in keys if k != "year"}).merge(
        spark[keys + ["value"]].fillna({k: "" for k in keys if k != "year"}),
        on=keys,
        how="outer",
        suffixes=("_duckdb", "_spark"),
        indicator=True,
    )
    unmatched = int((merged["_merge"] != "both").sum())
    both = merged[merged["_merge"] == "both"]
    a, b = both["value_duckdb"].to_numpy(float), both["value_spark"].to_numpy(float)
    relative = np.abs(a - b) / np.maximum(np.abs(a), 1e-300)
    return (
        f"{len(duck):,} DuckDB rows, {len(spark):,} Spark rows, {unmatched} unmatched, max relative difference "
        f"{np.nanmax(relative):.1e}"
    )


def part_a(scratch: Path) -> None:
    print("(a) synthetic corridor table, indicators:", ", ".join(SYNTHETIC_INDICATORS), "(countries and groups)")
    started = time.perf_counter()
    paths = write_synthetic(scratch)
    print(f"    writing it: {time.perf_counter() - started:.1f} s")
    duck_times, duck = duckdb_on_parquet(paths)
    session_seconds, spark_times, spark = spark_on_parquet(paths, scratch)
    print(f"    {'indicator':<36} {'DuckDB s':>9} {'Spark s':>9} {'ratio':>7}")
    for indicator in SYNTHETIC_INDICATORS:
        print(
            f"    {indicator:<36} {duck_times[indicator]:9.2f} {spark_times[indicator]:9.2f} "
            f"{spark_times[indicator] / duck_times[indicator]:6.1f}×"
        )
    duck_seconds, spark_seconds = sum(duck_times.values()), sum(spark_times.values())
    print(f"    {'all four':<36} {duck_seconds:9.2f} {spark_seconds:9.2f} {spark_seconds / duck_seconds:6.1f}×")
    print(f"    (Spark local[2] through Ibis; + {session_seconds:.1f} s to start the session)")
    print(f"    agreement: {compare(duck, spark)}")


HAND_WRITTEN = (
    """
WITH stock AS (
    SELECT dest, orig, year, lower(sex) AS sex, stock FROM """
    """read_csv('{m}/undesa_ims_2020_bilateral/ims2020_bilateral_stock_by_sex.csv')),
immigrants AS (
    SELECT 'migrant_stock' AS indicator, dest AS area, year, sex, SUM(stock) AS value FROM stock GROUP BY ALL
    UNION ALL SELECT 'migrant_stock', dest, year, 'total', SUM(stock) FROM stock GROUP BY ALL),
emigrants AS (
    SELECT 'emigrant_stock' AS indicator, orig AS area, year, sex, SUM(stock) AS value FROM stock WHERE orig <> """
    """'XXX' GROUP BY ALL
    UNION ALL SELECT 'emigrant_stock', orig, year, 'total', SUM(stock) FROM stock WHERE orig <> 'XXX' GROUP BY ALL),
remittances AS (
    SELECT iso AS area, t AS year, v AS value FROM read_csv('{m}/iom_gdi_gdiviz/indicators.csv') WHERE var = """
    """'remin' AND v IS NOT NULL),
gdp AS (
    SELECT "Country Code" AS area, CAST(year AS INTEGER) AS year, value
    FROM (UNPIVOT (SELECT * EXCLUDE ("Country Name", "Indicator Name", "Indicator Code")
                   FROM read_csv('{m}/worldbank_wdi_bulk/API_NY.GDP.MKTP.CD_DS2_en_csv_v2_6298258.csv', skip = 4, """
    """header = true))
          ON COLUMNS('^[0-9]{{4}}$') INTO NAME year VALUE value)),
share AS (
    SELECT 'sdg_17_3_2' AS indicator, r.area, r.year, 'total' AS sex, r.value / g.value * 100 AS value
    FROM remittances r JOIN gdp g ON g.area = r.area AND g.year = r.year WHERE g.value > 0)
SELECT * FROM immigrants UNION ALL SELECT * FROM emigrants UNION ALL SELECT * FROM share
"""
)


def part_b(mirror: Path, scratch: Path, repeat: int = 3) -> None:
    from observatory.settings import Settings
    from observatory.warehouse.build import build_release

    print(f"(b) full catalogue on the real mirror ({mirror})")
    started = time.perf_counter()
    report = build_release(Settings(home=scratch / "home", mirror=mirror))
    print(f"    building the release: {time.perf_counter() - started:.1f} s")
    copy = scratch / "copy.duckdb"
    shutil.copyfile(report.release.path, copy)
    con = duckdb.connect(str(copy))
    catalogue = load_catalogue()
    times, computed = [], 0
    for _ in range(repeat):
        con.execute("DELETE FROM indicator_framework; DELETE FROM indicator_value; DELETE FROM indicator")
        started = time.perf_counter()
        results = compute_catalogue(con, catalogue)
        times.append(time.perf_counter() - started)
        computed = sum(1 for r in results if not r.skipped)
    values = con.execute("SELECT count(*) FROM indicator_value").fetchall()[0][0]
    three = tuple(get_indicator(i) for i in ("migrant_stock", "emigrant_stock", "sdg_17_3_2"))
    three_times = []
    for _ in range(repeat):
        con.execute("DELETE FROM indicator_framework; DELETE FROM indicator_value; DELETE FROM indicator")
        started = time.perf_counter()
        compute_catalogue(con, three)
        three_times.append(time.perf_counter() - started)
    three_values = con.execute("SELECT count(*) FROM indicator_value").fetchall()[0][0]
    hand_times, hand_rows = [], 0
    for _ in range(repeat):
        started = time.perf_counter()
        hand_rows = len(con.execute(HAND_WRITTEN.format(m=mirror)).fetchall())
        hand_times.append(time.perf_counter() - started)
    # Agreement: the hand-written values against the catalogue's (country rows; the raw files' codes are not resolved).
    agreement = con.execute(
        f"""WITH hand AS ({HAND_WRITTEN.format(m=mirror)})
        SELECT count(*), count(v.value), max(abs(h.value - v.value) / nullif(abs(v.value), 0))
        FROM hand h LEFT JOIN indicator_value v ON v.indicator = h.indicator AND v.area = h.area AND v.year = """
        """h.year AND v.sex = h.sex"""
    ).fetchall()[0]
    con.close()
    catalogue_seconds, hand_seconds = statistics.median(times), statistics.median(hand_times)
    print(
        f"    compute_catalogue, {computed}/{len(catalogue)} indicators, {values:,} values: {catalogue_seconds:.2f} s "
        f"(median of {repeat})"
    )
    print(
        f"    hand-written SQL from the raw files, 3 indicators, {hand_rows:,} values: {hand_seconds:.2f} s (median "
        f"of {repeat})"
    )
    print(
        f"    compute_catalogue, the same 3 indicators (with group aggregates, {three_values:,} values): "
        f"{statistics.median(three_times):.2f} s (median of {repeat}); "
        f"{statistics.median(three_times) / hand_seconds:.1f}× the hand-written SQL"
    )
    print(
        f"    agreement: {agreement[1]:,} of {agreement[0]:,} hand-written values found in the release, max relative "
        f"difference {agreement[2] or 0:.1e}"
    )
    print(
        f"    catalogue / hand-written: {catalogue_seconds / hand_seconds:.1f}× "
        f"({catalogue_seconds / computed * 1000:.0f} ms per indicator vs {hand_seconds / 3 * 1000:.0f} ms per "
        "hand-written indicator)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--part",
        choices=("a", "b", "both"),
        default="both",
        help="a: DuckDB vs Spark on synthetic data; b: real mirror",
    )
    args = parser.parse_args()
    mirror = Path(os.environ.get("OBSERVATORY_MIRROR", "/work/shared/data"))
    with tempfile.TemporaryDirectory(prefix="observatory-bench-") as folder:
        scratch = Path(folder)
        if args.part in ("a", "both"):
            part_a(scratch)
        if args.part in ("b", "both"):
            if not mirror.is_dir():
                sys.exit(f"no mirror at {mirror}: set OBSERVATORY_MIRROR")
            part_b(mirror, scratch)


if __name__ == "__main__":
    main()
