#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) netreq.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# An action plugin (plugins/action/windows_ruleset.py) does the work; this file documents it.

from __future__ import annotations

DOCUMENTATION = r"""
module: windows_ruleset
short_description: Apply profiles to a Windows Defender Firewall in one read and at most one write per host
version_added: 0.1.0
author: netreq.firewall contributors (!UNKNOWN)
description:
  - Compiles the selected profiles and renders them for Windows on the controller, reads the host's owned rules
    with one call of M(netreq.firewall.windows_ruleset_facts), plans on the controller, and, only when something
    changes and not in check mode, applies the whole plan with one call of M(netreq.firewall.windows_ruleset_apply)
    (C(New-), C(Set-), C(Remove-NetFirewallRule), C(Set-NetFirewallProfile),
    C(New-), C(Remove-NetFirewallDynamicKeywordAddress)). This is what the P(netreq.firewall.windows_firewall#role)
    role runs.
  - The collection owns the rules whose group starts with C(netreq:) (C(netreq:<profile>)); their C(Name) is the
    rule's tag C(netreq:<profile>:<id>). Owned rules that are no longer wanted are removed; every other rule is
    left alone.
  - The whole input is validated on the controller before the first remote call; errors name the profile, rule and
    field.
  - If a cmdlet fails half way, the operations already done are undone on the host, newest first, and the task
    fails listing what was restored.
  - With O(egress_policy=allowlist) the default outbound action of the selected network profiles becomes C(Block)
    and owned rules keep the host manageable (group C(netreq:windows_management)), namely WinRM in (O(management_ports)),
    DNS out (TCP and UDP 53), DHCP out (UDP 67) and DHCPv6 out (UDP 547). With O(egress_policy=permissive) the
    default is left as it is, except that a block the collection set (recognised by its DNS rule) is taken back
    to C(NotConfigured).
extends_documentation_fragment:
  - netreq.firewall.attributes
options:
  profiles:
    description:
      - The profile selections to apply, C({profile, component, params, enable, expires}) as for the
        P(netreq.firewall.requirements#filter) filter. All of a host's selections go in one call, since the call
        owns the collection's whole rule set on the host.
      - An empty list removes every rule the collection owns on the host (and takes back a block it set).
    type: list
    elements: dict
    required: true
  ingress_policy:
    description:
      - V(permissive) only adds allow rules; V(allowlist) also sets the default inbound action to C(Block) and keeps
        WinRM in open.
    type: str
    choices: [permissive, allowlist]
    default: permissive
  egress_policy:
    description:
      - V(permissive) only adds allow rules; V(allowlist) also sets the default outbound action to C(Block) and keeps
        WinRM in, DNS, DHCP and DHCPv6 out open.
    type: str
    choices: [permissive, allowlist]
    default: permissive
  fqdn_strategy:
    description:
      - What to do with host names in the rules. V(windows_dynamic_keyword) makes them dynamic keyword addresses
        with C(AutoResolve) where the host supports them (Windows 10 21H2 / Windows Server 2022 and later) and uses
        O(fqdn_fallback) where it does not; the result's RV(fqdn_strategy) says which was used.
      - V(reject), V(any_address) and V(proxy) are as for the P(netreq.firewall.render#filter) filter.
    type: str
    choices: [windows_dynamic_keyword, reject, any_address, proxy]
    default: windows_dynamic_keyword
  fqdn_fallback:
    description: The strategy used on hosts without dynamic keywords when O(fqdn_strategy=windows_dynamic_keyword).
    type: str
    choices: [reject, any_address, proxy]
    default: reject
  wildcard_fallback:
    description:
      - What to do with wildcard host names (they cannot be dynamic keywords), as for the
        P(netreq.firewall.render#filter) filter.
    type: str
    choices: [any_address, proxy]
  network_profiles:
    description: The Windows network profiles the rules and the default actions apply to.
    type: list
    elements: str
    choices: [domain, private, public]
    default: [domain, private, public]
  management_ports:
    description: The WinRM ports kept open inbound under an allowlist (5985 HTTP, 5986 HTTPS).
    type: list
    elements: int
    default: [5985, 5986]
  management_sources:
    description: The addresses allowed to reach the WinRM ports under an allowlist.
    type: list
    elements: str
    default: [any]
attributes:
  check_mode:
    support: full
    details: The plan is computed from the host's rules exactly as in a real run; nothing is applied.
  diff_mode:
    support: full
    details: The diff lists the owned rules and changed profile settings before and after, one per line.
  platform:
    description: Target OS/families that can be operated against.
    support: full
    platforms: windows
requirements:
  - On the host, the NetSecurity PowerShell module (Windows 8 / Windows Server 2012 and later), run as an administrator.
seealso:
  - module: netreq.firewall.windows_ruleset_facts
  - module: netreq.firewall.windows_ruleset_apply
  - module: netreq.firewall.host_ruleset
"""

EXAMPLES = r"""
- name: PDQ Connect agent rules with an egress allowlist
  netreq.firewall.windows_ruleset:
    profiles:
      - profile: pdq_connect
        component: agent
    egress_policy: allowlist
    wildcard_fallback: any_address
    fqdn_fallback: any_address
  register: pdq_apply

- name: Show what changed and how host names were handled
  ansible.builtin.debug:
    msg: "{{ pdq_apply.plan.action }} with {{ pdq_apply.fqdn_strategy }}: {{ pdq_apply.plan.added | length }} added"
"""

RETURN = r"""
backend:
  description: Always V(windows).
  returned: always
  type: str
  sample: windows
fqdn_strategy:
  description: The host name strategy used for this host (V(windows_dynamic_keyword) or the fallback).
  returned: always
  type: str
  sample: windows_dynamic_keyword
dynamic_keywords_supported:
  description: Whether the host reported the dynamic keyword address cmdlets.
  returned: always
  type: bool
rules_compiled:
  description: The number of compiled rules that were rendered.
  returned: always
  type: int
foreign_rules:
  description: The number of rules on the host the collection does not own (never touched).
  returned: always
  type: int
plan:
  description: What the run changes (or would change in check mode), in the shape every ruleset module returns.
  returned: always
  type: dict
  contains:
    action:
      description: V(none), V(create), V(update) or V(delete).
      type: str
      returned: always
    added:
      description: Rules and dynamic keywords the host lacks or holds differently, one line each.
      type: list
      elements: str
      returned: always
    removed:
      description: Owned rules and dynamic keywords removed or replaced, one line each.
      type: list
      elements: str
      returned: always
    unchanged:
      description: The number of owned rules kept as they are.
      type: int
      returned: always
    settings:
      description: Profile default actions that change, as C({name, before, after}).
      type: list
      elements: dict
      returned: always
operations:
  description: The operations run (or that would run in check mode), one readable line each.
  returned: always
  type: list
  elements: str
widenings:
  description: Host names replaced by any address (O(fqdn_strategy=any_address) or a fallback).
  returned: always
  type: list
  elements: dict
proxy_allowlist:
  description: Host names left to a proxy (O(fqdn_strategy=proxy) or a fallback).
  returned: always
  type: list
  elements: dict
restored:
  description: After a failed cmdlet, the completed operations that were undone.
  returned: failure
  type: list
  elements: str
not_restored:
  description: After a failed cmdlet, the completed operations whose undo failed too.
  returned: failure
  type: list
  elements: str
failed_operation:
  description: The operation whose cmdlet failed.
  returned: failure
  type: str
"""
