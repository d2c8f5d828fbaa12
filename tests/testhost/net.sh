#!/usr/bin/env bash
# The harness's isolated network (normally driven by host_up.sh / servers_up.sh).
#
# Usage:
#   net.sh status              list the harness's namespaces and their addresses
#   net.sh up NAME [OCTET]     a bare node namespace nrq-NAME on the switch (no host booted),
#                              e.g. an extra peer for probes; prints its IPv4 address
#   net.sh down NAME...        remove node namespaces; with no test host left, the servers
#                              and the switch go too
# Only network namespaces are created: the switch nrq-sw holds the bridge, each node has
# one veth into it; no uplink, no default route, no NAT, nothing in the root namespace.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
# shellcheck source=tests/testhost/lib.sh
source "$HERE/lib.sh"

case "${1:-}" in
status)
    for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep "^$NRQ_PREFIX" | sort); do
        printf '%-16s %s\n' "$ns" "$(ip -n "$ns" -br addr show dev eth0 2>/dev/null | awk '{$1=$2=""; print}' | xargs)"
    done
    ;;
up)
    [ "$#" -ge 2 ] || nrq_die "usage: net.sh up NAME [OCTET]"
    nrq_require_root
    nrq_valid_name "$2"
    nrq_lock
    octet="${3:-$(nrq_netns_octet "$NRQ_PREFIX$2")}"
    octet="${octet:-$(nrq_free_octet)}"
    nrq_node_up "$NRQ_PREFIX$2" "$octet"
    echo "$NRQ_NET_A.$octet"
    ;;
down)
    [ "$#" -ge 2 ] || nrq_die "usage: net.sh down NAME..."
    nrq_require_root
    shift
    nrq_lock
    for name in "$@"; do
        nrq_valid_name "$name"
        [ -d "$(nrq_host_dir "$name")" ] && nrq_die "$name is a test host: use host_down.sh $name"
        nrq_node_down "$NRQ_PREFIX$name"
    done
    nrq_network_gc
    ;;
*)
    nrq_die "usage: net.sh status | up NAME [OCTET] | down NAME..."
    ;;
esac
