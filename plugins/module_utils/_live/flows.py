# -*- coding: utf-8 -*-
# Copyright (c) netreq.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""PRIVATE: traffic classes, to tell whether a rule the collection does not own drops what it allows.

This module is private to the netreq.firewall collection; its API may change
without notice. It runs on managed hosts (standard library only) and is pure.

An owned allow rule becomes a ``Flow``: direction, protocols, destination
ports and remote networks. A foreign rule becomes a ``Match`` with the same
fields, each ``None`` when the rule does not restrict it, plus ``unknown``:
the conditions this reading does not model (interfaces, marks, negations,
source ports ...). Why so coarse: the question asked is "can this foreign
drop hit traffic the collection allows?", and a condition that is not
understood must not hide an override. So ``overlap`` answers with a
certainty: ``certain`` when every condition of the foreign rule is modelled
and intersects the flow, ``possible`` when only modelled conditions were
checked, and ``None`` when a modelled condition excludes the flow. ``covers``
is the stricter question for a foreign *accept* (does it take the whole flow
before a later drop?) and is answered only from modelled conditions.
"""

from __future__ import annotations

import ipaddress

# what one protocol word of a rule means in both IP families
PROTOCOL_ALIASES = {"icmp": ("icmp", "ipv6-icmp"), "ipv6-icmp": ("icmp", "ipv6-icmp"), "icmpv6": ("icmp", "ipv6-icmp")}
CERTAIN = "certain"
POSSIBLE = "possible"


def protocols_of(word):
    """The protocol set of a protocol word; None for any."""
    if word in (None, "", "any", "all"):
        return None
    return frozenset(PROTOCOL_ALIASES.get(word, (word,)))


def port_ranges(values):
    """``["443", "1000-2000", 22, "80:81"]`` -> ``[(443, 443), (1000, 2000), (22, 22), (80, 81)]``; None for all."""
    if values is None:
        return None
    ranges = []
    for value in values:
        if isinstance(value, (tuple, list)) and len(value) == 2:
            ranges.append((int(value[0]), int(value[1])))
            continue
        text = str(value).replace(":", "-")
        low, _sep, high = text.partition("-")
        ranges.append((int(low), int(high or low)))
    return ranges


def network(text):
    """An ip_network for an address or CIDR (host bits allowed); None when it is not one (a host name)."""
    try:
        return ipaddress.ip_network(str(text).strip(), strict=False)
    except ValueError:
        return None


# The keys of a compiled Rule that ``Flow.from_rule`` reads: all the controller sends for an override check.
RULE_KEYS = ("profile", "id", "direction", "protocol", "ports", "remote")


class Flow(object):
    """Traffic one owned allow rule lets through: ``networks`` None means any remote, ``names`` unresolved hosts."""

    def __init__(self, tag, direction, protocol=None, ports=None, networks=None, names=()):
        self.tag = tag
        self.direction = direction
        self.protocols = protocols_of(protocol)
        self.ports = port_ranges(ports) if ports else None
        self.networks = networks
        self.names = list(names)

    @classmethod
    def from_rule(cls, rule, tag):
        """The flow of a compiled Rule (``remote`` addresses, CIDRs, host names or any)."""
        networks, names = [], []
        for item in rule.get("remote") or ["any"]:
            if item == "any":
                networks = None
                break
            parsed = network(item)
            if parsed is None:
                names.append(item)
            else:
                networks.append(parsed)
        if networks is not None and names and not networks:
            networks = None  # only host names: any address they may resolve to
        return cls(tag, rule.get("direction"), rule.get("protocol"), rule.get("ports") or None, networks, names)

    def families(self):
        if self.networks is None:
            return {4, 6}
        return set(net.version for net in self.networks)


class Match(object):
    """What a foreign rule matches, as far as it is understood; see the module docstring."""

    def __init__(self, family=None, protocols=None, ports=None, networks=None, unknown=(), never=False, excluded=()):
        self.family = family
        self.protocols = protocols
        self.ports = ports
        self.networks = networks
        self.unknown = list(unknown)
        self.never = never  # a condition no new connection meets (ct state established only, lo interface)
        self.excluded = list(excluded)  # remote networks the rule does not match (``daddr != ...``)

    def merged(self, other):
        """Both conditions at once (a rule reached through a jump from another rule)."""
        merged = Match(self.family or other.family, _meet(self.protocols, other.protocols), _meet_ranges(self.ports, other.ports),
                       _meet_networks(self.networks, other.networks), self.unknown + other.unknown,
                       self.never or other.never, self.excluded + other.excluded)
        if self.family and other.family and self.family != other.family:
            merged.never = True
        return merged


def _meet(left, right):
    if left is None:
        return right
    if right is None:
        return left
    return left & right


def _meet_ranges(left, right):
    if left is None:
        return right
    if right is None:
        return left
    return [(max(a, c), min(b, d)) for a, b in left for c, d in right if max(a, c) <= min(b, d)]


def _meet_networks(left, right):
    if left is None:
        return right
    if right is None:
        return left
    return [a if a.prefixlen >= b.prefixlen else b for a in left for b in right if a.version == b.version and a.overlaps(b)]


def _ranges_overlap(left, right):
    return any(a <= d and c <= b for a, b in left for c, d in right)


def overlap(match, flow):
    """``certain``, ``possible`` or None: whether ``match`` can hit traffic of ``flow`` (see the module docstring)."""
    if match.never:
        return None
    if match.family and match.family not in flow.families():
        return None
    if match.protocols is not None and flow.protocols is not None and not (match.protocols & flow.protocols):
        return None
    if match.ports is not None:
        if not match.ports:
            return None
        if flow.protocols is not None and not (flow.protocols & {"tcp", "udp", "sctp", "dccp"}):
            return None  # a port match never matches ICMP
        if flow.ports is not None and not _ranges_overlap(match.ports, flow.ports):
            return None
    if match.excluded and flow.networks is not None and all(
            any(net.version == other.version and net.subnet_of(other) for other in match.excluded) for net in flow.networks):
        return None
    by_name = False
    if match.networks is not None:
        if flow.networks is not None:
            if not any(a.version == b.version and a.overlaps(b) for a in match.networks for b in flow.networks):
                return None
        elif flow.names:
            by_name = True  # the names may or may not resolve into the dropped networks
    return POSSIBLE if match.unknown or by_name else CERTAIN


def covers(match, flow):
    """Whether ``match`` (of a foreign accept) takes every packet of ``flow``, from its modelled conditions only."""
    if match.never or match.unknown or match.excluded:
        return False
    if match.family and flow.families() != {match.family}:
        return False
    if match.protocols is not None and (flow.protocols is None or not flow.protocols <= match.protocols):
        return False
    if match.ports is not None:
        if flow.ports is None:
            return False
        for low, high in flow.ports:
            if not any(a <= low and high <= b for a, b in match.ports):
                return False
    if match.networks is not None:
        if flow.networks is None:
            return False
        for net in flow.networks:
            if not any(net.version == other.version and net.subnet_of(other) for other in match.networks):
                return False
    return True
