"""Make this checkout importable as ``ansible_collections.netreq.firewall``.

The repository root is the collection root, but Python (and Ansible) find a
collection only under an ``ansible_collections/<namespace>/<name>`` path. A
symlink in the git-ignored ``.build/`` folder provides that path without
copying files, so tests always exercise the working tree.
"""

import os
import sys

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
COLLECTIONS_ROOT = os.path.join(REPO_ROOT, ".build", "collections")
LINK = os.path.join(COLLECTIONS_ROOT, "ansible_collections", "netreq", "firewall")

if not os.path.islink(LINK):
    os.makedirs(os.path.dirname(LINK), exist_ok=True)
    os.symlink(REPO_ROOT, LINK)
if COLLECTIONS_ROOT not in sys.path:
    sys.path.insert(0, COLLECTIONS_ROOT)
os.environ.setdefault("ANSIBLE_COLLECTIONS_PATH", COLLECTIONS_ROOT)

# shared hand-written test data (seed_tables.py) is imported by plain name
TESTS_ROOT = os.path.dirname(os.path.abspath(__file__))
if TESTS_ROOT not in sys.path:
    sys.path.insert(0, TESTS_ROOT)
