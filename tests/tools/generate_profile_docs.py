#!/usr/bin/env python
"""Write (or check) docs/profiles/: one Markdown table per built-in profile.

    python tests/tools/generate_profile_docs.py          # rewrite the docs
    python tests/tools/generate_profile_docs.py --check  # exit 1 when stale

The tables come from the catalog through the same code the filters use, so
the docs cannot describe rules the collection does not apply.
"""

import argparse
import os
import sys

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(REPO, "tests"))

from collection_path import ensure_collection_path  # noqa: E402  pylint: disable=wrong-import-position

ensure_collection_path()

from ansible_collections.netreq.firewall.plugins.module_utils._model.profile import builtin_profiles, is_builtin, load_profile  # noqa: E402
from ansible_collections.netreq.firewall.plugins.module_utils._render._markdown import profile_markdown  # noqa: E402

DOCS = os.path.join(REPO, "docs", "profiles")


def expected_files():
    """``{path relative to docs/profiles: text}`` for every built-in profile plus an index."""
    files = {}
    index = ["# Built-in profiles", "", "Generated from `catalog/`; do not edit by hand.", "",
             "| profile | vendor | product | components |", "|---|---|---|---|"]
    for name in builtin_profiles():
        profile = load_profile(name)
        files[name + ".md"] = profile_markdown(profile, builtin=is_builtin(profile))
        index.append("| [`%s`](%s.md) | %s | %s | %s |" % (name, name, profile.vendor, profile.product,
                                                           ", ".join("`%s`" % c for c in profile.components)))
    files["README.md"] = "\n".join(index) + "\n"
    return files


def stale_files():
    stale = []
    expected = expected_files()
    for name, text in expected.items():
        path = os.path.join(DOCS, name)
        if not os.path.isfile(path) or open(path, encoding="utf-8").read() != text:
            stale.append(name)
    if os.path.isdir(DOCS):
        stale += sorted(name for name in os.listdir(DOCS) if name.endswith(".md") and name not in expected)
    return stale


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report stale files")
    args = parser.parse_args()
    if args.check:
        stale = stale_files()
        for name in stale:
            print("stale: docs/profiles/%s" % name)
        return 1 if stale else 0
    os.makedirs(DOCS, exist_ok=True)
    for name, text in expected_files().items():
        with open(os.path.join(DOCS, name), "w", encoding="utf-8") as handle:
            handle.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
