# -*- coding: utf-8 -*-
# Copyright (c) netreq.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""PRIVATE: the test-only hook that fails, stalls or kills an apply at a named point.

This module is private to the netreq.firewall collection; its API may change
without notice. It runs on managed hosts (standard library only).

The fault scenario and the journal's tests need an apply to die exactly
between two writes, which no real failure does on demand. The hook does
nothing unless ``NETREQ_TEST_FAULT`` is set in the module's environment (only
the tests set it), so normal runs never take another path; it sits in a module
of its own so that the journal, which every apply runs, holds none of it.
"""

from __future__ import annotations

import os
import signal
import time

FAULT_ENV = "NETREQ_TEST_FAULT"


def fault(point):
    """Test-only fault injection at ``point``; inert unless ``NETREQ_TEST_FAULT`` is set.

    The variable holds ``<point>:<action>`` items separated by commas. Actions:
    ``kill`` (SIGKILL to this process: nothing after it runs, not even a
    rollback), ``fail`` (raise, as a failing backend command would), and
    ``sleep=<seconds>`` (stall, to hold the host lock).
    """
    spec = os.environ.get(FAULT_ENV)
    if not spec:
        return
    for item in spec.split(","):
        name, _sep, action = item.strip().partition(":")
        if name != point:
            continue
        if action == "kill":
            os.kill(os.getpid(), signal.SIGKILL)
        elif action == "fail":
            raise RuntimeError("injected fault at %s" % point)
        elif action.startswith("sleep="):
            time.sleep(float(action[len("sleep="):]))
