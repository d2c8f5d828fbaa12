#!/usr/bin/env bash
# A DHCP and DHCPv6 server for the test hosts: dnsmasq in the server namespace nrq-srv,
# short leases, router advertisements that send the hosts to DHCPv6.
#
# Usage: dhcp_server.sh up | down | leases
#   up      install dnsmasq-base if missing (download first, then install in an empty network
#           namespace with a policy-rc.d guard: nothing starts on this machine), then start
#           dnsmasq in nrq-srv (the servers must be up: servers_up.sh). Idempotent.
#           DHCPv4: 198.51.100.200-250, DHCPv6: 2001:db8:198:51::c8-fa, leases of 2 minutes
#           (dnsmasq's shortest), no DNS service (port 0).
#   down    stop it (by its recorded PID, command line checked)
#   leases  print dnsmasq's lease file
# Files: $NETREQ_LAB/run/dhcp.pid, dhcp.leases, dhcp.log.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
# shellcheck source=tests/testhost/lib.sh
source "$HERE/lib.sh"

PIDFILE="$NRQ_RUN_DIR/dhcp.pid"
LEASES="$NRQ_RUN_DIR/dhcp.leases"
PATTERN="dnsmasq .*--dhcp-leasefile=$LEASES"

running() {
    [ -s "$PIDFILE" ] && nrq_pid_matches "$(cat "$PIDFILE")" "$PATTERN"
}

case "${1:-}" in
up)
    nrq_require_root
    NRQ_HOST_PACKAGES="dnsmasq-base:dnsmasq" nrq_ensure_host_packages
    nrq_netns_exists "$NRQ_SERVER" || nrq_die "$NRQ_SERVER does not exist: run servers_up.sh first"
    if running; then
        echo "dhcp server already running in $NRQ_SERVER"
        exit 0
    fi
    mkdir -p "$NRQ_RUN_DIR"
    : >"$LEASES"
    # Root keeps dnsmasq's files in the harness directory; no configuration file of this machine is read.
    ip netns exec "$NRQ_SERVER" setsid dnsmasq --keep-in-foreground --conf-file=/dev/null --port=0 \
        --interface=eth0 --bind-interfaces --user=root --group=root \
        --dhcp-range="$NRQ_NET_A.200,$NRQ_NET_A.250,255.255.255.0,2m" \
        --dhcp-range="$NRQ_NET6::c8,$NRQ_NET6::fa,64,2m" --enable-ra --dhcp-authoritative \
        --dhcp-leasefile="$LEASES" --log-dhcp --log-facility="$NRQ_RUN_DIR/dhcp.log" \
        </dev/null >"$NRQ_RUN_DIR/dhcp.out" 2>&1 9>&- &
    echo $! >"$PIDFILE"
    for _ in $(seq 1 50); do
        running && ip netns exec "$NRQ_SERVER" ss -uln 2>/dev/null | grep -q ':67 ' && break
        sleep 0.1
    done
    running || nrq_die "dnsmasq did not start: $(tail -5 "$NRQ_RUN_DIR/dhcp.out" 2>/dev/null)"
    echo "dhcp server running in $NRQ_SERVER (pid $(cat "$PIDFILE"))"
    ;;
down)
    nrq_require_root
    if running; then
        nrq_killpid "$(cat "$PIDFILE")" "$PATTERN"
    fi
    rm -f "$PIDFILE"
    ;;
leases)
    cat "$LEASES" 2>/dev/null || true
    ;;
*)
    nrq_die "usage: dhcp_server.sh up | down | leases"
    ;;
esac
