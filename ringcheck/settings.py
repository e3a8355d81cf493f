"""Every setting of a ringcheck run in one place: command-line option, environment variable, default.

The README's configuration table is this list; ``python -m ringcheck.settings`` prints it.
"""

from __future__ import annotations

import math
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from mockserver.config import DEFAULT_API_KEY, DEFAULT_APP_ID

from .sdk.profiles import DEFAULT_PROFILE, PROFILES, profile_named


def _meta(option: str, env: str, help: str) -> dict[str, Any]:
    return {"option": option, "env": env, "help": help}


@dataclass(frozen=True)
class Settings:
    adapter: str = field(
        default="wire",
        metadata=_meta(
            "--ringcheck-adapter",
            "RINGCHECK_ADAPTER",
            "who plays the devices: 'wire' (ringcheck's reference client), 'sdk' (a real CometChat SDK in Node, "
            "see --ringcheck-sdk), 'browser' (the JavaScript SDK 4.2.0 in headless Chromium), or "
            "'package.module:factory' for your own adapter",
        ),
    )
    sdk: str = field(
        default=DEFAULT_PROFILE,
        metadata=_meta(
            "--ringcheck-sdk",
            "RINGCHECK_SDK",
            f"which CometChat SDK the 'sdk' adapter runs: {', '.join(PROFILES)} (JavaScript v4, JavaScript v3, "
            "React Native v4); each has its own known differences",
        ),
    )
    server: str = field(
        default="embedded",
        metadata=_meta(
            "--ringcheck-server",
            "RINGCHECK_SERVER",
            "'embedded' starts the bundled mock server in-process; a URL (http://127.0.0.1:8080) uses a running one; "
            "'cometchat' (with the sdk adapter) a real CometChat app from RINGCHECK_SDK_*",
        ),
    )
    app_id: str = field(default=DEFAULT_APP_ID, metadata=_meta("--ringcheck-app-id", "RINGCHECK_APP_ID", "app id"))
    api_key: str = field(
        default=DEFAULT_API_KEY,
        metadata=_meta("--ringcheck-api-key", "RINGCHECK_API_KEY", "auth key for login(uid, authKey)"),
    )
    admin: bool = field(
        default=False,
        metadata=_meta(
            "--ringcheck-admin",
            "RINGCHECK_ADMIN",
            "the server at --ringcheck-server offers ringcheck's steering API (/_admin/): reset, clock, journal",
        ),
    )
    ca_file: str = field(
        default="", metadata=_meta("--ringcheck-ca-file", "RINGCHECK_CA_FILE", "CA to trust for an https server")
    )
    deadline: float = field(
        default=5.0,
        metadata=_meta(
            "--ringcheck-deadline", "RINGCHECK_DEADLINE", "seconds to wait for a party to be told something"
        ),
    )
    cast: str = field(
        default="",
        metadata=_meta(
            "--ringcheck-cast",
            "RINGCHECK_CAST",
            "who the feature files' people and groups are on your server: 'alex=superhero1,team=cometchat-guid-1', "
            "or a file 'cast.toml' with one 'alex = \"superhero1\"' line each (default: the name in lower case)",
        ),
    )

    def uid_of(self, name: str) -> str:
        return self.cast_map().get(name.lower(), name.lower())

    def cast_map(self) -> dict[str, str]:
        """``alex=uid1,team=guid1``, or a ``.toml`` file holding ``alex = "uid1"`` lines.

        (Not ``@file``: pytest reads an argument starting with ``@`` as a file of arguments.)"""
        if self.cast.endswith(".toml"):
            path = Path(self.cast)
            try:
                table = tomllib.loads(path.read_text(encoding="utf-8"))
            except (OSError, tomllib.TOMLDecodeError) as exc:
                raise ValueError(f"--ringcheck-cast {self.cast}: {exc}") from exc
            if not all(isinstance(v, str) for v in table.values()):
                raise ValueError(f'--ringcheck-cast {self.cast}: every entry must be name = "id"')
            return {k.lower(): v for k, v in table.items()}
        pairs = [p.split("=", 1) for p in self.cast.split(",") if "=" in p]
        return {k.strip().lower(): v.strip() for k, v in pairs}

    @classmethod
    def from_sources(cls, options: Mapping[str, Any], environ: Mapping[str, str] = os.environ) -> Settings:
        """Command-line options win over environment variables, which win over defaults.

        Raises ValueError, naming the setting, for a value that cannot be used."""
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = options.get(f.name)
            if raw is None:
                raw = environ.get(f.metadata["env"])
            if raw is None:
                continue
            if f.type == "bool":
                values[f.name] = raw if isinstance(raw, bool) else str(raw).lower() in ("1", "true", "yes")
            elif f.type == "float":
                try:
                    seconds = float(raw)
                except ValueError:
                    seconds = math.nan
                if not 0 < seconds < math.inf:
                    raise ValueError(f"{f.metadata['option']} must be a positive number of seconds, not {raw!r}")
                values[f.name] = seconds
            else:
                values[f.name] = str(raw)
        settings = cls(**values)
        profile_named(settings.sdk)  # an unknown SDK profile is refused now, naming the choices
        settings.cast_map()  # a cast file that cannot be read is refused now, not mid-run
        return settings


def _shown(default: object) -> str:
    if default is False:
        return "off"
    return f"`{default}`" if default != "" else "none"


def table() -> str:
    """The README's configuration table, from the settings themselves."""
    rows = ["| option | environment | default | meaning |", "| --- | --- | --- | --- |"]
    for f in fields(Settings):
        option, env = f.metadata["option"], f.metadata["env"]
        rows.append(f"| `{option}` | `{env}` | {_shown(f.default)} | {f.metadata['help']} |")
    return "\n".join(rows)


if __name__ == "__main__":
    print(table())
