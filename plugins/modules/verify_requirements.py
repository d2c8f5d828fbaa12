#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) netreq.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: verify_requirements
short_description: Probe each network requirement from the host it applies to
version_added: 0.1.0
author: netreq.firewall contributors (!UNKNOWN)
description:
  - Answers "can this host actually reach what the vendor lists?" from the host itself, through its own firewall,
    resolver and routes. For each outbound requirement it probes a representative target - TCP connect, a DNS query
    for UDP 53, an NTP request for UDP 123, a plain UDP datagram otherwise - and reports V(reachable), V(blocked)
    or V(not probed) with why.
  - A target is a single address of the requirement as it is, a host name as the host resolves it, and a range or
    V(any) only through an address given in O(representatives). Wildcards, ingress requirements, ICMP, protocol
    V(any) and requirements without ports are not probed, and the result says why.
  - One probe per (requirement, target), on the requirement's lowest port; at most O(targets_per_requirement)
    targets per requirement and O(max_probes) probes in all, run in parallel with O(timeout) each.
  - A packet the host's own firewall drops is reported as such (the kernel refuses the send); a timeout, a refusal
    or an unreachable network is V(blocked) too, with the detail. A plain UDP datagram that left the host without a
    reply counts as V(reachable), and says that delivery is not confirmed.
  - O(canaries) are destinations that must be blocked (under an egress allowlist); each is probed and reported
    with whether it was.
  - The P(netreq.firewall.verify#role) role runs it for a host's profiles and writes a Markdown report.
extends_documentation_fragment:
  - netreq.firewall.attributes
attributes:
  check_mode:
    support: full
    details: Probes only send packets; nothing on the host is changed, so check mode runs them too.
  diff_mode:
    support: none
  platform:
    description: Target OS/families that can be operated against.
    support: full
    platforms: posix
options:
  rules:
    description:
      - The normalized rules to verify, as the P(netreq.firewall.requirements#filter) filter returns them
        (C(id), C(profile), C(direction), C(protocol), C(ports), C(remote), C(description), C(source)).
    type: list
    elements: dict
    required: true
  representatives:
    description:
      - An address to probe for a remote entry that is not one address, keyed by the entry as the rule lists it,
        for example V(any) or V(203.0.113.0/24) mapped to V(203.0.113.5).
    type: dict
    default: {}
  canaries:
    description:
      - Destinations that must be blocked, C({proto, host, port}); each is probed and reported.
    type: list
    elements: dict
    default: []
  timeout:
    description: Seconds to wait for each probe.
    type: float
    default: 2.0
  targets_per_requirement:
    description: At most this many targets are probed per requirement.
    type: int
    default: 3
  max_probes:
    description: At most this many probes in all (canaries not counted); the rest are reported as not probed.
    type: int
    default: 64
seealso:
  - module: netreq.firewall.host_ruleset
"""

EXAMPLES = r"""
- name: Can the PDQ agent reach PDQ now?
  netreq.firewall.verify_requirements:
    rules: "{{ [{'profile': 'pdq_connect', 'component': 'agent'}] | netreq.firewall.requirements }}"
    canaries:
      - {proto: tcp, host: 203.0.113.99, port: 443}
  register: pdq_paths

- name: Show the blocked ones
  ansible.builtin.debug:
    msg: "{{ pdq_paths.results | selectattr('result', 'equalto', 'blocked') | list }}"
"""

RETURN = r"""
results:
  description:
    - One entry per probe, and one per requirement that was not probed; the requirement's fields plus
      C(target), C(port), C(result) (V(reachable), V(blocked) or V(not probed)), C(why) (for V(not probed)) and
      C(detail).
  returned: always
  type: list
  elements: dict
  sample: [{id: agent_wss, profile: pdq_connect, direction: egress, protocol: tcp, ports: ["443"],
            remote: [app.pdq.com], description: "Agent to PDQ servers", source: "L13: ...", target: app.pdq.com,
            port: 443, result: reachable, why: null, detail: "tcp 198.51.100.100:443: connected"}]
summary:
  description: Requirements by outcome (blocked if any of its probes was, reachable if all probed ones were).
  returned: always
  type: dict
  sample: {reachable: 5, blocked: 0, not_probed: 1}
canaries:
  description: The canaries with C(result), C(detail) and C(ok) (true when blocked, as they must be).
  returned: always
  type: list
  elements: dict
  sample: [{proto: tcp, host: 203.0.113.99, port: 443, result: blocked, detail: "...", ok: true}]
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.netreq.firewall.plugins.module_utils._apply.probe import BLOCKED, plan_probes, probe, run_probes, summarize

ARGUMENT_SPEC = dict(
    rules=dict(type="list", elements="dict", required=True),
    representatives=dict(type="dict", default={}),
    canaries=dict(type="list", elements="dict", default=[]),
    timeout=dict(type="float", default=2.0),
    targets_per_requirement=dict(type="int", default=3),
    max_probes=dict(type="int", default=64),
)


def _check(module):
    """Every input checked before the first packet; errors name the field."""
    params = module.params
    errors = []
    for index, rule in enumerate(params["rules"]):
        for key in ("id", "profile", "direction", "protocol"):
            if not isinstance(rule.get(key), str) or not rule.get(key):
                errors.append("rules[%d].%s: required string" % (index, key))
        if not isinstance(rule.get("remote") or [], list) or not isinstance(rule.get("ports") or [], list):
            errors.append("rules[%d]: remote and ports must be lists" % index)
    for index, canary in enumerate(params["canaries"]):
        if canary.get("proto") not in ("tcp", "udp"):
            errors.append("canaries[%d].proto: tcp or udp" % index)
        if not canary.get("host"):
            errors.append("canaries[%d].host: required" % index)
        try:
            if not 0 < int(canary.get("port")) < 65536:
                raise ValueError
        except (TypeError, ValueError):
            errors.append("canaries[%d].port: 1-65535" % index)
    if not 0 < params["timeout"] <= 30:
        errors.append("timeout: more than 0 and at most 30 seconds")
    for key in ("targets_per_requirement", "max_probes"):
        if not 0 < params[key] <= 1000:
            errors.append("%s: 1-1000" % key)
    if errors:
        module.fail_json(msg="invalid input: " + "; ".join(errors), errors=errors)


def main():
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    _check(module)
    params = module.params
    planned = plan_probes(params["rules"], params["representatives"], params["targets_per_requirement"], params["max_probes"])
    results = run_probes(planned, params["timeout"])
    canaries = []
    for canary in params["canaries"]:
        result, detail = probe(canary["proto"], str(canary["host"]), int(canary["port"]), params["timeout"])
        canaries.append({"proto": canary["proto"], "host": str(canary["host"]), "port": int(canary["port"]),
                         "result": result, "detail": detail, "ok": result == BLOCKED})
    module.exit_json(changed=False, results=results, summary=summarize(results), canaries=canaries)


if __name__ == "__main__":
    main()
