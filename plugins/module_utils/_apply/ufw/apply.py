# -*- coding: utf-8 -*-
# Copyright (c) netreq.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""PRIVATE: the ufw applier: ufw's own files written in one batch, taken up by one command.

This module is private to the netreq.firewall collection; its API may change
without notice. It runs on the managed host (standard library and
ansible.module_utils only) and does the work of ``netreq.firewall.ufw_ruleset``
on the skeleton of ``_apply/skeleton.py``.

Why files and not ufw commands: ``ufw allow`` costs one Python start, a
parse of every rule, a rewrite of both rules files and, when ufw runs, a
reload: about 0.2-0.7 s per rule, so 100 rules took 18 s (70 s with
community.general.ufw in a loop). ufw's files are ufw's complete record of
its rules (``### tuple ###`` lines, read back by ufw itself), so the applier
reads them, plans in Python and writes them once, exactly as ufw would have
written them (``_apply/ufw/rules.py``/``_apply/ufw/files.py``; proven byte for byte against
ufw's CLI on a real host by the ufw Molecule scenario), then lets the running
firewall take them up with one command (see ``_apply/ufw/blocks.activation``).

The lines are generated here rather than by importing ufw's Python package
on the host: that package is private API (``_write_rules``), needs the
interpreter ufw was installed for, probes iptables on import and cannot be
driven by the recorded-host unit tests. What makes the choice safe: whenever
ufw starts (``ufw --force enable``, ``ufw reload``) it rewrites both files
from their tuple lines, and ``verify`` then checks that every block this
module wrote came back byte for byte; a difference is rolled back.

A no-op reads four files and runs nothing. Whether ufw runs is ufw's own
test, ``ENABLED=yes`` in ufw.conf (``is_enabled`` in ufw's backend.py: the
one ``ufw reload`` and every rule change use); ``ufw status`` would cost a
process per run and says the same on any host where nothing stopped ufw
behind its back.

Rollback: the files are backed up in memory first; on any failure they are
written back and the running firewall is made to load them again.
"""

from __future__ import annotations

import os

from ansible_collections.netreq.firewall.plugins.module_utils._model.errors import ApplyError, InputError
from ansible_collections.netreq.firewall.plugins.module_utils._apply import faults
from ansible_collections.netreq.firewall.plugins.module_utils._apply.skeleton import (
    Applier,
    FileBackup,
    read_bytes,
    write_atomic,
)
from ansible_collections.netreq.firewall.plugins.module_utils._apply.expiry import expiry_of
from ansible_collections.netreq.firewall.plugins.module_utils._apply import fingerprint as _fingerprint
from ansible_collections.netreq.firewall.plugins.module_utils._model.ownership import UFW_COMMENT_PREFIX, UFW_PATHS
from ansible_collections.netreq.firewall.plugins.module_utils._apply.ufw.files import (
    LOG_LEVELS,
    LOGGING_MARK,
    END_LOGGING,
    POLICY_KEYS,
    POLICY_VALUES,
    FileFormError,
    RulesFile,
    logging_lines,
    policy_name,
    read_settings,
    set_default,
    switch_log_prefixes,
)
from ansible_collections.netreq.firewall.plugins.module_utils._apply.ufw.blocks import (
    FILE_NAMES,
    POLICY_CHAINS,
    PlanError,
    Scope,
    compute_plan,
    owned_entries,
)
from ansible_collections.netreq.firewall.plugins.module_utils._apply.ufw.args import parse_args
from ansible_collections.netreq.firewall.plugins.module_utils._apply.ufw.rules import RuleError

# Where ufw keeps its state; module level so the unit tests can point it at a fake root.
PATHS = UFW_PATHS  # the same dict, read at use: see _model/ownership.HOST_PATH_TABLES
RULES_PATHS = {4: "rules4", 6: "rules6"}
RESTORE = {4: "iptables-restore", 6: "ip6tables-restore"}


class Desired(object):
    def __init__(self, scope, rules, merged, present, policies, enabled):
        self.scope = scope
        self.rules = rules
        self.merged = merged
        self.present = present
        self.policies = policies
        self.enabled = enabled


class State(object):
    """ufw's files as read: {family: RulesFile}, the settings (ufw's reading) and whether IPv6 is on."""

    def __init__(self, files, settings, ipv6):
        self.files = files
        self.settings = settings
        self.ipv6 = ipv6


def validate_rules(rules, scope):
    """Parse every wanted rule; all problems are reported together.

    Returns ``(rules, merged)``: the rules to hold, and one line per wanted
    rule that is the same ufw rule as an earlier one but for its comment (two
    requirements needing the same opening): ufw keeps one rule per match, so
    the first comment is kept.
    """
    errors, parsed, merged, first = [], [], [], {}
    for index, item in enumerate(rules):
        label = "rules[%d]" % index + (" (id %s)" % item["id"] if isinstance(item, dict) and item.get("id") else "")
        try:
            rule = parse_args(item.get("args") if isinstance(item, dict) else None)
        except RuleError as exc:
            errors.append("%s.args: %s" % (label, exc))
            continue
        if not rule.comment:
            errors.append("%s.args: no comment; the module owns rules by their comment" % label)
        elif item.get("comment") is not None and item["comment"] != rule.comment:
            errors.append("%s.comment: %r differs from the comment in args %r" % (label, item["comment"], rule.comment))
        elif not scope.owns(rule.comment):
            errors.append("%s.args: comment %r does not start with %s, so the module could not own the rule"
                          % (label, rule.comment, scope.describe()))
        elif rule.key in first:
            other_index, other = first[rule.key]
            if other.ident == rule.ident:
                errors.append("%s: duplicates rules[%d] (same args and comment)" % (label, other_index))
            elif (other.action, other.log) == (rule.action, rule.log):
                merged.append("%s with comment %r is merged into rules[%d] '%s' (ufw keeps one rule per match)"
                              % (label, rule.comment, other_index, other.text()))
            else:
                errors.append("%s: matches the same traffic as rules[%d] (%s) with another action or log type; "
                              "ufw keeps only one rule per match" % (label, other_index, other.text()))
        else:
            first[rule.key] = (index, rule)
            parsed.append(rule)
    if errors:
        raise InputError("invalid rules, nothing was changed:\n- " + "\n- ".join(errors))
    return parsed, merged


def _scope(prefix, profiles):
    if not prefix or "'" in prefix or any(char.isspace() for char in prefix):
        raise InputError("comment_prefix %r must be non-empty, without quotes or white space" % (prefix,))
    bad = [profile for profile in profiles or []
           if not profile or ":" in profile or "'" in profile or any(char.isspace() for char in profile)]
    if bad:
        raise InputError("profiles: names must be non-empty, without ':', quotes or white space: %s"
                         % ", ".join(repr(profile) for profile in bad))
    return Scope(prefix, profiles)


def _read_text(name, required=True):
    content = read_bytes(PATHS[name])
    if content is None:
        if required:
            raise ApplyError("cannot read %s: it does not exist (is ufw installed?)" % PATHS[name])
        return None
    return content.decode("utf-8", "replace")


POLICIES = ["allow", "deny", "reject"]
# The options of netreq.firewall.ufw_ruleset (and of the ufw part of host_ruleset).
ARGUMENT_SPEC = dict(
    rules=dict(type="list", elements="dict", default=[], options=dict(
        id=dict(type="str"),
        comment=dict(type="str"),
        args=dict(type="list", elements="str", required=True),
        params=dict(type="dict"),
    )),
    state=dict(type="str", choices=["present", "absent"], default="present"),
    comment_prefix=dict(type="str", default=UFW_COMMENT_PREFIX),
    profiles=dict(type="list", elements="str"),
    default_incoming=dict(type="str", choices=POLICIES),
    default_outgoing=dict(type="str", choices=POLICIES),
    enabled=dict(type="bool"),
)


class UfwApplier(Applier):
    """The ufw applier; construct it as ``UfwApplier(module)`` or ``UfwApplier(module, params=dict)``."""

    backend = "ufw"
    # ufw loads its saved rules, temporary ones included, at every boot: _expiry handles them then
    expiry_at_boot = True

    @classmethod
    def fingerprint(cls, runner, params):
        """A digest of the files ufw's state is read from (nothing run)."""
        return _fingerprint.ufw()

    # -- validate, read, plan

    def validate(self, params):
        prefix = params.get("comment_prefix")
        scope = _scope(UFW_COMMENT_PREFIX if prefix is None else prefix, params.get("profiles"))
        rules, merged = validate_rules(params.get("rules") or [], scope)
        policies = dict((name, params.get("default_" + name)) for name in ("incoming", "outgoing"))
        self.desired = Desired(scope, rules, merged, params.get("state", "present") != "absent", policies,
                               params.get("enabled"))
        return self.desired

    def read(self):
        settings = read_settings(_read_text("defaults"), _read_text("conf"))
        ipv6 = settings.get("ipv6") == "yes" and os.path.exists(PATHS["proc_ipv6"])
        if not all(settings.get("default_%s_policy" % chain) in ("accept", "drop", "reject")
                   for chain in POLICY_CHAINS.values()):
            raise ApplyError("%s lacks a valid DEFAULT_INPUT_POLICY, DEFAULT_OUTPUT_POLICY or "
                             "DEFAULT_FORWARD_POLICY (ACCEPT, DROP or REJECT)" % PATHS["defaults"])
        files = {}
        for family in ([4, 6] if ipv6 else [4]):
            try:
                files[family] = RulesFile(_read_text(RULES_PATHS[family]))
            except FileFormError as exc:
                raise ApplyError("cannot read %s: %s" % (PATHS[RULES_PATHS[family]], exc))
        return State(files, settings, ipv6)

    def plan(self, desired, state):
        try:
            return compute_plan(state.files, state.settings, state.ipv6, desired.scope, desired.rules,
                                desired.present, desired.policies, desired.enabled)
        except PlanError as exc:
            raise ApplyError(str(exc))

    # -- backup, apply, verify, rollback

    def backup(self, desired, state, plan):
        names = ["rules4", "rules6", "defaults", "conf"]
        if plan.policy_changes:
            names += ["after4", "after6"]  # "ufw default" rewrites their log prefixes too
        self._done = []
        return FileBackup([PATHS[name] for name in names]).save()

    def apply(self, desired, state, plan):
        level = state.settings.get("loglevel")
        unwritten = [family for family in plan.blocks if not state.files[family].full]
        if plan.blocks and (unwritten or level not in LOG_LEVELS):
            # a file ufw never wrote (the package's template): have ufw write it in its own form first
            level = level if level in LOG_LEVELS else "low"
            self._ufw(["logging", level], "rewriting ufw's rules files (ufw logging %s)" % level)
            state = self.read()
            plan = self.plan(desired, state)
        chains = dict((chain, plan.policies[name]) for name, chain in POLICY_CHAINS.items())
        for family, blocks in sorted(plan.blocks.items()):
            text = state.files[family].render(blocks, logging_lines(family, level, chains, state.ipv6))
            write_atomic(PATHS[RULES_PATHS[family]], text)
            faults.fault("midway")  # test-only: one file written, the others not
        if plan.policy_changes:
            defaults = _read_text("defaults")
            for name in plan.policy_changes:
                defaults = set_default(defaults, POLICY_KEYS[name], POLICY_VALUES[plan.policies[name]])
            write_atomic(PATHS["defaults"], defaults)
            for name in ("after4", "after6"):
                before = _read_text(name, required=False)
                if before is not None:
                    after = before
                    for policy in plan.policy_changes:
                        after = switch_log_prefixes(after, plan.policies[policy])
                    if after != before:
                        write_atomic(PATHS[name], after)
        self._activate(plan.activation, sorted(plan.blocks))
        return plan

    def _ufw(self, args, what):
        self._done.append(args[0] if args[0] != "--force" else args[1])
        return self.runner.change([self.runner.binary("ufw")] + list(args), what)

    def _activate(self, how, families):
        if how == "enable":
            self._ufw(["--force", "enable"], "starting ufw")
        elif how == "disable":
            self._ufw(["disable"], "stopping ufw")
        elif how == "reload":
            self._ufw(["reload"], "reloading ufw")
        elif how == "restore":
            self._restored = families
            for family in families:
                self._done.append("restore")
                self.runner.change([self.runner.binary(RESTORE[family]), "-n", PATHS[RULES_PATHS[family]]],
                                   "loading %s into the running firewall" % FILE_NAMES[family])

    def verify(self, desired, live, plan):
        problems = []
        for family, rules_file in sorted(live.files.items()):
            expected = plan.blocks.get(family, plan.blocks_before[family])
            if [block.rule.ident for block in rules_file.blocks] != [block.rule.ident for block in expected]:
                problems.append("%s does not hold the planned rules" % FILE_NAMES[family])
            elif plan.activation in ("enable", "reload") and family in plan.blocks:
                # ufw has just rewritten the file from its tuple lines: our blocks must have come back as written
                for ours, theirs in zip(expected, rules_file.blocks):
                    if ours in plan.generated[family] and ours.text != theirs.text:
                        problems.append("ufw writes '%s' in %s as %r, this module wrote %r"
                                        % (ours.rule.text(), FILE_NAMES[family], theirs.text, ours.text))
                chains = dict((chain, plan.policies[name]) for name, chain in POLICY_CHAINS.items())
                wanted = logging_lines(family, live.settings.get("loglevel"), chains, live.ipv6)
                if _logging_part(rules_file.tail) != wanted:
                    problems.append("the logging part of %s is not the one this module wrote" % FILE_NAMES[family])
        for name in plan.policy_changes:
            have = policy_name(live.settings, POLICY_CHAINS[name])
            if have != plan.policies[name]:
                problems.append("the default %s policy is %s, not %s" % (name, have, plan.policies[name]))
        if (live.settings.get("enabled") == "yes") != plan.enabled_after:
            problems.append("ufw.conf says ENABLED=%s" % live.settings.get("enabled"))
        if problems:
            raise ApplyError("ufw does not hold the planned result: " + "; ".join(problems))

    def rollback(self, backup, state):
        restored = backup.restore()
        done = getattr(self, "_done", [])
        if "enable" in done:
            self._ufw(["disable"], "stopping ufw again")
        elif "disable" in done:
            self._ufw(["--force", "enable"], "starting ufw again")
        elif "reload" in done:
            self._ufw(["reload"], "reloading the previous ufw files")
        elif "restore" in done:
            self._activate("restore", self._restored)
        return restored

    def temporary_rules(self, desired):
        """``ufw delete <the rule's own args>`` removes one rule (the comment is part of its args)."""
        if not desired.present:
            return []
        entries = []
        for rule in desired.rules:
            expires = expiry_of(rule.comment)
            if expires:
                entries.append((rule.comment, expires, [self.runner.binary("ufw"), "delete"] + rule.words()))
        return entries

    def recover(self, backup):
        """Put back the files of an apply that never finished, then have ufw run exactly what they say.

        Which ufw command the killed run had reached is unknown, so the restored
        ufw.conf decides: ENABLED=yes reloads the restored rules, anything else
        stops ufw (``ufw disable`` on a stopped ufw changes nothing).
        """
        restored = backup.restore()
        self._done = []
        if read_settings(_read_text("defaults"), _read_text("conf")).get("enabled") == "yes":
            self._ufw(["reload"], "reloading the restored ufw files")
        else:
            self._ufw(["disable"], "stopping ufw as the restored ufw.conf says")
        return restored

    # -- results

    def _settings_lines(self, policies, enabled):
        lines = ["default %s: %s" % (name, policies[name])
                 for name in ("incoming", "outgoing") if self.desired.policies.get(name)]
        if self.desired.enabled is not None:
            lines.append("enabled: %s" % ("yes" if enabled else "no"))
        return lines

    def owned_entries(self, desired, state, plan):
        return (list(plan.owned_after) if plan is not None else []), owned_entries(state.files, desired.scope)

    def describe(self, state):
        policies = dict((name, policy_name(state.settings, chain)) for name, chain in POLICY_CHAINS.items())
        lines = owned_entries(state.files, self.desired.scope)
        lines += self._settings_lines(policies, state.settings.get("enabled") == "yes")
        return "".join(line + "\n" for line in lines)

    def describe_desired(self, desired, plan):
        lines = plan.owned_after + self._settings_lines(plan.policies, plan.enabled_after)
        return "".join(line + "\n" for line in lines)

    def report(self, desired, state, plan):
        return {"rules": list(plan.owned_after), "defaults": dict(plan.policies), "enabled": plan.enabled_after,
                "merged": list(desired.merged)}


def _logging_part(tail):
    start, end = tail.find(LOGGING_MARK), tail.find(END_LOGGING)
    if start < 0 or end < start:
        return None
    return tail[start + len(LOGGING_MARK):end].splitlines()
