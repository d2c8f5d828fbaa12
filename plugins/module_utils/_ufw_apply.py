# -*- coding: utf-8 -*-
# Copyright (c) netreq.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""PRIVATE: read, plan and apply the collection's own part of a ufw rule set.

This module is private to the netreq.firewall collection; its API may change
without notice. It runs on the managed host (standard library and
ansible.module_utils only) and does all the work of
``netreq.firewall.ufw_ruleset``; the module is only the Ansible glue.

Reading: ufw keeps every rule in ``/etc/ufw/user.rules`` (IPv4) and
``/etc/ufw/user6.rules`` (IPv6) as a ``### tuple ###`` line followed by its
iptables lines, for example::

    ### tuple ### allow tcp 443 0.0.0.0/0 any 198.51.100.0/24 in comment=6e65...
                 action proto dport dst sport src [dapp sapp] direction[_iface] [comment=<hex>]

These files are ufw's own record of its rules, complete and lossless (``ufw
status`` shows nothing while ufw is inactive, and abbreviates). Default
policies come from ``/etc/default/ufw``, start-at-boot from
``/etc/ufw/ufw.conf``, whether the firewall runs from ``ufw status``.

Ownership: a rule belongs to a call when its comment starts with the comment
prefix (``netreq:``), or with ``<prefix><profile>:`` for one of the profiles in
scope. Every other rule is never deleted, re-ordered or re-commented; a wanted
rule that would overwrite another rule (ufw keeps one rule per match and
silently replaces its action and comment) fails the plan.

Planning compares the wanted rules with the owned rules as a set: a rule is
kept when its action, match, comment and IP families are the same. An owned
rule replaced by a wanted rule with the same match is not deleted: adding the
new one makes ufw change it in place (same position, never missing). Other
owned rules that are not wanted are deleted. Rules are never re-ordered: ufw
is first-match, and new rules are appended after the existing ones, as ``ufw
allow`` does.

Applying runs one ufw command per change (``ufw delete ...``, ``ufw allow
...``, ``ufw --force enable``, ``ufw default ...``), so ufw keeps its files and
the running firewall consistent. ufw has no transactions, so the four files it
writes are copied first; if a command fails or the re-read result differs from
the plan, the copies are written back, the running firewall is reloaded from
them (or enabled/disabled back), and the failure is reported.
"""

from __future__ import annotations

import ipaddress
import os
import re
import shlex
import tempfile

# The files ufw writes; module-level so the unit tests can point them elsewhere.
PATHS = {
    "rules4": "/etc/ufw/user.rules",
    "rules6": "/etc/ufw/user6.rules",
    "defaults": "/etc/default/ufw",
    "conf": "/etc/ufw/ufw.conf",
}

ACTIONS = ("allow", "deny", "reject", "limit")
LOG_WORDS = ("log", "log-all")
PROTOCOLS = ("any", "tcp", "udp", "ah", "esp", "gre", "ipv6", "igmp", "vrrp")
PORT_PROTOCOLS = ("any", "tcp", "udp")
IPV4_ONLY_PROTOCOLS = ("ipv6", "igmp")
MULTIPORT_MAX_SEPARATORS = 14  # ufw/iptables multiport: at most 15 ports, a range counting as two
TUPLE_MARK = "### tuple ###"
POLICY_NAMES = {"ACCEPT": "allow", "DROP": "deny", "REJECT": "reject"}
POLICY_KEYS = {"incoming": "DEFAULT_INPUT_POLICY", "outgoing": "DEFAULT_OUTPUT_POLICY",
               "routed": "DEFAULT_FORWARD_POLICY"}
MANAGED_POLICIES = ("incoming", "outgoing")
INTERFACE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.+-]{0,14}$")
PORT_RE = re.compile(r"^[1-9][0-9]*$")
ANY_NETWORKS = ("0.0.0.0/0", "::/0")


class UfwError(Exception):
    """Anything this module refuses or fails to do; the message is meant for the user."""


class UfwRule:
    """One ufw rule in a canonical form that both the rendered argv words and the tuple lines map to.

    ``where`` is ufw's direction field: ``in``, ``out``, ``in_eth0`` (direction
    plus interface) or, for route rules, ``in_eth0!out_eth1``. Addresses are
    ``any`` or ufw's normalized form; ports ``any`` or ufw's sorted list.
    """

    __slots__ = ("action", "log", "where", "proto", "src", "sport", "dst", "dport", "dapp", "sapp",
                 "comment", "route", "raw", "family", "source")

    def __init__(self, action, where="in", proto="any", src="any", sport="any", dst="any", dport="any",
                 comment="", log="", route=False, dapp="", sapp="", raw=None, family=None, source=None):
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
        # 4 or 6 when both addresses are "any" but the rule is for one IP family only (written as
        # 0.0.0.0/0 or ::/0); ufw stores such a rule exactly like an "any" rule, in one file only.
        self.family = family
        self.source = source  # the tuple line's fields (without the comment) when read from ufw's files

    @property
    def key(self):
        """What ufw matches rules on: two rules with the same key cannot coexist (ufw replaces one with the other)."""
        if self.raw is not None:
            return ("raw", self.raw)
        return (self.route, self.where, self.proto, self.src, self.sport, self.dst, self.dport, self.dapp, self.sapp)

    @property
    def ident(self):
        """The whole rule: the same ident means nothing to change."""
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
    def manageable(self):
        """Whether this module can write and delete the rule (not a route or application rule, nor unparsed)."""
        return self.raw is None and not self.route and not self.dapp and not self.sapp and "!" not in self.where

    def words(self, comment=True):
        """The canonical argv words after ``ufw`` that create this rule."""
        words = [self.action, self.direction]
        if self.interface:
            words += ["on", self.interface]
        if self.log:
            words.append(self.log)
        if self.proto != "any":
            words += ["proto", self.proto]
        src, dst = self.src, self.dst
        if self.family and src == "any" and dst == "any":
            # one IP family only: name it on the remote side
            network = ANY_NETWORKS[0] if self.family == 4 else ANY_NETWORKS[1]
            if self.direction == "in":
                src = network
            else:
                dst = network
        # the forms the ufw renderer writes: "in" rules name both ends (from REMOTE to any),
        # "out" rules the destination, and a source only when there is one
        if self.direction == "in" or src != "any" or self.sport != "any":
            words += ["from", src]
            if self.sport != "any":
                words += ["port", self.sport]
        words += ["to", dst]
        if self.dport != "any":
            words += ["port", self.dport]
        if comment and self.comment:
            words += ["comment", self.comment]
        return words

    def text(self):
        """One readable line, a ufw command a human could paste."""
        if not self.manageable:
            # not expressible as a rule command here: ufw's own record, with the comment decoded
            text = "%s %s" % (TUPLE_MARK, self.source)
            if self.comment:
                text += " comment=%s" % shlex.quote(self.comment)
            return text
        return "ufw " + " ".join(shlex.quote(word) for word in self.words())

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


# ------------------------------------------------------------------ parsing the wanted rules

def _address(value):
    """ufw's form of an address argument: ``any``, a plain address for a host, else network/prefix."""
    if value.lower() == "any":
        return "any"
    try:
        network = ipaddress.ip_network(value, strict=True)
    except ValueError as exc:
        if "has host bits set" in str(exc):
            raise UfwError("address %s has host bits set; use %s"
                           % (value, ipaddress.ip_network(value, strict=False)))
        raise UfwError("address %r is not an IP address or network" % value)
    if network.version == 6 and network.network_address.ipv4_mapped is not None:
        raise UfwError("address %s is an IPv4-mapped IPv6 address; use the IPv4 address" % value)
    if network.prefixlen == network.max_prefixlen:
        return str(network.network_address)
    return str(network)


def _port_sort_key(item):
    low, dummy, high = item.partition(":")
    return (int(low), 1 if high else 0, int(high or 0))


def _ports(value):
    """ufw's form of a port argument: numbers and ``low:high`` ranges, comma-separated, sorted as ufw sorts them."""
    items = value.split(",")
    seen = set()
    for item in items:
        bounds = item.split(":")
        if len(bounds) > 2 or not all(PORT_RE.match(bound) for bound in bounds):
            raise UfwError("port %r: expected port numbers and low:high ranges separated by commas "
                           "(no names, no leading zeros)" % value)
        numbers = [int(bound) for bound in bounds]
        if any(number > 65535 for number in numbers):
            raise UfwError("port %r: ports go from 1 to 65535" % value)
        if len(numbers) == 2 and numbers[0] >= numbers[1]:
            raise UfwError("port %r: range %s must go from low to high" % (value, item))
        if item in seen:
            raise UfwError("port %r: %s is listed twice" % (value, item))
        seen.add(item)
    if value.count(",") + value.count(":") > MULTIPORT_MAX_SEPARATORS:
        raise UfwError("port %r: ufw takes at most 15 ports in one rule, a range counting as two" % value)
    return ",".join(sorted(items, key=_port_sort_key))


def _comment(value):
    if not value:
        raise UfwError("the comment is empty")
    if "'" in value:
        raise UfwError("comment %r contains a single quote, which ufw rejects" % value)
    if any(ord(char) < 32 or ord(char) == 127 for char in value):
        raise UfwError("comment %r contains a control character" % value)
    return value


def parse_args(args):
    """Parse the argv words after ``ufw`` of one rule in ufw's extended syntax.

    Accepted: ``ACTION [in|out [on IFACE]] [log|log-all]`` followed by the
    clauses ``proto P``, ``from ADDR [port PORTS]``, ``to ADDR [port PORTS]``
    and ``comment TEXT`` (each at most once). Application profiles, route
    rules, ``insert``/``prepend``/``delete`` and ufw's short forms
    (``allow 22/tcp``) are not accepted: they are not what the renderer writes.
    """
    if not isinstance(args, (list, tuple)) or not args:
        raise UfwError("args must be a non-empty list of words")
    words = list(args)
    for word in words:
        if not isinstance(word, str) or not word:
            raise UfwError("every word must be a non-empty string, got %r" % (word,))
    action = words[0]
    if action not in ACTIONS:
        raise UfwError("the first word must be one of %s, not %r (route, insert, prepend, delete and "
                       "application rules are not supported)" % (", ".join(ACTIONS), action))
    index = 1
    direction, interface, log = "in", "", ""
    if index < len(words) and words[index] in ("in", "out"):
        direction = words[index]
        index += 1
        if index < len(words) and words[index] == "on":
            if index + 1 >= len(words):
                raise UfwError("'on' needs an interface name")
            interface = words[index + 1]
            if not INTERFACE_RE.match(interface):
                raise UfwError("interface name %r is not valid" % interface)
            index += 2
    if index < len(words) and words[index] in LOG_WORDS:
        log = words[index]
        index += 1
    clauses = {}
    location = None
    while index < len(words):
        word = words[index]
        if word not in ("proto", "from", "to", "port", "comment"):
            raise UfwError("unexpected word %r (expected proto, from, to, port or comment)" % word)
        if index + 1 >= len(words):
            raise UfwError("%r needs a value" % word)
        value = words[index + 1]
        index += 2
        if word == "port":
            if location is None:
                raise UfwError("'port' must follow 'from ADDRESS' or 'to ADDRESS'")
            word = "sport" if location == "from" else "dport"
        elif word in ("from", "to"):
            location = word
        if word in clauses:
            raise UfwError("%r is given twice" % word)
        clauses[word] = value
    proto = clauses.get("proto", "any")
    if proto not in PROTOCOLS:
        raise UfwError("protocol %r is not one of %s" % (proto, ", ".join(PROTOCOLS)))
    src = _address(clauses.get("from", "any"))
    dst = _address(clauses.get("to", "any"))
    families = set(6 if ":" in address else 4 for address in (src, dst) if address != "any")
    if len(families) > 1:
        raise UfwError("'from' and 'to' mix IPv4 and IPv6")
    if proto in IPV4_ONLY_PROTOCOLS and 6 in families:
        raise UfwError("protocol %s is IPv4 only" % proto)
    rule = UfwRule(
        action=action,
        where=direction + ("_" + interface if interface else ""),
        proto=proto,
        src=_tuple_address(src),
        sport=_ports(clauses["sport"]) if "sport" in clauses else "any",
        dst=_tuple_address(dst),
        dport=_ports(clauses["dport"]) if "dport" in clauses else "any",
        comment=_comment(clauses["comment"]) if "comment" in clauses else "",
        log=log,
        # "0.0.0.0/0" and "::/0" are stored as "any", but only for their own IP family
        family=families.pop() if families and rule_any(src, dst) else None,
    )
    ports = [port for port in (rule.sport, rule.dport) if port != "any"]
    if ports and proto not in PORT_PROTOCOLS:
        raise UfwError("protocol %s takes no ports" % proto)
    if proto == "any" and any("," in port or ":" in port for port in ports):
        raise UfwError("port lists and ranges need proto tcp or udp")
    return rule


def rule_any(src, dst):
    """Whether both addresses mean every address of a family (``any``, ``0.0.0.0/0`` or ``::/0``)."""
    return _tuple_address(src) == "any" and _tuple_address(dst) == "any"


# ------------------------------------------------------------------ reading the current state

def _decode_comment(text):
    try:
        return bytes.fromhex(text).decode("utf-8")
    except ValueError:
        return text


def _tuple_address(value):
    return "any" if value in ANY_NETWORKS else value


def parse_tuple(body):
    """The rule of one ``### tuple ###`` line (the text after the mark)."""
    fields = body.split()
    comment = ""
    if fields and fields[-1].startswith("comment="):
        comment = _decode_comment(fields.pop()[len("comment="):])
    source = " ".join(fields)
    if len(fields) not in (7, 9):
        # A format this module does not know: kept as it is, never managed.
        return UfwRule(action="", comment=comment, raw=body.strip(), source=source)
    action, proto, dport, dst, sport, src = fields[:6]
    dapp, sapp = (fields[6], fields[7]) if len(fields) == 9 else ("-", "-")
    route = action.startswith("route:")
    if route:
        action = action[len("route:"):]
    action, dummy, log = action.partition("_")
    return UfwRule(action=action, where=fields[-1], proto=proto, src=_tuple_address(src), sport=sport,
                   dst=_tuple_address(dst), dport=dport, comment=comment, log=log, route=route,
                   dapp="" if dapp == "-" else dapp, sapp="" if sapp == "-" else sapp, source=source)


def _read_text(path):
    with open(path, "rb") as handle:
        return handle.read().decode("utf-8", "replace")


def _read_assignments(path):
    values = {}
    for line in _read_text(path).splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        name, dummy, value = line.partition("=")
        values[name.strip()] = value.strip().strip("\"'")
    return values


class UfwState:
    """What ufw holds: the rules (each with the IP families it is written for), defaults, IPv6 and boot setting."""

    def __init__(self, rules, defaults, ipv6, boot_enabled, active=None):
        self.rules = rules          # [(UfwRule, frozenset of families)], in ufw's order
        self.defaults = defaults    # {"incoming": "deny", "outgoing": "allow", "routed": "deny"}
        self.ipv6 = ipv6
        self.boot_enabled = boot_enabled
        self.active = active

    @property
    def enabled(self):
        return bool(self.active) and self.boot_enabled


def read_state(paths=None):
    """Read the rules and settings ufw keeps on disk (``active`` is filled in from ``ufw status``)."""
    paths = paths or PATHS
    try:
        settings = _read_assignments(paths["defaults"])
        conf = _read_assignments(paths["conf"])
    except (IOError, OSError) as exc:
        raise UfwError("cannot read ufw's settings (is ufw installed?): %s" % exc)
    ipv6 = settings.get("IPV6", "yes").lower() == "yes"
    merged = {}
    for family, name in ((4, "rules4"), (6, "rules6")):
        path = paths[name]
        try:
            text = _read_text(path)
        except (IOError, OSError) as exc:
            raise UfwError("cannot read %s (is ufw installed?): %s" % (path, exc))
        for line in text.splitlines():
            if line.startswith(TUPLE_MARK):
                rule = parse_tuple(line[len(TUPLE_MARK):])
                if rule.ident in merged:
                    merged[rule.ident][1].add(family)
                else:
                    merged[rule.ident] = (rule, set([family]))
    rules = []
    for rule, families in merged.values():
        families = frozenset(families)
        if len(families) == 1 and rule.raw is None and families != rule.families(ipv6):
            # an "any" rule for one family only: written as 0.0.0.0/0 or ::/0
            rule.family = min(families)
        rules.append((rule, families))
    defaults = {}
    for direction, key in POLICY_KEYS.items():
        value = settings.get(key, "")
        defaults[direction] = POLICY_NAMES.get(value.upper(), value.lower() or "unknown")
    return UfwState(rules=rules, defaults=defaults, ipv6=ipv6,
                    boot_enabled=conf.get("ENABLED", "no").lower() == "yes")


def parse_status(output):
    """``True`` when ``ufw status`` says the firewall is active."""
    for line in output.splitlines():
        line = line.strip()
        if line.startswith("Status:"):
            return line.split(":", 1)[1].strip() == "active"
    raise UfwError("cannot tell from 'ufw status' whether ufw is active: %r" % output.strip())


# ------------------------------------------------------------------ ownership and input validation

class Scope:
    """Which rules one call owns: comment prefix, optionally narrowed to profiles."""

    def __init__(self, prefix, profiles=None):
        if not prefix:
            raise UfwError("comment_prefix must not be empty")
        if "'" in prefix or any(char.isspace() for char in prefix):
            raise UfwError("comment_prefix %r must not contain quotes or white space" % prefix)
        self.prefix = prefix
        self.profiles = None
        if profiles is not None:
            bad = [profile for profile in profiles
                   if not profile or ":" in profile or "'" in profile or any(char.isspace() for char in profile)]
            if bad:
                raise UfwError("profile names must be non-empty, without ':', quotes or white space: %s"
                               % ", ".join(repr(profile) for profile in bad))
            self.profiles = list(profiles)
        self.prefixes = [prefix + profile + ":" for profile in self.profiles] if self.profiles is not None else [prefix]

    def owns(self, comment):
        return any(comment.startswith(prefix) for prefix in self.prefixes)

    def describe(self):
        return " or ".join(repr(prefix) for prefix in self.prefixes) or "(no profiles: nothing)"


def validate_rules(rules, scope):
    """Parse and check every wanted rule; all problems are reported together.

    Returns ``(rules, merged)``: the UfwRules to hold, and one line for each
    wanted rule that is the same ufw rule as an earlier one except for its
    comment. Two requirements can need the same opening (say tcp/443 to any);
    ufw keeps one rule per match, so the first comment is kept and the later
    rule is reported as merged into it.
    """
    errors = []
    parsed = []
    merged = []
    first_by_key = {}
    for index, item in enumerate(rules):
        label = "rules[%d]" % index
        if isinstance(item, dict) and item.get("id"):
            label += " (id %s)" % item["id"]
        if not isinstance(item, dict):
            errors.append("%s: must be a dict with comment and args" % label)
            continue
        try:
            rule = parse_args(item.get("args"))
        except UfwError as exc:
            errors.append("%s: args %s: %s" % (label, _words_text(item.get("args")), exc))
            continue
        comment = item.get("comment")
        if not rule.comment:
            errors.append("%s: args have no comment; the module owns rules by their comment" % label)
            continue
        if comment is not None and comment != rule.comment:
            errors.append("%s: comment %r differs from the comment in args %r" % (label, comment, rule.comment))
            continue
        if not scope.owns(rule.comment):
            errors.append("%s: comment %r does not start with %s, so the module could not own the rule"
                          % (label, rule.comment, scope.describe()))
            continue
        if rule.key in first_by_key:
            other_index, other = first_by_key[rule.key]
            if other.ident == rule.ident:
                errors.append("%s: duplicates rules[%d] (same args and comment)" % (label, other_index))
            elif (other.action, other.log) == (rule.action, rule.log):
                merged.append("%s with comment %r is merged into rules[%d] '%s' (ufw keeps one rule per match)"
                              % (label, rule.comment, other_index, other.text()))
            else:
                errors.append("%s: matches the same traffic as rules[%d] (%s) with another action or log level; "
                              "ufw keeps only one rule per match" % (label, other_index, other.text()))
            continue
        first_by_key[rule.key] = (index, rule)
        parsed.append(rule)
    if errors:
        raise UfwError("invalid rules, nothing was changed:\n- " + "\n- ".join(errors))
    return parsed, merged


def _words_text(words):
    if isinstance(words, (list, tuple)):
        return "[%s]" % " ".join(str(word) for word in words)
    return repr(words)


# ------------------------------------------------------------------ the plan

class Plan:
    """What to change: rules to remove and add, default policies, enabled state; and the expected result."""

    def __init__(self, scope, before, removed, added, after, policy, enable, state, merged=None, deletions=None):
        self.scope = scope
        self.before = before    # [(UfwRule, families)] owned now
        self.removed = removed  # [(UfwRule, families)]
        self.added = added      # [UfwRule]
        self.after = after      # [(UfwRule, families)] owned afterwards
        self.policy = policy    # {direction: (before, after)} changes only
        self.enable = enable    # None, True (enable) or False (disable)
        self.state = state      # the UfwState it was computed from
        self.merged = merged or []  # wanted rules merged into an earlier one (same match)
        # the rules to run "ufw delete" for: a removed rule that an added rule of the same match replaces
        # is not deleted, because adding it changes ufw's rule in place (no gap, same position)
        self.deletions = removed if deletions is None else deletions

    @property
    def changed(self):
        return bool(self.removed or self.added or self.policy or self.enable is not None)

    def result(self):
        enabled = {}
        if self.enable is not None:
            enabled = {"before": self.state.enabled, "after": self.enable}
        return {
            "added": [rule.text() for rule in self.added],
            "removed": [_line(rule, families, self.state.ipv6) for rule, families in self.removed],
            "policy": dict((direction, {"before": before, "after": after})
                           for direction, (before, after) in self.policy.items()),
            "enabled": enabled,
            "merged": list(self.merged),
        }

    def rules_after(self):
        return [_line(rule, families, self.state.ipv6) for rule, families in self.after]

    def defaults_after(self):
        defaults = dict(self.state.defaults)
        defaults.update((direction, change[1]) for direction, change in self.policy.items())
        return defaults

    def enabled_after(self):
        return self.state.enabled if self.enable is None else self.enable

    def diff(self, default_policies, enabled):
        before = [_line(rule, families, self.state.ipv6) for rule, families in self.before]
        after = self.rules_after()
        for direction in MANAGED_POLICIES:
            if default_policies.get(direction):
                before.append("ufw default %s %s" % (self.state.defaults[direction], direction))
                after.append("ufw default %s %s" % (default_policies[direction], direction))
        if enabled is not None:
            before.append("ufw %s" % ("enable" if self.state.enabled else "disable"))
            after.append("ufw %s" % ("enable" if enabled else "disable"))
        return {
            "before_header": "ufw rules owned by %s (current)" % self.scope.describe(),
            "after_header": "ufw rules owned by %s (planned)" % self.scope.describe(),
            "before": "".join(line + "\n" for line in before),
            "after": "".join(line + "\n" for line in after),
        }


def owned_lines(state, scope):
    """The rules of ``state`` that ``scope`` owns, one readable line each."""
    return [_line(rule, families, state.ipv6) for rule, families in state.rules if scope.owns(rule.comment)]


def _line(rule, families, ipv6_enabled):
    text = rule.text()
    if rule.manageable and families != rule.families(ipv6_enabled):
        # a rule ufw holds for fewer IP families than it should (for example after IPV6 was switched on)
        names = ["user.rules" if family == 4 else "user6.rules" for family in sorted(families)]
        text += "  # only in %s" % " and ".join(names)
    return text


def compute_plan(state, scope, wanted, present=True, default_policies=None, enabled=None, merged=None):
    """Compare the wanted rules (already validated) with the state; raise UfwError for conflicts."""
    default_policies = default_policies or {}
    owned = [(rule, families) for rule, families in state.rules if scope.owns(rule.comment)]
    others = [(rule, families) for rule, families in state.rules if not scope.owns(rule.comment)]
    wanted_families = dict((rule.ident, rule.families(state.ipv6)) for rule in wanted)
    if present:
        kept = [(rule, families) for rule, families in owned
                if wanted_families.get(rule.ident) == families]
        kept_idents = set(rule.ident for rule, families in kept)
        removed = [(rule, families) for rule, families in owned if rule.ident not in kept_idents]
        added = [rule for rule in wanted if rule.ident not in kept_idents]
    else:
        targets = set(wanted_families) if wanted else None
        removed = [(rule, families) for rule, families in owned if targets is None or rule.ident in targets]
        kept = [(rule, families) for rule, families in owned if not (targets is None or rule.ident in targets)]
        added = []
    after = kept + [(rule, wanted_families[rule.ident]) for rule in added]

    problems = []
    for rule in added:
        if not state.ipv6 and 6 in rule.families(True) and rule.families(False) != frozenset([4]):
            problems.append("'%s' is an IPv6 rule, but IPV6=no in /etc/default/ufw" % rule.text())
    for rule, families in removed:
        if not rule.manageable:
            problems.append("the owned rule '%s' is a route, application or unknown rule, which this module "
                            "cannot delete; delete it by hand" % rule.text())
    for rule in added:
        for other, families in others:
            if other.key == rule.key and families & rule.families(state.ipv6):
                problems.append("'%s' would replace the rule '%s', which this call does not own (ufw keeps one "
                                "rule per match); delete that rule or change its comment to start with %s"
                                % (rule.text(), other.text(), scope.describe()))
    if problems:
        raise UfwError("cannot plan the ufw change, nothing was changed:\n- " + "\n- ".join(problems))

    policy = {}
    for direction in MANAGED_POLICIES:
        want = default_policies.get(direction)
        if want and want != state.defaults[direction]:
            policy[direction] = (state.defaults[direction], want)
    enable = None
    if enabled is True and not state.enabled:
        enable = True
    elif enabled is False and (state.active or state.boot_enabled):
        enable = False
    return Plan(scope, owned, removed, added, after, policy, enable, state, merged,
                _deletions(removed, added, state.ipv6))


def _deletions(removed, added, ipv6_enabled):
    """The delete commands a plan needs (see ``Plan.deletions``)."""
    added_by_key = dict((rule.key, rule) for rule in added)
    deletions = []
    for rule, families in removed:
        replacement = added_by_key.get(rule.key)
        if replacement is None:
            deletions.append((rule, families))
            continue
        # ufw replaces the rule in place for the replacement's IP families; delete it from the others
        # (only an "any" rule can be in other families than its replacement)
        for family in sorted(families - replacement.families(ipv6_enabled)):
            leftover = UfwRule(rule.action, rule.where, rule.proto, rule.src, rule.sport, rule.dst, rule.dport,
                               rule.comment, rule.log, family=family)
            deletions.append((leftover, frozenset([family])))
    return deletions


# ------------------------------------------------------------------ applying, verifying, rolling back

class UfwApplier:
    """Runs ufw on the host. The only class here with side effects."""

    ENVIRON = {"LANG": "C", "LC_ALL": "C", "LC_MESSAGES": "C", "LANGUAGE": "C"}

    def __init__(self, module, ufw_bin, paths=None):
        self.module = module
        self.ufw = ufw_bin
        self.paths = paths or PATHS
        self.commands = []  # every ufw command run, for the result

    def run(self, args):
        command = [self.ufw] + list(args)
        rc, out, err = self.module.run_command(command, check_rc=False, environ_update=self.ENVIRON)
        self.commands.append(" ".join(shlex.quote(word) for word in command))
        if rc != 0:
            raise UfwError("'%s' failed (rc=%s): %s" % (" ".join(command), rc, (err or out).strip()))
        return out

    def status(self):
        return parse_status(self.run(["status"]))

    def read(self):
        state = read_state(self.paths)
        state.active = self.status()
        return state

    def apply(self, plan, default_policies, enabled):
        """Apply the plan as one unit: on any failure restore the previous rule set, then raise."""
        backup = self._backup()
        was_active = plan.state.active
        try:
            for rule, families in plan.deletions:
                self.run(["delete"] + rule.words(comment=False))
            for rule in plan.added:
                self.run(rule.words())
            if plan.enable is True:
                self.run(["--force", "enable"])
            elif plan.enable is False:
                self.run(["disable"])
            for direction, change in sorted(plan.policy.items()):
                self.run(["default", change[1], direction])
            result = self.read()
            self._verify(plan, result, default_policies, enabled)
        except Exception as exc:  # pylint: disable=broad-except  # anything at all: restore first, then report
            rollback_errors = self._rollback(backup, was_active)
            if rollback_errors:
                raise UfwError("%s\nROLLBACK FAILED, ufw may be half-changed: %s"
                               % (exc, "; ".join(rollback_errors)))
            raise UfwError("%s\nThe previous ufw rules, policies and state were restored." % exc)
        return result

    def _verify(self, plan, result, default_policies, enabled):
        scope = plan.scope
        problems = []
        want = dict(((rule.ident, families), _line(rule, families, result.ipv6)) for rule, families in plan.after)
        have = dict(((rule.ident, families), _line(rule, families, result.ipv6)) for rule, families in result.rules
                    if scope.owns(rule.comment))
        missing = [line for key, line in want.items() if key not in have]
        unexpected = [line for key, line in have.items() if key not in want]
        if missing:
            problems.append("missing %s" % ", ".join("'%s'" % line for line in missing))
        if unexpected:
            problems.append("not planned %s" % ", ".join("'%s'" % line for line in unexpected))
        others_before = [(rule.ident, families) for rule, families in plan.state.rules if not scope.owns(rule.comment)]
        others_after = [(rule.ident, families) for rule, families in result.rules if not scope.owns(rule.comment)]
        if others_before != others_after:
            problems.append("rules this call does not own changed")
        for direction in MANAGED_POLICIES:
            want = default_policies.get(direction)
            if want and result.defaults[direction] != want:
                problems.append("default %s policy is %s, not %s" % (direction, result.defaults[direction], want))
        if enabled is not None and result.enabled != enabled:
            have = "enabled" if result.enabled else "not enabled"
            problems.append("ufw is %s, not %s" % (have, "enabled" if enabled else "disabled"))
        if problems:
            raise UfwError("ufw does not hold the planned result: " + "; ".join(problems))

    def _backup(self):
        backup = {}
        for name, path in self.paths.items():
            try:
                with open(path, "rb") as handle:
                    backup[path] = (handle.read(), os.stat(path).st_mode & 0o7777)
            except (IOError, OSError) as exc:
                raise UfwError("cannot back up %s before changing ufw, nothing was changed: %s" % (path, exc))
        return backup

    def _restore_files(self, backup):
        errors = []
        for path, (content, mode) in backup.items():
            try:
                with open(path, "rb") as handle:
                    if handle.read() == content:
                        continue
            except (IOError, OSError):
                pass
            try:
                directory = os.path.dirname(path)
                handle, temporary = tempfile.mkstemp(prefix=".netreq-", dir=directory)
                try:
                    with os.fdopen(handle, "wb") as stream:
                        stream.write(content)
                    os.chmod(temporary, mode)
                    os.rename(temporary, path)
                except BaseException:
                    os.unlink(temporary)
                    raise
            except (IOError, OSError) as exc:
                errors.append("cannot restore %s: %s" % (path, exc))
        return errors

    def _rollback(self, backup, was_active):
        errors = self._restore_files(backup)
        try:
            active = self.status()
            if was_active:
                self.run(["reload"] if active else ["--force", "enable"])
            elif active:
                self.run(["disable"])
        except UfwError as exc:
            errors.append(str(exc))
        # enable/disable rewrite ufw.conf: put the original back once more
        errors.extend(self._restore_files(backup))
        if errors:
            saved = self._save_backup(backup)
            if saved:
                errors.append("the original files are saved in %s" % saved)
        return errors

    def _save_backup(self, backup):
        try:
            directory = tempfile.mkdtemp(prefix="netreq-ufw-backup-")
            for path, (content, mode) in backup.items():
                with open(os.path.join(directory, os.path.basename(path)), "wb") as stream:
                    stream.write(content)
            return directory
        except (IOError, OSError):
            return None
