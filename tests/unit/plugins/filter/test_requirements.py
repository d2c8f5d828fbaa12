"""The requirements filter: one profile or a list of selections, errors as filter errors."""

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.netreq.firewall.plugins.filter.requirements import requirements as requirements_filter
from ansible_collections.netreq.firewall.plugins.module_utils._model.rules import RULE_KEYS


def test_one_profile_and_a_selection_list_give_the_same_rules():
    alone = requirements_filter("pdq_connect", component="web_browser")
    listed = requirements_filter([{"profile": "pdq_connect", "component": "web_browser"}])
    assert alone == listed
    assert all(tuple(rule) == RULE_KEYS for rule in alone)


CASES = [
    ("same requirement selected twice", lambda: requirements_filter([{"profile": "pdq_connect"}, {"profile": "pdq_connect", "component": "agent"}]),
     ["profile pdq_connect", "requirement agent_wss", "comes from selections 1 and 2"]),
    ("selection without a profile", lambda: requirements_filter([{"component": "agent"}]), ["field selections[0].profile", "selection 1 has no profile"]),
    ("selection list with outer options", lambda: requirements_filter([{"profile": "pdq_connect"}], component="agent"),
     ["put component, params, enable and expires inside each selection"]),
    ("argument of the wrong type", lambda: requirements_filter("rackspace_pdr", params=["agent_cidrs"]),
     ["netreq.firewall.requirements", "params"]),
    ("bad parameter value", lambda: requirements_filter("rackspace_pdr", params={"agent_cidrs": ["198.51.100.5/24"]}),
     ["profile rackspace_pdr", "field params.agent_cidrs", "host bits set"]),
]


@pytest.mark.parametrize("name, call, fragments", CASES, ids=[case[0] for case in CASES])
def test_bad_input_is_a_filter_error_naming_the_problem(name, call, fragments):
    with pytest.raises(AnsibleFilterError) as info:
        call()
    for fragment in fragments:
        assert fragment in str(info.value), "%s: %r not in %r" % (name, fragment, str(info.value))
