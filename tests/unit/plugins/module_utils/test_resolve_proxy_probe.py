"""The pure parts of resolve (state file, prefill), the Squid allow-list and the probe plan."""

import pytest

from ansible_collections.netreq.firewall.plugins.module_utils._model import ownership as _ownership
from ansible_collections.netreq.firewall.plugins.module_utils._model.errors import InputError, NetreqError
from ansible_collections.netreq.firewall.plugins.module_utils._apply.probe import NOT_PROBED, plan_probes, summarize
from ansible_collections.netreq.firewall.plugins.plugin_utils._proxy import squid
from ansible_collections.netreq.firewall.plugins.module_utils._render._registry import render
from ansible_collections.netreq.firewall.plugins.module_utils._apply.resolve_state import (
    build_state,
    prefill_lines,
    wildcard_report,
)


def rule(rule_id, remote, ports=("443",), protocol="tcp", direction="egress"):
    return {"id": rule_id, "profile": "pdq_connect", "component": "agent", "direction": direction, "protocol": protocol,
            "ports": list(ports), "remote": list(remote), "description": "", "source": "L1: vendor line",
            "optional": False, "temporary": False, "expires": None}


RULES = [rule("agent_wss", ["app.pdq.com", "198.51.100.7"]), rule("agent_remote_desktop", ["*.islonline.net"], ports=["7615"])]


@pytest.mark.parametrize("backend", ["nftables", "firewalld", "ufw"])
def test_every_host_backend_gives_the_refresher_a_target(backend):
    rendering = render(backend, RULES, fqdn_strategy="resolve", wildcard_fallback="proxy")
    state = build_state(backend, rendering["resolve_sets"], 600, 86400)
    assert [entry["hosts"] for entry in state["entries"]] == [["app.pdq.com"]]
    assert _ownership.RESOLVE_STATUS_PATH.rsplit("/", 1)[0] == _ownership.RESOLVE_STATE_PATH.rsplit("/", 1)[0]
    assert wildcard_report(rendering) == [{"rule": "agent_remote_desktop", "profile": "pdq_connect",
                                           "hosts": ["*.islonline.net"], "fallback": "proxy"}]


def test_state_refuses_what_the_refresher_could_not_use():
    with pytest.raises(InputError, match=r"entries\[0\]: missing sets"):
        build_state("nftables", [{"rule": "r", "profile": "p", "hosts": ["a.example"], "table": "inet netreq"}], 600, 86400)
    with pytest.raises(InputError, match="resolve_ttl_floor"):
        build_state("ufw", [], 900, 600)


def test_prefill_adds_the_last_good_addresses_with_clamped_timeouts():
    rendering = render("nftables", RULES, fqdn_strategy="resolve", wildcard_fallback="proxy")
    state = build_state("nftables", rendering["resolve_sets"], 600, 3600)
    status = {"hosts": {"app.pdq.com": {"ipv4": ["198.51.100.100"], "ipv6": ["2001:db8::5"], "ttl": 99999}}}
    assert prefill_lines(state, status) == [
        "add element inet netreq agent_wss_v4 { 198.51.100.100 timeout 3600s }",
        "add element inet netreq agent_wss_v6 { 2001:db8::5 timeout 3600s }",
    ]
    assert prefill_lines(state, None) == []


def test_squid_allowlist_for_names_and_wildcards():
    rendering = render("nftables", RULES, fqdn_strategy="proxy")
    result = squid(rendering["proxy_allowlist"])
    assert result["config"].splitlines()[2:] == [
        "# netreq:pdq_connect:agent_wss",
        "acl netreq_pdq_connect_agent_wss dstdomain app.pdq.com",
        "acl netreq_pdq_connect_agent_wss_ports port 443",
        "http_access allow netreq_pdq_connect_agent_wss netreq_pdq_connect_agent_wss_ports",
        "# netreq:pdq_connect:agent_remote_desktop",
        "acl netreq_pdq_connect_agent_remote_desktop dstdomain .islonline.net",
        "acl netreq_pdq_connect_agent_remote_desktop_ports port 7615",
        "http_access allow netreq_pdq_connect_agent_remote_desktop netreq_pdq_connect_agent_remote_desktop_ports",
        "# CONNECT (TLS) to these ports, which Squid's stock configuration denies",
        "acl SSL_ports port 7615",
    ]
    assert result["skipped"] == []


def test_squid_skips_what_a_forward_proxy_cannot_carry_and_refuses_text_that_is_not_a_name():
    entry = {"rule": "ntp", "profile": "p", "direction": "egress", "protocol": "udp", "ports": ["123"], "hosts": ["ntp.example"]}
    assert squid([entry])["skipped"][0]["rule"] == "ntp"
    assert squid([entry])["config"] == ""
    bad = dict(entry, protocol="tcp", hosts=["evil.example\nhttp_access allow all"])
    with pytest.raises(NetreqError, match="not a host name"):
        squid([bad])


def test_probe_plan_says_why_a_requirement_is_not_probed():
    rules = [
        rule("wss", ["app.pdq.com", "198.51.100.7/32", "203.0.113.0/24"]),
        rule("downloads", ["any"], ports=["80", "443"]),
        rule("isl", ["*.islonline.net"], ports=["7615"]),
        rule("inbound", ["198.51.100.0/24"], direction="ingress"),
        rule("ping", ["198.51.100.1"], ports=(), protocol="icmp"),
        rule("ntp", ["198.51.100.123"], ports=["123"], protocol="udp"),
    ]
    planned = plan_probes(rules, {"203.0.113.0/24": "203.0.113.5"}, per_rule=3, max_probes=5)
    probes = [(entry["id"], entry["target"], entry["port"]) for entry in planned if entry.get("probe")]
    assert probes == [("wss", "app.pdq.com", 443), ("wss", "198.51.100.7", 443), ("wss", "203.0.113.5", 443),
                      ("ntp", "198.51.100.123", 123)]
    why = {entry["id"]: entry["why"] for entry in planned if entry.get("result") == NOT_PROBED}
    assert "remote 'any'" in why["downloads"]
    assert "wildcard *.islonline.net" in why["isl"]
    assert why["inbound"].startswith("ingress")
    assert why["ping"].startswith("protocol icmp")
    assert plan_probes([rule("big", ["198.51.100.0/24"])])[0]["why"].startswith("range 198.51.100.0/24")
    capped = plan_probes([rule("a", ["198.51.100.1", "198.51.100.2"])], max_probes=1)
    assert capped[1]["why"] == "max_probes (1) reached"


def test_summary_counts_requirements_not_probes():
    results = [{"profile": "p", "id": "a", "result": "reachable"}, {"profile": "p", "id": "a", "result": "blocked"},
               {"profile": "p", "id": "b", "result": "reachable"}, {"profile": "p", "id": "c", "result": "not probed"}]
    assert summarize(results) == {"reachable": 1, "blocked": 1, "not_probed": 1}
