#!/bin/sh
# Benchmark the gateway against nginx and a minimal aiohttp proxy; options: see `bench/run.sh --help`.
set -eu
cd "$(dirname "$0")/.."
. bench/lib.sh
need_packages "command -v wrk && command -v nginx" wrk nginx
exec "$PYTHON" bench/bench.py "$@"
