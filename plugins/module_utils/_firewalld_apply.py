# -*- coding: utf-8 -*-
# Copyright (c) netreq.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""PRIVATE: query, compare and apply the collection's firewalld policies and ipsets.

This module is private to the netreq.firewall collection; its API may change
without notice. It backs the ``netreq.firewall.firewalld_ruleset`` module and
talks to firewalld only through ``firewall-cmd`` (passed in as a
``run_command`` callable), so importing it has no side effects and needs
neither the firewalld Python bindings nor D-Bus.

The steps, each a function here:

1. ``validate_input``: the whole input, offline; every problem is reported at once.
2. ``read_config``: the owned policies and ipsets, permanent and runtime.
3. ``check_against_firewalld``: what only firewalld can tell (zones exist,
   ipsets referenced by rich rules exist, firewalld accepts each new rich rule),
   with read-only queries.
4. ``make_plan``: the differences, as data (for the result and check mode), as
   ``firewall-cmd`` steps and as a readable diff.
5. ``apply_plan``: the only function with side effects. It backs up the owned
   XML files, runs the steps on the permanent configuration, reloads once and
   verifies the runtime; on any failure it restores the files, reloads again
   and raises.

Ownership: a policy or ipset is owned when its name starts with
``<policy_prefix>-``. Nothing else (zones, other policies, services, other
ipsets) is read for comparison or changed.
"""

from __future__ import annotations

import os
import re
import shlex

FIREWALLD_CONFIG_DIR = "/etc/firewalld"
# firewalld derives chain names from policy names: 17 characters at most.
POLICY_NAME_MAX = 17
IPSET_NAME_MAX = 32
PREFIX_MAX = POLICY_NAME_MAX - len("-out")
TARGETS = ("CONTINUE", "ACCEPT", "DROP", "REJECT")
DEFAULT_POLICY_TARGET = "CONTINUE"
SPECIAL_ZONES = ("ANY", "HOST")
IPSET_FAMILIES = ("inet", "inet6")

_PREFIX_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
_POLICY_NAME_RE = re.compile(r"^[A-Za-z0-9_-]+$")
_IPSET_NAME_RE = re.compile(r"^[A-Za-z0-9_.:-]+$")
_ZONE_NAME_RE = re.compile(r"^[A-Za-z0-9_/-]+$")
_IPSET_TYPE_RE = re.compile(r"^hash:[a-z,]+$")
_POLICY_HEADER_RE = re.compile(r"^(?P<name>[A-Za-z0-9_/-]+)(?: \(active\))?$")
# firewall-cmd reports these as warnings and carries on: harmless for us.
_BENIGN_WARNINGS = ("ALREADY_ENABLED", "NOT_ENABLED", "ZONE_ALREADY_SET", "ALREADY_SET")


class FirewalldError(Exception):
    """A failure with a message fit for ``fail_json`` and extra result keys."""

    def __init__(self, message, **details):
        super().__init__(message)
        self.details = details


# ---------------------------------------------------------------- rich rules

def normalize_rich_rule(text):
    """The rule with its attribute values double-quoted and single spaces.

    firewalld prints rich rules as ``key="value"`` tokens separated by one
    space; this brings hand-written quoting and spacing to that form so the
    comparison with ``--info-policy`` output is a string comparison. It does
    not reorder elements: a rule firewalld stores differently is caught by
    ``check_against_firewalld`` or by the verification after the reload.
    """
    lexer = shlex.shlex(text, posix=True)
    lexer.whitespace_split = True
    lexer.commenters = ""
    try:
        tokens = list(lexer)
    except ValueError as exc:
        raise ValueError("cannot split into tokens (%s)" % exc)
    parts = []
    for token in tokens:
        key, sep, value = token.partition("=")
        parts.append('%s="%s"' % (key, value) if sep else token)
    return " ".join(parts)


def rich_rule_ipsets(rule):
    """Names of the ipsets a normalized rich rule matches (``source ipset=...``, ``destination ipset=...``)."""
    return re.findall(r'(?:^| )ipset="([^"]*)"', rule)


# ---------------------------------------------------------------- input

def _owned(name, prefix):
    return name.startswith(prefix + "-")


def _zone_errors(where, side, zones, errors):
    if not zones:
        errors.append("%s: %s must list at least one zone (ANY, HOST or zone names)" % (where, side))
        return
    for zone in zones:
        if not isinstance(zone, str) or not _ZONE_NAME_RE.match(zone):
            errors.append("%s: %s: %r is not a valid zone name" % (where, side, zone))
    special = [zone for zone in zones if zone in SPECIAL_ZONES]
    if special and len(zones) > 1:
        errors.append("%s: %s may hold ANY, or HOST, or regular zones, not a mix: %s" % (where, side, ", ".join(zones)))
    if len(set(zones)) != len(zones):
        errors.append("%s: %s lists a zone twice: %s" % (where, side, ", ".join(zones)))


def validate_input(params):
    """Check the whole module input without asking firewalld; return the desired state.

    Returns ``{"prefix", "state", "policies": {name: policy}, "ipsets": {name: ipset}}``
    where each policy has its rich rules normalized, de-duplicated and in input
    order, with the ids and tags that asked for each rule. Raises
    ``FirewalldError`` listing every problem found.
    """
    errors = []
    prefix = params.get("policy_prefix") or ""
    state = params.get("state") or "present"
    if not _PREFIX_RE.match(prefix) or len(prefix) > PREFIX_MAX:
        raise FirewalldError("policy_prefix must be letters, digits, _ or - (starting with a letter or digit) "
                             "and at most %d characters, got %r" % (PREFIX_MAX, prefix))

    if state != "present":
        # state=absent deletes every owned object: the lists are not used
        return {"prefix": prefix, "state": state, "policies": {}, "ipsets": {}}

    policies = {}
    for index, item in enumerate(params.get("policies") or []):
        name = item.get("name") or ""
        where = "policies[%d] (%s)" % (index, name or "no name")
        if not _POLICY_NAME_RE.match(name):
            errors.append("%s: name must be letters, digits, _ or -" % where)
        if not _owned(name, prefix):
            errors.append("%s: name must start with %r (policy_prefix) so the collection owns it" % (where, prefix + "-"))
        if len(name) > POLICY_NAME_MAX:
            errors.append("%s: name has %d characters, firewalld allows %d" % (where, len(name), POLICY_NAME_MAX))
        if name in policies:
            errors.append("%s: policy %s is listed twice" % (where, name))
        description = item.get("description")
        if description is not None:
            # firewall-cmd prints the description stripped: compare it so
            description = description.strip()
            if "\n" in description or "\r" in description:
                errors.append("%s: description must be one line" % where)
        ingress = list(item.get("ingress_zones") or [])
        egress = list(item.get("egress_zones") or [])
        _zone_errors(where, "ingress_zones", ingress, errors)
        _zone_errors(where, "egress_zones", egress, errors)
        if "HOST" in ingress and "HOST" in egress:
            errors.append("%s: HOST can be an ingress zone or an egress zone, not both" % where)
        target = item.get("target") or DEFAULT_POLICY_TARGET
        if target not in TARGETS:
            errors.append("%s: target must be one of %s, got %r" % (where, ", ".join(TARGETS), target))
        rules = []
        origins = {}
        for rule_index, entry in enumerate(item.get("rich_rules") or []):
            rule_where = "%s rich_rules[%d] (id %s)" % (where, rule_index, entry.get("id") or "none")
            text = entry.get("rule") or ""
            if "\n" in text or "\r" in text:
                errors.append("%s: rule must be one line" % rule_where)
                continue
            try:
                rule = normalize_rich_rule(text)
            except ValueError as exc:
                errors.append("%s: rule %r %s" % (rule_where, text, exc))
                continue
            if not rule.startswith("rule "):
                errors.append("%s: rule must start with 'rule ', got %r" % (rule_where, text))
                continue
            if rule not in origins:
                rules.append(rule)
                origins[rule] = []
            label = entry.get("tag") or entry.get("id")
            if label and label not in origins[rule]:
                origins[rule].append(label)
        policies[name] = {
            "name": name,
            "description": description,
            "ingress_zones": ingress,
            "egress_zones": egress,
            "target": target,
            "rich_rules": rules,
            "origins": origins,
        }

    ipsets = {}
    for index, item in enumerate(params.get("ipsets") or []):
        name = item.get("name") or ""
        where = "ipsets[%d] (%s)" % (index, name or "no name")
        if not _IPSET_NAME_RE.match(name):
            errors.append("%s: name must be letters, digits, _, -, : or ." % where)
        if not _owned(name, prefix):
            errors.append("%s: name must start with %r (policy_prefix) so the collection owns it" % (where, prefix + "-"))
        if len(name) > IPSET_NAME_MAX:
            errors.append("%s: name has %d characters, firewalld allows %d" % (where, len(name), IPSET_NAME_MAX))
        if name in ipsets:
            errors.append("%s: ipset %s is listed twice" % (where, name))
        set_type = item.get("type") or "hash:ip"
        if not _IPSET_TYPE_RE.match(set_type):
            errors.append("%s: type must be a hash type such as hash:ip or hash:net, got %r" % (where, set_type))
        family = item.get("family") or "inet"
        if family not in IPSET_FAMILIES:
            errors.append("%s: family must be inet or inet6, got %r" % (where, family))
        ipsets[name] = {"name": name, "type": set_type, "family": family}

    for policy in policies.values():
        for rule in policy["rich_rules"]:
            for set_name in rich_rule_ipsets(rule):
                if _owned(set_name, prefix) and set_name not in ipsets:
                    errors.append("policy %s: rule %r uses ipset %s, which is not in ipsets (owned ipsets not listed are deleted)"
                                  % (policy["name"], rule, set_name))
    if errors:
        raise FirewalldError("invalid input, nothing was changed:\n- " + "\n- ".join(errors), errors=errors)
    return {"prefix": prefix, "state": state, "policies": policies, "ipsets": ipsets}


# ---------------------------------------------------------------- firewall-cmd

def _warnings(stderr):
    return [line.strip() for line in (stderr or "").splitlines() if line.strip()]


class FirewallCmd:
    """``firewall-cmd`` through a ``run_command(argv, check_rc=False)`` callable."""

    def __init__(self, run_command, binary="firewall-cmd"):
        self._run = run_command
        self.binary = binary
        self.log = []  # every mutating call, as run

    def call(self, args):
        rc, out, err = self._run([self.binary] + list(args), check_rc=False)
        return rc, out or "", err or ""

    def error(self, args, rc, out, err):
        """The FirewalldError for a failed call."""
        text = (err or out).strip() or "no output"
        return FirewalldError("%s failed (rc=%s): %s" % (command_line(self.binary, args), rc, text), rc=rc, stdout=out, stderr=err)

    def read(self, args):
        """Run a query; any non-zero exit status is an error."""
        rc, out, err = self.call(args)
        if rc != 0:
            raise self.error(args, rc, out, err)
        return out

    def change(self, args):
        """Run a change; fail on a non-zero exit status and on any warning but 'already (not) enabled'.

        firewall-cmd exits 0 when one item of a repeated option is invalid
        (it prints ``Warning: INVALID_RULE`` and applies the others), so the
        warnings are errors here.
        """
        self.log.append(command_line(self.binary, args))
        rc, out, err = self.call(args)
        bad = [line for line in _warnings(err)
               if not (line.startswith("Warning: ") and line[len("Warning: "):].split(":")[0] in _BENIGN_WARNINGS)]
        if rc != 0 or bad:
            raise self.error(args, rc, out, "\n".join(bad) or err)
        return out


def command_line(binary, args):
    return " ".join(shlex.quote(part) for part in [binary] + list(args))


# ---------------------------------------------------------------- reading

def parse_policies(text):
    """Parse ``firewall-cmd [--permanent] --list-all-policies -v`` into ``{name: policy}``."""
    policies = {}
    current = None
    key = None
    for line in text.splitlines():
        if not line.strip():
            current, key = None, None
            continue
        if line.startswith("\t"):
            if current is not None and key == "rich rules":
                current["rich_rules"].append(line.strip())
            continue
        if line.startswith(" "):
            if current is None:
                continue
            key, _sep, value = line.strip().partition(":")
            value = value.strip()
            if key == "description":
                current["description"] = value
            elif key == "target":
                current["target"] = value
            elif key == "ingress-zones":
                current["ingress_zones"] = value.split()
            elif key == "egress-zones":
                current["egress_zones"] = value.split()
            elif key == "priority":
                current["priority"] = value
            continue
        match = _POLICY_HEADER_RE.match(line.strip())
        if match:
            current = {"name": match.group("name"), "description": "", "ingress_zones": [], "egress_zones": [],
                       "target": DEFAULT_POLICY_TARGET, "rich_rules": []}
            policies[current["name"]] = current
            key = None
    return policies


def parse_ipset(name, text):
    """Parse ``firewall-cmd [--permanent] --info-ipset=NAME``."""
    info = {"name": name, "type": "", "family": "inet", "entries": []}
    for line in text.splitlines():
        key, sep, value = line.strip().partition(":")
        if not sep or not line.startswith(" "):
            continue
        value = value.strip()
        if key == "type":
            info["type"] = value
        elif key == "options":
            for option in value.split():
                option_name, _eq, option_value = option.partition("=")
                if option_name == "family":
                    info["family"] = option_value
        elif key == "entries":
            info["entries"] = value.split()
    return info


def _read_side(fw, prefix, permanent):
    scope = ["--permanent"] if permanent else []
    policies = parse_policies(fw.read(scope + ["--list-all-policies", "-v"]))
    set_names = fw.read(scope + ["--get-ipsets"]).split()
    owned_sets = {}
    for name in set_names:
        if _owned(name, prefix):
            owned_sets[name] = parse_ipset(name, fw.read(scope + ["--info-ipset=%s" % name]))
    return {
        "policies": dict((name, policy) for name, policy in policies.items() if _owned(name, prefix)),
        "ipsets": owned_sets,
        "ipset_names": set_names,
    }


def check_running(fw):
    rc, out, err = fw.call(["--state"])
    if rc != 0 or out.strip() != "running":
        raise FirewalldError("firewalld is not running (firewall-cmd --state: %s); the module needs the daemon"
                             % ((out + err).strip() or "rc=%s" % rc))


def read_config(fw, prefix):
    """The owned objects: ``{"permanent": side, "runtime": side}``, each with policies, ipsets, ipset_names."""
    check_running(fw)
    return {"permanent": _read_side(fw, prefix, True), "runtime": _read_side(fw, prefix, False)}


def _query_rules(fw, rules, policy=None):
    """Ask firewalld about rich rules without changing anything.

    Returns ``{rule: True | False | "error text"}``: True when the policy (or
    the default zone, without ``policy``) holds an equivalent rule, an error
    text when firewalld rejects the rule.
    """
    args = ["--permanent"] + (["--policy", policy] if policy else [])
    args += ["--query-rich-rule=%s" % rule for rule in rules]
    rc, out, err = fw.call(args)
    if len(rules) == 1:
        if rc in (0, 1):
            return {rules[0]: rc == 0}
        return {rules[0]: (err or out).strip() or "rc=%s" % rc}
    if rc != 0:
        raise fw.error(args, rc, out, err)
    answers = {}
    for line in out.splitlines():
        for verdict in ("yes", "no"):
            tail = "': %s" % verdict
            if line.startswith("'") and line.endswith(tail):
                answers[line[1:-len(tail)]] = verdict == "yes"
    warnings = [line for line in _warnings(err) if line.startswith(("Warning:", "Error:"))]
    result = {}
    for rule in rules:
        if rule in answers:
            result[rule] = answers[rule]
        else:
            result[rule] = warnings.pop(0) if warnings else "rejected by firewalld"
    return result


def check_against_firewalld(fw, desired, current):
    """Read-only checks only firewalld can answer; raise listing every problem."""
    if desired["state"] != "present":
        return
    errors = []
    permanent = current["permanent"]
    zones_needed = sorted(set(zone for policy in desired["policies"].values()
                              for zone in policy["ingress_zones"] + policy["egress_zones"]
                              if zone not in SPECIAL_ZONES))
    if zones_needed:
        zones = fw.read(["--permanent", "--get-zones"]).split()
        for policy in desired["policies"].values():
            for zone in policy["ingress_zones"] + policy["egress_zones"]:
                if zone not in SPECIAL_ZONES and zone not in zones:
                    errors.append("policy %s: zone %s does not exist in the permanent configuration" % (policy["name"], zone))
    for policy in desired["policies"].values():
        for rule in policy["rich_rules"]:
            for set_name in rich_rule_ipsets(rule):
                if not _owned(set_name, desired["prefix"]) and set_name not in permanent["ipset_names"]:
                    errors.append("policy %s: rule %r uses ipset %s, which does not exist" % (policy["name"], rule, set_name))
    for name, policy in desired["policies"].items():
        existing = permanent["policies"].get(name)
        have = set(existing["rich_rules"]) if existing else set()
        new_rules = [rule for rule in policy["rich_rules"] if rule not in have]
        if not new_rules:
            continue
        answers = _query_rules(fw, new_rules, policy=name if existing else None)
        for rule in new_rules:
            answer = answers[rule]
            if answer is True and existing:
                errors.append("policy %s: rule %r is already in the policy in another form; write it as "
                              "'firewall-cmd --permanent --info-policy=%s' prints it" % (name, rule, name))
            elif not isinstance(answer, bool):
                errors.append("policy %s: firewalld rejects rule %r: %s" % (name, rule, answer))
    if errors:
        raise FirewalldError("firewalld rejects the input, nothing was changed:\n- " + "\n- ".join(errors), errors=errors)


# ---------------------------------------------------------------- plan

def _policy_view(policy):
    return {
        "name": policy["name"],
        "description": policy.get("description") or "",
        "ingress_zones": list(policy["ingress_zones"]),
        "egress_zones": list(policy["egress_zones"]),
        "target": policy["target"],
        "rich_rules": list(policy["rich_rules"]),
    }


def _ipset_view(ipset):
    return {"name": ipset["name"], "type": ipset["type"], "family": ipset["family"], "entries": list(ipset.get("entries") or [])}


def _same_policy(left, right):
    if left is None or right is None:
        return left is None and right is None
    if left["target"] != right["target"]:
        return False
    if any(sorted(left[key]) != sorted(right[key]) for key in ("ingress_zones", "egress_zones")):
        return False
    if (left.get("description") or "") != (right.get("description") or ""):
        return False
    return sorted(set(left["rich_rules"])) == sorted(set(right["rich_rules"]))


def _same_ipset(left, right):
    if left is None or right is None:
        return left is None and right is None
    return (left["type"], left["family"]) == (right["type"], right["family"])


def make_plan(desired, current):
    """Compare desired and current state; return the plan (data, steps, diff texts).

    ``steps`` are firewall-cmd argument lists for the permanent configuration,
    in the order they must run; a reload follows them whenever ``changed``.
    """
    prefix = desired["prefix"]
    present = desired["state"] == "present"
    perm = current["permanent"]
    runtime = current["runtime"]
    want_policies = desired["policies"] if present else {}
    want_ipsets = desired["ipsets"] if present else {}

    plan_policies = {}
    plan_ipsets = {}
    set_steps = []
    policy_steps = []
    delete_steps = []

    for name, want in want_ipsets.items():
        have = perm["ipsets"].get(name)
        entry = {"created": have is None, "deleted": False, "recreated": False,
                 "before": None if have is None else {"type": have["type"], "family": have["family"]},
                 "after": {"type": want["type"], "family": want["family"]},
                 "runtime_differs": not _same_ipset(have, runtime["ipsets"].get(name))}
        create = ["--permanent", "--new-ipset=%s" % name, "--type=%s" % want["type"], "--option=family=%s" % want["family"]]
        if have is None:
            set_steps.append(create)
        elif not _same_ipset(have, want):
            entry["recreated"] = True
            set_steps.append(["--permanent", "--delete-ipset=%s" % name])
            set_steps.append(create)
        plan_ipsets[name] = entry
    for name in sorted(set(perm["ipsets"]) | set(runtime["ipsets"])):
        if name in want_ipsets:
            continue
        in_perm = name in perm["ipsets"]
        plan_ipsets[name] = {"created": False, "deleted": in_perm, "recreated": False,
                             "before": {"type": perm["ipsets"][name]["type"], "family": perm["ipsets"][name]["family"]} if in_perm else None,
                             "after": None, "runtime_differs": not _same_ipset(perm["ipsets"].get(name), runtime["ipsets"].get(name))}
        if in_perm:
            delete_steps.append(["--permanent", "--delete-ipset=%s" % name])

    policy_deletes = []
    for name, want in want_policies.items():
        have = perm["policies"].get(name)
        scope = ["--permanent", "--policy", name]
        entry = {"created": have is None, "deleted": False, "added": [], "removed": [], "settings": {},
                 "runtime_differs": not _same_policy(have, runtime["policies"].get(name))}
        base = have or {"description": "", "ingress_zones": [], "egress_zones": [], "target": DEFAULT_POLICY_TARGET, "rich_rules": []}
        if have is None:
            policy_steps.append(["--permanent", "--new-policy", name])
        if want["description"] is not None and want["description"] != (base.get("description") or ""):
            entry["settings"]["description"] = {"before": base.get("description") or "", "after": want["description"]}
            policy_steps.append(scope + ["--set-description", want["description"]])
        adds = []
        for side, option in (("ingress_zones", "ingress-zone"), ("egress_zones", "egress-zone")):
            if sorted(base[side]) != sorted(want[side]):
                entry["settings"][side] = {"before": list(base[side]), "after": list(want[side])}
            # removals first, so no intermediate state mixes ANY/HOST with other zones
            policy_steps.extend(scope + ["--remove-%s" % option, zone] for zone in base[side] if zone not in want[side])
            adds.extend(scope + ["--add-%s" % option, zone] for zone in want[side] if zone not in base[side])
        policy_steps.extend(adds)
        if want["target"] != base["target"]:
            entry["settings"]["target"] = {"before": base["target"], "after": want["target"]}
            policy_steps.append(scope + ["--set-target", want["target"]])
        entry["removed"] = [rule for rule in base["rich_rules"] if rule not in want["rich_rules"]]
        entry["added"] = [rule for rule in want["rich_rules"] if rule not in base["rich_rules"]]
        if entry["removed"]:
            policy_steps.append(scope + ["--remove-rich-rule=%s" % rule for rule in entry["removed"]])
        if entry["added"]:
            policy_steps.append(scope + ["--add-rich-rule=%s" % rule for rule in entry["added"]])
        plan_policies[name] = entry
    for name in sorted(set(perm["policies"]) | set(runtime["policies"])):
        if name in want_policies:
            continue
        have = perm["policies"].get(name)
        plan_policies[name] = {"created": False, "deleted": have is not None, "added": [],
                               "removed": list(have["rich_rules"]) if have else [], "settings": {},
                               "runtime_differs": not _same_policy(have, runtime["policies"].get(name))}
        if have is not None:
            policy_deletes.append(["--permanent", "--delete-policy", name])

    # the after side of the diff: an unmanaged description stays as it is
    after_policies = {}
    for name, want in want_policies.items():
        have = perm["policies"].get(name) or {}
        after_policies[name] = dict(want, description=want["description"] if want["description"] is not None else have.get("description", ""))

    # stale policies go before stale ipsets: a policy may still use the set
    steps = set_steps + policy_steps + policy_deletes + delete_steps
    drift = any(entry["runtime_differs"] for entry in list(plan_policies.values()) + list(plan_ipsets.values()))
    changed = bool(steps) or drift
    return {
        "prefix": prefix,
        "changed": changed,
        "reload": changed,
        "steps": steps,
        "policies": plan_policies,
        "ipsets": plan_ipsets,
        "after": {
            "policies": [_policy_view(after_policies[name]) for name in sorted(after_policies)],
            "ipsets": [_ipset_view(dict(ipset, entries=_kept_entries(perm["ipsets"].get(name), plan_ipsets[name])))
                       for name, ipset in sorted(want_ipsets.items())],
        },
        "diff": {
            "before_header": "firewalld permanent configuration (%s-* policies and ipsets)" % prefix,
            "after_header": "desired (%s-* policies and ipsets)" % prefix,
            "before": _describe(perm, runtime),
            "after": _describe({"policies": after_policies, "ipsets": want_ipsets}, None),
        },
    }


def _kept_entries(existing, entry):
    """Entries an ipset keeps: this module never adds or removes entries, but recreating empties the set."""
    if existing is None or entry["recreated"]:
        return []
    return list(existing.get("entries") or [])


def _describe(side, runtime):
    """A human-readable listing: one object per block, one rich rule per line, sorted."""
    lines = []
    for name in sorted(side["policies"]):
        policy = side["policies"][name]
        lines.append("policy %s" % name)
        if policy.get("description"):
            lines.append("  description: %s" % policy["description"])
        lines.append("  ingress-zones: %s" % " ".join(policy["ingress_zones"]))
        lines.append("  egress-zones: %s" % " ".join(policy["egress_zones"]))
        lines.append("  target: %s" % policy["target"])
        lines.extend("  %s" % rule for rule in sorted(policy["rich_rules"]))
        if runtime is not None and not _same_policy(policy, runtime["policies"].get(name)):
            lines.append("  (runtime differs from permanent)")
    if runtime is not None:
        for name in sorted(set(runtime["policies"]) - set(side["policies"])):
            lines.append("policy %s (runtime only)" % name)
    for name in sorted(side["ipsets"]):
        ipset = side["ipsets"][name]
        lines.append("ipset %s" % name)
        lines.append("  type: %s" % ipset["type"])
        lines.append("  family: %s" % ipset["family"])
        if runtime is not None and not _same_ipset(ipset, runtime["ipsets"].get(name)):
            lines.append("  (runtime differs from permanent)")
    if runtime is not None:
        for name in sorted(set(runtime["ipsets"]) - set(side["ipsets"])):
            lines.append("ipset %s (runtime only)" % name)
    return "\n".join(lines) + "\n" if lines else ""


def public_plan(plan):
    """The plan as returned to the user: policies, ipsets, reload."""
    return {"policies": plan["policies"], "ipsets": plan["ipsets"], "reload": plan["reload"]}


def state_views(side):
    """Policies and ipsets of one side as the module returns them."""
    return ([_policy_view(side["policies"][name]) for name in sorted(side["policies"])],
            [_ipset_view(side["ipsets"][name]) for name in sorted(side["ipsets"])])


# ---------------------------------------------------------------- apply

class ConfigBackup:
    """The owned XML files of the permanent configuration, kept in memory for a rollback."""

    SUBDIRS = ("policies", "ipsets")

    def __init__(self, prefix, config_dir=None):
        self.prefix = prefix
        self.config_dir = config_dir or FIREWALLD_CONFIG_DIR
        self.saved = None

    def _owned_files(self):
        found = []
        for subdir in self.SUBDIRS:
            directory = os.path.join(self.config_dir, subdir)
            if not os.path.isdir(directory):
                continue
            for entry in sorted(os.listdir(directory)):
                if entry.startswith(self.prefix + "-") and entry.endswith(".xml"):
                    found.append(os.path.join(directory, entry))
        return found

    def save(self):
        self.saved = {}
        for path in self._owned_files():
            with open(path, "rb") as handle:
                self.saved[path] = (handle.read(), os.stat(path).st_mode & 0o7777)
        return sorted(self.saved)

    def restore(self):
        """Put the saved files back and remove owned files created since; return what was done."""
        removed = []
        for path in self._owned_files():
            if path not in self.saved:
                os.remove(path)
                removed.append(path)
        restored = []
        for path, (content, mode) in sorted(self.saved.items()):
            temp = path + ".netreq-restore"
            with open(temp, "wb") as handle:
                handle.write(content)
            os.chmod(temp, mode)
            os.rename(temp, path)
            restored.append(path)
        return {"restored": restored, "removed": removed}


def verify(desired, runtime):
    """Differences between the desired state and the runtime after the reload (empty: none)."""
    problems = []
    present = desired["state"] == "present"
    want_policies = desired["policies"] if present else {}
    want_ipsets = desired["ipsets"] if present else {}
    for name, want in want_policies.items():
        have = runtime["policies"].get(name)
        if have is None:
            problems.append("policy %s is missing" % name)
            continue
        for key in ("ingress_zones", "egress_zones"):
            if sorted(have[key]) != sorted(want[key]):
                problems.append("policy %s: %s are %s, expected %s" % (name, key, " ".join(have[key]), " ".join(want[key])))
        if have["target"] != want["target"]:
            problems.append("policy %s: target is %s, expected %s" % (name, have["target"], want["target"]))
        if want["description"] is not None and have["description"] != want["description"]:
            problems.append("policy %s: description is %r, expected %r" % (name, have["description"], want["description"]))
        missing = [rule for rule in want["rich_rules"] if rule not in have["rich_rules"]]
        extra = [rule for rule in have["rich_rules"] if rule not in want["rich_rules"]]
        if missing:
            problems.append("policy %s: missing rich rules %s" % (name, missing))
        if extra:
            problems.append("policy %s: unexpected rich rules %s (rich rules must be written as "
                            "'firewall-cmd --info-policy' prints them)" % (name, extra))
    for name in sorted(set(runtime["policies"]) - set(want_policies)):
        problems.append("policy %s should not exist" % name)
    for name, want in want_ipsets.items():
        have = runtime["ipsets"].get(name)
        if have is None:
            problems.append("ipset %s is missing" % name)
        elif not _same_ipset(have, want):
            problems.append("ipset %s is %s/%s, expected %s/%s" % (name, have["type"], have["family"], want["type"], want["family"]))
    for name in sorted(set(runtime["ipsets"]) - set(want_ipsets)):
        problems.append("ipset %s should not exist" % name)
    return problems


def apply_plan(fw, desired, plan, backup):
    """Run the plan: the one place with side effects. Returns the runtime state after the reload.

    On any failure the owned XML files are restored, firewalld reloads them,
    and ``FirewalldError`` is raised with the cause and the rollback outcome.
    """
    try:
        saved = backup.save()
    except OSError as exc:
        raise FirewalldError("cannot back up the owned firewalld files, nothing was changed: %s" % exc)
    try:
        for step in plan["steps"]:
            fw.change(step)
        fw.change(["--reload"])
        check_running(fw)
        after = _read_side(fw, desired["prefix"], False)
        problems = verify(desired, after)
        if problems:
            raise FirewalldError("the runtime configuration after the reload differs from the input:\n- " + "\n- ".join(problems),
                                 problems=problems)
        return after
    except FirewalldError as exc:
        rollback = {"backed_up": saved}
        try:
            rollback.update(backup.restore())
            fw.change(["--reload"])
            check_running(fw)
            rollback["result"] = "previous configuration restored"
        except (OSError, FirewalldError) as rollback_exc:
            rollback["result"] = "ROLLBACK FAILED: %s" % rollback_exc
        details = dict(exc.details)
        details["rollback"] = rollback
        raise FirewalldError("%s\nrollback: %s" % (exc, rollback["result"]), **details)
