#!/usr/bin/env bash
# Set up and run the whole test suite; fails when no test ran (pytest exit 5).
set -euo pipefail
cd "$(dirname "$0")"
bash scripts/setup.sh test
bash scripts/system_packages.sh
bash scripts/lint.sh  # ruff (lint and format) and mypy: the same checks as before each commit
status=0
# Two workers (pytest-xdist, whole files per worker): the machines this runs on have two cores; a later -n in "$@"
# overrides it (-n 0 runs in one process).
.venv/bin/python -m pytest -n "${OBSERVATORY_TEST_WORKERS:-2}" "$@" || status=$?
if [ "$status" -eq 5 ]; then
  echo "error: no tests ran" >&2
  exit 1
fi
exit "$status"
