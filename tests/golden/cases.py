"""The (profile selection x backend) cases whose renderings are kept as golden files.

Shared by tests/golden/test_golden.py and tests/tools/capture_golden.py so the
files and the test can never disagree about what a case means. Addresses of
customer networks are TEST-NET ranges; vendor addresses come from the catalog.
"""

import datetime
import os

NOW = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)
EXPIRY = "2026-01-31"
TESTS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# The host firewalls take the enforcement options; the cloud and Windows renderers have none.
HOST_BACKENDS = ("nftables", "firewalld", "ufw")

CASES = {
    "rackspace_pdr_us": {
        "profile": "rackspace_pdr", "component": "appliance",
        "params": {"datacenter": "us", "agent_cidrs": ["198.51.100.0/24"]},
        "enable": [{"name": "troubleshooting_ssh", "expires": EXPIRY}],
    },
    "rackspace_pdr_eu": {
        "profile": "rackspace_pdr", "component": "appliance",
        "params": {"datacenter": "eu", "agent_cidrs": ["198.51.100.0/24", "2001:db8:10::/48"]},
        "enable": [{"name": "troubleshooting_ssh", "expires": EXPIRY}],
    },
    "pdq_connect_agent": {
        "profile": "pdq_connect", "component": "agent",
        "params": {"websocket_fallback_ips": True},
    },
    "pdq_connect_web_browser": {
        "profile": "pdq_connect", "component": "web_browser", "params": {},
    },
    "teradici_cas_connector": {
        "profile": "teradici_cas", "component": "connector",
        "params": {"pcoip_client_cidrs": ["any"], "admin_cidrs": ["203.0.113.0/25", "203.0.113.128/25"],
                   "workstation_cidrs": ["198.51.100.0/25"], "domain_controllers": ["198.51.100.10", "198.51.100.11"],
                   "dns_servers": ["198.51.100.53"], "radius_servers": ["198.51.100.60"]},
    },
    # IPv6-only and mixed-family remotes in both directions, under ingress and egress
    # allowlists on the host backends (so the goldens hold their allowlist baseline).
    "dual_stack": {
        "profile": os.path.join(TESTS, "profiles", "dual_stack.yml"), "component": "server", "params": {},
        "host_options": {"ingress_policy": "allowlist", "egress_policy": "allowlist"},
    },
    "teradici_cas_license_server": {
        "profile": "teradici_cas", "component": "license_server",
        "params": {"workstation_cidrs": ["198.51.100.0/25"], "license_server_port": 7070},
    },
}

# Host names need a strategy; each backend gets the one a user of it would pick.
FQDN_OPTIONS = {
    "nftables": {"fqdn_strategy": "resolve", "wildcard_fallback": "proxy"},
    "firewalld": {"fqdn_strategy": "resolve", "wildcard_fallback": "proxy"},
    "ufw": {"fqdn_strategy": "resolve", "wildcard_fallback": "proxy"},
    "windows": {"fqdn_strategy": "windows_dynamic_keyword", "wildcard_fallback": "any_address"},
    "aws": {"fqdn_strategy": "proxy"},
    "azure": {"fqdn_strategy": "proxy"},
    "gcp": {"fqdn_strategy": "any_address"},
}


def compile_case(name):
    from ansible_collections.netreq.firewall.plugins.module_utils._model.rules import compile_rules
    case = dict(CASES[name])
    case.pop("host_options", None)
    return compile_rules(case.pop("profile"), now=NOW, **case)


def options(name, backend):
    """The renderer options of a case: its backend's FQDN strategy, plus the case's enforcement on host backends."""
    merged = dict(FQDN_OPTIONS[backend])
    if backend in HOST_BACKENDS:
        merged.update(CASES[name].get("host_options", {}))
    return merged


def render_case(name, backend):
    from ansible_collections.netreq.firewall.plugins.module_utils._render._registry import render
    return render(backend, compile_case(name), **options(name, backend))
