# -*- coding: utf-8 -*-
# Copyright (c) netreq.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Recorded-host tests of netreq.firewall.host_ruleset_info (cases in test_host_ruleset_info.yaml)."""

from __future__ import annotations

import pytest
import recorded_host

from ansible_collections.netreq.firewall.plugins.modules import host_ruleset_info

CASES = recorded_host.load_cases(__file__)


@pytest.fixture(autouse=True)
def fake_root(recorded, monkeypatch):
    """ufw's files under the recorded host's root."""
    recorded_host.repoint_backend_files(recorded, monkeypatch)


@pytest.mark.parametrize("case", CASES, ids=recorded_host.case_ids(CASES))
def test_module(case, recorded):
    recorded.check(host_ruleset_info.main, case)
