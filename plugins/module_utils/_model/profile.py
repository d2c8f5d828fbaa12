# -*- coding: utf-8 -*-
# Copyright (c) netreq.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""PRIVATE: loading and validating profiles (vendor tables as data).

A profile is loaded from the built-in catalog by name, from a YAML file, or
from a dict; it is validated completely before anything is compiled, so a
typo in requirement 40 is reported even when requirement 1 is the one asked
for. Every literal address is parsed here, once; ``_model/rules.compile_rules``
reuses the normalized values.

Nothing is guessed or dropped: every problem raises ``ProfileError`` naming
the file, profile, requirement and field.
"""

from __future__ import annotations

import functools
import json
import os
import re
import unicodedata

from ansible_collections.netreq.firewall.plugins.module_utils._model import addresses as addr
from ansible_collections.netreq.firewall.plugins.module_utils._model.errors import ProfileError, shown

SCHEMA_VERSION = 1
# plugins/module_utils/_model/profile.py -> the collection root
CATALOG_DIR = os.path.join(os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..")), "catalog")

PARAMETER_TYPES = ("bool", "str", "port", "addresses", "hosts")
DIRECTIONS = ("ingress", "egress")

_NAME_RE = re.compile(r"^[a-z][a-z0-9_]*\Z")
_REFERENCE_RE = re.compile(r"^\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}\Z")
_PROFILE_KEYS = {"schema_version", "name", "vendor", "product", "source", "variant_parameter",
                 "parameters", "components", "requirements"}
_PARAMETER_KEYS = {"type", "required", "default", "choices", "description"}
_REQUIREMENT_KEYS = {"id", "component", "direction", "protocols", "ports", "remote", "description",
                     "source", "optional", "temporary", "when", "variant"}
_CONDITION_KEYS = {"parameter", "equals", "non_empty"}


# --------------------------------------------------------------------------- loading

def builtin_profiles():
    """Names of the profiles shipped in ``catalog/``."""
    if not os.path.isdir(CATALOG_DIR):
        return []
    return sorted(name[:-4] for name in os.listdir(CATALOG_DIR) if name.endswith(".yml"))


# YAML 1.1 (PyYAML's) reads 20:21 as 1221 (base 60) and 0443 as 291 (octal): a port, a range
# or an unquoted IPv6 address would change silently. Those spellings are refused with the fix.
_SEXAGESIMAL_RE = re.compile(r"[-+]?[1-9][0-9_]*(:[0-5]?[0-9])+\Z")
_OCTAL_RE = re.compile(r"[-+]?0[0-7_]+\Z")


@functools.lru_cache(maxsize=None)
def _strict_loader(yaml):
    """A safe loader (libyaml's when PyYAML has it) whose integers are only the ones they look like.

    The pure-Python loader takes over a second for a profile of a thousand
    requirements; both build the same plain data.
    """
    base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    def construct_int(loader, node):
        number = loader.construct_yaml_int(node)
        text = node.value
        if _SEXAGESIMAL_RE.match(text):
            raise yaml.constructor.ConstructorError(
                None, None, "%s is read by YAML 1.1 as the base-60 number %d, not as written: a port range is written "
                "%s, an IPv6 address or anything else with colons must be quoted" % (text, number, text.replace(":", "-", 1)),
                node.start_mark)
        if _OCTAL_RE.match(text):
            raise yaml.constructor.ConstructorError(
                None, None, "%s is read by YAML 1.1 as the octal number %d, not as written: write %s without the leading "
                "zero, or quote it" % (text, number, text.lstrip("+-0_") or "0"), node.start_mark)
        return number

    strict = type("StrictProfileLoader", (base,), {})
    strict.add_constructor("tag:yaml.org,2002:int", construct_int)
    return strict


def _read_yaml(path):
    try:
        import yaml
    except ImportError:  # pragma: no cover - PyYAML ships with ansible-core
        raise ProfileError("PyYAML is required to read profile files", origin=path)
    loader = _strict_loader(yaml)
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
        if text.lstrip().startswith("{"):
            # JSON is YAML too; a generated profile in JSON loads several times faster this way
            try:
                return json.loads(text)
            except ValueError:
                pass  # YAML's flow style also starts with "{": let the YAML parser read (or refuse) it
        return yaml.load(text, Loader=loader)  # nosec B506 - a safe loader
    except OSError as exc:
        raise ProfileError("cannot read profile file: %s" % exc.strerror, origin=path)
    except yaml.YAMLError as exc:
        mark, problem = getattr(exc, "problem_mark", None), getattr(exc, "problem", None)
        if mark is not None and problem:  # where, in the user's own file (the parser only knows a string)
            context = " (%s)" % exc.context if getattr(exc, "context", None) else ""
            raise ProfileError("not valid YAML at line %d, column %d: %s%s" % (mark.line + 1, mark.column + 1, problem, context),
                               origin=path)
        raise ProfileError("not valid YAML: %s" % exc, origin=path)


def is_builtin(profile):
    """Whether the loaded ``profile`` came from the collection's own catalog."""
    return bool(profile.origin) and os.path.dirname(profile.origin) == CATALOG_DIR


def load_profile(spec):
    """A validated ``Profile`` from a built-in name, a file path or a dict."""
    if isinstance(spec, Profile):
        return spec
    if isinstance(spec, dict):
        return Profile(spec, origin=None)
    if not isinstance(spec, str) or not spec:
        raise ProfileError("a profile is a built-in name, a file path or a dict, got %s" % shown(spec))
    if _NAME_RE.match(spec) and not spec.endswith((".yml", ".yaml")):
        path = os.path.join(CATALOG_DIR, spec + ".yml")
        if not os.path.isfile(path):
            raise ProfileError("unknown built-in profile %s; built-in profiles: %s" % (shown(spec), ", ".join(builtin_profiles())))
    else:
        path = os.path.abspath(os.path.expanduser(spec))
    return Profile(_read_yaml(path), origin=path)


# --------------------------------------------------------------------------- schema

class Requirement:
    """One row (or group of identical rows) of a vendor table, validated."""

    def __init__(self, profile, raw, index):
        self.profile = profile
        rid = raw.get("id") if isinstance(raw, dict) else None
        # shown as written (repr) when invalid: "agent_out\n" must not print as agent_out and a line break
        if isinstance(rid, str):
            self.id = rid if rid.isprintable() and rid == rid.strip() and len(rid) <= 80 else shown(rid)
        else:
            self.id = "#%d" % (index + 1)
        if not isinstance(raw, dict):
            self._fail(None, "a requirement must be a mapping")
        self._check_keys(raw)
        if not isinstance(rid, str) or not _NAME_RE.match(rid):
            self._fail("id", "%s must be lower-case letters, digits and underscores, starting with a letter"
                       % (shown(rid) if isinstance(rid, str) else "the id"))
        self.component = self._choice(raw, "component", sorted(profile.components))
        self.direction = self._choice(raw, "direction", DIRECTIONS)
        self.protocols = self._protocols(raw)
        self.ports = self._ports(raw)
        self.remote = self._remote(raw)
        self.description = self._text(raw, "description")
        self.source = self._source(raw)
        self.optional = raw.get("optional")
        if self.optional is not None and (not isinstance(self.optional, str) or not _NAME_RE.match(self.optional)):
            self._fail("optional", "must be the name of the option that enables this requirement")
        self.temporary = raw.get("temporary", False)
        if not isinstance(self.temporary, bool):
            self._fail("temporary", "must be true or false")
        if self.temporary and not self.optional:
            self._fail("temporary", "a temporary requirement must also be optional (enabled by name, with an expiry)")
        self.variant = raw.get("variant")
        if self.variant is not None:
            if not profile.variant_parameter:
                self._fail("variant", "the profile declares no variant_parameter")
            choices = profile.parameters[profile.variant_parameter].get("choices") or []
            if self.variant not in choices:
                self._fail("variant", "%r is not one of %s" % (self.variant, ", ".join(map(str, choices))))
        self.when = self._conditions(raw)

    def _fail(self, field, message):
        raise ProfileError(message, profile=self.profile.name, requirement=self.id, field=field, origin=self.profile.origin)

    def _check_keys(self, raw):
        unknown = sorted(set(raw) - _REQUIREMENT_KEYS)
        if unknown:
            self._fail(unknown[0], "unknown field; allowed: %s" % ", ".join(sorted(_REQUIREMENT_KEYS)))

    def _choice(self, raw, field, choices):
        value = raw.get(field)
        if value is None:
            self._fail(field, "is required: one of %s" % ", ".join(choices))
        if value not in choices:
            self._fail(field, "%s is not one of %s" % (shown(value), ", ".join(choices)))
        return value

    def _text(self, raw, field):
        value = raw.get(field)
        if not isinstance(value, str) or not value.strip():
            self._fail(field, "is required and must be a non-empty string")
        _refuse_control(self, value, field)
        return " ".join(value.split())

    def _source(self, raw):
        value = raw.get("source")
        quotes = value if isinstance(value, list) else [value]
        if not quotes or not all(isinstance(q, str) and q.strip() for q in quotes):
            self._fail("source", "is required: quote the line(s) of the vendor document this requirement encodes")
        for quote in quotes:
            _refuse_control(self, quote, "source")
        return " / ".join(" ".join(q.split()) for q in quotes)

    def _protocols(self, raw):
        value = raw.get("protocols")
        values = value if isinstance(value, list) else [value]
        if not values:
            self._fail("protocols", "must name at least one protocol")
        for item in values:
            if item not in addr.PROTOCOLS:
                self._fail("protocols", "unknown protocol %r; use %s" % (item, ", ".join(addr.PROTOCOLS)))
        if len(set(values)) != len(values):
            self._fail("protocols", "lists a protocol twice")
        return list(values)

    def _ports(self, raw):
        if "ports" not in raw:
            return []
        value = raw["ports"]
        values = value if isinstance(value, list) else [value]
        if not values:
            self._fail("ports", "is empty; leave the field out to mean all ports")
        portless = [p for p in self.protocols if p in ("icmp", "any")]
        if portless:
            self._fail("ports", "protocol %s has no ports; leave ports out" % portless[0])
        for item in values:
            if self._reference(item, "ports") is None:
                try:
                    addr.parse_port_item(item)
                except ValueError as exc:
                    self._fail("ports", str(exc))
        return list(values)

    def _remote(self, raw):
        value = raw.get("remote")
        values = value if isinstance(value, list) else [value]
        if value is None or not values:
            self._fail("remote", "is required: addresses, host names, parameter references or 'any'")
        # parsed once, here: compiling reuses the normalized literals
        self.remote_items = []
        literals = []
        try:
            for item in values:
                name = self._reference(item, "remote")
                literal = None if name is not None else addr.parse_remote(item, allow_wildcard=self.direction == "egress")
                self.remote_items.append((name, literal))
                if literal is not None:
                    literals.append(literal)
            addr.combine_remote(literals)
        except ValueError as exc:
            self._fail("remote", str(exc))
        return list(values)

    def _reference(self, item, field):
        """The parameter name if ``item`` is ``{{ name }}``; checks it is declared and fits."""
        if not isinstance(item, str):
            return None
        match = _REFERENCE_RE.match(item.strip())
        if not match:
            if "{{" in item or "}}" in item:
                self._fail(field, "%s: a parameter reference must be the whole value, as in '{{ name }}'" % shown(item))
            return None
        name = match.group(1)
        if name not in self.profile.parameters:
            self._fail(field, "refers to undeclared parameter %r" % name)
        kind = self.profile.parameters[name]["type"]
        expected = ("port",) if field == "ports" else ("addresses", "hosts")
        if kind not in expected:
            self._fail(field, "parameter %r has type %s; %s needs %s" % (name, kind, field, " or ".join(expected)))
        return name

    def _conditions(self, raw):
        value = raw.get("when", [])
        if not isinstance(value, list):
            self._fail("when", "must be a list of conditions")
        for condition in value:
            if not isinstance(condition, dict) or set(condition) - _CONDITION_KEYS or "parameter" not in condition:
                self._fail("when", "each condition is {parameter: NAME, equals: VALUE} or {parameter: NAME, non_empty: true}")
            if condition["parameter"] not in self.profile.parameters:
                self._fail("when", "refers to undeclared parameter %r" % condition["parameter"])
            if ("equals" in condition) == ("non_empty" in condition):
                self._fail("when", "a condition needs exactly one of equals, non_empty")
            if "non_empty" in condition and condition["non_empty"] is not True:
                self._fail("when", "non_empty must be true")
        return list(value)


class Profile:
    """A validated vendor profile."""

    def __init__(self, raw, origin=None):
        self.origin = origin
        self.name = raw.get("name") if isinstance(raw, dict) and isinstance(raw.get("name"), str) else None
        if not isinstance(raw, dict):
            self._fail(None, "a profile must be a mapping")
        unknown = sorted(set(raw) - _PROFILE_KEYS)
        if unknown:
            self._fail(unknown[0], "unknown field; allowed: %s" % ", ".join(sorted(_PROFILE_KEYS)))
        if raw.get("schema_version") != SCHEMA_VERSION:
            self._fail("schema_version", "must be %d" % SCHEMA_VERSION)
        if raw.get("name") is None:
            self._fail("name", "is required: lower-case letters, digits and underscores")
        if not self.name or not _NAME_RE.match(self.name):
            suggestion = re.sub(r"[^a-z0-9_]", "_", str(raw["name"]).lower())
            self._fail("name", "%s is not a valid profile name: use lower-case letters, digits and underscores, starting "
                               "with a letter (e.g. %s)" % (shown(raw["name"]), shown(suggestion)))
        for field in ("vendor", "product"):
            if not isinstance(raw.get(field), str) or not raw[field].strip():
                self._fail(field, "is required and must be a non-empty string")
            _refuse_control(self, raw[field], field)
        self.vendor = raw["vendor"]
        self.product = raw["product"]
        self.source = raw.get("source") or {}
        if not isinstance(self.source, dict):
            self._fail("source", "must be a mapping (title, date, url)")
        for key, text in self.source.items():
            if isinstance(text, str):
                _refuse_control(self, text, "source.%s" % key)
        self.parameters = self._parameters(raw.get("parameters") or {})
        self.variant_parameter = raw.get("variant_parameter")
        if self.variant_parameter is not None:
            spec = self.parameters.get(self.variant_parameter)
            if not spec or spec["type"] != "str" or not spec.get("choices"):
                self._fail("variant_parameter", "must name a declared str parameter with choices")
        self.components = self._components(raw.get("components"))
        requirements = raw.get("requirements")
        if not isinstance(requirements, list) or not requirements:
            self._fail("requirements", "must be a non-empty list")
        self.requirements = [Requirement(self, item, index) for index, item in enumerate(requirements)]
        seen = set()
        for requirement in self.requirements:
            if requirement.id in seen:
                self._fail("requirements", "requirement id %r is used twice" % requirement.id)
            seen.add(requirement.id)
        self.options = sorted({r.optional for r in self.requirements if r.optional})

    def _fail(self, field, message, requirement=None):
        raise ProfileError(message, profile=self.name, requirement=requirement, field=field, origin=self.origin)

    def _parameters(self, raw):
        if not isinstance(raw, dict):
            self._fail("parameters", "must be a mapping of parameter name to its spec")
        parameters = {}
        for name, spec in raw.items():
            field = "parameters.%s" % name
            if not isinstance(name, str) or not _NAME_RE.match(name):
                self._fail(field, "parameter names are lower-case letters, digits and underscores")
            if not isinstance(spec, dict):
                self._fail(field, "must be a mapping with at least a type")
            unknown = sorted(set(spec) - _PARAMETER_KEYS)
            if unknown:
                self._fail("%s.%s" % (field, unknown[0]), "unknown field; allowed: %s" % ", ".join(sorted(_PARAMETER_KEYS)))
            if spec.get("type") not in PARAMETER_TYPES:
                self._fail(field + ".type", "%r is not one of %s" % (spec.get("type"), ", ".join(PARAMETER_TYPES)))
            if spec.get("required") and "default" in spec:
                self._fail(field, "a required parameter cannot have a default")
            if not spec.get("required") and "default" not in spec:
                self._fail(field, "needs a default or required: true")
            parameters[name] = dict(spec)
            if "default" in spec:
                try:
                    parameters[name]["default"] = coerce_parameter(name, spec, spec["default"])
                except ValueError as exc:
                    self._fail(field + ".default", str(exc))
        return parameters

    def _components(self, raw):
        if not isinstance(raw, dict) or not raw:
            self._fail("components", "must be a non-empty mapping of component name to {description: ...}")
        components = {}
        for name, spec in raw.items():
            if not isinstance(name, str) or not _NAME_RE.match(name):
                self._fail("components.%s" % name, "component names are lower-case letters, digits and underscores")
            if not isinstance(spec, dict) or set(spec) != {"description"} or not isinstance(spec["description"], str):
                self._fail("components.%s" % name, "must be a mapping with a description")
            _refuse_control(self, spec["description"], "components.%s.description" % name)
            components[name] = " ".join(spec["description"].split())
        return components


def control_character(text):
    """Why ``text`` cannot be profile text, or None: a control character (line breaks and tabs are folded to spaces).

    Descriptions and sources end up in Windows rules, Azure and GCP descriptions,
    comments and PowerShell strings verbatim; a NUL, BEL or escape sequence there
    is at best invisible and at worst cuts the text or drives a terminal.
    """
    for char in text:
        if unicodedata.category(char) == "Cc" and char not in "\t\n\r":
            return "holds the control character U+%04X; remove it" % ord(char)
    return None


def _refuse_control(owner, text, field):
    """Fail ``owner`` (a Profile or Requirement) at ``field`` when ``text`` holds a control character."""
    problem = control_character(text)
    if problem:
        owner._fail(field, problem)  # pylint: disable=protected-access


def coerce_parameter(name, spec, value):
    """Check one parameter value against its declared type; returns the normalized value."""
    kind = spec["type"]
    if kind == "bool":
        if not isinstance(value, bool):
            raise ValueError("parameter %s must be true or false, got %s" % (name, shown(value)))
        return value
    if kind == "str":
        if not isinstance(value, str):
            raise ValueError("parameter %s must be a string, got %s" % (name, shown(value)))
        if spec.get("choices") and value not in spec["choices"]:
            raise ValueError("parameter %s must be one of %s, got %s" % (name, ", ".join(spec["choices"]), shown(value)))
        return value
    if kind == "port":
        try:
            return addr.parse_port(value)
        except ValueError as exc:
            raise ValueError("parameter %s: %s" % (name, exc))
    if not isinstance(value, (list, tuple)):
        items = [part.strip() for part in value.split(",")] if isinstance(value, str) and "," in value else [value]
        raise ValueError("parameter %s must be a list, got %s; write %s" % (
            name, shown(value), shown([item for item in items if item != ""] or items)))
    try:
        if kind == "addresses":
            for item in value:
                if not isinstance(item, str):
                    raise ValueError("%s is not an IP address or CIDR" % shown(item))
                # cheap shape test first: normalize_remote parses the addresses once
                text = item.strip()
                if not addr.looks_numeric(text) and text.lower() != addr.ANY and not addr.is_address(text):
                    raise ValueError("%s is not an IP address or CIDR" % shown(item))
        return addr.normalize_remote(list(value), allow_wildcard=False)
    except ValueError as exc:
        raise ValueError("parameter %s: %s" % (name, exc))
