"""Where the suite's files are: beside the package in a checkout, under ``ringcheck/_suite`` in a wheel.

The repository keeps ``features/``, ``steps/`` and ``sdkbridge/`` at its top (they are what people
read); the wheel maps them under the package, so an installed ringcheck runs from any folder.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
PACKAGED = PACKAGE / "_suite"
CHECKOUT = PACKAGE.parent
STEP_MODULES = ("calling", "outcomes", "people", "time", "faults")


def installed() -> bool:
    return (PACKAGED / "features").is_dir()


def root() -> Path:
    """The folder holding ``features/`` and ``steps/``."""
    return PACKAGED if installed() else CHECKOUT


def steps_package() -> str:
    return "ringcheck._suite.steps" if installed() else "steps"


def step_plugins() -> list[str]:
    return [f"{steps_package()}.{name}" for name in STEP_MODULES]


def allure_tool() -> Path:
    """The pinned Allure command line's npm project (``tools/allure`` in a checkout)."""
    return PACKAGED / "allure" if installed() else CHECKOUT / "tools" / "allure"


def sdkbridge() -> Path:
    return PACKAGED / "sdkbridge" if installed() else CHECKOUT / "sdkbridge"
