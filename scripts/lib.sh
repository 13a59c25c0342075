# Shared set-up steps for scripts/demo and scripts/test: install only what is missing.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
PYTHON="${PYTHON:-python3}"

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

apt_updated=0
apt_install() {
  # Debian packages, installed only when a command they provide is missing.
  if [ "$apt_updated" = 0 ]; then
    as_root apt-get update -qq
    apt_updated=1
  fi
  # Another install may hold the dpkg lock for a while: wait for it rather than fail.
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq -o DPkg::Lock::Timeout=600 "$@" >/dev/null
}

need_command() {  # need_command COMMAND PACKAGE...
  local cmd="$1"; shift
  command -v "$cmd" >/dev/null 2>&1 || apt_install "$@"
}

ensure_python() {
  need_command "$PYTHON" python3
  if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
    echo "Python 3.11 or newer is needed (found $("$PYTHON" --version))" >&2
    exit 1
  fi
  "$PYTHON" -m venv --help >/dev/null 2>&1 || apt_install python3-venv
  "$PYTHON" -c 'import ensurepip' >/dev/null 2>&1 || apt_install python3-venv
}

ensure_venv() {  # ensure_venv LOCK: requirements/LOCK.txt pins every package exactly
  local lock="$ROOT/requirements/${1:-runtime}.txt"
  local stamp="$VENV/.installed-${1:-runtime}"
  ensure_python
  if [ ! -x "$VENV/bin/python" ]; then
    "$PYTHON" -m venv "$VENV"
  fi
  if [ ! -f "$stamp" ] || [ "$ROOT/pyproject.toml" -nt "$stamp" ] || [ "$lock" -nt "$stamp" ]; then
    # The lock file, not the ranges in pyproject.toml, decides what is installed: a new release
    # of a dependency never changes what these commands do until the lock is refreshed.
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check -r "$lock"
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check --no-deps -e "$ROOT"
    touch "$stamp"
  fi
}

ensure_node_idp() {
  # The demo and test OpenID provider (npm oidc-provider) runs on node.
  need_command node nodejs
  need_command npm npm
  if [ -f "$ROOT/idp/package.json" ] && [ ! -d "$ROOT/idp/node_modules/oidc-provider" ]; then
    (cd "$ROOT/idp" && npm ci --no-audit --no-fund --loglevel=error)
  fi
}

ensure_nginx() {
  # The balancer in front of several gateway instances in the scale-out tests (Debian puts it in /usr/sbin).
  command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || apt_install nginx
}

ensure_chromium() {
  # The browser tests drive Debian's Chromium through Playwright (never `playwright install`).
  [ -x /usr/bin/chromium ] || apt_install chromium fonts-liberation
}

ensure_cerbos() {
  # The Cerbos PDP (npm @cerbos/cerbos-linux-x64): a third-party AuthZEN PDP for the authorization tests.
  if [ "$(uname -s)-$(uname -m)" != "Linux-x86_64" ]; then
    return 0
  fi
  need_command npm npm
  if [ ! -x "$ROOT/cerbos/node_modules/@cerbos/cerbos-linux-x64/cerbos-linux-x64" ]; then
    npm ci --prefix "$ROOT/cerbos" --no-audit --no-fund --loglevel=error
  fi
}
