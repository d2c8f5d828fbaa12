# Copyright (c) netreq.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Test hosts of the apply benchmark: boot, identify, enter.

Every host is booted with the harness script tests/testhost/host_up.sh, and its name is
written to the "booted" file BEFORE the boot starts, so run.sh's exit trap powers off
exactly what this run may have started, even a half-booted host.

Entering a host (nsenter, or the inventory's ansible_nsenter_pid) happens only after
the recorded PID 1 is proven to still be that host: same start time as recorded at boot
and the network namespace of /run/netns/nrq-<name>. pid_max wraps on small machines; a
stale PID must never lead a command into a process of this machine.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import time

PREFIX = "nrq-"


class HarnessError(Exception):
    """A host could not be booted, identified or entered."""


class Host:
    def __init__(self, name, unit, testhost_dir, booted_file, log):
        self.name = name
        self.unit = unit              # firewalld | ufw | nftables
        self.testhost_dir = testhost_dir
        self.booted_file = booted_file
        self.log = log
        lab = os.environ.get("NETREQ_LAB") or os.path.expanduser("~/.cache/netreq-lab")
        self.state_dir = os.path.join(lab, "hosts", name)
        self.boots = 0

    # ------------------------------------------------------------ lifecycle

    def boot(self):
        """Boot a fresh host (a running one of this name is replaced): clean firewall state."""
        with open(self.booted_file, "a", encoding="utf-8") as handle:
            handle.write(self.name + "\n")
        argv = [os.path.join(self.testhost_dir, "host_up.sh"), self.name, "--recreate", "--enable", self.unit]
        try:
            proc = subprocess.run(argv, capture_output=True, text=True, timeout=180, check=False)
        except subprocess.TimeoutExpired as exc:
            raise HarnessError("booting %s timed out after 180 s" % self.name) from exc
        if proc.returncode != 0:
            raise HarnessError("booting %s failed (rc %d): %s" % (self.name, proc.returncode, proc.stderr.strip()[-2000:]))
        try:
            info = json.loads(proc.stdout.strip().splitlines()[-1])
        except (ValueError, IndexError) as exc:
            raise HarnessError("unexpected output of host_up.sh for %s: %r" % (self.name, proc.stdout)) from exc
        self.address = info["address"]
        self.boots += 1
        self._check_identity()
        if self.unit == "ufw":
            # ufw.service only loads the rules when ufw is enabled: enable it so the loops,
            # the floor and the role all work on a running ufw (untimed).
            self.sh("ufw --force enable >/dev/null")
        if self.unit == "firewalld":
            # The unit is active before firewalld answers on D-Bus: wait for it (untimed).
            self.sh("for i in $(seq 1 300); do firewall-cmd --state >/dev/null 2>&1 && exit 0; sleep 0.1; done; "
                    "firewall-cmd --state", timeout=60)
        return self

    # ------------------------------------------------------------ identity

    def pid(self):
        """PID 1 of the host, or HarnessError when the recorded process is gone or another."""
        try:
            with open(os.path.join(self.state_dir, "leader.id"), encoding="utf-8") as handle:
                recorded = handle.read().strip()
        except OSError as exc:
            raise HarnessError("%s is not running (no state in %s)" % (self.name, self.state_dir)) from exc
        pid, _sep, start = recorded.partition(":")
        try:
            with open("/proc/%s/stat" % pid, encoding="utf-8") as handle:
                stat = handle.read()
            now_start = stat.rsplit(") ", 1)[1].split()[19]
            netns = os.readlink("/proc/%s/ns/net" % pid)
            want = "net:[%d]" % os.stat("/run/netns/%s%s" % (PREFIX, self.name)).st_ino
        except (OSError, IndexError) as exc:
            raise HarnessError("%s: PID %s is gone" % (self.name, pid)) from exc
        if not pid.isdigit() or now_start != start or netns != want:
            raise HarnessError("%s: PID %s no longer names the host's PID 1; refusing to enter it" % (self.name, pid))
        return int(pid)

    def _check_identity(self):
        """The harness marker, the host name and the address: this is the test host."""
        out = self.sh("cat /etc/netreq-testhost /etc/hostname; ip -4 -o addr show dev eth0")
        lines = out.splitlines()
        if len(lines) < 3 or not lines[0].startswith("netreq test host rootfs ") or lines[1] != self.name \
                or (" %s/" % self.address) not in out:
            raise HarnessError("%s is not the expected harness test host: %r" % (self.name, out))

    # ------------------------------------------------------------ commands inside

    def sh(self, script, stdin=None, timeout=120):
        """Run a /bin/sh script inside the host (all its namespaces); its stdout, or HarnessError."""
        argv = ["nsenter", "--target", str(self.pid()), "--all", "/bin/sh", "-c", script]
        try:
            proc = subprocess.run(argv, input=stdin, capture_output=True, text=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired as exc:
            raise HarnessError("%s: %r timed out after %d s" % (self.name, script[:80], timeout)) from exc
        if proc.returncode != 0:
            detail = (proc.stderr or proc.stdout).strip()[-1500:]
            raise HarnessError("%s: %r failed (rc %d): %s" % (self.name, script[:80], proc.returncode, detail))
        return proc.stdout

    def put(self, path, text):
        """Write a file inside the host."""
        self.sh("cat > %s" % shlex.quote(path), stdin=text)

    def timed_in_host(self, commands, timeout):
        """Seconds the commands (argv lists, run in order) take, timed by the host's own clock.

        The clock is read inside the host right before the first and after the last command,
        so entering the host (nsenter) is not part of the figure.
        """
        body = "\n".join(" ".join(shlex.quote(word) for word in argv) + " >/dev/null" for argv in commands)
        script = "set -e\nt0=$(date +%s%N)\n" + body + "\nt1=$(date +%s%N)\necho $((t1 - t0))\n"
        self.put("/tmp/perf_floor.sh", script)
        out = self.sh("sh /tmp/perf_floor.sh", timeout=timeout)
        return int(out.strip().splitlines()[-1]) / 1e9

    def ansible_line(self):
        return ("%s ansible_connection=community.docker.nsenter ansible_nsenter_pid=%d "
                "ansible_python_interpreter=/usr/bin/python3" % (self.name, self.pid()))


def wait_settled(seconds=0.5):
    """Let a freshly booted host finish its start-up work before timing it."""
    time.sleep(seconds)
