# -*- coding: utf-8 -*-
# Copyright (c) netreq.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""PRIVATE: the one table of renderers, keyed by backend name, and the way in.

Every backend module under ``_render/`` declares ``BACKEND``, its
``CAPABILITIES`` (``_base.Capabilities``: host or cloud, address families,
ICMP, port ranges, name resolution), ``render(rules, **options)`` and, for a
Linux host backend, ``applier_params(rendering, options)`` (what its applier
takes from a rendering). The backends are the names of ``_model/backends.py``,
each the name of its module here; the
``render`` filter's choices, ``playbooks/plan.yml`` and the tests are checked
against ``BACKENDS`` (tests/unit/plugins/module_utils/render/test_registry.py).

``render`` checks the Rule contract once (``_model/rules.check_rules``) and what
the backend's capabilities rule out, then hands the rules to the renderer,
which trusts both.
"""

from __future__ import annotations

import importlib

from ansible_collections.netreq.firewall.plugins.module_utils._model.backends import BACKENDS
from ansible_collections.netreq.firewall.plugins.module_utils._model.errors import NetreqError, UnsupportedRuleError
from ansible_collections.netreq.firewall.plugins.module_utils._model.rules import check_rules

# A renderer module is imported the first time its backend is used: Ansible's collection
# loader compiles a plugin's source on every run, and a host run renders three host
# backends, not the cloud ones.
_RENDER_PACKAGE = "ansible_collections.netreq.firewall.plugins.module_utils._render."
_LOADED = {}


def renderer(backend):
    """The renderer module of ``backend``."""
    module = _LOADED.get(backend)
    if module is None:
        if backend not in BACKENDS:
            raise NetreqError("unknown backend %r; backends: %s" % (backend, ", ".join(BACKENDS)))
        module = _LOADED[backend] = importlib.import_module(_RENDER_PACKAGE + backend)
    return module


def capabilities(backend):
    """The ``Capabilities`` of ``backend``."""
    return renderer(backend).CAPABILITIES


def backends_with(kind=None, **wanted):
    """Backends whose capabilities match, e.g. ``backends_with(kind="host", icmp=True)``."""
    found = []
    for name in BACKENDS:
        caps = renderer(name).CAPABILITIES
        if (kind is None or caps.kind == kind) and all(getattr(caps, key) == value for key, value in wanted.items()):
            found.append(name)
    return found


def renderer_options(backend):
    """The option names the renderer of ``backend`` accepts."""
    return frozenset(renderer(backend).DEFAULT_OPTIONS)


def check_capabilities(backend, rules):
    """Refuse rules the backend cannot express at all, naming backends of its kind that can."""
    caps = capabilities(backend)
    for rule in rules:
        if rule["protocol"] == "icmp" and not caps.icmp:
            able = backends_with(kind=caps.kind, platform=caps.platform, icmp=True)
            raise UnsupportedRuleError(backend, rule["id"], "%s rules cannot match ICMP" % backend,
                                       "use the %s backend" % " or ".join(able))
        if not caps.port_ranges and any("-" in port for port in rule["ports"]):
            raise UnsupportedRuleError(backend, rule["id"], "port ranges %s cannot be expressed" % ", ".join(rule["ports"]),
                                       "list the ports one by one")


def render(backend, rules, **options):
    """Render a Rule list for ``backend``; options are the backend's own."""
    module = renderer(backend)
    rules = check_rules(rules)
    check_capabilities(backend, rules)
    return module.render(rules, **options)
