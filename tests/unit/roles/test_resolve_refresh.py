"""The refresher's resolver (roles/host_firewall/files/resolve_refresh.py) against a real DNS server.

The server is the lab's dnspython responder, run with the resolver inside a fresh
network namespace (unshare --net), so no packet leaves it.
"""

import importlib.util
import json
import os
import shutil
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
SCRIPT = os.path.join(os.path.dirname(ROOT), "roles/host_firewall/files/resolve_refresh.py")


def _load():
    spec = importlib.util.spec_from_file_location("resolve_refresh", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _can_unshare():
    if os.geteuid() != 0 or not shutil.which("unshare"):
        return False
    try:
        import dns  # noqa: F401  pylint: disable=unused-import,import-outside-toplevel
    except ImportError:
        return False
    return subprocess.run(["unshare", "--net", "true"], check=False).returncode == 0


@pytest.mark.skipif(not _can_unshare(), reason="needs root, unshare --net and dnspython")
def test_resolver_against_a_real_dns_server(tmp_path):
    proc = subprocess.run(["unshare", "--net", sys.executable, os.path.join(HERE, "resolve_netns_helper.py"), str(tmp_path)],
                          capture_output=True, text=True, check=False, timeout=60)
    assert proc.returncode == 0, proc.stderr
    seen = json.loads(proc.stdout.strip().splitlines()[-1])
    assert seen["app"] == {"ipv4": ["198.51.100.100"], "ipv6": ["2001:db8:198:51::100"], "ttl": 77}
    assert seen["v4only"] == {"ipv4": ["203.0.113.7"], "ipv6": [], "ttl": 77}
    assert "NXDOMAIN" in seen["nxdomain"]
    failed = seen["failed"]
    # SERVFAIL: reported, and the last good addresses are kept
    assert failed["hosts"]["app.pdq.com"]["ipv4"] == ["198.51.100.100"]
    assert "SERVFAIL" in failed["hosts"]["app.pdq.com"]["error"]
    assert failed["errors"] and "keeping the last good addresses 198.51.100.100" in failed["errors"][0]


def test_nft_transaction_flushes_and_refills_with_clamped_timeouts():
    refresher = _load()
    entries = [{"hosts": ["a.example", "b.example"], "table": "inet netreq",
                "sets": {"ipv4": "r_v4", "ipv6": "r_v6"}}]
    hosts = {"a.example": {"ipv4": ["198.51.100.2"], "ipv6": [], "ttl": 30},
             "b.example": {"ipv4": ["198.51.100.1"], "ipv6": ["2001:db8::1"], "ttl": 99999}}
    assert refresher.nft_text(entries, hosts, 600, 86400) == (
        "flush set inet netreq r_v4\n"
        "add element inet netreq r_v4 { 198.51.100.1 timeout 600s, 198.51.100.2 timeout 600s }\n"
        "flush set inet netreq r_v6\n"
        "add element inet netreq r_v6 { 2001:db8::1 timeout 600s }\n")


def test_ufw_rule_args_match_the_renderer():
    refresher = _load()
    spec = {"direction": "out", "proto": "tcp", "ports": ["443"], "comment": "netreq-resolved:p:r"}
    assert refresher.ufw_args(spec, "198.51.100.1", "443") == [
        "allow", "out", "proto", "tcp", "to", "198.51.100.1", "port", "443", "comment", "netreq-resolved:p:r"]
    spec = {"direction": "in", "proto": None, "ports": [None], "comment": "c"}
    assert refresher.ufw_args(spec, "2001:db8::1", None) == ["allow", "in", "from", "2001:db8::1", "to", "any", "comment", "c"]


def test_parse_answer_follows_cname_and_takes_the_lowest_ttl():
    refresher = _load()
    query = refresher.build_query("www.example.com", 1, 0x1234)
    # header: id, flags (response, RD, RA), 1 question, 2 answers
    head = bytes.fromhex("1234818000010002 00000000".replace(" ", ""))
    question = query[12:]
    cname = bytes.fromhex("c00c 0005 0001 0000012c 0006".replace(" ", "")) + b"\x03cdn\xc0\x10"
    a_record = bytes.fromhex("c02d 0001 0001 0000003c 0004 c6336405".replace(" ", ""))
    addresses, ttl = refresher.parse_answer(head + question + cname + a_record, 0x1234, "www.example.com", 1)
    assert addresses == ["198.51.100.5"]
    assert ttl == 60


def test_role_installs_the_refresher_where_the_module_starts_it():
    import yaml  # pylint: disable=import-outside-toplevel
    from ansible_collections.netreq.firewall.plugins.module_utils._model import ownership as _ownership  # pylint: disable=import-outside-toplevel
    with open(os.path.join(os.path.dirname(ROOT), "roles/host_firewall/vars/main.yml")) as stream:
        role_vars = yaml.safe_load(stream)
    assert role_vars["__host_firewall_resolve_script"] == _ownership.RESOLVE_SCRIPT
    assert role_vars["__host_firewall_resolve_unit"] == _ownership.RESOLVE_UNIT
    assert role_vars["__host_firewall_resolve_state"] == _ownership.RESOLVE_STATE_PATH


def test_ufw_match_reads_the_listing_order_and_the_command_order_alike():
    refresher = _load()
    listed = ["allow", "out", "to", "198.51.100.1", "port", "443", "proto", "tcp", "comment", "netreq-resolved:p:r"]
    ours = refresher.ufw_args({"direction": "out", "proto": "tcp", "ports": ["443"], "comment": "netreq-resolved:p:x"},
                              "198.51.100.1", "443")
    assert refresher.ufw_match(listed)[0] == refresher.ufw_match(ours)[0]
    assert refresher.ufw_match(listed)[1] == "netreq-resolved:p:r"
    # ingress is listed without "in"
    assert refresher.ufw_match(["allow", "from", "198.51.100.1", "to", "any", "port", "22", "proto", "tcp"])[0] == \
        ("allow", "in", "tcp", "198.51.100.1", "any", "22")
