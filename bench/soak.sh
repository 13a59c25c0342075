#!/bin/sh
# Soak the gateway for 20 minutes at half capacity with login churn; options: see `bench/soak.sh --help`.
set -eu
cd "$(dirname "$0")/.."
. bench/lib.sh
need_packages "command -v wrk && command -v nginx" wrk nginx
command -v node >/dev/null || { echo "node (20+) with npm is needed for the OpenID provider" >&2; exit 1; }
exec "$PYTHON" bench/soak.py "$@"
