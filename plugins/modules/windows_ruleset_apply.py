#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) netreq.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# The module is windows_ruleset_apply.ps1; this file documents it.

from __future__ import annotations

DOCUMENTATION = r"""
module: windows_ruleset_apply
short_description: Run a planned list of Windows Defender Firewall operations, undoing them if one fails
version_added: 0.1.0
author: netreq.firewall contributors (!UNKNOWN)
description:
  - The write half of M(netreq.firewall.windows_ruleset), which plans on the controller and calls this module only
    when something changes. Use that module; this one takes its operations as they are.
  - Each operation names one of C(new_rule), C(set_rule), C(remove_rule) (C(New-), C(Set-), C(Remove-NetFirewallRule)),
    C(set_profile) (C(Set-NetFirewallProfile)), C(new_keyword) and C(remove_keyword)
    (C(New-), C(Remove-NetFirewallDynamicKeywordAddress)), its cmdlet parameters, and its inverse (C(undo)).
    Unknown operations or parameters are refused before the first change.
  - Parameter values are data passed to the cmdlet by splatting; no value becomes part of a script.
  - When an operation fails, the completed ones are undone newest first and the module fails, listing what was
    restored and what could not be.
  - After a successful run it reads the owned rules back (as M(netreq.firewall.windows_ruleset_facts)) so the
    controller can verify them.
extends_documentation_fragment:
  - netreq.firewall.attributes
options:
  operations:
    description:
      - The operations, in order, each C({op, params, undo, what}); C(undo) is C({op, params}) and C(what) a
        readable line.
    type: list
    elements: dict
    required: true
  group_prefix:
    description: The group prefix of the rules to read back after applying.
    type: str
    required: true
attributes:
  check_mode:
    support: full
    details: The operations are checked and nothing is run.
  diff_mode:
    support: none
    details: M(netreq.firewall.windows_ruleset) returns the diff.
  platform:
    description: Target OS/families that can be operated against.
    support: full
    platforms: windows
seealso:
  - module: netreq.firewall.windows_ruleset
"""

EXAMPLES = r"""
- name: Remove one owned rule (normally planned by netreq.firewall.windows_ruleset)
  netreq.firewall.windows_ruleset_apply:
    group_prefix: "netreq:"
    operations:
      - op: remove_rule
        params: {Name: "netreq:pdq_connect:agent_remote_desktop"}
        undo:
          op: new_rule
          params: {Name: "netreq:pdq_connect:agent_remote_desktop", DisplayName: "netreq:pdq_connect:agent_remote_desktop",
                   Group: "netreq:pdq_connect", Direction: Outbound, Action: Allow, Protocol: TCP, RemotePort: ["7615"]}
        what: remove netreq:pdq_connect:agent_remote_desktop
"""

RETURN = r"""
completed:
  description: The operations run, in order (their C(what)).
  returned: always
  type: list
  elements: str
failed_operation:
  description: The operation that failed.
  returned: failure
  type: str
restored:
  description: The completed operations whose inverse ran after the failure, newest first.
  returned: failure
  type: list
  elements: str
not_restored:
  description: The completed operations whose inverse failed too, with the error.
  returned: failure
  type: list
  elements: str
after:
  description: The owned rules and settings read back after the run, as the C(state) of M(netreq.firewall.windows_ruleset_facts).
  returned: success, when something was run
  type: dict
"""
