#!/bin/sh
# Benchmark the gateway's authentication against Apache 2.4 + mod_auth_openidc; see --help.
set -eu
cd "$(dirname "$0")/../.."
PATH="$PATH:/usr/sbin:/sbin"
if ! command -v wrk >/dev/null || ! command -v nginx >/dev/null || ! command -v apache2 >/dev/null \
    || [ ! -f /usr/lib/apache2/modules/mod_auth_openidc.so ]; then
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    PACKAGES="wrk nginx apache2 libapache2-mod-auth-openidc"
    $SUDO apt-get install -y $PACKAGES || { $SUDO apt-get update && $SUDO apt-get install -y $PACKAGES; }
fi
command -v node >/dev/null || { echo "node (20+) with npm is needed for the OpenID provider" >&2; exit 1; }
PYTHON=.venv/bin/python
[ -x "$PYTHON" ] || PYTHON=python3
exec "$PYTHON" bench/auth/auth_bench.py "$@"
