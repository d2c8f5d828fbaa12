# -*- coding: utf-8 -*-
# Copyright (c) netreq.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""PRIVATE: the one ``plan`` shape every applier returns, and the entry diff behind it.

This module is private to the netreq.firewall collection; its API may change
without notice. It runs on managed hosts and on the controller (standard
library only); ``_apply/skeleton.py`` re-exports both names.
"""

from __future__ import annotations


class Plan(object):
    """What an apply changes, in the one shape every module returns as ``plan``.

    ``added`` and ``removed`` are readable one-line entries (``<where>: <rule>``),
    ``unchanged`` counts the owned entries kept as they are, and ``settings``
    lists the non-rule settings that change (default policies, targets,
    enablement) as ``{name, before, after}``.

    What a backend needs besides (the files to write, the commands to run)
    travels on the plan too, one way for all: a subclass in the backend's
    package that takes it as keyword arguments (``FirewalldPlan``, ``UfwPlan``).
    ``as_dict`` stays the shared shape, so the result never shows it.
    """

    def __init__(self, added=(), removed=(), unchanged=0, settings=(), existed=True, remains=True):
        self.added = list(added)
        self.removed = list(removed)
        self.unchanged = unchanged
        self.settings = list(settings)
        self.existed = existed  # whether the host held any owned state before
        self.remains = remains  # whether any owned state is left after

    @property
    def changed(self):
        return bool(self.added or self.removed or self.settings)

    @property
    def action(self):
        if not self.changed:
            return "none"
        if not self.existed:
            return "create"
        if not self.remains:
            return "delete"
        return "update"

    def as_dict(self):
        return {
            "action": self.action,
            "added": list(self.added),
            "removed": list(self.removed),
            "unchanged": self.unchanged,
            "settings": [dict(setting) for setting in self.settings],
        }


def diff_entries(before, after):
    """Entries only in ``after`` (added) and only in ``before`` (removed), with multiplicity, in order."""
    remaining = {}
    for entry in before:
        remaining[entry] = remaining.get(entry, 0) + 1
    added = []
    for entry in after:
        if remaining.get(entry):
            remaining[entry] -= 1
        else:
            added.append(entry)
    removed = []
    left = dict(remaining)
    for entry in before:
        if left.get(entry):
            left[entry] -= 1
            removed.append(entry)
    return added, removed
