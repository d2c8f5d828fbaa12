# -*- coding: utf-8 -*-
# Copyright (c) netreq.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""PRIVATE: fqdn_strategy=resolve on the host: the state file, the refresh, the report.

This module is private to the netreq.firewall collection; its API may change
without notice. It runs on managed hosts (standard library only).

Why names are resolved on the host and not on the controller: the host's
resolver is the one the application uses (split horizon, geo DNS, a local
forwarder), and addresses change between Ansible runs. So the apply module
only says which names fill which sets, in a JSON state file; the refresher
the host_firewall role installs (``roles/host_firewall/files/
resolve_refresh.py``, run by a systemd service and timer) resolves them and
fills nftables sets, firewalld ipsets or per-address ufw rules, and writes a
status file. The module:

* writes the state file when it changed (that is a change of the run);
* for nftables, appends the last good addresses of the status file to the
  ``nft -f`` transaction (``prefill``), so replacing the table never leaves a
  set empty for the moment until the refresh;
* after a change, starts the refresher's service once and waits for it
  (systemd runs one instance at a time, so it never races the timer);
* reports the status file: per name its addresses, TTL, when it was last
  resolved and the error of the last attempt, plus what became of the
  wildcards (``wildcard_fallback``).

What the refresher writes is never drift: nftables set elements are left out
of the compared listing (``_apply/nftables/text.py``), firewalld ipsets are compared by
type and family only, and the ufw rules of resolved addresses carry the
comment prefix ``UFW_RESOLVED_PREFIX``, outside what the ufw applier owns.
"""

from __future__ import annotations

import json
import os
import time

from ansible_collections.netreq.firewall.plugins.module_utils._model.errors import InputError
from ansible_collections.netreq.firewall.plugins.module_utils._model import ownership as _ownership
from ansible_collections.netreq.firewall.plugins.module_utils._apply.skeleton import read_bytes, write_atomic

# Where the state, the status and the refresher live; module level so the unit tests can point them at a fake root.
PATHS = _ownership.RESOLVE_PATHS  # the same dict, read at use: see _model/ownership.HOST_PATH_TABLES
STATE_VERSION = 1
DEFAULT_TTL_FLOOR = 600
DEFAULT_TTL_CEILING = 86400
# A unit installed a moment ago can fail its first start (systemd in a container with cgroups
# v1 has been seen failing to attach the new unit's cgroup for a few seconds): try again.
START_ATTEMPTS = 3
START_RETRY_DELAY = 2
# the target keys each backend's renderer gives a resolve entry (``RenderContext.resolve_target``)
TARGET_KEYS = {"nftables": ("table", "sets"), "firewalld": ("ipsets",), "ufw": ("ufw",)}


def build_state(backend, entries, ttl_floor, ttl_ceiling):
    """The content of the state file (the refresher writes its status beside it, ``resolve-status.json``)."""
    # InputError naming the field for anything the refresher could not use
    if not 1 <= ttl_floor <= ttl_ceiling:
        raise InputError("resolve_ttl_floor must be at least 1 and at most resolve_ttl_ceiling (%s, %s)"
                         % (ttl_floor, ttl_ceiling))
    clean = []
    for index, entry in enumerate(entries or []):
        missing = [key for key in ("rule", "profile", "hosts") + TARGET_KEYS[backend] if not entry.get(key)]
        if missing:
            raise InputError("renderings.%s.resolve.entries[%d]: missing %s" % (backend, index, ", ".join(missing)))
        item = {key: entry[key] for key in ("rule", "profile", "hosts") + TARGET_KEYS[backend]}
        clean.append(item)
    state = {"version": STATE_VERSION, "backend": backend, "ttl_floor": ttl_floor, "ttl_ceiling": ttl_ceiling,
             "entries": clean}
    if backend == "ufw":
        state["ufw_comment_prefix"] = _ownership.UFW_RESOLVED_PREFIX
    return state


def state_bytes(state):
    return (json.dumps(state, indent=1, sort_keys=True) + "\n").encode("utf-8")


def read_status(path):
    """The refresher's last status, or None."""
    data = read_bytes(path)
    if data is None:
        return None
    try:
        status = json.loads(data.decode("utf-8"))
    except ValueError:
        return None
    return status if isinstance(status, dict) else None


def prefill_lines(state, status):
    """``add element`` lines with the last good addresses of each nftables set (empty without a status)."""
    hosts = (status or {}).get("hosts") or {}
    lines = []
    for entry in state["entries"]:
        ttls = [hosts[name]["ttl"] for name in entry["hosts"] if (hosts.get(name) or {}).get("ttl")]
        timeout = max(state["ttl_floor"], min(state["ttl_ceiling"], min(ttls) if ttls else state["ttl_floor"]))
        for family, set_name in sorted(entry["sets"].items()):
            addresses = sorted({address for name in entry["hosts"] for address in (hosts.get(name) or {}).get(family) or []})
            if addresses:
                lines.append("add element %s %s { %s }" % (entry["table"], set_name, ", ".join(
                    "%s timeout %ds" % (address, timeout) for address in addresses)))
    return lines


def wildcard_report(resolve):
    """What became of the wildcard names: ``[{rule, profile, hosts, fallback}]``."""
    report = []
    for key, fallback in (("widenings", "any_address"), ("proxy_allowlist", "proxy")):
        for item in resolve.get(key) or []:
            wildcards = [host for host in item.get("hosts") or [] if host.startswith("*.")]
            if wildcards:
                report.append({"rule": item["rule"], "profile": item["profile"], "hosts": wildcards, "fallback": fallback})
    return report


class ResolveSync(object):
    """The resolve part of one apply: state file, prefill, refresh, report (see the module docstring)."""

    def __init__(self, module, runner, backend, resolve, ttl_floor=DEFAULT_TTL_FLOOR, ttl_ceiling=DEFAULT_TTL_CEILING):
        self.module = module
        self.runner = runner
        self.backend = backend
        self.resolve = resolve or {}
        self.state_path = PATHS["state"]
        self.unit = _ownership.RESOLVE_UNIT
        self.script = PATHS["script"]
        self.state = build_state(backend, self.resolve.get("entries"), ttl_floor, ttl_ceiling)
        self.old = read_bytes(self.state_path)

    @property
    def active(self):
        """Whether there is anything to do: names to resolve now, or a state file from an earlier run to empty."""
        return bool(self.state["entries"]) or self.old is not None

    def prefill(self, params):
        """The nftables applier's ``ruleset`` with the last good addresses appended."""
        if self.backend != "nftables" or not self.state["entries"] or not params.get("ruleset"):
            return params
        lines = prefill_lines(self.state, read_status(PATHS["status"]))
        if lines:
            params = dict(params, ruleset=params["ruleset"].rstrip("\n") + "\n" + "\n".join(lines) + "\n")
        return params

    def finish(self, result):
        """Write the state, refresh when something changed, and return the ``resolve`` result key."""
        if not self.active:
            return {}
        new = state_bytes(self.state)
        state_changed = new != self.old
        refreshed = False
        warnings = []
        if not self.module.check_mode:
            if state_changed:
                directory = os.path.dirname(self.state_path)
                if not os.path.isdir(directory):
                    os.makedirs(directory, 0o755)
                write_atomic(self.state_path, new)
                self.runner.log.append("write %s" % self.state_path)
            status = read_status(PATHS["status"])
            if state_changed or result.get("changed") or status is None:
                refreshed = self._refresh(warnings)
        status = read_status(PATHS["status"]) or {}
        report = {
            "state_path": self.state_path,
            "status_path": PATHS["status"],
            "refreshed": refreshed,
            "updated": status.get("updated"),
            "ok": bool(status.get("ok")),
            "names": status.get("hosts") or {},
            "errors": status.get("errors") or [],
            "wildcards": wildcard_report(self.resolve),
        }
        extra = {"resolve": report, "changed": bool(result.get("changed")) or state_changed,
                 "commands": list(self.runner.log)}
        if warnings or report["errors"]:
            extra["warnings"] = list(result.get("warnings") or []) + warnings + [
                "resolve: %s" % error for error in report["errors"]]
        return extra

    def _refresh(self, warnings):
        if not os.path.exists(self.script):
            warnings.append("resolve: the refresher %s is not installed (the host_firewall role installs it): the "
                            "names' sets stay as they are until it runs" % self.script)
            return False
        systemctl = self.runner.binary("systemctl", required=False)
        argv = [systemctl, "start", self.unit + ".service"] if systemctl else ["python3", self.script, self.state_path]
        self.runner.log.append(" ".join(argv))
        for attempt in range(START_ATTEMPTS):
            if attempt:
                time.sleep(START_RETRY_DELAY)
            rc, out, err = self.runner.run(argv)
            if rc == 0:
                break
        if rc != 0:
            warnings.append("resolve: %s failed (rc=%d): %s; see journalctl -u %s"
                            % (" ".join(argv), rc, (err or out).strip(), self.unit))
        return True
