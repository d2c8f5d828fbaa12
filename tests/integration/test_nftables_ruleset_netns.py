# -*- coding: utf-8 -*-
# Copyright (c) netreq.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""netreq.firewall.nftables_ruleset against the real nft, inside private network namespaces.

Every test gets its own named namespace ``nrqtest-<pid>-<n>`` (``ip netns
add``), runs the module (and nft) only through ``ip netns exec`` into it, and
deletes it afterwards. Nothing here runs nft in this machine's own namespace.
Skipped unless root with nft, ip and unshare available.
"""

from __future__ import annotations

import glob
import itertools
import json
import os
import shutil
import subprocess
import sys

import pytest
import yaml

from ansible_collections.netreq.firewall.plugins.module_utils._render import nftables

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
COLLECTIONS = os.path.join(REPO, ".build", "collections")
MODULE = "ansible_collections.netreq.firewall.plugins.modules.nftables_ruleset"
GOLDEN = sorted(glob.glob(os.path.join(REPO, "tests", "golden", "*", "nftables.yml")))
_COUNTER = itertools.count()

OTHER_TABLE = (
    "table inet other {\n"
    "\tset keep { type ipv4_addr; elements = { 203.0.113.99 } }\n"
    "\tchain input {\n"
    "\t\ttype filter hook input priority 10; policy accept;\n"
    '\t\ttcp dport 2222 counter accept comment "not ours"\n'
    "\t}\n"
    "}\n"
)


def _usable():
    if os.geteuid() != 0:
        return "needs root"
    for tool in ("nft", "ip", "unshare"):
        if not shutil.which(tool):
            return "needs %s" % tool
    probe = subprocess.run(["unshare", "--net", "nft", "list", "ruleset"], capture_output=True, check=False)
    if probe.returncode != 0:
        return "cannot run nft in a private network namespace"
    return None


pytestmark = pytest.mark.skipif(_usable() is not None, reason=str(_usable()))


class Namespace(object):
    def __init__(self, name, tmp_path):
        self.name = name
        self.tmp_path = tmp_path

    def run(self, *args, **kwargs):
        return subprocess.run(["ip", "netns", "exec", self.name] + list(args), capture_output=True, text=True,
                              check=False, timeout=120, **kwargs)

    def nft(self, *args, stdin=None):
        proc = self.run("nft", *args, input=stdin)
        assert proc.returncode == 0, proc.stderr
        return proc.stdout

    def tables(self):
        return self.nft("list", "tables").split("\n")

    def has_netreq(self):
        return "table inet netreq" in self.tables()

    def module(self, check=False, diff=True, **args):
        args.setdefault("persist", False)  # this machine is not a test host: no boot record, no unit
        args = dict(args, _ansible_check_mode=check, _ansible_diff=diff,
                    _ansible_remote_tmp=str(self.tmp_path), _ansible_tmpdir=str(self.tmp_path))
        path = self.tmp_path / ("args-%d.json" % next(_COUNTER))
        path.write_text(json.dumps({"ANSIBLE_MODULE_ARGS": args}))
        env = dict(os.environ, PYTHONPATH=COLLECTIONS)
        proc = self.run(sys.executable, "-m", MODULE, str(path), env=env)
        try:
            return json.loads(proc.stdout)
        except ValueError:
            raise AssertionError("module output is not JSON: %s %s" % (proc.stdout, proc.stderr))


@pytest.fixture
def netns(tmp_path):
    name = "nrqtest-%d-%d" % (os.getpid(), next(_COUNTER))
    subprocess.run(["ip", "netns", "add", name], check=True)
    try:
        namespace = Namespace(name, tmp_path)
        namespace.run("ip", "link", "set", "lo", "up")
        namespace.nft("-f", "-", stdin=OTHER_TABLE)
        yield namespace
    finally:
        subprocess.run(["ip", "netns", "del", name], check=False)


def golden(name):
    with open(os.path.join(REPO, "tests", "golden", name, "nftables.yml")) as stream:
        return yaml.safe_load(stream)


def test_apply_is_idempotent_and_other_tables_stay_byte_identical(netns):
    other_before = netns.nft("list", "table", "inet", "other")
    pdr = golden("rackspace_pdr_us")
    first = netns.module(table=pdr["table"], ruleset=pdr["ruleset"], rules=pdr["rules"])
    assert first["changed"] is True, first
    assert first["canonical_source"] == "netns"
    assert first["plan"]["action"] == "create"
    assert first["rules_count"] == sum(len(entry["statements"]) for entry in pdr["rules"])
    assert first["diff"]["before"] == ""
    assert first["diff"]["after"] == netns.nft("-s", "list", "table", "inet", "netreq")
    assert first["ruleset"] == pdr["ruleset"]

    # traffic moves the counters; that is not a change
    netns.run(sys.executable, "-c", "import socket; socket.socket().connect_ex(('127.0.0.1', 80))")
    assert "counter packets 0 bytes 0 accept comment \"netreq:rackspace_pdr:appliance_out_http_updates\"" not in \
        netns.nft("list", "table", "inet", "netreq")

    for check in (False, True):
        again = netns.module(check=check, table=pdr["table"], ruleset=pdr["ruleset"], rules=pdr["rules"])
        assert again["changed"] is False, again
        assert again["plan"] == {"action": "none", "added": [], "removed": [], "settings": [],
                                 "unchanged": first["plan"]["unchanged"] + len(first["plan"]["added"])}
    assert netns.nft("list", "table", "inet", "other") == other_before


def test_replace_check_mode_and_plan(netns):
    us, eu = golden("rackspace_pdr_us"), golden("rackspace_pdr_eu")
    assert netns.module(ruleset=us["ruleset"])["changed"] is True
    listing_us = netns.nft("-s", "list", "table", "inet", "netreq")

    predicted = netns.module(check=True, ruleset=eu["ruleset"], rules=eu["rules"])
    assert predicted["changed"] is True
    assert netns.nft("-s", "list", "table", "inet", "netreq") == listing_us  # check mode changed nothing

    applied = netns.module(ruleset=eu["ruleset"], rules=eu["rules"])
    assert applied["changed"] is True
    assert applied["plan"] == predicted["plan"]
    assert applied["plan"]["action"] == "update"
    assert applied["plan"]["added"] and applied["plan"]["removed"]
    assert all(line.startswith("chain ") for line in applied["plan"]["added"] + applied["plan"]["removed"])
    assert any("_eu\"" in line for line in applied["plan"]["added"])
    assert any("_us\"" in line for line in applied["plan"]["removed"])
    assert applied["diff"]["before"] == listing_us
    assert applied["diff"]["after"] == netns.nft("-s", "list", "table", "inet", "netreq")


@pytest.mark.parametrize("path", GOLDEN, ids=[os.path.basename(os.path.dirname(p)) for p in GOLDEN])
def test_every_golden_ruleset_applies_and_both_comparisons_agree(netns, path):
    with open(path) as stream:
        rendered = yaml.safe_load(stream)
    assert netns.module(ruleset=rendered["ruleset"], rules=rendered["rules"])["changed"] is True
    for mode in ("netns", "text", "auto"):
        result = netns.module(ruleset=rendered["ruleset"], canonicalize=mode)
        assert result["changed"] is False, (mode, result)
        assert result["canonical_source"] == ("netns" if mode == "auto" else mode)


@pytest.mark.parametrize("mode", ["netns", "text"])
def test_allowlist_with_sets_and_set_elements_filled_later(netns, mode):
    rule = {
        "id": "agent_out_app", "profile": "pdq_connect", "component": "agent", "direction": "egress",
        "protocol": "tcp", "ports": ["443"], "remote": ["app.pdq.com", "203.0.113.7", "2001:db8::7"],
        "description": "", "source": "", "optional": False, "temporary": False, "expires": None,
    }
    rendered = nftables.render([rule], ingress_policy="allowlist", egress_policy="allowlist", fqdn_strategy="resolve")
    first = netns.module(ruleset=rendered["ruleset"], rules=rendered["rules"], canonicalize=mode)
    assert first["changed"] is True, first
    assert first["canonical_source"] == mode
    # what the resolver does later: fill the sets
    netns.nft("add", "element", "inet", "netreq", "agent_out_app_v4", "{ 198.51.100.10 }")
    again = netns.module(ruleset=rendered["ruleset"], rules=rendered["rules"], canonicalize=mode)
    assert again["changed"] is False, again
    assert "198.51.100.10" in netns.nft("list", "set", "inet", "netreq", "agent_out_app_v4")


def test_invalid_ruleset_changes_nothing(netns):
    pdr = golden("rackspace_pdr_us")
    netns.module(ruleset=pdr["ruleset"])
    before = netns.nft("list", "ruleset")
    broken = pdr["ruleset"].replace("tcp dport 7777", "tcp dport 77777")
    result = netns.module(ruleset=broken)
    assert result.get("failed") is True
    assert "nothing was changed" in result["msg"] and "77777" in result["msg"]
    assert netns.nft("list", "ruleset") == before


def test_ruleset_touching_another_table_is_refused(netns):
    before = netns.nft("list", "ruleset")
    result = netns.module(ruleset="table inet netreq { }\ndelete table inet other\n")
    assert result.get("failed") is True
    assert "table inet other" in result["msg"]
    assert netns.nft("list", "ruleset") == before
    assert not netns.has_netreq()


def test_absent_removes_only_the_collections_table(netns):
    other_before = netns.nft("list", "table", "inet", "other")
    pdr = golden("rackspace_pdr_us")
    netns.module(ruleset=pdr["ruleset"])
    assert netns.has_netreq()
    predicted = netns.module(check=True, state="absent")
    assert predicted["changed"] is True and netns.has_netreq()
    removed = netns.module(state="absent")
    assert removed["changed"] is True
    assert removed["plan"]["action"] == "delete"
    assert not netns.has_netreq()
    assert netns.module(state="absent")["changed"] is False
    assert netns.nft("list", "table", "inet", "other") == other_before
    assert netns.tables() == ["table inet other", ""]


PLAYBOOK = """
- name: Apply the PDR appliance's nftables table
  hosts: localhost
  connection: local
  gather_facts: false
  vars:
    rendered: >-
      {{ ('rackspace_pdr' | netreq.firewall.requirements(component='appliance',
           params={'datacenter': 'us', 'agent_cidrs': ['198.51.100.0/24']}))
         | netreq.firewall.render(backend='nftables', options={'egress_policy': 'allowlist'}) }}
  tasks:
    - name: Replace the table
      netreq.firewall.nftables_ruleset:
        table: "{{ rendered.table }}"
        ruleset: "{{ rendered.ruleset }}"
        rules: "{{ rendered.rules }}"
        persist: false  # this machine is not a test host: no boot record, no unit
      register: applied

"""


def test_through_ansible_playbook(netns):
    playbook = netns.tmp_path / "apply.yml"
    playbook.write_text(PLAYBOOK)
    binary = os.path.join(os.path.dirname(sys.executable), "ansible-playbook")
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=COLLECTIONS, ANSIBLE_NOCOLOR="1", ANSIBLE_LOCALHOST_WARNING="0",
               ANSIBLE_INVENTORY_UNPARSED_WARNING="0", ANSIBLE_STDOUT_CALLBACK="ansible.posix.json")
    runs = []
    for extra in ([], [], ["--check", "--diff"]):
        proc = netns.run(binary, str(playbook), "-e", "ansible_python_interpreter=%s" % sys.executable,
                         *extra, env=env, cwd=str(netns.tmp_path))
        assert proc.returncode == 0, proc.stdout + proc.stderr
        report = json.loads(proc.stdout)
        runs.append((report["stats"]["localhost"], report["plays"][0]["tasks"][0]["hosts"]["localhost"]))
    (stats1, first), (stats2, second), (stats3, checked) = runs
    assert first["changed"] is True and stats1["changed"] == 1
    assert first["plan"]["action"] == "create"
    assert first["rules_count"] == 9 + 7  # 9 PDR rules; the egress allowlist baseline: established, loopback,
    # IPv6 neighbour discovery, IPv6 packet too big, IPv4 fragmentation needed, the DHCP and DHCPv6 client
    assert first["boot_record"] is None
    assert second["changed"] is False and stats2["changed"] == 0
    assert checked["changed"] is False and checked["diff"]["before"] == checked["diff"]["after"]
    assert "policy drop;" in netns.nft("list", "chain", "inet", "netreq", "output")
