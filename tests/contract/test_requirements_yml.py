# Copyright (c) netreq.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""requirements.yml names the upstream collections the renderings target, at versions the contract tests use."""

from __future__ import annotations

import json
import os

import pytest
import yaml

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
UPSTREAM = {"community.windows", "amazon.aws", "azure.azcollection", "google.cloud"}


def installed_version(name):
    import ansible_collections  # pylint: disable=import-outside-toplevel
    for base in ansible_collections.__path__:
        manifest = os.path.join(base, *name.split("."), "MANIFEST.json")
        if os.path.exists(manifest):
            with open(manifest) as stream:
                return json.load(stream)["collection_info"]["version"]
    return None


def test_requirements_yml_lists_the_upstream_collections_at_tested_versions():
    with open(os.path.join(REPO, "requirements.yml")) as stream:
        wanted = {item["name"]: item["version"] for item in yaml.safe_load(stream)["collections"]}
    assert set(wanted) == UPSTREAM
    with open(os.path.join(REPO, "galaxy.yml")) as stream:
        assert yaml.safe_load(stream)["dependencies"] == {}, "requirements.yml is for optional collections only"
    for name, spec in wanted.items():
        have = installed_version(name)
        if have is None:
            pytest.skip("%s is not installed (the full ansible package brings it)" % name)
        assert spec == ">=%s" % have, "%s: requirements.yml says %s, the contract tests run against %s" % (name, spec, have)
