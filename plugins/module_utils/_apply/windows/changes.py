# -*- coding: utf-8 -*-
# Copyright (c) netreq.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""PRIVATE: the plan of a Windows Defender Firewall apply, computed in Python from the host's rules.

This module is private to the netreq.firewall collection; its API may change
without notice. Standard library only.

WinRM round trips are slow and PowerShell cannot be run where the collection
is built and tested, so everything that decides lives here: the controller
reads the host once (``windows_ruleset_facts``), this module compares that
with the rendering and returns the shared ``Plan`` plus a list of operations,
and the apply module only runs them. Each operation carries its own inverse,
computed here from what was read (a new rule's inverse removes it, a removed
rule's inverse recreates it with the parameters read, a changed setting's
inverse sets the value read), so undoing a half-done apply is data too and
the PowerShell side needs no logic of its own to roll back.

Ownership: a rule is the collection's when its group starts with
``WINDOWS_GROUP_PREFIX``; every other rule is never touched. Rules are
identified by ``Name`` (set to the ``netreq:<profile>:<id>`` tag), which
Windows keeps unique, unlike the display name. A dynamic keyword address is
the collection's when an owned rule references it or the rendering wants it.
"""

from __future__ import annotations

from ansible_collections.netreq.firewall.plugins.module_utils._apply.windows import rules as wr
from ansible_collections.netreq.firewall.plugins.module_utils._apply.skeleton import Plan
from ansible_collections.netreq.firewall.plugins.module_utils._model.ownership import tag
from ansible_collections.netreq.firewall.plugins.module_utils._model.vocabulary import POLICY_OPTIONS, check_policy

# The pseudo-profile owning the rules that keep a host manageable under an allowlist.
MANAGEMENT_PROFILE = "windows_management"
# Its rule whose presence says the collection set the outbound block (so permissive undoes it).
EGRESS_MARKER_ID = "dns_out-udp"
# What the host's local store holds when nobody chose a default (Windows then allows outbound).
NOT_CONFIGURED = "NotConfigured"
PROFILE_ACTIONS = ("Allow", "Block", NOT_CONFIGURED)

# op -> (cmdlet, parameters it may be given). The apply module holds the same table and refuses
# anything else; the plan never produces anything else.
_RULE_PARAMS = ("Description", "Enabled", "Direction", "Action", "Profile", "Protocol", "LocalPort", "RemotePort",
                "IcmpType", "RemoteAddress", "LocalAddress", "RemoteDynamicKeywordAddresses")
OPERATIONS = {
    "new_rule": ("New-NetFirewallRule", ("Name", "DisplayName", "Group") + _RULE_PARAMS),
    "set_rule": ("Set-NetFirewallRule", ("Name",) + _RULE_PARAMS),
    "remove_rule": ("Remove-NetFirewallRule", ("Name",)),
    "set_profile": ("Set-NetFirewallProfile", ("Name", "DefaultOutboundAction", "DefaultInboundAction")),
    "new_keyword": ("New-NetFirewallDynamicKeywordAddress", ("Id", "Keyword", "AutoResolve")),
    "remove_keyword": ("Remove-NetFirewallDynamicKeywordAddress", ("Id",)),
}


class WindowsPlan(object):
    """The shared ``Plan`` plus what only Windows needs: the operations, counts and notes."""

    def __init__(self, plan, operations, foreign, warnings):
        self.plan = plan
        self.operations = operations
        self.foreign = foreign  # rules on the host the collection does not own (left alone)
        self.warnings = warnings


# ---------------------------------------------------------------- the two states

def desired_state(rendering, egress_policy="permissive", ingress_policy="permissive",
                  management_ports=(5985, 5986), management_sources=("any",), network_profiles=None):
    """The desired state from a Windows rendering and the enforcement options; raises naming the field."""
    for key, value in zip(POLICY_OPTIONS, (ingress_policy, egress_policy)):
        check_policy("windows", key, value, error=wr.WindowsStateError)
    if network_profiles is not None:
        network_profiles = [name for name in wr.PROFILES if name.lower() in [str(item).lower() for item in network_profiles]]
    rules = []
    for kind in ("rules", "keyword_rules"):
        for params in rendering.get(kind) or []:
            rule = wr.from_rendering(params, kind)
            rules.append(rule)
            if network_profiles is None:
                network_profiles = rule["Profile"]
    network_profiles = network_profiles or list(wr.PROFILES)
    rules.extend(wr.management_rules(MANAGEMENT_PROFILE, egress_policy == "allowlist", ingress_policy == "allowlist",
                                     _ports_list(management_ports), list(management_sources),
                                     [name.lower() for name in network_profiles]))
    seen = set()
    for rule in rules:
        if rule["Name"].lower() in seen:  # Windows compares rule names without case
            raise wr.WindowsStateError("rule %s: the name is used twice" % rule["Name"])
        seen.add(rule["Name"].lower())
    keywords = []
    for item in rendering.get("dynamic_keywords") or []:
        if not isinstance(item, dict) or not item.get("id") or not item.get("keyword"):
            raise wr.WindowsStateError("rendered dynamic_keywords entry %r: fields id and keyword are required" % (item,))
        keywords.append({"Id": str(item["id"]).lower(), "Keyword": str(item["keyword"]), "AutoResolve": True})
    return {"rules": rules, "keywords": keywords, "egress_policy": egress_policy,
            "ingress_policy": ingress_policy, "network_profiles": network_profiles}


def _ports_list(ports):
    result = []
    for port in ports:
        try:
            number = int(port)
        except (TypeError, ValueError):
            number = 0
        if not 1 <= number <= 65535:
            raise wr.WindowsStateError("management_ports: %r is not a port number (1-65535)" % (port,))
        result.append(number)
    if not result:
        raise wr.WindowsStateError("management_ports: at least one port is needed")
    return result


def host_state(facts):
    """The host's state from the facts module's answer: owned rules, foreign count, profiles, keywords."""
    if not isinstance(facts, dict):
        raise wr.WindowsStateError("the host's firewall state is not an object")
    rules = {}
    taken = {}
    foreign = int(facts.get("foreign_rule_count") or 0)
    for entry in wr.as_list(facts.get("rules")):
        if not wr.owned((entry or {}).get("Group") if isinstance(entry, dict) else None):
            foreign += 1  # a foreign rule is never compared, changed or removed
            if isinstance(entry, dict) and entry.get("Name"):
                taken[str(entry["Name"]).lower()] = entry.get("Group")
            continue
        rule = wr.from_host(entry)
        rules[rule["Name"].lower()] = rule
    profiles = {}
    for entry in wr.as_list(facts.get("profiles")):
        name = [item for item in wr.PROFILES if item.lower() == str((entry or {}).get("Name", "")).lower()]
        if not name:
            raise wr.WindowsStateError("host profile entry %r: field Name is not one of %s" % (entry, ", ".join(wr.PROFILES)))
        profiles[name[0]] = {key: _profile_action(name[0], key, entry.get(key))
                             for key in ("DefaultOutboundAction", "DefaultInboundAction")}
        profiles[name[0]]["Enabled"] = str(entry.get("Enabled", "True")).lower() in ("true", "1")
    keywords = {}
    for entry in wr.as_list(facts.get("dynamic_keywords")):
        if not isinstance(entry, dict) or not entry.get("Id"):
            raise wr.WindowsStateError("host dynamic keyword entry %r: field Id is missing" % (entry,))
        keywords[str(entry["Id"]).lower()] = {"Id": str(entry["Id"]).lower(), "Keyword": str(entry.get("Keyword") or ""),
                                              "AutoResolve": bool(entry.get("AutoResolve"))}
    return {"rules": rules, "foreign": foreign, "taken": taken, "profiles": profiles, "keywords": keywords,
            "dynamic_keywords_supported": bool(facts.get("dynamic_keywords_supported"))}


def _profile_action(profile, key, value):
    text = NOT_CONFIGURED if value in (None, "") else str(value)
    match = [item for item in PROFILE_ACTIONS if item.lower() == text.lower()]
    if not match:
        raise wr.WindowsStateError("host profile %s, field %s: unexpected value %r" % (profile, key, value))
    return match[0]


# ---------------------------------------------------------------- operations

def _op(name, params, undo, what):
    return {"op": name, "params": params, "undo": undo, "what": what}


def _cmdlet_value(key, value):
    # Profile is a flags enum: PowerShell converts "Domain, Private" to it, not a list
    return ", ".join(value) if key == "Profile" else value


def _new_params(rule):
    params = {key: _cmdlet_value(key, value) for key, value in rule.items() if key in OPERATIONS["new_rule"][1]}
    if params.get("RemoteDynamicKeywordAddresses"):
        params.pop("RemoteAddress", None)  # the keywords are the remote addresses
    return params


def _set_params(rule, current=None):
    params = {key: _cmdlet_value(key, value) for key, value in rule.items() if key in OPERATIONS["set_rule"][1]}
    if params.get("RemoteDynamicKeywordAddresses"):
        params.pop("RemoteAddress", None)
    if current is not None and current.get("LocalAddress") and not rule.get("LocalAddress"):
        params["LocalAddress"] = [wr.ANY]
    return params


def _rule_ops(desired, current):
    """Operations turning ``current`` (None: absent) into ``desired`` (None: to remove)."""
    if current is None:
        return [_op("new_rule", _new_params(desired), {"op": "remove_rule", "params": {"Name": desired["Name"]}},
                    "add " + wr.describe(desired))]
    if desired is None:
        return [_op("remove_rule", {"Name": current["Name"]}, {"op": "new_rule", "params": _new_params(current)},
                    "remove " + wr.describe(current))]
    if current["Protocol"] != desired["Protocol"] or current["Direction"] != desired["Direction"]:
        # a port or ICMP filter cannot be switched in place to another protocol: replace the rule
        return _rule_ops(None, current) + _rule_ops(desired, None)
    return [_op("set_rule", _set_params(desired, current), {"op": "set_rule", "params": _set_params(current, desired)},
                "update " + wr.describe(desired))]


def _comparable(rule):
    return dict((key, value) for key, value in rule.items() if key != "Name")


def _profile_settings(desired, state):
    """``[(profile, key, before, after)]`` for the default actions the policies change."""
    changes = []
    marker = tag(MANAGEMENT_PROFILE, EGRESS_MARKER_ID).lower() in state["rules"]
    for profile in desired["network_profiles"]:
        current = state["profiles"].get(profile)
        if current is None:
            raise wr.WindowsStateError("the host did not report firewall profile %s" % profile)
        for key, policy in (("DefaultOutboundAction", desired["egress_policy"]),
                            ("DefaultInboundAction", desired["ingress_policy"])):
            before = current[key]
            if policy == "allowlist":
                after = "Block"
            elif key == "DefaultOutboundAction" and marker and before == "Block":
                after = NOT_CONFIGURED  # the collection set the block; permissive takes it back
            else:
                after = before  # permissive leaves the host's own choice alone
            if after != before:
                changes.append((profile, key, before, after))
    return changes


def make_plan(desired, state):
    """The plan and the operations taking the host from ``state`` to ``desired`` (pure)."""
    warnings = []
    if desired["keywords"] and not state["dynamic_keywords_supported"]:
        raise wr.WindowsStateError("the rendering uses dynamic keywords but the host does not support them "
                                   "(Windows 10 21H2 / Server 2022 or later): render with another fqdn_strategy")
    for rule in desired["rules"]:
        if rule["Name"].lower() in state["taken"]:
            raise wr.WindowsStateError("rule %s: a rule the collection does not own (group %r) already has this Name "
                                       "on the host; rename or remove it" % (rule["Name"], state["taken"][rule["Name"].lower()]))
    added, removed, unchanged = [], [], 0
    rule_ops, remove_ops = [], []
    wanted = {}
    for rule in desired["rules"]:
        wanted[rule["Name"].lower()] = rule
        current = state["rules"].get(rule["Name"].lower())
        if current is not None and _comparable(current) == _comparable(rule):
            unchanged += 1
            continue
        if current is not None:
            removed.append(wr.describe(current))
        added.append(wr.describe(rule))
        rule_ops.extend(_rule_ops(rule, current))
    for key in sorted(state["rules"]):
        if key not in wanted:
            current = state["rules"][key]
            removed.append(wr.describe(current))
            remove_ops.extend(_rule_ops(None, current))

    keyword_new, keyword_remove = [], []
    desired_ids = {item["Id"]: item for item in desired["keywords"]}
    for item in desired["keywords"]:
        current = state["keywords"].get(item["Id"])
        if current == item:
            continue
        if current is not None:
            keyword_remove.append(_op("remove_keyword", {"Id": item["Id"]}, {"op": "new_keyword", "params": current},
                                      "remove dynamic keyword %s %s" % (item["Id"], current["Keyword"])))
            removed.append("dynamic keyword %s: %s" % (item["Id"], current["Keyword"]))
        keyword_new.append(_op("new_keyword", dict(item), {"op": "remove_keyword", "params": {"Id": item["Id"]}},
                               "add dynamic keyword %s %s" % (item["Id"], item["Keyword"])))
        added.append("dynamic keyword %s: %s" % (item["Id"], item["Keyword"]))
    referenced = set()
    for rule in state["rules"].values():
        referenced.update(rule.get("RemoteDynamicKeywordAddresses") or [])
    stale_keywords = []
    for key in sorted(referenced - set(desired_ids)):
        current = state["keywords"].get(key)
        if current is None:
            continue
        stale_keywords.append(_op("remove_keyword", {"Id": key}, {"op": "new_keyword", "params": current},
                                  "remove dynamic keyword %s %s" % (key, current["Keyword"])))
        removed.append("dynamic keyword %s: %s" % (key, current["Keyword"]))

    settings, relax, tighten = [], [], []
    for profile, key, before, after in _profile_settings(desired, state):
        settings.append({"name": "profile %s %s" % (profile, key), "before": before, "after": after})
        op = _op("set_profile", {"Name": profile, key: after}, {"op": "set_profile", "params": {"Name": profile, key: before}},
                 "set profile %s %s %s" % (profile, key, after))
        (tighten if after == "Block" else relax).append(op)
    for profile in desired["network_profiles"]:
        if "allowlist" in (desired["egress_policy"], desired["ingress_policy"]) and not state["profiles"][profile]["Enabled"]:
            warnings.append("firewall profile %s is disabled on the host: its default actions and rules have no "
                            "effect until it is enabled" % profile)

    # Order: loosen first, then keywords before the rules that use them, new and changed rules
    # before removals, stale keywords after the rules that used them, and a block only at the end,
    # once every rule it must not cut off is in place. A replaced keyword is removed before it is re-created.
    operations = relax + keyword_remove + keyword_new + rule_ops + remove_ops + stale_keywords + tighten
    plan = Plan(added=added, removed=removed, unchanged=unchanged, settings=settings,
                existed=bool(state["rules"]), remains=bool(desired["rules"]))
    return WindowsPlan(plan, operations, state["foreign"], warnings)


def validate_operations(operations):
    """Check every operation against ``OPERATIONS`` before it is sent: op names, parameter names, value types."""
    for index, item in enumerate(operations):
        for part, entry in (("", item), (" undo", item.get("undo") if isinstance(item, dict) else None)):
            if part and entry is None:
                continue
            if not isinstance(entry, dict) or entry.get("op") not in OPERATIONS:
                shown = entry.get("op") if isinstance(entry, dict) else entry
                raise wr.WindowsStateError("operation %d%s: unknown op %r" % (index, part, shown))
            allowed = OPERATIONS[entry["op"]][1]
            for key, value in (entry.get("params") or {}).items():
                if key not in allowed:
                    raise wr.WindowsStateError("operation %d%s (%s): parameter %s is not allowed" % (index, part, entry["op"], key))
                values = value if isinstance(value, list) else [value]
                if not all(isinstance(one, (str, bool)) for one in values):
                    raise wr.WindowsStateError("operation %d%s (%s): parameter %s must be text, a list of text or a "
                                               "boolean, got %r" % (index, part, entry["op"], key, value))
    return operations


def describe_state(rules, settings=None):
    """The owned rules as text (one line each, sorted), for ``diff``."""
    lines = sorted(wr.describe(rule) for rule in rules)
    lines.extend("%s: %s" % (name, value) for name, value in sorted((settings or {}).items()))
    return "\n".join(lines) + ("\n" if lines else "")
