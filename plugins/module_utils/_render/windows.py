# -*- coding: utf-8 -*-
# Copyright (c) netreq.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""PRIVATE: render normalized rules as community.windows.win_firewall_rule parameters.

This module is private to the netreq.firewall collection; its API may change
without notice. It exists so the windows_firewall role and the filters share
one pure translation from the Rule list to Windows Defender Firewall rules.

Result (besides the envelope keys of ``RenderContext.envelope``)::

    rules:              # one win_firewall_rule call each
      - name: "netreq:<profile>:<id>"       # IPv6 half of an ICMP rule: ".../ipv6"
        group: "netreq:<profile>"
        description: <rule description>
        state: present
        enabled: true
        direction: out                       # in | out
        action: allow
        protocol: tcp                        # tcp | udp | icmpv4 | icmpv6 | any
        localport: any                       # tcp/udp only; ingress: the rule's ports
        remoteport: "443,1000-2000"          # tcp/udp only; egress: the rule's ports
        icmp_type_code: ["*"]                # icmpv4/icmpv6 only
        remoteip: "198.51.100.0/24,2001:db8::/32"   # or "any"
        profiles: [domain, private, public]
    dynamic_keywords:   # fqdn_strategy=windows_dynamic_keyword only
      - {id: "{<uuid5>}", keyword: app.example.com, auto_resolve: true}
    keyword_rules:      # rules matching dynamic keywords (see below)
      - name: "netreq:<profile>:<id>/keywords"
        ...same keys as ``rules`` without remoteip/state...
        remote_dynamic_keyword_addresses: ["{<uuid5>}"]
        powershell: <script creating the keywords and the rule>

Decisions:

* tcp/udp/any rules hold IPv4 and IPv6 addresses together in ``remoteip``.
  An ICMP rule is per family (``icmpv4``/``icmpv6``): the IPv4 rule keeps the
  base name, the IPv6 rule gets ``/ipv6`` (also when there are only IPv6
  addresses), so names stay stable when a rule gains or loses a family.
* The ports side the rule does not restrict is set to ``any`` explicitly so
  an existing rule of the same name converges.
* ``fqdn_strategy=windows_dynamic_keyword``: hostnames become dynamic keyword
  addresses with ``AutoResolve`` (Windows resolves and refreshes them).
  win_firewall_rule cannot reference keywords, so the hostname part of a rule
  is a separate ``keyword_rules`` entry named ``<name>/keywords`` that must
  be applied with ``New-NetFirewallRule -RemoteDynamicKeywordAddresses``;
  its ``powershell`` script does that (creates missing keywords, replaces the
  rule of that display name). Keyword ids are ``uuid5`` of
  ``netreq:<profile>:<id>:<hostname>``, so they are stable between runs.
"""

from __future__ import annotations

import uuid

from ansible_collections.netreq.firewall.plugins.module_utils._model import ownership as _ownership
from ansible_collections.netreq.firewall.plugins.module_utils._model.errors import NetreqError, UnsupportedRuleError
from ansible_collections.netreq.firewall.plugins.module_utils._render._base import (
    Capabilities,
    RenderContext,
    merge_options,
    format_network,
    port_ranges,
    rule_tag,
)

BACKEND = "windows"
CAPABILITIES = Capabilities.of(BACKEND, icmp=True, dynamic_keywords=True)

PROFILES = ("domain", "private", "public")

DEFAULT_OPTIONS = {
    "profiles": list(PROFILES),
    "fqdn_strategy": None,
    "wildcard_fallback": None,
}

IPV6_SUFFIX = "/ipv6"
KEYWORDS_SUFFIX = "/keywords"

# uuid5 namespace of the dynamic keyword ids: fixed forever, changing it renames every keyword
KEYWORD_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_DNS, "dynamic-keywords." + _ownership.COLLECTION)

_DIRECTIONS = {"ingress": ("in", "Inbound"), "egress": ("out", "Outbound")}
_PS_PROTOCOLS = {"tcp": "TCP", "udp": "UDP", "icmpv4": "ICMPv4", "icmpv6": "ICMPv6"}


def _options(options):
    merged = merge_options(BACKEND, DEFAULT_OPTIONS, options)
    profiles = merged["profiles"]
    if isinstance(profiles, str):
        profiles = [profiles]
    if not isinstance(profiles, (list, tuple)) or not profiles or any(item not in PROFILES for item in profiles):
        raise NetreqError("backend %s: option profiles must be a non-empty list of %s, got %r" % (BACKEND, ", ".join(PROFILES), merged["profiles"]))
    merged["profiles"] = [item for item in PROFILES if item in profiles]
    return merged


def keyword_id(rule, host):
    """The stable dynamic keyword address id (``{GUID}``) of ``host`` in ``rule``."""
    return "{%s}" % uuid.uuid5(KEYWORD_NAMESPACE, "%s:%s" % (rule_tag(rule), host))


def _ports(rule):
    return ",".join("%d" % low if low == high else "%d-%d" % (low, high) for low, high in port_ranges(rule)) or "any"


def _description(rule):
    # INetFwRule::put_Description and put_Name (learn.microsoft.com/windows/win32/api/netfw):
    # "The string must not contain the "|" character."
    if "|" in rule["description"]:
        raise UnsupportedRuleError(BACKEND, rule_tag(rule), "the description holds '|', which Windows does not allow in "
                                   "a firewall rule's description", "remove the '|' from the requirement's description")
    if rule["expires"]:
        return "%s (expires %s)" % (rule["description"], rule["expires"])
    return rule["description"]


def _protocols(rule, families):
    """``[(protocol, name suffix)]`` for the address families ``families`` (subset of 4, 6)."""
    if rule["protocol"] != "icmp":
        return [(rule["protocol"], "")]
    return [(proto, suffix) for family, proto, suffix in ((4, "icmpv4", ""), (6, "icmpv6", IPV6_SUFFIX)) if family in families]


# The firewall's own bound on a rule's id, name and description (MS-FASP, FW_RULE:
# [string, range(1,10001)] wszRuleId, wszName, wszDescription): 10,000 characters.
TEXT_MAX = 10000


def _base_params(rule, name, protocol, remoteip, profiles):
    """win_firewall_rule parameters; ``remoteip=None`` leaves ``remoteip`` and ``state`` out (keyword rules)."""
    params = {"name": name, "group": _ownership.WINDOWS_GROUP_PREFIX + rule["profile"], "description": _description(rule)}
    for field, text in (("name", name), ("description", params["description"])):
        if len(text) > TEXT_MAX:
            raise UnsupportedRuleError(BACKEND, rule_tag(rule), "the rule's %s would be %d characters; Windows takes at most %d"
                                       % (field, len(text), TEXT_MAX), "shorten the requirement's %s"
                                       % ("id or the profile name" if field == "name" else "description"))
    if remoteip is not None:
        params["state"] = "present"
    params.update({
        "enabled": True,
        "direction": _DIRECTIONS[rule["direction"]][0],
        "action": "allow",
        "protocol": protocol,
    })
    if protocol in ("tcp", "udp"):
        ports = _ports(rule)
        params["localport"] = ports if rule["direction"] == "ingress" else "any"
        params["remoteport"] = ports if rule["direction"] == "egress" else "any"
    if protocol in ("icmpv4", "icmpv6"):
        params["icmp_type_code"] = ["*"]
    if remoteip is not None:
        params["remoteip"] = remoteip
    params["profiles"] = list(profiles)
    return params


# Every character PowerShell takes for a single quote: the ASCII one and the typographic ones
# U+2018 to U+201B (about_Quoting_Rules: "PowerShell treats smart quotation marks ... as normal
# quotation marks for strings"). Escaping only ``'`` would let a description copied from a vendor
# page (a possessive written with U+2019) end the string, and a crafted one run code while the script builds the rule.
PS_SINGLE_QUOTES = "'\u2018\u2019\u201a\u201b"


def _ps_quote(value):
    """``value`` as a verbatim (single-quoted) PowerShell string: every quote character written twice."""
    return "'%s'" % "".join(char * 2 if char in PS_SINGLE_QUOTES else char for char in str(value))


def _ps_list(values):
    return "@(%s)" % ", ".join(_ps_quote(value) for value in values)


def _powershell(params, keywords, ps_dir):
    """A script that creates the missing keyword addresses and (re)creates the keyword rule."""
    lines = [
        "$ErrorActionPreference = 'Stop'",
        "$keywords = @(",
    ]
    lines.extend("    @{ Id = %s; Keyword = %s }" % (_ps_quote(item["id"]), _ps_quote(item["keyword"])) for item in keywords)
    lines.extend([
        ")",
        "foreach ($k in $keywords) {",
        "    if (-not (Get-NetFirewallDynamicKeywordAddress -Id $k.Id -ErrorAction SilentlyContinue)) {",
        "        New-NetFirewallDynamicKeywordAddress -Id $k.Id -Keyword $k.Keyword -AutoResolve $true | Out-Null",
        "    }",
        "}",
        "Get-NetFirewallRule -DisplayName %s -ErrorAction SilentlyContinue | Remove-NetFirewallRule" % _ps_quote(params["name"]),
        "$rule = @{",
        "    DisplayName = %s" % _ps_quote(params["name"]),
        "    Group = %s" % _ps_quote(params["group"]),
        "    Description = %s" % _ps_quote(params["description"]),
        "    Direction = %s" % _ps_quote(ps_dir),
        "    Action = 'Allow'",
        "    Enabled = 'True'",
        "    Profile = %s" % _ps_list(item.capitalize() for item in params["profiles"]),
    ])
    if params["protocol"] in _PS_PROTOCOLS:
        lines.append("    Protocol = %s" % _ps_quote(_PS_PROTOCOLS[params["protocol"]]))
    for key, ps_key in (("localport", "LocalPort"), ("remoteport", "RemotePort")):
        if params.get(key, "any") != "any":
            lines.append("    %s = %s" % (ps_key, _ps_list(params[key].split(","))))
    lines.extend([
        "    RemoteDynamicKeywordAddresses = %s" % _ps_list(item["id"] for item in keywords),
        "}",
        "New-NetFirewallRule @rule | Out-Null",
    ])
    return "\n".join(lines) + "\n"


def render(rules, **options):
    """Render ``rules`` as win_firewall_rule parameter sets (see the module docstring)."""
    opts = _options(options)
    ctx = RenderContext(BACKEND, CAPABILITIES, fqdn_strategy=opts["fqdn_strategy"], wildcard_fallback=opts["wildcard_fallback"])
    result_rules = []
    dynamic_keywords = []
    keyword_rules = []
    for rule in rules:
        planned = ctx.plan_remote(rule)
        if planned.empty:
            continue
        tag = rule_tag(rule)
        if planned.is_any:
            addresses = {4: "any", 6: "any"}
        else:
            addresses = {}
            for family, nets in ((4, planned.ipv4), (6, planned.ipv6)):
                if nets:
                    addresses[family] = [format_network(net) for net in nets]
        if addresses:
            for protocol, suffix in _protocols(rule, addresses):
                if protocol == "icmpv4":
                    remote = addresses[4]
                elif protocol == "icmpv6":
                    remote = addresses[6]
                elif planned.is_any:
                    remote = "any"
                else:
                    remote = addresses.get(4, []) + addresses.get(6, [])
                remoteip = remote if remote == "any" else ",".join(remote)
                result_rules.append(_base_params(rule, tag + suffix, protocol, remoteip, opts["profiles"]))
        if planned.resolve_hosts:
            keywords = [{"id": keyword_id(rule, host), "keyword": host, "auto_resolve": True} for host in planned.resolve_hosts]
            dynamic_keywords.extend(keywords)
            # a hostname may resolve to either family
            for protocol, suffix in _protocols(rule, (4, 6)):
                params = _base_params(rule, tag + KEYWORDS_SUFFIX + suffix, protocol, None, opts["profiles"])
                params["remote_dynamic_keyword_addresses"] = [item["id"] for item in keywords]
                params["powershell"] = _powershell(params, keywords, _DIRECTIONS[rule["direction"]][1])
                keyword_rules.append(params)
    return ctx.envelope(rules=result_rules, dynamic_keywords=dynamic_keywords, keyword_rules=keyword_rules)
