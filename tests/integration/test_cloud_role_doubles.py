"""The azure_nsg and gcp_firewall roles, run by ansible-playbook against test doubles of the upstream modules.

No emulator of the Azure or GCP APIs exists here. The doubles in tests/doubles
(placed ahead of the real collections on ANSIBLE_COLLECTIONS_PATH) validate
their parameters with the installed upstream modules' own argument specs,
keep the NSG / firewall rules in a JSON file and implement the upstream
comparison and purge semantics; these tests read that file. They prove the
roles' ordering, purging, stable priorities, deny-all egress, splitting,
check mode and idempotence, not the cloud APIs themselves.
"""

import json
import os
import subprocess
import sys

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
HERE = os.path.join(REPO, "tests", "integration", "cloud_doubles")
DOUBLES = os.path.join(REPO, "tests", "doubles")
COLLECTIONS = os.path.join(REPO, ".build", "collections")

PDR_US = [{"profile": "rackspace_pdr", "component": "appliance", "params": {"datacenter": "us", "agent_cidrs": ["198.51.100.0/24"]},
           "enable": [{"name": "troubleshooting_ssh", "expires": "2099-01-31"}]}]
PDR_US_NO_SSH = [dict(PDR_US[0], enable=[])]
CAS = [{"profile": "teradici_cas", "component": "connector",
        "params": {"pcoip_client_cidrs": ["any"], "admin_cidrs": ["203.0.113.0/25"], "workstation_cidrs": ["198.51.100.0/25"],
                   "domain_controllers": ["198.51.100.10"], "dns_servers": ["198.51.100.53"]}}]
PDQ = [{"profile": "pdq_connect", "component": "agent"}]


def run(tmp_path, provider, variables, *flags):
    """ansible-playbook with the doubles first; returns (returncode, json callback output or None, raw text)."""
    binary = os.path.join(os.path.dirname(sys.executable), "ansible-playbook")
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=os.pathsep.join([DOUBLES, COLLECTIONS]),
               NETREQ_CLOUD_DOUBLE_STATE=str(tmp_path / "state.json"), ANSIBLE_STDOUT_CALLBACK="ansible.posix.json",
               ANSIBLE_NOCOLOR="1", ANSIBLE_DEPRECATION_WARNINGS="0", ANSIBLE_LOCALHOST_WARNING="0", ANSIBLE_INVENTORY_UNPARSED_WARNING="0",
               GCP_AUTH_KIND="application")
    extra = tmp_path / "vars.json"
    extra.write_text(json.dumps(variables))
    result = subprocess.run([binary, os.path.join(HERE, provider + ".yml"), "-e", "@%s" % extra, *flags], env=env,
                            capture_output=True, text=True, timeout=600, check=False)
    try:
        output = json.loads(result.stdout)
    except ValueError:
        output = None
    return result.returncode, output, result.stdout + result.stderr


def changed(output):
    return output["stats"]["localhost"]["changed"]


def state(tmp_path):
    return json.loads((tmp_path / "state.json").read_text())


def seed(tmp_path, data):
    (tmp_path / "state.json").write_text(json.dumps(data))


def calls(tmp_path, module):
    return [call for call in state(tmp_path).get("calls", []) if call["module"] == module]


# ---------------------------------------------------------------- Azure

def azure_vars(profiles, **more):
    variables = {"azure_nsg_profiles": profiles, "azure_nsg_name": "nsg-pdr", "azure_nsg_resource_group": "rg-test",
                 "azure_nsg_egress_policy": "allowlist", "azure_nsg_tags": {"team": "ids"}}
    variables.update(more)
    return variables


def nsg_rules(tmp_path, name="rg-test/nsg-pdr"):
    return {rule["name"]: rule for rule in state(tmp_path)["nsgs"][name]["rules"]}


def test_azure_apply_idempotence_check_mode_removal_and_stable_priorities(tmp_path):
    seed(tmp_path, {"resource_groups": {"rg-test": "westeurope"}})
    rc, output, text = run(tmp_path, "azure", azure_vars(PDR_US))
    assert rc == 0, text
    first = nsg_rules(tmp_path)
    nsg = state(tmp_path)["nsgs"]["rg-test/nsg-pdr"]
    assert nsg["tags"] == {"team": "ids", "netreq:owner": "netreq.firewall", "netreq:set": "nsg-pdr"}
    assert nsg["location"] == "westeurope"
    deny = first.pop("netreq-baseline-deny-all-outbound")
    assert (deny["access"], deny["priority"], deny["direction"], deny["destination_address_prefix"]) == ("Deny", 4096, "Outbound", "*")
    assert all(rule["access"] == "Allow" and 1000 <= rule["priority"] <= 3999 for rule in first.values())
    ssh = [name for name in first if "troubleshooting_ssh" in name]
    assert ssh == ["netreq-rackspace_pdr-troubleshooting_ssh_us"]
    assert first[ssh[0]]["source_address_prefixes"] == ["204.110.218.96/27", "204.110.219.96/27", "208.71.209.32/27"]

    rc, output, text = run(tmp_path, "azure", azure_vars(PDR_US))
    assert rc == 0 and changed(output) == 0, text

    before = state(tmp_path)["nsgs"]
    rc, output, text = run(tmp_path, "azure", azure_vars(PDR_US_NO_SSH), "--check", "--diff")
    assert rc == 0 and changed(output) > 0, text
    assert state(tmp_path)["nsgs"] == before
    assert "troubleshooting_ssh_us" in text and '"removed"' in text

    rc, output, text = run(tmp_path, "azure", azure_vars(PDR_US_NO_SSH))
    assert rc == 0, text
    after = nsg_rules(tmp_path)
    assert set(before["rg-test/nsg-pdr"]["rules"][i]["name"] for i in range(len(first) + 1)) - set(after) == set(ssh)
    assert {name: rule["priority"] for name, rule in after.items()} == \
        {name: rule["priority"] for name, rule in dict(first, **{"netreq-baseline-deny-all-outbound": deny}).items() if name not in ssh}

    rc, output, text = run(tmp_path, "azure", azure_vars(PDR_US))
    assert rc == 0, text
    again = nsg_rules(tmp_path)
    assert {name: rule["priority"] for name, rule in again.items() if name not in ssh} == \
        {name: rule["priority"] for name, rule in after.items()}
    assert len({(rule["direction"], rule["priority"]) for rule in again.values()}) == len(again)


def test_azure_refuses_an_nsg_it_does_not_own(tmp_path):
    foreign = {"name": "nsg-pdr", "location": "westeurope", "tags": {"team": "other"},
               "rules": [{"name": "keep-me", "priority": 100, "direction": "Inbound", "access": "Allow", "protocol": "Tcp"}]}
    seed(tmp_path, {"resource_groups": {"rg-test": "westeurope"}, "nsgs": {"rg-test/nsg-pdr": foreign}})
    rc, _output, text = run(tmp_path, "azure", azure_vars(PDR_US))
    assert rc != 0 and "is not the collection's" in text
    assert state(tmp_path)["nsgs"]["rg-test/nsg-pdr"] == foreign
    assert calls(tmp_path, "azure_rm_securitygroup") == []


def test_azure_host_names_fail_before_any_api_call(tmp_path):
    seed(tmp_path, {"resource_groups": {"rg-test": "westeurope"}})
    rc, _output, text = run(tmp_path, "azure", azure_vars(PDQ))
    assert rc != 0 and "fqdn_strategy=any_address" in text and "rule agent_wss" in text
    assert state(tmp_path).get("calls", []) == []


# ---------------------------------------------------------------- GCP

def gcp_vars(profiles, **more):
    variables = {"gcp_firewall_profiles": profiles, "gcp_firewall_project": "proj-test", "gcp_firewall_network": "vpc-1",
                 "gcp_firewall_target_tags": ["pdr"], "gcp_firewall_egress_policy": "allowlist", "gcp_firewall_name_prefix": "netreq-pdr"}
    variables.update(more)
    return variables


def firewalls(tmp_path):
    return state(tmp_path)["firewalls"]["proj-test"]


FOREIGN_RULE = {"name": "hand-made", "description": "someone else's rule", "direction": "INGRESS", "priority": 900,
                "allowed": [{"IPProtocol": "tcp", "ports": ["22"]}], "sourceRanges": ["203.0.113.9/32"], "network": "global/networks/vpc-1"}
OTHER_SELECTION = {"name": "netreq-cas-x", "description": "netreq:teradici_cas:x", "direction": "INGRESS", "priority": 1000,
                   "allowed": [{"IPProtocol": "tcp"}], "sourceRanges": ["203.0.113.0/24"], "network": "global/networks/vpc-1"}


def test_gcp_apply_deny_below_allow_idempotence_check_mode_and_purge(tmp_path):
    seed(tmp_path, {"firewalls": {"proj-test": {"hand-made": FOREIGN_RULE, "netreq-cas-x": OTHER_SELECTION}}})
    rc, output, text = run(tmp_path, "gcp", gcp_vars(PDR_US))
    assert rc == 0, text
    rules = firewalls(tmp_path)
    ours = {name: rule for name, rule in rules.items() if name.startswith("netreq-pdr-")}
    deny = [rule for rule in ours.values() if rule.get("denied")]
    allow = [rule for rule in ours.values() if rule.get("allowed")]
    assert sorted(rule["name"] for rule in deny) == ["netreq-pdr-baseline-deny-all-egress", "netreq-pdr-baseline-deny-all-egress-ipv6"]
    assert sorted(rule["destinationRanges"][0] for rule in deny) == ["0.0.0.0/0", "::/0"]
    assert min(rule["priority"] for rule in deny) > max(rule["priority"] for rule in allow)
    assert all(rule["targetTags"] == ["pdr"] and rule["network"] == "projects/proj-test/global/networks/vpc-1" for rule in ours.values())
    order = [call["name"] for call in calls(tmp_path, "gcp_compute_firewall")]
    assert order[-2:] == ["netreq-pdr-baseline-deny-all-egress", "netreq-pdr-baseline-deny-all-egress-ipv6"]

    rc, output, text = run(tmp_path, "gcp", gcp_vars(PDR_US))
    assert rc == 0 and changed(output) == 0, text

    before = firewalls(tmp_path)
    rc, output, text = run(tmp_path, "gcp", gcp_vars(PDR_US_NO_SSH), "--check", "--diff")
    assert rc == 0 and changed(output) > 0 and "netreq-pdr-rackspace-pdr-troubleshooting-ssh-us" in text, text
    assert firewalls(tmp_path) == before

    rc, output, text = run(tmp_path, "gcp", gcp_vars(PDR_US_NO_SSH))
    assert rc == 0, text
    assert set(before) - set(firewalls(tmp_path)) == {"netreq-pdr-rackspace-pdr-troubleshooting-ssh-us"}
    assert firewalls(tmp_path)["hand-made"] == FOREIGN_RULE and firewalls(tmp_path)["netreq-cas-x"] == OTHER_SELECTION


def test_gcp_more_than_256_ranges_are_split(tmp_path):
    seed(tmp_path, {})
    cidrs = ["10.%d.%d.0/24" % (index // 256, index % 256) for index in range(0, 600, 2)]
    profiles = [dict(CAS[0], params=dict(CAS[0]["params"], workstation_cidrs=cidrs))]
    rc, _output, text = run(tmp_path, "gcp", gcp_vars(profiles, gcp_firewall_name_prefix="netreq-cas", gcp_firewall_egress_policy="permissive"))
    assert rc == 0, text
    rules = firewalls(tmp_path)
    parts = sorted(name for name in rules if "connector-out-workstations" in name or "workstation" in name)
    assert parts and any(name.endswith("-2") for name in parts), sorted(rules)
    assert all(len(rule.get("destinationRanges") or rule.get("sourceRanges") or []) <= 256 for rule in rules.values())


def test_gcp_host_names_fail_before_any_api_call(tmp_path):
    seed(tmp_path, {})
    rc, _output, text = run(tmp_path, "gcp", gcp_vars(PDQ))
    assert rc != 0 and "fqdn_strategy=any_address" in text
    assert state(tmp_path).get("calls", []) == []


@pytest.mark.parametrize("provider", ["azure", "gcp"])
def test_the_doubles_refuse_what_the_upstream_spec_refuses(tmp_path, provider):
    """The doubles can fail: a parameter the upstream module does not have is refused."""
    binary = os.path.join(os.path.dirname(sys.executable), "ansible")
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=os.pathsep.join([DOUBLES, COLLECTIONS]),
               NETREQ_CLOUD_DOUBLE_STATE=str(tmp_path / "state.json"), ANSIBLE_LOCALHOST_WARNING="0")
    module, args = {"azure": ("azure.azcollection.azure_rm_securitygroup", "name=x resource_group=rg rulez=[]"),
                    "gcp": ("google.cloud.gcp_compute_firewall", "name=x project=p auth_kind=application rulez=1")}[provider]
    result = subprocess.run([binary, "localhost", "-c", "local", "-e", "ansible_python_interpreter=%s" % sys.executable,
                             "-m", module, "-a", args], env=env, capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode != 0 and "rulez" in result.stdout + result.stderr
