"""A tiny authoritative DNS responder for the lab (dnspython), run inside the server namespace.

    ip netns exec nrq-srv python dns_responder.py ZONE.json [PORT]

It answers A and AAAA queries from ZONE.json, read again whenever the file
changes, so a test changes the answers by rewriting the file:

    {"mode": "answer" | "servfail" | "drop", "ttl": 60,
     "records": {"app.pdq.com": ["198.51.100.100", "2001:db8:198:51::100"]}}

``servfail`` answers every query with SERVFAIL, ``drop`` does not answer
(a resolver times out): the two ways DNS fails. A name not in ``records``
gets NXDOMAIN. UDP and TCP, dual stack, on every address of the namespace.
Only lab addresses belong in the zone file (198.51.100.0/24, 203.0.113.0/24,
2001:db8::/32); the responder refuses to start with any other.
"""

import ipaddress
import json
import os
import socket
import socketserver
import struct
import sys
import threading

import dns.flags
import dns.message
import dns.rcode
import dns.rdatatype
import dns.rrset

LAB = [ipaddress.ip_network(net) for net in ("198.51.100.0/24", "203.0.113.0/24", "2001:db8::/32")]


class Zone(object):
    def __init__(self, path):
        self.path = path
        self.mtime = None
        self.data = {"mode": "answer", "ttl": 60, "records": {}}
        self.lock = threading.Lock()

    def current(self):
        with self.lock:
            mtime = os.stat(self.path).st_mtime_ns
            if mtime != self.mtime:
                with open(self.path) as stream:
                    data = json.load(stream)
                check(data)
                self.data, self.mtime = data, mtime
            return self.data


def check(data):
    for name, addresses in data.get("records", {}).items():
        for address in addresses:
            if not any(ipaddress.ip_address(address) in net for net in LAB):
                raise SystemExit("dns_responder: %s -> %s is not a lab address" % (name, address))


def answer(zone, wire):
    """The response bytes to a query, or None to stay silent."""
    data = zone.current()
    query = dns.message.from_wire(wire)
    if data.get("mode") == "drop":
        return None
    response = dns.message.make_response(query)
    response.flags |= dns.flags.AA
    if data.get("mode") == "servfail":
        response.set_rcode(dns.rcode.SERVFAIL)
        return response.to_wire()
    question = query.question[0]
    name = question.name.to_text(omit_final_dot=True).lower()
    records = {key.lower(): value for key, value in data.get("records", {}).items()}
    if name not in records:
        response.set_rcode(dns.rcode.NXDOMAIN)
        return response.to_wire()
    version = {dns.rdatatype.A: 4, dns.rdatatype.AAAA: 6}.get(question.rdtype)
    addresses = [a for a in records[name] if version and ipaddress.ip_address(a).version == version]
    if addresses:
        response.answer.append(dns.rrset.from_text_list(question.name, int(data.get("ttl", 60)), "IN",
                                                        dns.rdatatype.to_text(question.rdtype), addresses))
    return response.to_wire()


def serve(zone, port):
    class UDPHandler(socketserver.BaseRequestHandler):
        def handle(self):
            wire, sock = self.request
            reply = answer(zone, wire)
            if reply is not None:
                sock.sendto(reply, self.client_address)

    class TCPHandler(socketserver.BaseRequestHandler):
        def handle(self):
            head = self.request.recv(2)
            if len(head) < 2:
                return
            wire = self.request.recv(struct.unpack(">H", head)[0])
            reply = answer(zone, wire)
            if reply is not None:
                self.request.sendall(struct.pack(">H", len(reply)) + reply)

    class Dual(object):
        address_family = socket.AF_INET6
        allow_reuse_address = True

        def server_bind(self):
            self.socket.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
            super().server_bind()

    class UDPServer(Dual, socketserver.ThreadingUDPServer):
        pass

    class TCPServer(Dual, socketserver.ThreadingTCPServer):
        daemon_threads = True

    servers = [UDPServer(("::", port), UDPHandler), TCPServer(("::", port), TCPHandler)]
    threads = [threading.Thread(target=server.serve_forever, daemon=True) for server in servers]
    for thread in threads:
        thread.start()
    sys.stdout.write("dns_responder: listening on port %d\n" % port)
    sys.stdout.flush()
    for thread in threads:
        thread.join()


def main(argv):
    if len(argv) < 2:
        sys.stderr.write(__doc__)
        return 2
    zone = Zone(argv[1])
    zone.current()
    serve(zone, int(argv[2]) if len(argv) > 2 else 53)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
