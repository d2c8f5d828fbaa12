#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) netreq.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

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
  - The whole input is checked before anything changes, first offline, then with read-only
    C(firewall-cmd) queries (zones exist, ipsets used by rich rules exist, firewalld accepts each new rich
    rule).
  - The permanent and the runtime configuration are both compared with the input; a runtime that differs
    from the permanent configuration (for example after a C(--runtime) change) counts as a change.
  - Changes go to the permanent configuration, then firewalld reloads once and the runtime is verified
    against the input. If any step fails, the owned files under C(/etc/firewalld/policies) and
    C(/etc/firewalld/ipsets) are restored from a copy taken before the first change, firewalld reloads
    again, and the module fails with the cause, so the previous rule set stays in place.
  - Talks to firewalld only through C(firewall-cmd); the firewalld Python bindings are not needed by the module.
extends_documentation_fragment:
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
                (the renderer writes that form). Quoting and spacing are normalized; a rule that firewalld
                stores in another element order is reported as an error and rolled back.
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
    (not only in owned objects) are lost whenever this module changes something. Nothing is reloaded when
    nothing changes.
  - The module runs C(firewall-cmd) about six times to read the configuration, plus twice per owned ipset,
    plus once per changed setting or batch of rich rules.
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

- name: Show what changed per policy
  ansible.builtin.debug:
    var: pdr_apply.plan.policies

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
plan:
  description: The differences found, the same in check mode and in a real run.
  returned: always
  type: dict
  contains:
    policies:
      description:
        - Per owned policy (in the input or existing), what changes in the permanent configuration.
        - C(added)/C(removed) are rich rules; C(settings) maps C(description), C(ingress_zones),
          C(egress_zones), C(target) to C(before)/C(after) when they change; C(runtime_differs) is true
          when the runtime copy differs from the permanent one (fixed by the reload).
      type: dict
      sample:
        netreq-in:
          created: false
          deleted: false
          added: ['rule family="ipv4" source address="198.51.100.0/24" port port="443" protocol="tcp" accept']
          removed: []
          settings: {}
          runtime_differs: false
    ipsets:
      description:
        - Per owned ipset, C(created), C(deleted), C(recreated) (type or family changed), C(before)/C(after)
          type and family, and C(runtime_differs).
      type: dict
      sample:
        netreq-portal-tcp-v4:
          created: true
          deleted: false
          recreated: false
          before: null
          after: {type: "hash:ip", family: inet}
          runtime_differs: false
    reload:
      description: Whether firewalld is (or in check mode would be) reloaded.
      type: bool
      sample: true
commands:
  description:
    - The C(firewall-cmd) commands that changed the configuration, in order; in check mode the ones that
      would run. On a failure, the commands run including the rollback's reload.
  returned: always
  type: list
  elements: str
  sample:
    - /usr/bin/firewall-cmd --permanent --new-policy netreq-in
    - /usr/bin/firewall-cmd --permanent --policy netreq-in --add-ingress-zone ANY
    - /usr/bin/firewall-cmd --reload
policies:
  description:
    - The owned policies after the run, read back from the runtime configuration (in check mode, as they
      would be). Sorted by name.
  returned: success
  type: list
  elements: dict
  sample:
    - name: netreq-out
      description: "netreq.firewall: egress allow rules"
      ingress_zones: [HOST]
      egress_zones: [ANY]
      target: CONTINUE
      rich_rules: ['rule family="ipv4" destination address="8.8.8.8" port port="53" protocol="udp" accept']
ipsets:
  description: The owned ipsets after the run (type, family and current entries). Sorted by name.
  returned: success
  type: list
  elements: dict
  sample:
    - {name: netreq-portal-tcp-v4, type: "hash:ip", family: inet, entries: []}
rollback:
  description: After a failed apply, the owned files that were restored or removed and the outcome.
  returned: failure after a change was started
  type: dict
  sample:
    backed_up: [/etc/firewalld/policies/netreq-in.xml]
    restored: [/etc/firewalld/policies/netreq-in.xml]
    removed: [/etc/firewalld/policies/netreq-out.xml]
    result: previous configuration restored
errors:
  description: Every problem found in the input, when the input is rejected before any change.
  returned: failure
  type: list
  elements: str
  sample: ["policies[0] (in): name must start with 'netreq-' (policy_prefix) so the collection owns it"]
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.netreq.firewall.plugins.module_utils._firewalld_apply import (
    ConfigBackup,
    FirewallCmd,
    FirewalldError,
    apply_plan,
    check_against_firewalld,
    command_line,
    make_plan,
    public_plan,
    read_config,
    state_views,
    validate_input,
)

ARGUMENT_SPEC = dict(
    policies=dict(type="list", elements="dict", default=[], options=dict(
        name=dict(type="str", required=True),
        description=dict(type="str"),
        ingress_zones=dict(type="list", elements="str", required=True),
        egress_zones=dict(type="list", elements="str", required=True),
        target=dict(type="str", default="CONTINUE", choices=["CONTINUE", "ACCEPT", "DROP", "REJECT"]),
        rich_rules=dict(type="list", elements="dict", default=[], options=dict(
            rule=dict(type="str", required=True),
            id=dict(type="str"),
            tag=dict(type="str"),
        )),
    )),
    ipsets=dict(type="list", elements="dict", default=[], options=dict(
        name=dict(type="str", required=True),
        type=dict(type="str", default="hash:ip"),
        family=dict(type="str", default="inet", choices=["inet", "inet6"]),
        id=dict(type="str"),
        hosts=dict(type="list", elements="str", default=[]),
    )),
    policy_prefix=dict(type="str", default="netreq"),
    state=dict(type="str", default="present", choices=["present", "absent"]),
)


def main():
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    module.run_command_environ_update = dict(LANG="C", LC_ALL="C", LC_MESSAGES="C")

    try:
        desired = validate_input(module.params)
    except FirewalldError as exc:
        module.fail_json(msg=str(exc), commands=[], **exc.details)

    binary = module.get_bin_path("firewall-cmd", required=True)
    fw = FirewallCmd(module.run_command, binary)
    try:
        current = read_config(fw, desired["prefix"])
        check_against_firewalld(fw, desired, current)
        plan = make_plan(desired, current)
    except FirewalldError as exc:
        module.fail_json(msg=str(exc), commands=[], **exc.details)

    result = dict(changed=plan["changed"], plan=public_plan(plan))
    if module._diff:
        result["diff"] = plan["diff"]

    if not plan["changed"]:
        result["commands"] = []
        result["policies"], result["ipsets"] = state_views(current["runtime"])
    elif module.check_mode:
        result["commands"] = [command_line(binary, step) for step in plan["steps"] + [["--reload"]]]
        result["policies"], result["ipsets"] = plan["after"]["policies"], plan["after"]["ipsets"]
    else:
        try:
            after = apply_plan(fw, desired, plan, ConfigBackup(desired["prefix"]))
        except FirewalldError as exc:
            module.fail_json(msg=str(exc), plan=public_plan(plan), commands=fw.log, **exc.details)
        result["commands"] = fw.log
        result["policies"], result["ipsets"] = state_views(after)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
