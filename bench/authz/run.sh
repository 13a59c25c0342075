#!/bin/sh
# Benchmark PolicyEnforcementFilter on the AuthZEN interop route; options: see --help.
set -eu
cd "$(dirname "$0")/../.."
PATH="$PATH:/usr/sbin:/sbin"
if ! command -v wrk >/dev/null || ! command -v nginx >/dev/null; then
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO apt-get install -y wrk nginx || { $SUDO apt-get update && $SUDO apt-get install -y wrk nginx; }
fi
PYTHON=.venv/bin/python
[ -x "$PYTHON" ] || PYTHON=python3
exec "$PYTHON" bench/authz/authz_bench.py "$@"
