#!/bin/sh
# System packages the runner needs and pip cannot give: redis-server (and redis-cli) for every
# job, PostgreSQL for the quickstarts whose READMEs ask Docker for one (the `docker` shim runs
# Debian's server instead), Go to build daprd, placement and scheduler, slirp4netns (a job that
# names ports gets a network of its own, reaching out through it); and with --test what
# the tests also use: chromium (to look at the HTML report), docker.io (a real engine for
# the `--infra docker` tests), jq (the shipped workflows' scripts use it, and a test runs them).
# Installs only what is missing; uses sudo when not root.
set -eu
missing=""
command -v redis-server >/dev/null 2>&1 || missing="$missing redis-server"
command -v redis-cli >/dev/null 2>&1 || missing="$missing redis-tools"
command -v go >/dev/null 2>&1 || missing="$missing golang-go"
ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || missing="$missing postgresql"
command -v slirp4netns >/dev/null 2>&1 || missing="$missing slirp4netns"
if [ "${1:-}" = "--test" ]; then
    command -v chromium >/dev/null 2>&1 || missing="$missing chromium"
    command -v dockerd >/dev/null 2>&1 || missing="$missing docker.io"
    command -v jq >/dev/null 2>&1 || missing="$missing jq"
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
