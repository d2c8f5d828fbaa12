# -*- coding: utf-8 -*-
# Copyright (c) netreq.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The explain and describe filters, checked against the vendor tables of catalog/ (the seed lines)."""

from __future__ import annotations

import os

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.netreq.firewall.plugins.filter.describe import describe
from ansible_collections.netreq.firewall.plugins.filter.explain import explain
from ansible_collections.netreq.firewall.plugins.module_utils._model.profile import load_profile
from ansible_collections.netreq.firewall.plugins.module_utils._render._markdown import profile_markdown

PDR_US = [{"profile": "rackspace_pdr", "component": "appliance",
           "params": {"datacenter": "us", "agent_cidrs": ["198.51.100.0/24"]}}]
LAB = os.path.join(os.path.dirname(__file__), "..", "..", "..", "..", "extensions", "molecule", "live_state", "files",
                   "live_profile.yml")


def test_tcp_443_to_a_pdr_update_address_is_the_us_updates_requirement():
    # PDR seed: "| Appliance | 204.110.218.96/27 | TCP | 443 | Updates |" (US datacenter)
    answer = explain(PDR_US, protocol="tcp", port=443, address="204.110.218.100", direction="egress")
    assert answer["allowed"]
    assert [(row["requirement"], row["matched"]) for row in answer["matches"]] == [
        ("appliance_out_updates_us", ["204.110.218.96/27"])]
    row = answer["matches"][0]
    assert row["vendor"] == "Rackspace" and row["tag"] == "netreq:rackspace_pdr:appliance_out_updates_us"
    assert "204.110.218.96/27 | TCP | 443" in row["source"]
    assert "rackspace_pdr requirement appliance_out_updates_us" in answer["answer"]


def test_a_port_or_address_no_rule_lists_is_not_by_this_collection():
    for kwargs in ({"port": 444, "address": "204.110.218.100"}, {"port": 443, "address": "198.18.0.1"}):
        answer = explain(PDR_US, protocol="tcp", direction="egress", **kwargs)
        assert not answer["allowed"] and answer["matches"] == []
        assert "is not allowed by netreq.firewall" in answer["answer"]


def test_the_eu_datacenter_does_not_open_the_us_addresses():
    eu = [dict(PDR_US[0], params={"datacenter": "eu", "agent_cidrs": ["198.51.100.0/24"]})]
    assert not explain(eu, protocol="tcp", port=443, address="204.110.218.100", direction="egress")["allowed"]


def test_host_names_are_listed_apart_and_matched_by_name():
    selection = [{"profile": "pdq_connect", "component": "agent"}]
    by_address = explain(selection, protocol="tcp", port=443, address="198.18.0.1", direction="egress")
    assert by_address["by_name"] and all(row["matched"] for row in by_address["by_name"])
    names = [name for row in by_address["by_name"] for name in row["matched"]]
    by_name = explain(selection, protocol="tcp", port=443, address=names[0], direction="egress")
    assert by_name["allowed"] and names[0] in by_name["matches"][0]["matched"]


def test_a_requirement_with_several_protocols_is_named_by_its_id():
    answer = explain(PDR_US, protocol="udp", port=53, address="8.8.8.8", direction="egress")
    assert answer["allowed"] and answer["matches"][0]["rule"] != answer["matches"][0]["requirement"]
    assert answer["matches"][0]["rule"] == answer["matches"][0]["requirement"] + "-udp"


def test_a_rule_list_input_and_a_custom_profile_work():
    from ansible_collections.netreq.firewall.plugins.filter.requirements import requirements
    rules = requirements(LAB)
    answer = explain(rules, protocol="tcp", port=8443, address="198.51.100.100")
    assert answer["allowed"] and answer["matches"][0]["vendor"] is None
    assert explain([{"profile": LAB}], protocol="tcp", port=8443, address="198.51.100.100")["matches"][0]["vendor"] == \
        "Lab <Vendor> & Co"


@pytest.mark.parametrize("kwargs, message", [
    ({"protocol": "sctp", "address": "198.51.100.1"}, "protocol"),
    ({"protocol": "tcp"}, "address"),
    ({"protocol": "tcp", "address": "198.51.100.1", "port": 70000}, "port must be 1-65535"),
])
def test_bad_arguments_name_the_field(kwargs, message):
    with pytest.raises(AnsibleFilterError, match=message):
        explain(PDR_US, **kwargs)


def test_describe_gives_custom_profiles_the_tables_of_the_built_in_ones():
    assert describe("rackspace_pdr") == profile_markdown(load_profile("rackspace_pdr"), builtin=True)
    with open(os.path.join(os.path.dirname(__file__), "..", "..", "..", "..", "docs", "profiles", "rackspace_pdr.md")) as stream:
        assert describe("rackspace_pdr") == stream.read()
    text = describe(LAB)
    assert "Profile `live_state`, from `" in text and "Built-in" not in text
    assert "| `live_out_tcp` | client | egress | tcp | `8443` | `198.51.100.100` | always |" in text
    with pytest.raises(AnsibleFilterError, match="netreq.firewall.describe"):
        describe({"schema_version": 1, "name": "broken"})
