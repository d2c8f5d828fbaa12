# -*- coding: utf-8 -*-
# Copyright (c) netreq.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""PRIVATE: compiling validated profiles to Rules, and the Rule contract.

``compile_rules`` selects the requirements of a profile (loaded and validated
by ``_model/profile.py``) for a component, variant, options and parameter conditions,
substitutes parameters and emits the normalized Rule list every renderer
consumes:

``{id, profile, component, direction, protocol, ports, remote, description,
source, optional, temporary, expires}``

* one Rule per requirement and protocol (``<id>-<protocol>`` when a
  requirement lists several protocols);
* ``ports``: ``["443", "1000-2000"]`` sorted, ``[]`` for all ports;
* ``remote``: normalized addresses/CIDRs, host names, wildcards or ``["any"]``.

``check_rules`` is the one place that contract is enforced for Rule lists
coming back from outside (a playbook variable): renderers trust it.
"""

from __future__ import annotations

import datetime
import re

from ansible_collections.netreq.firewall.plugins.module_utils._model import addresses as addr
from ansible_collections.netreq.firewall.plugins.module_utils._model.errors import NetreqError, ProfileError, did_you_mean, type_name
from ansible_collections.netreq.firewall.plugins.module_utils._model.profile import (
    DIRECTIONS,
    coerce_parameter,
    load_profile,
)

RULE_KEYS = ("id", "profile", "component", "direction", "protocol", "ports", "remote",
             "description", "source", "optional", "temporary", "expires")


# --------------------------------------------------------------------------- compiling

def _parse_expiry(text, option, now):
    if isinstance(text, (datetime.datetime, datetime.date)):
        text = text.isoformat()
    if not isinstance(text, str):
        raise ValueError("expiry for option %s must be an ISO 8601 date or date-time, got %r" % (option, text))
    raw = text.strip()
    try:
        if re.match(r"^\d{4}-\d{2}-\d{2}$", raw):
            moment = datetime.datetime.strptime(raw, "%Y-%m-%d").replace(tzinfo=datetime.timezone.utc)
        else:
            moment = datetime.datetime.fromisoformat(raw.replace("Z", "+00:00"))
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=datetime.timezone.utc)
    except ValueError:
        raise ValueError("expiry %r for option %s is not an ISO 8601 date or date-time" % (text, option))
    moment = moment.astimezone(datetime.timezone.utc)
    if moment <= now:
        raise ValueError("expiry %s for option %s is already in the past" % (moment.strftime("%Y-%m-%dT%H:%M:%SZ"), option))
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _enabled_options(profile, enable, expires, now, warnings=None):
    """``{option: expiry or None}`` from ``enable`` (names or {name, expires}) and ``expires``.

    An expiry in the past is an error, unless the caller collects ``warnings``
    (a re-run of a play after the expiry): then the option is left out, so its
    rules are removed from the hosts that still hold them, with a warning.
    """
    if enable is None:
        enable = []
    if not isinstance(enable, (list, tuple)):
        raise ProfileError("enable must be a list of option names", profile=profile.name, field="enable")
    temporary = {r.optional for r in profile.requirements if r.temporary}
    options = {}
    for item in enable:
        name, expiry = item, None
        if isinstance(item, dict):
            unknown = sorted(set(item) - {"name", "expires"})
            if unknown or "name" not in item:
                raise ProfileError("enable entries are option names or {name, expires}", profile=profile.name, field="enable")
            name, expiry = item["name"], item.get("expires")
        if name not in profile.options:
            known = ", ".join(profile.options) or "none"
            raise ProfileError("unknown option %r; this profile's options: %s" % (name, known), profile=profile.name, field="enable")
        if expiry is None:
            expiry = expires.get(name) if isinstance(expires, dict) else expires
        if expiry is not None and name not in temporary:
            raise ProfileError("option %s is not temporary; it takes no expiry" % name, profile=profile.name, field="expires")
        if name in temporary:
            if expiry is None:
                raise ProfileError(
                    "option %s is temporary: give its expiry, e.g. enable=[{'name': '%s', 'expires': '2030-01-31'}] or expires='2030-01-31'"
                    % (name, name), profile=profile.name, field="expires")
            try:
                expiry = _parse_expiry(expiry, name, now)
            except ValueError as exc:
                if warnings is None or "already in the past" not in str(exc):
                    raise ProfileError(str(exc), profile=profile.name, field="expires")
                warnings.append("profile %s: %s; its rules are left out and removed where they remain"
                                % (profile.name, str(exc).replace("is already in the past", "has passed")))
                continue
        options[name] = expiry
    if isinstance(expires, dict):
        for name in expires:
            if name not in options:
                raise ProfileError("expires names option %r, which is not enabled" % name, profile=profile.name, field="expires")
    return options


def _resolve_parameters(profile, params):
    if params is None:
        params = {}
    if not isinstance(params, dict):
        raise ProfileError("params must be a mapping of parameter name to value", profile=profile.name, field="params")
    unknown = sorted(set(params) - set(profile.parameters))
    if unknown:
        raise ProfileError("unknown parameter %r; this profile's parameters: %s" % (unknown[0], ", ".join(sorted(profile.parameters))),
                           profile=profile.name, field="params.%s" % unknown[0])
    values = {}
    for name, spec in profile.parameters.items():
        if name in params and params[name] is not None:
            try:
                values[name] = coerce_parameter(name, spec, params[name])
            except ValueError as exc:
                raise ProfileError(str(exc), profile=profile.name, field="params.%s" % name)
        elif "default" in spec:
            values[name] = spec["default"]
    return values


def _select_components(profile, component):
    if component is None:
        return list(profile.components)
    names = [component] if isinstance(component, str) else component
    if not isinstance(names, (list, tuple)) or not names:
        raise ProfileError("component must be a name or a list of names", profile=profile.name, field="component")
    for name in names:
        if name not in profile.components:
            raise ProfileError("unknown component %r; this profile's components: %s" % (name, ", ".join(profile.components)),
                               profile=profile.name, field="component")
    return list(names)


def _require(values, requirement, name, field):
    if name not in values:
        raise ProfileError("needs parameter %s, which is required and was not given" % name,
                           profile=requirement.profile.name, requirement=requirement.id, field=field)
    return values[name]


def _condition_holds(values, requirement, condition):
    value = _require(values, requirement, condition["parameter"], "when")
    if "non_empty" in condition:
        return bool(value)
    return value == condition["equals"]


def _applies(requirement, values, options):
    profile = requirement.profile
    if requirement.variant is not None and values.get(profile.variant_parameter) != requirement.variant:
        return False
    if requirement.optional and requirement.optional not in options:
        return False
    return all(_condition_holds(values, requirement, condition) for condition in requirement.when)


def _substitute(requirement, values, field):
    items = []
    for item in getattr(requirement, field):
        name = requirement._reference(item, field)  # pylint: disable=protected-access
        if name is None:
            items.append(item)
            continue
        value = _require(values, requirement, name, field)
        items.extend(value if isinstance(value, list) else [value])
    return items


def _rules_for(requirement, values, options):
    fail = {"profile": requirement.profile.name, "requirement": requirement.id}
    ports = _substitute(requirement, values, "ports")
    remote = []
    for name, literal in requirement.remote_items:
        if name is None:
            remote.append(literal)
        else:  # parameter values were normalized when they were checked
            remote.extend(_require(values, requirement, name, "remote"))
    if not remote:
        empty = [name for name, _literal in requirement.remote_items if name is not None]
        raise ProfileError("parameter %s is an empty list, so this requirement resolves to no remote endpoint and would "
                           "allow nothing; give at least one address (or [any])" % " and ".join(empty),
                           field="params.%s" % empty[0], **fail)
    try:
        remote = addr.combine_remote(remote)
    except ValueError as exc:
        raise ProfileError(str(exc), field="remote", **fail)
    ports = addr.normalize_ports(ports)
    rules = []
    for protocol in requirement.protocols:
        rule_id = requirement.id if len(requirement.protocols) == 1 else "%s-%s" % (requirement.id, protocol)
        rules.append({
            "id": rule_id,
            "profile": requirement.profile.name,
            "component": requirement.component,
            "direction": requirement.direction,
            "protocol": protocol,
            "ports": list(ports),
            "remote": list(remote),
            "description": requirement.description,
            "source": requirement.source,
            "optional": bool(requirement.optional),
            "temporary": requirement.temporary,
            "expires": options.get(requirement.optional) if requirement.temporary else None,
        })
    return rules


def compile_rules(profile, component=None, params=None, enable=None, expires=None, now=None, warnings=None):
    """The normalized Rule list for one profile selection.

    ``profile``: built-in name, file path, dict or ``Profile``;
    ``component``: a name, a list of names, or None for all components;
    ``params``: parameter values (defaults fill the rest);
    ``enable``: option names, or ``{name, expires}`` dicts for temporary ones;
    ``expires``: an expiry for every enabled temporary option, or a dict per option;
    ``now``: the reference time for expiry checks (tests pin it);
    ``warnings``: a list to collect expired options in, instead of failing on them.
    """
    profile = load_profile(profile)
    now = now or datetime.datetime.now(datetime.timezone.utc)
    components = _select_components(profile, component)
    values = _resolve_parameters(profile, params)
    options = _enabled_options(profile, enable, expires, now, warnings)
    rules, skipped = [], []
    for requirement in profile.requirements:
        if requirement.component not in components:
            continue
        if _applies(requirement, values, options):
            rules.extend(_rules_for(requirement, values, options))
        else:
            skipped.append(requirement.id)
    if not rules:
        raise ProfileError("no requirement applies to component(s) %s with these parameters and options (skipped: %s)"
                           % (", ".join(components), ", ".join(skipped) or "none"), profile=profile.name, field="component")
    return rules


_SELECTION_KEYS = {"profile", "component", "params", "enable", "expires"}


def _check_selection(index, selection):
    """One selection's shape, with a message naming its position, its profile and the key at fault."""
    field = "selections[%d]" % index
    if not isinstance(selection, dict):
        raise ProfileError("selection %d must be a mapping {profile, component, params, enable, expires}, got %s"
                           % (index + 1, type_name(selection)), field=field)
    profile = selection.get("profile")
    label = profile if isinstance(profile, str) else None
    unknown = sorted(str(key) for key in set(selection) - _SELECTION_KEYS)
    if unknown:
        raise ProfileError("selection %d has unknown key %r%s; a selection has profile, component, params, enable, expires"
                           % (index + 1, unknown[0], did_you_mean(unknown[0], _SELECTION_KEYS)),
                           profile=label, field="%s.%s" % (field, unknown[0]))
    if "profile" not in selection:
        raise ProfileError("selection %d has no profile (a built-in name, a file path or a dict)" % (index + 1),
                           field="%s.profile" % field)


def compile_selections(selections, now=None, warnings=None):
    """Rules of several profile selections, for one host; rule ids must stay unique per profile.

    Each selection is ``{profile, component, params, enable, expires}`` as for
    ``compile_rules``. Two selections that yield the same ``profile:id`` would
    own the same firewall objects, so that is refused rather than merged.
    """
    if not isinstance(selections, (list, tuple)) or not selections:
        raise ProfileError("a list of profile selections {profile, component, params, enable, expires} is required")
    rules, owners = [], {}
    for index, selection in enumerate(selections):
        _check_selection(index, selection)
        arguments = {key: selection[key] for key in _SELECTION_KEYS - {"profile"} if selection.get(key) is not None}
        for rule in compile_rules(selection["profile"], now=now, warnings=warnings, **arguments):
            key = "%s:%s" % (rule["profile"], rule["id"])
            if key in owners:
                raise ProfileError("rule %s comes from selections %d and %d; select each requirement once"
                                   % (rule["id"], owners[key] + 1, index + 1), profile=rule["profile"], requirement=rule["id"],
                                   field="selections[%d]" % index)
            owners[key] = index
            rules.append(rule)
    return rules


# --------------------------------------------------------------------------- the Rule contract

_RULE_KEY_SET = frozenset(RULE_KEYS)
_PORTED_PROTOCOLS = ("tcp", "udp")


def _check_rule(rule):
    """One Rule: every field of the shape ``compile_rules`` gives; addresses are parsed by the renderers, once."""
    rule_id = rule["id"]
    for key in ("id", "profile", "component", "description", "source"):
        if not isinstance(rule[key], str) or (key != "description" and not rule[key]):
            raise NetreqError("rule %r: %s must be a non-empty string (Rule contract)" % (rule_id, key))
    if rule["protocol"] not in addr.PROTOCOLS or rule["direction"] not in DIRECTIONS:
        raise NetreqError("rule %s: protocol %r or direction %r is not one the Rule contract allows"
                          % (rule_id, rule["protocol"], rule["direction"]))
    ports = rule["ports"]
    if not isinstance(ports, list) or not all(isinstance(port, str) for port in ports):
        raise NetreqError("rule %s: ports must be a list of strings such as '443' or '1000-2000' (Rule contract)" % rule_id)
    if ports:
        if rule["protocol"] not in _PORTED_PROTOCOLS:
            raise NetreqError("rule %s: ports %s given with protocol %s; ports need protocol tcp or udp (Rule contract)"
                              % (rule_id, ", ".join(ports), rule["protocol"]))
        try:
            normalized = addr.normalize_ports(ports)
        except ValueError as exc:
            raise NetreqError("rule %s: %s (Rule contract)" % (rule_id, exc))
        if normalized != ports:
            raise NetreqError("rule %s: ports %s are not sorted and de-duplicated as %s (Rule contract)"
                              % (rule_id, ports, normalized))
    remote = rule["remote"]
    if not isinstance(remote, list) or not remote or not all(isinstance(item, str) and item for item in remote):
        raise NetreqError("rule %s: remote must be a non-empty list of addresses, host names or 'any' (Rule contract)" % rule_id)
    if addr.ANY in remote and len(remote) > 1:
        raise NetreqError("rule %s: 'any' cannot be combined with other endpoints (Rule contract)" % rule_id)
    if not isinstance(rule["optional"], bool) or not isinstance(rule["temporary"], bool):
        raise NetreqError("rule %s: optional and temporary must be true or false (Rule contract)" % rule_id)
    if rule["expires"] is not None and not isinstance(rule["expires"], str):
        raise NetreqError("rule %s: expires must be null or an ISO 8601 date-time (Rule contract)" % rule_id)


class CheckedRules(tuple):
    """A Rule list that ``check_rules`` has accepted: rendering it for several backends checks it once."""


def check_rules(rules):
    """Refuse anything that is not a Rule list as ``compile_rules`` makes it; the renderers rely on this.

    Cheap on purpose (no address is parsed here): renderers parse each remote
    entry once when they split it, and refuse entries that are neither an
    address nor a host name there. Returns the rules as ``CheckedRules``.
    """
    if isinstance(rules, CheckedRules):
        return rules
    if not isinstance(rules, (list, tuple)):
        raise NetreqError("expected the Rule list produced by netreq.firewall.requirements, got %s" % type_name(rules))
    for index, rule in enumerate(rules):
        if not isinstance(rule, dict) or set(rule) != _RULE_KEY_SET:
            raise NetreqError("item %d is not a Rule (expected keys: %s)" % (index, ", ".join(RULE_KEYS)))
        try:
            _check_rule(rule)
        except NetreqError as exc:
            if not isinstance(rule["profile"], str):
                raise
            raise NetreqError("profile %s, %s" % (rule["profile"], exc))
    return CheckedRules(rules)
