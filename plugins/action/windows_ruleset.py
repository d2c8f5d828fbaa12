# -*- coding: utf-8 -*-
# Copyright (c) netreq.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""netreq.firewall.windows_ruleset: plan on the controller, one read and at most one write on the host.

WinRM round trips are slow and PowerShell is not available where the
collection is tested, so the host side is two thin modules (read the owned
state; run a list of operations) and everything that decides runs here, in
Python: compiling, rendering, choosing the host name strategy from what the
host supports, planning (``_apply/windows/changes.py``), check mode and diff.
"""

from __future__ import annotations

from ansible.errors import AnsibleActionFail
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.plugins.action import ActionBase

from ansible_collections.netreq.firewall.plugins.module_utils._apply.windows import changes as wp
from ansible_collections.netreq.firewall.plugins.module_utils._model.errors import NetreqError
from ansible_collections.netreq.firewall.plugins.module_utils._model.rules import compile_selections
from ansible_collections.netreq.firewall.plugins.module_utils._model.ownership import WINDOWS_GROUP_PREFIX
from ansible_collections.netreq.firewall.plugins.module_utils._model.vocabulary import (
    ENFORCEMENT_POLICIES,
    FQDN_FALLBACKS,
    WILDCARD_FALLBACKS,
    WINDOWS_FQDN_STRATEGIES,
)
from ansible_collections.netreq.firewall.plugins.module_utils._render._registry import render

NAME = "netreq.firewall.windows_ruleset"
DYNAMIC = WINDOWS_FQDN_STRATEGIES[0]

# The documented options (plugins/modules/windows_ruleset.py), as an argument spec.
ARGUMENT_SPEC = {
    "profiles": {"type": "list", "elements": "dict", "required": True},
    "ingress_policy": {"type": "str", "choices": list(ENFORCEMENT_POLICIES), "default": "permissive"},
    "egress_policy": {"type": "str", "choices": list(ENFORCEMENT_POLICIES), "default": "permissive"},
    "fqdn_strategy": {"type": "str", "choices": list(WINDOWS_FQDN_STRATEGIES), "default": DYNAMIC},
    "fqdn_fallback": {"type": "str", "choices": list(FQDN_FALLBACKS), "default": "reject"},
    "wildcard_fallback": {"type": "str", "choices": [name for name in WILDCARD_FALLBACKS if name]},
    "network_profiles": {"type": "list", "elements": "str", "choices": ["domain", "private", "public"],
                         "default": ["domain", "private", "public"]},
    "management_ports": {"type": "list", "elements": "int", "default": [5985, 5986]},
    "management_sources": {"type": "list", "elements": "str", "default": ["any"]},
}


def validate_args(raw):
    """The validated options; AnsibleActionFail naming every bad option."""
    validated = ArgumentSpecValidator(ARGUMENT_SPEC).validate(dict(raw))
    if validated.error_messages:
        raise AnsibleActionFail("%s: %s" % (NAME, "; ".join(validated.error_messages)))
    return validated.validated_parameters


def prepare(args):
    """Compile and render for every strategy the host may need, before any remote call.

    Returns ``(rules compiled, strategies, {strategy: (rendering, desired) | error text})``.
    With ``windows_dynamic_keyword`` the fallback is rendered too: an input error
    fails here, before the host is read; a profile the fallback cannot express
    fails only on a host that needs the fallback (still before anything is written).
    """
    try:
        # an empty list is a selection too: the host then holds none of the collection's rules
        rules = compile_selections(args["profiles"]) if args["profiles"] else []
    except NetreqError as exc:
        raise AnsibleActionFail("%s: %s" % (NAME, exc))
    strategies = [args["fqdn_strategy"]]
    if args["fqdn_strategy"] == DYNAMIC:
        strategies.append(args["fqdn_fallback"])
    prepared = {}
    for strategy in strategies:
        try:
            rendering = render("windows", rules, profiles=args["network_profiles"], fqdn_strategy=strategy,
                               wildcard_fallback=args["wildcard_fallback"])
            desired = wp.desired_state(rendering, args["egress_policy"], args["ingress_policy"],
                                       args["management_ports"], args["management_sources"],
                                       args["network_profiles"])
        except NetreqError as exc:
            if not prepared:
                raise AnsibleActionFail("%s (fqdn_strategy=%s): %s" % (NAME, strategy, exc))
            prepared[strategy] = str(exc)
            continue
        prepared[strategy] = (rendering, desired)
    return len(rules), strategies, prepared


def plan_for_host(strategies, prepared, facts):
    """``(strategy used, rendering, desired, state, WindowsPlan)`` from the facts module's ``state``."""
    try:
        state = wp.host_state(facts)
    except NetreqError as exc:
        raise AnsibleActionFail("%s: %s" % (NAME, exc))
    strategy = strategies[0]
    if strategy == DYNAMIC and not state["dynamic_keywords_supported"]:
        strategy = strategies[1]
        if isinstance(prepared[strategy], str):
            raise AnsibleActionFail("%s: the host has no dynamic keyword addresses (Windows 10 21H2 / Server 2022 or "
                                    "later), and fqdn_fallback=%s cannot express the rules: %s"
                                    % (NAME, strategy, prepared[strategy]))
    rendering, desired = prepared[strategy]
    try:
        planned = wp.make_plan(desired, state)
        wp.validate_operations(planned.operations)
    except NetreqError as exc:
        raise AnsibleActionFail("%s: %s" % (NAME, exc))
    return strategy, rendering, desired, state, planned


def _settings_text(planned, before):
    return dict((item["name"], item["before" if before else "after"]) for item in planned.plan.settings)


def report(strategy, rendering, desired, state, planned, diff):
    """The task result of a plan (before any apply)."""
    result = {
        "changed": planned.plan.changed,
        "backend": "windows",
        "fqdn_strategy": strategy,
        "dynamic_keywords_supported": state["dynamic_keywords_supported"],
        "foreign_rules": planned.foreign,
        "plan": planned.plan.as_dict(),
        "operations": [item["what"] for item in planned.operations],
        "widenings": rendering["widenings"],
        "proxy_allowlist": rendering["proxy_allowlist"],
    }
    if planned.warnings:
        result["warnings"] = list(planned.warnings)
    if diff:
        result["diff"] = {
            "before": wp.describe_state(state["rules"].values(), _settings_text(planned, True)),
            "after": wp.describe_state(desired["rules"], _settings_text(planned, False)),
            "before_header": "Windows Defender Firewall, owned rules (live)",
            "after_header": "Windows Defender Firewall, owned rules (desired)",
        }
    return result


def apply_outcome(result, applied, desired):
    """Merge the apply module's answer into ``result``: a failure names what was restored; success is verified."""
    if applied.get("failed"):
        result["failed"] = True
        result["changed"] = bool(applied.get("changed"))
        for key in ("failed_operation", "restored", "not_restored", "completed"):
            if key in applied:
                result[key] = applied[key]
        restored = applied.get("restored") or []
        lost = applied.get("not_restored") or []
        if lost:
            state = "restoring the previous state failed for %d operation(s): %s" % (len(lost), "; ".join(lost))
        else:
            state = "the previous state was restored (%d operation(s) undone)" % len(restored)
        result["msg"] = "%s: %s; %s" % (NAME, applied.get("msg") or "the apply module failed", state)
        return result
    after = applied.get("after")
    if after is not None:
        try:
            leftover = wp.make_plan(desired, wp.host_state(after))
        except NetreqError as exc:
            leftover = None
            result.setdefault("warnings", []).append("could not verify the rules read back: %s" % exc)
        if leftover is not None and leftover.plan.changed:
            result["failed"] = True
            result["msg"] = ("%s: applied, but the rules read back differ from the plan: %s"
                             % (NAME, "; ".join(leftover.plan.added + leftover.plan.removed
                                                + [item["name"] for item in leftover.plan.settings])))
    return result


class ActionModule(ActionBase):
    """Compile, render and plan here; read once and (when needed) write once on the host."""

    TRANSFERS_FILES = False
    _VALID_ARGS = frozenset(ARGUMENT_SPEC)

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        args = validate_args(self._task.args)
        rules_compiled, strategies, prepared = prepare(args)
        facts = self._execute_module(module_name="netreq.firewall.windows_ruleset_facts",
                                     module_args={"group_prefix": WINDOWS_GROUP_PREFIX}, task_vars=task_vars)
        if facts.get("failed"):
            result.update(facts)
            return result
        strategy, rendering, desired, state, planned = plan_for_host(strategies, prepared, facts.get("state"))
        result.update(report(strategy, rendering, desired, state, planned, self._task.diff))
        result["rules_compiled"] = rules_compiled
        if not planned.plan.changed or self._task.check_mode:
            return result
        applied = self._execute_module(module_name="netreq.firewall.windows_ruleset_apply",
                                       module_args={"operations": planned.operations,
                                                    "group_prefix": WINDOWS_GROUP_PREFIX},
                                       task_vars=task_vars)
        for warning in applied.get("warnings") or []:
            result.setdefault("warnings", []).append(warning)
        return apply_outcome(result, applied, desired)
