#!/usr/bin/env bash
# Set everything up and run the main job on the built-in default target: one
# throwaway local test host (Debian bookworm under systemd-nspawn, in its own
# network namespace "nrq-demo"; built once, then reused) gets the Rackspace PDR
# appliance's egress allow-list (US datacenter) through
# playbooks/apply_pdr_egress.yml. It prints the rule plan and the host's
# resulting live nftables ruleset. This machine's own firewall is never touched.
#
# Building a test host needs root; without root the script says so and runs
# the plan only (playbooks/plan.yml: every backend's rendering, no host).
# `bash tests/demo.sh down` removes the test host.
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=tests/setup.sh
source "$REPO/tests/setup.sh"
cd "$REPO"
out="$REPO/.build/demo"
agents='{"pdr_agent_cidrs": ["198.51.100.0/24"]}'

if [ "${1:-}" = down ]; then
    exec bash tests/testhost/demo_host.sh down
fi

echo "== the plan: Rackspace PDR appliance, US datacenter (written to $out/plan)"
ansible-playbook playbooks/plan.yml -e "plan_output_dir=$out/plan"

if [ "$(id -u)" != 0 ]; then
    echo
    echo "Building a local test host needs root (debootstrap, network namespaces, systemd-nspawn)."
    echo "Shown above: the plan only. Run this command as root to apply it to a throwaway test host."
    exit 0
fi

echo
echo "== the test host (built on first use, about a minute; reused afterwards)"
mkdir -p "$out"
bash tests/testhost/demo_host.sh up --inventory "$out/inventory.ini"

echo
echo "== apply_pdr_egress.yml on the test host"
ansible-playbook -i "$out/inventory.ini" playbooks/apply_pdr_egress.yml -e target=netreq_demo -e "$agents" --diff

echo
echo "== the test host's live nftables ruleset"
nsenter -t "$(bash tests/testhost/demo_host.sh pid)" -a nft list ruleset
