# -*- coding: utf-8 -*-
# Copyright (c) netreq.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Recorded-host tests of netreq.firewall.host_ruleset's host side: which backend, and with what options."""

from __future__ import annotations

import pytest
import recorded_host

from ansible_collections.netreq.firewall.plugins.module_utils import _host_detect, _resolve_state, _ufw_apply
from ansible_collections.netreq.firewall.plugins.module_utils._nft_apply import NS_SCRIPT
from ansible_collections.netreq.firewall.plugins.modules import host_ruleset, host_ruleset_memo

CASES = recorded_host.load_cases(__file__)


@pytest.fixture(autouse=True)
def fake_root(recorded, monkeypatch):
    """ufw's files (read by its detection) under the recorded host's root."""
    monkeypatch.setattr(_ufw_apply, "PATHS", dict((name, recorded.path(path)) for name, path in _ufw_apply.PATHS.items()))
    monkeypatch.setattr(_host_detect, "UFW_CONF", recorded.path(_host_detect.UFW_CONF))
    recorded.placeholders["<NS_SCRIPT>"] = NS_SCRIPT
    monkeypatch.setattr(_resolve_state, "PATHS", dict((name, recorded.path(path)) for name, path in _resolve_state.PATHS.items()))
    for name in ("JOURNAL_PATH", "RESOLVE_STATE_PATH"):
        monkeypatch.setattr(host_ruleset_memo, name, recorded.path(getattr(host_ruleset_memo, name)))


@pytest.mark.parametrize("case", CASES, ids=recorded_host.case_ids(CASES))
def test_module(case, recorded):
    recorded.check(host_ruleset.main, case, mains={"host_ruleset_memo": host_ruleset_memo.main})
