#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) netreq.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: ufw_ruleset
short_description: Apply a whole ufw rule set in one call, owning only the rules tagged with its comment prefix
version_added: 0.1.0
author: netreq.firewall contributors (!UNKNOWN)
description:
  - Makes the ufw rules this call owns exactly the rules in O(rules), in one call per host. It reads the current
    rules, plans the change, applies it, and reads the rules again to verify the result.
  - A rule is owned when its comment starts with O(comment_prefix), or with C(<comment_prefix><profile>:) for one
    of O(profiles) when that is given. Every other rule is never deleted, re-ordered or re-commented. A wanted
    rule that matches the same traffic as a rule this call does not own fails the plan, because ufw keeps one rule
    per match and would overwrite that rule's action and comment.
  - The whole input is validated before anything changes, that is the shape of each rule, its words (ufw's extended
    syntax as written by the C(ufw) backend of P(netreq.firewall.render#filter)), addresses, ports, that its
    comment is owned, and that no two rules match the same traffic with different actions. All problems are
    reported together.
  - Two wanted rules that differ only in their comment (two requirements needing the same opening) are one ufw
    rule; the first comment is kept and the later rule is listed in RV(plan.merged).
  - The current rules are read from ufw's own records, C(/etc/ufw/user.rules) and C(/etc/ufw/user6.rules), which
    list every rule with its comment whether ufw is active or not; default policies from C(/etc/default/ufw),
    start at boot from C(/etc/ufw/ufw.conf), and whether ufw runs from C(ufw status).
  - Owned rules are compared as a set; a rule is kept when its action, match, comment and IP families are the
    same. An owned rule replaced by a wanted rule with the same match (for example a new comment) is changed in
    place by ufw, keeping its position and never missing for a moment; other owned rules that are not wanted are
    deleted, and new rules are appended after the existing ones, as C(ufw allow) does. Rules are never
    re-ordered. ufw uses the first rule that matches, so an existing deny rule of another owner above an added
    allow rule still wins.
  - ufw has no transactions. The module copies the four files ufw writes, then runs one ufw command per change
    (C(ufw delete), C(ufw <rule>), C(ufw --force enable) or C(ufw disable), then C(ufw default)). If a command
    fails or the rules read back differ from the plan, it writes the copies back, reloads the running firewall
    from them (or enables or disables ufw again), and fails with the error. The previous rule set stays in place.
requirements:
  - ufw on the managed host (tested with ufw 0.36.2 on Debian 12); the module runs ufw, so it needs root.
notes:
  - Enabling ufw does not cut established connections (ufw's C(before.rules) accept established and related
    traffic and loopback), but with O(default_incoming=deny) new connections, for example a new SSH session of
    Ansible, need an owned or unowned rule that allows them. The C(netreq.firewall.host_firewall) role adds one
    for its management connection.
  - Default policies are changed after the rules and after enabling ufw, so the allow rules are in place before
    traffic is denied by default.
extends_documentation_fragment:
  - netreq.firewall.attributes
  - netreq.firewall.attributes.ruleset
options:
  rules:
    description:
      - The wanted rules, as the C(rules) list of P(netreq.firewall.render#filter) with O(netreq.firewall.render#filter:backend=ufw).
      - With O(state=absent), the rules to remove; an empty list removes every owned rule.
    type: list
    elements: dict
    default: []
    suboptions:
      id:
        description: The requirement id the rule comes from; used in error messages.
        type: str
      comment:
        description:
          - The rule's comment. When given it must equal the value after C(comment) in O(rules[].args).
        type: str
      args:
        description:
          - The words after C(ufw) that create the rule, in ufw's extended syntax
            C(ACTION [in|out [on IFACE]] [log|log-all] [proto P] [from ADDR [port PORTS]] [to ADDR [port PORTS]] comment TEXT).
          - The comment is required and must be owned (see O(comment_prefix)).
          - Route rules, application profiles, host names, port names and ufw's short forms such as C(22/tcp) are
            not accepted.
        type: list
        elements: str
        required: true
      params:
        description:
          - The same rule as M(community.general.ufw) parameters, as the renderer writes it. Accepted so the rendered
            list can be passed as it is; not used.
        type: dict
  state:
    description:
      - V(present) makes the owned rules exactly O(rules).
      - V(absent) removes the owned rules listed in O(rules), or all owned rules when O(rules) is empty. Rules this
        call does not own are left alone in both cases.
    type: str
    choices: [present, absent]
    default: present
  comment_prefix:
    description:
      - Rules whose comment starts with this prefix are owned by the module; all others are never touched.
    type: str
    default: "netreq:"
  profiles:
    description:
      - Narrows ownership to rules whose comment starts with C(<comment_prefix><profile>:) for one of these
        profiles, so calls for different profiles on one host do not remove each other's rules.
      - When omitted, every rule with O(comment_prefix) is owned, and one that is not in O(rules) is removed.
      - The C(netreq.firewall.host_firewall) role passes every profile it applies in one call.
    type: list
    elements: str
  default_incoming:
    description:
      - The default policy for incoming traffic (C(ufw default ... incoming)). Left as it is when omitted.
    type: str
    choices: [allow, deny, reject]
  default_outgoing:
    description:
      - The default policy for outgoing traffic (C(ufw default ... outgoing)). Left as it is when omitted.
      - V(deny) turns the owned allow rules into an egress allowlist; ufw's C(before.rules) keep loopback,
        established and related traffic allowed.
    type: str
    choices: [allow, deny, reject]
  enabled:
    description:
      - V(true) makes sure ufw is active and starts at boot (C(ufw --force enable)); V(false) makes sure it is
        not (C(ufw disable)). Left as it is when omitted; rules added to an inactive ufw take effect when it is
        enabled.
    type: bool
seealso:
  - plugin: netreq.firewall.render
    plugin_type: filter
    description: Renders the normalized rules of a profile as the O(rules) of this module.
  - module: community.general.ufw
    description: Manages one ufw rule or setting per task.
"""

EXAMPLES = r"""
- name: Compile and render the Rackspace PDR appliance requirements for ufw
  ansible.builtin.set_fact:
    pdr_ufw: >-
      {{ 'rackspace_pdr'
         | netreq.firewall.requirements(component='appliance',
             params={'datacenter': 'us', 'agent_cidrs': ['198.51.100.0/24']})
         | netreq.firewall.render(backend='ufw', fqdn_strategy='proxy') }}
  delegate_to: localhost

- name: Apply them in one call and make sure ufw runs
  netreq.firewall.ufw_ruleset:
    rules: "{{ pdr_ufw.rules }}"
    profiles: [rackspace_pdr]
    enabled: true
  register: pdr_ufw_result

- name: Show what changed
  ansible.builtin.debug:
    var: pdr_ufw_result.plan

- name: Egress allowlist - the rules plus default deny outgoing
  netreq.firewall.ufw_ruleset:
    rules: "{{ pdr_ufw.rules }}"
    profiles: [rackspace_pdr]
    default_incoming: deny
    default_outgoing: deny
    enabled: true

- name: Remove every ufw rule of the PDR profile, leaving all other rules alone
  netreq.firewall.ufw_ruleset:
    state: absent
    profiles: [rackspace_pdr]
"""

RETURN = r"""
plan:
  description: The changes made, or that would be made in check mode.
  returned: success
  type: dict
  contains:
    added:
      description: The rules added, one C(ufw ...) command each, in the order they are added.
      returned: always
      type: list
      elements: str
      sample: ["ufw allow out proto tcp to 8.8.4.4 port 53 comment netreq:rackspace_pdr:appliance_out_dns-tcp"]
    removed:
      description:
        - The owned rules deleted, one C(ufw ...) line each, in ufw's order. A rule ufw holds for only some of the
          IP families it should is marked with the files it is in.
      returned: always
      type: list
      elements: str
      sample: ["ufw allow out proto tcp to 8.8.8.8 port 53 comment netreq:rackspace_pdr:old_rule"]
    policy:
      description: The default policies changed, by direction, with the value before and after.
      returned: always
      type: dict
      sample: {"outgoing": {"before": "allow", "after": "deny"}}
    enabled:
      description: The change of ufw's enabled state (active and started at boot), empty when there is none.
      returned: always
      type: dict
      sample: {"before": false, "after": true}
    merged:
      description:
        - Wanted rules that are the same ufw rule as an earlier wanted rule except for the comment. ufw keeps one
          rule per match, so they are not added separately; the earlier rule allows their traffic.
      returned: always
      type: list
      elements: str
      sample:
        - >-
          rules[3] (id connector_out_https_cloud_license) with comment
          'netreq:teradici_cas:connector_out_https_cloud_license' is merged into rules[2]
          'ufw allow out proto tcp to any port 443 comment netreq:teradici_cas:connector_out_https_cam'
          (ufw keeps one rule per match)
rules:
  description: The owned rules after the change (predicted in check mode), one C(ufw ...) line each, in ufw's order.
  returned: success
  type: list
  elements: str
  sample:
    - "ufw allow in proto tcp from 198.51.100.0/24 to any port 443 comment netreq:rackspace_pdr:appliance_in_agent_updates"
    - "ufw allow out to 198.51.100.0/24 comment netreq:rackspace_pdr:appliance_out_scanning"
defaults:
  description: ufw's default policies after the change (predicted in check mode), from C(/etc/default/ufw).
  returned: success
  type: dict
  sample: {"incoming": "deny", "outgoing": "deny", "routed": "deny"}
enabled:
  description: Whether ufw is active and starts at boot after the change (predicted in check mode).
  returned: success
  type: bool
  sample: true
commands:
  description: The ufw commands run, in order, including reads and any rollback. Empty in check mode except for reads.
  returned: always
  type: list
  elements: str
  sample: ["/usr/sbin/ufw status", "/usr/sbin/ufw allow out proto tcp to 8.8.4.4 port 53 comment netreq:rackspace_pdr:appliance_out_dns-tcp"]
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.netreq.firewall.plugins.module_utils._ufw_apply import (
    UfwApplier,
    UfwError,
    Scope,
    compute_plan,
    owned_lines,
    validate_rules,
)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            rules=dict(type="list", elements="dict", default=[], options=dict(
                id=dict(type="str"),
                comment=dict(type="str"),
                args=dict(type="list", elements="str", required=True),
                params=dict(type="dict"),
            )),
            state=dict(type="str", choices=["present", "absent"], default="present"),
            comment_prefix=dict(type="str", default="netreq:"),
            profiles=dict(type="list", elements="str"),
            default_incoming=dict(type="str", choices=["allow", "deny", "reject"]),
            default_outgoing=dict(type="str", choices=["allow", "deny", "reject"]),
            enabled=dict(type="bool"),
        ),
        supports_check_mode=True,
    )
    params = module.params
    default_policies = {"incoming": params["default_incoming"], "outgoing": params["default_outgoing"]}
    enabled = params["enabled"]
    applier = plan = None
    try:
        # 1. the whole input, before anything is read or changed
        scope = Scope(params["comment_prefix"], params["profiles"])
        wanted, merged = validate_rules(params["rules"], scope)
        # 2. the current state and the plan (reads only)
        applier = UfwApplier(module, module.get_bin_path("ufw", required=True))
        state = applier.read()
        plan = compute_plan(state, scope, wanted, present=params["state"] == "present",
                            default_policies=default_policies, enabled=enabled, merged=merged)
        result = dict(changed=plan.changed, plan=plan.result())
        if module._diff:
            result["diff"] = plan.diff(default_policies, enabled)
        # 3. the only side effects: apply, verify, roll back on failure
        if plan.changed and not module.check_mode:
            after = applier.apply(plan, default_policies, enabled)
            result.update(rules=owned_lines(after, scope), defaults=after.defaults, enabled=after.enabled)
        else:
            result.update(rules=plan.rules_after(), defaults=plan.defaults_after(), enabled=plan.enabled_after())
    except UfwError as exc:
        module.fail_json(msg=str(exc), plan=plan.result() if plan else {},
                         commands=applier.commands if applier else [])
    result["commands"] = applier.commands
    module.exit_json(**result)


if __name__ == "__main__":
    main()
