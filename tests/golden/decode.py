"""Read a rendering back into (direction, protocol, port) -> addresses and host names.

Independent of the renderers: each decoder reads the backend's own syntax
(nft statements, firewalld rich rules, ufw/Windows/AWS/Azure/GCP parameters)
the way the backend would, so a golden file can be compared with the vendor
tables in tests/seed_tables.py.
"""

import re
from collections import defaultdict

import netaddr

ANY_V4, ANY_V6 = "0.0.0.0/0", "::/0"


class Decoded:
    """``{(direction, protocol, port): [IPSet, set of host names]}``."""

    def __init__(self):
        self.rows = defaultdict(lambda: [netaddr.IPSet(), set()])

    def add(self, direction, protocol, ports, remotes):
        for port in ports or ["all"]:
            entry = self.rows[(direction, protocol, str(port))]
            for remote in remotes:
                if remote == "any":
                    entry[0].update([ANY_V4, ANY_V6])
                else:
                    try:
                        entry[0].add(netaddr.IPNetwork(remote))
                    except (netaddr.AddrFormatError, ValueError, TypeError):
                        entry[1].add(remote)

    def as_dict(self):
        return {key: (sorted(str(c) for c in value[0].iter_cidrs()), sorted(value[1])) for key, value in self.rows.items()}


def expected(seed_rows, widen=()):
    """Seed rows in decoded form; host names in ``widen`` become any address."""
    decoded = Decoded()
    for _component, direction, protocol, port, remote in seed_rows:
        remote = "any" if remote in widen else remote
        decoded.add(direction, protocol, [port], [remote])
    return decoded.as_dict()


def _ports(text, sep=","):
    ports = []
    for item in str(text).split(sep):
        item = item.strip()
        if item:
            ports.append(item)
    return ports


def _proxy(decoded, rendering):
    for entry in rendering["proxy_allowlist"]:
        decoded.add(entry["direction"], entry["protocol"], entry["ports"], entry["hosts"])


# --- nftables ---------------------------------------------------------------------------
_NFT_ADDR = re.compile(r"\b(ip6?) ([sd]addr) (\{ [^}]* \}|@\S+|\S+)")
_NFT_PORT = re.compile(r"\b(tcp|udp) dport (\{ [^}]* \}|\S+)")
_NFT_L4 = re.compile(r"meta l4proto (\S+)")


def nftables(rendering):
    decoded = Decoded()
    chains = {chain["name"]: chain["direction"] for chain in rendering["chains"]}
    for rule in rendering["rules"]:
        for statement in rule["statements"]:
            assert statement.endswith('"') and " accept comment " in statement, statement
            addresses = ["any"]
            match = _NFT_ADDR.search(statement)
            if match:
                value = match.group(3)
                if value.startswith("@"):
                    addresses = rendering["sets"][value[1:]]
                else:
                    addresses = [a.strip() for a in value.strip("{} ").split(",")]
            port = _NFT_PORT.search(statement)
            l4 = _NFT_L4.search(statement)
            if port:
                protocol, ports = port.group(1), _ports(port.group(2).strip("{} "))
            elif l4:
                protocol, ports = {"ipv6-icmp": "icmp"}.get(l4.group(1), l4.group(1)), []
            else:
                protocol, ports = "any", []
            decoded.add(chains[rule["chain"]], protocol, ports, addresses)
    _proxy(decoded, rendering)
    return decoded.as_dict()


# The IPv6 messages nft names differently from the IANA registry (RFC 4861, RFC 4443).
_NFT_ICMPV6 = {"nd-neighbor-solicit": "neighbour-solicitation", "nd-neighbor-advert": "neighbour-advertisement",
               "nd-router-solicit": "router-solicitation", "nd-router-advert": "router-advertisement",
               "packet-too-big": "packet-too-big"}
_NFT_HOOKS = {"input": "ingress", "output": "egress"}
# The DHCP client exchange of the host itself (RFC 2131: client UDP 68, server 67; RFC 8415:
# client 546, server 547, servers answering from link-local addresses), in both directions.
_NFT_DHCP = {
    "meta nfproto ipv4 udp sport 68 udp dport 67 accept": ("ipv4", "dhcp-client"),
    "meta nfproto ipv4 udp sport 67 udp dport 68 accept": ("ipv4", "dhcp-client"),
    "meta nfproto ipv6 udp sport 546 udp dport 547 accept": ("ipv6", "dhcp-client"),
    "ip6 saddr fe80::/10 udp sport 547 udp dport 546 accept": ("ipv6", "dhcp-client"),
}


def _nft_baseline_line(line):
    """(family, what) pairs one baseline line accepts; anything else fails."""
    body = line.split(" comment ")[0]
    if body == "ct state established,related accept":
        return [("any", "established")]
    if body in ('iifname "lo" accept', 'oifname "lo" accept'):
        return [("any", "loopback")]
    if body == "icmp type destination-unreachable icmp code frag-needed accept":
        return [("ipv4", "fragmentation-needed")]
    dhcp = _NFT_DHCP.get(body)
    if dhcp:
        return [dhcp]
    match = re.fullmatch(r"icmpv6 type (\{ [^}]* \}|\S+) accept", body)
    assert match, "unknown baseline line: %s" % line
    return [("ipv6", _NFT_ICMPV6[name.strip()]) for name in match.group(1).strip("{} ").split(",")]


def nftables_enforcement(rendering):
    """Per direction: the chain policy and the baseline, read from the ``nft -f`` text itself.

    Also checks that every other line of a chain is one of the rule statements
    the ``rules`` list shows (what the row decoder reads), in order.
    """
    result = {}
    chains = re.findall(r"\tchain (\w+) \{\n(.*?)\n\t\}", rendering["ruleset"], re.S)
    for name, body in chains:
        lines = [line.strip() for line in body.splitlines()]
        hook = re.fullmatch(r"type filter hook (\w+) priority filter; policy (accept|drop);", lines[0])
        assert hook, lines[0]
        direction = _NFT_HOOKS[hook.group(1)]
        baseline, statements = set(), []
        for line in lines[1:]:
            if ' comment "netreq:baseline:' in line:
                baseline.update(_nft_baseline_line(line))
            else:
                statements.append(line)
        shown = [statement for rule in rendering["rules"] if rule["chain"] == name for statement in rule["statements"]]
        assert statements == shown, (name, statements, shown)
        result[direction] = {"policy": hook.group(2), "baseline": sorted(baseline)}
    return result


# --- firewalld --------------------------------------------------------------------------
_RICH = re.compile(r'(\w+(?:-\w+)?)="([^"]*)"')
_RICH_ICMP_TYPE = re.compile(r'rule family="(ipv4|ipv6)" icmp-type name="([a-z-]+)" accept')


def firewalld(rendering):
    decoded = Decoded()
    ipsets = {ipset["name"]: ipset["hosts"] for ipset in rendering["ipsets"]}
    for policy in rendering["policies"]:
        direction = "ingress" if policy["egress_zones"] == ["HOST"] else "egress"
        side = "source" if direction == "ingress" else "destination"
        for item in policy["rich_rules"]:
            text = item["rule"]
            assert text.startswith("rule ") and text.endswith(" accept"), text
            if _RICH_ICMP_TYPE.fullmatch(text) or _firewalld_dhcp(direction, text):
                continue  # an ICMP type or the DHCP client: read by firewalld_enforcement
            addresses = ["any"]
            address = re.search(r'%s address="([^"]+)"' % side, text)
            ipset = re.search(r'%s ipset="([^"]+)"' % side, text)
            if address:
                addresses = [address.group(1)]
            elif ipset:
                addresses = ipsets[ipset.group(1)]
            port = re.search(r'port port="([^"]+)" protocol="([^"]+)"', text)
            protocol_only = re.search(r'protocol value="([^"]+)"', text)
            if port:
                protocol, ports = port.group(2), [port.group(1)]
            elif protocol_only:
                protocol, ports = {"ipv6-icmp": "icmp"}.get(protocol_only.group(1), protocol_only.group(1)), []
            else:
                protocol, ports = "any", []
            decoded.add(direction, protocol, ports, addresses)
    _proxy(decoded, rendering)
    return decoded.as_dict()


def _firewalld_dhcp(direction, text):
    """(family, "dhcp-client") for a rich rule that admits the host's DHCP client in ``direction``, else None.

    One port element per rich rule: the server's port outbound, the client's
    inbound (DHCPv6 answers only from link-local addresses).
    """
    allowed = {
        "egress": {'rule family="ipv4" port port="67" protocol="udp" accept': "ipv4",
                   'rule family="ipv6" port port="547" protocol="udp" accept': "ipv6"},
        "ingress": {'rule family="ipv4" port port="68" protocol="udp" accept': "ipv4",
                    'rule family="ipv6" source address="fe80::/10" port port="546" protocol="udp" accept': "ipv6"},
    }[direction]
    return (allowed[text], "dhcp-client") if text in allowed else None


def firewalld_enforcement(rendering):
    """Per direction: DROP, or "host" (CONTINUE: the zones decide), and the ICMP types the policy accepts."""
    result = {}
    for policy in rendering["policies"]:
        direction = "ingress" if policy["egress_zones"] == ["HOST"] else "egress"
        baseline = set()
        for item in policy["rich_rules"]:
            match = _RICH_ICMP_TYPE.fullmatch(item["rule"])
            if match:
                baseline.add((match.group(1), match.group(2)))
            dhcp = _firewalld_dhcp(direction, item["rule"])
            if dhcp:
                baseline.add(dhcp)
        result[direction] = {"policy": {"DROP": "drop", "CONTINUE": "host"}[policy["target"]], "baseline": sorted(baseline)}
    return result


# --- ufw --------------------------------------------------------------------------------
# ufw rules of the host's own DHCP client (outbound; ufw's before.rules accept the answers).
_UFW_DHCP = {("any", "68", "0.0.0.0/0", "67"): "ipv4", ("any", "546", "::/0", "547"): "ipv6"}


def _ufw_dhcp(params):
    key = (params.get("from_ip"), params.get("from_port"), params.get("to_ip"), params.get("to_port"))
    if params["direction"] == "out" and params["proto"] == "udp" and key in _UFW_DHCP:
        return (_UFW_DHCP[key], "dhcp-client")
    return None


def ufw(rendering):
    decoded = Decoded()
    for rule in rendering["rules"]:
        params = rule["params"]
        if _ufw_dhcp(params):
            continue  # read by ufw_enforcement
        assert params["rule"] == "allow"
        direction = {"in": "ingress", "out": "egress"}[params["direction"]]
        remote = params["from_ip"] if direction == "ingress" else params["to_ip"]
        ports = [p.replace(":", "-") for p in _ports(params.get("to_port", ""))]
        decoded.add(direction, params["proto"], ports, [remote])
    for entry in rendering["resolve_sets"]:  # the refresher's per-address rules for resolved names
        spec = entry["ufw"]
        ports = [p.replace(":", "-") for group in spec["ports"] if group for p in _ports(group)]
        decoded.add({"in": "ingress", "out": "egress"}[spec["direction"]], spec["proto"] or "any", ports, entry["hosts"])
    _proxy(decoded, rendering)
    return decoded.as_dict()


def ufw_enforcement(rendering):
    """Per direction: ufw's default policy (deny, or null: the host's) and the DHCP client rules, ufw's only baseline."""
    defaults = rendering["default_policies"]
    result = {}
    for direction, key, word in (("ingress", "incoming", "in"), ("egress", "outgoing", "out")):
        baseline = {_ufw_dhcp(rule["params"]) for rule in rendering["rules"] if rule["params"]["direction"] == word}
        result[direction] = {"policy": {"deny": "drop", None: "host"}[defaults[key]],
                             "baseline": sorted(item for item in baseline if item)}
    return result


# --- windows ----------------------------------------------------------------------------
def windows(rendering):
    decoded = Decoded()
    keywords = {entry["id"]: entry["keyword"] for entry in rendering.get("dynamic_keywords", [])}
    for rule in rendering["rules"] + rendering.get("keyword_rules", []):
        direction = {"in": "ingress", "out": "egress"}[rule["direction"]]
        protocol = {"icmpv4": "icmp", "icmpv6": "icmp"}.get(rule["protocol"], rule["protocol"])
        port_text = rule.get("localport" if direction == "ingress" else "remoteport", "any")
        ports = [] if port_text == "any" else _ports(port_text)
        if "remote_dynamic_keyword_addresses" in rule:
            remotes = [keywords[k] for k in rule["remote_dynamic_keyword_addresses"]]
        else:
            remotes = _ports(rule["remoteip"])
        decoded.add(direction, protocol, ports, remotes)
    _proxy(decoded, rendering)
    return decoded.as_dict()


# --- aws --------------------------------------------------------------------------------
def aws(rendering):
    decoded = Decoded()
    for group in rendering["security_groups"]:
        for key, direction in (("rules", "ingress"), ("rules_egress", "egress")):
            for rule in group[key]:
                protocol = {"all": "any", "icmpv6": "icmp"}.get(rule["proto"], rule["proto"])
                ports = []
                if protocol in ("tcp", "udp") and (rule["from_port"], rule["to_port"]) != (0, 65535):
                    low, high = rule["from_port"], rule["to_port"]
                    ports = [str(low) if low == high else "%d-%d" % (low, high)]
                decoded.add(direction, protocol, ports, rule.get("cidr_ip", []) + rule.get("cidr_ipv6", []))
    _proxy(decoded, rendering)
    return decoded.as_dict()


# --- azure ------------------------------------------------------------------------------
def _listed(value):
    return value if isinstance(value, list) else [value]


def azure(rendering):
    decoded = Decoded()
    for rule in rendering["rules"]:
        assert rule["access"] == "Allow"
        direction = {"Inbound": "ingress", "Outbound": "egress"}[rule["direction"]]
        protocol = {"*": "any"}.get(rule["protocol"], rule["protocol"].lower())
        ports = [] if rule["destination_port_range"] == "*" else _listed(rule["destination_port_range"])
        prefix = rule["source_address_prefix" if direction == "ingress" else "destination_address_prefix"]
        remotes = ["any"] if prefix == "*" else _listed(prefix)
        decoded.add(direction, protocol, ports, remotes)
    _proxy(decoded, rendering)
    return decoded.as_dict()


# --- gcp --------------------------------------------------------------------------------
def gcp(rendering):
    decoded = Decoded()
    for rule in rendering["firewalls"]:
        direction = rule["direction"].lower()
        remotes = rule["source_ranges"] if direction == "ingress" else rule["destination_ranges"]
        for allowed in rule["allowed"]:
            protocol = {"all": "any", "58": "icmp"}.get(allowed["ip_protocol"], allowed["ip_protocol"])
            decoded.add(direction, protocol, allowed.get("ports", []), remotes)
    _proxy(decoded, rendering)
    return decoded.as_dict()


DECODERS = {"nftables": nftables, "firewalld": firewalld, "ufw": ufw, "windows": windows,
            "aws": aws, "azure": azure, "gcp": gcp}
# What a host backend does with traffic no rule allows, and what it keeps open anyway.
ENFORCEMENT_DECODERS = {"nftables": nftables_enforcement, "firewalld": firewalld_enforcement, "ufw": ufw_enforcement}
