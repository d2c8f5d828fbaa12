# -*- coding: utf-8 -*-
# Copyright (c) netreq.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""PRIVATE: a bounded wait for a host's answer, on the controller.

This module is private to the netreq.firewall collection; its API may change
without notice.

A rule set that drops the packets of the connection carrying it (an
allowlist whose management sources leave the controller out) leaves the
controller's SSH client waiting for an answer that TCP keeps retransmitting
for many minutes. ``answer_within`` turns that into an exception after a
bound the caller chooses, so the task can fail saying what probably
happened. It uses ``SIGALRM``, which Ansible's worker processes (one per host
and task, single-threaded) leave free unless the task sets its own
``timeout`` keyword; the caller passes 0 then and Ansible's bound applies.
"""

from __future__ import annotations

import contextlib
import signal
import threading


class NoAnswer(Exception):
    """The host did not answer within the bound."""

    def __init__(self, seconds):
        super().__init__("no answer within %d s" % seconds)
        self.seconds = seconds


@contextlib.contextmanager
def answer_within(seconds):
    """Raise ``NoAnswer`` in the calling thread when its block runs longer than ``seconds`` (0: unbounded)."""
    if not seconds or seconds <= 0 or threading.current_thread() is not threading.main_thread():
        yield
        return

    def expired(_signum, _frame):
        raise NoAnswer(seconds)

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
