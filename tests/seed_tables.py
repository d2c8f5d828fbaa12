"""The vendor tables, transcribed by hand from the seed documents.

One tuple per (component, direction, protocol, port, remote) after expanding
"TCP/UDP" and rows that differ only in the address. Line numbers refer to the
vendor documents. This file is deliberately independent of catalog/ and of
the code under test: it is what a reviewer holding the documents would write.
"""

US_RANGES = ("208.71.209.32/27", "204.110.218.96/27", "204.110.219.96/27")
EU_RANGE = "185.54.124.0/24"


def pdr(datacenter, agents, ssh):
    """Rackspace PDR IDS appliance (001_0a89398fea8b5feb.txt)."""
    rows = set()
    for agent in agents:
        rows |= {
            ("appliance", "ingress", "tcp", "443", agent),     # L19
            ("appliance", "ingress", "tcp", "7777", agent),    # L20
            ("appliance", "egress", "any", "all", agent),      # L32 / L51
        }
    for dns in ("8.8.4.4", "8.8.8.8"):                         # L33-34 / L54-55
        rows |= {("appliance", "egress", "tcp", "53", dns), ("appliance", "egress", "udp", "53", dns)}
    rows.add(("appliance", "egress", "tcp", "80", "0.0.0.0/0"))    # L35 (malformed row) / L56
    if datacenter == "us":
        rows |= {("appliance", "egress", "tcp", "443", net) for net in US_RANGES}       # L36-38
        rows |= {("appliance", "egress", "tcp", "4138", net) for net in US_RANGES}      # L39-41
        rows |= {("appliance", "egress", "udp", "123", "204.110.219.96/27"),            # L42
                 ("appliance", "egress", "udp", "123", "208.71.209.32/27")}             # L43
        if ssh:
            rows |= {("appliance", "ingress", "tcp", "22", net) for net in US_RANGES}   # L21-23
    else:
        rows |= {("appliance", "egress", "tcp", "443", EU_RANGE),                       # L52
                 ("appliance", "egress", "tcp", "4138", EU_RANGE),                      # L53
                 ("appliance", "egress", "udp", "123", EU_RANGE)}                       # L57
        if ssh:
            rows.add(("appliance", "ingress", "tcp", "22", EU_RANGE))                   # L24
    return rows


CF = "e9d69694c3d8f7465fd531512c22bd0f.r2.cloudflarestorage.com"
PDQ_AGENT_HOSTS = ("connect." + CF, "connect-package-library." + CF, "cfcdn.pdq.com", "app.pdq.com",
                   "websocket.app.pdq.com")                                              # L18-22
PDQ_FALLBACK_IPS = ("34.128.163.126", "2600:1901:0:181b::", "34.54.45.198", "2600:1901:0:7cca::")   # L29-32


def pdq_web_browser():
    """PDQ Connect web app (000_2e274ec499bf022d.txt L7-9)."""
    return {("web_browser", "egress", "tcp", "443", "app.pdq.com")}


def pdq_agent(fallback_ips, prebuilt):
    """PDQ Connect agent (000_2e274ec499bf022d.txt)."""
    rows = {("agent", "egress", "tcp", "443", host) for host in PDQ_AGENT_HOSTS}        # L13-22, L37, L39
    rows.add(("agent", "egress", "tcp", "7615", "*.islonline.net"))                     # L35
    if fallback_ips:
        rows |= {("agent", "egress", "tcp", "443", ip) for ip in PDQ_FALLBACK_IPS}     # L27-32
    if prebuilt:
        rows |= {("agent", "egress", "tcp", "443", "any"), ("agent", "egress", "tcp", "80", "any")}   # L37
    return rows


def cas_connector(clients, admins, workstations, domain_controllers, dns_servers, radius_servers,
                  radius_port=1812):
    """Teradici CAS Manager Connector (002_55ba48aa07127208.txt)."""
    rows = {("connector", "egress", "tcp", "443", "any")}                               # L11 (and L22)
    for peer in list(clients) + list(admins):
        rows.add(("connector", "ingress", "tcp", "443", peer))                          # L10
    for client in clients:
        rows |= {("connector", "ingress", "tcp", "4172", client), ("connector", "ingress", "udp", "4172", client)}  # L13
    for station in workstations:
        rows |= {("connector", "egress", "tcp", "60443", station),                      # L12
                 ("connector", "egress", "tcp", "4172", station),                       # L14
                 ("connector", "egress", "udp", "4172", station)}
    rows |= {("connector", "egress", "tcp", "636", dc) for dc in domain_controllers}     # L15
    rows |= {("connector", "egress", "udp", str(radius_port), r) for r in radius_servers}   # L16, L23
    rows |= {("connector", "egress", "udp", "53", dns) for dns in dns_servers}           # L17
    return rows


def cas_license_server(workstations, port=7070):
    """PCoIP License Server (002_55ba48aa07127208.txt L18, L24)."""
    return {("license_server", "ingress", "tcp", str(port), station) for station in workstations}


def dual_stack():
    """The test profile tests/profiles/dual_stack.yml (documentation prefixes only)."""
    server_v4, server_v6 = "198.51.100.100", "2001:db8:198:51::100"
    rows = {("server", "egress", "tcp", "443", server_v6)}                                 # v6_out_https
    rows |= {("server", "egress", proto, port, address)                                    # dual_out_service
             for proto in ("tcp", "udp") for port in ("5353", "8443") for address in (server_v4, server_v6)}
    rows.add(("server", "egress", "tcp", "80", "any"))                                     # dual_out_web
    rows |= {("server", "ingress", "tcp", "22", "203.0.113.0/24"),                          # dual_in_admin
             ("server", "ingress", "tcp", "22", "2001:db8:203:113::/64")}
    rows.add(("server", "ingress", "tcp", "8443-8444", "2001:db8:198:51::/64"))            # v6_in_service
    return rows
