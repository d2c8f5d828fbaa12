"""playbooks/plan.yml end to end: real ansible-playbook, real filters, files on disk only."""

import os
import subprocess
import sys

import pytest
import yaml

import seed_tables

from ansible_collections.netreq.firewall.plugins.module_utils._render import _registry as registry
from ansible_collections.netreq.firewall.plugins.module_utils._model.profile import builtin_profiles

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PLAYBOOK = os.path.join(REPO, "playbooks", "plan.yml")
BACKENDS = list(registry.BACKENDS)


def run_plan(tmp_path, *extra, output_dir=True):
    binary = os.path.join(os.path.dirname(sys.executable), "ansible-playbook")
    env = dict(os.environ, ANSIBLE_NOCOLOR="1", ANSIBLE_DEPRECATION_WARNINGS="0", PWD=str(tmp_path))
    where = ["-e", "plan_output_dir=%s" % tmp_path] if output_dir else []
    return subprocess.run([binary, PLAYBOOK, *where, *extra],
                          cwd=str(tmp_path), env=env, capture_output=True, text=True, timeout=300, check=False)


def test_default_plan_writes_every_backend(tmp_path):
    result = run_plan(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert sorted(os.listdir(tmp_path)) == sorted([b + ".yml" for b in BACKENDS] + ["plan.md", "rules.yml"])
    rules = yaml.safe_load((tmp_path / "rules.yml").read_text())
    rows = {(r["component"], r["direction"], r["protocol"], p, a) for r in rules for p in r["ports"] or ["all"] for a in r["remote"]}
    assert rows == seed_tables.pdr("us", ["198.51.100.0/24"], ssh=False)
    nft = yaml.safe_load((tmp_path / "nftables.yml").read_text())
    assert nft["ruleset"].startswith("table inet netreq\ndelete table inet netreq\n")
    plan = (tmp_path / "plan.md").read_text()
    assert "FQDN strategy: `reject`" in plan and "appliance_out_ntp_us" in plan
    assert "appliance_out_ntp_us" in result.stdout


@pytest.mark.parametrize("profile", [name for name in builtin_profiles() if name != "rackspace_pdr"])
def test_every_builtin_profile_plans_with_its_defaults(tmp_path, profile):
    """Defaults only: backends that cannot express a rule are skipped and say why; nothing stops the plan."""
    result = run_plan(tmp_path, "-e", "plan_profile=%s" % profile)
    assert result.returncode == 0, result.stdout + result.stderr
    assert len(result.stdout.splitlines()) < 150, result.stdout
    assert sorted(os.listdir(tmp_path)) == sorted([b + ".yml" for b in BACKENDS] + ["plan.md", "rules.yml"])
    rules = yaml.safe_load((tmp_path / "rules.yml").read_text())
    plan = (tmp_path / "plan.md").read_text()
    for backend in BACKENDS:
        rendering = yaml.safe_load((tmp_path / ("%s.yml" % backend)).read_text())
        assert rendering["backend"] == backend and rendering["fqdn_strategy"] == "reject"
        if rendering.get("skipped"):
            assert rendering["unsupported"] and all(entry["fix"] for entry in rendering["unsupported"])
            assert "`%s.yml`: **skipped**" % backend in plan
            assert "%s) => {" % backend in result.stdout and "skipped: " in result.stdout
    if profile == "pdq_connect":  # host names everywhere: every backend is skipped, naming the rule and the fix
        aws = yaml.safe_load((tmp_path / "aws.yml").read_text())
        assert aws["skipped"] and "agent_wss" in [entry["rule"] for entry in aws["unsupported"]]
        assert "rule `agent_wss`: hostnames" in plan and "fqdn_strategy=proxy" in plan
        assert {rule["component"] for rule in rules} == {"agent", "web_browser"}
    else:
        assert not any(yaml.safe_load((tmp_path / ("%s.yml" % b)).read_text()).get("skipped") for b in BACKENDS)


def test_unknown_plan_variables_are_refused(tmp_path):
    result = run_plan(tmp_path, "-e", "plan_profile=pdq_connect", "-e", "plan_fqdn_stratgy=proxy")
    assert result.returncode != 0
    assert "unknown variable(s) plan_fqdn_stratgy" in result.stdout and "plan_fqdn_strategy" in result.stdout
    assert os.listdir(tmp_path) == []


def test_each_component_gets_its_own_folder(tmp_path):
    for component in ("connector", "license_server"):
        params = ('{"plan_params": {"workstation_cidrs": ["198.51.100.0/25"], "pcoip_client_cidrs": ["any"], '
                  '"domain_controllers": ["198.51.100.10"], "dns_servers": ["198.51.100.53"]}}')
        result = run_plan(tmp_path, "-e", "plan_profile=teradici_cas", "-e", "plan_component=%s" % component,
                          "-e", params, output_dir=False)
        assert result.returncode == 0, result.stdout + result.stderr
    base = tmp_path / "netreq-plan" / "teradici_cas"
    assert sorted(os.listdir(base)) == ["connector", "license_server"]
    for component in ("connector", "license_server"):
        rules = yaml.safe_load((base / component / "rules.yml").read_text())
        assert rules and {rule["component"] for rule in rules} == {component}


@pytest.mark.parametrize("strategy", ["proxy", "any_address"])
def test_pdq_agent_with_a_strategy(tmp_path, strategy):
    result = run_plan(tmp_path, "-e", "plan_profile=pdq_connect", "-e", "plan_component=agent", "-e", "plan_fqdn_strategy=%s" % strategy)
    assert result.returncode == 0, result.stdout + result.stderr
    aws = yaml.safe_load((tmp_path / "aws.yml").read_text())
    assert aws["fqdn_strategy"] == strategy
    listed = aws["proxy_allowlist"] if strategy == "proxy" else aws["widenings"]
    assert {"*.islonline.net", "app.pdq.com"} <= {h for entry in listed for h in entry["hosts"]}


@pytest.mark.parametrize("strategy, able", [("resolve", {"nftables", "firewalld", "ufw"}), ("windows_dynamic_keyword", {"windows"})])
def test_a_strategy_some_backends_lack_skips_them_with_the_reason(tmp_path, strategy, able):
    """The plan promises that a backend which cannot express the rules is skipped, not that the plan stops."""
    result = run_plan(tmp_path, "-e", "plan_profile=pdq_connect", "-e", "plan_fqdn_strategy=%s" % strategy,
                      "-e", "plan_wildcard_fallback=proxy")
    assert result.returncode == 0, result.stdout + result.stderr
    for backend in BACKENDS:
        rendering = yaml.safe_load((tmp_path / ("%s.yml" % backend)).read_text())
        if backend in able:
            assert not rendering.get("skipped"), backend
        else:
            assert rendering["skipped"] and "fqdn_strategy=%s is not available for backend %s" % (strategy, backend) \
                in rendering["unsupported"][0]["reason"]
