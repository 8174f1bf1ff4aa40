"""The CLI answers what a person asks: one total by default, readable numbers in 80 columns, names for codes."""

from __future__ import annotations

import csv
import io
import json
import math
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rich.console import Console
from typer.testing import CliRunner

from observatory.cli.main import app
from observatory.cli.output import OutputFormat, emit_rows, human_number, is_percent_unit, people_table
from observatory.indicators import cli as indicators_cli
from observatory.indicators.cli import _table_columns, headline_rows

SCIENTIFIC = re.compile(r"\d\.?\d*[eE][+-]?\d")


def _row(**key) -> dict:
    row = {
        "indicator": "x",
        "area": "AAA",
        "year": 2020,
        "period": "",
        "sex": "total",
        "age": "total",
        "category": "",
        "value": 1.0,
        "unit": "persons",
        "status": "reported",
        "sources": ["s"],
        "note": None,
    }
    return {**row, **key}


# --- the total unless a breakdown is asked ---------------------------------------------------------------------------


def test_the_total_is_the_default_and_a_breakdown_is_kept_on_request():
    rows = [_row(sex="female", value=2.0), _row(sex="male", value=1.0), _row(sex="total", value=3.0)]
    chosen, collapsed = headline_rows(rows, keep=set())
    assert [(r["sex"], r["value"]) for r in chosen] == [("total", 3.0)] and collapsed == ["sex"]
    chosen, collapsed = headline_rows(rows, keep={"sex"})
    assert chosen == rows and collapsed == []


def test_the_declared_headline_category_and_age_lead_where_there_is_no_total():
    rows = [
        _row(category=method, age=age, value=value)
        for method, value in (("da_pb_closed", 10.0), ("mig_rate", 7.0))
        for age in ("15-19", "20-64")
    ]
    chosen, collapsed = headline_rows(rows, keep=set(), headline_category="mig_rate", headline_age="20-64")
    assert [(r["category"], r["age"], r["value"]) for r in chosen] == [("mig_rate", "20-64", 7.0)]
    assert collapsed == ["age", "category"]


def test_a_sex_by_age_table_gives_its_one_grand_total():
    """The sex total exists only for all ages (IDMC): female and male age bands are a breakdown, not totals."""
    rows = [_row(sex=sex, age=age, value=1.0) for sex in ("female", "male") for age in ("0-4", "60+")]
    rows += [_row(sex="total", age="total", value=4.0)]
    chosen, collapsed = headline_rows(rows, keep=set())
    assert [(r["sex"], r["age"], r["value"]) for r in chosen] == [("total", "total", 4.0)] and collapsed == ["sex"]
    by_sex, _ = headline_rows(rows, keep={"sex"})
    assert [(r["sex"], r["age"]) for r in by_sex] == [(r["sex"], r["age"]) for r in rows]  # no all-ages value by sex


def test_kinds_without_a_total_stay_side_by_side_and_are_never_added():
    rows = [_row(category="appeals", value=480.0), _row(category="new applications", value=53985.0)]
    chosen, collapsed = headline_rows(rows, keep=set())
    assert chosen == rows and collapsed == []


def test_the_yearly_value_leads_over_its_quarters_and_each_key_keeps_its_own_total():
    rows = [
        _row(period="", value=19.2),
        _row(period="2019Q1", value=18.3),
        _row(area="BBB", sex="female", value=5.0),
        _row(area="BBB", sex="male", value=6.0),
    ]
    chosen, collapsed = headline_rows(rows, keep=set())
    expected = [("AAA", "", "total"), ("BBB", "", "female"), ("BBB", "", "male")]
    assert [(r["area"], r["period"], r["sex"]) for r in chosen] == expected
    assert collapsed == ["period"]


def test_the_table_shows_the_essential_columns_and_breakdowns_asked_for():
    rows = [_row(lower=0.5, upper=1.5, revision="2024", coverage=None, partial_until=None, release="r1")]
    assert _table_columns(rows, set(), wide=False) == ["area", "year", "value", "unit", "status"]
    assert _table_columns(rows, {"sex"}, wide=False) == ["area", "year", "sex", "value", "unit", "status"]
    flows = [_row(period="2015-2020", year=2015, category="da_pb_closed")]
    assert _table_columns(flows, set(), wide=False) == ["area", "period", "category", "value", "unit", "status"]
    assert {"lower", "upper", "sources", "revision", "note"} <= set(_table_columns(rows, set(), wide=True))


# --- numbers for people ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "percent", "shown"),
    [
        (1.92884e10, False, "19.29 bn"),
        (50471028.0, False, "50.47 M"),
        (256545.0, False, "256,545"),
        (-28620.0, False, "-28,620"),
        (2.65519e6, False, "2.66 M"),
        (0.745, False, "0.745"),
        (3.14159, False, "3.14"),
        (123.456, False, "123.5"),
        (0.0000123, False, "0.0000123"),
        (0.0, False, "0"),
        (23.345, True, "23.3"),
        (64.08, True, "64.1"),
        (float("nan"), False, ""),
        (None, False, ""),
    ],
)
def test_numbers_read_as_people_write_them(value, percent, shown):
    assert human_number(value, percent) == shown


def _read_back(text: str) -> float:
    scale = {"bn": 1e9, "M": 1e6}
    number, _, suffix = text.partition(" ")
    return float(number.replace(",", "")) * scale.get(suffix, 1)


@settings(max_examples=300, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(st.floats(min_value=-1e15, max_value=1e15, allow_nan=False, allow_infinity=False))
def test_a_human_number_is_never_scientific_and_reads_back_close(value):
    shown = human_number(value)
    assert not SCIENTIFIC.search(shown) and "e" not in shown.replace("bn", "")
    if abs(value) >= 1e-6:
        assert math.isclose(_read_back(shown), value, rel_tol=0.006), (value, shown)


def test_percent_units_are_recognised():
    assert all(is_percent_unit(u) for u in ("percent", "percent of GDP", "percent of the amount sent"))
    assert not any(is_percent_unit(u) for u in ("persons", "per 100,000 population", None, ""))


def test_a_table_fits_80_columns_and_csv_json_keep_raw_numbers(capsys):
    columns = ["origin", "destination", "year", "period", "category", "value", "unit", "status"]
    unit = "persons per 5-year period (modelled)"
    rows = [
        ("MEX", "USA", 2015, "2015-2020", "da_pb_closed", 1.92884e10, unit, "modelled"),
        ("NPL", "IND", 2015, "2015-2020", "da_pb_closed", 648081.0, unit, "modelled"),
    ]
    out = io.StringIO()
    Console(width=80, file=out).print(people_table(columns, rows))
    text = out.getvalue()
    assert max(len(line) for line in text.splitlines()) <= 80
    assert "19.29 bn" in text and "648,081" in text and not SCIENTIFIC.search(text)
    emit_rows(columns, rows, OutputFormat.csv, Console())
    parsed = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert float(parsed[0]["value"]) == 1.92884e10 and parsed[1]["value"] == "648081.0"
    emit_rows(columns, [(*rows[0][:5], float("nan"), *rows[0][6:])], OutputFormat.json, Console())
    assert json.loads(capsys.readouterr().out)[0]["value"] is None  # NaN is not JSON


# --- the real release through the command line -----------------------------------------------------------------------


@pytest.fixture
def run(real_release, monkeypatch):
    """Invoke `observatory` on the session's real release, printing tables into an 80-column terminal."""
    monkeypatch.setenv("OBSERVATORY_HOME", str(real_release.home))
    monkeypatch.setattr(indicators_cli, "console", Console(width=80))

    def invoke(*args: str):
        return CliRunner().invoke(app, list(args))

    return invoke


def _json(result) -> list[dict]:
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _flat(text: str) -> str:
    return " ".join(text.split())


USA_2020 = (
    "SELECT value FROM indicator_value WHERE indicator = 'migrant_stock' AND area = 'USA' AND year = 2020 "
    "AND sex = 'total' AND age = 'total' AND category = '' AND period = ''"
)
USA_ARGS = ("indicator", "migrant_stock", "--area", "USA", "--year", "2020")


@pytest.mark.mirror
def test_migrant_stock_usa_2020_is_one_number(run, con):
    rows = _json(run(*USA_ARGS, "--format", "json"))
    total = con.execute(USA_2020).fetchall()
    assert len(rows) == 1 and (rows[0]["sex"], rows[0]["age"], rows[0]["category"]) == ("total", "total", "")
    assert rows[0]["value"] == total[0][0]
    by_sex = _json(run(*USA_ARGS, "--by", "sex", "--format", "json"))
    assert sorted(r["sex"] for r in by_sex) == ["female", "male", "total"]
    female = _json(run(*USA_ARGS, "--sex", "female", "--format", "json"))
    assert [r["sex"] for r in female] == ["female"]


@pytest.mark.mirror
def test_the_table_is_readable_in_80_columns(run, con):
    result = run(*USA_ARGS)
    assert result.exit_code == 0, result.output
    value = con.execute(USA_2020).fetchall()[0][0]
    assert human_number(value) in result.stdout and " M" in human_number(value)
    assert max(len(line) for line in result.stdout.splitlines()) <= 80
    assert not SCIENTIFIC.search(result.stdout) and "revision" not in result.stdout
    assert "--by sex" in _flat(result.stdout)
    money = run("indicator", "remittances_received_usd", "--area", "DEU", "--year", "2022")
    assert money.exit_code == 0 and " bn " in money.stdout and not SCIENTIFIC.search(money.stdout)
    wide = run(*USA_ARGS, "--wide")
    assert wide.exit_code == 0 and all(c in wide.stdout for c in ("lower", "sources", "revision", "coverage"))


@pytest.mark.mirror
def test_percent_has_one_decimal_and_csv_keeps_the_raw_value(run, con):
    args = (
        "indicator",
        "corridor_share_of_destination_immigrants",
        "--origin",
        "mexico",
        "--destination",
        "united states",
        "--year",
        "2020",
    )
    value = con.execute(
        "SELECT value FROM indicator_value WHERE indicator = ? AND origin = 'MEX' AND destination = 'USA' "
        "AND year = 2020 AND sex = 'total'",
        [args[1]],
    ).fetchall()[0][0]
    table = run(*args)
    assert table.exit_code == 0, table.output
    assert re.search(rf"\s{re.escape(f'{value:.1f}')}\s", table.stdout)
    raw = list(csv.DictReader(io.StringIO(run(*args, "--format", "csv").stdout)))
    assert len(raw) == 1 and float(raw[0]["value"]) == value


@pytest.mark.mirror
def test_modelled_flows_answer_with_the_declared_method(run, con):
    headline = con.execute("SELECT headline_category FROM indicator WHERE id = 'emigration_flow'").fetchall()[0][0]
    rows = _json(run("indicator", "emigration_flow", "--area", "MEX", "--format", "json"))
    assert headline and {r["category"] for r in rows} == {headline}
    assert len({r["period"] for r in rows}) == len(rows) > 1
    methods = _json(
        run(
            "indicator",
            "emigration_flow",
            "--area",
            "MEX",
            "--period",
            "2015-2020",
            "--by",
            "category",
            "--format",
            "json",
        )
    )
    assert len({r["category"] for r in methods}) > 1 and headline in {r["category"] for r in methods}


@pytest.mark.mirror
def test_every_indicator_answers_one_value_per_key_by_default(run, con):
    """For each indicator, its best-covered place in its latest year: the total (or declared headline) wherever the
    release has one, one row per period and kind otherwise."""
    indicators = con.execute("SELECT id, level, headline_category, headline_age FROM indicator ORDER BY id").fetchall()
    checked = 0
    for indicator, level, headline_category, headline_age in indicators:
        place = ("area",) if level == "area" else ("origin", "destination")
        listed = ", ".join(place)
        key = con.execute(
            f"SELECT {listed}, max(year) FROM indicator_value WHERE indicator = ? AND value IS NOT NULL "
            f"GROUP BY ALL ORDER BY count(*) DESC, {listed} LIMIT 1",
            [indicator],
        ).fetchall()
        if not key:
            continue
        *codes, year = key[0]
        where = " AND ".join(f"{column} = ?" for column in place)
        raw = con.execute(
            f"SELECT sex, age, category, period FROM indicator_value WHERE indicator = ? AND {where} AND year = ?",
            [indicator, *codes, year],
        ).fetchall()
        options = [item for column, code in zip(place, codes, strict=True) for item in (f"--{column}", code)]
        rows = _json(run("indicator", indicator, *options, "--year", str(year), "--format", "json"))
        assert rows and len({(r["period"], r["category"]) for r in rows}) == len(rows), indicator
        wanted = {"sex": ["total"], "age": [headline_age, "total"], "category": [headline_category, ""], "period": [""]}
        for position, (dimension, preferred) in enumerate(wanted.items()):
            present = {row[position] for row in raw}
            pick = next((value for value in preferred if value is not None and value in present), None)
            if pick is not None:
                assert {r[dimension] for r in rows} == {pick}, (indicator, dimension)
        checked += 1
    assert checked >= 40


@pytest.mark.mirror
def test_names_work_where_codes_do(run):
    by_code = _json(run("indicator", "migrant_stock", "--area", "NPL", "--year", "2020", "--format", "json"))
    by_name = _json(run("indicator", "migrant_stock", "--area", "nepal", "--year", "2020", "--format", "json"))
    assert by_code == by_name and by_code[0]["area"] == "NPL"
    near = run("indicator", "migrant_stock", "--area", "nepl", "--year", "2020")
    assert near.exit_code == 1 and "did you mean NPL (Nepal)?" in _flat(near.output)
    several = run("indicator", "migrant_stock", "--area", "europe")
    assert several.exit_code == 1 and "CONT_EUROPE (Europe)" in _flat(several.output)
    odd = run("indicator", "migrant_stock", "--area", "nepal" + "x" * 500)
    assert odd.exit_code == 1 and "xxxxxxxxxx" not in odd.output
    typo = run("indicator", "migrant_stok", "--area", "NPL")
    assert typo.exit_code == 1 and "did you mean migrant_stock" in _flat(typo.output)
    hostile = run("indicator", "x" * 300)
    assert hostile.exit_code == 1 and "xxxxxxxxxx" not in hostile.output


@pytest.mark.mirror
def test_an_unavailable_year_is_explained(run):
    result = run("indicator", "emigration_flow", "--area", "MEX", "--year", "2020")
    assert result.exit_code == 0
    assert "no value for 2020; years with data:" in _flat(result.output) and "2015" in result.output


@pytest.mark.mirror
def test_profile_and_corridor_take_names(run):
    profile = run("profile", "nepal", "--format", "json")
    assert profile.exit_code == 0, profile.output
    assert json.loads(profile.stdout)["meta"]["area"] == "NPL"
    near = run("profile", "nepl")
    assert near.exit_code == 1 and "did you mean NPL (Nepal)?" in _flat(near.output)
    corridor = run("corridor", "mexcio", "USA", "--format", "json")
    assert corridor.exit_code == 1 and "did you mean MEX (Mexico)?" in _flat(corridor.output)
