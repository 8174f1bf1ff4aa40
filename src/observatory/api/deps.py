"""Request dependencies: the settings, the current release, validated area codes, years and pages."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Query, Request

from observatory.api.problems import ApiProblem, bad_request, not_found
from observatory.api.queries.catalogue import areas
from observatory.api.release_cache import ReleaseHandle, ReleaseRegistry
from observatory.settings import Settings

YEAR_MIN, YEAR_MAX = 1900, 2100
MAX_PAGE = 10_000
DEFAULT_PAGE = 1000


def get_registry(request: Request) -> ReleaseRegistry:
    """The app's release registry."""
    return request.app.state.registry


async def get_settings_dep(request: Request) -> Settings:
    """The app's settings."""
    return request.app.state.settings


async def get_release(request: Request) -> ReleaseHandle:
    """The current release for this request (resolved once, by the middleware or here)."""
    handle = getattr(request.state, "release", None)
    if handle is None:
        handle = request.app.state.registry.current()
        request.state.release, request.state.release_id = handle, handle.release_id
    return handle


Release = Annotated[ReleaseHandle, Depends(get_release)]
AppSettings = Annotated[Settings, Depends(get_settings_dep)]


def check_area(handle: ReleaseHandle, code: str | None, what: str = "area") -> str | None:
    """The upper-cased code if the release knows it; 404 with a hint otherwise."""
    if code is None or code == "":
        return None
    upper = code.strip().upper()
    if upper not in areas(handle):
        raise not_found(what, code, "see /api/areas for the codes (ISO 3166 alpha-3 for countries)")
    return upper


@dataclass(frozen=True)
class YearRange:
    """An inclusive year range (either end may be open)."""

    year_from: int | None
    year_to: int | None


def year_range(
    year_from: Annotated[int | None, Query(ge=YEAR_MIN, le=YEAR_MAX, description="First year (inclusive).")] = None,
    year_to: Annotated[int | None, Query(ge=YEAR_MIN, le=YEAR_MAX, description="Last year (inclusive).")] = None,
    year: Annotated[
        int | None, Query(ge=YEAR_MIN, le=YEAR_MAX, description="One year (instead of year_from and year_to).")
    ] = None,
) -> YearRange:
    """Validated year range."""
    if year is not None:
        if year_from is not None or year_to is not None:
            raise bad_request("give either year or year_from/year_to, not both")
        return YearRange(year, year)
    if year_from is not None and year_to is not None and year_from > year_to:
        raise bad_request(f"year_from ({year_from}) is after year_to ({year_to})")
    return YearRange(year_from, year_to)


@dataclass(frozen=True)
class Page:
    """Limit and offset of a page; `chosen` is false when the caller left the limit to its default."""

    limit: int
    offset: int
    chosen: bool = True

    def for_download(self, whole: int) -> Page:
        """A download's page: the caller's limit if given, else the whole selection (up to `whole` rows)."""
        return self if self.chosen else Page(whole, self.offset, False)


def page(
    limit: Annotated[
        int | None,
        Query(
            ge=1,
            le=MAX_PAGE,
            description=f"Rows per page (1..{MAX_PAGE}; default 1000 for JSON, the whole selection for downloads).",
        ),
    ] = None,
    offset: Annotated[int, Query(ge=0, le=100_000_000, description="Rows to skip.")] = 0,
) -> Page:
    """Validated pagination."""
    return Page(limit if limit is not None else DEFAULT_PAGE, offset, limit is not None)


Years = Annotated[YearRange, Depends(year_range)]
Paging = Annotated[Page, Depends(page)]


def pagination_block(request: Request, total: int, paging: Page) -> dict:
    """Totals and links to the next and previous pages."""
    block: dict[str, Any] = {
        "total": total,
        "limit": paging.limit,
        "offset": paging.offset,
        "next": None,
        "previous": None,
    }
    if paging.offset + paging.limit < total:
        block["next"] = str(request.url.include_query_params(offset=paging.offset + paging.limit))
    if paging.offset > 0:
        block["previous"] = str(request.url.include_query_params(offset=max(paging.offset - paging.limit, 0)))
    return block


def page_links(request: Request, total: int, paging: Page) -> dict[str, str]:
    """URLs of the next and previous pages (rel name to URL); empty when the page holds the whole selection."""
    links: dict[str, str] = {}
    if paging.offset + paging.limit < total:
        links["next"] = str(request.url.include_query_params(offset=paging.offset + paging.limit))
    if paging.offset > 0:
        links["prev"] = str(request.url.include_query_params(offset=max(paging.offset - paging.limit, 0)))
    return links


def offset_beyond(total: int, paging: Page) -> None:
    """400 when the offset skips past every row (but an empty result at offset 0 is fine)."""
    if paging.offset and paging.offset >= total:
        raise ApiProblem(400, "Invalid parameter", f"offset {paging.offset} is past the last row (total {total})")
