# -*- coding: utf-8 -*-
# Copyright (c) netreq.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""PRIVATE: ufw rules and firewalld policies the collection does not own that drop what it allows.

This module is private to the netreq.firewall collection; its API may change
without notice. It runs on managed hosts (standard library only); the
functions are pure over what the appliers already read.

* ufw: the rules of ``user.rules``/``user6.rules`` are one chain per
  direction, first match wins. A deny or reject rule the collection does not
  own, placed *before* an owned allow of the same direction whose traffic it
  can match, makes that allow dead. One after it does not.
* firewalld: policies are walked by priority, lowest first, and an accept
  ends the walk. So only a foreign policy with a *lower* priority than the
  collection's (runs first) can override it: its drop/reject rich rules that
  can match an owned flow, and its DROP/REJECT target for traffic none of its
  rules accepts. Read from the permanent XML files (``/etc/firewalld`` over
  ``/usr/lib/firewalld``), the structured form firewalld keeps; zones run
  after the collection's policies (priority below 0) and are not judged.
"""

from __future__ import annotations

import os
import xml.etree.ElementTree as ET

from ansible_collections.netreq.firewall.plugins.module_utils._apply.firewalld import config
from ansible_collections.netreq.firewall.plugins.module_utils._apply.firewalld import rich
from ansible_collections.netreq.firewall.plugins.module_utils._live.flows import (
    CERTAIN,
    POSSIBLE,
    Flow,
    Match,
    covers,
    network,
    overlap,
    port_ranges,
    protocols_of,
)

UFW_FILES = {4: "user.rules", 6: "user6.rules"}
# (direction of owned traffic, the policy side that must hold HOST, the other side)
POLICY_SIDES = (("egress", "ingress_zones", "egress_zones"), ("ingress", "egress_zones", "ingress_zones"))


# ---------------------------------------------------------------- ufw

def _ufw_remote(rule):
    return rule.dst if rule.direction == "out" else rule.src


def _ufw_local(rule):
    return rule.src if rule.direction == "out" else rule.dst


def ufw_flow(rule, tag):
    """The flow of an owned ufw rule."""
    remote = _ufw_remote(rule)
    networks = None if remote == "any" else [network(remote)]
    ports = None if rule.dport == "any" else rule.dport.split(",")
    return Flow(tag, "egress" if rule.direction == "out" else "ingress", rule.proto, ports, networks)


def ufw_match(rule, family):
    """The Match of a ufw rule of the file of ``family``."""
    remote = _ufw_remote(rule)
    unknown = []
    if rule.interface:
        unknown.append("on %s" % rule.interface)
    if rule.sport != "any":
        unknown.append("source port %s" % rule.sport)
    if _ufw_local(rule) != "any":
        unknown.append("local address %s" % _ufw_local(rule))
    if rule.dapp or rule.sapp:
        unknown.append("application %s" % (rule.dapp or rule.sapp))
    networks = None if remote == "any" else ([network(remote)] if network(remote) else None)
    if remote != "any" and networks is None:
        unknown.append("address %s" % remote)
    return Match(family=family, protocols=protocols_of(rule.proto),
                 ports=None if rule.dport == "any" else port_ranges(rule.dport.split(",")),
                 networks=networks, unknown=unknown)


def ufw_overrides(files, owns, tag_of):
    """Findings for foreign deny/reject rules placed before owned allows in ufw's rules files."""
    findings = []
    for family, rules_file in sorted(files.items()):
        foreign = []  # (position, rule) of the deny/reject rules seen so far
        for position, block in enumerate(rules_file.blocks):
            rule = block.rule
            if not rule.plain:
                continue
            if not owns(rule.comment):
                if rule.action in ("deny", "reject"):
                    foreign.append((position, rule))
                continue
            if rule.action != "allow":
                continue
            flow = ufw_flow(rule, tag_of(rule.comment))
            for other_position, other in foreign:
                if other.direction != rule.direction:
                    continue
                certainty = overlap(ufw_match(other, family), flow)
                if certainty:
                    findings.append({"tags": [flow.tag], "table": UFW_FILES[family], "chain": "ufw rules (%s)" % other.direction,
                                     "hook": "input" if rule.direction == "in" else "output", "priority": other_position + 1,
                                     "order": "before (rule %d, the owned rule is %d)" % (other_position + 1, position + 1),
                                     "rule": other.text(), "verdict": other.action, "certainty": certainty})
    return _merge(findings)


# ---------------------------------------------------------------- firewalld

def read_policies(directories, owned):
    """``{name: policy}`` of every policy file not owned; earlier directories win (``/etc`` over ``/usr/lib``)."""
    policies = {}
    for directory in directories:
        try:
            names = sorted(os.listdir(directory))
        except OSError:
            continue
        for name in names:
            if not name.endswith(".xml") or owned(name[:-4]) or name[:-4] in policies:
                continue
            try:
                policies[name[:-4]] = config.read_policy(os.path.join(directory, name), name[:-4])
            except (ET.ParseError, ValueError, OSError):
                continue
    return policies


def rich_match(text, direction):
    """``(Match, action)`` of a canonical rich rule, for traffic of ``direction``."""
    parsed = rich.parse(text)
    match = Match(family={"ipv4": 4, "ipv6": 6}.get(parsed.family))
    remote_slot, local_slot = ("destination", "source") if direction == "egress" else ("source", "destination")
    for slot, part in parsed.parts.items():
        attrs = part["attrs"]
        if slot == remote_slot:
            net = network(attrs.get("address")) if attrs.get("address") else None
            if part.get("invert") or net is None:
                match.unknown.append("%s %s" % (slot, " ".join("%s=%s" % item for item in sorted(attrs.items()))))
            else:
                match.networks = [net]
        elif slot == local_slot:
            match.unknown.append("%s %s" % (slot, " ".join("%s=%s" % item for item in sorted(attrs.items()))))
        elif slot == "element":
            if part["name"] == "port":
                match.protocols = protocols_of(attrs.get("protocol"))
                match.ports = port_ranges([attrs.get("port")])
            elif part["name"] == "protocol":
                match.protocols = protocols_of(attrs.get("value"))
            else:
                match.unknown.append(part["name"])
    action = parsed.parts.get("action", {}).get("name")
    return match, action


def firewalld_overrides(policies, flows, own_priority):
    """Findings for foreign policies that run before the collection's and drop or reject what it allows."""
    findings = []
    for name, policy in sorted(policies.items(), key=lambda item: (item[1]["priority"], item[0])):
        if policy["priority"] >= own_priority:
            continue
        for direction, zones_key, other_key in POLICY_SIDES:
            if "HOST" not in policy[zones_key]:
                continue
            pending = [flow for flow in flows if flow.direction == direction]
            scope = [] if "ANY" in policy[other_key] else ["zones %s" % " ".join(policy[other_key])]
            zones = "%s -> %s" % (" ".join(policy["ingress_zones"]), " ".join(policy["egress_zones"]))
            base = {"table": "firewalld policy %s" % name, "chain": zones, "priority": policy["priority"], "order": "before",
                    "hook": "input" if direction == "ingress" else "output"}
            for text in policy["rich_rules"]:
                try:
                    match, action = rich_match(text, direction)
                except rich.RichRuleError:
                    continue
                match.unknown.extend(scope)
                if action == "accept":
                    pending = [flow for flow in pending if not covers(match, flow)]
                elif action in ("drop", "reject"):
                    for certainty in (CERTAIN, POSSIBLE):
                        tags = [flow.tag for flow in pending if overlap(match, flow) == certainty]
                        if tags:
                            findings.append(dict(base, tags=sorted(set(tags)), rule=text, verdict=action, certainty=certainty))
            if policy["target"] in ("DROP", "REJECT") and pending:
                findings.append(dict(base, tags=sorted(set(flow.tag for flow in pending)), rule="target %s" % policy["target"],
                                     verdict="policy " + policy["target"].lower(), certainty=POSSIBLE))
    return findings


def _merge(findings):
    """One finding per foreign rule and certainty, listing every owned rule it overrides."""
    merged = {}
    for finding in findings:
        key = (finding["table"], finding["rule"], finding["certainty"])
        if key in merged:
            merged[key]["tags"] = sorted(set(merged[key]["tags"]) | set(finding["tags"]))
        else:
            merged[key] = dict(finding)
    return list(merged.values())
