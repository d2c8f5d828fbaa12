# -*- coding: utf-8 -*-
# Copyright (c) netreq.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""PRIVATE: host commands run the one way every host module runs them, and the errors of a host step.

This module is private to the netreq.firewall collection; its API may change
without notice. It runs on managed hosts (ansible.module_utils only).

Why apart from ``_apply/skeleton.py``: the no-op memo module (``host_ruleset_memo``)
detects the backend and reads its state through the same runner, and its
payload must stay small; importing the applier skeleton would ship the
journal, the expiry timers and the plan shape with it.
"""

from __future__ import annotations

from ansible_collections.netreq.firewall.plugins.module_utils._model.errors import ApplyError

# Commands run with the C locale so their output and messages can be parsed.
C_LOCALE = {"LANG": "C", "LC_ALL": "C", "LC_MESSAGES": "C"}


# ---------------------------------------------------------------- commands

class CommandRunner(object):
    """Runs host commands through ``module.run_command``; records every command that changed the host."""

    def __init__(self, module):
        self.module = module
        module.run_command_environ_update = dict(C_LOCALE)
        self.log = []

    def binary(self, name, required=True):
        path = self.module.get_bin_path(name, required=False)
        if not path and required:
            raise ApplyError("%s is not installed on the host (not found in PATH or the sbin directories)" % name)
        return path

    def run(self, argv, data=None):
        """Run without judging the exit code: ``(rc, stdout, stderr)``."""
        return self.module.run_command([str(word) for word in argv], data=data, check_rc=False,
                                       binary_data=data is not None)

    def read(self, argv, what, data=None):
        """A read-only command that must succeed; its stdout."""
        rc, out, err = self.run(argv, data)
        if rc != 0:
            raise ApplyError("cannot %s: %s" % (what, (err or out).strip() or "exit code %d" % rc),
                             cmd=list(argv), rc=rc, stdout=out, stderr=err)
        return out

    def change(self, argv, what, data=None, atomic=False):
        """A command that changes the host; recorded in ``log`` (the module's ``commands``).

        ``atomic``: the command either does all of its change or none of it
        (an ``nft -f`` transaction), so its failure left the host unchanged and
        there is nothing to roll back.
        """
        self.log.append(" ".join(str(word) for word in argv))
        rc, out, err = self.run(argv, data)
        if rc != 0:
            raise ApplyError("%s failed: %s" % (what, (err or out).strip() or "exit code %d" % rc),
                             changed=not atomic, untouched=atomic, cmd=list(argv), rc=rc, stdout=out, stderr=err)
        return out
