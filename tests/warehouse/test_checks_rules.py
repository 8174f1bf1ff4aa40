"""Data checks on tiny written tables: each failure names the check, severity, file, first row and field."""

from __future__ import annotations

import datetime

import duckdb
import pytest

from observatory.sources.spec import Checks, JumpCheck, Measure, SourceSpec, SumCheck
from observatory.warehouse.checks import Finding, run_checks

COLUMNS = "measure_id, area, origin, destination, year, period, sex, age, category, value, _file, _row"


def spec(checks: Checks | None = None, measures: list[Measure] | None = None) -> SourceSpec:
    """A source with one area stock, two corridor flows and one area rate (or the measures given)."""
    return SourceSpec(
        id="tiny",
        title="Tiny",
        publisher="P",
        producer="P",
        version_producer="1",
        url_main="https://example.org",
        date_published="2024",
        date_accessed=datetime.date(2024, 1, 1),
        licence="CC-BY-4.0",
        citation_full="P (2024)",
        files=[],
        measures=measures
        or [
            Measure(id="stock", label="Stock", kind="stock", unit="persons", definition="d"),
            Measure(id="moves", label="Moves", kind="flow", unit="persons", definition="d", level="corridor"),
            Measure(id="returns", label="Returns", kind="flow", unit="persons", definition="d", level="corridor"),
            Measure(id="rate", label="Rate", kind="rate", unit="%", definition="d"),
        ],
        checks=checks or Checks(),
    )


def rows(*values: tuple) -> duckdb.DuckDBPyConnection:
    """A connection holding the resolved rows (measure, area, origin, destination, year, sex, value, file, row)."""
    con = duckdb.connect()
    con.execute(
        "CREATE TABLE resolved (measure_id VARCHAR, area VARCHAR, origin VARCHAR, destination VARCHAR, year INTEGER, "
        "period VARCHAR, sex VARCHAR, age VARCHAR, category VARCHAR, value DOUBLE, _file VARCHAR, _row BIGINT)"
    )
    for measure, area, origin, destination, year, sex, value, file, row in values:
        con.execute(
            f"INSERT INTO resolved ({COLUMNS}) VALUES (?, ?, ?, ?, ?, '', ?, 'total', '', ?, ?, ?)",
            [measure, area, origin, destination, year, sex, value, file, row],
        )
    return con


def by_check(findings: list[Finding]) -> dict[str, Finding]:
    assert len({f.check_name for f in findings}) == len(findings)
    return {f.check_name: f for f in findings}


def test_clean_rows_give_no_finding():
    con = rows(
        ("stock", "AAA", None, None, 2020, "total", 100.0, "a.csv", 2),
        ("stock", "AAA", None, None, 2021, "total", 110.0, "a.csv", 3),
        ("moves", None, "AAA", "BBB", 2020, "total", 5.0, "a.csv", 4),
        ("rate", "AAA", None, None, 2020, "total", -1.5, "a.csv", 5),
    )
    assert run_checks(con, "resolved", spec()) == []


def test_a_repeated_key_is_an_error_naming_the_first_file_and_row():
    con = rows(
        ("stock", "AAA", None, None, 2020, "total", 1.0, "b.csv", 9),
        ("stock", "AAA", None, None, 2020, "total", 2.0, "a.csv", 7),
        ("stock", "AAA", None, None, 2020, "total", 3.0, "a.csv", 8),
        ("stock", "BBB", None, None, 2020, "total", 3.0, "a.csv", 12),
        ("stock", "BBB", None, None, 2020, "total", 3.0, "a.csv", 11),
        ("stock", "CCC", None, None, 2020, "total", 3.0, "a.csv", 10),
    )
    found = by_check(run_checks(con, "resolved", spec()))["duplicate_key"]
    assert (found.severity, found.count, found.file, found.row_number) == ("error", 2, "a.csv", 7)
    assert found.message.startswith("2 key(s) occur more than once, e.g. {'measure_id': 'stock', 'area': 'AAA',")
    assert found.message.endswith("'category': ''} (3 times)")


def test_negative_stocks_are_errors_and_declared_measures_may_be_warnings():
    con = rows(
        ("stock", "AAA", None, None, 2020, "total", -4.0, "a.csv", 6),
        ("stock", "BBB", None, None, 2020, "total", -2.5, "a.csv", 3),
        ("rate", "AAA", None, None, 2020, "total", -1.0, "r.csv", 2),
    )
    found = by_check(run_checks(con, "resolved", spec()))["negative_value"]
    assert (found.severity, found.count, found.file, found.row_number, found.field) == ("error", 2, "a.csv", 3, "value")
    assert found.message == "2 negative value(s) (smallest -4)"
    declared = Checks(non_negative=["rate"], negative_is_warning=["stock"])
    findings = run_checks(con, "resolved", spec(declared))
    assert [(f.check_name, f.severity, f.count, f.file) for f in findings] == [
        ("negative_value", "error", 1, "r.csv"),
        ("negative_value", "warning", 2, "a.csv"),
    ]
    assert (
        str(findings[1])
        == "[warning] tiny negative_value: a.csv, row 3, field 'value': 2 negative value(s) (smallest -4)"
    )


def test_a_corridor_from_a_country_to_itself_is_a_warning_unless_allowed():
    con = rows(
        ("moves", None, "BBB", "BBB", 2020, "total", 5.0, "m.csv", 4),
        ("moves", None, "AAA", "AAA", 2021, "total", 5.0, "m.csv", 8),
        ("moves", None, "AAA", "BBB", 2021, "total", 5.0, "m.csv", 2),
    )
    found = by_check(run_checks(con, "resolved", spec()))["origin_equals_destination"]
    assert (found.severity, found.count, found.file, found.row_number, found.field) == (
        "warning",
        2,
        "m.csv",
        4,
        "origin",
    )
    assert found.message == "2 corridor row(s) with origin = destination (e.g. AAA)"
    assert run_checks(con, "resolved", spec(Checks(origin_not_destination=False))) == []


SEX_SUM = SumCheck(measure="stock", parts={"sex": ["female", "male"]}, total={"sex": "total"}, tolerance=0.01)


def test_parts_that_do_not_add_up_to_their_total_are_reported_with_the_largest_gap():
    con = rows(
        ("stock", "AAA", None, None, 2020, "female", 50.0, "s.csv", 2),
        ("stock", "AAA", None, None, 2020, "male", 50.0, "s.csv", 3),
        ("stock", "AAA", None, None, 2020, "total", 120.0, "s.csv", 4),  # 20 % off
        ("stock", "BBB", None, None, 2020, "female", 50.0, "s.csv", 5),
        ("stock", "BBB", None, None, 2020, "male", 50.5, "s.csv", 6),
        ("stock", "BBB", None, None, 2020, "total", 100.0, "s.csv", 7),  # 0.5 % off: within 1 %
        ("stock", "CCC", None, None, 2020, "female", 50.0, "s.csv", 8),
        ("stock", "CCC", None, None, 2020, "total", 900.0, "s.csv", 9),  # one part missing: not compared
    )
    found = by_check(run_checks(con, "resolved", spec(Checks(sums=[SEX_SUM]))))["parts_vs_total"]
    assert (found.severity, found.count, found.file, found.row_number, found.field) == (
        "warning",
        1,
        "s.csv",
        4,
        "value",
    )
    assert found.message == (
        "stock: 1 total(s) differ from the sum of sex ['female', 'male'] by more than 1.0% (largest gap 16.7%)"
    )


def test_an_absolute_tolerance_covers_rounding_of_small_totals():
    con = rows(
        ("stock", "AAA", None, None, 2020, "female", 2.0, "s.csv", 2),
        ("stock", "AAA", None, None, 2020, "male", 2.0, "s.csv", 3),
        ("stock", "AAA", None, None, 2020, "total", 5.0, "s.csv", 4),
    )
    strict = SumCheck(measure="stock", parts={"sex": ["female", "male"]}, total={"sex": "total"}, severity="error")
    assert by_check(run_checks(con, "resolved", spec(Checks(sums=[strict]))))["parts_vs_total"].severity == "error"
    loose = strict.model_copy(update={"absolute_tolerance": 1.0})
    assert run_checks(con, "resolved", spec(Checks(sums=[loose]))) == []


@pytest.mark.parametrize(("later", "jumps"), [(5000.0, 1), (250.0, 1), (3000.0, 0), (333.4, 0)])
def test_a_year_on_year_jump_beyond_the_factor_is_a_warning(later, jumps):
    con = rows(
        ("stock", "AAA", None, None, 2019, "total", 1000.0, "j.csv", 2),
        ("stock", "AAA", None, None, 2020, "total", later, "j.csv", 3),
        ("stock", "BBB", None, None, 2019, "total", 10.0, "j.csv", 4),  # tiny series are ignored
        ("stock", "BBB", None, None, 2020, "total", 500.0, "j.csv", 5),
    )
    check = JumpCheck(measure="stock", factor=3.0, min_value=1000.0)
    findings = run_checks(con, "resolved", spec(Checks(jumps=[check])))
    assert len(findings) == jumps
    if jumps:
        found = findings[0]
        assert (found.check_name, found.severity, found.count, found.file, found.row_number, found.field) == (
            "year_on_year_jump",
            "warning",
            1,
            "j.csv",
            3,  # the row of the year the value jumps to
            "value",
        )
        assert found.message == "stock: 1 change(s) between consecutive years beyond ×3 (largest: AAA 2019→2020)"


def test_a_finding_without_row_or_field_names_the_dataset():
    assert str(Finding("tiny", "note", "info", "text")) == "[info] tiny note: tiny: text"
    assert str(Finding("tiny", "note", "info", "text", 2, "f.csv", 0)) == "[info] tiny note: f.csv, row 0: text"


def test_every_finding_of_one_load_is_kept_and_names_the_dataset():
    con = rows(
        ("stock", "AAA", None, None, 2019, "total", 1000.0, "s.csv", 2),
        ("stock", "AAA", None, None, 2020, "total", 9000.0, "s.csv", 3),
        ("stock", "AAA", None, None, 2020, "female", 100.0, "s.csv", 4),
        ("stock", "AAA", None, None, 2020, "male", 100.0, "s.csv", 5),
        ("stock", "BBB", None, None, 2020, "total", -1.0, "s.csv", 6),
        ("stock", "BBB", None, None, 2020, "total", -1.0, "s.csv", 7),
        ("returns", None, "CCC", "CCC", 2020, "total", 1.0, "r.csv", 2),
    )
    checks = Checks(sums=[SEX_SUM], jumps=[JumpCheck(measure="stock", factor=3.0, min_value=1000.0)])
    findings = [str(f) for f in run_checks(con, "resolved", spec(checks))]
    assert findings == [
        "[error] tiny duplicate_key: s.csv, row 6: 1 key(s) occur more than once, e.g. {'measure_id': 'stock', "
        "'area': 'BBB', 'origin': None, 'destination': None, 'year': 2020, 'period': '', 'sex': 'total', 'age': "
        "'total', 'category': ''} (2 times)",
        "[error] tiny negative_value: s.csv, row 6, field 'value': 2 negative value(s) (smallest -1)",
        "[warning] tiny origin_equals_destination: r.csv, row 2, field 'origin': 1 corridor row(s) with origin = "
        "destination (e.g. CCC)",
        "[warning] tiny parts_vs_total: s.csv, row 3, field 'value': stock: 1 total(s) differ from the sum of sex "
        "['female', 'male'] by more than 1.0% (largest gap 97.8%)",  # 8 800 of 9 000
        "[warning] tiny year_on_year_jump: s.csv, row 3, field 'value': stock: 1 change(s) between consecutive "
        "years beyond ×3 (largest: AAA 2019→2020)",
    ]


def test_rows_without_a_file_are_checked_too():
    # A connector may give rows without a file name: the finding still counts them.
    con = rows(
        ("stock", "AAA", None, None, 2019, "total", -1000.0, None, 2),
        ("stock", "AAA", None, None, 2019, "total", -1000.0, None, 3),
        ("stock", "AAA", None, None, 2020, "total", -9000.0, None, 4),
        ("moves", None, "CCC", "CCC", 2020, "total", 1.0, None, 5),
        ("stock", "BBB", None, None, 2020, "female", 1.0, None, 6),
        ("stock", "BBB", None, None, 2020, "male", 1.0, None, 7),
        ("stock", "BBB", None, None, 2020, "total", 9.0, None, 8),
        ("stock", "CCC", None, None, 2019, "total", 1000.0, None, 9),
        ("stock", "CCC", None, None, 2020, "total", 9000.0, None, 10),
    )
    checks = Checks(sums=[SEX_SUM], jumps=[JumpCheck(measure="stock", factor=3.0, min_value=1000.0)])
    found = {f.check_name: (f.count, f.file, f.row_number) for f in run_checks(con, "resolved", spec(checks))}
    assert found == {
        "duplicate_key": (1, None, 2),
        "negative_value": (3, None, 2),
        "origin_equals_destination": (1, None, 5),
        "parts_vs_total": (1, None, 8),
        "year_on_year_jump": (1, None, 10),
    }


def test_a_jump_is_found_across_periods_of_one_series():
    # Five-year flow periods: each year has its own period label, and consecutive periods are still compared.
    con = rows(
        ("stock", "AAA", None, None, 1990, "total", 1000.0, "p.csv", 2),
        ("stock", "AAA", None, None, 1995, "total", 5000.0, "p.csv", 3),
    )
    con.execute("UPDATE resolved SET period = CAST(year AS VARCHAR) || '-' || CAST(year + 5 AS VARCHAR)")
    check = JumpCheck(measure="stock", factor=3.0, min_value=1000.0)
    (found,) = run_checks(con, "resolved", spec(Checks(jumps=[check])))
    assert (found.check_name, found.row_number) == ("year_on_year_jump", 3)
    assert found.message == "stock: 1 change(s) between consecutive years beyond ×3 (largest: AAA 1990→1995)"


def test_counts_are_never_negative_and_every_declared_measure_is_checked():
    measures = [
        Measure(id="people", label="People", kind="count", unit="persons", definition="d"),
        Measure(id="rate", label="Rate", kind="rate", unit="%", definition="d"),
        Measure(id="index", label="Index", kind="index", unit="1", definition="d"),
    ]
    con = rows(
        ("people", "AAA", None, None, 2020, "total", -3.0, "c.csv", 4),
        ("rate", "AAA", None, None, 2020, "total", -2.0, "c.csv", 2),
        ("index", "AAA", None, None, 2020, "total", -1.0, "c.csv", 3),
    )
    (found,) = run_checks(con, "resolved", spec(measures=measures))
    assert (found.severity, found.count, found.row_number) == ("error", 1, 4)
    both = run_checks(con, "resolved", spec(Checks(non_negative=["rate", "index"]), measures))
    assert [(f.severity, f.count, f.row_number, f.message) for f in both] == [
        ("error", 2, 2, "2 negative value(s) (smallest -2)")
    ]


def test_a_source_without_non_negative_measures_still_warns_on_declared_ones():
    measures = [Measure(id="rate", label="Rate", kind="rate", unit="%", definition="d")]
    con = rows(("rate", "AAA", None, None, 2020, "total", -2.0, "w.csv", 2))
    findings = run_checks(con, "resolved", spec(Checks(negative_is_warning=["rate"]), measures))
    assert [(f.check_name, f.severity, f.count) for f in findings] == [("negative_value", "warning", 1)]
    assert run_checks(con, "resolved", spec(measures=measures)) == []
