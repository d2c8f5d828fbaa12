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
from ansible_collections.netreq.firewall.plugins.module_utils._model import ownership as _ownership  # noqa: E402  pylint: disable=wrong-import-position


@pytest.fixture(autouse=True)
def _boot_files_in_the_fake_host(monkeypatch, tmp_path):
    """The boot records and units of the appliers under the test's own directory, never this machine's.

    No systemd runtime directory there: the recorded cases apply without a boot
    record unless a test creates it (``tests/unit/plugins/module_utils/test_nft_persist.py``).
    """
    root = tmp_path / "nft-persist"
    for paths in (_ownership.NFT_PERSIST_PATHS, _ownership.EXPIRY_BOOT_PATHS):
        for name, path in list(paths.items()):
            monkeypatch.setitem(paths, name, str(root) + path)
