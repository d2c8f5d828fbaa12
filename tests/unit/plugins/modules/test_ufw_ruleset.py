# -*- coding: utf-8 -*-
# Copyright (c) netreq.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Recorded-host tests of netreq.firewall.ufw_ruleset (cases in test_ufw_ruleset.yaml)."""

from __future__ import annotations

import os
import time

import pytest
import recorded_host
import yaml

from ansible_collections.netreq.firewall.plugins.module_utils._apply.detect import DETECTORS
from ansible_collections.netreq.firewall.plugins.module_utils._apply.ufw import apply as _ufw_apply
from ansible_collections.netreq.firewall.plugins.modules import ufw_ruleset

CASES = recorded_host.load_cases(__file__)
with open(os.path.splitext(os.path.abspath(__file__))[0] + ".yaml", encoding="utf-8") as _stream:
    ANCHORS = yaml.safe_load(_stream)["anchors"]  # the files the cases start from


@pytest.fixture(autouse=True)
def fake_root(recorded, monkeypatch):
    """ufw's files are under the fake host's root (conftest.py); the kernel's IPv6 is taken as present."""
    monkeypatch.setitem(_ufw_apply.PATHS, "proc_ipv6", "/")


@pytest.mark.parametrize("case", CASES, ids=recorded_host.case_ids(CASES))
def test_module(case, recorded):
    recorded.check(ufw_ruleset.main, case)


def _many(count, label):
    return [{"args": ["allow", "out", "proto", "tcp", "to", "198.51.100.100", "port", str(10000 + number),
                      "comment", "netreq:p:%s%d" % (label, number)]} for number in range(count)]


def test_a_thousand_rules_in_one_call(recorded):
    """1,000 rules are planned, written and replaced in one call each, without a command on a stopped ufw."""
    files = {"/etc/ufw/user.rules": ANCHORS["u4_base"], "/etc/ufw/user6.rules": ANCHORS["u6_base"],
             "/etc/default/ufw": ANCHORS["def"], "/etc/ufw/ufw.conf": ANCHORS["conf_off"]}
    started = time.monotonic()
    result = recorded.check(ufw_ruleset.main, {"id": "first", "input": {"rules": _many(1000, "a")}, "files": files})
    assert result["changed"] and len(result["plan"]["added"]) == 1000 and result["commands"] == []
    assert recorded.read_file("/etc/ufw/user.rules").count("### tuple ###") == 1001
    result = recorded.check(ufw_ruleset.main, {"id": "again", "input": {"rules": _many(1000, "a")}})
    assert not result["changed"] and result["plan"]["unchanged"] == 1000
    result = recorded.check(ufw_ruleset.main, {"id": "replace", "input": {"rules": _many(1000, "b")},
                                               "flags": {"check": True}})
    assert len(result["plan"]["added"]) == 1000 and len(result["plan"]["removed"]) == 1000
    assert time.monotonic() - started < 30


@pytest.mark.parametrize("conf, expected", [("ENABLED=yes\n", True), ("ENABLED=no\n", False), (None, False)])
def test_detect_reads_ufw_conf_only(recorded, conf, expected):
    recorded.write_files({"/etc/ufw/ufw.conf": conf})
    assert DETECTORS["ufw"](None) is expected
    assert recorded.calls == []


class _Module(object):
    """The little of AnsibleModule an applier uses, for a dispatching module's call."""

    params = {"ignored": True}
    check_mode = True
    _diff = False

    def get_bin_path(self, name, required=False):
        raise AssertionError("no command may run in check mode")


def test_a_dispatching_module_passes_its_own_options(recorded):
    recorded.write_files({"/etc/ufw/user.rules": ANCHORS["u4_base"], "/etc/ufw/user6.rules": ANCHORS["u6_base"],
                          "/etc/default/ufw": ANCHORS["def"], "/etc/ufw/ufw.conf": ANCHORS["conf_on"]})
    applier = _ufw_apply.UfwApplier(_Module(), params={"rules": _many(2, "a"), "default_outgoing": "deny"})
    result = applier.run()
    assert result["changed"] and result["commands"] == [] and len(result["plan"]["added"]) == 2
    assert result["plan"]["settings"] == [{"name": "default_outgoing", "before": "allow", "after": "deny"}]


def test_fingerprint_follows_every_file_the_state_is_read_from(recorded):
    """The no-op memo's view of ufw: any edit of a file read by ``read`` must give another digest."""
    files = {"/etc/default/ufw": "DEFAULT_INPUT_POLICY=\"DROP\"\n", "/etc/ufw/ufw.conf": "ENABLED=yes\n",
             "/etc/ufw/user.rules": "*filter\nCOMMIT\n", "/etc/ufw/user6.rules": "*filter\nCOMMIT\n"}
    recorded.write_files(files)
    first = _ufw_apply.UfwApplier.fingerprint(None, {})
    assert first == _ufw_apply.UfwApplier.fingerprint(None, {})
    seen = {first}
    for path in files:
        recorded.write_files({path: files[path] + "# edited\n"})
        changed = _ufw_apply.UfwApplier.fingerprint(None, {})
        assert changed not in seen, path
        seen.add(changed)
    assert recorded.calls == []
