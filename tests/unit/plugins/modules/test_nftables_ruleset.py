# -*- coding: utf-8 -*-
# Copyright (c) netreq.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of netreq.firewall.nftables_ruleset, driven by test_nftables_ruleset.yaml.

Each case of the YAML file gives the module arguments (``input``), the run
flags (``flags``: check, diff, missing binaries), the exact sequence of
``run_command`` calls the module must make with their canned results
(``run_command``), and the expected result (``output``: a subset of keys
compared for equality; ``output_contains``: substrings of string values,
``warnings_contains`` likewise for the warnings). In commands, ``<FILE>``
stands for the temporary file the module wrote (its content is compared with
``file`` when given) and ``<NS_SCRIPT>`` for the shell script run in the
throwaway namespace. Nothing is executed: nft is never run by these tests.

The parser tests at the end exercise the private module_util directly.
"""

from __future__ import annotations

import json
import os

import pytest
import yaml

from ansible.module_utils import basic
from ansible.module_utils.testing import patch_module_args

from ansible_collections.netreq.firewall.plugins.module_utils import _nft_apply
from ansible_collections.netreq.firewall.plugins.modules import nftables_ruleset

CASES_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "test_nftables_ruleset.yaml")
with open(CASES_FILE) as _stream:
    CASES = yaml.safe_load(_stream)["test_cases"]


class ModuleExit(Exception):
    def __init__(self, result, failed):
        super().__init__(result.get("msg", ""))
        self.result = result
        self.failed = failed


class RunCommandScript(object):
    """A fake ``run_command`` that checks each call against the next expected one."""

    def __init__(self, expected):
        self.expected = list(expected)
        self.calls = []
        self.warnings = []

    def __call__(self, module, args, **kwargs):
        index = len(self.calls)
        self.calls.append(list(args))
        assert index < len(self.expected), "unexpected run_command call %r" % (args,)
        step = self.expected[index]
        want = step["command"]
        assert len(args) == len(want), "call %d: got %r, expected %r" % (index, args, want)
        for got, wanted in zip(args, want):
            if wanted == "<FILE>":
                assert got.endswith(".nft") and os.path.isfile(got), "call %d: %r is not the ruleset file" % (index, got)
                if "file" in step:
                    with open(got) as stream:
                        assert stream.read() == step["file"], "call %d: ruleset file content" % index
            elif wanted == "<NS_SCRIPT>":
                assert got == _nft_apply._NS_SCRIPT
            else:
                assert got == wanted, "call %d: got %r, expected %r" % (index, args, want)
        return step.get("rc", 0), step.get("out", ""), step.get("err", "")


@pytest.fixture
def fake_host(monkeypatch, tmp_path):
    def install(flags, expected):
        missing = set(flags.get("missing", []))

        def get_bin_path(module, name, required=False, opt_dirs=None):
            if name in missing:
                if required:
                    module.fail_json(msg="Failed to find required executable %s" % name)
                return None
            return "/testbin/%s" % name

        def exit_json(module, **result):
            raise ModuleExit(result, failed=False)

        def fail_json(module, msg, **result):
            result["msg"] = msg
            raise ModuleExit(result, failed=True)

        script = RunCommandScript(expected)

        def run_command(module, args, **kwargs):
            return script(module, args, **kwargs)

        def warn(module, warning):
            script.warnings.append(warning)

        monkeypatch.setattr(basic.AnsibleModule, "get_bin_path", get_bin_path)
        monkeypatch.setattr(basic.AnsibleModule, "run_command", run_command)
        monkeypatch.setattr(basic.AnsibleModule, "warn", warn)
        monkeypatch.setattr(basic.AnsibleModule, "exit_json", exit_json)
        monkeypatch.setattr(basic.AnsibleModule, "fail_json", fail_json)
        return script
    return install


def run_module(case, fake_host, tmp_path):
    flags = case.get("flags") or {}
    script = fake_host(flags, case.get("run_command") or [])
    args = dict(case["input"])
    args["_ansible_check_mode"] = bool(flags.get("check"))
    args["_ansible_diff"] = bool(flags.get("diff"))
    args["_ansible_remote_tmp"] = str(tmp_path)
    args["_ansible_tmpdir"] = str(tmp_path)
    with patch_module_args(args):
        with pytest.raises(ModuleExit) as caught:
            nftables_ruleset.main()
    return script, caught.value


@pytest.mark.parametrize("case", CASES, ids=[case["id"] for case in CASES])
def test_module(case, fake_host, tmp_path):
    script, outcome = run_module(case, fake_host, tmp_path)
    result = outcome.result
    assert outcome.failed == case.get("failed", False), json.dumps(result, indent=2, default=str)
    assert len(script.calls) == len(script.expected), "made %d of %d expected run_command calls: %r" % (
        len(script.calls), len(script.expected), script.calls)
    for key, value in (case.get("output") or {}).items():
        assert key in result, "result lacks %s: %r" % (key, result)
        assert result[key] == value, "%s: got %r" % (key, result[key])
    for key, texts in (case.get("output_contains") or {}).items():
        for text in ([texts] if isinstance(texts, str) else texts):
            assert text in result[key], "%s: %r not in %r" % (key, text, result[key])
    for text in case.get("warnings_contains") or []:
        assert any(text in warning for warning in script.warnings), script.warnings
    if not case.get("warnings_contains"):
        assert not script.warnings
    if (case.get("flags") or {}).get("diff") and not outcome.failed:
        assert set(result["diff"]) == {"before", "after", "before_header", "after_header"}
    elif not outcome.failed:
        assert "diff" not in result


def test_every_case_has_a_distinct_id():
    ids = [case["id"] for case in CASES]
    assert len(ids) == len(set(ids))


# ---------------------------------------------------------------- the module_util's reading of nft text

@pytest.mark.parametrize("spec, expected", [
    ("inet netreq", ("inet", "netreq")),
    ("  ip6   fw_1 ", ("ip6", "fw_1")),
])
def test_table_spec(spec, expected):
    assert _nft_apply.parse_table_spec(spec) == expected


@pytest.mark.parametrize("spec", ["netreq", "inet", "inet net-req", "bogus netreq", "inet 1abc", "inet a b", "inet " + "a" * 65])
def test_bad_table_spec(spec):
    with pytest.raises(_nft_apply.RulesetError, match="table must be"):
        _nft_apply.parse_table_spec(spec)


@pytest.mark.parametrize("text, offender", [
    ("table inet other { chain c { accept } }\n", "table inet other"),
    ("flush ruleset\ntable inet netreq { }\n", "flush ruleset"),
    ('include "/etc/nftables.conf"\ntable inet netreq { }\n', "include"),
    ("define X = 1\ntable inet netreq { }\n", "define"),
    ("table inet netreq { }\nadd rule inet filter input accept\n", "inet filter"),
    ("table inet netreq { }\nadd rule netreq input accept\n", "ip netreq"),  # nft's default family is ip
    ("table inet netreq { }\ndelete table ip netreq\n", "ip netreq"),
    ("table inet netreq { }\nadd element ip6 netreq s { ::1 }\n", "ip6 netreq"),
    ("table inet netreq { }\nlist ruleset\n", "list ruleset"),
    ("table inet netreq { }; table ip nat { }\n", "ip nat"),
    ("table inet netreq { }\nadd ct helper inet other h { type \"ftp\" protocol tcp; }\n", "inet other"),
])
def test_validation_refuses_other_tables_and_global_commands(text, offender):
    with pytest.raises(_nft_apply.RulesetError) as err:
        _nft_apply.validate_ruleset(text, "inet", "netreq")
    assert offender in str(err.value)


@pytest.mark.parametrize("text, message", [
    ("", "empty"),
    ("table inet netreq\ndelete table inet netreq\n", "does not define"),
    ("table inet netreq { }\ndelete table inet netreq\n", "state=absent"),
    ("table inet netreq {\n\tchain c {\n", "never closed"),
    ("table inet netreq { }\n}\n", "without a matching"),
    ('table inet netreq { chain c { accept comment "open } }\n', "unterminated"),
])
def test_validation_refuses_broken_or_self_deleting_text(text, message):
    with pytest.raises(_nft_apply.RulesetError, match=message):
        _nft_apply.validate_ruleset(text, "inet", "netreq")


def test_validation_keeps_the_replace_prelude_and_adds_it_when_missing():
    full = "table inet netreq\ndelete table inet netreq\ntable inet netreq {\n}\n"
    assert _nft_apply.validate_ruleset(full, "inet", "netreq") == full
    assert _nft_apply.validate_ruleset("table inet netreq { }", "inet", "netreq") == (
        "table inet netreq\ndelete table inet netreq\ntable inet netreq { }\n")
    flushed = "flush table inet netreq\ntable inet netreq { }\n"
    assert _nft_apply.validate_ruleset(flushed, "inet", "netreq") == "table inet netreq\ndelete table inet netreq\n" + flushed


def test_validation_is_not_fooled_by_quotes_comments_and_continuations():
    text = (
        "# table inet other { }\n"
        "table inet netreq\n"
        "delete table inet netreq\n"
        "table inet netreq {\n"
        '\tchain output { type filter hook output priority filter; policy accept; ip daddr \\\n'
        '\t\t{ 192.0.2.1,\n\t\t  192.0.2.2 } accept comment "}; table inet other { #"\n'
        "\t}\n"
        "}\n"
        "add element inet netreq s { 192.0.2.9 }\n"
    )
    assert _nft_apply.validate_ruleset(text, "inet", "netreq") == text


def test_canonical_table_matches_nft_listing_style():
    rendered = (
        "table inet netreq\ndelete table inet netreq\ntable inet netreq {\n"
        "\tset web_v4 { type ipv4_addr; flags interval; }\n"
        "\tchain output {\n"
        "\t\ttype filter hook output priority filter; policy drop;\n"
        "\t\tct state established , related accept\n"
        "\t\tip daddr {192.0.2.1,192.0.2.2}   tcp dport 443 counter accept comment \"a  b\"\n"
        "\t}\n"
        "\tchain input { type filter hook input priority filter\n policy accept\n }\n"
        "}\n"
        "add element inet netreq web_v4 { 192.0.2.7 }\n"
    )
    listing = (
        "table inet netreq {\n"
        "\tset web_v4 {\n\t\ttype ipv4_addr\n\t\tflags interval\n"
        "\t\telements = { 192.0.2.7, 192.0.2.8,\n\t\t\t     192.0.2.9 }\n\t}\n\n"
        "\tchain output {\n"
        "\t\ttype filter hook output priority filter; policy drop;\n"
        "\t\tct state established,related accept\n"
        "\t\tip daddr { 192.0.2.1, 192.0.2.2 } tcp dport 443 counter packets 12 bytes 3456 accept comment \"a  b\"\n"
        "\t}\n\n"
        "\tchain input {\n\t\ttype filter hook input priority filter; policy accept;\n\t}\n"
        "}\n"
    )
    expected = (
        "table inet netreq {\n"
        "\tset web_v4 {\n\t\ttype ipv4_addr\n\t\tflags interval\n\t}\n\n"
        "\tchain output {\n"
        "\t\ttype filter hook output priority filter; policy drop;\n"
        "\t\tct state established,related accept\n"
        "\t\tip daddr { 192.0.2.1, 192.0.2.2 } tcp dport 443 counter accept comment \"a  b\"\n"
        "\t}\n\n"
        "\tchain input {\n\t\ttype filter hook input priority filter; policy accept;\n\t}\n"
        "}\n"
    )
    assert _nft_apply.canonical_table(rendered, "inet", "netreq") == expected
    assert _nft_apply.canonical_table(listing, "inet", "netreq") == expected


def test_canonical_table_merges_repeated_definitions_and_orders_sets_first():
    text = ("table inet netreq { chain a { accept } }\n"
            "table inet netreq { set s { type ipv4_addr; } chain a { drop } }\n")
    assert _nft_apply.canonical_table(text, "inet", "netreq") == (
        "table inet netreq {\n\tset s {\n\t\ttype ipv4_addr\n\t}\n\n\tchain a {\n\t\taccept\n\t\tdrop\n\t}\n}\n")


def test_canonical_table_of_nothing_and_of_a_deleted_table():
    assert _nft_apply.canonical_table("", "inet", "netreq") == ""
    assert _nft_apply.canonical_table("table inet netreq { }\ndelete table inet netreq\n", "inet", "netreq") == ""


def test_canonical_table_refuses_what_text_cannot_follow():
    with pytest.raises(_nft_apply.RulesetError, match="private network namespace"):
        _nft_apply.canonical_table("table inet netreq { chain c { } }\nadd rule inet netreq c accept\n", "inet", "netreq")


def test_plan_is_a_multiset_difference_in_listing_order():
    before = "table inet netreq {\n\tchain c {\n\t\taccept\n\t\taccept\n\t\tdrop\n\t}\n}\n"
    after = "table inet netreq {\n\tflags dormant\n\tchain c {\n\t\taccept\n\t\treject\n\t}\n}\n"
    assert _nft_apply.plan_changes(before, after) == {
        "action": "replace", "added": ["table: flags dormant", "chain c: reject"], "removed": ["chain c: accept", "chain c: drop"]}
    assert _nft_apply.plan_changes("", after)["action"] == "create"
    assert _nft_apply.plan_changes(before, "")["action"] == "delete"
    assert _nft_apply.plan_changes(before, before) == {"action": "none", "added": [], "removed": []}


def test_rule_lines_skip_the_chain_header():
    listing = "table inet netreq {\n\tchain c {\n\t\ttype filter hook input priority filter; policy accept;\n\t\taccept\n\t}\n}\n"
    assert _nft_apply.rule_lines(listing) == ["accept"]
