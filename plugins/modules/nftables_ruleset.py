#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) netreq.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: nftables_ruleset
short_description: Replace the collection's own nftables table in one transaction
version_added: 0.1.0
author: netreq.firewall contributors (!UNKNOWN)
description:
  - Applies the nftables rule set that P(netreq.firewall.render#filter) renders with C(backend=nftables),
    in one call per host with the whole table.
  - Validates the whole input before touching the host. The ruleset may only hold commands on the managed
    O(table) (C(table), C(chain), C(rule), C(set), C(element) ... for that family and name); a command on any
    other table, C(flush ruleset), C(include) or C(define) fails the task. Then C(nft -c -f) checks the
    transaction against the kernel without committing it. A failure at either step changes nothing.
  - Plans by comparing canonical listings. The live table is read with C(nft -s list table) (counters are
    compared as C(counter), without their values). The desired table is the listing nft prints after loading
    the ruleset into a throwaway network namespace on the target (C(unshare --net), else
    C(unshare --user --map-root-user --net)), so it is exactly what nft would print on this host. Where no such
    namespace can be created, the desired listing is a text normalization of the ruleset (see O(canonicalize)).
  - Applies with a single C(nft -f) transaction that deletes and recreates only the managed table, then reads the
    table back and fails with the difference if it is not the desired listing. If C(nft -f) fails, the kernel
    keeps the previous table; the task fails with nft's message.
  - Other tables of the host are never read for the plan, never changed and never deleted.
  - The elements of named sets are not compared, only the set declarations; the resolve strategy fills them when
    the rule set is loaded, and a replace (any change of the table) empties them until they are filled again.
extends_documentation_fragment:
  - netreq.firewall.host_apply
  - netreq.firewall.attributes
  - netreq.firewall.attributes.ruleset
options:
  table:
    description:
      - The table the module owns, as C(<family> <name>).
      - The family is one of C(ip), C(ip6), C(inet), C(arp), C(bridge), C(netdev); the name starts with a letter
        followed by letters, digits or C(_).
    type: str
    default: inet netreq
  ruleset:
    description:
      - The complete input of C(nft -f) for the table, as the C(ruleset) key of the nftables rendering, that is
        C(table inet netreq), C(delete table inet netreq), then C(table inet netreq { ... }).
      - A text that does not start with those two lines (for example only the C(table ... { ... }) block) gets them
        prepended, so a load always replaces the table instead of merging into it.
      - Required with O(state=present); ignored with O(state=absent).
    type: str
  rules:
    description:
      - The C(rules) key of the same rendering (rule ids with their nft statements). Optional.
      - When given, every statement must be in the desired table (matched by its C(comment)), which catches a
        C(rules) and a C(ruleset) taken from different renderings.
    type: list
    elements: dict
    suboptions:
      id:
        description: The rule id.
        type: str
        required: true
      chain:
        description: The chain the statements go to.
        type: str
      statements:
        description: The nft rule lines of this rule.
        type: list
        elements: str
        default: []
  state:
    description:
      - V(present) makes the table exactly O(ruleset).
      - V(absent) deletes the table O(table) and nothing else.
    type: str
    choices: [present, absent]
    default: present
  persist:
    description:
      - Keep the table across reboots (see RV(boot_record)); V(false) leaves that to you, and a record an earlier run
        wrote stays as it is.
      - Only where the host runs systemd, which loads the record at boot.
    type: bool
    default: true
  canonicalize:
    description:
      - How the desired listing is computed.
      - V(netns) loads the ruleset into a throwaway network namespace and lists it there; the task fails when no
        namespace can be created.
      - V(text) normalizes the ruleset text (whitespace, comma spacing, counter values, set elements, the order of
        the table's objects by kind). Exact for text in nft's listing style, which is how the collection's renderer
        writes it; a hand-written ruleset that nft prints differently reports a change on every run and fails the
        check after applying. It accepts only C(table ... { ... }) blocks, the leading replace lines and
        C(add element).
      - V(auto) uses V(netns) and falls back to V(text) when no namespace can be created or the ruleset cannot load
        into an empty one (it names a network interface that only exists on the host, for example); the second
        case adds a warning. RV(canonical_source) tells which one was used.
    type: str
    choices: [auto, netns, text]
    default: auto
requirements:
  - The C(nft) command line (Debian/Ubuntu package C(nftables)), run as root.
  - C(unshare) (util-linux) and C(sh) for the exact comparison.
notes:
  - Set elements filled at apply time by the C(resolve) FQDN strategy are out of scope of this module for now; see
    the description.
seealso:
  - plugin: netreq.firewall.render
    plugin_type: filter
"""

EXAMPLES = r"""
- name: Render the PDR appliance's rules for nftables (on the controller)
  ansible.builtin.set_fact:
    pdr_nft: >-
      {{ ('rackspace_pdr' | netreq.firewall.requirements(component='appliance',
           params={'datacenter': 'us', 'agent_cidrs': ['198.51.100.0/24']}))
         | netreq.firewall.render(backend='nftables', options={'egress_policy': 'permissive'}) }}

- name: Replace the collection's nftables table with the rendering
  netreq.firewall.nftables_ruleset:
    table: "{{ pdr_nft.table }}"
    ruleset: "{{ pdr_nft.ruleset }}"
    rules: "{{ pdr_nft.rules }}"
  register: pdr_nft_apply

- name: Show what changed
  ansible.builtin.debug:
    var: pdr_nft_apply.plan

- name: Remove the collection's table (other tables stay as they are)
  netreq.firewall.nftables_ruleset:
    table: inet netreq
    state: absent
"""

RETURN = r"""
table:
  description: The managed table.
  returned: always
  type: str
  sample: inet netreq
state:
  description: The requested state.
  returned: always
  type: str
  sample: present
backend:
  description: The backend the rules were applied to.
  returned: always
  type: str
  sample: nftables
plan:
  description:
    - What the run changes (or would change in check mode), from comparing the canonical listings. Every ruleset
      module of the collection returns this shape.
    - "Each entry is C(<chain|set> <name>: <statement>), or C(table: <statement>) for a table property."
  returned: always
  type: dict
  contains:
    action:
      description: V(none), V(create) (the table did not exist), V(update) or V(delete).
      type: str
      returned: always
      sample: update
    added:
      description: Statements in the desired table that the live table lacks.
      type: list
      elements: str
      returned: always
      sample:
        - 'chain output: ip daddr { 8.8.4.4, 8.8.8.8 } udp dport 53 counter accept comment "netreq:rackspace_pdr:appliance_out_dns-udp"'
    removed:
      description: Statements of the live table that the desired table lacks.
      type: list
      elements: str
      returned: always
      sample:
        - 'chain output: ip daddr 198.51.100.1 udp dport 53 counter accept comment "netreq:rackspace_pdr:appliance_out_dns-udp"'
    unchanged:
      description: The number of statements of the desired table already live.
      type: int
      returned: always
      sample: 12
    settings:
      description:
        - Other changes as C({name, before, after}). For nftables only C(order), when the same statements are live
          in another order.
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
rules_count:
  description: The number of rules (statements in chains that are not the chain's type or policy) of the desired table.
  returned: always
  type: int
  sample: 10
ruleset:
  description: The transaction given to C(nft -f) (or that would be, in check mode); empty with O(state=absent).
  returned: always
  type: str
  sample: "table inet netreq\ndelete table inet netreq\ntable inet netreq {\n\tchain input {\n...\n}\n"
boot_record:
  description:
    - The file of the collection's own that C(netreq-nftables.service) loads at boot (before the network, after
      Debian's C(nftables.service), whose C(flush ruleset) would otherwise remove the table), holding the
      transaction just applied and the expiry timers of its temporary rules. The unit, its script
      (C(/usr/local/libexec/netreq-nftables-restore)) and a drop-in for C(nftables.service), which loads the table
      again after that service restarts or reloads, are installed with the first record. The loader leaves out rule
      lines whose expiry has passed and arms the other timers again; a table already loaded is left alone.
    - Null where the host does not run systemd (nothing would load it), and with O(state=absent), which removes the
      record.
  returned: always
  type: str
  sample: /etc/netreq/nftables/inet-netreq.json
canonical_source:
  description:
    - How the desired listing was computed. V(netns) (exact, nft's own listing) or V(text) (text normalization);
      V(listing) with O(state=absent).
  returned: always
  type: str
  sample: netns
diff:
  description: The canonical live listing (before) and the desired listing (after); empty text for no table.
  returned: when diff mode is on
  type: dict
  contains:
    before:
      description: C(nft list table) of the live table, counters without values, set elements left out.
      type: str
      returned: always
    after:
      description: The listing of the desired table in the same form.
      type: str
      returned: always
    before_header:
      description: What before shows.
      type: str
      returned: always
      sample: table inet netreq (live)
    after_header:
      description: What after shows.
      type: str
      returned: always
      sample: table inet netreq (desired)
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

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.netreq.firewall.plugins.module_utils._apply.skeleton import run_module
from ansible_collections.netreq.firewall.plugins.module_utils._apply.host_args import HOST_APPLY_SPEC
from ansible_collections.netreq.firewall.plugins.module_utils._apply.nftables.apply import (
    ARGUMENT_SPEC,
    REQUIRED_IF,
    NftablesApplier,
)


def main():
    module = AnsibleModule(argument_spec=dict(ARGUMENT_SPEC, **HOST_APPLY_SPEC), required_if=REQUIRED_IF, supports_check_mode=True)
    run_module(module, NftablesApplier(module))


if __name__ == "__main__":
    main()
