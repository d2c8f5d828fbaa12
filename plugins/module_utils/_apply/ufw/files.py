# -*- coding: utf-8 -*-
# Copyright (c) netreq.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""PRIVATE: ufw's files, read and written the way ufw itself reads and writes them.

This module is private to the netreq.firewall collection; its API may change
without notice. It runs on managed hosts (standard library only); every
function is pure (text in, text out).

A rules file as ufw 0.36 writes it (backend_iptables.py ``_write_rules``)::

    *filter
    :ufw-user-input - [0:0]              chain declarations (the "head"; the
    ...                                  limit chains depend on the kernel)
    ### RULES ###
                                         one block per rule: an empty line,
    ### tuple ### allow tcp 22 ...       the tuple line, the iptables lines
    -A ufw-user-input -p tcp --dport 22 -j ACCEPT

    ### END RULES ###

    ### LOGGING ###                      from LOGLEVEL and the default policies
    -A ufw-after-logging-input -j LOG --log-prefix "[UFW BLOCK] " -m limit ...
    ### END LOGGING ###

    ### RATE LIMITING ###                from LOGLEVEL and the kernel
    ...
    COMMIT

``RulesFile`` keeps every byte it does not own: the head and the rate
limiting part are copied (they depend on what ufw found the kernel can do,
which only ufw probes), each rule block not being replaced is copied as it
is, and the logging part is written from the settings as ufw writes it,
because it changes with the default policies. A file ufw never wrote (the
package's template, without ``### END RULES ###``) is not in this form:
the applier first has ufw rewrite it (``ufw logging <level>``).
"""

from __future__ import annotations

import re

from ansible_collections.netreq.firewall.plugins.module_utils._model.errors import ApplyError
from ansible_collections.netreq.firewall.plugins.module_utils._apply.ufw.rules import (
    CHAIN_PREFIX,
    TUPLE_MARK,
    parse_tuple,
)

RULES_MARK = "### RULES ###\n"
END_RULES = "### END RULES ###\n"
LOGGING_MARK = "### LOGGING ###\n"
END_LOGGING = "### END LOGGING ###\n"
LOG_LEVELS = {"off": 0, "low": 100, "medium": 200, "high": 300, "full": 400}
POLICY_KEYS = {"incoming": "DEFAULT_INPUT_POLICY", "outgoing": "DEFAULT_OUTPUT_POLICY",
               "routed": "DEFAULT_FORWARD_POLICY"}
POLICY_VALUES = {"allow": '"ACCEPT"', "deny": '"DROP"', "reject": '"REJECT"'}
_ASSIGNMENT = re.compile(r'^\w+="?\w+"?')
_LIMIT_ARGS = ["-m", "limit", "--limit", "3/min", "--limit-burst", "10"]


class FileFormError(ApplyError, ValueError):
    """A rules file that is not in the form ufw writes."""


class Block(object):
    """One rule block of a rules file: its rule and its exact text (from the tuple line to the next block)."""

    __slots__ = ("rule", "text")

    def __init__(self, rule, text):
        self.rule = rule
        self.text = text


class RulesFile(object):
    """A rules file split into the parts ufw writes; ``render`` puts it back together byte for byte."""

    def __init__(self, text):
        self.text = text
        lines = text.splitlines(True)
        self.blocks = []
        try:
            start = lines.index(RULES_MARK) + 1
        except ValueError:
            raise FileFormError("no '### RULES ###' line")
        self.head = "".join(lines[:start])
        self.full = END_RULES in lines[start:]
        end = lines.index(END_RULES, start) if self.full else len(lines)
        self.tail = "".join(lines[end:])
        self.prelude = ""
        current = None
        for line in lines[start:end]:
            if line.startswith(TUPLE_MARK):
                current = Block(parse_tuple(line.rstrip("\n")), line)
                self.blocks.append(current)
            elif current is None:
                self.prelude += line
            else:
                current.text += line

    def rules(self):
        return [block.rule for block in self.blocks]

    def render(self, blocks, logging_lines=None):
        """The file with ``blocks`` as its rules and, when given, ``logging_lines`` as its logging part."""
        if not self.full:
            raise FileFormError("ufw has not written this file yet (it has no '### END RULES ###' line)")
        tail = self.tail
        if logging_lines is not None:
            tail = replace_logging(tail, logging_lines)
        return self.head + self.prelude + "".join(block.text for block in blocks) + tail


def new_block(rule, family):
    """A block for a rule this module adds: what ufw writes for it, ending with the empty line before the next."""
    return Block(rule, "".join(rule.block(family)) + "\n")


def replace_logging(tail, lines):
    start = tail.find(LOGGING_MARK)
    end = tail.find(END_LOGGING)
    if start < 0 or end < start:
        raise FileFormError("no '### LOGGING ###' part")
    start += len(LOGGING_MARK)
    return tail[:start] + "".join(line + "\n" for line in lines) + tail[end:]


# ------------------------------------------------------------------ settings

def read_settings(*texts):
    """ufw's settings from /etc/default/ufw and ufw.conf, read as ufw's _get_defaults reads them.

    Keys are lower case, values lower case without quotes; a later line wins.
    """
    settings = {}
    for text in texts:
        for line in text.splitlines():
            if _ASSIGNMENT.search(line):
                parts = line.strip().split("=")
                settings[parts[0].lower()] = parts[1].lower().strip("\"'")
    return settings


def policy_name(settings, chain):
    """ufw's name (allow, deny, reject) of the default policy of ``chain`` (input, output, forward)."""
    value = settings.get("default_%s_policy" % chain)
    return {"accept": "allow", "reject": "reject", "drop": "deny"}.get(value)


def set_default(text, option, value):
    """What ufw's set_default writes: every ``OPTION=`` line replaced, or the line appended."""
    lines = text.splitlines(True)
    found = False
    result = []
    for line in lines:
        if line.startswith(option + "="):
            result.append("%s=%s\n" % (option, value))
            found = True
        else:
            result.append(line)
    if not found:
        result.append("%s=%s\n" % (option, value))
    return "".join(result)


def switch_log_prefixes(text, policy):
    """What ``ufw default <policy> ...`` does to after.rules and after6.rules: swap the catch-all log prefix."""
    old, new = ("UFW BLOCK", "UFW ALLOW") if policy == "allow" else ("UFW ALLOW", "UFW BLOCK")
    return "".join(line.replace(old, new) for line in text.splitlines(True))


# ------------------------------------------------------------------ the logging part

def logging_lines(family, level, policies, ipv6_enabled):
    """The lines of the ``### LOGGING ###`` part ufw writes into the rules file of ``family``.

    ``policies`` maps ``input``, ``output`` and ``forward`` to allow, deny or
    reject; ``level`` is ufw.conf's LOGLEVEL. With IPv6 off ufw writes no
    IPv6 logging rules.
    """
    if level not in LOG_LEVELS:
        raise FileFormError("LOGLEVEL %r in ufw.conf is not one of %s" % (level, ", ".join(LOG_LEVELS)))
    if family == 6 and not ipv6_enabled:
        return []
    prefix = CHAIN_PREFIX[family]
    rank = LOG_LEVELS[level]
    targets = ("input", "output", "forward")
    commands = []
    if rank == 0:
        for target in targets:
            chain = "%s-user-logging-%s" % (prefix, target)
            commands.append(["-I", chain, "-j", "RETURN"])
        return [_logging_text(command) for command in commands]
    limit = _LIMIT_ARGS if rank < LOG_LEVELS["high"] else []
    for target in targets:
        chain = "%s-after-logging-%s" % (prefix, target)
        if policies[target] in ("deny", "reject"):
            commands.append(["-A", chain, "-j", "LOG", "--log-prefix", "[UFW BLOCK] "] + limit)
        elif rank >= LOG_LEVELS["medium"]:
            commands.append(["-A", chain, "-j", "LOG", "--log-prefix", "[UFW ALLOW] "] + limit)
    deny, allow = prefix + "-logging-deny", prefix + "-logging-allow"
    if rank < LOG_LEVELS["medium"]:
        commands.append(["-I", deny, "-m", "conntrack", "--ctstate", "INVALID", "-j", "RETURN"] + limit)
    else:
        commands.append(["-A", deny, "-m", "conntrack", "--ctstate", "INVALID", "-j", "LOG", "--log-prefix",
                         "[UFW AUDIT INVALID] "] + limit)
    commands.append(["-A", deny, "-j", "LOG", "--log-prefix", "[UFW BLOCK] "] + limit)
    commands.append(["-A", allow, "-j", "LOG", "--log-prefix", "[UFW ALLOW] "] + limit)
    if rank >= LOG_LEVELS["medium"]:
        audit = []
        if rank < LOG_LEVELS["high"]:
            audit = ["-m", "conntrack", "--ctstate", "NEW"] + _LIMIT_ARGS
        elif rank < LOG_LEVELS["full"]:
            audit = _LIMIT_ARGS
        for target in targets:
            chain = "%s-before-logging-%s" % (prefix, target)
            commands.append(["-I", chain, "-j", "LOG", "--log-prefix", "[UFW AUDIT] "] + audit)
    return [_logging_text(command) for command in commands]


def _logging_text(command):
    # ufw joins the words and quotes the log prefix by replacing its brackets
    return " ".join(command).replace("[", '"[').replace("] ", '] "')
