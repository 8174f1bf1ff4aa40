"""Country and area reference: every name or code a source writes resolves to one area, or is reported."""

from observatory.geo.reference import AreaReference, build_area_reference
from observatory.geo.resolver import AreaResolver, Resolution, UnresolvedAreasError, normalise_name

__all__ = [
    "AreaReference",
    "AreaResolver",
    "Resolution",
    "UnresolvedAreasError",
    "build_area_reference",
    "normalise_name",
]
