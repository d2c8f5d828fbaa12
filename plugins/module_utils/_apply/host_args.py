# -*- coding: utf-8 -*-
# Copyright (c) netreq.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""PRIVATE: the options of netreq.firewall.host_ruleset and of its read-only twin host_ruleset_info.

This module is private to the netreq.firewall collection; its API may change
without notice. It runs on managed hosts (standard library only). Both
modules take the same options, so that host_ruleset_info compares a host with
exactly what host_ruleset applies with the same variables; a module cannot
import another module on the host, so the shared part lives here. So do the
options every host applier takes (``HOST_APPLY_SPEC``), which the controller
reads too without importing the appliers.
"""

from __future__ import annotations

import base64
import json
import zlib

from ansible_collections.netreq.firewall.plugins.module_utils._model.backends import LINUX_HOST_BACKENDS
from ansible_collections.netreq.firewall.plugins.module_utils._model.vocabulary import (
    DEFAULT_FQDN_STRATEGY,
    ENFORCEMENT_POLICIES,
    LINUX_FQDN_STRATEGIES,
    WILDCARD_FALLBACKS,
)

DEFAULT_LOCK_TIMEOUT = 60

# The options every host applier module takes (merged into their argument specs): how long to
# wait for another apply's lock (_apply/journal.HostLock), and the restore timer of a change.
HOST_APPLY_SPEC = dict(
    lock_timeout=dict(type="int", default=DEFAULT_LOCK_TIMEOUT),
    confirm_timeout=dict(type="int", default=0),
)

# host_ruleset's own: what to do when rules the collection does not own would drop what it allows
OVERRIDES_SPEC = dict(overrides=dict(type="str", choices=["warn", "fail", "ignore"], default="warn"))

ARGUMENT_SPEC = dict(
    profiles=dict(type="list", elements="dict", required=True),
    backend=dict(type="str", choices=["auto"] + list(LINUX_HOST_BACKENDS), default="auto"),
    ingress_policy=dict(type="str", choices=list(ENFORCEMENT_POLICIES), default="permissive"),
    egress_policy=dict(type="str", choices=list(ENFORCEMENT_POLICIES), default="permissive"),
    management=dict(type="dict", options=dict(port=dict(type="int", required=True),
                                              sources=dict(type="list", elements="str", default=["any"]))),
    fqdn_strategy=dict(type="str", choices=list(LINUX_FQDN_STRATEGIES), default=DEFAULT_FQDN_STRATEGY),
    wildcard_fallback=dict(type="str", choices=[name for name in WILDCARD_FALLBACKS if name]),
    resolve_ttl_floor=dict(type="int", default=600),
    resolve_ttl_ceiling=dict(type="int", default=86400),
    render_options=dict(type="dict", default={}),
    answer_timeout=dict(type="int", default=120),
    renderings=dict(type="raw"),
)


def unpack_renderings(value):
    """The renderings dict from what the action plugin sent (see its pack_renderings)."""
    if value is None or isinstance(value, dict):
        return value
    try:
        data = json.loads(zlib.decompress(base64.b64decode(value)).decode("utf-8"))
    except (TypeError, ValueError, zlib.error) as exc:
        raise ValueError("not the packed renderings of the action plugin: %s" % exc)
    if not isinstance(data, dict):
        raise ValueError("not the packed renderings of the action plugin")
    return data
