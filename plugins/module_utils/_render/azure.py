# -*- coding: utf-8 -*-
# Copyright (c) netreq.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""PRIVATE: render normalized rules as azure.azcollection.azure_rm_securitygroup rules.

This module is private to the netreq.firewall collection; its API may change
without notice. It exists so the cloud_security_group role and the filters
share one pure translation from the Rule list to network security group rules.

Result (besides the envelope keys of ``RenderContext.envelope``)::

    rules:   # azure_rm_securitygroup ``rules`` items, in input order
      - name: netreq-<profile>-<id>            # IPv6 part of a rule: ...-ipv6
        description: "netreq:<profile>:<id> <description>"   # at most 140 characters
        protocol: Tcp                          # Tcp | Udp | Icmp | "*"
        source_port_range: "*"
        destination_port_range: "443"          # one range as a string, several as a list, "*" for all
        source_address_prefix: "*"             # ingress: the rule's remote; egress: "*"
        destination_address_prefix: [198.51.100.0/24, 203.0.113.7]   # one as a string, several as a list
        access: Allow
        priority: 1000
        direction: Outbound                    # Inbound | Outbound

Decisions:

* A security rule cannot mix IPv4 and IPv6 prefixes: an IPv4 rule keeps the
  base name and its IPv6 companion gets the suffix ``-ipv6`` (also when the
  rule has only IPv6 addresses), so names stay stable when a rule gains or
  loses a family. ``remote: [any]`` is one rule with ``"*"``.
* Priorities are unique per direction: ``priority_start``,
  ``+priority_step``, ... in input order; Azure accepts 100..4096, anything
  past 4096 raises. ``max_rules`` (default 1000, the Azure limit of rules per
  network security group) bounds the total of both directions.
* Names: letters, digits, ``_``, ``.``, ``-``; start with a letter or digit,
  end with a letter, digit or ``_``; at most 80 characters. Other characters
  become ``_``; a name that is too long, or that collides (case-insensitive,
  as Azure compares them) with another, is cut and gets a hash suffix derived
  from the rule's tag, so it stays deterministic.
"""

from __future__ import annotations

import re

from ansible_collections.netreq.firewall.plugins.module_utils import _ownership
from ansible_collections.netreq.firewall.plugins.module_utils._errors import NetreqError
from ansible_collections.netreq.firewall.plugins.module_utils._render._base import (
    Capabilities,
    RenderContext,
    described,
    hashed_name,
    unique_names,
    merge_options,
    format_network,
    port_ranges,
    rule_tag,
)

BACKEND = "azure"
CAPABILITIES = Capabilities("cloud", "azure", icmp=True)

DEFAULT_OPTIONS = {
    "name_prefix": _ownership.CLOUD_NAME_PREFIX,
    "priority_start": 1000,
    "priority_step": 1,
    "max_rules": 1000,
    "fqdn_strategy": None,
    "wildcard_fallback": None,
}

PRIORITY_MIN = 100
PRIORITY_MAX = 4096
NAME_MAX = 80
DESCRIPTION_MAX = 140
IPV6_SUFFIX = "-ipv6"

_NAME_RE = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9_.-]*[A-Za-z0-9_])?$")
_NAME_BAD_RE = re.compile(r"[^A-Za-z0-9_.-]")
_PREFIX_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$")
_PROTOCOLS = {"tcp": "Tcp", "udp": "Udp", "icmp": "Icmp", "any": "*"}
_DIRECTIONS = {"ingress": "Inbound", "egress": "Outbound"}


def _int_option(opts, key, low, high):
    value = opts[key]
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise NetreqError("backend %s: option %s must be an integer between %d and %d, got %r" % (BACKEND, key, low, high, value))


def _options(options):
    merged = merge_options(BACKEND, DEFAULT_OPTIONS, options)
    if not isinstance(merged["name_prefix"], str) or not _PREFIX_RE.match(merged["name_prefix"]):
        raise NetreqError("backend %s: option name_prefix must be 1-40 letters, digits, '_', '.' or '-' starting with a letter or digit, got %r"
                          % (BACKEND, merged["name_prefix"]))
    _int_option(merged, "priority_start", PRIORITY_MIN, PRIORITY_MAX)
    _int_option(merged, "priority_step", 1, PRIORITY_MAX - PRIORITY_MIN)
    _int_option(merged, "max_rules", 1, 100000)
    return merged


def _candidate_name(prefix, rule, suffix):
    name = _NAME_BAD_RE.sub("_", "%s-%s-%s%s" % (prefix, rule["profile"], rule["id"], suffix))
    identity = "%s%s" % (rule_tag(rule), suffix)
    if len(name) > NAME_MAX or not _NAME_RE.match(name):
        name = hashed_name(name, identity, NAME_MAX)
    return name, identity


def _port_value(rule):
    if rule["protocol"] in ("icmp", "any"):
        return "*"
    ports = ["%d" % low if low == high else "%d-%d" % (low, high) for low, high in port_ranges(rule)]
    if not ports:
        return "*"
    return ports[0] if len(ports) == 1 else ports


def _prefix_value(networks):
    prefixes = [format_network(net) for net in networks]
    return prefixes[0] if len(prefixes) == 1 else prefixes


def render(rules, **options):
    """Render ``rules`` as azure_rm_securitygroup ``rules`` items (see the module docstring)."""
    opts = _options(options)
    ctx = RenderContext(BACKEND, CAPABILITIES, fqdn_strategy=opts["fqdn_strategy"], wildcard_fallback=opts["wildcard_fallback"])
    pending = []
    for rule in rules:
        planned = ctx.plan_remote(rule)
        if planned.empty:
            continue
        if planned.is_any:
            parts = [("", "*")]
        else:
            parts = [(suffix, _prefix_value(nets)) for suffix, nets in (("", planned.ipv4), (IPV6_SUFFIX, planned.ipv6)) if nets]
        for suffix, remote in parts:
            pending.append((rule, suffix, remote))

    if len(pending) > opts["max_rules"]:
        raise NetreqError(
            "backend %s: the rules need %d security rules, more than max_rules=%d (Azure allows 1000 rules per network security group)"
            % (BACKEND, len(pending), opts["max_rules"]))

    names = unique_names(BACKEND, [_candidate_name(opts["name_prefix"], rule, suffix) for rule, suffix, _remote in pending], NAME_MAX, fold=str.lower)
    next_priority = {"Inbound": opts["priority_start"], "Outbound": opts["priority_start"]}
    result = []
    for name, (rule, _suffix, remote) in zip(names, pending):
        direction = _DIRECTIONS[rule["direction"]]
        priority = next_priority[direction]
        if priority > PRIORITY_MAX:
            raise NetreqError(
                "backend %s: rule %s would get %s priority %d, above Azure's maximum %d; "
                "lower priority_start (%d) or priority_step (%d), or render fewer rules"
                % (BACKEND, rule["id"], direction, priority, PRIORITY_MAX, opts["priority_start"], opts["priority_step"]))
        next_priority[direction] = priority + opts["priority_step"]
        ingress = rule["direction"] == "ingress"
        result.append({
            "name": name,
            "description": described(rule, DESCRIPTION_MAX),
            "protocol": _PROTOCOLS[rule["protocol"]],
            "source_port_range": "*",
            "destination_port_range": _port_value(rule),
            "source_address_prefix": remote if ingress else "*",
            "destination_address_prefix": "*" if ingress else remote,
            "access": "Allow",
            "priority": priority,
            "direction": direction,
        })
    return ctx.envelope(rules=result)
