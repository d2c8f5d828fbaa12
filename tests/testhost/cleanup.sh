#!/usr/bin/env bash
# Remove everything the harness created: test hosts (by recorded PID and start time),
# server listeners (by recorded PID, command line checked), nrq-* network namespaces,
# leftover overlay mounts under $NETREQ_LAB/hosts and nspawn's runtime files for nrq-*
# machines. Nothing without the nrq- prefix or outside $NETREQ_LAB is touched.
#
# Usage: cleanup.sh [--purge]     --purge also deletes the cached rootfs ($NETREQ_LAB)
#                                 and the podman images the harness imported
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
# shellcheck source=tests/testhost/lib.sh
source "$HERE/lib.sh"
PURGE=0
case "${1:-}" in
    --purge) PURGE=1 ;;
    "") ;;
    *) nrq_die "usage: cleanup.sh [--purge]" ;;
esac
nrq_require_root

for name in $(nrq_known_hosts); do
    "$HERE/host_down.sh" --keep-network "$name" || nrq_log "could not fully remove host $name"
done
if command -v podman >/dev/null 2>&1; then
    for c in $(podman ps -a --format '{{.Names}}' 2>/dev/null | grep "^$NRQ_PREFIX" || true); do
        podman rm -f -t 5 "$c" >/dev/null && echo "podman container $c removed"
    done
fi

nrq_lock
nrq_servers_stop
for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep "^$NRQ_PREFIX" || true); do
    ip netns del "$ns" && echo "netns $ns deleted"
done
# Overlays of hosts whose state directory was lost.
awk -v dir="$NRQ_HOSTS_DIR/" 'index($2, dir) == 1 { print $2 }' /proc/mounts | sort -r | while read -r mnt; do
    umount "$mnt" 2>/dev/null || umount --lazy "$mnt"
    echo "unmounted $mnt"
done
rm -rf /run/systemd/nspawn/propagate/"$NRQ_PREFIX"* /run/systemd/nspawn/unix-export/"$NRQ_PREFIX"*
rm -rf "$NRQ_RUN_DIR" "$NRQ_HOSTS_DIR"
flock -u 9

if [ "$PURGE" = 1 ]; then
    if command -v podman >/dev/null 2>&1; then
        for image in $(podman images --format '{{.Repository}}:{{.Tag}}' 2>/dev/null | grep '^localhost/netreq-testhost:' || true); do
            podman rmi -f "$image" >/dev/null && echo "podman image $image removed"
        done
    fi
    # Only what the harness puts there, in case NETREQ_LAB points at a shared directory.
    rm -rf "$NETREQ_LAB/rootfs" "$NETREQ_LAB/.lock"
    rmdir "$NETREQ_LAB" 2>/dev/null || true
    echo "removed the cached rootfs under $NETREQ_LAB"
fi
echo "harness cleaned up"
