"""The front door: the README keeps its user sections, and its examples and the docs site's run as written.

The README is what Galaxy shows and what a new user follows. These tests fail
when a section it promises goes missing, when a table stops matching the
tree, and when an example stops working:

* a fenced ``sh`` example whose command is ``ansible-playbook netreq.firewall.plan``
  runs exactly as written, in an empty directory;
* a fenced ``yaml`` play that only compiles and shows (``set_fact``,
  ``debug``, the collection's filters) runs on localhost;
* every other fenced ``yaml`` play, in the README and in ``.. code-block:: yaml``
  blocks of the docs site pages, passes ``ansible-playbook --syntax-check``
  (its roles and modules resolve, its YAML is a playbook).
"""

import os
import re
import shlex
import subprocess
import sys

import pytest
import yaml

from ansible_collections.netreq.firewall.plugins.module_utils._model.profile import builtin_profiles, load_profile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tools"))
import generate_profile_docs  # noqa: E402  pylint: disable=wrong-import-position

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
README = os.path.join(REPO, "README.md")
DOCSITE = os.path.join(REPO, "docs", "docsite", "rst")
# the sections a user needs, in this order, before the contributor material
USER_SECTIONS = ["The two commands", "Install", "Supported versions", "Built-in profiles", "Ready-made playbooks", "Using it"]
SAFE_MODULES = {"ansible.builtin.set_fact", "ansible.builtin.debug", "set_fact", "debug"}


def _readme():
    with open(README, encoding="utf-8") as stream:
        return stream.read()


def fenced(text, language):
    """The fenced ``language`` blocks of a Markdown text."""
    return re.findall(r"^```%s\n(.*?)^```" % re.escape(language), text, re.M | re.S)


def rst_blocks(text, language):
    """The ``.. code-block:: language`` blocks of a reStructuredText page, dedented."""
    blocks = []
    for match in re.finditer(r"^\.\. code-block:: %s\n\n((?:[ ]{3}.*\n|\n)+)" % re.escape(language), text, re.M):
        blocks.append("\n".join(line[3:] for line in match.group(1).splitlines()).strip() + "\n")
    return blocks


def _section(text, title):
    match = re.search(r"^## %s\n(.*?)(?=^## )" % re.escape(title), text, re.M | re.S)
    return match.group(1) if match else None


def _ansible_playbook():
    return os.path.join(os.path.dirname(sys.executable), "ansible-playbook")


def _run(argv, cwd, timeout=300):
    env = dict(os.environ, ANSIBLE_NOCOLOR="1", ANSIBLE_DEPRECATION_WARNINGS="0", PWD=str(cwd),
               ANSIBLE_LOCALHOST_WARNING="0", ANSIBLE_INVENTORY_UNPARSED_WARNING="0")
    return subprocess.run(argv, cwd=str(cwd), env=env, capture_output=True, text=True, timeout=timeout, check=False)


def test_the_readme_opens_with_the_user_sections_in_order():
    text = _readme()
    headings = re.findall(r"^## (.+)$", text, re.M)
    assert [title for title in headings if title in USER_SECTIONS] == USER_SECTIONS, headings
    assert headings.index("Using it") < headings.index("Contributing")
    first_screen = "\n".join(text.splitlines()[:40])
    assert "bash tests/demo.sh" in first_screen and "bash tests/run.sh" in first_screen


def test_the_profiles_table_lists_every_builtin_profile_with_its_components():
    rows = re.findall(r"^\| `([a-z_]+)` \| [^|]+ \| ([^|]+) \|", _section(_readme(), "Built-in profiles"), re.M)
    assert sorted(name for name, _components in rows) == builtin_profiles()
    for name, components in rows:
        assert re.findall(r"`([a-z_]+)`", components) == sorted(load_profile(name).components), name


def test_the_playbooks_table_lists_every_playbook():
    listed = re.findall(r"^\| `([a-z_]+)` \|", _section(_readme(), "Ready-made playbooks"), re.M)
    shipped = sorted(name[:-4] for name in os.listdir(os.path.join(REPO, "playbooks")) if name.endswith(".yml"))
    assert sorted(listed) == shipped


def _plays(block):
    data = yaml.safe_load(block)
    return data if isinstance(data, list) and data and all(isinstance(play, dict) and "hosts" in play for play in data) else None


def _only_compiles(plays):
    for play in plays:
        if play.get("hosts") != "localhost" or play.get("roles"):
            return False
        for task in play.get("tasks") or []:
            if not set(task) & SAFE_MODULES:
                return False
    return True


def _examples():
    """``(where, play text)`` for every fenced YAML play of the README and the docs site."""
    found = [("README.md #%d" % (index + 1), block) for index, block in enumerate(fenced(_readme(), "yaml"))]
    for name in sorted(os.listdir(DOCSITE)):
        with open(os.path.join(DOCSITE, name), encoding="utf-8") as stream:
            found.extend(("%s #%d" % (name, index + 1), block) for index, block in enumerate(rst_blocks(stream.read(), "yaml")))
    return [(where, block) for where, block in found if _plays(block)]


EXAMPLES = _examples()


def test_the_docs_have_plays_to_check():
    assert len([where for where, _block in EXAMPLES if where.startswith("README")]) >= 4


@pytest.mark.parametrize("where, block", EXAMPLES, ids=[where for where, _block in EXAMPLES])
def test_every_example_play_is_a_valid_playbook_and_the_safe_ones_run(where, block, tmp_path):
    playbook = tmp_path / "example.yml"
    playbook.write_text(block, encoding="utf-8")
    inventory = tmp_path / "inventory.ini"
    groups = sorted({play["hosts"] for play in _plays(block) if play["hosts"] not in ("localhost", "all")})
    inventory.write_text("localhost ansible_connection=local ansible_python_interpreter=%s\n%s" % (
        sys.executable, "".join("[%s]\n" % group for group in groups)), encoding="utf-8")
    checked = _run([_ansible_playbook(), "-i", str(inventory), "--syntax-check", str(playbook)], tmp_path)
    assert checked.returncode == 0, "%s: %s%s" % (where, checked.stdout, checked.stderr)
    if _only_compiles(_plays(block)):
        ran = _run([_ansible_playbook(), "-i", str(inventory), str(playbook)], tmp_path)
        assert ran.returncode == 0, "%s: %s%s" % (where, ran.stdout, ran.stderr)
        assert "failed=0" in ran.stdout


def _plan_commands():
    commands = []
    for block in fenced(_readme(), "sh"):
        joined = block.replace("\\\n", " ")
        commands.extend(line.strip() for line in joined.splitlines() if line.strip().startswith("ansible-playbook netreq.firewall.plan"))
    return commands


PLAN_COMMANDS = _plan_commands()


def test_the_readme_shows_a_plan():
    assert any("plan_profile=" in command for command in PLAN_COMMANDS)


@pytest.mark.parametrize("command", PLAN_COMMANDS, ids=["plan command %d" % (index + 1) for index in range(len(PLAN_COMMANDS))])
def test_every_plan_command_of_the_readme_runs_as_written(command, tmp_path):
    argv = shlex.split(command, comments=True)  # as a shell reads it
    argv[0] = _ansible_playbook()
    ran = _run(argv, tmp_path)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert os.path.isdir(tmp_path / "netreq-plan"), "the README says the plan goes to ./netreq-plan"


def _header_commands(path):
    """The ``ansible-playbook netreq.firewall.<name>`` commands of a playbook's header that need no inventory."""
    joined = "\n".join(generate_profile_docs.playbook_header(path)).replace("\\\n", " ")
    return [line.strip() for line in joined.splitlines()
            if line.strip().startswith("ansible-playbook netreq.firewall.") and " -i " not in line]


def test_explain_answers_from_an_empty_directory_as_its_header_shows(tmp_path):
    commands = _header_commands(os.path.join(REPO, "playbooks", "explain.yml"))
    assert commands, "explain.yml's header shows no command that needs no inventory"
    argv = shlex.split(commands[0], comments=True)
    argv[0] = _ansible_playbook()
    ran = _run(argv, tmp_path)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert "is allowed by netreq.firewall because of: rackspace_pdr requirement appliance_out_updates_us" in ran.stdout
