"""Credentials: auth tokens for REST and the JWTs that authenticate a WebSocket.

Opaque random strings, readable enough in a journal to see whose they are.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from .errors import ErrorCode, Refusal


@dataclass
class Sessions:
    _tokens: dict[str, str] = field(default_factory=dict)
    _jwts: dict[str, str] = field(default_factory=dict)

    def reset(self) -> None:
        self._tokens.clear()
        self._jwts.clear()

    def issue_token(self, uid: str) -> str:
        token = f"{uid}.{secrets.token_hex(12)}"
        self._tokens[token] = uid
        return token

    def issue_jwt(self, uid: str) -> str:
        jwt = f"jwt.{uid}.{secrets.token_hex(12)}"
        self._jwts[jwt] = uid
        return jwt

    def uid_for_token(self, token: str | None) -> str:
        uid = self._tokens.get(token or "")
        if uid is None:
            raise Refusal(
                ErrorCode.AUTH_TOKEN_NOT_FOUND,
                "a valid authToken header is required; log in first" if token else "the authToken header is missing",
            )
        return uid

    def peek(self, token: str | None) -> str | None:
        """Whose token this is, without refusing; for the journal."""
        return self._tokens.get(token or "")

    def uid_for_jwt(self, jwt: object) -> str | None:
        return self._jwts.get(jwt) if isinstance(jwt, str) else None

    def revoke(self, token: str) -> None:
        self._tokens.pop(token, None)
