"""Run the bad-input cases of bad_inputs.yml through their real entry points and collect each message.

Shared by the test (tests/reliability/test_bad_inputs.py: every case fails,
with a message holding its expected fragments) and by the report generator
(tests/tools/reliability_report.py: the table of docs/reliability.md), so the
table shows the messages a user really gets.

Entry points (the ``entry`` of a case):

``filter``
    a filter function called as Jinja calls it: ``input`` (or ``rules_of``, a
    compile_rules call whose first rule ``edit_first`` changes), ``args``
    (positional) and ``kwargs``.
``template``
    a Jinja ``expression`` with ``vars``, rendered by Ansible's own Templar in
    one child process for all such cases, so the values reach the filters as
    Ansible's lazy containers, as in a playbook.
``module``
    a module's ``main()`` with ``args``; commands and file writes on this
    machine are refused, so a case only passes when the module refuses the
    input before touching anything.
``playbook``
    ``ansible-playbook`` on a playbook of the collection (or ``play``, written
    to a file) with ``inventory`` and ``extra_vars``; the message is the
    ``msg`` of the first failed task. The inventory host is ``inputs1`` with
    the local connection and ``/bin/false`` as its Python, so a case that
    failed to fail could not change this machine either.

Messages are made deterministic: the temporary folder becomes ``<tmp>`` and
the repository ``<collection>``.
"""

from __future__ import annotations

import contextlib
import copy
import json
import os
import subprocess
import sys
import tempfile

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
CASES_FILE = os.path.join(HERE, "bad_inputs.yml")
COLLECTIONS_ROOT = os.path.join(REPO, ".build", "collections")

GUARD_INVENTORY = {"all": {"hosts": {"inputs1": {
    "ansible_connection": "ansible.builtin.local", "ansible_python_interpreter": "/bin/false"}}}}


def ensure_collection_path():
    """The link tests/collection_path.py makes, for use outside pytest (the report generator)."""
    if os.path.join(REPO, "tests") not in sys.path:
        sys.path.insert(0, os.path.join(REPO, "tests"))
    from collection_path import ensure_collection_path as link  # pylint: disable=import-outside-toplevel
    link()


def load_cases(path=CASES_FILE):
    with open(path, encoding="utf-8") as stream:
        cases = yaml.safe_load(stream)["cases"]
    ids = [case["id"] for case in cases]
    duplicates = sorted({case_id for case_id in ids if ids.count(case_id) > 1})
    if duplicates:
        raise ValueError("bad_inputs.yml: duplicate case ids %s" % ", ".join(duplicates))
    return cases


def _substitute(value, tmp):
    """``<tmp>`` in strings of a case's input is the case's temporary folder."""
    if isinstance(value, str):
        return value.replace("<tmp>", tmp)
    if isinstance(value, list):
        return [_substitute(item, tmp) for item in value]
    if isinstance(value, dict):
        return {key: _substitute(item, tmp) for key, item in value.items()}
    return value


def normalize(message, tmp):
    message = " ".join(str(message).split())
    message = message.replace(os.path.realpath(tmp), "<tmp>").replace(tmp, "<tmp>")
    return message.replace(os.path.realpath(REPO), "<collection>").replace(REPO, "<collection>")


def _write_files(case, tmp):
    for name, text in (case.get("files") or {}).items():
        with open(os.path.join(tmp, name), "w", encoding="utf-8") as stream:
            stream.write(text if isinstance(text, str) else yaml.safe_dump(text))


# --------------------------------------------------------------------------- filter

def _run_filter(case, tmp):
    from ansible.errors import AnsibleError
    from ansible_collections.netreq.firewall.plugins.filter.render import render
    from ansible_collections.netreq.firewall.plugins.filter.requirements import requirements
    from ansible_collections.netreq.firewall.plugins.filter.rules_markdown import rules_markdown
    from ansible_collections.netreq.firewall.plugins.module_utils._model.rules import compile_rules

    filters = {"requirements": requirements, "render": render, "rules_markdown": rules_markdown}
    if "rules_of" in case:
        value = compile_rules(**_substitute(case["rules_of"], tmp))
        value[0].update(case.get("edit_first") or {})
    else:
        value = _substitute(copy.deepcopy(case.get("input")), tmp)
    try:
        filters[case["filter"]](value, *_substitute(case.get("args") or [], tmp), **_substitute(case.get("kwargs") or {}, tmp))
    except AnsibleError as exc:
        return str(exc.message if hasattr(exc, "message") else exc)
    except Exception as exc:  # pylint: disable=broad-except
        return "UNHANDLED %s: %s" % (type(exc).__name__, exc)
    return None


# --------------------------------------------------------------------------- template

_TEMPLATE_CHILD = r"""
import json, sys
sys.path.insert(0, sys.argv[1])
from ansible.utils.collection_loader._collection_finder import _AnsibleCollectionFinder
_AnsibleCollectionFinder(paths=[sys.argv[1]])._install()
from ansible.errors import AnsibleError
from ansible.parsing.dataloader import DataLoader
from ansible.template import Templar, trust_as_template
results = {}
for case in json.load(sys.stdin):
    templar = Templar(loader=DataLoader(), variables=case.get("vars") or {})
    try:
        templar.template(trust_as_template(case["expression"]))
        results[case["id"]] = None
    except AnsibleError as exc:
        results[case["id"]] = exc.message
    except Exception as exc:
        results[case["id"]] = "UNHANDLED %s: %s" % (type(exc).__name__, exc)
json.dump(results, sys.stdout)
"""


def _run_templates(cases, tmp):
    if not cases:
        return {}
    ensure_collection_path()
    payload = json.dumps([dict(case, vars=_substitute(case.get("vars") or {}, tmp)) for case in cases])
    done = subprocess.run([sys.executable, "-c", _TEMPLATE_CHILD, COLLECTIONS_ROOT], input=payload, capture_output=True,
                          text=True, timeout=300, check=False, env=dict(os.environ, ANSIBLE_NOCOLOR="1"))
    if done.returncode != 0:
        raise RuntimeError("template cases: the child process failed: %s" % done.stderr[-2000:])
    return json.loads(done.stdout)


# --------------------------------------------------------------------------- module

class _ModuleEnd(Exception):
    def __init__(self, result):
        super().__init__(result.get("msg"))
        self.result = result


def _run_module(case, tmp):
    import importlib
    from unittest import mock

    from ansible.module_utils import basic
    from ansible.module_utils.testing import patch_module_args

    module = importlib.import_module("ansible_collections.netreq.firewall.plugins.modules.%s" % case["module"])
    touched = []

    def refuse(*args, **kwargs):
        touched.append(args)
        raise _ModuleEnd({"msg": "TOUCHED THE HOST: %r" % (args[1:],)})

    def fail_json(_module, msg, **result):
        raise _ModuleEnd(dict(result, msg=msg, failed=True))

    def exit_json(_module, **result):
        raise _ModuleEnd(dict(result, failed=False))

    args = dict(_substitute(case.get("args") or {}, tmp))
    args.update({"_ansible_remote_tmp": tmp, "_ansible_tmpdir": tmp, "_ansible_check_mode": False})
    patches = [mock.patch.object(basic.AnsibleModule, "fail_json", fail_json),
               mock.patch.object(basic.AnsibleModule, "exit_json", exit_json),
               mock.patch.object(basic.AnsibleModule, "run_command", refuse),
               mock.patch.object(basic.AnsibleModule, "get_bin_path", lambda *a, **k: "/nonexistent/bin/%s" % a[1]),
               patch_module_args(args)]
    with contextlib.ExitStack() as stack:
        for patch in patches:
            stack.enter_context(patch)
        try:
            module.main()
        except _ModuleEnd as end:
            if touched or not end.result.get("failed"):
                return "UNHANDLED: the module did not refuse the input before touching the host: %s" % end.result.get("msg")
            return end.result["msg"]
    return None


# --------------------------------------------------------------------------- playbook

def _first_failure(report):
    for play in report.get("plays", []):
        for task in play.get("tasks", []):
            for result in task.get("hosts", {}).values():
                if not result.get("failed"):
                    continue
                for item in result.get("results") or []:
                    if item.get("failed"):
                        return item.get("msg")
                return result.get("msg")
    return None


def _run_playbook(case, tmp):
    binary = os.path.join(os.path.dirname(sys.executable), "ansible-playbook")
    if "play" in case:
        playbook = os.path.join(tmp, "play.yml")
        with open(playbook, "w", encoding="utf-8") as stream:
            yaml.safe_dump(case["play"], stream)
    else:
        playbook = os.path.join(REPO, case["playbook"])
    inventory = os.path.join(tmp, "inventory.yml")
    with open(inventory, "w", encoding="utf-8") as stream:
        yaml.safe_dump(case.get("inventory") or GUARD_INVENTORY, stream)
    extra = dict(_substitute(case.get("extra_vars") or {}, tmp))
    ensure_collection_path()
    env = dict(os.environ, ANSIBLE_NOCOLOR="1", ANSIBLE_DEPRECATION_WARNINGS="0", ANSIBLE_STDOUT_CALLBACK="ansible.builtin.json",
               ANSIBLE_COLLECTIONS_PATH=COLLECTIONS_ROOT, ANSIBLE_RETRY_FILES_ENABLED="0", ANSIBLE_LOCAL_TEMP=tmp,
               ANSIBLE_REMOTE_TEMP=tmp)
    done = subprocess.run([binary, "-i", inventory, playbook, "-e", json.dumps(extra)], cwd=tmp, env=env,
                          capture_output=True, text=True, timeout=600, check=False)
    if done.returncode == 0:
        return None
    try:
        message = _first_failure(json.loads(done.stdout))
    except ValueError:
        message = None
    return message or "UNHANDLED: ansible-playbook exited %d: %s" % (done.returncode, done.stderr.strip()[-500:])


# --------------------------------------------------------------------------- all

RUNNERS = {"filter": _run_filter, "module": _run_module, "playbook": _run_playbook}


def run_cases(cases):
    """``{case id: normalized message or None}`` for every case, in the file's order."""
    ensure_collection_path()
    messages = {}
    with tempfile.TemporaryDirectory(prefix="netreq-bad-inputs-") as root:
        folders = {}
        for case in cases:
            folders[case["id"]] = os.path.join(root, case["id"])
            os.makedirs(folders[case["id"]])
            _write_files(case, folders[case["id"]])
        template_cases = [case for case in cases if case["entry"] == "template"]
        # one child process for every template case; each case's <tmp> is its own folder
        template_messages = {}
        for case in template_cases:
            template_messages.update(_run_templates([case], folders[case["id"]]) if case.get("files") else {})
        template_messages.update(_run_templates([c for c in template_cases if not c.get("files")], root))
        for case in cases:
            tmp = folders[case["id"]]
            if case["entry"] == "template":
                raw = template_messages.get(case["id"])
            else:
                raw = RUNNERS[case["entry"]](case, tmp)
            messages[case["id"]] = None if raw is None else normalize(raw, tmp)
    return messages


def entry_label(case):
    """Where the input goes in, as the report shows it."""
    if case["entry"] == "filter":
        return "filter %s" % case["filter"]
    if case["entry"] == "template":
        return "filter in a template"
    if case["entry"] == "module":
        return "module %s" % case["module"]
    return "playbook %s" % (case.get("playbook") or case.get("label") or "(inline play)")
