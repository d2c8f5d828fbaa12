# -*- coding: utf-8 -*-
# Copyright (c) netreq.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""PRIVATE: which requirement of which profile allows a given connection.

This module is private to the netreq.firewall collection; its API may change
without notice. Controller side (the filter ``netreq.firewall.explain``).

The answer is computed from the compiled rules, the same ones the appliers
render, so "allowed by requirement X" means "the collection opens it because
of the vendor line of X". A rule whose remote is a host name cannot be
matched against an address without resolving it, which the collection never
does behind the user's back: such rules are listed apart as ``by_name``.
"""

from __future__ import annotations

import ipaddress

from ansible_collections.netreq.firewall.plugins.module_utils._model.rules import compile_rules
from ansible_collections.netreq.firewall.plugins.module_utils._model.ownership import COLLECTION, tag
from ansible_collections.netreq.firewall.plugins.module_utils._model.errors import ProfileError
from ansible_collections.netreq.firewall.plugins.module_utils._model.profile import load_profile

SELECTION_KEYS = ("component", "params", "enable", "expires")


def _address(text):
    try:
        return ipaddress.ip_network(str(text), strict=False)
    except ValueError:
        return None


def _port_matches(rule, port):
    if port is None or not rule["ports"]:
        return True
    for item in rule["ports"]:
        low, _sep, high = str(item).partition("-")
        if int(low) <= port <= int(high or low):
            return True
    return False


def _name_matches(pattern, name):
    pattern, name = pattern.lower().rstrip("."), name.lower().rstrip(".")
    if pattern.startswith("*."):
        return name.endswith(pattern[1:])
    return pattern == name


def _remote_match(rule, address):
    """``(matched remote entries, host-name entries that may resolve to the address)``."""
    wanted = _address(address)
    matched, by_name = [], []
    for item in rule["remote"]:
        if item == "any":
            matched.append("any")
            continue
        network = _address(item)
        if wanted is not None and network is not None:
            if wanted.version == network.version and wanted.subnet_of(network):
                matched.append(item)
        elif wanted is None and network is None:
            if _name_matches(item, address):
                matched.append(item)
        elif wanted is not None and network is None:
            by_name.append(item)
    return matched, by_name


def compiled(selections):
    """``[(Profile, [Rule])]`` for a selection, a list of selections, or a Rule list (profile unknown)."""
    if isinstance(selections, dict):
        selections = [selections]
    if not isinstance(selections, (list, tuple)) or not selections:
        raise ProfileError("explain: the input is a profile selection {profile, component, params, enable, expires}, "
                           "a list of them, or a Rule list")
    if all(isinstance(item, dict) and "protocol" in item and "remote" in item for item in selections):
        return [(None, list(selections))]
    result = []
    for index, selection in enumerate(selections):
        if not isinstance(selection, dict) or "profile" not in selection:
            raise ProfileError("explain: selection %d must be a mapping with profile" % (index + 1))
        profile = load_profile(selection["profile"])
        arguments = dict((key, selection[key]) for key in SELECTION_KEYS if selection.get(key) is not None)
        result.append((profile, compile_rules(profile, **arguments)))
    return result


def _requirement_id(profile, rule):
    if profile is None:
        return rule["id"]
    ids = set(requirement.id for requirement in profile.requirements)
    if rule["id"] in ids:
        return rule["id"]
    suffix = "-" + rule["protocol"]
    return rule["id"][:-len(suffix)] if rule["id"].endswith(suffix) and rule["id"][:-len(suffix)] in ids else rule["id"]


def explain(selections, protocol, address, port=None, direction=None):
    """The answer dict of the ``explain`` filter (see its RETURN)."""
    matches, by_name = [], []
    for profile, rules in compiled(selections):
        for rule in rules:
            if direction and rule["direction"] != direction:
                continue
            if protocol != "any" and rule["protocol"] not in (protocol, "any"):
                continue
            if not _port_matches(rule, port):
                continue
            matched, names = _remote_match(rule, address)
            row = {
                "profile": rule["profile"],
                "vendor": profile.vendor if profile else None,
                "product": profile.product if profile else None,
                "requirement": _requirement_id(profile, rule),
                "rule": rule["id"],
                "tag": tag(rule["profile"], rule["id"]),
                "component": rule["component"],
                "direction": rule["direction"],
                "protocol": rule["protocol"],
                "ports": list(rule["ports"]),
                "remote": list(rule["remote"]),
                "description": rule["description"],
                "source": rule["source"],
                "temporary": bool(rule.get("temporary")),
                "expires": rule.get("expires"),
            }
            if matched:
                matches.append(dict(row, matched=matched))
            elif names:
                by_name.append(dict(row, matched=names))
    what = "%s%s %s %s" % (protocol.upper() if protocol != "any" else "any protocol",
                           " %d" % port if port is not None else "", {"egress": "to", "ingress": "from"}.get(direction, "with"), address)
    if matches:
        reasons = ["%s requirement %s (%s%s): %s" % (
            row["profile"], row["requirement"],
            "%s %s, " % (row["vendor"], row["product"]) if row["vendor"] else "",
            "matched by %s" % ", ".join(row["matched"]), " ".join(str(row["source"]).split())) for row in matches]
        answer = "%s is allowed by %s because of: %s" % (what, COLLECTION, "; ".join(reasons))
    else:
        answer = "%s is not allowed by %s for this selection" % (what, COLLECTION)
        if by_name:
            answer += ", unless one of these host names resolves to it: %s" % ", ".join(
                sorted(set(name for row in by_name for name in row["matched"])))
    return {"allowed": bool(matches), "answer": answer, "matches": matches, "by_name": by_name}
