"""Model behaviour on valid input: loading, parameters, selection, normalization."""

import datetime

import pytest
import yaml

from ansible_collections.netreq.firewall.plugins.module_utils._model.rules import (
    RULE_KEYS,
    compile_rules,
)
from ansible_collections.netreq.firewall.plugins.module_utils._model.profile import load_profile

NOW = datetime.datetime(2026, 6, 1, 12, 0, tzinfo=datetime.timezone.utc)

PROFILE = {
    "schema_version": 1,
    "name": "acme",
    "vendor": "Acme",
    "product": "Acme suite",
    "parameters": {
        "servers": {"type": "hosts", "default": ["203.0.113.10"]},
        "extra_port": {"type": "port", "default": 9000},
        "edition": {"type": "str", "choices": ["basic", "pro"], "default": "basic"},
    },
    "variant_parameter": "edition",
    "components": {"agent": {"description": "Agent"}, "server": {"description": "Server"}},
    "requirements": [
        {"id": "agent_out", "component": "agent", "direction": "egress", "protocols": ["tcp", "udp"],
         "ports": [8443, "9000-9010", 8443, "{{ extra_port }}"], "remote": ["{{ servers }}", "API.Example.COM"],
         "description": "Agent  to\nservers", "source": ["L1: a", "L2: b"]},
        {"id": "server_in", "component": "server", "direction": "ingress", "protocols": "tcp", "ports": 8443,
         "remote": ["2001:0db8:0000::/48", "203.0.113.0/24"], "description": "Agents in", "source": "L3: c"},
        {"id": "server_pro_admin", "component": "server", "direction": "ingress", "protocols": "icmp",
         "remote": ["any"], "description": "Ping", "source": "L4: d", "variant": "pro"},
        {"id": "server_debug", "component": "server", "direction": "ingress", "protocols": "tcp", "ports": [2222],
         "remote": ["198.51.100.0/24"], "description": "Debug shell", "source": "L5: e",
         "optional": "debug_shell", "temporary": True},
    ],
}


def test_rules_carry_exactly_the_contract_keys():
    for rule in compile_rules(PROFILE, now=NOW):
        assert tuple(rule) == RULE_KEYS


def test_protocol_split_ports_and_remote_normalization():
    rules = compile_rules(PROFILE, component="agent", now=NOW)
    assert [rule["id"] for rule in rules] == ["agent_out-tcp", "agent_out-udp"]
    assert rules[0]["ports"] == ["8443", "9000", "9000-9010"]
    assert rules[0]["remote"] == ["203.0.113.10", "api.example.com"]
    assert rules[0]["description"] == "Agent to servers"
    assert rules[0]["source"] == "L1: a / L2: b"


def test_ipv6_is_compressed_and_component_lists_work():
    rules = compile_rules(PROFILE, component=["server"], now=NOW)
    assert [rule["id"] for rule in rules] == ["server_in"]
    assert rules[0]["remote"] == ["2001:db8::/48", "203.0.113.0/24"]
    assert rules[0]["ports"] == ["8443"]


def test_variant_selects_rows_and_icmp_has_no_ports():
    rules = compile_rules(PROFILE, component="server", params={"edition": "pro"}, now=NOW)
    icmp = [rule for rule in rules if rule["id"] == "server_pro_admin"][0]
    assert icmp["protocol"] == "icmp" and icmp["ports"] == [] and icmp["remote"] == ["any"]


@pytest.mark.parametrize("expiry, expected", [
    ("2026-06-02", "2026-06-02T00:00:00Z"),
    ("2026-06-01T14:30:00+02:00", "2026-06-01T12:30:00Z"),
    ("2026-06-01T13:00:00Z", "2026-06-01T13:00:00Z"),
    (datetime.date(2026, 7, 1), "2026-07-01T00:00:00Z"),
])
def test_temporary_option_expiry_is_normalized_to_utc(expiry, expected):
    rules = compile_rules(PROFILE, component="server", enable=[{"name": "debug_shell", "expires": expiry}], now=NOW)
    debug = [rule for rule in rules if rule["id"] == "server_debug"][0]
    assert debug["optional"] is True and debug["temporary"] is True and debug["expires"] == expected
    assert all(rule["expires"] is None for rule in rules if rule is not debug)


def test_parameter_overrides_and_hostnames_in_host_parameters():
    rules = compile_rules(PROFILE, component="agent", params={"servers": ["relay.example.net", "198.51.100.9"], "extra_port": "9100"},
                          now=NOW)
    assert rules[0]["remote"] == ["relay.example.net", "198.51.100.9", "api.example.com"]
    assert rules[0]["ports"] == ["8443", "9000-9010", "9100"]


def test_profile_from_a_file(tmp_path):
    path = tmp_path / "acme.yml"
    path.write_text(yaml.safe_dump(PROFILE))
    assert compile_rules(str(path), component="server", now=NOW) == compile_rules(PROFILE, component="server", now=NOW)


def test_selections_concatenate_profiles_in_order():
    from ansible_collections.netreq.firewall.plugins.module_utils._model.rules import compile_selections
    rules = compile_selections([
        {"profile": PROFILE, "component": "server"},
        {"profile": "pdq_connect", "component": "web_browser", "params": None},
    ], now=NOW)
    assert [(r["profile"], r["id"]) for r in rules] == [("acme", "server_in"), ("pdq_connect", "web_app")]


def test_a_loaded_profile_knows_its_options_variant_and_parameters():
    profile = load_profile("rackspace_pdr")
    assert list(profile.options) == ["troubleshooting_ssh"]
    assert profile.variant_parameter == "datacenter"
    assert profile.parameters["datacenter"]["choices"] == ["us", "eu"]
