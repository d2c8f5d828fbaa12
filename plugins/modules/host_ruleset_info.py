#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) netreq.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: host_ruleset_info
short_description: What the collection owns in a Linux host's firewall, what drifted, and what overrides it
version_added: 0.1.0
author: netreq.firewall contributors (!UNKNOWN)
description:
  - Reads what the collection owns in the host's firewall (the table C(inet netreq), the ufw rules commented
    C(netreq:<profile>:<id>), or the firewalld policies C(netreq-in) and C(netreq-out)) and compares it with the
    rule set compiled for the given profile selections, exactly as M(netreq.firewall.host_ruleset) would apply it.
    Nothing on the host is changed.
  - B(Drift) is reported per owned entry. C(missing) entries are wanted but not on the host (an owned rule deleted by
    hand); C(unexpected) entries are owned but not wanted; C(changed) pairs a missing and an unexpected entry with the
    same ownership tag (an owned rule edited by hand). firewalld is compared in its running configuration, so an edit
    made with C(firewall-cmd) without C(--permanent) counts.
  - B(Overrides) are rules the collection does not own that drop or reject traffic it allows, which makes its allow
    rules ineffective (for example the permissive mode, which only adds allow rules). Checked are the base chains with
    hook C(input) or C(output) of every other nftables table (any priority, because an accept in one base chain does
    not stop a drop in another), for ufw the deny and reject rules placed before an owned allow in ufw's rules files,
    and for firewalld the policies with a lower priority than the collection's (they run first). A finding is
    V(certain) when every condition of the foreign rule was understood and matches the owned traffic, V(possible)
    when some condition (an interface, a mark, a negation, a host name in the profile) could not be judged.
  - Takes the same options as M(netreq.firewall.host_ruleset), so that what is compared is what a run of the role
    with the same variables applies. An action plugin compiles and renders on the controller; the module reads the
    host in one remote call.
extends_documentation_fragment:
  - netreq.firewall.host_ruleset
  - netreq.firewall.attributes
  - netreq.firewall.attributes.info_module
options: {}
requirements:
  - On the host, C(nft) to look for foreign nftables tables (and, per backend, the files and tools the appliers read).
seealso:
  - module: netreq.firewall.host_ruleset
  - plugin: netreq.firewall.explain
    plugin_type: filter
notes:
  - Overrides are judged on IP version, protocol, destination port and remote address; other conditions make a
    finding V(possible). Connection-tracking conditions are understood (a drop of C(ct state invalid) never hits a
    new connection). Not read - ufw's C(before.rules); on a ufw host the tables C(ip filter) and C(ip6 filter),
    where ufw loads its rules (ufw's own files are read instead); on a firewalld host firewalld's own tables and its
    zones (they run after the collection's policies); legacy iptables.
"""

EXAMPLES = r"""
- name: Read the live state of the PDR appliance rules
  netreq.firewall.host_ruleset_info:
    profiles:
      - profile: rackspace_pdr
        component: appliance
        params: {datacenter: us, agent_cidrs: [198.51.100.0/24]}
    egress_policy: allowlist
  register: pdr_live

- name: Fail when something drifted or overrides the rules
  ansible.builtin.assert:
    that:
      - pdr_live.in_sync
      - pdr_live.effective
    fail_msg: "drift: {{ pdr_live.drift }}; overrides: {{ pdr_live.overrides }}"

- name: List the rules that are not live
  ansible.builtin.debug:
    msg: "{{ pdr_live.rules | rejectattr('status', 'equalto', 'live') | map(attribute='tag') | list }}"
"""

RETURN = r"""
backend:
  description: The firewall that was read.
  returned: always
  type: str
  sample: nftables
detected:
  description: Whether the host chose the backend (O(backend=auto)).
  returned: always
  type: bool
  sample: true
rules_compiled:
  description: The number of compiled rules compared.
  returned: always
  type: int
  sample: 14
in_sync:
  description: Whether the owned state is exactly the compiled rule set (no missing, unexpected or changed entries,
    no setting to change).
  returned: always
  type: bool
  sample: false
effective:
  description: Whether no foreign rule was found that drops or rejects traffic the owned rules allow.
  returned: always
  type: bool
  sample: true
owned:
  description: The owned entries on the host, one readable line each (the form of the backend's plan entries).
  returned: always
  type: list
  elements: str
  sample: ['chain output: ip daddr 198.51.100.100 tcp dport 8443 counter accept comment "netreq:netreq_lab:lab_out_tcp"']
drift:
  description: How the owned state differs from the compiled rule set.
  returned: always
  type: dict
  contains:
    missing:
      description: Entries the rule set wants and the host lacks.
      type: list
      elements: str
      returned: always
      sample: ['chain output: ip daddr 198.51.100.100 udp dport 5353 counter accept comment "netreq:netreq_lab:lab_out_udp"']
    unexpected:
      description: Owned entries on the host the rule set does not want.
      type: list
      elements: str
      returned: always
      sample: []
    changed:
      description: Owned rules edited by hand, C({tag, live, desired}) with the entries of one ownership tag.
      type: list
      elements: dict
      returned: always
      sample: [{tag: "netreq:netreq_lab:lab_out_tcp", live: ["chain output: ... tcp dport 8444 ..."], desired: ["chain output: ... tcp dport 8443 ..."]}]
    settings:
      description: Other settings that differ (default policies, policy targets), C({name, before, after}).
      type: list
      elements: dict
      returned: always
      sample: []
overrides:
  description: Foreign rules that drop or reject traffic the owned rules allow.
  returned: always
  type: list
  elements: dict
  contains:
    tags:
      description: The ownership tags of the overridden rules.
      type: list
      elements: str
      returned: always
      sample: ["netreq:netreq_lab:lab_out_tcp"]
    table:
      description: Where the foreign rule is (an nftables table, a ufw rules file, a firewalld policy).
      type: str
      returned: always
      sample: inet blocker
    chain:
      description: Its chain (nftables), direction (ufw) or zones (firewalld).
      type: str
      returned: always
      sample: output
    hook:
      description: V(input) or V(output).
      type: str
      returned: always
      sample: output
    priority:
      description: The chain or policy priority (for ufw, the rule's position).
      type: int
      returned: always
      sample: -10
    order:
      description: Whether it runs before or after the owned rules.
      type: str
      returned: always
      sample: before
    rule:
      description: The foreign rule, readable.
      type: str
      returned: always
      sample: "tcp dport 8443 drop"
    verdict:
      description: V(drop), V(reject), V(deny) (ufw) or V(policy drop) and the like for a chain policy or policy target.
      type: str
      returned: always
      sample: drop
    certainty:
      description: V(certain) or V(possible).
      type: str
      returned: always
      sample: certain
rules:
  description: One row per compiled rule, with what it rendered to and whether that is live.
  returned: always
  type: list
  elements: dict
  contains:
    tag:
      description: The ownership tag, C(netreq:<profile>:<id>).
      type: str
      returned: always
      sample: "netreq:rackspace_pdr:appliance_out_ntp"
    profile:
      description: The profile name.
      type: str
      returned: always
      sample: rackspace_pdr
    id:
      description: The rule id (the requirement id, with C(-<protocol>) when the requirement lists several).
      type: str
      returned: always
      sample: appliance_out_ntp
    component:
      description: The profile component the rule belongs to.
      type: str
      returned: always
      sample: appliance
    direction:
      description: V(ingress) or V(egress).
      type: str
      returned: always
      sample: egress
    protocol:
      description: V(tcp), V(udp), V(icmp) or V(any).
      type: str
      returned: always
      sample: udp
    ports:
      description: Ports and C(low-high) ranges; empty means all ports.
      type: list
      elements: str
      returned: always
      sample: ["123"]
    remote:
      description: The remote addresses, networks or host names, or C([any]).
      type: list
      elements: str
      returned: always
      sample: ["204.110.219.96/27"]
    description:
      description: What the rule is for, from the vendor document.
      type: str
      returned: always
      sample: NTP
    source:
      description: The vendor line the requirement encodes.
      type: str
      returned: always
      sample: "| NTP | 204.110.219.96/27 | UDP 123 |"
    rendered:
      description: The backend entries the rule renders to.
      type: list
      elements: str
      returned: always
      sample: ['chain output: ip daddr 204.110.219.96/27 udp dport 123 counter accept comment "netreq:rackspace_pdr:appliance_out_ntp"']
    status:
      description: V(live), V(changed), V(partial), V(missing) or V(not rendered) (every host name left to a proxy).
      type: str
      returned: always
      sample: live
    overridden_by:
      description: The foreign rules that override it.
      type: list
      elements: str
      returned: always
      sample: []
problems:
  description: What could not be checked (for example no C(nft) on the host), or why the comparison is partial.
  returned: always
  type: list
  elements: str
  sample: []
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.netreq.firewall.plugins.module_utils._apply.skeleton import CommandRunner
from ansible_collections.netreq.firewall.plugins.module_utils._model.errors import ApplyError, NetreqError
from ansible_collections.netreq.firewall.plugins.module_utils._apply.host_args import ARGUMENT_SPEC, unpack_renderings
from ansible_collections.netreq.firewall.plugins.module_utils._apply.backends import applier_for, select_backend
from ansible_collections.netreq.firewall.plugins.module_utils._live.state import inspect


def main():
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    try:
        renderings = unpack_renderings(module.params["renderings"])
    except ValueError as exc:
        module.fail_json(msg="renderings: %s" % exc)
    if not renderings or "rules" not in renderings:
        module.fail_json(msg="renderings is missing: call netreq.firewall.host_ruleset_info as a task, so its action "
                             "plugin compiles and renders the profiles on the controller")
    runner = CommandRunner(module)
    invocation = dict((key, value) for key, value in module.params.items() if key != "renderings")
    extra = {"detected": module.params["backend"] == "auto", "rules_compiled": renderings.get("rules_compiled", 0),
             "invocation": {"module_args": invocation}}
    try:
        backend = select_backend(module.params["backend"], runner)
        extra["backend"] = backend
        applier = applier_for(backend, renderings.get("backends") or {}, module, runner)
        result = inspect(backend, applier, runner, renderings["rules"])
    except ApplyError as exc:
        details = dict(extra)
        details.update(exc.details)
        details.pop("changed", None)
        module.fail_json(msg=str(exc), changed=False, **details)
    except NetreqError as exc:
        module.fail_json(msg=str(exc), changed=False, **extra)
    for warning in result.pop("warnings", []):
        module.warn(warning)
    result.update(extra)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
