"""Refusals: the one way the mock server says no.

Every refusal carries a code from CometChat's REST error vocabulary (or, where CometChat has none
that fits, one of ringcheck's own, listed in docs/spec-notes.md), so a client can tell refusals
apart without parsing prose. The HTTP status for each code lives in the HTTP layer.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any


class ErrorCode(StrEnum):
    # Requests that are not understood.
    BAD_REQUEST = "ERR_BAD_REQUEST"
    PAYLOAD_TOO_LARGE = "ERR_PAYLOAD_TOO_LARGE"
    ROUTE_NOT_FOUND = "ERR_ROUTE_NOT_FOUND"
    METHOD_NOT_ALLOWED = "ERR_METHOD_NOT_ALLOWED"
    INTERNAL = "ERR_INTERNAL"
    # Credentials.
    AUTH_TOKEN_NOT_FOUND = "AUTH_ERR_AUTH_TOKEN_NOT_FOUND"
    APIKEY_NOT_FOUND = "AUTH_ERR_APIKEY_NOT_FOUND"
    # Who and what.
    UID_NOT_FOUND = "ERR_UID_NOT_FOUND"
    GUID_NOT_FOUND = "ERR_GUID_NOT_FOUND"
    UID_ALREADY_EXISTS = "ERR_UID_ALREADY_EXISTS"
    GUID_ALREADY_EXISTS = "ERR_GUID_ALREADY_EXISTS"
    CALL_SESSION_NOT_FOUND = "ERR_CALL_SESSION_NOT_FOUND"
    # Call transitions.
    CALLING_SELF = "ERR_CALLING_SELF"
    CALL_TERMINATED = "ERR_CALL_TERMINATED"
    CALL_INVALID_INIT = "ERR_CALL_INVALID_INIT"
    CALL_NOT_STARTED = "ERR_CALL_NOT_STARTED"
    CALL_USER_ALREADY_JOINED = "ERR_CALL_USER_ALREADY_JOINED"
    CALL_ONGOING_TO_INVALID = "ERR_CALL_ONGOING_TO_INVALID"
    CALL_NOT_A_PART = "ERR_CALL_NOT_A_PART"
    CALL_WRONG_PARTY = "ERR_CALL_WRONG_PARTY"
    CALL_ALREADY_REJECTED = "ERR_CALL_USER_ALREADY_REJECTED"
    CALL_GROUP_INVALID_STATUS = "ERR_CALL_GROUP_INVALID_STATUS"
    # Steering API.
    WAIT_TIMED_OUT = "ERR_WAIT_TIMED_OUT"
    FAULT_NOT_FOUND = "ERR_FAULT_NOT_FOUND"


class Refusal(Exception):
    """An operation was refused; nothing was changed."""

    def __init__(self, code: ErrorCode, message: str, **details: Any) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.details = details

    def as_json(self) -> dict[str, Any]:
        error: dict[str, Any] = {"code": str(self.code), "message": self.message}
        if self.details:
            error["details"] = self.details
        return {"error": error}
