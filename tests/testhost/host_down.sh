#!/usr/bin/env bash
# Power off test hosts started by host_up.sh and discard them (overlay, state, netns).
#
# Usage: host_down.sh [--keep-network] NAME...
#   Idempotent: a name with nothing left to remove is fine. Processes are signalled only
#   by recorded PID and start time, so a recycled PID is never hit. When the last test
#   host is gone, the servers and the switch namespace are removed too, unless
#   --keep-network is given (host_up.sh uses it to clear leftovers before a reboot).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
# shellcheck source=tests/testhost/lib.sh
source "$HERE/lib.sh"

KEEP_NETWORK=0
NAMES=()
for arg in "$@"; do
    case "$arg" in
        --keep-network) KEEP_NETWORK=1 ;;
        -*) nrq_die "unknown option $arg" ;;
        *) nrq_valid_name "$arg"; NAMES+=("$arg") ;;
    esac
done
[ "${#NAMES[@]}" -gt 0 ] || nrq_die "usage: host_down.sh [--keep-network] NAME..."
nrq_require_root

# wait_gone ID TENTHS: wait until the process is gone.
wait_gone() {
    local i
    for ((i = 0; i < $2; i++)); do
        nrq_proc_alive "$1" || return 0
        sleep 0.1
    done
    ! nrq_proc_alive "$1"
}

stop_nspawn() {
    local name=$1 h=$2 nspawn_id leader_id
    nspawn_id="$(cat "$h/nspawn.id" 2>/dev/null || true)"
    leader_id="$(cat "$h/leader.id" 2>/dev/null || true)"
    if nrq_proc_alive "$leader_id"; then
        # SIGRTMIN+4 asks systemd for a clean poweroff.
        kill -s RTMIN+4 "${leader_id%%:*}" 2>/dev/null || true
        wait_gone "$leader_id" 100 || true
    fi
    if nrq_proc_alive "$nspawn_id"; then
        kill -s TERM "${nspawn_id%%:*}" 2>/dev/null || true
        wait_gone "$nspawn_id" 50 || true
    fi
    # Last resort: killing the container's PID 1 ends its whole PID namespace.
    if nrq_proc_alive "$leader_id"; then
        kill -s KILL "${leader_id%%:*}" 2>/dev/null || true
        wait_gone "$leader_id" 50 || true
    fi
    if nrq_proc_alive "$nspawn_id"; then
        kill -s KILL "${nspawn_id%%:*}" 2>/dev/null || true
        wait_gone "$nspawn_id" 50 || true
    fi
    if mountpoint -q "$h/merged"; then
        umount "$h/merged" 2>/dev/null || umount --lazy "$h/merged"
    fi
    rm -rf "/run/systemd/nspawn/propagate/$NRQ_PREFIX$name" "/run/systemd/nspawn/unix-export/$NRQ_PREFIX$name"
    if [ -f "$h/nspawn.lock" ]; then
        rm -f "$(cat "$h/nspawn.lock")"
    fi
}

for name in "${NAMES[@]}"; do
    h="$(nrq_host_dir "$name")"
    backend="$(cat "$h/backend" 2>/dev/null || echo "$NRQ_BACKEND")"
    case "$backend" in
        podman)
            if command -v podman >/dev/null 2>&1 && podman container exists "$NRQ_PREFIX$name" 2>/dev/null; then
                podman rm -f -t 10 "$NRQ_PREFIX$name" >/dev/null
            fi
            ;;
        *) stop_nspawn "$name" "$h" ;;
    esac
    [ -d "$h/merged" ] && mountpoint -q "$h/merged" && nrq_die "$h/merged is still mounted"
    rm -rf "$h"
    nrq_lock
    nrq_node_down "$NRQ_PREFIX$name"
    [ "$KEEP_NETWORK" = 1 ] || nrq_network_gc
    flock -u 9
    echo "host $name down"
done
