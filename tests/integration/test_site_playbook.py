"""playbooks/site.yml: a host in two groups gets the union of both groups' selections, in one call.

Real ansible-playbook on the controller. The inventory's hosts use the local
connection with /bin/false as their Python, so the role's module can never run
on this machine: the tests read what the play joined and what the action
plugin compiled, which is all done on the controller.
"""

import json
import os
import subprocess
import sys

import pytest

from ansible_collections.netreq.firewall.plugins.module_utils._model.rules import compile_selections

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PLAYBOOK = os.path.join(REPO, "playbooks", "site.yml")
INVENTORY = os.path.join(os.path.dirname(os.path.abspath(__file__)), "site_union", "inventory.yml")
PDR = [{"profile": "rackspace_pdr", "component": "appliance", "params": {"datacenter": "us", "agent_cidrs": ["198.51.100.0/24"]}}]
PDQ = [{"profile": "pdq_connect", "component": "agent"}]


def rule_keys(selections):
    return {"%s:%s" % (rule["profile"], rule["id"]) for rule in compile_selections(selections)}


@pytest.fixture(scope="module")
def site_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("site")
    binary = os.path.join(os.path.dirname(sys.executable), "ansible-playbook")
    env = dict(os.environ, ANSIBLE_NOCOLOR="1", ANSIBLE_STDOUT_CALLBACK="ansible.builtin.json", ANSIBLE_LOCAL_TEMP=str(tmp),
               ANSIBLE_REMOTE_TEMP=str(tmp), ANSIBLE_RETRY_FILES_ENABLED="0")
    done = subprocess.run([binary, "-i", INVENTORY, PLAYBOOK, "--check"], cwd=str(tmp), env=env, capture_output=True,
                          text=True, timeout=600, check=False)
    report = json.loads(done.stdout)
    results = {}
    for play in report["plays"]:
        for task in play["tasks"]:
            for host, result in task["hosts"].items():
                results.setdefault(host, {})[task["task"]["name"]] = result
    return results


def test_a_host_in_two_groups_keeps_the_rules_of_both(site_run):
    joined = site_run["inputs1"]["Join the selections of every group the host is in"]["ansible_facts"]["netreq_site_selections"]
    assert sorted(joined, key=lambda s: s["profile"]) == PDQ + PDR
    both = rule_keys(joined)
    assert both == rule_keys(PDR) | rule_keys(PDQ)
    assert rule_keys(PDR) and rule_keys(PDQ) and not rule_keys(PDR) & rule_keys(PDQ)


def test_hosts_in_one_group_get_only_that_group(site_run):
    only_pdr = site_run["pdr_only"]["Join the selections of every group the host is in"]["ansible_facts"]
    only_pdq = site_run["pdq_only"]["Join the selections of every group the host is in"]["ansible_facts"]
    assert only_pdr["netreq_site_selections"] == PDR
    assert only_pdq["netreq_site_selections"] == PDQ


def test_the_role_is_called_once_with_the_whole_set(site_run):
    # the action plugin compiled and rendered the joined set on the controller; only the
    # remote half could not run (this host's Python is /bin/false), so it failed as a module
    apply = site_run["inputs1"]["netreq.firewall.host_firewall : Apply the whole rule set in one call"]
    assert apply.get("failed")
    assert "netreq.firewall" not in apply.get("msg", ""), apply
    assert "MODULE FAILURE" in apply.get("msg", "") or "deserialization" in apply.get("msg", ""), apply
