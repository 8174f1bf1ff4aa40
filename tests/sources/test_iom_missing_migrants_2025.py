"""IOM Missing Migrants 2014–Apr 2025: every row counted once, checked against the raw file and on a written fixture."""

from __future__ import annotations

import datetime

import duckdb
import pandas as pd
import pytest

from observatory.sources import registry
from observatory.sources.context import ParseContext
from observatory.sources.errors import SourceError

SOURCE = "iom_missing_migrants_2025"
RAW = "iom_gdidata_mmp_2025/iom_mmp.csv"
pytestmark = pytest.mark.mirror


def scalar(con, sql: str, *params):
    return con.execute(sql, list(params)).fetchall()[0][0]


@pytest.fixture(scope="module")
def raw(mirror) -> pd.DataFrame:
    """The incident rows with the categories the documented rule gives them, computed here with pandas."""
    frame = pd.read_csv(mirror / RAW, keep_default_na=False, na_values=[""])
    frame["year"] = frame["t"].str[:4].astype(int)
    frame["route_category"] = frame["route"].replace({"Undefined": "unknown route"})
    nationalities = frame["nat"].str.split(",").map(lambda codes: sorted(set(codes)))
    frame["several_nationalities"] = nationalities.map(len) > 1
    frame["nationality"] = [codes[0] if len(codes) == 1 else "UNK" for codes in nationalities]
    # One cause name contains ", "; the causes of an incident's parts are joined with "," alone.
    causes = frame["cause"].str.replace(", ", "\x01").str.split(",").map(lambda parts: sorted(set(parts)))
    frame["cause_category"] = [
        parts[0].replace("\x01", ", ") if len(parts) == 1 else "Mixed or unknown" for parts in causes
    ]
    return frame


def test_rows(release, raw):
    report, _ = release
    expected = sum(
        len(raw.groupby(keys))
        for keys in (
            ["geo", "year", "route_category"],
            ["geo", "year", "cause_category"],
            ["nationality", "year", "route_category"],
        )
    )
    assert report.datasets[SOURCE] == expected
    assert not [f for f in report.findings if f.dataset_id == SOURCE and f.severity == "error"]


def test_every_row_type_counted_once(release, raw):
    _, con = release
    assert set(raw["type"]) == {"Incident", "Split Incident", "Cumulative Incident", "Incident,Split Incident"}
    for measure in ("migrants_dead_missing", "migrants_dead_missing_by_cause", "migrants_dead_missing_by_nationality"):
        assert (
            scalar(con, "SELECT sum(value) FROM observation WHERE measure_id = ?", measure)
            == raw["dead"].sum()
            == 75_068
        )


@pytest.mark.parametrize(("year", "all_rows", "without_split_rows"), [(2023, 8_755, 7_423), (2024, 9_191, 7_986)])
def test_yearly_totals_under_the_rule(release, raw, year, all_rows, without_split_rows):
    """All rows, as in the manifest; dropping the split rows would lose people (IOM published ~8,900 for 2024)."""
    _, con = release
    in_year = raw[raw["year"] == year]
    total = scalar(
        con, "SELECT sum(value) FROM observation WHERE measure_id = 'migrants_dead_missing' AND year = ?", year
    )
    assert total == in_year["dead"].sum() == all_rows
    assert in_year.loc[~in_year["type"].str.contains("Split"), "dead"].sum() == without_split_rows


def test_route_totals(release, raw):
    _, con = release
    stored = dict(
        con.execute(
            "SELECT category, sum(value) FROM observation WHERE measure_id = 'migrants_dead_missing' GROUP BY category"
        ).fetchall()
    )
    assert stored == raw.groupby("route_category")["dead"].sum().to_dict()
    assert "Undefined" not in stored and stored["unknown route"] == raw.loc[raw["route"] == "Undefined", "dead"].sum()


@pytest.mark.parametrize(("nationality", "year"), [("AFG", 2023), ("SYR", 2023), ("UNK", 2024)])
def test_deaths_by_nationality(release, raw, nationality, year):
    _, con = release
    stored = scalar(
        con,
        "SELECT sum(value) FROM observation WHERE measure_id = 'migrants_dead_missing_by_nationality' "
        "AND area = ? AND year = ?",
        nationality,
        year,
    )
    in_year = raw[raw["year"] == year]
    assert stored == in_year.loc[in_year["nationality"] == nationality, "dead"].sum() > 0
    if nationality != "UNK":  # incidents that list this nationality among others are not attributed to it
        assert stored == in_year.loc[in_year["nat"] == nationality, "dead"].sum()
    else:
        unknown_only = in_year["nat"].str.split(",").map(set) == {"UNK"}
        assert stored == in_year.loc[unknown_only | in_year["several_nationalities"], "dead"].sum()


def test_several_nationalities_go_to_unknown_with_a_note(release, raw):
    report, con = release
    several = raw[raw["several_nationalities"]]
    note = next(f for f in report.findings if f.dataset_id == SOURCE and f.check_name == "several_nationalities")
    assert note.count == len(several) and f"({several['dead'].sum():g} persons)" in note.message
    route = several.groupby(["year", "route_category"])["dead"].sum()
    (year, category), persons = route.index[0], route.iloc[0]
    text = scalar(
        con,
        "SELECT note FROM observation WHERE measure_id = 'migrants_dead_missing_by_nationality' "
        "AND area = 'UNK' AND year = ? AND category = ?",
        int(year),
        category,
    )
    assert (
        text == f"includes {int(persons)} persons recorded in incidents listing several nationalities "
        "(not split by nationality)"
    )
    assert (
        scalar(
            con,
            "SELECT count(*) FROM observation WHERE measure_id = 'migrants_dead_missing_by_nationality' "
            "AND area <> 'UNK' AND note IS NOT NULL",
        )
        == 0
    )


def test_causes(release, raw):
    _, con = release
    expected = raw.groupby("cause_category")["dead"].sum().to_dict()
    stored = dict(
        con.execute(
            "SELECT category, sum(value) FROM observation WHERE measure_id = 'migrants_dead_missing_by_cause' "
            "GROUP BY category"
        ).fetchall()
    )
    assert stored == expected and len(stored) == 7


def test_partial_2025_revision_and_status(release, raw):
    _, con = release
    assert con.execute(
        "SELECT year, period, until, note FROM partial_period WHERE dataset_id = ?", [SOURCE]
    ).fetchall() == [(2025, "", datetime.date(2025, 4, 30), "incidents recorded to 30 April 2025")]
    assert raw["t"].max() == "2025-04-30"
    assert scalar(con, "SELECT revision FROM dataset WHERE id = ?", SOURCE) == "2025-06-04"
    assert con.execute("SELECT DISTINCT status FROM observation WHERE dataset_id = ?", [SOURCE]).fetchall() == [
        ("minimum",)
    ]


# --- the counting rule on a tiny written file --------------------------------------------------------------------

FIXTURE_HEADER = "t,m,type,route,geo,dead,cause,surv,nat,location,lon,lat\n"
FIXTURE_ROWS = [
    # one incident, one nationality
    '2023-01-05,2023-01-01,Incident,Central Mediterranean Route,LBY,3.0,Drowning,10.0,SYR,"Off Zuwara",12.0,32.9',
    # the two parts of one split incident: they partition its 7 victims (4 + 3), neither repeats the other
    "2023-02-01,2023-02-01,Split Incident,Central Mediterranean Route,LBY,4.0,Drowning,,AFG,Off Libya,12.6,32.7",
    "2023-02-01,2023-02-01,Split Incident,Central Mediterranean Route,LBY,3.0,Drowning,,SYR,Off Libya,12.6,32.7",
    # a cumulative record of deaths that cannot be separated into incidents, with several causes
    '2023-12-31,2023-12-01,Cumulative Incident,Central American Route,USA,20,"Drowning,Mixed or unknown",,UNK,TX,0,0',
    # an incident joined from parts, listing several nationalities and a cause that itself contains ", "
    (
        '2024-03-01,2024-03-01,"Incident,Split Incident",Undefined,MAR,5.0,'
        '"Harsh environmental conditions / lack of adequate shelter, food, water",,"GIN,SYR,UNK",Oujda,-1.8,34.5'
    ),
    # a repeated unknown code is one nationality, not several
    '2024-04-01,2024-04-01,Incident,Undefined,MAR,2.0,Violence,,"UNK,UNK",Oujda,-1.8,34.5',
]


def parse_fixture(tmp_path, rows: list[str]):
    """Run the connector on a written file; returns (observations as one frame, notes)."""
    spec = registry.get_spec(SOURCE)
    path = tmp_path / "iom_mmp.csv"
    path.write_text(FIXTURE_HEADER + "\n".join(rows) + "\n", encoding="utf-8")
    ctx = ParseContext(spec, {RAW: path}, duckdb.connect(), tmp_path)
    try:
        frames = [relation.df() for relation in registry.connector(spec).parse(ctx)]
    finally:
        ctx.close()
    return pd.concat(frames, ignore_index=True), {note[0]: note for note in ctx.notes}


def values(frame, measure: str) -> dict:
    rows = frame[frame["measure_id"] == measure]
    return {(row.area, row.year, row.category): row.value for row in rows.itertuples()}


def test_fixture_counts_every_person_once(tmp_path):
    frame, notes = parse_fixture(tmp_path, FIXTURE_ROWS)
    assert values(frame, "migrants_dead_missing") == {
        ("LBY", 2023, "Central Mediterranean Route"): 10.0,  # 3 + the two split parts 4 + 3
        ("USA", 2023, "Central American Route"): 20.0,
        ("MAR", 2024, "unknown route"): 7.0,
    }
    assert values(frame, "migrants_dead_missing_by_cause") == {
        ("LBY", 2023, "Drowning"): 10.0,
        ("USA", 2023, "Mixed or unknown"): 20.0,  # "Drowning,Mixed or unknown": several causes
        ("MAR", 2024, "Harsh environmental conditions / lack of adequate shelter, food, water"): 5.0,
        ("MAR", 2024, "Violence"): 2.0,
    }
    assert values(frame, "migrants_dead_missing_by_nationality") == {
        ("SYR", 2023, "Central Mediterranean Route"): 6.0,
        ("AFG", 2023, "Central Mediterranean Route"): 4.0,
        ("UNK", 2023, "Central American Route"): 20.0,
        ("UNK", 2024, "unknown route"): 7.0,  # "GIN,SYR,UNK" (5, not split) and "UNK,UNK" (2)
    }
    for measure in ("migrants_dead_missing", "migrants_dead_missing_by_cause", "migrants_dead_missing_by_nationality"):
        assert frame.loc[frame["measure_id"] == measure, "value"].sum() == 37.0
    unknown_2024 = frame[(frame["measure_id"] == "migrants_dead_missing_by_nationality") & (frame["year"] == 2024)]
    assert unknown_2024["note"].tolist() == [
        "includes 5 persons recorded in incidents listing several nationalities (not split by nationality)"
    ]
    assert notes["split_and_cumulative_rows_counted_once"][3] == 4  # 3 split rows + 1 cumulative row
    assert notes["several_nationalities"][3] == 1 and "(5 persons)" in notes["several_nationalities"][2]
    assert notes["several_causes"][3] == 1 and notes["undefined_route"][3] == 2


@pytest.mark.parametrize(
    ("row", "field"),
    [
        ("2023-01-05,2023-01-01,Duplicate,Central Mediterranean Route,LBY,3.0,Drowning,,SYR,x,1,1", "type"),
        ("2023-01-05,2023-01-01,Incident,Central Mediterranean Route,LBY,3.0,Lightning,,SYR,x,1,1", "cause"),
        ("2023-01-05,2023-01-01,Incident,Central Mediterranean Route,LBY,-3.0,Drowning,,SYR,x,1,1", "dead"),
        ('2023-01-05,2023-01-01,Incident,Central Mediterranean Route,LBY,3.0,Drowning,,"SYR, AFG",x,1,1', "nat"),
        (",2023-01-01,Incident,Central Mediterranean Route,LBY,3.0,Drowning,,SYR,x,1,1", "t"),
    ],
)
def test_fixture_refuses_rows_outside_the_rule(tmp_path, row, field):
    with pytest.raises(SourceError, match=f"iom_mmp.csv, row {len(FIXTURE_ROWS) + 2}, field '{field}': ") as error:
        parse_fixture(tmp_path, FIXTURE_ROWS + [row])
    assert error.value.field == field and error.value.row == len(FIXTURE_ROWS) + 2
