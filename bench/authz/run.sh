#!/bin/sh
# Benchmark PolicyEnforcementFilter on the AuthZEN interop route; options: see --help.
set -eu
cd "$(dirname "$0")/../.."
. bench/lib.sh
need_packages "command -v wrk && command -v nginx" wrk nginx
exec "$PYTHON" bench/authz/authz_bench.py "$@"
