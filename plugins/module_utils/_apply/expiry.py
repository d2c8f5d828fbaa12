# -*- coding: utf-8 -*-
# Copyright (c) netreq.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""PRIVATE: temporary rules that the host removes by itself when they expire.

This module is private to the netreq.firewall collection; its API may change
without notice. It runs on managed hosts (standard library only).

A temporary rule carries ``expires=<UTC>`` in its label (``rule_label`` of the
renderers: the nft comment, the ufw comment, the firewalld rich rule's tag).
Each applier names its temporary rules and the command that removes one of
them from the live firewall; this module arms one transient systemd timer per
rule (``systemd-run --on-calendar``) that runs that command at the expiry,
under the host lock (``flock``), without Ansible. A later run whose selection
has expired leaves the rule out, so the purge removes it even where no timer
ran (a host without systemd, or one that was off at the time).

The command gets the rule's data as positional arguments of a fixed ``sh``
script, never pasted into it.

Transient timers do not survive a reboot, while ufw and firewalld load their
saved rules, temporary ones included, at every boot. So for the appliers
whose ``expiry_at_boot`` is true, ``arm`` also keeps a record of the timers
(``expiry-<backend>.json`` in the state directory) and installs
``netreq-expiry.service``: after ufw and firewalld have started, it removes
the rules whose expiry passed while the host was down (the same command the
timer would have run, under the same lock) and arms the other timers again.
(nftables' boot record does both for its table as it loads it: ``_apply/nftables/persist.py``.)
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import re

from ansible_collections.netreq.firewall.plugins.module_utils._apply.host_files import files_hold, install_files, replace_or_remove
from ansible_collections.netreq.firewall.plugins.module_utils._model.ownership import (
    EXPIRY_BOOT_PATHS,
    HOST_APPLY_PATHS,
    OWNER,
    expiry_record_path,
)

EXPIRES = re.compile(r"(?:^|\s)expires=(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z)(?:\s|$)")


def expiry_of(label):
    """The ``YYYY-MM-DDTHH:MM:SSZ`` expiry in a rule label, or None for a permanent rule."""
    match = EXPIRES.search(label or "")
    return match.group(1) if match else None


def unit_name(backend, label):
    digest = hashlib.sha256(label.encode("utf-8")).hexdigest()[:12]
    return "%s-expire-%s-%s" % (OWNER, backend, digest)


def arm(applier, entries, warnings):
    """Arm a timer per ``(label, expires, argv)`` entry; returns the result's ``temporary`` list.

    A timer that is already waiting is kept (a no-op run starts none); an
    expiry that has passed while the rule is still wanted is left to the
    next run's compile, which drops it.
    """
    runner = applier.runner
    listed = []
    at_boot = applier.expiry_at_boot and not applier.module.check_mode and os.path.isdir(EXPIRY_BOOT_PATHS["systemd"])
    if not entries:
        if at_boot:
            replace_or_remove(expiry_record_path(applier.backend), None)
        return listed
    systemd_run = runner.binary("systemd-run", required=False)
    systemctl = runner.binary("systemctl", required=False)
    flock = runner.binary("flock", required=False)
    if at_boot and systemd_run and systemctl and flock:
        _keep_for_boot(applier, entries, systemd_run, systemctl, flock)
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    wanted = set(unit_name(applier.backend, label + "\0" + "\0".join(argv)) + ".timer" for label, _e, argv in entries)
    if systemctl and not applier.module.check_mode:
        _stop_stale(runner, systemctl, applier.backend, wanted)
    for label, expires, argv in entries:
        unit = unit_name(applier.backend, label + "\0" + "\0".join(argv))  # one per rule, expiry and command
        item = {"rule": label, "expires": expires, "timer": unit + ".timer"}
        listed.append(item)
        if expires <= now or applier.module.check_mode:
            continue
        if not (systemd_run and systemctl and flock):
            item["timer"] = None
            warnings.append("%s expires at %s but the host has no systemd-run/flock to remove it then: a run "
                            "after the expiry removes it" % (label, expires))
            continue
        if runner.run([systemctl, "is-active", "--quiet", unit + ".timer"])[0] == 0:
            continue
        runner.change(timer_command(systemd_run, flock, applier.backend, label, expires, argv),
                      "arming the expiry timer of %s" % label)
    return listed


def timer_command(systemd_run, flock, backend, label, expires, argv):
    """The ``systemd-run`` command that arms the expiry timer of one temporary rule.

    The same unit name whoever arms it (a run, or the nftables restore at
    boot), so a later run finds the timer waiting and keeps it.
    """
    unit = unit_name(backend, label + "\0" + "\0".join(argv))
    calendar = expires.replace("T", " ").replace("Z", " UTC")
    return [systemd_run, "--unit=" + unit, "--on-calendar=" + calendar, "--timer-property=AccuracySec=1s",
            "--description=netreq.firewall: remove %s at its expiry" % label, "--collect", "--quiet",
            flock, "-w", "120", HOST_APPLY_PATHS["lock"]] + list(argv)


def _stop_stale(runner, systemctl, backend, wanted):
    """Stop the timers of temporary rules this rule set no longer holds (an expiry moved, an option dropped).

    A stale timer would otherwise remove a rule at an expiry that no longer
    applies (firewalld matches the rule by its text, which an expiry does not change).
    """
    rc, out, _err = runner.run([systemctl, "list-units", "--all", "--plain", "--no-legend", "--type=timer",
                                "%s-expire-%s-*" % (OWNER, backend)])
    if rc != 0:
        return
    for line in out.splitlines():
        unit = line.split()[0] if line.split() else ""
        if unit.endswith(".timer") and unit not in wanted:
            runner.change([systemctl, "stop", unit], "stopping the expiry timer %s, which no rule needs now" % unit)


BOOT_UNIT_TEXT = """# netreq.firewall: written by its appliers; changes are overwritten by their next run.
[Unit]
Description=netreq.firewall: remove the temporary rules that expired while the host was down, arm the other timers
After=ufw.service firewalld.service

[Service]
Type=oneshot
ExecStart=/usr/bin/python3 {script} {directory}

[Install]
WantedBy=multi-user.target
"""

# Run by the unit, outside Ansible: standard library only; every command is an argument list
# the applier recorded, never text to parse.
BOOT_SCRIPT = r'''#!/usr/bin/python3
# netreq.firewall: after a boot, removes the temporary rules whose expiry passed while the host was
# down and arms the expiry timers of the others again (see netreq-expiry.service).
import datetime
import glob
import json
import os
import subprocess
import sys


def main(directory):
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    failed = 0
    for path in sorted(glob.glob(os.path.join(directory, "expiry-*.json"))):
        try:
            with open(path) as stream:
                rules = json.load(stream)["rules"]
        except (OSError, ValueError, KeyError) as exc:
            sys.stderr.write("%s: unreadable record: %s\n" % (path, exc))
            failed = 1
            continue
        for rule in rules:
            command = rule["remove"] if rule["expires"] <= now else rule["timer"]
            if subprocess.run(command).returncode != 0:
                sys.stderr.write("%s: %s failed for %s\n" % (path, command[0], rule["label"]))
                failed = 1
    return failed


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
'''


def _boot_files():
    values = {"script": EXPIRY_BOOT_PATHS["script"], "directory": HOST_APPLY_PATHS["state_dir"]}
    return ((EXPIRY_BOOT_PATHS["script"], BOOT_SCRIPT, 0o755), (EXPIRY_BOOT_PATHS["unit"], BOOT_UNIT_TEXT.format(**values), 0o644))


def _keep_for_boot(applier, entries, systemd_run, systemctl, flock):
    """Record the timers of ``entries`` for the expiry unit, installing it the first time."""
    rules = [{"label": label, "expires": expires,
              "timer": timer_command(systemd_run, flock, applier.backend, label, expires, argv),
              "remove": [flock, "-w", "120", HOST_APPLY_PATHS["lock"]] + list(argv)}
             for label, expires, argv in entries]
    replace_or_remove(expiry_record_path(applier.backend),
                      json.dumps({"backend": applier.backend, "rules": rules}, sort_keys=True, indent=1) + "\n", 0o700)
    if files_hold(_boot_files()) and os.path.lexists(EXPIRY_BOOT_PATHS["wants"]):
        return
    install_files(_boot_files())
    applier.runner.change([systemctl, "daemon-reload"], "reloading systemd's units")
    applier.runner.change([systemctl, "enable", os.path.basename(EXPIRY_BOOT_PATHS["unit"])],
                          "enabling the unit that handles expiries after a reboot")
