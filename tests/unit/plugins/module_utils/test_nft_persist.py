# -*- coding: utf-8 -*-
# Copyright (c) netreq.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The nftables boot record and the script that loads it at boot, run here against a stand-in ``nft``.

The stand-in only records what it is asked; that the loaded table really
comes back, before the network and after Debian's ``flush ruleset``, is shown
by the ``reboot`` Molecule scenario on real hosts.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest

from ansible_collections.netreq.firewall.plugins.module_utils._apply.nftables import persist as _nft_persist

PAST, FUTURE = "2020-01-01T00:00:00Z", "2999-01-01T00:00:00Z"
TRANSACTION = (
    "table inet netreq\n"
    "delete table inet netreq\n"
    "table inet netreq {\n"
    "\tchain output {\n"
    "\t\ttype filter hook output priority filter; policy drop;\n"
    '\t\tip daddr 198.51.100.100 tcp dport 8443 counter accept comment "netreq:p:gone expires=%s"\n'
    '\t\tip daddr 198.51.100.100 tcp dport 4138 counter accept comment "netreq:p:kept expires=%s"\n'
    '\t\tip daddr 203.0.113.0/24 tcp dport 443 counter accept comment "netreq:p:always"\n'
    "\t}\n"
    "}\n"
) % (PAST, FUTURE)

FAKE_NFT = """#!/bin/sh
# records its arguments; "list table" answers from $NFT_TABLE_PRESENT; "-f FILE" keeps FILE
echo "$*" >> "$NFT_LOG"
if [ "$1" = list ]; then [ "$NFT_TABLE_PRESENT" = 1 ]; exit $?; fi
if [ "$1" = -f ]; then cp "$2" "$NFT_LOADED"; fi
exit 0
"""


def timer(label, expires, marker):
    return {"label": label, "expires": expires, "command": ["sh", "-c", 'echo "$0" >> "$1"', label, str(marker)]}


@pytest.fixture
def boot(tmp_path):
    """Run the restore script as the unit would, with a stand-in nft first on PATH."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "nft").write_text(FAKE_NFT)
    (bin_dir / "nft").chmod(0o755)
    script = tmp_path / "restore"
    script.write_text(_nft_persist.RESTORE_SCRIPT)
    records = tmp_path / "records"
    records.mkdir()

    def run(record_texts, present=False):
        for name, text in record_texts.items():
            (records / name).write_text(text)
        env = dict(os.environ, PATH="%s:%s" % (bin_dir, os.environ["PATH"]), NFT_LOG=str(tmp_path / "nft.log"),
                   NFT_LOADED=str(tmp_path / "loaded.nft"), NFT_TABLE_PRESENT="1" if present else "0")
        proc = subprocess.run([sys.executable, str(script), str(records)], env=env, capture_output=True, text=True,
                              check=False)
        loaded = tmp_path / "loaded.nft"
        armed = tmp_path / "armed"
        return (proc, loaded.read_text() if loaded.exists() else None,
                armed.read_text().split() if armed.exists() else [])
    run.armed = tmp_path / "armed"
    return run


def test_the_loader_leaves_out_what_expired_and_arms_the_other_timers(boot):
    timers = [timer("gone", PAST, boot.armed), timer("kept", FUTURE, boot.armed)]
    record = _nft_persist.record_text("inet", "netreq", TRANSACTION, timers)
    proc, loaded, armed = boot({"inet-netreq.json": record})
    assert proc.returncode == 0, proc.stderr
    assert "tcp dport 8443" not in loaded
    assert "tcp dport 4138" in loaded and "tcp dport 443 " in loaded and "policy drop" in loaded
    assert armed == ["kept"]


def test_a_table_already_loaded_is_left_alone(boot):
    record = _nft_persist.record_text("inet", "netreq", TRANSACTION, [timer("kept", FUTURE, boot.armed)])
    proc, loaded, armed = boot({"inet-netreq.json": record}, present=True)
    assert proc.returncode == 0, proc.stderr
    assert loaded is None and armed == []


def test_an_unreadable_record_fails_the_unit_but_not_the_others(boot):
    good = _nft_persist.record_text("inet", "netreq", TRANSACTION, [])
    proc, loaded, _armed = boot({"a-broken.json": "{not json", "inet-netreq.json": good})
    assert proc.returncode == 1 and "a-broken.json" in proc.stderr
    assert "tcp dport 4138" in loaded


def test_a_run_compares_records_as_the_loader_would_use_them():
    """A record whose temporary rule expired loads what the next run's record would: no rewrite for that alone."""
    now = "2500-01-01T00:00:00Z"
    soon = "2400-01-01T00:00:00Z"
    old = _nft_persist.record_text("inet", "netreq", TRANSACTION.replace(PAST, soon),
                                   [timer("gone", soon, "m"), timer("kept", FUTURE, "m")])
    new = _nft_persist.record_text("inet", "netreq", "".join(
        line for line in TRANSACTION.splitlines(True) if "8443" not in line), [timer("kept", FUTURE, "m")])
    assert old != new
    assert _nft_persist.in_force(old, now) == _nft_persist.in_force(new, now)
    assert _nft_persist.in_force(old, "2300-01-01T00:00:00Z") != _nft_persist.in_force(new, "2300-01-01T00:00:00Z")
    assert _nft_persist.in_force(None) is None
    assert _nft_persist.in_force("not a record") == "not a record"


def test_the_run_and_the_loader_filter_with_the_same_expression():
    script_pattern = re.search(r"EXPIRES = re.compile\(r'(.*)'\)", _nft_persist.RESTORE_SCRIPT).group(1)
    assert script_pattern == _nft_persist.EXPIRED_LINE.pattern


def test_the_unit_loads_before_the_network_and_after_debians_flush(monkeypatch, tmp_path):
    for name in ("script", "unit", "dropin", "dir", "wants"):
        monkeypatch.setitem(_nft_persist.PATHS, name, str(tmp_path / name))
    paths = dict((os.path.basename(path), text) for path, text, _mode in _nft_persist._files())
    unit, dropin = paths["unit"], paths["dropin"]
    assert "Before=network-pre.target" in unit and "After=local-fs.target nftables.service" in unit
    assert "DefaultDependencies=no" in unit and "WantedBy=sysinit.target" in unit
    assert "ExecStart=/usr/bin/python3 %s %s" % (tmp_path / "script", tmp_path / "dir") in unit
    assert "ExecStartPost=" in dropin and "ExecReload=" in dropin
    assert not _nft_persist.unit_ready()
    record = json.loads(_nft_persist.record_text("inet", "netreq", "x", []))
    assert record == {"table": "inet netreq", "transaction": "x", "timers": []}


def test_a_run_does_not_rewrite_the_record_for_the_resolved_addresses_alone():
    """Their timeouts count from each run; the refresher keeps the sets, as the table comparison knows."""
    first = _nft_persist.record_text("inet", "netreq", TRANSACTION + "add element inet netreq s_v4 { 198.51.100.7 timeout 600s }\n", [])
    later = _nft_persist.record_text("inet", "netreq", TRANSACTION + "add element inet netreq s_v4 { 198.51.100.8 timeout 598s }\n", [])
    assert _nft_persist.in_force(first) == _nft_persist.in_force(later)
    assert _nft_persist.in_force(first) != _nft_persist.in_force(_nft_persist.record_text("inet", "netreq", "table inet netreq\n", []))
