"""Send real packets and tell whether they got through (run with python3, no extra modules).

Single probe (exit code = the answer):
    probe.py tcp|udp HOST PORT [TIMEOUT]
    exit 0: reachable (TCP: connect() succeeded; UDP: the echo of the datagram came back)
    exit 1: not reachable (timeout, refused/rejected, unreachable)
    exit 2: usage error

Several probes at once, in parallel (for Ansible):
    probe.py --json [--timeout T] PROTO:HOST:PORT...     (IPv6: udp:[2001:db8::1]:123)
    prints a JSON list of {"probe", "proto", "host", "port", "open", "status", "detail"},
    exit 0 whenever every probe could be run.

It probes from the network namespace it runs in, so run it inside a test host's:
    ip netns exec nrq-HOST python3 probe.py tcp 198.51.100.100 443
Only the Python standard library is used. The UDP probe expects an echo server (the
harness's nrq-srv listeners echo every datagram); the TCP probe needs a listener.
"""

import json
import socket
import sys
import threading

DEFAULT_TIMEOUT = 1.0
PAYLOAD = b"netreq-probe"


def probe(proto, host, port, timeout):
    """Return (open, status, detail) for one probe."""
    try:
        infos = socket.getaddrinfo(host, port, 0, socket.SOCK_STREAM if proto == "tcp" else socket.SOCK_DGRAM)
    except socket.gaierror as exc:
        return False, "error", "cannot resolve %s: %s" % (host, exc)
    family, socktype, protocol, dummy_name, address = infos[0]
    sock = socket.socket(family, socktype, protocol)
    sock.settimeout(timeout)
    try:
        if proto == "tcp":
            sock.connect(address)
            return True, "open", "connected"
        # A connected UDP socket reports ICMP port/admin unreachable as ECONNREFUSED.
        sock.connect(address)
        sock.send(PAYLOAD)
        data = sock.recv(256)
        if data == PAYLOAD:
            return True, "open", "echo received"
        return False, "error", "unexpected reply %r" % data[:32]
    except socket.timeout:
        return False, "timeout", "no answer within %.1f s" % timeout
    except ConnectionRefusedError:
        return False, "refused", "connection refused / port unreachable (rejected or no listener)"
    except OSError as exc:
        return False, "unreachable", "%s: %s" % (type(exc).__name__, exc)
    finally:
        sock.close()


def parse_spec(spec):
    """PROTO:HOST:PORT, HOST may be [IPv6]."""
    proto, dummy_sep, rest = spec.partition(":")
    if rest.startswith("["):
        host, dummy_sep, port = rest[1:].partition("]:")
    else:
        host, dummy_sep, port = rest.rpartition(":")
    if proto not in ("tcp", "udp") or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError("bad probe %r (want tcp|udp:HOST:PORT)" % spec)
    return proto, host, int(port)


def usage(message):
    sys.stderr.write("probe.py: %s\n%s" % (message, __doc__))
    return 2


def main(argv):
    if argv and argv[0] == "--json":
        argv = argv[1:]
        timeout = DEFAULT_TIMEOUT
        if len(argv) >= 2 and argv[0] == "--timeout":
            try:
                timeout = float(argv[1])
            except ValueError:
                return usage("bad timeout %r" % argv[1])
            argv = argv[2:]
        try:
            specs = [(spec,) + parse_spec(spec) for spec in argv]
        except ValueError as exc:
            return usage(str(exc))
        results = [None] * len(specs)

        def run(index, spec, proto, host, port):
            is_open, status, detail = probe(proto, host, port, timeout)
            results[index] = {"probe": spec, "proto": proto, "host": host, "port": port,
                              "open": is_open, "status": status, "detail": detail}

        threads = [threading.Thread(target=run, args=(i,) + spec) for i, spec in enumerate(specs)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        json.dump(results, sys.stdout, indent=1)
        sys.stdout.write("\n")
        return 0

    if len(argv) not in (3, 4) or argv[0] not in ("tcp", "udp") or not argv[2].isdigit():
        return usage("want tcp|udp HOST PORT [TIMEOUT]")
    try:
        timeout = float(argv[3]) if len(argv) == 4 else DEFAULT_TIMEOUT
    except ValueError:
        return usage("bad timeout %r" % argv[3])
    is_open, status, detail = probe(argv[0], argv[1], int(argv[2]), timeout)
    print("%s/%s:%s %s (%s)" % (argv[0], argv[1], argv[2], "OPEN" if is_open else "BLOCKED", detail))
    return 0 if is_open else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
