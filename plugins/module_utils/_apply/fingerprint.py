# -*- coding: utf-8 -*-
# Copyright (c) netreq.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""PRIVATE: the owned live state of each Linux backend, read the cheap way and reduced to a digest.

This module is private to the netreq.firewall collection; its API may change
without notice. It runs on managed hosts (standard library and the runner).

The no-op memo (``_apply/noop_memo.py``) compares these digests: the same digest as
when a full comparison proved the host needs nothing means it still needs
nothing. Each read must therefore change whenever anything the backend's
applier owns changes, and cost one command or a few file reads:

- nftables: nft's raw listing of the owned table (``nft -s list table``) and
  its boot record (``_apply/nftables/persist.py``), so a lost record is found and written again;
- ufw: the files ufw's state is read from (nothing run);
- firewalld: the owned XML files, the zone file names, and nft's listing of
  firewalld's own table, which every runtime change to an owned policy or
  ipset changes. With firewalld's iptables backend there is no such table,
  and no memo.

None means "cannot tell": it never matches, so the run compares in full.
"""

from __future__ import annotations

import hashlib
import json
import os

from ansible_collections.netreq.firewall.plugins.module_utils._apply.host_files import read_bytes, read_text
from ansible_collections.netreq.firewall.plugins.module_utils._model.ownership import FIREWALLD_PATHS, UFW_PATHS, nft_record_path

# what nft says when the table (or its family) does not exist: an absent table is a state too
NFT_ABSENT_MARKERS = ("No such file or directory",)


def digest(*parts):
    """A stable digest of JSON-serializable parts (text, numbers, lists, dicts)."""
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode("utf-8")).hexdigest()


def owned(name, prefix):
    """Whether a firewalld object name belongs to the collection: ``<prefix>-...``."""
    return name.startswith(prefix + "-")


def owned_files(directory, prefix):
    """``{object name: path}`` of the owned ``<prefix>-*.xml`` files in a directory."""
    try:
        names = os.listdir(directory)
    except FileNotFoundError:
        return {}
    return dict((name[:-4], os.path.join(directory, name)) for name in sorted(names)
                if name.endswith(".xml") and owned(name[:-4], prefix) and os.path.isfile(os.path.join(directory, name)))


def nftables(runner, family, table):
    """nft's raw listing of the owned table; a digest of "absent" when it does not exist."""
    nft = runner.binary("nft", required=False)
    if not nft:
        return None
    rc, out, err = runner.run([nft, "-s", "list", "table", family, table])
    record = read_text(nft_record_path(family, table))
    if rc != 0:
        return digest("absent", record) if any(marker in err for marker in NFT_ABSENT_MARKERS) else None
    return digest(out, record)


def ufw():
    """The files ufw's state is read from, and whether the kernel has IPv6 (ufw then uses it)."""
    paths = UFW_PATHS
    contents = [read_bytes(paths[name]) for name in ("defaults", "conf", "rules4", "rules6")]
    return digest([None if data is None else data.decode("utf-8", "replace") for data in contents],
                  os.path.exists(paths["proc_ipv6"]))


def firewalld(runner, prefix):
    """Owned XML files, zone file names and firewalld's nftables table."""
    nft = runner.binary("nft", required=False)
    if not nft:
        return None
    rc, listing, _err = runner.run([nft, "-s", "list", "table", "inet", "firewalld"])
    if rc != 0:
        return None
    files = {}
    for kind in ("policies", "ipsets"):
        for name, path in owned_files(os.path.join(FIREWALLD_PATHS["config"], kind), prefix).items():
            files[kind + "/" + name] = (read_bytes(path) or b"").decode("utf-8", "replace")
    zones = []
    for directory in (FIREWALLD_PATHS["config"], FIREWALLD_PATHS["system"]):
        try:
            zones.append(sorted(os.listdir(os.path.join(directory, "zones"))))
        except OSError:
            zones.append(None)
    return digest(listing, files, zones)


def read(backend, runner, args):
    """The fingerprint of ``backend`` with the arguments the controller sent for it (see ``fingerprint_args``)."""
    if backend == "nftables":
        return nftables(runner, args.get("family"), args.get("table"))
    if backend == "ufw":
        return ufw()
    if backend == "firewalld":
        return firewalld(runner, args.get("policy_prefix"))
    return None
