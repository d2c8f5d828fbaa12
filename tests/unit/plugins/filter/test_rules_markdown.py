"""The rules_markdown filter: one row per Rule; anything else is refused by the Rule contract."""

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.netreq.firewall.plugins.filter.rules_markdown import rules_markdown
from ansible_collections.netreq.firewall.plugins.module_utils._model.rules import compile_rules


def test_one_row_per_rule_with_pipes_escaped():
    rules = compile_rules("pdq_connect", component="web_browser")
    rules[0]["description"] = "a | b"
    lines = rules_markdown(rules).splitlines()
    assert lines[0] == "| id | component | direction | protocol | ports | remote | description | source |"
    assert len(lines) == 2 + len(rules)
    assert lines[2].startswith("| %s | web_browser | egress | tcp | 443 | " % rules[0]["id"])
    assert "a \\| b" in lines[2]


def test_not_a_rule_list_is_refused():
    with pytest.raises(AnsibleFilterError, match="netreq.firewall.rules_markdown: item 0 is not a Rule"):
        rules_markdown([{"id": "x"}])
