# Copyright (c) netreq.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""docs/profile.schema.json: every shipped profile fits it, and it agrees with the loader on bad profiles."""

from __future__ import annotations

import copy
import glob
import json
import os

import pytest
import yaml

from ansible_collections.netreq.firewall.plugins.module_utils._model.errors import ProfileError
from ansible_collections.netreq.firewall.plugins.module_utils._model.profile import load_profile

jsonschema = pytest.importorskip("jsonschema")

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
with open(os.path.join(REPO, "docs", "profile.schema.json")) as _stream:
    SCHEMA = json.load(_stream)
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)
PROFILES = sorted(glob.glob(os.path.join(REPO, "catalog", "*.yml")) + glob.glob(os.path.join(REPO, "tests", "profiles", "*.yml"))
                  + glob.glob(os.path.join(REPO, "extensions", "molecule", "shared", "files", "*profile*.yml")))

BASE = {
    "schema_version": 1, "name": "acme_widget", "vendor": "Acme", "product": "Widget",
    "source": {"title": "Widget network guide", "date": None, "url": None},
    "parameters": {
        "servers": {"type": "addresses", "required": True, "description": "Widget servers"},
        "port": {"type": "port", "default": 8443},
    },
    "components": {"agent": {"description": "The Widget agent."}},
    "requirements": [{
        "id": "agent_out", "component": "agent", "direction": "egress", "protocols": ["tcp"],
        "ports": ["{{ port }}"], "remote": ["{{ servers }}", "updates.acme.example"],
        "description": "Agent to servers", "source": "Agents connect to the servers on TCP 8443.",
    }],
}


def changed(path, value):
    """BASE with the value at ``path`` (keys and list indexes) replaced; ``...`` removes it."""
    profile = copy.deepcopy(BASE)
    node = profile
    for key in path[:-1]:
        node = node[key]
    if value is Ellipsis:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return profile


INVALID = [
    ("unknown top-level field", changed(("maintainer",), "me")),
    ("schema version 2", changed(("schema_version",), 2)),
    ("upper-case name", changed(("name",), "AcmeWidget")),
    ("no components", changed(("components",), {})),
    ("no requirements", changed(("requirements",), [])),
    ("parameter of unknown type", changed(("parameters", "port", "type"), "int")),
    ("required parameter with a default", changed(("parameters", "servers", "default"), [])),
    ("optional parameter without a default", changed(("parameters", "port", "default"), ...)),
    ("requirement without source", changed(("requirements", 0, "source"), ...)),
    ("unknown protocol", changed(("requirements", 0, "protocols"), ["sctp"])),
    ("ports with icmp", changed(("requirements", 0, "protocols"), ["icmp"])),
    ("port out of range", changed(("requirements", 0, "ports"), [70000])),
    ("reference inside a longer value", changed(("requirements", 0, "remote"), ["x{{ servers }}"])),
    ("unknown direction", changed(("requirements", 0, "direction"), "outbound")),
    ("temporary without optional", changed(("requirements", 0, "temporary"), True)),
    ("condition with equals and non_empty", changed(("requirements", 0, "when"),
                                                    [{"parameter": "servers", "equals": [], "non_empty": True}])),
    ("unknown requirement field", changed(("requirements", 0, "owner"), "me")),
]


@pytest.mark.parametrize("path", PROFILES, ids=[os.path.relpath(p, REPO) for p in PROFILES])
def test_every_shipped_profile_fits_the_schema(path):
    with open(path) as stream:
        profile = yaml.safe_load(stream)
    errors = ["%s: %s" % ("/".join(map(str, e.absolute_path)), e.message) for e in VALIDATOR.iter_errors(profile)]
    assert errors == []


def test_the_schema_is_valid_and_the_base_profile_passes_both():
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    assert list(VALIDATOR.iter_errors(BASE)) == []
    assert load_profile(copy.deepcopy(BASE)).name == "acme_widget"


@pytest.mark.parametrize("name,profile", INVALID, ids=[case[0] for case in INVALID])
def test_schema_and_loader_both_reject(name, profile):
    assert list(VALIDATOR.iter_errors(profile)), "the schema accepts: %s" % name
    with pytest.raises(ProfileError):
        load_profile(profile)


def test_the_worked_example_of_the_docs_is_a_valid_profile():
    """docs/docsite/rst/writing_a_profile.rst: its profile passes the schema and the loader, and compiles."""
    with open(os.path.join(REPO, "docs", "docsite", "rst", "writing_a_profile.rst")) as stream:
        text = stream.read()
    block = text.split(".. code-block:: yaml\n\n", 1)[1]
    lines = []
    for line in block.splitlines():
        if line and not line.startswith("   "):
            break
        lines.append(line[3:])
    profile = yaml.safe_load("\n".join(lines))
    assert list(VALIDATOR.iter_errors(profile)) == []
    loaded = load_profile(profile)
    assert loaded.name == "acme_widget" and loaded.options == ["syslog"]
    from ansible_collections.netreq.firewall.plugins.module_utils._model.rules import compile_rules  # pylint: disable=import-outside-toplevel
    rules = compile_rules(profile, component="server", params={"server_cidrs": ["198.51.100.0/28"], "agent_cidrs": ["203.0.113.0/24"]},
                          enable=["syslog"])
    assert {(r["protocol"], tuple(r["ports"])) for r in rules} == {("tcp", ("8443",)), ("udp", ("514",))}
