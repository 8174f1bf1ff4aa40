#!/usr/bin/env bash
# Lint, format check and type check, run before each commit (the same versions as CI: pyproject [test] extra).
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/ruff check src tests bench scripts
.venv/bin/ruff format --check src tests bench scripts
.venv/bin/mypy src/observatory
