# -*- coding: utf-8 -*-
# Copyright (c) netreq.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""PRIVATE: parse and normalize ports and remote endpoints.

Kept apart from the model so the same strict parsing serves the catalog, user
parameters and (later) target-side appliers, which only have the standard
library. Every parser raises ``ValueError`` with a message meant for a human;
the model adds the profile, requirement and field to it.
"""

from __future__ import annotations

import ipaddress
import re

PROTOCOLS = ("tcp", "udp", "icmp", "any")
ANY = "any"

_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_HOSTNAME_RE = re.compile(r"^(?:%s\.)+[a-z](?:[a-z0-9-]{0,61}[a-z0-9])?$" % _LABEL)
_URL_RE = re.compile(r"^[a-z][a-z0-9+.-]*://([^/:]+)", re.IGNORECASE)


def parse_port(value):
    """One port number, 1-65535; accepts an int or a string of digits."""
    if isinstance(value, bool):
        raise ValueError("port must be a number, got a boolean")
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and value.strip().isdigit():
        number = int(value.strip())
    else:
        raise ValueError("port %r is not a number" % (value,))
    if not 1 <= number <= 65535:
        raise ValueError("port %s is out of range 1-65535" % number)
    return number


def parse_port_item(value):
    """A port or an inclusive ``low-high`` range, as a ``(low, high)`` pair."""
    if isinstance(value, str) and "-" in value:
        low_text, _sep, high_text = value.partition("-")
        low, high = parse_port(low_text), parse_port(high_text)
        if low > high:
            raise ValueError("port range %r runs backwards (%s > %s)" % (value, low, high))
        return low, high
    number = parse_port(value)
    return number, number


def normalize_ports(values):
    """Sorted, de-duplicated ``["53", "1000-2000"]`` strings from ints and ranges."""
    pairs = sorted({parse_port_item(value) for value in values})
    return ["%d" % low if low == high else "%d-%d" % (low, high) for low, high in pairs]


def parse_address(value):
    """An IPv4/IPv6 address or network, normalized; host bits must be clear.

    ``8.8.8.8`` stays a plain address, ``204.110.218.96/27`` a network;
    ``198.51.100.5/24`` is refused rather than silently widened.
    """
    text = value.strip()
    try:
        network = ipaddress.ip_network(text, strict=False)
    except ValueError:
        raise ValueError("%r is not a valid IPv4/IPv6 address or CIDR" % value)
    if "/" in text:
        prefix_host = ipaddress.ip_interface(text).ip
        if prefix_host != network.network_address:
            raise ValueError("%r has host bits set; the network is %s" % (value, network))
    if network.num_addresses == 1:
        return str(network.network_address)
    return str(network)


def is_address(value):
    try:
        ipaddress.ip_network(value, strict=False)
    except ValueError:
        return False
    return True


def parse_hostname(value, allow_wildcard):
    """A DNS name, lower-cased; ``*.example.com`` only where wildcards are allowed."""
    text = value.strip().lower().rstrip(".")
    url = _URL_RE.match(text)
    if url:
        raise ValueError("%r is a URL; give the host name only (%s)" % (value, url.group(1)))
    name = text
    if name.startswith("*."):
        if not allow_wildcard:
            raise ValueError("wildcard %r cannot be used here (wildcards only match egress destinations)" % value)
        name = name[2:]
    if "*" in name:
        raise ValueError("%r: a wildcard may only be the whole first label, as in *.example.com" % value)
    if len(name) > 253 or not _HOSTNAME_RE.match(name):
        raise ValueError("%r is neither an IP address, a CIDR nor a valid host name" % value)
    return text


def parse_remote(value, allow_wildcard):
    """One remote endpoint: ``any``, an address/CIDR or a host name."""
    if not isinstance(value, str) or not value.strip():
        raise ValueError("remote entries must be non-empty strings, got %r" % (value,))
    text = value.strip()
    if text.lower() == ANY:
        return ANY
    if _URL_RE.match(text):
        return parse_hostname(text, allow_wildcard)  # explains that a URL is not a host name
    if is_address(text) or looks_numeric(text):
        return parse_address(text)
    return parse_hostname(text, allow_wildcard)


def looks_numeric(text):
    """Meant as an address (digits, dots, slashes or colons), even if malformed."""
    return ":" in text or bool(re.match(r"^[0-9./]+$", text.strip()))


def normalize_remote(values, allow_wildcard):
    """Normalized, de-duplicated endpoints in the order given; ``any`` must stand alone."""
    result = []
    for value in values:
        item = parse_remote(value, allow_wildcard)
        if item not in result:
            result.append(item)
    if ANY in result and len(result) > 1:
        raise ValueError("'any' cannot be combined with other endpoints (%s)" % ", ".join(r for r in result if r != ANY))
    return result
