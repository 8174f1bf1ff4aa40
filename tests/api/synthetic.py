"""A tiny release written straight from schema.sql: five areas, one corridor measure, two indicators, a framework."""

from __future__ import annotations

from datetime import datetime
from importlib import resources
from pathlib import Path

import duckdb

from observatory.settings import Settings
from observatory.warehouse import releases

AREAS = [
    ("FRA", 250, "FR", "France", "France", "country", None),
    ("DEU", 276, "DE", "Germany", "Germany", "country", None),
    ("MAR", 504, "MA", "Morocco", "Morocco", "country", None),
    ("SEN", 686, "SN", "Senegal", "Senegal", "country", None),
    ("CONT_EUROPE", None, None, "Europe", None, "group", "continent"),
    ("CONT_AFRICA", None, None, "Africa", None, "group", "continent"),
    ("WLD", 1, None, "World", None, "group", "world"),
]
MEMBERS = [
    ("FRA", "CONT_EUROPE", "continent"),
    ("DEU", "CONT_EUROPE", "continent"),
    ("MAR", "CONT_AFRICA", "continent"),
    ("SEN", "CONT_AFRICA", "continent"),
]
MEMBERS += [(code, "WLD", "world") for code in ("FRA", "DEU", "MAR", "SEN")]
# origin, destination, year, female, male
STOCK = [
    ("MAR", "FRA", 2015, 400, 420),
    ("MAR", "FRA", 2020, 450, 460),
    ("MAR", "DEU", 2020, 50, 60),
    ("SEN", "FRA", 2020, 70, 80),
    ("SEN", "MAR", 2020, 100, 110),
    ("FRA", "DEU", 2020, 90, 95),
    ("DEU", "FRA", 2020, 80, 85),
]


def write_release(settings: Settings, release_id: str, scale: float = 1.0) -> str:
    """Write one synthetic release file and make it current; `scale` multiplies every value (to tell releases apart)."""
    settings.releases_dir.mkdir(parents=True, exist_ok=True)
    path = settings.releases_dir / f"{release_id}.duckdb"
    con = duckdb.connect(str(path))
    try:
        con.execute((resources.files("observatory.warehouse") / "schema.sql").read_text(encoding="utf-8"))
        con.execute(
            "INSERT INTO release_info (release_id, created_at, code_version, raw_root, build_seconds) VALUES (?, ?, "
            "'test', 'synthetic', 0.1)",
            [release_id, datetime(2026, 1, 1)],
        )
        con.executemany(
            "INSERT INTO area (code, m49, iso2, name, short_name, kind, scheme) VALUES (?, ?, ?, ?, ?, ?, ?)", AREAS
        )
        con.executemany('INSERT INTO area_membership (area, "group", scheme) VALUES (?, ?, ?)', MEMBERS)
        con.execute(
            "INSERT INTO dataset (id, title, publisher, producer, version_producer, url_main, date_published, "
            "date_accessed, retrieved_at, licence, "
            "citation_full, note, repackaged, row_count) VALUES ('tiny_stock', 'Tiny stock table', 'Test Publisher', "
            "'Test Producer', 'v1', 'https://example.org', "
            "'2026', DATE '2026-01-01', TIMESTAMP '2026-01-01', 'CC BY 4.0', 'Test Publisher (2026) Tiny stock "
            "table.', NULL, false, 14)"
        )
        con.execute(
            "INSERT INTO dataset_file (dataset_id, path, sha256, bytes, url_download) VALUES ('tiny_stock', "
            "'tiny/stock.csv', 'abc123', 100, NULL)"
        )
        con.execute(
            "INSERT INTO measure (id, dataset_id, label, kind, unit, definition, level, status) VALUES "
            "('migrant_stock', 'tiny_stock', "
            "'International migrant stock (origin → destination)', 'stock', 'persons', 'Migrants by origin and "
            "destination.', 'corridor', 'reported')"
        )
        for origin, destination, year, female, male in STOCK:
            for sex, value in (("female", female), ("male", male)):
                con.execute(
                    "INSERT INTO observation (dataset_id, measure_id, origin, destination, year, period, sex, age, "
                    "category, value, status) "
                    "VALUES ('tiny_stock', 'migrant_stock', ?, ?, ?, '', ?, 'total', '', ?, 'reported')",
                    [origin, destination, year, sex, value * scale],
                )
        con.execute(
            "INSERT INTO framework_objective (framework, code, short_name, text) VALUES ('GCM', '1', 'Data', 'Collect "
            "and utilize accurate and disaggregated data.'), "
            "('GCM', '2', 'Drivers', 'Minimize the adverse drivers.'), ('SDG', '10.7', 'Migration policies', "
            "'Facilitate orderly migration.')"
        )
        con.execute(
            "INSERT INTO indicator (id, title, definition, unit, kind, level) VALUES ('migrant_stock', 'International "
            "migrant stock', "
            "'Migrants living in the area.', 'persons', 'stock', 'area'), "
            "('corridor_stock', 'Migrant stock in the corridor', 'Migrants by origin and destination.', 'persons', "
            "'stock', 'corridor')"
        )
        con.execute(
            "INSERT INTO indicator_framework (indicator, framework, code) VALUES ('migrant_stock', 'GCM', '1'), "
            "('migrant_stock', 'SDG', '10.7')"
        )
        totals: dict[tuple[str, int], float] = {}
        for origin, destination, year, female, male in STOCK:
            totals[(destination, year)] = totals.get((destination, year), 0) + (female + male) * scale
            for sex, value in (("total", female + male), ("female", female), ("male", male)):
                con.execute(
                    "INSERT INTO indicator_value (indicator, area, origin, destination, year, period, sex, age, "
                    "category, value, lower, upper, status, sources, coverage, note) "
                    "VALUES ('corridor_stock', NULL, ?, ?, ?, '', ?, 'total', '', ?, NULL, NULL, 'reported', "
                    "['tiny_stock'], NULL, NULL)",
                    [origin, destination, year, sex, value * scale],
                )
        for (destination, year), value in totals.items():
            con.execute(
                "INSERT INTO indicator_value (indicator, area, origin, destination, year, period, sex, age, category, "
                "value, lower, upper, status, sources, coverage, note) VALUES ('migrant_stock', ?, NULL, NULL, ?, '', "
                "'total', 'total', '', ?, NULL, NULL, 'reported', ['tiny_stock'], NULL, NULL)",
                [destination, year, value],
            )
        world = sum(v for (d, y), v in totals.items() if y == 2020)
        con.execute(
            "INSERT INTO indicator_value (indicator, area, origin, destination, year, period, sex, age, category, "
            "value, lower, upper, status, sources, coverage, note) VALUES ('migrant_stock', 'WLD', NULL, NULL, 2020, "
            "'', 'total', 'total', '', ?, NULL, NULL, 'estimated', ['tiny_stock'], 0.9, NULL)",
            [world],
        )
    finally:
        con.close()
    releases.set_current(settings, release_id)
    return release_id


def synthetic_home(root: Path) -> Settings:
    """A home with one synthetic release current."""
    settings = Settings(home=root, mirror=None)
    write_release(settings, "r20260101T000000Z")
    return settings
