"""Loading profiles: the built-in catalog by name, parameter defaults checked at load time."""

import os

from ansible_collections.netreq.firewall.plugins.module_utils._profile import builtin_profiles, load_profile

CATALOG = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "..", "catalog")


def test_builtin_profiles_are_the_catalog_files():
    assert builtin_profiles() == sorted(name[:-len(".yml")] for name in os.listdir(CATALOG) if name.endswith(".yml"))
    assert {"pdq_connect", "rackspace_pdr", "teradici_cas"} <= set(builtin_profiles())  # the public built-in names


def test_every_builtin_profile_loads_with_its_defaults():
    for name in builtin_profiles():
        profile = load_profile(name)
        assert profile.name == name
        assert all("default" in spec or spec.get("required") for spec in profile.parameters.values())
    assert load_profile("teradici_cas").parameters["radius_port"]["default"] == 1812
