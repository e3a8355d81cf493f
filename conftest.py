"""Loads the ringcheck plugin and the step definitions for every pytest run in this repository."""

pytest_plugins = ["ringcheck.plugin", "steps.calling", "steps.outcomes", "steps.people", "steps.time", "pytester"]
