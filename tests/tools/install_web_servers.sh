#!/usr/bin/env bash
# Debian's nginx and Caddy, to serve a built site with the shipped deploy/ recipes
# (tests/test_deploy_servers.py starts them as plain processes on 127.0.0.1: no service, no root).
set -euo pipefail
missing=()
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing+=(nginx)
command -v caddy >/dev/null 2>&1 || missing+=(caddy)
if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "install_web_servers.sh: ${missing[*]} missing; run as root or: sudo apt-get install ${missing[*]}" >&2
    exit 1
fi
echo "installing Debian ${missing[*]} for the deploy recipe tests"
apt-get update -qq
# The tests never use the packaged services (the package may start them on port 80).
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
