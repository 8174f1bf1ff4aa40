"""Read a claim as people write it: who moves where, which measure, which quantity, and the question it asks."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from observatory.api.release_cache import ReleaseHandle

# Measure families: (name, words that select it, corridor series ids, area series ids), in order of precedence
# because "asylum" outranks "refugee" and "died" outranks "migrants" in one sentence.
MEASURES: tuple[tuple[str, str, tuple[str, ...], tuple[str, ...]], ...] = (
    (
        "deaths",
        r"\b(died|die|dies|dead|deaths?|drown\w*|perish\w*|lost their lives|killed|missing migrants)\b",
        (),
        ("sdg_10_7_3",),
    ),
    (
        "remittances",
        r"\b(remittances?|remit\w*|send(?:s|ing)? (?:money|home|back)|sent (?:money|home|back)|money home)\b",
        (),
        ("remittances_received_usd", "remittances_received"),
    ),
    (
        "asylum-seekers",
        r"\b(asylum|asylum[- ]seekers?)\b",
        ("unhcr_asylum_seekers", "unhcr_asylum_applications"),
        ("asylum_applications", "eurostat_asylum_applicants"),
    ),
    ("refugees", r"\b(refugees?|fled|flee\w*)\b", ("unhcr_refugees",), ("refugees_hosted", "refugees_undesa")),
    (
        "migrants",
        r"\b(migrants?|immigrants?|emigrants?|immigration|emigration|migration|foreign[- ]born|foreigners|"
        r"born abroad|diaspora|live abroad|living abroad|newcomers|expats?|migrate\w*|move[sd]?|moving|"
        r"settle[sd]?|workers)\b",
        ("corridor_stock", "migrant_stock"),
        ("migrant_stock", "migrant_stock_total"),
    ),
)
PEOPLE = (
    r"(?:(?:illegal|irregular|economic|undocumented|young|skilled|unskilled|new|poor|\w+-born)\s+)?"
    r"(?:migrants?|immigrants?|emigrants?|refugees?|asylum[- ]seekers?|workers|nationals|people|citizens|"
    r"diaspora|newcomers|arrivals|expats?|families|men|women|children|boat people|population)\b"
)
# Words after a place that make it the place people live in or reach ("Europe is being invaded by", "Germany hosts").
HOSTS = re.compile(
    r"^(?:'s|’s)?\s*(?:(?:is|are|was|were|has|have|had|will|now)\s+)*(?:(?:being|been|be)\s+)?(?:\w+ly\s+)?"
    r"(?:invaded|overrun|flooded|swamped|overwhelmed|hosts?|hosted|hosting|takes? in|took in|taking in|receives?|"
    r"received|receiving|welcomes?|welcomed|accepts?|accepted|absorbs?|absorbed|shelters?|sheltered|home to|"
    r"lets? in|attracts?|attracted|gets|got|faces?|facing|admits?|admitted|houses?|housed|"
    r"(?:the\s+)?(?:top|largest|biggest|main|leading|first|favourite|favorite|preferred) (?:\w+ )?"
    r"(?:destination|host))\b",
    re.IGNORECASE,
)
# Words after a place that make it the place people leave ("Mexico sends", "Nepal is the largest source").
SENDS = re.compile(
    r"^(?:'s|’s)?\s*(?:(?:is|are|was|were|has|have|had|will)\s+)*(?:\w+ly\s+)?"
    r"(?:sends?|sent|sending|exports?|exported|loses?|lost|losing|produces?|produced|"
    r"(?:the\s+)?(?:top|largest|biggest|main|leading|first) (?:source|origin|country of origin|sender))\b",
    re.IGNORECASE,
)
ORIGIN_BEFORE = re.compile(
    r"\b(from|of|born in|fleeing|fled|flee|leaving|leave|left|out of|escaping|escape|emigrat\w+ from)\s+(?:the\s+)?$",
    re.IGNORECASE,
)
DESTINATION_BEFORE = re.compile(
    r"\b(to|in|into|towards|toward|reach|reached|reaching|enter|entered|entering|for|at|across|by|within|"
    r"inside|arrive in|arriving in|arrived in|settle in|head to|heading to|go to|come to|hosted by|"
    r"welcomed by|taken in by|received by)\s+(?:the\s+)?$",
    re.IGNORECASE,
)
UNREAD_PEOPLE = re.compile(rf"\b([A-Z][\w'-]*(?:ese|ian|an|ish|i|ch|ot|ic))\s+{PEOPLE}")
PLACE_AFTER = re.compile(r"\b(?:in|to|from|into|across|through|within|at) (?:the )?([A-Z][\w-]+)")
NOT_PLACES = {"i", "we", "our", "us", "they", "their", "my"}
MAJORITY = re.compile(r"\b(most|majority|more than half|over half|bulk|lion's share|mostly|mainly|largely)\b", re.I)
MINORITY = re.compile(
    r"\b(few|minority|almost no|virtually no|hardly any|"
    r"small (?:share|fraction|number|part)|tiny|hardly any|only a fraction)\b",
    re.I,
)
FRACTIONS = (
    (r"\btwo[- ]thirds\b", 2 / 3),
    (r"\bthree[- ]quarters\b", 0.75),
    (r"\b(half)\b", 0.5),
    (r"\b(a|one)[- ]third\b", 1 / 3),
    (r"\b(a|one)[- ]quarter\b", 0.25),
    (r"\bone in (?:ten|10)\b", 0.1),
    (r"\bone in (?:five|5)\b", 0.2),
)
RANK = re.compile(
    r"\b(the most|more \w+ than any other|more than any other|more \w+ than anyone|than anyone|"
    r"largest|biggest|top|number one|leading|main|"
    r"the highest)\b",
    re.I,
)
RISING = re.compile(r"\b(ris\w+|rose|increas\w+|grow\w+|grew|surg\w+|soar\w+|doubl\w+|more and more|record|up)\b", re.I)
FALLING = re.compile(r"\b(fall\w*|fell|declin\w+|decreas\w+|drop\w*|fewer and fewer|shrink\w*|down)\b", re.I)
LOADED = re.compile(
    r"\b(too many|too much|"
    r"invad\w+|invasion|overrun|flood\w*|swamp\w*|overwhelm\w*|crisis|wave|horde\w*)\b",
    re.I,
)
NUMBER = re.compile(
    r"(?<![\w.])(?:us\$|\$|€|£)?\s*(\d+(?:[.,]\d+)*)\s*(million|billion|thousand|per ?cent|percent|%|m\b|bn\b|k\b)?",
    re.IGNORECASE,
)
SCALE = {"million": 1e6, "m": 1e6, "billion": 1e9, "bn": 1e9, "thousand": 1e3, "k": 1e3}
ABOVE = re.compile(r"\b(more than|over|at least|above|exceeds?|exceeding|upwards of)\s*$", re.I)
BELOW = re.compile(r"\b(less than|fewer than|under|below|at most|no more than)\s*$", re.I)


def N_(message: str) -> str:
    """Mark a problem of the reading for the portal's catalogues (scripts/messages.py); the page translates it."""
    return message


Mention = tuple[int, str, str]
Chooser = Callable[[ReleaseHandle, tuple[str, ...]], "str | None"]


def people_number(value: float | None, unit: str = "") -> str:
    """A number as a person reads it: thousands separators, millions and billions in words, money with US$."""
    if value is None:
        return "no value"
    money = "usd" in unit.lower()
    size = abs(value)
    if "percent" in unit.lower():
        text = f"{value:.1f}%"
    elif size >= 1e9:
        text = f"{value / 1e9:,.2f} billion"
    elif size >= 1e6:
        text = f"{value / 1e6:,.2f} million"
    else:
        text = f"{value:,.0f}"
    return f"US$ {text}" if money else text


def share_text(share: float | None) -> str:
    """A share as a percentage with one decimal where it is small."""
    if share is None:
        return "no share"
    return f"{share:.1%}" if share < 0.1 else f"{share:.0%}"


def _role(text: str, position: int, surface: str) -> tuple[str | None, str]:
    """'origin', 'destination' or None for one place named at position, and whether people or a verb said so."""
    end = position + len(surface)
    suffix = re.match(r"(?:s|es)?", text[end:])
    plural = bool(suffix and suffix.group(0))
    after = text[end + (len(suffix.group(0)) if suffix else 0) :]
    before = text[max(0, position - 30) : position]
    if re.match(r"^(?:'s|’s)\s+(?:emigrants|diaspora|citizens|nationals|people abroad|workers abroad)", after, re.I):
        return "origin", "people"
    if re.match(rf"^(?:'s|’s)\s+(?:[\w-]+\s+)?{PEOPLE}", after, re.I):
        return "destination", "people"
    if re.match(rf"^-?\s*(?:born\s+)?{PEOPLE}", after, re.I) or re.match(r"^-born\b", after, re.I):
        return "origin", "people"
    if plural and re.search(r"(an|ese|ish|i)$", surface):
        return "origin", "demonym"
    if ORIGIN_BEFORE.search(before):
        return "origin", "preposition"
    if DESTINATION_BEFORE.search(before):
        return "destination", "preposition"
    if SENDS.match(after):
        return "origin", "verb"
    if HOSTS.match(after):
        return "destination", "verb"
    return None, ""


def _number(text: str) -> dict[str, Any] | None:
    """The first number a claim states (not a year), with its scale, whether it is a share and its comparison."""
    for match in NUMBER.finditer(text):
        raw, unit = match.group(1), (match.group(2) or "").lower().replace(" ", "")
        if not unit and re.fullmatch(r"(19|20)\d\d", raw):
            continue
        value = float(raw.replace(",", "")) if re.fullmatch(r"\d{1,3}(,\d{3})+", raw) else float(raw.replace(",", "."))
        percent = unit in ("%", "percent")
        before = text[: match.start()]
        comparison = "above" if ABOVE.search(before) else "below" if BELOW.search(before) else "about"
        return {
            "text": match.group(0).strip(),
            "value": value / 100 if percent else value * SCALE.get(unit, 1.0),
            "percent": percent,
            "comparison": comparison,
        }
    words = re.search(r"\b(half a|a|one) (million|billion)\b", text, re.I)
    if words:
        value = (0.5 if words.group(1).lower() == "half a" else 1.0) * SCALE[words.group(2).lower()]
        before = text[: words.start()]
        comparison = "above" if ABOVE.search(before) else "below" if BELOW.search(before) else "about"
        return {"text": words.group(0), "value": value, "percent": False, "comparison": comparison}
    for pattern, fraction in FRACTIONS:
        found = re.search(pattern, text, re.I)
        if found:
            return {"text": found.group(0), "value": fraction, "percent": True, "comparison": "about"}
    return None


def _question(text: str, number: dict[str, Any] | None) -> str:
    """What the claim asks: a share, a rank, an amount, a trend, or just a relation."""
    if number is not None:
        return "share" if number["percent"] else "amount"
    if RANK.search(text) and not MAJORITY.search(re.sub(r"\bthe most\b", "", text, flags=re.I)):
        return "rank"
    if MAJORITY.search(text) or MINORITY.search(text):
        return "share"
    if RISING.search(text) or FALLING.search(text):
        return "trend"
    return "relation"


def read_claim(handle: ReleaseHandle, text: str, mentions: list[Mention], choose: Chooser) -> dict[str, Any]:
    """Measure, origin, destination, area, year, number and question of a claim, or why it cannot be read."""
    family: str | None = None
    corridor_ids: tuple[str, ...] = ()
    area_ids: tuple[str, ...] = ()
    for name, pattern, corridor_rule, area_rule in MEASURES:
        if re.search(pattern, text, re.IGNORECASE):
            family, corridor_ids, area_ids = name, corridor_rule, area_rule
            break
    roles: dict[str, str | None] = {"origin": None, "destination": None}
    loose: list[str] = []
    positions: dict[str, int] = {}
    reasons: dict[str, str] = {}
    scope: str | None = None
    joined = False
    for index, (position, surface, code) in enumerate(mentions):
        role, reason = _role(text, position, surface)
        if reason == "demonym" and family is None:
            # "2.8 million Venezuelans" names people by where they come from: a claim about migrants
            family, _pattern, corridor_ids, area_ids = MEASURES[-1]
        previous_end = mentions[index - 1][0] + len(mentions[index - 1][1]) if index else -1
        if index and re.fullmatch(r"\w*\s*(,|and|or|&)\s*", text[previous_end:position], re.I):
            joined = True  # "Iran and Pakistan": two places on one side, one answer would drop one
        elif role is not None and roles[role] is None and code not in roles.values():
            roles[role] = code
            positions[role] = position
            reasons[role] = reason
        elif role is not None and code not in roles.values():
            scope = scope or code  # "the largest host in Africa": where the ranking or share is taken
        elif role is None and code not in roles.values() and code not in loose:
            loose.append(code)
            positions.setdefault(code, position)
    for code in loose:
        for role, other in (("destination", "origin"), ("origin", "destination")):
            if roles[other] is not None and roles[role] is None:
                roles[role] = code
                positions[role] = positions[code]
                break
    if family == "remittances":
        # money goes the other way: migrants from X send it to X, migrants in Y send it from Y
        sending = re.search(r"\b(send\w*|sent|pa(?:y|id|ys)|sender)\b", text, re.I)
        if reasons.get("origin") in ("people", "demonym") or (sending and reasons.get("destination") == "preposition"):
            roles = {"origin": roles["destination"], "destination": roles["origin"]}
    origin, destination = roles["origin"], roles["destination"]
    number = _number(text)
    question = _question(text, number)
    problems: list[str] = []
    if family is None:
        problems.append(N_("no measure recognised (migrants, refugees, asylum-seekers, remittances or deaths)"))
    if not mentions and corridor_ids:
        problems.append(N_("no place recognised"))
    elif mentions and origin is None and destination is None and (corridor_ids or len(mentions) > 1):
        problems.append(N_("could not tell who moves where"))
    if question in ("share", "relation") and destination is None and origin is not None and corridor_ids:
        problems.append(N_("no destination recognised (where do they go?)"))
    unknown = [
        found
        for found in UNREAD_PEOPLE.finditer(text)
        if not any(at <= found.start() < at + len(surface) + 2 for at, surface, _ in mentions)
    ]
    if unknown:
        # "Congolese refugees" names an origin this reader cannot place: answering without it would change the question
        problems.append(N_("a place named by its people was not recognised"))
    if joined:
        problems.append(N_("more than one origin or destination named: ask about one at a time"))
    named = [
        found.group(1)
        for found in PLACE_AFTER.finditer(text)
        if not any(at <= found.start(1) < at + len(surface) + 3 for at, surface, _ in mentions)
        and found.group(1).lower() not in NOT_PLACES
    ]
    if named:
        # "died in the Mediterranean": a place this reader does not know; the world total would answer another question
        problems.append(N_("a place was not recognised"))
    area = None
    if not corridor_ids or (question != "share" and origin is None and destination is not None and not loose):
        area = destination or origin
    if corridor_ids and area is None:
        measure = choose(handle, corridor_ids)
    else:
        measure = choose(handle, area_ids) or choose(handle, corridor_ids)
    if family == "remittances" and origin is not None and destination is None:
        measure, area = "remittances_paid", origin
    denominator = "origin"
    if question == "share" and origin is not None and destination is not None:
        quantifier = MAJORITY.search(text) or MINORITY.search(text)
        at = quantifier.start() if quantifier else 0
        makes_up = re.search(r"\b(make|makes|made) up|account(?:s|ed)? for|represent\w*", text, re.I)
        if positions.get("destination", -1) > at and positions.get("destination", -1) < positions.get("origin", -1):
            denominator = "destination"
        elif makes_up and positions.get("origin", 0) < at < positions.get("destination", 0):
            denominator = "destination"
    years = [int(y) for y in re.findall(r"\b(19[5-9]\d|20[0-4]\d)\b", text)]
    understood = not problems
    return {
        "text": text,
        "understood": understood,
        "problems": problems,
        "family": family,
        "measure": measure,
        "origin": origin,
        "destination": destination,
        "area": area,
        "year": years[0] if years else None,
        "scope": scope,
        "number": number,
        "question": question,
        "denominator": denominator,
        "majority": not MINORITY.search(text),
        "direction": "falling" if FALLING.search(text) and not RISING.search(text) else "rising",
        "loaded": bool(LOADED.search(text)),
    }
