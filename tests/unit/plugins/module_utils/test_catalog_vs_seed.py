"""The built-in profiles against the vendor documents, row by row.

The expected sets below were transcribed by hand from the seed documents (line
numbers in the comments), one tuple per (direction, protocol, port, remote)
after expanding "TCP/UDP" and multi-row groups. They are NOT produced by the
code under test: a missing, extra or mistyped rule in the catalog fails here.
"""

import datetime

import pytest

from ansible_collections.netreq.firewall.plugins.module_utils._model import compile_rules

NOW = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)
AGENTS = "198.51.100.0/24"
US_RANGES = ("208.71.209.32/27", "204.110.218.96/27", "204.110.219.96/27")
EU_RANGE = "185.54.124.0/24"


def expand(rules):
    """(component, direction, protocol, port, remote) for every port x remote of every rule."""
    rows = set()
    for rule in rules:
        for port in rule["ports"] or ["all"]:
            for remote in rule["remote"]:
                rows.add((rule["component"], rule["direction"], rule["protocol"], port, remote))
    return rows


# --- Rackspace PDR, 001_0a89398fea8b5feb.txt -----------------------------------------
PDR_INGRESS = {
    ("appliance", "ingress", "tcp", "443", AGENTS),      # L19
    ("appliance", "ingress", "tcp", "7777", AGENTS),     # L20
}
PDR_SSH_US = {("appliance", "ingress", "tcp", "22", net) for net in US_RANGES}   # L21-23
PDR_SSH_EU = {("appliance", "ingress", "tcp", "22", EU_RANGE)}                    # L24
PDR_EGRESS_US = {
    ("appliance", "egress", "any", "all", AGENTS),                   # L32
    ("appliance", "egress", "tcp", "53", "8.8.4.4"),                 # L33
    ("appliance", "egress", "udp", "53", "8.8.4.4"),
    ("appliance", "egress", "tcp", "53", "8.8.8.8"),                 # L34
    ("appliance", "egress", "udp", "53", "8.8.8.8"),
    ("appliance", "egress", "tcp", "80", "0.0.0.0/0"),               # L35 (malformed row)
    ("appliance", "egress", "tcp", "443", "204.110.218.96/27"),      # L36
    ("appliance", "egress", "tcp", "443", "204.110.219.96/27"),      # L37
    ("appliance", "egress", "tcp", "443", "208.71.209.32/27"),       # L38
    ("appliance", "egress", "tcp", "4138", "208.71.209.32/27"),      # L39
    ("appliance", "egress", "tcp", "4138", "204.110.218.96/27"),     # L40
    ("appliance", "egress", "tcp", "4138", "204.110.219.96/27"),     # L41
    ("appliance", "egress", "udp", "123", "204.110.219.96/27"),      # L42
    ("appliance", "egress", "udp", "123", "208.71.209.32/27"),       # L43
}
PDR_EGRESS_EU = {
    ("appliance", "egress", "any", "all", AGENTS),                   # L51
    ("appliance", "egress", "tcp", "443", EU_RANGE),                 # L52
    ("appliance", "egress", "tcp", "4138", EU_RANGE),                # L53
    ("appliance", "egress", "tcp", "53", "8.8.8.8"),                 # L54
    ("appliance", "egress", "udp", "53", "8.8.8.8"),
    ("appliance", "egress", "tcp", "53", "8.8.4.4"),                 # L55
    ("appliance", "egress", "udp", "53", "8.8.4.4"),
    ("appliance", "egress", "tcp", "80", "0.0.0.0/0"),               # L56
    ("appliance", "egress", "udp", "123", EU_RANGE),                 # L57
}


@pytest.mark.parametrize("datacenter, ssh, egress", [
    ("us", PDR_SSH_US, PDR_EGRESS_US),
    ("eu", PDR_SSH_EU, PDR_EGRESS_EU),
])
def test_pdr_datacenters(datacenter, ssh, egress):
    params = {"datacenter": datacenter, "agent_cidrs": [AGENTS]}
    plain = compile_rules("rackspace_pdr", component="appliance", params=params, now=NOW)
    assert expand(plain) == PDR_INGRESS | egress
    with_ssh = compile_rules("rackspace_pdr", component="appliance", params=params,
                             enable=["troubleshooting_ssh"], expires="2026-02-01", now=NOW)
    assert expand(with_ssh) == PDR_INGRESS | ssh | egress
    for rule in with_ssh:
        is_ssh = rule["ports"] == ["22"]
        assert rule["optional"] is is_ssh and rule["temporary"] is is_ssh
        assert rule["expires"] == ("2026-02-01T00:00:00Z" if is_ssh else None)


def test_pdr_defaults_to_the_us_datacenter():
    rules = compile_rules("rackspace_pdr", params={"agent_cidrs": [AGENTS]}, now=NOW)
    assert expand(rules) == PDR_INGRESS | PDR_EGRESS_US


# --- PDQ Connect, 000_2e274ec499bf022d.txt --------------------------------------------
CF = "e9d69694c3d8f7465fd531512c22bd0f.r2.cloudflarestorage.com"
PDQ_WEB = {("web_browser", "egress", "tcp", "443", "app.pdq.com")}                  # L7-9
PDQ_AGENT = {("agent", "egress", "tcp", "443", host) for host in (                  # L13, L16-22
    "connect." + CF, "connect-package-library." + CF, "cfcdn.pdq.com", "app.pdq.com", "websocket.app.pdq.com")}
PDQ_AGENT |= {("agent", "egress", "tcp", "7615", "*.islonline.net")}                # L35
PDQ_PREBUILT = {("agent", "egress", "tcp", "443", "any"), ("agent", "egress", "tcp", "80", "any")}  # L37
PDQ_FALLBACK = {("agent", "egress", "tcp", "443", ip) for ip in (                    # L29-32
    "34.128.163.126", "2600:1901:0:181b::", "34.54.45.198", "2600:1901:0:7cca::")}


def test_pdq_defaults():
    assert expand(compile_rules("pdq_connect", now=NOW)) == PDQ_WEB | PDQ_AGENT | PDQ_PREBUILT
    assert expand(compile_rules("pdq_connect", component="web_browser", now=NOW)) == PDQ_WEB


def test_pdq_fallback_ips_and_no_prebuilt():
    rules = compile_rules("pdq_connect", component="agent", now=NOW,
                          params={"websocket_fallback_ips": True, "prebuilt_packages": False})
    assert expand(rules) == PDQ_AGENT | PDQ_FALLBACK


def test_pdq_never_lists_cloudflare_ranges():
    # L25: "it is not necessary or recommended to allow-list these IPs"
    rules = compile_rules("pdq_connect", params={"websocket_fallback_ips": True}, now=NOW)
    addresses = {r for rule in rules for r in rule["remote"] if r[0].isdigit() or ":" in r}
    assert addresses == {"34.128.163.126", "2600:1901:0:181b::", "34.54.45.198", "2600:1901:0:7cca::"}


# --- Teradici CAS, 002_55ba48aa07127208.txt -------------------------------------------
CLIENTS, ADMINS, WORKSTATIONS = "203.0.113.0/24", "198.51.100.128/25", "198.51.100.0/25"
DC, DNS, RADIUS = "dc1.corp.example", "198.51.100.53", "198.51.100.60"
CAS_PARAMS = {"pcoip_client_cidrs": [CLIENTS], "workstation_cidrs": [WORKSTATIONS],
              "domain_controllers": [DC], "dns_servers": [DNS]}
CAS_CONNECTOR = {
    ("connector", "ingress", "tcp", "443", CLIENTS),         # L10
    ("connector", "egress", "tcp", "443", "any"),             # L11
    ("connector", "egress", "tcp", "60443", WORKSTATIONS),    # L12
    ("connector", "ingress", "tcp", "4172", CLIENTS),        # L13
    ("connector", "ingress", "udp", "4172", CLIENTS),
    ("connector", "egress", "tcp", "4172", WORKSTATIONS),     # L14
    ("connector", "egress", "udp", "4172", WORKSTATIONS),
    ("connector", "egress", "tcp", "636", DC),                # L15
    ("connector", "egress", "udp", "53", DNS),                # L17
}


def test_cas_connector_without_radius():
    rules = compile_rules("teradici_cas", component="connector", params=CAS_PARAMS, now=NOW)
    assert expand(rules) == CAS_CONNECTOR
    assert "connector_out_radius" not in {rule["id"] for rule in rules}     # L23: optional


def test_cas_connector_radius_admins_and_configured_port():
    params = dict(CAS_PARAMS, radius_servers=[RADIUS], radius_port=1645, admin_cidrs=[ADMINS])
    rules = compile_rules("teradici_cas", component="connector", params=params, now=NOW)
    assert expand(rules) == CAS_CONNECTOR | {
        ("connector", "egress", "udp", "1645", RADIUS),       # L16, port configurable
        ("connector", "ingress", "tcp", "443", ADMINS),       # L10, administrative browsers
    }


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
    assert expand(rules) == {("license_server", "ingress", "tcp", "7070", WORKSTATIONS)}    # L18
    rules = compile_rules("teradici_cas", component="license_server", now=NOW,
                          params={"workstation_cidrs": [WORKSTATIONS], "license_server_port": 7443})
    assert expand(rules) == {("license_server", "ingress", "tcp", "7443", WORKSTATIONS)}    # L18, L24


@pytest.mark.parametrize("profile", ["pdq_connect", "rackspace_pdr", "teradici_cas"])
def test_every_rule_cites_numbered_seed_lines(profile):
    params = {"rackspace_pdr": {"agent_cidrs": [AGENTS]}, "teradici_cas": CAS_PARAMS}.get(profile, {})
    for rule in compile_rules(profile, params=params, now=NOW):
        quotes = rule["source"].split(" / ")
        assert all(q.startswith("L") and q[1:q.index(":")].isdigit() for q in quotes), rule["id"]
