# -*- coding: utf-8 -*-
# Copyright (c) netreq.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""PRIVATE: the last proven no-op of a backend, so an unchanged host answers a re-run from one cheap read.

This module is private to the netreq.firewall collection; its API may change
without notice. It runs on managed hosts (standard library and
ansible.module_utils only).

Why: at a thousand rules, comparing in full (validating every rendered rule,
letting the kernel parse them in a throwaway namespace, canonicalizing both
sides) costs more than the rest of a run. When the very same rendering meets
the very same owned live state that a full comparison already proved equal,
the answer is known. The memo holds a digest of the rendering (the key), a
digest of the owned live state read the cheap way (the backend's
``fingerprint``: nft's raw listing of the table, ufw's files) and the no-op plan
that the full comparison computed. A change to either side is a miss: the full
path runs and records again. It is a cache, never a source of rules: losing it
costs one full comparison, and failing to write it is ignored.

The key is computed once, on the controller (``memo_key``), from what the
rendering is made of rather than from the rendering, so a hit needs no
rendering at all. It travels with the rendering: the applier records under
it after a proven no-op, and the small ``host_ruleset_memo`` module recalls
under it before anything is rendered or the full module is even sent.
"""

from __future__ import annotations

import json
import os

from ansible_collections.netreq.firewall.plugins.module_utils._apply.fingerprint import digest
from ansible_collections.netreq.firewall.plugins.module_utils._apply.host_files import write_atomic
from ansible_collections.netreq.firewall.plugins.module_utils._model.ownership import HOST_APPLY_PATHS

# Tests point this at a temporary directory.
# Bumped when what the digests cover changes, so old memos become misses.
FORMAT = 2


def memo_key(backend, rules_digest, options, code):
    """The key of the rendering ``backend`` makes with ``options``, known before rendering.

    A rendering is a function of the compiled rules (``rules_digest``, their
    ``digest``), the renderer's options and the code that renders; ``code`` is
    a digest of that code, so a memo recorded by another version of the
    collection never answers.
    """
    return digest(FORMAT, backend, rules_digest, options, code)


class NoopMemo(object):
    """One backend's memo: ``recall`` before comparing, ``remember`` after a proven no-op."""

    def __init__(self, backend, key):
        self.path = os.path.join(HOST_APPLY_PATHS["memo_dir"], backend + ".json")
        self.key = key

    def recall(self, live):
        """The remembered no-op plan when this rendering last matched the live state ``live``, else None."""
        if live is None:
            return None
        try:
            with open(self.path, "rb") as stream:
                data = json.loads(stream.read().decode("utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(data, dict) or data.get("key") != self.key or data.get("live") != live:
            return None
        plan = data.get("plan")
        if not isinstance(plan, dict) or plan.get("action") != "none":
            return None
        return plan

    def remember(self, live, plan):
        """Record that this rendering and the live state ``live`` need nothing (``plan`` is that no-op)."""
        if live is None or plan.get("action") != "none":
            return
        try:
            if not os.path.isdir(HOST_APPLY_PATHS["memo_dir"]):
                os.makedirs(HOST_APPLY_PATHS["memo_dir"], 0o700)
            write_atomic(self.path, json.dumps({"key": self.key, "live": live, "plan": plan}, sort_keys=True))
        except OSError:
            pass  # a cache: without it the next run compares in full
