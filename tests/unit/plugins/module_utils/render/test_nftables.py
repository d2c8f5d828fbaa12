# -*- coding: utf-8 -*-
# Copyright (c) netreq.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests for the nftables renderer; expected text is written by hand from nft syntax."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from ansible_collections.netreq.firewall.plugins.module_utils._model.errors import NetreqError, UnsupportedRuleError
from ansible_collections.netreq.firewall.plugins.module_utils._render import nftables

from rule_builder import make_rule as rule


def statements(result, rule_id):
    return [line for entry in result["rules"] if entry["id"] == rule_id for line in entry["statements"]]


def test_families_split_aggregated_and_port_set():
    dns = rule("appliance_out_dns-tcp", ports=["53", "1000-2000"],
               remote=["198.51.100.0/25", "2001:db8::1", "198.51.100.128/25", "203.0.113.7"])
    result = nftables.render([dns])
    assert result["rules"] == [{
        "id": "appliance_out_dns-tcp",
        "chain": "output",
        "statements": [
            'ip daddr { 198.51.100.0/24, 203.0.113.7 } tcp dport { 53, 1000-2000 } counter accept comment "netreq:rackspace_pdr:appliance_out_dns-tcp"',
            'ip6 daddr 2001:db8::1 tcp dport { 53, 1000-2000 } counter accept comment "netreq:rackspace_pdr:appliance_out_dns-tcp"',
        ],
    }]


def test_ingress_matches_source_and_any_remote_has_no_address():
    result = nftables.render([
        rule("appliance_in_ssh", direction="ingress", ports=["22"]),
        rule("appliance_in_web", direction="ingress", ports=["443"], remote=["192.0.2.0/24"]),
    ])
    assert [entry["chain"] for entry in result["rules"]] == ["input", "input"]
    assert statements(result, "appliance_in_ssh") == ['tcp dport 22 counter accept comment "netreq:rackspace_pdr:appliance_in_ssh"']
    assert statements(result, "appliance_in_web") == ['ip saddr 192.0.2.0/24 tcp dport 443 counter accept comment "netreq:rackspace_pdr:appliance_in_web"']


def test_protocol_forms():
    result = nftables.render([
        rule("out_ping", protocol="icmp"),
        rule("out_ping_v4", protocol="icmp", remote=["192.0.2.1"]),
        rule("out_everything", protocol="any", remote=["192.0.2.10", "2001:db8::/32"]),
        rule("out_all_udp", protocol="udp", remote=["2001:db8::/32"]),
        rule("out_open", protocol="any"),
    ])
    assert statements(result, "out_ping") == [
        'meta l4proto icmp counter accept comment "netreq:rackspace_pdr:out_ping"',
        'meta l4proto ipv6-icmp counter accept comment "netreq:rackspace_pdr:out_ping"',
    ]
    assert statements(result, "out_ping_v4") == ['ip daddr 192.0.2.1 meta l4proto icmp counter accept comment "netreq:rackspace_pdr:out_ping_v4"']
    assert statements(result, "out_everything") == [
        'ip daddr 192.0.2.10 counter accept comment "netreq:rackspace_pdr:out_everything"',
        'ip6 daddr 2001:db8::/32 counter accept comment "netreq:rackspace_pdr:out_everything"',
    ]
    assert statements(result, "out_all_udp") == ['ip6 daddr 2001:db8::/32 meta l4proto udp counter accept comment "netreq:rackspace_pdr:out_all_udp"']
    assert statements(result, "out_open") == ['counter accept comment "netreq:rackspace_pdr:out_open"']


def test_permissive_ruleset_text():
    result = nftables.render([
        rule("appliance_out_ntp", protocol="udp", ports=["123"], remote=["204.110.219.96/27"]),
        rule("appliance_in_ssh", direction="ingress", ports=["22"], remote=["2001:db8::/48"]),
    ])
    assert result["table"] == "inet netreq"
    assert result["ruleset"] == (
        "table inet netreq\n"
        "delete table inet netreq\n"
        "table inet netreq {\n"
        "\tchain input {\n"
        "\t\ttype filter hook input priority filter; policy accept;\n"
        '\t\tip6 saddr 2001:db8::/48 tcp dport 22 counter accept comment "netreq:rackspace_pdr:appliance_in_ssh"\n'
        "\t}\n"
        "\tchain output {\n"
        "\t\ttype filter hook output priority filter; policy accept;\n"
        '\t\tip daddr 204.110.219.96/27 udp dport 123 counter accept comment "netreq:rackspace_pdr:appliance_out_ntp"\n'
        "\t}\n"
        "}\n"
    )


def test_allowlist_ruleset_text_and_chains():
    result = nftables.render([rule("appliance_out_https", ports=["443"], remote=["192.0.2.5"])],
                             egress_policy="allowlist", table_name="pdr")
    assert result["table"] == "inet pdr"
    assert result["chains"] == [
        {"name": "input", "hook": "input", "direction": "ingress", "policy": "accept"},
        {"name": "output", "hook": "output", "direction": "egress", "policy": "drop"},
    ]
    assert result["ruleset"] == (
        "table inet pdr\n"
        "delete table inet pdr\n"
        "table inet pdr {\n"
        "\tchain input {\n"
        "\t\ttype filter hook input priority filter; policy accept;\n"
        "\t}\n"
        "\tchain output {\n"
        "\t\ttype filter hook output priority filter; policy drop;\n"
        '\t\tct state established,related accept comment "netreq:baseline:established"\n'
        '\t\toifname "lo" accept comment "netreq:baseline:loopback"\n'
        "\t\ticmpv6 type { nd-router-solicit, nd-router-advert, nd-neighbor-solicit, nd-neighbor-advert } accept"
        ' comment "netreq:baseline:ipv6-neighbour-discovery"\n'
        '\t\ticmpv6 type packet-too-big accept comment "netreq:baseline:ipv6-path-mtu"\n'
        '\t\ticmp type destination-unreachable icmp code frag-needed accept comment "netreq:baseline:ipv4-path-mtu"\n'
        '\t\tmeta nfproto ipv4 udp sport 68 udp dport 67 accept comment "netreq:baseline:dhcpv4-client"\n'
        '\t\tmeta nfproto ipv6 udp sport 546 udp dport 547 accept comment "netreq:baseline:dhcpv6-client"\n'
        '\t\tip daddr 192.0.2.5 tcp dport 443 counter accept comment "netreq:rackspace_pdr:appliance_out_https"\n'
        "\t}\n"
        "}\n"
    )


def test_ingress_allowlist_uses_iifname():
    result = nftables.render([], ingress_policy="allowlist")
    assert '\t\tiifname "lo" accept comment "netreq:baseline:loopback"\n' in result["ruleset"]
    assert "type filter hook input priority filter; policy drop;" in result["ruleset"]
    assert "type filter hook output priority filter; policy accept;" in result["ruleset"]


@pytest.mark.parametrize("options, chain", [({"ingress_policy": "allowlist"}, "input"), ({"egress_policy": "allowlist"}, "output")])
def test_allowlist_keeps_what_ip_needs_in_either_direction(options, chain):
    """Neighbour/router discovery and the path-MTU errors of both families, before the first allow rule."""
    text = nftables.render([rule("out_dns", ports=["53"], remote=["2001:db8::53"])], **options)["ruleset"]
    body = text.split("\tchain %s {\n" % chain)[1].split("\t}\n")[0].splitlines()
    assert [line.strip() for line in body[1:6]] == [
        'ct state established,related accept comment "netreq:baseline:established"',
        '%s "lo" accept comment "netreq:baseline:loopback"' % ("iifname" if chain == "input" else "oifname"),
        'icmpv6 type { nd-router-solicit, nd-router-advert, nd-neighbor-solicit, nd-neighbor-advert } accept'
        ' comment "netreq:baseline:ipv6-neighbour-discovery"',
        'icmpv6 type packet-too-big accept comment "netreq:baseline:ipv6-path-mtu"',
        'icmp type destination-unreachable icmp code frag-needed accept comment "netreq:baseline:ipv4-path-mtu"',
    ]
    # the host's own DHCP client, both ports matched (RFC 2131: 68/67, RFC 8415: 546/547), answers from link-local
    assert [line.strip() for line in body[6:8]] == ([
        'meta nfproto ipv4 udp sport 67 udp dport 68 accept comment "netreq:baseline:dhcpv4-client"',
        'ip6 saddr fe80::/10 udp sport 547 udp dport 546 accept comment "netreq:baseline:dhcpv6-client"',
    ] if chain == "input" else [
        'meta nfproto ipv4 udp sport 68 udp dport 67 accept comment "netreq:baseline:dhcpv4-client"',
        'meta nfproto ipv6 udp sport 546 udp dport 547 accept comment "netreq:baseline:dhcpv6-client"',
    ])
    other = "output" if chain == "input" else "input"
    assert "baseline" not in text.split("\tchain %s {\n" % other)[1].split("\t}\n")[0]


def test_expiry_goes_into_the_comment():
    result = nftables.render([rule("appliance_in_ssh", direction="ingress", ports=["22"], expires="2026-12-01T00:00:00Z")])
    assert statements(result, "appliance_in_ssh") == [
        'tcp dport 22 counter accept comment "netreq:rackspace_pdr:appliance_in_ssh expires=2026-12-01T00:00:00Z"']


def test_rule_order_is_input_order():
    result = nftables.render([rule("zz_out", ports=["1"]), rule("aa_out", ports=["2"]), rule("mm_out", ports=["3"])])
    assert [entry["id"] for entry in result["rules"]] == ["zz_out", "aa_out", "mm_out"]


def test_fqdn_reject_is_the_default():
    with pytest.raises(UnsupportedRuleError) as err:
        nftables.render([rule("agent_out_app", ports=["443"], remote=["app.pdq.com"])])
    assert "agent_out_app" in str(err.value)
    assert "fqdn_strategy=resolve" in str(err.value)


def test_fqdn_any_address_widens_and_records_it():
    result = nftables.render([rule("agent_out_app", ports=["443"], remote=["192.0.2.1", "app.pdq.com"])], fqdn_strategy="any_address")
    assert statements(result, "agent_out_app") == ['tcp dport 443 counter accept comment "netreq:rackspace_pdr:agent_out_app"']
    assert [(w["rule"], w["hosts"]) for w in result["widenings"]] == [("agent_out_app", ["app.pdq.com"])]


def test_fqdn_proxy_omits_hostname_only_rules():
    result = nftables.render([
        rule("agent_out_app", ports=["443"], remote=["app.pdq.com", "*.pdq.tools"]),
        rule("agent_out_mixed", ports=["443"], remote=["cdn.pdq.com", "192.0.2.9"]),
    ], fqdn_strategy="proxy")
    assert [entry["id"] for entry in result["rules"]] == ["agent_out_mixed"]
    assert statements(result, "agent_out_mixed") == ['ip daddr 192.0.2.9 tcp dport 443 counter accept comment "netreq:rackspace_pdr:agent_out_mixed"']
    assert [(p["rule"], p["hosts"]) for p in result["proxy_allowlist"]] == [
        ("agent_out_app", ["app.pdq.com", "*.pdq.tools"]), ("agent_out_mixed", ["cdn.pdq.com"])]
    assert "agent_out_app" not in result["ruleset"]


def test_fqdn_resolve_uses_named_sets():
    result = nftables.render([rule("agent_out_app-tcp", ports=["443"], remote=["app.pdq.com", "198.51.100.7"])], fqdn_strategy="resolve")
    assert result["sets"] == {"agent_out_app-tcp_v4": ["app.pdq.com"], "agent_out_app-tcp_v6": ["app.pdq.com"]}
    assert statements(result, "agent_out_app-tcp") == [
        'ip daddr 198.51.100.7 tcp dport 443 counter accept comment "netreq:rackspace_pdr:agent_out_app-tcp"',
        'ip daddr @agent_out_app-tcp_v4 tcp dport 443 counter accept comment "netreq:rackspace_pdr:agent_out_app-tcp"',
        'ip6 daddr @agent_out_app-tcp_v6 tcp dport 443 counter accept comment "netreq:rackspace_pdr:agent_out_app-tcp"',
    ]
    assert "\tset agent_out_app-tcp_v4 { type ipv4_addr; flags timeout; }\n" in result["ruleset"]
    assert "\tset agent_out_app-tcp_v6 { type ipv6_addr; flags timeout; }\n" in result["ruleset"]
    assert result["resolve_sets"] == [{"rule": "agent_out_app-tcp", "profile": "rackspace_pdr", "hosts": ["app.pdq.com"],
                                       "table": "inet netreq",
                                       "sets": {"ipv4": "agent_out_app-tcp_v4", "ipv6": "agent_out_app-tcp_v6"}}]


def test_fqdn_resolve_rejects_wildcards_without_fallback():
    with pytest.raises(UnsupportedRuleError) as err:
        nftables.render([rule("appliance_out_isl", ports=["443"], remote=["*.islonline.net"])], fqdn_strategy="resolve")
    assert "appliance_out_isl" in str(err.value)
    assert "wildcard_fallback" in str(err.value)


def test_fqdn_resolve_with_wildcard_fallback():
    isl = rule("appliance_out_isl", ports=["443"], remote=["*.islonline.net", "islonline.net"])
    proxied = nftables.render([isl], fqdn_strategy="resolve", wildcard_fallback="proxy")
    assert proxied["sets"] == {"appliance_out_isl_v4": ["islonline.net"], "appliance_out_isl_v6": ["islonline.net"]}
    assert [p["hosts"] for p in proxied["proxy_allowlist"]] == [["*.islonline.net"]]
    widened = nftables.render([isl], fqdn_strategy="resolve", wildcard_fallback="any_address")
    assert widened["sets"] == {}
    assert widened["resolve_sets"] == []
    assert statements(widened, "appliance_out_isl") == ['tcp dport 443 counter accept comment "netreq:rackspace_pdr:appliance_out_isl"']


def test_same_id_in_two_profiles_gets_sets_of_its_own():
    """Ids are unique per profile only, and a vendor's ids cannot be renamed: the profile joins the set names."""
    rules = [rule("agent_out_app", ports=["443"], remote=["app.pdq.com"], profile=name) for name in ("one", "two")]
    rendering = nftables.render(rules, fqdn_strategy="resolve")
    sets = [(item["sets"]["ipv4"], item["sets"]["ipv6"]) for item in rendering["resolve_sets"]]
    assert sets == [("one_agent_out_app_v4", "one_agent_out_app_v6"), ("two_agent_out_app_v4", "two_agent_out_app_v6")]
    assert "ip daddr @one_agent_out_app_v4" in rendering["ruleset"] and "ip daddr @two_agent_out_app_v4" in rendering["ruleset"]


@pytest.mark.parametrize("options, word", [
    ({"table": "x"}, "table"),
    ({"egress_policy": "deny"}, "egress_policy"),
    ({"table_name": "bad name"}, "table_name"),
    ({"fqdn_strategy": "windows_dynamic_keyword"}, "windows_dynamic_keyword"),
])
def test_bad_options_are_named(options, word):
    with pytest.raises(NetreqError, match=word):
        nftables.render([], **options)


def test_overlong_comment_raises():
    with pytest.raises(UnsupportedRuleError, match="128"):
        nftables.render([rule("x" * 130, ports=["22"])])


def _can_check_with_nft():
    if os.geteuid() != 0 or not shutil.which("nft") or not shutil.which("unshare"):
        return False
    probe = subprocess.run(["unshare", "--net", "true"], capture_output=True, check=False)
    return probe.returncode == 0


@pytest.mark.skipif(not _can_check_with_nft(), reason="needs root, nft and unshare --net")
@pytest.mark.parametrize("ingress_policy, egress_policy", [("permissive", "permissive"), ("allowlist", "allowlist")])
def test_ruleset_passes_nft_check(tmp_path, ingress_policy, egress_policy):
    rules = [
        rule("appliance_out_dns-tcp", ports=["53", "1000-2000"], remote=["198.51.100.0/25", "198.51.100.128/25", "2001:db8::1"]),
        rule("appliance_out_dns-udp", protocol="udp", ports=["53"], remote=["8.8.8.8"]),
        rule("appliance_out_ping", protocol="icmp"),
        rule("appliance_out_all", protocol="any", remote=["192.0.2.10", "2001:db8::/32"]),
        rule("appliance_out_app-tcp", ports=["443"], remote=["app.pdq.com", "*.islonline.net"]),
        rule("appliance_in_ssh", direction="ingress", ports=["22"], remote=["any"], expires="2026-12-01T00:00:00Z"),
        rule("appliance_in_icmp", direction="ingress", protocol="icmp", remote=["2001:db8::/64"]),
    ]
    result = nftables.render(rules, ingress_policy=ingress_policy, egress_policy=egress_policy,
                             fqdn_strategy="resolve", wildcard_fallback="proxy")
    path = tmp_path / "netreq.nft"
    # what the applier loads: the ruleset plus the resolved elements of its sets
    path.write_text(result["ruleset"] + "add element inet netreq appliance_out_app-tcp_v4 { 198.51.100.44 timeout 600s }\n")
    # only ever inside a fresh network namespace, and only as a check (-c)
    proc = subprocess.run(["unshare", "--net", "nft", "-c", "-f", str(path)], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr


@pytest.mark.skipif(not _can_check_with_nft(), reason="needs root, nft and unshare --net")
def test_nft_check_catches_bad_text(tmp_path):
    """The check above can fail: nft -c refuses a broken line."""
    path = tmp_path / "bad.nft"
    path.write_text("table inet netreq {\n\tchain output {\n\t\tip daddr 300.1.1.1 accept\n\t}\n}\n")
    proc = subprocess.run(["unshare", "--net", "nft", "-c", "-f", str(path)], capture_output=True, text=True, check=False)
    assert proc.returncode != 0
