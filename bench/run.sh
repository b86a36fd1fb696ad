#!/usr/bin/env bash
# One command for the benchmark: install transship, start PostgreSQL and MariaDB, then run bench/run.py.
#   bash bench/run.sh [--quick | --generate | --workload-dir DIR] [--install-peers] [--tools LIST] [--jobs N]
# See bench/README.md.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
bash scripts/services.sh
exec .venv/bin/python bench/run.py "$@"
