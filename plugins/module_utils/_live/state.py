# -*- coding: utf-8 -*-
# Copyright (c) netreq.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""PRIVATE: the live state of a host compared with the rule set compiled for it: drift and overrides.

This module is private to the netreq.firewall collection; its API may change
without notice. It runs on managed hosts (standard library and
ansible.module_utils only) for ``netreq.firewall.host_ruleset_info``.

Why it reuses the appliers instead of reading the host again: what an
applier reads (``read``) and compares (``plan``) *is* the collection's
definition of what it owns and of what differs. ``inspect`` runs the
appliers' read-only steps (validate, prepare, read, plan: what check mode
runs) and never their apply, then looks at three things:

* **drift**: owned entries the compiled rule set wants but the host lacks
  (``missing``), owned entries the host holds but the rule set does not want
  (``unexpected``), and both at once for the same ownership tag
  (``changed``: an owned rule edited by hand). nftables compares nft's
  listing of the owned table, ufw the owned rules of its rules files,
  firewalld the rich rules of the owned policies in the *running* firewall
  (so a runtime-only edit counts);
* **rules**: one row per compiled Rule with its rendered entries and whether
  they are live;
* **overrides**: rules the collection does not own that drop what it allows
  (``_live/nft.py``, ``_live/foreign.py``).
"""

from __future__ import annotations

import difflib
import functools
import re

from ansible_collections.netreq.firewall.plugins.module_utils._model.errors import ApplyError
from ansible_collections.netreq.firewall.plugins.module_utils._apply.plan import diff_entries
from ansible_collections.netreq.firewall.plugins.module_utils._live.flows import Flow
from ansible_collections.netreq.firewall.plugins.module_utils._live.foreign import (
    firewalld_overrides,
    read_policies,
    ufw_overrides,
)
from ansible_collections.netreq.firewall.plugins.module_utils._live.nft import foreign_overrides
from ansible_collections.netreq.firewall.plugins.module_utils._model.ownership import TAG_PREFIX, tag

_NFT_TAG_RE = re.compile(r'comment "(%s[^" ]+)' % re.escape(TAG_PREFIX))
_UFW_TAG_RE = re.compile(r"comment '?(%s[^' ]+)" % re.escape(TAG_PREFIX))
# the tables of the frontends that apply the rules (judged through their own configuration, not as foreign tables)
FRONTEND_TABLES = {
    "nftables": (),
    "ufw": (("ip", "filter"), ("ip6", "filter")),  # iptables-nft, where ufw loads its chains
    "firewalld": (("inet", "firewalld"), ("ip", "firewalld"), ("ip6", "firewalld")),
}


# how alike an untagged live entry and a missing one must be to count as the same rule edited
SIMILAR = 0.9


def label_tag(label):
    """The ownership tag of a comment or label (``netreq:p:id expires=...`` -> ``netreq:p:id``)."""
    return (label or "").split(" ", 1)[0] or None


# ---------------------------------------------------------------- one view per backend

class _View(object):
    """What the live-state reports read of one backend. The owned entries are read only when asked for:
    an apply's override check needs the foreign rules alone."""

    def __init__(self, applier, desired, state, plan):
        self.applier, self.desired, self.state, self.plan = applier, desired, state, plan

    @functools.cached_property
    def _entries(self):
        return self.applier.owned_entries(self.desired, self.state, self.plan)

    @property
    def desired_entries(self):
        return self._entries[0]

    @property
    def live_entries(self):
        return self._entries[1]


class NftablesView(_View):
    own_priority = 0  # the renderer's chains are "priority filter"

    def __init__(self, applier, desired, state, plan):
        super().__init__(applier, desired, state, plan)
        self.skip = set([(desired.family, desired.name)])

    def tag_of(self, entry):
        found = _NFT_TAG_RE.search(entry)
        return found.group(1) if found else None

    def foreign(self, flows):
        return []


class UfwView(_View):
    own_priority = 0

    def __init__(self, applier, desired, state, plan):
        super().__init__(applier, desired, state, plan)
        self.scope = desired.scope
        self.skip = set(FRONTEND_TABLES["ufw"])

    def tag_of(self, entry):
        found = _UFW_TAG_RE.search(entry)
        return found.group(1) if found else None

    def foreign(self, flows):
        return ufw_overrides(self.state.files, self.scope.owns, label_tag)


class FirewalldView(_View):
    def __init__(self, applier, desired, state, plan):
        super().__init__(applier, desired, state, plan)
        owned = [policy for policy in state["permanent"]["policies"].values() if "priority" in policy]
        self.own_priority = min([policy["priority"] for policy in owned] or [-1])
        self.skip = set(FRONTEND_TABLES["firewalld"])

    @functools.cached_property
    def _labels(self):
        return {"%s: %s" % (name, text): [label_tag(label) for label in self.desired["origins"].get(name, {}).get(text, [])]
                for name, policy in sorted(self.desired["policies"].items()) for text in policy["rich_rules"]}

    def tag_of(self, entry):
        labels = self._labels.get(entry) or []
        return labels[0] if len(labels) == 1 else None

    def foreign(self, flows):
        policies = read_policies(self.applier.policy_directories(), self.applier.owns_policy)
        return firewalld_overrides(policies, flows, self.own_priority)


VIEWS = {"nftables": NftablesView, "ufw": UfwView, "firewalld": FirewalldView}


# ---------------------------------------------------------------- drift

def drift(view):
    """``{missing, unexpected, changed}`` between the view's desired and live entries."""
    missing, unexpected = diff_entries(view.live_entries, view.desired_entries)
    by_tag = {}
    for kind, items in (("desired", missing), ("live", unexpected)):
        for entry in items:
            key = view.tag_of(entry)
            if key:
                by_tag.setdefault(key, {"desired": [], "live": []})[kind].append(entry)
    for live_entry, desired_entry in _similar_pairs(view, missing, unexpected):
        pair = by_tag.setdefault(view.tag_of(desired_entry), {"desired": [], "live": []})
        if desired_entry not in pair["desired"]:
            pair["desired"].append(desired_entry)
        pair["live"].append(live_entry)
    changed = [{"tag": key, "live": pair["live"], "desired": pair["desired"]}
               for key, pair in sorted(by_tag.items()) if pair["live"] and pair["desired"]]
    paired = set(entry for item in changed for entry in item["live"] + item["desired"])
    return {"missing": [entry for entry in missing if entry not in paired],
            "unexpected": [entry for entry in unexpected if entry not in paired],
            "changed": changed}


def _similar_pairs(view, missing, unexpected):
    """``(live, desired)`` pairs of an untagged unexpected entry and the one missing tagged entry it was edited from.

    A firewalld rich rule carries no tag, so an edited one shows up as a rule
    the policy should not hold plus a missing one. When exactly one missing
    entry of the same policy is nearly the same text (one attribute changed),
    that is the rule that was edited. Ambiguous cases stay missing/unexpected.
    """
    pairs = []
    candidates = [entry for entry in missing if view.tag_of(entry)]
    for live_entry in unexpected:
        if view.tag_of(live_entry):
            continue
        where = live_entry.split(": ", 1)[0]
        scores = sorted(((difflib.SequenceMatcher(None, live_entry, entry).ratio(), entry) for entry in candidates
                         if entry.split(": ", 1)[0] == where), reverse=True)
        if scores and scores[0][0] >= SIMILAR and (len(scores) == 1 or scores[0][0] > scores[1][0]):
            pairs.append((live_entry, scores[0][1]))
            candidates.remove(scores[0][1])
    return pairs


def rule_rows(rules, view, found, overrides):
    """One row per compiled Rule: its tag, rendered entries, and status (live, changed, missing, partial, not rendered)."""
    live = set(view.live_entries)
    changed = set(item["tag"] for item in found["changed"])
    rendered = {}
    for entry in view.desired_entries:
        key = view.tag_of(entry)
        if key:
            rendered.setdefault(key, []).append(entry)
    rows = []
    for rule in rules:
        key = tag(rule["profile"], rule["id"])
        entries = rendered.get(key, [])
        present = [entry for entry in entries if entry in live]
        if not entries:
            status = "not rendered"
        elif key in changed:
            status = "changed"
        elif len(present) == len(entries):
            status = "live"
        elif present:
            status = "partial"
        else:
            status = "missing"
        row = dict((name, rule.get(name)) for name in ("profile", "id", "component", "direction", "protocol", "ports",
                                                       "remote", "description", "source"))
        row.update(tag=key, rendered=entries, status=status,
                   overridden_by=["%s %s: %s" % (item["table"], item["chain"], item["rule"]) for item in overrides
                                  if key in item["tags"]])
        rows.append(row)
    return rows


# ---------------------------------------------------------------- overrides

def foreign_drops(view, runner, rules, problems):
    """Rules the collection does not own that drop or reject what ``rules`` allow (``_live/nft.py``, ``_live/foreign.py``).

    The backend's own foreign rules (ufw's, firewalld's) come from what its
    applier already read; foreign nftables tables from one ``nft -j list
    ruleset``. What could not be looked at is added to ``problems``.
    """
    flows = [Flow.from_rule(rule, tag(rule["profile"], rule["id"])) for rule in rules]
    overrides = list(view.foreign(flows))
    nft = runner.binary("nft", required=False)
    if nft:
        rc, out, err = runner.run([nft, "-j", "list", "ruleset"])
        if rc == 0:
            overrides.extend(foreign_overrides(out, flows, view.skip, view.own_priority))
        else:
            problems.append("cannot list the nftables ruleset to look for foreign drops: %s" % (err or out).strip())
    else:
        problems.append("nft is not installed: foreign nftables tables were not checked")
    return overrides


def describe_override(finding):
    """One sentence a warning can carry: the foreign rule, where it is, what it blocks and how sure that is."""
    order = finding.get("order") or "same priority"
    phrase = {"before": "which runs before the collection's rules",
              "after": "which runs after the collection's rules (an accept ends a packet's walk through one base chain only)",
              "same priority": "at the same priority as the collection's rules"}.get(order, order)
    return ("%s (%s) is overridden by a rule netreq.firewall does not own: %s %s in %s, chain %s, %s; the host drops "
            "what the collection allows" % (", ".join(finding["tags"]), finding["certainty"], finding["verdict"],
                                            repr(finding["rule"]), finding["table"], finding["chain"], phrase))


# ---------------------------------------------------------------- the whole inspection

def inspect(backend, applier, runner, rules):
    """The info result for ``backend`` (see the module's RETURN); runs only read-only steps."""
    problems = []
    desired = applier.prepare(applier.validate(applier.params))
    state = applier.read()
    try:
        plan = applier.plan(desired, state)
    except ApplyError as exc:  # e.g. a foreign ufw rule holding the match of an owned one
        plan = None
        problems.append(str(exc))
    view = VIEWS[backend](applier, desired, state, plan)
    found = drift(view)
    found["settings"] = [setting for setting in (plan.settings if plan is not None else [])
                         if setting.get("name") != "order"]
    overrides = foreign_drops(view, runner, rules, problems)
    in_sync = not (found["missing"] or found["unexpected"] or found["changed"] or found["settings"])
    return {
        "changed": False,
        "in_sync": in_sync,
        "effective": not overrides,
        "owned": list(view.live_entries),
        "drift": found,
        "overrides": overrides,
        "rules": rule_rows(rules, view, found, overrides),
        "problems": problems,
        "warnings": list(applier.warnings),
    }
