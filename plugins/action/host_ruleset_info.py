# -*- coding: utf-8 -*-
# Copyright (c) netreq.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Controller half of netreq.firewall.host_ruleset_info: compile and render here, read the host in one call.

The comparison needs exactly what netreq.firewall.host_ruleset would apply, so
the same compile and render run here with the same options; the compiled
rules travel along too, so the host can say per requirement whether it is
live and judge foreign rules against the traffic each one allows.
"""

from __future__ import annotations

from ansible.errors import AnsibleActionFail
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.plugins.action import ActionBase

from ansible_collections.netreq.firewall.plugins.action.host_ruleset import pack_renderings, render_for_host
from ansible_collections.netreq.firewall.plugins.module_utils._errors import NetreqError
from ansible_collections.netreq.firewall.plugins.module_utils._model import compile_selections
from ansible_collections.netreq.firewall.plugins.module_utils._host_args import ARGUMENT_SPEC

NAME = "netreq.firewall.host_ruleset_info"


class ActionModule(ActionBase):
    """Compile + render on the controller, then read the host once."""

    TRANSFERS_FILES = False
    _VALID_ARGS = frozenset(name for name in ARGUMENT_SPEC if name != "renderings")

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        spec = {name: value for name, value in ARGUMENT_SPEC.items() if name != "renderings"}
        validated = ArgumentSpecValidator(spec).validate(dict(self._task.args))
        if validated.error_messages:
            raise AnsibleActionFail("%s: %s" % (NAME, "; ".join(validated.error_messages)))
        args = validated.validated_parameters
        try:
            rules = compile_selections(args["profiles"])
        except NetreqError as exc:
            raise AnsibleActionFail("%s: %s" % (NAME, exc))
        module_args = {key: value for key, value in args.items() if value is not None}
        module_args["renderings"] = pack_renderings({"rules_compiled": len(rules), "rules": rules,
                                                     "backends": render_for_host(rules, args["backend"], args)})
        result.update(self._execute_module(module_name=NAME, module_args=module_args, task_vars=task_vars))
        return result
