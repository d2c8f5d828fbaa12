"""One list of backends, one contract check, capabilities read as data.

``_render.BACKENDS`` is the list; the ``render`` filter's documented choices,
``playbooks/plan.yml``, the golden cases and their decoders must name exactly
the same backends, so adding or removing one without the others fails here.
"""

import os

import pytest
import yaml

import rule_builder
from golden import cases, decode

from ansible_collections.netreq.firewall.plugins.filter import render as render_filter_module
from ansible_collections.netreq.firewall.plugins.module_utils._render import _registry as registry
from ansible_collections.netreq.firewall.plugins.module_utils._model.errors import NetreqError, UnsupportedRuleError
from ansible_collections.netreq.firewall.plugins.module_utils._model.vocabulary import FQDN_STRATEGIES
from ansible_collections.netreq.firewall.plugins.module_utils._render._base import Capabilities

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))))
RENDER_DIR = os.path.join(REPO, "plugins", "module_utils", "_render")


def rule(rule_id="r1", **fields):
    return rule_builder.make_rule(rule_id, **fields)


def test_every_backend_module_is_registered():
    modules = sorted(name[:-3] for name in os.listdir(RENDER_DIR) if name.endswith(".py") and not name.startswith("_"))
    assert modules == sorted(registry.BACKENDS)
    for backend in registry.BACKENDS:
        module = registry.renderer(backend)
        assert module.BACKEND == backend == module.__name__.rsplit(".", 1)[1]
        assert isinstance(module.CAPABILITIES, Capabilities)
        assert module.CAPABILITIES.kind in Capabilities.KINDS


def test_render_filter_documents_exactly_the_registered_backends():
    options = yaml.safe_load(render_filter_module.DOCUMENTATION)["options"]
    assert options["backend"]["choices"] == list(registry.BACKENDS)
    assert options["fqdn_strategy"]["choices"] == list(FQDN_STRATEGIES)


def test_plan_playbook_renders_exactly_the_registered_backends():
    with open(os.path.join(REPO, "playbooks", "plan.yml"), encoding="utf-8") as handle:
        play = yaml.safe_load(handle)[0]
    assert play["vars"]["plan_backends"] == list(registry.BACKENDS)


def test_golden_cases_and_decoders_cover_exactly_the_registered_backends():
    assert sorted(cases.FQDN_OPTIONS) == sorted(registry.BACKENDS)
    assert sorted(decode.DECODERS) == sorted(registry.BACKENDS)


@pytest.mark.parametrize("backend", registry.BACKENDS)
@pytest.mark.parametrize("bad, words", [
    (rule(protocol="any", ports=["22"]), ["ports 22 given with protocol any", "Rule contract"]),
    (rule(protocol="icmp", ports=["8"]), ["ports 8 given with protocol icmp"]),
    (rule(protocol="sctp"), ["protocol 'sctp'", "Rule contract"]),
    (rule(direction="outbound"), ["direction 'outbound'"]),
    (rule(ports=["443", "80"]), ["not sorted"]),
    (rule(ports=[443]), ["list of strings"]),
    (dict(rule(), remote=[]), ["remote must be a non-empty list"]),
    (rule(remote=["any", "198.51.100.0/24"]), ["'any' cannot be combined"]),
    (dict(rule(), optional="no"), ["optional and temporary"]),
])
def test_the_rule_contract_is_checked_once_for_every_backend(backend, bad, words):
    with pytest.raises(NetreqError) as err:
        registry.render(backend, [bad], fqdn_strategy="any_address")
    for word in words:
        assert word in str(err.value)


@pytest.mark.parametrize("backend", registry.BACKENDS)
def test_remote_entries_that_are_neither_address_nor_name_are_refused(backend):
    # meant as an address: the message says what is wrong with the address
    with pytest.raises(NetreqError, match=r"rule r1, field remote: '198.51.100.5/24' has host bits set"):
        registry.render(backend, [rule(remote=["198.51.100.5/24"])], fqdn_strategy="any_address")
    with pytest.raises(NetreqError, match="rule r1, field remote: remote entry 'app_server!' is neither"):
        registry.render(backend, [rule(remote=["app_server!"])], fqdn_strategy="any_address")


@pytest.mark.parametrize("backend", registry.BACKENDS)
def test_icmp_follows_the_capability(backend):
    ping = [rule("out_ping", protocol="icmp", remote=["198.51.100.0/24"])]
    if registry.capabilities(backend).icmp:
        assert registry.render(backend, ping)["backend"] == backend
        return
    with pytest.raises(UnsupportedRuleError) as err:
        registry.render(backend, ping)
    message = str(err.value)
    assert "out_ping" in message and "cannot match ICMP" in message
    # the hint names only backends of the same platform that can match ICMP
    for other in registry.BACKENDS:
        caps = registry.capabilities(other)
        same_platform = caps.platform == registry.capabilities(backend).platform and caps.kind == "host"
        assert (other in message.split("(fix:")[1]) == (same_platform and caps.icmp), other


@pytest.mark.parametrize("backend", registry.BACKENDS)
@pytest.mark.parametrize("strategy, capability", [("resolve", "resolve_names"), ("windows_dynamic_keyword", "dynamic_keywords")])
def test_fqdn_strategies_follow_the_capabilities(backend, strategy, capability):
    rules = [rule("out_app", ports=["443"], remote=["app.example.com"])]
    if getattr(registry.capabilities(backend), capability):
        assert registry.render(backend, rules, fqdn_strategy=strategy)["resolve_sets"][0]["hosts"] == ["app.example.com"]
    else:
        with pytest.raises(NetreqError, match="fqdn_strategy=%s is not available for backend %s" % (strategy, backend)):
            registry.render(backend, rules, fqdn_strategy=strategy)


def test_unknown_backend_lists_the_registered_ones():
    with pytest.raises(NetreqError, match=", ".join(registry.BACKENDS)):
        registry.render("pf", [])


def test_port_ranges_and_families_follow_the_capabilities(monkeypatch):
    """No backend lacks these today; the shared checks must still read the data."""
    from ansible_collections.netreq.firewall.plugins.module_utils._render import ufw
    from ansible_collections.netreq.firewall.plugins.module_utils._render._base import RenderContext

    monkeypatch.setattr(ufw, "CAPABILITIES", Capabilities("host", "linux", icmp=False, port_ranges=False))
    with pytest.raises(UnsupportedRuleError, match="r1: port ranges 1000-2000 cannot be expressed"):
        registry.render("ufw", [rule(ports=["1000-2000"])])
    assert registry.render("ufw", [rule(ports=["1000"])])["rules"]
    context = RenderContext("v4only", Capabilities("cloud", "v4only", families=(4,)))
    with pytest.raises(UnsupportedRuleError, match="r1: IPv6 addresses cannot be matched"):
        context.plan_remote(rule(remote=["198.51.100.0/24", "2001:db8::/32"]))
