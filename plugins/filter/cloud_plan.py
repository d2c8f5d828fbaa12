# -*- coding: utf-8 -*-
# Copyright (c) netreq.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: cloud_plan
short_description: The plan of a cloud apply, from a rendering and the live state
version_added: 0.1.0
author: netreq.firewall contributors
description:
  - Compares an C(azure) or C(gcp) rendering of P(netreq.firewall.render#filter) with the live state read by the
    upstream C(_info) module and returns the collection's C(plan) (C(action), C(added), C(removed), C(unchanged),
    C(settings)), so check mode and diff mode tell what an apply changes even where the upstream module cannot.
  - Used by the netreq.firewall.azure_nsg and netreq.firewall.gcp_firewall roles.
options:
  _input:
    description: The rendering (the result of P(netreq.firewall.render#filter) for C(azure) or C(gcp)).
    type: dict
    required: true
  live:
    description:
      - C(azure) the C(securitygroups) of M(azure.azcollection.azure_rm_securitygroup_info) for the NSG;
        C(gcp) the C(resources) of M(google.cloud.gcp_compute_firewall_info).
    type: list
    elements: dict
    required: true
"""

EXAMPLES = r"""
- name: What the apply would change
  ansible.builtin.debug:
    msg: "{{ (rendering | netreq.firewall.cloud_plan(live=firewall_info.resources)).plan }}"
"""

RETURN = r"""
_value:
  description: The plan, and for C(gcp) the rule names to write (C(apply)) and to delete (C(delete)).
  type: dict
  contains:
    plan:
      description: C(action) (none, create, update, delete), C(added) and C(removed) one-line entries, C(unchanged), C(settings).
      type: dict
    exists:
      description: (azure) Whether the NSG exists.
      type: bool
    owned:
      description: (azure) Whether the NSG carries the collection's ownership tags (true when it does not exist yet).
      type: bool
    apply:
      description: (gcp) Names of the firewall rules to create or update.
      type: list
      elements: str
    delete:
      description: (gcp) Names of the collection's firewall rules of this selection that left it.
      type: list
      elements: str
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.netreq.firewall.plugins.plugin_utils import _cloud_changes as _cloud_plan
from ansible_collections.netreq.firewall.plugins.module_utils._model.errors import NetreqError

_PLANS = {"azure": _cloud_plan.azure_plan, "gcp": _cloud_plan.gcp_plan}


def cloud_plan(rendering, live=None):
    """Thin shell: pick the backend's planner from the rendering itself."""
    if not isinstance(rendering, dict) or rendering.get("backend") not in _PLANS:
        raise AnsibleFilterError("netreq.firewall.cloud_plan: the input must be an azure or gcp rendering")
    if not isinstance(live, list) or not all(isinstance(item, dict) for item in live):
        raise AnsibleFilterError("netreq.firewall.cloud_plan: live must be a list of dicts, got %r" % (live,))
    try:
        return _PLANS[rendering["backend"]](rendering, live)
    except (NetreqError, KeyError) as exc:
        raise AnsibleFilterError("netreq.firewall.cloud_plan: %s" % exc)


class FilterModule:
    def filters(self):
        return {"cloud_plan": cloud_plan}
