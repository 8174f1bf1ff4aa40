"""Chart SVGs rendered once per release: one file per chart spec in the release's publication folder."""

from __future__ import annotations

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
MAX_SVG_BYTES = 8 * 1024 * 1024  # a chart of this observatory is well under 1 MB; a bigger file is not ours


@lru_cache(maxsize=1)
def renderer_version() -> str:
    """The installed vl-convert (the spec's $schema names Vega-Lite): a new renderer draws new charts."""
    return f"vl-convert-python {version('vl-convert-python')}"


def render_svg(spec: dict) -> str:
    """Render a Vega-Lite spec to an SVG string (vl-convert, no browser)."""
    import vl_convert as vlc

    return vlc.vegalite_to_svg(json.dumps(spec))


def spec_key(release_id: str, spec: dict) -> str:
    """sha256 of the release, the renderer and the spec written canonically (sorted keys, no spaces)."""
    digest = hashlib.sha256()
    for part in (release_id, renderer_version(), json.dumps(spec, sort_keys=True, separators=(",", ":"))):
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
        temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            temporary.write_bytes(svg.encode("utf-8"))
            os.replace(temporary, path)  # readers never see half a file; two writers write the same bytes
        except OSError:
            pass  # a full or read-only disk costs the next render time, never this publication
        finally:
            temporary.unlink(missing_ok=True)
        return svg

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
