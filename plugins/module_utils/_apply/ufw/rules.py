# -*- coding: utf-8 -*-
# Copyright (c) netreq.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""PRIVATE: one ufw rule: read from the module input or from ufw's files, written as ufw writes it.

This module is private to the netreq.firewall collection; its API may change
without notice. It runs on managed hosts (standard library only) and has no
side effects.

ufw records each rule in ``/etc/ufw/user.rules`` (IPv4) or ``user6.rules``
(IPv6) as one block: a ``### tuple ###`` line, which is ufw's own record of the
rule, followed by the iptables lines it loads with ``iptables-restore``::

    ### tuple ### allow tcp 443 0.0.0.0/0 any 198.51.100.0/24 in comment=6e65...
    -A ufw-user-input -p tcp --dport 443 -s 198.51.100.0/24 -j ACCEPT

(tuple fields: action[_log] proto dport dst sport src [dapp sapp] direction[_iface],
then ``comment=`` and the comment's UTF-8 bytes in hex). ``block`` writes both
parts the way ufw 0.36 (backend_iptables.py ``_write_rules`` with
common.py ``UFWRule.format_rule``) writes them for the same rule, so that
the files the applier writes are the files ``ufw allow ...`` would have
written. The ufw Molecule scenario compares both byte for byte on a real
host. The string rewriting in ``_expand`` keeps ufw's order and quirks on
purpose (for example a rule with protocol ``any`` and a port becomes a tcp
and a udp line).
"""

from __future__ import annotations

import re
import shlex

from ansible_collections.netreq.firewall.plugins.module_utils._model.errors import InputError

ACTIONS = ("allow", "deny", "reject", "limit")
LOG_WORDS = ("log", "log-all")
PROTOCOLS = ("any", "tcp", "udp", "ah", "esp", "gre", "ipv6", "igmp", "vrrp")
PORT_PROTOCOLS = ("any", "tcp", "udp")
IPV4_ONLY_PROTOCOLS = ("ipv6", "igmp")
MULTIPORT_MAX_SEPARATORS = 14  # iptables multiport: at most 15 ports, a range counting as two
TUPLE_MARK = "### tuple ###"
ANY_NETWORKS = {4: "0.0.0.0/0", 6: "::/0"}
CHAIN_PREFIX = {4: "ufw", 6: "ufw6"}
TARGETS = {"allow": "ACCEPT", "deny": "DROP", "reject": "REJECT", "limit": "LIMIT"}
INTERFACE_RE = re.compile(r"^[A-Za-z0-9_\-.+,=%@]{1,15}\Z")
PORT_RE = re.compile(r"^[1-9][0-9]*\Z")
LIMIT_LOG = "-m limit --limit 3/min --limit-burst 10"


class RuleError(InputError, ValueError):
    """A rule the module cannot accept; the message says why."""


class UfwRule(object):
    """One ufw rule, independent of the IP family file it is written to.

    ``where`` is ufw's direction field: ``in``, ``out``, ``in_eth0`` (direction
    and interface) or, for route rules, ``in_eth0!out_eth1``. Addresses are
    ``any`` (every address of the file's family) or ufw's normalized form;
    ports ``any`` or ufw's sorted list. ``family`` pins a rule whose both
    addresses are "every address" to one IP family (written ``0.0.0.0/0`` or
    ``::/0`` by the user). ``raw`` holds a tuple this module does not parse.
    """

    __slots__ = ("action", "log", "where", "proto", "src", "sport", "dst", "dport", "dapp", "sapp",
                 "comment", "route", "raw", "family")

    def __init__(self, action, where="in", proto="any", src="any", sport="any", dst="any", dport="any",
                 comment="", log="", route=False, dapp="", sapp="", raw=None, family=None):
        self.action = action
        self.log = log
        self.where = where
        self.proto = proto
        self.src = src
        self.sport = sport
        self.dst = dst
        self.dport = dport
        self.dapp = dapp
        self.sapp = sapp
        self.comment = comment
        self.route = route
        self.raw = raw
        self.family = family

    @property
    def key(self):
        """What ufw matches rules on within one file: one rule per key (ufw replaces the other)."""
        if self.raw is not None:
            return ("raw", self.raw)
        return (self.route, self.where, self.proto, self.src, self.sport, self.dst, self.dport, self.dapp, self.sapp)

    @property
    def ident(self):
        """The whole rule: the same ident in the same file means nothing to change."""
        if self.raw is not None:
            return ("raw", self.raw)
        return self.key + (self.action, self.log, self.comment)

    @property
    def direction(self):
        return self.where.split("_", 1)[0]

    @property
    def interface(self):
        return self.where.split("_", 1)[1] if "_" in self.where else ""

    @property
    def plain(self):
        """Whether the rule is expressible in this module's input (not a route, application or unknown rule)."""
        return self.raw is None and not self.route and not self.dapp and not self.sapp and "!" not in self.where

    def families(self, ipv6_enabled):
        """The IP families ufw writes this rule for (4: user.rules, 6: user6.rules)."""
        if self.family:
            return frozenset([self.family])
        for address in (self.src, self.dst):
            if address != "any":
                return frozenset([6 if ":" in address else 4])
        if ipv6_enabled and self.proto not in IPV4_ONLY_PROTOCOLS:
            return frozenset([4, 6])
        return frozenset([4])

    def words(self):
        """The argv words after ``ufw`` that create the rule (the renderer's form for its rules)."""
        words = [self.action, self.direction]
        if self.interface:
            words += ["on", self.interface]
        if self.log:
            words.append(self.log)
        if self.proto != "any":
            words += ["proto", self.proto]
        src, dst = self.src, self.dst
        if self.family and src == "any" and dst == "any":
            if self.direction == "in":
                src = ANY_NETWORKS[self.family]
            else:
                dst = ANY_NETWORKS[self.family]
        if self.direction == "in" or src != "any" or self.sport != "any":
            words += ["from", src]
            if self.sport != "any":
                words += ["port", self.sport]
        words += ["to", dst]
        if self.dport != "any":
            words += ["port", self.dport]
        if self.comment:
            words += ["comment", self.comment]
        return words

    def text(self):
        """One readable line: the ufw command that creates the rule, or ufw's tuple for the others."""
        if not self.plain:
            text = "%s %s" % (TUPLE_MARK, self.raw if self.raw is not None else " ".join(self.tuple_fields(4)))
            if self.comment and self.raw is None:
                text += " comment=%s" % shlex.quote(self.comment)
            return text
        return "ufw " + " ".join(shlex.quote(word) for word in self.words())

    # -- writing, as ufw does

    def tuple_fields(self, family):
        action = ("route:" if self.route else "") + self.action + ("_" + self.log if self.log else "")
        fields = [action, self.proto, self.dport, _file_address(self.dst, family), self.sport,
                  _file_address(self.src, family)]
        if self.dapp or self.sapp:
            fields += [(self.dapp or "-").replace(" ", "%20"), (self.sapp or "-").replace(" ", "%20")]
        return fields + [self.where]

    def block(self, family):
        """The rule's lines in ufw's rules file of ``family``: the tuple line, then the iptables lines."""
        line = "%s %s" % (TUPLE_MARK, " ".join(self.tuple_fields(family)))
        if self.comment:
            line += " comment=" + self.comment.encode("utf-8", "ignore").hex()
        prefix = CHAIN_PREFIX[family]
        suffix = "output" if self.direction == "out" else "input"
        command = "-A %s-user-%s %s\n" % (prefix, suffix, self._match(family))
        return [line + "\n"] + _expand(command, prefix, suffix)

    def _match(self, family):
        """ufw's ``format_rule``: the iptables match and target of the rule."""
        parts = []
        if self.interface:
            parts.append("%s %s" % ("-i" if self.direction == "in" else "-o", self.interface))
        multi = any("," in port or ":" in port for port in (self.dport, self.sport))
        if self.proto == "any":
            parts.append("-p all")
        else:
            parts.append("-p " + self.proto)
            if multi:
                parts.append("-m multiport")
                if self.dport != "any":
                    parts.append("--dports " + self.dport)
                if self.dport != "any" and self.sport != "any":
                    parts.append("-m multiport")
                if self.sport != "any":
                    parts.append("--sports " + self.sport)
        if self.dst != "any":
            parts.append("-d " + self.dst)
        if not multi and self.dport != "any":
            parts.append("--dport " + self.dport)
        if self.src != "any":
            parts.append("-s " + self.src)
        if not multi and self.sport != "any":
            parts.append("--sport " + self.sport)
        parts.append("-j " + TARGETS[self.action] + ("_" + self.log if self.log else ""))
        if self.action == "reject" and self.proto == "tcp":
            parts.append("--reject-with tcp-reset")
        return " ".join(parts)


def _file_address(address, family):
    return ANY_NETWORKS[family] if address == "any" else address


_PROTO_ALL = re.compile(r"-p all ")
_REJECT = re.compile(r"-j (REJECT(_log(-all)?)?)")
_LOGGED = re.compile(r"(.*)-j ([A-Z]+)_log(-all)?(.*)")
_CHAIN = re.compile(r"(-A|-D) ([a-zA-Z0-9\-]+)")
_LIMIT = re.compile(r" -j LIMIT")


def _expand(command, prefix, suffix):
    """The iptables lines ufw writes for one ``-A chain <match>`` command (its _get_rules_from_formatted)."""
    if _PROTO_ALL.search(command):
        if "port " in command:
            tcp = _REJECT.sub(r"-j \1 --reject-with tcp-reset", command) if _REJECT.search(command) else command
            lines = [_PROTO_ALL.sub("-p tcp ", tcp), _PROTO_ALL.sub("-p udp ", command)]
        else:
            lines = [_PROTO_ALL.sub("", command)]
    else:
        lines = [command]
    logging_chain = "%s-user-logging-%s" % (prefix, suffix)
    expanded = []
    for line in lines:
        match = _LOGGED.search(line)
        if match:
            target, log_all = match.group(2), match.group(3)
            label = {"ACCEPT": "ALLOW", "LIMIT": "LIMIT"}.get(target, "BLOCK")
            log = '%s -j LOG --log-prefix "[UFW %s] "' % (LIMIT_LOG, label)
            if not log_all:
                log = "-m conntrack --ctstate NEW " + log
            expanded += [
                _CHAIN.sub(r"\1 " + logging_chain, _LOGGED.sub(lambda m: m.group(1) + log, line)),
                _CHAIN.sub(r"\1 " + logging_chain, _LOGGED.sub(lambda m: m.group(1) + "-j RETURN", line)),
                _LOGGED.sub(lambda m: m.group(1) + "-j " + logging_chain, line),
                _LOGGED.sub(lambda m: m.group(1) + "-j " + m.group(2) + m.group(4), line),
            ]
        else:
            expanded.append(line)
    result = []
    for line in expanded:
        if _LIMIT.search(line):
            result += [
                _LIMIT.sub(" -m conntrack --ctstate NEW -m recent --set", line),
                _LIMIT.sub(" -m conntrack --ctstate NEW -m recent --update --seconds 30 --hitcount 6 -j %s-user-limit"
                           % prefix, line),
                _LIMIT.sub(" -j %s-user-limit-accept" % prefix, line),
            ]
        else:
            result.append(line)
    return result


# ------------------------------------------------------------------ reading ufw's tuple lines

def parse_tuple(line):
    """The rule of one ``### tuple ###`` line (with or without the mark), as ufw's _read_rules reads it."""
    body = line[len(TUPLE_MARK):] if line.startswith(TUPLE_MARK) else line
    comment = ""
    if " comment=" in body:
        body, dummy, encoded = body.partition(" comment=")
        comment = _decode_comment(encoded.strip())
    fields = body.split()
    if len(fields) not in (7, 9):
        return UfwRule(action="", comment=comment, raw=" ".join(fields))
    action, proto, dport, dst, sport, src = fields[:6]
    dapp, sapp = (fields[6], fields[7]) if len(fields) == 9 else ("-", "-")
    route = action.startswith("route:")
    if route:
        action = action[len("route:"):]
    action, dummy, log = action.partition("_")
    return UfwRule(action=action, where=fields[-1], proto=proto, src=tuple_address(src), sport=sport,
                   dst=tuple_address(dst), dport=dport, comment=comment, log=log, route=route,
                   dapp="" if dapp == "-" else dapp.replace("%20", " "),
                   sapp="" if sapp == "-" else sapp.replace("%20", " "))


def _decode_comment(text):
    try:
        return bytes.fromhex(text).decode("utf-8")
    except ValueError:
        return text


def tuple_address(value):
    return "any" if value in ANY_NETWORKS.values() else value
