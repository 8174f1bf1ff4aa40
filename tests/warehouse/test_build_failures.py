"""Bad input fails the build with file, row and field, and the current release stays as it was."""

from __future__ import annotations

import pytest

from observatory.warehouse import releases
from observatory.warehouse.build import BuildError

GOOD = (
    "dest,orig,year,sex,stock\n"
    "FRA,DZA,2020,Male,800\nFRA,DZA,2020,Female,750\nDEU,TUR,2020,Male,700\nDEU,TUR,2020,Female,650\n"
)


def _current_state(settings):
    release = releases.current_release(settings)
    return release.release_id, release.path.read_bytes()


@pytest.fixture
def world_with_release(tiny_world):
    tiny_world.write("tiny/stock.csv", GOOD)
    tiny_world.build()
    return tiny_world


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        pytest.param(
            GOOD.replace("dest,orig", "destination,orig"),
            ["tiny/stock.csv", "row 1", "field 'dest'", "missing column"],
            id="missing-column",
        ),
        pytest.param(
            GOOD.replace("2020,Female,650", "2020,Female,6x0"),
            ["tiny/stock.csv", "row 5", "field 'stock'", "'6x0'"],
            id="wrong-type",
        ),
        pytest.param(GOOD + "DEU,TUR,20", ["tiny/stock.csv", "row 6", "expected 5 fields, found 3"], id="truncated"),
        pytest.param(
            GOOD.replace("DEU,TUR,2020,Male", "DEU,XYZ,2020,Male"),
            ["tiny/stock.csv", "'origin'", "'XYZ'", "rows 4"],
            id="unknown-country",
        ),
        pytest.param(
            GOOD + "DEU,TUR,2020,Female,650\n", ["duplicate_key", "tiny/stock.csv", "row 5"], id="duplicate-rows"
        ),
        pytest.param(GOOD.replace("Female,650", "Female,-650"), ["negative", "tiny/stock.csv"], id="negative-count"),
        pytest.param(
            GOOD.replace("Female,750", "Unknown,750"), ["row 3", "field 'sex'", "'Unknown'"], id="bad-category"
        ),
        pytest.param("", ["tiny/stock.csv", "empty"], id="empty-file"),
        pytest.param('dest,orig,year,sex,stock\n"FRA,DZA,2020,Male,800\n', ["tiny/stock.csv"], id="unbalanced-quote"),
    ],
)
def test_malformed_input_names_file_row_field_and_keeps_release(world_with_release, content, expected):
    before = _current_state(world_with_release.settings)
    world_with_release.write("tiny/stock.csv", content)
    with pytest.raises(BuildError, match="^build failed, the current release is unchanged:") as failure:
        world_with_release.build()
    message = str(failure.value)
    for fragment in expected:
        assert fragment in message, message
    assert _current_state(world_with_release.settings) == before
    assert not list(world_with_release.settings.releases_dir.glob("*.building*"))


def test_wrongly_encoded_file_is_reported_with_its_line(world_with_release):
    before = _current_state(world_with_release.settings)
    latin1 = GOOD.replace("DEU,TUR", "DEU,TUR").encode("utf-8") + "FRA,CIV,2020,Male,5 # Côte\n".encode("latin-1")
    world_with_release.write("tiny/stock.csv", latin1)
    with pytest.raises(BuildError, match=r"tiny/stock\.csv, row 6: not valid utf-8") as failure:
        world_with_release.build()
    assert "tiny/stock.csv, row 6" in str(failure.value) and "not valid utf-8" in str(failure.value)
    assert _current_state(world_with_release.settings) == before


def test_hostile_values_are_data_not_sql(world_with_release):
    before = _current_state(world_with_release.settings)
    world_with_release.write("tiny/stock.csv", GOOD + 'FRA,"DZA\'); DROP TABLE observation; --",2020,Male,1\n')
    with pytest.raises(BuildError, match="1 area name\\(s\\) or code\\(s\\) could not be resolved") as failure:
        world_with_release.build()
    assert "DROP TABLE observation" in str(failure.value)  # reported as an unresolved name, never executed
    assert _current_state(world_with_release.settings) == before


def test_changed_file_fails_checksum_unless_allowed(world_with_release):
    settings = world_with_release.settings
    specs = world_with_release.specs()
    world_with_release.write("tiny/stock.csv", GOOD.replace("800", "801"))
    from observatory.warehouse.build import build_release

    with pytest.raises(BuildError, match="differs from the declared"):
        build_release(settings, specs=specs, connectors={"tiny_stock": world_with_release.connector})
    report = build_release(
        settings, specs=specs, connectors={"tiny_stock": world_with_release.connector}, strict_checksums=False
    )
    assert any(f.check_name == "checksum" and f.severity == "warning" for f in report.findings)


def test_parts_not_adding_up_to_total_is_reported(tiny_world):
    """A declared sum check compares female + male with the published total, corridor by corridor."""
    from observatory.sources.spec import SumCheck

    tiny_world.write("tiny/stock.csv", GOOD + "FRA,DZA,2020,Total,1600\n")
    spec = tiny_world.tiny_spec
    tiny_world.tiny_spec = spec.model_copy(
        update={
            "checks": spec.checks.model_copy(
                update={
                    "sums": [
                        SumCheck(
                            measure="migrant_stock",
                            parts={"sex": ["female", "male"]},
                            total={"sex": "total"},
                            severity="warning",
                        )
                    ]
                }
            )
        }
    )

    def parse_with_totals(ctx):
        raw = ctx.read_csv(
            "stock.csv",
            columns={"dest": "VARCHAR", "orig": "VARCHAR", "year": "INTEGER", "sex": "VARCHAR", "stock": "DOUBLE"},
        )
        return [
            raw.select(
                "'migrant_stock' AS measure_id, orig AS origin, dest AS destination, year, lower(sex) AS sex, stock "
                "AS value, _file, _row"
            )
        ]

    original = tiny_world.connector.parse
    tiny_world.connector.parse = parse_with_totals
    try:
        report = tiny_world.build()
    finally:
        tiny_world.connector.parse = original
    [finding] = [f for f in report.findings if f.check_name == "parts_vs_total"]
    assert finding.severity == "warning" and finding.count == 1 and finding.row_number == 6
