"""UN DESA International Migrant Stock 2024 from the mirror: totals recomputed from the raw CSV, OOO, zeros, flags."""

from __future__ import annotations

import pandas as pd
import pytest

SOURCE = "undesa_ims_2024_bilateral"
pytestmark = pytest.mark.mirror


@pytest.fixture(scope="module")
def raw(mirror) -> pd.DataFrame:
    """The mirror CSV as published."""
    path = mirror / "undesa_ims_2024_bilateral" / "undesa_stocks.csv"
    return pd.read_csv(path, keep_default_na=False, na_values=[""])


def scalar(con, sql: str, *params):
    return con.execute(sql, list(params)).fetchall()[0][0]


def stock(con, where: str, *params) -> float:
    return scalar(con, f"SELECT sum(value) FROM observation WHERE dataset_id = '{SOURCE}' AND {where}", *params)


def count(con, where: str, *params) -> int:
    return scalar(con, f"SELECT count(*) FROM observation WHERE dataset_id = '{SOURCE}' AND {where}", *params)


def note_of(con, row) -> str:
    """The loaded note of the observation made from one raw row."""
    return scalar(
        con,
        f"SELECT note FROM observation WHERE dataset_id = '{SOURCE}' AND destination = ? "
        "AND origin = ? AND year = ? AND sex = ?",
        row.geo,
        row["from"],
        int(row.t),
        row.sex,
    )


def test_every_row_is_loaded(release, raw):
    report, con = release
    assert report.datasets[SOURCE] == len(raw) == 153_296
    assert not [f for f in report.findings if f.dataset_id == SOURCE and f.severity == "error"]
    assert count(con, "sex = 'total'") == 0


def test_world_total_2024(release, raw):
    _, con = release
    expected = raw.loc[raw.t == 2024, "n"].sum()
    assert expected == pytest.approx(304.02e6, abs=0.005e6)  # UN DESA's published 304 million
    assert stock(con, "year = 2024") == expected


def test_destination_total_includes_other_origin_and_both_sexes(release, raw):
    _, con = release
    germany = raw[(raw.geo == "DEU") & (raw.t == 2024)]
    assert (germany["from"] == "OOO").any() and set(germany.sex) == {"female", "male"}
    assert stock(con, "destination = 'DEU' AND year = 2024") == germany.n.sum()


def test_mexico_to_usa_2024(release, raw):
    _, con = release
    expected = raw.loc[(raw.geo == "USA") & (raw["from"] == "MEX") & (raw.t == 2024), "n"].sum()
    assert expected == pytest.approx(11.28e6, abs=0.005e6)
    assert stock(con, "origin = 'MEX' AND destination = 'USA' AND year = 2024") == expected


@pytest.mark.parametrize("sex", ["female", "male"])
def test_split_by_sex(release, raw, sex):
    _, con = release
    corridor = raw[(raw.geo == "ARE") & (raw["from"] == "IND") & (raw.t == 2020) & (raw.sex == sex)]
    assert len(corridor) == 1
    assert stock(con, "origin = 'IND' AND destination = 'ARE' AND year = 2020 AND sex = ?", sex) == corridor.n.iloc[0]
    assert stock(con, "year = 2024 AND sex = ?", sex) == raw.loc[(raw.t == 2024) & (raw.sex == sex), "n"].sum()


def test_other_origin_is_kept_as_xxx(release, raw):
    report, con = release
    other = raw[raw["from"] == "OOO"]
    assert count(con, "origin = 'XXX'") == len(other)
    assert stock(con, "origin = 'XXX' AND year = 2024") == other.loc[other.t == 2024, "n"].sum()
    assert count(con, "'UNK' IN (origin, destination)") == 0
    assert scalar(con, "SELECT code FROM area_resolution WHERE dataset_id = ? AND raw_value = 'OOO'", SOURCE) == "XXX"
    noted = [f.count for f in report.findings if f.dataset_id == SOURCE and f.check_name == "other_origin"]
    assert noted == [len(other)]


def test_zero_rows_are_kept(release, raw):
    _, con = release
    zeros = (raw.n == 0).sum()
    assert zeros == 14_925
    assert count(con, "value = 0") == zeros


def test_imputed_rows_are_estimated_and_flags_are_in_the_note(release, raw):
    _, con = release
    assert count(con, "status = 'estimated'") == (raw.type_i == 1).sum() > 0
    assert count(con, "status = 'reported'") == (raw.type_i == 0).sum()
    citizens = raw[(raw.type_b == 0) & (raw.type_c == 1) & (raw.type_r == 1) & (raw.type_i == 0)].iloc[0]
    assert note_of(con, citizens) == "based on foreign citizens; includes refugees"
    both = raw[(raw.type_b == 1) & (raw.type_c == 1) & (raw.type_r == 1)].iloc[0]
    assert note_of(con, both) == "based on foreign-born and foreign citizens; includes refugees"
    imputed = raw[(raw.type_i == 1) & (raw.type_r == 0)].iloc[0]
    assert note_of(con, imputed) == "imputed (no data)"


@pytest.mark.parametrize("code", ["BES", "CUW", "SXM"])
def test_former_netherlands_antilles_resolve_to_themselves(release, raw, code):
    _, con = release
    resolved = "SELECT DISTINCT code FROM area_resolution WHERE dataset_id = ? AND raw_value = ?"
    assert scalar(con, resolved, SOURCE, code) == code
    expected = raw.loc[(raw.geo == code) & (raw.t == 2024), "n"].sum()
    assert stock(con, "destination = ? AND year = 2024", code) == expected


def test_channel_islands_are_one_area_chi(release, raw):
    _, con = release
    # The manifest expected GGY and JEY; the file has neither, only the Channel Islands together as XCX.
    codes = raw.geo.tolist() + raw["from"].tolist()
    assert not {"GGY", "JEY", "CHI"} & set(codes) and "XCX" in codes
    resolved = "SELECT DISTINCT code FROM area_resolution WHERE dataset_id = ? AND raw_value = 'XCX'"
    assert scalar(con, resolved, SOURCE) == "CHI"
    in_2024 = raw[raw.t == 2024]
    assert stock(con, "destination = 'CHI' AND year = 2024") == in_2024.loc[in_2024.geo == "XCX", "n"].sum()
    assert stock(con, "origin = 'CHI' AND year = 2024") == in_2024.loc[in_2024["from"] == "XCX", "n"].sum()
    assert count(con, "'XCX' IN (origin, destination)") == 0


def test_jump_check_runs(release):
    report, _ = release
    jumps = [f for f in report.findings if f.dataset_id == SOURCE and f.check_name == "year_on_year_jump"]
    assert len(jumps) == 1 and jumps[0].severity == "warning"
