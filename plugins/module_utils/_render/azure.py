# -*- coding: utf-8 -*-
# Copyright (c) netreq.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""PRIVATE: render normalized rules as azure.azcollection.azure_rm_securitygroup rules.

This module is private to the netreq.firewall collection; its API may change
without notice. It exists so the cloud_security_group role and the filters
share one pure translation from the Rule list to network security group rules.

Result (besides the envelope keys of ``RenderContext.envelope``)::

    security_group:   # azure_rm_securitygroup parameters other than ``rules``
      name: netreq                             # option security_group_name
      resource_group: rg-1                     # only when the option is given
      location: westeurope                     # only when the option is given
      tags: {"netreq:owner": netreq.firewall, "netreq:set": netreq}   # plus the option tags
      purge_rules: true
    rules:   # azure_rm_securitygroup ``rules`` items, in input order
      - name: netreq-<profile>-<id>            # IPv6 part of a rule: ...-ipv6
        description: "netreq:<profile>:<id> <description>"   # at most 140 characters
        protocol: Tcp                          # Tcp | Udp | Icmp | "*"
        source_port_range: "*"
        destination_port_range: "443"          # one range as a string, several as a list, "*" for all
        source_address_prefix: "*"             # ingress: the rule's remote; egress: "*"
        destination_address_prefix: [198.51.100.0/24, 203.0.113.7]   # one as a string, several as a list
        access: Allow
        priority: 1234
        direction: Outbound                    # Inbound | Outbound
    ownership:        # how a role recognises the NSG (tags) and the rules (description) as the collection's
      tags: {"netreq:owner": netreq.firewall, "netreq:set": netreq}
      description_prefix: "netreq:"

Decisions:

* A security rule cannot mix IPv4 and IPv6 prefixes: an IPv4 rule keeps the
  base name and its IPv6 companion gets the suffix ``-ipv6`` (also when the
  rule has only IPv6 addresses), so names stay stable when a rule gains or
  loses a family. ``remote: [any]`` is one rule with ``"*"``.
* Priorities are unique per direction (Azure accepts 100..4096) and must not
  move when another rule is added or removed: a changed priority is an
  update of that rule. So a rule keeps the priority it has in the live NSG
  (option ``existing_rules``: the ``rules`` of azure_rm_securitygroup_info)
  when that is in range and free; otherwise its priority is derived from a
  hash of its name into ``priority_start``..``priority_end`` (default
  1000..3999), probing upwards (wrapping) past taken ones, new rules in name
  order. Without live rules the result is the same on every run; with them
  no existing rule is ever renumbered.
* ``max_rules`` (default 1000, the Azure limit of rules per network
  security group) bounds the total of both directions, the deny rule below
  included.
* ``egress_policy=allowlist``: the NSG's default ``AllowInternetOutBound``
  (65001) and ``AllowVnetOutBound`` (65000) would let everything out, so an
  explicit ``Deny`` of all outbound traffic is added at priority 4096, the
  lowest a user rule can have: every allow rule is evaluated first. It also
  denies traffic to the virtual network, as an allowlist should.
* Names: letters, digits, ``_``, ``.``, ``-``; start with a letter or digit,
  end with a letter, digit or ``_``; at most 80 characters. Other characters
  become ``_``; a name that is too long, or that collides (case-insensitive,
  as Azure compares them) with another, is cut and gets a hash suffix derived
  from the rule's tag, so it stays deterministic.
"""

from __future__ import annotations

import hashlib
import re

from ansible_collections.netreq.firewall.plugins.module_utils._model import ownership as _ownership
from ansible_collections.netreq.firewall.plugins.module_utils._model.errors import NetreqError
from ansible_collections.netreq.firewall.plugins.module_utils._model.vocabulary import check_policy
from ansible_collections.netreq.firewall.plugins.module_utils._render._base import (
    Capabilities,
    RenderContext,
    described,
    format_network,
    hashed_name,
    merge_options,
    port_ranges,
    rule_tag,
    unique_names,
)

BACKEND = "azure"
CAPABILITIES = Capabilities.of(BACKEND, icmp=True)

DEFAULT_OPTIONS = {
    "name_prefix": _ownership.CLOUD_NAME_PREFIX,
    "security_group_name": _ownership.CLOUD_NAME_PREFIX,
    "resource_group": None,
    "location": None,
    "tags": None,
    "priority_start": 1000,
    "priority_end": 3999,
    "existing_rules": None,
    "egress_policy": "permissive",
    "max_rules": 1000,
    "fqdn_strategy": None,
    "wildcard_fallback": None,
}

PRIORITY_MIN = 100
PRIORITY_MAX = 4096
# The deny-all outbound rule of an egress allowlist: the lowest priority a user rule can have.
DENY_PRIORITY = PRIORITY_MAX
DENY_ID = "deny-all-outbound"
NAME_MAX = 80
DESCRIPTION_MAX = 140  # counted in UTF-16 code units: a character outside the BMP takes two


def _cut_utf16(text, limit):
    """``text`` cut so that it holds at most ``limit`` UTF-16 code units, never inside a character."""
    units = 0
    for index, char in enumerate(text):
        units += 2 if ord(char) > 0xFFFF else 1
        if units > limit:
            return text[:index]
    return text


IPV6_SUFFIX = "-ipv6"

_NAME_RE = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9_.-]*[A-Za-z0-9_])?\Z")
_NAME_BAD_RE = re.compile(r"[^A-Za-z0-9_.-]")
_NSG_NAME_RE = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9_.-]{0,78}[A-Za-z0-9_])?\Z")
_PREFIX_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}\Z")
_PROTOCOLS = {"tcp": "Tcp", "udp": "Udp", "icmp": "Icmp", "any": "*"}
_DIRECTIONS = {"ingress": "Inbound", "egress": "Outbound"}


def _int_option(opts, key, low, high):
    value = opts[key]
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise NetreqError("backend %s: option %s must be an integer between %d and %d, got %r" % (BACKEND, key, low, high, value))


# Azure's naming rules for resource groups, and the region names it accepts (short or display form)
_RESOURCE_GROUP_RE = re.compile(r"^[-\w.()]{0,89}[-\w()]\Z")
_LOCATION_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ]{0,39}\Z")


def _options(options):
    merged = merge_options(BACKEND, DEFAULT_OPTIONS, options)
    if not isinstance(merged["name_prefix"], str) or not _PREFIX_RE.match(merged["name_prefix"]):
        raise NetreqError("backend %s: option name_prefix must be 1-40 letters, digits, '_', '.' or '-' starting with a letter or digit, got %r"
                          % (BACKEND, merged["name_prefix"]))
    _int_option(merged, "priority_start", PRIORITY_MIN, DENY_PRIORITY - 1)
    _int_option(merged, "priority_end", merged["priority_start"], DENY_PRIORITY - 1)
    _int_option(merged, "max_rules", 1, 100000)
    check_policy("backend %s" % BACKEND, "egress_policy", merged["egress_policy"])
    if not isinstance(merged["security_group_name"], str) or not _NSG_NAME_RE.match(merged["security_group_name"]):
        raise NetreqError("backend %s: option security_group_name must be 1-80 letters, digits, '_', '.' or '-', starting with a letter "
                          "or digit and ending with a letter, digit or '_', got %r" % (BACKEND, merged["security_group_name"]))
    for key, pattern, what in (("resource_group", _RESOURCE_GROUP_RE, "1-90 letters, digits, '_', '-', '.', '(' or ')', "
                                "not ending with '.'"),
                               ("location", _LOCATION_RE, "a region such as westeurope or 'West Europe'")):
        if merged[key] is not None and (not isinstance(merged[key], str) or not pattern.match(merged[key])):
            raise NetreqError("backend %s: option %s must be %s, got %r" % (BACKEND, key, what, merged[key]))
    tags = merged["tags"] or {}
    if not isinstance(tags, dict) or any(not isinstance(value, str) or key.startswith(_ownership.TAG_PREFIX) for key, value in tags.items()):
        raise NetreqError("backend %s: option tags must be a dict of strings without the collection's own %s* tags, got %r"
                          % (BACKEND, _ownership.TAG_PREFIX, tags))
    merged["tags"] = tags
    merged["existing_rules"] = _live_priorities(merged["existing_rules"])
    return merged


def _live_priorities(existing):
    """``{lower-case name: (direction, priority)}`` from azure_rm_securitygroup_info ``rules`` items."""
    if existing is None:
        return {}
    if not isinstance(existing, list):
        raise NetreqError("backend %s: option existing_rules must be a list of rules (name, direction, priority), got %r" % (BACKEND, existing))
    live = {}
    for item in existing:
        if not isinstance(item, dict) or not isinstance(item.get("name"), str) or item.get("direction") not in _DIRECTIONS.values() \
                or isinstance(item.get("priority"), bool) or not isinstance(item.get("priority"), int):
            raise NetreqError("backend %s: option existing_rules: each item needs name, direction (Inbound/Outbound) and an integer "
                              "priority, got %r" % (BACKEND, item))
        live[item["name"].lower()] = (item["direction"], item["priority"])
    return live


def _home_priority(name, start, span):
    return start + int(hashlib.sha256(name.lower().encode("utf-8")).hexdigest()[:12], 16) % span


def _allocate(entries, opts):
    """``{index: priority}`` for ``[(name, direction)]``: live priorities kept, new ones hashed (see the module docstring)."""
    start, end = opts["priority_start"], opts["priority_end"]
    span = end - start + 1
    taken = {"Inbound": set(), "Outbound": set()}
    priorities = {}
    order = sorted(range(len(entries)), key=lambda index: entries[index][0].lower())
    for index in order:
        name, direction = entries[index]
        live = opts["existing_rules"].get(name.lower())
        if live and live[0] == direction and start <= live[1] <= end and live[1] not in taken[direction]:
            priorities[index] = live[1]
            taken[direction].add(live[1])
    for index in order:
        if index in priorities:
            continue
        name, direction = entries[index]
        if len(taken[direction]) >= span:
            raise NetreqError("backend %s: more %s rules than priorities %d..%d; widen priority_start..priority_end"
                              % (BACKEND, direction, start, end))
        priority = _home_priority(name, start, span)
        while priority in taken[direction]:
            priority = start if priority == end else priority + 1
        priorities[index] = priority
        taken[direction].add(priority)
    return priorities


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

    deny = opts["egress_policy"] == "allowlist"
    total = len(pending) + (1 if deny else 0)
    if total > opts["max_rules"]:
        raise NetreqError(
            "backend %s: the rules need %d security rules%s, more than max_rules=%d (Azure allows 1000 rules per network "
            "security group); split the profiles over several network security groups"
            % (BACKEND, total, " (the deny-all outbound rule included)" if deny else "", opts["max_rules"]))

    names = unique_names(BACKEND, [_candidate_name(opts["name_prefix"], rule, suffix) for rule, suffix, _remote in pending], NAME_MAX, fold=str.lower)
    priorities = _allocate([(name, _DIRECTIONS[rule["direction"]]) for name, (rule, _suffix, _remote) in zip(names, pending)], opts)
    result = []
    for index, (name, (rule, _suffix, remote)) in enumerate(zip(names, pending)):
        ingress = rule["direction"] == "ingress"
        result.append({
            "name": name,
            "description": _cut_utf16(described(rule, DESCRIPTION_MAX), DESCRIPTION_MAX),
            "protocol": _PROTOCOLS[rule["protocol"]],
            "source_port_range": "*",
            "destination_port_range": _port_value(rule),
            "source_address_prefix": remote if ingress else "*",
            "destination_address_prefix": "*" if ingress else remote,
            "access": "Allow",
            "priority": priorities[index],
            "direction": _DIRECTIONS[rule["direction"]],
        })
    if deny:
        result.append(_deny_rule(opts, names))
    group = {"name": opts["security_group_name"]}
    for key in ("resource_group", "location"):
        if opts[key] is not None:
            group[key] = opts[key]
    group["tags"] = dict(opts["tags"], **_ownership.cloud_tags(opts["security_group_name"]))
    group["purge_rules"] = True
    ownership = {"tags": _ownership.cloud_tags(opts["security_group_name"]), "description_prefix": _ownership.TAG_PREFIX}
    return ctx.envelope(security_group=group, rules=result, ownership=ownership)


def _deny_rule(opts, names):
    name = "%s-%s-%s" % (opts["name_prefix"], _ownership.BASELINE_PROFILE, DENY_ID)
    if name.lower() in {taken.lower() for taken in names}:
        raise NetreqError("backend %s: a profile rule is named %s, the name of the deny-all outbound rule" % (BACKEND, name))
    return {
        "name": name,
        "description": "%s Deny all outbound traffic no rule above allows (egress allowlist)" % _ownership.tag(_ownership.BASELINE_PROFILE, DENY_ID),
        "protocol": "*",
        "source_port_range": "*",
        "destination_port_range": "*",
        "source_address_prefix": "*",
        "destination_address_prefix": "*",
        "access": "Deny",
        "priority": DENY_PRIORITY,
        "direction": "Outbound",
    }
