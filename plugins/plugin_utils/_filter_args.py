# -*- coding: utf-8 -*-
# Copyright (c) netreq.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""PRIVATE: validate filter arguments against the filter's own DOCUMENTATION.

The DOCUMENTATION block is the single description of a filter's options:
``ansible-doc`` shows it and this helper enforces it, so the two cannot drift.

Filters take ``*positional, **keywords`` and hand them here, so a misspelt
keyword (``components=``) or one argument too many is a message naming the
argument rather than Python's ``TypeError``. Type errors are worded here too:
Jinja hands filters Ansible's lazy container classes, whose names
(``_AnsibleLazyTemplateList``) would otherwise appear in the message.
"""

from __future__ import annotations

import yaml

from ansible.errors import AnsibleFilterError
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.netreq.firewall.plugins.module_utils._model.errors import did_you_mean, type_name

_SPEC_KEYS = ("type", "elements", "choices", "default", "required")

# declared option type -> (values the validator would print by class name, what the option takes);
# strings and numbers are left to the validator, which converts them the way module options are
_WRONG_SHAPE = {
    "dict": (lambda value: not isinstance(value, (dict, str)) and not hasattr(value, "keys"), "a mapping"),
    "list": (lambda value: isinstance(value, dict) or hasattr(value, "keys"), "a list"),
    "str": (lambda value: isinstance(value, (dict, list, tuple)) or hasattr(value, "keys"), "a string"),
    "bool": (lambda value: isinstance(value, (dict, list, tuple)) or hasattr(value, "keys"), "true or false"),
}


def _argument_spec(documentation):
    options = yaml.safe_load(documentation).get("options", {})
    spec = {}
    for name, doc in options.items():
        if name == "_input":
            continue
        spec[name] = {key: doc[key] for key in _SPEC_KEYS if key in doc}
    return spec


def _check_types(name, spec, arguments):
    """Type errors worded with plain type names (the validator would print the class)."""
    for option, value in arguments.items():
        wrong, wanted = _WRONG_SHAPE.get(spec[option].get("type"), (None, None))
        if wrong is not None and wrong(value):
            raise AnsibleFilterError("%s: argument %s must be %s, got %s" % (name, option, wanted, type_name(value)))


def bind_filter_args(name, documentation, positional=(), keywords=None):
    """``{option: value}`` from a filter call's extra positional and keyword arguments.

    Positional arguments take the options in DOCUMENTATION order; unknown
    keywords and surplus positional arguments fail naming them.
    """
    spec = _argument_spec(documentation)
    order = list(spec)
    keywords = dict(keywords or {})
    if positional and not order:
        raise AnsibleFilterError("%s: takes no arguments besides its input, got %d" % (name, len(positional)))
    if len(positional) > len(order):
        raise AnsibleFilterError("%s: takes at most %d arguments after the input (%s), got %d"
                                 % (name, len(order), ", ".join(order), len(positional)))
    unknown = sorted(set(keywords) - set(order))
    if unknown and not order:
        raise AnsibleFilterError("%s: takes no arguments besides its input, got %s" % (name, ", ".join(unknown)))
    if unknown:
        raise AnsibleFilterError("%s: unknown argument %s%s; the arguments are %s"
                                 % (name, unknown[0], did_you_mean(unknown[0], order), ", ".join(order)))
    arguments = dict(zip(order, positional))
    for key, value in keywords.items():
        if key in arguments:
            raise AnsibleFilterError("%s: argument %s given twice (by position and by name)" % (name, key))
        arguments[key] = value
    return validate_filter_args(name, documentation, arguments, spec=spec)


def validate_filter_args(name, documentation, arguments, spec=None):
    """Checked and defaulted ``arguments``; raises AnsibleFilterError naming the filter and the argument."""
    spec = spec if spec is not None else _argument_spec(documentation)
    # None means "not given", as for a keyword argument left out
    given = {key: value for key, value in arguments.items() if value is not None}
    _check_types(name, spec, given)
    result = ArgumentSpecValidator(spec).validate(given)
    if result.error_messages:
        raise AnsibleFilterError("%s: %s" % (name, "; ".join(result.error_messages)))
    return result.validated_parameters
