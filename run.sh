#!/usr/bin/env bash
# Set up, build a warehouse release from the sources (mirror or download), then serve the portal on 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")"
bash scripts/setup.sh
if [ -z "${OBSERVATORY_MIRROR:-}" ]; then
  .venv/bin/observatory fetch
fi
.venv/bin/observatory build
if .venv/bin/observatory serve --help >/dev/null 2>&1; then
  exec .venv/bin/observatory serve
fi
