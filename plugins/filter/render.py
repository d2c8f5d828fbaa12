# -*- coding: utf-8 -*-
# Copyright (c) netreq.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: render
short_description: Render normalized firewall rules as one backend's objects
version_added: 0.1.0
author: netreq.firewall contributors
description:
  - Turns the Rule list from P(netreq.firewall.requirements#filter) into the objects of one backend, without
    touching any host.
  - C(firewalld) gives firewalld policies with rich rules; C(ufw) gives ufw rule arguments and
    M(community.general.ufw) parameters; C(nftables) gives the text of one C(nft -f) transaction that replaces
    only the collection's own table; C(windows) gives M(community.windows.win_firewall_rule) parameters; C(aws)
    gives M(amazon.aws.ec2_security_group) C(rules)/C(rules_egress); C(azure) gives
    M(azure.azcollection.azure_rm_securitygroup) C(rules) with unique priorities; C(gcp) gives
    M(google.cloud.gcp_compute_firewall) parameters.
  - A rule the backend cannot express fails with the rule id and the option that would fix it; no rule is
    dropped silently. Address lists are merged where that is lossless.
options:
  _input:
    description: The Rule list produced by P(netreq.firewall.requirements#filter).
    type: list
    elements: dict
    required: true
  backend:
    description: The backend to render for.
    type: str
    required: true
    choices: [firewalld, ufw, nftables, windows, aws, azure, gcp]
  fqdn_strategy:
    description:
      - What to do with host names, which packet filters and security groups cannot match.
      - C(reject) (the default) fails naming each rule that has host names.
      - C(resolve) (nftables, firewalld, ufw) matches a named set the applier fills by resolving the names.
      - C(any_address) opens the rule's ports to every address and records the widening in C(widenings).
      - C(proxy) leaves host names to an FQDN-aware proxy and lists them in C(proxy_allowlist).
      - C(windows_dynamic_keyword) (windows) uses dynamic keyword addresses resolved by Windows.
    type: str
    default: reject
    choices: [reject, resolve, any_address, proxy, windows_dynamic_keyword]
  wildcard_fallback:
    description:
      - Wildcard host names (C(*.example.com)) cannot be resolved. With C(fqdn_strategy=resolve) or
        C(windows_dynamic_keyword), choose C(any_address) or C(proxy) for them, or the render fails.
    type: str
    choices: [any_address, proxy]
  unsupported:
    description:
      - What to do when the backend cannot express a rule as asked (for example host names with
        O(fqdn_strategy=reject), or ICMP on C(ufw)).
      - C(fail) (the default) fails naming the rule and the option that would fix it.
      - C(skip) renders nothing for this backend and returns C(skipped=true) with every rule it cannot
        express in C(unsupported), so a plan over several backends can report them instead of stopping.
        A backend without the O(fqdn_strategy) asked for (C(resolve) outside the Linux hosts,
        C(windows_dynamic_keyword) outside Windows) is skipped the same way, naming the rules with
        host names. Other errors (bad options, an invalid rule) still fail.
    type: str
    default: fail
    choices: [fail, skip]
  options:
    description:
      - Backend-specific options, for example C(table_name) and C(egress_policy) for nftables,
        C(group_name), C(vpc_id) and C(egress_policy) for aws, C(security_group_name), C(resource_group),
        C(existing_rules) and C(egress_policy) for azure, C(name_prefix), C(project), C(network), C(target_tags)
        and C(egress_policy) for gcp. Unknown options fail.
    type: dict
    default: {}
"""

EXAMPLES = r"""
- name: The nftables transaction for the PDR appliance
  ansible.builtin.debug:
    msg: >-
      {{ ('rackspace_pdr' | netreq.firewall.requirements(component='appliance',
           params={'agent_cidrs': ['198.51.100.0/24']}))
         | netreq.firewall.render(backend='nftables') }}

- name: AWS security group rules for the PDQ agent, host names left to a proxy
  ansible.builtin.set_fact:
    pdq_aws: >-
      {{ ('pdq_connect' | netreq.firewall.requirements(component='agent'))
         | netreq.firewall.render(backend='aws', fqdn_strategy='proxy', options={'group_name': 'pdq-agents'}) }}
"""

RETURN = r"""
_value:
  description:
    - The backend's objects plus what happened to host names. Backend keys are C(policies) and C(ipsets)
      (firewalld), C(rules) (ufw, windows, azure), C(table), C(ruleset) and C(rules) (nftables),
      C(security_groups) and C(deduplicated) (aws), C(security_group) (azure), C(firewalls) (gcp).
    - The cloud backends also return C(ownership), how the netreq.firewall.aws_security_groups,
      netreq.firewall.azure_nsg and netreq.firewall.gcp_firewall roles recognise their objects (tags, name and
      description prefixes).
  type: dict
  contains:
    backend:
      description: The backend rendered for.
      type: str
      sample: nftables
    fqdn_strategy:
      description: The FQDN strategy in force, stated in every plan.
      type: str
      sample: reject
    wildcard_fallback:
      description: The fallback for wildcard host names, or null.
      type: str
    widenings:
      description: Rules whose host names were replaced by any address (C(fqdn_strategy=any_address)).
      type: list
      elements: dict
    proxy_allowlist:
      description: Host names handed to a proxy (C(fqdn_strategy=proxy)) with their rule, protocol and ports.
      type: list
      elements: dict
    resolve_sets:
      description: Host names the applier resolves into named sets or dynamic keywords.
      type: list
      elements: dict
    skipped:
      description: True when O(unsupported=skip) and the backend cannot express a rule; nothing was rendered.
      type: bool
      returned: when skipped
      sample: true
    unsupported:
      description: With C(skipped), each rule the backend cannot express, with the reason and the fix.
      type: list
      elements: dict
      returned: when skipped
      sample: [{"rule": "agent_wss", "reason": "hostnames app.pdq.com cannot be matched by a packet filter",
                "fix": "fqdn_strategy=any_address or fqdn_strategy=proxy"}]
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.netreq.firewall.plugins.module_utils._model.errors import NetreqError, UnsupportedRuleError
from ansible_collections.netreq.firewall.plugins.module_utils._render._base import split_remote
from ansible_collections.netreq.firewall.plugins.module_utils._render._registry import capabilities
from ansible_collections.netreq.firewall.plugins.module_utils._render._registry import render as render_rules
from ansible_collections.netreq.firewall.plugins.plugin_utils._filter_args import bind_filter_args


def _skipped(backend, rules, backend_options):
    """The C(unsupported=skip) result: every rule the backend rejects, each rendered alone to find them all."""
    unsupported = []
    for rule in rules:
        try:
            render_rules(backend, [rule], **backend_options)
        except UnsupportedRuleError as exc:
            unsupported.append({"rule": exc.rule_id, "reason": exc.reason, "fix": exc.fix})
    return {
        "backend": backend, "fqdn_strategy": backend_options["fqdn_strategy"],
        "wildcard_fallback": backend_options["wildcard_fallback"], "skipped": True, "unsupported": unsupported,
        "widenings": [], "proxy_allowlist": [], "resolve_sets": [],
    }


def _strategy_refused(backend, rules, backend_options):
    """The C(unsupported=skip) result when ``backend`` has no such ``fqdn_strategy`` at all, else None.

    ``resolve`` exists on the Linux hosts only and ``windows_dynamic_keyword`` on
    Windows only: a plan over every backend skips the others, saying so, instead
    of stopping.
    """
    able = capabilities(backend).fqdn_strategies()
    strategy = backend_options["fqdn_strategy"]
    if strategy in able:
        return None
    reason = "fqdn_strategy=%s is not available for backend %s" % (strategy, backend)
    fix = " or ".join("fqdn_strategy=%s" % name for name in able if name != "reject")
    named = [rule["id"] for rule in rules if any(split_remote(rule)[3:])]  # fqdns or wildcards
    unsupported = [{"rule": rule_id, "reason": reason, "fix": fix} for rule_id in named] or \
        [{"rule": "every rule", "reason": reason + " (no rule names a host; any other strategy renders them)", "fix": fix}]
    return dict(_skipped(backend, [], backend_options), unsupported=unsupported)


def render(rules, *positional, **keywords):
    """Shell over the renderer table: argument checks from DOCUMENTATION, errors as filter errors."""
    arguments = bind_filter_args("netreq.firewall.render", DOCUMENTATION, positional, keywords)
    arguments["fqdn_strategy"] = arguments.get("fqdn_strategy") or "reject"
    arguments["options"] = arguments.get("options") or {}
    arguments["unsupported"] = arguments.get("unsupported") or "fail"
    backend_options = dict(arguments["options"])
    backend_options["fqdn_strategy"] = arguments["fqdn_strategy"]
    backend_options["wildcard_fallback"] = arguments.get("wildcard_fallback")
    try:
        if arguments["unsupported"] == "skip":
            refused = _strategy_refused(arguments["backend"], rules, backend_options)
            if refused is not None:
                return refused
        try:
            return render_rules(arguments["backend"], rules, **backend_options)
        except UnsupportedRuleError:
            if arguments["unsupported"] != "skip":
                raise
            return _skipped(arguments["backend"], rules, backend_options)
    except NetreqError as exc:
        raise AnsibleFilterError("netreq.firewall.render: %s" % exc)


class FilterModule:
    def filters(self):
        return {"render": render}
