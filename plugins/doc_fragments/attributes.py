# -*- coding: utf-8 -*-
# Copyright (c) netreq.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations


class ModuleDocFragment:
    """Attributes every ruleset module shares: one place, so the promise is the same everywhere."""

    DOCUMENTATION = r"""
options: {}
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
"""

    # The module computes one plan (query, compare) and both check mode and diff mode report that plan.
    RULESET = r"""
options: {}
attributes:
  check_mode:
    support: full
    details: The plan of changes is computed exactly as in a real run; nothing is applied.
  diff_mode:
    support: full
    details: The diff lists the managed rules removed (before) and added (after), one per line.
  platform:
    description: Target OS/families that can be operated against.
    support: full
    platforms: posix
"""

    # Read-only modules: nothing to predict in check mode, nothing to diff.
    INFO_MODULE = r"""
options: {}
attributes:
  check_mode:
    support: full
    details: The module only reads; it runs the same in check mode.
  diff_mode:
    support: N/A
    details: The module changes nothing, so there is no diff.
  platform:
    description: Target OS/families that can be operated against.
    support: full
    platforms: posix
"""
