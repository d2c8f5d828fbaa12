# -*- coding: utf-8 -*-
# Copyright (c) netreq.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""PRIVATE: which firewall a Linux host runs, and where each keeps its state, told without importing any applier.

This module is private to the netreq.firewall collection; its API may change
without notice. It runs on managed hosts (standard library only).

Why a module of its own: ``backend: auto`` asks firewalld first, then ufw,
then nftables. Each applier module is a few thousand lines that Python
compiles on every run (a module's payload is imported from a zip, without
cached bytecode), so asking the appliers themselves cost an nftables host the
compilation of the firewalld and ufw appliers it never uses. The appliers'
``detect`` methods answer from here too, so there is one test per backend.
The files and directories each backend keeps its state in are named here for
the same reason: the no-op memo reads them without the appliers.
"""

from __future__ import annotations

import re

from ansible_collections.netreq.firewall.plugins.module_utils._model.backends import LINUX_HOST_BACKENDS
from ansible_collections.netreq.firewall.plugins.module_utils._model.errors import InputError
from ansible_collections.netreq.firewall.plugins.module_utils._model.ownership import UFW_PATHS

# ufw reads its settings as KEY=value lines, a later line winning, quotes and case ignored
_ENABLED = re.compile(r'^ENABLED="?(\w+)"?', re.MULTILINE | re.IGNORECASE)


def firewalld_runs(runner):
    """firewalld is the backend when its unit is active: ``systemctl is-active`` (a C program, ~5 ms).

    It needs neither D-Bus bindings nor firewall-cmd (a 0.4 s Python start),
    and a firewalld that is installed but stopped is not the backend. Without
    systemd, ``firewall-cmd --state`` answers.
    """
    systemctl = runner.binary("systemctl", required=False)
    if systemctl:
        return runner.run([systemctl, "is-active", "--quiet", "firewalld.service"])[0] == 0
    firewall_cmd = runner.binary("firewall-cmd", required=False)
    return bool(firewall_cmd) and runner.run([firewall_cmd, "--state"])[0] == 0


def ufw_enabled():
    """ufw is the host's firewall when ufw.conf says ENABLED=yes (read from the file, nothing run)."""
    try:
        with open(UFW_PATHS["conf"], "rb") as stream:
            text = stream.read().decode("utf-8", "replace")
    except OSError:
        return False
    values = _ENABLED.findall(text)
    return bool(values) and values[-1].lower() == "yes"


def nft_present(runner):
    """Plain nftables is the fallback backend: it is there whenever nft is."""
    return bool(runner.binary("nft", required=False))


DETECTORS = {
    "firewalld": firewalld_runs,
    "ufw": lambda runner: ufw_enabled(),
    "nftables": nft_present,
}
# the order auto detection tries them in: the registry's (firewalld, ufw, nftables)
DETECTION_ORDER = LINUX_HOST_BACKENDS
if set(DETECTORS) != set(DETECTION_ORDER):  # a backend added to the registry needs its detector here
    raise ImportError("host detectors %s do not match the registry's Linux backends %s" % (sorted(DETECTORS), DETECTION_ORDER))


def select_backend(requested, runner):
    """The backend to apply to: ``requested``, or the first one the host runs for ``auto``."""
    if requested != "auto":
        return requested
    for name in DETECTION_ORDER:
        if DETECTORS[name](runner):
            return name
    raise InputError("backend auto: the host runs none of %s (no firewalld daemon, ufw not enabled, no nft command)"
                     % ", ".join(DETECTION_ORDER))
