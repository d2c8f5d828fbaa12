"""The PowerShell files parsed with a PowerShell grammar (tree-sitter-powershell), since pwsh cannot run here.

A syntax error in a module would otherwise first show on a Windows host. The
parse tree also lets the checks be about commands rather than text: which
commands each file invokes, and that the apply module's only computed command
is the one taken from its operation table.
"""

import glob
import os

import pytest
import tree_sitter
import tree_sitter_powershell

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", "..", "..", "..", ".."))
FILES = sorted(glob.glob(os.path.join(REPO, "plugins", "modules", "*.ps1"))
               + glob.glob(os.path.join(REPO, "plugins", "module_utils", "*.psm1")))
PARSER = tree_sitter.Parser(tree_sitter.Language(tree_sitter_powershell.language()))

# Every command the files may invoke: the read and write cmdlets of NetSecurity, the module's
# own functions, and a few core ones. A new command is a decision, made here.
READ = {"Get-NetFirewallRule", "Get-NetFirewallPortFilter", "Get-NetFirewallAddressFilter", "Get-NetFirewallProfile",
        "Get-NetFirewallDynamicKeywordAddress", "Get-Command"}
CORE = {"Where-Object", "ForEach-Object", "Select-Object", "Out-Null", "Export-ModuleMember"}
OWN = {"Get-NetreqFirewallState", "Get-NetreqSplat", "Invoke-NetreqOperation"}


def problems(source):
    """Syntax errors and missing tokens as ``line:column`` strings."""
    found = []

    def walk(node):
        if node.type == "ERROR" or node.is_missing:
            found.append("%d:%d %s" % (node.start_point[0] + 1, node.start_point[1] + 1,
                                       "missing " + node.type if node.is_missing else "syntax error"))
        for child in node.children:
            walk(child)
    walk(PARSER.parse(source).root_node)
    return found


def commands(path):
    """The command names a file invokes (text of each ``command_name``)."""
    with open(path, "rb") as stream:
        tree = PARSER.parse(stream.read())
    names = []

    def walk(node):
        if node.type == "command":
            name = node.child_by_field_name("command_name")
            names.append(name.text.decode() if name is not None else node.text.decode())
        for child in node.children:
            walk(child)
    walk(tree.root_node)
    return names


def test_the_parser_finds_errors():
    assert problems(b'if ($x { "a" ')
    assert problems(b"$table = @{ a = 1\n")
    assert not problems(b'if ($x) { "a" }\n')


@pytest.mark.parametrize("path", FILES, ids=os.path.basename)
def test_every_powershell_file_parses(path):
    with open(path, "rb") as stream:
        assert problems(stream.read()) == []


def test_there_are_powershell_files_to_check():
    assert sorted(os.path.basename(path) for path in FILES) == [
        "WindowsFirewallState.psm1", "windows_ruleset_apply.ps1", "windows_ruleset_facts.ps1"]


def test_the_read_side_invokes_only_read_commands():
    for name in ("windows_ruleset_facts.ps1", "WindowsFirewallState.psm1"):
        path = [item for item in FILES if item.endswith(name)][0]
        assert set(commands(path)) <= READ | CORE | OWN, name


def test_the_apply_module_calls_cmdlets_only_through_its_table():
    path = [item for item in FILES if item.endswith("windows_ruleset_apply.ps1")][0]
    names = commands(path)
    assert set(names) <= CORE | OWN | {"$command"}
    assert names.count("$command") == 1
