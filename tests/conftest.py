"""Make this checkout importable as ``ansible_collections.netreq.firewall`` (see ``collection_path.py``)."""

import os
import sys

# shared hand-written test data (seed_tables.py) and helpers are imported by plain name
TESTS_ROOT = os.path.dirname(os.path.abspath(__file__))
if TESTS_ROOT not in sys.path:
    sys.path.insert(0, TESTS_ROOT)

from collection_path import COLLECTIONS_ROOT, ensure_collection_path  # noqa: E402 pylint: disable=wrong-import-position

ensure_collection_path()
os.environ.setdefault("ANSIBLE_COLLECTIONS_PATH", COLLECTIONS_ROOT)
