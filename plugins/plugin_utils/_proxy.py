# -*- coding: utf-8 -*-
# Copyright (c) netreq.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""PRIVATE: the proxy allow-list of fqdn_strategy=proxy as a Squid configuration snippet.

This module is private to the netreq.firewall collection; its API may change
without notice. Standard library only (it runs on managed hosts too). Pure.

The pattern: a packet filter cannot match host names, a forward proxy can.
The host firewall allows the host to reach the proxy (one rule, added by the
host_firewall role), and the proxy allows exactly the names of the profile,
on their ports. The renderers collect those names as ``proxy_allowlist``
entries ``{rule, profile, direction, protocol, ports, hosts}``; this module
writes them as lines Squid loads (an ``include`` of a conf.d file).

Decisions:

* One ``dstdomain`` ACL and one ``port`` ACL per requirement, and
  ``http_access allow <domains> <ports>``: a name is allowed only on its own
  requirement's ports. ACL names are ``<owner>_<profile>_<rule>`` with every
  character outside ``[A-Za-z0-9_-]`` replaced by ``_``.
* A wildcard ``*.example.com`` becomes ``.example.com``: Squid's way to match
  every subdomain. It also matches ``example.com`` itself (one name wider
  than the wildcard; noted in the snippet).
* Ports other than 443 are added to Squid's stock ``SSL_ports`` ACL (repeated
  ``acl`` lines extend an ACL), since HTTPS and other TLS clients reach the
  proxy with CONNECT and the stock configuration denies CONNECT elsewhere.
  An ACL with no ports (all ports) gets no port ACL.
* Only TCP egress entries can go through a forward proxy; anything else is
  listed in ``skipped`` with why, never dropped silently.
* Host names are checked (``_model/addresses.parse_hostname``) before they are
  written, so profile text cannot add configuration lines.
"""

from __future__ import annotations

import re

from ansible_collections.netreq.firewall.plugins.module_utils._model import addresses as addr
from ansible_collections.netreq.firewall.plugins.module_utils._model import ownership as _ownership
from ansible_collections.netreq.firewall.plugins.module_utils._model.errors import NetreqError

_NAME_RE = re.compile(r"[^A-Za-z0-9_-]")


def _acl_name(entry):
    return _NAME_RE.sub("_", "%s_%s_%s" % (_ownership.OWNER, entry["profile"], entry["rule"]))


def _domain(host):
    try:
        addr.parse_hostname(host, allow_wildcard=True)
    except ValueError as exc:
        raise NetreqError("proxy allow-list: %r is not a host name (%s)" % (host, exc))
    return "." + host[2:] if host.startswith("*.") else host


def _ports(entry):
    ports = []
    for port in entry.get("ports") or []:
        low, _sep, high = str(port).partition("-")
        if not low.isdigit() or (high and not high.isdigit()):
            raise NetreqError("proxy allow-list: rule %s: bad port %r" % (entry["rule"], port))
        ports.append(low if not high else "%s-%s" % (low, high))
    return ports


def squid(allowlist):
    """``{"config": text, "acls": [names], "skipped": [{rule, why}]}`` for ``proxy_allowlist`` entries."""
    lines = ["# %s: proxy allow-list (Squid). Include it before the final 'http_access deny all'." % _ownership.COLLECTION,
             "# A '.example.com' entry (from '*.example.com') also matches example.com itself."]
    acls, skipped, tls_ports = [], [], []
    for entry in allowlist or []:
        if entry.get("direction") != "egress" or entry.get("protocol") != "tcp":
            skipped.append({"rule": entry.get("rule"), "why": "only outbound TCP can go through a forward proxy, this is %s %s"
                            % (entry.get("direction"), entry.get("protocol"))})
            continue
        name = _acl_name(entry)
        domains = sorted({_domain(host) for host in entry["hosts"]})
        ports = _ports(entry)
        lines.append("# %s" % _ownership.tag(entry["profile"], entry["rule"]))
        lines.append("acl %s dstdomain %s" % (name, " ".join(domains)))
        if ports:
            lines.append("acl %s_ports port %s" % (name, " ".join(ports)))
            lines.append("http_access allow %s %s_ports" % (name, name))
            tls_ports.extend(port for port in ports if port != "443" and port not in tls_ports)
        else:
            lines.append("http_access allow %s" % name)
        acls.append(name)
    if tls_ports:
        lines.append("# CONNECT (TLS) to these ports, which Squid's stock configuration denies")
        lines.append("acl SSL_ports port %s" % " ".join(tls_ports))
    return {"config": "\n".join(lines) + "\n" if acls else "", "acls": acls, "skipped": skipped}
