# -*- coding: utf-8 -*-
# Copyright (c) netreq.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""PRIVATE: the names by which the collection recognises what it owns on a host.

This module is private to the netreq.firewall collection; its API may change
without notice. Renderers write these names and appliers look for them: if the
two sides disagreed, an applier would purge rules the renderer had just
written, or leave stale ones behind. So they are defined here once and
imported by both (and passed to the roles through the renderings), never
written as literals elsewhere. Standard library only: appliers import this on
managed hosts.
"""

from __future__ import annotations

import os

# The owner word every tag, table, policy, ipset and group name starts with.
OWNER = "netreq"
# The collection's name, in human-readable descriptions ("Managed by netreq.firewall").
COLLECTION = OWNER + ".firewall"
TAG_SEPARATOR = ":"
# ufw rule comments, firewalld rich-rule tags, cloud descriptions: netreq:<profile>:<id>
TAG_PREFIX = OWNER + TAG_SEPARATOR

# nftables: the one table the collection owns.
NFT_FAMILY = "inet"
NFT_TABLE = OWNER
NFT_TABLE_SPEC = "%s %s" % (NFT_FAMILY, NFT_TABLE)

# firewalld: policies <prefix>-in (ANY -> HOST) and <prefix>-out (HOST -> ANY), ipsets <prefix>-*.
FIREWALLD_POLICY_PREFIX = OWNER
FIREWALLD_INGRESS_SUFFIX = "-in"
FIREWALLD_EGRESS_SUFFIX = "-out"

# ufw: every rule whose comment starts with this prefix belongs to the collection.
UFW_COMMENT_PREFIX = TAG_PREFIX

# ufw rules the resolve refresher adds per resolved address: netreq-resolved:<profile>:<id>.
# Deliberately not under UFW_COMMENT_PREFIX, so the ufw applier neither owns nor purges them:
# the refresher keeps them in step with DNS (see _apply/resolve_state.py).
UFW_RESOLVED_PREFIX = OWNER + "-resolved" + TAG_SEPARATOR

# Where the collection keeps its own state on a managed host (journals, no-op memos, the
# resolve state; never rules).
HOST_STATE_DIR = "/var/lib/" + OWNER
# Where the host appliers keep their journal and their lock (_apply/journal.py), and the no-op memos.
HOST_APPLY_PATHS = {"state_dir": HOST_STATE_DIR, "lock": "/run/%s.lock" % OWNER, "memo_dir": HOST_STATE_DIR + "/noop"}


def journal_path(backend):
    """The journal an unfinished apply of ``backend`` left behind (``_apply/journal.Journal``).

    Here, not in ``_apply/journal.py``, because the no-op memo only asks whether it
    exists and should not carry the journal's code to the host for that.
    """
    return os.path.join(HOST_APPLY_PATHS["state_dir"], "journal-%s.json" % backend)


# The nftables backend's tables kept across reboots (_apply/nftables/persist.py): one record per table in
# "dir", the unit of the collection's own that loads them at boot, its enablement link, the
# drop-in that loads them again after nftables.service (re)loads, the script both run, and
# where systemd keeps its runtime state (no such directory: no systemd to
# load anything at boot).
NFT_PERSIST_PATHS = {
    "dir": "/etc/" + OWNER + "/nftables",
    "unit": "/etc/systemd/system/" + OWNER + "-nftables.service",
    "wants": "/etc/systemd/system/sysinit.target.wants/" + OWNER + "-nftables.service",
    "dropin": "/etc/systemd/system/nftables.service.d/" + OWNER + ".conf",
    "script": "/usr/local/libexec/" + OWNER + "-nftables-restore",
    "systemd": "/run/systemd/system",
}


def nft_record_path(family, name):
    """The record of table ``family name`` that the nftables restore unit loads at boot."""
    return os.path.join(NFT_PERSIST_PATHS["dir"], "%s-%s.json" % (family, name))


# Temporary rules of the backends that reload their own saved rules at boot (ufw, firewalld):
# the record of their expiry timers, which transient systemd timers lose at a reboot, and the
# unit that, after those firewalls start, removes the rules whose expiry passed while the host
# was down and arms the other timers again (_apply/expiry.py).
EXPIRY_BOOT_PATHS = {
    "unit": "/etc/systemd/system/" + OWNER + "-expiry.service",
    "wants": "/etc/systemd/system/multi-user.target.wants/" + OWNER + "-expiry.service",
    "script": "/usr/local/libexec/" + OWNER + "-expiry-boot",
    "systemd": "/run/systemd/system",
}


def expiry_record_path(backend):
    """The expiry timers of ``backend``'s temporary rules, read at boot by the expiry unit."""
    return os.path.join(HOST_APPLY_PATHS["state_dir"], "expiry-%s.json" % backend)


# fqdn_strategy=resolve on a Linux host: the state file the modules write (names -> sets),
# the status file the refresher writes, and the systemd unit (service + timer) that runs it.
# The host_firewall role installs the unit and the script under these names
# (roles/host_firewall/vars/main.yml; a unit test keeps the two in step).
RESOLVE_STATE_PATH = HOST_STATE_DIR + "/resolve-state.json"
RESOLVE_STATUS_PATH = HOST_STATE_DIR + "/resolve-status.json"  # beside the state: the refresher derives it
RESOLVE_UNIT = OWNER + "-resolve"
RESOLVE_SCRIPT = "/usr/local/libexec/" + OWNER + "-resolve"
RESOLVE_PATHS = {"state": RESOLVE_STATE_PATH, "status": RESOLVE_STATUS_PATH, "script": RESOLVE_SCRIPT}

# The backends' own files the appliers read and write. ufw: its state, and whether the kernel
# has IPv6 (ufw uses it only then); firewalld: the administrator's configuration directory and
# the package's defaults.
UFW_PATHS = {
    "rules4": "/etc/ufw/user.rules",
    "rules6": "/etc/ufw/user6.rules",
    "defaults": "/etc/default/ufw",
    "conf": "/etc/ufw/ufw.conf",
    "after4": "/etc/ufw/after.rules",
    "after6": "/etc/ufw/after6.rules",
    "proc_ipv6": "/proc/sys/net/ipv6",
}
FIREWALLD_PATHS = {"config": "/etc/firewalld", "system": "/usr/lib/firewalld"}

# Every host path the collection uses is in one of these dicts, read when it is used, never
# copied at import. The unit tests put a whole fake host under one directory by prefixing
# them all (tests/unit/fake_linux_host.py); nothing else needs repointing.
HOST_PATH_TABLES = (HOST_APPLY_PATHS, NFT_PERSIST_PATHS, EXPIRY_BOOT_PATHS, RESOLVE_PATHS, UFW_PATHS, FIREWALLD_PATHS)

# Windows Defender Firewall: rule group of a profile's rules, netreq:<profile>.
WINDOWS_GROUP_PREFIX = TAG_PREFIX

# Cloud objects (security groups, NSG rules, firewall rules) are named from this prefix.
CLOUD_NAME_PREFIX = OWNER
# Tags on cloud objects that carry tags (AWS security groups, Azure NSGs):
# netreq:owner=netreq.firewall marks the object as the collection's, netreq:set=<name>
# names the selection (group name / NSG name) it belongs to, so purging stale
# objects of one selection never touches another selection's objects.
CLOUD_OWNER_TAG = TAG_PREFIX + "owner"
CLOUD_SET_TAG = TAG_PREFIX + "set"
# Rules the collection adds besides the profiles' (deny-all egress, permissive egress): netreq:baseline:<what>.
BASELINE_PROFILE = "baseline"


def tag(profile, rule_id):
    """The ownership tag of one rule: ``netreq:<profile>:<id>``."""
    return "%s%s%s%s" % (TAG_PREFIX, profile, TAG_SEPARATOR, rule_id)


def cloud_tags(set_name):
    """The tags marking a cloud object as the collection's, for the selection ``set_name``."""
    return {CLOUD_OWNER_TAG: COLLECTION, CLOUD_SET_TAG: set_name}


def firewalld_policy_names(prefix=FIREWALLD_POLICY_PREFIX):
    """``(ingress, egress)`` policy names for a policy prefix."""
    return prefix + FIREWALLD_INGRESS_SUFFIX, prefix + FIREWALLD_EGRESS_SUFFIX
