# -*- coding: utf-8 -*-
# Copyright (c) netreq.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The dual-stack test profile (tests/profiles/dual_stack.yml) on every backend.

Hand-written expectations of how each backend carries IPv6 next to IPv4: the
providers' own rules decide the shape (an AWS rule holds IPv4 ranges in
``cidr_ip`` and IPv6 ranges in ``cidr_ipv6``; an Azure security rule and a
GCP firewall rule take one address family each; a Windows rule takes both in
``remoteip``; a firewalld rich rule names its family; nft uses ``ip``/``ip6``).
"""

from __future__ import annotations

import ipaddress
import os

import pytest

from ansible_collections.netreq.firewall.plugins.module_utils._model.rules import compile_rules
from ansible_collections.netreq.firewall.plugins.module_utils._render._registry import render

PROFILE = os.path.join(os.path.dirname(__file__), "..", "..", "..", "..", "profiles", "dual_stack.yml")
SERVER6 = "2001:db8:198:51::100"


@pytest.fixture(scope="module", name="rules")
def fixture_rules():
    return compile_rules(PROFILE)


def families(addresses):
    return {ipaddress.ip_network(address, strict=False).version for address in addresses if address not in ("*", "any")}


def test_aws_keeps_ipv6_in_cidr_ipv6(rules):
    group = render("aws", rules)["security_groups"][0]
    admin = [rule for rule in group["rules"] if rule["rule_desc"].endswith(":dual_in_admin")]
    assert [(rule.get("cidr_ip"), rule.get("cidr_ipv6")) for rule in admin] == [
        (["203.0.113.0/24"], None), (None, ["2001:db8:203:113::/64"])]
    https = [rule for rule in group["rules_egress"] if rule["rule_desc"].endswith(":v6_out_https")]
    assert https == [{"proto": "tcp", "from_port": 443, "to_port": 443, "cidr_ipv6": [SERVER6 + "/128"],
                      "rule_desc": "netreq:dual_stack:v6_out_https"}]
    web = [rule for rule in group["rules_egress"] if rule["rule_desc"].endswith(":dual_out_web")]
    assert [(rule.get("cidr_ip"), rule.get("cidr_ipv6")) for rule in web] == [(["0.0.0.0/0"], None), (None, ["::/0"])]


def test_azure_rules_hold_one_family_each(rules):
    result = render("azure", rules)["rules"]
    for rule in result:
        prefixes = [rule["source_address_prefix"], rule["destination_address_prefix"]]
        flat = [p for prefix in prefixes for p in (prefix if isinstance(prefix, list) else [prefix])]
        assert len(families(flat)) <= 1, rule["name"]
        assert rule["name"].endswith("-ipv6") == (families(flat) == {6}), rule["name"]
    admin = {rule["name"]: rule["source_address_prefix"] for rule in result if "dual_in_admin" in rule["name"]}
    assert admin == {"netreq-dual_stack-dual_in_admin": "203.0.113.0/24",
                     "netreq-dual_stack-dual_in_admin-ipv6": "2001:db8:203:113::/64"}


def test_gcp_firewalls_hold_one_family_each(rules):
    result = render("gcp", rules, fqdn_strategy="any_address")["firewalls"]
    for rule in result:
        ranges = rule.get("source_ranges", []) + rule.get("destination_ranges", [])
        assert len(families(ranges)) == 1, rule["name"]
        assert rule["name"].endswith("-ipv6") == (families(ranges) == {6}), rule["name"]
    web = [rule["destination_ranges"] for rule in result if "dual-out-web" in rule["name"]]
    assert web == [["0.0.0.0/0"], ["::/0"]]


def test_windows_takes_both_families_in_one_rule(rules):
    result = {rule["name"]: rule["remoteip"] for rule in render("windows", rules)["rules"]}
    assert result["netreq:dual_stack:dual_in_admin"] == "203.0.113.0/24,2001:db8:203:113::/64"
    assert result["netreq:dual_stack:dual_out_service-tcp"] == "198.51.100.100," + SERVER6
    assert result["netreq:dual_stack:v6_out_https"] == SERVER6
    assert result["netreq:dual_stack:dual_out_web"] == "any"


def test_host_backends_name_the_family(rules):
    nft = render("nftables", rules)
    (https,) = [entry["statements"] for entry in nft["rules"] if entry["id"] == "v6_out_https"]
    assert https == ['ip6 daddr %s tcp dport 443 counter accept comment "netreq:dual_stack:v6_out_https"' % SERVER6]
    firewalld = render("firewalld", rules)
    rich = [item["rule"] for policy in firewalld["policies"] for item in policy["rich_rules"] if item["id"] == "dual_in_admin"]
    assert rich == ['rule family="ipv4" source address="203.0.113.0/24" port port="22" protocol="tcp" accept',
                    'rule family="ipv6" source address="2001:db8:203:113::/64" port port="22" protocol="tcp" accept']
    ufw = [rule["args"] for rule in render("ufw", rules)["rules"] if rule["id"] == "v6_in_service"]
    assert ufw == [["allow", "in", "proto", "tcp", "from", "2001:db8:198:51::/64", "to", "any", "port", "8443:8444",
                    "comment", "netreq:dual_stack:v6_in_service"]]
