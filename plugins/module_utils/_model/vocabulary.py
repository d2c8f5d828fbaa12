# -*- coding: utf-8 -*-
# Copyright (c) netreq.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""PRIVATE: the words every layer shares for host-name strategies and enforcement policies, defined once.

This module is private to the netreq.firewall collection; its API may change
without notice. It runs on managed hosts and on the controller (standard
library only).

Renderers, appliers, modules' argument specs and the Windows planner all take
``fqdn_strategy``, ``wildcard_fallback``, ``ingress_policy`` and
``egress_policy``. Their allowed values and the one check of a policy live
here, so adding a strategy or a policy is one edit and every error message
lists the same choices.
"""

from __future__ import annotations

from ansible_collections.netreq.firewall.plugins.module_utils._model.errors import NetreqError

# What a rule naming a host does on a backend that matches addresses only.
FQDN_STRATEGIES = ("reject", "resolve", "any_address", "proxy", "windows_dynamic_keyword")
DEFAULT_FQDN_STRATEGY = "reject"
# The strategies that keep host names as names for the host to resolve (named
# sets filled on the Linux host, dynamic keywords on Windows).
NAME_KEEPING_STRATEGIES = ("resolve", "windows_dynamic_keyword")
# The Linux host appliers' strategies, and the Windows applier's in the order of its preference.
LINUX_FQDN_STRATEGIES = ("reject", "resolve", "any_address", "proxy")
WINDOWS_FQDN_STRATEGIES = ("windows_dynamic_keyword", "reject", "any_address", "proxy")
# Where the first choice cannot work (no dynamic keywords on the host): the strategies left.
FQDN_FALLBACKS = ("reject", "any_address", "proxy")
# A wildcard cannot be resolved; None means "refuse it".
WILDCARD_FALLBACKS = (None, "any_address", "proxy")

# How a backend treats traffic no rule allows, per direction: leave it to the
# host's or provider's existing handling ("permissive") or drop it ("allowlist").
ENFORCEMENT_POLICIES = ("permissive", "allowlist")
POLICY_OPTIONS = ("ingress_policy", "egress_policy")


def check_policy(where, key, value, error=NetreqError):
    """Refuse a policy value outside ``ENFORCEMENT_POLICIES``, naming where it was given."""
    if value not in ENFORCEMENT_POLICIES:
        raise error("%s: option %s must be one of %s, got %r" % (where, key, ", ".join(ENFORCEMENT_POLICIES), value))
