# -*- coding: utf-8 -*-
# Copyright (c) netreq.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The host lock, the apply journal and the fault hook, on real files under a temporary directory."""

from __future__ import annotations

import fcntl
import json
import os

import pytest

from ansible_collections.netreq.firewall.plugins.module_utils._apply import journal as _journal
from ansible_collections.netreq.firewall.plugins.module_utils._apply import faults
from ansible_collections.netreq.firewall.plugins.module_utils._model import ownership as _ownership
from ansible_collections.netreq.firewall.plugins.module_utils._apply.host_files import FileBackup


@pytest.fixture
def paths(monkeypatch, tmp_path):
    monkeypatch.setitem(_ownership.HOST_APPLY_PATHS, "state_dir", str(tmp_path / "state"))
    monkeypatch.setitem(_ownership.HOST_APPLY_PATHS, "lock", str(tmp_path / "run" / "netreq.lock"))
    monkeypatch.delenv(faults.FAULT_ENV, raising=False)
    return tmp_path


def test_second_holder_times_out_naming_the_first(paths):
    with _journal.HostLock(5, "ufw"):
        with open(_ownership.HOST_APPLY_PATHS["lock"]) as other:  # a second open file description, as another process has
            with pytest.raises(OSError):
                fcntl.flock(other.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        first = open(_ownership.HOST_APPLY_PATHS["lock"]).read()
        assert first.startswith("pid %d, ufw" % os.getpid())
    with _journal.HostLock(0, "nftables"):  # released on exit: taken at once
        pass


def test_lock_timeout_message(paths, monkeypatch):
    holder = _journal.HostLock(0, "firewalld").__enter__()
    try:
        monkeypatch.setattr(_journal.fcntl, "flock", _busy)
        with pytest.raises(_journal.JournalError, match="another apply holds the host lock .* lock_timeout=0 s"):
            _journal.HostLock(0, "ufw").__enter__()
    finally:
        holder.__exit__(None, None, None)


def _busy(fd, flags):
    raise BlockingIOError(11, "Resource temporarily unavailable")


def test_journal_round_trip_and_clear(paths):
    target = paths / "etc" / "rules"
    target.parent.mkdir()
    target.write_bytes(b"old\n")
    backup = FileBackup([str(target), str(paths / "etc" / "new")]).save()
    journal = _journal.Journal("ufw")
    assert journal.load() is None
    journal.write(backup.to_journal())
    target.write_bytes(b"half\n")
    (paths / "etc" / "new").write_bytes(b"created\n")
    restored = FileBackup.from_journal(journal.load()["backup"]).restore()
    assert sorted(restored) == sorted([str(target), str(paths / "etc" / "new")])
    assert target.read_bytes() == b"old\n" and not (paths / "etc" / "new").exists()
    journal.clear()
    assert journal.load() is None


def test_journal_that_cannot_be_written_says_nothing_changed(paths):
    (paths / "state").write_text("a file where the directory should be")
    with pytest.raises(_journal.JournalError, match="cannot write the journal .*nothing was changed"):
        _journal.Journal("nftables").write({})


def test_unreadable_journal_is_an_error(paths):
    os.makedirs(_ownership.HOST_APPLY_PATHS["state_dir"])
    with open(_journal.Journal("ufw").path, "w") as stream:
        stream.write("{not json")
    with pytest.raises(_journal.JournalError, match="cannot be read"):
        _journal.Journal("ufw").load()


def test_fault_hook_is_inert_without_the_variable(paths, monkeypatch):
    faults.fault("midway")
    monkeypatch.setenv(faults.FAULT_ENV, "after-apply:fail")
    faults.fault("midway")
    with pytest.raises(RuntimeError, match="injected fault at after-apply"):
        faults.fault("after-apply")


class _RecordingApplier(object):
    """What ``expire`` needs of an applier: its backend, a module to give a temporary directory, a recover."""

    backend = "nftables"

    def __init__(self):
        self.module = type("Module", (), {})()
        self.recovered = []

    def backup_from_journal(self, data):
        return data

    def recover(self, backup):
        assert os.path.isdir(self.module._tmpdir)  # the backend may reload through a file in it
        self.recovered.append(backup)
        return ["table inet netreq"]


def test_expired_confirmation_restores_the_backup_and_notes_it(paths):
    applier, journal = _RecordingApplier(), _journal.Journal("nftables")
    journal.write({"ruleset": "before"}, stage="confirm-pending", token="t1", timeout=30)
    _journal.expire(applier, journal, "t1")
    assert applier.recovered == [{"ruleset": "before"}]
    assert journal.load() is None and not os.path.exists(applier.module._tmpdir)
    with open(_journal.rolled_back_path("nftables")) as stream:
        note = json.load(stream)
    assert note["token"] == "t1" and note["timeout"] == 30 and note["restored"] == ["table inet netreq"]


def test_expiry_after_a_confirmation_or_a_later_run_does_nothing(paths):
    applier, journal = _RecordingApplier(), _journal.Journal("nftables")
    _journal.expire(applier, journal, "t1")  # confirmed: the journal is gone
    journal.write({"ruleset": "later"}, stage="confirm-pending", token="t2", timeout=30)
    _journal.expire(applier, journal, "t1")  # a later run armed its own token
    assert applier.recovered == [] and journal.load()["token"] == "t2"
    assert not os.path.exists(_journal.rolled_back_path("nftables"))
