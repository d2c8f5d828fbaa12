# -*- coding: utf-8 -*-
# Copyright (c) netreq.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Temporary rules of ufw and firewalld across a reboot: the record ``arm`` keeps and the script that reads it at boot.

Commands are recorded, not run, except the boot script, which runs here
against a record whose commands only write marker files. That the expired rule
is really gone after a reboot is shown by the ``reboot`` Molecule scenario.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from ansible_collections.netreq.firewall.plugins.module_utils._apply import expiry as _expiry
from ansible_collections.netreq.firewall.plugins.module_utils._model import ownership as _ownership

FUTURE, PAST = "2999-01-01T00:00:00Z", "2020-01-01T00:00:00Z"


class _Runner(object):
    def __init__(self):
        self.changes = []

    def binary(self, name, required=True):
        return "/usr/bin/" + name

    def run(self, argv):
        return 1, "", ""  # no timer is waiting yet

    def change(self, argv, what, atomic=False):
        self.changes.append(argv)


class _Module(object):
    check_mode = False


class _Applier(object):
    backend = "ufw"
    expiry_at_boot = True

    def __init__(self):
        self.runner = _Runner()
        self.module = _Module()


@pytest.fixture
def host(monkeypatch, tmp_path):
    """The state directory and the boot files in the test's directory; a systemd runtime directory there."""
    monkeypatch.setitem(_ownership.HOST_APPLY_PATHS, "state_dir", str(tmp_path / "state"))
    for name, path in list(_ownership.EXPIRY_BOOT_PATHS.items()):
        monkeypatch.setitem(_ownership.EXPIRY_BOOT_PATHS, name, str(tmp_path) + path)
    os.makedirs(_ownership.EXPIRY_BOOT_PATHS["systemd"])
    return tmp_path


def _record():
    with open(_ownership.expiry_record_path("ufw")) as stream:
        return json.load(stream)


def test_arm_keeps_the_timers_for_the_boot_unit_and_installs_it_once(host):
    applier = _Applier()
    entries = [("netreq:p:ssh expires=%s" % FUTURE, FUTURE, ["/usr/sbin/ufw", "delete", "allow", "22"])]
    _expiry.arm(applier, entries, [])
    rule = _record()["rules"][0]
    assert rule["remove"] == ["/usr/bin/flock", "-w", "120", _ownership.HOST_APPLY_PATHS["lock"], "/usr/sbin/ufw", "delete",
                              "allow", "22"]
    assert rule["timer"][0] == "/usr/bin/systemd-run" and rule["timer"][-3:] == ["delete", "allow", "22"]
    assert rule["timer"] in applier.runner.changes  # the same command arms the timer now and at boot
    assert ["/usr/bin/systemctl", "enable", "netreq-expiry.service"] in applier.runner.changes
    with open(_ownership.EXPIRY_BOOT_PATHS["unit"]) as stream:
        unit = stream.read()
    assert "After=ufw.service firewalld.service" in unit and "WantedBy=multi-user.target" in unit
    os.makedirs(os.path.dirname(_ownership.EXPIRY_BOOT_PATHS["wants"]))
    os.symlink(_ownership.EXPIRY_BOOT_PATHS["unit"], _ownership.EXPIRY_BOOT_PATHS["wants"])
    again = _Applier()
    _expiry.arm(again, entries, [])
    assert not [argv for argv in again.runner.changes if "enable" in argv]  # installed already


def test_no_temporary_rule_left_removes_the_record(host):
    applier = _Applier()
    _expiry.arm(applier, [("netreq:p:ssh expires=%s" % FUTURE, FUTURE, ["/usr/sbin/ufw", "delete", "x"])], [])
    assert os.path.exists(_ownership.expiry_record_path("ufw"))
    _expiry.arm(_Applier(), [], [])
    assert not os.path.exists(_ownership.expiry_record_path("ufw"))


def test_nothing_is_kept_without_systemd_or_for_backends_that_keep_it_themselves(host):
    entries = [("netreq:p:ssh expires=%s" % FUTURE, FUTURE, ["/usr/sbin/nft", "delete"])]
    nftables = _Applier()
    nftables.backend, nftables.expiry_at_boot = "nftables", False
    _expiry.arm(nftables, entries, [])
    os.rmdir(_ownership.EXPIRY_BOOT_PATHS["systemd"])
    assert not os.path.exists(_ownership.expiry_record_path("nftables"))
    _expiry.arm(_Applier(), entries, [])
    assert not os.path.exists(_ownership.expiry_record_path("ufw"))
    assert not os.path.exists(_ownership.EXPIRY_BOOT_PATHS["unit"])


def test_the_boot_script_removes_what_expired_and_arms_the_rest(tmp_path):
    script = tmp_path / "expiry-boot"
    script.write_text(_expiry.BOOT_SCRIPT)
    marker = tmp_path / "ran"

    def command(word):
        return ["sh", "-c", 'echo "$0" >> "$1"', word, str(marker)]
    (tmp_path / "expiry-ufw.json").write_text(json.dumps({"backend": "ufw", "rules": [
        {"label": "gone", "expires": PAST, "remove": command("removed-gone"), "timer": command("armed-gone")},
        {"label": "kept", "expires": FUTURE, "remove": command("removed-kept"), "timer": command("armed-kept")},
    ]}))
    (tmp_path / "expiry-firewalld.json").write_text("{broken")
    proc = subprocess.run([sys.executable, str(script), str(tmp_path)], capture_output=True, text=True, check=False)
    assert marker.read_text().split() == ["removed-gone", "armed-kept"]
    assert proc.returncode == 1 and "expiry-firewalld.json" in proc.stderr
