# -*- coding: utf-8 -*-
# Copyright (c) netreq.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of netreq.firewall.firewalld_ruleset, driven by test_firewalld_ruleset.yaml.

Each case in the data file gives the module arguments, the exact sequence of
``firewall-cmd`` calls the module must make with the canned exit status,
stdout and stderr of each, and the expected result. The calls run against a
fake ``run_command``: a call that differs from the next expected one, or a
call left over, fails the test. A call may also ``write`` or ``delete`` files
under a temporary firewalld configuration directory (what firewalld itself
would do), so the rollback tests can check that the owned files come back.

Data file conventions:

* ``vars``: ``${NAME}`` in any string of a case is replaced by its value;
  ``${TMP}`` is the temporary configuration directory.
* ``policies:`` instead of ``out:`` on a call renders the listed policies the
  way ``firewall-cmd --list-all-policies -v`` prints them.
* ``calls`` may nest lists (YAML anchors of call sequences); they are flattened.
* ``result`` is compared key by key (only the keys given); ``msg_contains``
  lists substrings of the failure message; ``files_after`` is the complete
  set of files under the configuration directory after the run.
"""

from __future__ import annotations

import os
from string import Template

import pytest
import yaml

from ansible.module_utils import basic
from ansible.module_utils.testing import patch_module_args

from ansible_collections.netreq.firewall.plugins.module_utils import _firewalld_apply
from ansible_collections.netreq.firewall.plugins.modules import firewalld_ruleset

BINARY = "/usr/bin/firewall-cmd"
DATA_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "test_firewalld_ruleset.yaml")

with open(DATA_FILE, encoding="utf-8") as _handle:
    DATA = yaml.safe_load(_handle)


def _substitute(value, variables):
    if isinstance(value, str):
        return Template(value).safe_substitute(variables) if "$" in value else value
    if isinstance(value, list):
        return [_substitute(item, variables) for item in value]
    if isinstance(value, dict):
        return dict((key, _substitute(item, variables)) for key, item in value.items())
    return value


def _flatten(calls):
    flat = []
    for call in calls:
        if isinstance(call, list):
            flat.extend(_flatten(call))
        else:
            flat.append(call)
    return flat


CASES = [_substitute(case, DATA["vars"]) for case in DATA["cases"]]


def policy_listing(policies):
    """Text as ``firewall-cmd --list-all-policies -v`` (firewalld 1.3) prints it."""
    blocks = []
    for policy in policies:
        lines = [policy["name"] + (" (active)" if policy.get("active", True) else "")]
        lines += [
            "  summary: ",
            "  description: %s" % policy.get("description", ""),
            "  priority: %s" % policy.get("priority", -1),
            "  target: %s" % policy.get("target", "CONTINUE"),
            "  ingress-zones: %s" % " ".join(policy.get("ingress_zones", [])),
            "  egress-zones: %s" % " ".join(policy.get("egress_zones", [])),
            "  services: ",
            "  ports: ",
            "  protocols: ",
            "  masquerade: no",
            "  forward-ports: ",
        ]
        lines += ["\t%s" % forward for forward in policy.get("forward_ports", [])]
        lines += ["  source-ports: ", "  icmp-blocks: ", "  rich rules: "]
        lines += ["\t%s" % rule for rule in policy.get("rich_rules", [])]
        blocks.append("\n".join(lines) + "\n")
    return "\n".join(blocks)


class ModuleDone(Exception):
    def __init__(self, result):
        super().__init__(result.get("msg", ""))
        self.result = result


class FakeRunCommand:
    """Replays the expected firewall-cmd calls of one case."""

    def __init__(self, calls, config_dir):
        self.expected = list(calls)
        self.config_dir = config_dir
        self.done = []

    def __call__(self, args, check_rc=False, **kwargs):
        assert not check_rc, "the module checks exit codes itself"
        assert self.expected, "unexpected call %r after the expected ones (done: %r)" % (args, self.done)
        call = self.expected.pop(0)
        assert list(args) == [BINARY] + [str(arg) for arg in call["cmd"]], (
            "call %d: expected %r, got %r" % (len(self.done) + 1, call["cmd"], list(args)[1:]))
        self.done.append(call["cmd"])
        for relpath, content in (call.get("write") or {}).items():
            path = os.path.join(self.config_dir, relpath)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w", encoding="utf-8") as handle:
                handle.write(content)
        for relpath in call.get("delete") or []:
            os.remove(os.path.join(self.config_dir, relpath))
        out = policy_listing(call["policies"]) if "policies" in call else call.get("out", "")
        return call.get("rc", 0), out, call.get("err", "")


def _files(config_dir):
    found = {}
    for root, _dirs, names in os.walk(config_dir):
        for name in names:
            path = os.path.join(root, name)
            with open(path, encoding="utf-8") as handle:
                found[os.path.relpath(path, config_dir)] = handle.read()
    return found


def _assert_subset(expected, actual, where="result"):
    if isinstance(expected, dict):
        assert isinstance(actual, dict), "%s: expected a dict, got %r" % (where, actual)
        for key, value in expected.items():
            assert key in actual, "%s: missing key %r in %r" % (where, key, sorted(actual))
            _assert_subset(value, actual[key], "%s.%s" % (where, key))
    else:
        assert actual == expected, "%s: expected %r, got %r" % (where, expected, actual)


def run_module(case, tmp_path, monkeypatch):
    config_dir = str(tmp_path / "etc-firewalld")
    os.makedirs(config_dir)
    case = _substitute(case, {"TMP": config_dir})
    for relpath, content in (case.get("files") or {}).items():
        path = os.path.join(config_dir, relpath)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(content)
    fake = FakeRunCommand(_flatten(case.get("calls") or []), config_dir)

    def exit_json(module, **kwargs):
        kwargs.setdefault("failed", False)
        raise ModuleDone(kwargs)

    def fail_json(module, msg, **kwargs):
        kwargs.update(failed=True, msg=msg)
        raise ModuleDone(kwargs)

    monkeypatch.setattr(_firewalld_apply, "FIREWALLD_CONFIG_DIR", config_dir)
    monkeypatch.setattr(basic.AnsibleModule, "run_command", fake)
    monkeypatch.setattr(basic.AnsibleModule, "get_bin_path", lambda module, name, required=False, opt_dirs=None: BINARY)
    monkeypatch.setattr(basic.AnsibleModule, "exit_json", exit_json)
    monkeypatch.setattr(basic.AnsibleModule, "fail_json", fail_json)

    args = dict(case.get("args") or {})
    args["_ansible_check_mode"] = bool(case.get("check_mode"))
    args["_ansible_diff"] = bool(case.get("diff"))
    with patch_module_args(args):
        with pytest.raises(ModuleDone) as done:
            firewalld_ruleset.main()
    return case, done.value.result, fake, config_dir


@pytest.mark.parametrize("case", CASES, ids=[case["id"] for case in CASES])
def test_module(case, tmp_path, monkeypatch):
    case, result, fake, config_dir = run_module(case, tmp_path, monkeypatch)
    assert not fake.expected, "expected calls not made: %r (module result: %r)" % (
        [call["cmd"] for call in fake.expected], result.get("msg"))
    assert result["failed"] is bool(case.get("failed")), result.get("msg")
    for text in case.get("msg_contains") or []:
        assert text in result["msg"], "%r not in %r" % (text, result["msg"])
    _assert_subset(case.get("result") or {}, result)
    if "files_after" in case:
        assert _files(config_dir) == case["files_after"]
    mutating = [call for call in fake.done if _is_change(call)]
    if case.get("check_mode") or not (result.get("changed") or result["failed"]):
        assert mutating == [], "check mode or no change, yet the module changed something"
    if result.get("changed") and not result["failed"] and not case.get("check_mode"):
        # the commands reported are exactly the changes made, ending with the one reload
        assert result["commands"] == [_firewalld_apply.command_line(BINARY, call) for call in mutating]
        assert mutating.count(["--reload"]) == 1 and mutating[-1] == ["--reload"]


def _is_change(call):
    return any(arg.startswith(("--new-", "--delete-", "--set-", "--add-", "--remove-", "--reload")) for arg in call)


def test_every_case_has_an_id_once():
    ids = [case["id"] for case in CASES]
    assert len(ids) == len(set(ids))


# ---------------------------------------------------------------- helpers, directly

REAL_LISTING = (
    # captured from firewalld 1.3.3 on the Debian bookworm test host (firewall-cmd --permanent --list-all-policies -v)
    "allow-host-ipv6 (active)\n"
    "  summary: Allow host IPv6\n"
    "  description: Allows basic IPv6 functionality for the host running firewalld.\n"
    "  priority: -15000\n"
    "  target: CONTINUE\n"
    "  ingress-zones: ANY\n"
    "  egress-zones: HOST\n"
    "  services: \n"
    "  ports: \n"
    "  protocols: \n"
    "  masquerade: no\n"
    "  forward-ports: \n"
    "  source-ports: \n"
    "  icmp-blocks: \n"
    "  rich rules: \n"
    "\trule family=\"ipv6\" icmp-type name=\"neighbour-advertisement\" accept\n"
    "\trule family=\"ipv6\" icmp-type name=\"redirect\" accept\n"
    "\n"
    "zz-a\n"
    "  summary: \n"
    "  description: a \"quoted\" : desc\n"
    "  priority: -1\n"
    "  target: CONTINUE\n"
    "  ingress-zones: \n"
    "  egress-zones: \n"
    "  services: \n"
    "  ports: \n"
    "  protocols: \n"
    "  masquerade: no\n"
    "  forward-ports: \n"
    "  source-ports: \n"
    "  icmp-blocks: \n"
    "  rich rules: \n"
    "\n"
)


def test_parse_real_listing():
    parsed = _firewalld_apply.parse_policies(REAL_LISTING)
    assert parsed == {
        "allow-host-ipv6": {
            "name": "allow-host-ipv6", "description": "Allows basic IPv6 functionality for the host running firewalld.",
            "ingress_zones": ["ANY"], "egress_zones": ["HOST"], "target": "CONTINUE", "priority": "-15000",
            "rich_rules": ['rule family="ipv6" icmp-type name="neighbour-advertisement" accept',
                           'rule family="ipv6" icmp-type name="redirect" accept'],
        },
        "zz-a": {
            "name": "zz-a", "description": 'a "quoted" : desc', "ingress_zones": [], "egress_zones": [],
            "target": "CONTINUE", "priority": "-1", "rich_rules": [],
        },
    }


def test_parse_skips_tab_lines_outside_rich_rules():
    text = policy_listing([{"name": "netreq-x", "forward_ports": ["port=80:proto=tcp:toport=8080:toaddr="],
                            "rich_rules": ['rule family="ipv4" source address="198.51.100.1" accept']}])
    assert _firewalld_apply.parse_policies(text)["netreq-x"]["rich_rules"] == ['rule family="ipv4" source address="198.51.100.1" accept']


def test_parse_ipset():
    text = "netreq-a-v6\n  type: hash:ip\n  options: family=inet6 maxelem=65536\n  entries: 2001:db8::1 2001:db8::2\n"
    assert _firewalld_apply.parse_ipset("netreq-a-v6", text) == {
        "name": "netreq-a-v6", "type": "hash:ip", "family": "inet6", "entries": ["2001:db8::1", "2001:db8::2"]}
    assert _firewalld_apply.parse_ipset("x", "x\n  type: hash:net\n  options: \n  entries: \n")["family"] == "inet"


@pytest.mark.parametrize("text, expected", [
    ('rule family="ipv4" source address="198.51.100.0/24" accept', 'rule family="ipv4" source address="198.51.100.0/24" accept'),
    ("rule  family=ipv4   source address=198.51.100.0/24 accept", 'rule family="ipv4" source address="198.51.100.0/24" accept'),
    ("rule family='ipv4' log prefix=\"a b=c\" accept", 'rule family="ipv4" log prefix="a b=c" accept'),
])
def test_normalize_rich_rule(text, expected):
    assert _firewalld_apply.normalize_rich_rule(text) == expected


def test_normalize_rejects_unbalanced_quotes():
    with pytest.raises(ValueError):
        _firewalld_apply.normalize_rich_rule('rule family="ipv4 accept')


def test_rich_rule_ipsets():
    rule = 'rule family="ipv4" source ipset="a" destination ipset="netreq-b-v4" accept'
    assert _firewalld_apply.rich_rule_ipsets(rule) == ["a", "netreq-b-v4"]


def test_backup_restore_only_touches_owned_files(tmp_path):
    for relpath, content in {"policies/netreq-in.xml": "old-in", "policies/netreq-in.xml.old": "firewalld's",
                             "policies/handmade.xml": "user", "ipsets/netreq-a-v4.xml": "old-set"}.items():
        (tmp_path / relpath).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / relpath).write_text(content)
    backup = _firewalld_apply.ConfigBackup("netreq", str(tmp_path))
    assert backup.save() == [str(tmp_path / "ipsets/netreq-a-v4.xml"), str(tmp_path / "policies/netreq-in.xml")]
    (tmp_path / "policies/netreq-in.xml").write_text("changed")
    (tmp_path / "policies/netreq-out.xml").write_text("new")
    (tmp_path / "ipsets/netreq-a-v4.xml").unlink()
    (tmp_path / "policies/handmade.xml").write_text("user changed it meanwhile")
    outcome = backup.restore()
    assert outcome["removed"] == [str(tmp_path / "policies/netreq-out.xml")]
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file()) == [
        "ipsets/netreq-a-v4.xml", "policies/handmade.xml", "policies/netreq-in.xml", "policies/netreq-in.xml.old"]
    assert (tmp_path / "policies/netreq-in.xml").read_text() == "old-in"
    assert (tmp_path / "ipsets/netreq-a-v4.xml").read_text() == "old-set"
    assert (tmp_path / "policies/handmade.xml").read_text() == "user changed it meanwhile"


GOLDEN_DIR = os.path.join(os.path.dirname(DATA_FILE), "..", "..", "..", "golden")
GOLDEN_FIREWALLD = sorted(name for name in os.listdir(GOLDEN_DIR) if os.path.isfile(os.path.join(GOLDEN_DIR, name, "firewalld.yml")))


@pytest.mark.parametrize("name", GOLDEN_FIREWALLD)
def test_golden_rendering_is_valid_input(name):
    """The renderer's output for each built-in profile passes the module's offline validation unchanged."""
    with open(os.path.join(GOLDEN_DIR, name, "firewalld.yml"), encoding="utf-8") as handle:
        rendered = yaml.safe_load(handle)
    desired = _firewalld_apply.validate_input({"policies": rendered["policies"], "ipsets": rendered["ipsets"],
                                               "policy_prefix": "netreq", "state": "present"})
    for policy in rendered["policies"]:
        # canonical already: normalizing changes nothing (duplicates are applied once)
        rules = [item["rule"] for item in policy["rich_rules"]]
        assert desired["policies"][policy["name"]]["rich_rules"] == sorted(set(rules), key=rules.index)
    assert sorted(desired["ipsets"]) == sorted(ipset["name"] for ipset in rendered["ipsets"])
