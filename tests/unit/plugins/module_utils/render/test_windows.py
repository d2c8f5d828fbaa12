# -*- coding: utf-8 -*-
# Copyright (c) netreq.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests of the Windows firewall renderer (hand-written expectations)."""

from __future__ import annotations

import functools
import re
import uuid

import pytest

from ansible_collections.netreq.firewall.plugins.module_utils._model.errors import NetreqError, UnsupportedRuleError
from ansible_collections.netreq.firewall.plugins.module_utils._render import windows

import rule_builder

make_rule = functools.partial(rule_builder.make_rule, profile="pdq_connect", component="agent")

GUID = re.compile(r"^\{[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}\}$")
ALL_PROFILES = ["domain", "private", "public"]


def test_backend_name():
    assert windows.BACKEND == "windows"


def test_egress_tcp_dual_stack_is_one_rule():
    rule = make_rule("agent_out_dns-tcp", ports=["53", "1000-2000"],
                     remote=["8.8.8.8", "2600:1901:0:181b::", "198.51.100.0/25", "198.51.100.128/25"], description="DNS")
    assert windows.render([rule])["rules"] == [{
        "name": "netreq:pdq_connect:agent_out_dns-tcp",
        "group": "netreq:pdq_connect",
        "description": "DNS",
        "state": "present",
        "enabled": True,
        "direction": "out",
        "action": "allow",
        "protocol": "tcp",
        "localport": "any",
        "remoteport": "53,1000-2000",
        "remoteip": "8.8.8.8,198.51.100.0/24,2600:1901:0:181b::",
        "profiles": ALL_PROFILES,
    }]


def test_ingress_udp_uses_localport():
    rule = make_rule("agent_in_discovery", direction="ingress", protocol="udp", ports=["5353"], remote=["192.0.2.0/24"])
    (params,) = windows.render([rule])["rules"]
    assert (params["direction"], params["protocol"], params["localport"], params["remoteport"], params["remoteip"]) == (
        "in", "udp", "5353", "any", "192.0.2.0/24")


def test_tcp_without_ports_and_any_remote():
    rule = make_rule("agent_out_web", ports=[], remote=["any"])
    (params,) = windows.render([rule])["rules"]
    assert (params["localport"], params["remoteport"], params["remoteip"]) == ("any", "any", "any")


def test_protocol_any_has_no_port_keys():
    rule = make_rule("agent_out_all", protocol="any", remote=["192.0.2.1"])
    (params,) = windows.render([rule])["rules"]
    assert params["protocol"] == "any"
    assert "localport" not in params and "remoteport" not in params and "icmp_type_code" not in params
    assert params["remoteip"] == "192.0.2.1"


def test_icmp_any_remote_becomes_two_rules():
    rule = make_rule("agent_out_ping", protocol="icmp", remote=["any"])
    rules = windows.render([rule])["rules"]
    assert [(item["name"], item["protocol"], item["remoteip"], item["icmp_type_code"]) for item in rules] == [
        ("netreq:pdq_connect:agent_out_ping", "icmpv4", "any", ["*"]),
        ("netreq:pdq_connect:agent_out_ping/ipv6", "icmpv6", "any", ["*"]),
    ]
    assert all("localport" not in item for item in rules)


def test_icmp_splits_addresses_by_family():
    rule = make_rule("agent_out_ping", protocol="icmp", remote=["192.0.2.1", "2001:db8::1", "192.0.2.2"])
    rules = windows.render([rule])["rules"]
    assert [(item["protocol"], item["remoteip"]) for item in rules] == [("icmpv4", "192.0.2.1,192.0.2.2"), ("icmpv6", "2001:db8::1")]


def test_icmp_ipv6_only_keeps_the_ipv6_suffix():
    rule = make_rule("agent_out_ping6", protocol="icmp", remote=["2001:db8::/32"])
    assert [item["name"] for item in windows.render([rule])["rules"]] == ["netreq:pdq_connect:agent_out_ping6/ipv6"]


def test_profiles_option_is_normalized_and_checked():
    rule = make_rule("web", ports=["443"], remote=["192.0.2.1"])
    (params,) = windows.render([rule], profiles=["public", "domain"])["rules"]
    assert params["profiles"] == ["domain", "public"]
    with pytest.raises(NetreqError, match="profiles"):
        windows.render([rule], profiles=["work"])


def test_fqdn_reject_suggests_dynamic_keywords():
    rule = make_rule("agent_out_api", ports=["443"], remote=["app.pdq.com"])
    with pytest.raises(UnsupportedRuleError) as err:
        windows.render([rule])
    assert err.value.rule_id == "agent_out_api"
    assert "fqdn_strategy=windows_dynamic_keyword" in str(err.value)


def test_dynamic_keywords_for_hostnames():
    rule = make_rule("agent_out_api", ports=["443"], remote=["app.pdq.com", "192.0.2.7"], description="PDQ API")
    result = windows.render([rule], fqdn_strategy="windows_dynamic_keyword")
    # the address part stays a normal rule
    assert [(item["name"], item["remoteip"]) for item in result["rules"]] == [("netreq:pdq_connect:agent_out_api", "192.0.2.7")]
    (keyword,) = result["dynamic_keywords"]
    assert keyword["keyword"] == "app.pdq.com"
    assert keyword["auto_resolve"] is True
    assert GUID.match(keyword["id"])
    # documented derivation: uuid5(<namespace>, "netreq:<profile>:<id>:<host>")
    namespace = uuid.uuid5(uuid.NAMESPACE_DNS, "dynamic-keywords.netreq.firewall")
    assert keyword["id"] == "{%s}" % uuid.uuid5(namespace, "netreq:pdq_connect:agent_out_api:app.pdq.com")
    (keyword_rule,) = result["keyword_rules"]
    powershell = keyword_rule.pop("powershell")
    assert keyword_rule == {
        "name": "netreq:pdq_connect:agent_out_api/keywords",
        "group": "netreq:pdq_connect",
        "description": "PDQ API",
        "enabled": True,
        "direction": "out",
        "action": "allow",
        "protocol": "tcp",
        "localport": "any",
        "remoteport": "443",
        "profiles": ALL_PROFILES,
        "remote_dynamic_keyword_addresses": [keyword["id"]],
    }
    assert "New-NetFirewallDynamicKeywordAddress -Id $k.Id -Keyword $k.Keyword -AutoResolve $true" in powershell
    assert "@{ Id = '%s'; Keyword = 'app.pdq.com' }" % keyword["id"] in powershell
    assert "    RemoteDynamicKeywordAddresses = @('%s')\n" % keyword["id"] in powershell
    assert "    Direction = 'Outbound'\n" in powershell
    assert "    Protocol = 'TCP'\n" in powershell
    assert "    RemotePort = @('443')\n" in powershell
    assert "    Profile = @('Domain', 'Private', 'Public')\n" in powershell
    assert "New-NetFirewallRule @rule" in powershell
    assert result["resolve_sets"] == [{"rule": "agent_out_api", "profile": "pdq_connect", "hosts": ["app.pdq.com"]}]


def test_keyword_ids_are_stable_and_distinct():
    rules = [make_rule("a", ports=["443"], remote=["one.example.com", "two.example.com"])]
    first = windows.render(rules, fqdn_strategy="windows_dynamic_keyword")["dynamic_keywords"]
    second = windows.render(rules, fqdn_strategy="windows_dynamic_keyword")["dynamic_keywords"]
    assert first == second
    assert len({item["id"] for item in first}) == 2


def test_powershell_quotes_single_quotes():
    rule = make_rule("agent_out_api", ports=["443"], remote=["app.pdq.com"], description="Vendor's API")
    (keyword_rule,) = windows.render([rule], fqdn_strategy="windows_dynamic_keyword")["keyword_rules"]
    assert "    Description = 'Vendor''s API'\n" in keyword_rule["powershell"]


def test_hostname_only_icmp_keyword_rules_per_family():
    rule = make_rule("ping_host", protocol="icmp", remote=["host.example.com"])
    result = windows.render([rule], fqdn_strategy="windows_dynamic_keyword")
    assert result["rules"] == []
    assert [(item["name"], item["protocol"]) for item in result["keyword_rules"]] == [
        ("netreq:pdq_connect:ping_host/keywords", "icmpv4"),
        ("netreq:pdq_connect:ping_host/keywords/ipv6", "icmpv6"),
    ]
    assert "    Protocol = 'ICMPv6'\n" in result["keyword_rules"][1]["powershell"]


def test_wildcards_need_a_fallback_with_dynamic_keywords():
    rule = make_rule("agent_out_remote", ports=["443"], remote=["*.islonline.net"])
    with pytest.raises(UnsupportedRuleError, match="wildcard_fallback"):
        windows.render([rule], fqdn_strategy="windows_dynamic_keyword")
    result = windows.render([rule], fqdn_strategy="windows_dynamic_keyword", wildcard_fallback="proxy")
    assert result["rules"] == [] and result["keyword_rules"] == []
    assert result["proxy_allowlist"][0]["hosts"] == ["*.islonline.net"]


def test_fqdn_any_address():
    rule = make_rule("agent_out_api", ports=["443"], remote=["app.pdq.com"])
    result = windows.render([rule], fqdn_strategy="any_address")
    assert [item["remoteip"] for item in result["rules"]] == ["any"]
    assert result["dynamic_keywords"] == [] and result["keyword_rules"] == []


def test_input_order_is_kept():
    rules = [make_rule("zeta", ports=["22"], remote=["192.0.2.1"]), make_rule("alpha", ports=["21"], remote=["192.0.2.1"])]
    assert [item["name"] for item in windows.render(rules)["rules"]] == ["netreq:pdq_connect:zeta", "netreq:pdq_connect:alpha"]


def test_unknown_option_is_named():
    with pytest.raises(NetreqError, match="profile\\b"):
        windows.render([], profile=["domain"])
