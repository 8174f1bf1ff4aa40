"""IMS 2020 population denominators, countries only."""

from __future__ import annotations

from observatory.sources.context import ParseContext


def parse(ctx: ParseContext):
    raw = ctx.read_csv(
        "pop_totals_2020.csv",
        columns={"name": "VARCHAR", "country_code": "INTEGER", "year": "INTEGER", "pop": "DOUBLE", "alpha3": "VARCHAR"},
    )
    # Keyed by M49 code: alpha3 is "NA" for the Channel Islands (830).
    # Aggregates have M49 codes of 900 and above; one ("Less developed regions, excluding China", 948) wrongly
    # carries alpha3 CHN in the compiled file, so the code, not alpha3, decides what is a country.
    aggregates = raw.filter("country_code >= 900").aggregate("count(DISTINCT name)").fetchall()[0][0]
    ctx.note(
        "published_aggregates",
        f"{aggregates} regional aggregates (M49 code 900 and above) left out; one of them is mislabelled CHN in the "
        "file",
        aggregates,
    )
    return [
        raw.filter("country_code < 900 AND pop IS NOT NULL").select(
            "'population_ims' AS measure_id, CAST(country_code AS VARCHAR) AS area, year, pop * 1000 AS value, _file, "
            "_row"
        )
    ]
