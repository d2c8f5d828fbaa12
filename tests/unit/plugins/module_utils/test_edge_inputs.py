# -*- coding: utf-8 -*-
# Copyright (c) netreq.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Input at the edge of what the backends take: refused by the loader or the renderer, or proven by the real tools.

Three tables:

* ``REFUSED``: profiles no backend can use or would misread. The loader must
  refuse each with a message naming the profile, the requirement and the
  field, and saying how to write it.
* ``RENDERER_LIMITS``: profiles the loader takes but one backend cannot, by
  that backend's documented limits; each limit cites its source.
* ``ACCEPTED``: profiles at the edge that every Linux backend must render
  into something its own parser reads back unchanged. With root and the test
  hosts' root filesystem (``tests/testhost/rootfs.sh``) the renderings go
  through the real tools: ``nft -c`` in a new network namespace, firewalld's
  own rich-rule parser and ufw's own command parser, each run inside that root
  filesystem (Debian's firewalld and ufw, not a copy of their logic), and the
  rules files the ufw applier writes from the rendering go through
  ``iptables-restore --test`` and ``ip6tables-restore --test`` there, in a new
  network namespace.
"""

from __future__ import annotations

import copy
import glob
import json
import os
import shutil
import subprocess

import pytest

from fake_linux_host import put_host_under

from ansible_collections.netreq.firewall.plugins.module_utils._apply.ufw.apply import UfwApplier
from ansible_collections.netreq.firewall.plugins.module_utils._model import ownership as _ownership
from ansible_collections.netreq.firewall.plugins.module_utils._model.errors import NetreqError
from ansible_collections.netreq.firewall.plugins.module_utils._model.rules import compile_rules, compile_selections
from ansible_collections.netreq.firewall.plugins.module_utils._render._registry import render, renderer

BASE = {
    "schema_version": 1,
    "name": "acme",
    "vendor": "Acme",
    "product": "Acme agent",
    "parameters": {"servers": {"type": "addresses", "default": ["203.0.113.10"]}},
    "components": {"agent": {"description": "The agent."}},
    "requirements": [
        {"id": "agent_out", "component": "agent", "direction": "egress", "protocols": ["tcp"], "ports": [443],
         "remote": ["198.51.100.10"], "description": "Agent to servers", "source": "L1: agent"},
    ],
}


def profile(name="acme", **changes):
    """BASE with the first requirement's fields replaced."""
    data = copy.deepcopy(BASE)
    data["name"] = name
    data["requirements"][0].update(changes)
    return data


def refused(spec, tmp_path):
    """The loader's message for ``spec`` (a dict, or YAML text written to a file)."""
    if isinstance(spec, str):
        path = tmp_path / "vendor.yml"
        path.write_text(spec, encoding="utf-8")
        spec = str(path)
    with pytest.raises(NetreqError) as caught:
        compile_rules(spec, component="agent")
    return str(caught.value)


YAML_PROFILE = """\
schema_version: 1
name: acme
vendor: Acme
product: Acme agent
components:
  agent: {description: The agent.}
requirements:
  - id: agent_out
    component: agent
    direction: egress
    protocols: [tcp]
    ports: %s
    remote: %s
    description: Agent to servers
    source: "L1: agent"
"""

# (case, profile dict or YAML text, fragments the message must hold)
REFUSED = [
    # an IPv4-mapped IPv6 address never matches IPv4 traffic (nft counted 0 packets for it)
    ("ipv4-mapped address", profile(remote=["::ffff:10.0.0.1"]), ["agent_out", "remote", "IPv4-mapped", "10.0.0.1"]),
    ("ipv4-mapped network", profile(remote=["::ffff:198.51.100.0/120"]), ["remote", "IPv4-mapped", "198.51.100.0/24"]),
    # YAML 1.1 reads 20:21 in base 60 (1221) and 0443 in octal (291)
    ("port written as 20:21", YAML_PROFILE % ("[20:21]", "[198.51.100.10]"), ["vendor.yml", "line 12", "20:21", "1221", "20-21"]),
    ("port with a leading zero", YAML_PROFILE % ("[0443]", "[198.51.100.10]"), ["vendor.yml", "line 12", "0443", "octal", "write 443"]),
    ("all-decimal IPv6 unquoted", YAML_PROFILE % ("[443]", "[2001:0:0:1]"), ["vendor.yml", "line 13", "2001:0:0:1", "quoted"]),
    # a name must end where it seems to: "agent_out\n" is not "agent_out"
    ("id ending in a newline", profile(id="agent_out\n"), ["id", "agent_out"]),
    ("id from a folded scalar", "schema_version: 1\nname: acme\nvendor: Acme\nproduct: Acme agent\n"
     "components:\n  agent: {description: The agent.}\nrequirements:\n  - id: >\n      agent_out\n"
     "    component: agent\n    direction: egress\n    protocols: [tcp]\n    ports: [443]\n"
     "    remote: [198.51.100.10]\n    description: x\n    source: y\n", ["id", "agent_out"]),
    ("profile name ending in a newline", dict(profile(), name="acme\n"), ["name", "acme"]),
    # control characters reach Windows, Azure and GCP descriptions verbatim
    ("NUL in a description", profile(description="Agent\x00to servers"), ["agent_out", "description", "control character"]),
    ("BEL in a source quote", profile(source="L1: \x07agent"), ["agent_out", "source", "control character"]),
    ("ESC in the product", dict(profile(), product="Acme \x1b[31m"), ["product", "control character"]),
    # int() takes superscript digits' cousins: only ASCII digits are a port
    ("superscript digit in a port", profile(ports=["44\u00b3"]), ["agent_out", "ports", "ASCII"]),
    ("Arabic-Indic digits in a port", profile(ports=["\u0664\u0664\u0663"]), ["agent_out", "ports", "ASCII"]),
]


@pytest.mark.parametrize("case, spec, fragments", REFUSED, ids=[case[0] for case in REFUSED])
def test_the_loader_refuses_what_a_backend_would_misread(case, spec, fragments, tmp_path):
    message = refused(spec, tmp_path)
    for fragment in fragments:
        assert fragment in message, "%s: %r not in %r" % (case, fragment, message)


def test_a_huge_value_is_not_repeated_in_full():
    message = refused(profile(remote=["x" * 100000]), None)
    assert "agent_out" in message and len(message) < 1000


# (case, backend, options, profile, fragments) -- each limit with its source
RENDERER_LIMITS = [
    # a forward proxy tunnels outbound TCP (HTTP CONNECT, RFC 9110 9.3.6) and nothing else
    ("syslog over UDP to a host name left to a proxy", "aws", {"fqdn_strategy": "proxy"},
     profile(protocols=["udp"], ports=[514], remote=["logs.example.com"]), ["aws", "agent_out", "outbound TCP only", "UDP"]),
    ("inbound from a host name left to a proxy", "nftables", {"fqdn_strategy": "proxy"},
     profile(direction="ingress", remote=["agents.example.com"]), ["nftables", "agent_out", "not inbound traffic", "resolve"]),
    # INetFwRule::put_Description and put_Name (learn.microsoft.com/windows/win32/api/netfw):
    # "The string must not contain the "|" character."
    ("pipe in a Windows description", "windows", {}, profile(description="Agent | servers"),
     ["windows", "agent_out", "description", "|"]),
    # MS-FASP, FW_RULE: [string, range(1,10001)] wszRuleId, wszName, wszDescription
    ("Windows description over 10,000 characters", "windows", {}, profile(description="word " * 2001),
     ["windows", "agent_out", "description", "10000"]),
]


@pytest.mark.parametrize("case, backend, options, spec, fragments", RENDERER_LIMITS, ids=[case[0] for case in RENDERER_LIMITS])
def test_each_renderer_enforces_its_documented_limits(case, backend, options, spec, fragments):
    rules = compile_rules(spec, component="agent")
    with pytest.raises(NetreqError) as caught:
        render(backend, rules, **options)
    for fragment in fragments:
        assert fragment in str(caught.value), "%s: %r not in %r" % (case, fragment, str(caught.value))


def test_aws_descriptions_cut_to_255_stay_distinct():
    """EC2 takes at most 255 characters of a rule description (IpRange.Description, EC2 API reference).

    The description is the ownership tag ``netreq:<profile>:<id>``; cut plainly, two long tags that
    differ only after 255 characters would become one rule.
    """
    spec = profile("p" * 250)
    spec["requirements"].append(dict(spec["requirements"][0], id="agent_out_b", ports=[8443]))
    rendering = render("aws", compile_rules(spec, component="agent"), group_name="acme")
    descriptions = [rule["rule_desc"] for group in rendering["security_groups"] for rule in group["rules_egress"]]
    assert len(descriptions) == 2 and all(len(text) <= 255 for text in descriptions)
    assert len(set(descriptions)) == 2


def test_azure_descriptions_are_counted_in_utf16_units():
    """An NSG rule description holds at most 140 characters, counted as UTF-16 code units (Azure REST API)."""
    text = "\U0001f512" * 100  # 100 code points, 200 UTF-16 units
    rendering = render("azure", compile_rules(profile(description=text), component="agent"),
                       security_group_name="acme", resource_group="lab")
    for rule in rendering["rules"]:
        assert len(rule["description"].encode("utf-16-le")) // 2 <= 140


# --------------------------------------------------------------- accepted, and read back by the real tools

LONG_ID = "agent_out_update_check_channel"
SAME_ID_TWO_PROFILES = [
    {"profile": profile("acme", id="updates", remote=["updates.example.com"]), "component": "agent"},
    {"profile": profile("other", id="updates", remote=["updates.example.net"]), "component": "agent"},
]
ACCEPTED = [
    ("long requirement id", [{"profile": profile(id=LONG_ID, remote=["updates.example.com"]), "component": "agent"}]),
    ("same id in two profiles", SAME_ID_TWO_PROFILES),
    ("typographic quotes and shell text", [{"profile": profile(
        description="Acme\u2019s agent; $(touch /tmp/x) `id` \"quoted\" 'single'"), "component": "agent"}]),
    ("two hundred ports", [{"profile": profile(ports=list(range(1000, 1200))), "component": "agent"}]),
]
LINUX = ("nftables", "firewalld", "ufw")


def _renderings(selections):
    rules = compile_selections(selections)
    return {backend: render(backend, rules, fqdn_strategy="resolve", egress_policy="allowlist") for backend in LINUX}


@pytest.mark.parametrize("case, selections", ACCEPTED, ids=[case[0] for case in ACCEPTED])
def test_edge_profiles_render_within_the_documented_limits(case, selections):
    renderings = _renderings(selections)
    # ipset(8)/iptables' set match: "setname ... too long, max 31 characters" under FirewallBackend=iptables
    assert all(len(ipset["name"]) <= 31 for ipset in renderings["firewalld"]["ipsets"]), case
    names = [ipset["name"] for ipset in renderings["firewalld"]["ipsets"]]
    assert len(set(names)) == len(names), case


def _rootfs():
    if os.environ.get("NETREQ_TEST_ROOTFS"):  # tests/run.sh pytest: the one tests/testhost/rootfs.sh built
        return os.environ["NETREQ_TEST_ROOTFS"]
    found = sorted(glob.glob(os.path.expanduser(os.environ.get("NETREQ_LAB", "~/.cache/netreq-lab")) + "/rootfs/*/usr/sbin/ufw"))
    return found[-1][:-len("/usr/sbin/ufw")] if found else None


def _real_tools():
    return os.geteuid() == 0 and shutil.which("unshare") and shutil.which("nft") and _rootfs() is not None


# Run inside the test hosts' root filesystem: firewalld's rich-rule parser and ufw's command parser.
_PARSERS = r"""
import json, sys
from firewall.core.rich import Rich_Rule
from ufw.frontend import parse_command
data = json.load(sys.stdin)
out = {"rich": [], "ufw": []}
for text in data["rich"]:
    try:
        out["rich"].append(str(Rich_Rule(rule_str=text)))
    except Exception as exc:
        out["rich"].append("ERROR %s" % exc)
for args in data["ufw"]:
    try:
        parse_command(["ufw"] + args)
        out["ufw"].append("ok")
    except BaseException as exc:
        out["ufw"].append("ERROR %s" % exc)
json.dump(out, sys.stdout)
"""


@pytest.mark.skipif(not _real_tools(), reason="needs root, nft, unshare and the test hosts' root filesystem")
@pytest.mark.parametrize("case, selections", ACCEPTED, ids=[case[0] for case in ACCEPTED])
def test_the_real_tools_read_every_edge_rendering(case, selections, tmp_path):
    renderings = _renderings(selections)
    ruleset = tmp_path / "ruleset.nft"
    ruleset.write_text(renderings["nftables"]["ruleset"], encoding="utf-8")
    checked = subprocess.run(["unshare", "--net", "nft", "-c", "-f", str(ruleset)], capture_output=True, text=True, check=False)
    assert checked.returncode == 0, "%s: nft -c: %s" % (case, checked.stderr)
    rich = [item["rule"] for policy in renderings["firewalld"]["policies"] for item in policy["rich_rules"]]
    ufw = [rule["args"] for rule in renderings["ufw"]["rules"]]
    parsed = subprocess.run(["chroot", _rootfs(), "python3", "-c", _PARSERS], input=json.dumps({"rich": rich, "ufw": ufw}),
                            capture_output=True, text=True, check=False)
    assert parsed.returncode == 0, parsed.stderr
    answers = json.loads(parsed.stdout)
    assert answers["rich"] == rich, "%s: firewalld reads the rich rules differently" % case
    assert set(answers["ufw"]) == {"ok"}, "%s: ufw refuses %s" % (case, answers["ufw"])


def test_a_comma_separated_string_for_a_list_gets_a_list_as_the_fix():
    with pytest.raises(NetreqError) as caught:
        compile_rules(profile(remote=["{{ servers }}"]), component="agent", params={"servers": "198.51.100.1, 203.0.113.1"})
    assert "['198.51.100.1', '203.0.113.1']" in str(caught.value)


def test_a_missing_direction_is_said_to_be_missing():
    spec = profile()
    del spec["requirements"][0]["direction"]
    message = refused(spec, None)
    assert "direction: is required: one of ingress, egress" in message and "None" not in message


UFW_FILES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "ufw_cli", "before")


class _UfwHost(object):
    """The runner and module of a ufw applier on a fake host: ufw's commands succeed and do what ufw does to ufw.conf."""

    params = {}
    check_mode = False
    _diff = False

    def __init__(self):
        self.log = []

    def binary(self, name, required=True):
        return "/usr/sbin/" + name

    def run(self, argv, data=None):
        return 0, "", ""

    def change(self, argv, what, data=None, atomic=False):
        self.log.append(" ".join(argv))
        if argv[-1] == "enable" or argv[-2:] == ["--force", "enable"]:
            with open(_ownership.UFW_PATHS["conf"]) as stream:
                text = stream.read()
            with open(_ownership.UFW_PATHS["conf"], "w") as stream:
                stream.write(text.replace("ENABLED=no", "ENABLED=yes"))
        return 0, "", ""


def _ufw_rules_files(rendering, monkeypatch, root):
    """The user.rules and user6.rules the ufw applier writes for ``rendering`` on ufw's own files."""
    put_host_under(monkeypatch, root)
    for name, key in (("ufw.conf", "conf"), ("ufw", "defaults"), ("user.rules", "rules4"), ("user6.rules", "rules6")):
        os.makedirs(os.path.dirname(_ownership.UFW_PATHS[key]), exist_ok=True)
        shutil.copyfile(os.path.join(UFW_FILES, name), _ownership.UFW_PATHS[key])
    monkeypatch.setitem(_ownership.UFW_PATHS, "proc_ipv6", "/")
    host = _UfwHost()
    applier = UfwApplier(host, params=renderer("ufw").applier_params(rendering, {}), runner=host)
    applier.run()
    return [_ownership.UFW_PATHS[key] for key in ("rules4", "rules6")]


@pytest.mark.skipif(not _real_tools(), reason="needs root, unshare and the test hosts' root filesystem")
@pytest.mark.parametrize("case, selections", ACCEPTED, ids=[case[0] for case in ACCEPTED])
def test_iptables_restore_reads_the_ufw_files_of_every_edge_rendering(case, selections, monkeypatch, tmp_path):
    rendering = _renderings(selections)["ufw"]
    rules4, rules6 = _ufw_rules_files(rendering, monkeypatch, str(tmp_path / "host"))
    for path, tool in ((rules4, "iptables-restore"), (rules6, "ip6tables-restore")):
        with open(path, encoding="utf-8") as stream:
            text = stream.read()
        assert "comment=%s" % b"netreq:".hex() in text, "%s: no owned rule in %s" % (case, path)  # ufw keeps comments in hex
        checked = subprocess.run(["unshare", "--net", "chroot", _rootfs(), tool, "--test"], input=text,
                                 capture_output=True, text=True, check=False)
        assert checked.returncode == 0, "%s: %s --test: %s" % (case, tool, checked.stderr)
