# -*- coding: utf-8 -*-
# Copyright (c) netreq.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The plans of the Azure and GCP roles, against live state written by hand in the upstream return shapes."""

from __future__ import annotations

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.netreq.firewall.plugins.filter.cloud_plan import cloud_plan
from ansible_collections.netreq.firewall.plugins.module_utils._render import azure, gcp

from rule_builder import make_rule

RULES = [make_rule("e1", ports=["443"], remote=["192.0.2.1"]), make_rule("e2", protocol="udp", ports=["123"], remote=["192.0.2.0/24"])]


def live_azure(rendering, tags=None):
    """azure_rm_securitygroup_info's shape: singular keys None when the plural is used."""
    rules = []
    for rule in rendering["rules"]:
        item = dict(rule, id="x", etag="y", provisioning_state="Succeeded", destination_port_ranges=None, destination_address_prefixes=None,
                    source_port_ranges=None, source_address_prefixes=None)
        rules.append(item)
    return [{"name": "netreq", "tags": rendering["security_group"]["tags"] if tags is None else tags, "rules": rules}]


def test_azure_no_change_when_live_equals_rendering():
    rendering = azure.render(RULES)
    result = cloud_plan(rendering, live=live_azure(rendering))
    assert result["plan"]["action"] == "none" and result["plan"]["unchanged"] == 2 and result["owned"]


def test_azure_removed_rule_and_changed_priority_are_planned():
    rendering = azure.render(RULES)
    live = live_azure(rendering)
    live[0]["rules"][1]["priority"] = 1234
    result = cloud_plan(azure.render(RULES[:1]), live=live)
    assert result["plan"]["action"] == "update"
    assert [entry.split(":")[0] for entry in result["plan"]["removed"]] == ["netreq-rackspace_pdr-e2"]
    assert result["plan"]["added"] == []


def test_azure_new_nsg_is_created_and_a_foreign_one_is_not_owned():
    rendering = azure.render(RULES)
    assert cloud_plan(rendering, live=[])["plan"]["action"] == "create"
    assert cloud_plan(rendering, live=live_azure(rendering, tags={"team": "x"}))["owned"] is False


def live_gcp(rendering):
    """gcp_compute_firewall_info's shape: the API's field names."""
    resources = []
    for firewall in rendering["firewalls"]:
        resources.append({"name": firewall["name"], "description": firewall["description"], "direction": firewall["direction"],
                          "priority": firewall["priority"], "destinationRanges": firewall.get("destination_ranges"),
                          "allowed": [{"IPProtocol": item["ip_protocol"], "ports": item.get("ports")} for item in firewall.get("allowed", [])],
                          "targetTags": firewall.get("target_tags"), "selfLink": "https://x/" + firewall["name"]})
    return resources


def test_gcp_plan_applies_only_what_differs_and_deletes_only_owned_leftovers():
    rendering = gcp.render(RULES, target_tags=["pdr"])
    live = live_gcp(rendering)
    unchanged = {"plan": {"action": "none", "added": [], "removed": [], "unchanged": 2, "settings": []}, "apply": [], "delete": []}
    assert cloud_plan(rendering, live=live) == unchanged
    live[0]["priority"] = 900
    live.append({"name": "netreq-old", "description": "netreq:rackspace_pdr:old", "direction": "EGRESS"})
    live.append({"name": "netreq-hand", "description": "made by hand", "direction": "EGRESS"})
    live.append({"name": "other", "description": "netreq:rackspace_pdr:x", "direction": "EGRESS"})
    result = cloud_plan(rendering, live=live)
    assert result["apply"] == ["netreq-rackspace-pdr-e1"]
    assert result["delete"] == ["netreq-old"]
    assert result["plan"]["action"] == "update" and result["plan"]["unchanged"] == 1


def test_bad_input_is_refused():
    with pytest.raises(AnsibleFilterError, match="azure or gcp rendering"):
        cloud_plan({"backend": "aws"}, live=[])
    with pytest.raises(AnsibleFilterError, match="live must be a list"):
        cloud_plan(gcp.render(RULES), live=None)
