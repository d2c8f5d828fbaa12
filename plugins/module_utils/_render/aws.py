# -*- coding: utf-8 -*-
# Copyright (c) netreq.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""PRIVATE: render normalized rules as amazon.aws.ec2_security_group parameters.

This module is private to the netreq.firewall collection; its API may change
without notice. It exists so the cloud_security_group role and the filters
share one pure translation from the Rule list to security groups.

Result (besides the envelope keys of ``RenderContext.envelope``)::

    security_groups:   # one entry per group, in order: <group_name>, <group_name>-2, ...
      - name: netreq
        description: Managed by netreq.firewall
        vpc_id: vpc-0123   # only when the option is given
        tags: {"netreq:owner": netreq.firewall, "netreq:set": netreq}   # plus the option tags
        purge_rules: true
        purge_rules_egress: true
        rules:         # ec2_security_group ``rules`` items (ingress)
          - {proto: tcp, from_port: 443, to_port: 443, cidr_ip: [198.51.100.7/32], rule_desc: "netreq:<profile>:<id>"}
        rules_egress:  # ec2_security_group ``rules_egress`` items
          - {proto: all, cidr_ipv6: ["::/0"], rule_desc: "netreq:<profile>:<id>"}
    deduplicated:      # permissions dropped because an earlier rule already grants exactly them
      - {rule, profile, direction, proto, from_port, to_port, cidr, covered_by}
    ownership:         # how a role finds this selection's groups: by these tags
      tags: {"netreq:owner": netreq.firewall, "netreq:set": netreq}

Decisions:

* Every item holds one address family (``cidr_ip`` or ``cidr_ipv6``) and one
  port range (``from_port``/``to_port``); the module documents the address
  keys as mutually exclusive. Items of one rule: IPv4 before IPv6, port
  ranges ascending.
* ``protocol: any`` -> ``proto: all`` without ports; tcp/udp without ports ->
  ``0-65535``; ``icmp`` -> ``proto: icmp`` (IPv4) / ``icmpv6`` (IPv6) with
  ``-1``/``-1`` (every type and code).
* ``remote: [any]`` -> ``0.0.0.0/0`` and ``::/0``. Hosts get ``/32``/``/128``.
* AWS counts one rule per address block and port range, separately for
  IPv4 and IPv6, per direction (default quota 60 each). Rules are packed in
  input order into the current group (next fit) and a new group
  ``<group_name>-<n>`` is opened when the next rule does not fit; one rule is
  never split across groups, so a rule bigger than a group raises.
  ``max_groups`` (default 5, the default quota of groups per network
  interface) bounds the number of groups.
* AWS rejects the same permission twice in one group, so an exact repeat of
  (direction, proto, port range, address block) is dropped and listed in
  ``deduplicated`` with the rule that already grants it.
* Every group carries the tags ``netreq:owner`` and ``netreq:set`` (the
  group name, see ``_model/ownership.cloud_tags``): a role finds the groups of one
  selection by them and deletes those that left it; groups without them are
  never touched. ``purge_rules``/``purge_rules_egress`` are always true: the
  groups are the collection's, so what is not rendered goes.
* ``egress_policy``: under ``allowlist`` (the default, because that is what
  a purged ``rules_egress`` list means to AWS) ``rules_egress`` holds only the
  profiles' egress rules and replaces the allow-all egress rule AWS puts in
  every new group. Under ``permissive`` the allow-all rule is rendered
  explicitly (``proto: all`` to ``0.0.0.0/0`` and ``::/0``), after the
  profiles' rules, so switching policies only adds or removes it. It has no
  ``rule_desc``: it is then exactly the rule AWS puts in a new group, which
  stays as it is instead of being rewritten with a description (a
  description update of that rule is also what moto's server, the test
  endpoint, answers incompletely).
* ``rule_desc`` is the ownership tag ``netreq:<profile>:<id>``; characters
  AWS does not accept in descriptions become ``_`` (at most 255 characters).
"""

from __future__ import annotations

import re

from ansible_collections.netreq.firewall.plugins.module_utils._model import ownership as _ownership
from ansible_collections.netreq.firewall.plugins.module_utils._model.errors import (
    NetreqError,
    UnsupportedRuleError,
)
from ansible_collections.netreq.firewall.plugins.module_utils._model.vocabulary import check_policy
from ansible_collections.netreq.firewall.plugins.module_utils._render._base import (
    Capabilities,
    PlannedRemote,
    RenderContext,
    format_network,
    hashed_name,
    merge_options,
    port_ranges,
    rule_label,
    rule_tag,
)

BACKEND = "aws"
CAPABILITIES = Capabilities.of(BACKEND, icmp=True)

DEFAULT_OPTIONS = {
    "group_name": _ownership.CLOUD_NAME_PREFIX,
    "description": "Managed by " + _ownership.COLLECTION,
    "max_rules_per_group": 60,
    "max_groups": 5,
    "vpc_id": None,
    "tags": None,
    "egress_policy": "allowlist",
    "fqdn_strategy": None,
    "wildcard_fallback": None,
}

# Characters AWS accepts in VPC security group names, descriptions and rule descriptions.
_AWS_TEXT_CHARS = r"a-zA-Z0-9 ._\-:/()#,@\[\]+=&;{}!$*"
_AWS_TEXT_RE = re.compile(r"^[%s]*\Z" % _AWS_TEXT_CHARS)
_AWS_TEXT_BAD_RE = re.compile(r"[^%s]" % _AWS_TEXT_CHARS)
_AWS_TEXT_MAX = 255

_VPC_ID_RE = re.compile(r"^vpc-[0-9a-f]{8,17}\Z")
_ANY_IPV4 = "0.0.0.0/0"
_ANY_IPV6 = "::/0"


def _options(options):
    merged = merge_options(BACKEND, DEFAULT_OPTIONS, options)
    for key in ("max_rules_per_group", "max_groups"):
        value = merged[key]
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise NetreqError("backend %s: option %s must be a positive integer, got %r" % (BACKEND, key, value))
    for key in ("group_name", "description"):
        _check_aws_text(key, merged[key])
    if merged["group_name"].lower().startswith("sg-"):
        raise NetreqError("backend %s: option group_name must not start with 'sg-', got %r" % (BACKEND, merged["group_name"]))
    check_policy("backend %s" % BACKEND, "egress_policy", merged["egress_policy"])
    vpc_id = merged["vpc_id"]
    if vpc_id is not None and (not isinstance(vpc_id, str) or not _VPC_ID_RE.match(vpc_id)):
        raise NetreqError("backend %s: option vpc_id must look like vpc-0123abcd, got %r" % (BACKEND, vpc_id))
    tags = merged["tags"] or {}
    if not isinstance(tags, dict) or not all(isinstance(key, str) and isinstance(value, str) for key, value in tags.items()):
        raise NetreqError("backend %s: option tags must be a dict of strings, got %r" % (BACKEND, tags))
    reserved = sorted(key for key in tags if key.startswith(_ownership.TAG_PREFIX))
    if reserved:
        raise NetreqError("backend %s: option tags must not set the collection's own tags %s" % (BACKEND, ", ".join(reserved)))
    merged["tags"] = tags
    return merged


def _check_aws_text(key, value):
    # the longest group name gets a "-<n>" suffix: keep room for it
    limit = _AWS_TEXT_MAX - 4 if key == "group_name" else _AWS_TEXT_MAX
    if not isinstance(value, str) or not value or len(value) > limit or not _AWS_TEXT_RE.match(value):
        raise NetreqError(
            "backend %s: option %s must be 1-%d characters of a-z, A-Z, 0-9, spaces and ._-:/()#,@[]+=&;{}!$*, got %r"
            % (BACKEND, key, limit, value))


def _rule_desc(rule):
    text = _AWS_TEXT_BAD_RE.sub("_", rule_label(rule))
    if len(text) <= _AWS_TEXT_MAX:
        return text
    return hashed_name(text, rule_label(rule), _AWS_TEXT_MAX)  # cut plainly, two long tags could become one


def _port_specs(rule):
    """``(proto_ipv4, proto_ipv6, [(from_port, to_port) or None, ...])`` for one rule."""
    protocol = rule["protocol"]
    if protocol == "any":
        return "all", "all", [None]
    if protocol == "icmp":
        return "icmp", "icmpv6", [(-1, -1)]
    return protocol, protocol, port_ranges(rule) or [(0, 65535)]


def _rule_items(rule, planned, seen, deduplicated):
    """The ``rules``/``rules_egress`` items of one rule, minus permissions already granted."""
    proto_v4, proto_v6, specs = _port_specs(rule)
    if planned.is_any:
        families = [("cidr_ip", proto_v4, [_ANY_IPV4]), ("cidr_ipv6", proto_v6, [_ANY_IPV6])]
    else:
        families = [
            ("cidr_ip", proto_v4, [format_network(net, host_prefix=True) for net in planned.ipv4]),
            ("cidr_ipv6", proto_v6, [format_network(net, host_prefix=True) for net in planned.ipv6]),
        ]
    description = _rule_desc(rule)
    items = []
    for key, proto, blocks in families:
        for spec in specs:
            from_port, to_port = spec if spec else (None, None)
            kept = []
            for block in blocks:
                permission = (rule["direction"], proto, from_port, to_port, block)
                if permission in seen:
                    deduplicated.append({
                        "rule": rule["id"], "profile": rule["profile"], "direction": rule["direction"],
                        "proto": proto, "from_port": from_port, "to_port": to_port, "cidr": block,
                        "covered_by": seen[permission],
                    })
                    continue
                seen[permission] = rule_tag(rule)
                kept.append(block)
            if not kept:
                continue
            item = {"proto": proto}
            if spec:
                item["from_port"] = from_port
                item["to_port"] = to_port
            item[key] = kept
            item["rule_desc"] = description
            items.append(item)
    return items


def _count(items, key):
    return sum(len(item.get(key, [])) for item in items)


def _place(groups, rule, items, limit):
    """Next fit: append the rule's items to the last group, or open a new group."""
    need_v4 = _count(items, "cidr_ip")
    need_v6 = _count(items, "cidr_ipv6")
    if need_v4 > limit or need_v6 > limit:
        raise UnsupportedRuleError(
            BACKEND, rule["id"],
            "the rule alone needs %d IPv4 and %d IPv6 security group rules (one per address block and port range), "
            "more than max_rules_per_group=%d" % (need_v4, need_v6, limit),
            "raise the AWS quota 'Inbound or outbound rules per security group' and max_rules_per_group, "
            "or split the requirement")
    if not groups or groups[-1]["ipv4"] + need_v4 > limit or groups[-1]["ipv6"] + need_v6 > limit:
        groups.append({"ipv4": 0, "ipv6": 0, "items": []})
    groups[-1]["ipv4"] += need_v4
    groups[-1]["ipv6"] += need_v6
    groups[-1]["items"].extend(items)


def _permissive_egress_rule():
    """The explicit allow-all egress rule of ``egress_policy=permissive``, as a Rule."""
    return {"id": "permissive-egress", "profile": _ownership.BASELINE_PROFILE, "direction": "egress", "protocol": "any",
            "ports": [], "remote": ["any"], "description": "", "expires": None}


def render(rules, **options):
    """Render ``rules`` as a list of ec2_security_group parameter sets (see the module docstring)."""
    opts = _options(options)
    ctx = RenderContext(BACKEND, CAPABILITIES, fqdn_strategy=opts["fqdn_strategy"], wildcard_fallback=opts["wildcard_fallback"])
    limit = opts["max_rules_per_group"]
    packed = {"ingress": [], "egress": []}
    seen = {}
    deduplicated = []
    for rule in rules:
        planned = ctx.plan_remote(rule)
        if planned.empty:
            continue
        items = _rule_items(rule, planned, seen, deduplicated)
        if items:
            _place(packed[rule["direction"]], rule, items, limit)
    if opts["egress_policy"] == "permissive":
        baseline = _permissive_egress_rule()
        planned = PlannedRemote()
        planned.is_any = True
        items = _rule_items(baseline, planned, seen, deduplicated)
        for item in items:
            del item["rule_desc"]  # exactly AWS's own default rule: a group keeps the one AWS made
        if items:
            _place(packed["egress"], baseline, items, limit)
    count = max(len(packed["ingress"]), len(packed["egress"]), 1)
    if count > opts["max_groups"]:
        raise NetreqError(
            "backend %s: the rules need %d security groups of at most %d rules per direction and address family, "
            "more than max_groups=%d (AWS default quota: 5 security groups per network interface); "
            "raise the quotas and max_rules_per_group or max_groups" % (BACKEND, count, limit, opts["max_groups"]))
    groups = []
    for index in range(count):
        group = {
            "name": opts["group_name"] if index == 0 else "%s-%d" % (opts["group_name"], index + 1),
            "description": opts["description"],
        }
        if opts["vpc_id"]:
            group["vpc_id"] = opts["vpc_id"]
        group["tags"] = dict(opts["tags"], **_ownership.cloud_tags(opts["group_name"]))
        group["purge_rules"] = True
        group["purge_rules_egress"] = True
        group["rules"] = packed["ingress"][index]["items"] if index < len(packed["ingress"]) else []
        group["rules_egress"] = packed["egress"][index]["items"] if index < len(packed["egress"]) else []
        groups.append(group)
    ownership = {"tags": _ownership.cloud_tags(opts["group_name"])}
    return ctx.envelope(security_groups=groups, deduplicated=deduplicated, ownership=ownership)
