(
    """UNHCR demographics (2025): f_/m_ age-band columns become sex × age rows, summed over locations; pop_type is """
    """the """
    """category."""
)

from __future__ import annotations

from observatory.sources.context import ParseContext

BANDS = {
    "0_4": "0-4",
    "5_11": "5-11",
    "12_17": "12-17",
    "18_59": "18-59",
    "60": "60+",
    "other": "unknown",
    "total": "total",
}
SEXES = {"f": "female", "m": "male"}


def parse(ctx: ParseContext):
    """Sex and age rows only where the source row has a sex breakdown; the all-persons total always."""
    columns = {
        "year": "INTEGER",
        "coo_iso": "VARCHAR",
        "coa_iso": "VARCHAR",
        "pop_type": "VARCHAR",
        "location": "VARCHAR",
        "total": "DOUBLE",
    }
    columns |= {f"{s}_{band}": "DOUBLE" for s in SEXES for band in BANDS}
    raw = ctx.read_csv("demographics.csv", columns=columns, na_values=("",))
    ctx.require(raw, "pop_type IS NOT NULL", "pop_type", "a population type code")
    ctx.require(raw, "coo_iso IS NOT NULL AND coa_iso IS NOT NULL", "coo_iso", "ISO3 origin and asylum codes")
    keys = "year, coo_iso, coa_iso, pop_type, _file, _row"
    parts = [f"SELECT {keys}, 'total' AS sex, 'total' AS age, total AS value FROM raw WHERE total IS NOT NULL"]
    for prefix, sex in SEXES.items():
        for band, age in BANDS.items():
            column = f"{prefix}_{band}"
            parts.append(
                f"SELECT {keys}, '{sex}', '{age}', {column} FROM raw "
                f"WHERE {column} IS NOT NULL AND coalesce(f_total, 0) + coalesce(m_total, 0) > 0"
            )
    return [
        raw.query(
            "raw",
            f"""
        SELECT 'unhcr_demographics' AS measure_id, coo_iso AS origin, coa_iso AS destination, year, sex, age,
               pop_type AS category, sum(value) AS value, min(_file) AS _file, min(_row) AS _row
        FROM ({" UNION ALL ".join(parts)}) GROUP BY ALL""",
        )
    ]
