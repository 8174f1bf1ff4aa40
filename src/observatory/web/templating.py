"""Jinja2 environment of the portal: templates, number formatting and the context every page gets."""

from __future__ import annotations

import json
import math
from functools import lru_cache
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from observatory.api.queries.catalogue import cite, release_info
from observatory.api.release_cache import ReleaseHandle

TEMPLATES = Path(__file__).parent / "templates"
NAV = (
    ("/", "Home"),
    ("/countries", "Countries"),
    ("/corridors", "Corridors"),
    ("/indicators", "Indicators"),
    ("/frameworks", "Frameworks"),
    ("/claims", "Check a claim"),
    ("/evidence", "Evidence"),
    ("/reports", "Reports"),
    ("/sources", "Sources"),
)


def number(value: Any, unit: str = "") -> str:
    """A number for people: 8.5 million, 12.3%, 0.72, USD 3.2 billion."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "–"
    unit = (unit or "").lower()
    if "percent" in unit or unit.startswith("%"):
        return f"{value:,.1f}%"
    if unit == "share" or unit == "ratio 0-1":
        return f"{value:.1%}"
    magnitude = abs(value)
    prefix = "USD " if "usd" in unit else ""
    if magnitude >= 1e9:
        return f"{prefix}{value / 1e9:,.2f} billion"
    if magnitude >= 1e6:
        return f"{prefix}{value / 1e6:,.2f} million"
    if magnitude >= 1000 or value == int(value):
        return f"{prefix}{value:,.0f}"
    return f"{prefix}{value:,.3g}"


def share(value: Any) -> str:
    """A share 0..1 as a percentage."""
    return "–" if value is None else f"{value:.1%}"


def tojson_script(value: Any) -> Markup:
    """JSON safe to embed in a <script type="application/json"> element."""
    text = (
        json.dumps(value, ensure_ascii=False, default=str)
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
    )
    return Markup(text)


@lru_cache(maxsize=1)
def environment() -> Environment:
    """The template environment (built once per process; templates are package files)."""
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(number=number, share=share, tojson_script=tojson_script)
    return env


def render(
    request: Request,
    handle: ReleaseHandle | None,
    template: str,
    *,
    title: str,
    sources: list[dict] | set[str] | None = None,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    """A page with the shared context: navigation, release, permalink and the sources it cites."""
    cited = (
        sources
        if isinstance(sources, list) and (not sources or isinstance(sources[0], dict))
        else (cite(handle, sources or []) if handle else [])
    )
    query = request.url.query
    html = (
        environment()
        .get_template(template)
        .render(
            request=request,
            title=title,
            nav=NAV,
            path=request.url.path,
            permalink=request.url.path + (f"?{query}" if query else ""),
            release=release_info(handle) if handle else None,
            release_id=handle.release_id if handle else None,
            sources=cited,
            **context,
        )
    )
    return HTMLResponse(html, status_code=status_code)
