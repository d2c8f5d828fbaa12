# -*- coding: utf-8 -*-
# Copyright (c) netreq.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""PRIVATE: error types shared by the model, the renderers and the plugins.

This module is private to the netreq.firewall collection; its API may change
without notice. Plugins catch ``NetreqError`` and turn it into an Ansible error,
so every message must already say which profile, requirement and field is wrong.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence


class NetreqError(Exception):
    """Base class for every error the collection raises on purpose."""


class ProfileError(NetreqError):
    """A profile, its parameters or the compile options are invalid.

    The message names the profile, the requirement id and the field, so a user
    can find the offending line without reading a traceback.
    """

    def __init__(self, message, profile=None, requirement=None, field=None, origin=None):
        self.profile = profile
        self.requirement = requirement
        self.field = field
        self.origin = origin
        where = []
        if origin:
            where.append("file %s" % origin)
        if profile:
            where.append("profile %s" % profile)
        if requirement:
            where.append("requirement %s" % requirement)
        if field:
            where.append("field %s" % field)
        prefix = ", ".join(where)
        super().__init__("%s: %s" % (prefix, message) if prefix else message)


class UnsupportedRuleError(NetreqError):
    """A backend cannot express a rule as asked.

    Raised instead of dropping the rule; ``fix`` tells the user which option
    would make the rule expressible (usually an ``fqdn_strategy``).
    """

    def __init__(self, backend, rule_id, reason, fix=None):
        self.backend = backend
        self.rule_id = rule_id
        self.reason = reason
        self.fix = fix
        message = "backend %s cannot express rule %s: %s" % (backend, rule_id, reason)
        if fix:
            message += " (fix: %s)" % fix
        super().__init__(message)


class ApplyError(NetreqError):
    """A step failed; ``details`` are added to the module result (``changed`` says whether the host changed)."""

    def __init__(self, message, changed=False, untouched=False, **details):
        super().__init__(message)
        self.changed = changed
        # raised by an apply step that left the host exactly as it was (a refused transaction):
        # there is nothing to roll back. Any other failure during apply is rolled back.
        self.untouched = untouched
        self.details = details


class InputError(ApplyError):
    """The input is invalid; raised by ``validate`` before the host is read or touched."""


def shown(value, limit=80):
    """``repr(value)``, cut to about ``limit`` characters with the full length said: a message never repeats a huge input."""
    text = repr(value)
    if len(text) <= limit:
        return text
    return "%s... (%d characters)" % (text[:limit], len(value) if isinstance(value, str) else len(text))


def did_you_mean(word, choices):
    """`` (did you mean X?)`` for a near miss among ``choices``, else an empty string."""
    close = difflib.get_close_matches(str(word), sorted(choices), n=1, cutoff=0.6)
    return " (did you mean %s?)" % close[0] if close else ""


def type_name(value):
    """A plain name for the type of a value from YAML or Jinja.

    Ansible hands plugins its own container and string subclasses (lazy
    templates, tagged values); their class names mean nothing to a user.
    """
    if value is None:
        return "null"
    for kind, name in ((bool, "a boolean"), (str, "a string"), (int, "an integer"), (float, "a number"),
                       (dict, "a mapping"), ((list, tuple), "a list")):
        if isinstance(value, kind):
            return name
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, Sequence):
        return "a list"
    return "a %s" % type(value).__name__.lstrip("_")
