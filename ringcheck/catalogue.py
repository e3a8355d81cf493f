"""The catalogue of documented behaviours (docs/behaviours.toml): what each ``@behaviour:<id>``
tag means, so the report can file scenarios under the behaviours they check."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

CATALOGUE = Path(__file__).resolve().parent.parent / "docs" / "behaviours.toml"


@dataclass(frozen=True)
class Behaviour:
    id: str
    title: str
    section: str
    platforms: tuple[str, ...]
    pages: tuple[str, ...]
    spec: str | None = None
    """Where ringcheck's own notes state a rule that no document states (then it has no platforms)."""
    not_checked: str | None = None
    """Why ringcheck does not check it (media, UI, another SDK)."""
    gap: str | None = None
    """A documented behaviour in scope that no scenario checks yet, and what is missing."""

    @property
    def documented(self) -> bool:
        return bool(self.platforms)

    @property
    def expects_scenarios(self) -> bool:
        return self.not_checked is None and self.gap is None


@cache
def behaviours(path: Path = CATALOGUE) -> dict[str, Behaviour]:
    """Every catalogued behaviour by id; empty where the catalogue is not beside the package."""
    if not path.is_file():
        return {}
    table = tomllib.loads(path.read_text(encoding="utf-8"))
    entries = table.get("behaviour") or table.get("behaviours") or []
    found: dict[str, Behaviour] = {}
    for entry in entries:
        found[entry["id"]] = Behaviour(
            id=entry["id"],
            title=entry.get("title", entry["id"]),
            section=entry.get("section", ""),
            platforms=tuple(entry.get("platforms", ())),
            pages=tuple(entry.get("pages", ())),
            spec=entry.get("spec"),
            not_checked=entry.get("not_checked"),
            gap=entry.get("gap"),
        )
    return found


def title_of(behaviour_id: str) -> str:
    known = behaviours().get(behaviour_id)
    return known.title if known else behaviour_id
