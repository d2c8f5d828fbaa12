"""playbooks/plan.yml end to end: real ansible-playbook, real filters, files on disk only."""

import os
import subprocess
import sys

import pytest
import yaml

import seed_tables

from ansible_collections.netreq.firewall.plugins.module_utils import _render as registry

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PLAYBOOK = os.path.join(REPO, "playbooks", "plan.yml")
BACKENDS = list(registry.BACKENDS)


def run_plan(tmp_path, *extra):
    binary = os.path.join(os.path.dirname(sys.executable), "ansible-playbook")
    env = dict(os.environ, ANSIBLE_NOCOLOR="1", ANSIBLE_DEPRECATION_WARNINGS="0")
    return subprocess.run([binary, PLAYBOOK, "-e", "plan_output_dir=%s" % tmp_path, *extra],
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


def test_host_names_without_a_strategy_fail_naming_the_rule(tmp_path):
    result = run_plan(tmp_path, "-e", "plan_profile=pdq_connect", "-e", "plan_component=agent")
    assert result.returncode != 0
    assert "cannot express rule agent_wss" in result.stdout + result.stderr
    assert not (tmp_path / "rules.yml").exists()


@pytest.mark.parametrize("strategy", ["proxy", "any_address"])
def test_pdq_agent_with_a_strategy(tmp_path, strategy):
    result = run_plan(tmp_path, "-e", "plan_profile=pdq_connect", "-e", "plan_component=agent", "-e", "plan_fqdn_strategy=%s" % strategy)
    assert result.returncode == 0, result.stdout + result.stderr
    aws = yaml.safe_load((tmp_path / "aws.yml").read_text())
    assert aws["fqdn_strategy"] == strategy
    listed = aws["proxy_allowlist"] if strategy == "proxy" else aws["widenings"]
    assert {"*.islonline.net", "app.pdq.com"} <= {h for entry in listed for h in entry["hosts"]}
