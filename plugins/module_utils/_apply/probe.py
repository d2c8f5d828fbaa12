# -*- coding: utf-8 -*-
# Copyright (c) netreq.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""PRIVATE: probe a rule set's requirements from the host they apply to.

This module is private to the netreq.firewall collection; its API may change
without notice. It runs on managed hosts (standard library only).

What an admin asks after a change window is "can this host actually reach
what the vendor lists?". The answer has to come from the host itself,
through its own firewall and routes, so the probes run there:

* ``plan_probes``: per egress Rule, a bounded list of (target, port) pairs.
  A target is an address of the rule's remote: a single address as it is; a
  host name resolved by the host (the name is probed, as the application
  would use it); a range or ``any`` only through a representative address the
  caller gives (``representatives``: remote -> address); a wildcard never.
  Ingress rules, ICMP, protocol ``any`` and rules without ports are not
  probed, and say why.
* ``probe``: TCP connect; UDP 53 a DNS query; UDP 123 an NTP client request;
  other UDP a plain datagram. ``EPERM``/``EACCES`` on send or connect is the
  host's own firewall dropping the packet (what a UDP send sees; a TCP
  connect whose SYN the host drops just times out): ``blocked``. A TCP connection, a
  DNS or NTP answer or any UDP reply is ``reachable``. A timeout, a refusal
  or an unreachable network is ``blocked`` (the path does not work), with the
  detail. A plain UDP datagram that left the host without an answer is
  ``reachable`` with the detail that delivery is not confirmed (UDP has no
  handshake).
"""

from __future__ import annotations

import concurrent.futures
import errno
import ipaddress
import os
import socket
import struct

REACHABLE = "reachable"
BLOCKED = "blocked"
NOT_PROBED = "not probed"
LOCAL_DROP = (errno.EPERM, errno.EACCES)


def _first_port(ports):
    """The lowest port of a rule's port list, or None for all ports."""
    lows = [int(str(port).split("-", maxsplit=1)[0]) for port in ports or []]
    return min(lows) if lows else None


def _targets(rule, representatives, per_rule):
    """``([targets], why)``: up to ``per_rule`` targets of the rule's remote, or why there is none."""
    targets, whys = [], []
    for remote in rule.get("remote") or []:
        if remote in representatives:
            targets.append(str(representatives[remote]))
        elif remote == "any":
            whys.append("remote 'any': give a representative address (representatives: {any: ...})")
        elif remote.startswith("*."):
            whys.append("wildcard %s: no single name to probe" % remote)
        else:
            try:
                network = ipaddress.ip_network(remote, strict=False)
            except ValueError:
                targets.append(remote)  # a host name: the host resolves it when it probes
                continue
            if network.num_addresses == 1:
                targets.append(str(network.network_address))
            else:
                whys.append("range %s: give a representative address (representatives: {'%s': ...})" % (remote, remote))
    unique = []
    for target in targets:
        if target not in unique:
            unique.append(target)
    return unique[:per_rule], "; ".join(whys)


def plan_probes(rules, representatives=None, per_rule=3, max_probes=64):
    """``[{rule fields..., target, port, probe?, result?, why?}]``: what will be probed, and what not with why."""
    representatives = representatives or {}
    planned, probes = [], 0
    for rule in rules:
        base = {key: rule.get(key) for key in ("id", "profile", "direction", "protocol", "description", "source")}
        base["ports"] = list(rule.get("ports") or [])
        base["remote"] = list(rule.get("remote") or [])
        why = None
        if rule.get("direction") != "egress":
            why = "ingress: probe it from the remote side"
        elif rule.get("protocol") not in ("tcp", "udp"):
            why = "protocol %s: only tcp and udp are probed" % rule.get("protocol")
        elif _first_port(rule.get("ports")) is None:
            why = "all ports: no port to probe"
        if why:
            planned.append(dict(base, target=None, port=None, result=NOT_PROBED, why=why))
            continue
        targets, why = _targets(rule, representatives, per_rule)
        if not targets:
            planned.append(dict(base, target=None, port=None, result=NOT_PROBED, why=why or "no remote"))
            continue
        for target in targets:
            if probes >= max_probes:
                planned.append(dict(base, target=target, port=None, result=NOT_PROBED,
                                    why="max_probes (%d) reached" % max_probes))
                continue
            probes += 1
            planned.append(dict(base, target=target, port=_first_port(rule["ports"]), probe=True))
    return planned


def _dns_query():
    # id, RD, one question: ". IN NS"
    return struct.pack(">HHHHHH", os.getpid() & 0xFFFF, 0x0100, 1, 0, 0, 0) + b"\0" + struct.pack(">HH", 2, 1)


def _ntp_request():
    return b"\x23" + b"\0" * 47  # LI 0, version 4, mode 3 (client)


def _payload(port):
    if port == 53:
        return _dns_query(), "DNS query"
    if port == 123:
        return _ntp_request(), "NTP request"
    return b"netreq-probe", "UDP datagram"


def probe(protocol, target, port, timeout):
    """``(result, detail)`` for one probe from this host."""
    try:
        infos = socket.getaddrinfo(target, port, 0, socket.SOCK_STREAM if protocol == "tcp" else socket.SOCK_DGRAM)
    except socket.gaierror as exc:
        return BLOCKED, "cannot resolve %s: %s" % (target, exc)
    family, socktype, proto, _name, address = infos[0]
    where = "%s %s:%d" % (protocol, address[0], port)
    sock = socket.socket(family, socktype, proto)
    sock.settimeout(timeout)
    try:
        if protocol == "tcp":
            sock.connect(address)
            return REACHABLE, "%s: connected" % where
        payload, what = _payload(port)
        sock.connect(address)
        sock.send(payload)
        try:
            sock.recv(4096)
            return REACHABLE, "%s: %s answered" % (where, what)
        except socket.timeout:
            if port in (53, 123):
                return BLOCKED, "%s: no answer to the %s within %.1f s" % (where, what, timeout)
            return REACHABLE, "%s: %s sent, no reply (UDP: delivery not confirmed)" % (where, what)
    except socket.timeout:
        return BLOCKED, "%s: no answer within %.1f s" % (where, timeout)
    except OSError as exc:
        if exc.errno in LOCAL_DROP:
            return BLOCKED, "%s: dropped by this host's firewall (%s)" % (where, os.strerror(exc.errno))
        if exc.errno == errno.ECONNREFUSED:
            return BLOCKED, "%s: refused (rejected by a firewall, or nothing listens)" % where
        return BLOCKED, "%s: %s" % (where, exc)
    finally:
        sock.close()


def run_probes(planned, timeout=2.0, workers=16):
    """Run the planned probes in parallel; each planned entry gets ``result`` and ``detail``."""
    todo = [entry for entry in planned if entry.get("probe")]
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, min(workers, len(todo) or 1))) as pool:
        futures = {pool.submit(probe, entry["protocol"], entry["target"], entry["port"], timeout): entry for entry in todo}
        for future in concurrent.futures.as_completed(futures):
            entry = futures[future]
            entry["result"], entry["detail"] = future.result()
    for entry in planned:
        entry.pop("probe", None)
        entry.setdefault("detail", entry.get("why") or "")
        entry.setdefault("why", None)
    return planned


def summarize(results):
    """Per requirement: ``blocked`` if any probe was, ``reachable`` if all probed were, else ``not probed``."""
    by_rule = {}
    for entry in results:
        key = (entry["profile"], entry["id"])
        by_rule.setdefault(key, []).append(entry["result"])
    summary = {REACHABLE: 0, BLOCKED: 0, NOT_PROBED: 0}
    for outcomes in by_rule.values():
        if BLOCKED in outcomes:
            summary[BLOCKED] += 1
        elif REACHABLE in outcomes:
            summary[REACHABLE] += 1
        else:
            summary[NOT_PROBED] += 1
    return {"reachable": summary[REACHABLE], "blocked": summary[BLOCKED], "not_probed": summary[NOT_PROBED]}
