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
}


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


@pytest.mark.parametrize("backend", BACKENDS)
def test_temporary_rules_show_their_expiry(backend):
    text = yaml.safe_dump(golden("rackspace_pdr_us", backend))
    assert "2026-01-31T00:00:00Z" in text


def test_every_builtin_profile_has_a_golden_case():
    from ansible_collections.netreq.firewall.plugins.module_utils._profile import builtin_profiles
    assert {case["profile"] for case in cases.CASES.values()} == set(builtin_profiles())


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
