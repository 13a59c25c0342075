# Shared start of the bench/*.sh scripts: Debian packages installed when a command is missing, and
# the project's Python. Source it from the repository root.
PATH="$PATH:/usr/sbin:/sbin"

need_packages() {  # need_packages "CHECK COMMAND" PACKAGE...: install the packages unless CHECK succeeds
    check="$1"; shift
    if ! sh -c "$check" >/dev/null 2>&1; then
        SUDO=""
        [ "$(id -u)" -eq 0 ] || SUDO="sudo"
        $SUDO apt-get install -y "$@" || { $SUDO apt-get update && $SUDO apt-get install -y "$@"; }
    fi
}

PYTHON=.venv/bin/python
[ -x "$PYTHON" ] || PYTHON=python3
