"""Maintainer tool: replace `"@sha:<path>"` placeholders in source.yml files with the sha256 of the mirror file."""

from __future__ import annotations

import re
import sys
from pathlib import Path

from observatory.sources.fetch import sha256_of

mirror = Path(sys.argv[1])
for spec in sorted(Path(__file__).resolve().parents[1].glob("src/observatory/sources/*/source.yml")):
    text = spec.read_text(encoding="utf-8")
    filled = re.sub(r'"@sha:([^"]+)"', lambda m: sha256_of(mirror / m.group(1)), text)
    if filled != text:
        spec.write_text(filled, encoding="utf-8")
        print(f"filled {spec.parent.name}")
