"""The ringcheck plugin and the step definitions come from the installed ``pytest11`` entry point
(ringcheck/pytest_entry.py); pytester is for the plugin's own tests."""

pytest_plugins = ["pytester"]
