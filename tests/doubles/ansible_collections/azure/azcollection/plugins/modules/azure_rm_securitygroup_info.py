# -*- coding: utf-8 -*-
# Copyright (c) netreq.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""TEST DOUBLE of azure.azcollection.azure_rm_securitygroup_info (reads the double's JSON state)."""

from __future__ import annotations

DOCUMENTATION = r"""
module: azure_rm_securitygroup_info
short_description: TEST DOUBLE of azure.azcollection.azure_rm_securitygroup_info
description:
  - Validates its parameters with the installed upstream module's argument spec and returns the network security
    groups the azure_rm_securitygroup test double keeps, in the upstream return shape (C(securitygroups)).
  - For the role tests of netreq.firewall only. Not the real module.
author: netreq.firewall contributors
options: {}
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.netreq_test.doubles.plugins.module_utils import double

MODULE = "azure/azcollection/plugins/modules/azure_rm_securitygroup_info.py"
COMMON = "azure/azcollection/plugins/module_utils/azure_rm_common.py"


def main():
    common = double.module_assignments(COMMON)
    spec = dict(common["AZURE_COMMON_ARGS"])
    spec.update(double.attribute_assignment(MODULE, "module_arg_spec", double.module_assignments(MODULE)))
    module = AnsibleModule(argument_spec=spec, supports_check_mode=True)
    state = double.load_state()
    double.record_call(state, "azure_rm_securitygroup_info", module.params)
    double.save_state(state)
    found = []
    for key, group in sorted((state.get("nsgs") or {}).items()):
        resource_group, _sep, name = key.partition("/")
        if resource_group == module.params["resource_group"].lower() and module.params["name"] in (None, group["name"]):
            found.append(dict(group, id="/subscriptions/double/resourceGroups/%s/providers/Microsoft.Network/networkSecurityGroups/%s"
                              % (module.params["resource_group"], group["name"]), default_rules=[], network_interfaces=[], subnets=[]))
    module.exit_json(changed=False, securitygroups=found)


if __name__ == "__main__":
    main()
