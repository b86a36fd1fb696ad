#!/usr/bin/env bash
# README command (b): install everything, start the databases, run the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
bash scripts/services.sh
.venv/bin/ruff check .
exec .venv/bin/python -m pytest -n "${TEST_JOBS:-2}" "$@"
