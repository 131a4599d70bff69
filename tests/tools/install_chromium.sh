#!/usr/bin/env bash
# Debian's Chromium for the browser tests; Playwright drives it (no browser download).
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then
    exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "install_chromium.sh: Chromium is missing; run as root or: sudo apt-get install chromium" >&2
    exit 1
fi
echo "installing Debian chromium for the browser tests"
apt-get update -qq
apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
