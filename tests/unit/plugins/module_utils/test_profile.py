"""Loading profiles: the built-in catalog by name, parameter defaults checked at load time."""

import os

from ansible_collections.netreq.firewall.plugins.module_utils._model.profile import CATALOG_DIR, builtin_profiles, load_profile

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


def test_a_profile_file_in_json_or_in_yaml_flow_style_loads_the_same(tmp_path):
    import json

    import yaml

    with open(os.path.join(CATALOG_DIR, "rackspace_pdr.yml")) as stream:
        data = yaml.safe_load(stream)
    as_json = tmp_path / "vendor.json"
    as_json.write_text(json.dumps(data))
    # flow-style YAML also starts with "{" but is not JSON (unquoted keys): the YAML parser reads it
    as_flow = tmp_path / "vendor.yml"
    as_flow.write_text(yaml.safe_dump(data, default_flow_style=True))
    assert not as_flow.read_text().startswith('{"')
    expected = load_profile("rackspace_pdr")
    for path in (as_json, as_flow):
        loaded = load_profile(str(path))
        assert loaded.name == expected.name
        assert [req.id for req in loaded.requirements] == [req.id for req in expected.requirements]
