(
    """Real-data checks of the UN DESA, Abel & Cohen, IOM, World Bank, WPP, IDMC and EM-DAT connectors (one build """
    """per """
    """session)."""
)

from __future__ import annotations

import pandas as pd
import pytest

pytestmark = pytest.mark.mirror
# Every edition of a measure: the chosen one (observation) and those kept for comparison (observation_alternative).
EDITIONS = "(SELECT * FROM observation UNION ALL SELECT * FROM observation_alternative)"


def _one(con, sql, params=()):
    return con.execute(sql, list(params)).fetchall()[0][0]


def test_every_source_loaded_with_rows(con):
    from observatory.sources import registry

    rows = dict(con.execute("SELECT id, row_count FROM dataset").fetchall())
    for spec in registry.all_specs():
        assert rows.get(spec.id, 0) > 0, spec.id


def test_no_unresolved_codes_and_no_guessed_names_in_my_sources(con):
    assert (
        _one(con, "SELECT count(*) FROM observation WHERE coalesce(area, origin) NOT IN (SELECT code FROM area)") == 0
    )
    guessed = con.execute("SELECT dataset_id, raw_value, code FROM area_resolution WHERE NOT exact").fetchall()
    assert guessed == [], guessed


@pytest.mark.parametrize(("year", "published"), [(1990, 152_986_157), (2020, 280_598_105)])
def test_undesa_world_migrant_stock_equals_published_total(con, year, published):
    bilateral = _one(
        con,
        f"SELECT sum(value) FROM {EDITIONS} WHERE measure_id = 'migrant_stock' AND dataset_id = "
        "'undesa_ims_2020_bilateral' AND year = ?",
        [year],
    )
    workbook = _one(
        con,
        "SELECT value FROM observation WHERE measure_id = 'migrant_stock_total' AND area = 'WLD' AND sex = 'total' "
        "AND year = ?",
        [year],
    )
    assert bilateral == published and workbook == published


def test_undesa_bilateral_rows_and_unknown_origin(con, mirror):
    raw = pd.read_csv(mirror / "undesa_ims_2020_bilateral/ims2020_bilateral_stock_by_sex.csv")
    assert (
        _one(con, f"SELECT count(*) FROM {EDITIONS} WHERE dataset_id = 'undesa_ims_2020_bilateral'")
        == len(raw)
        == 150_570
    )
    assert (
        _one(con, f"SELECT count(*) FROM {EDITIONS} WHERE dataset_id = 'undesa_ims_2020_bilateral' AND origin = 'XXX'")
        == 3_114
    )
    # The 2020 revision is kept beside the default 2024 one, never added to it.
    assert _one(con, "SELECT count(*) FROM observation WHERE dataset_id = 'undesa_ims_2020_bilateral'") == 0


def test_abel_cohen_global_totals_match_the_manifest(con):
    totals = dict(
        con.execute(
            "SELECT year, sum(value) FROM observation WHERE measure_id = 'migration_flow' AND category = "
            "'da_pb_closed' AND sex = 'total' GROUP BY year"
        ).fetchall()
    )
    assert round(totals[1990] / 1e6, 1) == 72.7 and round(totals[2015] / 1e6, 1) == 101.2
    assert _one(
        con,
        "SELECT value FROM observation WHERE measure_id = 'migration_flow' AND category = 'da_pb_closed' AND sex = "
        "'total' "
        "AND origin = 'MEX' AND destination = 'USA' AND year = 1990",
    ) == pytest.approx(2.24e6, rel=0.01)
    assert _one(con, "SELECT DISTINCT status FROM observation WHERE dataset_id = 'abel_cohen_flows'") == "modelled"


def test_missing_migrants_minimum_counts_add_up(con):
    dated = _one(con, "SELECT sum(value) FROM observation WHERE measure_id IN ('migrants_dead', 'migrants_missing')")
    undated = _one(con, "SELECT count FROM check_result WHERE check_name = 'undated_incidents'")
    assert dated == 64_959 and undated == 15  # 64,975 persons in all, 16 of them in undated incidents
    assert _one(con, "SELECT DISTINCT status FROM observation WHERE dataset_id = 'iom_missing_migrants'") == "minimum"


def test_world_bank_bulk_values(con):
    assert _one(
        con,
        f"SELECT value FROM {EDITIONS} WHERE measure_id = 'gdp_current_usd' AND dataset_id = 'wdi_bulk' AND area = "
        "'USA' AND year = 2022",
    ) == pytest.approx(25.44e12, rel=0.001)
    assert (
        _one(con, "SELECT count(*) FROM observation WHERE measure_id = 'gdp_current_usd' AND area = 'WLD'") == 0
    )  # aggregates left out, counted
    assert _one(con, "SELECT sum(count) FROM check_result WHERE check_name = 'world_bank_aggregates'") == 96


def test_remittance_prices_by_migration_direction(con):
    mean_2020q3, corridors = con.execute(
        "SELECT avg(value), count(*) FROM observation WHERE measure_id = 'remittance_cost_usd200' AND period = '2020Q3'"
    ).fetchall()[0]
    assert corridors == 367 and round(mean_2020q3, 1) == 7.0
    # Money sent from the United States to Mexico is stored on the Mexico -> United States migration corridor.
    assert (
        _one(
            con,
            "SELECT count(*) FROM observation WHERE measure_id = 'remittance_cost_usd200' AND origin = 'MEX' AND "
            "destination = 'USA'",
        )
        > 0
    )
    assert (
        _one(
            con,
            "SELECT count(*) FROM observation WHERE measure_id = 'remittance_cost_usd200' AND origin = 'USA' AND "
            "destination = 'MEX'",
        )
        == 0
    )


def test_wpp_population_in_persons(con):
    world_2021 = _one(
        con,
        "SELECT sum(value) FROM observation WHERE measure_id = 'population_by_age' AND sex = 'total' AND year = 2021 "
        "AND area IN (SELECT code FROM area WHERE kind = 'country')",
    )
    assert 7.8e9 < world_2021 < 8.0e9


def test_idmc_and_emdat(con):
    assert (
        _one(
            con,
            f"SELECT value FROM {EDITIONS} WHERE measure_id = 'internal_displacements_conflict' AND dataset_id = "
            "'idmc_displacements' "
            "AND area = 'UKR' AND year = 2022",
        )
        == 16_870_000
    )
    # GRID 2025 gives the same figure unrounded, and is the one used.
    assert (
        _one(
            con,
            "SELECT value FROM observation WHERE measure_id = 'internal_displacements_conflict' AND area = 'UKR' AND "
            "year = 2022",
        )
        == 16_870_323
    )
    assert _one(con, "SELECT count(DISTINCT category) FROM observation WHERE dataset_id = 'emdat_disasters'") >= 10


def test_compiled_totals_keyed_by_m49_keep_the_channel_islands(con):
    assert (
        _one(con, "SELECT count(*) FROM observation WHERE dataset_id = 'undesa_stock_totals_2020' AND area = 'CHI'") > 0
    )
    assert (
        _one(con, "SELECT count(*) FROM observation WHERE dataset_id = 'undesa_pop_totals_2020' AND area = 'NAM'") == 7
    )


def test_reestimated_flows_are_close_to_the_published_estimates(con):
    """The observatory's own ffs_demo estimate lands within 10 % of Abel & Cohen's da_min_closed global totals."""
    ours = dict(
        con.execute(
            "SELECT year, sum(value) FROM observation WHERE measure_id = 'migration_flow_reestimated' GROUP BY year"
        ).fetchall()
    )
    published = dict(
        con.execute(
            "SELECT year, sum(value) FROM observation WHERE measure_id = 'migration_flow' AND category = "
            "'da_min_closed' AND sex = 'total' GROUP BY year"
        ).fetchall()
    )
    assert sorted(ours) == [1990, 1995, 2000, 2005, 2010, 2015]
    for year, total in ours.items():
        assert total == pytest.approx(published[year], rel=0.10), year
    assert (
        _one(con, "SELECT DISTINCT status FROM observation WHERE dataset_id = 'observatory_flow_estimates'")
        == "modelled"
    )
    assert "ffs_demo parameters" in _one(con, "SELECT message FROM check_result WHERE check_name = 'method_parameters'")
