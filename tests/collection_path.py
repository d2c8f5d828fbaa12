"""Make this checkout importable as ``ansible_collections.netreq.firewall``.

The repository root is the collection root, but Python (and Ansible) find a
collection only under an ``ansible_collections/<namespace>/<name>`` path. A
symlink in the git-ignored ``.build/`` folder provides that path without
copying files, so tests, benchmarks and report generators always exercise the
working tree. pytest gets it from ``conftest.py``; scripts run outside pytest
call ``ensure_collection_path()`` themselves.
"""

import os
import sys

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
COLLECTIONS_ROOT = os.path.join(REPO_ROOT, ".build", "collections")
LINK = os.path.join(COLLECTIONS_ROOT, "ansible_collections", "netreq", "firewall")


def ensure_collection_path():
    """Link the checkout into ``.build/collections`` and put that folder first on ``sys.path``."""
    if not os.path.islink(LINK):
        os.makedirs(os.path.dirname(LINK), exist_ok=True)
        os.symlink(REPO_ROOT, LINK)
    if COLLECTIONS_ROOT not in sys.path:
        sys.path.insert(0, COLLECTIONS_ROOT)
    return COLLECTIONS_ROOT
