# Copyright (c) netreq.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Offline replacement for the get-pip bootstrap script ansible-test downloads.

ansible-test sanity creates one virtual environment per test and runs
``get-pip.py <options> <packages>`` in it. That script comes from a CI file
server that may be unreachable; tests/run.sh copies this file into
ansible-test's cache (only when no real script is cached). It gets pip from
the standard library's ensurepip, then lets that pip install what was asked
(for example the exact pip version) from the package index.
"""

from __future__ import annotations

import subprocess
import sys

# get-pip.py understands these; plain "pip install" does not.
GET_PIP_ONLY = frozenset(("--no-setuptools", "--no-wheel"))


def main(argv):
    """Bootstrap pip into the running interpreter and install the requested packages."""
    pip_args = [arg for arg in argv if arg not in GET_PIP_ONLY]
    subprocess.run(
        [sys.executable, "-m", "ensurepip", "--default-pip"],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    subprocess.run([sys.executable, "-m", "pip", "install"] + pip_args, check=True)


if __name__ == "__main__":
    main(sys.argv[1:])
