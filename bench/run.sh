#!/bin/sh
# Benchmark the gateway against nginx and a minimal aiohttp proxy; options: see `bench/run.sh --help`.
set -eu
cd "$(dirname "$0")/.."
PATH="$PATH:/usr/sbin:/sbin"
if ! command -v wrk >/dev/null || ! command -v nginx >/dev/null; then
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO apt-get install -y wrk nginx || { $SUDO apt-get update && $SUDO apt-get install -y wrk nginx; }
fi
PYTHON=.venv/bin/python
[ -x "$PYTHON" ] || PYTHON=python3
exec "$PYTHON" bench/bench.py "$@"
