# -*- coding: utf-8 -*-
# Copyright (c) netreq.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Every object the cloud and Windows renderers emit must satisfy the upstream module's documented spec."""

from __future__ import annotations

import functools
import os

import pytest
import yaml

from ansible_collections.netreq.firewall.plugins.module_utils._render import aws, azure, gcp, windows
from ansible_collections.netreq.firewall.tests.contract.upstream_argspec import validate_against

import rule_builder

AWS = "amazon.aws.ec2_security_group"
AZURE = "azure.azcollection.azure_rm_securitygroup"
GCP = "google.cloud.gcp_compute_firewall"
WINDOWS = "community.windows.win_firewall_rule"


make_rule = functools.partial(rule_builder.make_rule, profile="contract")


RULES = [
    make_rule("out_dns-tcp", "egress", "tcp", ["53"], ["8.8.8.8", "2001:4860:4860::8888"]),
    make_rule("out_dns-udp", "egress", "udp", ["53"], ["8.8.8.8", "2001:4860:4860::8888"]),
    make_rule("out_ntp", "egress", "udp", ["123"], ["204.110.219.96/27", "208.71.209.32/27"], description="NTP, time sync"),
    make_rule("out_range", "egress", "tcp", ["443", "4172", "60443-60450"], ["198.51.100.0/24", "2001:db8:10::/48"]),
    make_rule("out_web_any", "egress", "tcp", ["80"], ["any"]),
    make_rule("out_all", "egress", "any", [], ["198.51.100.128/25"]),
    make_rule("out_ping", "egress", "icmp", [], ["any"]),
    make_rule("out_api", "egress", "tcp", ["443"], ["app.pdq.com", "203.0.113.5"], description="API (hostname)"),
    make_rule("in_ssh", "ingress", "tcp", ["22"], ["203.0.113.0/25", "203.0.113.128/25", "2001:db8:20::1"]),
    make_rule("in_pcoip", "ingress", "udp", ["4172"], ["any"]),
    make_rule("in_all", "ingress", "any", [], ["any"]),
    make_rule("in_ping6", "ingress", "icmp", [], ["2001:db8:30::/64"]),
    make_rule("in_alltcp", "ingress", "tcp", [], ["198.51.100.77"]),
]


def assert_valid(fqcn, params, option_path=None):
    errors = validate_against(fqcn, params, option_path)
    assert errors == [], "%s%s rejects %r: %s" % (fqcn, " " + option_path if option_path else "", params, errors)


@pytest.fixture(name="aws_result")
def fixture_aws_result():
    return aws.render(RULES, fqdn_strategy="any_address", max_rules_per_group=8, max_groups=10)


def test_aws_every_rule_item(aws_result):
    items = 0
    for group in aws_result["security_groups"]:
        for key in ("rules", "rules_egress"):
            for item in group[key]:
                assert_valid(AWS, item, key)
                items += 1
    assert items >= len(RULES)


def test_aws_whole_module_parameters(aws_result):
    groups = aws_result["security_groups"]
    assert len(groups) > 1, "the representative rules should exercise splitting"
    for group in groups:
        assert_valid(AWS, dict(group, vpc_id="vpc-0123456789abcdef0", state="present", purge_rules=True, purge_rules_egress=True))


def test_azure_every_rule_and_the_module_call():
    result = azure.render(RULES, fqdn_strategy="any_address")
    assert result["rules"]
    for item in result["rules"]:
        assert_valid(AZURE, item, "rules")
    assert_valid(AZURE, {"name": "netreq", "resource_group": "rg-netreq", "rules": result["rules"], "purge_rules": True})


def test_gcp_every_firewall_with_role_keys():
    result = gcp.render(RULES, fqdn_strategy="any_address", target_tags=["netreq-appliance"])
    assert result["firewalls"]
    for firewall in result["firewalls"]:
        params = dict(firewall, network={"selfLink": "global/networks/default"}, project="netreq-demo",
                      auth_kind="application", state="present")
        assert_valid(GCP, params)


def test_windows_every_rule():
    result = windows.render(RULES, fqdn_strategy="windows_dynamic_keyword", profiles=["domain", "private"])
    assert result["rules"]
    for params in result["rules"]:
        assert_valid(WINDOWS, params)


def test_windows_keyword_rules_share_the_rule_shape():
    # keyword rules are applied with New-NetFirewallRule, but apart from the keyword keys they use
    # win_firewall_rule's vocabulary, so an applier can diff them the same way
    result = windows.render(RULES, fqdn_strategy="windows_dynamic_keyword")
    assert result["keyword_rules"]
    for params in result["keyword_rules"]:
        shape = {key: value for key, value in params.items() if key not in ("remote_dynamic_keyword_addresses", "powershell")}
        assert_valid(WINDOWS, shape)


GOLDEN_CASES = ["rackspace_pdr_us", "rackspace_pdr_eu", "pdq_connect_agent", "pdq_connect_web_browser",
                "teradici_cas_connector", "teradici_cas_license_server"]


@pytest.mark.parametrize("case", GOLDEN_CASES)
def test_every_golden_rendering_satisfies_the_upstream_specs(case):
    """The built-in profiles as users get them, not just the representative rules above."""
    folder = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "golden", case)

    def load(backend):
        with open(os.path.join(folder, backend + ".yml"), encoding="utf-8") as handle:
            return yaml.safe_load(handle)

    for group in load("aws")["security_groups"]:
        assert_valid(AWS, dict(group, vpc_id="vpc-0123456789abcdef0", state="present"))
    assert_valid(AZURE, {"name": "netreq", "resource_group": "rg-netreq", "rules": load("azure")["rules"]})
    for firewall in load("gcp")["firewalls"]:
        assert_valid(GCP, dict(firewall, network={"selfLink": "global/networks/default"}, project="netreq-demo",
                               auth_kind="application", state="present"))
    for params in load("windows")["rules"]:
        assert_valid(WINDOWS, params)
