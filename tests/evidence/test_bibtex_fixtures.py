"""BibTeX written by others: LaTeX decoded, entry types and venues kept, shared keys kept apart, malformed entries."""

from __future__ import annotations

import re
from pathlib import Path

import bibtexparser
import pytest

from observatory.evidence.formats import read_bibtex, write_bibtex
from observatory.evidence.importer import import_file, record_from_row
from observatory.evidence.records import Genre, Record, citation_key_of
from observatory.evidence.store import clean_row

BIB = Path(__file__).parent / "data" / "bibtex"
ROWE_FILES = ["rowe_a.bib", "rowe_b.bib", "rowe_c.bib", "rowe_d.bib"]
COMPARED = [
    "title",
    "authors",
    "year",
    "type",
    "genre",
    "venue",
    "doi",
    "url",
    "abstract",
    "language",
    "licence",
    "keywords",
    "note",
    "source_key",
]


def read_fixture(name: str) -> list[Record]:
    """Records of one fixture file, which must read without any issue."""
    result = read_bibtex((BIB / name).read_text(encoding="utf-8"), name)
    assert result.issues == []
    return result.records


def by_key(records: list[Record]) -> dict[str, Record]:
    """Records by citation key (keys unique within the file)."""
    return {citation_key_of(r.source_key): r for r in records}


@pytest.mark.parametrize(
    ("key", "title", "authors"),
    [
        (
            "Gomez2019remesas",
            "Remesas y escolaridad en México: evidencia de la ENIGH 2010–2018",
            ["Gómez, María José", "Nuñez, Andrés"],
        ),
        (
            "Francois2021",
            "Seasonal labour migration from Senegal to Spain & Norway",
            ["François, Amélie", "Ødegård, Lars"],
        ),
        ("Muller2016", "Grenzen der Zugehörigkeit: Flüchtlinge in Deutschland 1990–2015", ["Müller, Jürgen"]),
        (
            "Kowalski2018",
            "Posted workers and circular mobility between Poland and Czechia",
            ["Kowalski, Łukasz", "Dvořák, Petra"],
        ),
        (
            "Nguyen2020nowcast",
            "Nowcasting EU mobility with advertising audience data",
            ["Nguyễn, Thị Lan", "Weber, Ingmar"],
        ),
        ("IOM2022wmr", "World Migration Report 2022", ["International Organization for Migration"]),
        ("Sahin2015", "Syrian refugees in Türkiye's urban labour markets", ["Şahin, Ayşe"]),
        (
            "Diallo2024wp",
            "Climate shocks and out-migration in the Sahel: 30% more departures after droughts",
            ["Diallo, Fatoumata", "O'Brien, Seán"],
        ),
        ("MMP2024darien", "Deaths and disappearances in the Darién Gap", ["Missing Migrants Project"]),
    ],
)
def test_latex_escapes_decoded_on_import(key: str, title: str, authors: list[str]) -> None:
    rec = by_key(read_fixture("migration_types.bib"))[key]
    assert (rec.title, rec.authors) == (title, authors)


def test_strings_dates_and_verbatim_fields() -> None:
    recs = by_key(read_fixture("migration_types.bib"))
    assert recs["Gomez2019remesas"].venue == "International Migration Review"
    assert recs["Gomez2019remesas"].doi == "10.5555/imr.2019.0101"
    assert recs["Francois2021"].venue == "Journal of Ethnic and Migration Studies (online first)"
    assert recs["Francois2021"].year == 2021 and recs["Ratha2023brief"].year == 2023
    assert recs["Ratha2023brief"].venue == "KNOMAD–World Bank"
    assert recs["Nguyen2020nowcast"].url == "https://example.org/epc_2020/paper_45"
    assert recs["MMP2024darien"].url == "https://example.org/darien?region=americas&year=2024"
    assert recs["Ochieng2021"].note == "Supervised by Dr Wanjiru Kamau"


@pytest.mark.parametrize(
    ("key", "genre", "rtype", "venue"),
    [
        ("Gomez2019remesas", Genre.article, "journal_article", "International Migration Review"),
        ("Muller2016", Genre.book, "book_or_chapter", "Campus Verlag"),
        ("Kowalski2018", Genre.chapter, "book_or_chapter", "Handbook of Migration and Development"),
        (
            "Nguyen2020nowcast",
            Genre.conference_paper,
            "journal_article",
            "Proceedings of the European Population Conference",
        ),
        ("IOM2022wmr", Genre.report, "report", "International Organization for Migration"),
        ("Ratha2023brief", Genre.report, "report", "KNOMAD–World Bank"),
        ("Sahin2015", Genre.phd_thesis, "report", "Boğaziçi Üniversitesi"),
        ("Ochieng2021", Genre.masters_thesis, "report", "University of Nairobi"),
        ("Diallo2024wp", Genre.unpublished, "working_paper", None),
        ("UNHCR2024trends", Genre.misc, "report", "UNHCR Global Data Service"),
        ("MMP2024darien", Genre.webpage, "media_or_art", "International Organization for Migration"),
    ],
)
def test_entry_type_gives_genre_and_venue_field(key: str, genre: Genre, rtype: str, venue: str | None) -> None:
    rec = by_key(read_fixture("migration_types.bib"))[key]
    assert (rec.genre, rec.type.value, rec.venue) == (genre, rtype, venue)


@pytest.mark.parametrize("name", ["migration_types.bib", *ROWE_FILES, "malformed_20.bib"])
def test_round_trip_of_real_looking_files(name: str) -> None:
    first = read_bibtex((BIB / name).read_text(encoding="utf-8"), name).records
    again = read_bibtex(write_bibtex(first), "again.bib")
    assert again.issues == []
    assert [{f: getattr(r, f) for f in COMPARED} for r in again.records] == [
        {f: getattr(r, f) for f in COMPARED} for r in first
    ]


EXPECTED_VENUE_FIELD = {
    "article": "journal",
    "book": "publisher",
    "incollection": "booktitle",
    "inproceedings": "booktitle",
    "techreport": "institution",
    "phdthesis": "school",
    "mastersthesis": "school",
    "misc": "howpublished",
    "online": "organization",
}


def test_export_writes_venue_into_the_field_its_type_expects() -> None:
    records = read_fixture("migration_types.bib")
    exported = bibtexparser.parse_string(write_bibtex(records), parse_stack=[])
    seen = {}
    for entry, rec in zip(exported.entries, records, strict=True):
        names = {f.key for f in entry.fields}
        venue_fields = names & {
            "journal",
            "publisher",
            "booktitle",
            "institution",
            "school",
            "howpublished",
            "organization",
        }
        seen[entry.entry_type] = venue_fields
        assert entry.key == citation_key_of(rec.source_key)
    assert seen.pop("unpublished") == set()  # no venue in the source
    assert seen == {kind: {field} for kind, field in EXPECTED_VENUE_FIELD.items()}


def test_export_keeps_keys_and_escapes_specials() -> None:
    text = write_bibtex(read_fixture("migration_types.bib"))
    assert re.findall(r"^@(\w+)\{([^,]+),", text, re.MULTILINE)[:3] == [
        ("article", "Gomez2019remesas"),
        ("article", "Francois2021"),
        ("book", "Muller2016"),
    ]
    assert r"{Spain} \& {Norway}" in text and r"30\% more" in text
    assert "url = {https://example.org/darien?region=americas&year=2024}" in text  # URLs are verbatim
    for line in text.splitlines():
        if not line.lstrip().startswith(("url", "doi", "evidence_type")):  # verbatim fields, our type id
            assert not re.search(r"(?<!\\)[&%$#_]", line)
    odd = Record(
        title="Gains & losses: 5% of US$ #1_x {braces} ~ ^ \\ -- ``q''",
        authors=["Ford & Sons and Co"],
        year=2020,
        source_key="bibtex:odd#0000000000",
    )
    back = read_bibtex(write_bibtex([odd])).records[0]
    assert (back.title, back.authors) == (odd.title, odd.authors)


def test_two_papers_sharing_a_key_across_files_stay_apart(store) -> None:
    reports = [import_file(BIB / name, store, embed=False) for name in ROWE_FILES]
    assert [(r.added, r.merged) for r in reports] == [(3, 0), (2, 0), (1, 1), (1, 1)]
    rows = [clean_row(r) for r in store.records_frame().to_dict("records")]
    assert len(rows) == 7
    rowe = {row["title"]: row for row in rows if row["authors"][0].startswith("Rowe")}
    assert sorted(rowe) == [
        "Estimating migrant stocks from social media advertising audiences",
        "Internal migration intensities over the life course: evidence from Australia and Chile",
        "Resettling refugees in regional towns: employment, housing and belonging",
        "Seasonal worker programmes in the Pacific: earnings, remittances and return",
    ]
    aliases = {title: sorted(citation_key_of(k) for k in row["source_keys"]) for title, row in rowe.items()}
    assert aliases["Internal migration intensities over the life course: evidence from Australia and Chile"] == [
        "Rowe2017intensities",
        "Roweetal2017",
    ]
    assert aliases["Resettling refugees in regional towns: employment, housing and belonging"] == [
        "RoweKaurOkafor2017",
        "Roweetal2017",
    ]
    exported = write_bibtex([record_from_row(row) for row in rowe.values()])
    assert re.findall(r"^@\w+\{([^,]+),", exported, re.MULTILINE) == ["Roweetal2017"] * 4


def test_reimport_of_the_same_file_merges_everything(store) -> None:
    import_file(BIB / "rowe_a.bib", store, embed=False)
    again = import_file(BIB / "rowe_a.bib", store, embed=False)
    assert (again.added, again.merged, store.count()) == (0, 3, 3)


SAME_KEY_TWICE = """@article{Smith2020,
  author = {Smith, Ana},
  title = {Return migration to {Ecuador}},
  year = {2020}
}

@article{Smith2020,
  author = {Smith, Ben},
  title = {Diaspora bonds in {Ethiopia}},
  year = {2020}
}
"""


def test_same_key_twice_in_one_file_keeps_both(store, tmp_path) -> None:
    result = read_bibtex(SAME_KEY_TWICE, "same.bib")
    assert [r.title for r in result.records] == ["Return migration to Ecuador", "Diaspora bonds in Ethiopia"]
    assert [(i.level, i.line, i.field) for i in result.issues] == [("warning", 7, "key")]
    assert "line 1" in result.issues[0].message
    path = tmp_path / "same.bib"
    path.write_text(SAME_KEY_TWICE, encoding="utf-8")
    report = import_file(path, store, embed=False)
    assert (report.added, report.merged, store.count()) == (2, 0, 2)


def malformed_markers(text: str) -> list[tuple[int, str]]:
    """(line of the entry, field named by its '% malformed: FIELD' marker) for every marked entry."""
    lines = text.splitlines()
    out = []
    for number, line in enumerate(lines, 1):
        match = re.fullmatch(r"% malformed: (\w+)", line)
        if match:
            assert lines[number].startswith("@")
            out.append((number + 1, match.group(1)))
    return out


def test_twenty_malformed_entries_reported_by_line_without_echo(store) -> None:
    text = (BIB / "malformed_20.bib").read_text(encoding="utf-8")
    markers = malformed_markers(text)
    assert len(markers) == 20
    result = read_bibtex(text, "malformed_20.bib")
    assert result.issues and all(i.level == "error" for i in result.issues)
    assert [(i.line, i.field) for i in result.issues] == markers
    assert len({i.record_no for i in result.issues}) == 20
    assert [r.title for r in result.records] == [
        "Foreign labour migration and remittances in Nepal",
        "Worlds in Motion: Understanding International Migration",
        "Migration and Remittances Factbook 2016",
        "Circular migration between Morocco and Spain",
        "Migration and development over twenty years of research",
    ]
    for issue in result.issues:
        assert "CANARY" not in str(issue) and "CANARY" not in issue.message
        quoted = re.findall(r"'([^']*)'", issue.message)
        assert all(
            q
            in {
                "bad01",
                "bad16",
                "bad17",
                "journal_article",
                "report",
                "working_paper",
                "book_or_chapter",
                "legal_decision",
                "testimony",
                "dataset",
                "media_or_art",
            }
            for q in quoted
        )
    report = import_file(BIB / "malformed_20.bib", store, embed=False)
    assert (report.added, len(report.errors())) == (5, 20)
    assert report.as_dict()["issues"] and all(entry["line"] for entry in report.as_dict()["issues"])


def test_latin1_file_is_read_with_a_warning(store, tmp_path) -> None:
    path = tmp_path / "old.bib"
    entry = "@book{Pena1998, title={Migraci\u00f3n y ni\u00f1ez en Per\u00fa}, year={1998}}\n"
    path.write_bytes(entry.encode("cp1252"))
    report = import_file(path, store, embed=False)
    assert report.added == 1 and [(i.field, i.level) for i in report.issues] == [("encoding", "warning")]
    assert store.records_frame().iloc[0]["title"] == "Migración y niñez en Perú"


def test_latex_the_decoder_cannot_read_is_cleaned_with_a_warning() -> None:
    nested = "{" * 3000 + "deep" + "}" * 3000
    text = (
        f"@misc{{a, title={{See \\href{{x}} report}}, year={{2020}}}}\n@misc{{b, title={{{nested}}}, year={{2020}}}}\n"
    )
    result = read_bibtex(text, "odd.bib")
    assert [r.title for r in result.records] == ["See x report", "deep"]
    assert [(i.line, i.field, i.level) for i in result.issues] == [(1, "title", "warning"), (2, "title", "warning")]


def test_nested_abbreviations_cannot_blow_up() -> None:
    strings = ['@string{s0 = "xxxxxxxxxxxxxxxx"}'] + [f"@string{{s{i} = s{i - 1} # s{i - 1}}}" for i in range(1, 40)]
    text = "\n".join([*strings, "@article{big, title = s39, year = {2020}}", "@article{ok, title = s3, year = 2020}"])
    result = read_bibtex(text, "laughs.bib")
    assert [r.title for r in result.records] == ["x" * 128]
    assert ("error", 41, "title") in {(i.level, i.line, i.field) for i in result.issues}
    warnings = [i for i in result.issues if i.level == "warning"]
    assert warnings and all(i.field == "string" for i in warnings)


def test_latex_decoded_per_file_is_bounded(monkeypatch) -> None:
    monkeypatch.setattr("observatory.evidence.formats.LATEX_BUDGET_CHARS", 60)
    text = "".join(f"@article{{k{i}, title = {{Migraci\\'on de G\\'omez {i}}}, year = 2020}}\n" for i in range(4))
    text += "@article{plain, title = {Plain titles need no decoding}, year = 2020}\n"
    result = read_bibtex(text, "big.bib")
    assert [r.title for r in result.records] == [
        "Migración de Gómez 0",
        "Migración de Gómez 1",
        "Plain titles need no decoding",
    ]
    assert [(i.line, i.level) for i in result.issues] == [(3, "error"), (4, "error")]
    assert all("split it" in i.message for i in result.issues)


def test_redefined_abbreviation_takes_the_later_definition() -> None:
    text = (
        "@string{jrs = {Journal of Refugee Studies}}\n@string{jrs = {J. Refug. Stud.}}\n"
        "@article{k, title = {Camps}, journal = jrs, year = 2020}\n"
    )
    result = read_bibtex(text, "s.bib")
    assert [(r.venue, r.title) for r in result.records] == [("J. Refug. Stud.", "Camps")] and result.issues == []
