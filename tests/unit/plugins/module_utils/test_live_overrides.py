# -*- coding: utf-8 -*-
# Copyright (c) netreq.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Foreign rules judged against the traffic the collection allows (_live_flows, _live_nft, _live_foreign).

The nft JSON below is what nft 1.0.6 prints with ``nft -j list ruleset`` for
the rules written in the comments (loaded into a throwaway namespace).
"""

from __future__ import annotations

import json

import pytest

from ansible_collections.netreq.firewall.plugins.module_utils._live.flows import Flow, Match, covers, network, overlap
from ansible_collections.netreq.firewall.plugins.module_utils._live.foreign import firewalld_overrides, read_policies, rich_match
from ansible_collections.netreq.firewall.plugins.module_utils._live.nft import foreign_overrides


def flow(rule_id, protocol="tcp", ports=("443",), remote=("198.51.100.100",), direction="egress"):
    rule = {"profile": "p", "id": rule_id, "direction": direction, "protocol": protocol, "ports": list(ports),
            "remote": list(remote)}
    return Flow.from_rule(rule, "netreq:p:" + rule_id)


@pytest.mark.parametrize("match, expected", [
    (Match(), "certain"),
    (Match(family=6), None),
    (Match(protocols=frozenset(["udp"])), None),
    (Match(ports=[(8000, 8100)]), None),
    (Match(ports=[(400, 500)]), "certain"),
    (Match(networks=[network("198.51.100.0/25")]), "certain"),
    (Match(networks=[network("198.51.100.128/25")]), None),
    (Match(unknown=["meta mark 1"]), "possible"),
    (Match(never=True), None),
    (Match(excluded=[network("198.51.100.0/24")]), None),
])
def test_overlap(match, expected):
    assert overlap(match, flow("web")) == expected


def test_host_names_make_an_address_match_possible_only():
    named = flow("named", remote=("app.example.com",))
    assert overlap(Match(networks=[network("198.51.100.0/24")]), named) == "possible"
    assert overlap(Match(ports=[(443, 443)]), named) == "certain"


def test_covers_needs_the_whole_flow():
    assert covers(Match(protocols=frozenset(["tcp"]), ports=[(1, 1000)]), flow("web"))
    assert not covers(Match(ports=[(1, 100)]), flow("web"))
    assert not covers(Match(networks=[network("198.51.100.0/24")]), flow("any", remote=("any",)))
    assert not covers(Match(unknown=["iifname eth0"]), flow("web"))


# table inet blocker {
#   set bad { type ipv4_addr; flags interval; elements = { 198.51.100.0/25, 203.0.113.7 } }
#   chain output { type filter hook output priority 10; policy accept;
#     ct state established,related accept
#     ct state invalid drop
#     ip daddr @bad tcp dport { 443, 8000-8100 } counter drop comment "x"
#     udp dport 53 reject
#     jump sub }
#   chain sub { tcp dport 22 reject with tcp reset; ip daddr != 10.0.0.0/8 drop }
#   chain input { type filter hook input priority 0; policy drop; tcp dport 9999 accept } }
NFT_JSON = {"nftables": [
    {"metainfo": {"version": "1.0.6", "json_schema_version": 1}},
    {"table": {"family": "inet", "name": "blocker", "handle": 1}},
    {"set": {"family": "inet", "name": "bad", "table": "blocker", "type": "ipv4_addr", "handle": 3, "flags": ["interval"],
             "elem": [{"prefix": {"addr": "198.51.100.0", "len": 25}}, "203.0.113.7"]}},
    {"chain": {"family": "inet", "table": "blocker", "name": "output", "handle": 1, "type": "filter", "hook": "output",
               "prio": 10, "policy": "accept"}},
    {"chain": {"family": "inet", "table": "blocker", "name": "sub", "handle": 2}},
    {"chain": {"family": "inet", "table": "blocker", "name": "input", "handle": 4, "type": "filter", "hook": "input",
               "prio": 0, "policy": "drop"}},
    {"rule": {"family": "inet", "table": "blocker", "chain": "output", "handle": 4, "expr": [
        {"match": {"op": "in", "left": {"ct": {"key": "state"}}, "right": ["established", "related"]}}, {"accept": None}]}},
    {"rule": {"family": "inet", "table": "blocker", "chain": "output", "handle": 5, "expr": [
        {"match": {"op": "in", "left": {"ct": {"key": "state"}}, "right": "invalid"}}, {"drop": None}]}},
    {"rule": {"family": "inet", "table": "blocker", "chain": "output", "handle": 7, "comment": "x", "expr": [
        {"match": {"op": "==", "left": {"payload": {"protocol": "ip", "field": "daddr"}}, "right": "@bad"}},
        {"match": {"op": "==", "left": {"payload": {"protocol": "tcp", "field": "dport"}},
                   "right": {"set": [443, {"range": [8000, 8100]}]}}},
        {"counter": {"packets": 0, "bytes": 0}}, {"drop": None}]}},
    {"rule": {"family": "inet", "table": "blocker", "chain": "output", "handle": 8, "expr": [
        {"match": {"op": "==", "left": {"payload": {"protocol": "udp", "field": "dport"}}, "right": 53}},
        {"reject": {"type": "icmpx", "expr": "port-unreachable"}}]}},
    {"rule": {"family": "inet", "table": "blocker", "chain": "output", "handle": 10, "expr": [{"jump": {"target": "sub"}}]}},
    {"rule": {"family": "inet", "table": "blocker", "chain": "sub", "handle": 11, "expr": [
        {"match": {"op": "==", "left": {"payload": {"protocol": "tcp", "field": "dport"}}, "right": 22}},
        {"reject": {"type": "tcp reset"}}]}},
    {"rule": {"family": "inet", "table": "blocker", "chain": "sub", "handle": 13, "expr": [
        {"match": {"op": "!=", "left": {"payload": {"protocol": "ip", "field": "daddr"}},
                   "right": {"prefix": {"addr": "10.0.0.0", "len": 8}}}}, {"drop": None}]}},
    {"rule": {"family": "inet", "table": "blocker", "chain": "input", "handle": 14, "expr": [
        {"match": {"op": "==", "left": {"payload": {"protocol": "tcp", "field": "dport"}}, "right": 9999}}, {"accept": None}]}},
]}


def findings(flows, skip=()):
    return dict(((item["chain"], item["rule"]), (item["tags"], item["certainty"], item["order"]))
                for item in foreign_overrides(json.dumps(NFT_JSON), flows, set(skip)))


def test_nft_drops_in_any_foreign_base_chain_are_found_with_their_certainty():
    flows = [flow("web"), flow("dns", "udp", ("53",), ("203.0.113.53",)), flow("ssh", "tcp", ("22",), ("10.1.1.1",)),
             flow("v6", "tcp", ("4138",), ("2001:db8:198:51::100",)), flow("in_app", "tcp", ("9999",), ("any",), "ingress"),
             flow("in_other", "tcp", ("8443",), ("any",), "ingress")]
    found = findings(flows)
    assert found[("output", 'ip daddr @bad tcp dport { 443, 8000-8100 } counter drop comment "x"')] == (
        ["netreq:p:web"], "certain", "after")
    assert found[("output", "udp dport 53 reject")] == (["netreq:p:dns"], "certain", "after")
    assert found[("sub", "tcp dport 22 reject")] == (["netreq:p:ssh"], "certain", "after")
    # the IPv4 match spares the IPv6 flow, the excluded network spares the ssh flow
    assert found[("sub", "ip daddr != 10.0.0.0/8 drop")] == (["netreq:p:dns", "netreq:p:web"], "certain", "after")
    # the input chain's policy drops what its rules do not accept for sure
    assert found[("input", "policy drop (traffic no earlier rule of the chain accepts)")] == (
        ["netreq:p:in_other"], "possible", "same priority")
    assert not any("v6" in tags or "in_app" in tags for tags, _c, _o in found.values())


def test_nft_skipped_tables_are_not_judged():
    assert findings([flow("web")], skip=[("inet", "blocker")]) == {}


# firewalld: a policy of another owner (priority -10, HOST -> ANY) and one that runs after ours.
BLOCKER = """<?xml version="1.0" encoding="utf-8"?>
<policy priority="-10" target="CONTINUE">
  <ingress-zone name="HOST"/>
  <egress-zone name="ANY"/>
  <rule family="ipv4"><destination address="198.51.100.100"/><port port="8443" protocol="tcp"/><accept/></rule>
  <rule family="ipv4"><destination address="198.51.100.0/24"/><port port="443" protocol="tcp"/><drop/></rule>
  <rule><service name="ssh"/><reject/></rule>
</policy>
"""
LATER = BLOCKER.replace('priority="-10"', 'priority="10"')
OWNED = BLOCKER.replace('priority="-10"', 'priority="-1"')


def test_firewalld_policies_before_ours_are_judged(tmp_path):
    directory = tmp_path / "policies"
    directory.mkdir()
    (directory / "blocker.xml").write_text(BLOCKER)
    (directory / "later.xml").write_text(LATER)
    (directory / "netreq-out.xml").write_text(OWNED)
    policies = read_policies([str(directory)], lambda name: name.startswith("netreq-"))
    assert sorted(policies) == ["blocker", "later"]
    flows = [flow("web"), flow("tcp", "tcp", ("8443",)), flow("ssh", "tcp", ("22",))]
    result = firewalld_overrides(policies, flows, -1)
    assert [(item["table"], item["rule"], item["tags"], item["certainty"]) for item in result] == [
        ("firewalld policy blocker", 'rule family="ipv4" destination address="198.51.100.0/24" port port="443" protocol="tcp" drop',
         ["netreq:p:web"], "certain"),
        ("firewalld policy blocker", 'rule service name="ssh" reject', ["netreq:p:ssh", "netreq:p:web"], "possible"),
    ]


def test_rich_rule_of_the_local_side_is_not_understood():
    match, action = rich_match('rule family="ipv4" source address="198.51.100.1" drop', "egress")
    assert action == "drop" and match.unknown and match.family == 4
    assert overlap(match, flow("web")) == "possible"
