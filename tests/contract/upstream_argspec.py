# -*- coding: utf-8 -*-
# Copyright (c) netreq.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Validate rendered parameters against the upstream modules' documented argument specs.

The renderers produce parameters for modules of other collections
(amazon.aws, azure.azcollection, google.cloud, community.windows). Their
DOCUMENTATION is the contract: this helper reads it from the collections
bundled with the installed ``ansible`` package, converts the ``options`` /
``suboptions`` tree into an argument spec and validates with ansible-core's
own ``ArgumentSpecValidator``, so a typo'd key, a value outside ``choices``
or a wrong type fails a test instead of a cloud API call.

A few constraints are stated only in the options' prose (for example "You can
specify only one of cidr_ip, cidr_ipv6, ..."); ``PROSE_CONSTRAINTS`` transcribes
them, each with the sentence it encodes. ``validate_against(..., prose=False)``
checks the structured documentation only.

Doc fragments (AWS tags and region, Azure auth and tags, GCP auth, ...) are
resolved with ansible-core's own ``add_fragments`` when the collection loader
can find them, so parameters such as ``tags`` that roles pass next to the
rendered ones are checked too; where they cannot be found the module's own
options are used alone.
"""

from __future__ import annotations

import functools
import os
import re
import sys
import sysconfig

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.parsing.plugin_docs import read_docstring

SPEC_KEYS = ("type", "elements", "choices", "required", "aliases", "default")
CONSTRAINT_KEYS = ("mutually_exclusive", "required_one_of", "required_together", "required_if", "required_by")

_GCP_NAME_RE = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")


class UpstreamModuleNotFound(LookupError):
    """The upstream collection or module is not installed where ansible is."""


def _search_roots():
    roots = []
    for path in [sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]] + list(sys.path):
        if path and path not in roots and os.path.isdir(os.path.join(path, "ansible_collections")):
            roots.append(path)
    return roots


def module_file(fqcn):
    """Path of the upstream module's ``.py`` (for Windows modules the documentation stub next to the ``.ps1``)."""
    parts = fqcn.split(".")
    if len(parts) != 3:
        raise ValueError("expected namespace.collection.module, got %r" % fqcn)
    namespace, collection, module = parts
    for root in _search_roots():
        candidate = os.path.join(root, "ansible_collections", namespace, collection, "plugins", "modules", module + ".py")
        if os.path.isfile(candidate):
            return candidate
    raise UpstreamModuleNotFound("module %s not found under any ansible_collections directory on sys.path" % fqcn)


def _plain(value):
    """Drop ansible's data tags: plain dict/list/str/int/... all the way down."""
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    for kind in (bool, int, float, str):
        if isinstance(value, kind):
            return kind(value)
    return value


def _add_fragments(doc, path):
    """Merge the module's documentation fragments into ``doc`` (in place), if they can be found."""
    from ansible.plugins.loader import fragment_loader
    from ansible.utils.collection_loader._collection_finder import _AnsibleCollectionFinder
    from ansible.utils.plugin_docs import add_fragments

    if not any(isinstance(finder, _AnsibleCollectionFinder) for finder in sys.meta_path):
        paths = [path for path in os.environ.get("ANSIBLE_COLLECTIONS_PATH", "").split(os.pathsep) if path]
        _AnsibleCollectionFinder(paths=paths, scan_sys_paths=True)._install()
    try:
        add_fragments(doc, path, fragment_loader=fragment_loader, is_module=True)
    except Exception:  # pylint: disable=broad-except  # a missing fragment leaves the module's own options
        pass


@functools.lru_cache(maxsize=None)
def _documentation(fqcn):
    path = module_file(fqcn)
    doc = read_docstring(path).get("doc")
    if doc:
        _add_fragments(doc, path)
    if not doc or "options" not in doc:
        raise UpstreamModuleNotFound("module %s (%s) has no DOCUMENTATION options" % (fqcn, path))
    return _plain(doc)


def documented_options(fqcn):
    """The module's DOCUMENTATION ``options`` as plain data (a fresh copy)."""
    return _plain(_documentation(fqcn)["options"])


def to_argument_spec(options):
    """Convert a documented ``options`` (or ``suboptions``) mapping to an argument spec."""
    spec = {}
    for name, doc in options.items():
        entry = {key: doc[key] for key in SPEC_KEYS if key in doc}
        entry.setdefault("type", "str")
        if doc.get("suboptions"):
            entry["options"] = to_argument_spec(doc["suboptions"])
        spec[name] = entry
    return spec


def _options_at(fqcn, option_path):
    options = documented_options(fqcn)
    if not option_path:
        return options
    for part in option_path.split("."):
        if part not in options or not options[part].get("suboptions"):
            raise KeyError("%s has no option %s with suboptions (path %s)" % (fqcn, part, option_path))
        options = options[part]["suboptions"]
    return options


def argument_spec(fqcn, option_path=None):
    """Argument spec of the module, or of the suboptions at ``option_path`` (e.g. ``rules``)."""
    return to_argument_spec(_options_at(fqcn, option_path))


# --- constraints stated in the options' prose -------------------------------------------


def _aws_rule_checks(item):
    errors = []
    proto = str(item.get("proto", "tcp"))
    if (item.get("icmp_type") is not None or item.get("icmp_code") is not None) and "icmp" not in proto:
        errors.append("icmp_type/icmp_code require proto icmp or icmpv6")
    for key in ("from_port", "to_port"):
        value = item.get(key)
        if not isinstance(value, int):
            continue
        # "A value can be between 0 to 65535. When proto=icmp a value of -1 indicates all ports."
        if not (0 <= value <= 65535 or (value == -1 and "icmp" in proto)):
            errors.append("%s=%r is outside 0..65535 (-1 only with icmp)" % (key, value))
    return errors


def _azure_rule_checks(item):
    errors = []
    # "Order in which to apply the rule. Must a unique integer between 100 and 4096 inclusive."
    priority = item.get("priority")
    if isinstance(priority, int) and not 100 <= priority <= 4096:
        errors.append("priority %r is outside 100..4096" % priority)
    # "Asterisk * and default tags can only be specified as single string type, not as a list of string."
    for key in ("source_address_prefix", "destination_address_prefix"):
        value = item.get(key)
        if isinstance(value, list) and "*" in value:
            errors.append("%s: '*' must be a single string, not in a list: %r" % (key, value))
    return errors


def _azure_module_checks(params):
    # "Must a unique integer between 100 and 4096 inclusive." (unique per direction, as Azure enforces)
    seen = {}
    errors = []
    for rule in params.get("rules") or []:
        key = (rule.get("direction", "Inbound"), rule.get("priority"))
        if key in seen:
            errors.append("rules %s and %s share %s priority %s" % (seen[key], rule.get("name"), key[0], key[1]))
        seen[key] = rule.get("name")
    return errors


def _gcp_checks(params):
    errors = []
    # "the name must be 1-63 characters long and match the regular expression [a-z]([-a-z0-9]*[a-z0-9])?"
    name = params.get("name")
    if isinstance(name, str) and (len(name) > 63 or not _GCP_NAME_RE.match(name)):
        errors.append("name %r is not an RFC 1035 name of at most 63 characters" % name)
    # "Some valid choices include: INGRESS, EGRESS". "For INGRESS traffic, it is NOT supported to specify
    # destinationRanges; For EGRESS traffic, it is NOT supported to specify sourceRanges OR sourceTags."
    direction = params.get("direction") or "INGRESS"
    if direction not in ("INGRESS", "EGRESS"):
        errors.append("direction %r is not INGRESS or EGRESS" % direction)
    if direction == "INGRESS" and params.get("destination_ranges"):
        errors.append("INGRESS rules cannot have destination_ranges")
    if direction == "EGRESS" and (params.get("source_ranges") or params.get("source_tags")):
        errors.append("EGRESS rules cannot have source_ranges or source_tags")
    # "This is an integer between 0 and 65535, both inclusive."
    priority = params.get("priority")
    if isinstance(priority, int) and not 0 <= priority <= 65535:
        errors.append("priority %r is outside 0..65535" % priority)
    return errors


def _gcp_allowed_checks(item):
    # "This field is only applicable for UDP or TCP protocol."
    if item.get("ports") and str(item.get("ip_protocol")).lower() not in ("tcp", "udp", "6", "17"):
        return ["ports given for ip_protocol %r" % item.get("ip_protocol")]
    return []


def _windows_checks(params):
    errors = []
    # "This is only valid when protocol is icmpv4 or icmpv6."
    if params.get("icmp_type_code") and params.get("protocol") not in ("icmpv4", "icmpv6"):
        errors.append("icmp_type_code requires protocol icmpv4 or icmpv6")
    # localport/remoteport: "Must have protocol set"
    for key in ("localport", "remoteport"):
        if params.get(key) not in (None, "any") and params.get("protocol") in (None, "any", "icmpv4", "icmpv6"):
            errors.append("%s needs protocol tcp or udp, got %r" % (key, params.get("protocol")))
    return errors


_AWS_TARGETS = ["cidr_ip", "cidr_ipv6", "ip_prefix", "group_id", "group_name"]
_AWS_RULE = {
    # "You can specify only one of cidr_ip, cidr_ipv6, ip_prefix, group_id and group_name."
    # ports: "Mutually exclusive with icmp_code, icmp_type, from_port and to_port."
    # from_port/to_port: "Mutually exclusive with icmp_code, icmp_type and ports."
    "mutually_exclusive": [_AWS_TARGETS, ["ports", "from_port"], ["ports", "to_port"], ["ports", "icmp_type"],
                           ["ports", "icmp_code"], ["icmp_type", "from_port"], ["icmp_type", "to_port"],
                           ["icmp_code", "from_port"], ["icmp_code", "to_port"]],
    "checks": [_aws_rule_checks],
}

PROSE_CONSTRAINTS = {
    "amazon.aws.ec2_security_group": {
        # name: "One of and only one of name or group_id is required. Required if state=present."
        # description: "Required when state is present."
        None: {
            "mutually_exclusive": [["name", "group_id"]],
            "required_one_of": [["name", "group_id"]],
            "required_if": [["state", "present", ["name", "description"]]],
        },
        "rules": _AWS_RULE,
        "rules_egress": _AWS_RULE,
    },
    "azure.azcollection.azure_rm_securitygroup": {
        None: {"checks": [_azure_module_checks]},
        "rules": {"checks": [_azure_rule_checks]},
    },
    "google.cloud.gcp_compute_firewall": {
        None: {"checks": [_gcp_checks]},
        "allowed": {"checks": [_gcp_allowed_checks]},
    },
    "community.windows.win_firewall_rule": {
        # name: "This is required unless group is specified."
        None: {"required_one_of": [["name", "group"]], "checks": [_windows_checks]},
    },
}


def _constraints(fqcn, option_path):
    return PROSE_CONSTRAINTS.get(fqcn, {}).get(option_path or None, {})


def validate_against(fqcn, params, option_path=None, prose=True):
    """Validate ``params`` against module ``fqcn``'s documented spec; returns a list of error messages ([] = valid).

    ``option_path`` (e.g. ``"rules"``) validates one item of that list/dict
    option against its suboptions instead of the whole module parameters.
    """
    spec = argument_spec(fqcn, option_path)
    own = _constraints(fqcn, option_path) if prose else {}
    nested = {}
    if prose:
        for name in spec:
            child_path = "%s.%s" % (option_path, name) if option_path else name
            child = _constraints(fqcn, child_path)
            if child:
                nested[name] = child
                spec[name].update((key, child[key]) for key in CONSTRAINT_KEYS if key in child)
    validator = ArgumentSpecValidator(spec, **{key: own[key] for key in CONSTRAINT_KEYS if key in own})
    result = validator.validate(params)
    errors = list(result.error_messages)
    validated = result.validated_parameters
    for check in own.get("checks", []):
        errors.extend("%s: %s" % (option_path or fqcn, message) for message in check(validated))
    for name, child in nested.items():
        value = validated.get(name)
        items = value if isinstance(value, list) else [value] if isinstance(value, dict) else []
        for index, item in enumerate(items):
            if not isinstance(item, dict):
                continue
            for check in child.get("checks", []):
                errors.extend("%s[%d]: %s" % (name, index, message) for message in check(item))
    return errors
