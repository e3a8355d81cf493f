"""Set-up mistakes found before the first scenario runs, each reported once with the fix.

Without these checks a misspelled environment variable is silently ignored and a cast entry
without ``=`` quietly maps nobody; the run then fails far from the cause, once per scenario.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from dataclasses import fields

from mockserver.directory import DEFAULT_SEED

from .settings import Settings

OTHER_ENV = (
    "RINGCHECK_SDK_APP_ID",
    "RINGCHECK_SDK_AUTH_KEY",
    "RINGCHECK_SDK_REGION",
    "RINGCHECK_SDK_HOST",
    "RINGCHECK_SDK_CA_FILE",
    "RINGCHECK_SDK_PLAIN",
    "RINGCHECK_SDK_TRACE",
    "RINGCHECK_SDKBRIDGE_DIR",
    "RINGCHECK_NODE",
    "RINGCHECK_EXPECTATIONS",
    "RINGCHECK_FUZZ_EXAMPLES",
)
"""Variables read outside :class:`Settings` (the real-SDK adapter, the expectations file, the
fuzz tests' number of examples)."""

CAST_NAMES = tuple(sorted({u.uid for u in DEFAULT_SEED.users} | {g.guid for g in DEFAULT_SEED.groups}))
"""The people and groups the feature files speak of, in lower case."""


def known_environment() -> list[str]:
    return sorted({*(f.metadata["env"] for f in fields(Settings)), *OTHER_ENV})


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=3, cutoff=0.6)
    return f"; did you mean {' or '.join(close)}?" if close else ""


def check_environment(environ: Mapping[str, str]) -> None:
    """Refuse ``RINGCHECK_*`` variables nobody reads: a typo would otherwise change nothing, silently."""
    known = known_environment()
    unknown = sorted(name for name in environ if name.startswith("RINGCHECK_") and name not in known)
    if unknown:
        lines = [f"{name} is not a ringcheck setting{did_you_mean(name, known)}" for name in unknown]
        raise ValueError("; ".join(lines) + f" (known: {', '.join(known)})")


def check_cast(settings: Settings) -> None:
    """Every part of ``--ringcheck-cast`` maps a name the feature files use."""
    if not settings.cast:
        return
    if not settings.cast.endswith(".toml"):
        for part in filter(None, (p.strip() for p in settings.cast.split(","))):
            name, sep, value = part.partition("=")
            if not sep or not name.strip() or not value.strip():
                raise ValueError(f"--ringcheck-cast: {part!r} is not name=id (e.g. alex=superhero1)")
    for name in settings.cast_map():
        if name not in CAST_NAMES:
            raise ValueError(
                f"--ringcheck-cast: nobody in the feature files is called {name!r}{did_you_mean(name, CAST_NAMES)}"
                f" (the feature files' people and groups: {', '.join(CAST_NAMES)})"
            )
