# -*- coding: utf-8 -*-
# Copyright (c) netreq.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""PRIVATE: the ufw plan: which rule blocks each rules file holds afterwards, and how ufw takes them up.

This module is private to the netreq.firewall collection; its API may change
without notice. Pure Python over the parsed files (no host access), so the
unit tests drive it from recorded files.

Each IP family is planned on its own file, as ufw keeps them: user.rules
(IPv4) and, when IPv6 is on, user6.rules. Within a file ufw keeps one rule
per match (``UfwRule.key``) and replaces the action, log type and comment of
a rule in place when a new rule has the same match; the plan does the same:

* a block whose comment is not owned is copied as it is, at its place;
* an owned block that is wanted as it is stays, byte for byte;
* an owned block whose match is wanted with another action, log type or
  comment is replaced at its place (never missing for a moment);
* any other owned block goes (purge);
* wanted rules not placed yet are appended, in the input's order, as
  ``ufw allow`` appends them.

A wanted rule with the match of a rule this call does not own fails the
plan: writing it would overwrite that rule.
"""

from __future__ import annotations

from ansible_collections.netreq.firewall.plugins.module_utils._model.errors import ApplyError
from ansible_collections.netreq.firewall.plugins.module_utils._apply.skeleton import Plan
from ansible_collections.netreq.firewall.plugins.module_utils._apply.ufw.files import new_block, policy_name

FILE_NAMES = {4: "user.rules", 6: "user6.rules"}
POLICY_CHAINS = {"incoming": "input", "outgoing": "output", "routed": "forward"}
MANAGED_POLICIES = ("incoming", "outgoing")


class PlanError(ApplyError, ValueError):
    """The wanted state cannot be applied without touching what this call does not own."""


class Scope(object):
    """Which rules one call owns: the comment prefix, optionally narrowed to profiles."""

    def __init__(self, prefix, profiles=None):
        self.prefix = prefix
        self.profiles = None if profiles is None else list(profiles)
        if self.profiles is None:
            self.prefixes = [prefix]
        else:
            self.prefixes = [prefix + profile + ":" for profile in self.profiles]

    def owns(self, comment):
        return any(comment.startswith(prefix) for prefix in self.prefixes)

    def describe(self):
        return " or ".join(repr(prefix) for prefix in self.prefixes) or "(no profiles: nothing)"


class UfwPlan(Plan):
    """The shared ``Plan`` plus what the applier writes and runs.

    ``blocks`` maps an IP family to the blocks its file holds afterwards, for
    the files whose rules change; ``policies`` the default policies
    afterwards (``{incoming, outgoing, routed}``); ``activation`` how ufw
    takes the change up (see ``activation``); ``owned_after`` the owned rules
    afterwards, one readable line each; ``blocks_before`` every family's
    blocks as they were, which the files that do not change must still hold.
    """

    def __init__(self, **kwargs):
        self.blocks = kwargs.pop("blocks")
        self.blocks_before = kwargs.pop("blocks_before")
        self.policies = kwargs.pop("policies")
        self.policy_changes = kwargs.pop("policy_changes")
        self.enabled_after = kwargs.pop("enabled_after")
        self.activation = kwargs.pop("activation")
        self.owned_after = kwargs.pop("owned_after")
        self.generated = kwargs.pop("generated")
        super().__init__(**kwargs)


def owned_entries(files, scope):
    """The owned rules of ``files`` ({family: RulesFile}), one readable line each (see ``merge_families``)."""
    return merge_families(dict((family, [block.rule.text() for block in rules_file.blocks
                                         if scope.owns(block.rule.comment)])
                               for family, rules_file in files.items()))


def merge_families(texts):
    """One ``<file(s)>: <rule>`` line per rule: a rule in both files is listed once, for both."""
    pending6 = list(texts.get(6, []))
    lines = []
    for text in texts.get(4, []):
        if text in pending6:
            pending6.remove(text)
            lines.append("%s+%s: %s" % (FILE_NAMES[4], FILE_NAMES[6], text))
        else:
            lines.append("%s: %s" % (FILE_NAMES[4], text))
    lines += ["%s: %s" % (FILE_NAMES[6], text) for text in pending6]
    return lines


def _plan_file(rules_file, family, scope, wanted, present, targets):
    """(blocks afterwards, added texts, removed texts, kept texts, generated blocks) of one file."""
    by_key = dict((rule.key, rule) for rule in wanted)
    placed = set()
    blocks, added, removed, kept, generated = [], [], [], [], []
    for block in rules_file.blocks:
        rule = block.rule
        if not scope.owns(rule.comment):
            blocks.append(block)
            continue
        if not present:
            if targets is None or rule.ident in targets:
                removed.append(rule.text())
            else:
                blocks.append(block)
                kept.append(rule.text())
            continue
        want = by_key.get(rule.key)
        if want is None or rule.key in placed:
            removed.append(rule.text())
            continue
        placed.add(rule.key)
        if want.ident == rule.ident:
            blocks.append(block)
            kept.append(rule.text())
        else:
            replacement = new_block(want, family)
            blocks.append(replacement)
            generated.append(replacement)
            removed.append(rule.text())
            added.append(want.text())
    for rule in wanted if present else ():
        if rule.key not in placed:
            block = new_block(rule, family)
            blocks.append(block)
            generated.append(block)
            added.append(rule.text())
    return blocks, added, removed, kept, generated


def _problems(files, family, scope, wanted, ipv6_enabled):
    problems = []
    others = dict((block.rule.key, block.rule) for block in files[family].blocks if not scope.owns(block.rule.comment))
    for rule in wanted:
        other = others.get(rule.key)
        if other is not None:
            problems.append("'%s' would replace the rule '%s' in %s, which this call does not own (ufw keeps one "
                            "rule per match); delete that rule or change its comment to start with %s"
                            % (rule.text(), other.text(), FILE_NAMES[family], scope.describe()))
        chain = ":%s-user-limit " % ("ufw" if family == 4 else "ufw6")
        if rule.action == "limit" and files[family].full and chain not in files[family].head:
            problems.append("'%s': ufw found no 'recent' match for IPv%d on this host (%s has no limit chain), "
                            "so it cannot rate-limit" % (rule.text(), family, FILE_NAMES[family]))
    return problems


def compute_plan(files, settings, ipv6_enabled, scope, wanted, present=True, policies=None, enabled=None):
    """The plan for ``files`` ({4: RulesFile, 6: RulesFile}) and ``settings`` (ufw's, see read_settings).

    ``wanted`` are validated UfwRules; with ``present`` false they are the
    owned rules to remove (all owned rules when empty). Raises PlanError
    listing every problem.
    """
    policies = policies or {}
    families = [4, 6] if ipv6_enabled else [4]
    problems = []
    if present:
        for rule in wanted:
            if not ipv6_enabled and rule.families(True) == frozenset([6]):
                problems.append("'%s' is an IPv6 rule, but IPv6 is off (IPV6=no in /etc/default/ufw)" % rule.text())
    targets = None if present or not wanted else set(rule.ident for rule in wanted)
    blocks, added, removed, kept, generated = {}, {}, {}, {}, {}
    for family in families:
        mine = [rule for rule in wanted if family in rule.families(ipv6_enabled)]
        if present:
            problems += _problems(files, family, scope, mine, ipv6_enabled)
        result = _plan_file(files[family], family, scope, mine, present, targets)
        blocks[family], added[family], removed[family], kept[family], generated[family] = result
    if problems:
        raise PlanError("cannot plan the ufw change, nothing was changed:\n- " + "\n- ".join(problems))

    before = dict((name, policy_name(settings, chain)) for name, chain in POLICY_CHAINS.items())
    after = dict(before)
    changes = []
    settings_changed = []
    for name in MANAGED_POLICIES:
        want = policies.get(name)
        if want and want != before[name]:
            after[name] = want
            changes.append(name)
            settings_changed.append({"name": "default_" + name, "before": before[name], "after": want})
    enabled_now = settings.get("enabled") == "yes"
    enabled_after = enabled_now if enabled is None else enabled
    if enabled_after != enabled_now:
        settings_changed.append({"name": "enabled", "before": enabled_now, "after": enabled_after})
    changed_families = [family for family in families if added[family] or removed[family]]
    owned_before = any(scope.owns(block.rule.comment) for family in families for block in files[family].blocks)
    owned_after = {}
    for family in families:
        owned_after[family] = [block.rule.text() for block in blocks[family] if scope.owns(block.rule.comment)]
    return UfwPlan(
        added=merge_families(added), removed=merge_families(removed), unchanged=len(merge_families(kept)),
        settings=settings_changed, existed=owned_before, remains=any(owned_after.values()),
        blocks=dict((family, blocks[family]) for family in changed_families),
        blocks_before=dict((family, files[family].blocks) for family in families),
        policies=after, policy_changes=changes, enabled_after=enabled_after,
        activation=activation(enabled_now, enabled_after, bool(changes), changed_families),
        owned_after=merge_families(owned_after),
        generated=dict((family, generated[family]) for family in changed_families),
    )


def activation(enabled_now, enabled_after, policies_changed, changed_families):
    """How the running firewall takes up the written files, as ufw itself would.

    * ``enable`` (``ufw --force enable``) when ufw must start: it loads the files;
    * ``disable`` (``ufw disable``) when it must stop;
    * ``reload`` (``ufw reload``) when it runs and a default policy changed:
      ufw applies policies only when it starts, so this is what ``ufw default``
      runs too;
    * ``restore`` when it runs and only rules changed: the changed rules files
      are loaded with ``iptables-restore -n``/``ip6tables-restore -n``, as ufw
      reloads its user rules after a rule change (``_reload_user_rules``). One
      transaction per file, no moment without rules, ~20 ms instead of
      ``ufw reload``'s stop and start (~2.5 s on the test host);
    * ``None`` when ufw is not enabled: the files are read when it starts.

    "Runs" is ufw's own test: ENABLED=yes in ufw.conf (``is_enabled`` in
    ufw's backend.py decides that way whether ``ufw reload`` and rule
    changes touch the running firewall).
    """
    if enabled_after and not enabled_now:
        return "enable"
    if enabled_now and not enabled_after:
        return "disable"
    if enabled_now and policies_changed:
        return "reload"
    if enabled_now and changed_families:
        return "restore"
    return None
