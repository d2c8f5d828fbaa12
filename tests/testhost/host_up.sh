#!/usr/bin/env bash
# Boot one throwaway test host (or reuse it if it is already running).
#
# Usage: host_up.sh NAME [--enable UNIT]... [--octet N] [--recreate]
#   NAME       [a-z][a-z0-9-]*; the host lives in network namespace nrq-NAME and runs as
#              nspawn machine (or podman container) nrq-NAME
#   --enable   a systemd unit to enable and wait for: firewalld, ufw, nftables, ssh
#              (all of them are installed; none runs unless enabled)
#   --octet    fixed last byte of its addresses (default: the lowest free one, 11-99)
#   --recreate boot a fresh host even when one with this name is running
# stdout: one JSON object, e.g.
#   {"name": "h1", "netns": "nrq-h1", "address": "198.51.100.11", "address_b": "203.0.113.11",
#    "address6": "2001:db8:198:51::11", "address6_b": "2001:db8:203:113::11", "pid": 12345, "pid_start_time": "1158656",
#    "backend": "nspawn", "units": ["nftables"], "boot_seconds": 0.62, "reused": false}
#   "pid" is the host's PID 1 as seen from this machine: the target of `nsenter` and of
#   the community.docker.nsenter connection (ansible_nsenter_pid); "pid_start_time" (field 22
#   of /proc/PID/stat) tells whether that PID still names the same process later on.
#
# nspawn backend (default): an overlayfs over the cached rootfs (rootfs.sh) booted with
# `systemd-nspawn -b` inside the host's network namespace. Changes are discarded by
# host_down.sh. podman backend (NETREQ_TESTHOST_BACKEND=podman, not exercised in CI):
# a privileged systemd container attached to the same network namespace.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
# shellcheck source=tests/testhost/lib.sh
source "$HERE/lib.sh"

NAME=""
OCTET=""
RECREATE=0
UNITS=()
while [ "$#" -gt 0 ]; do
    case "$1" in
        --enable) UNITS+=("${2:?--enable needs a unit}"); shift 2 ;;
        --enable=*) UNITS+=("${1#*=}"); shift ;;
        --octet) OCTET="${2:?--octet needs a number}"; shift 2 ;;
        --recreate) RECREATE=1; shift ;;
        -*) nrq_die "unknown option $1" ;;
        *) [ -z "$NAME" ] || nrq_die "one host per call"; NAME=$1; shift ;;
    esac
done
[ -n "$NAME" ] || nrq_die "usage: host_up.sh NAME [--enable UNIT]... [--octet N] [--recreate]"
nrq_valid_name "$NAME"
for u in "${UNITS[@]}"; do
    case "$u" in firewalld | ufw | nftables | ssh) ;; *) nrq_die "unit '$u' is not one of firewalld, ufw, nftables, ssh" ;; esac
done
if [ -n "$OCTET" ] && { ! [[ "$OCTET" =~ ^[0-9]+$ ]] || [ "$OCTET" -lt "$NRQ_HOST_OCTET_MIN" ] || [ "$OCTET" -gt "$NRQ_HOST_OCTET_MAX" ]; }; then
    nrq_die "--octet must be $NRQ_HOST_OCTET_MIN-$NRQ_HOST_OCTET_MAX"
fi
nrq_require_root

NS="$NRQ_PREFIX$NAME"
H="$(nrq_host_dir "$NAME")"

# Print the JSON description of the running host from its state files.
describe() {
    local octet id units
    octet="$(cat "$H/octet")"
    id="$(cat "$H/leader.id")"
    units="$(cat "$H/units")"
    printf '{"name": "%s", "netns": "%s", "address": "%s.%s", "address_b": "%s.%s", "address6": "%s::%s", "address6_b": "%s::%s", "pid": %s, "pid_start_time": "%s", "backend": "%s", "units": [%s], "boot_seconds": %s, "reused": %s}\n' \
        "$NAME" "$NS" "$NRQ_NET_A" "$octet" "$NRQ_NET_B" "$octet" "$NRQ_NET6" "$octet" "$NRQ_NET6_B" "$octet" "${id%%:*}" "${id#*:}" \
        "$(cat "$H/backend")" "$units" "$(cat "$H/boot_seconds")" "$1"
}

# The host is running if its recorded PID 1 is still the same process and answers.
running() {
    [ -f "$H/leader.id" ] && [ -f "$H/octet" ] && [ "$(cat "$H/backend" 2>/dev/null)" = "$NRQ_BACKEND" ] || return 1
    nrq_proc_alive "$(cat "$H/leader.id")" || return 1
    [ "$(nrq_netns_octet "$NS")" = "$(cat "$H/octet")" ] || return 1
    [ -z "$OCTET" ] || [ "$OCTET" = "$(cat "$H/octet")" ] || return 1
    local want=" ${UNITS[*]:-} " have
    have="$(tr -d '"' <"$H/units" | tr ',' ' ')"
    [ "$(tr ' ' '\n' <<<"$want" | sort -u | xargs)" = "$(tr ' ' '\n' <<<"$have" | sort -u | xargs)" ]
}

if [ "$RECREATE" = 0 ] && running; then
    describe true
    exit 0
fi

# Leftovers of an earlier run with this name (aborted create, crashed host): remove first.
if [ -d "$H" ] || nrq_netns_exists "$NS"; then
    "$HERE/host_down.sh" --keep-network "$NAME" >&2
fi

nrq_ensure_host_packages
ROOTFS="$("$HERE/rootfs.sh")"

nrq_lock
[ -n "$OCTET" ] || OCTET="$(nrq_free_octet)"
nrq_node_up "$NS" "$OCTET"
flock -u 9

mkdir -p "$H"
echo "$OCTET" >"$H/octet"
echo "$NRQ_BACKEND" >"$H/backend"
units_json=""
for u in "${UNITS[@]}"; do units_json+="${units_json:+, }\"$u\""; done
echo "$units_json" >"$H/units"

t0=$(date +%s.%N)
case "$NRQ_BACKEND" in
nspawn)
    mkdir -p "$H/upper" "$H/work" "$H/merged"
    mount -t overlay overlay -o "lowerdir=$ROOTFS,upperdir=$H/upper,workdir=$H/work" "$H/merged"
    echo "$NAME" >"$H/merged/etc/hostname"
    systemd-id128 new >"$H/merged/etc/machine-id"
    # nspawn's lock file for this directory, removed by host_down.sh if nspawn leaves it
    stat -c '/run/systemd/nspawn/locks/inode-%d:%i' "$H/merged" >"$H/nspawn.lock"
    for u in "${UNITS[@]}"; do
        systemctl --root="$H/merged" enable "$u.service" >/dev/null 2>&1 || nrq_die "cannot enable $u on $NAME"
    done
    nrq_nspawn_boot "$NAME" "$H" "$NS"
    leader="$(cut -d: -f1 "$H/leader.id")"
    nrq_wait_booted "$NAME" "$H" "${UNITS[@]}" -- nsenter --target "$leader" --all
    ;;
podman)
    command -v podman >/dev/null 2>&1 || nrq_die "the podman backend needs podman"
    image="${NETREQ_PODMAN_IMAGE:-localhost/netreq-testhost:$(basename "$ROOTFS")}"
    if ! podman image exists "$image"; then
        [ -z "${NETREQ_PODMAN_IMAGE:-}" ] || nrq_die "image $image not found"
        nrq_log "importing $ROOTFS as $image"
        tar -C "$ROOTFS" -c . | podman import --change 'CMD ["/sbin/init"]' \
            --change 'STOPSIGNAL=SIGRTMIN+3' - "$image" >/dev/null
    fi
    podman rm -f "$NS" >/dev/null 2>&1 || true
    # The network comes from the namespace this harness made: podman builds nothing
    # (no bridge, no NAT) in the root namespace.
    podman run -d --name "$NS" --hostname "$NAME" --network "ns:/run/netns/$NS" \
        --cap-add NET_ADMIN,NET_RAW --systemd=always "$image" /sbin/init >/dev/null
    leader="$(podman inspect -f '{{.State.Pid}}' "$NS")"
    nrq_proc_id "$leader" >"$H/leader.id"
    nrq_wait_booted "$NAME" "$H" -- podman exec "$NS"
    for u in "${UNITS[@]}"; do
        podman exec "$NS" systemctl enable --now "$u.service" >/dev/null 2>&1 || nrq_die "cannot start $u on $NAME"
    done
    nrq_wait_booted "$NAME" "$H" "${UNITS[@]}" -- podman exec "$NS"
    ;;
*)
    nrq_die "unknown NETREQ_TESTHOST_BACKEND '$NRQ_BACKEND' (nspawn or podman)"
    ;;
esac
awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f\n", b - a }' >"$H/boot_seconds"
nrq_log "$NAME up in $(cat "$H/boot_seconds") s: PID 1 = $leader, netns $NS, $NRQ_NET_A.$OCTET"
describe false
