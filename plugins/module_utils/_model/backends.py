# -*- coding: utf-8 -*-
# Copyright (c) netreq.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""PRIVATE: the one list of backends, from which every other list of them is derived.

This module is private to the netreq.firewall collection; its API may change
without notice. It runs on managed hosts and on the controller (standard
library only, no imports of its own, so any layer may read it cheaply).

Derived from it: the renderers' table (``_render/_registry.py``, one module
per name under ``_render/``), each renderer's ``Capabilities`` kind and
platform, the Linux host backends in the order ``backend: auto`` tries them
(``_apply/detect.py``), the appliers a host run can dispatch to
(``_apply/backends.py``), the action plugin's per-backend parameters and the
``backend`` choices of the host modules. Adding a backend means one entry
here, its renderer, its applier package and a scenario.
"""

from __future__ import annotations

import collections

Backend = collections.namedtuple("Backend", ["name", "kind", "platform"])

# The Linux host backends come first, in the order auto detection tries them:
# firewalld when its daemon runs, else ufw when it is enabled, else plain nftables.
REGISTRY = (
    Backend("firewalld", "host", "linux"),
    Backend("ufw", "host", "linux"),
    Backend("nftables", "host", "linux"),
    Backend("windows", "host", "windows"),
    Backend("aws", "cloud", "aws"),
    Backend("azure", "cloud", "azure"),
    Backend("gcp", "cloud", "gcp"),
)
BY_NAME = {backend.name: backend for backend in REGISTRY}
BACKENDS = tuple(backend.name for backend in REGISTRY)
LINUX_HOST_BACKENDS = tuple(backend.name for backend in REGISTRY if backend.kind == "host" and backend.platform == "linux")
