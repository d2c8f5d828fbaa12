#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) netreq.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: host_ruleset
short_description: Apply profiles to a Linux host's firewall in one batch write, whichever firewall it runs
version_added: 0.1.0
author: netreq.firewall contributors (!UNKNOWN)
description:
  - Compiles the selected profiles on the controller, renders them for the host's firewall and applies the whole
    rule set with one call on the host. This is what the P(netreq.firewall.host_firewall#role) role runs.
  - With O(backend=auto) the host itself tells which firewall it runs, in the same call that applies the rules
    (firewalld when its daemon runs, else ufw when it is enabled, else plain nftables). The controller renders the
    rules for each of them and sends all renderings along, so no separate fact-gathering call is made.
  - The apply on the host is the one of M(netreq.firewall.firewalld_ruleset), M(netreq.firewall.ufw_ruleset) or
    M(netreq.firewall.nftables_ruleset). The whole input is validated before anything is changed, one batch write
    applies it, the result is read back, and a failure restores the previous state.
  - Rules the collection did not create are never touched; stale rules it created are removed.
  - A run that finds nothing to change records that (a key of what the rendering is made of, a digest of the owned
    live state and the no-op plan) in C(/var/lib/netreq/noop/) on the host. The key covers the compiled rules, the
    renderer options and the collection's rendering code, so it is known before anything is rendered. The next run
    with the same key first sends the small M(netreq.firewall.host_ruleset_memo) module, which reads the owned state
    the cheap way (nftables' listing of its table; ufw's files; firewalld's owned files and its nftables table)
    and, when it is still the same, reports the remembered no-op; nothing is then rendered on the controller, and
    the applier is neither sent nor run. Any difference, an unfinished
    apply's journal, names resolved on the host, and diff mode compare in full; so does firewalld with its iptables
    backend. Deleting the directory only costs one full comparison.
  - An action plugin does the controller part; the module part runs on the host.
extends_documentation_fragment:
  - netreq.firewall.host_ruleset
  - netreq.firewall.host_apply
  - netreq.firewall.attributes
  - netreq.firewall.attributes.ruleset
options:
  overrides:
    description:
      - What to do when rules the collection does not own would drop or reject traffic the compiled rules allow,
        so that a requirement looks applied but is not in force. Examples are another nftables table whose base
        chain on the same hook drops it (in nftables every base chain must accept a packet), ufw C(deny) rules of
        the admin placed before the collection's, and firewalld policies with a higher priority and a C(REJECT)
        or C(DROP) target.
      - The check runs with every apply that compares in full, before anything is written (the apply does not
        change rules it does not own). A run answered by the no-op memo does not look again;
        M(netreq.firewall.host_ruleset_info) always does.
      - V(warn) applies the rules and warns once per foreign rule, naming its table, chain and text, the
        requirements it blocks (C(netreq:<profile>:<id>)) and whether the drop is V(certain) or V(possible). The
        findings are in the result's C(overrides).
      - V(fail) fails the run with the same findings before anything is changed.
      - V(ignore) does not look.
    type: str
    choices: [warn, fail, ignore]
    default: warn
requirements:
  - On the host, the firewall's own tools (C(firewall-cmd), C(ufw) or C(nft)), run as root.
seealso:
  - module: netreq.firewall.host_ruleset_memo
  - module: netreq.firewall.nftables_ruleset
  - module: netreq.firewall.ufw_ruleset
  - module: netreq.firewall.firewalld_ruleset
"""

EXAMPLES = r"""
- name: PDR appliance rules, on whichever firewall the host runs
  netreq.firewall.host_ruleset:
    profiles:
      - profile: rackspace_pdr
        component: appliance
        params: {datacenter: us, agent_cidrs: [198.51.100.0/24]}
    egress_policy: allowlist
  register: pdr_apply

- name: Show what changed
  ansible.builtin.debug:
    msg: "{{ pdr_apply.backend }}: {{ pdr_apply.plan.added | length }} added, {{ pdr_apply.plan.removed | length }} removed"
"""

RETURN = r"""
overrides:
  description:
    - Rules the collection does not own that drop or reject what the compiled rules allow (see O(overrides)), each
      with C(tags) (the requirements it blocks), C(table), C(chain), C(rule), C(verdict), C(certainty) (V(certain)
      or V(possible)) and C(order) (whether it runs before or after the collection's rules).
  returned: when the rules were compared in full and O(overrides) is not V(ignore)
  type: list
  elements: dict
  sample: [{"tags": ["netreq:rackspace_pdr:appliance_in_agent_data"], "table": "inet filter", "chain": "input",
            "rule": "tcp dport 7777 drop", "verdict": "drop", "certainty": "certain", "order": "before"}]
backend:
  description: The firewall the rules were applied to.
  returned: always
  type: str
  sample: nftables
detected:
  description: Whether the host chose the backend (O(backend=auto)).
  returned: always
  type: bool
  sample: true
compared:
  description:
    - V(memo) when the host answered from its record of the last proven no-op (see the description), V(full)
      when the rules were compared one by one.
  returned: when the backend was chosen
  type: str
  sample: full
rules_compiled:
  description: The number of compiled rules (one direction, protocol and set of ports each) that were rendered.
  returned: always
  type: int
  sample: 14
plan:
  description:
    - What the run changes (or would change in check mode). The same shape as the plan of the backend's own module.
  returned: always
  type: dict
  contains:
    action:
      description: V(none), V(create), V(update) or V(delete).
      type: str
      returned: always
      sample: update
    added:
      description: Rules or statements the host lacks, one readable line each.
      type: list
      elements: str
      returned: always
      sample: ['chain output: ip daddr 8.8.8.8 udp dport 53 counter accept comment "netreq:rackspace_pdr:appliance_out_dns-udp"']
    removed:
      description: Rules or statements the collection owns on the host that are no longer wanted.
      type: list
      elements: str
      returned: always
      sample: []
    unchanged:
      description: The number of owned rules or statements kept as they are.
      type: int
      returned: always
      sample: 12
    settings:
      description: Other settings that change (default policies, policy targets, enablement) as C({name, before, after}).
      type: list
      elements: dict
      returned: always
      sample: [{name: default outgoing, before: allow, after: deny}]
diff:
  description: The owned state before and the desired state after, as readable text (the backend's own form).
  returned: when diff mode is on
  type: dict
  sample: {before: "", after: "table inet netreq {\n...\n}\n"}
resolve:
  description:
    - With O(fqdn_strategy=resolve), or when an earlier run used it, what the host resolved, from the refresher's
      status file.
  returned: when names are resolved on the host
  type: dict
  contains:
    refreshed:
      description: Whether this run started the refresher (after a change, or when no status existed).
      type: bool
      returned: always
      sample: true
    ok:
      description: Whether the last refresh resolved every name and updated the firewall.
      type: bool
      returned: always
      sample: true
    updated:
      description: When the last refresh ran (UTC), or null when it never ran.
      type: str
      returned: always
      sample: "2026-12-02T01:30:00+00:00"
    names:
      description:
        - Per name C({ipv4, ipv6, ttl, resolved, error}); after a failure the addresses are the last good ones,
          C(resolved) says when they were, and C(error) why the last attempt failed.
      type: dict
      returned: always
      sample: {app.pdq.com: {ipv4: [198.51.100.100], ipv6: [], ttl: 300, resolved: "2026-12-02T01:30:00+00:00", error: null}}
    errors:
      description: The errors of the last refresh (also in the journal of the refresher's unit).
      type: list
      elements: str
      returned: always
      sample: []
    wildcards:
      description: Wildcard names, which cannot be resolved, and the O(wildcard_fallback) they followed.
      type: list
      elements: dict
      returned: always
      sample: [{rule: agent_remote_desktop, profile: pdq_connect, hosts: ["*.islonline.net"], fallback: proxy}]
    state_path:
      description: The state file the refresher reads.
      type: str
      returned: always
      sample: /var/lib/netreq/resolve-state.json
    status_path:
      description: The status file the refresher writes.
      type: str
      returned: always
      sample: /var/lib/netreq/resolve-status.json
proxy:
  description:
    - The host names left to a forward proxy (O(fqdn_strategy=proxy), or wildcards with O(wildcard_fallback=proxy)),
      and the allow-list a Squid proxy loads for them. The firewall gets no rule for these names; the host reaches
      them through the proxy, which the firewall must allow (the P(netreq.firewall.host_firewall#role) role's
      C(host_firewall_proxy_addresses)).
  returned: when names are left to a proxy
  type: dict
  contains:
    allowlist:
      description: The proxied names per requirement, C({rule, profile, direction, protocol, ports, hosts}).
      type: list
      elements: dict
      returned: always
      sample: [{rule: agent_remote_desktop, profile: pdq_connect, direction: egress, protocol: tcp, ports: ["7615"],
                hosts: ["*.islonline.net"]}]
    squid:
      description:
        - Squid configuration lines (C(dstdomain) and C(port) ACLs, C(http_access allow)), wildcards as C(.domain);
          include them before the final C(http_access deny all).
      type: str
      returned: always
      sample: "acl netreq_pdq_connect_agent_remote_desktop dstdomain .islonline.net\n..."
    skipped:
      description: Proxied entries a forward proxy cannot carry (not outbound TCP), with why.
      type: list
      elements: dict
      returned: always
      sample: []
commands:
  description: The commands that changed the host (empty on a no-op and in check mode).
  returned: always
  type: list
  elements: str
  sample: ["/usr/sbin/nft -f /root/.ansible/tmp/ansible-tmp-1/nftables-x1y2.nft"]
recovered:
  description:
    - What was restored from the journal of an earlier apply that never finished (see the notes), before this run
      read the host. Files are named by path, nftables tables as C(table <family> <name>).
  returned: when such a journal was found
  type: list
  elements: str
  sample: [/etc/ufw/user.rules]
confirm:
  description:
    - The pending confirmation when O(confirm_timeout) armed the host's timer; pass C(token) to
      M(netreq.firewall.host_confirm) within C(timeout) seconds.
  returned: when the run changed the host and O(confirm_timeout) is greater than 0
  type: dict
  contains:
    token:
      description: The token of this change.
      type: str
      returned: always
      sample: 3f2a9c0d4b1e6a57
    timeout:
      description: Seconds until the host restores the previous rule set by itself.
      type: int
      returned: always
      sample: 120
    journal:
      description: The journal holding the previous rule set until then.
      type: str
      returned: always
      sample: /var/lib/netreq/journal-nftables.json
boot_record:
  description:
    - With nftables, the file of the collection's own that C(netreq-nftables.service) loads at boot (before the
      network, after Debian's C(nftables.service)), holding the table just applied; the drop-in
      C(nftables.service.d/netreq.conf) loads it again after that service restarts or reloads. Temporary rules whose
      expiry passed while the host was down are left out then, and the timers of the others are armed again.
    - Null where the host does not run systemd (nothing would load it) or with O(backend=nftables) state absent.
      firewalld and ufw keep their own configuration across reboots.
  returned: when the backend is nftables
  type: str
  sample: /etc/netreq/nftables/inet-netreq.json
temporary:
  description:
    - The temporary rules of the rule set (their label carries C(expires=<UTC>)), each with the transient systemd
      timer that removes it from the host at its expiry, without Ansible. A timer already waiting is kept.
    - C(timer) is null where the host has no C(systemd-run); a run after the expiry removes the rule there.
  returned: when the rule set holds temporary rules
  type: list
  elements: dict
  contains:
    rule:
      description: The rule's label.
      type: str
      returned: always
      sample: "netreq:rackspace_pdr:troubleshooting_ssh_us expires=2030-01-31T00:00:00Z"
    expires:
      description: The expiry, UTC.
      type: str
      returned: always
      sample: "2030-01-31T00:00:00Z"
    timer:
      description: The systemd timer unit that removes it.
      type: str
      returned: always
      sample: netreq-expire-nftables-3f2a9c0d4b1e.timer
"""

import os

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.netreq.firewall.plugins.module_utils._apply.skeleton import CommandRunner, run_module
from ansible_collections.netreq.firewall.plugins.module_utils._apply.host_args import (
    ARGUMENT_SPEC as HOST_ARGUMENT_SPEC, HOST_APPLY_SPEC, OVERRIDES_SPEC, unpack_renderings)
from ansible_collections.netreq.firewall.plugins.module_utils._apply.backends import applier_for, memo_for, select_backend
from ansible_collections.netreq.firewall.plugins.module_utils._apply.resolve_state import ResolveSync
from ansible_collections.netreq.firewall.plugins.module_utils._apply.nftables.persist import UNIT as NFT_RESTORE_UNIT
from ansible_collections.netreq.firewall.plugins.module_utils._live.state import VIEWS, describe_override, foreign_drops
from ansible_collections.netreq.firewall.plugins.module_utils._model.errors import ApplyError
from ansible_collections.netreq.firewall.plugins.module_utils._model.ownership import NFT_TABLE_SPEC, UFW_PATHS

# the options host_ruleset_info shares, the host lock and journal of an apply, and what to do about overrides
ARGUMENT_SPEC = dict(HOST_ARGUMENT_SPEC, **dict(HOST_APPLY_SPEC, **OVERRIDES_SPEC))


def main():
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    try:
        renderings = unpack_renderings(module.params["renderings"])
    except ValueError as exc:
        module.fail_json(msg="renderings: %s" % exc)
    if not renderings:
        module.fail_json(msg="renderings is missing: call netreq.firewall.host_ruleset as a task, so its action "
                             "plugin compiles and renders the profiles on the controller")
    runner = CommandRunner(module)
    # The renderings are the controller's output, already in the result as the plan and too
    # large to echo back (scrubbing and shipping them would cost more than the apply).
    invocation = dict((key, value) for key, value in module.params.items() if key != "renderings")
    extra = {"detected": module.params["backend"] == "auto", "rules_compiled": renderings.get("rules_compiled", 0),
             "compared": "full", "invocation": {"module_args": invocation}}

    sync = []

    def choose():
        backend = select_backend(module.params["backend"], runner)
        extra["backend"] = backend
        backends = renderings.get("backends") or {}
        names = (backends.get(backend) or {}).get("resolve")
        resolve = ResolveSync(module, runner, backend, names,
                              module.params["resolve_ttl_floor"], module.params["resolve_ttl_ceiling"])
        sync.append(resolve)
        # the refresher changes the sets of resolved names between runs: those never join the memo
        memo = None if resolve.active else memo_for(backend, backends)
        applier = applier_for(backend, backends, module, runner, memo=memo, prefill=resolve.prefill)
        if renderings.get("flows") and module.params["overrides"] != "ignore":
            applier.override_check = check_overrides
        return applier

    def check_overrides(applier, desired, state, plan):
        """Foreign rules that would drop what the plan allows: warned about, or the run fails before any write."""
        problems = []
        view = VIEWS[extra["backend"]](applier, desired, state, plan)
        found = foreign_drops(view, runner, renderings["flows"], problems)
        extra["overrides"] = found
        messages = [describe_override(finding) for finding in found]
        if messages and module.params["overrides"] == "fail":
            raise ApplyError("rules netreq.firewall does not own would drop what it allows, nothing was changed "
                             "(overrides=fail):\n- " + "\n- ".join(messages), untouched=True, overrides=found)
        # what could not be looked at (no nft command on a ufw host, say) is host_ruleset_info's to report,
        # not a warning on every apply
        applier.warnings.extend(messages)

    # the shared keys only: each backend module's own extras (the whole rule set again) would make
    # a large result to ship and parse on every run
    def after(result):
        added = sync[0].finish(result)
        if (result.get("changed") and extra["detected"] and extra["backend"] == "nftables"
                and os.path.exists(UFW_PATHS["conf"])):
            # the host's admin may think of it as a ufw host: say where the rules went, when they land
            module.warn("ufw is installed but not enabled here, so the rules went to plain nftables (table %s, loaded "
                        "again at boot by %s): ufw status does not show them. Set backend=ufw (the role's "
                        "host_firewall_backend) to have ufw carry them instead; ufw is then enabled with them."
                        % (NFT_TABLE_SPEC, NFT_RESTORE_UNIT))
        return added

    run_module(module, choose, extra, keys=("changed", "plan", "commands", "diff", "recovered", "confirm", "temporary", "boot_record"), after=after)


if __name__ == "__main__":
    main()
