#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) netreq.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: host_ruleset
short_description: Apply profiles to a Linux host's firewall in one remote call, whichever firewall it runs
version_added: 0.1.0
author: netreq.firewall contributors (!UNKNOWN)
description:
  - Compiles the selected profiles on the controller, renders them for the host's firewall and applies the whole
    rule set with one call on the host. This is what the P(netreq.firewall.host_firewall#role) role runs.
  - With O(backend=auto) the host itself tells which firewall it runs, in the same call that applies the rules
    (firewalld when its daemon runs, else ufw when it is enabled, else plain nftables). The controller renders the
    rules for each of them and sends all renderings along, so no separate fact-gathering call is made.
  - The apply on the host is the one of M(netreq.firewall.firewalld_ruleset), M(netreq.firewall.ufw_ruleset) or
    M(netreq.firewall.nftables_ruleset). The whole input is validated before anything is changed, one batch write
    applies it, the result is read back, and a failure restores the previous state.
  - Rules the collection did not create are never touched; stale rules it created are removed.
  - An action plugin does the controller part; the module part runs on the host.
extends_documentation_fragment:
  - netreq.firewall.host_apply
  - netreq.firewall.attributes
  - netreq.firewall.attributes.ruleset
options:
  profiles:
    description:
      - The profile selections to apply, C({profile, component, params, enable, expires}) as for the
        P(netreq.firewall.requirements#filter) filter. All of a host's selections go in one call, since the call
        owns the collection's whole rule set on the host.
    type: list
    elements: dict
    required: true
  backend:
    description:
      - The firewall to configure. V(auto) lets the host pick V(firewalld), V(ufw) or V(nftables), in that order.
    type: str
    choices: [auto, firewalld, ufw, nftables]
    default: auto
  ingress_policy:
    description:
      - V(permissive) only adds allow rules; V(allowlist) drops inbound traffic no rule allows (loopback and
        established traffic stay allowed).
    type: str
    choices: [permissive, allowlist]
    default: permissive
  egress_policy:
    description:
      - V(permissive) only adds allow rules; V(allowlist) drops outbound traffic no rule allows (loopback and
        established traffic stay allowed).
    type: str
    choices: [permissive, allowlist]
    default: permissive
  fqdn_strategy:
    description:
      - What to do with host names in the rules, as for the P(netreq.firewall.render#filter) filter.
    type: str
    choices: [reject, any_address, proxy]
    default: reject
  wildcard_fallback:
    description:
      - What to do with wildcard host names, as for the P(netreq.firewall.render#filter) filter.
    type: str
    choices: [any_address, proxy]
  render_options:
    description:
      - Renderer options of the backends, for example C(table_name) (nftables) or C(policy_prefix) (firewalld).
      - With O(backend=auto) they are given to each backend's renderer; each takes the options it knows.
    type: dict
    default: {}
  renderings:
    description:
      - Set by the action plugin from the other options; leave it out.
      - The applier options of each candidate backend, or the error its renderer raised, as a dict or as the
        action plugin sends them (zlib-compressed JSON in base64).
    type: raw
requirements:
  - On the host, the firewall's own tools (C(firewall-cmd), C(ufw) or C(nft)), run as root.
seealso:
  - module: netreq.firewall.nftables_ruleset
  - module: netreq.firewall.ufw_ruleset
  - module: netreq.firewall.firewalld_ruleset
"""

EXAMPLES = r"""
- name: PDR appliance rules, on whichever firewall the host runs
  netreq.firewall.host_ruleset:
    profiles:
      - profile: rackspace_pdr
        component: appliance
        params: {datacenter: us, agent_cidrs: [198.51.100.0/24]}
    egress_policy: allowlist
  register: pdr_apply

- name: Show what changed
  ansible.builtin.debug:
    msg: "{{ pdr_apply.backend }}: {{ pdr_apply.plan.added | length }} added, {{ pdr_apply.plan.removed | length }} removed"
"""

RETURN = r"""
backend:
  description: The firewall the rules were applied to.
  returned: always
  type: str
  sample: nftables
detected:
  description: Whether the host chose the backend (O(backend=auto)).
  returned: always
  type: bool
  sample: true
rules_compiled:
  description: The number of compiled rules (one direction, protocol and set of ports each) that were rendered.
  returned: always
  type: int
  sample: 14
plan:
  description:
    - What the run changes (or would change in check mode). The same shape as the plan of the backend's own module.
  returned: always
  type: dict
  contains:
    action:
      description: V(none), V(create), V(update) or V(delete).
      type: str
      returned: always
      sample: update
    added:
      description: Rules or statements the host lacks, one readable line each.
      type: list
      elements: str
      returned: always
      sample: ['chain output: ip daddr 8.8.8.8 udp dport 53 counter accept comment "netreq:rackspace_pdr:appliance_out_dns-udp"']
    removed:
      description: Rules or statements the collection owns on the host that are no longer wanted.
      type: list
      elements: str
      returned: always
      sample: []
    unchanged:
      description: The number of owned rules or statements kept as they are.
      type: int
      returned: always
      sample: 12
    settings:
      description: Other settings that change (default policies, policy targets, enablement) as C({name, before, after}).
      type: list
      elements: dict
      returned: always
      sample: [{name: default outgoing, before: allow, after: deny}]
diff:
  description: The owned state before and the desired state after, as readable text (the backend's own form).
  returned: when diff mode is on
  type: dict
  sample: {before: "", after: "table inet netreq {\n...\n}\n"}
commands:
  description: The commands that changed the host (empty on a no-op and in check mode).
  returned: always
  type: list
  elements: str
  sample: ["/usr/sbin/nft -f /root/.ansible/tmp/ansible-tmp-1/nftables-x1y2.nft"]
recovered:
  description:
    - What was restored from the journal of an earlier apply that never finished (see the notes), before this run
      read the host. Files are named by path, nftables tables as C(table <family> <name>).
  returned: when such a journal was found
  type: list
  elements: str
  sample: [/etc/ufw/user.rules]
confirm:
  description:
    - The pending confirmation when O(confirm_timeout) armed the host's timer; pass C(token) to
      M(netreq.firewall.host_confirm) within C(timeout) seconds.
  returned: when the run changed the host and O(confirm_timeout) is greater than 0
  type: dict
  contains:
    token:
      description: The token of this change.
      type: str
      returned: always
      sample: 3f2a9c0d4b1e6a57
    timeout:
      description: Seconds until the host restores the previous rule set by itself.
      type: int
      returned: always
      sample: 120
    journal:
      description: The journal holding the previous rule set until then.
      type: str
      returned: always
      sample: /var/lib/netreq/journal-nftables.json
temporary:
  description:
    - The temporary rules of the rule set (their label carries C(expires=<UTC>)), each with the transient systemd
      timer that removes it from the host at its expiry, without Ansible. A timer already waiting is kept.
    - C(timer) is null where the host has no C(systemd-run); a run after the expiry removes the rule there.
  returned: when the rule set holds temporary rules
  type: list
  elements: dict
  contains:
    rule:
      description: The rule's label.
      type: str
      returned: always
      sample: "netreq:rackspace_pdr:troubleshooting_ssh_us expires=2030-01-31T00:00:00Z"
    expires:
      description: The expiry, UTC.
      type: str
      returned: always
      sample: "2030-01-31T00:00:00Z"
    timer:
      description: The systemd timer unit that removes it.
      type: str
      returned: always
      sample: netreq-expire-nftables-3f2a9c0d4b1e.timer
"""

import base64
import json
import zlib

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.netreq.firewall.plugins.module_utils._applier import CommandRunner, run_module
from ansible_collections.netreq.firewall.plugins.module_utils._host_backends import applier_for, select_backend
from ansible_collections.netreq.firewall.plugins.module_utils._journal import HOST_APPLY_SPEC

ARGUMENT_SPEC = dict(
    profiles=dict(type="list", elements="dict", required=True),
    backend=dict(type="str", choices=["auto", "firewalld", "ufw", "nftables"], default="auto"),
    ingress_policy=dict(type="str", choices=["permissive", "allowlist"], default="permissive"),
    egress_policy=dict(type="str", choices=["permissive", "allowlist"], default="permissive"),
    fqdn_strategy=dict(type="str", choices=["reject", "any_address", "proxy"], default="reject"),
    wildcard_fallback=dict(type="str", choices=["any_address", "proxy"]),
    render_options=dict(type="dict", default={}),
    renderings=dict(type="raw"),
)
ARGUMENT_SPEC.update(HOST_APPLY_SPEC)


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


def main():
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    try:
        renderings = unpack_renderings(module.params["renderings"])
    except ValueError as exc:
        module.fail_json(msg="renderings: %s" % exc)
    if not renderings:
        module.fail_json(msg="renderings is missing: call netreq.firewall.host_ruleset as a task, so its action "
                             "plugin compiles and renders the profiles on the controller")
    runner = CommandRunner(module)
    # The renderings are the controller's output, already in the result as the plan and too
    # large to echo back (scrubbing and shipping them would cost more than the apply).
    invocation = dict((key, value) for key, value in module.params.items() if key != "renderings")
    extra = {"detected": module.params["backend"] == "auto", "rules_compiled": renderings.get("rules_compiled", 0),
             "invocation": {"module_args": invocation}}

    def choose():
        backend = select_backend(module.params["backend"], runner)
        extra["backend"] = backend
        return applier_for(backend, renderings.get("backends") or {}, module, runner)

    # the shared keys only: each backend module's own extras (the whole rule set again) would make
    # a large result to ship and parse on every run
    run_module(module, choose, extra, keys=("changed", "plan", "commands", "diff", "recovered", "confirm", "temporary"))


if __name__ == "__main__":
    main()
