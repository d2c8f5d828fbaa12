# -*- coding: utf-8 -*-
# Copyright (c) netreq.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""PRIVATE: the nftables applier: one table replaced in one ``nft -f`` transaction.

This module is private to the netreq.firewall collection; its API may change
without notice. It runs on managed hosts (standard library and
ansible.module_utils only). ``netreq.firewall.nftables_ruleset`` and the
backend dispatch of ``netreq.firewall.host_ruleset`` are thin shells around
``NftablesApplier``, which follows the skeleton of ``_apply/skeleton.py``:

* validate: the ruleset may only address the owned table (``_apply/nftables/text.py``);
* prepare: the transaction is loaded into a throwaway network namespace,
  which is the kernel's whole check of it and gives nft's own listing of the
  desired table (where no namespace can take it, ``nft -c -f`` checks it on
  the host and the text is normalized instead);
* read: ``nft -s list table`` of the live table, canonical form;
* plan: the statements added and removed between the two listings;
* apply: one ``nft -f`` transaction that deletes and recreates only the owned
  table, so the kernel either takes all of it or none of it;
* verify: the table read back must be the desired listing; otherwise the
  previous table (saved as nft printed it, set elements included) is loaded
  back;
* persist: the transaction is recorded for the collection's own unit that
  loads it again at boot (``_apply/nftables/persist.py``); the record is part of the plan,
  the verify and the rollback like the table itself.

Canonical form of the desired table: the ruleset is loaded into a throwaway
network namespace (``unshare --net``, then ``unshare --user --map-root-user
--net``) and listed there with the same nft binary, so the desired text is
exactly what nft would print for it on this host. When no namespace can be
created (a container without CAP_SYS_ADMIN and without user namespaces), or
when the ruleset cannot load into an empty namespace (it names an interface
by index, for example), the fallback is ``canonical_table`` on the input text
itself. That is exact for text written in nft's own listing style, as the
collection's renderer writes it; a hand-written ruleset that nft prints
differently then reports a change on every run and fails verification, with
the diff.
"""

from __future__ import annotations

import difflib
import os
import re
import tempfile

from ansible_collections.netreq.firewall.plugins.module_utils._model.errors import ApplyError
from ansible_collections.netreq.firewall.plugins.module_utils._apply.skeleton import Applier, Plan, diff_entries
from ansible_collections.netreq.firewall.plugins.module_utils._apply import fingerprint as _fingerprint
from ansible_collections.netreq.firewall.plugins.module_utils._apply.nftables.text import (
    RulesetError,
    canonical_table,
    check_rules_match,
    entries,
    parse_table_spec,
    rule_lines,
    validate_ruleset,
)
from ansible_collections.netreq.firewall.plugins.module_utils._apply.nftables import persist as _nft_persist
from ansible_collections.netreq.firewall.plugins.module_utils._apply.expiry import expiry_of, timer_command
from ansible_collections.netreq.firewall.plugins.module_utils._model.ownership import NFT_TABLE_SPEC, OWNER, nft_record_path

# The options of netreq.firewall.nftables_ruleset (and of the nftables part of host_ruleset).
ARGUMENT_SPEC = dict(
    table=dict(type="str", default=NFT_TABLE_SPEC),
    ruleset=dict(type="str"),
    rules=dict(type="list", elements="dict", options=dict(
        id=dict(type="str", required=True),
        chain=dict(type="str"),
        statements=dict(type="list", elements="str", default=[]),
    )),
    state=dict(type="str", choices=["present", "absent"], default="present"),
    persist=dict(type="bool", default=True),
    canonicalize=dict(type="str", choices=["auto", "netns", "text"], default="auto"),
)
REQUIRED_IF = [("state", "present", ("ruleset",))]

ABSENT_MARKERS = _fingerprint.NFT_ABSENT_MARKERS
# exit codes of the shell script run inside the throwaway namespace
NS_LOAD_FAILED = 90
NS_NO_TABLE = 91
NS_SCRIPT = ('"$1" -f "$2" || exit %d; "$1" -s list table "$3" "$4" || exit %d'
             % (NS_LOAD_FAILED, NS_NO_TABLE))
# removes the rules of one chain whose comment is exactly $5, by their handles (the expiry timer runs it)
EXPIRE_SCRIPT = ('for h in $("$1" -a list chain "$2" "$3" "$4" | grep -F "comment \\"$5\\" # handle" '
                 '| sed "s/.* # handle //"); do "$1" delete rule "$2" "$3" "$4" handle "$h" || exit 1; done')
NAMESPACE_COMMANDS = (
    ("unshare", "--net", "--"),
    ("unshare", "--user", "--map-root-user", "--net", "--"),
)


class _Desired(object):
    __slots__ = ("state", "family", "name", "transaction", "rules", "path", "canonical", "source", "record")

    def __init__(self, state, family, name, transaction=None, rules=None):
        self.state = state
        self.family = family
        self.name = name
        self.transaction = transaction
        self.rules = rules
        self.path = None
        self.canonical = ""
        self.source = "listing"
        self.record = None  # what the boot record should hold (None: no record, or no systemd to load one)


class _Live(object):
    """The live table: canonical listing (compared) and nft's own listing (the rollback copy), and its boot record."""

    __slots__ = ("canonical", "raw", "table", "persist_known", "persisted", "unit_ready")

    def __init__(self, canonical, raw, table=None):
        self.canonical = canonical
        self.raw = raw
        self.table = table  # "<family> <name>" when it came from a journal (the run's own table otherwise)
        self.persist_known = False  # whether ``persisted`` was read (a host with systemd) and may be restored
        self.persisted = None  # the boot record's text, None when there is none
        self.unit_ready = False  # whether the unit that loads it at boot is in place


class NftablesApplier(Applier):
    """validate -> prepare (namespace load, else nft -c) -> read -> plan -> one nft -f -> verify."""

    backend = "nftables"
    _listed = None  # (nft's listing of the desired table, its canonical form) once prepare has it

    @classmethod
    def fingerprint(cls, runner, params):
        """A digest of nft's raw listing of the owned table (one ``nft -s list table``); None if unreadable."""
        try:
            family, name = parse_table_spec(params.get("table") or NFT_TABLE_SPEC)
        except RulesetError:
            return None
        return _fingerprint.nftables(runner, family, name)

    # -- validate and prepare

    def validate(self, params):
        family, name = parse_table_spec(params.get("table") or NFT_TABLE_SPEC)
        state = params.get("state") or "present"
        if state == "absent":
            return _Desired(state, family, name)
        return _Desired(state, family, name, validate_ruleset(params.get("ruleset"), family, name),
                        params.get("rules") or [])

    def prepare(self, desired):
        self.nft = self.runner.binary("nft")
        if desired.state == "absent":
            return desired
        desired.path = self._write(desired.transaction)
        listing = self._namespace_listing(desired)
        if listing is not None:
            # the kernel took the whole transaction in a namespace of its own: that is the check
            desired.canonical, desired.source = canonical_table(listing, desired.family, desired.name), "netns"
            self._listed = (listing, desired.canonical)
        else:
            rc, out, err = self.runner.run([self.nft, "-c", "-f", desired.path])
            if rc != 0:
                raise RulesetError("nft refused the ruleset (check only, nothing was changed): %s"
                                   % (err or out).strip(), rc=rc, stdout=out, stderr=err)
            desired.canonical, desired.source = canonical_table(desired.transaction, desired.family, desired.name), "text"
        if not desired.canonical:
            raise RulesetError("the ruleset leaves no table %s %s behind; use state=absent to delete it"
                               % (desired.family, desired.name))
        if desired.rules:
            check_rules_match(desired.rules, desired.canonical)
        if self._persists():
            desired.record = self._record(desired)
        return desired

    def _persists(self):
        """Whether this run keeps the table's boot record: asked for, and a systemd to load it at boot."""
        return self.params.get("persist", True) is not False and _nft_persist.available()

    def _record(self, desired):
        """The boot record of ``desired``: its transaction, and the commands that arm its expiry timers again."""
        systemd_run = self.runner.binary("systemd-run", required=False)
        flock = self.runner.binary("flock", required=False)
        timers = []
        if systemd_run and flock:
            timers = [{"label": label, "expires": expires,
                       "command": timer_command(systemd_run, flock, self.backend, label, expires, argv)}
                      for label, expires, argv in self.temporary_rules(desired)]
        return _nft_persist.record_text(desired.family, desired.name, desired.transaction, timers)

    def _namespace_listing(self, desired):
        """nft's listing of the transaction loaded into a throwaway namespace, or None to compare by text.

        Loading there is also the kernel's full check of the transaction, so the
        host-side ``nft -c`` is needed only when no namespace took it.
        """
        mode = self.params.get("canonicalize") or "auto"
        if mode == "text":
            return None
        problems = []
        for prefix in NAMESPACE_COMMANDS:
            binary = self.runner.binary(prefix[0], required=False)
            if not binary:
                problems.append("%s not found" % prefix[0])
                break
            rc, out, err = self.runner.run([binary] + list(prefix[1:]) + [
                "sh", "-c", NS_SCRIPT, OWNER + "-canonical", self.nft, desired.path, desired.family, desired.name])
            if rc == 0:
                return out
            if rc == NS_NO_TABLE:
                raise RulesetError("the ruleset leaves no table %s %s behind; use state=absent to delete it"
                                   % (desired.family, desired.name))
            if rc == NS_LOAD_FAILED:
                problems.append("the ruleset does not load into an empty network namespace: %s" % (err or out).strip())
                break  # a second namespace would not help
            problems.append("%s: %s" % (" ".join(prefix[:-1]), (err or out).strip() or "rc=%d" % rc))
        if mode == "netns":
            raise ApplyError("cannot canonicalize the ruleset in a private network namespace: %s" % "; ".join(problems))
        if problems and problems[-1].startswith("the ruleset does not load"):
            self.warnings.append("comparing the ruleset by text normalization: %s" % problems[-1])
        return None

    def _write(self, text):
        handle, path = tempfile.mkstemp(prefix="nftables-", suffix=".nft", dir=self.module.tmpdir)
        with os.fdopen(handle, "w") as stream:
            stream.write(text)
        self.module.add_cleanup_file(path)
        return path

    # -- read and plan

    def read(self):
        family, name = parse_table_spec(self.params.get("table") or NFT_TABLE_SPEC)
        rc, out, err = self.runner.run([self.nft, "-s", "list", "table", family, name])
        if rc != 0:
            if not any(marker in err for marker in ABSENT_MARKERS):
                raise ApplyError("cannot read table %s %s: %s" % (family, name, (err or out).strip()),
                                 rc=rc, stdout=out, stderr=err)
            live = _Live("", "")
        elif self._listed and out == self._listed[0]:
            live = _Live(self._listed[1], out)  # nft prints the live table exactly as the desired one
        else:
            live = _Live(canonical_table(out, family, name), out)
        if self._persists():
            live.persist_known = True
            live.persisted = _nft_persist.read(family, name)
            live.unit_ready = _nft_persist.unit_ready()
        return live

    def plan(self, desired, state):
        before = entries(state.canonical)
        after = entries(desired.canonical)
        persist = self._persist_settings(desired, state)
        if state.canonical == desired.canonical:
            return Plan(unchanged=len(after), settings=persist, existed=bool(state.canonical),
                        remains=bool(desired.canonical))
        added, removed = diff_entries(before, after)
        plan = Plan(added, removed, len(after) - len(added), existed=bool(state.canonical),
                    remains=bool(desired.canonical))
        if not plan.changed:  # same statements, different layout or order: still a change to apply
            plan.settings.append({"name": "order", "before": "live order", "after": "desired order"})
        plan.settings.extend(persist)
        return plan

    @staticmethod
    def _persist_settings(desired, state):
        """The boot record and its unit as plan settings, when they differ from what ``desired`` needs."""
        if not state.persist_known:
            return []
        path = nft_record_path(desired.family, desired.name)
        settings = []
        if _nft_persist.in_force(state.persisted) != _nft_persist.in_force(desired.record):
            settings.append({"name": "boot record",
                             "before": "none" if state.persisted is None else "%s (another rule set)" % path,
                             "after": "none" if desired.record is None else path})
        if desired.record is not None and not state.unit_ready:
            settings.append({"name": "boot unit", "before": "not installed", "after": _nft_persist.UNIT})
        return settings

    # -- apply, verify, roll back

    def backup(self, desired, state, plan):
        return state  # nft's own listing of the previous table; loading it back restores it

    def journal_backup(self, backup):
        family, name = parse_table_spec(self.params.get("table") or NFT_TABLE_SPEC)
        data = {"table": "%s %s" % (family, name), "raw": backup.raw}
        if backup.persist_known:
            data["persisted"] = backup.persisted
        return data

    def backup_from_journal(self, data):
        live = _Live("", data["raw"], data["table"])
        if "persisted" in data:
            live.persist_known, live.persisted = True, data["persisted"]
        return live

    def apply(self, desired, state, plan):
        table_changes = plan.added or plan.removed or any(setting["name"] == "order" for setting in plan.settings)
        if desired.state == "absent":
            if state.canonical:
                self.runner.change([self.nft, "delete", "table", desired.family, desired.name],
                                   "deleting table %s %s" % (desired.family, desired.name), atomic=True)
        elif table_changes:
            self.runner.change([self.nft, "-f", desired.path], "nft -f (one transaction: nothing was applied)",
                               atomic=True)
        if state.persist_known:
            self._persist(desired.family, desired.name, desired.record)
            if desired.record is not None and not state.unit_ready:
                _nft_persist.install_unit(self.runner)

    def _persist(self, family, name, record):
        try:
            _nft_persist.save(family, name, record)
        except OSError as exc:
            raise ApplyError("cannot write the boot record of table %s %s (%s): %s"
                             % (family, name, nft_record_path(family, name), exc))

    def verify(self, desired, live, plan):
        if live.persist_known and live.persisted != desired.record:
            raise ApplyError("the boot record %s does not hold the table just applied"
                             % nft_record_path(desired.family, desired.name))
        if live.canonical != desired.canonical:
            if desired.state == "absent":
                message = "table %s %s still exists after deleting it" % (desired.family, desired.name)
            else:
                message = "the table differs from the ruleset after applying it (compared by %s)" % desired.source
            raise ApplyError("%s:\n%s" % (message, _unified(desired.canonical, live.canonical)),
                             after=desired.canonical, live=live.canonical)

    def rollback(self, backup, state):
        family, name = parse_table_spec(backup.table or self.params.get("table") or NFT_TABLE_SPEC)
        if backup.persist_known:
            self._persist(family, name, backup.persisted)  # the previous record, or none, back first
        head = "table %s %s\ndelete table %s %s\n" % (family, name, family, name)
        if not backup.raw:
            if backup.table is not None:  # a recovered journal: the new table may never have been created
                rc, _out, err = self.runner.run([self.nft, "list", "table", family, name])
                if rc != 0 and any(marker in err for marker in ABSENT_MARKERS):
                    return []
            self.runner.change([self.nft, "delete", "table", family, name], "removing the new table")
            return ["table %s %s (deleted)" % (family, name)]
        path = self._write(head + backup.raw)
        self.runner.change([self.nft, "-f", path], "loading the previous table back")
        return ["table %s %s" % (family, name)]

    def temporary_rules(self, desired):
        entries, chain = [], None
        for line in (desired.canonical or "").splitlines():
            header = re.match(r"^\s*chain (\S+) \{", line)
            if header:
                chain = header.group(1)
            comment = re.search(r'comment "((?:[^"\\]|\\.)*)"', line)
            expires = expiry_of(comment.group(1)) if comment and chain else None
            if expires:
                argv = ["sh", "-c", EXPIRE_SCRIPT, OWNER + "-expire", self.nft, desired.family, desired.name, chain,
                        comment.group(1)]
                if all(entry[2] != argv for entry in entries):
                    entries.append((comment.group(1), expires, argv))
        return entries

    # -- result

    def subject(self, desired):
        return "table %s %s" % (desired.family, desired.name)

    def owned_entries(self, desired, state, plan):
        return entries(desired.canonical), entries(state.canonical)

    def describe(self, state):
        return state.canonical

    def describe_desired(self, desired, plan):
        return desired.canonical

    def report(self, desired, state, plan):
        return {
            "table": "%s %s" % (desired.family, desired.name),
            "state": desired.state,
            "rules_count": len(rule_lines(desired.canonical)),
            "boot_record": nft_record_path(desired.family, desired.name) if desired.record is not None else None,
            "ruleset": desired.transaction or "",
            "canonical_source": desired.source,
        }


def _unified(expected, actual):
    return "".join(difflib.unified_diff(expected.splitlines(True), actual.splitlines(True), "desired", "live"))
