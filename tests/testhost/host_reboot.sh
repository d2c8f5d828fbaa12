#!/usr/bin/env bash
# Reboot one test host the way a real machine reboots: its disk is kept, and everything the
# kernel held for it is lost.
#
# Usage: host_reboot.sh NAME [--down SECONDS]
#   1. a clean poweroff (SIGRTMIN+4 to its systemd), waiting until systemd-nspawn exits;
#   2. the host's network namespace loses its rule set (`nft flush ruleset`, with the nft of
#      the host's own root filesystem; iptables-nft's and firewalld's tables are nftables
#      tables too). A test host's network namespace outlives its container, so without this
#      step rules loaded before the "reboot" would still be there and nothing would prove
#      that the host loads them again by itself;
#   3. SECONDS of downtime (default 0), for clocks that must pass while the host is down;
#   4. the same overlay is booted again, and the enabled units are waited for.
# stdout: the host's JSON as host_up.sh prints it (a new PID 1, the same addresses).
# Connection tracking entries are not flushed (no tool here does it without conntrack-tools);
# they age out as on any host, and no test relies on them.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
# shellcheck source=tests/testhost/lib.sh
source "$HERE/lib.sh"

NAME=""
DOWN=0
while [ "$#" -gt 0 ]; do
    case "$1" in
        --down) DOWN="${2:?--down needs seconds}"; shift 2 ;;
        -*) nrq_die "unknown option $1" ;;
        *) [ -z "$NAME" ] || nrq_die "one host per call"; NAME=$1; shift ;;
    esac
done
[ -n "$NAME" ] || nrq_die "usage: host_reboot.sh NAME [--down SECONDS]"
[[ "$DOWN" =~ ^[0-9]+$ ]] || nrq_die "--down must be a number of seconds"
nrq_valid_name "$NAME"
nrq_require_root

NS="$NRQ_PREFIX$NAME"
H="$(nrq_host_dir "$NAME")"
[ "$(cat "$H/backend" 2>/dev/null)" = nspawn ] || nrq_die "$NAME is not a running nspawn test host"
leader_id="$(cat "$H/leader.id")"
nspawn_id="$(cat "$H/nspawn.id")"
nrq_proc_alive "$leader_id" || nrq_die "$NAME is not running"

kill -s RTMIN+4 "${leader_id%%:*}"
for _ in $(seq 1 300); do
    nrq_proc_alive "$nspawn_id" || break
    sleep 0.1
done
nrq_proc_alive "$nspawn_id" && nrq_die "$NAME did not power off within 30 s"
mountpoint -q "$H/merged" || nrq_die "the disk of $NAME is gone"

ip netns exec "$NS" chroot "$H/merged" nft flush ruleset
left="$(ip netns exec "$NS" chroot "$H/merged" nft list ruleset)"
[ -z "$left" ] || nrq_die "the rule set of $NS is not empty after the flush: $left"
sleep "$DOWN"

t0=$(date +%s.%N)
nrq_nspawn_boot "$NAME" "$H" "$NS"
mapfile -t units < <(tr -d '" ' <"$H/units" | tr ',' '\n' | sed '/^$/d')
nrq_wait_booted "$NAME" "$H" "${units[@]}" -- nsenter --target "$(cut -d: -f1 "$H/leader.id")" --all
awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f\n", b - a }' >"$H/boot_seconds"
nrq_log "$NAME rebooted in $(cat "$H/boot_seconds") s after ${DOWN} s down: PID 1 = $(cut -d: -f1 "$H/leader.id")"
enable=()
for u in "${units[@]}"; do enable+=(--enable "$u"); done
exec "$HERE/host_up.sh" "$NAME" "${enable[@]}"
