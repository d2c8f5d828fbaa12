# -*- coding: utf-8 -*-
# Copyright (c) netreq.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""PRIVATE: render normalized rules as one nftables table owned by the collection.

This module is private to the netreq.firewall collection; its API may change
without notice. It exists so the nftables applier, the host_firewall role and
the filters share one pure translation from the Rule list to nft text.

Result (besides the envelope keys of ``RenderContext.envelope``)::

    table: "inet netreq"
    chains:      # the two base chains and their policies
      - {name: input, hook: input, direction: ingress, policy: accept}
      - {name: output, hook: output, direction: egress, policy: drop}
    sets:        # named sets the applier fills by resolving hostnames (fqdn_strategy=resolve)
      appliance_out_portal-tcp_v4: [portal.example.com]
      appliance_out_portal-tcp_v6: [portal.example.com]
    rules:       # traceability: the nft rule lines each Rule became
      - id: appliance_out_dns-tcp
        chain: output
        statements: ['ip daddr 8.8.4.4 tcp dport 53 counter accept comment "netreq:rackspace_pdr:appliance_out_dns-tcp"']
    ruleset: |   # the complete input of ``nft -f``
      table inet netreq
      delete table inet netreq
      table inet netreq { ... }

Contract for the applier:

* ``ruleset`` starts with ``table inet <name>`` and ``delete table inet <name>``
  and then defines the table again, so one ``nft -f`` transaction replaces
  the collection's table atomically (the first line makes the delete valid
  when the table does not exist yet). Nothing outside that table is touched.
  If the load fails, the kernel keeps the previous table.
* Named sets are created empty, with ``flags timeout``: each element carries
  a timeout derived from its DNS TTL, so an address that stops being
  refreshed ages out. The host fills them (``resolve_sets`` names each rule's
  sets; ``_apply/resolve_state.py`` and the host_firewall role's refresher resolve
  the names with the host's resolver, A records for ``*_v4``, AAAA records
  for ``*_v6``); the applier appends the last good addresses as
  ``add element`` lines to the same transaction, so a reload never leaves a
  set empty.
* Base chains ``input`` and ``output`` hook at priority ``filter``.
  ``permissive`` (default): policy accept and only the allow rules, which are
  then informational: their ``counter`` shows which requirement carries
  traffic, nothing is blocked by this table. ``allowlist``: policy drop,
  preceded by the baseline below; its lines are commented
  ``netreq:baseline:<what>``.
* The allowlist baseline, the same in both chains: ``ct state
  established,related``, loopback, the IPv6 neighbour and router discovery
  messages (NS/NA/RS/RA) and the ICMP errors path-MTU discovery needs (IPv6
  packet-too-big, IPv4 destination-unreachable/frag-needed). Why: IPv6 finds
  its next hop with neighbour solicitations, which conntrack does not track,
  so without them no IPv6 packet leaves the host at all (IPv4 hides this:
  ARP is not IP, no IP filter sees it); RS/RA keep SLAAC addresses and the
  default route. IPv6 routers never fragment, so a lost packet-too-big turns
  into a connection that hangs after the handshake (RFC 4890 4.3.1: must not
  be dropped). Decision for ICMPv4: fragmentation-needed is accepted as
  explicitly too, for the same black hole on DF traffic (Linux sets DF on TCP).
  ``related`` already covers both errors for flows conntrack tracks; the
  explicit lines keep path-MTU discovery working when it does not (a flow
  older than the table, a flushed or full conntrack table). Both chains
  accept the same list so the baseline is one list; a host only sends RA
  and the two errors when it routes. The host's own DHCP and DHCPv6 client
  too, by ports in both directions (output: UDP 68 -> 67 over IPv4, UDP
  546 -> 547 over IPv6; input: the answers, DHCPv6 ones from link-local
  addresses only): cloud images get their addresses by DHCP, and an
  allowlist that drops a renewal takes the address away at lease end
  (DHCPv6 renewals go by UDP sockets through the filter; a DHCPv4 client
  falls back to raw broadcasts that bypass it, so IPv4 would hide the loss).
  Not included: MLD (multicast listener reports), which only matters
  behind MLD-snooping switches, which firewalld has no ICMP type name for,
  and which a DHCPv6 client does not need (it joins no group: servers
  answer its link-local unicast address). The firewalld renderer mirrors
  this baseline.
* The management connection (option ``management``: ``{port, sources}``,
  which the host_firewall role sets when Ansible reaches the host over SSH):
  under an egress allowlist the output chain also accepts TCP from that
  port to those sources, statelessly (``netreq:baseline:management-replies``),
  so the session that loads the table is not cut by it (``_base.Management``
  says why ``established`` is not enough). Requests to that port under an
  ingress allowlist are the caller's job: pass them as one more Rule (the
  role's ``host_firewall:management_ssh``).

Decisions:

* One nft rule per (Rule, address family, literal addresses or named set):
  ``ip saddr``/``ip daddr`` for IPv4, then ``ip6 saddr``/``ip6 daddr`` for
  IPv6; several blocks become an anonymous set ``{ a, b }``. Ports:
  ``tcp dport 53`` or ``tcp dport { 53, 1000-2000 }``; tcp/udp without ports
  ``meta l4proto tcp``; ``icmp`` -> ``meta l4proto icmp`` (IPv4) and
  ``meta l4proto ipv6-icmp`` (IPv6); protocol ``any`` -> no protocol match;
  remote ``any`` -> no address match.
* Every rule line ends in ``counter accept comment "netreq:<profile>:<id>"``,
  plus `` expires=<ISO-8601>`` for an expiring temporary rule. nft limits a
  comment to 128 characters; longer ones raise.
* Set names are ``<rule id>_v4`` / ``<rule id>_v6``; two Rules with the same
  id in one table would share a set, so that raises.
"""

from __future__ import annotations

import re

from ansible_collections.netreq.firewall.plugins.module_utils._model import ownership as _ownership
from ansible_collections.netreq.firewall.plugins.module_utils._model.errors import (
    NetreqError,
    UnsupportedRuleError,
)
from ansible_collections.netreq.firewall.plugins.module_utils._render._base import (
    Capabilities,
    RenderContext,
    check_enforcement,
    format_network,
    management_option,
    merge_options,
    port_ranges,
    rule_label,
    set_stems,
)

BACKEND = "nftables"
CAPABILITIES = Capabilities.of(BACKEND, icmp=True, resolve_names=True)

DEFAULT_OPTIONS = {
    "table_name": _ownership.NFT_TABLE,
    "ingress_policy": "permissive",
    "egress_policy": "permissive",
    "fqdn_strategy": None,
    "wildcard_fallback": None,
    "management": None,
}
COMMENT_MAX = 128

# (chain, direction, address selector, interface selector)
_CHAINS = (
    ("input", "ingress", "saddr", "iifname"),
    ("output", "egress", "daddr", "oifname"),
)
# (version, address keyword, ICMP protocol name, named set suffix, named set type)
_FAMILIES = ((4, "ip", "icmp", "_v4", "ipv4_addr"), (6, "ip6", "ipv6-icmp", "_v6", "ipv6_addr"))
_SET_TYPES = {suffix: set_type for _version, _kw, _icmp, suffix, set_type in _FAMILIES}
_ND_TYPES = "nd-router-solicit, nd-router-advert, nd-neighbor-solicit, nd-neighbor-advert"
_NAME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,63}\Z")
_SET_NAME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_.-]*\Z")


def _options(options):
    merged = merge_options(BACKEND, DEFAULT_OPTIONS, options)
    merged["management"] = management_option(BACKEND, merged["management"])
    if not _NAME_RE.match(str(merged["table_name"])):
        raise NetreqError("backend %s: table_name must be a letter followed by letters, digits or _ (at most 64), got %r"
                          % (BACKEND, merged["table_name"]))
    check_enforcement(BACKEND, merged)
    return merged


def memo_scope(options):
    """Where a rendering with these options owns its state: what the host's cheap read needs.

    Known from the options alone, so an unchanged host is answered before
    anything is rendered (see ``host_ruleset``'s action); the table is the one
    ``render`` writes.
    """
    return {"family": _ownership.NFT_FAMILY, "table": _options(options)["table_name"]}


def _comment(rule):
    text = rule_label(rule)
    if len(text) > COMMENT_MAX or '"' in text:
        raise UnsupportedRuleError(BACKEND, rule["id"], "the comment %r is longer than %d characters or holds a double quote" % (text, COMMENT_MAX),
                                   "use a shorter profile name or requirement id")
    return text


def _elements(items):
    """``x`` for one element, ``{ x, y }`` for several (nft's own listing style)."""
    if len(items) == 1:
        return items[0]
    return "{ %s }" % ", ".join(items)


def _port_match(rule):
    """The protocol/port match, or None when the protocol needs one per family (icmp) or none (any)."""
    if rule["protocol"] in ("tcp", "udp"):
        ranges = port_ranges(rule)
        if not ranges:
            return "meta l4proto %s" % rule["protocol"]
        ports = ["%d" % low if low == high else "%d-%d" % (low, high) for low, high in ranges]
        return "%s dport %s" % (rule["protocol"], _elements(ports))
    return None  # the Rule contract gives icmp and any no ports


def _set_names(stem):
    return {version: stem + suffix for version, _kw, _icmp, suffix, _type in _FAMILIES}


def _statements(rule, planned, selector, comment, stem):
    port_match = _port_match(rule)
    verdict = 'counter accept comment "%s"' % comment
    matches = []  # per statement: the list of match expressions
    if planned.is_any:
        if rule["protocol"] == "icmp":
            matches = [["meta l4proto %s" % icmp] for _version, _kw, icmp, _suffix, _type in _FAMILIES]
        else:
            matches = [[]]
    else:
        for version, keyword, icmp, _suffix, _type in _FAMILIES:
            networks = planned.ipv4 if version == 4 else planned.ipv6
            addresses = []
            if networks:
                addresses.append(_elements([format_network(net) for net in networks]))
            if planned.resolve_hosts:
                addresses.append("@%s" % _set_names(stem)[version])
            for address in addresses:
                match = ["%s %s %s" % (keyword, selector, address)]
                if rule["protocol"] == "icmp":
                    match.append("meta l4proto %s" % icmp)
                matches.append(match)
    if port_match:
        for match in matches:
            match.append(port_match)
    return [" ".join(match + [verdict]) for match in matches]


# The host's own DHCP and DHCPv6 client, per chain: (IPv4 match, IPv6 match). Client to server
# (RFC 2131: UDP 68 -> 67; RFC 8415: UDP 546 -> 547, to ff02::1:2 or a server) and back; a
# DHCPv6 server or relay answers from its link-local address (RFC 8415 section 7.1).
_DHCP_CLIENT = {
    "input": ("meta nfproto ipv4 udp sport 67 udp dport 68", "ip6 saddr fe80::/10 udp sport 547 udp dport 546"),
    "output": ("meta nfproto ipv4 udp sport 68 udp dport 67", "meta nfproto ipv6 udp sport 546 udp dport 547"),
}


def _baseline(chain, interface):
    """What every allowlist chain accepts before the rules; see the module docstring for why."""
    tag = _ownership.TAG_PREFIX + "baseline" + _ownership.TAG_SEPARATOR
    dhcpv4, dhcpv6 = _DHCP_CLIENT[chain]
    return [
        'ct state established,related accept comment "%sestablished"' % tag,
        '%s "lo" accept comment "%sloopback"' % (interface, tag),
        'icmpv6 type { %s } accept comment "%sipv6-neighbour-discovery"' % (_ND_TYPES, tag),
        'icmpv6 type packet-too-big accept comment "%sipv6-path-mtu"' % tag,
        'icmp type destination-unreachable icmp code frag-needed accept comment "%sipv4-path-mtu"' % tag,
        '%s accept comment "%sdhcpv4-client"' % (dhcpv4, tag),
        '%s accept comment "%sdhcpv6-client"' % (dhcpv6, tag),
    ]


def _management_replies(management):
    """The output chain's stateless admission of the management connection's replies (see ``_base.Management``)."""
    if management is None:
        return []
    comment = 'accept comment "%sbaseline%smanagement-replies"' % (_ownership.TAG_PREFIX, _ownership.TAG_SEPARATOR)
    port = "tcp sport %d" % management.port
    if management.is_any:
        return ["%s %s" % (port, comment)]
    return ["%s daddr %s %s %s" % (keyword, _elements([format_network(net) for net in networks]), port, comment)
            for keyword, networks in (("ip", management.ipv4), ("ip6", management.ipv6)) if networks]


def _ruleset(table, chains, sets, rules, management):
    lines = [
        "table %s" % table,
        "delete table %s" % table,
        "table %s {" % table,
    ]
    for name in sets:
        lines.append("\tset %s { type %s; flags timeout; }" % (name, _SET_TYPES[name[-3:]]))
    for chain in chains:
        lines.append("\tchain %s {" % chain["name"])
        policy = chain["policy"]
        lines.append("\t\ttype filter hook %s priority filter; policy %s;" % (chain["hook"], policy))
        if policy == "drop":
            lines.extend("\t\t" + line for line in _baseline(chain["name"], chain["interface"]))
            if chain["direction"] == "egress":
                lines.extend("\t\t" + line for line in _management_replies(management))
        for entry in rules:
            if entry["chain"] == chain["name"]:
                lines.extend("\t\t" + line for line in entry["statements"])
        lines.append("\t}")
    lines.append("}")
    return "\n".join(lines) + "\n"


def render(rules, **options):
    """Render ``rules`` as the collection's nftables table; see the module docstring."""
    opts = _options(options)
    ctx = RenderContext(BACKEND, CAPABILITIES, fqdn_strategy=opts["fqdn_strategy"], wildcard_fallback=opts["wildcard_fallback"])
    table = "%s %s" % (_ownership.NFT_FAMILY, opts["table_name"])
    chains = []
    for name, direction, _selector, interface in _CHAINS:
        policy = "drop" if opts["%s_policy" % direction] == "allowlist" else "accept"
        chains.append({"name": name, "hook": name, "direction": direction, "policy": policy, "interface": interface})
    selectors = {direction: (name, selector) for name, direction, selector, _interface in _CHAINS}

    sets = {}
    stems = set_stems(rules)
    entries = []
    for rule in rules:
        planned = ctx.plan_remote(rule)
        if planned.empty:
            continue  # every hostname went to the proxy allowlist
        chain, selector = selectors[rule["direction"]]
        stem = stems[(rule["profile"], rule["id"])]
        if planned.resolve_hosts:
            for name in _set_names(stem).values():
                if name in sets:
                    raise NetreqError("backend %s: two rules with id %s would share the set %s; rule ids must be unique in one table"
                                      % (BACKEND, rule["id"], name))
                if not _SET_NAME_RE.match(name):
                    raise UnsupportedRuleError(BACKEND, rule["id"], "%r is not a valid nft set name" % name, "start the requirement id with a letter")
                sets[name] = list(planned.resolve_hosts)
            ctx.resolve_target(rule, table=table, sets=dict(("ipv%d" % version, name) for version, name in _set_names(stem).items()))
        entries.append({"id": rule["id"], "chain": chain, "statements": _statements(rule, planned, selector, _comment(rule), stem)})

    ruleset = _ruleset(table, chains, sets, entries, opts["management"])
    public_chains = [{key: chain[key] for key in ("name", "hook", "direction", "policy")} for chain in chains]
    return ctx.envelope(table=table, chains=public_chains, sets=sets, rules=entries, ruleset=ruleset)


def applier_params(rendering, options):
    """What the nftables applier takes from a rendering: the table and its ruleset.

    ``rules`` would only let the applier check that rules and ruleset come from
    one rendering, which they do here by construction.
    """
    return {"table": rendering["table"], "ruleset": rendering["ruleset"]}
