# -*- coding: utf-8 -*-
# Copyright (c) netreq.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests for the ufw renderer; expected argv words are written by hand from ufw syntax."""

from __future__ import annotations

import pytest

from ansible_collections.netreq.firewall.plugins.module_utils._model.errors import NetreqError, UnsupportedRuleError
from ansible_collections.netreq.firewall.plugins.module_utils._render import ufw

from rule_builder import make_rule as rule

TAG = "netreq:rackspace_pdr:"


def args(result):
    return [" ".join(item["args"]) for item in result["rules"]]


def test_egress_rule_complete_item():
    result = ufw.render([rule("appliance_out_dns-tcp", ports=["53"], remote=["8.8.4.4"])])
    comment = TAG + "appliance_out_dns-tcp"
    assert result["rules"] == [{
        "id": "appliance_out_dns-tcp",
        "comment": comment,
        "args": ["allow", "out", "proto", "tcp", "to", "8.8.4.4", "port", "53", "comment", comment],
        "params": {"rule": "allow", "direction": "out", "proto": "tcp", "from_ip": "any", "to_ip": "8.8.4.4",
                   "to_port": "53", "comment": comment},
    }]


def test_one_rule_per_aggregated_block_ipv4_first():
    result = ufw.render([rule("appliance_out_ntp", protocol="udp", ports=["123"],
                              remote=["2600:1901:0:181b::", "204.110.219.0/25", "204.110.219.128/25"])])
    assert args(result) == [
        "allow out proto udp to 204.110.219.0/24 port 123 comment " + TAG + "appliance_out_ntp",
        "allow out proto udp to 2600:1901:0:181b:: port 123 comment " + TAG + "appliance_out_ntp",
    ]


def test_ingress_remote_is_source_and_ports_are_local():
    result = ufw.render([rule("appliance_in_https", direction="ingress", ports=["443"], remote=["198.51.100.0/24"])])
    assert args(result) == ["allow in proto tcp from 198.51.100.0/24 to any port 443 comment " + TAG + "appliance_in_https"]
    assert result["rules"][0]["params"] == {
        "rule": "allow", "direction": "in", "proto": "tcp", "from_ip": "198.51.100.0/24", "to_ip": "any",
        "to_port": "443", "comment": TAG + "appliance_in_https"}


def test_multiport_with_ranges_and_any_remote():
    result = ufw.render([rule("appliance_out_web", ports=["80", "443", "1000-2000"])])
    assert args(result) == ["allow out proto tcp to any port 80,443,1000:2000 comment " + TAG + "appliance_out_web"]
    assert result["rules"][0]["params"]["to_port"] == "80,443,1000:2000"


def test_multiport_splits_past_fifteen_ports():
    singles = [str(port) for port in range(1, 14)]  # 13 ports
    exactly_fifteen = ufw.render([rule("out_fifteen", ports=singles + ["100-200"])])  # 13 + a range (2) = 15
    assert [item["args"][7] for item in exactly_fifteen["rules"]] == ["1,2,3,4,5,6,7,8,9,10,11,12,13,100:200"]
    sixteen = ufw.render([rule("out_sixteen", ports=singles + ["14", "100-200", "300"])])  # 14 + 2 + 1
    assert [item["args"][7] for item in sixteen["rules"]] == ["1,2,3,4,5,6,7,8,9,10,11,12,13,14", "100:200,300"]


def test_all_ports_and_any_protocol():
    result = ufw.render([
        rule("out_tcp_all", remote=["192.0.2.1"]),
        rule("out_everything", protocol="any", remote=["192.0.2.2"]),
        rule("in_everything", direction="ingress", protocol="any"),
    ])
    assert args(result) == [
        "allow out proto tcp to 192.0.2.1 comment " + TAG + "out_tcp_all",
        "allow out to 192.0.2.2 comment " + TAG + "out_everything",
        "allow in from any to any comment " + TAG + "in_everything",
    ]
    assert result["rules"][1]["params"] == {"rule": "allow", "direction": "out", "proto": "any", "from_ip": "any",
                                            "to_ip": "192.0.2.2", "comment": TAG + "out_everything"}


def test_expiry_goes_into_the_comment():
    result = ufw.render([rule("appliance_in_ssh", direction="ingress", ports=["22"], expires="2026-12-01T00:00:00Z")])
    comment = TAG + "appliance_in_ssh expires=2026-12-01T00:00:00Z"
    assert result["rules"][0]["comment"] == comment
    assert result["rules"][0]["args"][-2:] == ["comment", comment]
    assert result["rules"][0]["params"]["comment"] == comment


def test_fqdn_reject_names_rule_and_fix():
    with pytest.raises(UnsupportedRuleError) as err:
        ufw.render([rule("agent_out_app", ports=["443"], remote=["app.pdq.com"])])
    assert "agent_out_app" in str(err.value)
    assert "fqdn_strategy=any_address" in str(err.value)
    assert "fqdn_strategy=resolve" in str(err.value)


def test_fqdn_any_address_widens():
    result = ufw.render([rule("agent_out_app", ports=["443"], remote=["app.pdq.com", "192.0.2.1"])], fqdn_strategy="any_address")
    assert args(result) == ["allow out proto tcp to any port 443 comment " + TAG + "agent_out_app"]
    assert [(w["rule"], w["hosts"]) for w in result["widenings"]] == [("agent_out_app", ["app.pdq.com"])]


def test_fqdn_proxy_keeps_addresses_and_omits_hostname_only_rules():
    result = ufw.render([
        rule("agent_out_app", ports=["443"], remote=["app.pdq.com"]),
        rule("agent_out_mixed", ports=["443"], remote=["cdn.pdq.com", "192.0.2.9"]),
    ], fqdn_strategy="proxy")
    assert args(result) == ["allow out proto tcp to 192.0.2.9 port 443 comment " + TAG + "agent_out_mixed"]
    assert [(p["rule"], p["hosts"]) for p in result["proxy_allowlist"]] == [
        ("agent_out_app", ["app.pdq.com"]), ("agent_out_mixed", ["cdn.pdq.com"])]


def test_fqdn_resolve_gives_the_refresher_per_address_rule_specs():
    result = ufw.render([rule("agent_out_app", ports=["443", "8000-8010"], remote=["app.pdq.com", "198.51.100.9"])],
                        fqdn_strategy="resolve")
    # the literal address is a rule of the applier; the name is left to the refresher
    assert args(result) == ["allow out proto tcp to 198.51.100.9 port 443,8000:8010 comment " + TAG + "agent_out_app"]
    assert result["resolve_sets"] == [{
        "rule": "agent_out_app", "profile": "rackspace_pdr", "hosts": ["app.pdq.com"],
        "ufw": {"direction": "out", "proto": "tcp", "ports": ["443,8000:8010"],
                "comment": "netreq-resolved:rackspace_pdr:agent_out_app"},
    }]


def test_wildcard_fallback_with_any_address_strategy():
    result = ufw.render([rule("appliance_out_isl", ports=["443"], remote=["*.islonline.net"])], fqdn_strategy="any_address")
    assert args(result) == ["allow out proto tcp to any port 443 comment " + TAG + "appliance_out_isl"]


@pytest.mark.parametrize("options, word", [
    ({"table_name": "netreq"}, "table_name"),
    ({"fqdn_strategy": "windows_dynamic_keyword"}, "windows_dynamic_keyword"),
    ({"wildcard_fallback": "ignore"}, "wildcard_fallback"),
])
def test_bad_options_are_named(options, word):
    with pytest.raises(NetreqError, match=word):
        ufw.render([], **options)


@pytest.mark.parametrize("options, expected", [
    ({}, {"incoming": None, "outgoing": None}),
    ({"egress_policy": "allowlist"}, {"incoming": None, "outgoing": "deny"}),
    ({"ingress_policy": "allowlist", "egress_policy": "allowlist"}, {"incoming": "deny", "outgoing": "deny"}),
])
def test_enforcement_sets_only_the_allowlisted_defaults(options, expected):
    result = ufw.render([rule("out_dns", ports=["53"], remote=["8.8.8.8"])], **options)
    assert result["default_policies"] == expected


def test_unknown_enforcement_policy_fails():
    with pytest.raises(NetreqError, match="egress_policy must be one of permissive, allowlist"):
        ufw.render([], egress_policy="deny")
