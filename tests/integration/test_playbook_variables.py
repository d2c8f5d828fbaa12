"""The variable checks of plan.yml and of the host_firewall role know every variable they define.

The checks themselves run in tests/reliability (bad_inputs.yml: role_misspelt_variable,
plan_misspelt_variable); these tests keep their lists of known names complete, so a
variable added to the play or to the role's defaults is not refused as unknown.
"""

import glob
import os
import re

import yaml

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def load(*parts):
    with open(os.path.join(REPO, *parts), encoding="utf-8") as stream:
        return yaml.safe_load(stream)


def test_plan_knows_every_variable_of_its_play():
    play = load("playbooks", "plan.yml")[0]
    check = next(task for task in play["tasks"] if task["name"].startswith("Refuse plan_"))
    known = check["vars"]["__plan_known_variables"]
    assert sorted(known) == sorted(name for name in play["vars"] if name.startswith("plan_"))


def test_the_role_documents_every_default():
    documented = set(load("roles", "host_firewall", "meta", "argument_specs.yml")["argument_specs"]["main"]["options"])
    defaults = {name for name in load("roles", "host_firewall", "defaults", "main.yml") if name.startswith("host_firewall_")}
    assert defaults <= documented, sorted(defaults - documented)
    role_vars = {name for name in load("roles", "host_firewall", "vars", "main.yml") if name.startswith("host_firewall_")}
    assert not role_vars, "role vars must be internal (__host_firewall_*): %s" % sorted(role_vars)


def test_the_role_knows_exactly_its_documented_variables_and_results():
    documented = set(load("roles", "host_firewall", "meta", "argument_specs.yml")["argument_specs"]["main"]["options"])
    registered = set()
    for path in glob.glob(os.path.join(REPO, "roles", "host_firewall", "tasks", "*.yml")):
        registered.update(task["register"] for task in load(path) if task.get("register", "").startswith("host_firewall_"))
    known = load("roles", "host_firewall", "vars", "main.yml")["__host_firewall_known_variables"]
    assert registered == {"host_firewall_result", "host_firewall_info"}, sorted(registered)
    assert sorted(known) == sorted(documented | registered)
    assert len(known) == len(set(known))


def test_each_apply_playbook_knows_the_variables_of_its_prefix():
    for path in sorted(glob.glob(os.path.join(REPO, "playbooks", "apply_*.yml"))):
        play = load("playbooks", os.path.basename(path))[0]
        check = next(task for task in play["pre_tasks"] if task.get("ansible.builtin.import_tasks") == "tasks/check_variables.yml")
        prefix, known = check["vars"]["__check_prefix"], check["vars"]["__check_known"]
        with open(path, encoding="utf-8") as stream:
            # comments, host patterns and profiles name groups and profiles (cas_connectors, pdq_connect)
            code = "".join(line for line in stream if not line.lstrip().startswith(("#", "hosts:", "- profile:")))
        used = set(re.findall(r"\b%s[a-z0-9_]+" % re.escape(prefix), code))
        assert used and used <= set(known), (os.path.basename(path), sorted(used - set(known)))
