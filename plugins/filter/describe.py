# -*- coding: utf-8 -*-
# Copyright (c) netreq.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: describe
short_description: A profile as Markdown tables, the same as the collection's docs of its built-in profiles
version_added: 0.1.0
author: netreq.firewall contributors
description:
  - Validates a profile and describes it in Markdown, as the pages of the built-in profiles in the collection's
    C(docs/profiles/) are written, with metadata and source document, a table of components, a table of parameters, and
    one row per requirement (id, component, direction, protocol, ports, remote, when it applies, description and the
    vendor line it encodes).
  - Works the same for built-in names, profile files and profiles given as data, so a custom profile gets the same
    reviewable tables.
options:
  _input:
    description:
      - The profile, as a built-in name, a path to a YAML file, or a dict (mark a dict C(!unsafe) so Ansible leaves its
        C({{ parameter }}) references to the collection).
    type: raw
    required: true
"""

EXAMPLES = r"""
- name: Write the tables of a custom profile
  ansible.builtin.copy:
    dest: /tmp/my_vendor.md
    content: "{{ 'files/my_vendor.yml' | netreq.firewall.describe }}"
    mode: "0644"
"""

RETURN = r"""
_value:
  description: The Markdown text.
  type: str
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.netreq.firewall.plugins.module_utils._model.errors import NetreqError
from ansible_collections.netreq.firewall.plugins.module_utils._model.profile import is_builtin, load_profile
from ansible_collections.netreq.firewall.plugins.module_utils._render._markdown import profile_markdown


def describe(profile):
    """Shell over ``_render._markdown.profile_markdown``: loads the profile, errors as filter errors."""
    try:
        loaded = load_profile(profile)
        return profile_markdown(loaded, builtin=is_builtin(loaded))
    except NetreqError as exc:
        raise AnsibleFilterError("netreq.firewall.describe: %s" % exc)


class FilterModule:
    def filters(self):
        return {"describe": describe}
