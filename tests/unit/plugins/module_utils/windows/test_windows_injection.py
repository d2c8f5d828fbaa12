"""Hostile text (quotes, newlines, ``;``, ``$(...)``, backticks) through every field into the Windows apply.

Every field of a profile either is refused by the compile, naming the field,
or reaches the apply module only as a parameter value inside the operations
JSON, which the module splats into a cmdlet (see test_windows_powershell_text.py:
no script text is ever built or evaluated). The same holds for what the host
reports: a hostile rule name read back becomes a ``Name`` value, nothing else.
"""

import copy
import json
import os

import pytest
import yaml

from ansible_collections.netreq.firewall.plugins.module_utils._apply.windows import changes as wp
from ansible_collections.netreq.firewall.plugins.module_utils._model.errors import NetreqError
from ansible_collections.netreq.firewall.plugins.module_utils._model.rules import compile_rules
from ansible_collections.netreq.firewall.plugins.module_utils._render import windows

HERE = os.path.dirname(os.path.abspath(__file__))
HOSTILE = [
    "x'; Remove-NetFirewallRule -All; '",
    'x"; $(Remove-NetFirewallRule -All) "',
    "x`n$(calc)",
    "line one\nline two\r\n; & calc",
    "@{ Name = 'x' }",
    "x -PolicyStore ActiveStore",
]


def base():
    with open(os.path.join(HERE, "fixtures", "lab_profile.yml"), encoding="utf-8") as stream:
        return yaml.safe_load(stream)


def fresh():
    with open(os.path.join(HERE, "fixtures", "host_fresh.json"), encoding="utf-8") as stream:
        return json.load(stream)


def operations(profile):
    rendering = windows.render(compile_rules(profile), fqdn_strategy="windows_dynamic_keyword")
    desired = wp.desired_state(rendering, egress_policy="allowlist")
    return wp.validate_operations(wp.make_plan(desired, wp.host_state(fresh())).operations)


def values(operations_list):
    """Every parameter value sent (of the operations and their inverses)."""
    found = []
    for item in operations_list:
        for entry in (item, item["undo"]):
            for value in entry["params"].values():
                found.extend(value if isinstance(value, list) else [value])
    return found


FIELDS = {
    "name": lambda p, v: p.__setitem__("name", v),
    "vendor": lambda p, v: p.__setitem__("vendor", v),
    "product": lambda p, v: p.__setitem__("product", v),
    "component": lambda p, v: (p.__setitem__("components", {v: {"description": "d"}}),
                               [r.__setitem__("component", v) for r in p["requirements"]]),
    "id": lambda p, v: p["requirements"][0].__setitem__("id", v),
    "description": lambda p, v: p["requirements"][0].__setitem__("description", v),
    "source": lambda p, v: p["requirements"][0].__setitem__("source", v),
    "direction": lambda p, v: p["requirements"][0].__setitem__("direction", v),
    "protocols": lambda p, v: p["requirements"][0].__setitem__("protocols", [v]),
    "ports": lambda p, v: p["requirements"][0].__setitem__("ports", [v]),
    "remote": lambda p, v: p["requirements"][0].__setitem__("remote", [v]),
    "remote host name": lambda p, v: p["requirements"][2].__setitem__("remote", ["api.example.com", v]),
}


# The fields the compile must refuse, and the words naming the field in its message.
REFUSED_AS = {"name": "field name", "component": "field components.", "id": "field id", "direction": "field direction",
              "protocols": "field protocols", "ports": "field ports", "remote": "field remote",
              "remote host name": "requirement out_api, field remote"}


@pytest.mark.parametrize("field", sorted(FIELDS))
@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_text_is_refused_or_stays_a_value(field, text):
    profile = copy.deepcopy(base())
    FIELDS[field](profile, text)
    try:
        planned = operations(profile)
    except NetreqError as exc:
        # refused before anything was read or sent, saying which field
        assert REFUSED_AS[field] in str(exc), str(exc)
        return
    assert field not in REFUSED_AS, "hostile %s was accepted" % field
    sent = values(planned)
    payload = json.dumps(planned)
    assert json.loads(payload) == planned  # the operations cross as data and come back the same
    if field == "description":
        # kept as one Description value (the model folds line breaks into spaces)
        assert [value for value in sent if "Remove-NetFirewallRule" in str(value) or "calc" in str(value)
                or "Name = 'x'" in str(value) or "ActiveStore" in str(value)]
        descriptions = [item["params"]["Description"] for item in planned if item["op"] == "new_rule"
                        and item["params"]["Name"] == "netreq:lab:out_https"]
        assert descriptions == [" ".join(text.split())]
    for item in planned:
        assert set(item) == {"op", "params", "undo", "what"}
        assert item["op"] in wp.OPERATIONS


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_names_read_from_the_host_stay_values(text):
    facts = fresh()
    facts["rules"].append({"Name": text, "DisplayName": text, "Group": "netreq:" + text, "Description": text,
                           "Enabled": "True", "Direction": "Outbound", "Action": "Allow", "Profile": "Any",
                           "PortFilter": {"Protocol": "TCP", "LocalPort": "Any", "RemotePort": "443"},
                           "AddressFilter": {"RemoteAddress": "Any"}})
    desired = wp.desired_state({"rules": [], "keyword_rules": [], "dynamic_keywords": []})
    planned = wp.validate_operations(wp.make_plan(desired, wp.host_state(facts)).operations)
    assert [(item["op"], item["params"]) for item in planned] == [("remove_rule", {"Name": text})]
    assert planned[0]["undo"]["params"]["Group"] == "netreq:" + text
