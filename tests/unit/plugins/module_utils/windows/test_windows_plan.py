"""Planning a Windows Defender Firewall apply from the host's rules read as JSON (fixtures/host_*.json).

The fixtures follow the documented output of Get-NetFirewallRule,
Get-NetFirewallPortFilter, Get-NetFirewallAddressFilter and
Get-NetFirewallProfile (see the facts module). ``FakeHost`` runs the planned
operations over such a state, so a run followed by a new read must plan
nothing, and a half-way failure followed by the inverses must give back the
state read before.
"""

import copy
import json
import os

import pytest
import yaml

from ansible_collections.netreq.firewall.plugins.module_utils._apply.windows import changes as wp
from ansible_collections.netreq.firewall.plugins.module_utils._apply.windows import rules as wr
from ansible_collections.netreq.firewall.plugins.module_utils._model.rules import compile_rules
from ansible_collections.netreq.firewall.plugins.module_utils._render import windows

from fake_host import FakeHost

HERE = os.path.dirname(os.path.abspath(__file__))
KEYWORD_ID = "{56a44fc6-a48f-5c7c-8fa8-bf811c6583f5}"


def fixture(name):
    with open(os.path.join(HERE, "fixtures", name), encoding="utf-8") as stream:
        if name.endswith(".json"):
            return json.load(stream)
        return yaml.safe_load(stream)


def rendering(fqdn_strategy="windows_dynamic_keyword", profile=None):
    rules = compile_rules(profile or fixture("lab_profile.yml"))
    return windows.render(rules, fqdn_strategy=fqdn_strategy)


def plan(facts, egress="permissive", ingress="permissive", fqdn_strategy="windows_dynamic_keyword", profile=None):
    desired = wp.desired_state(rendering(fqdn_strategy, profile), egress, ingress)
    return desired, wp.make_plan(desired, wp.host_state(facts))


def ops(planned):
    return [(item["op"], item["params"].get("Name") or item["params"].get("Id")) for item in planned.operations]


def test_first_run_adds_every_rule_and_keyword():
    _desired, planned = plan(fixture("host_fresh.json"))
    assert planned.plan.action == "create"
    assert ops(planned) == [
        ("new_keyword", KEYWORD_ID),
        ("new_rule", "netreq:lab:out_https"),
        ("new_rule", "netreq:lab:in_pcoip"),
        ("new_rule", "netreq:lab:out_api/keywords"),
    ]
    new = planned.operations[1]["params"]
    assert new == {
        "Name": "netreq:lab:out_https", "DisplayName": "netreq:lab:out_https", "Group": "netreq:lab",
        "Description": "HTTPS to the lab servers", "Enabled": "True", "Direction": "Outbound", "Action": "Allow",
        "Profile": "Domain, Private, Public", "Protocol": "TCP", "LocalPort": ["Any"], "RemotePort": ["443"],
        "RemoteAddress": ["198.51.100.0/24", "2001:db8:10::/48"],
    }
    keyword_rule = planned.operations[3]["params"]
    assert keyword_rule["RemoteDynamicKeywordAddresses"] == [KEYWORD_ID] and "RemoteAddress" not in keyword_rule
    assert planned.plan.settings == []
    # the foreign rule listed in full is counted, never planned
    assert planned.foreign == 412


def test_applied_host_is_a_no_op():
    _desired, planned = plan(fixture("host_applied.json"))
    assert planned.plan.as_dict() == {"action": "none", "added": [], "removed": [], "unchanged": 3, "settings": []}
    assert planned.operations == []


def test_second_run_after_the_first_plans_nothing():
    host = FakeHost(fixture("host_fresh.json"))
    desired, planned = plan(host.facts, egress="allowlist")
    result = host.run(planned.operations)
    assert result["changed"] and "failed" not in result
    again = wp.make_plan(desired, wp.host_state(result["after"]))
    assert again.plan.action == "none" and again.operations == []


def test_changed_port_is_an_update_whose_undo_restores_the_old_values():
    facts = fixture("host_applied.json")
    facts["rules"][0]["PortFilter"]["RemotePort"] = ["8443"]
    _desired, planned = plan(facts)
    assert planned.plan.action == "update"
    assert ops(planned) == [("set_rule", "netreq:lab:out_https")]
    step = planned.operations[0]
    assert step["params"]["RemotePort"] == ["443"]
    assert step["undo"]["op"] == "set_rule" and step["undo"]["params"]["RemotePort"] == ["8443"]
    assert planned.plan.removed == [
        "netreq:lab:out_https: outbound allow TCP local port Any remote port 8443 remote 198.51.100.0/24,2001:db8:10::/48 profiles Domain,Private,Public "
        "(HTTPS to the lab servers)"]
    assert planned.plan.unchanged == 2


def test_changed_protocol_replaces_the_rule():
    facts = fixture("host_applied.json")
    facts["rules"][1]["PortFilter"]["Protocol"] = "TCP"
    _desired, planned = plan(facts)
    assert ops(planned) == [("remove_rule", "netreq:lab:in_pcoip"), ("new_rule", "netreq:lab:in_pcoip")]


def test_hand_restricted_local_address_is_reset():
    facts = fixture("host_applied.json")
    facts["rules"][0]["AddressFilter"]["LocalAddress"] = ["198.51.100.7"]
    _desired, planned = plan(facts)
    step = planned.operations[0]
    assert step["params"]["LocalAddress"] == ["Any"] and step["undo"]["params"]["LocalAddress"] == ["198.51.100.7"]


def test_stale_owned_rules_and_keywords_are_purged_foreign_ones_kept():
    facts = fixture("host_applied.json")
    stale = copy.deepcopy(facts["rules"][2])
    stale.update(Name="netreq:retired:out_old/keywords", DisplayName="netreq:retired:out_old/keywords", Group="netreq:retired",
                 RemoteDynamicKeywordAddresses=["{00000000-0000-5000-8000-000000000001}"])
    facts["rules"].append(stale)
    facts["dynamic_keywords"].append({"Id": "{00000000-0000-5000-8000-000000000001}", "Keyword": "old.example.com", "AutoResolve": True})
    # a keyword no owned rule references belongs to someone else
    facts["dynamic_keywords"].append({"Id": "{00000000-0000-5000-8000-000000000002}", "Keyword": "theirs.example.com", "AutoResolve": True})
    _desired, planned = plan(facts)
    assert ops(planned) == [("remove_rule", "netreq:retired:out_old/keywords"),
                            ("remove_keyword", "{00000000-0000-5000-8000-000000000001}")]
    undo = planned.operations[0]["undo"]
    assert undo["op"] == "new_rule" and undo["params"]["Group"] == "netreq:retired"
    assert undo["params"]["RemoteDynamicKeywordAddresses"] == ["{00000000-0000-5000-8000-000000000001}"]
    touched = {name for _op, name in ops(planned)}
    assert "{3F2A1C4E-0B7D-4E55-9A1B-2C3D4E5F6A7B}" not in touched


def test_empty_selection_deletes_every_owned_rule():
    desired = wp.desired_state({"rules": [], "keyword_rules": [], "dynamic_keywords": []})
    planned = wp.make_plan(desired, wp.host_state(fixture("host_applied.json")))
    assert planned.plan.action == "delete"
    assert sorted(op for op, _name in ops(planned)) == ["remove_keyword"] + ["remove_rule"] * 3


def test_egress_allowlist_blocks_last_and_keeps_the_host_manageable():
    _desired, planned = plan(fixture("host_applied.json"), egress="allowlist")
    names = ops(planned)
    assert names[-3:] == [("set_profile", "Domain"), ("set_profile", "Private"), ("set_profile", "Public")]
    added = [name for op, name in names if op == "new_rule"]
    assert added == ["netreq:windows_management:winrm_in", "netreq:windows_management:dns_out-tcp",
                     "netreq:windows_management:dns_out-udp", "netreq:windows_management:dhcp_out",
                     "netreq:windows_management:dhcpv6_out"]
    assert planned.plan.settings[0] == {"name": "profile Domain DefaultOutboundAction", "before": "NotConfigured", "after": "Block"}
    winrm = planned.operations[0]["params"]
    assert (winrm["Direction"], winrm["Protocol"], winrm["LocalPort"]) == ("Inbound", "TCP", ["5985", "5986"])
    dhcp = [item["params"] for item in planned.operations if item["params"].get("Name", "").endswith("dhcp_out")][0]
    assert (dhcp["LocalPort"], dhcp["RemotePort"]) == (["68"], ["67"])


def test_dhcp_clients_keep_their_leases_under_the_allowlists():
    """Outbound Block needs the client's own requests allowed; the answers need no inbound rule.

    Windows Defender Firewall admits the unicast answer to a broadcast or multicast the host sent
    (INetFwPolicy2::UnicastResponsesToMulticastBroadcastDisabled, learn.microsoft.com) and always
    the answer to its DHCP broadcast (Group Policy help of "Prohibit unicast response to multicast
    or broadcast requests"), so an inbound DHCP rule would only widen the ingress allowlist.
    """
    _desired, planned = plan(fixture("host_applied.json"), egress="allowlist")
    rules = {item["params"]["Name"].rsplit(":", 1)[1]: item["params"] for item in planned.operations if item["op"] == "new_rule"}
    for name, local, remote in (("dhcp_out", "68", "67"), ("dhcpv6_out", "546", "547")):
        rule = rules[name]
        assert (rule["Direction"], rule["Protocol"], rule["Action"]) == ("Outbound", "UDP", "Allow")
        assert (rule["LocalPort"], rule["RemotePort"], rule["RemoteAddress"]) == ([local], [remote], ["Any"])
    _desired, ingress_only = plan(fixture("host_applied.json"), ingress="allowlist")
    added = [name for op, name in ops(ingress_only) if op == "new_rule"]
    assert added == ["netreq:windows_management:winrm_in"]


def test_permissive_takes_back_only_a_block_the_collection_set():
    host = FakeHost(fixture("host_applied.json"))
    _desired, planned = plan(host.facts, egress="allowlist")
    after = host.run(planned.operations)["after"]
    _desired, back = plan(after, egress="permissive")
    names = ops(back)
    assert names[:3] == [("set_profile", "Domain"), ("set_profile", "Private"), ("set_profile", "Public")]
    assert back.plan.settings[0]["after"] == "NotConfigured"
    assert ("remove_rule", "netreq:windows_management:dns_out-udp") in names
    # an administrator's own block (no management rules of the collection) is left alone
    facts = fixture("host_applied.json")
    for profile in facts["profiles"]:
        profile["DefaultOutboundAction"] = "Block"
    _desired, own = plan(facts)
    assert own.plan.settings == [] and own.operations == []


def test_ingress_allowlist_blocks_inbound_and_keeps_winrm():
    _desired, planned = plan(fixture("host_applied.json"), ingress="allowlist")
    assert [item["name"] for item in planned.plan.settings] == [
        "profile %s DefaultInboundAction" % name for name in ("Domain", "Private", "Public")]
    assert [name for op, name in ops(planned) if op == "new_rule"] == ["netreq:windows_management:winrm_in"]


def test_disabled_profile_is_warned_about_under_an_allowlist():
    facts = fixture("host_applied.json")
    facts["profiles"][2]["Enabled"] = "False"
    _desired, planned = plan(facts, egress="allowlist")
    assert planned.warnings and "Public is disabled" in planned.warnings[0]


def test_keywords_on_a_host_without_them_fail_naming_the_fix():
    facts = fixture("host_fresh.json")
    facts["dynamic_keywords_supported"] = False
    with pytest.raises(wr.WindowsStateError, match="another fqdn_strategy"):
        plan(facts)


@pytest.mark.parametrize("fail_at", [0, 2, 5, 9])
def test_half_way_failure_undoes_what_was_done(fail_at):
    before = fixture("host_applied.json")
    before["rules"][0]["PortFilter"]["RemotePort"] = ["8443"]
    stale = copy.deepcopy(before["rules"][1])
    stale.update(Name="netreq:retired:in_old", DisplayName="netreq:retired:in_old", Group="netreq:retired")
    before["rules"].append(stale)
    _desired, planned = plan(before, egress="allowlist")
    assert len(planned.operations) > 9
    host = FakeHost(before, fail_at=fail_at)
    result = host.run(planned.operations)
    assert result["failed"] and result["not_restored"] == []
    assert len(result["restored"]) == fail_at
    assert result["failed_operation"] == planned.operations[fail_at]["what"]
    state = FakeHost(before).facts
    assert wp.host_state(host.facts) == wp.host_state(state)


@pytest.mark.parametrize("entry, field", [
    ({"Name": "netreq:x:y", "Group": "netreq:x", "Enabled": "True", "Direction": "Sideways", "Action": "Allow"}, "Direction"),
    ({"Name": "netreq:x:y", "Group": "netreq:x", "Enabled": "Maybe", "Direction": "Inbound", "Action": "Allow"}, "Enabled"),
    ({"Name": "netreq:x:y", "Group": "netreq:x", "Enabled": "True", "Direction": "Inbound", "Action": "Allow",
      "PortFilter": {"Protocol": "GRE"}}, "Protocol"),
    ({"Name": "netreq:x:y", "Group": "netreq:x", "Enabled": "True", "Direction": "Inbound", "Action": "Allow",
      "Profile": "Office"}, "Profile"),
])
def test_unexpected_host_values_name_the_rule_and_field(entry, field):
    facts = fixture("host_fresh.json")
    facts["rules"].append(entry)
    with pytest.raises(wr.WindowsStateError, match="host rule netreq:x:y, field %s" % field):
        wp.host_state(facts)


def test_bad_options_are_named():
    with pytest.raises(wr.WindowsStateError, match="egress_policy"):
        wp.desired_state(rendering(), egress_policy="deny")
    with pytest.raises(wr.WindowsStateError, match="management_ports"):
        wp.desired_state(rendering(), egress_policy="allowlist", management_ports=[70000])


def test_operations_are_checked_before_sending():
    with pytest.raises(wr.WindowsStateError, match="parameter Program is not allowed"):
        wp.validate_operations([{"op": "new_rule", "params": {"Name": "x", "Program": "c:\\evil.exe"}, "undo": None}])
    with pytest.raises(wr.WindowsStateError, match="unknown op"):
        wp.validate_operations([{"op": "invoke_expression", "params": {}}])


def test_addresses_in_windows_forms_compare_equal():
    assert wr.address("h", "f", "198.51.100.0/255.255.255.0") == "198.51.100.0/24"
    assert wr.address("h", "f", "203.0.113.10/255.255.255.255") == "203.0.113.10"
    assert wr.address("h", "f", "2001:db8::1/128") == "2001:db8::1"
    assert wr.address("h", "f", "LocalSubnet") == "LocalSubnet"


def test_an_address_range_compares_equal_to_the_networks_it_covers():
    facts = fixture("host_applied.json")
    facts["rules"][0]["AddressFilter"]["RemoteAddress"] = ["198.51.100.0-198.51.100.255", "2001:db8:10::/48"]
    _desired, planned = plan(facts)
    assert planned.operations == []
    facts["rules"][0]["AddressFilter"]["RemoteAddress"] = ["198.51.100.0-198.51.100.254", "2001:db8:10::/48"]
    _desired, planned = plan(facts)
    assert ops(planned) == [("set_rule", "netreq:lab:out_https")]


def test_icmp_rules_compare_in_windows_forms():
    profile = fixture("lab_profile.yml")
    profile["requirements"] = [{"id": "out_ping", "component": "agent", "direction": "egress", "protocols": "icmp",
                                "remote": ["198.51.100.1", "2001:db8::1"], "description": "Ping", "source": "L4: lab"}]
    desired, planned = plan(fixture("host_fresh.json"), profile=profile)
    assert ops(planned) == [("new_rule", "netreq:lab:out_ping"), ("new_rule", "netreq:lab:out_ping/ipv6")]
    assert planned.operations[0]["params"]["IcmpType"] == ["Any"] and "RemotePort" not in planned.operations[0]["params"]
    host = fixture("host_fresh.json")
    for name, protocol, remote in (("netreq:lab:out_ping", "1", "198.51.100.1"), ("netreq:lab:out_ping/ipv6", "ICMPv6", "2001:db8::1")):
        host["rules"].append({"Name": name, "DisplayName": name, "Group": "netreq:lab", "Description": "Ping",
                              "Enabled": "True", "Direction": "Outbound", "Action": "Allow", "Profile": "Any",
                              "PortFilter": {"Protocol": protocol, "LocalPort": "Any", "RemotePort": "Any", "IcmpType": "Any"},
                              "AddressFilter": {"LocalAddress": "Any", "RemoteAddress": remote}})
    assert wp.make_plan(desired, wp.host_state(host)).operations == []


def test_description_only_change_shows_in_the_plan():
    facts = fixture("host_applied.json")
    facts["rules"][1]["Description"] = "edited by hand"
    _desired, planned = plan(facts)
    assert ops(planned) == [("set_rule", "netreq:lab:in_pcoip")]
    assert planned.plan.removed[0].endswith("(edited by hand)") and planned.plan.added[0].endswith("(PCoIP from the lab client)")


def test_a_foreign_rule_holding_an_owned_name_is_refused_before_any_write():
    facts = fixture("host_fresh.json")
    facts["rules"].append({"Name": "netreq:lab:in_pcoip", "DisplayName": "PCoIP", "Group": "Line of business"})
    with pytest.raises(wr.WindowsStateError, match="rule netreq:lab:in_pcoip: a rule the collection does not own"):
        plan(facts)
