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

from ansible_collections.netreq.firewall.plugins.action.host_ruleset import ActionModule as HostRulesetAction
from ansible_collections.netreq.firewall.plugins.module_utils._apply.host_args import ARGUMENT_SPEC


class ActionModule(HostRulesetAction):
    """Compile + render on the controller, then read the host once."""

    MODULE = "netreq.firewall.host_ruleset_info"
    SPEC = ARGUMENT_SPEC
    _VALID_ARGS = frozenset(name for name in SPEC if name != "renderings")
    SEND_RULES = True
    MEMO_MODULE = None  # a report reads the host in full every time
    PROXY_RESULT = False
