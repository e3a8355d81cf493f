"""The ``pytest11`` entry point: the ringcheck plugin and its step definitions, for every pytest
run in an environment where ringcheck's suite is installed.

A guard, because the base install (``pip install ringcheck``) is the mock server alone: there,
pytest may be installed for other reasons without pytest-bdd, and must not break on ringcheck.
"""

from __future__ import annotations

import importlib.util

from . import suite

_SUITE_DEPENDENCIES = ("pytest_bdd", "allure", "svg")

pytest_plugins = (
    ["ringcheck.plugin", *suite.step_plugins()]
    if all(importlib.util.find_spec(name) is not None for name in _SUITE_DEPENDENCIES)
    else []
)
