# -*- coding: utf-8 -*-
# Copyright (c) netreq.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""One runner for every applier module's recorded-host tests.

A module's test file is three lines::

    CASES = recorded_host.load_cases(__file__)          # test_<module>.yaml beside it

    @pytest.mark.parametrize("case", CASES, ids=recorded_host.case_ids(CASES))
    def test_module(case, recorded):
        recorded.check(nftables_ruleset.main, case)

A case of ``test_<module>.yaml`` (under ``test_cases:``) holds:

``id``
    the test id.
``input``
    the module arguments.
``flags``
    ``check``, ``diff`` (bools) and ``missing`` (binaries get_bin_path does not find).
``files``
    the host's files before the run, ``{absolute path: text}``; they are
    created under a temporary root, and the applier's path constants are
    pointed there by the test file through ``recorded.root``.
``run_command``
    the exact sequence of commands the module must run, each
    ``{command: [argv...], rc, out, err, writes: {path: text|null}}``. In
    ``command``, ``<ANY>`` matches any word, ``<FILE>`` a file that exists
    (its content is compared with ``file`` when the step has it) and
    ``<ROOT>`` at the start of a word stands for the temporary root; a test
    file may add its own words in ``recorded.placeholders``.
    ``writes`` changes the host's files when the command runs (null removes),
    as a reload or a failing backend would.
``output`` / ``output_contains``
    expected result keys (equality) / substrings of string or list values.
``files_after``
    the host's files after the run (null: the file must not exist).
``failed``
    whether the module must fail (default false).
``warnings_contains``
    substrings the warnings must contain; with none given, no warning is allowed.
Nothing is executed on this machine: commands are replayed, files live in a temporary folder.
"""

from __future__ import annotations

import contextlib
import json
import os

import pytest
import yaml

from ansible.module_utils import basic

try:
    from ansible.module_utils.testing import patch_module_args
except ImportError:  # ansible-core before 2.19 has no helper: modules read basic._ANSIBLE_ARGS
    @contextlib.contextmanager
    def patch_module_args(args):
        """Hand ``args`` to the next AnsibleModule the way ansible-core 2.16 to 2.18 read them."""
        saved = basic._ANSIBLE_ARGS
        basic._ANSIBLE_ARGS = json.dumps({"ANSIBLE_MODULE_ARGS": args}).encode("utf-8")
        try:
            yield
        finally:
            basic._ANSIBLE_ARGS = saved

from ansible_collections.netreq.firewall.plugins.module_utils._apply.nftables.apply import NS_SCRIPT


def load_cases(test_file):
    """The ``test_cases`` of the YAML file named like ``test_file`` (``.py`` -> ``.yaml``)."""
    path = os.path.splitext(os.path.abspath(test_file))[0] + ".yaml"
    with open(path) as stream:
        return yaml.safe_load(stream)["test_cases"]


def case_ids(cases):
    return [case["id"] for case in cases]


class ModuleExit(Exception):
    def __init__(self, result, failed):
        super().__init__(result.get("msg", ""))
        self.result = result
        self.failed = failed


class RecordedHost(object):
    """A fake host: files under ``root`` and a script of expected commands with their canned results."""

    def __init__(self, monkeypatch, tmp_path):
        self.monkeypatch = monkeypatch
        self.root = str(tmp_path / "host")
        self.tmpdir = str(tmp_path / "tmp")
        # every host path already lives under this root (conftest.py's fake host)
        os.makedirs(self.root, exist_ok=True)
        os.makedirs(self.tmpdir)
        self.expected = []
        self.calls = []
        self.warnings = []
        # test-specific words standing for long fixed values, e.g. {"<NS_SCRIPT>": script}
        self.placeholders = {}

    def path(self, host_path):
        """Where the host path ``/etc/...`` lives in this fake host."""
        return self.root + host_path

    # -- host files

    def write_files(self, files):
        for host_path, content in (files or {}).items():
            target = self.path(host_path)
            if content is None:
                if os.path.exists(target):
                    os.unlink(target)
                continue
            os.makedirs(os.path.dirname(target), exist_ok=True)
            with open(target, "w") as stream:
                stream.write(content)

    def read_file(self, host_path):
        target = self.path(host_path)
        if not os.path.exists(target):
            return None
        with open(target) as stream:
            return stream.read()

    # -- commands

    def _word_matches(self, index, got, wanted, step):
        if wanted == "<ANY>":
            return
        wanted = self.placeholders.get(wanted, wanted)
        if wanted == "<FILE>":
            assert os.path.isfile(got), "call %d: %r is not an existing file" % (index, got)
            if "file" in step:
                with open(got) as stream:
                    assert stream.read() == step["file"], "call %d: content of %s" % (index, got)
            return
        if isinstance(wanted, str) and wanted.startswith("<ROOT>"):
            wanted = self.root + wanted[len("<ROOT>"):]
        assert got == wanted, "call %d: got %r, expected %r" % (index, got, wanted)

    def run_command(self, args, **kwargs):
        index = len(self.calls)
        args = [str(word) for word in args]
        self.calls.append(args)
        assert index < len(self.expected), "unexpected run_command call %d: %r" % (index, args)
        step = self.expected[index]
        want = step["command"]
        assert len(args) == len(want), "call %d: got %r, expected %r" % (index, args, want)
        for got, wanted in zip(args, want):
            self._word_matches(index, got, wanted, step)
        self.write_files(step.get("writes"))
        return step.get("rc", 0), step.get("out", ""), step.get("err", "")

    # -- running a module

    def install(self, flags, expected):
        host = self
        missing = set(flags.get("missing", []))
        self.expected = list(expected)

        def get_bin_path(module, name, required=False, opt_dirs=None):
            if name in missing:
                if required:
                    module.fail_json(msg="Failed to find required executable %s" % name)
                return None
            return "/testbin/%s" % name

        def exit_json(module, **result):
            raise ModuleExit(result, failed=False)

        def fail_json(module, msg, **result):
            result["msg"] = msg
            raise ModuleExit(result, failed=True)

        def run_command(module, args, **kwargs):
            return host.run_command(args, **kwargs)

        def warn(module, warning):
            host.warnings.append(warning)

        for name, value in (("get_bin_path", get_bin_path), ("run_command", run_command), ("warn", warn),
                            ("exit_json", exit_json), ("fail_json", fail_json)):
            self.monkeypatch.setattr(basic.AnsibleModule, name, value)

    def run(self, main, case):
        """Run the module's ``main`` on this host for ``case``; the ModuleExit it ended with."""
        flags = case.get("flags") or {}
        self.write_files(case.get("files"))
        self.install(flags, case.get("run_command") or [])
        args = dict(case.get("input") or {})
        args["_ansible_check_mode"] = bool(flags.get("check"))
        args["_ansible_diff"] = bool(flags.get("diff"))
        args["_ansible_remote_tmp"] = self.tmpdir
        args["_ansible_tmpdir"] = self.tmpdir
        with patch_module_args(args):
            with pytest.raises(ModuleExit) as caught:
                main()
        return caught.value

    def check(self, main, case, mains=None):
        """Run ``case`` and assert everything it expects; returns the result for extra checks.

        A later run (``then``) may name another module of ``mains`` (``module: name``),
        so one module's effect on the host is checked through another.
        """
        outcome = self.run(main, case)
        result = outcome.result
        assert outcome.failed == case.get("failed", False), json.dumps(result, indent=2, default=str)
        assert len(self.calls) == len(self.expected), "made %d of %d expected run_command calls: %r" % (
            len(self.calls), len(self.expected), self.calls)
        for key, value in (case.get("output") or {}).items():
            assert key in result, "result lacks %s: %r" % (key, result)
            assert result[key] == value, "%s: got %r" % (key, result[key])
        for key, texts in (case.get("output_contains") or {}).items():
            value = result[key]
            if not isinstance(value, str):
                value = json.dumps(value, default=str)
            for text in ([texts] if isinstance(texts, str) else texts):
                assert text in value, "%s: %r not in %r" % (key, text, value)
        for host_path, content in (case.get("files_after") or {}).items():
            assert self.read_file(host_path) == content, "file %s after the run" % host_path
        wanted_warnings = case.get("warnings_contains") or []
        for text in wanted_warnings:
            assert any(text in warning for warning in self.warnings), self.warnings
        if not wanted_warnings:
            assert not self.warnings, self.warnings
        if flags_diff(case) and not outcome.failed:
            assert "diff" in result and set(result["diff"]) >= {"before", "after"}, result
        for later in case.get("then") or []:  # later runs on the same host, its files as this run left them
            self.calls, self.warnings = [], []
            self.check((mains or {})[later["module"]] if "module" in later else main, later, mains)
        return result


def repoint_backend_files(recorded, monkeypatch):
    """What the modules that detect the backend need besides the fake host (conftest.py): nft's namespace script."""
    recorded.placeholders["<NS_SCRIPT>"] = NS_SCRIPT


def flags_diff(case):
    return bool((case.get("flags") or {}).get("diff"))


@pytest.fixture
def recorded(monkeypatch, tmp_path):
    """A fresh ``RecordedHost`` for one test."""
    return RecordedHost(monkeypatch, tmp_path)
