#!/usr/bin/env bash
# Debian's Jekyll, to check that GitHub Pages' default Jekyll step publishes a built site whole.
set -euo pipefail
if command -v jekyll >/dev/null 2>&1; then
    exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "install_jekyll.sh: Jekyll is missing; run as root or: sudo apt-get install jekyll" >&2
    exit 1
fi
echo "installing Debian jekyll for the GitHub Pages test"
apt-get update -qq
apt-get install -y -qq --no-install-recommends jekyll >/dev/null
