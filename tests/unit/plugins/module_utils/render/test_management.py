# -*- coding: utf-8 -*-
# Copyright (c) netreq.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The management connection's replies under an egress allowlist, on the three Linux renderers.

Expected lines are written by hand from each firewall's syntax (nft, ufw's
extended rule syntax, firewalld's rich rule language); the nft text is also
checked by ``nft -c`` in a private network namespace, the ufw words by the ufw
applier's parser and the rich rules by the firewalld applier's parser. That
the lines keep a real SSH session alive is shown by the ``ssh`` Molecule
scenario.
"""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from ansible_collections.netreq.firewall.plugins.module_utils._apply.firewalld import rich as _firewalld_rich
from ansible_collections.netreq.firewall.plugins.module_utils._model.errors import NetreqError
from ansible_collections.netreq.firewall.plugins.module_utils._render import firewalld, nftables, ufw
from ansible_collections.netreq.firewall.plugins.module_utils._apply.ufw.args import parse_args

from rule_builder import make_rule as rule

RULES = [rule("appliance_out_https", ports=["443"], remote=["8.8.8.8"])]
MANAGEMENT = {"port": 22, "sources": ["198.51.100.0/25", "198.51.100.128/25", "2001:db8::/32"]}
TAG = "netreq:baseline:management-replies"


def nft_chain(result, chain):
    return [line.strip() for line in result["ruleset"].split("\tchain %s {\n" % chain)[1].split("\t}\n")[0].splitlines()]


def nft_lines(result):
    return [line for line in nft_chain(result, "output") + nft_chain(result, "input") if TAG in line]


def ufw_args(result):
    return [entry["args"] for entry in result["rules"] if entry["comment"] == TAG]


def firewalld_rules(result):
    return [entry["rule"] for policy in result["policies"] for entry in policy["rich_rules"] if entry["tag"] == TAG]


FOUND = {"nftables": (nftables, nft_lines), "ufw": (ufw, ufw_args), "firewalld": (firewalld, firewalld_rules)}


def test_nftables_output_chain_admits_replies_per_family_after_the_baseline():
    result = nftables.render(RULES, egress_policy="allowlist", management=MANAGEMENT)
    output = nft_chain(result, "output")
    assert output[8:11] == [
        'ip daddr 198.51.100.0/24 tcp sport 22 accept comment "netreq:baseline:management-replies"',
        'ip6 daddr 2001:db8::/32 tcp sport 22 accept comment "netreq:baseline:management-replies"',
        'ip daddr 8.8.8.8 tcp dport 443 counter accept comment "netreq:rackspace_pdr:appliance_out_https"',
    ]
    assert not [line for line in nft_chain(result, "input") if TAG in line]


def test_ufw_rules_start_with_the_baseline_and_the_replies():
    result = ufw.render(RULES, egress_policy="allowlist", management=MANAGEMENT)
    baseline = [entry for entry in result["rules"] if entry["id"] == "baseline"]
    assert [entry["id"] for entry in result["rules"][:len(baseline)]] == ["baseline"] * len(baseline)  # before the rules
    assert [entry["args"] for entry in baseline if entry["comment"] == TAG] == [
        ["allow", "out", "proto", "tcp", "from", "any", "port", "22", "to", "198.51.100.0/24", "comment", TAG],
        ["allow", "out", "proto", "tcp", "from", "any", "port", "22", "to", "2001:db8::/32", "comment", TAG],
    ]
    for args in ufw_args(result):
        parsed = parse_args(args)  # what the ufw applier accepts and how it stores it
        assert (parsed.where, parsed.proto, parsed.sport, parsed.dport) == ("out", "tcp", "22", "any")


def test_firewalld_out_policy_admits_replies_in_canonical_form():
    result = firewalld.render(RULES, egress_policy="allowlist", management=MANAGEMENT)
    assert firewalld_rules(result) == [
        'rule family="ipv4" destination address="198.51.100.0/24" source-port port="22" protocol="tcp" accept',
        'rule family="ipv6" destination address="2001:db8::/32" source-port port="22" protocol="tcp" accept',
    ]
    out_policy = [policy for policy in result["policies"] if policy["name"] == "netreq-out"][0]
    assert [entry["rule"] for entry in out_policy["rich_rules"]][8:10] == firewalld_rules(result)
    for text in firewalld_rules(result):
        parsed = _firewalld_rich.parse(text)
        _firewalld_rich.check(parsed)
        assert parsed.text() == text  # the applier compares with what firewall-cmd prints back


@pytest.mark.parametrize("backend, expected", [
    ("nftables", ['tcp sport 2222 accept comment "netreq:baseline:management-replies"']),
    ("ufw", [["allow", "out", "proto", "tcp", "from", "any", "port", "2222", "to", "any", "comment", TAG]]),
    ("firewalld", ['rule source-port port="2222" protocol="tcp" accept']),
])
def test_any_source_matches_the_port_alone(backend, expected):
    module, found = FOUND[backend]
    result = module.render(RULES, egress_policy="allowlist", management={"port": 2222, "sources": ["any", "198.51.100.7"]})
    assert found(result) == expected


@pytest.mark.parametrize("backend", sorted(FOUND))
@pytest.mark.parametrize("options", [
    {"egress_policy": "permissive"},
    {"egress_policy": "permissive", "ingress_policy": "allowlist"},
    {"egress_policy": "allowlist", "management": None},
])
def test_nothing_is_added_without_an_egress_allowlist_and_a_management_connection(backend, options):
    module, found = FOUND[backend]
    options = dict({"management": MANAGEMENT}, **options)
    assert found(module.render(RULES, **options)) == []


@pytest.mark.parametrize("backend", sorted(FOUND))
@pytest.mark.parametrize("management, word", [
    ({"port": 0, "sources": ["any"]}, "management port"),
    ({"port": "ssh", "sources": ["any"]}, "management port"),
    ({"sources": ["any"]}, "management must be"),
    ({"port": 22, "sources": ["any"], "proto": "udp"}, "management must be"),
    ({"port": 22, "sources": "198.51.100.0/24"}, "management sources"),
    ({"port": 22, "sources": []}, "management sources"),
    ({"port": 22, "sources": ["ssh.example.com"]}, "host names"),
    ({"port": 22, "sources": ["198.51.100.1/24"]}, "host bits"),
])
def test_bad_management_is_refused_naming_it(backend, management, word):
    module, _found = FOUND[backend]
    with pytest.raises(NetreqError, match=word):
        module.render(RULES, egress_policy="allowlist", management=management)


def _can_check_with_nft():
    if os.geteuid() != 0 or not shutil.which("nft") or not shutil.which("unshare"):
        return False
    return subprocess.run(["unshare", "--net", "true"], capture_output=True, check=False).returncode == 0


@pytest.mark.skipif(not _can_check_with_nft(), reason="needs root, nft and unshare --net")
@pytest.mark.parametrize("sources", [["any"], MANAGEMENT["sources"]])
def test_nftables_replies_pass_nft_check(tmp_path, sources):
    result = nftables.render(RULES, ingress_policy="allowlist", egress_policy="allowlist",
                             management={"port": 22, "sources": sources})
    path = tmp_path / "netreq.nft"
    path.write_text(result["ruleset"])
    # only ever inside a fresh network namespace, and only as a check (-c)
    proc = subprocess.run(["unshare", "--net", "nft", "-c", "-f", str(path)], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
