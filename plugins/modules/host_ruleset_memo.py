#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) netreq.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: host_ruleset_memo
short_description: Tell whether a host still holds the rule set a run of host_ruleset proved it needs nothing for
version_added: 0.1.0
author: netreq.firewall contributors (!UNKNOWN)
description:
  - The first half of M(netreq.firewall.host_ruleset), which sends it before the applier itself. It is not meant to be
    written as a task of its own.
  - A run of M(netreq.firewall.host_ruleset) that finds nothing to change, or applies a change and verifies it,
    records a key of what the rendering is made of (compiled rules, renderer options, rendering code), a digest of
    the owned live state and the no-op plan under
    C(/var/lib/netreq/noop/). This module picks the backend the way O(netreq.firewall.host_ruleset#module:backend)
    does, reads that backend's owned state the cheap way (nftables' listing of its table; ufw's state files;
    firewalld's owned files and its nftables table) and answers with the remembered no-op when both digests match.
  - Anything else is a miss, and M(netreq.firewall.host_ruleset) then sends the applier and compares in full. So is
    a journal left by an apply that never finished (the full run restores it) and a state file of names resolved on
    the host.
  - The module is small on purpose, since an unchanged host is the common case. It carries none of the appliers.
options:
  backend:
    description: The backend to check, or V(auto) to pick the one the host runs.
    type: str
    default: auto
    choices: [auto, firewalld, ufw, nftables]
  candidates:
    description:
      - Per backend, the key of the rendering it would get (RV(netreq.firewall.host_ruleset#module:compared) explains
        the memo) and the arguments of its cheap read, as the action of M(netreq.firewall.host_ruleset) computes them
        before rendering anything.
      - A backend left out is a miss.
    type: dict
    required: true
extends_documentation_fragment:
  - netreq.firewall.attributes
  - netreq.firewall.attributes.info_module
seealso:
  - module: netreq.firewall.host_ruleset
"""

EXAMPLES = r"""
# host_ruleset runs this module itself; written out, a check of the nftables memo looks like this.
- name: Ask the host whether its owned nftables table is still the remembered one
  netreq.firewall.host_ruleset_memo:
    backend: nftables
    candidates:
      nftables:
        key: "{{ rendering_key }}"
        fingerprint: {family: inet, table: netreq}
  register: memo

- name: Show whether a full comparison is needed
  ansible.builtin.debug:
    msg: "{{ 'unchanged' if memo.hit else 'compare in full: ' ~ memo.reason }}"
"""

RETURN = r"""
backend:
  description: The backend the host runs (O(backend=auto)) or the one asked for; null when the host runs none.
  returned: always
  type: str
  sample: nftables
hit:
  description: Whether the memo answered. The host then needs nothing.
  returned: always
  type: bool
  sample: true
plan:
  description: The remembered no-op plan, in the shape of RV(netreq.firewall.host_ruleset#module:plan).
  returned: when RV(hit=true)
  type: dict
  sample: {action: none, added: [], removed: [], unchanged: 102, settings: []}
reason:
  description: Why the memo did not answer.
  returned: when the memo missed
  type: str
  sample: the owned state or the rendering changed since the last proven no-op
"""

import os

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.netreq.firewall.plugins.module_utils._model.errors import InputError
from ansible_collections.netreq.firewall.plugins.module_utils._apply import fingerprint as _fingerprint
from ansible_collections.netreq.firewall.plugins.module_utils._apply import noop_memo as _noop_memo
from ansible_collections.netreq.firewall.plugins.module_utils._model import ownership as _ownership
from ansible_collections.netreq.firewall.plugins.module_utils._apply.detect import DETECTION_ORDER, select_backend
from ansible_collections.netreq.firewall.plugins.module_utils._apply.runner import CommandRunner

# Names resolved on the host compare in full; module level so the unit tests can repoint it.


def check(backend, candidates, runner):
    """``(plan, reason)``: the remembered no-op plan on a hit, else None and why not."""
    candidate = candidates.get(backend)
    if not isinstance(candidate, dict) or not candidate.get("key"):
        return None, "no memo for this backend's rendering"
    if os.path.exists(_ownership.journal_path(backend)):
        return None, "an apply that never finished left its journal"
    if os.path.exists(_ownership.RESOLVE_PATHS["state"]):
        return None, "names resolved on the host are compared in full"
    live = _fingerprint.read(backend, runner, candidate.get("fingerprint") or {})
    if live is None:
        return None, "the owned state cannot be read the cheap way"
    plan = _noop_memo.NoopMemo(backend, candidate["key"]).recall(live)
    if plan is None:
        return None, "the owned state or the rendering changed since the last proven no-op"
    return plan, None


def main():
    module = AnsibleModule(argument_spec=dict(
        backend=dict(type="str", default="auto", choices=["auto"] + list(DETECTION_ORDER)),
        candidates=dict(type="dict", required=True),
    ), supports_check_mode=True)
    runner = CommandRunner(module)
    try:
        backend = select_backend(module.params["backend"], runner)
    except InputError as exc:
        # the full run fails with the same message, after its own detection
        module.exit_json(changed=False, backend=None, hit=False, reason=str(exc))
    plan, reason = check(backend, module.params["candidates"], runner)
    if plan is None:
        module.exit_json(changed=False, backend=backend, hit=False, reason=reason)
    module.exit_json(changed=False, backend=backend, hit=True, plan=plan)


if __name__ == "__main__":
    main()
