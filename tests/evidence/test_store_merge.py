"""The evidence store merges records of one work (its work key) and never two works; genre kept; submissions decoded."""

from __future__ import annotations

import codecs
from pathlib import Path

import duckdb
import pytest
import typer
from typer.testing import CliRunner

from observatory.evidence.cli import app, read_submission
from observatory.evidence.formats import read_bibtex, write_bibtex
from observatory.evidence.importer import import_file, record_from_row
from observatory.evidence.records import Genre, Record, RecordType
from observatory.evidence.store import EvidenceStore, clean_row

TWO_ROWE_PAPERS = """@article{Rowe2017,
  author = {Rowe, Francisco and Bell, Martin},
  title = {Internal migration over the life course},
  journal = {Population, Space and Place},
  year = {2017}
}

@techreport{Rowe2017b,
  author = {Okafor, Ian},
  title = {Internal Migration over the Life Course},
  institution = {Office for National Statistics},
  year = {2017}
}
"""


def stored(store: EvidenceStore) -> list[dict]:
    return [clean_row(r) for r in store.records_frame().to_dict("records")]


def test_two_works_with_one_title_and_year_stay_apart(store: EvidenceStore) -> None:
    records = read_bibtex(TWO_ROWE_PAPERS, "rowe.bib").records
    result = store.write_records(records)
    assert (result.added, result.merged, store.count()) == (2, 0, 2)
    assert len(set(result.ids)) == 2
    assert sorted(r["authors"][0] for r in stored(store)) == ["Okafor, Ian", "Rowe, Francisco"]


def test_one_work_imported_twice_merges(store: EvidenceStore, tmp_path: Path) -> None:
    path = tmp_path / "rowe.bib"
    path.write_text(TWO_ROWE_PAPERS, encoding="utf-8")
    import_file(path, store, embed=False)
    again = import_file(path, store, embed=False)
    assert (again.added, again.merged, store.count()) == (0, 2, 2)


def test_the_same_work_from_two_sources_merges_on_its_work_key(store: EvidenceStore) -> None:
    first = Record(title="Remittances and Poverty in Nepal", authors=["Sharma, Kiran"], year=2018, source="a")
    second = Record(title="Remittances and poverty in Nepal.", authors=["K. Sharma"], year=2018, source="b")
    assert first.work_key() == second.work_key()
    store.write_records([first])
    result = store.write_records([second])
    assert (result.merged, store.count()) == (1, 1)
    assert stored(store)[0]["sources"] == ["a", "b"]


def test_a_doi_joins_the_record_of_the_same_work_without_one(store: EvidenceStore) -> None:
    store.write_records([Record(title="Climate and migration", authors=["Lee, Ana"], year=2019)])
    result = store.write_records(
        [Record(title="Climate and Migration", authors=["Ana Lee"], year=2019, doi="10.1000/clim")]
    )
    assert (result.merged, store.count()) == (1, 1)
    row = stored(store)[0]
    assert (row["doi"], row["work_key"]) == ("10.1000/clim", "doi:10.1000/clim")
    # A third record with another DOI is another work, however alike its title, year and author.
    other = store.write_records(
        [Record(title="Climate and migration", authors=["Lee, A."], year=2019, doi="10.1000/other")]
    )
    assert (other.added, store.count()) == (1, 2)
    # Without a DOI the record joins the work that has the same title, year and author.
    plain = store.write_records([Record(title="Climate and migration", authors=["Lee, Ana"], year=2019)])
    assert plain.merged == 1 and store.count() == 2


def test_two_dois_never_merge_within_one_batch(store: EvidenceStore) -> None:
    result = store.write_records(
        [
            Record(title="Border deaths", authors=["Diaz, J."], year=2021),
            Record(title="Border deaths", authors=["Diaz, J."], year=2021, doi="10.1000/one"),
            Record(title="Border deaths", authors=["Diaz, J."], year=2021, doi="10.1000/two"),
        ]
    )
    assert (result.added, result.merged, store.count()) == (2, 1, 2)
    assert sorted(r["doi"] for r in stored(store)) == ["10.1000/one", "10.1000/two"]


def test_titles_without_latin_letters_merge_only_by_doi_or_key(store: EvidenceStore) -> None:
    first = Record(title="移民与汇款", authors=["Wang, Li"], year=2020)
    second = Record(title="难民与庇护", authors=["Wang, Li"], year=2020)
    assert first.work_key() == second.work_key()  # both normalise to an empty title
    result = store.write_records([first, second])
    assert (result.added, result.merged, store.count()) == (2, 0, 2)


def test_find_duplicate_uses_the_work_key(store: EvidenceStore) -> None:
    store.write_records([Record(title="Diaspora bonds", authors=["Smith, Ana"], year=2020)])
    assert store.find_duplicate(Record(title="Diaspora Bonds!", authors=["Ana Smith"], year=2020)) is not None
    assert store.find_duplicate(Record(title="Diaspora bonds", authors=["Smith, Ben"], year=2020)) is not None
    assert store.find_duplicate(Record(title="Diaspora bonds", authors=["Jones, Ben"], year=2020)) is None


def test_genre_is_stored_restored_and_filled_on_merge(store: EvidenceStore) -> None:
    records = read_bibtex(TWO_ROWE_PAPERS, "rowe.bib").records
    store.write_records(records)
    by_author = {r["authors"][0]: r for r in stored(store)}
    assert by_author["Okafor, Ian"]["genre"] == "report"
    assert by_author["Rowe, Francisco"]["genre"] == "article"
    exported = write_bibtex([record_from_row(row) for row in by_author.values()])
    assert "@techreport{Rowe2017b," in exported and "institution = {Office for National Statistics}" in exported
    plain = Record(title="Seasonal work", authors=["Ko, M."], year=2022, type=RecordType.report)
    store.write_records([plain])
    store.write_records([plain.model_copy(update={"genre": Genre.report, "source": "again"})])
    assert next(r for r in stored(store) if r["title"] == "Seasonal work")["genre"] == "report"


def test_a_version_1_store_is_upgraded_with_work_keys(tmp_path: Path) -> None:
    path = tmp_path / "evidence.duckdb"
    store = EvidenceStore(path)
    store.write_records([Record(title="Return migration", authors=["Ortiz, Rosa"], year=2015)])
    with duckdb.connect(str(path)) as con:  # the file as the previous schema left it
        con.execute("ALTER TABLE records DROP COLUMN genre")
        con.execute("ALTER TABLE records DROP COLUMN work_key")
        con.execute("UPDATE meta SET value = 1 WHERE key = 'schema_version'")
    upgraded = EvidenceStore(path)
    assert stored(upgraded)[0]["work_key"] == "work:return migration|2015|ortiz"
    other = upgraded.write_records([Record(title="Return migration", authors=["Paz, Luis"], year=2015)])
    same = upgraded.write_records([Record(title="Return Migration.", authors=["R. Ortiz"], year=2015)])
    assert (other.added, same.merged, upgraded.count()) == (1, 1, 2)


RIS = "TY  - RPRT\nTI  - Remesas de México y Perú\nAU  - Gómez, José\nPY  - 2021\nER  - \n"


@pytest.mark.parametrize(
    ("encoded", "name"),
    [
        (RIS.encode("utf-8"), "UTF-8"),
        (codecs.BOM_UTF8 + RIS.encode("utf-8"), "UTF-8"),
        (codecs.BOM_UTF16_LE + RIS.encode("utf-16-le"), "UTF-16"),
        (codecs.BOM_UTF16_BE + RIS.encode("utf-16-be"), "UTF-16"),
        (RIS.encode("latin-1"), "Latin-1 (Windows-1252)"),
    ],
)
def test_submissions_are_read_in_utf8_utf16_and_latin1(tmp_path: Path, encoded: bytes, name: str) -> None:
    path = tmp_path / "records.ris"
    path.write_bytes(encoded)
    assert read_submission(path) == (RIS, name)


@pytest.mark.parametrize(
    ("encoded", "offset", "why"),
    [
        ("Perú ".encode() + "Perú".encode("latin-1"), 9, "not valid UTF-8"),  # UTF-8, then a Latin-1 byte
        (codecs.BOM_UTF16_LE + "TY  - RPRT".encode("utf-16-le") + b"\x00", 22, "not valid UTF-16"),  # odd length
        ("TY".encode("utf-16-le"), 1, "control character"),  # UTF-16 without a byte order mark
        (codecs.BOM_UTF32_LE + "TY".encode("utf-32-le"), 0, "UTF-32 is not read"),
        (b"TY  - \xe9\x81", 7, "neither UTF-8 nor Latin-1"),  # 0x81 has no Windows-1252 character
    ],
)
def test_other_encodings_are_refused_naming_the_file_and_byte(
    tmp_path: Path, encoded: bytes, offset: int, why: str
) -> None:
    path = tmp_path / "odd.ris"
    path.write_bytes(encoded)
    with pytest.raises(typer.BadParameter, match=rf"^odd\.ris: {why} at byte {offset}; save it as UTF-8"):
        read_submission(path)


def test_a_large_submission_is_refused_before_it_is_read(tmp_path: Path) -> None:
    path = tmp_path / "huge.bib"
    with path.open("wb") as handle:
        handle.truncate(2_000_001)
    with pytest.raises(typer.BadParameter, match=r"^huge\.bib: larger than 2,000,000 bytes"):
        read_submission(path)


def test_cli_submit_accepts_a_utf16_bibtex_file_and_refuses_a_mixed_one(tmp_path: Path) -> None:
    from observatory.evidence.review import create_token

    home = tmp_path / "home"
    env = {"OBSERVATORY_HOME": str(home)}
    runner = CliRunner()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("OBSERVATORY_HOME", str(home))
        token = create_token("Nadia", "contributor")
    good = tmp_path / "good.bib"
    good.write_bytes(codecs.BOM_UTF16_LE + TWO_ROWE_PAPERS.replace("Okafor, Ian", "Okafor, Íñigo").encode("utf-16-le"))
    result = runner.invoke(app, ["submit", "--token", token, str(good)], env=env, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert result.stdout.count("(pending review)") == 2 and "read as UTF-16" in result.stderr
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("OBSERVATORY_HOME", str(home))
        rows = [clean_row(r) for r in EvidenceStore().records_frame("pending").to_dict("records")]
    assert sorted(r["authors"][0] for r in rows) == ["Okafor, Íñigo", "Rowe, Francisco"]
    mixed = tmp_path / "mixed.bib"
    mixed.write_bytes("@misc{a, title={Perú ".encode() + "Perú}}".encode("latin-1"))
    refused = runner.invoke(app, ["submit", "--token", token, str(mixed)], env=env)
    assert refused.exit_code == 2 and "mixed.bib: not valid UTF-8 at byte" in " ".join(refused.output.split())
