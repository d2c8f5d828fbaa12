# -*- coding: utf-8 -*-
# Copyright (c) netreq.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Keep the firewall's resolved host names in step with DNS, on the host, without Ansible.

Installed by the netreq.firewall host_firewall role and run by its systemd
service (started by its timer, and by the module right after an apply).
Standard library only: it must run on any host with python3.

Input: the state file the collection's apply module writes (JSON)::

    {"version": 1, "backend": "nftables" | "firewalld" | "ufw",
     "ttl_floor": 600, "ttl_ceiling": 86400,
     "entries": [{"rule": ..., "profile": ..., "hosts": ["app.example.com"],
                  "table": "inet netreq", "sets": {"ipv4": ..., "ipv6": ...}     (nftables)
                  "ipsets": {"ipv4": ..., "ipv6": ...}                           (firewalld)
                  "ufw": {"direction", "proto", "ports", "comment"}}],            (ufw)
     "ufw_comment_prefix": "..."}                                                 (ufw)

What it does, every run:

1. resolves every host name with the host's own resolver configuration (the
   ``nameserver`` lines of /etc/resolv.conf, A and AAAA queries, CNAME chains
   followed), keeping the answer's TTL; with no nameserver configured it asks
   getaddrinfo (no TTL: the floor is used);
2. a name that fails (timeout, SERVFAIL, NXDOMAIN, no address) keeps its last
   good addresses from the previous status file and is reported (journal at
   error level and in the status file); nothing is ever emptied because DNS
   failed;
3. writes the addresses into the backend: nftables: one ``nft -f``
   transaction per run that flushes and refills each set, every element with
   ``timeout`` = the TTL clamped to [ttl_floor, ttl_ceiling] (so an address
   ages out if this refresher ever stops); firewalld: the ipsets' entries,
   runtime and permanent, added and removed by difference; ufw: one rule per
   (address, port group) with the refresher's own comment prefix, compared
   with what ``ufw show added`` lists under that prefix, stale ones deleted;
4. writes the status file ``resolve-status.json`` beside the state file (what
   was resolved, when, and every error).

Exit codes: 0 when the firewall holds what was resolved (resolution errors
included: they are reported, the last good addresses are kept), 1 when the
firewall could not be updated, 2 for an unreadable state file.
"""

import datetime
import ipaddress
import json
import os
import random
import shlex
import socket
import struct
import subprocess
import sys
import tempfile

RESOLV_CONF = "/etc/resolv.conf"
STATUS_NAME = "resolve-status.json"
DNS_TIMEOUT = 2.0
DNS_ATTEMPTS = 2
TYPES = {"ipv4": 1, "ipv6": 28}  # A, AAAA
CNAME = 5
RCODES = {1: "FORMERR", 2: "SERVFAIL", 3: "NXDOMAIN", 4: "NOTIMP", 5: "REFUSED"}
MAX_CNAME_HOPS = 8


class ResolveError(Exception):
    """A name could not be resolved now (the last good addresses are kept)."""


def log(level, message):
    """One journal line; the ``<N>`` prefix is the syslog priority journald reads."""
    sys.stderr.write("<%d>%s\n" % (level, message))
    sys.stderr.flush()


def now():
    return datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0).isoformat()


# ---------------------------------------------------------------- DNS

def nameservers(path=RESOLV_CONF):
    servers = []
    try:
        with open(path) as stream:
            for line in stream:
                words = line.split()
                if len(words) >= 2 and words[0] == "nameserver":
                    try:
                        servers.append(str(ipaddress.ip_address(words[1].split("%")[0])))
                    except ValueError:
                        continue
    except OSError:
        pass
    return servers


def build_query(name, qtype, query_id):
    labels = b"".join(struct.pack("B", len(part)) + part for part in
                      (label.encode("idna") for label in name.rstrip(".").split(".")))
    return struct.pack(">HHHHHH", query_id, 0x0100, 1, 0, 0, 0) + labels + b"\0" + struct.pack(">HH", qtype, 1)


def _read_name(data, offset):
    """(name, offset after it) with compression pointers followed."""
    labels, jumped, end, hops = [], False, offset, 0
    while True:
        if offset >= len(data):
            raise ResolveError("truncated name in the answer")
        length = data[offset]
        if length & 0xC0 == 0xC0:
            if not jumped:
                end = offset + 2
            offset = ((length & 0x3F) << 8) | data[offset + 1]
            jumped, hops = True, hops + 1
            if hops > 32:
                raise ResolveError("compression loop in the answer")
            continue
        if length == 0:
            if not jumped:
                end = offset + 1
            return ".".join(labels).lower(), end
        labels.append(data[offset + 1:offset + 1 + length].decode("ascii", "replace"))
        offset += 1 + length


def parse_answer(data, query_id, name, qtype):
    """``(addresses, ttl)`` for ``name`` from a DNS response, following CNAMEs inside it."""
    if len(data) < 12:
        raise ResolveError("short DNS response")
    rid, flags, qdcount, ancount, _ns, _ar = struct.unpack(">HHHHHH", data[:12])
    if rid != query_id:
        raise ResolveError("DNS response for another query")
    if flags & 0x0200:
        raise _Truncated()
    rcode = flags & 0x000F
    if rcode:
        raise ResolveError(RCODES.get(rcode, "rcode %d" % rcode))
    offset = 12
    for _index in range(qdcount):
        _qname, offset = _read_name(data, offset)
        offset += 4
    records = []
    for _index in range(ancount):
        owner, offset = _read_name(data, offset)
        rtype, _rclass, ttl, length = struct.unpack(">HHIH", data[offset:offset + 10])
        offset += 10
        rdata_offset = offset
        offset += length
        if rtype == CNAME:
            records.append((owner, rtype, ttl, _read_name(data, rdata_offset)[0]))
        elif rtype == qtype and length in (4, 16):
            records.append((owner, rtype, ttl, str(ipaddress.ip_address(data[rdata_offset:offset]))))
    wanted, ttls, addresses = name.rstrip(".").lower(), [], []
    for _hop in range(MAX_CNAME_HOPS):
        found = [record for record in records if record[0] == wanted]
        addresses.extend(value for _owner, rtype, _ttl, value in found if rtype == qtype)
        ttls.extend(ttl for _owner, _rtype, ttl, _value in found)
        aliases = [value for _owner, rtype, _ttl, value in found if rtype == CNAME]
        if addresses or not aliases:
            break
        wanted = aliases[0]
    return sorted(set(addresses)), (min(ttls) if ttls else None)


class _Truncated(Exception):
    pass


def _exchange(server, query, tcp):
    family = socket.AF_INET6 if ":" in server else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM if tcp else socket.SOCK_DGRAM) as sock:
        sock.settimeout(DNS_TIMEOUT)
        sock.connect((server, 53))
        if not tcp:
            sock.send(query)
            return sock.recv(65535)
        sock.sendall(struct.pack(">H", len(query)) + query)
        data = b""
        while len(data) < 2 or len(data) < 2 + struct.unpack(">H", data[:2])[0]:
            chunk = sock.recv(65535)
            if not chunk:
                break
            data += chunk
        return data[2:]


def query(name, family, servers):
    """``(addresses, ttl)`` of one family; ResolveError when no server gave an answer."""
    qtype = TYPES[family]
    problems = []
    for _attempt in range(DNS_ATTEMPTS):
        for server in servers:
            query_id = random.randint(0, 0xFFFF)
            packet = build_query(name, qtype, query_id)
            try:
                try:
                    return parse_answer(_exchange(server, packet, False), query_id, name, qtype)
                except _Truncated:
                    return parse_answer(_exchange(server, packet, True), query_id, name, qtype)
            except ResolveError as exc:
                if str(exc) == "NXDOMAIN":
                    raise ResolveError("%s: NXDOMAIN from %s" % (name, server))
                problems.append("%s from %s" % (exc, server))
            except (OSError, struct.error) as exc:
                problems.append("%s from %s" % (exc, server))
    raise ResolveError("%s (%s): %s" % (name, family, "; ".join(problems[-len(servers):]) or "no nameserver"))


def resolve(name, servers):
    """``{"ipv4": [...], "ipv6": [...], "ttl": n or None}``; ResolveError when the name has no address now."""
    if not servers:
        try:
            infos = socket.getaddrinfo(name, None, 0, socket.SOCK_STREAM)
        except socket.gaierror as exc:
            raise ResolveError("%s: %s" % (name, exc))
        found = {"ipv4": set(), "ipv6": set()}
        for family, _type, _proto, _name, address in infos:
            found["ipv4" if family == socket.AF_INET else "ipv6"].add(address[0])
        return {"ipv4": sorted(found["ipv4"]), "ipv6": sorted(found["ipv6"]), "ttl": None}
    result, ttls, errors = {}, [], []
    for family in TYPES:
        try:
            result[family], ttl = query(name, family, servers)
        except ResolveError as exc:
            result[family], ttl = [], None
            errors.append(str(exc))
        if ttl is not None and result[family]:
            ttls.append(ttl)
    if not result["ipv4"] and not result["ipv6"]:
        raise ResolveError("; ".join(errors) or "%s: no A or AAAA record" % name)
    result["ttl"] = min(ttls) if ttls else None
    return result


# ---------------------------------------------------------------- backends

def run(argv, data=None):
    proc = subprocess.run(argv, input=data, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          universal_newlines=True, check=False, env=dict(os.environ, LC_ALL="C", LANG="C"))
    return proc.returncode, proc.stdout, proc.stderr


def addresses_of(entry, hosts, family):
    found = set()
    for name in entry["hosts"]:
        found.update(hosts.get(name, {}).get(family) or [])
    return sorted(found, key=ipaddress.ip_address)


def ttl_of(entry, hosts, floor, ceiling):
    ttls = [hosts[name]["ttl"] for name in entry["hosts"] if hosts.get(name, {}).get("ttl")]
    ttl = min(ttls) if ttls else floor
    return max(floor, min(ceiling, ttl))


def nft_text(entries, hosts, floor, ceiling):
    """The ``nft -f`` transaction that refills every set (also used by the module to prefill)."""
    lines = []
    for entry in entries:
        timeout = ttl_of(entry, hosts, floor, ceiling)
        for family, set_name in sorted(entry["sets"].items()):
            lines.append("flush set %s %s" % (entry["table"], set_name))
            elements = ["%s timeout %ds" % (address, timeout) for address in addresses_of(entry, hosts, family)]
            if elements:
                lines.append("add element %s %s { %s }" % (entry["table"], set_name, ", ".join(elements)))
    return "\n".join(lines) + "\n"


def apply_nftables(state, hosts, previous):
    if not state["entries"]:
        return {}
    text = nft_text(state["entries"], hosts, state["ttl_floor"], state["ttl_ceiling"])
    rc, out, err = run(["nft", "-f", "-"], text)
    if rc:
        raise RuntimeError("nft -f refused the set update: %s" % (err or out).strip())
    return {}


def apply_firewalld(state, hosts, previous):
    for entry in state["entries"]:
        for family, ipset in sorted(entry["ipsets"].items()):
            want = set(addresses_of(entry, hosts, family))
            for scope in ([], ["--permanent"]):
                rc, out, err = run(["firewall-cmd"] + scope + ["--ipset=%s" % ipset, "--get-entries"])
                if rc:
                    raise RuntimeError("firewall-cmd cannot read ipset %s: %s" % (ipset, (err or out).strip()))
                have = set(out.split())
                for option, items in (("--remove-entry", have - want), ("--add-entry", want - have)):
                    if items:
                        argv = ["firewall-cmd"] + scope + ["--ipset=%s" % ipset]
                        argv += ["%s=%s" % (option, item) for item in sorted(items)]
                        rc, out, err = run(argv)
                        if rc:
                            raise RuntimeError("%s failed: %s" % (" ".join(argv), (err or out).strip()))
    return {}


def ufw_args(spec, address, port):
    args = ["allow", spec["direction"]]
    if spec.get("proto"):
        args += ["proto", spec["proto"]]
    args += ["from", address, "to", "any"] if spec["direction"] == "in" else ["to", address]
    if port:
        args += ["port", port]
    return args + ["comment", spec["comment"]]


def ufw_match(args):
    """What a ufw rule matches, whatever order its words come in (``ufw show added`` reorders them)."""
    words = list(args)
    action = words.pop(0)
    direction = words.pop(0) if words and words[0] in ("in", "out") else "in"
    fields = {"from": "any", "to": "any", "port": None, "proto": "any", "comment": ""}
    while len(words) >= 2:
        key, value = words.pop(0), words.pop(0)
        if key in fields:
            fields[key] = value
    return (action, direction, fields["proto"], fields["from"], fields["to"], fields["port"]), fields["comment"]


def ufw_owned(prefix):
    """The refresher's rules as ufw lists them: ``[args]`` (``ufw show added`` prints each as a command)."""
    rc, out, err = run(["ufw", "show", "added"])
    if rc:
        raise RuntimeError("ufw show added failed: %s" % (err or out).strip())
    rules = []
    for line in out.splitlines():
        if line.startswith("ufw "):
            args = shlex.split(line)[1:]
            if ufw_match(args)[1].startswith(prefix):
                rules.append(args)
    return rules


def apply_ufw(state, hosts, previous):
    """One ufw rule per (address, port group), compared with the rules ufw holds under the
    refresher's comment prefix. ufw keeps one rule per match, so requirements resolving to
    the same address share one rule (the first comment stays)."""
    want = {}
    for entry in state["entries"]:
        spec = entry["ufw"]
        for family in ("ipv4", "ipv6"):
            for address in addresses_of(entry, hosts, family):
                for port in spec["ports"]:
                    args = ufw_args(spec, address, port)
                    want.setdefault(ufw_match(args)[0], args)
    have = dict((ufw_match(args)[0], args) for args in ufw_owned(state["ufw_comment_prefix"]))
    for match, args in sorted(have.items()):
        if match not in want:
            rc, out, err = run(["ufw", "delete"] + args)
            if rc or "non-existent" in out:
                raise RuntimeError("ufw delete %s failed: %s" % (" ".join(args), (err or out).strip()))
    for match, args in want.items():
        if match not in have:
            rc, out, err = run(["ufw"] + args)
            if rc:
                raise RuntimeError("ufw %s failed: %s" % (" ".join(args), (err or out).strip()))
    return {"ufw_rules": list(want.values())}


BACKENDS = {"nftables": apply_nftables, "firewalld": apply_firewalld, "ufw": apply_ufw}


# ---------------------------------------------------------------- the run

def load_json(path):
    try:
        with open(path) as stream:
            return json.load(stream)
    except (OSError, ValueError):
        return None


def write_json(path, data):
    directory = os.path.dirname(path) or "."
    os.makedirs(directory, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=".resolve-", dir=directory)
    with os.fdopen(handle, "w") as stream:
        json.dump(data, stream, indent=1, sort_keys=True)
        stream.write("\n")
    os.chmod(temporary, 0o644)
    os.rename(temporary, path)


def refresh(state, previous, servers):
    """Resolve every name, keep the last good answer of a failing one; ``(hosts, errors)``."""
    names = sorted({name for entry in state["entries"] for name in entry["hosts"]})
    before = (previous or {}).get("hosts") or {}
    hosts, errors = {}, []
    for name in names:
        try:
            answer = resolve(name, servers)
            hosts[name] = dict(answer, resolved=now(), error=None)
        except ResolveError as exc:
            last = before.get(name) or {}
            hosts[name] = {"ipv4": last.get("ipv4") or [], "ipv6": last.get("ipv6") or [], "ttl": last.get("ttl"),
                           "resolved": last.get("resolved"), "error": str(exc)}
            kept = hosts[name]["ipv4"] + hosts[name]["ipv6"]
            errors.append("%s: %s; %s" % (name, exc, "keeping the last good addresses %s (resolved %s)"
                                          % (", ".join(kept), last.get("resolved")) if kept else "no address known yet"))
    return hosts, errors


def main(argv):
    state_path = argv[1] if len(argv) > 1 else os.environ.get("RESOLVE_STATE", "")
    state = load_json(state_path) if state_path else None
    if not isinstance(state, dict) or state.get("backend") not in BACKENDS:
        log(3, "cannot read the state file %r (written by the apply module)" % state_path)
        return 2
    status_path = os.path.join(os.path.dirname(os.path.abspath(state_path)), STATUS_NAME)
    previous = load_json(status_path) or {}
    if previous.get("backend") != state["backend"]:
        previous = {"hosts": previous.get("hosts") or {}}
    hosts, errors = refresh(state, previous, nameservers())
    for message in errors:
        log(3, "resolve failed: %s" % message)
    status = {"updated": now(), "backend": state["backend"], "hosts": hosts, "errors": list(errors),
              "ok": not errors, "applied": False}
    code = 0
    try:
        status.update(BACKENDS[state["backend"]](state, hosts, previous))
        status["applied"] = True
    except (RuntimeError, OSError) as exc:
        log(3, "cannot update the firewall: %s" % exc)
        status["errors"].append("firewall: %s" % exc)
        status["ok"] = False
        status["ufw_rules"] = previous.get("ufw_rules") or []
        code = 1
    write_json(status_path, status)
    count = sum(len(item["ipv4"]) + len(item["ipv6"]) for item in hosts.values())
    log(6, "%d name(s), %d address(es), %d error(s)" % (len(hosts), count, len(status["errors"])))
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv))
