"""The API's human-readable fields in the language of `lang=`: declared texts translated, codes and values untouched.

Every text comes from observatory.i18n (the declarations, CLDR's names, the glossaries and the message catalogues);
this module only says which field of which answer is which kind of text. Translation runs on copies made after the
release's memos, so the memos stay one per release and every language shares them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Annotated, Any

from fastapi import Depends, Query, Request

from observatory.api.problems import ApiProblem
from observatory.api.queries.catalogue import area_label, areas
from observatory.api.release_cache import ReleaseHandle
from observatory.i18n.declarations import category_label, declarations, indicator_text
from observatory.i18n.declarations import place_name as declared_place_name
from observatory.i18n.languages import DEFAULT_LANGUAGE, LANGUAGES
from observatory.i18n.messages import gettext_for
from observatory.i18n.phrases import Said

LANG_PARAMETER = "lang"
LANG_DESCRIPTION = (
    "Language of the human-readable fields (indicator titles, units and definitions, objective and framework titles, "
    "area and group names, category labels, scheme and verdict labels, and the claim checker's statements and "
    f"figures): one of {', '.join(LANGUAGES)}; default {DEFAULT_LANGUAGE}. Codes, ids, values and years are the same "
    "in every language; publishers' and contributors' own texts (dataset titles, measure labels, notes) stay as "
    "written. "
    "The answer's Content-Language header names the language; Accept-Language is not read (the URL alone decides)."
)


def response_language(
    request: Request,
    lang: Annotated[str, Query(description=LANG_DESCRIPTION, json_schema_extra={"enum": list(LANGUAGES)})] = (
        DEFAULT_LANGUAGE
    ),
) -> str:
    """The language of the answer; 400 naming the six languages (never the value sent) for any other."""
    # The enum is documentation only: checked here, a wrong value is a 400 that never quotes it (a 422 would).
    if lang not in LANGUAGES:
        raise ApiProblem(400, "Unknown language", f"lang takes one of {', '.join(LANGUAGES)}")
    # Read by api.app.ReleaseHeaders, which names the language of a successful answer in its Content-Language.
    request.state.content_language = lang
    return lang


Lang = Annotated[str, Depends(response_language)]


def place_name(handle: ReleaseHandle, code: str | None, lang: str, english: str | None = None) -> str:
    """An area's name in `lang`: CLDR's for countries and territories, the declarations' for groups."""
    english = english if english is not None else area_label(handle, code)
    if isinstance(english, Said):  # a name composed in code ("Other or unknown"), not an area of the release
        return english.in_language(lang)
    area = areas(handle).get(code or "")
    if lang == DEFAULT_LANGUAGE or area is None:
        return english
    return declared_place_name(area["code"], english, lang, area["kind"], area.get("iso2"), area.get("m49"))


def localised_area(handle: ReleaseHandle, area: dict[str, Any], lang: str) -> dict[str, Any]:
    """An area row with its name and short name in `lang`."""
    if lang == DEFAULT_LANGUAGE:
        return area
    out = dict(area)
    for field in ("name", "short_name"):
        if out.get(field):
            out[field] = place_name(handle, area["code"], lang, out[field])
    return out


def named_places(
    handle: ReleaseHandle, items: Iterable[dict[str, Any]], lang: str, code: str = "code", name: str = "name"
) -> list[dict[str, Any]]:
    """Rows naming an area by code, with the name field in `lang` (codes the release does not know keep theirs)."""
    if lang == DEFAULT_LANGUAGE:
        return list(items)
    return [{**item, name: place_name(handle, item.get(code), lang, item.get(name))} for item in items]


def localised_indicator(row: dict[str, Any], lang: str, id_field: str = "id") -> dict[str, Any]:
    """An indicator row (or a series' description) with title, unit, definition and category labels in `lang`.

    A raw measure (kind 'measure') or an id the catalogue does not declare keeps its publisher's texts.
    """
    if lang == DEFAULT_LANGUAGE or row.get("kind") == "measure":
        return row
    indicator_id = row.get(id_field)
    try:
        title, unit, definition = indicator_text(str(indicator_id), lang)
    except KeyError:
        return row
    out = dict(row)
    for field, text in (("title", title), ("unit", unit), ("definition", definition)):
        if field in out:
            out[field] = text
    labels = out.get("category_labels")
    if labels:
        english = json.loads(labels) if isinstance(labels, str) else labels
        translated = {code: _category(str(indicator_id), code, text, lang) for code, text in english.items()}
        out["category_labels"] = json.dumps(translated, ensure_ascii=False) if isinstance(labels, str) else translated
    return out


def _category(indicator_id: str, code: str, english: str, lang: str) -> str:
    """A category code's label in `lang`, or the release's label when the catalogue does not declare the code."""
    try:
        return category_label(indicator_id, code, lang)
    except KeyError:
        return english


def category_owners(handle: ReleaseHandle) -> dict[str, str]:
    """Series id (an indicator, or a measure its categories explain) -> the indicator that declares its labels."""

    def build() -> dict[str, str]:
        from observatory.api.queries.catalogue import indicators

        owners: dict[str, str] = {}
        for row in indicators(handle).values():
            if not row.get("category_labels"):
                continue
            for measure_id in row.get("category_measures") or []:
                owners.setdefault(measure_id, row["id"])
            owners[row["id"]] = row["id"]
        return owners

    return handle.memo(("category_owners",), build)


def series_category_label(handle: ReleaseHandle, series_id: str, code: str, english: str | None, lang: str):
    """The label of a category code of an indicator or measure in `lang` (None or undeclared codes stay as given)."""
    owner = category_owners(handle).get(series_id)
    if lang == DEFAULT_LANGUAGE or english is None or owner is None:
        return english
    return _category(owner, code, english, lang)


def unit_of(series_id: str | None, english: str | None, lang: str) -> str | None:
    """A catalogue indicator's unit in `lang`; a measure's unit (or none) as published."""
    if lang == DEFAULT_LANGUAGE or series_id is None or english is None:
        return english
    try:
        return indicator_text(series_id, lang)[1]
    except KeyError:
        return english


def localised_measures(handle: ReleaseHandle, measures: list[dict[str, Any]], lang: str) -> list[dict[str, Any]]:
    """A corridor's measures with their category labels in `lang` (measures' own labels and units stay their
    publishers')."""
    return [
        {
            **item,
            "category_label": series_category_label(
                handle, item["measure"], item["category"], item["category_label"], lang
            ),
            "categories": [
                {**part, "label": series_category_label(handle, item["measure"], part["category"], part["label"], lang)}
                for part in item["categories"]
            ],
        }
        for item in measures
    ]


def localised_corridor(handle: ReleaseHandle, profile: dict[str, Any], lang: str) -> dict[str, Any]:
    """A corridor profile with its places, the stock's unit and the category labels in `lang`."""
    origin, destination = named_places(handle, [profile["origin"], profile["destination"]], lang)
    return {
        **profile,
        "origin": origin,
        "destination": destination,
        "stock_unit": unit_of(profile["stock_series"], profile["stock_unit"], lang),
        "measures": localised_measures(handle, profile["measures"], lang),
    }


def message(text: str, lang: str) -> str:
    """A message declared for the catalogues (scheme labels, verdicts) in `lang`; itself where none translates it."""
    return text if lang == DEFAULT_LANGUAGE else gettext_for(lang)(text)


def localised_objective(objective: dict[str, Any], lang: str) -> dict[str, Any]:
    """A GCM or GCR objective or an SDG target with its short name and text in `lang` (the declarations')."""
    if lang == DEFAULT_LANGUAGE:
        return objective
    translated = declarations(lang).frameworks.get(objective["framework"], {}).get(str(objective["code"]))
    if translated is None:
        return objective
    return {**objective, "short_name": translated.short_name, "text": translated.text}
