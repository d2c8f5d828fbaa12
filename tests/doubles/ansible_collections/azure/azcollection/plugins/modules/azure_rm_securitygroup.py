# -*- coding: utf-8 -*-
# Copyright (c) netreq.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""TEST DOUBLE of azure.azcollection.azure_rm_securitygroup (state in a JSON file, no Azure API)."""

from __future__ import annotations

DOCUMENTATION = r"""
module: azure_rm_securitygroup
short_description: TEST DOUBLE of azure.azcollection.azure_rm_securitygroup
description:
  - Validates its parameters with the argument spec of the installed upstream module, keeps network security
    groups in the JSON file named by C(NETREQ_CLOUD_DOUBLE_STATE) and implements the upstream module's comparison
    and C(purge_rules) semantics, plus the API's checks (unique priority per direction, 100..4096, 1000 rules).
  - For the role tests of netreq.firewall only. Not the real module.
author: netreq.firewall contributors
options: {}
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.netreq_test.doubles.plugins.module_utils import double

MODULE = "azure/azcollection/plugins/modules/azure_rm_securitygroup.py"
COMMON = "azure/azcollection/plugins/module_utils/azure_rm_common.py"
PLURALS = (("destination_address_prefix", "destination_address_prefixes"), ("source_address_prefix", "source_address_prefixes"),
           ("source_port_range", "source_port_ranges"), ("destination_port_range", "destination_port_ranges"))
LISTS = ("source_address_prefixes", "destination_address_prefixes", "source_port_ranges", "destination_port_ranges",
         "source_application_security_groups", "destination_application_security_groups")
SCALARS = ("description", "source_port_range", "destination_port_range", "access", "priority", "direction",
           "source_address_prefix", "destination_address_prefix")
RULE_KEYS = ("name", "protocol") + SCALARS + LISTS


def argument_spec():
    """The upstream spec: AZURE_COMMON_ARGS + AZURE_TAG_ARGS + the module's own (AzureRMModuleBase's merge)."""
    common = double.module_assignments(COMMON)
    names = double.module_assignments(MODULE)
    spec = dict(common["AZURE_COMMON_ARGS"])
    spec.update(common["AZURE_TAG_ARGS"])
    spec.update(double.attribute_assignment(MODULE, "module_arg_spec", names))
    return spec


def normalized(rule):
    """The rule as upstream's validate_rule leaves it (lists moved to the plural keys) in the stored shape."""
    rule = {key: rule.get(key) for key in RULE_KEYS}
    for single, plural in PLURALS:
        if isinstance(rule.get(single), list):
            rule[plural] = rule[single]
            rule[single] = None
    return rule


def differs(old, new):
    """upstream compare_rules: scalars as strings, protocol and lists case-insensitively."""
    if old["protocol"].lower() != new["protocol"].lower():
        return True
    if any(str(old.get(key)) != str(new.get(key)) for key in SCALARS if key != "description") or old.get("description") != new.get("description"):
        return True
    return any({str(item).lower() for item in old.get(key) or []} != {str(item).lower() for item in new.get(key) or []} for key in LISTS)


def merge_rules(old_rules, new_rules, purge):
    """upstream compare_rules_change: matched by name (case-insensitive), kept unless purged."""
    changed = False
    result = list(new_rules)
    for old in old_rules:
        match = next((rule for rule in new_rules if rule["name"].lower() == old["name"].lower()), None)
        if match is not None:
            changed = changed or differs(old, match)
        elif not purge:
            result.append(old)
        else:
            changed = True
    if not changed:
        changed = {rule["name"].lower() for rule in result} != {rule["name"].lower() for rule in old_rules}
    return changed, result


def api_checks(module, rules):
    """What the Azure API refuses (the double fails as a real apply would)."""
    if len(rules) > 1000:
        module.fail_json(msg="SecurityRulesLimitExceeded: %d rules, Azure allows 1000 per network security group" % len(rules))
    seen = {}
    for rule in rules:
        key = (rule["direction"], rule["priority"])
        if key in seen:
            module.fail_json(msg="SecurityRuleConflict: rules %s and %s have the same priority %s and direction %s"
                             % (seen[key], rule["name"], rule["priority"], rule["direction"]))
        seen[key] = rule["name"]
        single_and_list = [single for single, plural in PLURALS if rule.get(single) not in (None, "") and rule.get(plural)]
        if single_and_list:
            module.fail_json(msg="rule %s has both %s and its plural" % (rule["name"], single_and_list))


def main():
    module = AnsibleModule(argument_spec=argument_spec(), supports_check_mode=True)
    params = module.params
    state = double.load_state()
    double.record_call(state, "azure_rm_securitygroup", dict(params, _check_mode=module.check_mode))
    location = (state.get("resource_groups") or {}).get(params["resource_group"])
    if location is None:
        module.fail_json(msg="Resource group %s not found" % params["resource_group"])
    rules = []
    for rule in params["rules"] or []:
        if not 100 <= rule["priority"] <= 4096:
            module.fail_json(msg="Error validating rule %s - Rule priority must be between 100 and 4096" % rule)
        rules.append(normalized(rule))
    groups = state.setdefault("nsgs", {})
    key = ("%s/%s" % (params["resource_group"], params["name"])).lower()
    existing = groups.get(key)
    changed = False
    result = existing
    if params["state"] == "present":
        if existing is None:
            changed = True
            result = {"name": params["name"], "location": params["location"] or location, "tags": params["tags"] or {}, "rules": rules}
        else:
            tags = dict(existing["tags"], **(params["tags"] or {})) if params["append_tags"] else (params["tags"] or {})
            if params["tags"] is None:
                tags = existing["tags"]
            rules_changed, merged = merge_rules(existing["rules"], rules, params["purge_rules"])
            changed = rules_changed or tags != existing["tags"]
            result = dict(existing, tags=tags, rules=merged)
        api_checks(module, result["rules"])
        if changed and not module.check_mode:
            groups[key] = result
    elif existing is not None:
        changed = True
        result = {}
        if not module.check_mode:
            del groups[key]
    double.save_state(state)
    module.exit_json(changed=changed, state=result or {})


if __name__ == "__main__":
    main()
