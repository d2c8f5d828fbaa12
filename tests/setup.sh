# shellcheck shell=bash
# Bootstrap the development environment of the netreq.firewall collection.
#
# Usage (from any directory):
#   source tests/setup.sh     # set up, then PATH/ANSIBLE_COLLECTIONS_PATH in this shell
#   bash tests/setup.sh       # set up, then print the export lines to eval
#
# Idempotent; each step does work only when something is missing or changed:
#   1. a Python 3.11 interpreter with a working venv module (apt-get installs
#      python3-venv on Debian when it is missing; apt-get update only if apt
#      does not know the package yet),
#   2. the virtual environment $REPO/.venv,
#   3. pip install -r tests/requirements.txt, repeated only when that file
#      changed since the last successful install (stamp inside .venv),
#   4. the link $REPO/.build/collections/ansible_collections/netreq/firewall -> $REPO
#      (the same one tests/conftest.py creates), so Ansible finds this checkout
#      as the collection netreq.firewall.
# It starts no services and changes nothing outside the repository except
# installing an apt package when the venv module is missing.
#
# Environment: NETREQ_PYTHON forces the interpreter used to create the venv.

_netreq_log() {
    printf 'setup: %s\n' "$*" >&2
}

# Succeeds when "$1" is a Python 3.11 to 3.13 that can create virtual
# environments with pip (Debian splits ensurepip into python3-venv).
_netreq_python_ok() {
    "$1" - <<'PY' >/dev/null 2>&1
import sys
import ensurepip  # noqa: F401  (missing on Debian without python3-venv)
import venv  # noqa: F401
sys.exit(0 if (3, 11) <= sys.version_info[:2] <= (3, 13) else 1)
PY
}

_netreq_python_version_ok() {
    "$1" -c 'import sys; sys.exit(0 if (3, 11) <= sys.version_info[:2] <= (3, 13) else 1)' >/dev/null 2>&1
}

# Print the interpreter to build the venv with, installing the venv module
# through apt when the only Python lacks it.
_netreq_find_python() {
    local candidate
    local -a candidates=()
    if [ -n "${NETREQ_PYTHON:-}" ]; then
        candidates=("$NETREQ_PYTHON")
    else
        candidates=(python3.11 python3 /usr/bin/python3.11 /usr/bin/python3)
    fi
    for candidate in "${candidates[@]}"; do
        if command -v "$candidate" >/dev/null 2>&1 && _netreq_python_ok "$candidate"; then
            command -v "$candidate"
            return 0
        fi
    done
    # A suitable Python without its venv module: Debian's python3-venv provides it.
    for candidate in "${candidates[@]}"; do
        if command -v "$candidate" >/dev/null 2>&1 && _netreq_python_version_ok "$candidate"; then
            _netreq_apt_install python3-venv || return 1
            if _netreq_python_ok "$candidate"; then
                command -v "$candidate"
                return 0
            fi
        fi
    done
    _netreq_log "no Python 3.11-3.13 with a working venv module found (tried: ${candidates[*]})"
    return 1
}

# Output goes to stderr: callers capture stdout.
_netreq_apt_install() {
    if ! command -v apt-get >/dev/null 2>&1; then
        _netreq_log "cannot install $* automatically (no apt-get); install it with your package manager"
        return 1
    fi
    if [ "$(id -u)" != 0 ]; then
        _netreq_log "installing $* needs root: run 'apt-get install $*' as root, then retry"
        return 1
    fi
    # Refresh the package lists only when apt does not know a candidate yet.
    if ! apt-cache policy "$@" 2>/dev/null | grep -q 'Candidate: [^(]'; then
        _netreq_log "apt-get update"
        DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2 || return 1
    fi
    _netreq_log "apt-get install $*"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >&2 || return 1
}

_netreq_hash() {
    sha256sum "$1" | cut -d' ' -f1
}

_netreq_setup() {
    local repo venv python req stamp want have link target
    repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)" || return 1
    venv="$repo/.venv"
    req="$repo/tests/requirements.txt"
    stamp="$venv/.netreq-requirements.sha256"

    # 1 + 2: the virtual environment, recreated only when it cannot run.
    if ! "$venv/bin/python" -c 'import sys' >/dev/null 2>&1; then
        python="$(_netreq_find_python)" || return 1
        if [ -e "$venv" ]; then
            _netreq_log "removing unusable $venv"
            rm -rf "$venv" || return 1
        fi
        _netreq_log "creating $venv with $python"
        "$python" -m venv "$venv" || return 1
    fi
    if ! _netreq_python_version_ok "$venv/bin/python"; then
        _netreq_log "$venv does not use Python 3.11-3.13; remove it and run this script again"
        return 1
    fi

    # 3: the pinned tools, installed again only when the pins changed.
    want="$(_netreq_hash "$req")" || return 1
    have="$(cat "$stamp" 2>/dev/null || true)"
    if [ "$want" != "$have" ]; then
        _netreq_log "pip install -r tests/requirements.txt"
        "$venv/bin/python" -m pip install --disable-pip-version-check -q -r "$req" || return 1
        printf '%s\n' "$want" > "$stamp" || return 1
    fi

    # 4: the collection path (same layout as tests/conftest.py).
    link="$repo/.build/collections/ansible_collections/netreq/firewall"
    target="$(readlink "$link" 2>/dev/null || true)"
    if [ "$target" != "$repo" ]; then
        mkdir -p "$(dirname "$link")" || return 1
        if [ -e "$link" ] && [ ! -L "$link" ]; then
            _netreq_log "$link exists and is not a symlink; remove it and run this script again"
            return 1
        fi
        ln -sfn "$repo" "$link" || return 1
    fi

    NETREQ_REPO="$repo"
    return 0
}

_netreq_exports() {
    local repo="$1"
    case ":$PATH:" in
        *":$repo/.venv/bin:"*) ;;
        *) PATH="$repo/.venv/bin:$PATH" ;;
    esac
    export PATH
    export VIRTUAL_ENV="$repo/.venv"
    export ANSIBLE_COLLECTIONS_PATH="$repo/.build/collections"
    export NETREQ_REPO="$repo"
}

if [ "${BASH_SOURCE[0]}" != "$0" ]; then
    # Sourced: set up, then export into the calling shell.
    if _netreq_setup; then
        _netreq_exports "$NETREQ_REPO"
    else
        _netreq_log "FAILED"
        return 1
    fi
else
    # Executed: set up, then print the exports for eval "$(bash tests/setup.sh)".
    set -u
    _netreq_setup || { _netreq_log "FAILED"; exit 1; }
    printf 'export PATH=%q\n' "$NETREQ_REPO/.venv/bin:$PATH"
    printf 'export VIRTUAL_ENV=%q\n' "$NETREQ_REPO/.venv"
    printf 'export ANSIBLE_COLLECTIONS_PATH=%q\n' "$NETREQ_REPO/.build/collections"
    printf 'export NETREQ_REPO=%q\n' "$NETREQ_REPO"
fi
