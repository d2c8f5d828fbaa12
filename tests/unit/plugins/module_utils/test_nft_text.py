# -*- coding: utf-8 -*-
# Copyright (c) netreq.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests of the nft text handling: validation, canonical form, plan entries."""

from __future__ import annotations

import pytest

from ansible_collections.netreq.firewall.plugins.module_utils._apply.nftables import text as _nft_text
from ansible_collections.netreq.firewall.plugins.module_utils._apply.skeleton import diff_entries


@pytest.mark.parametrize("spec, expected", [
    ("inet netreq", ("inet", "netreq")),
    ("  ip6   fw_1 ", ("ip6", "fw_1")),
])
def test_table_spec(spec, expected):
    assert _nft_text.parse_table_spec(spec) == expected


@pytest.mark.parametrize("spec", ["netreq", "inet", "inet net-req", "bogus netreq", "inet 1abc", "inet a b", "inet " + "a" * 65])
def test_bad_table_spec(spec):
    with pytest.raises(_nft_text.RulesetError, match="table must be"):
        _nft_text.parse_table_spec(spec)


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
    with pytest.raises(_nft_text.RulesetError) as err:
        _nft_text.validate_ruleset(text, "inet", "netreq")
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
    with pytest.raises(_nft_text.RulesetError, match=message):
        _nft_text.validate_ruleset(text, "inet", "netreq")


def test_validation_keeps_the_replace_prelude_and_adds_it_when_missing():
    full = "table inet netreq\ndelete table inet netreq\ntable inet netreq {\n}\n"
    assert _nft_text.validate_ruleset(full, "inet", "netreq") == full
    assert _nft_text.validate_ruleset("table inet netreq { }", "inet", "netreq") == (
        "table inet netreq\ndelete table inet netreq\ntable inet netreq { }\n")
    flushed = "flush table inet netreq\ntable inet netreq { }\n"
    assert _nft_text.validate_ruleset(flushed, "inet", "netreq") == "table inet netreq\ndelete table inet netreq\n" + flushed


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
    assert _nft_text.validate_ruleset(text, "inet", "netreq") == text


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
    assert _nft_text.canonical_table(rendered, "inet", "netreq") == expected
    assert _nft_text.canonical_table(listing, "inet", "netreq") == expected


def test_canonical_table_merges_repeated_definitions_and_orders_sets_first():
    text = ("table inet netreq { chain a { accept } }\n"
            "table inet netreq { set s { type ipv4_addr; } chain a { drop } }\n")
    assert _nft_text.canonical_table(text, "inet", "netreq") == (
        "table inet netreq {\n\tset s {\n\t\ttype ipv4_addr\n\t}\n\n\tchain a {\n\t\taccept\n\t\tdrop\n\t}\n}\n")


def test_canonical_table_of_nothing_and_of_a_deleted_table():
    assert _nft_text.canonical_table("", "inet", "netreq") == ""
    assert _nft_text.canonical_table("table inet netreq { }\ndelete table inet netreq\n", "inet", "netreq") == ""


def test_canonical_table_refuses_what_text_cannot_follow():
    with pytest.raises(_nft_text.RulesetError, match="private network namespace"):
        _nft_text.canonical_table("table inet netreq { chain c { } }\nadd rule inet netreq c accept\n", "inet", "netreq")


def test_plan_entries_are_a_multiset_difference_in_listing_order():
    before = "table inet netreq {\n\tchain c {\n\t\taccept\n\t\taccept\n\t\tdrop\n\t}\n}\n"
    after = "table inet netreq {\n\tflags dormant\n\tchain c {\n\t\taccept\n\t\treject\n\t}\n}\n"
    added, removed = diff_entries(_nft_text.entries(before), _nft_text.entries(after))
    assert added == ["table: flags dormant", "chain c: reject"]
    assert removed == ["chain c: accept", "chain c: drop"]
    assert diff_entries(_nft_text.entries(before), _nft_text.entries(before)) == ([], [])


def test_rule_lines_skip_the_chain_header():
    listing = "table inet netreq {\n\tchain c {\n\t\ttype filter hook input priority filter; policy accept;\n\t\taccept\n\t}\n}\n"
    assert _nft_text.rule_lines(listing) == ["accept"]
