# -*- coding: utf-8 -*-
# Copyright (c) netreq.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""PRIVATE: the desired firewalld objects, and the permanent ones in firewalld's XML files.

This module is private to the netreq.firewall collection; its API may change
without notice. Standard library only (it runs on managed hosts).

Policies and ipsets take one normalized form everywhere (the input, the XML
files, the D-Bus settings), so the plan compares plain values::

    policy: {name, description, short, priority, target, ingress_zones, egress_zones,
             rich_rules: [canonical text], extras: ["service ssh", ...]}
    ipset:  {name, type, family, entries: [...]}

``extras`` are the settings an owned policy may hold but the collection never
writes (services, ports, masquerade ...): they count as stale and go away on
the next write. The permanent configuration is read from the XML files under
``/etc/firewalld/{policies,ipsets}`` (the structured form firewalld keeps),
and written there with ``xml.etree`` in the layout of firewalld's own writer.
"""

from __future__ import annotations

import os
import re
import xml.etree.ElementTree as ET

from ansible_collections.netreq.firewall.plugins.module_utils._model import addresses as addr
from ansible_collections.netreq.firewall.plugins.module_utils._apply.firewalld import rich
from ansible_collections.netreq.firewall.plugins.module_utils._model.errors import InputError
from ansible_collections.netreq.firewall.plugins.module_utils._apply.fingerprint import owned, owned_files
from ansible_collections.netreq.firewall.plugins.module_utils._model.ownership import FIREWALLD_POLICY_PREFIX

# firewalld derives chain names from policy names: 17 characters at most.
POLICY_NAME_MAX = 17
IPSET_NAME_MAX = 32
PREFIX_MAX = POLICY_NAME_MAX - len("-out")
TARGETS = ("CONTINUE", "ACCEPT", "DROP", "REJECT")
DEFAULT_TARGET = "CONTINUE"
DEFAULT_PRIORITY = -1  # firewalld's default policy priority (not written to the file)
SPECIAL_ZONES = ("ANY", "HOST")
IPSET_FAMILIES = ("inet", "inet6")

_PREFIX_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*\Z")
_POLICY_NAME_RE = re.compile(r"^[A-Za-z0-9_-]+\Z")
_IPSET_NAME_RE = re.compile(r"^[A-Za-z0-9_.:-]+\Z")
_ZONE_NAME_RE = re.compile(r"^[A-Za-z0-9_/-]+\Z")
_IPSET_TYPE_RE = re.compile(r"^hash:[a-z,]+\Z")


# ---------------------------------------------------------------- the input

def _zone_errors(where, side, zones, errors):
    if not zones:
        errors.append("%s: %s must list at least one zone (ANY, HOST or zone names)" % (where, side))
    for zone in zones:
        if not _ZONE_NAME_RE.match(zone):
            errors.append("%s: %s: %r is not a valid zone name" % (where, side, zone))
    if len(zones) > 1 and any(zone in SPECIAL_ZONES for zone in zones):
        errors.append("%s: %s may hold ANY, or HOST, or regular zones, not a mix: %s" % (where, side, ", ".join(zones)))
    if len(set(zones)) != len(zones):
        errors.append("%s: %s lists a zone twice: %s" % (where, side, ", ".join(zones)))


def _rich_rules(where, entries, errors):
    """Canonical texts in input order (duplicates once) and the ids/tags that asked for each."""
    texts, origins = [], {}
    for index, entry in enumerate(entries or []):
        label = entry.get("tag") or entry.get("id")
        rule_where = "%s.rich_rules[%d] (id %s)" % (where, index, entry.get("id") or "none")
        try:
            text = rich.canonical(entry.get("rule") or "")
        except rich.RichRuleError as exc:
            errors.append("%s: invalid rich rule %r: %s" % (rule_where, entry.get("rule"), exc))
            continue
        if text not in origins:
            texts.append(text)
            origins[text] = []
        if label and label not in origins[text]:
            origins[text].append(label)
    return texts, origins


# per kind of object: the name pattern, its longest length, what the pattern allows, and the word for one
_NAME_RULES = {
    "policies": (_POLICY_NAME_RE, POLICY_NAME_MAX, "letters, digits, _ or -", "policy"),
    "ipsets": (_IPSET_NAME_RE, IPSET_NAME_MAX, "letters, digits, _, -, : or .", "ipset"),
}


def _check_name(item, kind, index, desired, prefix, errors):
    """The item's name and where it is (for messages); adds the name's problems to ``errors``."""
    name = item.get("name") or ""
    where = "%s[%d] (%s)" % (kind, index, name or "no name")
    pattern, longest, allowed, word = _NAME_RULES[kind]
    if not pattern.match(name) or len(name) > longest:
        errors.append("%s: name must be %s, at most %d characters" % (where, allowed, longest))
    if not owned(name, prefix):
        errors.append("%s: name must start with %r (policy_prefix) so the collection owns it" % (where, prefix + "-"))
    if name in desired[kind]:
        errors.append("%s: %s %s is listed twice" % (where, word, name))
    return name, where


def desired_state(params):
    """The whole module input checked offline: ``{prefix, state, policies, ipsets, origins}``.

    Raises ``InputError`` listing every problem, each naming its field (and the
    rule id for a rich rule), before anything on the host is read.
    """
    prefix = params.get("policy_prefix")
    if prefix is None:  # a dispatching module may pass only the rule set
        prefix = FIREWALLD_POLICY_PREFIX
    if not _PREFIX_RE.match(prefix) or len(prefix) > PREFIX_MAX:
        raise InputError("policy_prefix must be letters, digits, _ or - (starting with a letter or digit) and at "
                         "most %d characters, got %r" % (PREFIX_MAX, prefix))
    desired = {"prefix": prefix, "state": params.get("state") or "present", "policies": {}, "ipsets": {}, "origins": {}}
    if desired["state"] != "present":
        return desired
    errors = []
    for index, item in enumerate(params.get("policies") or []):
        name, where = _check_name(item, "policies", index, desired, prefix, errors)
        description = item.get("description")
        if description is not None:
            description = description.strip()
            if "\n" in description or "\r" in description:
                errors.append("%s: description must be one line" % where)
        ingress, egress = list(item.get("ingress_zones") or []), list(item.get("egress_zones") or [])
        _zone_errors(where, "ingress_zones", ingress, errors)
        _zone_errors(where, "egress_zones", egress, errors)
        if "HOST" in ingress and "HOST" in egress:
            errors.append("%s: HOST can be an ingress zone or an egress zone, not both" % where)
        target = item.get("target") or DEFAULT_TARGET
        if target not in TARGETS:
            errors.append("%s: target must be one of %s, got %r" % (where, ", ".join(TARGETS), target))
        texts, origins = _rich_rules(where, item.get("rich_rules"), errors)
        desired["policies"][name] = {"name": name, "description": description, "target": target,
                                     "ingress_zones": ingress, "egress_zones": egress, "rich_rules": texts, "extras": []}
        desired["origins"][name] = origins
    for index, item in enumerate(params.get("ipsets") or []):
        name, where = _check_name(item, "ipsets", index, desired, prefix, errors)
        set_type, family = item.get("type") or "hash:ip", item.get("family") or "inet"
        if not _IPSET_TYPE_RE.match(set_type):
            errors.append("%s: type must be a hash type such as hash:ip or hash:net, got %r" % (where, set_type))
        if family not in IPSET_FAMILIES:
            errors.append("%s: family must be inet or inet6, got %r" % (where, family))
        for host in item.get("hosts") or []:
            try:
                addr.parse_hostname(host, allow_wildcard=False)
            except ValueError as exc:
                errors.append("%s.hosts: %s" % (where, exc))
        desired["ipsets"][name] = {"name": name, "type": set_type, "family": family, "entries": []}
    for policy in desired["policies"].values():
        for text in policy["rich_rules"]:
            for set_name in rich.parse(text).ipsets() if "ipset=" in text else ():
                if owned(set_name, prefix) and set_name not in desired["ipsets"]:
                    errors.append("policies (%s): rule %r uses ipset %s, which is not in ipsets (owned ipsets not "
                                  "listed are deleted)" % (policy["name"], text, set_name))
    if errors:
        raise InputError("invalid input, nothing was changed:\n- " + "\n- ".join(errors), errors=errors)
    return desired


# ---------------------------------------------------------------- reading the files

def _text(root, tag):
    child = root.find(tag)
    return (child.text or "") if child is not None else ""


def _extra(child):
    words = [child.tag] + ["%s=%s" % (key, child.get(key)) for key in sorted(child.keys())]
    return " ".join(words)


def read_policy(path, name):
    """A policy file in the normalized form; a rule firewalld could not read either is kept as an extra."""
    root = ET.parse(path).getroot()
    policy = {"name": name, "description": _text(root, "description"), "short": _text(root, "short"),
              "priority": int(root.get("priority", DEFAULT_PRIORITY)), "target": root.get("target", DEFAULT_TARGET),
              "ingress_zones": [], "egress_zones": [], "rich_rules": [], "extras": []}
    for child in root:
        if child.tag in ("ingress-zone", "egress-zone"):
            policy[child.tag.replace("-", "_") + "s"].append(child.get("name"))
        elif child.tag == "rule":
            try:
                policy["rich_rules"].append(rich.from_element(child).text())
            except rich.RichRuleError as exc:
                policy["extras"].append("unreadable rule (%s)" % exc)
        elif child.tag not in ("short", "description"):
            policy["extras"].append(_extra(child))
    return policy


def read_ipset(path, name):
    root = ET.parse(path).getroot()
    options = dict((option.get("name"), option.get("value")) for option in root.findall("option"))
    return {"name": name, "type": root.get("type", ""), "family": options.get("family") or "inet",
            "entries": [entry.text or "" for entry in root.findall("entry")]}


def read_permanent(config_dir, prefix):
    """The owned policies and ipsets of the permanent configuration: ``{policies, ipsets, files}``."""
    state = {"policies": {}, "ipsets": {}, "files": {}}
    for kind, reader in (("policies", read_policy), ("ipsets", read_ipset)):
        for name, path in owned_files(os.path.join(config_dir, kind), prefix).items():
            try:
                state[kind][name] = reader(path, name)
            except (ET.ParseError, ValueError) as exc:
                # a broken owned file is replaced, as any stale content would be
                state[kind][name] = {"name": name, "broken": "%s: %s" % (path, exc)}
            state["files"][(kind, name)] = path
    return state


# ---------------------------------------------------------------- writing

def _document(root):
    if hasattr(ET, "indent"):  # Python 3.9+: the layout of firewalld's files, for a human reader
        ET.indent(root, space="  ")
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="utf-8") + b"\n"


def policy_xml(policy):
    """The XML file of a normalized policy, in the element order of firewalld's writer."""
    attrs = {}
    if policy.get("priority", DEFAULT_PRIORITY) != DEFAULT_PRIORITY:
        attrs["priority"] = str(policy["priority"])
    attrs["target"] = policy["target"]
    root = ET.Element("policy", attrs)
    for tag in ("short", "description"):
        if policy.get(tag):
            ET.SubElement(root, tag).text = policy[tag]
    for text in policy["rich_rules"]:
        root.append(rich.to_element(rich.parse(text)))
    for zone in policy["ingress_zones"]:
        ET.SubElement(root, "ingress-zone", {"name": zone})
    for zone in policy["egress_zones"]:
        ET.SubElement(root, "egress-zone", {"name": zone})
    return _document(root)


def ipset_xml(ipset):
    root = ET.Element("ipset", {"type": ipset["type"]})
    ET.SubElement(root, "option", {"name": "family", "value": ipset["family"]})
    for entry in ipset.get("entries") or []:
        ET.SubElement(root, "entry").text = entry
    return _document(root)
