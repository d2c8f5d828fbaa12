# -*- coding: utf-8 -*-
# Copyright (c) netreq.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""PRIVATE: Markdown tables for humans reviewing a plan or a profile.

A reviewer holding the vendor document should be able to tick off every row;
so the tables show the same columns as the vendor tables plus the source quote.
"""

from __future__ import annotations


def _cell(text):
    return str(text).replace("|", "\\|").replace("\n", " ")


def _table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _column in header) + "|"]
    lines += ["| " + " | ".join(_cell(value) for value in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def rules_markdown(rules):
    """One row per compiled Rule."""
    rows = []
    for rule in rules:
        flags = []
        if rule["optional"]:
            flags.append("optional")
        if rule["temporary"]:
            flags.append("temporary until %s" % rule["expires"])
        rows.append([
            rule["id"], rule["component"], rule["direction"], rule["protocol"],
            ", ".join(rule["ports"]) or "all", ", ".join(rule["remote"]),
            rule["description"] + (" (%s)" % "; ".join(flags) if flags else ""), rule["source"],
        ])
    return _table(["id", "component", "direction", "protocol", "ports", "remote", "description", "source"], rows)


def _conditions(requirement, profile):
    parts = []
    if requirement.variant:
        parts.append("%s = %s" % (profile.variant_parameter, requirement.variant))
    if requirement.optional:
        parts.append("option %s%s" % (requirement.optional, " (temporary)" if requirement.temporary else ""))
    for condition in requirement.when:
        if "non_empty" in condition:
            parts.append("%s non-empty" % condition["parameter"])
        else:
            value = condition["equals"]
            parts.append("%s = %s" % (condition["parameter"], str(value).lower() if isinstance(value, bool) else value))
    return "; ".join(parts) or "always"


def _list(items):
    return ", ".join("`%s`" % item for item in items)


def profile_markdown(profile, builtin=False):
    """The whole profile (a loaded ``Profile``): metadata, parameters, and one row per requirement.

    Pure like every renderer: the caller loads the profile and says whether it
    is one of the collection's own (``builtin``), which only changes the header.
    """
    source = profile.source
    lines = ["# %s: %s" % (profile.vendor, profile.product), ""]
    if builtin:
        lines.append("Built-in profile `%s`, generated from `catalog/%s.yml`; do not edit by hand." % (profile.name, profile.name))
    else:
        lines.append("Profile `%s`, %s." % (profile.name, "from `%s`" % profile.origin if profile.origin else "given as data"))
    lines.append("")
    lines.append("Source document: %s%s%s." % (
        source.get("title") or "unnamed",
        ", dated %s" % source["date"] if source.get("date") else "",
        " (%s)" % source["url"] if source.get("url") else ""))
    lines.append("")
    lines.append("## Components\n")
    lines.append(_table(["component", "description"], [["`%s`" % name, text] for name, text in profile.components.items()]))
    lines.append("## Parameters\n")
    rows = []
    for name, spec in profile.parameters.items():
        default = "required" if spec.get("required") else "`%s`" % (spec["default"],)
        kind = spec["type"] + (" (%s)" % " or ".join(spec["choices"]) if spec.get("choices") else "")
        rows.append(["`%s`" % name, kind, default, " ".join(spec.get("description", "").split())])
    lines.append(_table(["parameter", "type", "default", "description"], rows) if rows else "None.\n")
    lines.append("## Requirements\n")
    rows = []
    for requirement in profile.requirements:
        ports = [str(p) for p in requirement.ports]
        rows.append([
            "`%s`" % requirement.id, requirement.component, requirement.direction, ", ".join(requirement.protocols),
            _list(ports) if ports else "all", _list(requirement.remote), _conditions(requirement, profile),
            requirement.description, requirement.source,
        ])
    lines.append(_table(["id", "component", "direction", "protocol", "ports", "remote", "applies when",
                         "description", "source"], rows))
    return "\n".join(lines)
