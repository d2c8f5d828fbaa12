# -*- coding: utf-8 -*-
# Copyright (c) netreq.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Test-only filters of the aws scenario: what the live groups must hold, derived without the renderer.

``aws_missing(rules, groups)`` expands each compiled Rule by the AWS API's
own semantics (one permission per protocol, port range and address block;
``any`` -> ``-1``; no ports -> 0-65535; ICMP -> every type) and returns every
expected permission that no live permission of ``groups`` (the output of
amazon.aws.ec2_security_group_info) covers: same direction, protocol and
ports, an address block containing the expected one, and a description
carrying the collection's tag. ``aws_permissions(groups)`` flattens the live
groups into comparable one-line entries. Host names are skipped: the
scenario hands them to a proxy.
"""

from __future__ import annotations

import ipaddress

_ICMP = {4: ("icmp", "1"), 6: ("icmpv6", "58")}


def _expected(rule):
    networks = []
    for remote in rule["remote"]:
        if remote == "any":
            networks += [ipaddress.ip_network("0.0.0.0/0"), ipaddress.ip_network("::/0")]
            continue
        try:
            networks.append(ipaddress.ip_network(remote, strict=False))
        except ValueError:
            continue  # a host name: left to the proxy
    for net in networks:
        if rule["protocol"] == "any":
            yield net, ("-1", "all"), None
        elif rule["protocol"] == "icmp":
            yield net, _ICMP[net.version], (-1, -1)
        else:
            ranges = []
            for port in rule["ports"] or ["0-65535"]:
                low, _sep, high = str(port).partition("-")
                ranges.append((int(low), int(high or low)))
            for port_range in ranges:
                yield net, (rule["protocol"],), port_range


def _live(groups):
    for group in groups:
        for key, direction in (("ip_permissions", "ingress"), ("ip_permissions_egress", "egress")):
            for permission in group.get(key) or []:
                ranges = [(item["cidr_ip"], item.get("description") or "") for item in permission.get("ip_ranges") or []]
                ranges += [(item["cidr_ipv6"], item.get("description") or "") for item in permission.get("ipv6_ranges") or []]
                for cidr, description in ranges:
                    yield {"group": group["group_name"], "direction": direction, "proto": str(permission["ip_protocol"]),
                           "from": permission.get("from_port"), "to": permission.get("to_port"),
                           "net": ipaddress.ip_network(cidr), "description": description}


def aws_missing(rules, groups):
    live = list(_live(groups))
    missing = []
    for rule in rules:
        for net, protos, ports in _expected(rule):
            found = any(
                item["direction"] == rule["direction"] and item["proto"] in protos and item["net"].version == net.version
                and net.subnet_of(item["net"]) and item["description"].startswith("netreq:")
                and (ports is None or (item["from"], item["to"]) == ports or (ports == (-1, -1) and item["from"] in (-1, None)))
                for item in live)
            if not found:
                missing.append("%s %s %s %s %s" % (rule["id"], rule["direction"], "/".join(protos), ports, net))
    return missing


def aws_permissions(groups):
    line = "%s %s %s %s-%s %s %s"
    return sorted(line % (item["group"], item["direction"], item["proto"], item["from"], item["to"], item["net"], item["description"])
                  for item in _live(groups))


class FilterModule:
    def filters(self):
        return {"aws_missing": aws_missing, "aws_permissions": aws_permissions}
