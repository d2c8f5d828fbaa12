# -*- coding: utf-8 -*-
# Copyright (c) netreq.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests of the GCP VPC firewall renderer (hand-written expectations)."""

from __future__ import annotations

import re

import pytest

from ansible_collections.netreq.firewall.plugins.module_utils._model.errors import NetreqError, UnsupportedRuleError
from ansible_collections.netreq.firewall.plugins.module_utils._render import gcp

from rule_builder import make_rule

RFC1035 = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")


def test_backend_name():
    assert gcp.BACKEND == "gcp"


def test_egress_tcp_rule():
    rule = make_rule("appliance_out_dns-tcp", ports=["53", "1000-2000"], remote=["8.8.8.8", "204.110.218.96/27"], description="DNS")
    assert gcp.render([rule])["firewalls"] == [{
        "name": "netreq-rackspace-pdr-appliance-out-dns-tcp",
        "description": "netreq:rackspace_pdr:appliance_out_dns-tcp DNS",
        "direction": "EGRESS",
        "allowed": [{"ip_protocol": "tcp", "ports": ["53", "1000-2000"]}],
        "destination_ranges": ["8.8.8.8/32", "204.110.218.96/27"],
        "priority": 1000,
    }]


def test_ingress_dual_stack_is_two_firewalls():
    rule = make_rule("appliance_in_https", direction="ingress", ports=["443"],
                     remote=["198.51.100.0/25", "198.51.100.128/25", "2001:db8::/48"])
    firewalls = gcp.render([rule])["firewalls"]
    assert [(item["name"], item["direction"], item["source_ranges"]) for item in firewalls] == [
        ("netreq-rackspace-pdr-appliance-in-https", "INGRESS", ["198.51.100.0/24"]),
        ("netreq-rackspace-pdr-appliance-in-https-ipv6", "INGRESS", ["2001:db8::/48"]),
    ]
    assert all("destination_ranges" not in item for item in firewalls)


def test_any_remote_any_protocol():
    rule = make_rule("all_out", protocol="any", remote=["any"])
    firewalls = gcp.render([rule])["firewalls"]
    assert [(item["name"], item["allowed"], item["destination_ranges"]) for item in firewalls] == [
        ("netreq-rackspace-pdr-all-out", [{"ip_protocol": "all"}], ["0.0.0.0/0"]),
        ("netreq-rackspace-pdr-all-out-ipv6", [{"ip_protocol": "all"}], ["::/0"]),
    ]


def test_icmp_uses_58_for_ipv6():
    rule = make_rule("ping", protocol="icmp", remote=["192.0.2.1", "2001:db8::1"])
    firewalls = gcp.render([rule])["firewalls"]
    assert [(item["allowed"], item["destination_ranges"]) for item in firewalls] == [
        ([{"ip_protocol": "icmp"}], ["192.0.2.1/32"]),
        ([{"ip_protocol": "58"}], ["2001:db8::1/128"]),
    ]


def test_udp_without_ports_omits_ports():
    rule = make_rule("alludp", protocol="udp", remote=["192.0.2.1"])
    (firewall,) = gcp.render([rule])["firewalls"]
    assert firewall["allowed"] == [{"ip_protocol": "udp"}]


def test_priority_and_target_tags_options():
    rule = make_rule("web", ports=["443"], remote=["192.0.2.1"])
    (firewall,) = gcp.render([rule], priority=900, target_tags=["pdr-appliance"], name_prefix="fw")["firewalls"]
    assert firewall["priority"] == 900
    assert firewall["target_tags"] == ["pdr-appliance"]
    assert firewall["name"] == "fw-rackspace-pdr-web"


def test_long_names_are_cut_with_a_stable_hash():
    rules = [make_rule("component_out_" + "x" * 60 + suffix, ports=["443"], remote=["192.0.2.1"]) for suffix in ("_a", "_b")]
    names = [item["name"] for item in gcp.render(rules)["firewalls"]]
    assert names == [item["name"] for item in gcp.render(rules)["firewalls"]]
    assert len(set(names)) == 2
    for name in names:
        assert len(name) == 63
        assert RFC1035.match(name)
        assert name.startswith("netreq-rackspace-pdr-component-out-xxx")


def test_names_colliding_after_sanitizing_get_hash_suffixes():
    rules = [make_rule("dns_tcp", ports=["53"], remote=["192.0.2.1"]), make_rule("dns-tcp", ports=["53"], remote=["192.0.2.2"])]
    names = [item["name"] for item in gcp.render(rules)["firewalls"]]
    assert len(set(names)) == 2
    assert all(name.startswith("netreq-rackspace-pdr-dns-tcp-") and RFC1035.match(name) for name in names)


def test_fqdn_reject_names_rule_and_fix():
    rule = make_rule("agent_out_api", ports=["443"], remote=["app.pdq.com"])
    with pytest.raises(UnsupportedRuleError) as err:
        gcp.render([rule])
    assert err.value.rule_id == "agent_out_api"
    assert "fqdn_strategy=any_address" in str(err.value)


def test_fqdn_any_address_opens_both_families():
    rule = make_rule("agent_out_api", ports=["443"], remote=["app.pdq.com"])
    result = gcp.render([rule], fqdn_strategy="any_address")
    assert [item["destination_ranges"] for item in result["firewalls"]] == [["0.0.0.0/0"], ["::/0"]]
    assert result["widenings"][0]["hosts"] == ["app.pdq.com"]


def test_fqdn_proxy_hostname_only_rule_emits_nothing():
    rule = make_rule("agent_out_api", ports=["443"], remote=["app.pdq.com"])
    result = gcp.render([rule], fqdn_strategy="proxy")
    assert result["firewalls"] == []
    assert result["proxy_allowlist"][0]["rule"] == "agent_out_api"


def test_unknown_option_is_named():
    with pytest.raises(NetreqError, match="target_tag"):
        gcp.render([], target_tag=["x"])


@pytest.mark.parametrize("options", [
    {"priority": 70000},
    {"priority": -1},
    {"name_prefix": "Netreq"},
    {"name_prefix": "1fw"},
    {"target_tags": "web"},
    {"target_tags": ["Web_Servers"]},
    {"fqdn_strategy": "resolve"},
])
def test_invalid_options_raise(options):
    with pytest.raises(NetreqError):
        gcp.render([], **options)


def test_network_project_and_targets_are_carried():
    rule = make_rule("e1", ports=["443"], remote=["192.0.2.1"])
    (firewall,) = gcp.render([rule], network="vpc-1", project="demo", target_tags=["pdr"])["firewalls"]
    assert firewall["network"] == {"selfLink": "projects/demo/global/networks/vpc-1"}
    assert firewall["project"] == "demo"
    assert firewall["target_tags"] == ["pdr"]
    (firewall,) = gcp.render([rule], network="global/networks/default")["firewalls"]
    assert firewall["network"] == {"selfLink": "global/networks/default"} and "project" not in firewall


def test_more_than_256_ranges_are_split_in_order():
    remote = ["10.%d.%d.0/24" % (index // 256, index % 256) for index in range(0, 600, 2)]
    rule = make_rule("big", ports=["443"], remote=remote)
    firewalls = gcp.render([rule])["firewalls"]
    assert [item["name"] for item in firewalls] == ["netreq-rackspace-pdr-big", "netreq-rackspace-pdr-big-2"]
    assert [len(item["destination_ranges"]) for item in firewalls] == [256, 44]
    assert firewalls[0]["destination_ranges"] + firewalls[1]["destination_ranges"] == remote
    assert [len(item["destination_ranges"]) for item in gcp.render([rule], max_ranges_per_rule=100)["firewalls"]] == [100, 100, 100]


def test_egress_allowlist_adds_deny_all_below_the_allow_rules():
    rule = make_rule("e1", ports=["443"], remote=["192.0.2.1"])
    firewalls = gcp.render([rule], egress_policy="allowlist", target_tags=["pdr"])["firewalls"]
    assert firewalls[1:] == [
        {"name": "netreq-baseline-deny-all-egress", "description": "netreq:baseline:deny-all-egress Deny all egress no rule above allows (egress allowlist)",
         "direction": "EGRESS", "denied": [{"ip_protocol": "all"}], "destination_ranges": ["0.0.0.0/0"], "priority": 1001,
         "target_tags": ["pdr"]},
        {"name": "netreq-baseline-deny-all-egress-ipv6",
         "description": "netreq:baseline:deny-all-egress Deny all egress no rule above allows (egress allowlist)",
         "direction": "EGRESS", "denied": [{"ip_protocol": "all"}], "destination_ranges": ["::/0"], "priority": 1001,
         "target_tags": ["pdr"]},
    ]
    assert firewalls[0]["priority"] == 1000
    with pytest.raises(NetreqError, match="needs target_tags"):
        gcp.render([rule], egress_policy="allowlist")


@pytest.mark.parametrize("options", [
    {"deny_priority": 1000}, {"target_tags": ["a"], "target_service_accounts": ["sa@p.iam.gserviceaccount.com"]},
    {"max_ranges_per_rule": 0}, {"egress_policy": "x"}, {"network": ""},
])
def test_invalid_cloud_options_raise(options):
    with pytest.raises(NetreqError):
        gcp.render([], **options)


def test_service_accounts_are_carried():
    rule = make_rule("e1", ports=["443"], remote=["192.0.2.1"])
    (firewall,) = gcp.render([rule], target_service_accounts=["sa@p.iam.gserviceaccount.com"])["firewalls"]
    assert firewall["target_service_accounts"] == ["sa@p.iam.gserviceaccount.com"] and "target_tags" not in firewall
