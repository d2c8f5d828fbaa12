# -*- coding: utf-8 -*-
# Copyright (c) netreq.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""PRIVATE: the one skeleton every applier of the collection runs on.

This module is private to the netreq.firewall collection; its API may change
without notice. It runs on managed hosts (standard library and
ansible.module_utils only).

Every applier (nftables, ufw, firewalld, and the ones to come) does the same
six steps, in this order, and only ``apply`` and ``rollback`` change the host:

1. ``validate``: the whole input, offline. Nothing on the host has been read
   or touched when it fails, so a bad input never half-applies. ``prepare``
   then lets the host's own parser check it, still read only.
2. ``read``: the owned state, in the structured form the backend offers.
3. ``plan``: plain Python over (desired, state) returning a ``Plan``; the unit
   tests drive it from recorded host output. Check mode stops here, so check
   mode and diff mode report exactly what a real run would do.
4. ``apply``: one batch write (files plus one reload, or one transaction),
   after ``backup`` saved what it will overwrite.
5. ``read`` again and ``verify`` that the host holds the desired state.
6. ``rollback`` when 4 or 5 fails: the backup goes back and the backend
   reloads it; the task fails saying whether the old state was restored.

A real run holds the host lock from the first read to the end, and writes
the backup to an on-disk journal before the first change (``_apply/journal.py``); a
journal left by a run that never finished is restored (``recover``) before
anything is read, so a host is always left holding the old or the new state.

Subclasses only implement the steps; ``Applier.run`` owns the order, the
check-mode guard (there is no other one) and the result, so every module
returns the same keys (``changed``, ``backend``, ``plan``, ``commands``,
``diff``) with the same ``plan`` shape (see ``Plan``).
"""

from __future__ import annotations

from ansible_collections.netreq.firewall.plugins.module_utils._apply import expiry as _expiry
from ansible_collections.netreq.firewall.plugins.module_utils._apply import journal as _journal
from ansible_collections.netreq.firewall.plugins.module_utils._apply import faults
from ansible_collections.netreq.firewall.plugins.module_utils._model.errors import ApplyError, NetreqError
from ansible_collections.netreq.firewall.plugins.module_utils._apply.host_args import DEFAULT_LOCK_TIMEOUT
# re-exported: the appliers import the file helpers from here
from ansible_collections.netreq.firewall.plugins.module_utils._apply.host_files import (  # noqa: F401 pylint: disable=unused-import
    FileBackup,
    read_bytes,
    write_atomic,
)
# re-exported: the appliers import the plan shape from here
from ansible_collections.netreq.firewall.plugins.module_utils._apply.plan import Plan, diff_entries  # noqa: F401 pylint: disable=unused-import
# re-exported: the appliers import the runner from here (the error types live in _model/errors.py)
from ansible_collections.netreq.firewall.plugins.module_utils._apply.runner import (  # noqa: F401 pylint: disable=unused-import
    C_LOCALE,
    CommandRunner,
)


# ---------------------------------------------------------------- the skeleton

class Applier(object):
    """validate -> read -> plan -> (backup -> apply -> read -> verify | rollback); see the module docstring."""

    backend = None  # the backend's name, in results and messages
    # whether the backend's own service loads its temporary rules again at boot, so that
    # _expiry keeps their timers for the expiry unit (nftables' boot record does it itself)
    expiry_at_boot = False

    def __init__(self, module, params=None, runner=None):
        self.module = module
        # the applier's own options: the module's parameters, or a part of them for a dispatching module
        self.params = module.params if params is None else params
        self.runner = runner or CommandRunner(module)
        self.warnings = []
        self.recovered = None  # what a journal of an unfinished apply restored, when there was one
        self.confirm = None  # the pending confirmation, when confirm_timeout armed one

    # a NoopMemo (see _apply/noop_memo.py) that a dispatching module sets; runs record proven no-ops in it
    memo = None
    # a callable(applier, desired, state, plan) a dispatching module sets to look, before anything is
    # written, for rules it does not own that would drop what the plan allows; it may raise ApplyError
    override_check = None

    @classmethod
    def fingerprint(cls, runner, params):
        """A digest of the owned live state read the cheap way, for the no-op memo; None: no memo."""
        return None

    # -- the steps; subclasses implement them

    def validate(self, params):
        """The desired state from the module parameters; raise InputError for anything invalid."""
        raise NotImplementedError

    def prepare(self, desired):
        """Read-only checks of the desired state by the host itself (the kernel's or the daemon's own parser).

        Runs once, after ``validate`` and before the first ``read``; returns the
        desired state, completed with what only the host can tell (for example
        nft's own listing of it). The default has nothing to ask.
        """
        return desired

    def read(self):
        """The owned state on the host (read only)."""
        raise NotImplementedError

    def plan(self, desired, state):
        """A ``Plan`` from the desired and the current state (pure)."""
        raise NotImplementedError

    def backup(self, desired, state, plan):
        """Save what ``apply`` may overwrite; the default saves nothing (a transactional backend)."""
        return FileBackup(())

    def apply(self, desired, state, plan):
        """Make the host hold ``desired``: one batch write. The only step besides rollback that changes it.

        Returns None, or the plan it carried out when it had to plan again (ufw
        has its files rewritten in its own form first); ``verify`` gets that one.
        """
        raise NotImplementedError

    def verify(self, desired, live, plan):
        """Raise ApplyError when the state read back after ``apply`` is not what ``plan`` made of it."""
        raise NotImplementedError

    def rollback(self, backup, state):
        """Put the saved state back after a failed apply and reload it; return what was restored."""
        return backup.restore()

    def describe(self, state):
        """A readable text of an owned state, for ``diff``."""
        raise NotImplementedError

    def describe_desired(self, desired, plan):
        """A readable text of the desired state (as ``plan`` leaves the host), in the same form as ``describe``."""
        raise NotImplementedError

    def owned_entries(self, desired, state, plan):
        """``(desired, live)``: the owned rules as readable one-line entries, for the live-state reports of ``_live``.

        ``plan`` may be None (the reports read without planning where they can).
        """
        raise NotImplementedError

    def subject(self, desired):
        """What the applier owns, in words, for the diff headers."""
        return self.backend

    def report(self, desired, state, plan):
        """Backend-specific keys added to the result."""
        return {}

    def journal_backup(self, backup):
        """The backup ``backup`` returned, as JSON data for the on-disk journal."""
        return backup.to_journal()

    def backup_from_journal(self, data):
        """The backup object ``journal_backup`` wrote."""
        return FileBackup.from_journal(data)

    def temporary_rules(self, desired):
        """``(label, expires, argv)`` per temporary rule of ``desired``: argv removes it from the live firewall."""
        return []

    def recover(self, backup):
        """Restore a journal left by an apply that never finished; the default is the rollback."""
        return self.rollback(backup, None)

    # -- the order, owned here

    def run(self):
        desired = self.prepare(self.validate(self.params))
        journal = _journal.Journal(self.backend)
        if self.module.check_mode:
            if journal.load() is not None:
                self.warnings.append("%s holds an unfinished apply; a real run restores it first" % journal.path)
            return self._run(desired, journal)
        timeout = self.module.params.get("lock_timeout")
        try:
            with _journal.HostLock(DEFAULT_LOCK_TIMEOUT if timeout is None else timeout, self.backend):
                self._recover(journal)
                return self._run(desired, journal)
        except _journal.JournalError as exc:
            raise ApplyError(str(exc), commands=list(self.runner.log))

    def _recover(self, journal):
        data = journal.load()
        if data is None:
            return
        try:
            restored = self.recover(self.backup_from_journal(data["backup"]))
        except Exception as exc:  # pylint: disable=broad-except
            raise ApplyError("an apply that never finished left %s; restoring the state before it failed, nothing "
                             "else was changed: %s" % (journal.path, exc), changed=True, commands=list(self.runner.log))
        journal.clear()
        self.recovered = restored or []
        self.warnings.append("an apply that never finished (pid %s, stage %s) was found in %s; the state before it "
                             "was restored: %s" % (data.get("pid"), data.get("stage"), journal.path,
                                                   ", ".join(self.recovered) or "nothing differed"))

    def _run(self, desired, journal):
        state = self.read()
        plan = self.plan(desired, state)
        if self.override_check is not None:  # foreign rules are the same before and after this apply
            self.override_check(self, desired, state, plan)
        final = state
        if plan.changed and not self.module.check_mode:
            final = self._apply_or_roll_back(desired, state, plan, journal)
        temporary = _expiry.arm(self, self.temporary_rules(desired), self.warnings)
        # restoring an unfinished apply's journal changed the host even when the plan is empty
        result = {"changed": plan.changed or bool(self.recovered), "backend": self.backend, "plan": plan.as_dict(),
                  "commands": list(self.runner.log)}
        if self.module._diff:
            result["diff"] = {
                "before": self.describe(state),
                "after": self.describe_desired(desired, plan) if plan.changed else self.describe(state),
                "before_header": "%s (live)" % self.subject(desired),
                "after_header": "%s (desired)" % self.subject(desired),
            }
        result.update(self.report(desired, final, plan))
        if temporary:
            result["temporary"] = temporary
        if self.recovered is not None:
            result["recovered"] = list(self.recovered)
        if self.confirm:
            result["confirm"] = dict(self.confirm)
        # a proven no-op is remembered, but not while timers (expiry, confirmation) act on the rules
        if self.memo is not None and not self.module.check_mode and not temporary and not self.confirm:
            settled = self.plan(desired, final) if plan.changed else plan
            self.memo.remember(self.fingerprint(self.runner, self.params), settled.as_dict())
        if self.warnings:
            result["warnings"] = list(self.warnings)
        return result

    def _apply_or_roll_back(self, desired, state, plan, journal):
        backup = self.backup(desired, state, plan)
        journal.write(self.journal_backup(backup))  # before the first change; a full disk stops here
        try:
            faults.fault("before-apply")
            applied = self.apply(desired, state, plan) or plan
            faults.fault("after-apply")
        except ApplyError as exc:
            if exc.untouched:  # the write that failed changed nothing: the old state is intact
                journal.clear()
                exc.details.setdefault("commands", list(self.runner.log))
                raise
            failure = exc
        except Exception as exc:  # pylint: disable=broad-except
            # restore first, then report
            failure = exc
        else:
            try:
                live = self.read()
                self.verify(desired, live, applied)
                self.confirm = _journal.confirm_or_clear(self, journal, backup)
                return live
            except Exception as exc:  # pylint: disable=broad-except
                failure = exc
        try:
            restored = self.rollback(backup, state)
        except Exception as rollback_exc:  # the journal stays: the next run restores it again
            raise ApplyError("%s apply failed: %s; restoring the previous state failed too: %s (the next run "
                             "retries from %s)" % (self.backend, failure, rollback_exc, journal.path), changed=True,
                             commands=list(self.runner.log), **_details(failure))
        journal.clear()
        raise ApplyError("%s apply failed, the previous state was restored: %s" % (self.backend, failure),
                         changed=True, restored=restored or [], commands=list(self.runner.log),
                         **_details(failure))


def _details(exc):
    details = dict(getattr(exc, "details", None) or {})
    details.pop("changed", None)
    details.pop("commands", None)
    details.pop("restored", None)
    return details


def run_module(module, applier, extra=None, keys=None, after=None):
    """Run an applier and end the module with its result, or fail with the error's message and details.

    ``applier`` is an Applier, or a callable returning one (so errors while
    choosing it end the module the same way); ``extra`` keys join the result
    (the callable may still fill that dict in). ``keys``, when given, are the
    only result keys kept besides ``extra`` (a dispatching module documents
    fewer keys than each backend's own module returns). ``after``, when given,
    is called with the applier's result once it succeeded and returns keys to
    update it with (work that follows an apply, such as refreshing resolved
    names); its ApplyError fails the module like the applier's.
    """
    extra = extra if extra is not None else {}
    try:
        if not isinstance(applier, Applier):
            applier = applier()
        result = applier.run()
        if after is not None:
            added = after(result)
            result.update(added)
            extra_keys = list(added)
        else:
            extra_keys = []
    except ApplyError as exc:
        details = dict(extra)
        details.update(exc.details)
        module.fail_json(msg=str(exc), changed=exc.changed, **details)
    except NetreqError as exc:
        module.fail_json(msg=str(exc), changed=False, **extra)
    if keys is not None:
        result = dict((key, value) for key, value in result.items()
                      if key in keys or key in extra_keys or key == "warnings")
    result.update(extra)
    warnings = result.pop("warnings", [])
    for warning in warnings:
        module.warn(warning)
    module.exit_json(**result)
