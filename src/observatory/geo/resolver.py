(
    """Resolves codes and names as sources write them to area codes; exact matches, flagged guesses, or a full """
    """report """
    """of failures."""
)

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

import pandas as pd

from observatory.geo.reference import AreaReference

Scheme = Literal["iso3", "iso2", "m49", "unhcr", "name", "auto"]
_NAME_PRIORITY = (
    "observatory aliases.yml",
    "UN M49 (IOM GDI countrynames)",
    "observatory special_areas.yml",
    "UNHCR countries",
    "World Bank CLASS",
    "World Bank WDI metadata",
    "migest dict_ims",
)


def _converter_regexes() -> list[tuple[re.Pattern, str]]:
    """Name patterns shipped with country_converter; its loader is bypassed because it misreads Namibia's "NA"."""
    from importlib.resources import files

    table = pd.read_csv(
        files("country_converter") / "country_data.tsv", sep="\t", keep_default_na=False, usecols=["regex", "ISO3"]
    )
    return [
        (re.compile(regex, re.IGNORECASE), iso3)
        for regex, iso3 in zip(table["regex"], table["ISO3"], strict=True)
        if regex
    ]


def normalise_name(value: str) -> str:
    """Case-, accent- and punctuation-insensitive form of a name ("Côte d’Ivoire" == "cote d'ivoire")."""
    text = unicodedata.normalize("NFKD", value)
    text = "".join(char for char in text if not unicodedata.combining(char)).lower().replace("&", " and ")
    text = re.sub(r"[’'`´]", "", text)
    text = re.sub(r"[^a-z0-9]+", " ", text).strip()
    return re.sub(r"^the ", "", text)


@dataclass(frozen=True)
class Resolution:
    code: str
    exact: bool  # False for a fuzzy match: a guess that the data-quality report lists
    method: str


@dataclass(frozen=True)
class UnresolvedName:
    file: str
    field: str
    value: str
    rows: tuple[int, ...]  # first rows where the value occurs


class UnresolvedAreasError(Exception):
    """One or more names or codes did not resolve; every one is listed with its file, field and rows."""

    def __init__(self, items: list[UnresolvedName]):
        self.items = items
        lines = [
            f"  {item.file}, field {item.field!r}: {item.value!r} (rows {', '.join(map(str, item.rows))})"
            for item in items
        ]
        super().__init__(f"{len(items)} area name(s) or code(s) could not be resolved:\n" + "\n".join(lines))


class AreaResolver:
    """Lookup tables built once from an AreaReference; resolution is a dictionary lookup per distinct value."""

    def __init__(self, reference: AreaReference, *, fuzzy: bool = True):
        area = reference.area
        self.codes = set(area["code"])
        self.names = dict(zip(area["code"], area["name"], strict=True))
        self.kinds = dict(zip(area["code"], area["kind"], strict=True))
        self.by_iso2 = {
            iso2: code for iso2, code in zip(area["iso2"], area["code"], strict=True) if isinstance(iso2, str)
        }
        self.by_m49 = {int(m49): code for m49, code in zip(area["m49"], area["code"], strict=True) if not pd.isna(m49)}
        alias = reference.alias
        self.by_code_alias = {row.alias.upper(): row.code for row in alias.itertuples() if row.scheme == "code"}
        self.by_unhcr = {row.alias.upper(): row.code for row in alias.itertuples() if row.scheme == "unhcr"}
        ranked = sorted(
            (row for row in alias.itertuples() if row.scheme == "name"),
            key=lambda row: _NAME_PRIORITY.index(row.origin) if row.origin in _NAME_PRIORITY else len(_NAME_PRIORITY),
        )
        self.by_name: dict[str, str] = {}
        self.ambiguous: dict[str, set[str]] = {}
        for row in ranked:
            key = normalise_name(row.alias)
            if key in self.by_name and self.by_name[key] != row.code:
                self.ambiguous.setdefault(key, {self.by_name[key]}).add(row.code)
                continue
            self.by_name.setdefault(key, row.code)
        self.fuzzy = fuzzy
        self._regexes: list[tuple[re.Pattern, str]] | None = None

    def resolve(
        self, value: object, scheme: Scheme = "auto", mapping: dict[str, str] | None = None
    ) -> Resolution | None:
        """The area a value denotes, or None; `mapping` is a source's own declared names (countries.yml)."""
        if value is None or (isinstance(value, float) and value != value):
            return None
        text = str(value).strip()
        if not text:
            return None
        if mapping and text in mapping:
            return Resolution(mapping[text], True, "source mapping")
        if scheme == "unhcr":
            code = self.by_unhcr.get(text.upper())
            return Resolution(code, True, "UNHCR code") if code else None
        if scheme in ("iso3", "auto"):
            upper = text.upper()
            if upper in self.codes:
                return Resolution(upper, True, "code")
            if upper in self.by_code_alias:
                return Resolution(self.by_code_alias[upper], True, "code alias")
            if scheme == "iso3":
                return None
        if scheme in ("m49", "auto") and re.fullmatch(r"\d{1,4}(\.0)?", text):
            code = self.by_m49.get(int(float(text)))
            return Resolution(code, True, "M49") if code else None
        if scheme in ("iso2", "auto") and re.fullmatch(r"[A-Za-z]{2}", text):
            code = self.by_iso2.get(text.upper())
            if code or scheme == "iso2":
                return Resolution(code, True, "ISO2") if code else None
        if scheme in ("name", "auto"):
            code = self.by_name.get(normalise_name(text))
            if code:
                return Resolution(code, True, "name")
            return self._guess(text)
        return None

    def _guess(self, text: str) -> Resolution | None:
        """country_converter's regular expressions (its own data table), as a flagged guess."""
        if not self.fuzzy:
            return None
        if self._regexes is None:
            self._regexes = _converter_regexes()
        hits = {code for pattern, code in self._regexes if pattern.search(text) and code in self.codes}
        if len(hits) == 1:
            return Resolution(hits.pop(), False, "country_converter regex (guess)")
        return None

    def resolve_values(
        self, values: Iterable[object], scheme: Scheme = "auto", mapping: dict[str, str] | None = None
    ) -> dict[str, Resolution]:
        """Resolutions for the distinct values that resolve; the caller reports the rest."""
        resolved = {}
        for value in set(values):
            hit = self.resolve(value, scheme, mapping)
            if hit is not None:
                resolved[str(value).strip()] = hit
        return resolved
