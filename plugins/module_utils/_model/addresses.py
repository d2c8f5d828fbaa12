# -*- coding: utf-8 -*-
# Copyright (c) netreq.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""PRIVATE: parse and normalize ports and remote endpoints.

Kept apart from the model so the same strict parsing serves the catalog, user
parameters and (later) target-side appliers, which only have the standard
library. Every parser raises ``ValueError`` with a message meant for a human;
the model adds the profile, requirement and field to it.
"""

from __future__ import annotations

import ipaddress
import re

from ansible_collections.netreq.firewall.plugins.module_utils._model.errors import shown

PROTOCOLS = ("tcp", "udp", "icmp", "any")
ANY = "any"

_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_HOSTNAME_RE = re.compile(r"^(?:%s\.)+[a-z](?:[a-z0-9-]{0,61}[a-z0-9])?\Z" % _LABEL)
_ASCII_DIGITS_RE = re.compile(r"[0-9]+\Z")
_URL_RE = re.compile(r"^[a-z][a-z0-9+.-]*://([^/:]+)", re.IGNORECASE)


def parse_port(value):
    """One port number, 1-65535; accepts an int or a string of digits."""
    if isinstance(value, bool):
        raise ValueError("port must be a number, got a boolean")
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and _ASCII_DIGITS_RE.match(value.strip()):
        number = int(value.strip())
    elif isinstance(value, str) and value.strip() and all(char.isdigit() for char in value.strip()):
        # int() reads superscripts' cousins and other scripts' digits; a firewall takes ASCII only
        raise ValueError("port %s holds digits other than ASCII 0-9; write it with ASCII digits" % shown(value))
    else:
        raise ValueError("port %s is not a number" % shown(value))
    if not 1 <= number <= 65535:
        raise ValueError("port %s is out of range 1-65535" % number)
    return number


def parse_port_item(value):
    """A port or an inclusive ``low-high`` range, as a ``(low, high)`` pair."""
    if isinstance(value, str) and "-" in value:
        low_text, _sep, high_text = value.partition("-")
        low, high = parse_port(low_text), parse_port(high_text)
        if low > high:
            raise ValueError("port range %s runs backwards (%s > %s)" % (shown(value), low, high))
        return low, high
    number = parse_port(value)
    return number, number


def normalize_ports(values):
    """Sorted, de-duplicated ``["53", "1000-2000"]`` strings from ints and ranges."""
    pairs = sorted({parse_port_item(value) for value in values})
    return ["%d" % low if low == high else "%d-%d" % (low, high) for low, high in pairs]


class Network:
    """One address block as integers: what merging and formatting need, without re-parsing.

    ``ipaddress`` objects cost about ten microseconds each to build; a profile
    parameter may hold tens of thousands of prefixes, so the model and the
    renderers carry this small value type instead.
    """

    __slots__ = ("version", "value", "prefixlen")

    def __init__(self, version, value, prefixlen):
        self.version = version
        self.value = value
        self.prefixlen = prefixlen

    @property
    def bits(self):
        return 32 if self.version == 4 else 128

    @property
    def num_addresses(self):
        return 1 << (self.bits - self.prefixlen)

    @property
    def last(self):
        return self.value + self.num_addresses - 1

    def text(self, host_prefix=False):
        """``198.51.100.0/24``; a single address without ``/32``/``/128`` unless ``host_prefix``."""
        if self.version == 4:
            value = self.value
            address = "%d.%d.%d.%d" % (value >> 24, (value >> 16) & 255, (value >> 8) & 255, value & 255)
        else:
            address = str(ipaddress.IPv6Address(self.value))
        if self.prefixlen == self.bits and not host_prefix:
            return address
        return "%s/%d" % (address, self.prefixlen)

    __str__ = text

    def __eq__(self, other):
        return isinstance(other, Network) and (self.version, self.value, self.prefixlen) == (other.version, other.value, other.prefixlen)

    def __hash__(self):
        return hash((self.version, self.value, self.prefixlen))

    def __repr__(self):
        return "Network(%r)" % self.text(host_prefix=True)


# dotted-quad IPv4 with an optional decimal prefix length, ASCII digits only
_IPV4_RE = re.compile(r"([0-9]{1,3})\.([0-9]{1,3})\.([0-9]{1,3})\.([0-9]{1,3})(?:/([0-9]{1,2}))?")


def _fast_ipv4(text):
    """The ``Network`` of a plain, valid IPv4 address or CIDR, else None.

    Only the common spelling is handled here; everything else (IPv6, netmask
    prefixes, leading zeros, errors) goes to ``ipaddress`` so that the result
    and the error messages stay exactly those of the standard library.
    """
    match = _IPV4_RE.fullmatch(text)
    if match is None:
        return None
    value = 0
    for octet in match.group(1, 2, 3, 4):
        number = int(octet)
        if number > 255 or (octet[0] == "0" and len(octet) > 1):
            return None
        value = (value << 8) | number
    length = match.group(5)
    if length is None:
        return Network(4, value, 32)
    prefixlen = int(length)
    if prefixlen > 32 or (length[0] == "0" and len(length) > 1) or value & ((1 << (32 - prefixlen)) - 1):
        return None
    return Network(4, value, prefixlen)


def _parse_network_slow(text, value):
    if "%" in text:
        # ipaddress accepts fe80::1%eth0 and drops the zone; a firewall rule cannot match a zone
        address, _sep, rest = text.partition("%")
        zone = rest.partition("/")[0]
        raise ValueError("%s names the interface zone %%%s, which a firewall rule cannot match; write the address "
                         "without it (%s)" % (shown(value), zone, address))
    try:
        network = ipaddress.ip_network(text, strict=False)
    except ValueError:
        raise ValueError("%s is not a valid IPv4/IPv6 address or CIDR" % shown(value))
    if "/" in text:
        prefix_host = ipaddress.ip_interface(text).ip
        if prefix_host != network.network_address:
            raise ValueError("%s has host bits set; the network is %s" % (shown(value), network))
    mapped = network.network_address.ipv4_mapped if network.version == 6 and network.prefixlen >= 96 else None
    if mapped is not None:
        # the kernel sees IPv4 traffic as IPv4, even through a ::ffff: socket: such a rule never matches
        ipv4 = ipaddress.ip_network("%s/%d" % (mapped, network.prefixlen - 96))
        raise ValueError("%s is an IPv4-mapped IPv6 address, which no firewall rule matches for IPv4 traffic; write the "
                         "IPv4 form %s" % (shown(value), ipv4.network_address if ipv4.prefixlen == 32 else ipv4))
    return Network(network.version, int(network.network_address), network.prefixlen)


def parse_network(value):
    """An IPv4/IPv6 address or network as a ``Network``; host bits must be clear.

    ``198.51.100.5/24`` is refused rather than silently widened.
    """
    text = value.strip()
    return _fast_ipv4(text) or _parse_network_slow(text, value)


def parse_address(value):
    """An IPv4/IPv6 address or network, normalized; host bits must be clear.

    ``8.8.8.8`` stays a plain address, ``204.110.218.96/27`` a network;
    ``198.51.100.5/24`` is refused rather than silently widened.
    """
    return parse_network(value).text()


def is_address(value):
    if _fast_ipv4(value) is not None:
        return True
    try:
        ipaddress.ip_network(value, strict=False)
    except ValueError:
        return False
    return True


def merge_networks(networks):
    """The fewest CIDR blocks matching exactly the addresses of ``networks``.

    Lossless: blocks are joined only where they overlap or touch, so the set of
    matched addresses is the same before and after. IPv4 first, then IPv6,
    each in address order.
    """
    merged = []
    for version, bits in ((4, 32), (6, 128)):
        spans = sorted((net.value, net.last) for net in networks if net.version == version)
        joined = []
        for first, last in spans:
            if joined and first <= joined[-1][1] + 1:
                if last > joined[-1][1]:
                    joined[-1][1] = last
            else:
                joined.append([first, last])
        for first, last in joined:
            while first <= last:
                size = (first & -first) or (1 << bits)  # the largest block aligned at ``first``
                while first + size - 1 > last:
                    size >>= 1
                merged.append(Network(version, first, bits - size.bit_length() + 1))
                first += size
    return merged


def parse_hostname(value, allow_wildcard):
    """A DNS name, lower-cased; ``*.example.com`` only where wildcards are allowed."""
    text = value.strip().lower().rstrip(".")
    url = _URL_RE.match(text)
    if url:
        raise ValueError("%s is a URL; give the host name only (%s)" % (shown(value), url.group(1)))
    name = text
    if name.startswith("*."):
        if not allow_wildcard:
            raise ValueError("wildcard %s cannot be used here (wildcards only match egress destinations)" % shown(value))
        name = name[2:]
    if "*" in name:
        raise ValueError("%s: a wildcard may only be the whole first label, as in *.example.com" % shown(value))
    if len(name) > 253 or not _HOSTNAME_RE.match(name):
        raise ValueError("%s is neither an IP address, a CIDR nor a valid host name" % shown(value))
    labels = name.split(".")
    if len(labels) == 4 and all(label.isdigit() for label in labels[:3]):
        # 198.51.100.l passes as a host name (its last label starts with a letter); taken as one,
        # the fix offered for host names would be to open the port to any address
        raise ValueError("%s looks like a mistyped IPv4 address (the last part is not a number), not a host name; "
                         "correct the address" % shown(value))
    return text


def parse_remote(value, allow_wildcard):
    """One remote endpoint: ``any``, an address/CIDR or a host name."""
    if not isinstance(value, str) or not value.strip():
        raise ValueError("remote entries must be non-empty strings, got %s" % shown(value))
    text = value.strip()
    network = _fast_ipv4(text)
    if network is not None:  # already in normal form, but 1.2.3.4/32 is written 1.2.3.4
        return text.partition("/")[0] if network.prefixlen == 32 else text
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
    return combine_remote([parse_remote(value, allow_wildcard) for value in values])


def combine_remote(items):
    """Already normalized endpoints, de-duplicated in order; ``any`` must stand alone.

    Lets the model join validated literals and parameter values without
    parsing any of them again.
    """
    seen = set()
    result = []
    for item in items:
        if item not in seen:
            seen.add(item)
            result.append(item)
    if ANY in seen and len(result) > 1:
        raise ValueError("'any' cannot be combined with other endpoints (%s)" % ", ".join(r for r in result if r != ANY))
    return result
