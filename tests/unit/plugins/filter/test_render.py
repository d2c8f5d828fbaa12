"""The render filter: a thin shell over the renderer table; errors become filter errors naming the rule."""

import datetime

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.netreq.firewall.plugins.filter.render import render as render_filter
from ansible_collections.netreq.firewall.plugins.module_utils._model.rules import compile_rules
from ansible_collections.netreq.firewall.plugins.module_utils._render._registry import BACKENDS, render

NOW = datetime.datetime(2026, 6, 1, tzinfo=datetime.timezone.utc)


def pdq(component):
    return compile_rules("pdq_connect", component=component, now=NOW)


@pytest.mark.parametrize("backend", BACKENDS)
def test_filter_gives_what_the_renderer_gives(backend):
    rules = compile_rules("rackspace_pdr", component="appliance", params={"agent_cidrs": ["198.51.100.0/24"]}, now=NOW)
    assert render_filter(rules, backend=backend, options={}) == render(backend, rules, fqdn_strategy="reject")


CASES = [
    ("host names on a security group", lambda: render_filter(pdq("agent"), backend="aws"),
     ["netreq.firewall.render", "backend aws cannot express rule agent_wss", "fqdn_strategy=any_address"]),
    ("resolve on a cloud backend", lambda: render_filter(pdq("agent"), backend="gcp", fqdn_strategy="resolve"),
     ["fqdn_strategy=resolve is not available for backend gcp"]),
    ("wildcard with resolve", lambda: render_filter(pdq("agent"), backend="nftables", fqdn_strategy="resolve"),
     ["rule agent_remote_desktop", "*.islonline.net", "wildcard_fallback"]),
    ("unknown backend", lambda: render_filter([], backend="pf"), ["netreq.firewall.render", "backend", "pf"]),
    ("unknown backend option", lambda: render_filter(pdq("web_browser"), backend="gcp", options={"table_name": "x"}),
     ["backend gcp: unknown option(s) table_name"]),
    ("rule outside the contract", lambda: render_filter([dict(pdq("web_browser")[0], protocol="sctp")], backend="gcp",
                                                        fqdn_strategy="proxy"),
     ["rule web_app", "protocol 'sctp'", "Rule contract"]),
    ("not a rule list", lambda: render_filter([{"id": "x"}], backend="ufw"), ["item 0 is not a Rule"]),
    ("ICMP on ufw", lambda: render_filter([dict(pdq("web_browser")[0], protocol="icmp", ports=[])], backend="ufw", fqdn_strategy="proxy"),
     ["backend ufw cannot express rule web_app", "use the firewalld or nftables backend"]),
    ("argument of the wrong type", lambda: render_filter([], backend="nftables", options=["table_name"]),
     ["netreq.firewall.render", "options"]),
]


@pytest.mark.parametrize("name, call, fragments", CASES, ids=[case[0] for case in CASES])
def test_bad_input_is_a_filter_error_naming_the_problem(name, call, fragments):
    with pytest.raises(AnsibleFilterError) as info:
        call()
    for fragment in fragments:
        assert fragment in str(info.value), "%s: %r not in %r" % (name, fragment, str(info.value))


def test_unsupported_skip_lists_every_rule_the_backend_cannot_express():
    rules = pdq("agent")
    result = render_filter(rules, backend="aws", unsupported="skip")
    with_names = [rule["id"] for rule in rules if any(r != "any" and ":" not in r and any(c.isalpha() for c in r) for r in rule["remote"])]
    assert result["skipped"] is True and result["backend"] == "aws" and result["fqdn_strategy"] == "reject"
    assert [entry["rule"] for entry in result["unsupported"]] == with_names and "agent_wss" in with_names
    assert all("cannot be matched" in entry["reason"] and "fqdn_strategy=proxy" in entry["fix"] for entry in result["unsupported"])
    assert "security_groups" not in result and result["widenings"] == [] and result["proxy_allowlist"] == []


def test_unsupported_skip_renders_what_the_backend_can_express():
    rules = compile_rules("rackspace_pdr", component="appliance", params={"agent_cidrs": ["198.51.100.0/24"]}, now=NOW)
    assert render_filter(rules, backend="nftables", unsupported="skip") == render("nftables", rules, fqdn_strategy="reject")


def test_unsupported_skip_still_fails_on_other_errors():
    with pytest.raises(AnsibleFilterError, match="unknown option"):
        render_filter(pdq("agent"), backend="gcp", options={"table_name": "x"}, unsupported="skip")
    with pytest.raises(AnsibleFilterError, match="unsupported"):
        render_filter(pdq("agent"), backend="gcp", unsupported="ignore")
