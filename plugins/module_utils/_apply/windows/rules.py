# -*- coding: utf-8 -*-
# Copyright (c) netreq.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""PRIVATE: Windows Defender Firewall rules in one comparable form.

This module is private to the netreq.firewall collection; its API may change
without notice. Standard library only.

Two sources describe the same rules in different words: the Windows renderer
(``_render/windows.py``: win_firewall_rule style, ``direction: out``,
``remoteip: "a,b"``) and the host, read with ``Get-NetFirewallRule``,
``Get-NetFirewallPortFilter`` and ``Get-NetFirewallAddressFilter`` (enum
names such as ``Outbound``, ``Any`` for every address, IPv4 subnets written
with a mask: ``198.51.100.0/255.255.255.0``). Comparing them needs one form,
and that form is the parameter set of ``New-NetFirewallRule``: what the plan
compares is exactly what the apply step passes to the cmdlet, so a rule that
was just created compares equal on the next run.
"""

from __future__ import annotations

import ipaddress

from ansible_collections.netreq.firewall.plugins.module_utils._model import ownership as _ownership
from ansible_collections.netreq.firewall.plugins.module_utils._model.errors import NetreqError

ANY = "Any"
PROFILES = ("Domain", "Private", "Public")
DIRECTIONS = {"in": "Inbound", "out": "Outbound", "inbound": "Inbound", "outbound": "Outbound"}
ACTIONS = {"allow": "Allow", "block": "Block"}
# protocol names and the IANA numbers Windows shows for them
PROTOCOLS = {"tcp": "TCP", "6": "TCP", "udp": "UDP", "17": "UDP", "icmpv4": "ICMPv4", "1": "ICMPv4",
             "icmpv6": "ICMPv6", "58": "ICMPv6", "any": ANY}
PORT_PROTOCOLS = ("TCP", "UDP")
ICMP_PROTOCOLS = ("ICMPv4", "ICMPv6")

# The keys of the comparable form, in the order they are shown; ``Name`` identifies the rule.
RULE_KEYS = ("Name", "DisplayName", "Group", "Description", "Enabled", "Direction", "Action", "Profile",
             "Protocol", "LocalPort", "RemotePort", "IcmpType", "RemoteAddress", "RemoteDynamicKeywordAddresses")


class WindowsStateError(NetreqError):
    """The host's answer or the rendering does not have the documented shape; names the rule and field."""


def as_list(value):
    """ConvertTo-Json writes a one-element array as the element itself and an empty one as null."""
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return list(value)
    return [value]


def owned(group):
    """Whether a rule group is one the collection owns (``netreq:<profile>``)."""
    return isinstance(group, str) and group.startswith(_ownership.WINDOWS_GROUP_PREFIX)


def _fail(where, field, message):
    raise WindowsStateError("%s, field %s: %s" % (where, field, message))


def _enum(where, field, value, table):
    key = str(value).strip().lower()
    if key not in table:
        _fail(where, field, "unexpected value %r (expected one of %s)" % (value, ", ".join(sorted(set(table.values())))))
    return table[key]


def _enabled(where, value):
    if isinstance(value, bool):
        return "True" if value else "False"
    text = str(value).strip().lower()
    if text in ("true", "1"):
        return "True"
    if text in ("false", "2", "0"):
        return "False"
    return _fail(where, "Enabled", "unexpected value %r" % (value,))


def _profiles(where, value):
    """A profile set: ``Any`` (or nothing) is all three; ``"Domain, Private"`` or a list otherwise."""
    items = []
    for item in as_list(value):
        items.extend(part.strip() for part in str(item).split(",") if part.strip())
    if not items or any(item.lower() == "any" for item in items):
        return list(PROFILES)
    wanted = set()
    for item in items:
        match = [name for name in PROFILES if name.lower() == item.lower()]
        if not match:
            _fail(where, "Profile", "unknown profile %r (expected %s or Any)" % (item, ", ".join(PROFILES)))
        wanted.add(match[0])
    return [name for name in PROFILES if name in wanted]


def _ports(where, field, value):
    """Ports as sorted strings (``443``, ``1000-2000``); ``["Any"]`` for every port."""
    items = []
    for item in as_list(value):
        items.extend(part.strip() for part in str(item).split(",") if part.strip())
    if not items or any(item.lower() in ("any", "*") for item in items):
        return [ANY]
    ports = []
    for item in items:
        low, _sep, high = item.partition("-")
        if not low.isdigit() or (high and not high.isdigit()):
            # keywords such as RPC or IPHTTPSIn: kept as they are, they compare unequal to ours
            ports.append((10 ** 6, item))
            continue
        ports.append((int(low), item if high and high != low else low))
    return [text for _key, text in sorted(set(ports))]


def address(where, field, item):
    """One address in the form the renderer writes: ``198.51.100.0/24``, ``203.0.113.5``, ``2001:db8::/32``.

    Windows shows an IPv4 subnet with its mask (``/255.255.255.0``) and a
    single address without a prefix; both come back to the prefix form here.
    Ranges and keywords (``LocalSubnet``, ``DNS``) stay as they are.
    """
    text = str(item).strip()
    if text.lower() in ("any", "*"):
        return ANY
    try:
        network = ipaddress.ip_network(text, strict=False)
    except ValueError:
        if not text or any(char.isspace() for char in text):
            _fail(where, field, "invalid address %r" % (item,))
        return text
    if network.prefixlen == network.max_prefixlen:
        return str(network.network_address)
    return network.with_prefixlen


def _range(text):
    """``first-last`` as the networks that cover it exactly, or None when it is not an address range."""
    first, sep, last = text.partition("-")
    if not sep:
        return None
    try:
        low, high = ipaddress.ip_address(first.strip()), ipaddress.ip_address(last.strip())
        return [address("", "", str(net)) for net in ipaddress.summarize_address_range(low, high)]
    except (ValueError, TypeError):
        return None


def _addresses(where, field, value):
    items = []
    for item in as_list(value):
        items.extend(part for part in str(item).split(",") if part.strip())
    result = []
    for item in items:
        # Windows may show a subnet as the range it covers; both sides then list the same networks
        result.extend(_range(str(item).strip()) or [address(where, field, item)])
    if not result or ANY in result:
        return [ANY]
    return sorted(set(result), key=_address_key)


def _address_key(text):
    try:
        network = ipaddress.ip_network(text, strict=False)
        return (network.version, int(network.network_address), network.prefixlen, text)
    except ValueError:
        return (9, 0, 0, text)


def _keyword_ids(value):
    return sorted(set(str(item).strip().lower() for item in as_list(value) if str(item).strip()))


def complete(rule):
    """Drop the keys the protocol does not use, so both sides hold the same keys."""
    protocol = rule["Protocol"]
    if protocol not in PORT_PROTOCOLS:
        rule.pop("LocalPort", None)
        rule.pop("RemotePort", None)
    if protocol not in ICMP_PROTOCOLS:
        rule.pop("IcmpType", None)
    if not rule.get("RemoteDynamicKeywordAddresses"):
        rule.pop("RemoteDynamicKeywordAddresses", None)
    return rule


def from_rendering(params, kind="rules"):
    """One renderer rule (``rules`` or ``keyword_rules`` entry) in the comparable form."""
    name = params.get("name")
    where = "rendered %s entry %s" % (kind, name)
    if not isinstance(name, str) or not name:
        _fail(where, "name", "missing")
    group = params.get("group")
    if not owned(group):
        _fail(where, "group", "%r does not start with %r" % (group, _ownership.WINDOWS_GROUP_PREFIX))
    protocol = _enum(where, "protocol", params.get("protocol", "any"), PROTOCOLS)
    rule = {
        "Name": name,
        "DisplayName": name,
        "Group": group,
        "Description": str(params.get("description") or ""),
        "Enabled": _enabled(where, params.get("enabled", True)),
        "Direction": _enum(where, "direction", params.get("direction"), DIRECTIONS),
        "Action": _enum(where, "action", params.get("action", "allow"), ACTIONS),
        "Profile": _profiles(where, params.get("profiles")),
        "Protocol": protocol,
        "LocalPort": _ports(where, "localport", params.get("localport")),
        "RemotePort": _ports(where, "remoteport", params.get("remoteport")),
        "IcmpType": [ANY],
        "RemoteAddress": _addresses(where, "remoteip", params.get("remoteip", ANY)),
        "RemoteDynamicKeywordAddresses": _keyword_ids(params.get("remote_dynamic_keyword_addresses")),
    }
    icmp = [str(item) for item in as_list(params.get("icmp_type_code"))]
    if icmp and icmp != ["*"]:
        _fail(where, "icmp_type_code", "only ['*'] (every type) is rendered, got %r" % (icmp,))
    return complete(rule)


def from_host(entry):
    """One rule read from the host (the facts module's ``rules`` entry) in the comparable form."""
    if not isinstance(entry, dict):
        raise WindowsStateError("host rule entry is not an object: %r" % (entry,))
    name = entry.get("Name")
    where = "host rule %s" % name
    if not isinstance(name, str) or not name:
        _fail(where, "Name", "missing")
    ports = entry.get("PortFilter") or {}
    addresses = entry.get("AddressFilter") or {}
    protocol = _enum(where, "Protocol", ports.get("Protocol", ANY), PROTOCOLS)
    icmp = [str(item) for item in as_list(ports.get("IcmpType"))]
    rule = {
        "Name": name,
        "DisplayName": str(entry.get("DisplayName") or ""),
        "Group": str(entry.get("Group") or ""),
        "Description": str(entry.get("Description") or ""),
        "Enabled": _enabled(where, entry.get("Enabled")),
        "Direction": _enum(where, "Direction", entry.get("Direction"), DIRECTIONS),
        "Action": _enum(where, "Action", entry.get("Action"), ACTIONS),
        "Profile": _profiles(where, entry.get("Profile")),
        "Protocol": protocol,
        "LocalPort": _ports(where, "LocalPort", ports.get("LocalPort")),
        "RemotePort": _ports(where, "RemotePort", ports.get("RemotePort")),
        "IcmpType": [ANY] if not icmp or any(item.lower() == "any" for item in icmp) else sorted(icmp),
        "RemoteAddress": _addresses(where, "RemoteAddress", addresses.get("RemoteAddress")),
        "RemoteDynamicKeywordAddresses": _keyword_ids(entry.get("RemoteDynamicKeywordAddresses")),
    }
    # rules the collection creates never restrict these; one that does differs from every desired rule
    local = _addresses(where, "LocalAddress", addresses.get("LocalAddress"))
    if local != [ANY]:
        rule["LocalAddress"] = local
    return complete(rule)


def describe(rule):
    """One readable line of a rule, for ``plan`` and ``diff``."""
    parts = ["%s %s %s" % (rule["Direction"].lower(), rule["Action"].lower(), rule["Protocol"])]
    if "RemotePort" in rule:
        parts.append("local port %s remote port %s" % (",".join(rule["LocalPort"]), ",".join(rule["RemotePort"])))
    remote = ",".join(rule["RemoteAddress"])
    if rule.get("RemoteDynamicKeywordAddresses"):
        remote = "keywords " + ",".join(rule["RemoteDynamicKeywordAddresses"])
    parts.append("remote %s" % remote)
    parts.append("profiles %s" % ",".join(rule["Profile"]))
    if rule["Enabled"] != "True":
        parts.append("disabled")
    if rule.get("LocalAddress"):
        parts.append("local address %s" % ",".join(rule["LocalAddress"]))
    if rule.get("Description"):
        parts.append("(%s)" % rule["Description"])
    return "%s: %s" % (rule["Name"], " ".join(parts))


def management_rules(profiles, egress_allowlist, ingress_allowlist, ports, sources, network_profiles):
    """The rules that keep a host reachable and working under an allowlist (Microsoft's documented needs).

    WinRM (TCP 5985 HTTP, 5986 HTTPS) inbound keeps Ansible's own connection
    open; DNS (53 TCP/UDP) and DHCP (UDP 67/68, DHCPv6 UDP 547/546) outbound
    keep name resolution and address leases working once outbound is blocked.
    They are owned rules of the pseudo-profile ``profiles`` (a group like any
    other), so dropping the allowlist purges them again.
    """
    group = _ownership.WINDOWS_GROUP_PREFIX + profiles
    network = [name.capitalize() for name in network_profiles]
    base = {"Group": group, "Enabled": "True", "Action": "Allow", "Profile": _profiles("management", network)}
    wanted = []
    if ingress_allowlist or egress_allowlist:
        wanted.append(("winrm_in", "Inbound", "TCP", [str(port) for port in ports], [ANY], sources,
                       "WinRM: the management connection stays open under an allowlist"))
    if egress_allowlist:
        wanted.extend([
            ("dns_out-tcp", "Outbound", "TCP", [ANY], ["53"], [ANY], "DNS: name resolution under an egress allowlist"),
            ("dns_out-udp", "Outbound", "UDP", [ANY], ["53"], [ANY], "DNS: name resolution under an egress allowlist"),
            ("dhcp_out", "Outbound", "UDP", ["68"], ["67"], [ANY], "DHCP: address leases under an egress allowlist"),
            ("dhcpv6_out", "Outbound", "UDP", ["546"], ["547"], [ANY], "DHCPv6: address leases under an egress allowlist"),
        ])
    rules = []
    for rule_id, direction, protocol, local, remote, remote_addresses, description in wanted:
        name = _ownership.tag(profiles, rule_id)
        rule = dict(base, Name=name, DisplayName=name, Description=description, Direction=direction,
                    Protocol=protocol, LocalPort=_ports(name, "LocalPort", local),
                    RemotePort=_ports(name, "RemotePort", remote),
                    RemoteAddress=_addresses(name, "RemoteAddress", list(remote_addresses)))
        rules.append(complete(rule))
    return rules
