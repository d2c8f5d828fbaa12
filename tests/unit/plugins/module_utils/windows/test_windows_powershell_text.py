"""The PowerShell side as text: thin, data-only, and in step with the Python plan.

PowerShell cannot run where these tests run (no pwsh package in the
registries reachable here), so the scripts are checked as text (and parsed:
test_windows_powershell_parse.py), and the
operations they receive are a golden file (fixtures/ops_lab_fresh_allowlist.json)
reviewed against Microsoft's documented cmdlet parameters.
Regenerate it with NETREQ_UPDATE_GOLDEN=1 and review the diff.
"""

import json
import os
import re

import pytest
import yaml

from ansible_collections.netreq.firewall.plugins.module_utils._apply.windows import changes as wp
from ansible_collections.netreq.firewall.plugins.module_utils._model.rules import compile_rules
from ansible_collections.netreq.firewall.plugins.module_utils._render import windows

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", "..", "..", "..", ".."))
APPLY = os.path.join(REPO, "plugins", "modules", "windows_ruleset_apply.ps1")
FACTS = os.path.join(REPO, "plugins", "modules", "windows_ruleset_facts.ps1")
STATE = os.path.join(REPO, "plugins", "module_utils", "WindowsFirewallState.psm1")
GOLDEN = os.path.join(HERE, "fixtures", "ops_lab_fresh_allowlist.json")


def read(path):
    with open(path, encoding="utf-8") as stream:
        return stream.read()


def code_lines(path):
    """The script without comments (a ``#`` comment line or a ``<# #>`` block)."""
    text = re.sub(r"<#.*?#>", "", read(path), flags=re.S)
    return [line for line in text.splitlines() if line.strip() and not line.strip().startswith("#")]


def apply_table():
    """op -> (cmdlet, parameters) as written in the apply module's $operationTable."""
    text = read(APPLY)
    body = text[text.index("$operationTable = @{") + len("$operationTable = @{"):text.index("Function Get-NetreqSplat")]
    table = {}
    for match in re.finditer(r"(\w+) = @\{(.*?)Store = \$(?:true|false)", body, flags=re.S):
        command = re.search(r"Command = '([\w-]+)'", match.group(2)).group(1)
        params = re.findall(r"'(\w+)'", match.group(2).split("Parameters = @(", 1)[1].split(")", 1)[0])
        table[match.group(1)] = (command, tuple(params))
    return table


def test_the_apply_table_is_the_plan_table():
    assert apply_table() == wp.OPERATIONS


@pytest.mark.parametrize("path", [APPLY, FACTS, STATE])
def test_no_text_is_ever_evaluated(path):
    code = "\n".join(code_lines(path))
    for forbidden in (r"Invoke-Expression", r"\biex\b", r"\[scriptblock\]", r"ScriptBlock\]::Create", r"Add-Type",
                      r"ExpandString", r"Start-Process", r"-EncodedCommand", r"\bpowershell(\.exe)?\b", r"Invoke-Command"):
        assert not re.search(forbidden, code, flags=re.I), "%s uses %s" % (os.path.basename(path), forbidden)


def test_the_only_dynamic_call_splats_a_table_command():
    code = code_lines(APPLY)
    calls = [line.strip() for line in code if re.search(r"(^|[^\w])&\s*\$", line)]
    assert calls == ["& $command @splat -ErrorAction Stop | Out-Null"]
    text = read(APPLY)
    assert "$entry = $operationTable[[string]$Operation.op]" in text
    assert "if ($entry.Parameters -notcontains $key)" in text


def test_everything_is_checked_before_the_first_change_and_undone_newest_first():
    text = read(APPLY)
    check = text.index("$null = Get-NetreqSplat -Operation $operation.undo")
    first_change = text.index("Invoke-NetreqOperation -Operation $operation\n")
    assert check < first_change
    assert "for ($index = $done.Count - 1; $index -ge 0; $index--)" in text
    assert "Invoke-NetreqOperation -Operation $done[$index].undo" in text
    assert text.index("if ($module.CheckMode)") < first_change


def test_writes_and_reads_use_the_same_store():
    assert "$splat['PolicyStore'] = 'PersistentStore'" in read(APPLY)
    assert "$store = 'PersistentStore'" in read(STATE)


def test_the_facts_module_changes_nothing():
    # the one mention allowed: asking whether the keyword cmdlet exists
    code = "\n".join(line for line in code_lines(FACTS) + code_lines(STATE) if "Get-Command" not in line)
    assert not re.search(r"\b(New|Set|Remove|Enable|Disable|Rename|Copy)-NetFirewall", code)
    assert re.search(r"supports_check_mode = \$true", code)


def golden_operations():
    with open(os.path.join(HERE, "fixtures", "lab_profile.yml"), encoding="utf-8") as stream:
        rules = compile_rules(yaml.safe_load(stream))
    with open(os.path.join(HERE, "fixtures", "host_fresh.json"), encoding="utf-8") as stream:
        facts = json.load(stream)
    rendering = windows.render(rules, fqdn_strategy="windows_dynamic_keyword")
    desired = wp.desired_state(rendering, egress_policy="allowlist")
    return wp.make_plan(desired, wp.host_state(facts)).operations


def test_operations_sent_to_the_apply_module_are_golden():
    operations = golden_operations()
    text = json.dumps(operations, indent=1, sort_keys=True) + "\n"
    if os.environ.get("NETREQ_UPDATE_GOLDEN"):
        with open(GOLDEN, "w", encoding="utf-8") as stream:
            stream.write(text)
    assert text == read(GOLDEN)
