# -*- coding: utf-8 -*-
# Copyright (c) netreq.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Expiring temporary rules: the label's expiry, and a re-run after it warns instead of failing."""

from __future__ import annotations

import datetime

import pytest

from ansible_collections.netreq.firewall.plugins.module_utils._model.errors import NetreqError
from ansible_collections.netreq.firewall.plugins.module_utils._apply.expiry import expiry_of, unit_name
from ansible_collections.netreq.firewall.plugins.module_utils._model.rules import compile_selections

NOW = datetime.datetime(2026, 6, 1, tzinfo=datetime.timezone.utc)
PDR_TS = {"profile": "rackspace_pdr", "component": "appliance", "params": {"datacenter": "us", "agent_cidrs": ["203.0.113.128/25"]},
          "enable": [{"name": "troubleshooting_ssh", "expires": "2026-05-01"}]}


@pytest.mark.parametrize("label, expected", [
    ("netreq:rackspace_pdr:troubleshooting_ssh_us expires=2026-05-01T00:00:00Z", "2026-05-01T00:00:00Z"),
    ("netreq:rackspace_pdr:appliance_out_dns-udp", None),
    ("netreq:p:id expires=2026-05-01", None),  # the renderers always write the full UTC form
    ("netreq:p:idexpires=2026-05-01T00:00:00Z", None),
])
def test_expiry_of(label, expected):
    assert expiry_of(label) == expected


def test_unit_names_are_per_backend_and_label():
    assert unit_name("ufw", "a").startswith("netreq-expire-ufw-")
    assert unit_name("ufw", "a") != unit_name("ufw", "b") != unit_name("nftables", "a")


def test_expired_option_fails_without_a_warnings_list():
    with pytest.raises(NetreqError, match="already in the past"):
        compile_selections([PDR_TS], now=NOW)


def test_expired_option_is_left_out_with_a_warning():
    warnings = []
    rules = compile_selections([PDR_TS], now=NOW, warnings=warnings)
    assert not [rule for rule in rules if rule["temporary"]]
    assert rules  # the permanent rules stay
    assert warnings == ["profile rackspace_pdr: expiry 2026-05-01T00:00:00Z for option troubleshooting_ssh has passed; "
                        "its rules are left out and removed where they remain"]
    future = dict(PDR_TS, enable=[{"name": "troubleshooting_ssh", "expires": "2026-07-01"}])
    assert [rule["expires"] for rule in compile_selections([future], now=NOW) if rule["temporary"]] == \
        ["2026-07-01T00:00:00Z"]
