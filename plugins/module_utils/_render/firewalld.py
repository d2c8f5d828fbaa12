# -*- coding: utf-8 -*-
# Copyright (c) netreq.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""PRIVATE: render normalized rules as firewalld policies owned by the collection.

This module is private to the netreq.firewall collection; its API may change
without notice. It exists so the firewalld applier, the host_firewall role and
the filters share one pure translation from the Rule list to firewalld objects.

Result (besides the envelope keys of ``RenderContext.envelope``)::

    policies:    # always both, in this order, even when one has no rules
      - name: netreq-in
        description: "netreq.firewall: ingress allow rules"
        ingress_zones: [ANY]
        egress_zones: [HOST]
        target: CONTINUE
        rich_rules:
          - {id: appliance_in_https, tag: "netreq:rackspace_pdr:appliance_in_https",
             rule: 'rule family="ipv4" source address="198.51.100.0/24" port port="443" protocol="tcp" accept'}
      - name: netreq-out
        description: "netreq.firewall: egress allow rules"
        ingress_zones: [HOST]
        egress_zones: [ANY]
        target: CONTINUE
        rich_rules: [...]
    ipsets:      # fqdn_strategy=resolve: ipsets the applier fills by resolving ``hosts``
      - {name: netreq-appliance_out_portal-tcp-v4, type: "hash:ip", family: inet, id: appliance_out_portal-tcp, hosts: [portal.example.com]}

Contract for the applier:

* The collection owns the two policies ``<policy_prefix>-in`` and
  ``<policy_prefix>-out`` and the ipsets named ``<policy_prefix>-*``; the
  user's zones are never touched. Both policies are always listed, so an
  empty ``rich_rules`` means "this policy holds no rule" and stale rich rules
  are purged. Target ``CONTINUE``: traffic no rule accepts keeps its usual
  zone handling. Target ``DROP`` (allowlist): what no rich rule accepts is
  dropped, so the policy also holds the baseline below.
* The allowlist baseline: a policy with target ``DROP`` starts with rich
  rules (``id`` ``baseline``, ``tag`` ``netreq:baseline:<what>``) accepting
  the ICMP messages IP needs to work at all, by firewalld ICMP type name:
  IPv6 neighbour-solicitation/-advertisement and router-solicitation/
  -advertisement, IPv6 packet-too-big and IPv4 fragmentation-needed. Why:
  the host finds its IPv6 next hop with neighbour solicitations it sends
  itself; a ``HOST -> ANY`` policy with target DROP drops them and then no
  IPv6 packet leaves the host, not even to listed destinations (IPv4 hides
  this: ARP is not IP and no policy sees it). firewalld's own
  ``allow-host-ipv6`` policy accepts inbound neighbour discovery only, and
  only while it exists, so both owned policies carry the list. RS/RA keep
  SLAAC addresses and the default route. Path-MTU discovery: IPv6 routers
  never fragment, so a dropped packet-too-big makes connections hang after
  the handshake (RFC 4890 4.3.1: must not be dropped); the decision for
  ICMPv4 is the same, fragmentation-needed is accepted, because Linux sets
  DF on TCP and the black hole is the same. firewalld accepts related ICMP
  errors before any policy, so these rules matter for errors conntrack does
  not relate to a flow it tracks. Both policies hold the same list so the
  baseline is one list (nftables renders the same one). The host's own
  DHCP and DHCPv6 client too (see the nftables renderer for why): outbound
  to UDP 67 (IPv4) and 547 (IPv6), inbound to UDP 68 and, from link-local
  addresses, 546. A rich rule holds one port element, so only the server's
  port is matched outbound and the client's inbound. Not included: MLD,
  which firewalld has no ICMP type name for. With the option ``management``
  (``{port, sources}``), the egress policy with target DROP also accepts TCP
  from that port to those sources (tag ``netreq:baseline:management-replies``),
  statelessly: see ``_management_replies`` and ``_base.Management``.
* Rich rules are in the canonical form ``firewall-cmd --info-policy`` prints
  back, so the applier can compare strings. Rich rules cannot carry comments:
  the provenance is the ``id``/``tag`` beside each rule.
* An ipset is created empty (``hash:ip``, family ``inet`` or ``inet6``); the
  host resolves ``hosts`` (A records for ``inet``, AAAA for ``inet6``) and
  sets the entries, runtime and permanent, then refreshes them on a timer
  (``resolve_sets`` names each rule's ipsets; see ``_apply/resolve_state.py``). The
  applier compares an ipset by type and family only, so the entries the
  refresher keeps are never drift.

Decisions:

* One rich rule per (Rule, address block or ipset, port range): IPv4 before
  IPv6, ports ascending. Ingress matches ``source``, egress ``destination``.
* tcp/udp: ``port port="53" protocol="tcp"`` (ranges ``1000-2000``), without
  ports ``protocol value="tcp"``; ``icmp``: ``protocol value="icmp"`` with
  ``family="ipv4"`` and ``protocol value="ipv6-icmp"`` with ``family="ipv6"``;
  protocol ``any``: no element.
* Remote ``any``: no address and no family (the rule covers IPv4 and IPv6),
  except for ``icmp`` (one rule per family) and protocol ``any``: a rich rule
  needs an element, a source or a destination, so any-protocol-to-anywhere is
  written as ``0.0.0.0/0`` and ``::/0``.
* Policy names are at most 17 characters (firewalld derives chain names from
  them), so ``policy_prefix`` is at most 13; ipset names at most 31: a longer
  ``<prefix>-<id>-v4`` is shortened with a digest of the tag.
"""

from __future__ import annotations

import hashlib
import re

from ansible_collections.netreq.firewall.plugins.module_utils._model import ownership as _ownership
from ansible_collections.netreq.firewall.plugins.module_utils._model.errors import NetreqError
from ansible_collections.netreq.firewall.plugins.module_utils._render._base import (
    Capabilities,
    RenderContext,
    check_enforcement,
    format_network,
    management_option,
    merge_options,
    port_ranges,
    rule_label,
    rule_tag,
    set_stems,
)

BACKEND = "firewalld"
CAPABILITIES = Capabilities.of(BACKEND, icmp=True, resolve_names=True)

DEFAULT_OPTIONS = {
    "policy_prefix": _ownership.FIREWALLD_POLICY_PREFIX,
    "ingress_policy": "permissive",
    "egress_policy": "permissive",
    "fqdn_strategy": None,
    "wildcard_fallback": None,
    "management": None,
}
POLICY_NAME_MAX = 17
# firewalld takes 32, but under FirewallBackend=iptables iptables' set match refuses a name
# longer than 31 ("setname ... too long, max 31 characters": the kernel's IPSET_MAXNAMELEN
# is 32 with the terminating NUL)
IPSET_NAME_MAX = 31
_PREFIX_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*\Z")

# (direction, ingress zones, egress zones, address element); names from _ownership
_POLICIES = (
    ("ingress", ["ANY"], ["HOST"], "source"),
    ("egress", ["HOST"], ["ANY"], "destination"),
)
# The allowlist baseline: (what, rich rule family, firewalld ICMP type names); see the module docstring.
_BASELINE = (
    ("ipv6-neighbour-discovery", "ipv6", ("neighbour-solicitation", "neighbour-advertisement",
                                          "router-solicitation", "router-advertisement")),
    ("ipv6-path-mtu", "ipv6", ("packet-too-big",)),
    ("ipv4-path-mtu", "ipv4", ("fragmentation-needed",)),
)
BASELINE = "baseline"  # the id of baseline rich rules and the "profile" part of their tags
# (version, rich rule family, ipset family, icmp protocol, the whole family)
_FAMILIES = ((4, "ipv4", "inet", "icmp", "0.0.0.0/0"), (6, "ipv6", "inet6", "ipv6-icmp", "::/0"))


def _options(options):
    merged = merge_options(BACKEND, DEFAULT_OPTIONS, options)
    check_enforcement(BACKEND, merged)
    merged["management"] = management_option(BACKEND, merged["management"])
    prefix = str(merged["policy_prefix"])
    longest_suffix = max(len(_ownership.FIREWALLD_INGRESS_SUFFIX), len(_ownership.FIREWALLD_EGRESS_SUFFIX))
    if not _PREFIX_RE.match(prefix) or len(prefix) > POLICY_NAME_MAX - longest_suffix:
        raise NetreqError("backend %s: policy_prefix must be letters, digits, _ or - and at most %d characters, got %r"
                          % (BACKEND, POLICY_NAME_MAX - longest_suffix, merged["policy_prefix"]))
    return merged


def memo_scope(options):
    """Where a rendering with these options owns its state: the policies and ipsets of its prefix.

    Known from the options alone, so an unchanged host is answered before
    anything is rendered (see ``host_ruleset``'s action).
    """
    return {"policy_prefix": _options(options)["policy_prefix"]}


def _ipset_name(prefix, rule, stem, family_suffix):
    name = "%s-%s-%s" % (prefix, stem, family_suffix)
    if len(name) <= IPSET_NAME_MAX:
        return name
    digest = hashlib.sha256(rule_tag(rule).encode("utf-8")).hexdigest()[:8]
    keep = IPSET_NAME_MAX - len(digest) - len(family_suffix) - 2
    return "%s-%s-%s" % (name[:keep], digest, family_suffix)


def _elements(rule):
    """Protocol elements per family version; ``[None]`` means no element."""
    protocol = rule["protocol"]
    if protocol in ("tcp", "udp"):
        ranges = port_ranges(rule)
        if not ranges:
            return {4: ['protocol value="%s"' % protocol], 6: ['protocol value="%s"' % protocol]}
        ports = ["%d" % low if low == high else "%d-%d" % (low, high) for low, high in ranges]
        elements = ['port port="%s" protocol="%s"' % (port, protocol) for port in ports]
        return {4: elements, 6: elements}
    if protocol == "icmp":  # the Rule contract gives icmp and any no ports
        return {4: ['protocol value="icmp"'], 6: ['protocol value="ipv6-icmp"']}
    return {4: [None], 6: [None]}


def _rich(family, address, element):
    parts = ["rule"]
    if family:
        parts.append('family="%s"' % family)
    if address:
        parts.append(address)
    if element:
        parts.append(element)
    parts.append("accept")
    return " ".join(parts)


def _rich_rules(rule, planned, address_kw, ipset_names):
    """The rich rule strings of one Rule: (family, address) pairs times elements."""
    elements = _elements(rule)
    targets = []  # (version, family or None, address element or None)
    if planned.is_any:
        if rule["protocol"] == "icmp":
            targets = [(version, family, None) for version, family, _set, _icmp, _whole in _FAMILIES]
        elif rule["protocol"] == "any":
            targets = [(version, family, '%s address="%s"' % (address_kw, whole)) for version, family, _set, _icmp, whole in _FAMILIES]
        else:
            targets = [(4, None, None)]
    else:
        for version, family, _set, _icmp, _whole in _FAMILIES:
            networks = planned.ipv4 if version == 4 else planned.ipv6
            for net in networks:
                targets.append((version, family, '%s address="%s"' % (address_kw, format_network(net))))
            if planned.resolve_hosts:
                targets.append((version, family, '%s ipset="%s"' % (address_kw, ipset_names[version])))
    return [_rich(family, address, element) for version, family, address in targets for element in elements[version]]


# The host's own DHCP and DHCPv6 client, per direction: (what, rich rule). A rich rule holds one
# port element, so firewalld matches the server's port outbound and the client's port inbound
# (nftables matches both ports); DHCPv6 answers come from link-local addresses (RFC 8415 7.1).
_DHCP_CLIENT = {
    "ingress": (("dhcpv4-client", 'rule family="ipv4" port port="68" protocol="udp" accept'),
                ("dhcpv6-client", 'rule family="ipv6" source address="fe80::/10" port port="546" protocol="udp" accept')),
    "egress": (("dhcpv4-client", 'rule family="ipv4" port port="67" protocol="udp" accept'),
               ("dhcpv6-client", 'rule family="ipv6" port port="547" protocol="udp" accept')),
}


def _baseline(direction):
    """The baseline rich rules of a policy with target DROP (canonical ``--info-policy`` form)."""
    icmp = [{"id": BASELINE, "tag": _ownership.tag(BASELINE, what), "rule": 'rule family="%s" icmp-type name="%s" accept' % (family, name)}
            for what, family, names in _BASELINE for name in names]
    return icmp + [{"id": BASELINE, "tag": _ownership.tag(BASELINE, what), "rule": rule} for what, rule in _DHCP_CLIENT[direction]]


def _management_replies(management):
    """The egress policy's stateless admission of the management connection's replies (see ``_base.Management``).

    firewalld keeps connection tracking loaded from its start, so a session
    opened after that is ``established`` already; the rule keeps the one
    opened before firewalld started, and makes the baseline the same on every
    backend.
    """
    if management is None:
        return []
    element = 'source-port port="%d" protocol="tcp"' % management.port
    if management.is_any:
        targets = [(None, None)]
    else:
        targets = [(family, 'destination address="%s"' % format_network(net))
                   for version, family, _set, _icmp, _whole in _FAMILIES
                   for net in (management.ipv4 if version == 4 else management.ipv6)]
    tag = _ownership.tag(BASELINE, "management-replies")
    return [{"id": BASELINE, "tag": tag, "rule": _rich(family, address, element)} for family, address in targets]


def render(rules, **options):
    """Render ``rules`` as the collection's firewalld policies; see the module docstring."""
    opts = _options(options)
    ctx = RenderContext(BACKEND, CAPABILITIES, fqdn_strategy=opts["fqdn_strategy"], wildcard_fallback=opts["wildcard_fallback"])
    prefix = opts["policy_prefix"]
    ingress_name, egress_name = _ownership.firewalld_policy_names(prefix)
    names = {"ingress": ingress_name, "egress": egress_name}
    policies = {}
    address_kws = {}
    for direction, ingress_zones, egress_zones, address_kw in _POLICIES:
        policies[direction] = {
            "name": names[direction],
            "description": "%s: %s allow rules" % (_ownership.COLLECTION, direction),
            "ingress_zones": ingress_zones,
            "egress_zones": egress_zones,
            "target": "DROP" if opts["%s_policy" % direction] == "allowlist" else "CONTINUE",
            "rich_rules": [],
        }
        if policies[direction]["target"] == "DROP":
            policies[direction]["rich_rules"].extend(_baseline(direction))
            if direction == "egress":
                policies[direction]["rich_rules"].extend(_management_replies(opts["management"]))
        address_kws[direction] = address_kw

    ipsets = []
    stems = set_stems(rules)
    for rule in rules:
        planned = ctx.plan_remote(rule)
        if planned.empty:
            continue  # every hostname went to the proxy allowlist
        ipset_names = {}
        if planned.resolve_hosts:
            for version, _family, set_family, _icmp, _whole in _FAMILIES:
                name = _ipset_name(prefix, rule, stems[(rule["profile"], rule["id"])], "v%d" % version)
                if any(ipset["name"] == name for ipset in ipsets):
                    raise NetreqError("backend %s: two rules with id %s would share the ipset %s; rule ids must be unique"
                                      % (BACKEND, rule["id"], name))
                ipset_names[version] = name
                ipsets.append({"name": name, "type": "hash:ip", "family": set_family, "id": rule["id"], "hosts": list(planned.resolve_hosts)})
            ctx.resolve_target(rule, ipsets=dict(("ipv%d" % version, name) for version, name in ipset_names.items()))
        tag = rule_label(rule)
        for text in _rich_rules(rule, planned, address_kws[rule["direction"]], ipset_names):
            policies[rule["direction"]]["rich_rules"].append({"id": rule["id"], "tag": tag, "rule": text})

    return ctx.envelope(policies=[policies[direction] for direction, *_rest in _POLICIES], ipsets=ipsets)


def applier_params(rendering, options):
    """What the firewalld applier takes from a rendering: the policies, the ipsets and the owned prefix."""
    return {"policies": rendering["policies"], "ipsets": rendering["ipsets"],
            "policy_prefix": options.get("policy_prefix") or _ownership.FIREWALLD_POLICY_PREFIX}
