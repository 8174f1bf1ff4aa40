"""BibTeX, RIS and CSL-JSON: round trips (Hypothesis), malformed files reported record by record."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from observatory.evidence.formats import (
    read_bibtex,
    read_csl_json,
    read_ris,
    write_bibtex,
    write_csl_json,
    write_ris,
)
from observatory.evidence.importer import import_file
from observatory.evidence.records import Genre, Record, RecordType, citation_key_of, normalise_doi

LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZéüçñøåÖ0123456789"
word = st.text(alphabet=LETTERS, min_size=1, max_size=10).filter(lambda w: w.lower() not in {"and", "er"})
phrase = st.lists(word, min_size=1, max_size=8).map(" ".join)
sentence = (
    st.lists(st.one_of(word, st.sampled_from([":", "-", "?", "(x)", "'s", "."])), min_size=1, max_size=25)
    .map(lambda ws: " ".join(ws))
    .filter(lambda s: any(ch.isalnum() for ch in s))
)
author = st.one_of(
    st.tuples(word, word).map(lambda p: f"{p[0]}, {p[1]}"),
    st.tuples(word, word).map(lambda p: f"{p[0]} {p[1]}"),
)
records = st.builds(
    Record,
    title=sentence,
    authors=st.lists(author, max_size=4),
    year=st.one_of(st.none(), st.integers(1900, 2030)),
    type=st.sampled_from(list(RecordType)),
    venue=st.one_of(st.none(), phrase),
    doi=st.one_of(st.none(), st.from_regex(r"10\.[0-9]{4,5}/[a-z0-9]{1,12}", fullmatch=True)),
    url=st.one_of(st.none(), st.from_regex(r"https://example\.org/[a-z0-9]{1,12}", fullmatch=True)),
    abstract=st.one_of(st.none(), sentence),
    language=st.one_of(st.none(), st.sampled_from(["en", "fr", "es"])),
    licence=st.one_of(st.none(), st.sampled_from(["CC-BY-4.0", "CC0-1.0"])),
    keywords=st.lists(phrase, max_size=3, unique=True),
)
FIELDS = ["title", "authors", "year", "type", "venue", "doi", "url", "abstract", "language", "licence", "keywords"]


def same(a: Record, b: Record) -> dict:
    """Fields that differ between two records."""
    return {f: (getattr(a, f), getattr(b, f)) for f in FIELDS if getattr(a, f) != getattr(b, f)}


@settings(max_examples=40, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(records, min_size=1, max_size=4))
def test_bibtex_round_trip(recs: list[Record]) -> None:
    back = read_bibtex(write_bibtex(recs))
    assert not back.issues
    assert [same(a, b) for a, b in zip(recs, back.records, strict=True)] == [{}] * len(recs)


@settings(max_examples=40, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(records, min_size=1, max_size=4))
def test_ris_round_trip(recs: list[Record]) -> None:
    back = read_ris(write_ris(recs))
    assert not back.issues
    assert [same(a, b) for a, b in zip(recs, back.records, strict=True)] == [{}] * len(recs)


@settings(max_examples=40, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(records, min_size=1, max_size=4))
def test_csl_json_round_trip(recs: list[Record]) -> None:
    back = read_csl_json(write_csl_json(recs))
    assert not back.issues
    assert [same(a, b) for a, b in zip(recs, back.records, strict=True)] == [{}] * len(recs)


BAD_BIBTEX = """@article{good1, title={Remittances and schooling in Nepal}, author={Shrestha, Slesh}, year={2017},
  doi={10.1000/good1}}

@article{notitle, author={Nobody}, year={2020}}

@article{badyear, title={Year is words}, year={sometime}}

@article{broken, title={Unclosed brace, year={2019}

@book{good2, title={Borders of belonging}, year={2015}}
"""


def test_malformed_bibtex_reported_record_by_record() -> None:
    result = read_bibtex(BAD_BIBTEX, "bad.bib")
    assert [r.title for r in result.records] == ["Remittances and schooling in Nepal", "Borders of belonging"]
    where = {(i.record_no, i.field) for i in result.issues}
    assert (2, "title") in where
    assert (3, "year") in where
    assert any(i.record_no == 4 and i.field == "syntax" for i in result.issues)
    assert all(i.file == "bad.bib" for i in result.issues)


def test_malformed_ris_and_csl_json() -> None:
    ris = (
        "TY  - JOUR\nTI  - Good one\nPY  - 2020\nER  - \n\nTY  - JOUR\nAU  - No Title\nER  - \n\n"
        "TI  - Missing type\nER  - \n"
    )
    result = read_ris(ris, "bad.ris")
    assert [r.title for r in result.records] == ["Good one"]
    assert {(i.record_no, i.field) for i in result.issues} == {(2, "TI"), (3, "TY")}
    items = [
        {"type": "report", "title": "Fine", "issued": {"date-parts": [[2001]]}},
        {"type": "report"},
        "oops",
        {"title": "Bad author", "author": "Smith"},
        {"title": "Bad year", "issued": {"raw": "n.d."}},
    ]
    result = read_csl_json(json.dumps(items), "bad.json")
    assert [r.title for r in result.records] == ["Fine"]
    assert {(i.record_no, i.field) for i in result.issues} == {(2, "title"), (3, "record"), (4, "author"), (5, "year")}
    assert read_csl_json("[{", "x.json").issues[0].field == "syntax"


def test_bad_file_keeps_stored_records(store, tmp_path) -> None:
    good = tmp_path / "good.bib"
    good.write_text("@article{a, title={Stored first}, year={2010}, doi={10.1000/a}}\n", encoding="utf-8")
    import_file(good, store, embed=False)
    bad = tmp_path / "bad.bib"
    bad.write_text(BAD_BIBTEX, encoding="utf-8")
    report = import_file(bad, store, embed=False)
    assert report.added == 2 and len(report.errors()) == 3
    assert store.count() == 3
    assert any(r["title"] == "Stored first" for r in store.records_frame().to_dict("records"))


def test_duplicates_merge_by_doi_and_title_year(store, tmp_path) -> None:
    first = tmp_path / "a.json"
    first.write_text(
        json.dumps(
            [
                {
                    "id": "x",
                    "type": "article-journal",
                    "title": "Climate and Migration",
                    "DOI": "10.1000/XYZ",
                    "issued": {"date-parts": [[2019]]},
                }
            ]
        ),
        encoding="utf-8",
    )
    second = tmp_path / "b.ris"
    second.write_text(
        "TY  - JOUR\nTI  - Climate and migration!\nPY  - 2019\nAB  - An abstract added later.\nER  - \n"
        "TY  - JOUR\nTI  - Other\nDO  - https://doi.org/10.1000/xyz\nKW  - drought\nER  - \n",
        encoding="utf-8",
    )
    import_file(first, store, embed=False)
    report = import_file(second, store, embed=False)
    assert report.merged == 2 and report.added == 0
    rows = store.records_frame().to_dict("records")
    assert len(rows) == 1
    assert rows[0]["abstract"] == "An abstract added later." and list(rows[0]["keywords"]) == ["drought"]
    assert rows[0]["title"] == "Climate and Migration"


def test_ris_and_csl_genres_reach_bibtex_types_and_venue_fields() -> None:
    ris = read_ris("TY  - BOOK\nID  - Massey1998\nTI  - Worlds in motion\nPB  - Clarendon Press\nPY  - 1998\nER  - \n")
    csl = read_csl_json(
        json.dumps(
            [
                {
                    "id": "Ochieng2021",
                    "type": "thesis",
                    "genre": "Master's thesis",
                    "title": "Kenyan domestic workers in the Gulf",
                    "publisher": "University of Nairobi",
                    "issued": {"date-parts": [[2021]]},
                }
            ]
        )
    )
    book, thesis = ris.records[0], csl.records[0]
    assert (book.genre, book.venue, thesis.genre) == (Genre.book, "Clarendon Press", Genre.masters_thesis)
    text = write_bibtex([book, thesis])
    assert "@book{Massey1998," in text and "publisher = {Clarendon Press}" in text
    assert "@mastersthesis{Ochieng2021," in text and "school = {University of Nairobi}" in text
    assert "PB  - Clarendon Press" in write_ris([book])
    again = json.loads(write_csl_json([thesis]))[0]
    assert (again["type"], again["publisher"], again["genre"]) == ("thesis", "University of Nairobi", "Master's thesis")


def test_ris_and_csl_ids_do_not_identify_works() -> None:
    items = [{"id": "rowe2017", "type": "article-journal", "title": title} for title in ("First paper", "Second paper")]
    keys = [r.source_key for r in read_csl_json(json.dumps(items)).records]
    assert keys[0] != keys[1] and {citation_key_of(k) for k in keys} == {"rowe2017"}
    ris = "".join(f"TY  - JOUR\nID  - rowe2017\nTI  - {t}\nER  - \n" for t in ("First paper", "Second paper"))
    keys = [r.source_key for r in read_ris(ris).records]
    assert keys[0] != keys[1] and {citation_key_of(k) for k in keys} == {"rowe2017"}


def test_csl_type_keeps_our_type_when_the_genre_disagrees() -> None:
    rec = Record(title="Working paper on remittances", type=RecordType.working_paper, genre=Genre.report)
    back = read_csl_json(write_csl_json([rec])).records[0]
    assert back.type is RecordType.working_paper


def test_doi_without_suffix_is_no_doi() -> None:
    assert normalise_doi("10.42420/.") is None
    assert normalise_doi("https://doi.org/10.5555/ABC.") == "10.5555/abc"
