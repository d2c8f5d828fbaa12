# -*- coding: utf-8 -*-
# Copyright (c) netreq.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The cheap reads of the no-op memo: they must change whenever the owned state does, and say "cannot tell" otherwise."""

from __future__ import annotations

import os
import pathlib

from fake_linux_host import put_host_under

from ansible_collections.netreq.firewall.plugins.module_utils._apply import fingerprint as _fingerprint
from ansible_collections.netreq.firewall.plugins.module_utils._model import ownership as _ownership


class FakeRunner(object):
    """Answers ``nft -s list table`` from a dict of (family, table) -> (rc, out, err)."""

    def __init__(self, tables, nft=True):
        self.tables = tables
        self.nft = nft
        self.calls = []

    def binary(self, name, required=True):
        return "/usr/sbin/nft" if self.nft and name == "nft" else None

    def run(self, argv):
        self.calls.append(argv)
        return self.tables.get((argv[-2], argv[-1]), (1, "", "Error: No such file or directory\n"))


def test_nftables_follows_the_listing_and_tells_an_absent_table_from_an_unreadable_one():
    one = _fingerprint.nftables(FakeRunner({("inet", "netreq"): (0, "table inet netreq {}\n", "")}), "inet", "netreq")
    two = _fingerprint.nftables(FakeRunner({("inet", "netreq"): (0, "table inet netreq { x }\n", "")}), "inet", "netreq")
    absent = _fingerprint.nftables(FakeRunner({}), "inet", "netreq")
    assert len({one, two, absent}) == 3
    assert absent == _fingerprint.digest("absent", None)
    denied = FakeRunner({("inet", "netreq"): (1, "", "Error: Operation not permitted\n")})
    assert _fingerprint.nftables(denied, "inet", "netreq") is None
    assert _fingerprint.nftables(FakeRunner({}, nft=False), "inet", "netreq") is None


def test_firewalld_follows_owned_files_zone_names_and_its_table_but_not_foreign_files(monkeypatch, tmp_path):
    root = put_host_under(monkeypatch, str(tmp_path))
    policies = os.path.join(root, "etc/firewalld/policies")
    os.makedirs(policies)
    os.makedirs(os.path.join(root, "usr/lib/firewalld/zones"))
    runner = FakeRunner({("inet", "firewalld"): (0, "table inet firewalld {}\n", "")})

    def read():
        return _fingerprint.firewalld(runner, "netreq")

    with open(os.path.join(policies, "netreq-in.xml"), "w") as stream:
        stream.write("<policy/>")
    first = read()
    with open(os.path.join(policies, "other-in.xml"), "w") as stream:
        stream.write("<policy/>")  # not the collection's
    assert read() == first
    with open(os.path.join(policies, "netreq-in.xml"), "w") as stream:
        stream.write("<policy target='DROP'/>")
    changed = read()
    assert changed != first
    with open(os.path.join(root, "usr/lib/firewalld/zones/lab.xml"), "w") as stream:
        stream.write("<zone/>")
    assert read() != changed
    runner.tables[("inet", "firewalld")] = (0, "table inet firewalld { x }\n", "")
    assert read() not in (first, changed)
    # firewalld's iptables backend has no nftables table: no memo
    assert _fingerprint.firewalld(FakeRunner({}), "netreq") is None


def test_read_dispatches_on_the_backend_and_knows_no_other():
    runner = FakeRunner({("inet", "edge"): (0, "table inet edge {}\n", "")})
    assert _fingerprint.read("nftables", runner, {"family": "inet", "table": "edge"}) == \
        _fingerprint.digest("table inet edge {}\n", None)
    assert _fingerprint.read("windows", runner, {}) is None


def test_nftables_follows_the_boot_record_too(monkeypatch, tmp_path):
    """A lost or changed boot record must miss the memo, so the next run writes it again."""
    put_host_under(monkeypatch, str(tmp_path))
    record = pathlib.Path(_ownership.NFT_PERSIST_PATHS["dir"])
    record.mkdir(parents=True)
    runner = FakeRunner({("inet", "netreq"): (0, "table inet netreq {}\n", "")})
    without = _fingerprint.nftables(runner, "inet", "netreq")
    (record / "inet-netreq.json").write_text('{"table": "inet netreq"}\n')
    with_record = _fingerprint.nftables(runner, "inet", "netreq")
    (record / "inet-netreq.json").write_text('{"table": "inet netreq", "timers": []}\n')
    assert len({without, with_record, _fingerprint.nftables(runner, "inet", "netreq")}) == 3
