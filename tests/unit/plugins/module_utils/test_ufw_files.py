# -*- coding: utf-8 -*-
# Copyright (c) netreq.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The ufw applier's pure parts against files ufw's own CLI wrote (ufw_cli/README.md)."""

from __future__ import annotations

import os

import pytest
import yaml

from ansible_collections.netreq.firewall.plugins.module_utils._apply.ufw import args as _ufw_args
from ansible_collections.netreq.firewall.plugins.module_utils._apply.ufw import files as _ufw_files
from ansible_collections.netreq.firewall.plugins.module_utils._apply.ufw import blocks as _ufw_plan
from ansible_collections.netreq.firewall.plugins.module_utils._apply.ufw import rules as _ufw_rules

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", "..", "..", ".."))
CLI = os.path.join(HERE, "ufw_cli")
CHAINS = {"input": "deny", "output": "deny", "forward": "deny"}


def _read(*parts):
    with open(os.path.join(CLI, *parts), encoding="utf-8") as stream:
        return stream.read()


def _cli_rules():
    with open(os.path.join(REPO, "extensions", "molecule", "ufw", "vars", "cli_rules.yml"), encoding="utf-8") as stream:
        return [_ufw_args.parse_args(item["args"]) for item in yaml.safe_load(stream)["ufw_cli_rules"]]


def test_the_files_written_for_the_cli_rules_are_the_files_ufw_wrote():
    """Every rule kind, IPv4, IPv6 and both, and a policy change: the bytes ufw 0.36.2's CLI wrote."""
    files = {4: _ufw_files.RulesFile(_read("before", "user.rules")), 6: _ufw_files.RulesFile(_read("before", "user6.rules"))}
    settings = _ufw_files.read_settings(_read("before", "ufw"), _read("before", "ufw.conf"))
    plan = _ufw_plan.compute_plan(files, settings, True, _ufw_plan.Scope("cmp:"), _cli_rules(),
                                  policies={"outgoing": "deny"})
    assert plan.policy_changes == ["outgoing"] and plan.activation is None
    for family, name in ((4, "user.rules"), (6, "user6.rules")):
        written = files[family].render(plan.blocks[family], _ufw_files.logging_lines(family, "low", CHAINS, True))
        assert written == _read("after", name), name
    defaults = _ufw_files.set_default(_read("before", "ufw"), "DEFAULT_OUTPUT_POLICY", '"DROP"')
    assert defaults == _read("after", "ufw")


@pytest.mark.parametrize("level", ["off", "medium", "high", "full"])
@pytest.mark.parametrize("family, name", [(4, "user.rules"), (6, "user6.rules")])
def test_logging_parts_are_the_ones_ufw_wrote(level, family, name):
    text = _read("logging", "%s-%s" % (level, name))
    start = text.index(_ufw_files.LOGGING_MARK) + len(_ufw_files.LOGGING_MARK)
    assert _ufw_files.logging_lines(family, level, CHAINS, True) == text[start:text.index(_ufw_files.END_LOGGING)].splitlines()


def test_rules_files_written_by_ufw_render_back_byte_for_byte():
    for name in ("before/user.rules", "after/user.rules", "after/user6.rules", "logging/full-user6.rules"):
        rules_file = _ufw_files.RulesFile(_read(*name.split("/")))
        assert rules_file.full
        assert rules_file.render(rules_file.blocks) == rules_file.text, name


def test_the_package_template_is_not_in_ufw_s_form():
    template = "*filter\n:ufw6-user-input - [0:0]\n### RULES ###\nCOMMIT\n"
    rules_file = _ufw_files.RulesFile(template)
    assert not rules_file.full and rules_file.blocks == []
    with pytest.raises(_ufw_files.FileFormError):
        rules_file.render([])
    with pytest.raises(_ufw_files.FileFormError):
        _ufw_files.RulesFile("*filter\nCOMMIT\n")


def test_tuples_of_the_cli_files_read_back_as_the_rules_given():
    """The rules read from ufw's files are the rules asked for (the same idents), in the same order."""
    wanted = _cli_rules()
    got4 = _ufw_files.RulesFile(_read("after", "user.rules")).rules()
    got6 = _ufw_files.RulesFile(_read("after", "user6.rules")).rules()
    assert [rule.ident for rule in got4] == [rule.ident for rule in wanted if 4 in rule.families(True)]
    assert [rule.ident for rule in got6] == [rule.ident for rule in wanted if 6 in rule.families(True)]
    assert any(rule.comment == "cmp:out_utf8 ünïcödé ✓" for rule in got4)


def test_settings_are_read_as_ufw_reads_them():
    settings = _ufw_files.read_settings('IPV6=yes\nDEFAULT_INPUT_POLICY="DROP"\nIPT_SYSCTL=/etc/ufw/sysctl.conf\n'
                                        'IPT_MODULES=""\n', "ENABLED=no\nENABLED=yes\n# ENABLED=no\n")
    assert settings == {"ipv6": "yes", "default_input_policy": "drop", "enabled": "yes"}
    assert _ufw_files.policy_name(settings, "input") == "deny"


def test_set_default_replaces_every_line_or_appends():
    assert _ufw_files.set_default("A=1\nB=2\nA=3\n", "A", "x") == "A=x\nB=2\nA=x\n"
    assert _ufw_files.set_default("B=2\n", "A", "x") == "B=2\nA=x\n"


def test_default_policy_swaps_the_catch_all_log_prefixes_as_ufw_does():
    text = '-A ufw-after-input -j LOG --log-prefix "[UFW BLOCK] "\n# [UFW ALLOW]\n'
    assert _ufw_files.switch_log_prefixes(text, "allow") == text.replace("UFW BLOCK", "UFW ALLOW")
    assert _ufw_files.switch_log_prefixes(text, "deny") == text.replace("UFW ALLOW", "UFW BLOCK")


@pytest.mark.parametrize("line, words, families", [
    ("allow tcp 443 0.0.0.0/0 any 198.51.100.0/24 in comment=6e65747265713a703a61",
     ["allow", "in", "proto", "tcp", "from", "198.51.100.0/24", "to", "any", "port", "443", "comment", "netreq:p:a"],
     {4}),
    ("allow any any 198.51.100.0/24 any 0.0.0.0/0 out", ["allow", "out", "to", "198.51.100.0/24"], {4}),
    ("deny tcp 2222 ::/0 any ::/0 in", ["deny", "in", "proto", "tcp", "from", "any", "to", "any", "port", "2222"],
     {4, 6}),
    ("allow tcp 80,443,1000:2000 2001:db8::/32 any ::/0 out",
     ["allow", "out", "proto", "tcp", "to", "2001:db8::/32", "port", "80,443,1000:2000"], {6}),
    ("reject_log-all udp any 0.0.0.0/0 53 10.0.0.0/8 out_eth1",
     ["reject", "out", "on", "eth1", "log-all", "proto", "udp", "from", "10.0.0.0/8", "port", "53", "to", "any"], {4}),
])
def test_tuple_lines_read_as_ufw_commands(line, words, families):
    rule = _ufw_rules.parse_tuple("### tuple ### " + line)
    assert rule.plain and rule.words() == words
    assert _ufw_args.parse_args(words).ident == rule.ident
    assert rule.families(True) == families


@pytest.mark.parametrize("line", [
    "route:allow any any 10.0.0.0/8 any 0.0.0.0/0 in_eth0!out_eth1",
    "allow tcp 22 0.0.0.0/0 any 0.0.0.0/0 OpenSSH - in",
    "something ufw may write one day",
])
def test_route_app_and_unknown_tuples_are_kept_but_not_plain(line):
    rule = _ufw_rules.parse_tuple(line)
    assert not rule.plain and rule.text().startswith("### tuple ###")


def test_a_comment_that_is_not_hex_is_kept_as_written():
    assert _ufw_rules.parse_tuple("allow any any 10.0.0.0/8 any 0.0.0.0/0 out comment=zz").comment == "zz"


@pytest.mark.parametrize("value, expected", [
    ("80", "80"), ("443,80", "80,443"), ("1000:2000,22,1000", "22,1000,1000:2000"),
])
def test_ports_are_sorted_as_ufw_sorts_them(value, expected):
    assert _ufw_args._ports(value) == expected


@pytest.mark.parametrize("value, expected", [
    ("any", "any"), ("10.0.0.1/32", "10.0.0.1"), ("10.0.0.0/8", "10.0.0.0/8"),
    ("2001:0db8::1/128", "2001:db8::1"), ("2001:DB8::/32", "2001:db8::/32"), ("0.0.0.0/0", "0.0.0.0/0"),
])
def test_addresses_are_normalized_as_ufw_stores_them(value, expected):
    assert _ufw_args._address(value) == expected


@pytest.mark.parametrize("args, message", [
    (["allow", "out", "from", "0.0.0.0/0", "to", "2001:db8::/32"], "mix IPv4 and IPv6"),
    (["allow", "out", "to", "10.0.0.1/8"], "host bits"),
    (["allow", "out", "to", "::ffff:198.51.100.1"], "IPv4-mapped"),
    (["allow", "out", "proto", "esp", "to", "any", "port", "1"], "takes no ports"),
    (["allow", "out", "to", "any", "port", "1,2"], "need proto tcp or udp"),
    (["allow", "out", "proto", "tcp", "to", "any", "port", ",".join(str(port) for port in range(1, 17))], "15 ports"),
    (["allow", "out", "proto", "tcp", "to", "any", "port", "80,80"], "twice"),
    (["route", "allow", "in"], "first word"),
    (["allow", "in", "on", "eth0!"], "interface"),
    (["allow", "out", "to", "any", "comment", "it's"], "single quote"),
])
def test_what_ufw_would_refuse_or_change_is_refused(args, message):
    with pytest.raises(_ufw_rules.RuleError, match=message):
        _ufw_args.parse_args(args)


def test_explicit_family_any_addresses_pin_one_family():
    v4 = _ufw_args.parse_args(["allow", "out", "proto", "tcp", "to", "0.0.0.0/0", "port", "80"])
    both = _ufw_args.parse_args(["allow", "out", "proto", "tcp", "to", "any", "port", "80"])
    assert v4.key == both.key
    assert (v4.families(True), both.families(True), both.families(False)) == ({4}, {4, 6}, {4})
    assert v4.words() == ["allow", "out", "proto", "tcp", "to", "0.0.0.0/0", "port", "80"]


GOLDEN = sorted(os.path.join(root, name) for root, dirs, names in os.walk(os.path.join(REPO, "tests", "golden"))
                for name in names if name == "ufw.yml")


@pytest.mark.parametrize("path", GOLDEN, ids=[os.path.basename(os.path.dirname(path)) for path in GOLDEN])
def test_rendered_rules_read_back_in_their_canonical_form(path):
    """The module reads every golden ufw rendering, and writes the words the renderer wrote."""
    with open(path, encoding="utf-8") as stream:
        for item in yaml.safe_load(stream)["rules"]:
            assert _ufw_args.parse_args(item["args"]).words() == item["args"]
