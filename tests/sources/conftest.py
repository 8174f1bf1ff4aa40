"""Per-source real-data tests: a release with only the area reference and the module's SOURCE, built once per module."""

from __future__ import annotations

import csv

import pytest

from observatory.settings import Settings
from observatory.sources.registry import get_spec
from observatory.warehouse import releases
from observatory.warehouse.build import build_release


@pytest.fixture(scope="module")
def release(tmp_path_factory, mirror, request):
    """(build report, read-only connection) for the test module's SOURCE."""
    source = request.module.SOURCE
    settings = Settings(home=tmp_path_factory.mktemp("home"), mirror=mirror)
    report = build_release(settings, specs=[get_spec("area_reference"), get_spec(source)])
    _, con = releases.connect(settings)
    yield report, con
    con.close()


@pytest.fixture(scope="session")
def eurostat_rows(mirror):
    """Rows of a Eurostat extract as published (Latin-1), each with `number`: its Value parsed (':' = None)."""

    def read(name: str) -> list[dict]:
        with (mirror / "eurostat_asylum_dw" / name).open(encoding="latin-1") as handle:
            rows = list(csv.DictReader(handle))
        for row in rows:
            text = row["Value"].strip()
            row["number"] = None if text in (":", "") else float(text.replace(",", ""))
        return rows

    return read
