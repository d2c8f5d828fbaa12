# -*- coding: utf-8 -*-
# Copyright (c) netreq.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The controller half of netreq.firewall.host_ruleset: what it renders for the host, and what it refuses."""

from __future__ import annotations

import contextlib
import signal
import time

import pytest

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase

from ansible_collections.netreq.firewall.plugins.action.host_ruleset import ActionModule as HostRulesetAction
from ansible_collections.netreq.firewall.plugins.action.host_ruleset import ARGUMENT_SPEC as ACTION_SPEC
from ansible_collections.netreq.firewall.plugins.action import host_ruleset as host_ruleset_action
from ansible_collections.netreq.firewall.plugins.action.host_ruleset import HOST_BACKENDS, host_options, memo_candidates
from ansible_collections.netreq.firewall.plugins.action.host_ruleset import proxy_result, render_for_host
from ansible_collections.netreq.firewall.plugins.action.host_ruleset_info import ActionModule as HostRulesetInfoAction
from ansible_collections.netreq.firewall.plugins.module_utils._apply.backends import APPLIERS, DETECTION_ORDER
from ansible_collections.netreq.firewall.plugins.module_utils._apply.nftables.text import parse_table_spec
from ansible_collections.netreq.firewall.plugins.module_utils._model.ownership import NFT_TABLE_SPEC
from ansible_collections.netreq.firewall.plugins.module_utils._render._registry import backends_with
from ansible_collections.netreq.firewall.plugins.modules.host_ruleset import ARGUMENT_SPEC as MODULE_SPEC

from rule_builder import make_rule


def args(**overrides):
    base = {"ingress_policy": "permissive", "egress_policy": "permissive", "fqdn_strategy": "reject",
            "wildcard_fallback": None, "render_options": {}}
    base.update(overrides)
    return base


RULES = [make_rule("https_out", ports=["443"], remote=["198.51.100.0/24"]),
         make_rule("agents_in", direction="ingress", ports=["7777"], remote=["203.0.113.0/24"])]


def test_auto_renders_every_host_backend_as_its_applier_options():
    renderings = render_for_host(RULES, "auto", args())
    assert sorted(renderings) == sorted(HOST_BACKENDS)
    assert renderings["nftables"]["params"]["table"] == NFT_TABLE_SPEC
    assert "https_out" in renderings["nftables"]["params"]["ruleset"]
    assert [rule["id"] for rule in renderings["ufw"]["params"]["rules"]] == ["https_out", "agents_in"]
    assert renderings["ufw"]["params"]["enabled"] is True
    assert "default_outgoing" not in renderings["ufw"]["params"]  # permissive: ufw's defaults stay as they are
    rich = [rule["rule"] for policy in renderings["firewalld"]["params"]["policies"] for rule in policy["rich_rules"]]
    assert any('destination address="198.51.100.0/24" port port="443"' in rule for rule in rich)


def test_the_host_side_knows_every_backend_the_controller_renders():
    assert set(HOST_BACKENDS) == set(APPLIERS) == set(DETECTION_ORDER) == set(backends_with(kind="host", platform="linux"))


def test_the_action_takes_the_options_the_module_declares():
    assert ACTION_SPEC == MODULE_SPEC


def test_an_explicit_backend_renders_only_that_one():
    assert list(render_for_host(RULES, "nftables", args())) == ["nftables"]


def test_allowlist_reaches_every_renderer():
    renderings = render_for_host(RULES, "auto", args(egress_policy="allowlist"))
    assert renderings["ufw"]["params"]["default_outgoing"] == "deny"
    assert "policy drop" in renderings["nftables"]["params"]["ruleset"]
    out = [policy for policy in renderings["firewalld"]["params"]["policies"] if policy["name"].endswith("-out")]
    assert out[0]["target"] == "DROP"


def test_backend_specific_options_go_only_to_their_backend():
    renderings = render_for_host(RULES, "auto", args(render_options={"table_name": "edge", "policy_prefix": "edge"}))
    assert renderings["nftables"]["params"]["table"] == "inet edge"
    assert renderings["firewalld"]["params"]["policy_prefix"] == "edge"
    assert {policy["name"] for policy in renderings["firewalld"]["params"]["policies"]} == {"edge-in", "edge-out"}


def test_an_option_no_candidate_backend_knows_is_refused_before_any_remote_call():
    with pytest.raises(AnsibleActionFail, match="unknown option.*table_nmae"):
        render_for_host(RULES, "auto", args(render_options={"table_nmae": "edge"}))
    with pytest.raises(AnsibleActionFail, match="unknown option.*policy_prefix"):
        render_for_host(RULES, "nftables", args(render_options={"policy_prefix": "edge"}))


def test_a_rule_one_backend_cannot_express_is_left_to_the_host_only_under_auto():
    rules = RULES + [make_rule("ping_out", protocol="icmp", remote=["198.51.100.1"])]
    renderings = render_for_host(rules, "auto", args())
    assert "ping_out" in renderings["ufw"]["error"] and "params" in renderings["nftables"]
    with pytest.raises(AnsibleActionFail, match="ping_out"):
        render_for_host(rules, "ufw", args())


def test_rules_no_backend_can_express_fail_with_every_reason():
    rules = [make_rule("portal", ports=["443"], remote=["app.example.com"])]
    with pytest.raises(AnsibleActionFail, match="no backend can apply these rules.*portal.*fqdn_strategy"):
        render_for_host(rules, "auto", args())


def test_renderings_cross_packed_and_come_back_whole():
    from ansible_collections.netreq.firewall.plugins.action.host_ruleset import pack_renderings
    from ansible_collections.netreq.firewall.plugins.modules.host_ruleset import unpack_renderings
    renderings = {"rules_compiled": 2, "backends": render_for_host(RULES, "auto", args())}
    packed = pack_renderings(renderings)
    assert isinstance(packed, str) and len(packed) < len(str(renderings))
    assert unpack_renderings(packed) == renderings
    assert unpack_renderings(renderings) is renderings  # a dict given by hand is taken as it is
    for garbage in ("not base64!", "aGVsbG8=", pack_renderings(["a", "list"])):
        with pytest.raises(ValueError, match="packed renderings"):
            unpack_renderings(garbage)


# ---------------------------------------------------------------- the no-op memo

def test_each_rendering_carries_its_memo_key_and_the_arguments_of_its_cheap_read():
    renderings = render_for_host(RULES, "auto", args(render_options={"table_name": "edge", "policy_prefix": "edge"}))
    assert renderings["nftables"]["memo"]["fingerprint"] == {"family": "inet", "table": "edge"}
    assert renderings["firewalld"]["memo"]["fingerprint"] == {"policy_prefix": "edge"}
    assert renderings["ufw"]["memo"]["fingerprint"] == {}
    keys = [renderings[name]["memo"]["key"] for name in HOST_BACKENDS]
    assert len(set(keys)) == len(keys)
    # the same rules give the same key; one rule more gives another
    assert render_for_host(RULES, "nftables", args(render_options={"table_name": "edge"}))["nftables"]["memo"] == \
        renderings["nftables"]["memo"]
    more = render_for_host(RULES + [make_rule("dns_out", protocol="udp", ports=["53"], remote=["198.51.100.53"])],
                           "nftables", args(render_options={"table_name": "edge"}))
    assert more["nftables"]["memo"]["key"] != renderings["nftables"]["memo"]["key"]


@pytest.mark.parametrize("render_options", [{}, {"table_name": "edge", "policy_prefix": "edge"}])
def test_the_cheap_read_known_before_rendering_reads_where_the_rendering_owns(render_options):
    """The memo module reads what memo_scope names; the applier records what its rendering owns."""
    renderings = render_for_host(RULES, "auto", args(render_options=render_options))
    family, table = parse_table_spec(renderings["nftables"]["params"]["table"])
    assert renderings["nftables"]["memo"]["fingerprint"] == {"family": family, "table": table}
    assert renderings["firewalld"]["memo"]["fingerprint"] == {
        "policy_prefix": renderings["firewalld"]["params"]["policy_prefix"]}


def test_the_memo_key_follows_rules_options_and_rendering_code(monkeypatch):
    options = host_options("nftables", args())
    key = memo_candidates(RULES, options)["nftables"]["key"]
    assert memo_candidates(list(RULES), host_options("nftables", args()))["nftables"]["key"] == key
    assert memo_candidates(RULES[:1], options)["nftables"]["key"] != key
    assert memo_candidates(RULES, host_options("nftables", args(ingress_policy="allowlist")))["nftables"]["key"] != key
    monkeypatch.setattr(host_ruleset_action, "_RENDER_CODE", ["another version of the rendering code"])
    assert memo_candidates(RULES, options)["nftables"]["key"] != key


def test_a_backend_with_wrong_options_gets_no_memo_and_rendering_says_why():
    options = host_options("auto", args(render_options={"table_name": "no spaces allowed"}))
    assert sorted(memo_candidates(RULES, options)) == ["firewalld", "ufw"]
    with pytest.raises(AnsibleActionFail, match="table_name must be"):
        render_for_host(RULES, "nftables", args(render_options={"table_name": "no spaces allowed"}))


def test_resolve_without_names_keeps_the_memo():
    assert sorted(memo_candidates(RULES, host_options("auto", args(fqdn_strategy="resolve")))) == sorted(HOST_BACKENDS)


def test_names_resolved_on_the_host_get_no_memo():
    rules = RULES + [make_rule("portal", ports=["443"], remote=["app.example.com"])]
    renderings = render_for_host(rules, "nftables", args(fqdn_strategy="resolve"))
    assert renderings["nftables"]["resolve"]["entries"] and "memo" not in renderings["nftables"]
    assert memo_candidates(rules, host_options("auto", args(fqdn_strategy="resolve"))) == {}


def test_names_left_to_a_proxy_give_the_squid_allow_list():
    rules = RULES + [make_rule("portal", ports=["443"], remote=["app.example.com"])]
    renderings = render_for_host(rules, "nftables", args(fqdn_strategy="proxy"))
    proxy = proxy_result(renderings["nftables"])
    assert proxy["allowlist"][0]["hosts"] == ["app.example.com"]
    assert "dstdomain app.example.com" in proxy["squid"]
    assert proxy_result(render_for_host(RULES, "nftables", args())["nftables"]) is None


class _Task(object):
    def __init__(self, task_args, diff=False, timeout=None):
        self.args = task_args
        self.diff = diff
        self.timeout = timeout  # the task keyword; Ansible gives every task one


def _action(monkeypatch, action_class, answers, diff=False):
    """An action whose remote calls are recorded and answered from ``answers`` (module name -> result)."""
    monkeypatch.setattr(ActionBase, "run", lambda self, tmp=None, task_vars=None: {})
    action = action_class.__new__(action_class)
    action._task = _Task({"profiles": [{"profile": "rackspace_pdr", "component": "appliance",
                                        "params": {"datacenter": "us", "agent_cidrs": ["198.51.100.0/24"]}}]}, diff)
    action.calls = []

    def execute(module_name, module_args, task_vars=None):
        action.calls.append((module_name, module_args))
        return dict(answers[module_name])
    action._execute_module = execute
    return action


HIT = {"changed": False, "backend": "nftables", "hit": True,
       "plan": {"action": "none", "added": [], "removed": [], "unchanged": 5, "settings": []}}
FULL = {"changed": True, "backend": "nftables", "compared": "full", "plan": {"action": "update"}}


def test_an_unchanged_host_is_answered_by_the_memo_module_alone(monkeypatch):
    action = _action(monkeypatch, HostRulesetAction, {"netreq.firewall.host_ruleset_memo": HIT})
    result = action.run(task_vars={})
    assert [call[0] for call in action.calls] == ["netreq.firewall.host_ruleset_memo"]
    sent = action.calls[0][1]
    assert sent["backend"] == "auto" and set(sent["candidates"]) == set(HOST_BACKENDS)
    assert all(set(memo) == {"key", "fingerprint"} for memo in sent["candidates"].values())
    assert result["compared"] == "memo" and result["changed"] is False and result["commands"] == []
    assert result["plan"] == HIT["plan"] and result["rules_compiled"] > 0 and result["detected"] is True
    assert "renderings" not in result["invocation"]["module_args"]


def test_a_hit_renders_nothing(monkeypatch):
    def no_rendering(*_args, **_kwargs):
        raise AssertionError("rendered on a hit")
    monkeypatch.setattr(host_ruleset_action, "render", no_rendering)
    action = _action(monkeypatch, HostRulesetAction, {"netreq.firewall.host_ruleset_memo": HIT})
    assert action.run(task_vars={})["compared"] == "memo"


def test_a_hit_with_names_left_to_a_proxy_renders_the_answering_backend_for_the_allow_list(monkeypatch):
    rendered = []
    real_render = host_ruleset_action.render
    monkeypatch.setattr(host_ruleset_action, "render", lambda name, *a, **k: rendered.append(name) or real_render(name, *a, **k))
    action = _action(monkeypatch, HostRulesetAction, {"netreq.firewall.host_ruleset_memo": HIT})
    action._task.args = {"fqdn_strategy": "proxy", "profiles": [{"profile": "pdq_connect", "component": "web_browser"}]}
    result = action.run(task_vars={})
    assert result["compared"] == "memo" and rendered == ["nftables"]
    assert "dstdomain" in result["proxy"]["squid"]


def test_a_miss_sends_the_full_module(monkeypatch):
    miss = {"changed": False, "backend": "nftables", "hit": False, "reason": "changed"}
    action = _action(monkeypatch, HostRulesetAction,
                     {"netreq.firewall.host_ruleset_memo": miss, "netreq.firewall.host_ruleset": FULL})
    result = action.run(task_vars={})
    assert [call[0] for call in action.calls] == ["netreq.firewall.host_ruleset_memo", "netreq.firewall.host_ruleset"]
    assert "renderings" in action.calls[1][1] and result["compared"] == "full" and result["changed"] is True


def test_diff_mode_and_the_live_state_report_never_ask_the_memo(monkeypatch):
    action = _action(monkeypatch, HostRulesetAction, {"netreq.firewall.host_ruleset": FULL}, diff=True)
    action.run(task_vars={})
    assert [call[0] for call in action.calls] == ["netreq.firewall.host_ruleset"]
    info = _action(monkeypatch, HostRulesetInfoAction, {"netreq.firewall.host_ruleset_info": {"backend": "nftables"}})
    info.run(task_vars={})
    assert [call[0] for call in info.calls] == ["netreq.firewall.host_ruleset_info"]


KEYS_SCRIPT = """
import json, sys
from ansible_collections.netreq.firewall.plugins.action.host_ruleset import render_for_host
from ansible_collections.netreq.firewall.plugins.module_utils._model.rules import compile_selections
from ansible_collections.netreq.firewall.plugins.module_utils._model.profile import builtin_profiles
keys = {}
for name in sorted(builtin_profiles()):
    for strategy in ("reject", "any_address", "proxy"):
        args = {"ingress_policy": "allowlist", "egress_policy": "allowlist", "fqdn_strategy": strategy,
                "wildcard_fallback": None, "render_options": {}}
        try:
            rules = compile_selections([{"profile": name, "params": json.loads(sys.argv[1]).get(name, {})}])
            rendered = render_for_host(rules, "auto", args)
        except Exception as exc:  # a profile a strategy cannot render is reported, not keyed
            keys["%s/%s" % (name, strategy)] = type(exc).__name__
            continue
        for backend, rendering in sorted(rendered.items()):
            keys["%s/%s/%s" % (name, strategy, backend)] = (rendering.get("memo") or {}).get("key")
print(json.dumps(keys, sort_keys=True))
"""


def test_memo_keys_do_not_depend_on_the_process_hash_seed():
    """Each run is a new controller process: a key built from set order would miss the memo at random."""
    import json
    import os
    import subprocess
    import sys
    params = json.dumps({"rackspace_pdr": {"datacenter": "us", "agent_cidrs": ["198.51.100.0/24"]}})
    outputs = []
    for seed in ("1", "2", "3"):
        env = dict(os.environ, PYTHONHASHSEED=seed, PYTHONPATH=os.pathsep.join(sys.path))
        done = subprocess.run([sys.executable, "-c", KEYS_SCRIPT, params], env=env, capture_output=True, text=True,
                              check=True)
        outputs.append(json.loads(done.stdout))
    assert sum(1 for key in outputs[0].values() if key and len(key) == 64) >= 6, outputs[0]
    assert outputs[0] == outputs[1] == outputs[2]


class _Connection(object):
    def __init__(self):
        self.resets = 0

    def reset(self):
        self.resets += 1


def _hanging_action(monkeypatch, seconds, **task_args):
    """An action whose applier call never answers, as over a connection its new rule set cut."""
    action = _action(monkeypatch, HostRulesetAction, {"netreq.firewall.host_ruleset_memo": {"hit": False}})
    action._task.args.update(task_args, answer_timeout=seconds)
    action._connection = _Connection()
    removed = []
    monkeypatch.setattr(ActionBase, "cleanup", lambda self, force=False: removed.append(force))
    action.removed_tmp = removed

    def execute(module_name, module_args, task_vars=None):
        action.calls.append((module_name, module_args))
        if module_name == "netreq.firewall.host_ruleset":
            time.sleep(30)
        return {"hit": False}
    action._execute_module = execute
    return action


def test_a_host_that_stops_answering_fails_in_bounded_time_saying_why(monkeypatch):
    action = _hanging_action(monkeypatch, 1, egress_policy="allowlist", confirm_timeout=30)
    started = time.monotonic()
    with pytest.raises(AnsibleActionFail) as failure:
        action.run(task_vars={})
    assert time.monotonic() - started < 10
    message = str(failure.value)
    assert "did not answer within 1 s" in message and "egress allowlist" in message
    assert "management" in message and "restores its previous rule set by itself within 30 s" in message
    assert action._connection.resets == 1
    action.cleanup()
    assert action.removed_tmp == []  # no new connection to a host that is cut off
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


def test_without_an_allowlist_or_a_confirmation_the_message_says_so(monkeypatch):
    action = _hanging_action(monkeypatch, 1)
    with pytest.raises(AnsibleActionFail, match="No allowlist was asked for.*Nothing restores"):
        action.run(task_vars={})


def test_a_task_timeout_is_left_to_ansible(monkeypatch):
    action = _action(monkeypatch, HostRulesetAction, {"netreq.firewall.host_ruleset_memo": HIT})
    action._task.timeout = 5
    action._task.args["answer_timeout"] = 1
    armed = []
    monkeypatch.setattr(host_ruleset_action, "answer_within", lambda seconds: armed.append(seconds) or contextlib.nullcontext())
    action.run(task_vars={})
    assert armed == [0]


def test_the_bound_is_lifted_after_a_timely_answer(monkeypatch):
    action = _action(monkeypatch, HostRulesetAction, {"netreq.firewall.host_ruleset_memo": HIT})
    action._task.args["answer_timeout"] = 1
    previous = signal.getsignal(signal.SIGALRM)
    assert action.run(task_vars={})["compared"] == "memo"
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0) and signal.getsignal(signal.SIGALRM) is previous
    time.sleep(1.2)  # an alarm left armed would raise here


@pytest.mark.parametrize("answer, confirm, task_timeout, bound", [
    (120, 0, None, 120),
    (120, 30, None, 15),   # a host cut off must not hold the others' confirmation past their restore timers
    (10, 60, None, 10),
    (120, 1, None, 1),     # never 0, which would mean no bound at all
    (0, 30, None, 0),      # asked for no bound
    (120, 30, 45, 0),      # the task's own timeout is the bound
])
def test_the_answer_bound_stays_inside_the_confirmation(answer, confirm, task_timeout, bound):
    assert host_ruleset_action.answer_bound({"answer_timeout": answer, "confirm_timeout": confirm}, task_timeout) == bound
