# -*- coding: utf-8 -*-
# Copyright (c) netreq.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Recorded-host tests of netreq.firewall.nftables_ruleset (cases in test_nftables_ruleset.yaml).

``<NS_SCRIPT>`` in a recorded command is the script run in the throwaway namespace,
``<EXPIRE_SCRIPT>`` the one an expiry timer runs.
"""

from __future__ import annotations

import pytest

import recorded_host
from ansible_collections.netreq.firewall.plugins.module_utils._apply.nftables.apply import EXPIRE_SCRIPT, NS_SCRIPT
from ansible_collections.netreq.firewall.plugins.modules import nftables_ruleset

CASES = recorded_host.load_cases(__file__)


@pytest.mark.parametrize("case", CASES, ids=recorded_host.case_ids(CASES))
def test_module(case, recorded):
    recorded.placeholders["<NS_SCRIPT>"] = NS_SCRIPT
    recorded.placeholders["<EXPIRE_SCRIPT>"] = EXPIRE_SCRIPT
    recorded.check(nftables_ruleset.main, case)
