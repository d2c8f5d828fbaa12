# -*- coding: utf-8 -*-
# Copyright (c) netreq.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests of the Azure network security group renderer (hand-written expectations)."""

from __future__ import annotations

import re

import pytest

from ansible_collections.netreq.firewall.plugins.module_utils._errors import NetreqError, UnsupportedRuleError
from ansible_collections.netreq.firewall.plugins.module_utils._render import azure

from rule_builder import make_rule

AZURE_NAME = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9_.-]{0,78}[A-Za-z0-9_])?$")


def test_backend_name():
    assert azure.BACKEND == "azure"


def test_egress_single_port_single_prefix_are_strings():
    rule = make_rule("appliance_out_ntp_us", protocol="udp", ports=["123"], remote=["204.110.219.96/27"], description="NTP, time sync")
    assert azure.render([rule])["rules"] == [{
        "name": "netreq-rackspace_pdr-appliance_out_ntp_us",
        "description": "netreq:rackspace_pdr:appliance_out_ntp_us NTP, time sync",
        "protocol": "Udp",
        "source_port_range": "*",
        "destination_port_range": "123",
        "source_address_prefix": "*",
        "destination_address_prefix": "204.110.219.96/27",
        "access": "Allow",
        "priority": 1000,
        "direction": "Outbound",
    }]


def test_mixed_families_split_with_ipv6_suffix_and_lists():
    rule = make_rule("appliance_out_dns-tcp", ports=["53", "1000-2000"],
                     remote=["8.8.8.8", "192.0.2.0/25", "192.0.2.128/25", "2600:1901:0:181b::"])
    rules = azure.render([rule])["rules"]
    assert [(item["name"], item["destination_address_prefix"], item["destination_port_range"], item["priority"]) for item in rules] == [
        ("netreq-rackspace_pdr-appliance_out_dns-tcp", ["8.8.8.8", "192.0.2.0/24"], ["53", "1000-2000"], 1000),
        ("netreq-rackspace_pdr-appliance_out_dns-tcp-ipv6", "2600:1901:0:181b::", ["53", "1000-2000"], 1001),
    ]
    assert {item["protocol"] for item in rules} == {"Tcp"}


def test_ipv6_only_rule_gets_the_suffix():
    rule = make_rule("v6only", ports=["443"], remote=["2001:db8::/32"])
    assert [item["name"] for item in azure.render([rule])["rules"]] == ["netreq-rackspace_pdr-v6only-ipv6"]


def test_ingress_any_remote_any_protocol():
    rule = make_rule("appliance_in_all", direction="ingress", protocol="any", remote=["any"])
    (item,) = azure.render([rule])["rules"]
    assert item["protocol"] == "*"
    assert item["destination_port_range"] == "*"
    assert item["source_address_prefix"] == "*"
    assert item["destination_address_prefix"] == "*"
    assert item["direction"] == "Inbound"


def test_ingress_remote_is_the_source():
    rule = make_rule("appliance_in_https", direction="ingress", ports=["443"], remote=["198.51.100.10", "198.51.100.20"])
    (item,) = azure.render([rule])["rules"]
    assert item["source_address_prefix"] == ["198.51.100.10", "198.51.100.20"]
    assert item["destination_address_prefix"] == "*"
    assert item["destination_port_range"] == "443"


def test_icmp_and_tcp_without_ports():
    rules = [make_rule("ping", protocol="icmp", remote=["192.0.2.1"]), make_rule("alltcp", ports=[], remote=["192.0.2.1"])]
    first, second = azure.render(rules)["rules"]
    assert (first["protocol"], first["destination_port_range"]) == ("Icmp", "*")
    assert (second["protocol"], second["destination_port_range"]) == ("Tcp", "*")


def test_priorities_unique_per_direction_with_start_and_step():
    rules = [
        make_rule("e1", ports=["443"], remote=["192.0.2.1", "2001:db8::1"]),
        make_rule("i1", direction="ingress", ports=["22"], remote=["192.0.2.9"]),
        make_rule("e2", ports=["80"], remote=["192.0.2.1"]),
        make_rule("i2", direction="ingress", ports=["3389"], remote=["192.0.2.9"]),
    ]
    rules_out = azure.render(rules, priority_start=200, priority_step=10)["rules"]
    assert [(item["name"], item["direction"], item["priority"]) for item in rules_out] == [
        ("netreq-rackspace_pdr-e1", "Outbound", 200),
        ("netreq-rackspace_pdr-e1-ipv6", "Outbound", 210),
        ("netreq-rackspace_pdr-i1", "Inbound", 200),
        ("netreq-rackspace_pdr-e2", "Outbound", 220),
        ("netreq-rackspace_pdr-i2", "Inbound", 210),
    ]


def test_priority_exhaustion_raises_naming_the_rule():
    rules = [make_rule("r%d" % index, ports=["443"], remote=["192.0.2.%d" % index]) for index in range(1, 4)]
    azure.render(rules[:2], priority_start=4095)  # 4095, 4096: fits
    with pytest.raises(NetreqError) as err:
        azure.render(rules, priority_start=4095)
    assert "r3" in str(err.value)
    assert "4097" in str(err.value)


def test_max_rules_counts_both_directions():
    rules = [make_rule("e", ports=["443"], remote=["192.0.2.1", "2001:db8::1"]),
             make_rule("i", direction="ingress", ports=["22"], remote=["192.0.2.9"])]
    assert len(azure.render(rules, max_rules=3)["rules"]) == 3
    with pytest.raises(NetreqError, match="max_rules=2"):
        azure.render(rules, max_rules=2)


def test_description_is_cut_at_140_characters():
    rule = make_rule("long", ports=["443"], remote=["192.0.2.1"], description="x" * 300)
    (item,) = azure.render([rule])["rules"]
    assert len(item["description"]) == 140
    assert item["description"].startswith("netreq:rackspace_pdr:long xxx")


def test_long_names_are_cut_with_a_stable_hash():
    long_id = "component_out_" + "a" * 90
    rules = [make_rule(long_id + "_one", ports=["443"], remote=["192.0.2.1"]),
             make_rule(long_id + "_two", ports=["443"], remote=["192.0.2.1"])]
    names = [item["name"] for item in azure.render(rules)["rules"]]
    assert names == [item["name"] for item in azure.render(rules)["rules"]]
    assert len(set(names)) == 2
    for name in names:
        assert len(name) == 80
        assert AZURE_NAME.match(name)
        assert name.startswith("netreq-rackspace_pdr-component_out_aaa")


def test_colliding_names_get_distinct_hash_suffixes():
    # profile "a-b" + id "c" and profile "a" + id "b-c" both give netreq-a-b-c
    rules = [make_rule("c", ports=["443"], remote=["192.0.2.1"], profile="a-b"),
             make_rule("b-c", ports=["443"], remote=["192.0.2.1"], profile="a")]
    names = [item["name"] for item in azure.render(rules)["rules"]]
    assert len(set(names)) == 2
    assert all(name.startswith("netreq-a-b-c-") and AZURE_NAME.match(name) for name in names)


def test_invalid_name_characters_are_replaced():
    rule = make_rule("web", ports=["443"], remote=["192.0.2.1"], profile="acme corp")
    (item,) = azure.render([rule])["rules"]
    assert item["name"] == "netreq-acme_corp-web"


def test_fqdn_reject_names_rule_and_fix():
    rule = make_rule("agent_out_api", ports=["443"], remote=["app.pdq.com"])
    with pytest.raises(UnsupportedRuleError) as err:
        azure.render([rule])
    assert err.value.rule_id == "agent_out_api"
    assert "fqdn_strategy=proxy" in str(err.value)


def test_fqdn_any_address_is_star():
    rule = make_rule("agent_out_api", ports=["443"], remote=["app.pdq.com", "192.0.2.7"])
    result = azure.render([rule], fqdn_strategy="any_address")
    assert [(item["name"], item["destination_address_prefix"]) for item in result["rules"]] == [("netreq-rackspace_pdr-agent_out_api", "*")]
    assert len(result["widenings"]) == 1


def test_fqdn_proxy_hostname_only_rule_emits_nothing():
    rule = make_rule("agent_out_api", ports=["443"], remote=["app.pdq.com", "*.pdq.tools"])
    result = azure.render([rule], fqdn_strategy="proxy")
    assert result["rules"] == []
    assert result["proxy_allowlist"][0]["hosts"] == ["app.pdq.com", "*.pdq.tools"]


def test_unknown_option_is_named():
    with pytest.raises(NetreqError, match="priority_begin"):
        azure.render([], priority_begin=100)


@pytest.mark.parametrize("options", [
    {"priority_start": 99},
    {"priority_start": 4097},
    {"priority_step": 0},
    {"name_prefix": "-bad"},
    {"name_prefix": "bad prefix"},
    {"max_rules": 0},
    {"fqdn_strategy": "resolve"},
    {"fqdn_strategy": "windows_dynamic_keyword"},
])
def test_invalid_options_raise(options):
    with pytest.raises(NetreqError):
        azure.render([], **options)
