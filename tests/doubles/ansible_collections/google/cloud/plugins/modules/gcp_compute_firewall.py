# -*- coding: utf-8 -*-
# Copyright (c) netreq.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""TEST DOUBLE of google.cloud.gcp_compute_firewall (state in a JSON file, no GCP API)."""

from __future__ import annotations

DOCUMENTATION = r"""
module: gcp_compute_firewall
short_description: TEST DOUBLE of google.cloud.gcp_compute_firewall
description:
  - Validates its parameters with the argument spec of the installed upstream module (its C(main) plus
    C(GcpModule)'s authentication options), keeps firewall rules in the JSON file named by
    C(NETREQ_CLOUD_DOUBLE_STATE) in the API's shape, and implements the upstream semantics (create, update when
    different, delete) and the API's checks (name, priority, at most 256 ranges per rule).
  - Like the upstream module it does not support check mode (Ansible skips it in check mode).
  - For the role tests of netreq.firewall only. Not the real module.
author: netreq.firewall contributors
options: {}
"""

import re

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.netreq_test.doubles.plugins.module_utils import double

MODULE = "google/cloud/plugins/modules/gcp_compute_firewall.py"
UTILS = "google/cloud/plugins/module_utils/gcp_utils.py"
NAME_RE = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")
FIELDS = (("description", "description"), ("destination_ranges", "destinationRanges"), ("direction", "direction"),
          ("disabled", "disabled"), ("name", "name"), ("priority", "priority"), ("source_ranges", "sourceRanges"),
          ("source_service_accounts", "sourceServiceAccounts"), ("source_tags", "sourceTags"),
          ("target_service_accounts", "targetServiceAccounts"), ("target_tags", "targetTags"))


def module_arguments():
    """main()'s GcpModule(...) keywords merged with GcpModule's own options, as GcpModule.__init__ does."""
    names = double.module_assignments(MODULE)
    keywords = double.call_keywords(MODULE, "main", "GcpModule", names)
    base = double.call_keywords(UTILS, "__init__", "dict", double.module_assignments(UTILS), cls="GcpModule")
    spec = dict(base)
    spec.update(keywords["argument_spec"])
    # GcpModule.__init__ sets mutually_exclusive to the result of list.append, i.e. None: upstream enforces none.
    return spec


def to_request(params):
    """upstream resource_to_request: API field names, empty values dropped."""
    request = {"kind": "compute#firewall"}
    for key, api_key in FIELDS:
        request[api_key] = params.get(key)
    for key, api_key in (("allowed", "allowed"), ("denied", "denied")):
        request[api_key] = [{"IPProtocol": item["ip_protocol"], "ports": item.get("ports")} for item in params.get(key) or []]
        for item in request[api_key]:
            if not item["ports"]:
                del item["ports"]
    request["network"] = (params.get("network") or {}).get("selfLink")
    return {key: value for key, value in request.items() if value or value is False}


def api_checks(module, request):
    name = request["name"]
    if len(name) > 63 or not NAME_RE.match(name):
        module.fail_json(msg="Invalid value for field 'resource.name': '%s'" % name)
    if not 0 <= request.get("priority", 1000) <= 65535:
        module.fail_json(msg="Invalid value for field 'resource.priority'")
    for key in ("sourceRanges", "destinationRanges"):
        if len(request.get(key) or []) > 256:
            module.fail_json(msg="Invalid value for field 'resource.%s': too many ranges (%d > 256)" % (key, len(request[key])))
    if request.get("direction", "INGRESS") == "EGRESS" and request.get("sourceRanges"):
        module.fail_json(msg="EGRESS rules cannot have sourceRanges")
    if request.get("direction", "INGRESS") == "INGRESS" and request.get("destinationRanges"):
        module.fail_json(msg="INGRESS rules cannot have destinationRanges")
    if bool(request.get("allowed")) == bool(request.get("denied")):
        module.fail_json(msg="exactly one of allowed and denied must be given")


def main():
    module = AnsibleModule(argument_spec=module_arguments())
    params = module.params
    state = double.load_state()
    double.record_call(state, "gcp_compute_firewall", params)
    rules = state.setdefault("firewalls", {}).setdefault(params["project"] or "", {})
    existing = rules.get(params["name"])
    changed = False
    result = {}
    if params["state"] == "present":
        request = to_request(params)
        request.setdefault("network", "global/networks/default")
        api_checks(module, request)
        if existing is None:
            changed = True
        else:
            # upstream is_different: only the keys both sides have are compared
            changed = {key: value for key, value in request.items() if key in existing} != \
                {key: value for key, value in existing.items() if key in request}
        result = dict(existing or {}, **request) if existing else request
        if existing:
            result = {key: value for key, value in result.items() if key in request or key in ("selfLink", "id")}
        result["selfLink"] = "https://compute.googleapis.com/compute/v1/projects/%s/global/firewalls/%s" % (params["project"], params["name"])
        rules[params["name"]] = result
    elif existing is not None:
        changed = True
        del rules[params["name"]]
    double.save_state(state)
    result = dict(result, changed=changed)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
