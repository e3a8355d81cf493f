"""Who exists: the users and groups the server knows, and the seed they start from.

A seed is a small JSON or TOML file::

    [[users]]
    uid = "alex"
    name = "Alex"

    [[groups]]
    guid = "team"
    name = "Team"
    members = ["alex", "bob", "carol"]

Resetting the server restores the seed, so every scenario starts from the same people.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import ErrorCode, Refusal

_ID = re.compile(r"^[A-Za-z0-9_.@-]{1,100}$")


@dataclass(frozen=True)
class User:
    uid: str
    name: str


@dataclass(frozen=True)
class Group:
    guid: str
    name: str
    members: tuple[str, ...]


@dataclass(frozen=True)
class Seed:
    users: tuple[User, ...]
    groups: tuple[Group, ...] = ()


DEFAULT_SEED = Seed(
    users=(
        User("alex", "Alex"),
        User("bob", "Bob"),
        User("carol", "Carol"),
        User("dave", "Dave"),
    ),
    groups=(Group("team", "Team", ("alex", "bob", "carol")),),
)


def check_id(value: object, what: str) -> str:
    """Return ``value`` if it is a usable uid or guid, else refuse with a clear message."""
    if not isinstance(value, str) or not _ID.match(value):
        raise Refusal(
            ErrorCode.BAD_REQUEST,
            f"{what} must be 1 to 100 letters, digits or _.@- characters, got {value!r}",
            field=what,
        )
    return value


def _text(entry: Mapping[str, Any], key: str, default: str) -> str:
    value = entry.get(key, default)
    if not isinstance(value, str):
        raise Refusal(ErrorCode.BAD_REQUEST, f"{key} must be a string, got {value!r}", field=key)
    return value


def user_from_json(entry: object) -> User:
    if not isinstance(entry, Mapping):
        raise Refusal(ErrorCode.BAD_REQUEST, f"a user must be an object, got {entry!r}")
    uid = check_id(entry.get("uid"), "uid")
    return User(uid, _text(entry, "name", uid.capitalize()))


def group_from_json(entry: object) -> Group:
    if not isinstance(entry, Mapping):
        raise Refusal(ErrorCode.BAD_REQUEST, f"a group must be an object, got {entry!r}")
    guid = check_id(entry.get("guid"), "guid")
    members = entry.get("members", [])
    if not isinstance(members, list):
        raise Refusal(ErrorCode.BAD_REQUEST, "members must be a list of uids", field="members")
    return Group(guid, _text(entry, "name", guid.capitalize()), tuple(check_id(m, "member") for m in members))


def load_seed(path: Path) -> Seed:
    """Read a seed file (``.toml`` or JSON); raise ``ValueError`` naming the file on any problem."""
    try:
        text = path.read_text(encoding="utf-8")
        raw: Any = tomllib.loads(text) if path.suffix == ".toml" else json.loads(text)
        if not isinstance(raw, dict):
            raise ValueError("the top level must be a table/object with 'users' and 'groups'")
        users, groups = raw.get("users", []), raw.get("groups", [])
        if not isinstance(users, list) or not isinstance(groups, list):
            raise ValueError("'users' and 'groups' must be lists")
        seed = Seed(users=tuple(user_from_json(u) for u in users), groups=tuple(group_from_json(g) for g in groups))
        Directory(seed)  # refuses groups naming unknown members
    except (OSError, ValueError, Refusal) as exc:
        raise ValueError(f"seed file {path}: {exc}") from exc
    return seed


@dataclass
class Directory:
    """The users and groups of one server; mutable only through :meth:`add_user`/:meth:`add_group`."""

    seed: Seed
    users: dict[str, User] = field(init=False)
    groups: dict[str, Group] = field(init=False)

    def __post_init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.users = {}
        self.groups = {}
        for user in self.seed.users:
            self.add_user(user)
        for group in self.seed.groups:
            self.add_group(group)

    def add_user(self, user: User) -> None:
        if user.uid in self.users:
            raise Refusal(ErrorCode.UID_ALREADY_EXISTS, f"user {user.uid!r} already exists", uid=user.uid)
        self.users[user.uid] = user

    def add_group(self, group: Group) -> None:
        if group.guid in self.groups:
            raise Refusal(ErrorCode.GUID_ALREADY_EXISTS, f"group {group.guid!r} already exists", guid=group.guid)
        for uid in group.members:
            self.user(uid)
        self.groups[group.guid] = group

    def user(self, uid: str) -> User:
        try:
            return self.users[uid]
        except KeyError:
            raise Refusal(ErrorCode.UID_NOT_FOUND, f"there is no user {uid!r}", uid=uid) from None

    def group(self, guid: str) -> Group:
        try:
            return self.groups[guid]
        except KeyError:
            raise Refusal(ErrorCode.GUID_NOT_FOUND, f"there is no group {guid!r}", guid=guid) from None

    def all_users(self) -> Iterable[User]:
        return self.users.values()
