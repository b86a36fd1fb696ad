#!/usr/bin/env bash
# Create .venv and install every transship distribution (editable) plus the test tools.
# Not the example rule pack (plugins/rules-example): it is a template to copy, and installed it would add its
# issues to every report. The tests register it themselves (tests/example_pack.py); its source directory is
# put on the venv's path (a .pth file) only so that the tests and import-linter can import it, which never
# makes it a plugin: transship loads plugins from installed distributions' entry points.
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
EXAMPLE_PACK=plugins/rules-example
# the test tools (selenium drives Debian's chromium in tests/core/test_html_reports.py; no browser download)
tools=(pytest pytest-xdist ruff mypy types-PyYAML import-linter selenium)
stamp=$( (cat core/pyproject.toml adapters-*/pyproject.toml plugins/*/pyproject.toml; echo "without $EXAMPLE_PACK (source .pth 2) ${tools[*]}") | sha1sum | cut -c1-40)
if [ -f .venv/.transship-installed ] && [ "$(cat .venv/.transship-installed)" = "$stamp" ] && .venv/bin/transship --version >/dev/null 2>&1 && [ -x .venv/bin/lint-imports ]; then
  exit 0  # already installed from these project files
fi
pkgs=(-e ./core -e ./adapters-postgres -e ./adapters-mysql -e ./adapters-oracle)
for d in plugins/*/; do [ -f "$d/pyproject.toml" ] && [ "${d%/}" != "$EXAMPLE_PACK" ] && pkgs+=(-e "./$d"); done
.venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip >/dev/null 2>&1 || true
log=$(mktemp)
if ! .venv/bin/python -m pip install -q --disable-pip-version-check "${pkgs[@]}" "${tools[@]}" >"$log" 2>&1; then
  cat "$log" >&2; rm -f "$log"
  echo "ERROR: installing transship into .venv failed (pip output above); fix: check network access to PyPI and re-run" >&2; exit 1
fi
rm -f "$log"
# a venv made by an older install.sh has the example pack installed: remove it
if .venv/bin/python -m pip show -q transship-rules-example >/dev/null 2>&1; then
  .venv/bin/python -m pip uninstall -q -y --disable-pip-version-check transship-rules-example >/dev/null
fi
rm -rf "$EXAMPLE_PACK"/src/*.egg-info  # its metadata, left by such an install, would make it a plugin again
site=$(.venv/bin/python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
rm -f "$site/transship-example-pack-source.pth"  # its earlier name
# named like the pack's distribution, so tests that hide the rule packs (transship_rules*) hide it too
echo "$PWD/$EXAMPLE_PACK/src" > "$site/transship_rules_example-source.pth"
.venv/bin/transship --version >/dev/null
echo "$stamp" > .venv/.transship-installed
