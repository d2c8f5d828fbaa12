"""The built-in profiles against the vendor documents, row by row.

The expected sets come from tests/seed_tables.py, transcribed by hand from the
seed documents; they are NOT produced by the code under test, so a missing,
extra or mistyped rule in the catalog fails here.
"""

import datetime

import pytest

import seed_tables

from ansible_collections.netreq.firewall.plugins.module_utils._model.rules import compile_rules
from ansible_collections.netreq.firewall.plugins.module_utils._model.profile import builtin_profiles

NOW = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)
AGENTS = "198.51.100.0/24"


def expand(rules):
    """(component, direction, protocol, port, remote) for every port x remote of every rule."""
    rows = set()
    for rule in rules:
        for port in rule["ports"] or ["all"]:
            for remote in rule["remote"]:
                rows.add((rule["component"], rule["direction"], rule["protocol"], port, remote))
    return rows


@pytest.mark.parametrize("datacenter", ["us", "eu"])
def test_pdr_datacenters(datacenter):
    params = {"datacenter": datacenter, "agent_cidrs": [AGENTS]}
    plain = compile_rules("rackspace_pdr", component="appliance", params=params, now=NOW)
    assert expand(plain) == seed_tables.pdr(datacenter, [AGENTS], ssh=False)
    with_ssh = compile_rules("rackspace_pdr", component="appliance", params=params,
                             enable=["troubleshooting_ssh"], expires="2026-02-01", now=NOW)
    assert expand(with_ssh) == seed_tables.pdr(datacenter, [AGENTS], ssh=True)
    for rule in with_ssh:
        is_ssh = rule["ports"] == ["22"]
        assert rule["optional"] is is_ssh and rule["temporary"] is is_ssh
        assert rule["expires"] == ("2026-02-01T00:00:00Z" if is_ssh else None)


def test_pdr_defaults_to_the_us_datacenter():
    rules = compile_rules("rackspace_pdr", params={"agent_cidrs": [AGENTS]}, now=NOW)
    assert expand(rules) == seed_tables.pdr("us", [AGENTS], ssh=False)


def test_pdq_defaults():
    assert expand(compile_rules("pdq_connect", now=NOW)) == \
        seed_tables.pdq_web_browser() | seed_tables.pdq_agent(fallback_ips=False, prebuilt=True)
    assert expand(compile_rules("pdq_connect", component="web_browser", now=NOW)) == seed_tables.pdq_web_browser()


def test_pdq_fallback_ips_and_no_prebuilt():
    rules = compile_rules("pdq_connect", component="agent", now=NOW,
                          params={"websocket_fallback_ips": True, "prebuilt_packages": False})
    assert expand(rules) == seed_tables.pdq_agent(fallback_ips=True, prebuilt=False)


def test_pdq_never_lists_cloudflare_ranges():
    # L25: "it is not necessary or recommended to allow-list these IPs"
    rules = compile_rules("pdq_connect", params={"websocket_fallback_ips": True}, now=NOW)
    addresses = {r for rule in rules for r in rule["remote"] if r[0].isdigit() or ":" in r}
    assert addresses == set(seed_tables.PDQ_FALLBACK_IPS)


CLIENTS, ADMINS, WORKSTATIONS = "203.0.113.0/24", "198.51.100.128/25", "198.51.100.0/25"
DC, DNS, RADIUS = "dc1.corp.example", "198.51.100.53", "198.51.100.60"
CAS_PARAMS = {"pcoip_client_cidrs": [CLIENTS], "workstation_cidrs": [WORKSTATIONS],
              "domain_controllers": [DC], "dns_servers": [DNS]}


def test_cas_connector_without_radius():
    rules = compile_rules("teradici_cas", component="connector", params=CAS_PARAMS, now=NOW)
    assert expand(rules) == seed_tables.cas_connector([CLIENTS], [], [WORKSTATIONS], [DC], [DNS], [])
    assert "connector_out_radius" not in {rule["id"] for rule in rules}     # L23: optional


def test_cas_connector_radius_admins_and_configured_port():
    params = dict(CAS_PARAMS, radius_servers=[RADIUS], radius_port=1645, admin_cidrs=[ADMINS])
    rules = compile_rules("teradici_cas", component="connector", params=params, now=NOW)
    assert expand(rules) == seed_tables.cas_connector([CLIENTS], [ADMINS], [WORKSTATIONS], [DC], [DNS], [RADIUS], 1645)


def test_cas_local_license_server_drops_the_cloud_license_rule():
    # L22: 443 not required for the (cloud) license with a local PCoIP License Server
    cloud = {r["id"] for r in compile_rules("teradici_cas", component="connector", params=CAS_PARAMS, now=NOW)}
    local = {r["id"] for r in compile_rules("teradici_cas", component="connector",
                                            params=dict(CAS_PARAMS, license_server="local"), now=NOW)}
    assert cloud - local == {"connector_out_https_cloud_license"}
    assert local < cloud


def test_cas_license_server():
    rules = compile_rules("teradici_cas", component="license_server", now=NOW,
                          params={"workstation_cidrs": [WORKSTATIONS]})
    assert expand(rules) == seed_tables.cas_license_server([WORKSTATIONS])
    rules = compile_rules("teradici_cas", component="license_server", now=NOW,
                          params={"workstation_cidrs": [WORKSTATIONS], "license_server_port": 7443})
    assert expand(rules) == seed_tables.cas_license_server([WORKSTATIONS], 7443)


@pytest.mark.parametrize("profile", builtin_profiles())
def test_every_rule_cites_numbered_seed_lines(profile):
    params = {"rackspace_pdr": {"agent_cidrs": [AGENTS]}, "teradici_cas": CAS_PARAMS}.get(profile, {})
    for rule in compile_rules(profile, params=params, now=NOW):
        quotes = rule["source"].split(" / ")
        assert all(q.startswith("L") and q[1:q.index(":")].isdigit() for q in quotes), rule["id"]
