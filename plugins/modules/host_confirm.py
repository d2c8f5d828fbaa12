#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) netreq.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: host_confirm
short_description: Confirm a firewall change so the host keeps it
version_added: 0.1.0
author: netreq.firewall contributors (!UNKNOWN)
description:
  - A ruleset module run with O(netreq.firewall.host_ruleset#module:confirm_timeout) greater than 0 leaves a timer on
    the host that restores the previous rule set after that many seconds. This module, run over a B(new) connection
    to the host, disarms it. Reaching the host again proves the new rule set did not cut the controller off.
  - Fails when the host already restored the previous rule set (the timer expired), or when no change waits for
    this token.
  - The host_firewall role calls it after M(netreq.firewall.host_ruleset) when C(host_firewall_confirm_timeout) is
    set, after resetting the connection.
options:
  token:
    description: The RV(netreq.firewall.host_ruleset#module:confirm.token) of the run to confirm.
    type: str
    required: true
  lock_timeout:
    description: Seconds to wait for the host lock C(/run/netreq.lock).
    type: int
    default: 60
extends_documentation_fragment:
  - netreq.firewall.attributes
attributes:
  check_mode:
    support: none
  diff_mode:
    support: none
  platform:
    description: Target OS/families that can be operated against.
    support: full
    platforms: posix
"""

EXAMPLES = r"""
- name: Apply with a 120 s safety timer
  netreq.firewall.host_ruleset:
    profiles: [{profile: rackspace_pdr, component: appliance, params: {datacenter: us}}]
    ingress_policy: allowlist
    confirm_timeout: 120
  register: applied

- name: Drop the current connection, so the confirmation needs a new one
  ansible.builtin.meta: reset_connection

- name: Confirm over a new connection
  netreq.firewall.host_confirm:
    token: "{{ applied.confirm.token }}"
  when: applied.confirm is defined
"""

RETURN = r"""
backend:
  description: The backend whose change was confirmed.
  returned: success
  type: str
  sample: nftables
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.netreq.firewall.plugins.module_utils._apply import journal as _journal
from ansible_collections.netreq.firewall.plugins.module_utils._apply.host_args import DEFAULT_LOCK_TIMEOUT


def main():
    module = AnsibleModule(argument_spec=dict(token=dict(type="str", required=True, no_log=False),
                                              lock_timeout=dict(type="int", default=DEFAULT_LOCK_TIMEOUT)),
                           supports_check_mode=False)
    try:
        backend = _journal.confirm(module.params["token"], module.params["lock_timeout"])
    except _journal.JournalError as exc:
        module.fail_json(msg=str(exc))
    module.exit_json(changed=True, backend=backend)


if __name__ == "__main__":
    main()
