#!/usr/bin/env bash
# Set up, build a warehouse release from the sources (mirror or download), fill the evidence library from the mirror's
# research corpora, then serve the portal on 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")"
bash scripts/setup.sh
if [ -z "${OBSERVATORY_MIRROR:-}" ]; then
  .venv/bin/observatory fetch
fi
.venv/bin/observatory build
# The evidence library (/gaps, /findings, search) must not be empty: its records and rule labels are imported now
# (some 20 s of CPU; skipped when the store already holds the corpora as they are), while the MiniLM embeddings
# (minutes of CPU on two cores) are computed in the background once the portal serves, refining semantic search and
# theme labels as they land. The corpora exist only in the mirror.
if [ -n "${OBSERVATORY_MIRROR:-}" ]; then
  .venv/bin/observatory evidence import --mirror --if-stale --no-embed
  log="${OBSERVATORY_HOME:-var}/evidence-embed.log"
  mkdir -p "$(dirname "$log")"
  nohup nice -n 10 .venv/bin/observatory evidence embed > "$log" 2>&1 &
fi
if .venv/bin/observatory serve --help >/dev/null 2>&1; then
  exec .venv/bin/observatory serve
fi
