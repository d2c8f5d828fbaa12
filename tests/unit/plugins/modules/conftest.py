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
from fake_linux_host import put_host_under  # noqa: E402  pylint: disable=wrong-import-position


@pytest.fixture(autouse=True)
def _fake_host(monkeypatch, tmp_path):
    """Every host path of the collection under the test's own directory, never this machine's.

    The ``recorded`` fixture's host is this one. No systemd runtime directory
    there: the recorded cases apply without a boot record unless a test
    creates it (``tests/unit/plugins/module_utils/test_nft_persist.py``).
    """
    put_host_under(monkeypatch, str(tmp_path / "host"))
