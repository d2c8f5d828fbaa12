"""Every case of bad_inputs.yml fails at its entry point with a message holding its expected fragments.

The cases run through the real entry points (filters, templates, modules,
playbooks; see bad_inputs.py) once per session (conftest.py); each case is then one test.
"""

import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import bad_inputs  # noqa: E402  pylint: disable=wrong-import-position

CASES = bad_inputs.load_cases()


def test_the_table_covers_every_entry_point():
    assert len(CASES) >= 50
    assert {case["entry"] for case in CASES} == {"filter", "template", "module", "playbook"}
    assert all(case.get("expect") for case in CASES)


@pytest.mark.parametrize("case", CASES, ids=[case["id"] for case in CASES])
def test_bad_input_is_refused_with_a_message_naming_it(case, bad_input_messages):
    message = bad_input_messages[case["id"]]
    assert message is not None, "%s: the input was accepted" % case["id"]
    assert not message.startswith("UNHANDLED"), message
    for fragment in case["expect"]:
        assert fragment in message, "%s: %r not in %r" % (case["id"], fragment, message)
    for fragment in case.get("refuse") or []:
        assert fragment not in message, "%s: %r in %r" % (case["id"], fragment, message)
    # a message fit for the report: no Python class names, no traceback
    assert "Traceback" not in message and "<class" not in message, message
