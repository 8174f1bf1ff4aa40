"""Text that is safe to hand on: no spreadsheet formulas in downloads, no link that is not http(s)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

# A cell starting with one of these is read as a formula (or DDE command) by Excel, LibreOffice or Google Sheets.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")
LINK_SCHEMES = ("http", "https")


def spreadsheet_text(value: Any) -> Any:
    """A string a spreadsheet shows as text: a formula-like start gets a leading apostrophe; others unchanged."""
    if isinstance(value, str) and value.lstrip(" ").startswith(FORMULA_STARTS):
        return "'" + value
    return value


def safe_url(value: Any) -> str | None:
    """The URL when it is an absolute http(s) link, else None (javascript:, data:, relative, malformed)."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    if any(ord(char) < 32 or ord(char) == 127 for char in text):
        return None
    try:
        parts = urlsplit(text)
    except ValueError:
        return None
    return text if parts.scheme.lower() in LINK_SCHEMES and parts.netloc else None
