#!/usr/bin/env python
"""Rewrite tests/golden/<case>/<backend>.yml from the current renderers.

Only after a deliberate change: review `git diff tests/golden` line by line
against the vendor documents before committing. tests/golden/test_golden.py
also decodes every golden file back to (direction, protocol, port, address)
and compares it with the hand-transcribed vendor tables.
"""

import os
import sys

import yaml

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(REPO, "tests"))
sys.path.insert(0, os.path.join(REPO, "tests", "golden"))

from collection_path import ensure_collection_path  # noqa: E402  pylint: disable=wrong-import-position

ensure_collection_path()
import cases  # noqa: E402  pylint: disable=wrong-import-position


def main():
    for name in cases.CASES:
        folder = os.path.join(REPO, "tests", "golden", name)
        os.makedirs(folder, exist_ok=True)
        for backend in cases.FQDN_OPTIONS:
            with open(os.path.join(folder, backend + ".yml"), "w", encoding="utf-8") as handle:
                yaml.safe_dump(cases.render_case(name, backend), handle, sort_keys=False, width=200)
    return 0


if __name__ == "__main__":
    sys.exit(main())
