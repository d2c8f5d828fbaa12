"""The bad-input cases run once per session: their messages serve the case tests and the report tests."""

import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import bad_inputs  # noqa: E402  pylint: disable=wrong-import-position


@pytest.fixture(scope="session")
def bad_input_messages():
    return bad_inputs.run_cases(bad_inputs.load_cases())
