"""Golden renderings of every (profile selection x backend), tied to the vendor tables.

1. The renderers reproduce tests/golden/<case>/<backend>.yml exactly.
2. Every golden file, read back by an independent decoder (decode.py), allows
   exactly the rows of the hand-transcribed vendor tables (tests/seed_tables.py),
   with host names handled as the case's FQDN strategy says.
3. Temporary rules show their expiry in every backend.
"""

import os
import shutil
import subprocess

import pytest
import yaml

import cases
import decode
import seed_tables

HERE = os.path.dirname(os.path.abspath(__file__))
BACKENDS = sorted(cases.FQDN_OPTIONS)
PAIRS = [(case, backend) for case in cases.CASES for backend in BACKENDS]

CAS = cases.CASES["teradici_cas_connector"]["params"]
SEED_ROWS = {
    "rackspace_pdr_us": seed_tables.pdr("us", ["198.51.100.0/24"], ssh=True),
    "rackspace_pdr_eu": seed_tables.pdr("eu", ["198.51.100.0/24", "2001:db8:10::/48"], ssh=True),
    "pdq_connect_agent": seed_tables.pdq_agent(fallback_ips=True, prebuilt=True),
    "pdq_connect_web_browser": seed_tables.pdq_web_browser(),
    "teradici_cas_connector": seed_tables.cas_connector(
        ["any"], CAS["admin_cidrs"], CAS["workstation_cidrs"], CAS["domain_controllers"], CAS["dns_servers"],
        CAS["radius_servers"]),
    "teradici_cas_license_server": seed_tables.cas_license_server(["198.51.100.0/25"]),
    "dual_stack": seed_tables.dual_stack(),
}
# What IP needs to work at all under an allowlist, in both directions (RFC 4861
# neighbour and router discovery, RFC 4890 4.3.1 packet too big, RFC 1191
# fragmentation needed): written from the RFCs, not from the renderers.
IP_BASELINE = [("ipv4", "fragmentation-needed"), ("ipv6", "neighbour-advertisement"), ("ipv6", "neighbour-solicitation"),
               ("ipv6", "packet-too-big"), ("ipv6", "router-advertisement"), ("ipv6", "router-solicitation")]
# The host's own DHCP and DHCPv6 client (RFC 2131, RFC 8415): its address must survive an
# allowlist in either direction.
DHCP_BASELINE = [("ipv4", "dhcp-client"), ("ipv6", "dhcp-client")]
# nftables owns its whole chain, so it also keeps replies and loopback itself;
# firewalld and ufw do that in their own chains before the collection's rules.
NFT_STATE_BASELINE = [("any", "established"), ("any", "loopback")]


def golden(case, backend):
    with open(os.path.join(HERE, case, backend + ".yml"), encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def widened_hosts(case, backend):
    """Host names the case's strategy replaces by any address (from cases.FQDN_OPTIONS, not the code)."""
    options = cases.FQDN_OPTIONS[backend]
    hosts = {row[4] for row in SEED_ROWS[case] if row[4][0].isalpha() and row[4] != "any" or row[4].startswith("*.")}
    if options["fqdn_strategy"] == "any_address":
        return hosts
    if options.get("wildcard_fallback") == "any_address":
        return {host for host in hosts if host.startswith("*.")}
    return set()


@pytest.mark.parametrize("case, backend", PAIRS)
def test_rendering_matches_golden_file(case, backend):
    assert cases.render_case(case, backend) == golden(case, backend), \
        "rendering changed: review, then python tests/tools/capture_golden.py"


@pytest.mark.parametrize("case, backend", PAIRS)
def test_golden_file_allows_exactly_the_vendor_rows(case, backend):
    decoded = decode.DECODERS[backend](golden(case, backend))
    assert decoded == decode.expected(SEED_ROWS[case], widen=widened_hosts(case, backend))


def expected_enforcement(case, backend):
    """Hand-written: what each host backend keeps under an allowlist, and what it leaves to the host otherwise.

    ufw renders no baseline but the DHCP client's requests: its own
    before.rules/before6.rules (shipped with ufw) accept neighbour and router
    discovery and the ICMP errors in both directions, and the DHCP answers
    inbound; the Molecule scenarios prove that with real IPv6 packets.
    """
    host_options = cases.CASES[case].get("host_options", {})
    result = {}
    for direction in ("ingress", "egress"):
        allowlist = host_options.get(direction + "_policy") == "allowlist"
        if backend == "nftables":
            result[direction] = {"policy": "drop", "baseline": sorted(NFT_STATE_BASELINE + IP_BASELINE + DHCP_BASELINE)} \
                if allowlist else {"policy": "accept", "baseline": []}
        elif backend == "firewalld":
            result[direction] = {"policy": "drop", "baseline": sorted(IP_BASELINE + DHCP_BASELINE)} if allowlist \
                else {"policy": "host", "baseline": []}
        else:
            result[direction] = {"policy": "drop" if allowlist else "host",
                                 "baseline": DHCP_BASELINE if allowlist and direction == "egress" else []}
    return result


@pytest.mark.parametrize("case, backend", [(case, backend) for case in cases.CASES for backend in cases.HOST_BACKENDS])
def test_golden_file_keeps_what_ip_needs_exactly_under_an_allowlist(case, backend):
    assert decode.ENFORCEMENT_DECODERS[backend](golden(case, backend)) == expected_enforcement(case, backend)


def test_the_dual_stack_case_is_enforced_in_both_directions():
    """The baseline checks above would pass vacuously without a case under allowlists."""
    assert cases.CASES["dual_stack"]["host_options"] == {"ingress_policy": "allowlist", "egress_policy": "allowlist"}


@pytest.mark.parametrize("backend", BACKENDS)
def test_temporary_rules_show_their_expiry(backend):
    text = yaml.safe_dump(golden("rackspace_pdr_us", backend))
    assert "2026-01-31T00:00:00Z" in text


def test_every_builtin_profile_has_a_golden_case():
    from ansible_collections.netreq.firewall.plugins.module_utils._model.profile import builtin_profiles
    builtin = {case["profile"] for case in cases.CASES.values() if not os.path.isabs(case["profile"])}
    assert builtin == set(builtin_profiles())


def test_every_case_has_a_folder_and_nothing_else_is_there():
    folders = {name for name in os.listdir(HERE) if os.path.isdir(os.path.join(HERE, name)) and not name.startswith("__")}
    assert folders == set(cases.CASES)


def _can_check_with_nft():
    if os.geteuid() != 0 or not shutil.which("nft") or not shutil.which("unshare"):
        return False
    return subprocess.run(["unshare", "--net", "true"], capture_output=True, check=False).returncode == 0


@pytest.mark.skipif(not _can_check_with_nft(), reason="needs root, nft and unshare --net")
@pytest.mark.parametrize("case", sorted(cases.CASES))
def test_golden_nftables_ruleset_is_accepted_by_nft(tmp_path, case):
    """nft itself parses the transaction (-c: check only, in a new, empty network namespace)."""
    path = tmp_path / "ruleset.nft"
    path.write_text(golden(case, "nftables")["ruleset"])
    proc = subprocess.run(["unshare", "--net", "nft", "-c", "-f", str(path)], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
