#!/usr/bin/env bash
# Build (once) and print the path of the cached root filesystem of the test hosts.
#
# Usage: rootfs.sh [--rebuild]
#   stdout: the rootfs directory, e.g. ~/.cache/netreq-lab/rootfs/bookworm-3f2a9c01d4e7
#
# The rootfs is Debian bookworm (debootstrap, minbase) with systemd, dbus, python3 (for
# Ansible), nftables, iptables, socat and openssh-server, plus firewalld and ufw. It is
# rebuilt only when it is missing or when ROOTFS_STAMP below changes (the directory name
# carries the stamp, so hosts still running on an older build keep their lower layer).
#
# Safety: nothing runs with network access AND the ability to run maintainer scripts.
#   1. `debootstrap --make-tarball` only downloads .debs;
#   2. `debootstrap --unpack-tarball` installs them inside `unshare --net --mount`
#      (empty network namespace, private mounts that vanish with it);
#   3. firewalld + ufw: `apt-get --download-only` in the chroot, then the install inside
#      `unshare --net --mount` with a policy-rc.d in the rootfs that refuses every start.
# So no package script can ever reach this machine's firewall or start a service on it.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
# shellcheck source=tests/testhost/lib.sh
source "$HERE/lib.sh"

SUITE=bookworm
STAGE1_PACKAGES="systemd,systemd-sysv,dbus,python3,python3-nftables,iproute2,iputils-ping,nftables,iptables,socat,netcat-openbsd,procps,openssh-server"
STAGE2_PACKAGES="firewalld ufw"
# Bump CONFIG_VERSION whenever the configuration steps below change.
CONFIG_VERSION=1
ROOTFS_STAMP="$(printf '%s|%s|%s|%s' "$SUITE" "$STAGE1_PACKAGES" "$STAGE2_PACKAGES" "$CONFIG_VERSION" | sha256sum | cut -c1-12)"
ROOTFS_PARENT="$NETREQ_LAB/rootfs"
ROOTFS="$ROOTFS_PARENT/$SUITE-$ROOTFS_STAMP"

# The Debian mirror apt uses on this machine (a bookworm source), else Debian's CDN.
default_mirror() {
    local files=() uri
    [ -f /etc/apt/sources.list ] && files+=(/etc/apt/sources.list)
    for f in /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
        [ -f "$f" ] && files+=("$f")
    done
    if [ "${#files[@]}" -gt 0 ]; then
        uri="$(awk -v suite="$SUITE" '
            /^[[:space:]]*#/ { next }
            /^deb[[:space:]]/ { for (i = 2; i <= NF; i++) if ($i !~ /^\[/ && $i ~ /:\/\//) { if ($(i+1) == suite) { print $i; exit } break } }
            /^URIs:/ { u = $2 }
            /^Suites:/ { for (i = 2; i <= NF; i++) if ($i == suite && u != "") { print u; exit } }
        ' "${files[@]}" 2>/dev/null || true)"
    fi
    printf '%s\n' "${uri:-http://deb.debian.org/debian}"
}

rebuild=0
case "${1:-}" in
    --rebuild) rebuild=1 ;;
    "") ;;
    *) nrq_die "usage: rootfs.sh [--rebuild]" ;;
esac

if [ "$rebuild" = 0 ] && [ -f "$ROOTFS/etc/netreq-testhost" ] && [ -x "$ROOTFS/usr/bin/python3" ]; then
    printf '%s\n' "$ROOTFS"
    exit 0
fi

nrq_require_root
nrq_ensure_host_packages
nrq_lock
# Another run may have finished the build while this one waited for the lock.
if [ "$rebuild" = 0 ] && [ -f "$ROOTFS/etc/netreq-testhost" ]; then
    printf '%s\n' "$ROOTFS"
    exit 0
fi

if grep -q "lowerdir=${ROOTFS}[,: ]" /proc/mounts; then
    nrq_die "$ROOTFS is in use by running test hosts: stop them first (cleanup.sh)"
fi
MIRROR="${NETREQ_DEBIAN_MIRROR:-$(default_mirror)}"
BUILD="$ROOTFS_PARENT/.build-$ROOTFS_STAMP"
TARBALL="$ROOTFS_PARENT/.debs-$SUITE-$ROOTFS_STAMP.tgz"
mkdir -p "$ROOTFS_PARENT"
rm -rf "$BUILD"
t0=$(date +%s)
nrq_log "building $ROOTFS from $MIRROR (about a minute; done once)"

# 1. download only
if [ ! -s "$TARBALL" ]; then
    debootstrap --variant=minbase --include="$STAGE1_PACKAGES" --make-tarball="$TARBALL.tmp" \
        "$SUITE" "$BUILD.dl" "$MIRROR" >&2
    mv "$TARBALL.tmp" "$TARBALL"
    rm -rf "$BUILD.dl"
fi
# 2. install offline
unshare --net --mount debootstrap --variant=minbase --include="$STAGE1_PACKAGES" \
    --unpack-tarball="$TARBALL" "$SUITE" "$BUILD" "$MIRROR" >&2
t1=$(date +%s)
nrq_log "debootstrap: $((t1 - t0)) s"

# 3. firewalld + ufw: download with network (no package scripts run), install without.
printf '#!/bin/sh\nexit 101\n' >"$BUILD/usr/sbin/policy-rc.d"
chmod 755 "$BUILD/usr/sbin/policy-rc.d"
printf 'deb %s %s main\n' "$MIRROR" "$SUITE" >"$BUILD/etc/apt/sources.list"
printf 'APT::Install-Recommends "false";\nAPT::Install-Suggests "false";\n' >"$BUILD/etc/apt/apt.conf.d/90netreq"
cp /etc/resolv.conf "$BUILD/etc/resolv.conf"
# shellcheck disable=SC2086,SC2016  # split the package list; $1/$@ belong to the inner sh
unshare --mount sh -c 'mount -t proc proc "$1/proc" && shift && exec chroot "$@"' sh "$BUILD" "$BUILD" \
    sh -c "apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --download-only $STAGE2_PACKAGES" >&2
# shellcheck disable=SC2086,SC2016
unshare --net --mount sh -c 'mount -t proc proc "$1/proc" && shift && exec chroot "$@"' sh "$BUILD" "$BUILD" \
    env DEBIAN_FRONTEND=noninteractive apt-get install -y -q $STAGE2_PACKAGES >&2
chroot "$BUILD" apt-get clean
rm -rf "$BUILD"/var/lib/apt/lists/*
t2=$(date +%s)
nrq_log "firewalld + ufw: $((t2 - t1)) s"

# 4. configuration as a test host
: >"$BUILD/etc/resolv.conf"                 # no DNS inside test hosts
echo testhost >"$BUILD/etc/hostname"
# Off by default: each host enables what it tests (host_up.sh --enable UNIT).
systemctl --root="$BUILD" disable firewalld.service ufw.service nftables.service ssh.service >/dev/null 2>&1 || true
rm -f "$BUILD/etc/systemd/system/sshd.service"
# Units that only cost boot time in a container.
systemctl --root="$BUILD" mask systemd-timesyncd.service apt-daily.timer apt-daily-upgrade.timer \
    e2scrub_all.timer e2scrub_reap.service fstrim.timer systemd-pstore.service >/dev/null 2>&1 || true
# A valid machine id (host_up.sh gives each nspawn host its own): an empty or missing
# one would make systemd run "first boot" presets, which could enable firewalld/ufw.
systemd-id128 new >"$BUILD/etc/machine-id"
rm -f "$BUILD/usr/sbin/policy-rc.d"
# The marker Ansible checks before touching a host (it must never be this machine).
printf 'netreq test host rootfs %s (%s, built %s)\n' "$ROOTFS_STAMP" "$SUITE" "$(date -u +%FT%TZ)" >"$BUILD/etc/netreq-testhost"

rm -rf "$ROOTFS"
mv "$BUILD" "$ROOTFS"
rm -f "$TARBALL"

# Drop older builds that no running host uses as its lower layer.
for old in "$ROOTFS_PARENT"/"$SUITE"-*; do
    if [ ! -d "$old" ] || [ "$old" = "$ROOTFS" ]; then
        continue
    fi
    if ! grep -q "lowerdir=${old}[,: ]" /proc/mounts; then
        rm -rf "$old" && nrq_log "removed old rootfs $old"
    fi
done
t3=$(date +%s)
nrq_log "rootfs ready in $((t3 - t0)) s: $ROOTFS ($(du -sh "$ROOTFS" | cut -f1))"
printf '%s\n' "$ROOTFS"
