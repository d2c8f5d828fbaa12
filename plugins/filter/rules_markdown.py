# -*- coding: utf-8 -*-
# Copyright (c) netreq.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: rules_markdown
short_description: A Markdown table of normalized firewall rules, for review
version_added: 0.1.0
author: netreq.firewall contributors
description:
  - Formats the Rule list from P(netreq.firewall.requirements#filter) as a Markdown table with one row per rule
    (id, component, direction, protocol, ports, remote, description, source), so a reviewer can compare a plan
    with the vendor document line by line.
options:
  _input:
    description: The Rule list produced by P(netreq.firewall.requirements#filter).
    type: list
    elements: dict
    required: true
"""

EXAMPLES = r"""
- name: Write the reviewable plan of the PDR appliance
  ansible.builtin.copy:
    dest: /tmp/pdr-plan.md
    content: >-
      {{ ('rackspace_pdr' | netreq.firewall.requirements(component='appliance',
           params={'agent_cidrs': ['198.51.100.0/24']})) | netreq.firewall.rules_markdown }}
    mode: "0644"
"""

RETURN = r"""
_value:
  description: The Markdown table, one line per rule after a header line and a separator line.
  type: str
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.netreq.firewall.plugins.module_utils._model.errors import NetreqError
from ansible_collections.netreq.firewall.plugins.module_utils._model.rules import check_rules
from ansible_collections.netreq.firewall.plugins.module_utils._render._markdown import rules_markdown as markdown_table
from ansible_collections.netreq.firewall.plugins.plugin_utils._filter_args import bind_filter_args


def rules_markdown(rules, *positional, **keywords):
    """Shell over ``_render._markdown.rules_markdown`` that refuses anything but a Rule list."""
    bind_filter_args("netreq.firewall.rules_markdown", DOCUMENTATION, positional, keywords)
    try:
        check_rules(rules)
    except NetreqError as exc:
        raise AnsibleFilterError("netreq.firewall.rules_markdown: %s" % exc)
    return markdown_table(rules)


class FilterModule:
    def filters(self):
        return {"rules_markdown": rules_markdown}
