"""Profile text in the keyword rules' PowerShell stays one verbatim string, typographic quotes included.

PowerShell cannot run here, so the check reads the rendered literal the way
Microsoft's about_Quoting_Rules describes PowerShell reading it
(https://learn.microsoft.com/powershell/module/microsoft.powershell.core/about/about_quoting_rules):
a single-quoted string is verbatim; a quote character written twice stands
for one; and "PowerShell treats smart quotation marks, also called
typographic or curly quotes, as normal quotation marks for strings", which
for single quotes are U+2018 to U+201B besides the ASCII one.
"""

import pytest

from ansible_collections.netreq.firewall.plugins.module_utils._model.rules import compile_rules
from ansible_collections.netreq.firewall.plugins.module_utils._render import windows

SINGLE_QUOTES = "'\u2018\u2019\u201a\u201b"  # written from the page above, not from the renderer


def read_verbatim(text, start):
    """(value, index after the closing quote) of the single-quoted string opening at ``start``."""
    assert text[start] in SINGLE_QUOTES, text[start:]
    value, i = [], start + 1
    while i < len(text):
        char = text[i]
        if char in SINGLE_QUOTES:
            if i + 1 < len(text) and text[i + 1] in SINGLE_QUOTES:
                value.append(char)  # a doubled quote stands for one
                i += 2
                continue
            return "".join(value), i + 1
        value.append(char)
        i += 1
    raise AssertionError("unterminated string: %r" % text[start:])


HOSTILE = [
    "Acme\u2019s agent",
    "x\u2019; Injected = $(Write-Host INJECTED); Tail = \u2019y",
    "x\u2018; $(calc); \u2018",
    "\u201a\u201b'\u2019\u2018",
    "x'; Remove-NetFirewallRule -All; '",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_a_quoted_value_reads_back_whole(text):
    literal = windows._ps_quote(text)
    assert read_verbatim(literal, 0) == (text, len(literal))


def test_the_reader_finds_the_old_escaping_unsafe():
    """The check can fail: doubling only the ASCII quote lets a typographic one end the string."""
    text = HOSTILE[1]
    old = "'%s'" % text.replace("'", "''")
    value, end = read_verbatim(old, 0)
    assert value != text and end < len(old)


@pytest.mark.parametrize("text", HOSTILE[:3])
def test_a_description_stays_one_value_in_the_keyword_rule_script(text):
    profile = {
        "schema_version": 1, "name": "acme", "vendor": "Acme", "product": "Agent",
        "components": {"agent": {"description": "The agent."}},
        "requirements": [{"id": "agent_out_app", "component": "agent", "direction": "egress", "protocols": "tcp",
                          "ports": [443], "remote": ["app.example.com"], "description": text, "source": "test"}],
    }
    rendering = windows.render(compile_rules(profile), fqdn_strategy="windows_dynamic_keyword")
    script = rendering["keyword_rules"][0]["powershell"]
    line = [item for item in script.splitlines() if item.strip().startswith("Description = ")][0]
    start = line.index("= ") + 2
    value, end = read_verbatim(line, start)
    assert text in value and line[end:].strip() == ""
