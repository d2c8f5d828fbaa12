#!/usr/bin/env bash
# Set everything up and run the main job on the built-in default: the plan of
# the Rackspace PDR appliance (US datacenter) for every backend, written to
# .build/plan/rackspace_pdr/ and printed. It runs on the controller only and
# touches no firewall, neither this machine's nor any other.
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=tests/setup.sh
source "$REPO/tests/setup.sh"
cd "$REPO"
out="$REPO/.build/plan/rackspace_pdr"
ansible-playbook playbooks/plan.yml -e "plan_output_dir=$out" "$@"
echo
echo "== plan written to $out"
ls -1 "$out"
echo
echo "== nftables transaction (from $out/nftables.yml)"
python -c 'import sys, yaml; print(yaml.safe_load(open(sys.argv[1]))["ruleset"])' "$out/nftables.yml"
