"""Files in the shapes other software writes (Zotero, Crossref, Reference Manager RIS), read field by field."""

from __future__ import annotations

from observatory.evidence.importer import import_file, parse_file

from .conftest import DATA

FOREIGN = DATA / "foreign"
ABEL_COHEN = "10.1038/s41597-019-0089-3"
ABEL_SANDER = "10.1126/science.1248676"
AZOSE_RAFTERY = "10.1073/pnas.1722334116"
HOFFMANN = "10.1038/s41558-020-0898-6"
CATTANEO_PERI = "10.1016/j.jdeveco.2016.05.004"


def read(name: str):
    """The records of one fixture file, failing on any issue the reader reports."""
    fmt, parsed = parse_file(FOREIGN / name, None)
    assert parsed.issues == [], parsed.issues
    assert parsed.records, name
    return fmt, parsed.records


def summary(record) -> tuple:
    """What a reader must get right: title, people, year, kind, venue and identifiers."""
    return (
        record.title,
        list(record.authors),
        record.year,
        record.type.value,
        record.genre.value if record.genre else None,
        record.venue,
        record.doi,
    )


def test_zotero_bibtex_export():
    fmt, records = read("zotero.bib")
    assert fmt == "bibtex"
    assert [summary(r) for r in records] == [
        (
            "Bilateral international migration flow estimates for 200 countries",
            ["Abel, Guy J.", "Cohen, Joel E."],
            2019,
            "journal_article",
            "article",
            "Scientific Data",
            ABEL_COHEN,
        ),
        (
            "A meta-analysis of country-level studies on environmental change and migration",
            ["Hoffmann, Roman", "Dimitrova, Anna", "Muttarak, Raya", "Crespo Cuaresma, Jesús", "Peisker, Jonas"],
            2020,
            "journal_article",
            "article",
            "Nature Climate Change",
            HOFFMANN,
        ),
        (
            "World Migration Report 2020",
            [],
            2019,
            "book_or_chapter",
            "book",
            "International Organization for Migration",
            None,
        ),
    ]
    assert records[0].keywords == ["Demography", "Geography"] and records[0].language == "en"
    assert records[0].url == "https://www.nature.com/articles/s41597-019-0089-3"
    assert not any("Zotero/storage" in str(r.note or "") for r in records)  # a local file path is not a note


def test_crossref_bibtex_from_doi_org():
    fmt, records = read("crossref.bib")
    assert fmt == "bibtex"
    assert [summary(r) for r in records] == [
        (
            "Quantifying Global International Migration Flows",
            ["Abel, Guy J.", "Sander, Nikola"],
            2014,
            "journal_article",
            "article",
            "Science",
            ABEL_SANDER,
        )
    ]


def test_zotero_ris_export_with_crlf_lines():
    assert b"\r\n" in (FOREIGN / "zotero.ris").read_bytes()
    fmt, records = read("zotero.ris")
    assert fmt == "ris"
    assert [summary(r) for r in records] == [
        (
            "Estimation of emigration, return migration, and transit migration between all pairs of countries",
            ["Azose, Jonathan J.", "Raftery, Adrian E."],
            2019,
            "journal_article",
            "article",
            "Proceedings of the National Academy of Sciences",
            AZOSE_RAFTERY,
        ),
        (
            "The migration response to increasing temperatures",
            ["Cattaneo, Cristina", "Peri, Giovanni"],
            2016,
            "journal_article",
            "article",
            "Journal of Development Economics",
            CATTANEO_PERI,
        ),
    ]
    assert records[0].keywords == ["demography", "international migration", "return migration"]
    assert all(not r.title.endswith("\r") and r.language == "en" for r in records)


def test_reference_manager_ris_with_byte_order_mark_and_old_tags():
    assert (FOREIGN / "refman_v1.ris").read_bytes().startswith(b"\xef\xbb\xbf")
    fmt, records = read("refman_v1.ris")
    assert fmt == "ris"
    assert [summary(r) for r in records] == [
        (
            "Quantifying global international migration flows",
            ["Abel, Guy J.", "Sander, Nikola"],
            2014,
            "journal_article",
            "article",
            "Science",
            ABEL_SANDER,  # written upper case by the exporter; DOIs compare without case
        )
    ]
    assert records[0].note.endswith("wraps this note onto a second line.")  # the continuation line is kept


def test_zotero_csl_json_export():
    fmt, records = read("zotero.json")
    assert fmt == "csl-json"
    assert [summary(r) for r in records] == [
        (
            "Estimation of emigration, return migration, and transit migration between all pairs of countries",
            ["Azose, Jonathan J.", "Raftery, Adrian E."],
            2019,  # Zotero writes the year as a string in date-parts
            "journal_article",
            "article",
            "Proceedings of the National Academy of Sciences",
            AZOSE_RAFTERY,
        ),
        (
            "Bilateral international migration flow estimates for 200 countries",
            ["Abel, Guy J.", "Cohen, Joel E."],
            2019,
            "journal_article",
            "article",
            "Scientific Data",
            ABEL_COHEN,
        ),
        (
            "World Migration Report 2020",
            ["International Organization for Migration"],
            2019,
            "report",
            "report",
            "International Organization for Migration",
            None,
        ),
    ]


def test_crossref_csl_json_from_doi_org():
    fmt, records = read("crossref.json")
    assert fmt == "csl-json"
    assert [summary(r) for r in records] == [
        (
            "A meta-analysis of country-level studies on environmental change and migration",
            ["Hoffmann, Roman", "Dimitrova, Anna", "Muttarak, Raya", "Crespo Cuaresma, Jesus", "Peisker, Jonas"],
            2020,
            "journal_article",
            "article",
            "Nature Climate Change",
            HOFFMANN,
        )
    ]
    # Crossref's licence is a list of {URL, content-version}: its URL is kept, not the whole item dropped
    assert records[0].licence == "https://www.springer.com/tdm"


def test_the_same_works_exported_by_different_tools_are_stored_once(store):
    reports = {
        name: import_file(FOREIGN / name, store, embed=False)
        for name in ("zotero.bib", "crossref.bib", "zotero.ris", "refman_v1.ris", "zotero.json")
    }
    assert {name: (r.read, r.added, r.merged) for name, r in reports.items()} == {
        "zotero.bib": (3, 3, 0),
        "crossref.bib": (1, 1, 0),
        "zotero.ris": (2, 2, 0),
        "refman_v1.ris": (1, 0, 1),  # Abel & Sander 2014, already read from doi.org's BibTeX
        # Azose & Raftery and Abel & Cohen again; the World Migration Report is a new work to the store: Zotero's CSL
        # names the organisation as its author, its BibTeX names only editors, so the first authors differ.
        "zotero.json": (3, 1, 2),
    }
    rows = store.records_frame().to_dict("records")
    assert rows, "nothing was stored"
    assert sorted(r["doi"] for r in rows if isinstance(r["doi"], str)) == sorted(
        [ABEL_COHEN, ABEL_SANDER, AZOSE_RAFTERY, HOFFMANN, CATTANEO_PERI]
    )
    assert len(rows) == 7
