#!/usr/bin/env bash
# Install Debian's chromium and chromium-driver when missing: tests/core/test_html_reports.py renders the HTML
# reports in headless Chromium. Quiet and idempotent; without root (or sudo) and apt-get it only says so, and
# that test skips.
set -euo pipefail

[ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ] && exit 0
if ! command -v apt-get >/dev/null; then
  echo "NOTE: no apt-get to install chromium; the HTML report test will skip" >&2; exit 0
fi
if [ "$(id -u)" = 0 ]; then as_root=(); elif sudo -n true 2>/dev/null; then as_root=(sudo); else
  echo "NOTE: no root to install chromium; the HTML report test will skip" >&2; exit 0
fi
echo "installing Chromium (Debian packages)..."
if ! { "${as_root[@]}" apt-get update -qq && "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -qq --no-install-recommends chromium chromium-driver fonts-liberation >/dev/null; }; then
  echo "WARNING: installing chromium failed; the HTML report test fails until it is installed" >&2
fi
