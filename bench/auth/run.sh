#!/bin/sh
# Benchmark the gateway's authentication against Apache 2.4 + mod_auth_openidc; see --help.
set -eu
cd "$(dirname "$0")/../.."
. bench/lib.sh
need_packages "command -v wrk && command -v nginx && command -v apache2 && test -f /usr/lib/apache2/modules/mod_auth_openidc.so" \
    wrk nginx apache2 libapache2-mod-auth-openidc
command -v node >/dev/null || { echo "node (20+) with npm is needed for the OpenID provider" >&2; exit 1; }
exec "$PYTHON" bench/auth/auth_bench.py "$@"
