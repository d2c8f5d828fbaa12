# -*- coding: utf-8 -*-
# Copyright (c) netreq.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Profile text is data, never code: hostile text in every field, through every backend.

Each string field of a profile, each renderer option and the free-text inputs
of the Linux appliers get quotes, a newline, ``;``, ``$(...)``, backquotes and
a backslash. Every case must end one of two ways:

* refused, with an error that names the profile and the field; or
* rendered, with the text only where the consumer takes it as a value: the
  description of a Windows rule or of a cloud rule (passed as data to the
  upstream modules and cmdlets), an XML text node (escaped by ElementTree),
  ufw's hex-encoded comment. The Linux rule sets (nft text, ufw argument
  lists, firewalld rich rules) must not contain it at all.

No rendered string may hold a line break (every consumer here is line
oriented or rejects control characters), but for the nft rule set text the
renderer writes itself.
"""

from __future__ import annotations

import json
import os

import pytest
import yaml

from ansible_collections.netreq.firewall.plugins.module_utils._apply.firewalld import config as _firewalld_config
from ansible_collections.netreq.firewall.plugins.module_utils._apply.ufw import apply as _ufw_apply
from ansible_collections.netreq.firewall.plugins.module_utils._apply.ufw import files as _ufw_files
from ansible_collections.netreq.firewall.plugins.module_utils._apply.ufw import rules as _ufw_rules
from ansible_collections.netreq.firewall.plugins.module_utils._model.errors import InputError, NetreqError
from ansible_collections.netreq.firewall.plugins.module_utils._model.rules import compile_selections
from ansible_collections.netreq.firewall.plugins.module_utils._render._registry import BACKENDS, render, renderer, renderer_options

MARK = "netreq-pwned"
HOSTILE = [
    'double"quote %s' % MARK,
    "single'quote %s" % MARK,
    "new\nline %s" % MARK,
    "semi;colon %s" % MARK,
    "$(touch /tmp/%s)" % MARK,
    "`touch /tmp/%s`" % MARK,
    "back\\slash %s" % MARK,
    "{ brace } # %s" % MARK,
]
PROFILE = os.path.join(os.path.dirname(__file__), "..", "..", "..", "profiles", "dual_stack.yml")
COMPONENT = "server"
# where a backend's rendering may carry profile text, as a value the consumer never parses
DATA_KEYS = {
    "windows": {"description"},
    # group_name (the name and the netreq:set tag): AWS allows ;$(){}# in names; passed as data
    "aws": {"description", "rule_desc", "name", "netreq:set"},
    "azure": {"description"},
    "gcp": {"description"},
}
LINUX = ("firewalld", "ufw", "nftables")
# string fields of the profile, as paths into its data
FIELDS = [
    ("name",), ("vendor",), ("product",), ("source", "title"), ("source", "url"), ("source", "date"),
    ("components", COMPONENT, "description"),
    ("requirements", 0, "id"), ("requirements", 0, "component"), ("requirements", 0, "direction"),
    ("requirements", 0, "protocols"), ("requirements", 0, "ports", 0), ("requirements", 0, "remote", 0),
    ("requirements", 0, "description"), ("requirements", 0, "source"),
]


def _base():
    with open(PROFILE) as stream:
        return yaml.safe_load(stream)


def _with(path, value):
    profile = _base()
    target = profile
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return profile


def _strings(value, key=None):
    """Every (key, string) pair of a rendering, the key being the innermost mapping key."""
    if isinstance(value, str):
        yield key, value
    elif isinstance(value, dict):
        for name, item in value.items():
            yield from _strings(name, None)
            yield from _strings(item, name)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _strings(item, key)


def _check_rendering(backend, rendering):
    for key, text in _strings(rendering):
        if (backend, key) != ("nftables", "ruleset"):
            assert "\n" not in text and "\r" not in text, "%s: line break in %s=%r" % (backend, key, text)
        if MARK in text:
            assert key in DATA_KEYS.get(backend, ()), "%s: profile text in %s=%r" % (backend, key, text)
    if backend in LINUX:
        params = renderer(backend).applier_params(rendering, {})
        assert MARK not in json.dumps(params), "%s: profile text reached the applier's input" % backend


def _render_all(profile, **options):
    """``{backend: rendering or the NetreqError}`` for one compiled profile."""
    rules = compile_selections([{"profile": profile, "component": COMPONENT}])
    results = {}
    for backend in BACKENDS:
        accepted = dict((name, value) for name, value in options.items() if name in renderer_options(backend))
        try:
            results[backend] = render(backend, rules, **accepted)
        except NetreqError as exc:
            results[backend] = exc
    return results


@pytest.mark.parametrize("text", HOSTILE)
@pytest.mark.parametrize("path", FIELDS, ids=lambda path: ".".join(map(str, path)))
def test_profile_fields(path, text):
    profile = _with(path, text)
    try:
        results = _render_all(profile)
    except NetreqError as exc:
        message = str(exc)
        assert "field" in message and str(path[-1] if not isinstance(path[-1], int) else path[-2]) in message, message
        return
    for backend, result in results.items():
        assert not isinstance(result, NetreqError), "%s refused valid data: %s" % (backend, result)
        _check_rendering(backend, result)


@pytest.mark.parametrize("text", HOSTILE)
def test_renderer_options(text):
    options = sorted(set().union(*(renderer_options(backend) for backend in BACKENDS)))
    for option in options:
        for backend, result in _render_all(_base(), **{option: text}).items():
            if option not in renderer_options(backend):
                continue
            if isinstance(result, NetreqError):
                assert option in str(result), "%s: the error for option %s does not name it: %s" % (backend, option, result)
            else:
                _check_rendering(backend, result)


@pytest.mark.parametrize("text", [item for item in HOSTILE if "'" not in item and "\n" not in item])
def test_ufw_comment_is_written_hex_encoded(text):
    comment = "netreq:" + text
    scope = _ufw_apply._scope("netreq:", None)
    rules, _merged = _ufw_apply.validate_rules(
        [{"args": ["allow", "in", "proto", "tcp", "to", "any", "port", "22", "comment", comment]}], scope)
    block = _ufw_files.new_block(rules[0], 4)
    assert MARK not in block.text
    assert _ufw_rules.parse_tuple(block.text.splitlines()[0]).comment == comment


@pytest.mark.parametrize("text", ["single'quote", "new\nline", "carriage\rreturn"])
def test_ufw_comment_ufw_cannot_store_is_refused(text):
    scope = _ufw_apply._scope("netreq:", None)
    with pytest.raises(InputError, match=r"rules\[0\]\.args: comment"):
        _ufw_apply.validate_rules([{"args": ["allow", "in", "proto", "tcp", "to", "any", "port", "22", "comment",
                                             "netreq:" + text]}], scope)


def _policy(description=None, rich_rules=()):
    return {"policies": [{"name": "netreq-in", "description": description, "ingress_zones": ["ANY"],
                          "egress_zones": ["HOST"], "target": "CONTINUE", "rich_rules": list(rich_rules)}],
            "ipsets": [], "policy_prefix": "netreq", "state": "present"}


@pytest.mark.parametrize("text", [item for item in HOSTILE if "\n" not in item] + ["<xml> & </policy>"])
def test_firewalld_description_is_an_escaped_text_node(text, tmp_path):
    desired = _firewalld_config.desired_state(_policy(description=text))
    path = tmp_path / "netreq-in.xml"
    path.write_bytes(_firewalld_config.policy_xml(desired["policies"]["netreq-in"]))
    assert _firewalld_config.read_policy(str(path), "netreq-in")["description"] == text


@pytest.mark.parametrize("text", HOSTILE)
def test_firewalld_rich_rule_with_injected_text_is_refused(text):
    rule = 'rule family="ipv4" source address="198.51.100.0/24" port port="22" protocol="tcp" accept %s' % text
    with pytest.raises(InputError, match=r"policies\[0\]"):
        _firewalld_config.desired_state(_policy(rich_rules=[{"rule": rule}]))


def test_firewalld_description_with_a_line_break_is_refused():
    with pytest.raises(InputError, match="description must be one line"):
        _firewalld_config.desired_state(_policy(description="two\nlines"))


def test_the_hostile_cases_can_fail():
    """The checks above catch profile text that reaches a rule set or a line break (negative controls)."""
    with pytest.raises(AssertionError):
        _check_rendering("nftables", {"rules": [{"statements": ["accept comment \"%s\"" % MARK]}]})
    with pytest.raises(AssertionError):
        _check_rendering("windows", {"rules": [{"description": "two\nlines"}]})
    with pytest.raises(AssertionError):
        _check_rendering("gcp", {"firewalls": [{"name": MARK}]})
