#!/usr/bin/env bash
# The README's local test host: one throwaway Debian host "netreq-demo" with firewalld,
# ufw and nftables installed and only nftables active, plus the server namespace
# (198.51.100.100 / 203.0.113.100) to send real packets to.
#
# Usage:
#   demo_host.sh up [--inventory FILE]   build or reuse the host; print its inventory line
#                                        (and write it, with a group, to FILE)
#   demo_host.sh status                  the inventory line if it runs (exit 0), else exit 3
#   demo_host.sh pid                     its current PID 1 (used by the inventory line)
#   demo_host.sh down                    power it off and discard it
#
# The inventory line reaches the host with the community.docker.nsenter connection:
#   netreq-demo ansible_connection=community.docker.nsenter ansible_nsenter_pid="{{ lookup(
#     'ansible.builtin.pipe', '.../demo_host.sh pid') }}" ...
# The PID is resolved at connection time and checked against the start time recorded at
# boot, so a line kept from an earlier boot fails instead of entering another process.
# Needs root (network namespaces, mounts, systemd-nspawn). This machine's own firewall
# and network are never changed: the host lives in its own network namespace (nrq-demo).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
# shellcheck source=tests/testhost/lib.sh
source "$HERE/lib.sh"

HOST=demo
INVENTORY_NAME=netreq-demo

# The PID is looked up when Ansible connects (`demo_host.sh pid`), never written down: a
# stale PID from an earlier boot could name an unrelated process of this machine by now.
inventory_line() {
    printf '%s ansible_connection=community.docker.nsenter ansible_nsenter_pid="{{ lookup('"'"'ansible.builtin.pipe'"'"', '"'"'%s pid'"'"') }}" ansible_python_interpreter=/usr/bin/python3 netreq_testhost_netns=%s%s\n' \
        "$INVENTORY_NAME" "$HERE/demo_host.sh" "$NRQ_PREFIX" "$HOST"
}

running_pid() {
    local h id
    h="$(nrq_host_dir "$HOST")"
    id="$(cat "$h/leader.id" 2>/dev/null || true)"
    nrq_proc_alive "$id" && nrq_netns_exists "$NRQ_PREFIX$HOST" || return 1
    # ... and it still lives in the host's network namespace
    [ "$(readlink "/proc/${id%%:*}/ns/net")" = "net:[$(stat -L -c %i "/run/netns/$NRQ_PREFIX$HOST")]" ] || return 1
    echo "${id%%:*}"
}

case "${1:-}" in
up)
    inventory=""
    if [ "${2:-}" = --inventory ]; then
        inventory="${3:?--inventory needs a file}"
    elif [ -n "${2:-}" ]; then
        nrq_die "usage: demo_host.sh up [--inventory FILE]"
    fi
    nrq_require_root
    "$HERE/servers_up.sh" >&2
    json="$("$HERE/host_up.sh" "$HOST" --enable nftables)"
    pid="$(sed -E 's/.*"pid": ([0-9]+).*/\1/' <<<"$json")"
    [[ "$pid" =~ ^[0-9]+$ ]] || nrq_die "unexpected output of host_up.sh: $json"
    # The server listeners must run while the host does (servers_up.sh is idempotent).
    line="$(inventory_line)"
    if [ -n "$inventory" ]; then
        printf '[netreq_demo]\n%s\n' "$line" >"$inventory"
        nrq_log "inventory written to $inventory"
    fi
    printf '%s\n' "$line"
    ;;
status)
    if running_pid >/dev/null; then
        inventory_line
    else
        nrq_log "$INVENTORY_NAME is not running (start it with: $HERE/demo_host.sh up)"
        exit 3
    fi
    ;;
pid)
    running_pid || nrq_die "$INVENTORY_NAME is not running (start it with: $HERE/demo_host.sh up)"
    ;;
down)
    nrq_require_root
    "$HERE/host_down.sh" "$HOST"
    ;;
*)
    nrq_die "usage: demo_host.sh up [--inventory FILE] | status | pid | down"
    ;;
esac
