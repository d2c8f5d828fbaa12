# -*- coding: utf-8 -*-
# Copyright (c) netreq.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests of netreq.firewall.firewalld_ruleset on the shared recorded-host runner.

The XML files live under the fake host's root. firewalld's runtime is what the
case's ``runtime`` key says, in the shapes D-Bus returns (``getPolicySettings``
dicts, ``getIPSetSettings`` tuples, captured from firewalld 1.3.3 on the
Debian bookworm test host); a reload switches to ``runtime_after_reload`` or
fails with ``reload_error`` (once). ``firewalld_refuses`` maps a rule text to
the message firewalld's own parser would raise for it; ``reloads`` is the
number of reloads the run must make (default 0).
"""

from __future__ import annotations

import os

import pytest
import recorded_host
import yaml

from ansible_collections.netreq.firewall.plugins.module_utils._apply.detect import DETECTORS
from ansible_collections.netreq.firewall.plugins.module_utils._apply.firewalld import config as _firewalld_config
from ansible_collections.netreq.firewall.plugins.module_utils._apply.firewalld import rich as _firewalld_rich
from ansible_collections.netreq.firewall.plugins.module_utils._apply.firewalld import runtime as _firewalld_runtime
from ansible_collections.netreq.firewall.plugins.modules import firewalld_ruleset

CASES = recorded_host.load_cases(__file__)


class FakeFirewalld(object):
    """firewalld's five D-Bus calls, answered from a case."""

    kind = "dbus"

    def __init__(self, case):
        self.state = case.get("runtime") or {}
        self.after = case.get("runtime_after_reload", self.state)
        self.error = case.get("reload_error")
        self.reloads = 0

    def policy_names(self):
        return list(self.state.get("policies") or {})

    def policy_settings(self, name):
        return self.state["policies"][name]

    def ipset_names(self):
        return list(self.state.get("ipsets") or {})

    def ipset_settings(self, name):
        return self.state["ipsets"][name]

    def reload(self):
        self.reloads += 1
        if self.error:
            self.error, message = None, self.error
            raise _firewalld_runtime.ApplyError("firewalld D-Bus call failed: %s" % message)
        self.state = self.after
        return "D-Bus org.fedoraproject.FirewallD1.reload()"


def install(monkeypatch, root, case):
    fake = FakeFirewalld(case)
    refuses = case.get("firewalld_refuses") or {}

    def check(text):
        if text in refuses:
            raise _firewalld_rich.RichRuleError("firewalld refuses it: %s" % refuses[text])
        return text
    monkeypatch.setattr(_firewalld_runtime, "open_dbus", lambda: None if case.get("no_dbus") else fake)
    monkeypatch.setattr(_firewalld_runtime, "firewalld_rule_check", lambda: check)
    return fake


@pytest.mark.parametrize("case", CASES, ids=recorded_host.case_ids(CASES))
def test_module(case, recorded, monkeypatch):
    fake = install(monkeypatch, recorded.root, case)
    recorded.check(firewalld_ruleset.main, case)
    assert fake.reloads == case.get("reloads", 0)


def test_thousand_rules(recorded, monkeypatch):
    """1,000 rules in one call: one write of one file, one reload, and a no-op afterwards."""
    rules = [{"id": "r%d" % n, "rule": 'rule family="ipv4" destination address="198.51.100.%d" port port="%d" '
              'protocol="tcp" accept' % (n % 250 + 1, 1000 + n)} for n in range(1000)]
    policy = {"name": "netreq-out", "description": "bulk", "ingress_zones": ["HOST"], "egress_zones": ["ANY"],
              "target": "DROP", "rich_rules": rules}
    settings = {"description": "bulk", "target": "DROP", "masquerade": False, "priority": -1,
                "rich_rules": [rule["rule"] for rule in rules], "ingress_zones": ["HOST"], "egress_zones": ["ANY"]}
    case = {"id": "bulk", "input": {"policies": [policy]}, "runtime": {"policies": {}},
            "runtime_after_reload": {"policies": {"netreq-out": settings}}}
    fake = install(monkeypatch, recorded.root, case)
    result = recorded.check(firewalld_ruleset.main, case)
    assert (result["plan"]["action"], len(result["plan"]["added"]), fake.reloads) == ("create", 1001, 1)
    assert result["commands"] == ["write %s/etc/firewalld/policies/netreq-out.xml" % recorded.root,
                                  "D-Bus org.fedoraproject.FirewallD1.reload()"]
    again = dict(case, runtime={"policies": {"netreq-out": settings}})
    fake = install(monkeypatch, recorded.root, again)
    result = recorded.check(firewalld_ruleset.main, again)
    assert (result["changed"], result["plan"]["unchanged"], fake.reloads) == (False, 1000, 0)


GOLDEN = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "golden")


@pytest.mark.parametrize("name", sorted(name for name in os.listdir(GOLDEN) if os.path.isfile(os.path.join(GOLDEN, name, "firewalld.yml"))))
def test_golden_rendering_is_canonical_input(name):
    """The renderer's output for each built-in profile passes validation, already in canonical form."""
    with open(os.path.join(GOLDEN, name, "firewalld.yml")) as stream:
        rendered = yaml.safe_load(stream)
    desired = _firewalld_config.desired_state({"policies": rendered["policies"], "ipsets": rendered["ipsets"], "policy_prefix": "netreq"})
    for policy in rendered["policies"]:
        rules = [item["rule"] for item in policy["rich_rules"]]
        assert desired["policies"][policy["name"]]["rich_rules"] == sorted(set(rules), key=rules.index)


class FakeRunner(object):
    def __init__(self, paths, codes):
        self.paths, self.codes, self.calls = paths, codes, []

    def binary(self, name, required=True):
        return self.paths.get(name)

    def run(self, argv, data=None):
        self.calls.append(argv)
        return self.codes[argv[0]], "", ""


@pytest.mark.parametrize("paths, codes, expected, calls", [
    ({"systemctl": "/bin/systemctl"}, {"/bin/systemctl": 0}, True, [["/bin/systemctl", "is-active", "--quiet", "firewalld.service"]]),
    ({"systemctl": "/bin/systemctl", "firewall-cmd": "/bin/firewall-cmd"}, {"/bin/systemctl": 3}, False, None),
    ({"firewall-cmd": "/bin/firewall-cmd"}, {"/bin/firewall-cmd": 0}, True, [["/bin/firewall-cmd", "--state"]]),
    ({}, {}, False, []),
])
def test_detect(paths, codes, expected, calls):
    """firewalld is the backend when its unit is active; without systemd, when firewall-cmd --state says running."""
    runner = FakeRunner(paths, codes)
    assert DETECTORS["firewalld"](runner) is expected
    assert calls is None or runner.calls == calls


def test_params_of_a_dispatching_module_need_only_the_rule_set():
    desired = _firewalld_config.desired_state({"policies": [{"name": "netreq-out", "ingress_zones": ["HOST"], "egress_zones": ["ANY"]}]})
    assert (desired["prefix"], desired["state"], desired["policies"]["netreq-out"]["target"]) == ("netreq", "present", "CONTINUE")
