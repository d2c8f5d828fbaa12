# -*- coding: utf-8 -*-
# Copyright (c) netreq.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""PRIVATE: what every renderer shares.

A renderer is a pure function ``render(rules, **options) -> dict`` turning the
normalized Rule list (see ``_model/rules.py``) into one backend's objects. They share
three concerns, kept here so no renderer re-implements them differently:

* splitting a rule's ``remote`` list into IPv4, IPv6, hostnames and wildcards,
  and aggregating address lists losslessly (``_model/addresses.merge_networks``);
* the FQDN strategies: host firewalls and security groups cannot match a
  hostname, so each rule with hostnames is resolved, widened, handed to a proxy
  or rejected, explicitly and visibly in the result;
* the result envelope (``widenings``, ``proxy_allowlist``, ``resolve_sets``) so
  a plan always shows what was done to hostnames.

Nothing here touches a host; it runs on the controller.
"""

from __future__ import annotations

import functools
import hashlib

from ansible_collections.netreq.firewall.plugins.module_utils._model import addresses as addr
from ansible_collections.netreq.firewall.plugins.module_utils._model import ownership as _ownership
from ansible_collections.netreq.firewall.plugins.module_utils._model.backends import BY_NAME
from ansible_collections.netreq.firewall.plugins.module_utils._model.errors import (
    NetreqError,
    UnsupportedRuleError,
)

from ansible_collections.netreq.firewall.plugins.module_utils._model.vocabulary import (
    DEFAULT_FQDN_STRATEGY,
    FQDN_STRATEGIES,
    NAME_KEEPING_STRATEGIES,
    POLICY_OPTIONS,
    WILDCARD_FALLBACKS,
    check_policy,
)


class Capabilities:
    """What one backend can express, as data: shared code reads it instead of ``if backend == ...``.

    ``kind``: ``host`` (a firewall on the machine) or ``cloud`` (a provider's
    security group or firewall rules); ``platform``: ``linux``, ``windows``
    or the cloud provider, so a hint only names backends that could replace
    this one; ``families``: address families it
    matches; ``icmp``: whether its rules can match ICMP; ``port_ranges``:
    whether a rule can hold ``low-high`` ranges; ``resolve_names``: whether it
    has named sets an applier fills by resolving host names
    (``fqdn_strategy=resolve``); ``dynamic_keywords``: whether the platform
    resolves host names itself (``fqdn_strategy=windows_dynamic_keyword``).
    """

    __slots__ = ("kind", "platform", "families", "icmp", "port_ranges", "resolve_names", "dynamic_keywords")
    KINDS = ("host", "cloud")

    def __init__(self, kind, platform, families=(4, 6), icmp=True, port_ranges=True, resolve_names=False, dynamic_keywords=False):
        if kind not in self.KINDS:
            raise ValueError("kind must be one of %s" % ", ".join(self.KINDS))
        self.kind = kind
        self.platform = platform
        self.families = tuple(families)
        self.icmp = icmp
        self.port_ranges = port_ranges
        self.resolve_names = resolve_names
        self.dynamic_keywords = dynamic_keywords

    @classmethod
    def of(cls, backend, **abilities):
        """The capabilities of ``backend``: kind and platform from the backend registry, the rest as given."""
        entry = BY_NAME[backend]
        return cls(entry.kind, entry.platform, **abilities)

    def fqdn_strategies(self):
        """The FQDN strategies this backend accepts, in the order error messages suggest them."""
        strategies = [strategy for strategy, able in (("windows_dynamic_keyword", self.dynamic_keywords),
                                                      ("resolve", self.resolve_names)) if able]
        return strategies + [strategy for strategy in FQDN_STRATEGIES if strategy not in NAME_KEEPING_STRATEGIES]

    def as_dict(self):
        return {name: getattr(self, name) for name in self.__slots__}


def merge_options(backend, defaults, options):
    """``defaults`` updated with ``options``; unknown names fail, None means "use the default"."""
    unknown = sorted(set(options) - set(defaults))
    if unknown:
        raise NetreqError("backend %s: unknown option(s) %s; valid options: %s"
                          % (backend, ", ".join(unknown), ", ".join(sorted(defaults))))
    merged = dict(defaults)
    merged.update((key, value) for key, value in options.items() if value is not None)
    return merged


def check_enforcement(backend, options):
    """Validate ``ingress_policy``/``egress_policy`` the same way for every host backend."""
    for key in POLICY_OPTIONS:
        check_policy("backend %s" % backend, key, options[key])


class Management:
    """The management connection (the controller's SSH) that an egress allowlist must not cut.

    ``port``: the host's TCP port the controller connects to; ``is_any``,
    ``ipv4``, ``ipv6``: where the controller may connect from (``Network``
    values), as in ``PlannedRemote``.

    Why the host renderers admit its replies statelessly (by source port,
    not by ``ct state established``): connection tracking starts in a network
    namespace only when the first rule that needs it is loaded. The session
    that loads the allowlist was opened before that, so conntrack meets it
    mid-stream: the host's next packet on it counts as ``new``, not
    ``established``, and an egress policy of drop would drop the very reply
    that carries the module's result, leaving the run waiting on TCP
    retransmissions. Admitting TCP from the management port to the
    management sources keeps that session, and every later one, working
    whatever conntrack has seen. It opens nothing else: only a process
    bound to that (privileged) port, the SSH server, sends from it.
    """

    __slots__ = ("port", "is_any", "ipv4", "ipv6")

    def __init__(self, port, is_any, ipv4, ipv6):
        self.port = port
        self.is_any = is_any
        self.ipv4 = ipv4
        self.ipv6 = ipv6


def management_option(backend, value):
    """The renderer option ``management`` (``{port, sources}`` or None) checked and parsed into ``Management``.

    Sources are addresses, networks or ``any``: a host name cannot be matched
    here, and the fqdn strategies are for vendor rules, not for the path that
    carries the apply itself.
    """
    if value is None:
        return None
    if not isinstance(value, dict) or set(value) - {"port", "sources"} or "port" not in value:
        raise NetreqError("backend %s: management must be a dict {port, sources}, got %r" % (backend, value))
    try:
        port = addr.parse_port(value["port"])
    except ValueError as exc:
        raise NetreqError("backend %s: management port: %s" % (backend, exc))
    sources = value.get("sources")
    if sources is None:
        sources = [addr.ANY]
    if isinstance(sources, str) or not isinstance(sources, (list, tuple)) or not sources:
        raise NetreqError("backend %s: management sources must be a non-empty list of addresses, networks or any, got %r"
                          % (backend, sources))
    is_any = False
    networks = []
    for source in sources:
        if source == addr.ANY:
            is_any = True
            continue
        try:
            networks.append(addr.parse_network(str(source)))
        except ValueError as exc:
            raise NetreqError("backend %s: management sources: %r is not an address or network (%s); host names "
                              "cannot be matched here" % (backend, source, exc))
    if is_any:
        return Management(port, True, [], [])
    merged = addr.merge_networks(networks)
    return Management(port, False, [net for net in merged if net.version == 4], [net for net in merged if net.version == 6])


def rule_tag(rule):
    """Ownership tag written into every backend object: ``netreq:<profile>:<id>``."""
    return _ownership.tag(rule["profile"], rule["id"])


def rule_label(rule):
    """The tag plus `` expires=<UTC>`` for a temporary rule: what comments and descriptions show."""
    if rule.get("expires"):
        return "%s expires=%s" % (rule_tag(rule), rule["expires"])
    return rule_tag(rule)


def described(rule, limit):
    """``<label> <description>`` cut to the backend's description length."""
    text = rule_label(rule)
    if rule.get("description"):
        text = "%s %s" % (text, rule["description"])
    return text[:limit]


def hashed_name(name, identity, limit):
    """Cut ``name`` so ``<cut>-<8 hex digits of identity>`` fits in ``limit``; deterministic and unique per identity."""
    return "%s-%s" % (name[:limit - 9], hashlib.sha256(identity.encode("utf-8")).hexdigest()[:8])


def unique_names(backend, candidates, limit, fold=None):
    """Names for ``[(name, identity)]`` where colliding names (compared after ``fold``) get a hash suffix."""
    fold = fold or (lambda name: name)
    counts = {}
    for name, _identity in candidates:
        counts[fold(name)] = counts.get(fold(name), 0) + 1
    names = [hashed_name(name, identity, limit) if counts[fold(name)] > 1 else name for name, identity in candidates]
    if len({fold(name) for name in names}) != len(names):
        raise NetreqError("backend %s: cannot derive unique names for %s" % (backend, ", ".join(sorted(names))))
    return names


def set_stems(rules):
    """``{(profile, id): stem}`` for named sets: the id, or ``<profile>_<id>`` where two profiles use the same id.

    Requirement ids are unique within a profile only, and a user cannot rename
    the ids of a vendor's profile; sets named by id alone would then collide.
    Ids that only one profile uses keep their plain names.
    """
    profiles = {}
    for rule in rules:
        profiles.setdefault(rule["id"], set()).add(rule["profile"])
    return {(rule["profile"], rule["id"]): rule["id"] if len(profiles[rule["id"]]) == 1 else "%s_%s" % (rule["profile"], rule["id"])
            for rule in rules}


def port_ranges(rule):
    """The rule's ports as sorted ``(low, high)`` integer pairs; ``[]`` means all ports."""
    ranges = []
    for item in rule["ports"]:
        low, _sep, high = str(item).partition("-")
        ranges.append((int(low), int(high or low)))
    return sorted(ranges)


def split_remote(rule):
    """A rule's remote list taken apart: ``(is_any, ipv4, ipv6, fqdns, wildcards)``.

    The entries are already normalized by the model, so each is parsed once
    here (``Network`` values, not ``ipaddress`` objects: see ``_model/addresses.py``),
    and each family is merged losslessly. A host rendered for several backends
    splits the same remote lists again, so the split is kept per list.
    """
    try:
        is_any, ipv4, ipv6, fqdns, wildcards = _split_remote(tuple(rule["remote"]))
    except ValueError as exc:
        raise NetreqError("profile %s, rule %s, field remote: %s" % (rule["profile"], rule["id"], exc))
    return is_any, list(ipv4), list(ipv6), list(fqdns), list(wildcards)


@functools.lru_cache(maxsize=8192)
def _split_remote(remote):
    is_any = False
    networks, fqdns, wildcards = [], [], []
    for item in remote:
        if item == addr.ANY:
            is_any = True
            continue
        try:
            networks.append(addr.parse_network(item))
        except ValueError as address_error:
            if addr.looks_numeric(item):  # meant as an address: say what is wrong with it, not that it is no host name
                raise address_error
            try:
                addr.parse_hostname(item, allow_wildcard=True)
            except ValueError as exc:
                raise ValueError("remote entry %r is neither an address nor a host name (%s)" % (item, exc))
            (wildcards if item.startswith("*.") else fqdns).append(item)
    merged = addr.merge_networks(networks)
    return (is_any, tuple(net for net in merged if net.version == 4), tuple(net for net in merged if net.version == 6),
            tuple(fqdns), tuple(wildcards))


def format_network(net, host_prefix=False):
    """``8.8.8.8`` for a single address unless the backend insists on ``/32``."""
    return net.text(host_prefix)


class PlannedRemote:
    """What a renderer should match for one rule, after the FQDN strategy.

    ``is_any`` -> match any address of the family/families in ``families``;
    ``ipv4``/``ipv6`` -> lists of ``_model/addresses.Network``; ``resolve_hosts`` ->
    hostnames the applier resolves into a named set at apply time.
    """

    def __init__(self):
        self.is_any = False
        self.ipv4 = []
        self.ipv6 = []
        self.resolve_hosts = []

    @property
    def empty(self):
        """True when every hostname went to the proxy: the renderer emits no rule for it."""
        return not (self.is_any or self.ipv4 or self.ipv6 or self.resolve_hosts)


class RenderContext:
    """Collects the per-run notes every renderer result carries.

    ``plan_remote`` is the single place the FQDN strategies are applied, so a
    renderer only decides whether it can hold resolved sets (``can_resolve``)
    or dynamic keywords (Windows).
    """

    def __init__(self, backend, capabilities, fqdn_strategy=None, wildcard_fallback=None):
        strategy = fqdn_strategy or DEFAULT_FQDN_STRATEGY
        if strategy not in FQDN_STRATEGIES:
            raise NetreqError("fqdn_strategy must be one of %s, got %r" % (", ".join(FQDN_STRATEGIES), strategy))
        if strategy not in capabilities.fqdn_strategies():
            raise NetreqError("fqdn_strategy=%s is not available for backend %s; use %s"
                              % (strategy, backend, " or ".join(s for s in capabilities.fqdn_strategies() if s != "reject")))
        if wildcard_fallback not in WILDCARD_FALLBACKS:
            raise NetreqError("wildcard_fallback must be one of any_address, proxy, got %r" % (wildcard_fallback,))
        self.backend = backend
        self.capabilities = capabilities
        self.fqdn_strategy = strategy
        self.wildcard_fallback = wildcard_fallback
        self.widenings = []
        self.proxy_allowlist = []
        self.resolve_sets = []

    # what each way out costs, so the hint never offers opening a port to everyone without saying so
    _STRATEGY_NOTES = {"any_address": " (opens the ports to every address)"}

    def _fix_hint(self, exclude=()):
        return " or ".join("fqdn_strategy=%s%s" % (strategy, self._STRATEGY_NOTES.get(strategy, ""))
                           for strategy in self.capabilities.fqdn_strategies() if strategy != "reject" and strategy not in exclude)

    def plan_remote(self, rule):
        planned = PlannedRemote()
        planned.is_any, planned.ipv4, planned.ipv6, fqdns, wildcards = split_remote(rule)
        for version, networks in ((4, planned.ipv4), (6, planned.ipv6)):
            if networks and version not in self.capabilities.families:
                raise UnsupportedRuleError(self.backend, rule["id"], "IPv%d addresses cannot be matched" % version,
                                           "give this backend only IPv%s addresses" % "/IPv".join(map(str, self.capabilities.families)))
        hostnames = fqdns + wildcards
        if not hostnames:
            return planned
        strategy = self.fqdn_strategy
        if strategy == "reject":
            raise UnsupportedRuleError(
                self.backend, rule["id"],
                "hostnames %s cannot be matched by a packet filter" % ", ".join(hostnames),
                self._fix_hint())
        hosts_by_strategy = {}
        if strategy in NAME_KEEPING_STRATEGIES:
            if wildcards and not self.wildcard_fallback:
                raise UnsupportedRuleError(
                    self.backend, rule["id"],
                    "wildcard hostnames %s cannot be resolved to addresses" % ", ".join(wildcards),
                    "set wildcard_fallback=any_address or wildcard_fallback=proxy")
            hosts_by_strategy[strategy] = list(fqdns)
            if wildcards:
                hosts_by_strategy.setdefault(self.wildcard_fallback, []).extend(wildcards)
        else:
            hosts_by_strategy[strategy] = hostnames
        if "proxy" in hosts_by_strategy and hosts_by_strategy["proxy"] and (rule["protocol"] != "tcp" or rule["direction"] != "egress"):
            # a forward proxy (HTTP CONNECT) carries outbound TCP connections only: leaving UDP, ICMP or
            # inbound traffic to it would report the rule as handled while nothing lets it through
            what = "inbound traffic" if rule["direction"] != "egress" else "%s traffic" % rule["protocol"].upper()
            raise UnsupportedRuleError(
                self.backend, rule["id"],
                "hostnames %s: a forward proxy carries outbound TCP only, not %s" % (", ".join(hosts_by_strategy["proxy"]), what),
                self._fix_hint(exclude=("proxy",)))
        for how, hosts in hosts_by_strategy.items():
            if not hosts:
                continue
            if how in NAME_KEEPING_STRATEGIES:
                planned.resolve_hosts = list(hosts)
            elif how == "any_address":
                planned.is_any = True
                self.widenings.append({
                    "rule": rule["id"], "profile": rule["profile"], "hosts": list(hosts),
                    "note": "hostnames replaced by any address: the port is open to every destination",
                })
            elif how == "proxy":
                self.proxy_allowlist.append({
                    "rule": rule["id"], "profile": rule["profile"], "direction": rule["direction"],
                    "protocol": rule["protocol"], "ports": list(rule["ports"]), "hosts": list(hosts),
                })
        if planned.is_any:
            # "any" already covers every listed address and hostname
            planned.ipv4, planned.ipv6, planned.resolve_hosts = [], [], []
        if planned.resolve_hosts:
            # recorded only now: a wildcard widened to any address leaves no set to fill
            self.resolve_sets.append({"rule": rule["id"], "profile": rule["profile"], "hosts": list(planned.resolve_hosts)})
        return planned

    def resolve_target(self, rule, **target):
        """Say where the applier puts the addresses of ``rule``'s resolved names (sets, ipsets, rule specs).

        ``resolve_sets`` is what the host-side refresher reads (through the
        module's state file), so every host renderer names its own targets here.
        """
        for entry in self.resolve_sets:
            if entry["rule"] == rule["id"] and entry["profile"] == rule["profile"]:
                entry.update(target)
                return
        raise NetreqError("backend %s: rule %s has no resolved names" % (self.backend, rule["id"]))

    def envelope(self, **backend_objects):
        result = {
            "backend": self.backend,
            "fqdn_strategy": self.fqdn_strategy,
            "wildcard_fallback": self.wildcard_fallback,
        }
        result.update(backend_objects)
        result["widenings"] = self.widenings
        result["proxy_allowlist"] = self.proxy_allowlist
        result["resolve_sets"] = self.resolve_sets
        return result
