# -*- coding: utf-8 -*-
# Copyright (c) netreq.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""PRIVATE: the host files an applier reads, replaces and saves before changing them.

This module is private to the netreq.firewall collection; its API may change
without notice. It runs on managed hosts (standard library only). ``_apply/skeleton.py``
re-exports these names; they live here so that ``_apply/journal.py`` (which writes the
backup to disk) and ``_apply/skeleton.py`` (which runs the steps) share them without
importing each other.
"""

from __future__ import annotations

import base64
import os
import tempfile


def read_bytes(path):
    """The content of ``path``, or None when it does not exist."""
    try:
        with open(path, "rb") as stream:
            return stream.read()
    except FileNotFoundError:
        return None


def write_atomic(path, data):
    """Replace ``path`` by ``data`` (bytes or text) in one rename, keeping its mode and owner.

    The temporary file lives in the same directory (a rename never crosses file
    systems) and is removed when anything fails, so a full disk leaves the old
    file in place and no debris.
    """
    if isinstance(data, str):
        data = data.encode("utf-8")
    directory = os.path.dirname(path) or "."
    try:
        current = os.stat(path)
    except FileNotFoundError:
        current = None
    handle, temporary = tempfile.mkstemp(prefix=".netreq-", dir=directory)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        if current is not None:
            os.chmod(temporary, current.st_mode & 0o7777)
            if os.geteuid() == 0:
                os.chown(temporary, current.st_uid, current.st_gid)
        else:
            os.chmod(temporary, 0o644)
        os.rename(temporary, path)
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise


def read_text(path):
    """The text of ``path``, or None when it does not exist."""
    data = read_bytes(path)
    return None if data is None else data.decode("utf-8", "replace")


def replace_or_remove(path, text, dir_mode=0o755):
    """Write ``text`` to ``path`` (its directory made when missing) when it differs, or remove ``path`` for None."""
    if text is None:
        if os.path.lexists(path):
            os.unlink(path)
        return
    if read_text(path) == text:
        return
    if not os.path.isdir(os.path.dirname(path)):
        os.makedirs(os.path.dirname(path), dir_mode)
    write_atomic(path, text)


def files_hold(files):
    """Whether every ``(path, text, mode)`` of ``files`` exists with exactly that text."""
    return all(read_text(path) == text for path, text, _mode in files)


def install_files(files):
    """Write every ``(path, text, mode)`` of ``files`` (directories made when missing), then set its mode."""
    for path, text, mode in files:
        replace_or_remove(path, text)
        os.chmod(path, mode)


class FileBackup(object):
    """The bytes of the files an apply may write, taken before the first change.

    Read into memory, then written to the on-disk journal (``_apply/journal.py``) by the
    skeleton before the first change, so a process killed in the middle of an
    apply can be undone by the next run (``to_journal``/``from_journal``).
    ``None`` records a file that did not exist, so ``restore`` removes what the
    apply created.
    """

    def __init__(self, paths):
        self.paths = list(paths)
        self.saved = {}

    def save(self):
        for path in self.paths:
            self.saved[path] = read_bytes(path)
        return self

    def restore(self):
        """Write every saved file back (remove the created ones); returns the paths restored."""
        restored = []
        for path, content in self.saved.items():
            if read_bytes(path) == content:
                continue
            if content is None:
                os.unlink(path)
            else:
                write_atomic(path, content)
            restored.append(path)
        return restored

    def to_journal(self):
        """The backup as JSON data: {path: base64 content, or None for a file that did not exist}."""
        return dict((path, None if content is None else base64.b64encode(content).decode("ascii"))
                    for path, content in self.saved.items())

    @classmethod
    def from_journal(cls, data):
        """The backup ``to_journal`` wrote."""
        backup = cls(sorted(data))
        backup.saved = dict((path, None if content is None else base64.b64decode(content))
                            for path, content in data.items())
        return backup
