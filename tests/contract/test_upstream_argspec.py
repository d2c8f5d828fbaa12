# -*- coding: utf-8 -*-
# Copyright (c) netreq.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Self-test of the upstream argument spec helper: it reads the real docs and it can fail."""

from __future__ import annotations

import pytest

from ansible_collections.netreq.firewall.tests.contract.upstream_argspec import (
    UpstreamModuleNotFound,
    argument_spec,
    documented_options,
    module_file,
    validate_against,
)

AWS = "amazon.aws.ec2_security_group"
AZURE = "azure.azcollection.azure_rm_securitygroup"
GCP = "google.cloud.gcp_compute_firewall"
WINDOWS = "community.windows.win_firewall_rule"

GOOD_AWS_RULE = {"proto": "tcp", "from_port": 443, "to_port": 443, "cidr_ip": ["192.0.2.1/32"], "rule_desc": "netreq:p:r"}
GOOD_AZURE_RULE = {"name": "r", "protocol": "Tcp", "destination_port_range": "443", "destination_address_prefix": "192.0.2.1",
                   "access": "Allow", "priority": 1000, "direction": "Outbound"}
GOOD_GCP = {"name": "netreq-p-r", "direction": "EGRESS", "allowed": [{"ip_protocol": "tcp", "ports": ["443"]}],
            "destination_ranges": ["192.0.2.1/32"], "priority": 1000, "network": {"selfLink": "global/networks/default"},
            "project": "demo", "auth_kind": "application"}
GOOD_WINDOWS = {"name": "netreq:p:r", "group": "netreq:p", "direction": "out", "action": "allow", "enabled": True,
                "protocol": "tcp", "remoteport": "443", "remoteip": "192.0.2.1", "profiles": ["domain"], "state": "present"}


@pytest.mark.parametrize("fqcn", [AWS, AZURE, GCP, WINDOWS])
def test_module_documentation_is_found(fqcn):
    path = module_file(fqcn)
    assert path.endswith(fqcn.split(".")[-1] + ".py")
    assert "/ansible_collections/" in path
    assert documented_options(fqcn)


def test_missing_module_is_reported():
    with pytest.raises(UpstreamModuleNotFound):
        module_file("amazon.aws.no_such_module")


def test_spec_conversion_keeps_types_choices_aliases_and_suboptions():
    rules = argument_spec(AWS, "rules")
    assert rules["proto"] == {"type": "str", "default": "tcp"}
    assert rules["from_port"]["type"] == "int"
    assert rules["cidr_ip"] == {"type": "list", "elements": "raw"}
    whole = argument_spec(AWS)
    assert whole["rules_egress"]["aliases"] == ["egress_rules"]
    assert whole["rules"]["type"] == "list" and whole["rules"]["elements"] == "dict"
    assert "rule_desc" in whole["rules"]["options"]
    assert argument_spec(AZURE, "rules")["protocol"]["choices"] == ["Udp", "UDP", "Tcp", "TCP", "Icmp", "ICMP", "*"]
    assert argument_spec(AZURE, "rules")["priority"]["required"] is True
    assert argument_spec(WINDOWS)["direction"]["choices"] == ["in", "out"]
    assert argument_spec(GCP)["allowed"]["options"]["ip_protocol"]["required"] is True


def test_good_parameters_pass():
    assert validate_against(AWS, GOOD_AWS_RULE, "rules") == []
    assert validate_against(AWS, {"name": "g", "description": "d", "rules": [GOOD_AWS_RULE], "rules_egress": []}) == []
    assert validate_against(AZURE, GOOD_AZURE_RULE, "rules") == []
    assert validate_against(GCP, GOOD_GCP) == []
    assert validate_against(WINDOWS, GOOD_WINDOWS) == []


def test_unknown_key_is_reported():
    errors = validate_against(AWS, dict(GOOD_AWS_RULE, cidr="192.0.2.1/32"), "rules")
    assert any("cidr" in error and "Supported parameters" in error for error in errors)


def test_unknown_key_inside_a_list_option_is_reported():
    errors = validate_against(AWS, {"name": "g", "description": "d", "rules": [dict(GOOD_AWS_RULE, port=443)]})
    assert any("rules.port" in error for error in errors)


def test_bad_choice_is_reported():
    errors = validate_against(AZURE, dict(GOOD_AZURE_RULE, protocol="tcp"), "rules")
    assert any("protocol must be one of" in error for error in errors)
    errors = validate_against(WINDOWS, dict(GOOD_WINDOWS, direction="outbound"))
    assert any("direction must be one of" in error for error in errors)


def test_wrong_type_is_reported():
    errors = validate_against(AWS, dict(GOOD_AWS_RULE, from_port="https"), "rules")
    assert any("from_port" in error and "int" in error for error in errors)


def test_missing_required_is_reported():
    rule = dict(GOOD_AZURE_RULE)
    del rule["priority"]
    assert any("priority" in error for error in validate_against(AZURE, rule, "rules"))
    params = dict(GOOD_GCP)
    del params["auth_kind"]
    assert any("auth_kind" in error for error in validate_against(GCP, params))


def test_prose_constraints_are_checked_and_can_be_disabled():
    both_families = dict(GOOD_AWS_RULE, cidr_ipv6=["::/0"])
    assert any("mutually exclusive" in error for error in validate_against(AWS, both_families, "rules"))
    assert validate_against(AWS, both_families, "rules", prose=False) == []
    nested = {"name": "g", "description": "d", "rules_egress": [both_families]}
    assert any("mutually exclusive" in error for error in validate_against(AWS, nested))
    assert any("description" in error for error in validate_against(AWS, {"name": "g", "rules": []}))


def test_prose_checks_of_gcp_azure_windows():
    assert any("RFC 1035" in error for error in validate_against(GCP, dict(GOOD_GCP, name="Netreq_rule")))
    assert any("EGRESS" in error for error in validate_against(GCP, dict(GOOD_GCP, source_ranges=["192.0.2.0/24"])))
    assert any("ports given" in error for error in validate_against(GCP, dict(GOOD_GCP, allowed=[{"ip_protocol": "icmp", "ports": ["1"]}])))
    assert any("100..4096" in error for error in validate_against(AZURE, dict(GOOD_AZURE_RULE, priority=99), "rules"))
    duplicate = {"name": "nsg", "resource_group": "rg", "rules": [GOOD_AZURE_RULE, dict(GOOD_AZURE_RULE, name="other")]}
    assert any("share Outbound priority 1000" in error for error in validate_against(AZURE, duplicate))
    assert any("icmp_type_code" in error for error in validate_against(WINDOWS, dict(GOOD_WINDOWS, icmp_type_code=["*"])))
    nameless = dict(GOOD_WINDOWS)
    del nameless["name"]
    del nameless["group"]
    assert any("name, group" in error for error in validate_against(WINDOWS, nameless))
