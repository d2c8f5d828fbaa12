# -*- coding: utf-8 -*-
# Copyright (c) netreq.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""PRIVATE: validate filter arguments against the filter's own DOCUMENTATION.

The DOCUMENTATION block is the single description of a filter's options:
``ansible-doc`` shows it and this helper enforces it, so the two cannot drift.
"""

from __future__ import annotations

import yaml

from ansible.errors import AnsibleFilterError
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

_SPEC_KEYS = ("type", "elements", "choices", "default", "required")


def _argument_spec(documentation):
    options = yaml.safe_load(documentation).get("options", {})
    spec = {}
    for name, doc in options.items():
        if name == "_input":
            continue
        spec[name] = {key: doc[key] for key in _SPEC_KEYS if key in doc}
    return spec


def validate_filter_args(name, documentation, arguments):
    """Checked and defaulted ``arguments``; raises AnsibleFilterError naming the filter."""
    validator = ArgumentSpecValidator(_argument_spec(documentation))
    # None means "not given", as for a keyword argument left out
    result = validator.validate({key: value for key, value in arguments.items() if value is not None})
    if result.error_messages:
        raise AnsibleFilterError("%s: %s" % (name, "; ".join(result.error_messages)))
    return result.validated_parameters
