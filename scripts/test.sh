#!/usr/bin/env bash
# README command (b): install everything, start the databases, run the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
bash scripts/services.sh
bash scripts/browser.sh
.venv/bin/ruff check .
.venv/bin/ruff format --check . >/dev/null || { .venv/bin/ruff format --check .; echo "ERROR: files are not ruff-formatted; fix: .venv/bin/ruff format ." >&2; exit 1; }
.venv/bin/mypy core/src adapters-*/src plugins/*/src
.venv/bin/lint-imports --no-cache >/dev/null || { .venv/bin/lint-imports --no-cache; echo "ERROR: an import crosses the SDK boundary (.importlinter); fix: import core from transship.sdk only" >&2; exit 1; }
exec .venv/bin/python -m pytest -n "${TEST_JOBS:-2}" "$@"
