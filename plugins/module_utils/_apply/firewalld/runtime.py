# -*- coding: utf-8 -*-
# Copyright (c) netreq.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""PRIVATE: firewalld's runtime configuration (read, reload) and its own rich-rule parser.

This module is private to the netreq.firewall collection; its API may change
without notice.

Why D-Bus: ``firewall-cmd`` is a Python program that costs 0.3-0.5 s per call
before it does anything, so reading the runtime with it would cost seconds
even when nothing changed. The daemon answers the same questions over D-Bus
(``org.fedoraproject.FirewallD1``: ``getPolicies``/``getPolicySettings`` on
the ``.policy`` interface, ``getIPSets``/``getIPSetSettings`` on ``.ipset``,
``reload`` on the main one) in milliseconds. ``python3-dbus`` is a dependency
of Debian's and Fedora's firewalld package (firewall-cmd itself uses it), so it
is there whenever firewalld is and the module runs with the system Python.
One private connection, plain method calls, no introspection and no signal
receivers: a connection that registers a match rule per object runs into
``max_match_rules_per_connection`` on the bus.

When ``dbus`` cannot be imported (Ansible runs another interpreter), the same
five calls go through ``firewall-cmd`` (slower; the applier says so in a
warning). Both sources return the settings in D-Bus' shapes, normalized here.
"""

from __future__ import annotations

import re

from ansible_collections.netreq.firewall.plugins.module_utils._apply.firewalld import rich
from ansible_collections.netreq.firewall.plugins.module_utils._model.errors import ApplyError
from ansible_collections.netreq.firewall.plugins.module_utils._apply.firewalld.config import (
    DEFAULT_PRIORITY,
    DEFAULT_TARGET,
    owned,
)

DBUS_NAME = "org.fedoraproject.FirewallD1"
DBUS_PATH = "/org/fedoraproject/FirewallD1"
# A stopped daemon: the run ends before anything was written (the runtime is read first).
NOT_RUNNING_MESSAGE = ("firewalld is not running (%s): start it (systemctl start firewalld) and run again; "
                       "nothing was changed")
_NOT_RUNNING = ("org.freedesktop.DBus.Error.ServiceUnknown", "org.freedesktop.DBus.Error.NameHasNoOwner")
RELOAD_TIMEOUT = 600  # seconds: a reload of thousands of rules takes a while; D-Bus' default is 25 s
# D-Bus settings keys firewalld may hold in a policy that the collection never writes: how to show them
_EXTRA_KEYS = (
    ("services", lambda item: "service name=%s" % item),
    ("ports", lambda item: "port port=%s protocol=%s" % tuple(item)),
    ("protocols", lambda item: "protocol value=%s" % item),
    ("icmp_blocks", lambda item: "icmp-block name=%s" % item),
    ("forward_ports", lambda item: " ".join(["forward-port"] + ["%s=%s" % pair for pair in sorted(
        zip(("port", "protocol", "to-port", "to-addr"), item)) if pair[1]])),
    ("source_ports", lambda item: "source-port port=%s protocol=%s" % tuple(item)),
)


def plain(value):
    """D-Bus values (dbus.String, dbus.Array, ...) as plain Python values."""
    if isinstance(value, dict):
        return dict((plain(key), plain(item)) for key, item in value.items())
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    if isinstance(value, bool) or type(value).__name__ == "Boolean":
        return bool(value)
    if isinstance(value, int):
        return int(value)
    return str(value)


def normalize_policy(name, settings):
    """A policy in the form of ``_apply/firewalld/config.py`` from its D-Bus settings dict."""
    settings = plain(settings)
    policy = {"name": name, "description": settings.get("description", ""), "short": settings.get("short", ""),
              "priority": settings.get("priority", DEFAULT_PRIORITY), "target": settings.get("target") or DEFAULT_TARGET,
              "ingress_zones": list(settings.get("ingress_zones") or []),
              "egress_zones": list(settings.get("egress_zones") or []), "rich_rules": [], "extras": []}
    for text in settings.get("rich_rules") or []:
        try:
            policy["rich_rules"].append(rich.canonical(text))
        except rich.RichRuleError:
            policy["rich_rules"].append(text)  # kept as printed: it differs from any desired rule
    for key, show in _EXTRA_KEYS:
        policy["extras"].extend(show(item) for item in settings.get(key) or [])
    if settings.get("masquerade"):
        policy["extras"].append("masquerade")
    return policy


def normalize_ipset(name, settings):
    """An ipset from its D-Bus settings ``(version, short, description, type, options, entries)``."""
    _version, _short, _description, set_type, options, entries = plain(settings)
    return {"name": name, "type": set_type, "family": options.get("family") or "inet", "entries": list(entries)}


def read_runtime(source, prefix):
    """The owned policies and ipsets of the runtime configuration, from a D-Bus-shaped source."""
    return {
        "policies": dict((name, normalize_policy(name, source.policy_settings(name)))
                         for name in sorted(source.policy_names()) if owned(name, prefix)),
        "ipsets": dict((name, normalize_ipset(name, source.ipset_settings(name)))
                       for name in sorted(source.ipset_names()) if owned(name, prefix)),
    }


# ---------------------------------------------------------------- D-Bus

class DbusFirewalld(object):
    """The five calls on one private system-bus connection."""

    kind = "dbus"

    def __init__(self, dbus):
        self.dbus = dbus
        try:
            self.bus = dbus.SystemBus(private=True)
            daemon = self.bus.get_object(DBUS_NAME, DBUS_PATH, introspect=False)
        except dbus.exceptions.DBusException as exc:
            if exc.get_dbus_name() in _NOT_RUNNING:
                raise ApplyError(NOT_RUNNING_MESSAGE % ("nobody owns %s on the system bus" % DBUS_NAME))
            raise ApplyError("cannot reach firewalld on the system bus: %s" % exc)
        self.main = dbus.Interface(daemon, DBUS_NAME)
        self.policy = dbus.Interface(daemon, DBUS_NAME + ".policy")
        self.ipset = dbus.Interface(daemon, DBUS_NAME + ".ipset")

    def _call(self, method, *args, **kwargs):
        try:
            return method(*args, **kwargs)
        except self.dbus.exceptions.DBusException as exc:
            if exc.get_dbus_name() in _NOT_RUNNING:
                raise ApplyError(NOT_RUNNING_MESSAGE % ("nobody owns %s on the system bus" % DBUS_NAME))
            raise ApplyError("firewalld D-Bus call failed: %s" % (exc.get_dbus_message() or exc))

    def policy_names(self):
        return plain(self._call(self.policy.getPolicies))

    def policy_settings(self, name):
        return self._call(self.policy.getPolicySettings, name)

    def ipset_names(self):
        return plain(self._call(self.ipset.getIPSets))

    def ipset_settings(self, name):
        return self._call(self.ipset.getIPSetSettings, name)

    def reload(self):
        self._call(self.main.reload, timeout=RELOAD_TIMEOUT)
        return "D-Bus %s.reload()" % DBUS_NAME


def open_dbus():
    """A ``DbusFirewalld``, or None when the ``dbus`` module cannot be imported."""
    try:
        import dbus  # pylint: disable=import-outside-toplevel
        import dbus.exceptions  # noqa: F401  pylint: disable=import-outside-toplevel
    except ImportError:
        return None
    return DbusFirewalld(dbus)


# ---------------------------------------------------------------- firewall-cmd (fallback)

class FirewallCmdFirewalld(object):
    """The same five calls through ``firewall-cmd`` (one process per call), parsing its ``--info-*`` output."""

    kind = "firewall-cmd"

    def __init__(self, runner):
        self.runner = runner
        self.binary = runner.binary("firewall-cmd")
        rc, out, _err = runner.run([self.binary, "--state"])
        if rc != 0:
            raise ApplyError(NOT_RUNNING_MESSAGE % ("firewall-cmd --state: %s" % (out.strip() or "rc %d" % rc)))

    def _read(self, *args):
        return self.runner.read([self.binary] + list(args), "read firewalld's runtime configuration")

    def policy_names(self):
        return self._read("--get-policies").split()

    def policy_settings(self, name):
        return parse_info(self._read("-v", "--info-policy=%s" % name))

    def ipset_names(self):
        return self._read("--get-ipsets").split()

    def ipset_settings(self, name):
        info = parse_info(self._read("--info-ipset=%s" % name))
        options = dict(option.partition("=")[::2] for option in info.get("options", "").split())
        return ["", "", "", info.get("type", ""), options, info.get("entries", "").split()]

    def reload(self):
        self.runner.change([self.binary, "--reload"], "firewall-cmd --reload")
        return None  # logged by the runner


_INFO_LIST_KEYS = {"ingress-zones": "ingress_zones", "egress-zones": "egress_zones", "services": "services",
                   "protocols": "protocols", "icmp-blocks": "icmp_blocks"}
_INFO_PAIR_KEYS = {"ports": "ports", "source-ports": "source_ports"}


def parse_info(text):
    """``firewall-cmd --info-policy/--info-ipset`` output as the D-Bus settings dict (keys of the policy's)."""
    info, key = {}, None
    for line in text.splitlines():
        if line.startswith("\t"):
            if key in ("rich_rules", "forward_ports"):
                value = line.strip()
                if key == "forward_ports":
                    fields = dict(part.partition("=")[::2] for part in value.split(":"))
                    value = [fields.get(name, "") for name in ("port", "proto", "toport", "toaddr")]
                info.setdefault(key, []).append(value)
            continue
        match = re.match(r"^  ([a-z -]+):(?: (.*))?$", line)
        if not match:
            continue
        name, value = match.group(1), (match.group(2) or "").strip()
        key = {"rich rules": "rich_rules", "forward-ports": "forward_ports"}.get(name, name)
        if name in _INFO_LIST_KEYS:
            info[_INFO_LIST_KEYS[name]] = value.split()
        elif name in _INFO_PAIR_KEYS:
            info[_INFO_PAIR_KEYS[name]] = [word.split("/", 1) for word in value.split()]
        elif name == "masquerade":
            info["masquerade"] = value == "yes"
        elif name == "priority":
            info["priority"] = int(value or DEFAULT_PRIORITY)
        elif name in ("target", "description", "summary", "type", "options", "entries"):
            info["short" if name == "summary" else name] = value
    return info


def connect(runner, warnings):
    """The runtime source: D-Bus, or firewall-cmd with a warning when python3-dbus cannot be imported."""
    source = open_dbus()
    if source is None:
        warnings.append("the Python D-Bus bindings (python3-dbus) cannot be imported by the module's interpreter; "
                        "firewalld is read through firewall-cmd, about half a second per call (run the module with "
                        "the system python3 to avoid it)")
        source = FirewallCmdFirewalld(runner)
    return source


# ---------------------------------------------------------------- firewalld's own rich-rule parser

def firewalld_rule_check():
    """A function ``text -> canonical text`` from firewalld's parser (python3-firewall), or None.

    firewalld's ``Rich_Rule`` is what the daemon uses to read a rule; parsing
    a new rule with it in-process catches what the daemon would refuse,
    without a process or a D-Bus round trip per rule.
    """
    try:
        from firewall.core.rich import Rich_Rule  # pylint: disable=import-outside-toplevel,import-error
        from firewall.errors import FirewallError  # pylint: disable=import-outside-toplevel,import-error
    except Exception:  # pylint: disable=broad-except  # not installed, or not for this interpreter
        return None

    def check(text):
        try:
            return str(Rich_Rule(rule_str=text))
        except FirewallError as exc:
            raise rich.RichRuleError("firewalld refuses it: %s" % exc)
    return check
