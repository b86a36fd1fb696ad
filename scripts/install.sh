#!/usr/bin/env bash
# Create .venv and install every transship distribution (editable) plus the test tools.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if ! "$PY" -c 'import sys; assert sys.version_info >= (3, 11)' 2>/dev/null; then
  echo "ERROR: transship needs Python 3.11 or newer ($PY is older or missing); fix: install python3.11+ and set PYTHON=" >&2; exit 1
fi
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv 2>/dev/null || { echo "installing python3-venv..."; if [ "$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq python3-venv >/dev/null; else sudo apt-get install -y -qq python3-venv >/dev/null; fi; "$PY" -m venv .venv; }
fi
shopt -s nullglob
# the test tools (selenium drives Debian's chromium in tests/core/test_html_reports.py; no browser download)
tools=(pytest pytest-xdist ruff mypy types-PyYAML import-linter selenium)
stamp=$( (cat core/pyproject.toml adapters-*/pyproject.toml plugins/*/pyproject.toml; echo "${tools[*]}") | sha1sum | cut -c1-40)
if [ -f .venv/.transship-installed ] && [ "$(cat .venv/.transship-installed)" = "$stamp" ] && .venv/bin/transship --version >/dev/null 2>&1 && [ -x .venv/bin/lint-imports ]; then
  exit 0  # already installed from these project files
fi
pkgs=(-e ./core -e ./adapters-postgres -e ./adapters-mysql -e ./adapters-oracle)
for d in plugins/*/; do [ -f "$d/pyproject.toml" ] && pkgs+=(-e "./$d"); done
.venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip >/dev/null 2>&1 || true
log=$(mktemp)
if ! .venv/bin/python -m pip install -q --disable-pip-version-check "${pkgs[@]}" "${tools[@]}" >"$log" 2>&1; then
  cat "$log" >&2; rm -f "$log"
  echo "ERROR: installing transship into .venv failed (pip output above); fix: check network access to PyPI and re-run" >&2; exit 1
fi
rm -f "$log"
.venv/bin/transship --version >/dev/null
echo "$stamp" > .venv/.transship-installed
