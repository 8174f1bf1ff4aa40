"""Readers for the real corpora in the mirror's evidence/ folder (see its MANIFEST.md) and Zotero CSV exports."""

from __future__ import annotations

import json
import re
import warnings
from pathlib import Path
from typing import Any

import pandas as pd

from observatory.evidence.formats import ImportIssue, ParseResult, build_record, parse_year
from observatory.evidence.gazetteer import resolve_country
from observatory.evidence.records import Label, LabelKind, load_vocab, split_authors

UTIAC_VENUE = "Upper Tribunal (Immigration and Asylum Chamber), United Kingdom"
UTIAC_URL = "https://tribunalsdecisions.service.gov.uk/utiac/"
ZOTERO_TYPES = {
    "journalArticle": "journal_article",
    "magazineArticle": "media_or_art",
    "newspaperArticle": "media_or_art",
    "book": "book_or_chapter",
    "bookSection": "book_or_chapter",
    "report": "report",
    "preprint": "working_paper",
    "thesis": "report",
    "case": "legal_decision",
    "statute": "legal_decision",
    "hearing": "testimony",
    "interview": "testimony",
    "dataset": "dataset",
    "videoRecording": "media_or_art",
    "artwork": "media_or_art",
    "podcast": "media_or_art",
    "film": "media_or_art",
    "webpage": "media_or_art",
    "blogPost": "media_or_art",
}
HOFFMANN_REGIONS = {
    "SSA": "Sub-Saharan Africa",
    "Africa": "Africa",
    "LAC": "Latin America and the Caribbean",
    "Latin America": "Latin America and the Caribbean",
}
HOFFMANN_DOI = "10.1038/s41558-020-0898-6"
HOFFMANN_DATA_DOI = "10.7910/dvn/hyrxvv"


def _text(value: object) -> str | None:
    """Cell value as stripped text; None for blanks and NaN."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    text = str(value).strip()
    return text or None


def read_immigration_papers(path: Path) -> ParseResult:
    """immigration_papers_relevant.jsonl: Crossref records of immigration research (2025-2026)."""
    records: list[Any] = []
    issues: list[ImportIssue] = []
    for record_no, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            issues.append(ImportIssue(path.name, record_no, "syntax", f"invalid JSON line: {exc.msg}"))
            continue
        preprint = bool(row.get("preprint"))
        fields = {
            "title": row.get("title") or "",
            "authors": split_authors(row.get("authors")),
            "year": parse_year(row.get("first_seen_in_feed")),
            "venue": row.get("journal"),
            "type": "working_paper" if preprint else "journal_article",
            "doi": row.get("doi"),
            "url": row.get("url"),
            "abstract": row.get("abstract"),
            "peer_review": "not_peer_reviewed" if preprint else "peer_reviewed",
            "licence": "Crossref metadata; abstract text (c) the publisher",
            "source": "immigration-papers",
            "note": "year = year first seen in the Immigration Papers feed (proxy for publication year)",
        }
        rec = build_record(fields, path.name, record_no, issues)
        if rec is not None:
            records.append(rec)
    return ParseResult(records, issues)


def _mesh_keywords(value: str | None) -> list[str]:
    """MeSH headings from Zotero's tag column, without the '*' major-topic marks and subheadings."""
    if not value:
        return []
    return list(dict.fromkeys(t.split("/")[0].strip(" *") for t in value.split(";") if t.strip(" *")))


def read_zotero_csv(path: Path) -> ParseResult:
    """A Zotero CSV export (the PubMed refugee-children corpus is one)."""
    frame = pd.read_csv(path, encoding="utf-8-sig", dtype=str, keep_default_na=False)
    records: list[Any] = []
    issues: list[ImportIssue] = []
    for record_no, row in enumerate(frame.to_dict("records"), 1):
        item_type = row.get("Item Type", "")
        pmid = re.search(r"PMID:\s*(\d+)", row.get("Extra", ""))
        keywords = _mesh_keywords(row.get("Manual Tags")) + _mesh_keywords(row.get("Automatic Tags"))
        fields = {
            "title": row.get("Title", ""),
            "authors": split_authors(row.get("Author"), ";"),
            "year": parse_year(row.get("Publication Year") or row.get("Date")),
            "type": ZOTERO_TYPES.get(item_type, "report"),
            "venue": _text(row.get("Publication Title")),
            "doi": _text(row.get("DOI")),
            "url": _text(row.get("Url")) or (f"https://pubmed.ncbi.nlm.nih.gov/{pmid.group(1)}/" if pmid else None),
            "abstract": _text(row.get("Abstract Note")),
            "language": _text(row.get("Language")),
            "licence": _text(row.get("Rights")),
            "keywords": keywords,
            "peer_review": "peer_reviewed" if item_type == "journalArticle" else "unknown",
            "source": f"zotero:{path.stem}",
            "source_key": f"pmid:{pmid.group(1)}" if pmid else (f"zotero:{row['Key']}" if row.get("Key") else None),
        }
        rec = build_record(fields, path.name, record_no, issues)
        if rec is not None:
            records.append(rec)
    return ParseResult(records, issues)


def read_excel_quietly(path: Path, **kwargs) -> pd.DataFrame:
    """pandas.read_excel without openpyxl's harmless 'no default style' warning."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Workbook contains no default style", category=UserWarning)
        # ExcelFile as a context manager closes the file at once: read_excel leaves it to the garbage collector, whose
        # ResourceWarning then surfaces in whichever test happens to run next
        with pd.ExcelFile(path) as workbook:
            return pd.read_excel(workbook, **kwargs)


def read_hoffmann_meta(path: Path) -> ParseResult:
    """Hoffmann et al. (2020) meta-analysis: one record per coded paper, plus the meta-analysis and its dataset."""
    if path.suffix == ".xlsx":
        frame = read_excel_quietly(path)
        frame = frame.loc[:, [c for c in frame.columns if not str(c).startswith("Unnamed")]]
    else:
        frame = pd.read_csv(path)
    records: list[Any] = []
    issues: list[ImportIssue] = []
    source_labels = [
        Label(kind=LabelKind.theme, value="climate_environment", confidence=1.0, origin="source:hoffmann2020 coding"),
        Label(kind=LabelKind.gcm, value="2", confidence=0.9, origin="source:hoffmann2020 coding"),
    ]
    meta_fields = [
        {
            "title": "A meta-analysis of country-level studies on environmental change and migration",
            "authors": [
                "Hoffmann, Roman",
                "Dimitrova, Anna",
                "Muttarak, Raya",
                "Crespo Cuaresma, Jesus",
                "Peisker, Jonas",
            ],
            "year": 2020,
            "type": "journal_article",
            "venue": "Nature Climate Change",
            "doi": HOFFMANN_DOI,
            "method": "meta_analysis",
            "peer_review": "peer_reviewed",
            "source": "hoffmann2020-env-migration-meta",
            "labels": [
                *source_labels,
                Label(kind=LabelKind.theme, value="data_methods", confidence=0.8, origin="source:hoffmann2020 coding"),
            ],
        },
        {
            "title": "Replication data for: A meta-analysis of country-level studies on environmental change and "
            "migration",
            "authors": [
                "Hoffmann, Roman",
                "Dimitrova, Anna",
                "Muttarak, Raya",
                "Crespo Cuaresma, Jesus",
                "Peisker, Jonas",
            ],
            "year": 2020,
            "type": "dataset",
            "venue": "Harvard Dataverse",
            "doi": HOFFMANN_DATA_DOI,
            "method": "meta_analysis",
            "licence": "Dataverse terms (default CC0, not verified)",
            "source": "hoffmann2020-env-migration-meta",
            "note": f"{len(frame)} coded regression study lines from {frame['paper'].nunique()} papers",
            "labels": source_labels,
        },
    ]
    for i, fields in enumerate(meta_fields, 1):
        rec = build_record(fields, path.name, i, issues)
        if rec is not None:
            records.append(rec)
    for record_no, (paper, lines) in enumerate(frame.groupby("paper", sort=False), len(meta_fields) + 1):
        first = lines.iloc[0]
        region = _text(first.get("region"))
        labels = list(source_labels)
        if region in HOFFMANN_REGIONS:
            labels.append(
                Label(
                    kind=LabelKind.region,
                    value=HOFFMANN_REGIONS[region],
                    confidence=1.0,
                    origin="source:hoffmann2020 region",
                )
            )
        authors = re.sub(r"\s+\d{4}$", "", str(paper))
        fields = {
            "title": f"{paper}: country-level study of environmental change and migration (coded in Hoffmann et al. "
            "2020)",
            "authors": [a.strip() for a in re.split(r"&|,", authors.replace("et al.", "")) if a.strip()],
            "year": int(first["year"]),
            "type": "journal_article",
            "method": "quantitative",
            "abstract": (
                f"Country-level regression study of environmental change and migration; sample region {region}, "
                f"{_text(first.get('countrysample'))} countries; estimator {_text(first.get('m_type')) or 'n/a'}; "
                f"{len(lines)} coded estimates in the meta-analysis."
            ),
            "keywords": ["environmental change", "climate", "migration", str(region)],
            "source": "hoffmann2020-env-migration-meta",
            "source_key": f"hoffmann2020:{first['paper_short']}",
            "labels": labels,
            "note": "bibliographic details to be completed from the paper; coded by Hoffmann et al. (2020)",
        }
        rec = build_record(fields, path.name, record_no, issues)
        if rec is not None:
            records.append(rec)
    return ParseResult(records, issues)


def utiac_slug(case_id: str) -> str:
    """Decision page slug from an appeal number: 'AA/00042/2014 & ors' -> 'aa-00042-2014-ors'."""
    return re.sub(r"[^a-z0-9]+", "-", case_id.lower()).strip("-")


def utiac_country(raw: str | None) -> str | None:
    """ISO3 of the hackathon's truncated `country` word, or None when it cannot be resolved."""
    if not raw:
        return None
    table = load_vocab("utiac_countries.yml")
    if not is_country_word(raw):
        return None
    if raw in table:
        return table[raw]
    return resolve_country(raw)


def is_country_word(raw: str) -> bool:
    """Whether a `country` cell could name a country: capitalised and not a known non-name ('the', 'his', 'South')."""
    # The extraction often caught the word after "national of" etc. ("the", "his", "which"): not a name at all.
    return raw[:1].isupper() and raw not in load_vocab("utiac_countries.yml").get("unresolved", [])


def _country_issues(file: str, unresolved: dict[str, list[int]]) -> list[ImportIssue]:
    """One warning per unresolved name and one for all rows whose word names no country, not one per row."""
    issues = []
    common = [row for word, rows in unresolved.items() if not is_country_word(word) for row in rows]
    if common:
        issues.append(
            ImportIssue(
                file,
                min(common),
                "country",
                f"{len(common)} rows have a common word (e.g. 'the', 'his'), not a country, in the country column "
                "(kept, no area label)",
                "warning",
            )
        )
    for word, rows in sorted(unresolved.items()):
        if is_country_word(word):
            issues.append(
                ImportIssue(
                    file,
                    rows[0],
                    "country",
                    f"unresolved country word {word[:40]!r} in {len(rows)} row(s) (kept, no area label)",
                    "warning",
                )
            )
    return issues


def _flag(row: dict, name: str) -> bool:
    """True for a 'True' cell."""
    return str(row.get(name, "")).strip().lower() == "true"


def read_utiac_outcomes(path: Path) -> ParseResult:
    """UTIAC decisions with machine-extracted outcome and country (hackathon data, noisy)."""
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    records: list[Any] = []
    issues: list[ImportIssue] = []
    unresolved: dict[str, list[int]] = {}
    for record_no, row in enumerate(frame.to_dict("records"), 1):
        case_id = row.get("case_id", "").strip()
        slug = utiac_slug(case_id)
        sogi = any(_flag(row, f) for f in ("sogi_case", "so_case", "gi_case", "other_sogi_case"))
        outcome = next((f for f in ("successful", "unsuccessful", "ambiguous") if _flag(row, f)), "unknown")
        labels = [
            Label(kind=LabelKind.theme, value="asylum_protection", confidence=0.9, origin="source:utiac venue"),
            Label(kind=LabelKind.theme, value="policy_governance", confidence=0.7, origin="source:utiac venue"),
            Label(kind=LabelKind.area, value="GBR", confidence=1.0, origin="source:utiac venue"),
            Label(kind=LabelKind.gcm, value="12", confidence=0.8, origin="source:utiac venue"),
        ]
        if sogi:
            labels.append(Label(kind=LabelKind.theme, value="gender", confidence=0.8, origin="source:utiac sogi flag"))
        iso3 = utiac_country(row.get("country") or None)
        if iso3 and iso3 != "GBR":
            labels.append(
                Label(kind=LabelKind.area, value=iso3, confidence=0.6, origin=f"source:utiac country({row['country']})")
            )
            labels.append(
                Label(
                    kind=LabelKind.corridor,
                    value=f"{iso3}-GBR",
                    confidence=0.6,
                    origin=f"source:utiac country({row['country']})",
                )
            )
        elif row.get("country"):
            unresolved.setdefault(row["country"], []).append(record_no)
        summary = [f"Appeal {case_id} promulgated {row.get('promulgation_date') or 'n.d.'}"]
        if row.get("heard_at"):
            summary.append(f"heard at {row['heard_at']}")
        if row.get("country"):
            summary.append(f"nationality word '{row['country']}'")
        summary.append(f"machine-extracted outcome: {outcome}" + ("; SOGI claim" if sogi else ""))
        fields = {
            "title": f"UTIAC appeal {case_id}",
            "year": parse_year(row.get("promulgation_date")),
            "type": "legal_decision",
            "venue": UTIAC_VENUE,
            "url": UTIAC_URL + slug,
            "method": "legal",
            "access": "open",
            "licence": "Open Government Licence v3.0",
            "language": "en",
            "note": "; ".join(summary),
            "source": "uk-utiac-asylum-outcomes",
            "source_key": f"utiac:{slug}",
            "keywords": ["asylum appeal", "tribunal"] + (["sexual orientation and gender identity"] if sogi else []),
            "embed_text": False,
            "labels": labels,
        }
        rec = build_record(fields, path.name, record_no, issues)
        if rec is not None:
            records.append(rec)
    return ParseResult(records, [*issues, *_country_issues(path.name, unresolved)])


def _slug_year(slug: str) -> int | None:
    """Year in a decision slug ('2019-ukut-217', 'hu-17023-2018-ors'), or None."""
    year = parse_year(slug.replace("-", " "))
    return year if isinstance(year, int) else None


def read_utiac_links(path: Path) -> ParseResult:
    """Index of UTIAC decision page slugs (2019): one legal-decision record per page."""
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    records: list[Any] = []
    issues: list[ImportIssue] = []
    for record_no, link in enumerate(frame["case_links"], 1):
        slug = link.strip().rsplit("/", 1)[-1]
        if not slug:
            issues.append(ImportIssue(path.name, record_no, "case_links", "empty link"))
            continue
        fields = {
            "title": f"UTIAC decision {slug}",
            "year": _slug_year(slug),
            "type": "legal_decision",
            "venue": UTIAC_VENUE,
            "url": UTIAC_URL + slug,
            "method": "legal",
            "access": "open",
            "licence": "Open Government Licence v3.0",
            "language": "en",
            "source": "uk-utiac-case-links",
            "source_key": f"utiac:{slug}",
            "embed_text": False,
            "labels": [
                Label(kind=LabelKind.theme, value="asylum_protection", confidence=0.8, origin="source:utiac venue"),
                Label(kind=LabelKind.area, value="GBR", confidence=1.0, origin="source:utiac venue"),
            ],
        }
        rec = build_record(fields, path.name, record_no, issues)
        if rec is not None:
            records.append(rec)
    return ParseResult(records, issues)


def detect_csv(path: Path) -> str | None:
    """Which CSV reader fits a file, from its header."""
    header = pd.read_csv(path, encoding="utf-8-sig", nrows=0).columns
    if {"Key", "Item Type", "Title"} <= set(header):
        return "zotero-csv"
    if {"case_id", "promulgation_date"} <= set(header):
        return "utiac-outcomes"
    if list(header) == ["case_links"]:
        return "utiac-links"
    if {"paper", "paper_short", "stancoeff"} <= set(header):
        return "hoffmann-meta"
    return None


CORPUS_READERS = {
    "immigration-papers": read_immigration_papers,
    "zotero-csv": read_zotero_csv,
    "hoffmann-meta": read_hoffmann_meta,
    "utiac-outcomes": read_utiac_outcomes,
    "utiac-links": read_utiac_links,
}

# The real corpora under <mirror>/evidence/, in the order they are best imported.
MIRROR_CORPORA = {
    "immigration-papers": "immigration-papers/immigration_papers_relevant.jsonl",
    "refugee-children-pubmed": "refugee-children-pubmed-zotero/refugee_children_health_education_pubmed_2018-2023.csv",
    "hoffmann2020": "hoffmann2020-env-migration-meta/env_migration_meta_study_lines.csv",
    "utiac-first5000": "uk-utiac-asylum-outcomes/utiac_outcomes_first5000.csv",
    "utiac-last6000": "uk-utiac-asylum-outcomes/utiac_outcomes_last6000.csv",
    "utiac-links-2019": "uk-utiac-asylum-outcomes/utiac_case_links_2019.csv",
}
