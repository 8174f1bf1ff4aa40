"""Chart SVGs rendered once per release: one file per chart spec in the release's publication folder."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib.metadata import version
from pathlib import Path

from observatory.publish.catalogue import release_folder
from observatory.settings import Settings

CHARTS_FOLDER = "charts"
KEY = re.compile(r"[0-9a-f]{64}")
SVG_ID = re.compile(r'\bid="([^"]+)"')
MAX_SVG_BYTES = 8 * 1024 * 1024  # a chart of this observatory is well under 1 MB; a bigger file is not ours


@lru_cache(maxsize=1)
def renderer_version() -> str:
    """The installed vl-convert (the spec's $schema names Vega-Lite) and how its SVG is rewritten here: a new
    renderer draws new charts."""
    return f"vl-convert-python {version('vl-convert-python')}; ids named after the spec"


def _canonical(spec: dict) -> str:
    return json.dumps(spec, sort_keys=True, separators=(",", ":"))


def _own_ids(svg: str, spec: dict) -> str:
    """Element ids named after the spec: vl-convert counts gradients per process (gradient_0, gradient_1, ...), so
    the same chart would differ from run to run and two kept maps inlined in one page would share an id."""
    names = list(dict.fromkeys(SVG_ID.findall(svg)))
    if not names:
        return svg
    prefix = "c" + hashlib.sha256(_canonical(spec).encode("utf-8")).hexdigest()[:12]
    renamed = {name: f"{prefix}-{index}" for index, name in enumerate(names)}
    pattern = re.compile(r'(id="|url\(#|href="#)(' + "|".join(re.escape(name) for name in names) + r')(?=[")])')
    return pattern.sub(lambda match: match.group(1) + renamed[match.group(2)], svg)


def render_svg(spec: dict) -> str:
    """Render a Vega-Lite spec to an SVG string (vl-convert, no browser); the same spec gives the same bytes."""
    import vl_convert as vlc

    return _own_ids(vlc.vegalite_to_svg(json.dumps(spec)), spec)


def spec_key(release_id: str, spec: dict) -> str:
    """sha256 of the release, the renderer and the spec written canonically (sorted keys, no spaces)."""
    digest = hashlib.sha256()
    for part in (release_id, renderer_version(), _canonical(spec)):
        digest.update(part.encode("utf-8"))
        digest.update(b"\0")
    return digest.hexdigest()


@dataclass(frozen=True)
class ChartCache:
    """SVGs of one release's charts, kept as publications/<release>/charts/<sha256>.svg (written atomically)."""

    folder: Path
    release_id: str

    @classmethod
    def for_release(cls, settings: Settings, release_id: str) -> ChartCache:
        """The chart folder next to the release's publication series folders (the release id is checked there)."""
        return cls(release_folder(settings, release_id, "MP").parent / CHARTS_FOLDER, release_id)

    def path(self, spec: dict) -> Path:
        """Where the SVG of a spec is kept."""
        return self.folder / f"{spec_key(self.release_id, spec)}.svg"

    def svg(self, spec: dict) -> str:
        """The kept SVG of the spec, or render it now and keep it (the same bytes are returned either way)."""
        path = self.path(spec)
        kept = self._read(path)
        if kept is not None:
            return kept
        svg = render_svg(spec)
        self._keep(path, svg)
        return svg

    def _keep(self, path: Path, svg: str) -> None:
        """Write atomically (readers never see half a file; two writers write the same bytes); a full or read-only
        disk costs the next render time, never this publication."""
        temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            temporary.write_bytes(svg.encode("utf-8"))
            os.replace(temporary, path)
        except OSError:
            with contextlib.suppress(OSError):
                temporary.unlink(missing_ok=True)

    @staticmethod
    def _read(path: Path) -> str | None:
        """A kept SVG, or None when absent, too large, not UTF-8 or not an SVG (it is then rendered again)."""
        if not KEY.fullmatch(path.stem) or path.is_symlink() or not path.is_file():
            return None
        if path.stat().st_size > MAX_SVG_BYTES:
            return None
        try:
            text = path.read_bytes().decode("utf-8")
        except UnicodeDecodeError:
            return None
        return text if text.startswith("<svg") and text.rstrip().endswith("</svg>") else None
