# -*- coding: utf-8 -*-
# Copyright (c) netreq.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The controller half of netreq.firewall.windows_ruleset: one read, at most one write, the strategy fallback,
check mode, diff, and what a half-way failure on the host turns into.

The two host modules are PowerShell, which cannot run here: their calls are
answered from the planning fixtures and by ``FakeHost``, which runs the
operations over the facts JSON exactly as the apply module's result shape says.
"""

from __future__ import annotations

import json
import os
import sys
from unittest import mock

import pytest
import yaml

from ansible.errors import AnsibleActionFail

from ansible_collections.netreq.firewall.plugins.action import windows_ruleset

FIXTURES = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "module_utils", "windows")
sys.path.insert(0, FIXTURES)
from fake_host import FakeHost  # noqa: E402  pylint: disable=wrong-import-position


def fixture(name):
    with open(os.path.join(FIXTURES, "fixtures", name), encoding="utf-8") as stream:
        return json.load(stream) if name.endswith(".json") else yaml.safe_load(stream)


class Action(windows_ruleset.ActionModule):
    """The action with its two module calls answered by a FakeHost."""

    def __init__(self, args, host, check_mode=False, diff=False):
        task = mock.MagicMock(args=args, async_val=0, check_mode=check_mode, diff=diff)
        connection = mock.MagicMock()
        connection._shell.tmpdir = None
        super().__init__(task, connection, mock.MagicMock(), mock.MagicMock(), mock.MagicMock(), mock.MagicMock())
        self.host = host
        self.calls = []

    def _execute_module(self, module_name=None, module_args=None, task_vars=None, **kwargs):
        self.calls.append(module_name)
        if module_name.endswith("windows_ruleset_facts"):
            assert module_args == {"group_prefix": "netreq:"}
            return {"changed": False, "state": json.loads(json.dumps(self.host.facts))}
        assert module_name.endswith("windows_ruleset_apply")
        windows_ruleset.wp.validate_operations(module_args["operations"])
        return self.host.run(json.loads(json.dumps(module_args["operations"])))


def lab(**overrides):
    args = {"profiles": [{"profile": fixture("lab_profile.yml")}]}
    args.update(overrides)
    return args


def test_first_run_reads_once_writes_once_and_the_second_run_only_reads():
    host = FakeHost(fixture("host_fresh.json"))
    action = Action(lab(egress_policy="allowlist"), host)
    result = action.run(task_vars={})
    assert result["changed"] and not result.get("failed")
    assert action.calls == ["netreq.firewall.windows_ruleset_facts", "netreq.firewall.windows_ruleset_apply"]
    assert result["fqdn_strategy"] == "windows_dynamic_keyword" and result["dynamic_keywords_supported"]
    again = Action(lab(egress_policy="allowlist"), host)
    second = again.run(task_vars={})
    assert not second["changed"] and second["plan"]["action"] == "none"
    assert again.calls == ["netreq.firewall.windows_ruleset_facts"]


def test_check_mode_plans_and_never_writes():
    host = FakeHost(fixture("host_fresh.json"))
    action = Action(lab(), host, check_mode=True, diff=True)
    result = action.run(task_vars={})
    assert result["changed"] and result["plan"]["action"] == "create"
    assert action.calls == ["netreq.firewall.windows_ruleset_facts"]
    assert host.calls == []
    assert result["diff"]["before"] == ""
    assert "netreq:lab:out_https: outbound allow TCP" in result["diff"]["after"]


def test_host_without_dynamic_keywords_gets_the_fallback_and_says_so():
    facts = fixture("host_fresh.json")
    facts["dynamic_keywords_supported"] = False
    host = FakeHost(facts)
    result = Action(lab(fqdn_fallback="any_address"), host).run(task_vars={})
    assert result["fqdn_strategy"] == "any_address" and not result["dynamic_keywords_supported"]
    assert result["widenings"][0]["hosts"] == ["api.example.com"]
    assert not [op for op, _params in host.calls if op == "new_keyword"]


def test_a_fallback_that_cannot_express_the_profile_fails_only_where_needed_and_before_any_write():
    facts = fixture("host_fresh.json")
    facts["dynamic_keywords_supported"] = False
    action = Action(lab(), FakeHost(facts))  # fqdn_fallback defaults to reject
    with pytest.raises(AnsibleActionFail, match="no dynamic keyword addresses.*fqdn_fallback=reject.*out_api"):
        action.run(task_vars={})
    assert action.calls == ["netreq.firewall.windows_ruleset_facts"]


def test_an_input_error_fails_before_any_remote_call():
    action = Action(lab(fqdn_strategy="reject"), FakeHost(fixture("host_fresh.json")))
    with pytest.raises(AnsibleActionFail, match="fqdn_strategy=reject.*out_api"):
        action.run(task_vars={})
    assert action.calls == []


def test_bad_options_fail_before_any_remote_call():
    action = Action(lab(egress_policy="deny", network_profiles=["office"]), FakeHost(fixture("host_fresh.json")))
    with pytest.raises(AnsibleActionFail, match="egress_policy") as error:
        action.run(task_vars={})
    assert "network_profiles" in str(error.value)
    assert action.calls == []


def test_half_way_failure_reports_what_was_restored_and_fails():
    host = FakeHost(fixture("host_fresh.json"), fail_at=3)
    before = json.loads(json.dumps(host.facts))
    result = Action(lab(egress_policy="allowlist"), host).run(task_vars={})
    assert result["failed"] and result["changed"]
    assert result["failed_operation"].startswith("add netreq:lab:out_api/keywords")
    assert len(result["restored"]) == 3 and result["not_restored"] == []
    assert "the previous state was restored (3 operation(s) undone)" in result["msg"]
    assert host.facts["rules"] == before["rules"] and host.facts["dynamic_keywords"] == before["dynamic_keywords"]


def test_apply_module_failure_shape_is_reported_as_is():
    # the result shape windows_ruleset_apply.ps1 documents for a failed undo
    applied = {"failed": True, "changed": True, "msg": 'windows apply failed at "add x": Access is denied.',
               "failed_operation": "add x", "completed": ["add w"], "restored": [],
               "not_restored": ["add w: Access is denied."]}
    result = windows_ruleset.apply_outcome({"changed": True}, applied, desired=None)
    assert result["failed"] and result["not_restored"] == ["add w: Access is denied."]
    assert "restoring the previous state failed for 1 operation(s)" in result["msg"]


def test_read_back_that_differs_from_the_plan_fails():
    desired = windows_ruleset.wp.desired_state({"rules": [], "keyword_rules": [], "dynamic_keywords": []})
    result = windows_ruleset.apply_outcome({"changed": True}, {"changed": True, "after": fixture("host_applied.json")}, desired)
    assert result["failed"] and "differ from the plan" in result["msg"]


def test_an_empty_selection_removes_every_owned_rule_and_the_block():
    host = FakeHost(fixture("host_applied.json"))
    Action(lab(egress_policy="allowlist"), host).run(task_vars={})
    result = Action({"profiles": [], "fqdn_strategy": "reject"}, host).run(task_vars={})
    assert result["plan"]["action"] == "delete" and not result.get("failed")
    assert [rule["Group"] for rule in host.facts["rules"]] == ["Line of business"]
    assert {profile["DefaultOutboundAction"] for profile in host.facts["profiles"]} == {"NotConfigured"}
    assert host.facts["dynamic_keywords"] == []
