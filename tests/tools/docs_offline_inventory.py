# Copyright (c) netreq.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Write a Sphinx inventory of the Ansible docsite labels the collection's docs link to.

The docs step builds the HTML site with warnings as errors and without
network access, so intersphinx cannot download docs.ansible.com's inventory.
This file lists the external labels the generated pages use (ansible-core's
reference pages and the upstream modules the render filter targets), with
their addresses on that site, and writes them in Sphinx's inventory format
(version 2: a text header, then zlib-compressed lines). A new external link
in the docs makes the build fail until it is added here.

Usage: python tests/tools/docs_offline_inventory.py DEST.inv
"""

from __future__ import annotations

import sys
import zlib

BASE = "https://docs.ansible.com/projects/ansible/devel/"

REFERENCE = [
    ("common_return_values", "reference_appendices/common_return_values.html#common-return-values", "Return Values"),
    ("action_plugins", "plugins/action.html#action-plugins", "Action plugins"),
    ("ansible_configuration_settings", "reference_appendices/config.html#ansible-configuration-settings",
     "Ansible Configuration Settings"),
]

MODULES = [
    ("community.general", "ufw"),
    ("community.windows", "win_firewall_rule"),
    ("amazon.aws", "ec2_security_group"),
    ("azure.azcollection", "azure_rm_securitygroup"),
    ("azure.azcollection", "azure_rm_securitygroup_info"),
    ("google.cloud", "gcp_compute_firewall"),
    ("google.cloud", "gcp_compute_firewall_info"),
]


def entries():
    for name, uri, title in REFERENCE:
        yield name, uri, title
    for collection, module in MODULES:
        namespace, name = collection.split(".")
        label = "ansible_collections.%s.%s_module" % (collection, module)
        anchor = label.replace(".", "-").replace("_", "-")
        yield label, "collections/%s/%s/%s_module.html#%s" % (namespace, name, module, anchor), "%s.%s module" % (collection, module)


def inventory():
    header = ("# Sphinx inventory version 2\n# Project: Ansible\n# Version: devel\n"
              "# The remainder of this file is compressed using zlib.\n")
    lines = "".join("%s std:label -1 %s %s\n" % entry for entry in entries())
    return header.encode("utf-8") + zlib.compress(lines.encode("utf-8"))


def main(argv):
    with open(argv[1], "wb") as stream:
        stream.write(inventory())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
