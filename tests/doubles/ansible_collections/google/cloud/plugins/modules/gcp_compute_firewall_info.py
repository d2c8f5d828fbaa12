# -*- coding: utf-8 -*-
# Copyright (c) netreq.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""TEST DOUBLE of google.cloud.gcp_compute_firewall_info (reads the double's JSON state)."""

from __future__ import annotations

DOCUMENTATION = r"""
module: gcp_compute_firewall_info
short_description: TEST DOUBLE of google.cloud.gcp_compute_firewall_info
description:
  - Validates its parameters with the installed upstream module's argument spec and returns the project's firewall
    rules the gcp_compute_firewall test double keeps, in the API's shape (C(resources)). Filters are not evaluated.
  - For the role tests of netreq.firewall only. Not the real module.
author: netreq.firewall contributors
options: {}
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.netreq_test.doubles.plugins.module_utils import double

MODULE = "google/cloud/plugins/modules/gcp_compute_firewall_info.py"
UTILS = "google/cloud/plugins/module_utils/gcp_utils.py"


def main():
    spec = dict(double.call_keywords(UTILS, "__init__", "dict", double.module_assignments(UTILS), cls="GcpModule"))
    spec.update(double.call_keywords(MODULE, "main", "GcpModule", double.module_assignments(MODULE))["argument_spec"])
    module = AnsibleModule(argument_spec=spec, supports_check_mode=True)
    if module.params["filters"]:
        module.fail_json(msg="the test double does not evaluate filters")
    state = double.load_state()
    double.record_call(state, "gcp_compute_firewall_info", module.params)
    double.save_state(state)
    rules = (state.get("firewalls") or {}).get(module.params["project"] or "", {})
    module.exit_json(changed=False, resources=[rules[name] for name in sorted(rules)])


if __name__ == "__main__":
    main()
