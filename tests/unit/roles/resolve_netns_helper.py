"""Run inside a fresh network namespace (unshare --net): the lab DNS responder on loopback,
the refresher's resolver against it; prints one JSON line of what the resolver saw."""

import importlib.util
import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))


def load(path, name):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main(workdir):
    subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
    zone = os.path.join(workdir, "zone.json")
    with open(zone, "w") as stream:
        json.dump({"mode": "answer", "ttl": 77, "records": {
            "app.pdq.com": ["198.51.100.100", "2001:db8:198:51::100"], "v4only.pdq.com": ["203.0.113.7"]}}, stream)
    responder = subprocess.Popen([sys.executable, os.path.join(ROOT, "tests/testhost/dns_responder.py"), zone])
    try:
        time.sleep(1.0)
        refresher = load(os.path.join(ROOT, "roles/host_firewall/files/resolve_refresh.py"), "resolve_refresh")
        refresher.DNS_TIMEOUT = 0.5
        servers = ["127.0.0.1"]
        seen = {"app": refresher.resolve("app.pdq.com", servers), "v4only": refresher.resolve("v4only.pdq.com", servers)}
        for label, name in (("nxdomain", "missing.pdq.com"),):
            try:
                refresher.resolve(name, servers)
                seen[label] = "resolved"
            except refresher.ResolveError as exc:
                seen[label] = str(exc)
        with open(zone, "w") as stream:
            json.dump({"mode": "servfail", "records": {}}, stream)
        state = {"entries": [{"hosts": ["app.pdq.com"]}]}
        previous = {"hosts": {"app.pdq.com": {"ipv4": ["198.51.100.100"], "ipv6": [], "ttl": 77, "resolved": "then"}}}
        hosts, errors = refresher.refresh(state, previous, servers)
        seen["failed"] = {"hosts": hosts, "errors": errors}
        print(json.dumps(seen, sort_keys=True))
    finally:
        responder.terminate()
        responder.wait()


if __name__ == "__main__":
    main(sys.argv[1])
