"""docs/profiles/ must match the catalog: regenerate with tests/tools/generate_profile_docs.py."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tools"))

import generate_profile_docs  # noqa: E402  pylint: disable=wrong-import-position


def test_profile_docs_are_fresh():
    assert generate_profile_docs.stale_files() == [], "run: python tests/tools/generate_profile_docs.py"


def test_every_builtin_profile_has_a_page():
    pages = {name + ".md" for name in generate_profile_docs.builtin_profiles()} | {"README.md"}
    assert pages <= set(generate_profile_docs.expected_files())


def test_every_docs_site_page_is_in_the_table_of_contents():
    import yaml

    with open(os.path.join(generate_profile_docs.REPO, "docs", "docsite", "extra-docs.yml")) as stream:
        listed = {page for section in yaml.safe_load(stream)["sections"] for page in section["toctree"]}
    pages = {name[:-4] for name in os.listdir(generate_profile_docs.DOCSITE) if name.endswith(".rst")}
    assert pages == listed
