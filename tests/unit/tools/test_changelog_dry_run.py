# Copyright (c) netreq.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The checks tests/tools/changelog_dry_run.py applies to a released changelog."""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "tools"))

import changelog_dry_run  # noqa: E402  pylint: disable=wrong-import-position


def release(changes, objects=None):
    return {"releases": {"1.0.0": {"changes": changes, "objects": objects or {}}}}


GOOD_OBJECTS = {"role": [{"name": "fw", "description": "x"}], "playbook": [{"name": "plan", "description": "y"}]}


def test_a_clean_release_passes():
    changelog = release({"release_summary": "First.", "minor_changes": ["render - faster."]}, GOOD_OBJECTS)
    assert changelog_dry_run.problems(changelog, "1.0.0", "- render - faster.\n", ["fw"], ["plan"]) == []


def test_announcing_a_new_module_or_role_again_fails():
    changelog = release({"release_summary": "First.", "minor_changes": ["foo_ruleset - new module that applies rules."],
                         "major_changes": ["New role fw."]}, GOOD_OBJECTS)
    found = changelog_dry_run.problems(changelog, "1.0.0", "", ["fw"], ["plan"])
    assert len(found) == 2 and all("antsibull-changelog lists itself" in problem for problem in found)


def test_repeated_entries_summary_and_unlisted_objects_fail():
    changelog = release({"minor_changes": ["a  change."], "bugfixes": ["A change."]})
    found = changelog_dry_run.problems(changelog, "1.0.0", "- x\n- x\n", ["fw"], ["plan"])
    assert any("no release_summary" in problem for problem in found)
    assert any("repeats one in minor_changes" in problem for problem in found)
    assert any("role fw" in problem for problem in found)
    assert any("playbook plan" in problem for problem in found)
    assert any("more than once: - x" in problem for problem in found)


def test_a_missing_release_fails():
    assert changelog_dry_run.problems({"releases": {}}, "1.0.0", "", [], []) == ["the release 1.0.0 is missing from changelog.yaml"]
