# -*- coding: utf-8 -*-
# Copyright (c) netreq.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""PRIVATE: the Linux host backends, found and run on the host in the same call that applies the rules.

This module is private to the netreq.firewall collection; its API may change
without notice. It runs on managed hosts (standard library and
ansible.module_utils only).

``backend: auto`` used to cost a remote call of its own (service facts) before
the one that applied the rules. Here the host answers it: the controller sends
the rendering of every candidate backend, and ``select_backend`` asks, in
``DETECTION_ORDER``, whether the host runs each (firewalld when its daemon
runs, else ufw when it is enabled, else plain nftables). ``_apply/detect.py``
answers from files and one cheap query without importing any applier, so a
run compiles only the applier it uses. An unchanged host does not even get
this module: ``host_ruleset_memo`` answers it (see ``_apply/noop_memo.py``).
"""

from __future__ import annotations

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.netreq.firewall.plugins.module_utils._model.errors import InputError
# re-exported: the host modules detect through here
from ansible_collections.netreq.firewall.plugins.module_utils._apply.detect import (  # noqa: F401 pylint: disable=unused-import
    DETECTION_ORDER,
    select_backend,
)
from ansible_collections.netreq.firewall.plugins.module_utils._apply.noop_memo import NoopMemo


def _firewalld():
    from ansible_collections.netreq.firewall.plugins.module_utils._apply.firewalld import apply as applier
    return applier.FirewalldApplier, applier.ARGUMENT_SPEC, []


def _ufw():
    from ansible_collections.netreq.firewall.plugins.module_utils._apply.ufw import apply as applier
    return applier.UfwApplier, applier.ARGUMENT_SPEC, []


def _nftables():
    from ansible_collections.netreq.firewall.plugins.module_utils._apply.nftables import apply as applier
    return applier.NftablesApplier, applier.ARGUMENT_SPEC, applier.REQUIRED_IF


# name -> loader of (applier class, its argument spec, required_if), for the registry's Linux
# host backends. The appliers are imported only when asked for: a run compiles just the backend
# it uses. Each loader names its module in an import statement, not through importlib, because
# Ansible collects a module's payload from the imports written in its source.
_LOADERS = {"firewalld": _firewalld, "ufw": _ufw, "nftables": _nftables}
APPLIERS = {name: _LOADERS[name] for name in DETECTION_ORDER}


def memo_for(backend, renderings):
    """The no-op memo of ``backend``'s rendering, under the key the controller computed; None without one.

    The controller leaves the key out where a memo must not answer (names
    resolved on the host, whose sets change between runs).
    """
    memo = (renderings.get(backend) or {}).get("memo")
    return NoopMemo(backend, memo["key"]) if isinstance(memo, dict) and memo.get("key") else None


def applier_for(backend, renderings, module, runner, memo=None, prefill=None):
    """The applier of ``backend`` with its options from ``renderings[backend]``, validated like its own module's.

    ``prefill`` may complete the validated options first (the last good
    addresses of resolved names joining an nftables transaction); ``memo`` is
    the no-op memo the applier records in.
    """
    rendering = renderings.get(backend)
    if rendering is None:
        raise InputError("backend %s was chosen but no rendering for it was given (rendered: %s)"
                         % (backend, ", ".join(sorted(renderings)) or "none"))
    if rendering.get("error"):
        raise InputError("backend %s cannot apply these rules: %s" % (backend, rendering["error"]))
    applier_class, spec, required_if = APPLIERS[backend]()
    validator = ArgumentSpecValidator(spec, required_if=required_if)
    result = validator.validate(dict(rendering.get("params") or {}))
    if result.error_messages:
        raise InputError("backend %s: %s" % (backend, "; ".join(result.error_messages)))
    params = result.validated_parameters
    if prefill is not None:
        params = prefill(params)
    applier = applier_class(module, params=params, runner=runner)
    applier.memo = memo
    return applier
