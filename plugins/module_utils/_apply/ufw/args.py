# -*- coding: utf-8 -*-
# Copyright (c) netreq.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""PRIVATE: the module's rules, in ufw's extended rule syntax, read into ``UfwRule``.

This module is private to the netreq.firewall collection; its API may change
without notice. It runs on managed hosts (standard library only).

The input is the argv words after ``ufw`` that the ufw renderer writes, and
this module reads them into ufw's normalized form (addresses as ufw stores
them, ports sorted as ufw sorts them), refusing what ufw would refuse or
silently change, so that a rule read back from ufw's files compares equal to
the rule that was asked for.
"""

from __future__ import annotations

import ipaddress

from ansible_collections.netreq.firewall.plugins.module_utils._apply.ufw.rules import (
    ACTIONS,
    INTERFACE_RE,
    IPV4_ONLY_PROTOCOLS,
    LOG_WORDS,
    MULTIPORT_MAX_SEPARATORS,
    PORT_PROTOCOLS,
    PORT_RE,
    PROTOCOLS,
    RuleError,
    UfwRule,
    tuple_address,
)


def _address(value):
    """ufw's form of an address argument: ``any``, a plain address for a host, else network/prefix."""
    if value.lower() == "any":
        return "any"
    try:
        network = ipaddress.ip_network(value, strict=True)
    except ValueError as exc:
        if "has host bits set" in str(exc):
            raise RuleError("address %s has host bits set; use %s" % (value, ipaddress.ip_network(value, strict=False)))
        raise RuleError("address %r is not an IP address or network" % value)
    if network.version == 6 and network.network_address.ipv4_mapped is not None:
        raise RuleError("address %s is an IPv4-mapped IPv6 address; use the IPv4 address" % value)
    if network.prefixlen == network.max_prefixlen:
        return str(network.network_address)
    return str(network)


def _port_sort_key(item):
    low, dummy, high = item.partition(":")
    return (int(low), 1 if high else 0, int(high or 0))


def _ports(value):
    """ufw's form of a port argument: numbers and ``low:high`` ranges, comma-separated, sorted as ufw sorts them."""
    items = value.split(",")
    for item in items:
        bounds = item.split(":")
        if len(bounds) > 2 or not all(PORT_RE.match(bound) for bound in bounds):
            raise RuleError("port %r: expected port numbers and low:high ranges separated by commas "
                            "(no names, no leading zeros)" % value)
        numbers = [int(bound) for bound in bounds]
        if any(number > 65535 for number in numbers):
            raise RuleError("port %r: ports go from 1 to 65535" % value)
        if len(numbers) == 2 and numbers[0] >= numbers[1]:
            raise RuleError("port %r: range %s must go from low to high" % (value, item))
    if len(set(items)) != len(items):
        raise RuleError("port %r lists a port twice" % value)
    if value.count(",") + value.count(":") > MULTIPORT_MAX_SEPARATORS:
        raise RuleError("port %r: ufw takes at most 15 ports in one rule, a range counting as two" % value)
    return ",".join(sorted(items, key=_port_sort_key))


def _comment(value):
    if not value:
        raise RuleError("the comment is empty")
    if "'" in value:
        raise RuleError("comment %r contains a single quote, which ufw rejects" % value)
    if any(ord(char) < 32 or ord(char) == 127 for char in value):
        raise RuleError("comment %r contains a control character" % value)
    return value


def _head(words):
    """``ACTION [in|out [on IFACE]] [log|log-all]``: (action, direction, interface, log, index of the next word)."""
    action = words[0]
    if action not in ACTIONS:
        raise RuleError("the first word must be one of %s, not %r (route, insert, prepend, delete and "
                        "application rules are not supported)" % (", ".join(ACTIONS), action))
    index, direction, interface, log = 1, "in", "", ""
    if index < len(words) and words[index] in ("in", "out"):
        direction = words[index]
        index += 1
        if index < len(words) and words[index] == "on":
            if index + 1 >= len(words):
                raise RuleError("'on' needs an interface name")
            interface = words[index + 1]
            if not INTERFACE_RE.match(interface) or interface in (".", ".."):
                raise RuleError("interface name %r is not valid" % interface)
            index += 2
    if index < len(words) and words[index] in LOG_WORDS:
        log = words[index]
        index += 1
    return action, direction, interface, log, index


def parse_args(args):
    """Parse the argv words after ``ufw`` of one rule in ufw's extended syntax.

    Accepted: ``ACTION [in|out [on IFACE]] [log|log-all]`` followed by the
    clauses ``proto P``, ``from ADDR
    [port PORTS]``, ``to ADDR [port PORTS]`` and ``comment TEXT``, each at most
    once. Application profiles, route rules, ``insert``/``prepend``/``delete``
    and ufw's short forms (``allow 22/tcp``) are not: they are not what the
    renderer writes.
    """
    if not isinstance(args, (list, tuple)) or not args:
        raise RuleError("args must be a non-empty list of words")
    words = list(args)
    for word in words:
        if not isinstance(word, str) or not word:
            raise RuleError("every word must be a non-empty string, got %r" % (word,))
    action, direction, interface, log, index = _head(words)
    clauses = {}
    location = None
    while index < len(words):
        word = words[index]
        if word not in ("proto", "from", "to", "port", "comment"):
            raise RuleError("unexpected word %r (expected proto, from, to, port or comment)" % word)
        if index + 1 >= len(words):
            raise RuleError("%r needs a value" % word)
        value = words[index + 1]
        index += 2
        if word == "port":
            if location is None:
                raise RuleError("'port' must follow 'from ADDRESS' or 'to ADDRESS'")
            word = "sport" if location == "from" else "dport"
        elif word in ("from", "to"):
            location = word
        if word in clauses:
            raise RuleError("%r is given twice" % word)
        clauses[word] = value
    proto = clauses.get("proto", "any")
    if proto not in PROTOCOLS:
        raise RuleError("protocol %r is not one of %s" % (proto, ", ".join(PROTOCOLS)))
    src = _address(clauses.get("from", "any"))
    dst = _address(clauses.get("to", "any"))
    families = set(6 if ":" in address else 4 for address in (src, dst) if address != "any")
    if len(families) > 1:
        raise RuleError("'from' and 'to' mix IPv4 and IPv6")
    if proto in IPV4_ONLY_PROTOCOLS and 6 in families:
        raise RuleError("protocol %s is IPv4 only" % proto)
    src, dst = tuple_address(src), tuple_address(dst)
    rule = UfwRule(
        action=action, where=direction + ("_" + interface if interface else ""), proto=proto,
        src=src, sport=_ports(clauses["sport"]) if "sport" in clauses else "any",
        dst=dst, dport=_ports(clauses["dport"]) if "dport" in clauses else "any",
        comment=_comment(clauses["comment"]) if "comment" in clauses else "", log=log,
        # "0.0.0.0/0" and "::/0" are stored as "any", but only for their own IP family
        family=families.pop() if families and src == "any" and dst == "any" else None,
    )
    ports = [port for port in (rule.sport, rule.dport) if port != "any"]
    if ports and proto not in PORT_PROTOCOLS:
        raise RuleError("protocol %s takes no ports" % proto)
    if proto == "any" and any("," in port or ":" in port for port in ports):
        raise RuleError("port lists and ranges need proto tcp or udp")
    return rule
