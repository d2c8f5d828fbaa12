# -*- coding: utf-8 -*-
# Copyright (c) netreq.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""PRIVATE: the plan of a cloud apply, computed from the rendering and the live state.

This module is private to the netreq.firewall collection; its API may change
without notice. The cloud roles apply through upstream modules, and those do
not all tell the truth in check mode: google.cloud.gcp_compute_firewall does
not support check mode at all (Ansible skips it), and
azure.azcollection.azure_rm_securitygroup returns no diff. So the roles read
the live state with the upstream ``_info`` modules and compute here, in the
one ``plan`` shape of the collection (``_apply/plan.Plan``), what an apply adds
and removes; the same plan decides which GCP rules are written or deleted,
so check mode and a real run cannot disagree.

A rule is one readable entry (``<name>: <direction> <action> <protocol>
<ports> <addresses> prio <n> ...``) built from the fields the upstream
module compares; a changed rule shows as removed and added.
"""

from __future__ import annotations

from ansible_collections.netreq.firewall.plugins.module_utils._apply.plan import Plan, diff_entries
from ansible_collections.netreq.firewall.plugins.module_utils._model.errors import NetreqError


def _as_list(value):
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return [str(item) for item in value]
    return [str(value)]


def _joined(values):
    return ",".join(sorted(str(value).lower() for value in values)) or "-"


def _azure_entry(rule):
    """One Azure rule as module input or as azure_rm_securitygroup_info returns it."""
    ports = _as_list(rule.get("destination_port_range")) + _as_list(rule.get("destination_port_ranges"))
    sources = _as_list(rule.get("source_address_prefix")) + _as_list(rule.get("source_address_prefixes"))
    destinations = _as_list(rule.get("destination_address_prefix")) + _as_list(rule.get("destination_address_prefixes"))
    source_ports = _as_list(rule.get("source_port_range")) + _as_list(rule.get("source_port_ranges"))
    return "%s: %s %s %s ports %s from %s:%s to %s prio %s desc %s" % (
        rule["name"].lower(), rule.get("direction"), rule.get("access"), str(rule.get("protocol")).lower(), _joined(ports),
        _joined(sources), _joined(source_ports), _joined(destinations), rule.get("priority"), rule.get("description") or "")


def azure_plan(rendering, live_groups):
    """Plan of azure_rm_securitygroup with ``purge_rules``: every live rule not rendered goes.

    ``live_groups`` is azure_rm_securitygroup_info's ``securitygroups`` (empty when the NSG does not exist yet).
    """
    group = rendering["security_group"]
    if len(live_groups) > 1:
        raise NetreqError("azure: %d network security groups named %s" % (len(live_groups), group["name"]))
    live = live_groups[0] if live_groups else None
    before = sorted(_azure_entry(rule) for rule in (live or {}).get("rules") or [])
    after = sorted(_azure_entry(rule) for rule in rendering["rules"])
    added, removed = diff_entries(before, after)
    settings = []
    live_tags = (live or {}).get("tags") or {}
    if live is not None:
        missing = {key: value for key, value in group["tags"].items() if live_tags.get(key) != value}
        if missing:
            settings.append({"name": "tags", "before": live_tags, "after": dict(live_tags, **group["tags"])})
    plan = Plan(added=added, removed=removed, unchanged=len(after) - len(added), settings=settings,
                existed=live is not None, remains=True)
    return {"plan": plan.as_dict(), "exists": live is not None, "owned": live is None or _owned(live_tags, rendering)}


def _owned(tags, rendering):
    return all((tags or {}).get(key) == value for key, value in rendering["ownership"]["tags"].items())


def _gcp_rules(items, protocol_key):
    return ["%s:%s" % (str(item.get(protocol_key)).lower(), _joined(item.get("ports") or [])) for item in items or []]


def _gcp_entry_desired(firewall):
    return "%s: %s allow %s deny %s ranges %s prio %s targets %s sa %s desc %s" % (
        firewall["name"], firewall["direction"], _joined(_gcp_rules(firewall.get("allowed"), "ip_protocol")),
        _joined(_gcp_rules(firewall.get("denied"), "ip_protocol")),
        _joined(firewall.get("source_ranges") or firewall.get("destination_ranges") or []), firewall["priority"],
        _joined(firewall.get("target_tags") or []), _joined(firewall.get("target_service_accounts") or []),
        firewall.get("description") or "")


def _gcp_entry_live(resource):
    return "%s: %s allow %s deny %s ranges %s prio %s targets %s sa %s desc %s" % (
        resource["name"], resource.get("direction"), _joined(_gcp_rules(resource.get("allowed"), "IPProtocol")),
        _joined(_gcp_rules(resource.get("denied"), "IPProtocol")),
        _joined(resource.get("sourceRanges") or resource.get("destinationRanges") or []), resource.get("priority"),
        _joined(resource.get("targetTags") or []), _joined(resource.get("targetServiceAccounts") or []),
        resource.get("description") or "")


def gcp_owned(rendering, resource):
    """Whether a live firewall rule is one of this selection's: both ownership prefixes match."""
    ownership = rendering["ownership"]
    return str(resource.get("name", "")).startswith(ownership["name_prefix"]) and \
        str(resource.get("description") or "").startswith(ownership["description_prefix"])


def gcp_plan(rendering, live_resources):
    """Plan of the GCP rules: which to create or update (``apply``) and which owned ones to delete (``delete``)."""
    owned = {resource["name"]: resource for resource in live_resources or [] if gcp_owned(rendering, resource)}
    desired = {firewall["name"]: firewall for firewall in rendering["firewalls"]}
    apply_names = [name for name, firewall in desired.items()
                   if name not in owned or _gcp_entry_desired(firewall) != _gcp_entry_live(owned[name])]
    delete_names = sorted(name for name in owned if name not in desired)
    added = [_gcp_entry_desired(desired[name]) for name in apply_names]
    removed = [_gcp_entry_live(owned[name]) for name in apply_names if name in owned]
    removed += [_gcp_entry_live(owned[name]) for name in delete_names]
    plan = Plan(added=added, removed=removed, unchanged=len(desired) - len(apply_names),
                existed=bool(owned), remains=bool(desired))
    return {"plan": plan.as_dict(), "apply": apply_names, "delete": delete_names}
