#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) netreq.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: firewalld_ruleset
short_description: Apply the collection's firewalld policies and ipsets in one transaction
version_added: 0.1.0
author: netreq.firewall contributors (!UNKNOWN)
description:
  - Makes the firewalld policies and ipsets the collection owns match the input, in one module call per
    host. The input is the C(policies) and C(ipsets) of P(netreq.firewall.render#filter) with
    C(backend=firewalld).
  - A policy or ipset is owned when its name starts with O(policy_prefix) followed by C(-). Owned objects
    that are not in the input are deleted. Zones, services, other policies and other ipsets are never
    changed.
  - The whole input is checked before anything on the host is read (names, zones, targets, and every rich
    rule, parsed into its elements with its values checked). Rich rules the host does not hold yet are then read by
    firewalld's own parser (python3-firewall, in the module's process); a rule it refuses or reads differently
    fails the task with the rule's id, and nothing is changed.
  - The permanent configuration of the owned objects is read from their XML files under
    C(/etc/firewalld/policies) and C(/etc/firewalld/ipsets), the runtime over D-Bus (one connection, plain
    method calls). A runtime that differs from the permanent configuration (for example after a
    C(--runtime) change) counts as a change. When nothing differs, no process is started.
  - A change writes the owned XML files (each replaced in one rename), removes the owned files no longer
    wanted, and reloads firewalld once; the runtime is then read back and must hold exactly the input.
    If any step fails, the owned files are restored from a copy taken before the first change, firewalld
    reloads again, and the module fails with the cause, so the previous rule set stays in place.
  - When the module's Python cannot import the D-Bus bindings (python3-dbus), the runtime is read and
    reloaded with C(firewall-cmd) instead, about half a second per call, and the module warns.
extends_documentation_fragment:
  - netreq.firewall.host_apply
  - netreq.firewall.attributes
  - netreq.firewall.attributes.ruleset
requirements:
  - firewalld 0.9 or later (policy objects), running
options:
  policies:
    description:
      - The owned policies, as rendered (C(policies) of P(netreq.firewall.render#filter)).
      - Ignored (not even checked beyond their types) with O(state=absent).
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description:
          - Policy name; must start with O(policy_prefix) and C(-), at most 17 characters.
        type: str
        required: true
      description:
        description:
          - The policy's description, one line; leading and trailing spaces are dropped.
          - When omitted the description is left as it is.
        type: str
      ingress_zones:
        description:
          - Zones the traffic comes from; C(ANY), C(HOST), or one or more zone names.
        type: list
        elements: str
        required: true
      egress_zones:
        description:
          - Zones the traffic goes to; C(ANY), C(HOST), or one or more zone names.
        type: list
        elements: str
        required: true
      target:
        description:
          - What happens to traffic no rich rule decides. C(CONTINUE) hands it on to the zones.
        type: str
        default: CONTINUE
        choices: [CONTINUE, ACCEPT, DROP, REJECT]
      rich_rules:
        description:
          - The policy's complete list of rich rules; rules of the policy not listed are removed.
          - Identical rules are applied once.
        type: list
        elements: dict
        default: []
        suboptions:
          rule:
            description:
              - The rich rule, starting with C(rule), in the form C(firewall-cmd --info-policy) prints
                (the renderer writes that form). Quoting, spacing and element order do not matter (rules
                are compared by their elements). Every element of firewalld 1.x's rich language is supported
                (a C(limit) with C(value) only, no C(burst)); anything else is refused before any change.
            type: str
            required: true
          id:
            description: Id of the requirement the rule comes from (reporting only).
            type: str
          tag:
            description: Provenance tag of the rule (reporting only; rich rules cannot carry comments).
            type: str
  ipsets:
    description:
      - The owned ipsets, as rendered (C(ipsets) of P(netreq.firewall.render#filter) with
        C(fqdn_strategy=resolve)).
      - This module creates missing ipsets B(empty) with their type and family and deletes owned ipsets not
        listed. It does not manage entries; the entries are filled from O(ipsets[].hosts) by a resolver that
        runs after it, and entries already present are kept. An ipset whose type or family changed is
        deleted and created again, empty.
      - Ignored with O(state=absent).
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description: Ipset name; must start with O(policy_prefix) and C(-), at most 32 characters.
        type: str
        required: true
      type:
        description: The ipset type.
        type: str
        default: hash:ip
      family:
        description: Address family of the entries.
        type: str
        default: inet
        choices: [inet, inet6]
      id:
        description: Id of the requirement the ipset serves (reporting only).
        type: str
      hosts:
        description: Host names the resolver puts into the ipset; not used by this module.
        type: list
        elements: str
        default: []
  policy_prefix:
    description:
      - Names of owned policies and ipsets start with this and C(-). Letters, digits, C(_) and C(-), at
        most 13 characters.
      - Two prefixes on one host must not start with each other (C(netreq) would own C(netreq-lab-in)).
    type: str
    default: netreq
  state:
    description:
      - C(present) makes the owned policies and ipsets match O(policies) and O(ipsets).
      - C(absent) deletes every owned policy and ipset.
    type: str
    default: present
    choices: [present, absent]
notes:
  - The reload re-reads the whole permanent configuration, so runtime-only changes anywhere in firewalld
    (not only in owned objects, including ipset entries added at runtime) are lost whenever this module
    changes something. Nothing is reloaded when nothing changes.
  - Rich rules are compared by their elements, not their text; the result lists them in the canonical form
    C(firewall-cmd --info-policy) prints, except that every value is double-quoted.
  - An owned policy's C(short) name and C(priority) are kept as they are; settings the collection never
    writes (services, ports, masquerade ...) found in an owned policy are removed.
seealso:
  - name: firewalld policy objects
    description: Policies filter traffic between zones, including the host itself (HOST) and any zone (ANY).
    link: https://firewalld.org/documentation/man-pages/firewalld.policies.html
  - name: firewalld rich rule language
    description: The syntax of O(policies[].rich_rules[].rule).
    link: https://firewalld.org/documentation/man-pages/firewalld.richlanguage.html
"""

EXAMPLES = r"""
- name: Render the PDR appliance rules for firewalld
  ansible.builtin.set_fact:
    pdr_firewalld: >-
      {{ ('rackspace_pdr' | netreq.firewall.requirements(component='appliance',
           params={'datacenter': 'us', 'agent_cidrs': ['198.51.100.0/24']}))
         | netreq.firewall.render(backend='firewalld') }}

- name: Apply them as the collection's firewalld policies
  netreq.firewall.firewalld_ruleset:
    policies: "{{ pdr_firewalld.policies }}"
    ipsets: "{{ pdr_firewalld.ipsets }}"
  register: pdr_apply

- name: Show the rich rules and objects added
  ansible.builtin.debug:
    var: pdr_apply.plan.added

- name: Preview a change without applying it
  netreq.firewall.firewalld_ruleset:
    policies: "{{ pdr_firewalld.policies }}"
    ipsets: "{{ pdr_firewalld.ipsets }}"
  check_mode: true
  diff: true

- name: A second rule set on the same host, under its own prefix
  netreq.firewall.firewalld_ruleset:
    policy_prefix: lab
    policies:
      - name: lab-out
        description: lab egress
        ingress_zones: [HOST]
        egress_zones: [ANY]
        rich_rules:
          - id: lab_web
            rule: rule family="ipv4" destination address="198.51.100.100" port port="8080" protocol="tcp" accept

- name: Remove every policy and ipset the collection owns
  netreq.firewall.firewalld_ruleset:
    state: absent
"""

RETURN = r"""
changed:
  description: Whether the permanent or the runtime configuration of owned objects differed from the input.
  returned: always
  type: bool
  sample: true
backend:
  description: The backend this module applies.
  returned: success
  type: str
  sample: firewalld
plan:
  description: What changes (or in check mode would change), the same in check mode and in a real run.
  returned: success
  type: dict
  contains:
    action:
      description: C(none), C(create) (no owned object existed), C(update), or C(delete) (none remains).
      type: str
      sample: update
    added:
      description:
        - 'New objects (C(policy <name>: ...), C(ipset <name>: <type> family=<family>)) and new rich rules
          (C(<policy>: <rule>)).'
      type: list
      elements: str
      sample: ['netreq-out: rule family="ipv4" destination address="198.51.100.100" port port="8443" protocol="tcp" accept']
    removed:
      description: Removed objects, rich rules, and unmanaged settings found in owned policies, in the same form.
      type: list
      elements: str
      sample: ['netreq-out: rule family="ipv4" destination address="198.51.100.100" port port="5353" protocol="udp" accept']
    unchanged:
      description: Owned rich rules and ipsets kept as they are.
      type: int
      sample: 12
    settings:
      description:
        - Changed policy settings (C(<policy> description), C(target), C(ingress_zones), C(egress_zones)) as
          C(name), C(before), C(after); C(runtime) when only the runtime differs from the permanent
          configuration (a reload fixes it).
      type: list
      elements: dict
      sample: [{name: netreq-out target, before: CONTINUE, after: DROP}]
commands:
  description:
    - The changes made, in order - C(write <file>), C(remove <file>), and the reload (C(D-Bus
      org.fedoraproject.FirewallD1.reload()) or the C(firewall-cmd --reload) command line). Empty in check mode
      and when nothing changed. On a failure, including the rollback's file writes and reload.
  returned: always
  type: list
  elements: str
  sample:
    - write /etc/firewalld/policies/netreq-out.xml
    - D-Bus org.fedoraproject.FirewallD1.reload()
diff:
  description: The owned policies and ipsets before and after, one rich rule per line (diff mode).
  returned: success, in diff mode
  type: dict
  sample:
    before: "policy netreq-out\n  ingress-zones: HOST\n  egress-zones: ANY\n  target: DROP\n"
    after: "policy netreq-out\n  ingress-zones: HOST\n  egress-zones: ANY\n  target: DROP\n  rule ... accept\n"
policies:
  description:
    - The owned policies after the run, read back from the runtime configuration (in check mode, as they
      would be). Sorted by name; rich rules in canonical form.
  returned: success
  type: list
  elements: dict
  sample:
    - name: netreq-out
      description: "netreq.firewall: egress allow rules"
      ingress_zones: [HOST]
      egress_zones: [ANY]
      target: CONTINUE
      rich_rules: ['rule family="ipv4" destination address="198.51.100.53" port port="53" protocol="udp" accept']
ipsets:
  description: The owned ipsets after the run (type, family and current entries). Sorted by name.
  returned: success
  type: list
  elements: dict
  sample:
    - {name: netreq-portal-tcp-v4, type: "hash:ip", family: inet, entries: []}
reload:
  description: Whether firewalld was (in check mode, would be) reloaded.
  returned: success
  type: bool
  sample: true
runtime_reader:
  description: How the runtime was read and reloaded - C(dbus), or C(firewall-cmd) when python3-dbus is missing.
  returned: success
  type: str
  sample: dbus
files:
  description: The owned XML files written and removed by this run.
  returned: success
  type: dict
  sample: {written: [/etc/firewalld/policies/netreq-out.xml], removed: []}
restored:
  description: After a failed apply, the owned files that were put back (or removed) before the second reload.
  returned: failure after a change was started
  type: list
  elements: str
  sample: [/etc/firewalld/policies/netreq-out.xml]
errors:
  description: Every problem found in the input, when the input is rejected before any change.
  returned: failure
  type: list
  elements: str
  sample: ["policies[0] (in): name must start with 'netreq-' (policy_prefix) so the collection owns it"]
problems:
  description: How the runtime differed from the input after the reload (the apply was then rolled back).
  returned: failure
  type: list
  elements: str
  sample: ["policy netreq-out is missing"]
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

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.netreq.firewall.plugins.module_utils._apply.skeleton import run_module
from ansible_collections.netreq.firewall.plugins.module_utils._apply.host_args import HOST_APPLY_SPEC
from ansible_collections.netreq.firewall.plugins.module_utils._apply.firewalld.apply import ARGUMENT_SPEC, FirewalldApplier


def main():
    module = AnsibleModule(argument_spec=dict(ARGUMENT_SPEC, **HOST_APPLY_SPEC), supports_check_mode=True)
    run_module(module, FirewalldApplier(module))


if __name__ == "__main__":
    main()
