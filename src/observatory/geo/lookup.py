"""Names people type ("nepal", "Côte d'Ivoire", "usa") to the release's area codes, with suggestions for near misses."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass

from observatory.geo.resolver import normalise_name

MAX_NAME_LENGTH = 80  # longer than any area name or alias in the reference; longer input is refused unread
SHOWN_LENGTH = 40  # at most this much of the (normalised) input is repeated back in a message
SUGGESTION_CUTOFF = 0.78  # difflib ratio: "nepl" → "nepal" (0.89) is offered, "peru" → "nepal" (0.44) is not
MAX_SUGGESTIONS = 5


@dataclass(frozen=True)
class AreaCandidate:
    code: str
    name: str
    kind: str

    def label(self) -> str:
        """`NPL (Nepal)`: the code to type and the name it stands for."""
        return f"{self.code} ({self.name})"


class AreaLookupError(ValueError):
    """A name that denotes no area, or several; the message offers the codes to use instead."""

    def __init__(self, message: str, candidates: tuple[AreaCandidate, ...] = ()):
        super().__init__(message)
        self.candidates = candidates


def _shown(text: str) -> str:
    """What of the user's input a message may repeat: a short plain name as typed, else its normalised form, bounded."""
    if len(text) <= SHOWN_LENGTH and all(char.isalnum() or char in " -'.,()" for char in text):
        return repr(text)
    normal = normalise_name(text)[:SHOWN_LENGTH]
    return repr(normal) if normal else "(a name with no letters or digits)"


def _listed(candidates: Iterable[AreaCandidate]) -> str:
    return ", ".join(candidate.label() for candidate in candidates)


class AreaDirectory:
    """Every code, name and alias of one release, for resolving what a person typed to one area code."""

    def __init__(self, areas: Iterable[dict], aliases: Iterable[dict]):
        self.areas: dict[str, AreaCandidate] = {}
        self.by_name: dict[str, set[str]] = {}
        self.by_code_alias: dict[str, str] = {}  # declared alternative codes (KOS → XKX): resolved like codes
        self.by_hint: dict[str, str] = {}  # UNHCR and ISO2 codes: only suggested, since they collide with typos of ISO3
        for area in areas:
            code = area["code"]
            self.areas[code] = AreaCandidate(code, area.get("short_name") or area["name"], area["kind"])
            for name in (area["name"], area.get("short_name")):
                if name:
                    self.by_name.setdefault(normalise_name(name), set()).add(code)
            if area.get("iso2"):
                self.by_hint.setdefault(area["iso2"].upper(), code)
        for alias in aliases:
            if alias["code"] not in self.areas:
                continue
            if alias["scheme"] == "name":
                self.by_name.setdefault(normalise_name(alias["alias"]), set()).add(alias["code"])
            elif alias["scheme"] == "code":
                self.by_code_alias[alias["alias"].upper()] = alias["code"]
            else:
                self.by_hint.setdefault(alias["alias"].upper(), alias["code"])
        self.by_name.pop("", None)

    @classmethod
    def from_connection(cls, con) -> AreaDirectory:
        """The directory of the release open on a DuckDB connection (tables `area` and `area_alias`)."""

        def rows(sql: str) -> list[dict]:
            result = con.execute(sql)
            columns = [d[0] for d in result.description]
            return [dict(zip(columns, row, strict=True)) for row in result.fetchall()]

        return cls(
            rows("SELECT code, name, short_name, kind, iso2 FROM area ORDER BY code"),
            rows("SELECT alias, code, scheme FROM area_alias ORDER BY scheme, alias, code"),
        )

    def resolve(self, text: str, role: str = "area") -> str:
        """The one area code `text` denotes (code, name or alias; case and accents ignored), else AreaLookupError."""
        stripped = (text or "").strip()
        if not stripped:
            raise AreaLookupError(f"empty {role}: give an ISO3 code such as NPL or a name such as Nepal")
        if len(stripped) > MAX_NAME_LENGTH:
            raise AreaLookupError(f"the {role} is longer than any area name ({MAX_NAME_LENGTH} characters at most)")
        upper = stripped.upper()
        if upper in self.areas:
            return upper
        if upper in self.by_code_alias:
            return self.by_code_alias[upper]
        codes = self.by_name.get(normalise_name(stripped), set())
        if len(codes) == 1:
            return next(iter(codes))
        if codes:
            current = [code for code in codes if self.areas[code].kind != "historical"]
            if len(current) == 1:  # "Sudan" is today's Sudan; the former one keeps its own name and code
                return current[0]
            candidates = tuple(self.areas[code] for code in sorted(codes))
            listed = _listed(candidates)
            raise AreaLookupError(
                f"{_shown(stripped)} names {len(candidates)} areas: {listed}; give one of the codes", candidates
            )
        suggestions = self.suggestions(stripped)
        unknown = f"unknown {role} {_shown(stripped)}"
        if len(suggestions) == 1:
            raise AreaLookupError(f"{unknown}: did you mean {suggestions[0].label()}?", suggestions)
        if suggestions:
            raise AreaLookupError(f"{unknown}: did you mean one of {_listed(suggestions)}?", suggestions)
        raise AreaLookupError(
            f"{unknown}: no code, name or alias is close; give an ISO3 or group code "
            '(observatory sql "select code, name from area")'
        )

    def suggestions(self, text: str, limit: int = MAX_SUGGESTIONS) -> tuple[AreaCandidate, ...]:
        """Areas whose code hint, name or alias is close to `text`, best first (nothing for input beyond the bound)."""
        if len(text) > MAX_NAME_LENGTH:
            return ()
        hint = self.by_hint.get(text.strip().upper())
        query = normalise_name(text)
        scores: dict[str, float] = {hint: 2.0} if hint else {}
        if len(query) >= 3:
            matcher = difflib.SequenceMatcher(autojunk=False)
            matcher.set_seq2(query)
            words = re.compile(rf"\b{re.escape(query)}\b")
            for name, codes in self.by_name.items():
                matcher.set_seq1(name)
                score = 0.0
                if words.search(name):  # "korea" is part of both Koreas' names: offer both
                    score = 0.9
                elif matcher.real_quick_ratio() >= SUGGESTION_CUTOFF and matcher.quick_ratio() >= SUGGESTION_CUTOFF:
                    score = matcher.ratio()
                if score >= SUGGESTION_CUTOFF:
                    for code in codes:
                        scores[code] = max(scores.get(code, 0.0), score)
        ranked = sorted(scores, key=lambda code: (-scores[code], self.areas[code].kind != "country", code))
        return tuple(self.areas[code] for code in ranked[:limit])
