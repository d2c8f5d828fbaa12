# -*- coding: utf-8 -*-
# Copyright (c) netreq.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""TEST DOUBLES ONLY: what the Azure NSG and GCP firewall test doubles share.

The doubles stand in for azure.azcollection and google.cloud modules in the
role tests (tests/integration/test_cloud_role_doubles.py): no emulator of
those APIs exists here. To catch every parameter the real module would
refuse, a double takes its argument spec from the installed upstream module
itself: ``upstream_spec`` reads the upstream file (found next to the
interpreter's site-packages, where the ``ansible`` package put it) and
evaluates the ``dict(...)`` literals that build the spec with ``ast``, so
nothing of the upstream code runs (it would need the cloud SDKs). The state
the double keeps is one JSON file named by ``NETREQ_CLOUD_DOUBLE_STATE``;
each call is appended to its ``calls`` list, so a test can prove that no
call happened.
"""

from __future__ import annotations

import ast
import json
import os
import sys

from ansible.module_utils.basic import env_fallback

STATE_ENV = "NETREQ_CLOUD_DOUBLE_STATE"


class _Unknown(object):
    """A name the spec literal refers to that is not plain data."""


def _eval(node, names):
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, (ast.List, ast.Tuple)):
        items = [_eval(item, names) for item in node.elts]
        return items if isinstance(node, ast.List) else tuple(items)
    if isinstance(node, ast.Dict):
        return {_eval(key, names): _eval(value, names) for key, value in zip(node.keys, node.values)}
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "dict":
        return {keyword.arg: _eval(keyword.value, names) for keyword in node.keywords}
    if isinstance(node, ast.Name):
        return names.get(node.id, _Unknown())
    return _Unknown()


def _clean(spec):
    """Drop what could not be evaluated (so a spec never carries a placeholder)."""
    if isinstance(spec, dict):
        return {key: _clean(value) for key, value in spec.items() if not isinstance(value, _Unknown)}
    if isinstance(spec, list):
        return [_clean(value) for value in spec if not isinstance(value, _Unknown)]
    return spec


def upstream_file(relative):
    """Path of ``ansible_collections/<relative>`` in the interpreter's site-packages (the real collection)."""
    for entry in sys.path:
        candidate = os.path.join(entry, "ansible_collections", relative)
        if entry and not entry.endswith(".zip") and os.path.isfile(candidate) and not _is_double(candidate):
            return candidate
    raise RuntimeError("upstream file ansible_collections/%s not found on sys.path" % relative)


def _is_double(path):
    with open(path, encoding="utf-8") as handle:
        return "TEST DOUBLE" in handle.read(2000)


def _tree(relative):
    with open(upstream_file(relative), encoding="utf-8") as handle:
        return ast.parse(handle.read())


def module_assignments(relative, names=None):
    """Every ``NAME = <literal>`` at module level, evaluated in order."""
    names = dict(names or {}, env_fallback=env_fallback)
    for node in _tree(relative).body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            value = _eval(node.value, names)
            if not isinstance(value, _Unknown):
                names[node.targets[0].id] = _clean(value)
    return names


def attribute_assignment(relative, attribute, names):
    """The first ``self.<attribute> = <literal>`` anywhere in the file."""
    for node in ast.walk(_tree(relative)):
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Attribute) \
                and node.targets[0].attr == attribute:
            return _clean(_eval(node.value, names))
    raise RuntimeError("no self.%s assignment in %s" % (attribute, relative))


def call_keywords(relative, function, callee, names, cls=None):
    """The keyword arguments (literals) of the first call to ``callee`` inside ``function`` (of class ``cls``)."""
    scope = _tree(relative)
    if cls is not None:
        scope = next(node for node in ast.walk(scope) if isinstance(node, ast.ClassDef) and node.name == cls)
    for node in ast.walk(scope):
        if isinstance(node, ast.FunctionDef) and node.name == function:
            for inner in ast.walk(node):
                if isinstance(inner, ast.Call) and isinstance(inner.func, ast.Name) and inner.func.id == callee:
                    return {keyword.arg: _clean(_eval(keyword.value, names)) for keyword in inner.keywords}
    raise RuntimeError("no call to %s in %s of %s" % (callee, function, relative))


def load_state():
    path = os.environ.get(STATE_ENV)
    if not path:
        raise RuntimeError("%s is not set: the test double needs its state file" % STATE_ENV)
    if not os.path.exists(path):
        return {}
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


def save_state(state):
    path = os.environ[STATE_ENV]
    with open(path + ".tmp", "w", encoding="utf-8") as handle:
        json.dump(state, handle, indent=1, sort_keys=True)
    os.replace(path + ".tmp", path)


def record_call(state, module, params):
    """Append one call (module name and its non-secret parameters) to the state's ``calls``."""
    state.setdefault("calls", []).append({"module": module, "name": params.get("name"), "state": params.get("state"),
                                          "check_mode": params.get("_check_mode", False)})
