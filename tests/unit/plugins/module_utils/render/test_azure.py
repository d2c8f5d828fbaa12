# -*- coding: utf-8 -*-
# Copyright (c) netreq.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests of the Azure network security group renderer (hand-written expectations)."""

from __future__ import annotations

import hashlib
import re

import pytest

from ansible_collections.netreq.firewall.plugins.module_utils._model.errors import NetreqError, UnsupportedRuleError
from ansible_collections.netreq.firewall.plugins.module_utils._render import azure

from rule_builder import make_rule


def home_priority(name, start=1000, end=3999):
    """The documented hash slot, computed here independently of the renderer."""
    return start + int(hashlib.sha256(name.lower().encode()).hexdigest()[:12], 16) % (end - start + 1)


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
        "priority": home_priority("netreq-rackspace_pdr-appliance_out_ntp_us"),
        "direction": "Outbound",
    }]


def test_mixed_families_split_with_ipv6_suffix_and_lists():
    rule = make_rule("appliance_out_dns-tcp", ports=["53", "1000-2000"],
                     remote=["8.8.8.8", "192.0.2.0/25", "192.0.2.128/25", "2600:1901:0:181b::"])
    rules = azure.render([rule])["rules"]
    assert [(item["name"], item["destination_address_prefix"], item["destination_port_range"]) for item in rules] == [
        ("netreq-rackspace_pdr-appliance_out_dns-tcp", ["8.8.8.8", "192.0.2.0/24"], ["53", "1000-2000"]),
        ("netreq-rackspace_pdr-appliance_out_dns-tcp-ipv6", "2600:1901:0:181b::", ["53", "1000-2000"]),
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


def test_priorities_are_hashed_from_the_name_unique_per_direction():
    rules = [
        make_rule("e1", ports=["443"], remote=["192.0.2.1", "2001:db8::1"]),
        make_rule("i1", direction="ingress", ports=["22"], remote=["192.0.2.9"]),
    ]
    out = azure.render(rules, priority_start=200, priority_end=299)["rules"]
    assert [(item["name"], item["direction"], item["priority"]) for item in out] == [
        ("netreq-rackspace_pdr-e1", "Outbound", home_priority("netreq-rackspace_pdr-e1", 200, 299)),
        ("netreq-rackspace_pdr-e1-ipv6", "Outbound", home_priority("netreq-rackspace_pdr-e1-ipv6", 200, 299)),
        ("netreq-rackspace_pdr-i1", "Inbound", home_priority("netreq-rackspace_pdr-i1", 200, 299)),
    ]


def test_collisions_probe_upwards_and_wrap_in_name_order():
    rules = [make_rule("r%d" % index, ports=["443"], remote=["192.0.2.%d" % index]) for index in range(1, 4)]
    out = azure.render(rules, priority_start=500, priority_end=502)["rules"]
    assert sorted(item["priority"] for item in out) == [500, 501, 502]
    with pytest.raises(NetreqError, match="500..502"):
        azure.render(rules + [make_rule("r9", ports=["443"], remote=["192.0.2.9"])], priority_start=500, priority_end=502)


def test_adding_or_removing_a_rule_renumbers_no_other_rule():
    rules = [make_rule("r%02d" % index, ports=["443"], remote=["192.0.2.%d" % index]) for index in range(1, 60)]
    before = azure.render(rules[:-1], priority_start=1000, priority_end=1199)["rules"]
    live = [{"name": item["name"], "direction": item["direction"], "priority": item["priority"], "id": "x"} for item in before]
    after = azure.render(rules, priority_start=1000, priority_end=1199, existing_rules=live)["rules"]
    assert {item["name"]: item["priority"] for item in after[:-1]} == {item["name"]: item["priority"] for item in before}
    assert after[-1]["priority"] not in {item["priority"] for item in before}
    removed = azure.render(rules[1:-1], priority_start=1000, priority_end=1199, existing_rules=live)["rules"]
    assert {item["name"]: item["priority"] for item in removed} == {item["name"]: item["priority"] for item in before[1:]}


def test_live_priority_outside_the_range_or_direction_is_not_kept():
    rule = make_rule("e1", ports=["443"], remote=["192.0.2.1"])
    name = "netreq-rackspace_pdr-e1"
    for live in ({"name": name, "direction": "Outbound", "priority": 4000},
                 {"name": name, "direction": "Inbound", "priority": 1500}):
        (item,) = azure.render([rule], existing_rules=[live])["rules"]
        assert item["priority"] == home_priority(name)
    (item,) = azure.render([rule], existing_rules=[{"name": name.upper(), "direction": "Outbound", "priority": 1500}])["rules"]
    assert item["priority"] == 1500


def test_egress_allowlist_adds_deny_all_outbound_at_4096():
    rule = make_rule("e1", ports=["443"], remote=["192.0.2.1"])
    result = azure.render([rule], egress_policy="allowlist", security_group_name="pdr-nsg", resource_group="rg1",
                          location="westeurope", tags={"team": "ids"})
    assert result["rules"][-1] == {
        "name": "netreq-baseline-deny-all-outbound",
        "description": "netreq:baseline:deny-all-outbound Deny all outbound traffic no rule above allows (egress allowlist)",
        "protocol": "*", "source_port_range": "*", "destination_port_range": "*", "source_address_prefix": "*",
        "destination_address_prefix": "*", "access": "Deny", "priority": 4096, "direction": "Outbound"}
    assert result["security_group"] == {"name": "pdr-nsg", "resource_group": "rg1", "location": "westeurope",
                                        "tags": {"team": "ids", "netreq:owner": "netreq.firewall", "netreq:set": "pdr-nsg"},
                                        "purge_rules": True}
    assert all(item["priority"] < 4096 for item in result["rules"][:-1])
    assert [item["access"] for item in azure.render([rule])["rules"]] == ["Allow"]


def test_the_deny_rule_counts_towards_max_rules():
    rule = make_rule("e1", ports=["443"], remote=["192.0.2.1"])
    azure.render([rule], max_rules=1)
    with pytest.raises(NetreqError, match="deny-all outbound rule included"):
        azure.render([rule], max_rules=1, egress_policy="allowlist")


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
    {"priority_end": 4096},
    {"priority_start": 2000, "priority_end": 1999},
    {"egress_policy": "closed"},
    {"security_group_name": "bad name"},
    {"existing_rules": [{"name": "x", "direction": "Outbound"}]},
    {"tags": {"netreq:set": "x"}},
    {"name_prefix": "-bad"},
    {"name_prefix": "bad prefix"},
    {"max_rules": 0},
    {"fqdn_strategy": "resolve"},
    {"fqdn_strategy": "windows_dynamic_keyword"},
])
def test_invalid_options_raise(options):
    with pytest.raises(NetreqError):
        azure.render([], **options)
