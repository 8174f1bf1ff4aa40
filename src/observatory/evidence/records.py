"""The evidence record: bibliographic fields, classification labels, and the keys used to merge duplicates."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from enum import StrEnum
from functools import cache, lru_cache
from importlib import resources
from typing import Any

import yaml
from pydantic import BaseModel, Field, field_validator

WORK_DIGEST_CHARS = 10


class RecordType(StrEnum):
    """Kinds of evidence the library holds."""

    journal_article = "journal_article"
    report = "report"
    working_paper = "working_paper"
    book_or_chapter = "book_or_chapter"
    legal_decision = "legal_decision"
    testimony = "testimony"
    dataset = "dataset"
    media_or_art = "media_or_art"


class Genre(StrEnum):
    """Bibliographic form a source declared (finer than RecordType): sets the entry type and venue field on export."""

    article = "article"
    book = "book"
    chapter = "chapter"
    conference_paper = "conference_paper"
    report = "report"
    phd_thesis = "phd_thesis"
    masters_thesis = "masters_thesis"
    unpublished = "unpublished"
    dataset = "dataset"
    webpage = "webpage"
    legal_case = "legal_case"
    misc = "misc"


class Method(StrEnum):
    """Research method of a record."""

    quantitative = "quantitative"
    qualitative = "qualitative"
    mixed = "mixed"
    legal = "legal"
    meta_analysis = "meta_analysis"


class PeerReview(StrEnum):
    """Peer-review status."""

    peer_reviewed = "peer_reviewed"
    not_peer_reviewed = "not_peer_reviewed"
    unknown = "unknown"


class LabelKind(StrEnum):
    """What a classification label says about a record."""

    area = "area"
    corridor = "corridor"
    region = "region"
    theme = "theme"
    gcm = "gcm"
    gcr = "gcr"
    method = "method"
    indicator = "indicator"


class Label(BaseModel):
    """One classification of a record, with its confidence and the rule or model that produced it."""

    kind: LabelKind
    value: str
    confidence: float = Field(ge=0.0, le=1.0)
    origin: str


class Record(BaseModel):
    """A document in the evidence library (bibliographic part; labels are kept beside it)."""

    title: str
    authors: list[str] = Field(default_factory=list)
    year: int | None = None
    type: RecordType = RecordType.journal_article
    genre: Genre | None = None
    venue: str | None = None
    doi: str | None = None
    url: str | None = None
    abstract: str | None = None
    language: str | None = None
    access: str | None = None
    licence: str | None = None
    method: Method | None = None
    peer_review: PeerReview = PeerReview.unknown
    keywords: list[str] = Field(default_factory=list)
    source: str = "manual"
    source_key: str | None = None
    note: str | None = None
    embed_text: bool = True
    labels: list[Label] = Field(default_factory=list)

    @field_validator("title")
    @classmethod
    def _title_not_blank(cls, value: str) -> str:
        value = " ".join(value.split())
        if not value:
            raise ValueError("title is empty")
        return value

    @field_validator("doi")
    @classmethod
    def _clean_doi(cls, value: str | None) -> str | None:
        return normalise_doi(value)

    @field_validator("year")
    @classmethod
    def _plausible_year(cls, value: int | None) -> int | None:
        if value is not None and not 1500 <= value <= 2100:
            raise ValueError("year is out of range 1500-2100")
        return value

    def text(self) -> str:
        """Title, abstract and keywords as one string (what the classifiers and search read)."""
        return " ".join(p for p in [self.title, self.abstract or "", "; ".join(self.keywords)] if p)

    def record_id(self) -> str:
        """Stable id: from the DOI, else the source key, else the normalised title and year."""
        if self.doi:
            basis = "doi:" + self.doi
        elif self.source_key:
            basis = "key:" + self.source_key
        else:
            basis = "title:" + title_key(self.title, self.year)
        return "ev-" + hashlib.sha1(basis.encode()).hexdigest()[:12]

    def work_key(self) -> str:
        """Content identity of the work: its DOI, else normalised title + year + first author's family name."""
        if self.doi:
            return "doi:" + self.doi
        return self.content_key()

    def content_key(self) -> str:
        """The work key leaving the DOI aside: normalised title + year + first author's family name."""
        return "work:" + title_key(self.title, self.year) + "|" + first_author_family(self.authors)


def normalise_doi(value: str | None) -> str | None:
    """Lower-case bare DOI ('10.x/y'), stripping 'doi:' and resolver prefixes; None if not a DOI."""
    if not value:
        return None
    value = value.strip()
    value = re.sub(r"^(https?://(dx\.)?doi\.org/|doi:\s*)", "", value, flags=re.IGNORECASE).strip().lower()
    match = re.search(r"10\.\d{4,9}/\S+", value)
    doi = match.group(0).rstrip(".,;") if match else ""
    return doi if re.fullmatch(r"10\.\d{4,9}/\S+", doi) else None  # '10.1234/.' has no suffix once stripped


@lru_cache(maxsize=65536)
def normalise_title(title: str) -> str:
    """Accent-free, lower-case, alphanumeric words only: the title part of the duplicate key."""
    # Cached: an import asks for each title's key several times (id, work key, duplicate look-ups).
    if title.isascii():  # NFKD leaves ASCII as it is and it has no combining marks
        text = title.lower()
    else:
        text = unicodedata.normalize("NFKD", title)
        text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    return " ".join(re.findall(r"[a-z0-9]+", text))


def title_key(title: str, year: int | None) -> str:
    """Duplicate key from normalised title and year."""
    return f"{normalise_title(title)}|{year or ''}"


def first_author_family(authors: list[str]) -> str:
    """Normalised family name of the first author ('Rowe, F.' and 'F. Rowe' both give 'rowe'); '' without authors."""
    if not authors:
        return ""
    name = authors[0]
    family = name.split(",", 1)[0] if "," in name else (name.split() or [""])[-1]
    return normalise_title(family)


def work_source_key(scheme: str, citation_key: str, rec: Record) -> str:
    """Source key for a citation key, qualified by the work it names: a citation key alone never identifies a work."""
    # Citation keys are labels authors choose ('Roweetal2017'); different files give the same key to different papers.
    digest = hashlib.sha1(rec.work_key().encode()).hexdigest()[:WORK_DIGEST_CHARS]
    return f"{scheme}:{citation_key}#{digest}"


def citation_key_of(source_key: str | None) -> str | None:
    """The citation key inside a source key ('bibtex:Rowe2017#0a1b2c3d4e' -> 'Rowe2017'; 'pmid:123' -> '123')."""
    if not source_key:
        return None
    key = source_key.split(":", 1)[-1]
    return re.sub(rf"#[0-9a-f]{{{WORK_DIGEST_CHARS}}}$", "", key) or None


def split_authors(value: str | None, sep: str = ",") -> list[str]:
    """Author list from one string, dropping blanks."""
    if not value:
        return []
    return [a.strip() for a in value.split(sep) if a.strip()]


@cache
def load_vocab(name: str) -> Any:
    """Parsed YAML file from the package's vocab/ folder."""
    text = resources.files("observatory.evidence").joinpath("vocab", name).read_text(encoding="utf-8")
    return yaml.safe_load(text)


def theme_ids() -> list[str]:
    """Ids of the controlled theme vocabulary, in file order."""
    return [t["id"] for t in load_vocab("themes.yml")["themes"]]


def resolve_theme(value: str) -> str:
    """Theme id from an id or a label (case-insensitive); raises ValueError for unknown themes."""
    wanted = value.strip().lower().replace(" ", "_")
    for theme in load_vocab("themes.yml")["themes"]:
        if wanted in (theme["id"], theme["label"].lower().replace(" ", "_")):
            return theme["id"]
    raise ValueError(f"unknown theme {value!r}; known: {', '.join(theme_ids())}")
