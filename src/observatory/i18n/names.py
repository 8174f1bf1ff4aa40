"""Names of countries, territories and UN regions in each language, from CLDR."""

from __future__ import annotations

from observatory.i18n.languages import DEFAULT_LANGUAGE, checked_language, locale


def area_name(declared_name: str, lang: str, iso2: str | None = None, m49: str | int | None = None) -> str:
    """CLDR's name of a country (by ISO alpha-2) or UN region (by M49) in `lang`; the declared name otherwise.

    English keeps the declared (UN statistical) name so every English surface reads as the sources do.
    """
    lang = checked_language(lang)
    if lang == DEFAULT_LANGUAGE:
        return declared_name
    territories = locale(lang).territories
    if iso2 and iso2.upper() in territories:
        return territories[iso2.upper()]
    if m49 is not None and str(m49).isdigit():
        region = f"{int(m49):03d}"
        if region in territories:
            return territories[region]
    return declared_name
