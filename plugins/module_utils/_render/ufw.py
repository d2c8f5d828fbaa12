# -*- coding: utf-8 -*-
# Copyright (c) netreq.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""PRIVATE: render normalized rules as ufw rules.

This module is private to the netreq.firewall collection; its API may change
without notice. It exists so the ufw applier, the host_firewall role and the
filters share one pure translation from the Rule list to ufw rules.

Result (besides the envelope keys of ``RenderContext.envelope``)::

    rules:
      - id: appliance_out_dns-tcp
        comment: "netreq:rackspace_pdr:appliance_out_dns-tcp"
        args: [allow, out, proto, tcp, to, 8.8.4.4, port, "53", comment, "netreq:rackspace_pdr:appliance_out_dns-tcp"]
        params:   # the same rule as community.general.ufw parameters
          {rule: allow, direction: out, proto: tcp, from_ip: any, to_ip: 8.8.4.4, to_port: "53", comment: "netreq:..."}

``args`` are the argv words after ``ufw`` (no shell quoting needed); the
applier owns exactly the ufw rules whose comment starts with ``netreq:``.

Decisions:

* One ufw rule per (Rule, address block, port group), in rule order, IPv4
  blocks before IPv6 blocks, port groups ascending. Remote ``any`` -> ``any``,
  which ufw applies to IPv4 and IPv6 (with IPV6=yes).
* Ingress: ``allow in [proto P] from <remote> to any [port X]`` (the ports are
  local). Egress: ``allow out [proto P] to <remote> [port X]``.
* Ports: ``53``; several ports and ranges become one multiport spec
  ``53,80,1000:2000`` (ufw writes ranges with ``:``). iptables multiport takes
  at most 15 ports, a range counting as two, so longer lists are split into
  several ufw rules. ufw needs a protocol for multiport, and every ported
  Rule is tcp or udp, so that always holds.
* tcp/udp without ports -> ``proto tcp`` and no port. Protocol ``any`` ->
  no ``proto`` word (module parameter ``proto: any``); the Rule contract
  (``_model/rules.check_rules``) gives it no ports (ufw would read ports with
  ``any`` as tcp and udp only, which is not what ``any`` means).
* ``icmp``: ufw's rule syntax has no ICMP (ufw keeps ICMP in before.rules),
  so ``CAPABILITIES.icmp`` is false and ``_render.render`` refuses such a rule
  before this module sees it, naming the backends that can match ICMP.
* The comment is ``netreq:<profile>:<id>``, plus `` expires=<ISO-8601>`` for
  an expiring temporary rule.
* ``fqdn_strategy=resolve``: ufw has no address sets, so each resolved
  address becomes rules of its own, kept in step with DNS on the host by the
  refresher (see ``_apply/resolve_state.py``). ``resolve_sets`` carries what it needs
  to write them: direction, protocol, the port groups above and the comment
  ``netreq-resolved:<profile>:<id>``. That comment is outside the applier's
  ``netreq:`` prefix on purpose: the applier neither owns nor purges the
  refresher's rules, so a second run sees no drift.
* ``default_policies``: ``{incoming, outgoing}``, ``deny`` for a direction
  whose policy is ``allowlist``, null (leave the host's default) for
  ``permissive``.
* The management connection (option ``management``, ``{port, sources}``):
  under an egress allowlist the rules start with ``allow out proto tcp from
  any port <port> to <source>`` (comment ``netreq:baseline:management-replies``),
  the stateless admission of its replies that ``_base.Management`` explains.
* The host's own DHCP and DHCPv6 client: under an egress allowlist the rules
  start with ``allow out proto udp from any port 68 to 0.0.0.0/0 port 67``
  and the same to ``::/0`` for 546 -> 547 (comments
  ``netreq:baseline:dhcpv4-client``/``dhcpv6-client``); ufw's before.rules
  and before6.rules already accept the answers (DHCPv6 from link-local
  addresses), so an ingress allowlist adds nothing for them.
* No other allowlist baseline is rendered (unlike nftables and firewalld): ufw's
  default policies apply after its own ``before.rules``/``before6.rules``
  (as shipped with ufw 0.36), which already accept, in both directions,
  related/established traffic and loopback, IPv6 neighbour and router
  discovery (NS/NA/RS/RA, hop limit 255), MLD from link-local addresses and
  the ICMPv6 errors (packet-too-big among them); inbound ICMPv4
  destination-unreachable (fragmentation-needed among them) is accepted
  too. Outbound ICMPv4 errors pass as related traffic, which is what a
  host sends; the decision for ICMPv4 stays with ufw's files. Rendering the
  same messages again would only duplicate them in ``user.rules``.
"""

from __future__ import annotations

from ansible_collections.netreq.firewall.plugins.module_utils._model import ownership as _ownership
from ansible_collections.netreq.firewall.plugins.module_utils._render._base import (
    Capabilities,
    RenderContext,
    check_enforcement,
    merge_options,
    format_network,
    management_option,
    port_ranges,
    rule_label,
)

BACKEND = "ufw"
# ufw's rule syntax has no ICMP (it keeps ICMP in before.rules) and no address sets
CAPABILITIES = Capabilities.of(BACKEND, icmp=False, resolve_names=True)

DEFAULT_OPTIONS = {
    "ingress_policy": "permissive",
    "egress_policy": "permissive",
    "fqdn_strategy": None,
    "wildcard_fallback": None,
    "management": None,
}
MULTIPORT_MAX = 15  # iptables multiport limit; a range counts as two ports


def _options(options):
    merged = merge_options(BACKEND, DEFAULT_OPTIONS, options)
    check_enforcement(BACKEND, merged)
    merged["management"] = management_option(BACKEND, merged["management"])
    return merged


def memo_scope(options):
    """Where a rendering owns its state: ufw's own rules files, whatever the options (checked all the same)."""
    _options(options)
    return {}


def _comment(rule):
    return rule_label(rule)


def _port_groups(rule):
    """The ufw port specs for a rule: ``[None]`` for all ports, else multiport groups of at most 15 ports."""
    ranges = port_ranges(rule)
    if not ranges:
        return [None]
    groups = []
    current, weight = [], 0
    for low, high in ranges:
        cost = 1 if low == high else 2
        if current and weight + cost > MULTIPORT_MAX:
            groups.append(current)
            current, weight = [], 0
        current.append("%d" % low if low == high else "%d:%d" % (low, high))
        weight += cost
    groups.append(current)
    return [",".join(group) for group in groups]


def _ufw_rule(rule, remote, port, comment):
    proto = rule["protocol"]
    ingress = rule["direction"] == "ingress"
    args = ["allow", "in" if ingress else "out"]
    if proto != "any":
        args += ["proto", proto]
    args += ["from", remote, "to", "any"] if ingress else ["to", remote]
    if port:
        args += ["port", port]
    args += ["comment", comment]
    params = {
        "rule": "allow",
        "direction": "in" if ingress else "out",
        "proto": proto,
        "from_ip": remote if ingress else "any",
        "to_ip": "any" if ingress else remote,
    }
    if port:
        params["to_port"] = port
    params["comment"] = comment
    return {"id": rule["id"], "comment": comment, "args": args, "params": params}


# The host's own DHCP and DHCPv6 client, outbound (ufw's before.rules and before6.rules accept
# the answers, DHCPv6 ones from link-local addresses): client port to server port, per family.
_DHCP_CLIENT = (("dhcpv4-client", "0.0.0.0/0", "68", "67"), ("dhcpv6-client", "::/0", "546", "547"))


def _baseline_out(what, proto, local_port, remote, remote_port=None):
    """One outbound baseline rule, ``allow out proto P from any port L to R [port X]``, in ufw's own form.

    The source is ``any``; the family, where it matters, is told by the
    destination (``0.0.0.0/0`` or ``::/0``), as ufw writes it back.
    """
    comment = _ownership.tag("baseline", what)
    args = ["allow", "out", "proto", proto, "from", "any", "port", local_port, "to", remote]
    params = {"rule": "allow", "direction": "out", "proto": proto, "from_ip": "any", "from_port": local_port, "to_ip": remote}
    if remote_port:
        args += ["port", remote_port]
        params["to_port"] = remote_port
    params["comment"] = comment
    return {"id": "baseline", "comment": comment, "args": args + ["comment", comment], "params": params}


def _dhcp_client():
    """ufw rules letting the host's DHCP and DHCPv6 client out under an egress allowlist."""
    return [_baseline_out(what, "udp", client, everywhere, server) for what, everywhere, client, server in _DHCP_CLIENT]


def _management_replies(management):
    """ufw rules admitting the management connection's replies statelessly (see ``_base.Management``).

    ``allow out proto tcp from any port P to S``: ufw's ``before.rules`` accept
    only ``established`` traffic, which a session older than conntrack's start
    in the namespace is not. First in the rule list, so the reload that
    brings in the egress policy already carries it.
    """
    if management is None:
        return []
    remotes = ["any"] if management.is_any else [format_network(net) for net in management.ipv4 + management.ipv6]
    return [_baseline_out("management-replies", "tcp", str(management.port), remote) for remote in remotes]


def render(rules, **options):
    """Render ``rules`` as ufw rules; see the module docstring."""
    opts = _options(options)
    ctx = RenderContext(BACKEND, CAPABILITIES, fqdn_strategy=opts["fqdn_strategy"], wildcard_fallback=opts["wildcard_fallback"])
    result = _dhcp_client() + _management_replies(opts["management"]) if opts["egress_policy"] == "allowlist" else []
    for rule in rules:
        planned = ctx.plan_remote(rule)
        if planned.empty:
            continue  # every hostname went to the proxy allowlist
        if planned.is_any:
            remotes = ["any"]
        else:
            remotes = [format_network(net) for net in planned.ipv4 + planned.ipv6]
        if planned.resolve_hosts:
            ctx.resolve_target(rule, ufw={
                "direction": "in" if rule["direction"] == "ingress" else "out",
                "proto": None if rule["protocol"] == "any" else rule["protocol"],
                "ports": _port_groups(rule),
                "comment": _ownership.UFW_RESOLVED_PREFIX + rule_label(rule)[len(_ownership.TAG_PREFIX):],
            })
        comment = _comment(rule)
        for remote in remotes:
            for port in _port_groups(rule):
                result.append(_ufw_rule(rule, remote, port, comment))
    # allowlist: ufw's own default policy drops what no rule allows (its
    # before.rules keep loopback and established traffic); permissive leaves
    # the host's defaults as they are
    defaults = {direction: "deny" if opts["%s_policy" % key] == "allowlist" else None
                for direction, key in (("incoming", "ingress"), ("outgoing", "egress"))}
    return ctx.envelope(rules=result, default_policies=defaults)


def applier_params(rendering, options):
    """What the ufw applier takes from a rendering: each rule's ``args`` (``params`` is for community.general.ufw)."""
    policies = rendering.get("default_policies") or {}
    rules = [{key: rule[key] for key in ("id", "comment", "args")} for rule in rendering["rules"]]
    params = {"rules": rules, "enabled": True}
    for direction in ("incoming", "outgoing"):
        if policies.get(direction):
            params["default_%s" % direction] = policies[direction]
    return params
