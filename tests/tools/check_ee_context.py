# Copyright (c) netreq.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Check what ansible-builder made of the collection (tests/run.sh ee).

Arguments: the collections folder the built tarball was installed into and
the build context of ``ansible-builder create``. ansible-builder's own
introspection (the code it runs inside the image build, pinned with
ansible-builder) must attribute the collection's Python requirements to
netreq.firewall, each with a version range rather than an exact pin; its
command line then drops what every image already has (PyYAML comes with
ansible-core), which leaves nothing to install for this collection. The
context must hold a Containerfile (Dockerfile for docker) that installs the collection tarball.
"""

from __future__ import annotations

import os
import re
import sys

from ansible_builder._target_scripts.introspect import process


def problems(introspected, containerfile, requirements, context_files):
    found = []
    python = (introspected or {}).get("python") or {}
    ours = python.get("netreq.firewall") or []
    if not ours:
        found.append("introspection lists no Python requirement of netreq.firewall: %r" % python)
    for line in ours:
        if "==" in line or not re.search(r"[<>]", line):
            found.append("requirement %r is not a version range" % line)
    if "COPY _build /build" not in containerfile or "-r requirements.yml" not in containerfile:
        found.append("the Containerfile does not install the collections of _build/requirements.yml")
    if "/build/collection/netreq-firewall.tar.gz" not in requirements:
        found.append("_build/requirements.yml does not name the collection tarball: %r" % requirements)
    if "collection/netreq-firewall.tar.gz" not in context_files:
        found.append("the collection tarball is not in the build context: %s" % ", ".join(sorted(context_files)))
    return found


def main(argv):
    collections, context = argv[1], argv[2]
    introspected = process(data_dir=collections)
    name = "Containerfile" if os.path.exists(os.path.join(context, "Containerfile")) else "Dockerfile"
    with open(os.path.join(context, name)) as stream:
        containerfile = stream.read()
    build = os.path.join(context, "_build")
    with open(os.path.join(build, "requirements.yml")) as stream:
        requirements = stream.read()
    context_files = {os.path.relpath(os.path.join(root, name), build)
                     for root, _dirs, names in os.walk(build) for name in names}
    found = problems(introspected, containerfile, requirements, context_files)
    for problem in found:
        print("ee: %s" % problem)
    if found:
        return 1
    print("ee: build context in %s; netreq.firewall needs %s" % (context, ", ".join(introspected["python"]["netreq.firewall"])))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
