# Copyright (c) netreq.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Release the pending changelog fragments in a throwaway copy and check the result.

``antsibull-changelog release`` lists new modules, plugins, roles and
playbooks by itself (New Modules, New Plugins, and the ``add object.*``
entries of fragments). A fragment that also announces them shows the same
thing twice in the release notes; this script fails on that, on any entry
or line that appears twice, on a release without a summary, and on a role
or playbook of the tree that no release lists. The working tree is not
changed: the release runs in a temporary copy of the files git would ship.

Usage: python tests/tools/changelog_dry_run.py   (from the collection root)
"""

from __future__ import annotations

import datetime
import os
import re
import shutil
import subprocess
import sys
import tempfile

import yaml

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# "new module", "New filters", "new playbook" ...: what antsibull-changelog's own lists say
ANNOUNCES_NEW = re.compile(r"\bnew\s+(module|filter|plugin|role|playbook|lookup|test)s?\b", re.IGNORECASE)


def normalized(text):
    return " ".join(str(text).split()).lower()


def problems(changelog, version, rst_text, roles, playbooks):
    """What is wrong with ``version`` in the released ``changelog`` (the parsed changelog.yaml)."""
    found = []
    release = (changelog.get("releases") or {}).get(version)
    if release is None:
        return ["the release %s is missing from changelog.yaml" % version]
    changes = release.get("changes") or {}
    if not changes.get("release_summary"):
        found.append("%s has no release_summary fragment" % version)
    seen = {}
    for section, entries in changes.items():
        if section == "release_summary":
            continue
        for entry in entries:
            key = normalized(entry)
            if key in seen:
                found.append("entry in %s repeats one in %s: %s" % (section, seen[key], entry))
            seen[key] = section
            match = ANNOUNCES_NEW.search(entry)
            if match:
                found.append("entry in %s announces a %r that antsibull-changelog lists itself "
                             "(use an add object.* / add plugin.* section or drop it): %s" % (section, match.group(0), entry))
    listed = {"role": set(), "playbook": set()}
    for data in (changelog.get("releases") or {}).values():
        for kind, objects in (data.get("objects") or {}).items():
            listed.setdefault(kind, set()).update(item["name"] for item in objects)
    for name in sorted(set(roles) - listed["role"]):
        found.append("role %s is in roles/ but no release lists it (add object.role in a fragment)" % name)
    for name in sorted(set(playbooks) - listed["playbook"]):
        found.append("playbook %s is in playbooks/ but no release lists it (add object.playbook in a fragment)" % name)
    for name in sorted(listed["role"] - set(roles)):
        found.append("a release lists role %s, which roles/ does not have" % name)
    for name in sorted(listed["playbook"] - set(playbooks)):
        found.append("a release lists playbook %s, which playbooks/ does not have" % name)
    lines = [line.strip() for line in rst_text.splitlines() if line.strip().startswith("- ")]
    for line in sorted({line for line in lines if lines.count(line) > 1}):
        found.append("CHANGELOG.rst has this entry more than once: %s" % line)
    return found


def shipped_files(repo):
    out = subprocess.run(["git", "-C", repo, "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                         check=True, capture_output=True).stdout.decode()
    return [path for path in out.split("\0") if path and os.path.lexists(os.path.join(repo, path))]


def pending_version(repo):
    with open(os.path.join(repo, "galaxy.yml")) as stream:
        version = yaml.safe_load(stream)["version"]
    with open(os.path.join(repo, "changelogs", "changelog.yaml")) as stream:
        released = (yaml.safe_load(stream) or {}).get("releases") or {}
    if version in released:  # galaxy.yml not bumped yet: try the next patch release
        major, minor, patch = (int(part) for part in version.split(".")[:3])
        version = "%d.%d.%d" % (major, minor, patch + 1)
    return version


def tree_objects(repo):
    roles = sorted(name for name in os.listdir(os.path.join(repo, "roles"))
                   if os.path.isdir(os.path.join(repo, "roles", name, "tasks")))
    playbooks = sorted(name[:-4] for name in os.listdir(os.path.join(repo, "playbooks")) if name.endswith(".yml"))
    return roles, playbooks


def main():
    version = pending_version(REPO)
    top = tempfile.mkdtemp(prefix="netreq-changelog-")
    try:
        copy = os.path.join(top, "ansible_collections", "netreq", "firewall")
        for path in shipped_files(REPO):
            target = os.path.join(copy, path)
            os.makedirs(os.path.dirname(target), exist_ok=True)
            shutil.copy2(os.path.join(REPO, path), target, follow_symlinks=False)
        env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=top)
        subprocess.run(["antsibull-changelog", "release", "--version", version,
                        "--date", datetime.date.today().isoformat()], cwd=copy, env=env, check=True)
        with open(os.path.join(copy, "changelogs", "changelog.yaml")) as stream:
            changelog = yaml.safe_load(stream)
        with open(os.path.join(copy, "CHANGELOG.rst")) as stream:
            rst_text = stream.read()
    finally:
        shutil.rmtree(top, ignore_errors=True)
    found = problems(changelog, version, rst_text, *tree_objects(REPO))
    for problem in found:
        print("changelog: %s" % problem)
    if found:
        return 1
    print("changelog: a release of %s from the pending fragments has no duplicate entries" % version)
    return 0


if __name__ == "__main__":
    sys.exit(main())
