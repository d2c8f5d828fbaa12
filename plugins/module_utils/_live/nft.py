# -*- coding: utf-8 -*-
# Copyright (c) netreq.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""PRIVATE: nftables tables the collection does not own that drop what it allows.

This module is private to the netreq.firewall collection; its API may change
without notice. It runs on managed hosts (standard library only) and is pure:
it reads the JSON of ``nft -j list ruleset`` (the structured form nft offers).

Why every foreign base chain on the same hook counts, whatever its priority:
in nftables an ``accept`` ends the packet's walk through one base chain only;
the packet then goes through the next base chain of the hook, and a ``drop``
there is final. So an allow rule of the collection's table is ineffective
for traffic that any other table's input/output chain drops, before it
(lower priority number) or after it. Each finding says which ran first.

What is followed: the rules of each foreign base chain with hook ``input``
(ingress rules) or ``output`` (egress rules) in order, ``jump``/``goto`` into
regular chains (their conditions joined), ``accept``/``return``, ``drop``
and ``reject`` verdicts, and the chain policy. A foreign accept that surely
takes a whole flow (``_live/flows.covers``) shields it from later drops of
that chain. Conditions are read for IP version, protocol, destination port,
remote address (daddr for output, saddr for input), named sets, ``ct state``
(a state set without ``new`` never meets a new connection) and the loopback
interface; anything else makes a finding ``possible`` rather than certain.
"""

from __future__ import annotations

import ipaddress
import json

from ansible_collections.netreq.firewall.plugins.module_utils._live.flows import (
    CERTAIN,
    POSSIBLE,
    Match,
    covers,
    network,
    overlap,
    protocols_of,
)

HOOK_DIRECTIONS = {"input": "ingress", "output": "egress"}
FAMILY_VERSIONS = {"ip": 4, "ip6": 6}
DROP_VERDICTS = ("drop", "reject")
MAX_DEPTH = 16


def parse_listing(text):
    """The objects of ``nft -j list ruleset``: ``(tables, chains, rules, sets)``."""
    data = json.loads(text or "{}")
    tables, chains, rules, sets = [], {}, {}, {}
    for item in data.get("nftables", []):
        if "table" in item:
            tables.append((item["table"]["family"], item["table"]["name"]))
        elif "chain" in item:
            chain = item["chain"]
            chains[(chain["family"], chain["table"], chain["name"])] = chain
        elif "rule" in item:
            rule = item["rule"]
            rules.setdefault((rule["family"], rule["table"], rule["chain"]), []).append(rule)
        elif "set" in item:
            found = item["set"]
            sets[(found["family"], found["table"], found["name"])] = found.get("elem") or []
    return tables, chains, rules, sets


# ---------------------------------------------------------------- reading one rule

def _values(right, sets, family, table):
    """The plain values of a right-hand side (a set reference read from ``sets``); None when unreadable."""
    if isinstance(right, str) and right.startswith("@"):
        elements = sets.get((family, table, right[1:]))
        return None if elements is None else list(elements)
    if isinstance(right, dict) and "set" in right:
        return list(right["set"])
    if isinstance(right, list):
        return list(right)
    return [right]


def _ports(values):
    ranges = []
    for value in values:
        if isinstance(value, int):
            ranges.append((value, value))
        elif isinstance(value, dict) and "range" in value and all(isinstance(v, int) for v in value["range"]):
            ranges.append(tuple(value["range"]))
        else:
            return None
    return ranges


def _networks(values):
    networks = []
    for value in values:
        if isinstance(value, dict) and "prefix" in value:
            parsed = network("%s/%s" % (value["prefix"]["addr"], value["prefix"]["len"]))
            if parsed is not None:
                networks.append(parsed)
                continue
        elif isinstance(value, dict) and "range" in value:
            try:
                low, high = (ipaddress.ip_address(v) for v in value["range"])
                networks.extend(ipaddress.summarize_address_range(low, high))
                continue
            except (TypeError, ValueError):
                return None
        elif isinstance(value, str) and network(value) is not None:
            networks.append(network(value))
            continue
        return None
    return networks


def read_match(rule, remote_field, sets):
    """``(Match, verdict, jump target)`` of one rule JSON; see the module docstring for what is modelled."""
    family = FAMILY_VERSIONS.get(rule["family"])
    match = Match(family=family)
    verdict, target = None, None
    for expr in rule.get("expr") or []:
        if "match" in expr:
            _condition(match, expr["match"], remote_field, sets, rule["family"], rule["table"])
        elif any(key in expr for key in ("accept", "drop", "reject", "return")):
            verdict = [key for key in ("accept", "drop", "reject", "return") if key in expr][0]
        elif "jump" in expr or "goto" in expr:
            verdict = "jump" if "jump" in expr else "goto"
            target = expr[verdict]["target"]
        elif not any(key in expr for key in ("counter", "log", "limit", "quota", "meter")):
            match.unknown.append(next(iter(expr)))  # a statement that may change the packet's fate (mark, queue ...)
    return match, verdict, target


def _condition(match, cond, remote_field, sets, family, table):
    left, right, op = cond.get("left") or {}, cond.get("right"), cond.get("op")
    values = _values(right, sets, family, table)
    payload, meta, ct = left.get("payload"), left.get("meta"), left.get("ct")
    if payload and payload.get("protocol") in FAMILY_VERSIONS:
        match.family = FAMILY_VERSIONS[payload["protocol"]]  # any ip/ip6 header match implies the IP version
    if op == "!=" and values is not None and payload and payload.get("field") == remote_field:
        networks = _networks(values)
        if networks is not None:
            match.excluded.extend(networks)
            return
    if op not in ("==", "in") or values is None:
        match.unknown.append(describe_condition(cond))
        return
    if ct and ct.get("key") == "state":
        if "new" not in values:
            match.never = True
        return
    if meta and meta.get("key") in ("iifname", "oifname", "iif", "oif"):
        if values == ["lo"]:
            match.never = True  # loopback traffic is never the remote traffic a profile allows
        else:
            match.unknown.append(describe_condition(cond))
        return
    if meta and meta.get("key") == "nfproto" and values in (["ipv4"], ["ipv6"]):
        match.family = 4 if values == ["ipv4"] else 6
        return
    if meta and meta.get("key") == "l4proto" or payload and payload.get("field") in ("protocol", "nexthdr") \
            and payload.get("protocol") in ("ip", "ip6"):
        if all(isinstance(value, str) for value in values):
            match.protocols = _narrow(match.protocols, frozenset().union(*(protocols_of(v) for v in values)))
            if payload:
                match.family = FAMILY_VERSIONS[payload["protocol"]]
            return
    if payload and payload.get("field") == "dport" and payload.get("protocol") in ("tcp", "udp", "th", "sctp", "dccp"):
        ports = _ports(values)
        if ports is not None:
            if payload["protocol"] != "th":
                match.protocols = _narrow(match.protocols, frozenset([payload["protocol"]]))
            match.ports = ports if match.ports is None else [r for r in match.ports if r in ports]
            return
    if payload and payload.get("field") == remote_field and payload.get("protocol") in ("ip", "ip6"):
        networks = _networks(values)
        if networks is not None:
            match.family = FAMILY_VERSIONS[payload["protocol"]]
            match.networks = networks if match.networks is None else [n for n in match.networks if n in networks]
            return
    match.unknown.append(describe_condition(cond))


def _narrow(current, new):
    return new if current is None else current & new


def describe_condition(cond):
    """A short readable form of a match expression (for findings; not nft's exact syntax)."""
    left = cond.get("left") or {}
    if "payload" in left:
        what = "%s %s" % (left["payload"].get("protocol", "?"), left["payload"].get("field", "?"))
    elif len(left) == 1:
        key = next(iter(left))
        inner = left[key]
        what = "%s %s" % (key, inner.get("key", "")) if isinstance(inner, dict) else key
    else:
        what = json.dumps(left, sort_keys=True)
    op = cond.get("op", "==")
    return "%s%s %s" % (what.strip(), "" if op in ("==", "in") else " " + op, _describe_value(cond.get("right")))


def _describe_value(value):
    if isinstance(value, dict) and "set" in value:
        return "{ %s }" % ", ".join(_describe_value(v) for v in value["set"])
    if isinstance(value, dict) and "range" in value:
        return "-".join(str(v) for v in value["range"])
    if isinstance(value, dict) and "prefix" in value:
        return "%s/%s" % (value["prefix"]["addr"], value["prefix"]["len"])
    if isinstance(value, list):
        return ",".join(_describe_value(v) for v in value)
    return str(value)


def describe_rule(rule):
    """A readable line for a rule JSON: its conditions, then its verdict."""
    words = []
    for expr in rule.get("expr") or []:
        if "match" in expr:
            words.append(describe_condition(expr["match"]))
        elif "jump" in expr or "goto" in expr:
            key = "jump" if "jump" in expr else "goto"
            words.append("%s %s" % (key, expr[key]["target"]))
        else:
            words.append(next(iter(expr)))
    if rule.get("comment"):
        words.append('comment "%s"' % rule["comment"])
    return " ".join(words)


# ---------------------------------------------------------------- walking the chains

def foreign_overrides(text, flows, skip_tables, own_priority=0):
    """Findings ``{tags, table, chain, hook, priority, order, rule, verdict, certainty}`` for ``flows``.

    ``skip_tables`` are ``(family, name)`` pairs not to judge: the collection's
    own table, and the tables of the firewall frontend that applies it.
    """
    tables, chains, rules, sets = parse_listing(text)
    findings = []
    for key, chain in sorted(chains.items()):
        family, table = key[0], key[1]
        direction = HOOK_DIRECTIONS.get(chain.get("hook"))
        if (family, table) in skip_tables or direction is None or family not in ("inet", "ip", "ip6"):
            continue
        relevant = [flow for flow in flows if flow.direction == direction]
        if not relevant:
            continue
        base = {"table": "%s %s" % (family, table), "chain": chain["name"], "hook": chain["hook"],
                "priority": chain.get("prio", 0), "order": _order(chain.get("prio", 0), own_priority)}
        remote_field = "daddr" if direction == "egress" else "saddr"
        pending = _walk(key, Match(family=FAMILY_VERSIONS.get(family)), relevant, chains, rules, sets, remote_field,
                        base, findings, 0)
        if chain.get("policy") in DROP_VERDICTS and pending:
            findings.append(dict(base, tags=sorted(set(flow.tag for flow in pending)), verdict="policy " + chain["policy"],
                                 rule="policy %s (traffic no earlier rule of the chain accepts)" % chain["policy"],
                                 certainty=POSSIBLE))
    return findings


def _walk(key, context, flows, chains, rules, sets, remote_field, base, findings, depth):
    """Walk one chain; returns the flows still travelling (not accepted for certain) when it ends."""
    pending = list(flows)
    for rule in rules.get(key, []):
        if not pending:
            break
        match, verdict, target = read_match(rule, remote_field, sets)
        match = context.merged(match)
        if verdict in DROP_VERDICTS:
            hit = {}
            for flow in pending:
                certainty = overlap(match, flow)
                if certainty:
                    hit.setdefault(certainty, []).append(flow.tag)
            for certainty in (CERTAIN, POSSIBLE):
                if hit.get(certainty):
                    findings.append(dict(base, chain=key[2], tags=sorted(set(hit[certainty])), verdict=verdict,
                                         rule=describe_rule(rule), certainty=certainty))
        elif verdict == "accept":
            pending = [flow for flow in pending if not covers(match, flow)]
        elif verdict == "return" and not match.unknown and not match.never and match.protocols is None \
                and match.ports is None and match.networks is None:
            return pending
        elif verdict in ("jump", "goto") and depth < MAX_DEPTH:
            target_key = (key[0], key[1], target)
            if target_key in chains:
                pending = _walk(target_key, match, pending, chains, rules, sets, remote_field, base, findings, depth + 1)
    return pending


def _order(priority, own):
    if priority < own:
        return "before"
    if priority > own:
        return "after"
    return "same priority"
