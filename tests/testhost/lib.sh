# shellcheck shell=bash
# shellcheck disable=SC2034  # the settings below are used by the scripts sourcing this file
# Shared settings and helpers of the test-host harness (sourced by the other scripts).
#
# The harness builds throwaway Debian test hosts for the Molecule scenarios and the
# README's demo. Everything it creates carries the prefix "nrq-" (network namespaces,
# nspawn machine names, podman containers), and every process it starts is recorded
# in a PID file under $NETREQ_LAB, so teardown touches nothing it did not create.
#
# Network layout (only network namespaces; nothing is added to the root namespace):
#   nrq-sw      "switch": bridge br0, one veth per node, no uplink, no routes, no NAT
#   nrq-srv     server: 198.51.100.100/24 + 203.0.113.100/24, 2001:db8:198:51::100/64 +
#               2001:db8:203:113::100/64, socat listeners
#   nrq-<host>  one per test host: 198.51.100.<n>/24 + 203.0.113.<n>/24, 2001:db8:198:51::<n>/64 +
#               2001:db8:203:113::<n>/64 on eth0
#
# Environment:
#   NETREQ_LAB              state and cache directory (default ~/.cache/netreq-lab)
#   NETREQ_DEBIAN_MIRROR    Debian mirror for debootstrap (default: the one apt uses here)
#   NETREQ_TESTHOST_BACKEND nspawn (default) or podman (not exercised in CI)
#   NETREQ_PODMAN_IMAGE     podman only: image to boot (default: imported from the rootfs)

NETREQ_LAB="${NETREQ_LAB:-$HOME/.cache/netreq-lab}"
NRQ_PREFIX=nrq-
NRQ_SWITCH=nrq-sw
NRQ_SERVER=nrq-srv
NRQ_NET_A=198.51.100     # TEST-NET-2, the main test network
NRQ_NET_B=203.0.113      # TEST-NET-3, the "second destination" on the same bridge
NRQ_SERVER_OCTET=100
NRQ_HOST_OCTET_MIN=11
NRQ_HOST_OCTET_MAX=99
NRQ_SERVER_TCP_PORTS="443 4138 8443 9999"
NRQ_SERVER_UDP_PORTS="123 5353 9999"
NRQ_HOSTS_DIR="$NETREQ_LAB/hosts"
NRQ_RUN_DIR="$NETREQ_LAB/run"
NRQ_BACKEND="${NETREQ_TESTHOST_BACKEND:-nspawn}"

# Packages this machine needs (Debian names) and the command each provides.
NRQ_HOST_PACKAGES="debootstrap:debootstrap systemd-container:systemd-nspawn socat:socat iproute2:ip util-linux:nsenter debian-archive-keyring:/usr/share/keyrings/debian-archive-keyring.gpg"

nrq_log() { printf 'testhost: %s\n' "$*" >&2; }
nrq_die() { nrq_log "ERROR: $*"; exit 1; }

nrq_require_root() {
    [ "$(id -u)" = 0 ] || nrq_die "$(basename "$0") needs root (network namespaces, mounts, systemd-nspawn); run it with sudo"
}

# Serialise harness operations (address allocation, switch creation/removal).
nrq_lock() {
    mkdir -p "$NETREQ_LAB" || nrq_die "cannot create $NETREQ_LAB"
    exec 9>"$NETREQ_LAB/.lock"
    flock 9
}

nrq_valid_name() {
    case "$1" in
        sw | srv) nrq_die "host name '$1' is reserved by the harness" ;;
    esac
    [[ "$1" =~ ^[a-z][a-z0-9-]{0,19}$ ]] || nrq_die "invalid host name '$1' (want [a-z][a-z0-9-]{0,19})"
}

nrq_netns_exists() { [ -e "/run/netns/$1" ]; }

# nrq_killpid PID PATTERN [SIGNAL]: signal PID only while its command line still matches
# PATTERN (pid_max is small on CI machines and wraps: a PID file alone proves nothing).
nrq_pid_matches() {
    local pid=$1 pattern=$2
    [[ "$pid" =~ ^[0-9]+$ ]] && [ -r "/proc/$pid/cmdline" ] || return 1
    tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qE -- "$pattern"
}
nrq_killpid() {
    local pid=$1 pattern=$2 sig=${3:-TERM}
    nrq_pid_matches "$pid" "$pattern" || return 1
    kill -s "$sig" "$pid" 2>/dev/null
}

# Install missing Debian packages without letting any service start on this machine:
# download with network, then install inside an empty network namespace with a
# policy-rc.d that refuses every service start.
nrq_ensure_host_packages() {
    local spec pkg probe missing=() guard=/usr/sbin/policy-rc.d created=0 rc=0
    for spec in $NRQ_HOST_PACKAGES; do
        pkg=${spec%%:*}; probe=${spec#*:}
        case "$probe" in
            /*) [ -e "$probe" ] || missing+=("$pkg") ;;
            *) command -v "$probe" >/dev/null 2>&1 || missing+=("$pkg") ;;
        esac
    done
    [ "${#missing[@]}" -eq 0 ] && return 0
    command -v apt-get >/dev/null 2>&1 || nrq_die "missing ${missing[*]} and no apt-get: install them with your package manager"
    nrq_require_root
    nrq_log "installing ${missing[*]} (services are not started: policy-rc.d guard, no network)"
    if ! apt-cache policy "${missing[@]}" 2>/dev/null | grep -q 'Candidate: [0-9]'; then
        DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2 || nrq_die "apt-get update failed"
    fi
    if [ ! -e "$guard" ]; then
        printf '#!/bin/sh\nexit 101\n' >"$guard" && chmod 755 "$guard" && created=1
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends --download-only "${missing[@]}" >&2 &&
        unshare --net env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2 || rc=$?
    [ "$created" = 1 ] && rm -f "$guard"
    [ "$rc" = 0 ] || nrq_die "apt-get install ${missing[*]} failed"
}

# The eth0 IPv4 octet (last byte in $NRQ_NET_A) of a node namespace, empty if none.
nrq_netns_octet() {
    ip -n "$1" -4 -o addr show dev eth0 2>/dev/null |
        awk -v net="$NRQ_NET_A." '{ split($4, a, "/"); if (index(a[1], net) == 1) { print substr(a[1], length(net) + 1); exit } }' || true
}

# Host names that have state in $NRQ_HOSTS_DIR.
nrq_known_hosts() {
    local d
    for d in "$NRQ_HOSTS_DIR"/*/; do
        [ -d "$d" ] && basename "$d"
    done
}

# The network namespaces of test hosts (nrq-* except the switch and the server).
nrq_host_netns_list() {
    ip netns list 2>/dev/null | awk '{print $1}' | grep "^$NRQ_PREFIX" | grep -vxE "$NRQ_SWITCH|$NRQ_SERVER" || true
}

# ---------------------------------------------------------------- network

# IPv6 on the same links (documentation prefix 2001:db8::/32): host n is $NRQ_NET6::n, and
# $NRQ_NET6_B::n is its "second destination"/"second source", like $NRQ_NET_B for IPv4.
NRQ_NET6=2001:db8:198:51
NRQ_NET6_B=2001:db8:203:113

nrq_switch_up() {
    nrq_netns_exists "$NRQ_SWITCH" && ip -n "$NRQ_SWITCH" link show br0 >/dev/null 2>&1 && return 0
    nrq_netns_exists "$NRQ_SWITCH" && ip netns del "$NRQ_SWITCH"
    ip netns add "$NRQ_SWITCH"
    ip -n "$NRQ_SWITCH" link set lo up
    ip -n "$NRQ_SWITCH" link add br0 type bridge
    ip -n "$NRQ_SWITCH" link set br0 up
}

# nrq_node_addresses NETNS OCTET: the node's addresses on eth0; idempotent, so a namespace
# made by an older harness gains the addresses added since.
nrq_node_addresses() {
    local ns=$1 octet=$2
    ip -n "$ns" addr replace "$NRQ_NET_A.$octet/24" dev eth0
    ip -n "$ns" addr replace "$NRQ_NET_B.$octet/24" dev eth0
    ip -n "$ns" addr replace "$NRQ_NET6::$octet/64" dev eth0 nodad
    ip -n "$ns" addr replace "$NRQ_NET6_B::$octet/64" dev eth0 nodad
}

# nrq_node_up NETNS OCTET: a node namespace with eth0 on the switch and its addresses.
nrq_node_up() {
    local ns=$1 octet=$2 have
    have="$(nrq_netns_octet "$ns")"
    if [ -n "$have" ]; then
        [ "$have" = "$octet" ] && { nrq_node_addresses "$ns" "$octet"; return 0; }
        nrq_die "$ns already exists with address $NRQ_NET_A.$have (wanted .$octet)"
    fi
    nrq_netns_exists "$ns" && ip netns del "$ns"      # half-made leftover of an aborted run
    nrq_switch_up
    ip netns add "$ns"
    ip -n "$ns" link set lo up
    # The pair is created inside the switch and its peer moved straight into the node:
    # no interface ever appears in the root namespace.
    ip -n "$NRQ_SWITCH" link del "v$octet" 2>/dev/null || true
    ip -n "$NRQ_SWITCH" link add "v$octet" type veth peer name eth0 netns "$ns"
    ip -n "$NRQ_SWITCH" link set "v$octet" master br0 up
    nrq_node_addresses "$ns" "$octet"
    ip -n "$ns" link set eth0 up
}

nrq_node_down() {
    nrq_netns_exists "$1" || return 0
    ip netns del "$1"
}

# The lowest free host octet (callers hold the lock).
nrq_free_octet() {
    local ns used=" " n
    for ns in $(nrq_host_netns_list); do
        used+="$(nrq_netns_octet "$ns") "
    done
    for ((n = NRQ_HOST_OCTET_MIN; n <= NRQ_HOST_OCTET_MAX; n++)); do
        case "$used" in *" $n "*) ;; *) echo "$n"; return 0 ;; esac
    done
    nrq_die "no free address left in $NRQ_NET_A.$NRQ_HOST_OCTET_MIN-$NRQ_HOST_OCTET_MAX"
}

# ---------------------------------------------------------------- servers

nrq_servers_running() {
    local pid pattern ok=1
    [ -s "$NRQ_RUN_DIR/servers.pids" ] || return 1
    while read -r pid pattern; do
        nrq_pid_matches "$pid" "$pattern" || ok=0
    done <"$NRQ_RUN_DIR/servers.pids"
    [ "$ok" = 1 ]
}

nrq_servers_stop() {
    local pid pattern alive
    if [ -f "$NRQ_RUN_DIR/servers.pids" ]; then
        while read -r pid pattern; do
            nrq_killpid "$pid" "$pattern" TERM || true
        done <"$NRQ_RUN_DIR/servers.pids"
        for _ in $(seq 1 20); do
            alive=0
            while read -r pid pattern; do
                nrq_pid_matches "$pid" "$pattern" && alive=1
            done <"$NRQ_RUN_DIR/servers.pids"
            [ "$alive" = 0 ] && break
            sleep 0.1
        done
        rm -f "$NRQ_RUN_DIR/servers.pids"
    fi
    nrq_node_down "$NRQ_SERVER"
}

# With no test host left, stop the servers and remove the switch (callers hold the lock).
nrq_network_gc() {
    [ -n "$(nrq_host_netns_list)" ] && return 0
    nrq_servers_stop
    nrq_node_down "$NRQ_SWITCH"
}

# ---------------------------------------------------------------- process identity

# "PID:STARTTIME" of a running process: with the start time a recorded PID cannot be
# mistaken for an unrelated process that got the same number after pid_max wrapped.
nrq_proc_id() {
    local stat rest
    stat="$(cat "/proc/$1/stat" 2>/dev/null)" || return 1
    rest="${stat##*) }"                      # fields after "pid (comm) "
    # shellcheck disable=SC2086
    set -- $rest
    printf '%s:%s\n' "$(cut -d' ' -f1 <<<"$stat")" "${20}"
}
nrq_proc_alive() {   # nrq_proc_alive PID:STARTTIME
    [ -n "$1" ] && [ "$(nrq_proc_id "${1%%:*}" 2>/dev/null)" = "$1" ]
}

nrq_host_dir() { printf '%s/%s\n' "$NRQ_HOSTS_DIR" "$1"; }

# nrq_wait_booted NAME HOSTDIR [UNIT...] -- ENTER...: until systemd inside says running or
# degraded (30 s at most), then until every UNIT is active. ENTER... runs a command inside
# the host (nsenter --target PID --all, or podman exec NAME).
nrq_wait_booted() {
    local name=$1 h=$2 state="" u
    local -a units=()
    shift 2
    while [ "$#" -gt 0 ] && [ "$1" != "--" ]; do
        units+=("$1")
        shift
    done
    shift
    for _ in $(seq 1 300); do
        state="$("$@" systemctl is-system-running 2>/dev/null || true)"
        case "$state" in running | degraded) break ;; esac
        sleep 0.1
    done
    case "$state" in
        running) ;;
        degraded) nrq_log "$name booted degraded: $("$@" systemctl --failed --plain --no-legend 2>/dev/null | awk '{print $1}' | xargs)" ;;
        *) nrq_die "$name did not finish booting (state '${state:-unknown}'; console: $h/console.log)" ;;
    esac
    # firewalld exits 0 when its backend fails, so the system can look fine without it:
    # check every unit we enabled.
    for u in "${units[@]}"; do
        for _ in $(seq 1 100); do
            "$@" systemctl is-active -q "$u" && break
            sleep 0.1
        done
        "$@" systemctl is-active -q "$u" || {
            "$@" journalctl -u "$u" --no-pager -n 20 >&2 || true
            nrq_die "unit $u is not active on $name"
        }
    done
}

# nrq_nspawn_boot NAME HOSTDIR NETNS: boot the host's mounted overlay ($HOSTDIR/merged) with
# systemd-nspawn in network namespace NETNS; records nspawn.id and leader.id (PID 1 inside)
# in HOSTDIR. Used for the first boot (host_up.sh) and for a reboot (host_reboot.sh).
nrq_nspawn_boot() {
    local name=$1 h=$2 ns=$3 nspawn_pid leader=""
    # --register=no: no systemd-machined here. --keep-unit only where PID 1 is not systemd
    # (CI machines): otherwise nspawn asks systemd for a scope over D-Bus.
    # CAP_NET_ADMIN is not granted by default with --network-namespace-path; its scope is
    # the host's own network namespace. No journal links, resolv.conf or timezone copies.
    local -a keep_unit=(--keep-unit)
    [ -d /run/systemd/system ] && keep_unit=()
    setsid systemd-nspawn --quiet --boot --directory="$h/merged" --machine="$ns" \
        --register=no "${keep_unit[@]}" --capability=CAP_NET_ADMIN \
        --network-namespace-path="/run/netns/$ns" --console=read-only \
        --link-journal=no --resolv-conf=off --timezone=off \
        >>"$h/console.log" 2>&1 </dev/null 9>&- &
    nspawn_pid=$!
    nrq_proc_id "$nspawn_pid" >"$h/nspawn.id" || nrq_die "systemd-nspawn for $name exited at once: $(tail -5 "$h/console.log")"
    for _ in $(seq 1 300); do
        leader="$(pgrep -P "$nspawn_pid" -x systemd || true)"
        [ -n "$leader" ] && break
        nrq_proc_alive "$(cat "$h/nspawn.id")" || nrq_die "systemd-nspawn for $name died: $(tail -20 "$h/console.log")"
        sleep 0.05
    done
    [ -n "$leader" ] || nrq_die "no systemd inside $name"
    nrq_proc_id "$leader" >"$h/leader.id"
}
