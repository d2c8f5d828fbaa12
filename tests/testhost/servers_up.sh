#!/usr/bin/env bash
# Start the server namespace nrq-srv (198.51.100.100, 203.0.113.100, 2001:db8:198:51::100,
# 2001:db8:203:113::100)
# with socat listeners that the verify steps probe with real packets:
#   TCP 443 4138 8443 9999: accept the connection, write one line, close
#   UDP 123 5353 9999:      echo every datagram back to its sender
# The listeners are dual stack and bound to every address of nrq-srv, so both
# addresses answer. Idempotent: running listeners are kept (and the addresses completed).
# PIDs are recorded in $NETREQ_LAB/run/servers.pids (servers_down.sh kills by PID).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
# shellcheck source=tests/testhost/lib.sh
source "$HERE/lib.sh"
nrq_require_root
nrq_ensure_host_packages
nrq_lock

if nrq_servers_running && [ -n "$(nrq_netns_octet "$NRQ_SERVER")" ]; then
    nrq_node_addresses "$NRQ_SERVER" "$NRQ_SERVER_OCTET"
    echo "servers already running in $NRQ_SERVER"
    exit 0
fi
nrq_servers_stop
nrq_node_up "$NRQ_SERVER" "$NRQ_SERVER_OCTET"
mkdir -p "$NRQ_RUN_DIR"
: >"$NRQ_RUN_DIR/servers.pids"

# start_listener ADDRESS-SPEC PATTERN: socat in nrq-srv, detached, output to a log file.
start_listener() {
    local spec=$1 action=$2 log
    log="$NRQ_RUN_DIR/socat-${spec%%,*}.log"
    log="${log//:/-}"
    # `ip netns exec` and setsid both exec, so $! is socat's own PID.
    setsid ip netns exec "$NRQ_SERVER" socat -T 2 "$spec" "$action" >"$log" 2>&1 </dev/null 9>&- &
    printf '%s ^socat -T 2 %s \n' "$!" "$spec" >>"$NRQ_RUN_DIR/servers.pids"
}
for port in $NRQ_SERVER_TCP_PORTS; do
    start_listener "TCP6-LISTEN:$port,ipv6only=0,reuseaddr,fork" "SYSTEM:echo netreq-srv"
done
for port in $NRQ_SERVER_UDP_PORTS; do
    start_listener "UDP6-RECVFROM:$port,ipv6only=0,fork" "EXEC:cat"
done

# Wait until every port listens (and every PID is the socat it should be).
want=$(( $(wc -w <<<"$NRQ_SERVER_TCP_PORTS") + $(wc -w <<<"$NRQ_SERVER_UDP_PORTS") ))
for _ in $(seq 1 50); do
    have=$(ip netns exec "$NRQ_SERVER" ss -H -lntu 2>/dev/null | wc -l)
    [ "$have" -ge "$want" ] && nrq_servers_running && break
    sleep 0.1
done
[ "$have" -ge "$want" ] || nrq_die "only $have of $want listeners came up in $NRQ_SERVER (logs: $NRQ_RUN_DIR/socat-*.log)"
echo "servers up in $NRQ_SERVER: $NRQ_NET_A.$NRQ_SERVER_OCTET $NRQ_NET_B.$NRQ_SERVER_OCTET $NRQ_NET6::$NRQ_SERVER_OCTET $NRQ_NET6_B::$NRQ_SERVER_OCTET tcp[$NRQ_SERVER_TCP_PORTS] udp[$NRQ_SERVER_UDP_PORTS]"
