"""SDG 10.7.2 (OWID export) from the mirror: score counts, one country's score, uncoded entities left out, indicator."""

from __future__ import annotations

import collections

import duckdb
import pandas as pd
import pytest

from observatory.sources import registry
from observatory.sources.context import ParseContext
from observatory.sources.errors import SourceError

SOURCE = "sdg_10_7_2"
pytestmark = pytest.mark.mirror

PATH = "sdg_10_7_2_owid/facilitate-orderly-safe-migration.csv"


@pytest.fixture(scope="module")
def raw(mirror) -> pd.DataFrame:
    frame = pd.read_csv(mirror / PATH, keep_default_na=False, na_values=[""])
    return frame.rename(columns={frame.columns[3]: "score"})


def test_rows_and_score_counts(raw, release):
    report, con = release
    coded = raw[raw["Code"].notna()]
    assert report.datasets[SOURCE] == len(coded) == 198
    assert dict(collections.Counter(coded["score"])) == {1: 8, 2: 70, 3: 114, 4: 6}
    sql = "SELECT value, count(*) FROM observation WHERE measure_id = 'migration_policy_assessment' GROUP BY value"
    stored = dict(con.execute(sql).fetchall())
    assert stored == {float(k): v for k, v in collections.Counter(coded["score"]).items()}
    per_year = dict(con.execute("SELECT year, count(DISTINCT area) FROM observation GROUP BY year").fetchall())
    assert per_year == coded.groupby("Year")["Code"].nunique().to_dict() == {2019: 110, 2021: 88}


def test_one_country(raw, release):
    _, con = release
    expected = raw[(raw["Code"] == "AFG") & (raw["Year"] == 2021)]["score"].item()
    stored = con.execute("SELECT value, status FROM observation WHERE area = 'AFG' AND year = 2021").fetchall()
    assert stored == [(expected, "reported")]
    sql = "SELECT value FROM indicator_value WHERE indicator = 'sdg_10_7_2' AND area = 'AFG' AND year = 2021"
    indicator = con.execute(sql).fetchall()
    assert indicator == [(expected,)]


def test_entities_without_code_are_counted(raw, release):
    report, _ = release
    (finding,) = [
        f for f in report.findings if f.dataset_id == SOURCE and f.check_name == "entities_without_code_excluded"
    ]
    assert finding.count == int(raw["Code"].isna().sum()) == 0


def test_a_region_row_is_left_out_and_counted(mirror, tmp_path):
    text = (mirror / PATH).read_text(encoding="utf-8").rstrip("\n") + "\nAfrica,,2021,2\nWorld,,2019,3\n"
    copy = tmp_path / "facilitate-orderly-safe-migration.csv"
    copy.write_text(text, encoding="utf-8")
    spec = registry.get_spec(SOURCE)
    ctx = ParseContext(spec, {PATH: copy}, duckdb.connect(), tmp_path)
    (relation,) = registry.connector(spec).parse(ctx)
    assert len(relation.fetchall()) == 198
    (note,) = [n for n in ctx.notes if n[0] == "entities_without_code_excluded"]
    assert note[3] == 2 and "Africa" in note[2] and "World" in note[2]


def test_a_score_outside_1_to_4_is_an_error(mirror, tmp_path):
    text = (mirror / PATH).read_text(encoding="utf-8").rstrip("\n") + "\nFrance,FRA,2021,5\n"
    copy = tmp_path / "facilitate-orderly-safe-migration.csv"
    copy.write_text(text, encoding="utf-8")
    spec = registry.get_spec(SOURCE)
    ctx = ParseContext(spec, {PATH: copy}, duckdb.connect(), tmp_path)
    with pytest.raises(SourceError, match="expected a score from 1 to 4"):
        registry.connector(spec).parse(ctx)
