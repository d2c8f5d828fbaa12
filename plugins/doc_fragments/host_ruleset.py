# -*- coding: utf-8 -*-
# Copyright (c) netreq.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations


class ModuleDocFragment:
    """The options of host_ruleset, which its read-only twin host_ruleset_info takes too (same argument spec)."""

    DOCUMENTATION = r"""
options:
  profiles:
    description:
      - The profile selections to apply, C({profile, component, params, enable, expires}) as for the
        P(netreq.firewall.requirements#filter) filter. All of a host's selections go in one call, since the call
        owns the collection's whole rule set on the host.
    type: list
    elements: dict
    required: true
  backend:
    description:
      - The firewall to configure. V(auto) lets the host pick V(firewalld), V(ufw) or V(nftables), in that order.
    type: str
    choices: [auto, firewalld, ufw, nftables]
    default: auto
  ingress_policy:
    description:
      - V(permissive) only adds allow rules; V(allowlist) drops inbound traffic no rule allows (loopback and
        established traffic stay allowed).
    type: str
    choices: [permissive, allowlist]
    default: permissive
  egress_policy:
    description:
      - V(permissive) only adds allow rules; V(allowlist) drops outbound traffic no rule allows (loopback and
        established traffic stay allowed).
    type: str
    choices: [permissive, allowlist]
    default: permissive
  management:
    description:
      - The management connection that carries this very task (the controller's SSH), which an egress allowlist must
        not cut. Under O(egress_policy=allowlist) the host also accepts outbound TCP from O(management.port) to
        O(management.sources) whatever connection tracking knows, so the session that loads the allowlist (older
        than the host's connection tracking when the host had no firewall) still carries the result back.
      - Omitted, nothing is added; the P(netreq.firewall.host_firewall#role) role sets it when Ansible reaches the
        host over SSH. Requests to the port under an ingress allowlist need a rule of their own, which the role adds.
    type: dict
    suboptions:
      port:
        description:
          - The host's TCP port the controller connects to.
        type: int
        required: true
      sources:
        description:
          - Addresses or networks the controller connects from, or V(any).
        type: list
        elements: str
        default: [any]
  fqdn_strategy:
    description:
      - What to do with host names in the rules, as for the P(netreq.firewall.render#filter) filter.
      - V(resolve) fills nftables sets, firewalld ipsets or per-address ufw rules with the addresses the host's own
        resolver returns. The module writes which names fill which sets to a state file on the host and, after a
        change, runs the refresher the P(netreq.firewall.host_firewall#role) role installs (a systemd service and
        timer), which keeps them in step with DNS between runs. A name that fails to resolve keeps its last good
        addresses and is reported in RV(netreq.firewall.host_ruleset#module:resolve). What the refresher writes is never reported as drift.
    type: str
    choices: [reject, resolve, any_address, proxy]
    default: reject
  wildcard_fallback:
    description:
      - What to do with wildcard host names, as for the P(netreq.firewall.render#filter) filter.
    type: str
    choices: [any_address, proxy]
  resolve_ttl_floor:
    description:
      - With O(fqdn_strategy=resolve) on nftables, the shortest timeout (seconds) of a resolved set element, whatever
        the DNS TTL. Keep it above the refresh interval, so an address does not age out between two refreshes.
    type: int
    default: 600
  resolve_ttl_ceiling:
    description:
      - With O(fqdn_strategy=resolve) on nftables, the longest timeout (seconds) of a resolved set element.
    type: int
    default: 86400
  render_options:
    description:
      - Renderer options of the backends, for example C(table_name) (nftables) or C(policy_prefix) (firewalld).
      - With O(backend=auto) they are given to each backend's renderer; each takes the options it knows.
    type: dict
    default: {}
  answer_timeout:
    description:
      - Seconds the controller waits for the host's answer (the memo check and the apply together), so that a
        connection cut while the rules change fails the task in bounded time with a message saying so, instead of
        leaving the run waiting on TCP retransmissions. The control connection is then reset, so the next task
        opens a new one.
      - With a C(confirm_timeout), at most half of it, because the confirmation of every host of a play waits for
        the slowest answer and must reach each host before its restore timer runs out.
      - V(0) waits as long as the connection does. A task-level C(timeout) takes precedence.
    type: int
    default: 120
  renderings:
    description:
      - Set by the action plugin from the other options; leave it out.
      - The applier options of each candidate backend, or the error its renderer raised, as a dict or as the
        action plugin sends them (zlib-compressed JSON in base64).
    type: raw
"""
