#!/bin/sh
# System packages the runner needs and pip cannot give: redis-server (Debian package), and
# with --test what the tests also use: chromium (to look at the HTML report).
# Installs only what is missing; uses sudo when not root.
set -eu
missing=""
command -v redis-server >/dev/null 2>&1 || missing="$missing redis-server"
command -v go >/dev/null 2>&1 || missing="$missing golang-go"
if [ "${1:-}" = "--test" ]; then
    command -v chromium >/dev/null 2>&1 || missing="$missing chromium"
fi
[ -z "$missing" ] && exit 0
if ! command -v apt-get >/dev/null 2>&1; then
    echo "install-system-deps: missing:$missing (no apt-get here; install them yourself)" >&2
    exit 1
fi
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "install-system-deps: installing$missing" >&2
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq $missing >/dev/null
