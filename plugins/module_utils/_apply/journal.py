# -*- coding: utf-8 -*-
# Copyright (c) netreq.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""PRIVATE: what makes an apply survive faults: a host lock and an on-disk journal.

This module is private to the netreq.firewall collection; its API may change
without notice. It runs on managed hosts (standard library only).

* ``HostLock``: one apply at a time per host, whatever the backend. A second
  run waits for the lock up to its timeout and then fails naming the holder;
  the kernel releases an ``flock`` when its holder dies, so a killed run never
  leaves a stale lock behind.
* ``Journal``: the backup of an apply, written to disk (``STATE_DIR``) before
  the first change and removed when the apply is done or rolled back. A
  journal found at the start of a run is an apply that never finished (the
  process was killed, the machine lost power): the skeleton restores it before
  anything else. A journal that cannot be written (a full disk) stops the
  apply before the host was touched.

The test-only fault hook that proves both lives in ``_apply/faults.py``.
"""

from __future__ import annotations

import binascii
import errno
import fcntl
import json
import os
import shutil
import tempfile
import time

from ansible_collections.netreq.firewall.plugins.module_utils._model.errors import NetreqError
from ansible_collections.netreq.firewall.plugins.module_utils._apply.host_args import DEFAULT_LOCK_TIMEOUT
from ansible_collections.netreq.firewall.plugins.module_utils._apply.host_files import read_bytes, write_atomic
from ansible_collections.netreq.firewall.plugins.module_utils._model.ownership import HOST_APPLY_PATHS, journal_path

JOURNAL_VERSION = 1


class JournalError(NetreqError):
    """The journal could not be written or read; nothing was changed by the failing step."""


class HostLock(object):
    """An exclusive ``flock`` on ``HOST_APPLY_PATHS['lock']``, waited for up to ``timeout`` seconds."""

    def __init__(self, timeout, owner):
        self.timeout = max(0, int(timeout))
        self.owner = owner
        self.handle = None

    def __enter__(self):
        path = HOST_APPLY_PATHS["lock"]
        directory = os.path.dirname(path)
        if directory and not os.path.isdir(directory):
            os.makedirs(directory, 0o755)
        self.handle = open(path, "a+")
        deadline = time.monotonic() + self.timeout
        while True:
            try:
                fcntl.flock(self.handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as exc:
                if exc.errno not in (errno.EAGAIN, errno.EACCES):
                    raise
            if time.monotonic() >= deadline:
                self.handle.seek(0)
                holder = self.handle.read().strip() or "unknown"
                self.handle.close()
                self.handle = None
                raise JournalError("another apply holds the host lock %s (%s) and did not finish within "
                                   "lock_timeout=%d s; nothing was changed" % (path, holder, self.timeout))
            time.sleep(0.2)
        self.handle.seek(0)
        self.handle.truncate()
        self.handle.write("pid %d, %s\n" % (os.getpid(), self.owner))
        self.handle.flush()
        return self

    def __exit__(self, *exc_info):
        if self.handle is not None:
            self.handle.seek(0)
            self.handle.truncate()
            self.handle.close()  # closing releases the flock
            self.handle = None
        return False


class Journal(object):
    """The on-disk record of an unfinished apply of one backend: ``<state_dir>/journal-<backend>.json``."""

    def __init__(self, backend):
        self.backend = backend

    @property
    def path(self):
        return journal_path(self.backend)

    def load(self):
        """The journal of an unfinished apply, or None when the last apply finished."""
        content = read_bytes(self.path)
        if content is None:
            return None
        try:
            data = json.loads(content.decode("utf-8"))
            if not isinstance(data, dict) or data.get("version") != JOURNAL_VERSION or "backup" not in data:
                raise ValueError("not a version %d journal" % JOURNAL_VERSION)
        except ValueError as exc:
            raise JournalError("the journal %s of an unfinished apply cannot be read (%s); restore the previous "
                               "state by hand and remove the file" % (self.path, exc))
        return data

    def write(self, backup, stage="applying", **extra):
        """Save ``backup`` (JSON data) before the first change; a failure leaves the host untouched."""
        data = {"version": JOURNAL_VERSION, "backend": self.backend, "pid": os.getpid(), "stage": stage,
                "started": int(time.time()), "backup": backup}
        data.update(extra)
        try:
            if not os.path.isdir(HOST_APPLY_PATHS["state_dir"]):
                os.makedirs(HOST_APPLY_PATHS["state_dir"], 0o700)
            write_atomic(self.path, json.dumps(data, sort_keys=True))
        except (OSError, IOError) as exc:
            raise JournalError("cannot write the journal %s before applying (%s); nothing was changed"
                               % (self.path, exc.strerror or exc))

    def clear(self):
        try:
            os.unlink(self.path)
        except FileNotFoundError:
            pass


# ---------------------------------------------------------------- confirm or roll back

def new_token():
    return binascii.hexlify(os.urandom(8)).decode("ascii")


def rolled_back_path(backend):
    """Where the host notes the last change it rolled back by itself (read by the confirm module)."""
    return os.path.join(HOST_APPLY_PATHS["state_dir"], "rolled-back-%s.json" % backend)


def confirm_or_clear(applier, journal, backup):
    """After a verified apply: done, or (``confirm_timeout`` > 0) armed to restore ``backup`` unless confirmed.

    Returns the pending confirmation for the result (``token``, ``timeout``,
    ``journal``), or None. The journal stays on disk with the token; the
    confirm module removes it, the waiter restores it.
    """
    seconds = applier.module.params.get("confirm_timeout") or 0
    if seconds <= 0:
        journal.clear()
        return None
    token = new_token()
    journal.write(applier.journal_backup(backup), stage="confirm-pending", token=token, timeout=seconds)
    arm(seconds, lambda: expire(applier, journal, token))
    return {"token": token, "timeout": seconds, "journal": journal.path}


def expire(applier, journal, token):
    """In the detached waiter: restore the journal when it is still the unconfirmed one, and note it."""
    with HostLock(DEFAULT_LOCK_TIMEOUT, "confirm timer of %s" % applier.backend):
        data = journal.load()
        if not data or data.get("token") != token:
            return  # confirmed, or replaced by a later run
        # the module's temporary directory is gone with the task: the backend may need one to reload
        applier.module._tmpdir = tempfile.mkdtemp(prefix="rollback-", dir=HOST_APPLY_PATHS["state_dir"])
        try:
            restored = applier.recover(applier.backup_from_journal(data["backup"]))
        finally:
            shutil.rmtree(applier.module._tmpdir, ignore_errors=True)
        write_atomic(rolled_back_path(applier.backend), json.dumps(
            {"token": token, "timeout": data.get("timeout"), "restored": restored or [], "at": int(time.time())},
            sort_keys=True))
        journal.clear()


def arm(seconds, callback):
    """Run ``expire()`` in a detached process after ``seconds``, unless the journal is confirmed first.

    A double fork: the module's own process returns at once, and the waiter
    is a session leader of its own holding none of the module's files (not
    its output pipes, which Ansible waits on, nor the host lock). ``expire``
    takes the host lock itself and checks the journal's token, so a confirm
    that came first (and removed the journal) makes it do nothing. A waiter
    lost to a reboot is covered too: its journal is restored by the next run.
    """
    pid = os.fork()
    if pid:
        os.waitpid(pid, 0)
        return
    try:
        os.setsid()
        if os.fork():
            os._exit(0)
        null = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(null, fd)
        os.closerange(3, 65536)
        time.sleep(seconds)
        callback()
    finally:
        os._exit(0)


def confirm(token, timeout):
    """Disarm the waiter of ``token``: remove its journal. Returns the backend, or raises JournalError."""
    with HostLock(timeout, "confirm"):
        directory = HOST_APPLY_PATHS["state_dir"]
        names = sorted(os.listdir(directory)) if os.path.isdir(directory) else []
        for name in names:
            if name.startswith("journal-") and name.endswith(".json"):
                journal = Journal(name[len("journal-"):-len(".json")])
                data = journal.load()
                if data and data.get("token") == token:
                    journal.clear()
                    return journal.backend
        for name in names:
            if name.startswith("rolled-back-") and name.endswith(".json"):
                data = json.loads(read_bytes(os.path.join(directory, name)).decode("utf-8"))
                if data.get("token") == token:
                    raise JournalError("the change was not confirmed within %s s: the host restored the previous "
                                       "rule set by itself (%s)" % (data.get("timeout"), ", ".join(data["restored"])
                                                                    or "nothing differed"))
    raise JournalError("no change waits for confirmation with this token on the host (confirmed already, or "
                       "replaced by a later run)")
