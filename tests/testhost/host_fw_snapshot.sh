#!/usr/bin/env bash
# Read-only snapshot of THIS machine's firewall and network state (the namespace the
# script runs in, normally the root one), for a before/after comparison proving that
# the harness never touched it. Counters are left out so the snapshot is stable.
#
# Usage: host_fw_snapshot.sh [OUTFILE]        (default: stdout)
#
# Reads only. In particular it never runs `iptables-legacy -S`/`-L`: on a table that
# does not exist yet, a legacy listing creates it; iptables-legacy-save dumps only
# existing tables. Tools that are not installed are reported as such.
set -uo pipefail
export LC_ALL=C

section() { printf '== %s\n' "$1"; }
run() {   # run CMD...: its output, or a note that the tool is missing
    if command -v "$1" >/dev/null 2>&1; then
        "$@" 2>&1
    else
        echo "($1 not installed)"
    fi
}
strip_counters() { grep -v '^#' | sed -E 's/\[[0-9]+:[0-9]+\]//'; }

snapshot() {
    section "nft -s list ruleset"; run nft -s list ruleset
    section "/proc/net/ip_tables_names"; cat /proc/net/ip_tables_names 2>&1
    section "/proc/net/ip6_tables_names"; cat /proc/net/ip6_tables_names 2>&1
    section "iptables-legacy-save"; run iptables-legacy-save | strip_counters
    section "ip6tables-legacy-save"; run ip6tables-legacy-save | strip_counters
    section "ipset list -n"; run ipset list -n
    section "ip -br link"; ip -br link 2>&1 | sed -E 's/ +/ /g'
    section "ip -br addr"; ip -br addr 2>&1 | sed -E 's/ +/ /g'
    section "ip -4 route show table all"; ip -4 route show table all 2>&1
    section "ip -6 route show table all"; ip -6 route show table all 2>&1 | sed -E 's/ expires [0-9]+sec//'
    section "ip rule"; ip rule 2>&1
    section "sysctl net.ipv4.ip_forward"; cat /proc/sys/net/ipv4/ip_forward 2>&1
    # Only the harness's own namespaces: others may come and go on a shared machine.
    section "ip netns list (nrq-* only)"; ip netns list 2>/dev/null | awk '{print $1}' | grep '^nrq-' | sort
    section "firewall services on this machine"
    for unit in firewalld ufw nftables; do
        printf '%s: %s\n' "$unit" "$(systemctl is-active "$unit" 2>/dev/null || true)"
    done
}

if [ "$#" -gt 0 ]; then
    snapshot >"$1"
else
    snapshot
fi
