# -*- coding: utf-8 -*-
# Copyright (c) netreq.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests for netreq.firewall.ufw_ruleset.

The module cases live in test_ufw_ruleset.yaml (format described at its top):
module arguments, ufw's files before the run, every ufw command the module must
run with its canned result and its effect on the files, and the expected result.
ufw itself never runs here. The parser tests below check the renderer's output
against the module's reading of it.
"""

from __future__ import annotations

import os
import re
import tempfile
from unittest import mock

import pytest
import yaml

from ansible.module_utils import basic
from ansible.module_utils.testing import patch_module_args

from ansible_collections.netreq.firewall.plugins.module_utils import _ufw_apply
from ansible_collections.netreq.firewall.plugins.modules import ufw_ruleset

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", "..", "..", ".."))
UFW = "/testbin/ufw"
FILES = {  # where each of ufw's files lives under the test's fake root
    "rules4": "etc/ufw/user.rules",
    "rules6": "etc/ufw/user6.rules",
    "defaults": "etc/default/ufw",
    "conf": "etc/ufw/ufw.conf",
}
HEX = re.compile(r"\{hex:([^}]*)\}")

with open(os.path.join(HERE, "test_ufw_ruleset.yaml")) as _stream:
    DATA = yaml.safe_load(_stream)


class ModuleExit(Exception):
    def __init__(self, result):
        super().__init__(result)
        self.result = result


def _exit_json(self, **kwargs):
    raise ModuleExit(dict(kwargs, failed=False))


def _fail_json(self, msg, **kwargs):
    raise ModuleExit(dict(kwargs, msg=msg, failed=True))


def _expand(text):
    return HEX.sub(lambda match: match.group(1).encode("utf-8").hex(), text)


def _file_text(name, value):
    """A file's content from the YAML: text, or a list of lines after the default file's content."""
    if isinstance(value, list):
        return _expand(DATA["files"][name] + "".join(value))
    return _expand(value)


def _write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as stream:
        stream.write(text)


def _read(path):
    if not os.path.exists(path):
        return None
    with open(path) as stream:
        return stream.read()


def _lines(text):
    return [line + "\n" for line in _expand(text).splitlines()]


class FakeUfw:
    """Plays back the expected commands of one case and applies their effect on the files."""

    def __init__(self, calls, paths):
        self.calls = list(calls)
        self.paths = paths

    def run_command(self, module, args, check_rc=False, environ_update=None, **kwargs):
        assert self.calls, "unexpected command %s" % args
        call = self.calls.pop(0)
        assert list(args) == call["command"]
        assert check_rc is False
        assert environ_update and environ_update.get("LC_ALL") == "C"
        if call.get("raises"):
            raise OSError(call["raises"])
        for name, text in (call.get("writes") or {}).items():
            _write(self.paths[name], _file_text(name, text))
        for name, text in (call.get("drop") or {}).items():
            drop = _lines(text)
            kept = [line for line in _read(self.paths[name]).splitlines(True) if line not in drop]
            _write(self.paths[name], "".join(kept))
        for name, text in (call.get("append") or {}).items():
            content = _read(self.paths[name])
            _write(self.paths[name], content + "".join(_lines(text)))
        return call.get("rc", 0), call.get("out", ""), call.get("err", "")

    def method(self):
        """``run_command`` as an AnsibleModule method bound to this fake."""
        fake = self

        def run_command(module, args, **kwargs):
            return fake.run_command(module, args, **kwargs)
        return run_command


def _module_args(case):
    args = dict(case.get("input") or {})
    source = args.pop("rules_from", None)
    if source:
        with open(os.path.join(REPO, source)) as stream:
            args["rules"] = yaml.safe_load(stream)["rules"]
    args["_ansible_check_mode"] = case.get("check_mode", False)
    args["_ansible_diff"] = case.get("diff_mode", False)
    return args


@pytest.mark.parametrize("case", DATA["test_cases"], ids=[case["id"] for case in DATA["test_cases"]])
def test_module(case, tmp_path, monkeypatch):
    paths = dict((name, str(tmp_path / relative)) for name, relative in FILES.items())
    files = dict(DATA["files"])
    files.update(case.get("files") or {})
    for name, value in files.items():
        if value is not None:
            _write(paths[name], _file_text(name, value))
    before = dict((name, _read(path)) for name, path in paths.items())
    monkeypatch.setattr(_ufw_apply, "PATHS", paths)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    ufw = FakeUfw((case.get("mocks") or {}).get("run_command") or [], paths)

    with patch_module_args(_module_args(case)), \
            mock.patch.object(basic.AnsibleModule, "run_command", ufw.method()), \
            mock.patch.object(basic.AnsibleModule, "get_bin_path", return_value=UFW), \
            mock.patch.object(basic.AnsibleModule, "exit_json", _exit_json), \
            mock.patch.object(basic.AnsibleModule, "fail_json", _fail_json):
        with pytest.raises(ModuleExit) as raised:
            ufw_ruleset.main()
    result = raised.value.result

    assert ufw.calls == [], "commands not run: %s" % [call["command"] for call in ufw.calls]
    expected = dict(case["output"])
    for fragment in expected.pop("msg_contains", []):
        assert fragment in result.get("msg", ""), result.get("msg")
    for key, value in expected.items():
        assert key in result, "%s missing from %s" % (key, result)
        assert result[key] == value, key
    if case.get("unchanged_files"):
        assert dict((name, _read(path)) for name, path in paths.items()) == before
    for name, value in (case.get("files_after") or {}).items():
        assert _read(paths[name]) == _file_text(name, value), name


def test_every_case_id_is_unique():
    ids = [case["id"] for case in DATA["test_cases"]]
    assert len(ids) == len(set(ids))


# ---------------------------------------------------------------- the renderer's output, read by the module

GOLDEN = sorted(
    os.path.join(root, name)
    for root, dirs, names in os.walk(os.path.join(REPO, "tests", "golden"))
    for name in names if name == "ufw.yml"
)


@pytest.mark.parametrize("path", GOLDEN, ids=[os.path.basename(os.path.dirname(path)) for path in GOLDEN])
def test_rendered_rules_are_accepted_in_their_canonical_form(path):
    """Every golden ufw rendering validates, and the module writes exactly the words the renderer wrote."""
    with open(path) as stream:
        rendered = yaml.safe_load(stream)["rules"]
    for item in rendered:
        assert _ufw_apply.parse_args(item["args"]).words() == item["args"]
    rules, merged = _ufw_apply.validate_rules(rendered, _ufw_apply.Scope("netreq:"))
    assert len(rules) + len(merged) == len(rendered)


def test_golden_renderings_with_the_same_ufw_rule_twice_are_merged():
    """CAS connector: the CAM and the cloud license server both need tcp/443 to any (host names left to a proxy)."""
    with open(os.path.join(REPO, "tests", "golden", "teradici_cas_connector", "ufw.yml")) as stream:
        rendered = yaml.safe_load(stream)["rules"]
    rules, merged = _ufw_apply.validate_rules(rendered, _ufw_apply.Scope("netreq:", ["teradici_cas"]))
    assert len(merged) == 1 and len(rules) == len(rendered) - 1
    assert merged == [
        "rules[3] (id connector_out_https_cloud_license) with comment "
        "'netreq:teradici_cas:connector_out_https_cloud_license' is merged into rules[2] "
        "'ufw allow out proto tcp to any port 443 comment netreq:teradici_cas:connector_out_https_cam' "
        "(ufw keeps one rule per match)"]


def test_golden_rules_cover_both_ip_families():
    """At least one golden file has IPv6 rules, so the canonical-form test above covers them."""
    families = set()
    for path in GOLDEN:
        with open(path) as stream:
            for item in yaml.safe_load(stream)["rules"]:
                families |= _ufw_apply.parse_args(item["args"]).families(True)
    assert families == {4, 6}


@pytest.mark.parametrize("line, words, families", [
    ("allow tcp 443 0.0.0.0/0 any 198.51.100.0/24 in comment=6e65747265713a703a61",
     ["allow", "in", "proto", "tcp", "from", "198.51.100.0/24", "to", "any", "port", "443", "comment", "netreq:p:a"],
     {4}),
    ("allow any any 198.51.100.0/24 any 0.0.0.0/0 out",
     ["allow", "out", "to", "198.51.100.0/24"], {4}),
    ("deny tcp 2222 ::/0 any ::/0 in", ["deny", "in", "proto", "tcp", "from", "any", "to", "any", "port", "2222"],
     {4, 6}),
    ("limit tcp 22 0.0.0.0/0 any 0.0.0.0/0 in", ["limit", "in", "proto", "tcp", "from", "any", "to", "any", "port", "22"],
     {4, 6}),
    ("allow tcp 80,443,1000:2000 2001:db8::/32 any ::/0 out",
     ["allow", "out", "proto", "tcp", "to", "2001:db8::/32", "port", "80,443,1000:2000"], {6}),
    ("reject_log-all udp any 0.0.0.0/0 53 10.0.0.0/8 out_eth1",
     ["reject", "out", "on", "eth1", "log-all", "proto", "udp", "from", "10.0.0.0/8", "port", "53", "to", "any"], {4}),
])
def test_tuple_lines_read_as_ufw_commands(line, words, families):
    """Tuple lines as ufw 0.36.2 writes them, read back as the ufw command that creates them."""
    rule = _ufw_apply.parse_tuple(line)
    assert rule.manageable
    assert rule.words() == words
    assert _ufw_apply.parse_args(words).key == rule.key
    assert rule.families(True) == families


@pytest.mark.parametrize("line", [
    "route:allow any any 10.0.0.0/8 any 0.0.0.0/0 in_eth0!out_eth1",
    "allow tcp 22 0.0.0.0/0 any 0.0.0.0/0 OpenSSH - in",
    "something ufw may write one day",
])
def test_route_app_and_unknown_tuples_are_not_manageable(line):
    assert not _ufw_apply.parse_tuple(line).manageable


def test_comment_that_is_not_hex_is_kept_as_written():
    assert _ufw_apply.parse_tuple("allow any any 10.0.0.0/8 any 0.0.0.0/0 out comment=zz").comment == "zz"


@pytest.mark.parametrize("value, expected", [
    ("80", "80"),
    ("443,80", "80,443"),
    ("1000:2000,22,1000", "22,1000,1000:2000"),
    ("1,2,3,4,5,6,7,8,9,10,11,12,13:14", "1,2,3,4,5,6,7,8,9,10,11,12,13:14"),
])
def test_ports_are_sorted_as_ufw_sorts_them(value, expected):
    assert _ufw_apply._ports(value) == expected


@pytest.mark.parametrize("value, expected", [
    ("any", "any"), ("ANY", "any"), ("10.0.0.1/32", "10.0.0.1"), ("10.0.0.0/8", "10.0.0.0/8"),
    ("2001:0db8::1/128", "2001:db8::1"), ("2001:DB8::/32", "2001:db8::/32"), ("0.0.0.0/0", "0.0.0.0/0"),
])
def test_addresses_are_normalized_as_ufw_stores_them(value, expected):
    assert _ufw_apply._address(value) == expected


def test_ipv4_mapped_addresses_are_refused():
    with pytest.raises(_ufw_apply.UfwError, match="IPv4-mapped"):
        _ufw_apply._address("::ffff:192.0.2.1")


def test_explicit_family_any_addresses_are_one_family():
    v4 = _ufw_apply.parse_args(["allow", "out", "proto", "tcp", "to", "0.0.0.0/0", "port", "80"])
    v6 = _ufw_apply.parse_args(["allow", "in", "from", "::/0", "to", "any", "port", "22", "proto", "tcp"])
    both = _ufw_apply.parse_args(["allow", "out", "proto", "tcp", "to", "any", "port", "80"])
    assert v4.key == both.key
    assert (v4.families(True), v6.families(True), both.families(True)) == ({4}, {6}, {4, 6})
    assert v6.words() == ["allow", "in", "proto", "tcp", "from", "::/0", "to", "any", "port", "22"]
    assert v4.words() == ["allow", "out", "proto", "tcp", "to", "0.0.0.0/0", "port", "80"]
    with pytest.raises(_ufw_apply.UfwError, match="mix IPv4 and IPv6"):
        _ufw_apply.parse_args(["allow", "out", "from", "0.0.0.0/0", "to", "2001:db8::/32"])
