"""Reading a call message (REST ``data`` or WebSocket ``body``) the way the SDK reads it."""

from __future__ import annotations

from typing import Any

from ..adapter import CallInfo, CallStatus, CallType, ReceiverType


class MalformedMessage(ValueError):
    """The SDK would drop this message silently; ringcheck says why."""


def _dig(message: dict[str, Any], *path: str) -> Any:
    value: Any = message
    for key in path:
        if not isinstance(value, dict) or key not in value:
            raise MalformedMessage(f"call message has no {'.'.join(path)}")
        value = value[key]
    return value


def call_info(message: dict[str, Any]) -> CallInfo:
    """A :class:`CallInfo` from a call message; top-level ``status``/``sessionId`` win, as in the SDK."""
    entity = _dig(message, "data", "entities", "on", "entity")
    receiver_entity = _dig(message, "data", "entities", "for", "entity")
    try:
        by = message["data"]["entities"]["by"]["entity"]["uid"]
    except (KeyError, TypeError):
        by = None
    try:
        return CallInfo(
            session_id=str(message.get("sessionId") or entity["sessionid"]),
            status=CallStatus(message.get("status") or entity["status"]),
            call_type=CallType(message.get("type") or entity["type"]),
            receiver_type=ReceiverType(message["receiverType"]),
            initiator=str(entity["data"]["entities"]["sender"]["entity"]["uid"]),
            receiver=str(receiver_entity.get("uid") or receiver_entity.get("guid") or message.get("receiver")),
            sender=by,
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise MalformedMessage(f"call message is missing or has a bad field: {exc}") from exc
