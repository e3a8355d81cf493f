"""The JSON shapes of CometChat's v3.0 protocol that the real SDK reads (SPEC section 6).

Kept apart from the handlers so the shape of a call message is written down once: the REST
``data`` of a call operation and the WebSocket ``body`` of the event it causes are the same dict.
"""

from __future__ import annotations

import functools
from typing import Any

from . import jsonio
from .calls import Call, ReceiverType
from .directory import Directory, Group, User

API_VERSION = "v3.0"
SERVER_DEVICE = "ringcheck-mock-server"
"""The ``deviceId`` of frames no client request caused (server-side ring expiry)."""


def user_json(user: User) -> dict[str, Any]:
    return {
        "uid": user.uid,
        "name": user.name,
        "status": "online",
        "role": "default",
        "avatar": "",
        "link": "",
        "metadata": {},
        "tags": [],
        "lastActiveAt": 0,
    }


def group_json(group: Group) -> dict[str, Any]:
    return {
        "guid": group.guid,
        "name": group.name,
        "type": "private",
        "membersCount": len(group.members),
        "hasJoined": True,
        "scope": "participant",
    }


def _user_entity(user: User) -> dict[str, Any]:
    """One shared dict per user: a call message names two or three users, and messages are only
    encoded, never changed, so building them afresh each time was pure cost."""
    return _user_entity_of(user.uid, user.name)


@functools.lru_cache(maxsize=65_536)
def _user_entity_of(uid: str, name: str) -> dict[str, Any]:
    # Keyed by the strings, not the User: a frozen dataclass hashes in Python, a str in C.
    return {"entityType": "user", "entity": user_json(User(uid, name))}


def _receiver_entity(call: Call, directory: Directory) -> dict[str, Any]:
    if call.receiver_type is ReceiverType.GROUP:
        return {"entityType": "group", "entity": group_json(directory.group(call.receiver_id))}
    return _user_entity(directory.user(call.receiver_id))


def conversation_id(call: Call) -> str:
    if call.receiver_type is ReceiverType.GROUP:
        return f"group_{call.receiver_id}"
    caller, receiver = call.caller.uid, call.receiver_id
    return f"{caller}_user_{receiver}" if caller <= receiver else f"{receiver}_user_{caller}"


def call_message(call: Call, directory: Directory, message_id: int) -> dict[str, Any]:
    """The call message for ``call`` as it stands now."""
    receiver = _receiver_entity(call, directory)
    status, call_type, receiver_type = str(call.status), str(call.call_type), str(call.receiver_type)
    entity: dict[str, Any] = {
        "sessionid": call.session_id,
        "status": status,
        "type": call_type,
        "receiverType": receiver_type,
        "initiatedAt": int(call.initiated_at),
        "data": {
            "entities": {
                "sender": _user_entity(directory.user(call.caller.uid)),
                "receiver": receiver,
            }
        },
    }
    if call.joined_at is not None:
        entity["joinedAt"] = int(call.joined_at)
    if call.ended_at is not None:
        entity["endedAt"] = int(call.ended_at)
    updated_at = int(call.updated_at)
    return {
        "id": str(message_id),
        "conversationId": conversation_id(call),
        "sender": call.sender,
        "receiver": call.receiver_id,
        "receiverType": receiver_type,
        "category": "call",
        "type": call_type,
        "sentAt": updated_at,
        "updatedAt": updated_at,
        "data": {
            "action": status,
            "entities": {
                "by": _user_entity(directory.user(call.sender)),
                "for": receiver,
                "on": {"entityType": "call", "entity": entity},
            },
        },
    }


def participants_json(call: Call) -> dict[str, Any]:
    """Where each member stands: for QA inspection, not part of CometChat's protocol."""
    return {
        "caller": {"uid": call.caller.uid, "device": call.caller.device},
        "joined": [{"uid": uid, "device": device} for uid, device in call.joined_members()],
        "rejected": [uid for uid, a in call.answers if a.answer == "rejected"],
        "ringing": call.ringing_members(),
    }


def settings_json(host: str, port: int) -> dict[str, Any]:
    """App settings that point the SDK back at this server after login (SDK-NOTES, pitfall 2)."""
    authority = f"{host}:{port}"
    return {
        "CLIENT_API_HOST": authority,
        "ADMIN_API_HOST": authority,
        "CHAT_API_VERSION": API_VERSION,
        "CHAT_HOST": host,
        "CHAT_WSS_PORT": port,
        "ANALYTICS_PING_DISABLED": True,
        "APP_VERSION": 4,
        "MODE": "DEFAULT",
    }


def _frame_head(app_id: str, origin: str | None, message: dict[str, Any]) -> dict[str, Any]:
    return {
        "appId": app_id,
        "type": "message",
        "deviceId": origin or SERVER_DEVICE,
        "sender": message["sender"],
        "receiver": message["receiver"],
        "receiverType": message["receiverType"],
    }


def message_frame(app_id: str, origin: str | None, message: dict[str, Any]) -> dict[str, Any]:
    return {**_frame_head(app_id, origin, message), "body": message}


def encoded_frame(app_id: str, origin: str | None, message: dict[str, Any], message_json: bytes) -> bytes:
    """:func:`message_frame` as JSON, around the message's JSON already encoded for the REST answer."""
    return jsonio.dumps(_frame_head(app_id, origin, message))[:-1] + b',"body":' + message_json + b"}"
