# -*- coding: utf-8 -*-
# Copyright (c) netreq.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: explain
short_description: Why a connection is allowed, by which profile, requirement and vendor line
version_added: 0.1.0
author: netreq.firewall contributors
description:
  - Answers "why is TCP 443 to 204.110.218.100 allowed on this host" for a host's profile selections. It compiles
    the selections as P(netreq.firewall.requirements#filter) does and returns every rule that allows the connection,
    with its profile, vendor, requirement id and the vendor line it encodes, or says that the collection does not
    allow it.
  - Rules whose remote is a host name are not matched against an address (the filter resolves nothing); they are
    listed in RV(_value.by_name) as the names that would allow it if they resolve to the address.
  - To know whether the rules are live on a host, compare the C(tag) of each of RV(_value.matches) with the C(rules) of
    M(netreq.firewall.host_ruleset_info); C(playbooks/explain.yml) does both.
options:
  _input:
    description:
      - A profile selection C({profile, component, params, enable, expires}), a list of them (a host's
        C(host_firewall_profiles)), or a Rule list from P(netreq.firewall.requirements#filter) (vendor unknown then).
    type: raw
    required: true
  protocol:
    description: The protocol of the connection.
    type: str
    choices: [tcp, udp, icmp, any]
    required: true
  address:
    description:
      - The remote address (an IP address or a network) or host name of the connection.
    type: str
    required: true
  port:
    description: The destination port; omitted means any port.
    type: int
  direction:
    description:
      - V(egress) for a connection the host opens, V(ingress) for one it accepts; omitted means both.
    type: str
    choices: [ingress, egress]
"""

EXAMPLES = r"""
- name: Why is TCP 443 to 204.110.218.100 allowed?
  ansible.builtin.debug:
    msg: >-
      {{ (host_firewall_profiles | netreq.firewall.explain(protocol='tcp', port=443,
          address='204.110.218.100', direction='egress')).answer }}
  vars:
    host_firewall_profiles:
      - profile: rackspace_pdr
        component: appliance
        params: {datacenter: us, agent_cidrs: [198.51.100.0/24]}
"""

RETURN = r"""
_value:
  description: The answer.
  type: dict
  contains:
    allowed:
      description: Whether some rule of the selections allows the connection.
      type: bool
      sample: true
    answer:
      description: The answer in one sentence, naming profile, requirement and vendor line, or "not allowed".
      type: str
      sample: "TCP 443 to 204.110.218.100 is allowed by netreq.firewall because of: rackspace_pdr requirement
        appliance_out_updates_us (Rackspace Proactive Detection & Response IDS appliance (Alert Logic Threat Manager),
        matched by 204.110.218.96/27): L36: | Appliance | 204.110.218.96/27 | TCP | 443 | Updates | ..."
    matches:
      description:
        - The rules that allow it, with C(profile), C(vendor), C(product), C(requirement), C(rule), C(tag),
          C(component), C(direction), C(protocol), C(ports), C(remote), C(description), C(source), C(temporary),
          C(expires) and C(matched) (the remote entries that contain the address).
      type: list
      elements: dict
    by_name:
      description: Rules that would allow it if one of their host names (in C(matched)) resolves to the address.
      type: list
      elements: dict
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.netreq.firewall.plugins.module_utils._model.errors import NetreqError
from ansible_collections.netreq.firewall.plugins.plugin_utils._explain import explain as explain_connection
from ansible_collections.netreq.firewall.plugins.plugin_utils._filter_args import validate_filter_args


def explain(selections, protocol=None, address=None, port=None, direction=None):
    """Shell over ``_explain.explain``: arguments checked against DOCUMENTATION."""
    arguments = validate_filter_args("netreq.firewall.explain", DOCUMENTATION, {
        "protocol": protocol, "address": address, "port": port, "direction": direction})
    if arguments["port"] is not None and not 0 < arguments["port"] < 65536:
        raise AnsibleFilterError("netreq.firewall.explain: port must be 1-65535, got %d" % arguments["port"])
    try:
        return explain_connection(selections, **arguments)
    except NetreqError as exc:
        raise AnsibleFilterError("netreq.firewall.explain: %s" % exc)


class FilterModule:
    def filters(self):
        return {"explain": explain}
