"""The render filter: a thin shell over the renderer table; errors become filter errors naming the rule."""

import datetime

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.netreq.firewall.plugins.filter.render import render as render_filter
from ansible_collections.netreq.firewall.plugins.module_utils._model import compile_rules
from ansible_collections.netreq.firewall.plugins.module_utils._render import BACKENDS, render

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
