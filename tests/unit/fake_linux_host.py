"""One fake host for the host-side unit tests: every host path of the collection under one directory.

The product keeps each host path in a dict of ``_model/ownership.HOST_PATH_TABLES``
and reads it when used, so prefixing those dicts moves the whole host (backend
files, journal, lock, memos, boot records) and nothing else needs repointing.
"""

import os

from ansible_collections.netreq.firewall.plugins.module_utils._model import ownership as _ownership


def put_host_under(monkeypatch, root):
    """Prefix every host path with ``root`` for the test's duration; returns ``root``."""
    os.makedirs(root, exist_ok=True)
    for table in _ownership.HOST_PATH_TABLES:
        for name, path in list(table.items()):
            monkeypatch.setitem(table, name, root + path)
    return root
