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

from ansible_collections.netreq.firewall.plugins.module_utils._model.backends import BACKENDS  # noqa: E402
from ansible_collections.netreq.firewall.plugins.module_utils._model.vocabulary import FQDN_STRATEGIES  # noqa: E402
from ansible_collections.netreq.firewall.plugins.module_utils._render._registry import capabilities  # noqa: E402

DOCS = os.path.join(REPO, "docs", "profiles")
HOST_NAMES_PAGE = os.path.join(REPO, "docs", "docsite", "rst", "host_names.rst")
STRATEGY_TEXT = {
    "reject": "the rule is refused, naming the rule and the strategies that would express it (the default)",
    "resolve": "the host resolves the names with its own resolver into named sets (nftables sets, firewalld ipsets, "
               "per-address ufw rules) that a timer installed by ``host_firewall`` refreshes; wildcards need "
               "``wildcard_fallback``",
    "any_address": "the ports open to every address; each such rule is listed in the result's ``widenings``",
    "proxy": "outbound TCP to the names is left to a forward proxy, whose allow-list the collection writes "
             "(``proxy_allowlist``); UDP, ICMP and inbound rules cannot go through a proxy and are refused",
    "windows_dynamic_keyword": "Windows resolves the names itself (dynamic keyword addresses, Windows 10 21H2 / "
                               "Server 2022 or later); wildcards need ``wildcard_fallback``",
}


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


def host_names_page():
    """docs/docsite/rst/host_names.rst: which fqdn_strategy each backend takes, from the renderers' own capabilities."""
    able = {backend: capabilities(backend).fqdn_strategies() for backend in BACKENDS}
    lines = [
        ".. _ansible_collections.netreq.firewall.docsite.host_names:",
        "",
        "Host names: which strategy on which backend",
        "===========================================",
        "",
        ".. Generated from the renderers' capabilities by tests/tools/generate_profile_docs.py; do not edit by hand.",
        "",
        "Packet filters and security groups match addresses, not names. A rule that names a host follows",
        "``fqdn_strategy`` (the role variables ``*_fqdn_strategy``, the ``render`` filter's option, the plan's",
        "``plan_fqdn_strategy``):",
        "",
    ]
    for name in FQDN_STRATEGIES:
        lines.append("- ``%s``: %s." % (name, STRATEGY_TEXT[name]))
    lines += ["", "Which backend takes which strategy (a backend without the strategy asked for refuses it, and a plan",
              "over every backend lists it as skipped):", "", ".. list-table::", "   :header-rows: 1", ""]
    lines.append("   * - backend")
    lines.extend("     - ``%s``" % name for name in FQDN_STRATEGIES)
    for backend in BACKENDS:
        lines.append("   * - %s" % backend)
        lines.extend("     - %s" % ("yes" if name in able[backend] else "no") for name in FQDN_STRATEGIES)
    return "\n".join(lines) + "\n"


def stale_files():
    stale = []
    expected = expected_files()
    for name, text in expected.items():
        path = os.path.join(DOCS, name)
        if not os.path.isfile(path) or open(path, encoding="utf-8").read() != text:
            stale.append(name)
    if os.path.isdir(DOCS):
        stale += sorted(name for name in os.listdir(DOCS) if name.endswith(".md") and name not in expected)
    if not os.path.isfile(HOST_NAMES_PAGE) or open(HOST_NAMES_PAGE, encoding="utf-8").read() != host_names_page():
        stale.append(os.path.relpath(HOST_NAMES_PAGE, DOCS))
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
    with open(HOST_NAMES_PAGE, "w", encoding="utf-8") as handle:
        handle.write(host_names_page())
    return 0


if __name__ == "__main__":
    sys.exit(main())
