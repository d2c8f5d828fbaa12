# -*- coding: utf-8 -*-
# Copyright (c) netreq.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests for the firewalld renderer; expected rich rules are written by hand in firewalld's canonical form."""

from __future__ import annotations

import hashlib

import pytest

from ansible_collections.netreq.firewall.plugins.module_utils._model.errors import NetreqError, UnsupportedRuleError
from ansible_collections.netreq.firewall.plugins.module_utils._render import firewalld

from rule_builder import make_rule as rule


def policy(result, suffix):
    (found,) = [item for item in result["policies"] if item["name"].endswith("-" + suffix)]
    return found


def rich(result, rule_id):
    return [item["rule"] for entry in result["policies"] for item in entry["rich_rules"] if item["id"] == rule_id]


def test_both_policies_always_present():
    result = firewalld.render([])
    assert result["policies"] == [
        {"name": "netreq-in", "description": "netreq.firewall: ingress allow rules", "ingress_zones": ["ANY"],
         "egress_zones": ["HOST"], "target": "CONTINUE", "rich_rules": []},
        {"name": "netreq-out", "description": "netreq.firewall: egress allow rules", "ingress_zones": ["HOST"],
         "egress_zones": ["ANY"], "target": "CONTINUE", "rich_rules": []},
    ]
    assert result["ipsets"] == []


def test_one_rich_rule_per_block_and_port_ipv4_first():
    dns = rule("appliance_out_dns-tcp", ports=["53", "1000-2000"],
               remote=["2001:db8::1", "198.51.100.128/25", "198.51.100.0/25"])
    result = firewalld.render([dns])
    assert policy(result, "out")["rich_rules"] == [
        {"id": "appliance_out_dns-tcp", "tag": "netreq:rackspace_pdr:appliance_out_dns-tcp", "rule": text} for text in (
            'rule family="ipv4" destination address="198.51.100.0/24" port port="53" protocol="tcp" accept',
            'rule family="ipv4" destination address="198.51.100.0/24" port port="1000-2000" protocol="tcp" accept',
            'rule family="ipv6" destination address="2001:db8::1" port port="53" protocol="tcp" accept',
            'rule family="ipv6" destination address="2001:db8::1" port port="1000-2000" protocol="tcp" accept',
        )
    ]
    assert policy(result, "in")["rich_rules"] == []


def test_ingress_goes_to_the_in_policy_with_source():
    result = firewalld.render([rule("appliance_in_https", direction="ingress", ports=["443"], remote=["192.0.2.7"])])
    assert policy(result, "in")["rich_rules"] == [{
        "id": "appliance_in_https", "tag": "netreq:rackspace_pdr:appliance_in_https",
        "rule": 'rule family="ipv4" source address="192.0.2.7" port port="443" protocol="tcp" accept'}]
    assert policy(result, "out")["rich_rules"] == []


def test_protocol_and_remote_forms():
    result = firewalld.render([
        rule("in_ssh", direction="ingress", ports=["22"]),
        rule("out_tcp_all", remote=["192.0.2.1"]),
        rule("out_ping", protocol="icmp"),
        rule("out_ping_v6", protocol="icmp", remote=["2001:db8::/32"]),
        rule("out_everything", protocol="any", remote=["192.0.2.2"]),
        rule("out_open", protocol="any"),
        rule("in_open", direction="ingress", protocol="any"),
    ])
    assert rich(result, "in_ssh") == ['rule port port="22" protocol="tcp" accept']
    assert rich(result, "out_tcp_all") == ['rule family="ipv4" destination address="192.0.2.1" protocol value="tcp" accept']
    assert rich(result, "out_ping") == ['rule family="ipv4" protocol value="icmp" accept', 'rule family="ipv6" protocol value="ipv6-icmp" accept']
    assert rich(result, "out_ping_v6") == ['rule family="ipv6" destination address="2001:db8::/32" protocol value="ipv6-icmp" accept']
    assert rich(result, "out_everything") == ['rule family="ipv4" destination address="192.0.2.2" accept']
    assert rich(result, "out_open") == ['rule family="ipv4" destination address="0.0.0.0/0" accept',
                                        'rule family="ipv6" destination address="::/0" accept']
    assert rich(result, "in_open") == ['rule family="ipv4" source address="0.0.0.0/0" accept',
                                       'rule family="ipv6" source address="::/0" accept']


def test_rule_order_is_input_order():
    result = firewalld.render([rule("zz_out", ports=["1"]), rule("aa_out", ports=["2"])])
    assert [item["id"] for item in policy(result, "out")["rich_rules"]] == ["zz_out", "aa_out"]


def test_expiry_goes_into_the_tag():
    result = firewalld.render([rule("appliance_in_ssh", direction="ingress", ports=["22"], expires="2026-12-01T00:00:00Z")])
    assert policy(result, "in")["rich_rules"][0]["tag"] == "netreq:rackspace_pdr:appliance_in_ssh expires=2026-12-01T00:00:00Z"


def test_policy_prefix_option():
    result = firewalld.render([], policy_prefix="pdr_egress123")
    assert [item["name"] for item in result["policies"]] == ["pdr_egress123-in", "pdr_egress123-out"]


@pytest.mark.parametrize("options, word", [
    ({"policy_prefix": "pdr_egress1234"}, "policy_prefix"),  # 14 + "-out" > 17
    ({"policy_prefix": "bad/name"}, "policy_prefix"),
    ({"table_name": "x"}, "table_name"),
    ({"fqdn_strategy": "guess"}, "fqdn_strategy"),
])
def test_bad_options_are_named(options, word):
    with pytest.raises(NetreqError, match=word):
        firewalld.render([], **options)


def test_fqdn_reject_is_the_default():
    with pytest.raises(UnsupportedRuleError) as err:
        firewalld.render([rule("agent_out_app", ports=["443"], remote=["app.pdq.com"])])
    assert "agent_out_app" in str(err.value)
    assert "fqdn_strategy=resolve" in str(err.value)


def test_fqdn_any_address_widens():
    result = firewalld.render([rule("agent_out_app", ports=["443"], remote=["app.pdq.com", "192.0.2.1"])], fqdn_strategy="any_address")
    assert rich(result, "agent_out_app") == ['rule port port="443" protocol="tcp" accept']
    assert [(w["rule"], w["hosts"]) for w in result["widenings"]] == [("agent_out_app", ["app.pdq.com"])]


def test_fqdn_proxy_omits_hostname_only_rules():
    result = firewalld.render([rule("agent_out_app", ports=["443"], remote=["app.pdq.com"])], fqdn_strategy="proxy")
    assert policy(result, "out")["rich_rules"] == []
    assert [(p["rule"], p["hosts"], p["ports"]) for p in result["proxy_allowlist"]] == [("agent_out_app", ["app.pdq.com"], ["443"])]


def test_fqdn_resolve_uses_ipsets():
    result = firewalld.render([rule("agent_out_app", ports=["443"], remote=["app.pdq.com", "192.0.2.1"])], fqdn_strategy="resolve")
    assert result["ipsets"] == [
        {"name": "netreq-agent_out_app-v4", "type": "hash:ip", "family": "inet", "id": "agent_out_app", "hosts": ["app.pdq.com"]},
        {"name": "netreq-agent_out_app-v6", "type": "hash:ip", "family": "inet6", "id": "agent_out_app", "hosts": ["app.pdq.com"]},
    ]
    assert rich(result, "agent_out_app") == [
        'rule family="ipv4" destination address="192.0.2.1" port port="443" protocol="tcp" accept',
        'rule family="ipv4" destination ipset="netreq-agent_out_app-v4" port port="443" protocol="tcp" accept',
        'rule family="ipv6" destination ipset="netreq-agent_out_app-v6" port port="443" protocol="tcp" accept',
    ]
    assert result["resolve_sets"] == [{"rule": "agent_out_app", "profile": "rackspace_pdr", "hosts": ["app.pdq.com"],
                                       "ipsets": {"ipv4": "netreq-agent_out_app-v4", "ipv6": "netreq-agent_out_app-v6"}}]


def test_long_ipset_names_are_shortened_with_a_digest():
    rule_id = "connector_out_license_cloud-tcp"
    result = firewalld.render([rule(rule_id, ports=["443"], remote=["lic.teradici.com"])], fqdn_strategy="resolve")
    digest = hashlib.sha256(("netreq:rackspace_pdr:" + rule_id).encode()).hexdigest()[:8]
    # 31 characters: iptables' set match refuses longer names under FirewallBackend=iptables
    assert [item["name"] for item in result["ipsets"]] == ["netreq-connector_ou-%s-v4" % digest, "netreq-connector_ou-%s-v6" % digest]
    assert all(len(item["name"]) == 31 for item in result["ipsets"])


def test_fqdn_resolve_wildcards():
    isl = rule("appliance_out_isl", ports=["443"], remote=["*.islonline.net"])
    with pytest.raises(UnsupportedRuleError, match="appliance_out_isl"):
        firewalld.render([isl], fqdn_strategy="resolve")
    proxied = firewalld.render([isl], fqdn_strategy="resolve", wildcard_fallback="proxy")
    assert proxied["ipsets"] == [] and rich(proxied, "appliance_out_isl") == []
    assert [p["hosts"] for p in proxied["proxy_allowlist"]] == [["*.islonline.net"]]
    widened = firewalld.render([isl], fqdn_strategy="resolve", wildcard_fallback="any_address")
    assert rich(widened, "appliance_out_isl") == ['rule port port="443" protocol="tcp" accept']


def test_same_id_in_two_profiles_gets_ipsets_of_its_own():
    """Ids are unique per profile only, and a vendor's ids cannot be renamed: the profile joins the set names."""
    rules = [rule("agent_out_app", ports=["443"], remote=["app.pdq.com"], profile=name) for name in ("one", "two")]
    rules.append(rule("alone", ports=["443"], remote=["app.pdq.com"], profile="one"))
    names = [item["name"] for item in firewalld.render(rules, fqdn_strategy="resolve")["ipsets"]]
    assert names == ["netreq-one_agent_out_app-v4", "netreq-one_agent_out_app-v6", "netreq-two_agent_out_app-v4",
                     "netreq-two_agent_out_app-v6", "netreq-alone-v4", "netreq-alone-v6"]


@pytest.mark.parametrize("options, targets", [
    ({}, {"netreq-in": "CONTINUE", "netreq-out": "CONTINUE"}),
    ({"egress_policy": "allowlist"}, {"netreq-in": "CONTINUE", "netreq-out": "DROP"}),
    ({"ingress_policy": "allowlist"}, {"netreq-in": "DROP", "netreq-out": "CONTINUE"}),
])
def test_allowlist_drops_what_the_policy_does_not_accept(options, targets):
    result = firewalld.render([rule("out_dns", ports=["53"], remote=["8.8.8.8"])], **options)
    assert {policy["name"]: policy["target"] for policy in result["policies"]} == targets


# Canonical forms as firewall-cmd --info-policy prints them back (firewalld 1.3.3).
BASELINE_RULES = [
    ('rule family="ipv6" icmp-type name="neighbour-solicitation" accept', "netreq:baseline:ipv6-neighbour-discovery"),
    ('rule family="ipv6" icmp-type name="neighbour-advertisement" accept', "netreq:baseline:ipv6-neighbour-discovery"),
    ('rule family="ipv6" icmp-type name="router-solicitation" accept', "netreq:baseline:ipv6-neighbour-discovery"),
    ('rule family="ipv6" icmp-type name="router-advertisement" accept', "netreq:baseline:ipv6-neighbour-discovery"),
    ('rule family="ipv6" icmp-type name="packet-too-big" accept', "netreq:baseline:ipv6-path-mtu"),
    ('rule family="ipv4" icmp-type name="fragmentation-needed" accept', "netreq:baseline:ipv4-path-mtu"),
]
# the host's own DHCP client (RFC 2131, RFC 8415): the server's port outbound, the client's inbound
DHCP_RULES = {
    "out": [('rule family="ipv4" port port="67" protocol="udp" accept', "netreq:baseline:dhcpv4-client"),
            ('rule family="ipv6" port port="547" protocol="udp" accept', "netreq:baseline:dhcpv6-client")],
    "in": [('rule family="ipv4" port port="68" protocol="udp" accept', "netreq:baseline:dhcpv4-client"),
           ('rule family="ipv6" source address="fe80::/10" port port="546" protocol="udp" accept',
            "netreq:baseline:dhcpv6-client")],
}


@pytest.mark.parametrize("options, dropping", [
    ({}, []),
    ({"egress_policy": "allowlist"}, ["out"]),
    ({"ingress_policy": "allowlist"}, ["in"]),
    ({"ingress_policy": "allowlist", "egress_policy": "allowlist"}, ["in", "out"]),
])
def test_a_dropping_policy_keeps_what_ip_needs(options, dropping):
    """Without neighbour solicitations from the host, a DROP policy HOST -> ANY stops every IPv6 packet."""
    dns = rule("out_dns", ports=["53"], remote=["2001:db8::53"])
    dns_in = rule("in_dns", direction="ingress", ports=["53"], remote=["2001:db8::53"])
    result = firewalld.render([dns, dns_in], **options)
    for suffix, user_rule in (("in", 'rule family="ipv6" source address="2001:db8::53" port port="53" protocol="tcp" accept'),
                              ("out", 'rule family="ipv6" destination address="2001:db8::53" port port="53" protocol="tcp" accept')):
        entries = policy(result, suffix)["rich_rules"]
        baseline = [(item["rule"], item["tag"]) for item in entries if item["id"] == "baseline"]
        assert baseline == (BASELINE_RULES + DHCP_RULES[suffix] if suffix in dropping else [])
        assert entries[-1]["rule"] == user_rule


def test_unknown_enforcement_policy_fails():
    with pytest.raises(NetreqError, match="ingress_policy must be one of permissive, allowlist"):
        firewalld.render([], ingress_policy="strict")
