# -*- coding: utf-8 -*-
# Copyright (c) netreq.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""PRIVATE: render normalized rules as google.cloud.gcp_compute_firewall parameters.

This module is private to the netreq.firewall collection; its API may change
without notice. It exists so the cloud_security_group role and the filters
share one pure translation from the Rule list to VPC firewall rules.

Result (besides the envelope keys of ``RenderContext.envelope``)::

    firewalls:   # one gcp_compute_firewall call each, without auth keys
      - name: netreq-<profile>-<id>          # IPv6 part: ...-ipv6; split parts: ...-2, ...-3
        description: "netreq:<profile>:<id> <description>"
        direction: EGRESS                    # INGRESS | EGRESS
        allowed: [{ip_protocol: tcp, ports: ["443", "1000-2000"]}]
        destination_ranges: [198.51.100.0/24, 203.0.113.7/32]   # ingress: source_ranges
        priority: 1000
        network: {selfLink: projects/p/global/networks/vpc-1}   # only when the option is given
        project: p                           # only when the option is given
        target_tags: [web]                   # or target_service_accounts, when given
    ownership:   # the collection's rules of this selection: both prefixes match (see the role)
      name_prefix: netreq-
      description_prefix: "netreq:"

Decisions:

* A firewall rule holds one address family: the IPv4 rule keeps the base
  name, the IPv6 rule gets the suffix ``-ipv6`` (also when the rule has only
  IPv6 addresses), so names stay stable when a rule gains or loses a family.
  ``remote: [any]`` -> ``0.0.0.0/0`` plus a ``::/0`` rule.
* A rule holds at most ``max_ranges_per_rule`` (default 256, the VPC limit
  of source or destination ranges per firewall rule) ranges: longer lists
  are split in order into ``<name>``, ``<name>-2``, ...
* ``protocol: any`` -> ``ip_protocol: all``; ``icmp`` -> ``icmp`` for IPv4 and
  ``58`` (ICMPv6) for IPv6; tcp/udp without ports omit ``ports`` (all ports).
* Ranges are CIDRs (hosts as ``/32``/``/128``), as the API documents.
* ``egress_policy=allowlist``: GCP's implied egress rule allows everything,
  so ``<prefix>-baseline-deny-all-egress`` (and ``...-ipv6``) deny all
  egress at ``deny_priority`` (default: ``priority`` + 1, a lower priority
  than the allow rules). It applies to the same targets as the allow rules,
  so targets are required: without them it would cut off every instance of
  the network.
* ``target_tags`` and ``target_service_accounts`` exclude each other (the
  API refuses both on one rule).
* Names follow RFC 1035 (``[a-z]([-a-z0-9]*[a-z0-9])?``, at most 63):
  lower-cased, other characters become ``-``; a name that is too long, or that
  collides with another, is cut and gets a hash suffix derived from the rule's
  tag, so it stays deterministic.
* The upstream module's documentation still says ranges are "IPv4 only"; the
  Compute API accepts IPv6 ranges in VPC firewall rules, hence the
  separate ``-ipv6`` rules.
"""

from __future__ import annotations

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

BACKEND = "gcp"
CAPABILITIES = Capabilities.of(BACKEND, icmp=True)

DEFAULT_OPTIONS = {
    "name_prefix": _ownership.CLOUD_NAME_PREFIX,
    "priority": 1000,
    "target_tags": None,
    "target_service_accounts": None,
    "network": None,
    "project": None,
    "egress_policy": "permissive",
    "deny_priority": None,
    "max_ranges_per_rule": 256,
    "fqdn_strategy": None,
    "wildcard_fallback": None,
}

NAME_MAX = 63
DESCRIPTION_MAX = 2048
IPV6_SUFFIX = "-ipv6"
DENY_ID = "deny-all-egress"

_NAME_RE = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?\Z")
_NAME_BAD_RE = re.compile(r"[^-a-z0-9]")
_PREFIX_RE = re.compile(r"^[a-z][-a-z0-9]{0,29}\Z")
# what the Compute API takes as a network reference, and a project id (legacy ones hold a domain: "example.com:p")
_NETWORK_RE = re.compile(r"^[A-Za-z0-9][-A-Za-z0-9_.:/]{0,511}\Z")
_PROJECT_RE = re.compile(r"^[a-z0-9][-a-z0-9.:]{0,99}\Z")
_IP_PROTOCOLS = {"tcp": ("tcp", "tcp"), "udp": ("udp", "udp"), "icmp": ("icmp", "58"), "any": ("all", "all")}
_DIRECTIONS = {"ingress": ("INGRESS", "source_ranges"), "egress": ("EGRESS", "destination_ranges")}


def _options(options):
    merged = merge_options(BACKEND, DEFAULT_OPTIONS, options)
    if not isinstance(merged["name_prefix"], str) or not _PREFIX_RE.match(merged["name_prefix"]):
        raise NetreqError("backend %s: option name_prefix must be 1-30 lowercase letters, digits or '-' starting with a letter, got %r"
                          % (BACKEND, merged["name_prefix"]))
    priority = merged["priority"]
    if isinstance(priority, bool) or not isinstance(priority, int) or not 0 <= priority <= 65535:
        raise NetreqError("backend %s: option priority must be an integer between 0 and 65535, got %r" % (BACKEND, priority))
    tags = merged["target_tags"]
    if tags is not None:
        if not isinstance(tags, (list, tuple)) or not tags or not all(
                isinstance(tag, str) and len(tag) <= NAME_MAX and _NAME_RE.match(tag) for tag in tags):
            raise NetreqError("backend %s: option target_tags must be a non-empty list of RFC 1035 names, got %r" % (BACKEND, tags))
        merged["target_tags"] = list(tags)
    accounts = merged["target_service_accounts"]
    if accounts is not None:
        if not isinstance(accounts, (list, tuple)) or not accounts or not all(isinstance(item, str) and "@" in item for item in accounts):
            raise NetreqError("backend %s: option target_service_accounts must be a non-empty list of service account e-mails, got %r"
                              % (BACKEND, accounts))
        if tags is not None:
            raise NetreqError("backend %s: options target_tags and target_service_accounts exclude each other" % BACKEND)
        merged["target_service_accounts"] = list(accounts)
    check_policy("backend %s" % BACKEND, "egress_policy", merged["egress_policy"])
    deny = merged["deny_priority"]
    if deny is None:
        deny = merged["deny_priority"] = priority + 1
    if isinstance(deny, bool) or not isinstance(deny, int) or not priority < deny <= 65535:
        raise NetreqError("backend %s: option deny_priority must be an integer above priority (%d) and at most 65535, got %r"
                          % (BACKEND, priority, deny))
    limit = merged["max_ranges_per_rule"]
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise NetreqError("backend %s: option max_ranges_per_rule must be a positive integer, got %r" % (BACKEND, limit))
    for key, pattern, what in (("network", _NETWORK_RE, "a network name, a projects/<p>/global/networks/<n> path or its URL"),
                               ("project", _PROJECT_RE, "a project id (lower-case letters, digits, '-', '.' or ':')")):
        if merged[key] is not None and (not isinstance(merged[key], str) or not pattern.match(merged[key])):
            raise NetreqError("backend %s: option %s must be %s, got %r" % (BACKEND, key, what, merged[key]))
    return merged


def _network_link(opts):
    """``{selfLink: ...}``: a bare network name becomes ``projects/<project>/global/networks/<name>``."""
    network = opts["network"]
    if "/" not in network:
        network = ("projects/%s/global/networks/%s" % (opts["project"], network)) if opts["project"] else "global/networks/%s" % network
    return {"selfLink": network}


def _candidate_name(prefix, rule, suffix):
    name = _NAME_BAD_RE.sub("-", ("%s-%s-%s%s" % (prefix, rule["profile"], rule["id"], suffix)).lower())
    identity = "%s%s" % (rule_tag(rule), suffix)
    if len(name) > NAME_MAX or not _NAME_RE.match(name):
        name = hashed_name(name, identity, NAME_MAX)
    return name, identity


def _allowed(rule, ip_protocol):
    entry = {"ip_protocol": ip_protocol}
    if rule["protocol"] in ("tcp", "udp"):
        ports = ["%d" % low if low == high else "%d-%d" % (low, high) for low, high in port_ranges(rule)]
        if ports:
            entry["ports"] = ports
    return [entry]


def render(rules, **options):
    """Render ``rules`` as gcp_compute_firewall parameter sets (see the module docstring)."""
    opts = _options(options)
    ctx = RenderContext(BACKEND, CAPABILITIES, fqdn_strategy=opts["fqdn_strategy"], wildcard_fallback=opts["wildcard_fallback"])
    pending = []
    for rule in rules:
        planned = ctx.plan_remote(rule)
        if planned.empty:
            continue
        proto_v4, proto_v6 = _IP_PROTOCOLS[rule["protocol"]]
        if planned.is_any:
            ranges_v4, ranges_v6 = ["0.0.0.0/0"], ["::/0"]
        else:
            ranges_v4 = [format_network(net, host_prefix=True) for net in planned.ipv4]
            ranges_v6 = [format_network(net, host_prefix=True) for net in planned.ipv6]
        limit = opts["max_ranges_per_rule"]
        for suffix, ip_protocol, ranges in (("", proto_v4, ranges_v4), (IPV6_SUFFIX, proto_v6, ranges_v6)):
            for part, first in enumerate(range(0, len(ranges), limit)):
                pending.append((rule, suffix + ("-%d" % (part + 1) if part else ""), ip_protocol, ranges[first:first + limit]))
    if opts["egress_policy"] == "allowlist":
        if opts["target_tags"] is None and opts["target_service_accounts"] is None:
            raise NetreqError("backend %s: egress_policy=allowlist needs target_tags: the deny-all egress rule would otherwise "
                              "apply to every instance of the network" % BACKEND)
        deny = {"id": DENY_ID, "profile": _ownership.BASELINE_PROFILE, "direction": "egress",
                "description": "Deny all egress no rule above allows (egress allowlist)"}
        pending.append((deny, "", None, ["0.0.0.0/0"]))
        pending.append((deny, IPV6_SUFFIX, None, ["::/0"]))

    names = unique_names(BACKEND, [_candidate_name(opts["name_prefix"], rule, suffix) for rule, suffix, _proto, _ranges in pending], NAME_MAX)
    firewalls = []
    for name, (rule, _suffix, ip_protocol, ranges) in zip(names, pending):
        direction, ranges_key = _DIRECTIONS[rule["direction"]]
        firewall = {
            "name": name,
            "description": described(rule, DESCRIPTION_MAX),
            "direction": direction,
        }
        if ip_protocol is None:
            firewall["denied"] = [{"ip_protocol": "all"}]
        else:
            firewall["allowed"] = _allowed(rule, ip_protocol)
        firewall[ranges_key] = ranges
        firewall["priority"] = opts["priority"] if ip_protocol is not None else opts["deny_priority"]
        if opts["network"] is not None:
            firewall["network"] = _network_link(opts)
        if opts["project"] is not None:
            firewall["project"] = opts["project"]
        for key in ("target_tags", "target_service_accounts"):
            if opts[key] is not None:
                firewall[key] = list(opts[key])
        firewalls.append(firewall)
    ownership = {"name_prefix": opts["name_prefix"] + "-", "description_prefix": _ownership.TAG_PREFIX}
    return ctx.envelope(firewalls=firewalls, ownership=ownership)
