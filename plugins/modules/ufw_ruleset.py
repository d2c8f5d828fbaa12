#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) netreq.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: ufw_ruleset
short_description: Apply a whole ufw rule set in one call, owning only the rules tagged with its comment prefix
version_added: 0.1.0
author: netreq.firewall contributors (!UNKNOWN)
description:
  - Makes the ufw rules this call owns exactly the rules in O(rules), in one call per host. It reads ufw's files,
    plans the change, writes the files once, lets the running firewall load them with one command, and reads the
    files again to verify the result.
  - A rule is owned when its comment starts with O(comment_prefix), or with C(<comment_prefix><profile>:) for one
    of O(profiles) when that is given. Every other rule is never deleted, re-ordered or re-commented. A wanted
    rule that matches the same traffic as a rule this call does not own fails the plan, because ufw keeps one rule
    per match and would overwrite that rule's action and comment.
  - The whole input is validated before anything is read or changed, that is the shape of each rule, its words
    (ufw's extended syntax as written by the C(ufw) backend of P(netreq.firewall.render#filter)), addresses, ports,
    that its comment is owned, and that no two rules match the same traffic with different actions. All problems
    are reported together.
  - Two wanted rules that differ only in their comment (two requirements needing the same opening) are one ufw
    rule; the first comment is kept and the later rule is listed in RV(merged).
  - "The current state is read from ufw's own files only: the rules from C(/etc/ufw/user.rules) (IPv4) and
    C(/etc/ufw/user6.rules) (IPv6), which list every rule with its comment whether ufw is active or not; the
    default policies from C(/etc/default/ufw); whether ufw runs from C(ENABLED) in C(/etc/ufw/ufw.conf), which is
    how ufw itself decides whether to touch the running firewall. A run that changes nothing runs no command."
  - Owned rules are compared per file; a rule is kept when its action, match, log type and comment are the same.
    An owned rule replaced by a wanted rule with the same match (for example a new comment) is changed at its place;
    other owned rules that are not wanted are removed, and new rules are appended after the existing ones, as
    C(ufw allow) does. Rules are never re-ordered. ufw uses the first rule that matches, so an existing deny rule
    of another owner above an added allow rule still wins.
  - "Applying writes the rules files (and C(/etc/default/ufw) for a policy change) in one batch, each file
    replaced atomically, with the lines ufw itself writes for the same rules. The running firewall then takes
    them up with one command: C(ufw --force enable) when ufw must start, C(ufw disable) when it must stop,
    C(ufw reload) when it runs and a default policy changed, and C(iptables-restore -n) / C(ip6tables-restore -n)
    of the changed files when it runs and only rules changed (what ufw does after a rule change: one transaction
    per file, never without rules). A host where ufw never wrote its rules files gets one C(ufw logging <level>)
    first, so that ufw writes them in its own form."
  - If a write or the command fails, or the files read back differ from the plan, the previous files are written
    back, the running firewall loads them again, and the task fails with the error.
requirements:
  - ufw on the managed host (tested with ufw 0.36.2 on Debian 12); the module writes ufw's files, so it needs root.
notes:
  - Enabling ufw does not cut established connections (ufw's C(before.rules) accept established and related
    traffic and loopback), but with O(default_incoming=deny) new connections, for example a new SSH session of
    Ansible, need an owned or unowned rule that allows them. The C(netreq.firewall.host_firewall) role adds one
    for its management connection.
  - C(ufw reload), which a default policy change on a running ufw needs, stops and starts ufw; ufw's rules are not
    loaded for that moment, as with C(ufw default) itself.
  - A ufw that runs although C(ENABLED=no), or that was stopped by hand while C(ENABLED=yes), is not noticed.
extends_documentation_fragment:
  - netreq.firewall.host_apply
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
changed:
  description: Whether the owned rules, the default policies or the enabled state changed (would change in check mode).
  returned: always
  type: bool
  sample: true
backend:
  description: The backend this module applies to.
  returned: success
  type: str
  sample: ufw
plan:
  description: The changes made, or that would be made in check mode, in the shape every ruleset module returns.
  returned: success
  type: dict
  contains:
    action:
      description:
        - V(none) (nothing to change), V(create) (no owned rule before), V(update), or V(delete) (no owned rule
          left afterwards).
      returned: always
      type: str
      sample: update
    added:
      description:
        - "The rules added, one C(<file(s)>: ufw ...) line each, in the order they are written. The files are
          C(user.rules) (IPv4), C(user6.rules) (IPv6) or both."
      returned: always
      type: list
      elements: str
      sample: ["user.rules: ufw allow out proto tcp to 8.8.4.4 port 53 comment netreq:rackspace_pdr:appliance_out_dns-tcp"]
    removed:
      description: The owned rules removed (or replaced at their place), in the same form, in ufw's order.
      returned: always
      type: list
      elements: str
      sample: ["user.rules+user6.rules: ufw allow out proto tcp to any port 80 comment netreq:rackspace_pdr:old"]
    unchanged:
      description: The number of owned rules kept as they are.
      returned: always
      type: int
      sample: 14
    settings:
      description:
        - The settings that change, each C({name, before, after}); names are C(default_incoming),
          C(default_outgoing) (values allow, deny, reject) and C(enabled) (bool).
      returned: always
      type: list
      elements: dict
      sample: [{"name": "default_outgoing", "before": "allow", "after": "deny"}, {"name": "enabled", "before": false, "after": true}]
commands:
  description:
    - The commands that changed the host, in order, including any rollback. Empty when nothing changed and in check
      mode (reading ufw's state runs no command).
  returned: always
  type: list
  elements: str
  sample: ["/usr/sbin/iptables-restore -n /etc/ufw/user.rules", "/usr/sbin/ip6tables-restore -n /etc/ufw/user6.rules"]
diff:
  description: The owned rules and the managed settings before and after, one line each, when diff mode is on.
  returned: when diff mode is on
  type: dict
  sample:
    before: "user.rules: ufw allow out proto tcp to 8.8.8.8 port 53 comment netreq:rackspace_pdr:old\nenabled: no\n"
    after: "user.rules: ufw allow out proto tcp to 8.8.4.4 port 53 comment netreq:rackspace_pdr:dns\nenabled: yes\n"
    before_header: ufw (live)
    after_header: ufw (applied)
rules:
  description: "The owned rules afterwards (predicted in check mode), one C(<file(s)>: ufw ...) line each, in ufw's order."
  returned: success
  type: list
  elements: str
  sample:
    - "user.rules: ufw allow in proto tcp from 198.51.100.0/24 to any port 443 comment netreq:rackspace_pdr:appliance_in_agent_updates"
    - "user.rules+user6.rules: ufw allow out proto tcp to any port 80 comment netreq:rackspace_pdr:appliance_out_http_updates"
defaults:
  description: ufw's default policies afterwards (predicted in check mode), from C(/etc/default/ufw).
  returned: success
  type: dict
  sample: {"incoming": "deny", "outgoing": "deny", "routed": "deny"}
enabled:
  description: Whether ufw is enabled (C(ENABLED=yes) in C(/etc/ufw/ufw.conf)) afterwards (predicted in check mode).
  returned: success
  type: bool
  sample: true
merged:
  description:
    - Wanted rules that are the same ufw rule as an earlier wanted rule except for the comment. ufw keeps one
      rule per match, so they are not added separately; the earlier rule allows their traffic.
  returned: success
  type: list
  elements: str
  sample:
    - >-
      rules[3] (id connector_out_https_cloud_license) with comment
      'netreq:teradici_cas:connector_out_https_cloud_license' is merged into rules[2]
      'ufw allow out proto tcp to any port 443 comment netreq:teradici_cas:connector_out_https_cam'
      (ufw keeps one rule per match)
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
from ansible_collections.netreq.firewall.plugins.module_utils._apply.ufw.apply import ARGUMENT_SPEC, UfwApplier


def main():
    module = AnsibleModule(argument_spec=dict(ARGUMENT_SPEC, **HOST_APPLY_SPEC), supports_check_mode=True)
    run_module(module, UfwApplier(module))


if __name__ == "__main__":
    main()
