"""Eurostat first residence permits to Russian citizens from the mirror: rows, missing cells and Germany 2008."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from observatory.settings import Settings
from observatory.sources.registry import get_spec
from observatory.warehouse import releases
from observatory.warehouse.build import build_release

SOURCE = "eurostat_resfirst_ru"
pytestmark = pytest.mark.mirror


@pytest.fixture(scope="module")
def mirror() -> Path:
    if not os.environ.get("OBSERVATORY_MIRROR"):
        pytest.skip("OBSERVATORY_MIRROR is not set; this test reads the real files from the data mirror")
    return Path(os.environ["OBSERVATORY_MIRROR"])


@pytest.fixture(scope="module")
def release(tmp_path_factory, mirror):
    """A release holding only the area reference and this source, and a read-only connection to it."""
    settings = Settings(home=tmp_path_factory.mktemp("home"), mirror=mirror)
    report = build_release(settings, specs=[get_spec("area_reference"), get_spec(SOURCE)])
    _, con = releases.connect(settings)
    yield report, con
    con.close()


def scalar(con, sql: str, *params):
    return con.execute(sql, list(params)).fetchall()[0][0]


def test_every_area_resolves_and_no_errors(release):
    report, con = release
    assert scalar(con, "SELECT count(*) FROM observation WHERE dataset_id = ? AND area IS NULL AND (origin IS NULL OR destination IS NULL)", SOURCE) == 0
    assert not [f for f in report.findings if f.dataset_id == SOURCE and f.severity == "error"]


def test_rows(release):
    report, con = release
    assert report.datasets[SOURCE] == 146  # 9 countries × 17 years minus 7 cells marked ':'
    assert scalar(con, "SELECT count(*) FROM observation WHERE dataset_id = ? AND destination = 'GBR' AND year >= 2019", SOURCE) == 0


@pytest.mark.parametrize(("country", "year", "expected"), [("DEU", 2008, 6_840), ("DEU", 2023, 23_872), ("ESP", 2023, 20_412)])
def test_published_values(release, country, year, expected):
    _, con = release
    assert scalar(con, "SELECT value FROM observation WHERE measure_id = 'eurostat_first_permits_ru' AND origin = 'RUS' "
                       "AND destination = ? AND year = ?", country, year) == expected
