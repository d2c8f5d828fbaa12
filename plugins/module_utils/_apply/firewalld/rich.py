# -*- coding: utf-8 -*-
# Copyright (c) netreq.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""PRIVATE: firewalld rich rules as data: parse, check, print, and convert to and from XML.

This module is private to the netreq.firewall collection; its API may change
without notice. Standard library only (it runs on managed hosts).

Why a parser of our own: the applier writes firewalld's XML files itself (one
write and one reload instead of one ``firewall-cmd`` call per rule), so every
rich rule must become a ``<rule>`` element, and the rules read back from the
XML files and from D-Bus must be compared with the input. A rule is parsed
into a small structure (``RichRule``) and printed back in one canonical text,
the element order and quoting ``firewall-cmd --info-policy`` uses; two rules
are the same when their canonical texts are equal, whatever their spacing,
quoting or element order was. The XML is built from the structure with
``xml.etree`` (never by pasting text), the same elements firewalld's own
writer emits (``firewall/core/io/policy.py``, ``common_writer``).

The grammar is firewalld's rich language (man firewalld.richlanguage):
``rule [priority] [family] [source] [destination] [element] [log|nflog]
[audit] [action]``. What this parser does not know is rejected, never
guessed; values are checked here as far as they can be offline (addresses,
ports, protocols, limits), and firewalld's own parser checks each new rule
again before anything is written (see ``_apply/firewalld/runtime.py``).
"""

from __future__ import annotations

import ipaddress
import re
import shlex
import xml.etree.ElementTree as ET

from ansible_collections.netreq.firewall.plugins.module_utils._model.errors import InputError

# slot -> the part names that fill it, in the order firewalld prints the slots
SLOTS = ("source", "destination", "element", "log", "audit", "action")
# part name -> (slot, attributes in print order, limit allowed)
PARTS = {
    "source": ("source", ("address", "mac", "ipset"), False),
    "destination": ("destination", ("address", "ipset"), False),
    "service": ("element", ("name",), False),
    "port": ("element", ("port", "protocol"), False),
    "protocol": ("element", ("value",), False),
    "icmp-block": ("element", ("name",), False),
    "icmp-type": ("element", ("name",), False),
    "masquerade": ("element", (), False),
    "forward-port": ("element", ("port", "protocol", "to-port", "to-addr"), False),
    "source-port": ("element", ("port", "protocol"), False),
    "tcp-mss-clamp": ("element", ("value",), False),
    "log": ("log", ("prefix", "level"), True),
    "nflog": ("log", ("group", "prefix", "queue-size"), True),
    "audit": ("audit", (), True),
    "accept": ("action", (), True),
    "drop": ("action", (), True),
    "reject": ("action", ("type",), True),
    "mark": ("action", ("set",), True),
}
REQUIRED = {
    "port": ("port", "protocol"), "source-port": ("port", "protocol"), "forward-port": ("port", "protocol"),
    "service": ("name",), "protocol": ("value",), "icmp-block": ("name",), "icmp-type": ("name",), "mark": ("set",),
}
LOG_LEVELS = ("emerg", "alert", "crit", "error", "warning", "notice", "info", "debug")
PORT_PROTOCOLS = ("tcp", "udp", "sctp", "dccp")
LIMIT_UNITS = {"second": "s", "minute": "m", "hour": "h", "day": "d", "s": "s", "m": "m", "h": "h", "d": "d"}

_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]*\Z")
_MAC_RE = re.compile(r"^[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){5}\Z")
_PORT_RE = re.compile(r"^([0-9]{1,5})(?:-([0-9]{1,5}))?\Z")
_UINT_RE = re.compile(r"^(0x[0-9A-Fa-f]+|[0-9]+)\Z")
_BAD_VALUE_RE = re.compile(r'["=\x00-\x1f\x7f]')


# a rule made of words, name="value", name='value' and name=value only (no escapes, no '=' inside values)
_TOKEN = r"""([A-Za-z][A-Za-z-]*)(?:(=)(?:"([^"\\=]+)"|'([^'\\=]+)'|([^\s"'\\=]+)))?"""
_SIMPLE_RE = re.compile(r"^\s*%s(?:\s+%s)*\s*\Z" % (_TOKEN, _TOKEN))
_TOKEN_RE = re.compile(_TOKEN)


class RichRuleError(InputError, ValueError):
    """A rich rule this module cannot parse or that firewalld would refuse; the message says why."""


class RichRule(object):
    """One rich rule: ``family``, ``priority`` and one part per slot (``{name, attrs, invert, limit}``)."""

    def __init__(self, family=None, priority=0, parts=None):
        self.family = family
        self.priority = priority
        self.parts = dict(parts or {})

    def text(self):
        """The canonical text: firewalld's element order, every value double-quoted, single spaces."""
        words = ["rule"]
        if self.priority:
            words.append('priority="%d"' % self.priority)
        if self.family:
            words.append('family="%s"' % self.family)
        for slot in SLOTS:
            part = self.parts.get(slot)
            if part is None:
                continue
            words.append(part["name"] + (" NOT" if part.get("invert") else ""))
            for attr in PARTS[part["name"]][1]:
                if part["attrs"].get(attr):
                    words.append('%s="%s"' % (attr, part["attrs"][attr]))
            if part.get("limit"):
                words.append('limit value="%s"' % part["limit"])
        return " ".join(words)

    def ipsets(self):
        return [self.parts[slot]["attrs"]["ipset"] for slot in ("source", "destination")
                if slot in self.parts and self.parts[slot]["attrs"].get("ipset")]


# ---------------------------------------------------------------- text

def _tokens(text):
    if "\n" in text or "\r" in text:
        raise RichRuleError("must be one line")
    if _SIMPLE_RE.match(text):
        # the common case (firewalld's own output, the renderer's): split 20x faster than shlex
        return [(key, next((value for value in values if value), None) if sep else None)
                for key, sep, values in ((match[0], match[1], match[2:]) for match in _TOKEN_RE.findall(text))]
    try:
        words = shlex.split(text)  # what firewalld does (functions.splitArgs)
    except ValueError as exc:
        raise RichRuleError("cannot be split into words (%s)" % exc)
    tokens = []
    for word in words:
        key, sep, value = word.partition("=")
        if sep:
            if not key or not value or "=" in value:
                raise RichRuleError("%r is not a name=\"value\" pair (values cannot be empty or hold '=')" % word)
            tokens.append((key, value))
        else:
            tokens.append((word, None))
    return tokens


def parse(text):
    """The ``RichRule`` of a rule text; ``RichRuleError`` when it is not a valid rich rule."""
    tokens = _tokens(text)
    if not tokens or tokens[0] != ("rule", None):
        raise RichRuleError("must start with 'rule'")
    rule = RichRule()
    index = 1
    while index < len(tokens) and tokens[index][1] is not None:
        key, value = tokens[index]
        if key == "family":
            rule.family = value
        elif key == "priority":
            try:
                rule.priority = int(value)
            except ValueError:
                raise RichRuleError("priority %r is not an integer" % value)
        else:
            raise RichRuleError("attribute %r after 'rule' (only family and priority go there)" % key)
        index += 1
    while index < len(tokens):
        name, value = tokens[index]
        if value is not None or name not in PARTS:
            raise RichRuleError("unknown element %r" % (name if value is None else "%s=%s" % (name, value)))
        slot = PARTS[name][0]
        if slot in rule.parts:
            raise RichRuleError("more than one %s element (%s and %s)" % (slot, rule.parts[slot]["name"], name))
        part = {"name": name, "attrs": {}, "invert": False, "limit": None}
        index += 1
        if slot in ("source", "destination") and index < len(tokens) and tokens[index] in (("NOT", None), ("not", None)):
            part["invert"] = True
            index += 1
        while index < len(tokens):
            key, value = tokens[index]
            if value is not None and key in PARTS[name][1]:
                if key in part["attrs"]:
                    raise RichRuleError("%s has %s twice" % (name, key))
                part["attrs"][key] = value
            elif value is not None and key == "invert" and slot in ("source", "destination"):
                part["invert"] = value.lower() in ("yes", "true")
            elif (key, value) == ("limit", None) and PARTS[name][2] and part["limit"] is None:
                if index + 1 >= len(tokens) or tokens[index + 1][0] != "value" or tokens[index + 1][1] is None:
                    raise RichRuleError("%s limit needs value=\"<rate>/<s|m|h|d>\"" % name)
                part["limit"] = tokens[index + 1][1]
                index += 1
            elif value is not None:
                raise RichRuleError("%s has no attribute %r" % (name, key))
            else:
                break
            index += 1
        rule.parts[slot] = part
    check(rule)
    return rule


_CANONICAL = {}


def canonical(text):
    """``parse(text).text()``, remembered: the same rule comes from the input, the files and D-Bus."""
    if text not in _CANONICAL:
        _CANONICAL[text] = parse(text).text()
    return _CANONICAL[text]


# ---------------------------------------------------------------- values

def _port(value, what):
    match = _PORT_RE.match(value)
    low = int(match.group(1)) if match else 0
    high = int(match.group(2)) if match and match.group(2) else low
    if not match or not 1 <= low <= high <= 65535:
        raise RichRuleError("%s %r is not a port or a port range (1-65535, low-high)" % (what, value))


def _address(value, family, what):
    try:
        network = ipaddress.ip_network(value, strict=False)
    except ValueError:
        raise RichRuleError("%s %r is not an IP address or network" % (what, value))
    if family is None:
        raise RichRuleError("%s %r needs family=\"ipv4\" or family=\"ipv6\" on the rule" % (what, value))
    if family != "ipv%d" % network.version:
        raise RichRuleError("%s %r is not an %s address" % (what, value, family))


def _limit(value):
    rate, sep, unit = value.partition("/")
    if not sep or not rate.isdigit() or int(rate) < 1 or unit not in LIMIT_UNITS:
        raise RichRuleError("limit %r is not <rate>/<s|m|h|d>" % value)
    if LIMIT_UNITS[unit] == "d" and int(rate) == 1:
        raise RichRuleError("limit 1/d is too slow for firewalld")
    return "%s/%s" % (int(rate), LIMIT_UNITS[unit])


def check(rule):
    """Check the values of a parsed rule offline; normalizes limits. Raises ``RichRuleError``."""
    if rule.family not in (None, "ipv4", "ipv6"):
        raise RichRuleError("family must be ipv4 or ipv6, got %r" % rule.family)
    if not -32768 <= rule.priority <= 32767:
        raise RichRuleError("priority must be between -32768 and 32767")
    if not rule.parts:
        raise RichRuleError("has no element, address, log or action")
    for slot, part in rule.parts.items():
        name, attrs = part["name"], part["attrs"]
        for key, value in attrs.items():
            if _BAD_VALUE_RE.search(value) or value != value.strip():
                raise RichRuleError("%s %s %r holds a quote, '=', a control character or outer spaces" % (name, key, value))
        missing = [key for key in REQUIRED.get(name, ()) if not attrs.get(key)]
        if missing:
            raise RichRuleError("%s needs %s" % (name, ", ".join(missing)))
        if slot in ("source", "destination"):
            given = [key for key in PARTS[name][1] if attrs.get(key)]
            if len(given) != 1:
                raise RichRuleError("%s needs exactly one of %s" % (name, ", ".join(PARTS[name][1])))
            if "address" in attrs:
                _address(attrs["address"], rule.family, "%s address" % name)
            if "mac" in attrs and not _MAC_RE.match(attrs["mac"]):
                raise RichRuleError("source mac %r is not a MAC address" % attrs["mac"])
            if "ipset" in attrs and not _NAME_RE.match(attrs["ipset"]):
                raise RichRuleError("%s ipset %r is not an ipset name" % (name, attrs["ipset"]))
        for key in ("port", "to-port"):
            if key in attrs:
                _port(attrs[key], "%s %s" % (name, key))
        if "protocol" in attrs and attrs["protocol"] not in PORT_PROTOCOLS:
            raise RichRuleError("%s protocol must be one of %s" % (name, ", ".join(PORT_PROTOCOLS)))
        if name == "forward-port":
            if not attrs.get("to-port") and not attrs.get("to-addr"):
                raise RichRuleError("forward-port needs to-port or to-addr")
            if attrs.get("to-addr"):
                _address(attrs["to-addr"], rule.family, "forward-port to-addr")
        if name in ("service", "icmp-block", "icmp-type", "protocol") and not _NAME_RE.match(list(attrs.values())[0]):
            raise RichRuleError("%s %r is not a valid name" % (name, list(attrs.values())[0]))
        if name == "log":
            if attrs.get("level") and attrs["level"] not in LOG_LEVELS:
                raise RichRuleError("log level must be one of %s" % ", ".join(LOG_LEVELS))
            if len(attrs.get("prefix", "")) > 127:
                raise RichRuleError("log prefix is longer than 127 characters")
        for key in ("group", "queue-size", "value"):
            if name in ("nflog", "tcp-mss-clamp") and key in attrs and not (attrs[key].isdigit() or attrs[key] == "pmtu"):
                raise RichRuleError("%s %s %r is not a number" % (name, key, attrs[key]))
        if name == "reject" and attrs.get("type") and rule.family is None:
            raise RichRuleError("reject type needs family=\"ipv4\" or family=\"ipv6\" on the rule")
        if name == "mark" and not all(_UINT_RE.match(word) for word in attrs["set"].split("/", 1)):
            raise RichRuleError("mark set %r is not <mark>[/<mask>]" % attrs["set"])
        if name == "tcp-mss-clamp" and attrs.get("value") == "pmtu":
            del attrs["value"]  # the default: firewalld's writer leaves it out of the file
        if part.get("limit"):
            part["limit"] = _limit(part["limit"])
    return rule


# ---------------------------------------------------------------- XML

def to_element(rule):
    """The ``<rule>`` element firewalld writes for this rule."""
    attrs = {}
    if rule.family:
        attrs["family"] = rule.family
    if rule.priority:
        attrs["priority"] = str(rule.priority)
    element = ET.Element("rule", attrs)
    for slot in SLOTS:
        part = rule.parts.get(slot)
        if part is None:
            continue
        part_attrs = dict((key, value) for key, value in part["attrs"].items() if value)
        if part.get("invert"):
            part_attrs["invert"] = "True"
        child = ET.SubElement(element, part["name"], part_attrs)
        if part.get("limit"):
            ET.SubElement(child, "limit", {"value": part["limit"]})
    return element


def from_element(element):
    """The ``RichRule`` of a ``<rule>`` element read from a firewalld XML file."""
    rule = RichRule(family=element.get("family"))
    try:
        rule.priority = int(element.get("priority", "0"))
    except ValueError:
        raise RichRuleError("priority %r is not an integer" % element.get("priority"))
    for child in element:
        if child.tag not in PARTS:
            raise RichRuleError("unknown element <%s>" % child.tag)
        slot, names, _limit_ok = PARTS[child.tag]
        if slot in rule.parts:
            raise RichRuleError("more than one %s element" % slot)
        part = {"name": child.tag, "attrs": dict((key, child.get(key)) for key in names if child.get(key)),
                "invert": (child.get("invert") or "").lower() in ("yes", "true"), "limit": None}
        limit = child.find("limit")
        if limit is not None:
            part["limit"] = limit.get("value")
        rule.parts[slot] = part
    return check(rule)
