# -*- coding: utf-8 -*-
# Copyright (c) netreq.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""PRIVATE: the firewalld applier: the collection's policies and ipsets, one write and one reload.

This module is private to the netreq.firewall collection; its API may change
without notice. It backs ``netreq.firewall.firewalld_ruleset`` and runs on the
skeleton of ``_apply/skeleton.py`` (validate -> read -> plan -> backup/apply/read/verify
or rollback).

Why files and one reload: changing firewalld item by item through
``firewall-cmd`` costs a process (0.3-0.5 s) and a D-Bus round trip per item,
and each permanent change rewrites the whole policy file. Writing the owned
XML files once and reloading once makes a hundred rules cost what one does,
and a failed step is undone by putting the files back (``FileBackup``) and
reloading again. A no-op reads the XML files and the runtime over D-Bus and
starts no process at all.

Ownership: policies and ipsets whose names start with ``<policy_prefix>-``.
Zones, services, other policies and other ipsets are never read for
comparison, written or removed. The reload re-reads firewalld's whole
permanent configuration, so runtime-only changes anywhere are lost when (and
only when) something changed.
"""

from __future__ import annotations

import os

from ansible_collections.netreq.firewall.plugins.module_utils._model.errors import ApplyError, InputError
from ansible_collections.netreq.firewall.plugins.module_utils._apply.firewalld import config
from ansible_collections.netreq.firewall.plugins.module_utils._apply import faults
from ansible_collections.netreq.firewall.plugins.module_utils._apply.expiry import expiry_of
from ansible_collections.netreq.firewall.plugins.module_utils._apply.firewalld import rich
from ansible_collections.netreq.firewall.plugins.module_utils._apply.firewalld import runtime
from ansible_collections.netreq.firewall.plugins.module_utils._model.ownership import FIREWALLD_PATHS, FIREWALLD_POLICY_PREFIX, OWNER
from ansible_collections.netreq.firewall.plugins.module_utils._apply.skeleton import (
    Applier,
    FileBackup,
    Plan,
    diff_entries,
    write_atomic,
)
from ansible_collections.netreq.firewall.plugins.module_utils._apply import fingerprint as _fingerprint

# The options of netreq.firewall.firewalld_ruleset (and of the firewalld part of host_ruleset).
ARGUMENT_SPEC = dict(
    policies=dict(type="list", elements="dict", default=[], options=dict(
        name=dict(type="str", required=True),
        description=dict(type="str"),
        ingress_zones=dict(type="list", elements="str", required=True),
        egress_zones=dict(type="list", elements="str", required=True),
        target=dict(type="str", default="CONTINUE", choices=["CONTINUE", "ACCEPT", "DROP", "REJECT"]),
        rich_rules=dict(type="list", elements="dict", default=[], options=dict(
            rule=dict(type="str", required=True),
            id=dict(type="str"),
            tag=dict(type="str"),
        )),
    )),
    ipsets=dict(type="list", elements="dict", default=[], options=dict(
        name=dict(type="str", required=True),
        type=dict(type="str", default="hash:ip"),
        family=dict(type="str", default="inet", choices=["inet", "inet6"]),
        id=dict(type="str"),
        hosts=dict(type="list", elements="str", default=[]),
    )),
    policy_prefix=dict(type="str", default=FIREWALLD_POLICY_PREFIX),
    state=dict(type="str", default="present", choices=["present", "absent"]),
)

# removes one rich rule from a policy's permanent configuration and reloads (the expiry timer runs it)
EXPIRE_SCRIPT = '"$1" --permanent --policy="$2" --remove-rich-rule="$3" && "$1" --reload'


def _compared(policy):
    """The parts of a policy the collection manages, comparable across sources."""
    return (policy["target"], sorted(policy["ingress_zones"]), sorted(policy["egress_zones"]),
            policy.get("description") or "", sorted(set(policy["rich_rules"])), sorted(policy["extras"]))


def _setting(value):
    return sorted(value) if isinstance(value, list) else value


def _kind(ipset):
    return "%s family=%s" % (ipset["type"], ipset["family"])


class FirewalldPlan(Plan):
    """The shared ``Plan`` plus what the applier writes: ``writes`` ``(kind, name, item)``, the policies as
    written (``targets``), and the owned files to remove (``deletes``)."""

    def __init__(self, *args, **kwargs):
        self.writes = kwargs.pop("writes")
        self.targets = kwargs.pop("targets")
        self.deletes = kwargs.pop("deletes")
        super().__init__(*args, **kwargs)


class FirewalldApplier(Applier):
    """Owned firewalld policies and ipsets as XML files under /etc/firewalld plus one reload."""

    backend = "firewalld"
    # firewalld loads its saved rules, temporary ones included, at every boot: _expiry handles them then
    expiry_at_boot = True

    def __init__(self, module, params=None, runner=None):
        super().__init__(module, params, runner)
        self._source = None
        self.prefix = None  # set by validate
        self.reloaded = False
        self.files = {"written": [], "removed": []}
        self.unchecked = False  # whether prepare found no firewalld parser to check the rich rules with

    @classmethod
    def fingerprint(cls, runner, params):
        """Owned XML files, zone file names, and firewalld's nftables table (see ``_apply/fingerprint.py``)."""
        return _fingerprint.firewalld(runner, params.get("policy_prefix") or FIREWALLD_POLICY_PREFIX)

    def path(self, *parts):
        return os.path.join(FIREWALLD_PATHS["config"], *parts)

    @property
    def source(self):
        if self._source is None:
            self._source = runtime.connect(self.runner, self.warnings)
        return self._source

    # -- the steps

    def validate(self, params):
        desired = config.desired_state(params)
        self.prefix = desired["prefix"]
        zones = set()
        for policy in desired["policies"].values():
            zones.update(zone for zone in policy["ingress_zones"] + policy["egress_zones"] if zone not in config.SPECIAL_ZONES)
        missing = sorted(zone for zone in zones if not any(
            os.path.exists(os.path.join(directory, "zones", zone + ".xml"))
            for directory in (FIREWALLD_PATHS["config"], FIREWALLD_PATHS["system"])))
        if missing:
            raise InputError("policies: zone(s) %s do not exist in firewalld's configuration" % ", ".join(missing))
        return desired

    def prepare(self, desired):
        """firewalld's own parser reads every rich rule before anything is read or written."""
        self._check_rules(desired, [(name, text) for name, policy in sorted(desired["policies"].items())
                                    for text in policy["rich_rules"]])
        return desired

    def read(self):
        return {"permanent": config.read_permanent(self.path(), self.prefix),
                "runtime": runtime.read_runtime(self.source, self.prefix)}

    def plan(self, desired, state):
        perm, live = state["permanent"], state["runtime"]
        added, removed, settings, unchanged, new_rules = [], [], [], 0, 0
        writes, drift, targets = [], [], {}
        for name, want in sorted(desired["policies"].items()):
            have = perm["policies"].get(name)
            target = targets[name] = self._target_policy(want, have)
            if have is None or "broken" in have:
                added.append("policy %s: ingress %s, egress %s, target %s" % (
                    name, " ".join(want["ingress_zones"]), " ".join(want["egress_zones"]), want["target"]))
                if have is not None:
                    removed.append("policy %s: unreadable file (%s)" % (name, have["broken"]))
                have = {"rich_rules": [], "extras": []}
            else:
                settings.extend({"name": "%s %s" % (name, key), "before": have[key], "after": target[key]}
                                for key in ("description", "target", "ingress_zones", "egress_zones")
                                if _setting(have[key]) != _setting(target[key]))
            rules_added, rules_removed = diff_entries(sorted(set(have["rich_rules"])), sorted(set(want["rich_rules"])))
            added.extend("%s: %s" % (name, text) for text in sorted(rules_added, key=want["rich_rules"].index))
            removed.extend("%s: %s" % (name, text) for text in rules_removed + have["extras"])
            unchanged += len(set(want["rich_rules"])) - len(rules_added)
            new_rules += len(rules_added)
            if perm["policies"].get(name) is None or "broken" in perm["policies"][name] or \
                    _compared(perm["policies"][name]) != _compared(target):
                writes.append(("policies", name, target))
            elif name not in live["policies"] or _compared(live["policies"][name]) != _compared(target):
                drift.append("policy " + name)
        for name, have in sorted(perm["policies"].items()):
            if name not in desired["policies"]:
                removed.append("policy %s" % name)
                removed.extend("%s: %s" % (name, text) for text in have.get("rich_rules", []))
        for name, want in sorted(desired["ipsets"].items()):
            have = perm["ipsets"].get(name)
            if have is not None and "broken" not in have and _kind(have) == _kind(want):
                unchanged += 1
                if name not in live["ipsets"] or _kind(live["ipsets"][name]) != _kind(want):
                    drift.append("ipset " + name)
                continue
            if have is not None:
                removed.append("ipset %s: %s" % (name, have.get("broken") or _kind(have)))
            added.append("ipset %s: %s" % (name, _kind(want)))
            writes.append(("ipsets", name, want))
        removed.extend("ipset %s: %s" % (name, have.get("broken") or _kind(have))
                       for name, have in sorted(perm["ipsets"].items()) if name not in desired["ipsets"])
        for kind in ("policies", "ipsets"):
            drift.extend("%s %s" % (kind[:-1] if kind == "ipsets" else "policy", name)
                         for name in sorted(live[kind]) if name not in perm[kind] and name not in desired[kind])
        if drift and not writes:
            settings.append({"name": "runtime", "before": "differs from the permanent configuration: %s" % ", ".join(drift),
                             "after": "reloaded from the permanent configuration"})
        if self.unchecked and new_rules:
            self.warnings.append("firewalld's Python package (python3-firewall) cannot be imported: new rich rules "
                                 "were checked by the module's parser only; firewalld checks them at the reload")
        return FirewalldPlan(
            added, removed, unchanged, settings,
            existed=bool(perm["policies"] or perm["ipsets"] or live["policies"] or live["ipsets"]),
            remains=bool(desired["policies"] or desired["ipsets"]),
            writes=writes, targets=targets,
            deletes=[path for (kind, name), path in sorted(perm["files"].items()) if name not in desired[kind]])

    def _target_policy(self, want, have):
        """The policy as it will be written: the input, keeping an unmanaged description, short and priority."""
        target = dict(want)
        keep = have if have is not None and "broken" not in have else {}
        if target["description"] is None:
            target["description"] = keep.get("description", "")
        target["short"] = keep.get("short", "")
        target["priority"] = keep.get("priority", config.DEFAULT_PRIORITY)
        return target

    def _check_rules(self, desired, rules):
        """Run ``rules`` (policy, text) through firewalld's own parser; refuse any it reads differently."""
        if not rules:
            return
        check = runtime.firewalld_rule_check()
        if check is None:
            self.unchecked = True  # said by ``plan`` when there are new rules, so a no-op stays silent
            return
        errors = []
        for name, text in rules:
            ids = ", ".join(desired["origins"][name].get(text) or ["none"])
            try:
                theirs = rich.parse(check(text)).text()
            except rich.RichRuleError as exc:
                errors.append("policy %s, rule id %s: %r: %s" % (name, ids, text, exc))
                continue
            if theirs != text:
                errors.append("policy %s, rule id %s: firewalld reads %r as %r" % (name, ids, text, theirs))
        if errors:
            raise InputError("invalid rich rules, nothing was changed:\n- " + "\n- ".join(errors), errors=errors)

    def backup(self, desired, state, plan):
        paths = [self.path(kind, name + ".xml") for kind, name, _item in plan.writes] + list(plan.deletes)
        return FileBackup(sorted(set(paths))).save()

    def apply(self, desired, state, plan):
        for kind, name, item in plan.writes:
            path = self.path(kind, name + ".xml")
            if not os.path.isdir(os.path.dirname(path)):
                os.makedirs(os.path.dirname(path), 0o750)
            write_atomic(path, config.policy_xml(item) if kind == "policies" else config.ipset_xml(item))
            self.runner.log.append("write %s" % path)
            self.files["written"].append(path)
            faults.fault("midway")  # test-only: a file written, the rest not, no reload yet
        for path in plan.deletes:
            os.unlink(path)
            self.runner.log.append("remove %s" % path)
            self.files["removed"].append(path)
        self._reload()

    def _reload(self):
        self.reloaded = True
        done = self.source.reload()
        if done:
            self.runner.log.append(done)

    def verify(self, desired, live, plan):
        live = live["runtime"]
        problems = []
        for name, want in desired["policies"].items():
            have = live["policies"].get(name)
            if have is None:
                problems.append("policy %s is missing" % name)
                continue
            want = dict(want, description=have["description"] if want["description"] is None else want["description"])
            if _compared(have) != _compared(want):
                problems.append("policy %s: runtime %r, expected %r" % (name, _compared(have), _compared(want)))
        for name, want in desired["ipsets"].items():
            if name not in live["ipsets"] or _kind(live["ipsets"][name]) != _kind(want):
                problems.append("ipset %s: runtime %s, expected %s" % (
                    name, _kind(live["ipsets"][name]) if name in live["ipsets"] else "missing", _kind(want)))
        for kind in ("policies", "ipsets"):
            problems.extend("%s %s should not exist" % (kind, name) for name in live[kind] if name not in desired[kind])
        if problems:
            raise ApplyError("the runtime configuration after the reload differs from the input:\n- " + "\n- ".join(problems),
                             problems=problems)

    def rollback(self, backup, state):
        restored = backup.restore()
        self._reload()
        return restored

    def temporary_rules(self, desired):
        entries = []
        for name, origins in sorted(desired.get("origins", {}).items()):
            for text, labels in sorted(origins.items()):
                for label in labels:
                    expires = expiry_of(label)
                    if expires:
                        entries.append((label, expires, ["sh", "-c", EXPIRE_SCRIPT, OWNER + "-expire",
                                                         self.runner.binary("firewall-cmd"), name, text]))
        return entries

    def recover(self, backup):
        self._source = None  # a fresh D-Bus connection: the waiter of confirm_timeout is a forked process
        return self.rollback(backup, None)

    # -- reporting

    def owned_entries(self, desired, state, plan):
        wanted = ["%s: %s" % (name, text) for name, policy in sorted(desired["policies"].items())
                  for text in policy["rich_rules"]]
        live = ["%s: %s" % (name, text) for name, policy in sorted(state["runtime"]["policies"].items())
                for text in sorted(set(policy["rich_rules"]), key=policy["rich_rules"].index)]
        return wanted, live

    def policy_directories(self):
        """Where firewalld reads policies from: the administrator's directory, then the package's."""
        return [self.path("policies"), os.path.join(FIREWALLD_PATHS["system"], "policies")]

    def owns_policy(self, name):
        return config.owned(name, self.prefix)

    def describe(self, state):
        return _describe(state["permanent"]["policies"], state["permanent"]["ipsets"])

    def describe_desired(self, desired, plan):
        return _describe(desired["policies"], desired["ipsets"])

    def report(self, desired, state, plan):
        if self.module.check_mode and plan.changed:
            policies, ipsets = plan.targets, desired["ipsets"]
        else:
            policies, ipsets = state["runtime"]["policies"], state["runtime"]["ipsets"]
        return {
            "policies": [dict((key, policy[key]) for key in ("name", "description", "ingress_zones", "egress_zones",
                                                             "target", "rich_rules")) for _n, policy in sorted(policies.items())],
            "ipsets": [dict((key, ipset[key]) for key in ("name", "type", "family", "entries")) for _n, ipset in sorted(ipsets.items())],
            "reload": self.reloaded or (self.module.check_mode and plan.changed),
            "runtime_reader": self.source.kind,
            "files": self.files,
        }


def _describe(policies, ipsets):
    """One block per object, one rich rule per line, sorted: readable as a diff."""
    lines = []
    for name, policy in sorted(policies.items()):
        lines.append("policy %s" % name)
        if "broken" in policy:
            lines.append("  unreadable: %s" % policy["broken"])
            continue
        if policy.get("description"):
            lines.append("  description: %s" % policy["description"])
        lines.append("  ingress-zones: %s" % " ".join(policy["ingress_zones"]))
        lines.append("  egress-zones: %s" % " ".join(policy["egress_zones"]))
        lines.append("  target: %s" % policy["target"])
        lines.extend("  %s" % text for text in sorted(set(policy["rich_rules"])))
        lines.extend("  %s" % extra for extra in policy.get("extras") or [])
    for name, ipset in sorted(ipsets.items()):
        lines.append("ipset %s: %s" % (name, ipset.get("broken") or _kind(ipset)))
    return "\n".join(lines) + "\n" if lines else ""
