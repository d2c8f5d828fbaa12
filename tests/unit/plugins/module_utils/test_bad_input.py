"""Bad profiles and compile options: every case fails with one message naming what is wrong and where.

Bad input to the filters is tested beside them, under tests/unit/plugins/filter/.

Each case is (name, call, expected fragments). The fragments are the parts of
the message a user needs: the profile, the requirement id, the field and the
reason. Nothing may be returned for bad input.
"""

import copy
import datetime

import pytest

from ansible_collections.netreq.firewall.plugins.module_utils._model.errors import NetreqError
from ansible_collections.netreq.firewall.plugins.module_utils._model.rules import compile_rules

NOW = datetime.datetime(2026, 6, 1, tzinfo=datetime.timezone.utc)
PDR = {"agent_cidrs": ["198.51.100.0/24"]}

USER_PROFILE = {
    "schema_version": 1,
    "name": "acme_agent",
    "vendor": "Acme",
    "product": "Acme agent",
    "parameters": {
        "servers": {"type": "addresses", "required": True},
        "relays": {"type": "hosts", "default": []},
        "port": {"type": "port", "default": 8443},
        "debug": {"type": "bool", "default": False},
    },
    "components": {"agent": {"description": "The agent."}},
    "requirements": [
        {"id": "agent_out", "component": "agent", "direction": "egress", "protocols": ["tcp"],
         "ports": ["{{ port }}"], "remote": ["{{ servers }}"], "description": "Agent to servers", "source": "L1: agent"},
    ],
}


def user_profile(**changes):
    """USER_PROFILE with the first requirement's fields replaced (None deletes a field)."""
    profile = copy.deepcopy(USER_PROFILE)
    requirement = profile["requirements"][0]
    for key, value in changes.items():
        if value is None:
            requirement.pop(key, None)
        else:
            requirement[key] = value
    return profile


def user_compile(profile, **kwargs):
    kwargs.setdefault("params", {"servers": ["203.0.113.10"]})
    return compile_rules(profile, now=NOW, **kwargs)


def pdr(**kwargs):
    kwargs.setdefault("params", PDR)
    return compile_rules("rackspace_pdr", component="appliance", now=NOW, **kwargs)


EMPTY_REQUIREMENTS = "schema_version: 1\nname: x\nvendor: v\nproduct: p\ncomponents: {a: {description: d}}\nrequirements: []\n"
LICENSE_PORT_70000 = {"workstation_cidrs": ["198.51.100.0/24"], "license_server_port": 70000}


def _write(tmp_path, text):
    path = tmp_path / "profile.yml"
    path.write_text(text)
    return str(path)


CASES = [
    # --- loading
    ("unknown built-in", lambda t: compile_rules("rackspace_pdq"), ["unknown built-in profile 'rackspace_pdq'", "rackspace_pdr"]),
    ("missing file", lambda t: compile_rules(str(t / "nope.yml")), ["nope.yml", "cannot read profile file"]),
    ("invalid yaml", lambda t: compile_rules(_write(t, "name: [unclosed\n")), ["profile.yml", "not valid YAML"]),
    ("not a mapping", lambda t: compile_rules(["a", "b"]), ["a profile is a built-in name, a file path or a dict"]),
    ("file error names the file", lambda t: compile_rules(_write(t, EMPTY_REQUIREMENTS)),
     ["file ", "profile.yml", "profile x", "field requirements", "non-empty list"]),
    # --- selection and parameters
    ("unknown component", lambda t: compile_rules("rackspace_pdr", component="agent", params=PDR),
     ["profile rackspace_pdr", "field component", "unknown component 'agent'", "appliance"]),
    ("unknown parameter", lambda t: pdr(params={"agent_cidr": ["198.51.100.0/24"]}),
     ["profile rackspace_pdr", "field params.agent_cidr", "unknown parameter 'agent_cidr'"]),
    ("required parameter missing", lambda t: pdr(params={}),
     ["profile rackspace_pdr", "requirement appliance_in_agent_updates", "field remote", "needs parameter agent_cidrs"]),
    ("list parameter given a string", lambda t: pdr(params={"agent_cidrs": "198.51.100.0/24"}),
     ["field params.agent_cidrs", "must be a list"]),
    ("malformed cidr", lambda t: pdr(params={"agent_cidrs": ["198.51.100.0/33"]}),
     ["field params.agent_cidrs", "'198.51.100.0/33' is not a valid IPv4/IPv6 address or CIDR"]),
    ("cidr with host bits", lambda t: pdr(params={"agent_cidrs": ["198.51.100.7/24"]}),
     ["field params.agent_cidrs", "host bits set", "198.51.100.0/24"]),
    ("address parameter given a host name", lambda t: pdr(params={"agent_cidrs": ["agents.example.com"]}),
     ["field params.agent_cidrs", "'agents.example.com' is not an IP address or CIDR"]),
    ("choice out of range", lambda t: pdr(params=dict(PDR, datacenter="apac")),
     ["field params.datacenter", "must be one of us, eu", "'apac'"]),
    ("bool given a string", lambda t: compile_rules("pdq_connect", params={"websocket_fallback_ips": "yes"}),
     ["profile pdq_connect", "field params.websocket_fallback_ips", "must be true or false"]),
    ("port parameter out of range", lambda t: compile_rules("teradici_cas", component="license_server", params=LICENSE_PORT_70000),
     ["profile teradici_cas", "field params.license_server_port", "70000 is out of range 1-65535"]),
    ("port parameter not a number", lambda t: user_compile(USER_PROFILE, params={"servers": ["203.0.113.1"], "port": "https"}),
     ["profile acme_agent", "field params.port", "'https' is not a number"]),
    ("empty parameter list", lambda t: user_compile(USER_PROFILE, params={"servers": []}),
     ["profile acme_agent", "requirement agent_out", "field params.servers", "parameter servers is an empty list",
      "resolves to no remote endpoint"]),
    ("nothing applies", lambda t: user_compile(user_profile(when=[{"parameter": "debug", "equals": True}])),
     ["profile acme_agent", "no requirement applies", "skipped: agent_out"]),
    # --- options and expiry
    ("unknown option", lambda t: pdr(enable=["ssh"]), ["profile rackspace_pdr", "field enable", "unknown option 'ssh'", "troubleshooting_ssh"]),
    ("temporary option without expiry", lambda t: pdr(enable=["troubleshooting_ssh"]),
     ["profile rackspace_pdr", "field expires", "option troubleshooting_ssh is temporary"]),
    ("expiry in the past", lambda t: pdr(enable=["troubleshooting_ssh"], expires="2026-05-01"),
     ["field expires", "2026-05-01T00:00:00Z", "already in the past"]),
    ("expiry not a date", lambda t: pdr(enable=[{"name": "troubleshooting_ssh", "expires": "next week"}]),
     ["field expires", "'next week'", "not an ISO 8601"]),
    ("expiry for an option not enabled", lambda t: pdr(expires={"troubleshooting_ssh": "2026-07-01"}),
     ["field expires", "option 'troubleshooting_ssh', which is not enabled"]),
    # --- profile schema (user profiles)
    ("port out of range", lambda t: user_compile(user_profile(ports=[70000])),
     ["profile acme_agent", "requirement agent_out", "field ports", "port 70000 is out of range 1-65535"]),
    ("port range backwards", lambda t: user_compile(user_profile(ports=["2000-1000"])),
     ["requirement agent_out", "field ports", "'2000-1000' runs backwards"]),
    ("port zero", lambda t: user_compile(user_profile(ports=[0])), ["requirement agent_out", "field ports", "port 0 is out of range"]),
    ("unknown protocol", lambda t: user_compile(user_profile(protocols=["sctp"])),
     ["requirement agent_out", "field protocols", "unknown protocol 'sctp'"]),
    ("ports with icmp", lambda t: user_compile(user_profile(protocols=["icmp"])),
     ["requirement agent_out", "field ports", "protocol icmp has no ports"]),
    ("wildcard on ingress", lambda t: user_compile(user_profile(direction="ingress", remote=["*.example.com"])),
     ["requirement agent_out", "field remote", "wildcard '*.example.com' cannot be used here"]),
    ("wildcard inside a name", lambda t: user_compile(user_profile(remote=["api.*.example.com"])),
     ["requirement agent_out", "field remote", "a wildcard may only be the whole first label"]),
    ("url instead of host", lambda t: user_compile(user_profile(remote=["https://api.example.com/v1"])),
     ["requirement agent_out", "field remote", "is a URL; give the host name only (api.example.com)"]),
    ("any combined", lambda t: user_compile(user_profile(remote=["any", "203.0.113.0/24"])),
     ["requirement agent_out", "field remote", "'any' cannot be combined", "203.0.113.0/24"]),
    ("undeclared parameter", lambda t: user_compile(user_profile(remote=["{{ server }}"])),
     ["requirement agent_out", "field remote", "undeclared parameter 'server'"]),
    ("partial reference", lambda t: user_compile(user_profile(remote=["{{ servers }}/24"])),
     ["requirement agent_out", "field remote", "must be the whole value"]),
    ("reference of the wrong type", lambda t: user_compile(user_profile(remote=["{{ debug }}"])),
     ["requirement agent_out", "field remote", "parameter 'debug' has type bool"]),
    ("unknown requirement field", lambda t: user_compile(user_profile(port=[443])),
     ["requirement agent_out", "field port", "unknown field"]),
    ("missing source", lambda t: user_compile(user_profile(source=None)),
     ["requirement agent_out", "field source", "quote the line"]),
    ("bad direction", lambda t: user_compile(user_profile(direction="outbound")),
     ["requirement agent_out", "field direction", "'outbound' is not one of ingress, egress"]),
    ("unknown component in profile", lambda t: user_compile(user_profile(component="server")),
     ["requirement agent_out", "field component", "'server' is not one of agent"]),
    ("variant without variant parameter", lambda t: user_compile(user_profile(variant="us")),
     ["requirement agent_out", "field variant", "declares no variant_parameter"]),
    ("temporary but not optional", lambda t: user_compile(user_profile(temporary=True)),
     ["requirement agent_out", "field temporary", "must also be optional"]),
    ("bad condition", lambda t: user_compile(user_profile(when=[{"parameter": "relays"}])),
     ["requirement agent_out", "field when", "exactly one of equals, non_empty"]),
    ("bad requirement id", lambda t: user_compile(user_profile(id="Agent-Out")),
     ["requirement Agent-Out", "field id", "lower-case letters"]),
    ("duplicate ids", lambda t: user_compile(dict(USER_PROFILE, requirements=USER_PROFILE["requirements"] * 2)),
     ["profile acme_agent", "requirement id 'agent_out' is used twice"]),
    ("wrong schema version", lambda t: user_compile(dict(USER_PROFILE, schema_version=2)),
     ["profile acme_agent", "field schema_version", "must be 1"]),
    ("parameter default of the wrong type", lambda t: user_compile(dict(USER_PROFILE, parameters=dict(
        USER_PROFILE["parameters"], port={"type": "port", "default": "eighty"}))),
     ["profile acme_agent", "field parameters.port.default", "'eighty' is not a number"]),
]


def test_the_table_is_large_enough():
    assert len(CASES) >= 30


@pytest.mark.parametrize("name, call, fragments", CASES, ids=[case[0] for case in CASES])
def test_bad_input(tmp_path, name, call, fragments):
    with pytest.raises(NetreqError) as info:
        call(tmp_path)
    message = str(info.value)
    for fragment in fragments:
        assert fragment in message, "%s: %r not in %r" % (name, fragment, message)
