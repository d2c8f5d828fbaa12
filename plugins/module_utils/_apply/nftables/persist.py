# -*- coding: utf-8 -*-
# Copyright (c) netreq.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""PRIVATE: the nftables backend's table survives a reboot.

This module is private to the netreq.firewall collection; its API may change
without notice. It runs on managed hosts (standard library only);
``_apply/nftables/apply.py`` drives it.

A table loaded with ``nft -f`` lives in the kernel only: a reboot loses it,
and nothing on a plain nftables host (nor on one with ufw installed but
inactive, which is driven the same way) would load it again. firewalld and
ufw reload their own saved configuration; plain nftables needs the
collection to do the same. Decisions:

* What is kept: one record per table, ``/etc/netreq/nftables/<family>-<name>.json``,
  holding exactly the ``nft -f`` transaction the last apply loaded (with the
  last good addresses of the resolve sets) and the commands that arm the
  expiry timers of its temporary rules. Files of the collection's own, not an
  include in Debian's ``/etc/nftables.conf``: that file is the admin's, exists
  only on Debian and starts with ``flush ruleset``.
* What loads it: a unit of the collection's own, ``netreq-nftables.service``,
  ordered the way Debian's ``nftables.service`` is (no default dependencies,
  before ``network-pre.target``, wanted by ``sysinit.target``), so the rules
  are in force before any interface is configured; and after
  ``nftables.service``, so the ``flush ruleset`` of Debian's configuration
  runs first, whether that service is enabled or not. A restart or reload of
  ``nftables.service`` flushes the whole rule set again: a drop-in of the
  collection's own for that unit (``nftables.service.d/netreq.conf``) runs
  the same load after its own start and reload commands. (``PartOf`` and
  ``ReloadPropagatedFrom`` on the collection's unit were tried first: on a
  real host the propagated start ran before the flush of the restarted
  service, and the table was lost.) The admin's own tables are never
  loaded, changed or removed by either.
* How it loads: a table that is already there is left alone, so starting the
  unit on a running host (the apply does, to make it active) changes
  nothing. Rule lines of temporary rules whose expiry passed while the host
  was down are left out, and the timers of the others are armed again
  (transient systemd timers do not survive a reboot). The resolve sets come
  back with the addresses they had at the apply; the refresher's own timer
  updates them shortly after boot.
* Without systemd (no ``/run/systemd/system``) nothing is kept, and the
  result says so: there is nothing to load it at boot.
* ``state=absent`` removes the record; the unit stays (with no record it
  loads nothing).
"""

from __future__ import annotations

import datetime
import json
import os
import re

from ansible_collections.netreq.firewall.plugins.module_utils._apply.host_files import (
    files_hold,
    install_files,
    read_text,
    replace_or_remove,
)
from ansible_collections.netreq.firewall.plugins.module_utils._model.ownership import NFT_PERSIST_PATHS, OWNER, nft_record_path

PATHS = NFT_PERSIST_PATHS
UNIT = OWNER + "-nftables.service"

UNIT_TEXT = """# netreq.firewall: written by its nftables applier; changes are overwritten by its next run.
[Unit]
Description=netreq.firewall: load the nftables tables of the last apply
DefaultDependencies=no
Wants=network-pre.target
Before=network-pre.target shutdown.target
After=local-fs.target nftables.service
Conflicts=shutdown.target

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/usr/bin/python3 {script} {directory}

[Install]
WantedBy=sysinit.target
"""

# Added to nftables.service (where there is one): its start and its reload begin with the
# `flush ruleset` of its configuration, so the tables are loaded again after either.
DROPIN_TEXT = """# netreq.firewall: written by its nftables applier; changes are overwritten by its next run.
[Service]
ExecStartPost=/usr/bin/python3 {script} {directory}
ExecReload=/usr/bin/python3 {script} {directory}
"""

# Run by the unit, outside Ansible: standard library only, and the record's text is data
# (the transaction goes to nft through a file, the timer commands as argument lists).
RESTORE_SCRIPT = r'''#!/usr/bin/python3
# netreq.firewall: loads the nftables tables its last apply recorded (see netreq-nftables.service).
# A table already present is left alone. Rule lines of temporary rules whose expiry has passed are
# left out; the expiry timers of the others are armed again.
import datetime
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

EXPIRES = re.compile(r'comment "[^"]*\bexpires=(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z)')


def main(directory):
    nft = shutil.which("nft") or "/usr/sbin/nft"
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    failed = 0
    for path in sorted(glob.glob(os.path.join(directory, "*.json"))):
        try:
            with open(path) as stream:
                record = json.load(stream)
            family, name = record["table"].split()
        except (OSError, ValueError, KeyError) as exc:
            sys.stderr.write("%s: unreadable record: %s\n" % (path, exc))
            failed = 1
            continue
        present = subprocess.run([nft, "list", "table", family, name], stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL).returncode == 0
        if present:
            continue
        lines = [line for line in record["transaction"].splitlines(True)
                 if not any(found <= now for found in EXPIRES.findall(line))]
        handle, temporary = tempfile.mkstemp(prefix="netreq-restore-", suffix=".nft")
        try:
            with os.fdopen(handle, "w") as stream:
                stream.write("".join(lines))
            if subprocess.run([nft, "-f", temporary]).returncode != 0:
                sys.stderr.write("%s: nft could not load table %s %s\n" % (path, family, name))
                failed = 1
                continue
        finally:
            os.unlink(temporary)
        for timer in record.get("timers") or []:
            if timer["expires"] > now and subprocess.run(timer["command"]).returncode != 0:
                sys.stderr.write("%s: could not arm the timer of %s\n" % (path, timer["label"]))
                failed = 1
    return failed


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
'''


EXPIRED_LINE = re.compile(r'comment "[^"]*\bexpires=(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z)')


def in_force(text, now=None):
    """A record as the loader would use it at ``now``: without the rule lines and timers that have expired.

    A run compares records this way, so a record whose temporary rules expired
    (the next run leaves them out of the rule set) is not rewritten for that
    alone: what it would load at boot is the same. The loader filters with
    the same expression (``RESTORE_SCRIPT``). The ``add element`` lines (the
    last good addresses of the resolve sets, with timeouts counted from the
    run) are left out of the comparison as the table comparison leaves set
    elements out: the refresher keeps the sets, and a record is not rewritten
    for every refresh.
    """
    if text is None:
        return None
    now = now or datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    try:
        record = json.loads(text)
        record["transaction"] = "".join(line for line in record["transaction"].splitlines(True)
                                        if not line.startswith("add element ")
                                        and not any(found <= now for found in EXPIRED_LINE.findall(line)))
        record["timers"] = [timer for timer in record.get("timers") or [] if timer["expires"] > now]
    except (ValueError, KeyError, TypeError, AttributeError):
        return text  # not a record this version wrote: compared as it is, so it is written again
    return json.dumps(record, sort_keys=True)


def available():
    """Whether the host runs systemd, which loads the records at boot."""
    return os.path.isdir(PATHS["systemd"])


def record_text(family, name, transaction, timers):
    """The record of one table: what ``read`` returns when it is saved and unchanged."""
    return json.dumps({"table": "%s %s" % (family, name), "transaction": transaction,
                       "timers": [dict(timer) for timer in timers]}, sort_keys=True, indent=1) + "\n"


def read(family, name):
    """The saved record of the table as text, or None."""
    return read_text(nft_record_path(family, name))


def _files():
    """``(path, text, mode)`` of the files that load the records: the script, the unit, the drop-in."""
    values = {"script": PATHS["script"], "directory": PATHS["dir"]}
    return ((PATHS["script"], RESTORE_SCRIPT, 0o755), (PATHS["unit"], UNIT_TEXT.format(**values), 0o644),
            (PATHS["dropin"], DROPIN_TEXT.format(**values), 0o644))


def unit_ready():
    """Whether the script, the unit, its drop-in and its enablement link are in place as this version writes them."""
    return files_hold(_files()) and os.path.lexists(PATHS["wants"])


def save(family, name, text):
    """Write (``text``) or remove (None) the record of one table."""
    replace_or_remove(nft_record_path(family, name), text)


def install_unit(runner):
    """Write the script, the unit and the drop-in, enable the unit and start it (which loads nothing: the table is there)."""
    install_files(_files())
    systemctl = runner.binary("systemctl")
    runner.change([systemctl, "daemon-reload"], "reloading systemd's units")
    runner.change([systemctl, "enable", UNIT], "enabling %s" % UNIT)
    runner.change([systemctl, "start", UNIT], "starting %s" % UNIT)
