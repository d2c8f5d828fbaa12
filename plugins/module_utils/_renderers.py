# -*- coding: utf-8 -*-
# Copyright (c) netreq.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""PRIVATE: the one table of renderers, keyed by backend name.

Adding a backend means adding a module under ``_render/`` and one line here;
the filters, the plan playbook and the golden tests all read this table.
"""

from __future__ import annotations

from ansible_collections.netreq.firewall.plugins.module_utils._errors import NetreqError
from ansible_collections.netreq.firewall.plugins.module_utils._render import (
    aws,
    azure,
    firewalld,
    gcp,
    nftables,
    ufw,
    windows,
)
from ansible_collections.netreq.firewall.plugins.module_utils._addresses import PROTOCOLS
from ansible_collections.netreq.firewall.plugins.module_utils._model import DIRECTIONS, RULE_KEYS

_MODULES = {module.BACKEND: module for module in (firewalld, ufw, nftables, windows, aws, azure, gcp)}
RENDERERS = {name: module.render for name, module in _MODULES.items()}
BACKENDS = tuple(RENDERERS)


def check_rules(rules):
    """Renderers trust the Rule contract; refuse anything that is not a compiled Rule list."""
    if not isinstance(rules, (list, tuple)):
        raise NetreqError("render expects the Rule list produced by netreq.firewall.requirements, got %s" % type(rules).__name__)
    for index, rule in enumerate(rules):
        if not isinstance(rule, dict) or set(rule) != set(RULE_KEYS):
            raise NetreqError("item %d is not a Rule (expected keys: %s)" % (index, ", ".join(RULE_KEYS)))
        if rule["protocol"] not in PROTOCOLS or rule["direction"] not in DIRECTIONS:
            raise NetreqError("rule %s: protocol %r or direction %r is not one the Rule contract allows"
                              % (rule["id"], rule["protocol"], rule["direction"]))


def renderer_options(backend):
    """The option names the renderer of ``backend`` accepts."""
    if backend not in RENDERERS:
        raise NetreqError("unknown backend %r; backends: %s" % (backend, ", ".join(BACKENDS)))
    return frozenset(_MODULES[backend].DEFAULT_OPTIONS)


def render(backend, rules, **options):
    """Render a Rule list for ``backend``; options are the backend's own."""
    if backend not in RENDERERS:
        raise NetreqError("unknown backend %r; backends: %s" % (backend, ", ".join(BACKENDS)))
    check_rules(rules)
    return RENDERERS[backend](list(rules), **options)
