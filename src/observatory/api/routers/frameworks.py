"""Monitoring frameworks (GCM, GCR, SDG): objectives, the indicators tagged to them, coverage and gaps."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter

from observatory.api.deps import Release
from observatory.api.localise import Lang, localised_indicator, localised_objective
from observatory.api.models import PROBLEMS, Envelope
from observatory.api.queries.catalogue import framework_objectives, indicators
from observatory.api.release_cache import ReleaseHandle
from observatory.api.responses import json_response
from observatory.i18n.glossary import framework_title

router = APIRouter(tags=["frameworks"], responses=PROBLEMS)
FRAMEWORKS = {
    "GCM": "Global Compact for Safe, Orderly and Regular Migration",
    "GCR": "Global Compact on Refugees",
    "SDG": "Sustainable Development Goals (migration-related targets)",
}


def framework_coverage(handle: ReleaseHandle, framework: str) -> dict[str, Any]:
    """Objectives of a framework, each with its indicators, how many countries have values, and whether it is a gap."""

    def compute() -> dict[str, Any]:
        counts = {
            r["indicator"]: r["n"]
            for r in handle.rows(
                "SELECT indicator, count(DISTINCT coalesce(area, origin)) AS n FROM indicator_value v JOIN area a ON "
                "a.code = coalesce(v.area, v.origin) "
                "WHERE a.kind = 'country' AND value IS NOT NULL GROUP BY indicator"
            )
        }
        catalogue = indicators(handle)
        objectives = []
        for objective in framework_objectives(handle):
            if objective["framework"] != framework:
                continue
            tagged = [
                {"id": i, "title": catalogue[i]["title"], "countries_with_data": counts.get(i, 0)}
                for i in objective["indicators"]
            ]
            objectives.append(
                {**objective, "indicators": tagged, "gap": not any(t["countries_with_data"] for t in tagged)}
            )
        covered = sum(1 for o in objectives if not o["gap"])
        return {
            "framework": framework,
            "title": FRAMEWORKS[framework],
            "objectives": objectives,
            "summary": {"objectives": len(objectives), "with_data": covered, "gaps": len(objectives) - covered},
        }

    return handle.memo(("framework_coverage", framework), compute)


def localised_coverage(coverage: dict[str, Any], lang: str) -> dict[str, Any]:
    """A framework's coverage with its title, objectives and indicator titles in `lang`."""
    framework = coverage["framework"]
    objectives = [
        {
            **localised_objective(objective, lang),
            "indicators": [localised_indicator(tagged, lang) for tagged in objective["indicators"]],
        }
        for objective in coverage["objectives"]
    ]
    return {**coverage, "title": framework_title(framework, coverage["title"], lang), "objectives": objectives}


@router.get("/frameworks", response_model=Envelope, summary="Frameworks and their coverage")
def list_frameworks(handle: Release, lang: Lang):
    """GCM, GCR and SDG: how many objectives have at least one indicator with data in this release."""
    return json_response(
        {
            "release": handle.release_id,
            "frameworks": [
                {**framework_coverage(handle, f)["summary"], "framework": f, "title": framework_title(f, t, lang)}
                for f, t in FRAMEWORKS.items()
            ],
        }
    )


@router.get("/frameworks/{framework}", response_model=Envelope, summary="One framework: objectives, indicators, gaps")
def get_framework(framework: Literal["GCM", "GCR", "SDG"], handle: Release, lang: Lang):
    """Every objective with its indicators and the number of countries with data; objectives without data are gaps."""
    coverage = localised_coverage(framework_coverage(handle, framework), lang)
    return json_response({"release": handle.release_id, **coverage})
