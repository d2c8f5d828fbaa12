# -*- coding: utf-8 -*-
# Copyright (c) netreq.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The ``recorded`` fixture of recorded_host.py, for every module test in this folder."""

import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from recorded_host import recorded  # noqa: E402,F401  pylint: disable=wrong-import-position,unused-import
from ansible_collections.netreq.firewall.plugins.module_utils import _ownership  # noqa: E402  pylint: disable=wrong-import-position


@pytest.fixture(autouse=True)
def _nft_boot_record_in_the_fake_host(monkeypatch, tmp_path):
    """The nftables applier's boot record and unit under the test's own directory, never this machine's.

    No systemd runtime directory there: the recorded cases apply without a boot
    record unless a test creates it (``tests/unit/plugins/module_utils/test_nft_persist.py``).
    """
    root = tmp_path / "nft-persist"
    for name, path in list(_ownership.NFT_PERSIST_PATHS.items()):
        monkeypatch.setitem(_ownership.NFT_PERSIST_PATHS, name, str(root) + path)
