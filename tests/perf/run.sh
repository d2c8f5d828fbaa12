#!/usr/bin/env bash
# Side-by-side apply benchmark of netreq.firewall: the host_firewall role against the
# upstream per-rule loops (ansible.posix.firewalld, community.general.ufw), the backends'
# own batch commands (the floor) and `ansible -m ping`, at 10, 100 and 1,000 rules.
# Not part of the test suite (tests/run.sh): it measures, it does not judge a change.
#
# Usage: bash tests/perf/run.sh [--quick | --full] [--keep]
#   (default)  10, 100 and 1,000 rules; the per-rule loops at 10 and 100 rules only
#   --quick    10 and 100 rules, one repetition each (for development)
#   --full     the per-rule loops at 1,000 rules too (they take many minutes)
#   --keep     keep the work directory (generated playbooks, inventories, logs)
#
# Prints one table and writes docs/performance.md and docs/performance.png.
# Needs root: it boots its own test hosts perf1-perf5 with tests/testhost/host_up.sh
# (systemd-nspawn in network namespaces nrq-perf*, lab addresses only) and powers off
# exactly the hosts it booted when it exits, however it exits. This machine's firewall
# and network are snapshotted before anything is booted and compared after the teardown
# (tests/testhost/host_fw_snapshot.sh); a difference fails the run.
# matplotlib comes from tests/perf/requirements.txt, installed into tests/perf/.venv.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
REPO="$(cd "$HERE/../.." && pwd -P)"
TESTHOST="$REPO/tests/testhost"
PERF_VENV="$HERE/.venv"

log() { printf 'perf: %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 2; }

MODE=default
KEEP=0
for arg in "$@"; do
    case "$arg" in
        --quick) [ "$MODE" = full ] && die "--quick and --full exclude each other"; MODE=quick ;;
        --full) [ "$MODE" = quick ] && die "--quick and --full exclude each other"; MODE=full ;;
        --keep) KEEP=1 ;;
        -h | --help) sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) die "unknown argument '$arg' (usage: bash tests/perf/run.sh [--quick | --full] [--keep])" ;;
    esac
done
[ "$(id -u)" = 0 ] || die "needs root (network namespaces, mounts, systemd-nspawn): run it with sudo"

# Ansible and the collection path of this checkout.
# shellcheck source=tests/setup.sh
source "$REPO/tests/setup.sh" >&2 || die "tests/setup.sh failed"

# The benchmark's own venv (matplotlib), reinstalled only when its pins changed.
if ! "$PERF_VENV/bin/python" -c 'import sys' >/dev/null 2>&1; then
    log "creating $PERF_VENV"
    rm -rf "$PERF_VENV"
    "$REPO/.venv/bin/python" -m venv "$PERF_VENV" || die "cannot create $PERF_VENV"
fi
want="$(sha256sum "$HERE/requirements.txt" | cut -d' ' -f1)"
if [ "$want" != "$(cat "$PERF_VENV/.requirements.sha256" 2>/dev/null || true)" ]; then
    log "pip install -r tests/perf/requirements.txt"
    "$PERF_VENV/bin/python" -m pip install --disable-pip-version-check -q -r "$HERE/requirements.txt" >&2 ||
        die "pip install -r tests/perf/requirements.txt failed"
    echo "$want" >"$PERF_VENV/.requirements.sha256"
fi

WORK="$(mktemp -d "${TMPDIR:-/tmp}/netreq-perf.XXXXXX")"
: >"$WORK/booted"
BENCH_PID=""

# The snapshot without the list of nrq-* namespaces: other jobs on this machine may
# create and remove their own test hosts meanwhile. Ours are checked by name below.
snapshot() {
    "$TESTHOST/host_fw_snapshot.sh" |
        awk '/^== /{ skip = ($0 ~ /^== ip netns list/) } !skip'
}
snapshot >"$WORK/snapshot.before" || die "cannot snapshot this machine's firewall and network"

# Called by the EXIT trap only:
# shellcheck disable=SC2317,SC2329
cleanup() {
    local rc=$? name leftover=""
    trap - EXIT INT TERM
    if [ -n "$BENCH_PID" ] && kill -0 "$BENCH_PID" 2>/dev/null; then
        kill -TERM "$BENCH_PID" 2>/dev/null || true
        wait "$BENCH_PID" 2>/dev/null || true
    fi
    local names=()
    mapfile -t names < <(sort -u "$WORK/booted")
    if [ "${#names[@]}" -gt 0 ]; then
        log "tearing down ${names[*]}"
        "$TESTHOST/host_down.sh" "${names[@]}" >&2 || { log "ERROR: teardown of ${names[*]} failed"; rc=1; }
        for name in "${names[@]}"; do
            [ -e "/run/netns/nrq-$name" ] && leftover+=" nrq-$name"
        done
        [ -z "$leftover" ] || { log "ERROR: namespaces left behind:$leftover"; rc=1; }
    fi
    if snapshot >"$WORK/snapshot.after" && diff -u "$WORK/snapshot.before" "$WORK/snapshot.after" >"$WORK/snapshot.diff"; then
        log "this machine's firewall and network are unchanged"
    else
        log "ERROR: this machine's firewall or network changed during the run:"
        cat "$WORK/snapshot.diff" >&2
        rc=1
        KEEP=1
    fi
    if [ "$rc" = 0 ] && [ "$KEEP" = 0 ]; then
        rm -rf "$WORK"
    else
        log "work directory kept: $WORK"
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

log "mode $MODE; work directory $WORK"
# In the background, so that INT/TERM reach the trap at once (bash runs traps only
# between commands) and the trap stops the benchmark, which stops its own children.
"$PERF_VENV/bin/python" "$HERE/bench.py" --mode "$MODE" --work "$WORK" --repo "$REPO" \
    --testhost "$TESTHOST" --docs "$REPO/docs" &
BENCH_PID=$!
rc=0
wait "$BENCH_PID" || rc=$?
BENCH_PID=""
[ "$rc" = 0 ] || KEEP=1
exit "$rc"
