"""Every mirror file converted from a publisher's .rda/.dta is rebuilt byte for byte by fetch's conversion, offline."""

from __future__ import annotations

import pytest

from observatory.sources import registry
from observatory.sources.errors import SourceError
from observatory.sources.fetch import _convert, _convert_verified, sha256_of

pytestmark = pytest.mark.mirror

CONVERTED = [raw for spec in registry.all_specs() for raw in spec.files if raw.converted_from]


def test_converted_files_are_declared():
    """The parametrised test below covers something: the registry declares converted files, dated ones included."""
    assert len(CONVERTED) >= 30
    assert any(raw.converted_from.dates for raw in CONVERTED)
    assert any(raw.converted_from.integers for raw in CONVERTED)


@pytest.mark.parametrize("raw", CONVERTED, ids=[raw.path for raw in CONVERTED])
def test_conversion_rebuilds_the_mirror_file_byte_for_byte(raw, mirror, tmp_path):
    original = mirror / raw.converted_from.path
    assert sha256_of(original) == raw.converted_from.sha256, (
        f"the mirror's {raw.converted_from.path} is not the declared one"
    )
    target = tmp_path / raw.path.rsplit("/", 1)[-1]
    _convert(original, raw.converted_from, target)
    assert sha256_of(target) == raw.sha256, f"{raw.path}: the conversion differs from the mirror file"


def test_a_conversion_that_differs_is_refused_and_nothing_is_kept(mirror, tmp_path):
    raw = next(raw for raw in CONVERTED if raw.converted_from.dates)
    undated = raw.converted_from.model_copy(update={"dates": []})
    target = tmp_path / "converted.csv"
    with pytest.raises(SourceError, match="checksum mismatch"):
        _convert_verified(mirror / raw.converted_from.path, undated, target, raw.sha256, raw.path)
    assert list(tmp_path.iterdir()) == []


def test_undeclared_column_and_non_whole_numbers_are_clear_errors(mirror, tmp_path):
    raw = next(raw for raw in CONVERTED if raw.path.endswith("irreg_australia.csv"))
    original = mirror / raw.converted_from.path
    with pytest.raises(SourceError, match="not found: 'absent'"):
        _convert(original, raw.converted_from.model_copy(update={"dates": ["absent"]}), tmp_path / "a.csv")
    lon_lat = next(raw for raw in CONVERTED if raw.path.endswith("iom_mmp.csv"))
    with pytest.raises(SourceError, match="'lon' declared as integers"):
        _convert(
            mirror / lon_lat.converted_from.path,
            lon_lat.converted_from.model_copy(update={"integers": ["lon"]}),
            tmp_path / "b.csv",
        )
