"""EM-DAT disaster impacts by hazard type, country-year."""

from __future__ import annotations

from observatory.sources.context import ParseContext

_MEASURES = {
    "People affected": "disaster_people_affected",
    "People killed": "disaster_people_killed",
    "People displaced": "disaster_people_displaced",
    "Economic damage": "disaster_economic_damage",
}


def parse(ctx: ParseContext):
    raw = ctx.read_csv(
        "disrupt.csv",
        columns={"iso": "VARCHAR", "category": "VARCHAR", "type": "VARCHAR", "t": "INTEGER", "v": "DOUBLE"},
    )
    ctx.require(raw, "category IN (" + ", ".join(f"'{c}'" for c in _MEASURES) + ")", "category", ", ".join(_MEASURES))
    cases = " ".join(f"WHEN '{c}' THEN '{m}'" for c, m in _MEASURES.items())
    return [
        raw.filter("v IS NOT NULL").select(
            f"CASE category {cases} END AS measure_id, iso AS area, t AS year, type AS category, v AS value, _file, "
            "_row"
        )
    ]
