# -*- coding: utf-8 -*-
# Copyright (c) netreq.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""PRIVATE: nft text as data: split into commands, validated, put in one canonical form.

This module is private to the netreq.firewall collection; its API may change
without notice. It runs on managed hosts (standard library only) and has no
side effects; ``_apply/nftables/apply.py`` drives it.

* ``parse_table_spec``: ``"inet netreq"`` -> ``("inet", "netreq")``.
* ``validate_ruleset``: reads the ``nft -f`` text as nft would split it into
  commands (quotes, ``#`` comments, ``\\`` continuations, ``;`` and braces) and
  refuses every command that does not address the managed table, every
  command that is not about a table's objects (``flush ruleset``,
  ``include``, ``define``, ``list`` ...), and a text that does not define the
  table. It returns the transaction to load: the text itself when it starts
  with ``table F N`` + ``delete table F N`` (the renderer's form), otherwise
  those two lines followed by the text, so a load always replaces the whole
  table atomically and never merges into what is there.
* ``canonical_table``: turns nft text (a listing or an input file) into one
  canonical listing of the managed table: nft's layout (tabs, one statement a
  line, base chain header ``type ...; policy ...;``), whitespace and comma
  spacing normalized, ``counter packets N bytes M`` reduced to ``counter``,
  the ``elements`` of named sets left out (the resolve strategy fills them at
  apply time), several definitions of the same table/chain/set merged in
  order, objects grouped by kind (sets and other objects before chains).
* ``entries``: the statements of a canonical listing as plan entries
  ``<chain|set> <name>: <statement>``.
"""

from __future__ import annotations

import collections
import re

from ansible_collections.netreq.firewall.plugins.module_utils._model.errors import InputError


class RulesetError(InputError):
    """The ruleset is invalid or addresses something the module does not manage; nothing was run."""


FAMILIES = ("ip", "ip6", "inet", "arp", "bridge", "netdev")
# the renderer's table names, and nft identifiers in general, start with a letter
TABLE_NAME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,63}\Z")

# Commands allowed in the ruleset, all of which name the table they act on.
VERBS = ("add", "create", "insert", "replace", "delete", "destroy", "flush", "rename")
OBJECT_KINDS = ("table", "chain", "rule", "set", "map", "element", "flowtable", "counter",
                "quota", "limit", "ct", "secmark", "synproxy")
# Objects defined with a body ``<kind> <name> { ... }`` inside a table.
BLOCK_KINDS = ("chain", "set", "map", "flowtable", "counter", "quota", "limit", "ct", "secmark", "synproxy")
# nft lists a table's objects in this order (chains last); canonical_table does the same.
_KIND_ORDER = {"counter": 0, "quota": 0, "limit": 0, "ct": 0, "secmark": 0, "synproxy": 0,
               "set": 1, "map": 1, "flowtable": 2, "chain": 3}


# ---------------------------------------------------------------- table spec

def parse_table_spec(spec):
    """``"inet netreq"`` -> ``("inet", "netreq")``; raise RulesetError when malformed."""
    words = str(spec).split()
    if len(words) != 2 or words[0] not in FAMILIES or not TABLE_NAME_RE.match(words[1]):
        raise RulesetError("table must be '<family> <name>' with family one of %s and a name of letters, digits "
                           "and _ starting with a letter (at most 64), got %r" % (", ".join(FAMILIES), spec))
    return words[0], words[1]


# ---------------------------------------------------------------- reading nft text

class Command(object):
    """One nft command or block statement: its words and, for ``table/chain/set ... { }``, its body."""

    __slots__ = ("words", "body", "line")

    def __init__(self, words, body, line):
        self.words = words
        self.body = body
        self.line = line

    def text(self):
        return join_words(self.words) + (" { ... }" if self.body is not None else "")


def _tokens(text):
    """Yield (kind, value, line) with kind one of word, string, {, }, ;, nl, ','."""
    i = 0
    line = 1
    size = len(text)
    while i < size:
        char = text[i]
        if char == "\\" and text[i + 1:i + 2] == "\n":
            i += 2
            line += 1
        elif char == "\n":
            yield "nl", "\n", line
            line += 1
            i += 1
        elif char.isspace():
            i += 1
        elif char == "#":
            end = text.find("\n", i)
            i = size if end < 0 else end
        elif char == '"':
            end = text.find('"', i + 1)
            if end < 0:
                raise RulesetError("line %d: unterminated quoted string" % line)
            value = text[i:end + 1]
            yield "string", value, line
            line += value.count("\n")
            i = end + 1
        elif char in "{};,":
            yield char, char, line
            i += 1
        else:
            start = i
            while i < size and not text[i].isspace() and text[i] not in '{};,"#\\':
                i += 1
            if i == start:  # a lone backslash not followed by a newline
                i += 1
            yield "word", text[start:i], line


def _opens_block(words, level):
    """Whether ``{`` after ``words`` starts a body of statements (not an anonymous set)."""
    if level == "object" or not words:
        return False
    rest = words[1:] if words[0] in VERBS else words
    if not rest:
        return False
    if level == "top":
        return rest[0] == "table" or rest[0] in BLOCK_KINDS
    return rest[0] in BLOCK_KINDS  # inside a table


def _child_level(words, level):
    rest = words[1:] if words[0] in VERBS else words
    return "table" if level == "top" and rest[0] == "table" else "object"


def _parse(tokens, pos, level):
    """Parse commands until the closing brace of this level (not consumed) or the end."""
    commands = []
    words = []
    first_line = None
    depth = 0

    def flush():
        if words:
            commands.append(Command(list(words), None, first_line))
        del words[:]

    while pos < len(tokens):
        kind, value, line = tokens[pos]
        if depth == 0 and kind in ("nl", ";"):
            flush()
            pos += 1
            continue
        if kind == "{" and depth == 0 and _opens_block(words, level):
            body, pos = _parse(tokens, pos + 1, _child_level(words, level))
            if pos >= len(tokens):
                raise RulesetError("line %d: '{' is never closed" % line)
            commands.append(Command(list(words), body, first_line))
            del words[:]
            pos += 1  # the closing brace
            continue
        if kind == "}" and depth == 0:
            flush()
            if level == "top":
                raise RulesetError("line %d: '}' without a matching '{'" % line)
            return commands, pos
        if kind == "nl":
            pos += 1  # inside an anonymous set: a continuation
            continue
        if not words:
            first_line = line
        if kind == "{":
            depth += 1
        elif kind == "}":
            depth -= 1
        words.append(value)
        pos += 1
    if depth:
        raise RulesetError("line %d: '{' is never closed" % (first_line or 0))
    flush()
    return commands, pos


def parse_commands(text):
    """Split nft text into top-level ``Command`` objects, bodies parsed recursively."""
    commands, _pos = _parse(list(_tokens(text)), 0, "top")
    return commands


def join_words(words):
    """Words back to one line the way nft prints them: ``{ a, b }`` inside braces, ``a,b`` outside."""
    out = []
    depth = 0
    glue = False
    for word in words:
        if word == ",":
            out.append(",")
            glue = depth == 0
            continue
        if out and not glue:
            out.append(" ")
        glue = False
        out.append(word)
        if word == "{":
            depth += 1
        elif word == "}":
            depth -= 1
    return "".join(out)


def _address(words):
    """(verb, kind, family, table name) of a top-level command, or None when it names no table."""
    verb = "add"
    rest = list(words)
    if rest and rest[0] in VERBS:
        verb = rest.pop(0)
    if not rest or rest[0] not in OBJECT_KINDS:
        return None
    kind = rest.pop(0)
    if kind == "ct" and rest:
        rest.pop(0)  # ct helper|timeout|expectation
    family = "ip"  # nft's default when the family is left out
    if rest and rest[0] in FAMILIES:
        family = rest.pop(0)
    if not rest:
        return None
    return verb, kind, family, rest[0]


# ---------------------------------------------------------------- validation

def validate_ruleset(text, family, name):
    """Check that ``text`` only replaces table ``family name``; return the transaction text to load.

    Raises RulesetError naming the line of the first offending command.
    """
    if not isinstance(text, str) or not text.strip():
        raise RulesetError("ruleset is empty; state=present needs the text of the table (state=absent deletes it)")
    commands = parse_commands(text)
    defines = False
    prelude = True  # still in the leading 'table F N' / 'delete table F N' lines
    saw_delete = False
    for command in commands:
        address = _address(command.words)
        if address is None:
            raise RulesetError("line %d: '%s' is not allowed: the ruleset may only hold table, chain, rule, set, map, "
                               "element and object commands for table %s %s"
                               % (command.line, command.text(), family, name))
        verb, kind, cmd_family, cmd_table = address
        if (cmd_family, cmd_table) != (family, name):
            raise RulesetError("line %d: '%s' addresses table %s %s; this module manages only table %s %s and never "
                               "touches other tables" % (command.line, command.text(), cmd_family, cmd_table, family, name))
        if kind == "table" and verb in ("delete", "destroy"):
            if not prelude:
                raise RulesetError("line %d: '%s' deletes the table after defining it; use state=absent to remove it"
                                   % (command.line, command.text()))
            saw_delete = True
            continue
        if kind == "table" and verb in ("add", "create") and command.body is None and prelude and not saw_delete:
            continue  # the leading 'table F N' that makes the delete valid
        prelude = False
        if kind == "table" and verb in ("add", "create") or kind in ("chain", "rule", "set", "map", "element"):
            defines = True
    if not defines:
        raise RulesetError("ruleset does not define table %s %s (no 'table %s %s { ... }' block); "
                           "use state=absent to delete the table" % (family, name, family, name))
    head = "table %s %s\ndelete table %s %s\n" % (family, name, family, name)
    if _starts_with_replace(commands, family, name):
        transaction = text
    else:
        transaction = head + text
    if not transaction.endswith("\n"):
        transaction += "\n"
    return transaction


def _starts_with_replace(commands, family, name):
    if len(commands) < 2:
        return False
    first, second = commands[0], commands[1]
    return (first.body is None and _address(first.words) == ("add", "table", family, name)
            and _address(second.words) in (("delete", "table", family, name), ("destroy", "table", family, name)))


# ---------------------------------------------------------------- canonical form

def _strip_counter_values(words):
    out = []
    i = 0
    while i < len(words):
        out.append(words[i])
        if words[i] == "counter" and words[i + 1:i + 2] == ["packets"] and words[i + 3:i + 4] == ["bytes"]:
            i += 5
        else:
            i += 1
    return out


class _Table(object):
    def __init__(self):
        self.statements = []  # table-level: flags, comment
        self.objects = collections.OrderedDict()  # (kind, name) -> [statement words]

    def add_object(self, header, body):
        key = (header[0], " ".join(header[1:]))
        statements = self.objects.setdefault(key, [])
        for command in body:
            words = command.words
            if header[0] == "set" and words and words[0] == "elements":
                continue  # filled at apply time; not compared
            if header[0] in ("counter", "quota") and words and words[0] in ("packets", "used"):
                continue  # state of a named counter or quota
            statements.append(_strip_counter_values(words))


def canonical_table(text, family, name):
    """The canonical listing of table ``family name`` defined in ``text``, or "" when it defines none.

    ``text`` is nft input (the ruleset) or output (``nft list table``). Raises
    RulesetError for commands this text normalization cannot follow (anything
    but table blocks, the replace prelude and ``add element``).
    """
    table = None
    for command in parse_commands(text):
        address = _address(command.words)
        if address is None or address[2:] != (family, name):
            raise RulesetError("line %d: '%s' is not about table %s %s" % (command.line, command.text(), family, name))
        verb, kind = address[0], address[1]
        if kind == "table" and verb in ("delete", "destroy"):
            table = None
            continue
        if kind == "element" and verb == "add":
            continue
        if kind == "table" and verb in ("add", "create"):
            if table is None:
                table = _Table()
            for inner in command.body or []:
                if inner.body is None:
                    table.statements.append(_strip_counter_values(inner.words))
                else:
                    table.add_object(inner.words, inner.body)
            continue
        raise RulesetError("line %d: '%s' cannot be compared without a private network namespace; "
                           "write the ruleset as 'table %s %s { ... }' blocks" % (command.line, command.text(), family, name))
    if table is None:
        return ""
    return _emit(table, family, name)


def _emit(table, family, name):
    lines = ["table %s %s {" % (family, name)]
    lines.extend("\t" + join_words(words) for words in table.statements)
    keys = sorted(table.objects, key=lambda key: _KIND_ORDER.get(key[0], 0))  # stable: input order within a kind
    for index, key in enumerate(keys):
        if index:
            lines.append("")
        lines.append("\t%s %s {" % key)
        lines.extend("\t\t" + line for line in _emit_body(key[0], table.objects[key]))
        lines.append("\t}")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _emit_body(kind, statements):
    out = []
    i = 0
    while i < len(statements):
        text = join_words(statements[i])
        if kind == "chain" and statements[i][0] in ("type", "policy"):
            if statements[i][0] == "type" and i + 1 < len(statements) and statements[i + 1][0] == "policy":
                text = "%s; %s" % (text, join_words(statements[i + 1]))
                i += 1
            text += ";"
        out.append(text)
        i += 1
    return out


def entries(canonical):
    """Statements of a canonical listing as ``<kind> <name>: <statement>`` in listing order."""
    entries = []
    if not canonical:
        return entries
    parent = "table"
    for line in canonical.splitlines()[1:-1]:
        stripped = line.strip()
        if not stripped:
            continue
        if line.startswith("\t\t"):
            entries.append("%s: %s" % (parent, stripped))
        elif stripped.endswith("{"):
            parent = stripped[:-1].rstrip()
        elif stripped == "}":
            parent = "table"
        else:
            entries.append("table: %s" % stripped)
    return entries


def rule_lines(canonical):
    """The rule statements of the chains of a canonical listing."""
    return [entry.split(": ", 1)[1] for entry in entries(canonical)
            if entry.startswith("chain ") and not re.match(r"^chain [^:]+: (type|policy|comment|devices) ", entry)]


_COMMENT_RE = re.compile(r'comment "([^"]*)"')


def check_rules_match(rules, canonical):
    """Every statement of the renderer's ``rules`` must be in the desired table (matched by comment)."""
    have = collections.Counter()
    for line in rule_lines(canonical):
        match = _COMMENT_RE.search(line)
        if match:
            have[match.group(1)] += 1
    for entry in rules:
        for statement in entry.get("statements") or []:
            match = _COMMENT_RE.search(statement)
            if not match:
                raise RulesetError("rules: statement of rule %s has no comment to match it against the ruleset: %s"
                                   % (entry.get("id"), statement))
            key = match.group(1)
            if not have[key]:
                raise RulesetError("rules: rule %s (%s) is not in the ruleset; pass rules and ruleset of the same render"
                                   % (entry.get("id"), statement))
            have[key] -= 1
