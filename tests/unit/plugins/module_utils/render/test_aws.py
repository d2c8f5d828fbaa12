# -*- coding: utf-8 -*-
# Copyright (c) netreq.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests of the AWS security group renderer (hand-written expectations)."""

from __future__ import annotations

import pytest

from ansible_collections.netreq.firewall.plugins.module_utils._model.errors import NetreqError, UnsupportedRuleError
from ansible_collections.netreq.firewall.plugins.module_utils._render import aws

from rule_builder import make_rule


def test_backend_name():
    assert aws.BACKEND == "aws"


def test_tcp_ports_and_families_become_one_item_per_family_and_port_range():
    rule = make_rule("appliance_out_dns-tcp", ports=["53", "1000-2000"],
                     remote=["8.8.8.8", "2600:1901:0:181b::", "204.110.218.96/27"])
    result = aws.render([rule])
    desc = "netreq:rackspace_pdr:appliance_out_dns-tcp"
    assert result["security_groups"] == [{
        "name": "netreq",
        "description": "Managed by netreq.firewall",
        "tags": {"netreq:owner": "netreq.firewall", "netreq:set": "netreq"},
        "purge_rules": True,
        "purge_rules_egress": True,
        "rules": [],
        "rules_egress": [
            {"proto": "tcp", "from_port": 53, "to_port": 53, "cidr_ip": ["8.8.8.8/32", "204.110.218.96/27"], "rule_desc": desc},
            {"proto": "tcp", "from_port": 1000, "to_port": 2000, "cidr_ip": ["8.8.8.8/32", "204.110.218.96/27"], "rule_desc": desc},
            {"proto": "tcp", "from_port": 53, "to_port": 53, "cidr_ipv6": ["2600:1901:0:181b::/128"], "rule_desc": desc},
            {"proto": "tcp", "from_port": 1000, "to_port": 2000, "cidr_ipv6": ["2600:1901:0:181b::/128"], "rule_desc": desc},
        ],
    }]


def test_adjacent_networks_are_aggregated():
    rule = make_rule("appliance_out_ntp_us", protocol="udp", ports=["123"],
                     remote=["198.51.100.0/25", "198.51.100.128/25", "203.0.113.9"])
    items = aws.render([rule])["security_groups"][0]["rules_egress"]
    assert items == [{"proto": "udp", "from_port": 123, "to_port": 123, "cidr_ip": ["198.51.100.0/24", "203.0.113.9/32"],
                      "rule_desc": "netreq:rackspace_pdr:appliance_out_ntp_us"}]


def test_any_remote_and_any_protocol_ingress():
    rule = make_rule("appliance_in_all", direction="ingress", protocol="any", remote=["any"])
    group = aws.render([rule])["security_groups"][0]
    desc = "netreq:rackspace_pdr:appliance_in_all"
    assert group["rules"] == [
        {"proto": "all", "cidr_ip": ["0.0.0.0/0"], "rule_desc": desc},
        {"proto": "all", "cidr_ipv6": ["::/0"], "rule_desc": desc},
    ]
    assert group["rules_egress"] == []


def test_tcp_without_ports_means_all_tcp_ports():
    rule = make_rule("appliance_out_web", ports=[], remote=["192.0.2.0/24"])
    items = aws.render([rule])["security_groups"][0]["rules_egress"]
    assert items == [{"proto": "tcp", "from_port": 0, "to_port": 65535, "cidr_ip": ["192.0.2.0/24"],
                      "rule_desc": "netreq:rackspace_pdr:appliance_out_web"}]


def test_icmp_is_icmp_for_ipv4_and_icmpv6_for_ipv6():
    rule = make_rule("appliance_out_ping", protocol="icmp", remote=["192.0.2.1", "2001:db8::/32"])
    items = aws.render([rule])["security_groups"][0]["rules_egress"]
    desc = "netreq:rackspace_pdr:appliance_out_ping"
    assert items == [
        {"proto": "icmp", "from_port": -1, "to_port": -1, "cidr_ip": ["192.0.2.1/32"], "rule_desc": desc},
        {"proto": "icmpv6", "from_port": -1, "to_port": -1, "cidr_ipv6": ["2001:db8::/32"], "rule_desc": desc},
    ]


def test_input_order_is_kept():
    rules = [make_rule("zeta", ports=["22"], remote=["192.0.2.1"]), make_rule("alpha", ports=["21"], remote=["192.0.2.1"])]
    items = aws.render(rules)["security_groups"][0]["rules_egress"]
    assert [item["rule_desc"] for item in items] == ["netreq:rackspace_pdr:zeta", "netreq:rackspace_pdr:alpha"]


def test_fqdn_is_rejected_by_default_naming_rule_and_fix():
    rule = make_rule("agent_out_api", ports=["443"], remote=["app.pdq.com"])
    with pytest.raises(UnsupportedRuleError) as err:
        aws.render([rule])
    assert err.value.rule_id == "agent_out_api"
    assert err.value.backend == "aws"
    assert "fqdn_strategy=any_address" in str(err.value)
    assert "fqdn_strategy=proxy" in str(err.value)
    assert "agent_out_api" in str(err.value)


def test_fqdn_any_address_widens_and_records_it():
    rule = make_rule("agent_out_api", ports=["443"], remote=["app.pdq.com", "192.0.2.7"])
    result = aws.render([rule], fqdn_strategy="any_address")
    desc = "netreq:rackspace_pdr:agent_out_api"
    assert result["security_groups"][0]["rules_egress"] == [
        {"proto": "tcp", "from_port": 443, "to_port": 443, "cidr_ip": ["0.0.0.0/0"], "rule_desc": desc},
        {"proto": "tcp", "from_port": 443, "to_port": 443, "cidr_ipv6": ["::/0"], "rule_desc": desc},
    ]
    assert [(item["rule"], item["hosts"]) for item in result["widenings"]] == [("agent_out_api", ["app.pdq.com"])]
    assert result["fqdn_strategy"] == "any_address"


def test_fqdn_proxy_keeps_addresses_and_drops_hostname_only_rules():
    rules = [
        make_rule("agent_out_api", ports=["443"], remote=["app.pdq.com"]),
        make_rule("agent_out_mixed", ports=["443"], remote=["*.islonline.net", "192.0.2.7"]),
    ]
    result = aws.render(rules, fqdn_strategy="proxy")
    assert result["security_groups"][0]["rules_egress"] == [
        {"proto": "tcp", "from_port": 443, "to_port": 443, "cidr_ip": ["192.0.2.7/32"], "rule_desc": "netreq:rackspace_pdr:agent_out_mixed"},
    ]
    assert [(item["rule"], item["hosts"]) for item in result["proxy_allowlist"]] == [
        ("agent_out_api", ["app.pdq.com"]), ("agent_out_mixed", ["*.islonline.net"])]


def test_resolve_is_not_available():
    with pytest.raises(NetreqError, match="resolve"):
        aws.render([], fqdn_strategy="resolve")


def test_split_into_groups_per_direction():
    # limit 3: egress rules of 2, 2 and 1 address blocks -> [2], [2 + 1]; one ingress rule -> group 1 only
    rules = [
        make_rule("e1", ports=["443"], remote=["192.0.2.1", "192.0.2.3"]),
        make_rule("e2", ports=["443"], remote=["198.51.100.1", "198.51.100.3"]),
        make_rule("i1", direction="ingress", ports=["22"], remote=["203.0.113.0/24"]),
        make_rule("e3", ports=["80"], remote=["192.0.2.1"]),
    ]
    groups = aws.render(rules, max_rules_per_group=3, group_name="pdr", description="PDR appliance")["security_groups"]
    assert [group["name"] for group in groups] == ["pdr", "pdr-2"]
    assert [group["description"] for group in groups] == ["PDR appliance", "PDR appliance"]
    assert [item["rule_desc"] for item in groups[0]["rules_egress"]] == ["netreq:rackspace_pdr:e1"]
    assert [item["rule_desc"] for item in groups[1]["rules_egress"]] == ["netreq:rackspace_pdr:e2", "netreq:rackspace_pdr:e3"]
    assert [item["rule_desc"] for item in groups[0]["rules"]] == ["netreq:rackspace_pdr:i1"]
    assert groups[1]["rules"] == []


def test_count_is_per_address_block_and_port_range():
    # 2 blocks x 2 port ranges = 4 AWS rules: does not fit in 3
    rule = make_rule("big", ports=["80", "443"], remote=["192.0.2.1", "192.0.2.3"])
    with pytest.raises(UnsupportedRuleError) as err:
        aws.render([rule], max_rules_per_group=3)
    assert err.value.rule_id == "big"
    assert "max_rules_per_group=3" in str(err.value)


def test_ipv4_and_ipv6_are_counted_separately():
    # 2 IPv4 + 2 IPv6 blocks fit a limit of 2, because AWS counts each family on its own
    rule = make_rule("dual", ports=["443"], remote=["192.0.2.1", "192.0.2.3", "2001:db8::1", "2001:db8::3"])
    groups = aws.render([rule], max_rules_per_group=2)["security_groups"]
    assert len(groups) == 1


def test_too_many_groups_raises():
    rules = [make_rule("r%d" % index, ports=["443"], remote=["192.0.2.%d" % index]) for index in range(1, 4)]
    with pytest.raises(NetreqError, match="max_groups=2"):
        aws.render(rules, max_rules_per_group=1, max_groups=2)


def test_exact_duplicate_permission_is_dropped_and_reported():
    rules = [
        make_rule("web_any", ports=["443"], remote=["any"]),
        make_rule("api", ports=["443"], remote=["0.0.0.0/0", "2001:db8::1"]),
    ]
    result = aws.render(rules)
    items = result["security_groups"][0]["rules_egress"]
    assert items == [
        {"proto": "tcp", "from_port": 443, "to_port": 443, "cidr_ip": ["0.0.0.0/0"], "rule_desc": "netreq:rackspace_pdr:web_any"},
        {"proto": "tcp", "from_port": 443, "to_port": 443, "cidr_ipv6": ["::/0"], "rule_desc": "netreq:rackspace_pdr:web_any"},
        {"proto": "tcp", "from_port": 443, "to_port": 443, "cidr_ipv6": ["2001:db8::1/128"], "rule_desc": "netreq:rackspace_pdr:api"},
    ]
    assert result["deduplicated"] == [{
        "rule": "api", "profile": "rackspace_pdr", "direction": "egress", "proto": "tcp", "from_port": 443,
        "to_port": 443, "cidr": "0.0.0.0/0", "covered_by": "netreq:rackspace_pdr:web_any",
    }]


def test_same_permission_in_other_direction_is_not_a_duplicate():
    rules = [make_rule("out", ports=["443"], remote=["192.0.2.1"]),
             make_rule("in", direction="ingress", ports=["443"], remote=["192.0.2.1"])]
    result = aws.render(rules)
    assert result["deduplicated"] == []
    assert len(result["security_groups"][0]["rules"]) == 1


def test_rule_desc_characters_outside_aws_charset_are_replaced():
    rule = make_rule("web", ports=["443"], remote=["192.0.2.1"], profile="acme's<profile>")
    item = aws.render([rule])["security_groups"][0]["rules_egress"][0]
    assert item["rule_desc"] == "netreq:acme_s_profile_:web"


def test_empty_rule_list_gives_one_empty_group():
    result = aws.render([])
    assert result["security_groups"] == [{"name": "netreq", "description": "Managed by netreq.firewall",
                                          "tags": {"netreq:owner": "netreq.firewall", "netreq:set": "netreq"},
                                          "purge_rules": True, "purge_rules_egress": True, "rules": [], "rules_egress": []}]
    assert result["backend"] == "aws"
    assert result["widenings"] == [] and result["proxy_allowlist"] == [] and result["resolve_sets"] == []


def test_unknown_option_is_named():
    with pytest.raises(NetreqError, match="max_rules_per_grup"):
        aws.render([], max_rules_per_grup=10)


@pytest.mark.parametrize("options", [
    {"group_name": "sg-mine"},
    {"group_name": "bad'name"},
    {"description": ""},
    {"max_rules_per_group": 0},
    {"max_groups": True},
])
def test_invalid_options_raise(options):
    with pytest.raises(NetreqError):
        aws.render([], **options)


def test_vpc_id_and_tags_are_carried_by_every_group_ownership_tags_last():
    rules = [make_rule("r%d" % index, ports=["443"], remote=["192.0.2.%d" % index]) for index in range(1, 4)]
    groups = aws.render(rules, max_rules_per_group=2, vpc_id="vpc-0a1b2c3d", tags={"team": "ids"}, group_name="pdr")["security_groups"]
    assert [group["name"] for group in groups] == ["pdr", "pdr-2"]
    for group in groups:
        assert group["vpc_id"] == "vpc-0a1b2c3d"
        assert group["tags"] == {"team": "ids", "netreq:owner": "netreq.firewall", "netreq:set": "pdr"}


@pytest.mark.parametrize("options", [{"vpc_id": "vpc-XYZ"}, {"tags": {"netreq:owner": "me"}}, {"tags": ["a"]},
                                     {"egress_policy": "open"}])
def test_invalid_cloud_options_raise(options):
    with pytest.raises(NetreqError):
        aws.render([], **options)


def test_permissive_egress_renders_the_allow_all_rule_after_the_profile_rules():
    rule = make_rule("out", ports=["443"], remote=["192.0.2.1"])
    egress = aws.render([rule], egress_policy="permissive")["security_groups"][0]["rules_egress"]
    assert egress[1:] == [{"proto": "all", "cidr_ip": ["0.0.0.0/0"]}, {"proto": "all", "cidr_ipv6": ["::/0"]}]
    assert aws.render([rule])["security_groups"][0]["rules_egress"] == egress[:1]
