#!/usr/bin/env bash
# Copyright (c) netreq.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Print the path of Debian's headless-capable chromium, installing the package first
# when it is missing (root and apt only). The install runs behind a policy-rc.d that
# refuses every service start, as tests/run.sh does for nftables, so no service starts
# on this machine. Exit 77 when chromium is missing and cannot be installed.
set -u
guard=/usr/sbin/policy-rc.d
created=0
found=$(command -v chromium 2>/dev/null)
if [ -n "$found" ]; then
    echo "$found"
    exit 0
fi
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "ensure_chromium: chromium is not installed and cannot be installed here (needs root and apt)" >&2
    exit 77
fi
if [ ! -e "$guard" ]; then
    printf '#!/bin/sh\nexit 101\n' > "$guard" && chmod 755 "$guard" && created=1
fi
if ! apt-cache policy chromium 2>/dev/null | grep -q 'Candidate: [0-9]'; then
    apt-get update -qq >/dev/null 2>&1
fi
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null 2>&1
rc=$?
[ "$created" -eq 1 ] && rm -f "$guard"
found=$(command -v chromium 2>/dev/null)
if [ "$rc" -ne 0 ] || [ -z "$found" ]; then
    echo "ensure_chromium: installing Debian's chromium package failed (apt-get rc=$rc)" >&2
    exit 77
fi
echo "$found"
