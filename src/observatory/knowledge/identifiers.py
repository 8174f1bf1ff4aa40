"""ORCID and ROR identifiers checked by their check digits (ISO 7064 MOD 11-2 and MOD 97-10)."""

from __future__ import annotations

import re

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_ORCID = re.compile(r"^(?:https?://orcid\.org/)?(\d{4})-?(\d{4})-?(\d{4})-?(\d{3}[\dX])$", re.IGNORECASE)
_ROR = re.compile(r"^(?:https?://ror\.org/)?(0[0-9a-hj-km-np-tv-z]{6}\d{2})$", re.IGNORECASE)


class IdentifierError(ValueError):
    """An identifier that is malformed or fails its check digit; the message names the field, never the value."""


def orcid_check_digit(base_digits: str) -> str:
    """ISO 7064 MOD 11-2 check character of the first 15 ORCID digits."""
    total = 0
    for char in base_digits:
        total = (total + int(char)) * 2
    result = (12 - total % 11) % 11
    return "X" if result == 10 else str(result)


def normalise_orcid(value: str, field: str = "orcid") -> str:
    """Canonical ORCID iD '0000-0002-1825-0097'; raises IdentifierError naming the field otherwise."""
    match = _ORCID.match(value.strip()[:64])
    if not match:
        raise IdentifierError(f"{field}: not an ORCID iD (16 digits in four groups, e.g. 0000-0002-1825-0097)")
    digits = "".join(match.groups()).upper()
    if orcid_check_digit(digits[:15]) != digits[15]:
        raise IdentifierError(f"{field}: ORCID check digit does not match (ISO 7064 MOD 11-2)")
    return "-".join(digits[i : i + 4] for i in range(0, 16, 4))


def ror_checksum(body: str) -> str:
    """Two-digit ISO 7064 MOD 97-10 checksum of the six base32 (Crockford) characters of a ROR id."""
    number = 0
    for char in body.upper():
        number = number * 32 + CROCKFORD.index(char)
    return f"{98 - (number * 100) % 97:02d}"


def normalise_ror(value: str, field: str = "ror") -> str:
    """Canonical ROR id '03yrm5c26' (lower case, no URL); raises IdentifierError naming the field otherwise."""
    match = _ROR.match(value.strip()[:64])
    if not match:
        raise IdentifierError(f"{field}: not a ROR id (9 characters starting with 0, e.g. 03yrm5c26)")
    ror = match.group(1).lower()
    if ror_checksum(ror[1:7]) != ror[7:]:
        raise IdentifierError(f"{field}: ROR checksum does not match (ISO 7064 MOD 97-10)")
    return ror
