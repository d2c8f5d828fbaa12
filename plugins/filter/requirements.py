# -*- coding: utf-8 -*-
# Copyright (c) netreq.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: requirements
short_description: Compile a network-requirements profile into normalized firewall rules
version_added: 0.1.0
author: netreq.firewall contributors
description:
  - Loads a profile (a built-in name such as C(rackspace_pdr), a path to a profile YAML file, or a profile as a dict),
    validates all of it, selects the requirements of the chosen component(s), variant, options and parameter
    conditions, substitutes the parameters and returns the normalized Rule list that
    P(netreq.firewall.render#filter) turns into backend objects.
  - Built-in profiles are C(pdq_connect), C(rackspace_pdr) and C(teradici_cas); their tables are in the
    collection's C(docs/profiles/) folder.
  - Any invalid input fails with one message naming the profile, the requirement id and the field. Nothing is
    guessed or silently dropped.
options:
  _input:
    description:
      - The profile, as a built-in name, a path to a YAML file, or a dict.
      - Or a list of selections C({profile, component, params, enable, expires}) whose rules are concatenated, as the
        host_firewall role passes them; the other options must then be left out.
    type: raw
    required: true
  component:
    description:
      - Component name, or list of names, whose requirements to compile. Omitted means every component.
    type: raw
  params:
    description:
      - Values for the profile's parameters; the profile's defaults fill the rest.
    type: dict
    default: {}
  enable:
    description:
      - Optional requirements to enable, by option name, for example C(troubleshooting_ssh).
      - An item may be a dict C({name, expires}) to give a temporary option its expiry.
    type: list
    elements: raw
    default: []
  expires:
    description:
      - Expiry (ISO 8601 date or date-time, UTC unless it says otherwise) for every enabled temporary option,
        or a dict mapping option names to expiries. Temporary options cannot be enabled without one.
    type: raw
"""

EXAMPLES = r"""
- name: PDR appliance rules for the US datacenter, with the temporary troubleshooting SSH
  ansible.builtin.set_fact:
    pdr_rules: >-
      {{ 'rackspace_pdr' | netreq.firewall.requirements(
           component='appliance',
           params={'datacenter': 'us', 'agent_cidrs': ['198.51.100.0/24']},
           enable=[{'name': 'troubleshooting_ssh', 'expires': '2030-01-31'}]) }}

- name: Several profiles for one host, as one rule list
  ansible.builtin.set_fact:
    host_rules: >-
      {{ [{'profile': 'rackspace_pdr', 'component': 'appliance', 'params': {'agent_cidrs': ['198.51.100.0/24']}},
          {'profile': 'pdq_connect', 'component': 'agent', 'params': {'prebuilt_packages': false}}]
         | netreq.firewall.requirements }}

- name: A user profile from a file
  ansible.builtin.set_fact:
    my_rules: "{{ (playbook_dir ~ '/profiles/my_vendor.yml') | netreq.firewall.requirements(component='server') }}"
"""

RETURN = r"""
_value:
  description: The normalized Rule list, one rule per requirement and protocol.
  type: list
  elements: dict
  contains:
    id:
      description: Requirement id, suffixed with C(-<protocol>) when the requirement lists several protocols.
      type: str
      sample: appliance_out_dns-udp
    profile:
      description: Profile name.
      type: str
      sample: rackspace_pdr
    component:
      description: Component the rule belongs to.
      type: str
      sample: appliance
    direction:
      description: C(ingress) (remote is the source) or C(egress) (remote is the destination).
      type: str
      sample: egress
    protocol:
      description: C(tcp), C(udp), C(icmp) or C(any).
      type: str
      sample: udp
    ports:
      description: Ports and C(low-high) ranges as strings, sorted; empty means all ports.
      type: list
      elements: str
      sample: ["53"]
    remote:
      description: Normalized addresses, networks, host names, wildcard host names, or C([any]).
      type: list
      elements: str
      sample: ["8.8.4.4", "8.8.8.8"]
    description:
      description: What the rule is for, from the vendor document.
      type: str
    source:
      description: The vendor document line(s) the rule encodes, each prefixed with its line number.
      type: str
    optional:
      description: Whether the rule comes from an optional requirement enabled by name.
      type: bool
    temporary:
      description: Whether the rule is temporary.
      type: bool
    expires:
      description: Expiry of a temporary rule as C(YYYY-MM-DDTHH:MM:SSZ), otherwise null.
      type: str
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.netreq.firewall.plugins.module_utils._model.errors import NetreqError
from ansible_collections.netreq.firewall.plugins.module_utils._model.rules import compile_rules, compile_selections
from ansible_collections.netreq.firewall.plugins.plugin_utils._filter_args import bind_filter_args


def requirements(profile, *positional, **keywords):
    """Shell over ``compile_rules``: argument checks from DOCUMENTATION, errors as filter errors."""
    given = bind_filter_args("netreq.firewall.requirements", DOCUMENTATION, positional, keywords)
    arguments = {"component": given.get("component"), "params": given.get("params") or {},
                 "enable": given.get("enable") or [], "expires": given.get("expires")}
    try:
        if isinstance(profile, (list, tuple)):
            if any(value not in (None, {}, []) for value in arguments.values()):
                # the selections carry their own options; outer ones would be ambiguous
                raise AnsibleFilterError("netreq.firewall.requirements: with a list of selections, put component, params, "
                                         "enable and expires inside each selection")
            return compile_selections(profile)
        return compile_rules(profile, **arguments)
    except NetreqError as exc:
        raise AnsibleFilterError("netreq.firewall.requirements: %s" % exc)


class FilterModule:
    def filters(self):
        return {"requirements": requirements}
