#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) netreq.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# The module is windows_ruleset_facts.ps1; this file documents it.

from __future__ import annotations

DOCUMENTATION = r"""
module: windows_ruleset_facts
short_description: Read the Windows Defender Firewall rules the collection owns, in one call
version_added: 0.1.0
author: netreq.firewall contributors (!UNKNOWN)
description:
  - Reads, without changing anything, the rules of the persistent policy store whose group starts with
    O(group_prefix), with their port and address filters, the number of other rules, the default inbound and
    outbound actions of the Domain, Private and Public profiles, and whether the host has dynamic keyword addresses
    (C(New-NetFirewallDynamicKeywordAddress), Windows 10 21H2 / Windows Server 2022 and later).
  - M(netreq.firewall.windows_ruleset) calls it once per host and plans on the controller from its answer; use that
    module to change the firewall.
extends_documentation_fragment:
  - netreq.firewall.attributes
options:
  group_prefix:
    description:
      - The group prefix of the rules to read in full, C(netreq:) for the collection's rules. Must not be empty.
    type: str
    required: true
attributes:
  check_mode:
    support: full
    details: The module never changes anything.
  diff_mode:
    support: none
  platform:
    description: Target OS/families that can be operated against.
    support: full
    platforms: windows
seealso:
  - module: netreq.firewall.windows_ruleset
"""

EXAMPLES = r"""
- name: Read the collection's Windows firewall rules
  netreq.firewall.windows_ruleset_facts:
    group_prefix: "netreq:"
  register: windows_firewall_state
"""

RETURN = r"""
state:
  description:
    - The owned rules and the host's firewall settings, in the shape of the NetSecurity cmdlets' output with enums
      written as their names.
  returned: success
  type: dict
  contains:
    rules:
      description:
        - The owned rules, each with C(Name), C(DisplayName), C(Group), C(Description), C(Enabled), C(Direction),
          C(Action), C(Profile), C(PortFilter) (C(Protocol), C(LocalPort), C(RemotePort), C(IcmpType)),
          C(AddressFilter) (C(LocalAddress), C(RemoteAddress)) and C(RemoteDynamicKeywordAddresses).
        - Also, with only C(Name), C(DisplayName) and C(Group), the rules of other groups whose C(Name) starts with
          O(group_prefix), so the controller can refuse to create a rule whose name is taken.
      type: list
      elements: dict
      returned: success
    foreign_rule_count:
      description: The number of other rules in the store (not owned, not listed in RV(state.rules)).
      type: int
      returned: success
      sample: 412
    profiles:
      description: C(Name), C(Enabled), C(DefaultInboundAction) and C(DefaultOutboundAction) of each profile.
      type: list
      elements: dict
      returned: success
    dynamic_keywords_supported:
      description: Whether the host has the dynamic keyword address cmdlets.
      type: bool
      returned: success
      sample: true
    dynamic_keywords:
      description: The dynamic keyword addresses (C(Id), C(Keyword), C(AutoResolve)); empty when not supported.
      type: list
      elements: dict
      returned: success
"""
