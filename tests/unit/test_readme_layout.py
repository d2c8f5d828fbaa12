# Copyright (c) netreq.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The Layout section of CONTRIBUTING.md names what the tree holds."""

from __future__ import annotations

import os
import subprocess

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# the files every collection has, which the README need not explain
UNLISTED = {"README.md", "CONTRIBUTING.md", "galaxy.yml", ".gitignore", ".ansible-lint", ".git", ".venv", ".build", ".pytest_cache"}
# folders whose entries the layout names one by one
DETAILED = ("plugins", "tests", "docs", "meta", "playbooks")


def layout_section():
    with open(os.path.join(REPO, "CONTRIBUTING.md")) as stream:
        text = stream.read()
    return text.split("\n## Layout\n", 1)[1].split("\n## ", 1)[0]


def shipped():
    """The files git would ship: tracked, or new and not ignored (build output and venvs are ignored)."""
    out = subprocess.run(["git", "-C", REPO, "ls-files", "-co", "--exclude-standard"], check=True,
                         capture_output=True, text=True).stdout
    return [path for path in out.splitlines() if os.path.exists(os.path.join(REPO, path))]


def entries(folder):
    prefix = folder + "/" if folder else ""
    names = set()
    for path in shipped():
        if path.startswith(prefix):
            rest = path[len(prefix):]
            names.add(rest.split("/", 1)[0] + ("/" if "/" in rest else ""))
    for name in sorted(names):
        if name.rstrip("/") in UNLISTED or (name.startswith(".") and name != ".ci/"):
            continue
        yield name


def mentioned(text, folder, name):
    """A folder as `name/...`, a file as `name`, or either by its path from the top."""
    token = "`%s" % name if name.endswith("/") else "`%s`" % name
    return token in text or (folder and "%s/%s" % (folder, name.rstrip("/")) in text)


def test_layout_names_every_top_level_entry_and_folder():
    text = layout_section()
    missing = [name for name in entries("") if not mentioned(text, "", name)]
    for folder in DETAILED:
        for name in entries(folder):
            if folder == "playbooks" and name.endswith(".yml"):
                continue  # the playbooks are listed in their own table
            if not mentioned(text, folder, name):
                missing.append("%s/%s" % (folder, name))
    assert missing == [], "CONTRIBUTING.md Layout does not mention: %s" % ", ".join(missing)
