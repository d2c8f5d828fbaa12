#!/usr/bin/env bash
# Stop the listeners started by servers_up.sh (by recorded PID, command line checked)
# and remove the nrq-srv namespace. The switch stays while test hosts use it.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
# shellcheck source=tests/testhost/lib.sh
source "$HERE/lib.sh"
nrq_require_root
nrq_lock
nrq_servers_stop
echo "servers down"
